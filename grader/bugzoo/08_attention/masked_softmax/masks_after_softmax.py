# Softmax over every score, then zeroes the masked weights: the kept weights no longer sum to 1.
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    exps = np.exp(scores - np.max(scores, axis=axis, keepdims=True))
    weights = exps / np.sum(exps, axis=axis, keepdims=True)
    return np.where(np.asarray(mask, dtype=bool), weights, 0)
