# Returns numpy.bool_ from .all() instead of a Python bool.
import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    """True when every slice of `p` along `axis` is a probability distribution."""
    p = np.asarray(p, dtype=np.float64)
    return np.isfinite(p).all() and (p >= 0).all() and (np.abs(p.sum(axis=axis) - 1.0) <= atol).all()
