# Adds back a max kept with keepdims=True to a reduced sum: shapes (2, 1) and (2,) broadcast to (2, 2).
import numpy as np


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, exact for logits of any size."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return m + np.log(np.sum(np.exp(z - m), axis=axis))
