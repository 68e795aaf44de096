# Sums the per-row losses instead of averaging them over the batch.
import numpy as np


def cross_entropy(probs, target):
    probs = np.asarray(probs, dtype=np.float64)
    target = np.asarray(target)
    picked = np.take_along_axis(probs, target[..., None], axis=-1)
    return float(np.sum(-np.log(picked)))
