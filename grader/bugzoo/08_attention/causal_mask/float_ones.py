# Right pattern, wrong type: np.ones gives 0/1 floats, not booleans.
import numpy as np


def causal_mask(T):
    return np.tril(np.ones((T, T)))
