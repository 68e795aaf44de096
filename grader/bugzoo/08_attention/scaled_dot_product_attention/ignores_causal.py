# Never applies the causal mask: with causal=True every query still sees the future.
import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    weights = masked_softmax(scores, np.ones(scores.shape[-2:], dtype=bool), axis=-1)
    return weights @ v, weights
