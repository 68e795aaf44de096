# Forward differences (f(x + eps) - f(x)) / eps instead of central differences.
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    work = x.astype(np.float64)
    grad = np.zeros_like(work)
    base = f(work)
    for idx in np.ndindex(work.shape):
        saved = work[idx]
        work[idx] = saved + eps
        grad[idx] = (f(work) - base) / eps
        work[idx] = saved
    return grad.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
