# Keeps float32 x in float32 while stepping, so a step of 1e-5 is lost to rounding.
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    work = x.copy()
    grad = np.zeros_like(work)
    for idx in np.ndindex(work.shape):
        saved = work[idx]
        work[idx] = saved + eps
        f_plus = f(work)
        work[idx] = saved - eps
        f_minus = f(work)
        work[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
