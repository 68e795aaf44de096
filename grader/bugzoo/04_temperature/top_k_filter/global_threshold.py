# Takes the k-th largest of the whole array, not of each row, so a batch is filtered as one big row.
import numpy as np


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError("k must be at least 1")
    out = np.array(logits)  # a copy
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    if k >= out.shape[-1]:
        return out
    kth = np.sort(out, axis=None)[-k]
    out[out < kth] = -np.inf
    return out
