# Converts every chunk to float64 and returns a Python float, so float32 chunks give float64.
import math

import numpy as np


def online_logsumexp(chunks):
    run_max, run_sum = -math.inf, 0.0
    for chunk in chunks:
        x = np.asarray(chunk, dtype=np.float64)
        if x.size == 0:
            continue
        new_max = max(run_max, float(x.max()))
        if new_max > -math.inf:
            run_sum = run_sum * math.exp(run_max - new_max) + float(np.exp(x - new_max).sum())
        run_max = new_max
    return run_max + math.log(run_sum) if run_sum > 0 else run_max
