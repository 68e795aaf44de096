# Exponentiates the summed loss instead of the mean loss.
import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    z = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    keep = targets != ignore_index
    if not keep.any():
        return float("nan")
    shifted = z - z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    picked = np.take_along_axis(shifted, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    losses = np.where(keep, log_norm - picked, 0.0)
    return float(np.exp(losses.sum()))
