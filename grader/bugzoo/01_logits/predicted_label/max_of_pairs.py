# Takes max() over (logit, label) pairs, so ties are broken by comparing the labels, not by position.
def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    return max(zip(logits, labels))[1]
