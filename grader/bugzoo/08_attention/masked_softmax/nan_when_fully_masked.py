# -inf at masked scores, then a plain stable softmax: a fully masked row is -inf - (-inf) = nan.
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    filled = np.where(np.asarray(mask, dtype=bool), scores, -np.inf)
    exps = np.exp(filled - np.max(filled, axis=axis, keepdims=True))
    return exps / np.sum(exps, axis=axis, keepdims=True)
