# Converts the losses with dtype=float, so float32 losses come back as float64.
import numpy as np


def perplexity(mean_loss):
    ppl = np.exp(np.asarray(mean_loss, dtype=float))
    return float(ppl) if ppl.ndim == 0 else ppl
