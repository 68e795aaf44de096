# Uses a hard-coded step of 1e-5 whatever eps is passed.
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    h = 1e-5
    x = np.asarray(x)
    work = x.astype(np.float64)
    grad = np.zeros_like(work)
    for idx in np.ndindex(work.shape):
        saved = work[idx]
        work[idx] = saved + h
        f_plus = f(work)
        work[idx] = saved - h
        f_minus = f(work)
        work[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
