# Tests only for failures (an entry below 0, a sum off by more than atol), and nan fails no comparison.
import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    """True when every slice of `p` along `axis` is a probability distribution."""
    p = np.asarray(p, dtype=np.float64)
    if (p < 0).any():
        return False
    if (np.abs(p.sum(axis=axis) - 1.0) > atol).any():
        return False
    return True
