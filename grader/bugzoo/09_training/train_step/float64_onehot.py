# Builds the one-hot targets with np.eye (float64), so float32 parameters come back float64.
import numpy as np


def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    n, rows = len(y), np.arange(len(y))
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    exp_z = np.exp(z)
    total = exp_z.sum(axis=-1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - z[rows, y]))
    grad_z = (exp_z / total - np.eye(W.shape[1])[y]) / n
    return W - lr * (X.T @ grad_z), b - lr * grad_z.sum(axis=0), loss
