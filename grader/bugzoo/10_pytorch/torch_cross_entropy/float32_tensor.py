# Builds a float32 tensor (PyTorch's default dtype), so float64 logits lose precision.
import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """F.cross_entropy on numpy data, classes on the last axis: a float, or losses per position."""
    import torch
    import torch.nn.functional as F
    z = torch.tensor(np.asarray(logits), dtype=torch.float32)
    labels = np.asarray(targets)
    out = F.cross_entropy(z.reshape(-1, z.shape[-1]), torch.as_tensor(labels, dtype=torch.long).reshape(-1),
                          ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    return out.reshape(labels.shape).numpy() if reduction == "none" else out.item()
