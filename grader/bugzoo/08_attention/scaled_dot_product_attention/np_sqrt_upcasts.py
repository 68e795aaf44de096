# Divides by np.sqrt(d_k), a float64 numpy number: float32 q, k, v come back float64.
import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if causal:
        mask = causal_mask(scores.shape[-1])
    else:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    weights = masked_softmax(scores, mask, axis=-1)
    return weights @ v, weights
