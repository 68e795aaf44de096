# Shifts by the running max even while it is -inf, so an all -inf first chunk gives -inf - (-inf) = nan.
import numpy as np


def online_logsumexp(chunks):
    run_max, run_sum = -np.inf, 0.0
    for chunk in chunks:
        x = np.asarray(chunk)
        if x.size == 0:
            continue
        new_max = np.maximum(run_max, x.max())
        run_sum = run_sum * np.exp(run_max - new_max) + np.exp(x - new_max).sum()
        run_max = new_max
    return run_max + np.log(run_sum)
