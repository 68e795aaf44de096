# Records the loss after each step (measured again) instead of the loss train_step reports.
import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, _ = train_step(W, b, X, y, lr)
        history.append(train_step(W, b, X, y, 0.0)[2])
    return W, b, history
