# Takes d_k = len(k), the number of keys (or of batch items), not the size of each key vector.
import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(len(k))
    if causal:
        mask = causal_mask(scores.shape[-1])
    else:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    weights = masked_softmax(scores, mask, axis=-1)
    return weights @ v, weights
