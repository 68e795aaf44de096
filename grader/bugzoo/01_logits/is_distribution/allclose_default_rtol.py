# Uses np.allclose, whose default rtol=1e-05 quietly widens the tolerance beyond atol.
import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    """True when every slice of `p` along `axis` is a probability distribution."""
    p = np.asarray(p, dtype=np.float64)
    if not np.isfinite(p).all() or (p < 0).any():
        return False
    return bool(np.allclose(p.sum(axis=axis), 1.0, atol=atol))
