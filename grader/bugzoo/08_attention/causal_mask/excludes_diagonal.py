# Strictly below the diagonal: a position may not attend to itself (and the first sees nothing).
import numpy as np


def causal_mask(T):
    return np.tril(np.ones((T, T), dtype=bool), k=-1)
