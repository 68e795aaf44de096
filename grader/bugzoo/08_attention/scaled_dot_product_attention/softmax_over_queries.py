# Takes the softmax along axis -2, over the queries, so each key's column sums to 1.
import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        mask = causal_mask(scores.shape[-1])
    else:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    weights = masked_softmax(scores, mask, axis=-2)
    return weights @ v, weights
