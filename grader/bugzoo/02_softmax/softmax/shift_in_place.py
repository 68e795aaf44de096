# Subtracts the max in place (z -= ...), which changes the caller's array.
import numpy as np


def softmax(z, axis=-1):
    """Softmax of the logits `z` along `axis` (textbook formula)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    z -= z.max(axis=axis, keepdims=True)
    exps = np.exp(z)
    return exps / exps.sum(axis=axis, keepdims=True)
