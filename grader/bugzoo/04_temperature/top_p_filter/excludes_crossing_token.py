# Keeps only the tokens whose running sum stays below p, dropping the token that crosses p.
import numpy as np


def top_p_filter(logits, p):
    if not 0 < p <= 1:
        raise ValueError("p must be in (0, 1]")
    out = np.array(logits)  # a copy
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    if p == 1:
        return out
    desc = -np.sort(-out, axis=-1)
    exps = np.exp(desc - desc[..., :1])
    running = np.cumsum(exps, axis=-1) / exps.sum(axis=-1, keepdims=True)
    n_keep = np.maximum(np.sum(running < p, axis=-1, keepdims=True), 1)
    smallest_kept = np.take_along_axis(desc, n_keep - 1, axis=-1)
    out[out < smallest_kept] = -np.inf
    return out
