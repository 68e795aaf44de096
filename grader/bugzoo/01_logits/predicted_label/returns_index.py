# Returns the position of the largest logit instead of its label.
import numpy as np


def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    return int(np.argmax(logits))
