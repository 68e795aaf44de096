# Keeps a prefix of the argsort order, so a token tied with the one that crosses p is dropped.
import numpy as np


def top_p_filter(logits, p):
    if not 0 < p <= 1:
        raise ValueError("p must be in (0, 1]")
    z = np.array(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z - z.max(axis=-1, keepdims=True))
    probs = exps / exps.sum(axis=-1, keepdims=True)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_probs, axis=-1) - sorted_probs
    drop_sorted = before >= p
    drop = np.zeros_like(drop_sorted)
    np.put_along_axis(drop, order, drop_sorted, axis=-1)
    z[drop] = -np.inf
    return z
