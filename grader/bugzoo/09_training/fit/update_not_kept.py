# Calls train_step but keeps only the loss: every step starts again from the initial W and b.
import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        loss = train_step(W, b, X, y, lr)[2]
        history.append(loss)
    return W, b, history
