# Accumulates the probabilities in vocabulary order instead of from the most likely token down.
import numpy as np


def top_p_filter(logits, p):
    if not 0 < p <= 1:
        raise ValueError("p must be in (0, 1]")
    out = np.array(logits)  # a copy
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    exps = np.exp(out - out.max(axis=-1, keepdims=True))
    probs = exps / exps.sum(axis=-1, keepdims=True)
    before = np.cumsum(probs, axis=-1) - probs  # mass of the tokens listed before this one
    out[before >= p] = -np.inf
    return out
