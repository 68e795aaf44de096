# Subtracts the log-sum-exp of the shifted logits from the unshifted ones, so the result is off by the max.
import numpy as np


def log_softmax(z, axis=-1):
    """Log-probabilities z - logsumexp(z) along `axis`, without ever taking log(0)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
