# Subtracts a log-sum-exp reduced without keepdims, so it broadcasts along the wrong axis.
import numpy as np


def log_softmax(z, axis=-1):
    """Log-probabilities z - logsumexp(z) along `axis`, without ever taking log(0)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    lse = np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))
    return z - lse
