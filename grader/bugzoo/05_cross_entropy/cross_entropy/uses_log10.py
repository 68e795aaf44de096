# Uses np.log10 instead of the natural log.
import numpy as np


def cross_entropy(probs, target):
    probs = np.asarray(probs, dtype=np.float64)
    target = np.asarray(target)
    picked = np.take_along_axis(probs, target[..., None], axis=-1)
    with np.errstate(divide="ignore"):
        return float(np.mean(-np.log10(picked)))
