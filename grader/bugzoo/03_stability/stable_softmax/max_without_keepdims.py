# Takes the max without keepdims, so z - max broadcasts along the wrong axis.
import numpy as np


def stable_softmax(z, axis=-1):
    """Softmax of `z` along `axis` that never overflows: shift by the max first."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z - np.max(z, axis=axis))
    return exps / np.sum(exps, axis=axis, keepdims=True)
