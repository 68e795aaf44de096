# Builds the filled scores from np.full(shape, -np.inf), which is float64: float32 input comes back float64.
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores)
    keep = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)
    filled = np.full(scores.shape, -np.inf)
    filled[keep] = scores[keep]
    top = np.max(filled, axis=axis, keepdims=True)
    exps = np.exp(filled - np.where(np.isfinite(top), top, 0))
    total = np.sum(exps, axis=axis, keepdims=True)
    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0)
