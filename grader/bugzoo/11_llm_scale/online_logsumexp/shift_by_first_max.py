# Shifts every chunk by the first chunk's max, so a much larger later chunk overflows.
import numpy as np


def online_logsumexp(chunks):
    shift, run_sum = None, 0.0
    for chunk in chunks:
        x = np.asarray(chunk)
        if x.size == 0:
            continue
        if shift is None:
            shift = x.max() if np.isfinite(x.max()) else 0.0
        run_sum = run_sum + np.exp(x - shift).sum()
    if shift is None or run_sum == 0:
        return -np.inf
    return shift + np.log(run_sum)
