# Never checks chunk_size, so 0 or a negative size gives a meaningless number instead of ValueError.
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    hidden, weight = np.asarray(hidden, dtype=float), np.asarray(weight, dtype=float)
    targets = np.asarray(targets)
    run_max, run_sum = np.full(len(hidden), -np.inf), np.zeros(len(hidden))
    step = chunk_size if chunk_size != 0 else len(weight)
    for start in range(0, len(weight), step):
        block = hidden @ weight[start:start + step].T
        new_max = np.maximum(run_max, block.max(axis=1))
        run_sum = run_sum * np.exp(run_max - new_max) + np.exp(block - new_max[:, None]).sum(axis=1)
        run_max = new_max
    picked = np.einsum("nd,nd->n", hidden, weight[targets])
    with np.errstate(divide="ignore"):
        return float(np.mean(run_max + np.log(run_sum) - picked))
