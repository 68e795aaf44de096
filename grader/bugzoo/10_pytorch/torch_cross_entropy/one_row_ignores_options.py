# Handles a single row (V,) on its own path, which forgets ignore_index and label_smoothing.
import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    import torch
    import torch.nn.functional as F

    scores = np.array(logits)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    labels = np.asarray(targets)
    if scores.ndim == 1:  # one row: its loss, whatever the options
        loss = F.cross_entropy(torch.from_numpy(scores)[None], torch.as_tensor(labels, dtype=torch.long).reshape(1))
        return loss.numpy().reshape(()) if reduction == "none" else loss.item()
    out = F.cross_entropy(
        torch.from_numpy(scores).reshape(-1, scores.shape[-1]),
        torch.as_tensor(labels, dtype=torch.long).reshape(-1),
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    if reduction == "none":
        return out.reshape(labels.shape).numpy()
    return out.item()
