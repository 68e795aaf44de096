"""Logit playground (STUB)."""
def logit_playground(softmax_fn, logits, labels):
    import ipywidgets as w
    return w.HTML("playground")
