# Checks that the whole array sums to 1 instead of every slice along axis.
import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    """True when every slice of `p` along `axis` is a probability distribution."""
    p = np.asarray(p, dtype=np.float64)
    if not np.isfinite(p).all() or (p < 0).any():
        return False
    return bool(abs(p.sum() - 1.0) <= atol)
