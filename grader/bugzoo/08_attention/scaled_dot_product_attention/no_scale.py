# Forgets to divide the scores by sqrt(d_k): the weights are far too peaked.
import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2)
    if causal:
        mask = causal_mask(scores.shape[-1])
    else:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    weights = masked_softmax(scores, mask, axis=-1)
    return weights @ v, weights
