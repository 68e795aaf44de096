# Sums the per-row losses instead of averaging them over the batch.
import numpy as np


def cross_entropy_from_logits(logits, target):
    z = np.asarray(logits, dtype=np.float64)
    target = np.asarray(target)
    m = np.max(z, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    return float(np.sum(lse - np.take_along_axis(z, target[..., None], axis=-1)))
