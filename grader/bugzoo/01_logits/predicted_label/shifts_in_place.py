# Shifts the logits by their max in place: np.asarray does not copy an array, so the caller's logits change.
import numpy as np


def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    z = np.asarray(logits, dtype=np.float64)
    z -= z.max()
    return labels[int(np.argmax(z))]
