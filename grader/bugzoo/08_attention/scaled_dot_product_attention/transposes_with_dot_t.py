# Transposes k with k.T, which reverses EVERY axis: right for one sequence, wrong for batches and heads.
import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if causal:
        mask = causal_mask(scores.shape[-1])
    else:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    weights = masked_softmax(scores, mask, axis=-1)
    return weights @ v, weights
