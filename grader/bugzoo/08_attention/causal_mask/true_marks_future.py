# True marks the keys to hide (the future) instead of the keys a query may attend to.
import numpy as np


def causal_mask(T):
    positions = np.arange(T)
    return positions[None, :] > positions[:, None]
