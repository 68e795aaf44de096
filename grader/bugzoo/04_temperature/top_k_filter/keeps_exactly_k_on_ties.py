# Keeps exactly k positions from argsort, so a logit tied with the k-th largest is dropped at random.
import numpy as np


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError("k must be at least 1")
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    out = np.full_like(z, -np.inf)
    keep = np.argsort(z, axis=-1)[..., -k:]
    np.put_along_axis(out, keep, np.take_along_axis(z, keep, axis=-1), axis=-1)
    return out
