# Subtracts the row max in place on a torch.from_numpy tensor (shared memory): the caller's logits change.
import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """F.cross_entropy on numpy data, classes on the last axis: a float, or losses per position."""
    import torch
    import torch.nn.functional as F
    scores = np.asarray(logits)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    z = torch.from_numpy(scores)
    z -= z.max(dim=-1, keepdim=True).values
    labels = np.asarray(targets)
    out = F.cross_entropy(z.reshape(-1, z.shape[-1]), torch.as_tensor(labels, dtype=torch.long).reshape(-1),
                          ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    return out.reshape(labels.shape).numpy() if reduction == "none" else out.item()
