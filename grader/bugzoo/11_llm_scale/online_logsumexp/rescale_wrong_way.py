# Rescales the running sum by exp(new max - old max) instead of exp(old max - new max).
import numpy as np


def online_logsumexp(chunks):
    run_max, run_sum = -np.inf, 0.0
    for chunk in chunks:
        x = np.asarray(chunk)
        if x.size == 0:
            continue
        new_max = np.maximum(run_max, x.max())
        if new_max > -np.inf:
            factor = np.exp(new_max - run_max) if run_max > -np.inf else 0.0
            run_sum = run_sum * factor + np.exp(x - new_max).sum()
        run_max = new_max
    return run_max + np.log(run_sum) if run_sum > 0 else run_max
