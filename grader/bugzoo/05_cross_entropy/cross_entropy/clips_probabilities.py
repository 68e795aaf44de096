# Clips the probabilities to [1e-12, 1] before the log, so a zero or tiny target probability gets a capped loss.
import numpy as np


def cross_entropy(probs, target):
    probs = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)
    target = np.asarray(target)
    picked = np.take_along_axis(probs, target[..., None], axis=-1)
    return float(np.mean(-np.log(picked)))
