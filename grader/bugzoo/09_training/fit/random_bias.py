# Draws b from rng as well, instead of starting it at zeros.
import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = rng.normal(scale=0.01, size=num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
