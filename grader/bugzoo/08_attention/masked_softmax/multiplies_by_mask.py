# Zeroes masked exps by multiplying with the mask: a nan or inf score at a masked entry becomes nan.
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    keep = np.asarray(mask, dtype=bool)
    top = np.max(np.where(keep, scores, -np.inf), axis=axis, keepdims=True)
    exps = np.exp(scores - np.where(np.isfinite(top), top, 0)) * keep
    total = np.sum(exps, axis=axis, keepdims=True)
    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0)
