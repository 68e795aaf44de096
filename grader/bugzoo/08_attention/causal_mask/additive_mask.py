# Returns an additive mask (0 allowed, -inf masked) instead of booleans.
import numpy as np


def causal_mask(T):
    return np.where(np.tril(np.ones((T, T), dtype=bool)), 0.0, -np.inf)
