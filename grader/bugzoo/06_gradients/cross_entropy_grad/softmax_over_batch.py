# Normalises the exps over the whole batch instead of each row.
import numpy as np


def cross_entropy_grad(logits, target):
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    target = np.asarray(target)
    exps = np.exp(z - z.max())
    p = exps / exps.sum()
    onehot = (np.arange(z.shape[-1]) == target[..., None]).astype(p.dtype)
    return (p - onehot) / target.size
