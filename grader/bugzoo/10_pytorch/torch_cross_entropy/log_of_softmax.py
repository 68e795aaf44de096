# Takes torch.log(torch.softmax(z)): the softmax underflows to 0 at logits of +-1000, and log(0) = -inf.
import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """F.cross_entropy on numpy data, classes on the last axis: a float, or losses per position."""
    import torch
    import torch.nn.functional as F
    scores = np.array(logits)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    labels = np.asarray(targets)
    log_p = torch.log(torch.softmax(torch.from_numpy(scores), dim=-1))
    out = F.cross_entropy(log_p.reshape(-1, scores.shape[-1]),
                          torch.as_tensor(labels, dtype=torch.long).reshape(-1),
                          ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    return out.reshape(labels.shape).numpy() if reduction == "none" else out.item()
