# Writes -inf into the caller's scores array (scores[~mask] = -inf) instead of a copy.
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    keep = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)
    scores[~keep] = -np.inf
    top = np.max(scores, axis=axis, keepdims=True)
    exps = np.exp(scores - np.where(np.isfinite(top), top, 0))
    total = np.sum(exps, axis=axis, keepdims=True)
    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0)
