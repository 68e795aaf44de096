# Converts the logits with dtype=float, so float32 input comes back float64.
import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    scaled = np.asarray(z, dtype=float) / temperature
    exps = np.exp(scaled - np.max(scaled, axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)
