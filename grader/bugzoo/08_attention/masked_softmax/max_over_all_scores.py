# Shifts by the max of ALL scores, masked ones included: a huge masked score underflows the kept ones.
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    keep = np.asarray(mask, dtype=bool)
    top = np.max(scores, axis=axis, keepdims=True)
    exps = np.where(keep, np.exp(scores - top), 0)
    total = np.sum(exps, axis=axis, keepdims=True)
    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0)
