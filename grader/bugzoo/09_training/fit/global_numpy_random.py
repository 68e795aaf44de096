# Draws W from numpy's global generator (np.random.normal), ignoring the rng it is given.
import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = np.random.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
