# Loops over x[i], which on a 2-D array perturbs a whole row at once.
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    work = x.astype(np.float64)
    grad = np.zeros_like(work)
    for i in range(len(work)):
        saved = work[i].copy()
        work[i] = saved + eps
        f_plus = f(work)
        work[i] = saved - eps
        f_minus = f(work)
        work[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
