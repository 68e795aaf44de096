# Never checks the temperature: T = 0 divides by zero and a negative T silently reverses the order.
import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    scaled = z / temperature
    exps = np.exp(scaled - np.max(scaled, axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)
