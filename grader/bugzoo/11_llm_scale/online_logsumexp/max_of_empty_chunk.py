# Takes the max of every chunk, empty ones included, which raises ValueError.
import numpy as np


def online_logsumexp(chunks):
    run_max, run_sum = -np.inf, 0.0
    for chunk in chunks:
        x = np.asarray(chunk)
        new_max = np.maximum(run_max, x.max())
        if new_max > -np.inf:
            run_sum = run_sum * np.exp(run_max - new_max) + np.exp(x - new_max).sum()
        run_max = new_max
    return run_max + np.log(run_sum) if run_sum > 0 else run_max
