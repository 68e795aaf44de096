# Treats any reduction other than "none" and "sum" as "mean", so a typo goes unnoticed.
import numpy as np


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    targets = np.asarray(targets)
    keep = targets != ignore_index
    shifted = z - z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    picked = np.take_along_axis(shifted, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    losses = np.where(keep, log_norm - picked, 0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    count = int(keep.sum())
    return float(losses.sum() / count) if count else float("nan")
