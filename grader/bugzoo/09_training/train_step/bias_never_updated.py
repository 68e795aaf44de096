# Updates W but returns b unchanged: the bias has a gradient too.
import numpy as np


def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    n, rows = len(y), np.arange(len(y))
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    exp_z = np.exp(z)
    total = exp_z.sum(axis=-1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - z[rows, y]))
    grad_z = exp_z / total
    grad_z[rows, y] -= 1
    grad_z /= n
    return W - lr * (X.T @ grad_z), b.copy(), loss
