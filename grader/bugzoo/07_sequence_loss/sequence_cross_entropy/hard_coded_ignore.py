# Compares the targets with a hard-coded -100 instead of the ignore_index argument.
import numpy as np


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"unknown reduction {reduction!r}")
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    targets = np.asarray(targets)
    keep = targets != -100
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
