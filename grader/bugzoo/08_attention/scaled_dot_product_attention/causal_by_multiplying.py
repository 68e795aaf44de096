# Applies the causal mask by multiplying the scores with it: future scores become 0, not -inf, and leak.
import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        scores = scores * causal_mask(scores.shape[-1])
    weights = masked_softmax(scores, np.ones(scores.shape[-2:], dtype=bool), axis=-1)
    return weights @ v, weights
