# Adds each block's exps to the running sum without rescaling it when a row's max rises.
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    hidden, weight = np.asarray(hidden, dtype=float), np.asarray(weight, dtype=float)
    targets = np.asarray(targets)
    run_max, run_sum = np.full(len(hidden), -np.inf), np.zeros(len(hidden))
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        run_max = np.maximum(run_max, block.max(axis=1))
        run_sum = run_sum + np.exp(block - run_max[:, None]).sum(axis=1)
    picked = np.einsum("nd,nd->n", hidden, weight[targets])
    return float(np.mean(run_max + np.log(run_sum) - picked))
