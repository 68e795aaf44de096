# Picks the target logit from a block with the target's vocabulary index, not target - start.
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    hidden, weight = np.asarray(hidden, dtype=float), np.asarray(weight, dtype=float)
    targets = np.asarray(targets)
    n = len(hidden)
    run_max, run_sum, picked = np.full(n, -np.inf), np.zeros(n), np.zeros(n)
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        new_max = np.maximum(run_max, block.max(axis=1))
        run_sum = run_sum * np.exp(run_max - new_max) + np.exp(block - new_max[:, None]).sum(axis=1)
        run_max = new_max
        here = (targets >= start) & (targets < start + block.shape[1])
        picked[here] = block[here, targets[here]]
    return float(np.mean(run_max + np.log(run_sum) - picked))
