# Exponentiates z / T without subtracting the max: overflows to nan for large logits or a small T.
import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z / temperature)
    return exps / exps.sum(axis=axis, keepdims=True)
