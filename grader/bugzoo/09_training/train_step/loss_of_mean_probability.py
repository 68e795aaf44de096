# Reports -log of the mean target probability instead of the mean of -log p.
import numpy as np


def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    n, rows = len(y), np.arange(len(y))
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    exp_z = np.exp(z)
    total = exp_z.sum(axis=-1, keepdims=True)
    probs = exp_z / total
    loss = float(-np.log(np.mean(probs[rows, y])))
    grad_z = probs.copy()
    grad_z[rows, y] -= 1
    grad_z /= n
    return W - lr * (X.T @ grad_z), b - lr * grad_z.sum(axis=0), loss
