# Subtracts log(sum(exp(z))) computed without a shift, which overflows for large logits.
import numpy as np


def log_softmax(z, axis=-1):
    """Log-probabilities z - logsumexp(z) along `axis`, without ever taking log(0)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
