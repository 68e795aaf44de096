# Indexes the sorted row with -k without clipping, so k larger than the vocabulary raises IndexError.
import numpy as np


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError("k must be at least 1")
    out = np.array(logits)
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    kth = np.sort(out, axis=-1)[..., -k, None]
    out[out < kth] = -np.inf
    return out
