# Returns exp(-loss), which is 1 / perplexity (the geometric-mean probability of the target).
import numpy as np


def perplexity(mean_loss):
    ppl = np.exp(-np.asarray(mean_loss))
    return float(ppl) if ppl.ndim == 0 else ppl
