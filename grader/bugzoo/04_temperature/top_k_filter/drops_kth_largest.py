# Keeps only logits strictly above the k-th largest, so k = 2 keeps a single logit.
import numpy as np


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError("k must be at least 1")
    out = np.array(logits)  # a copy
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    if k >= out.shape[-1]:
        return out
    kth = np.sort(out, axis=-1)[..., -k, None]
    out[out <= kth] = -np.inf
    return out
