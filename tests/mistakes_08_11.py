"""Realistic single mistakes in every exercise of 08-11, as a learner writes them, with
words the FIRST message of the report must contain: the root cause, named at the top.

One table per exercise; each row is a `Mistake`. The sources are first drafts (crashes
as often as wrong numbers), each with one mistake in an otherwise right function.
tests/test_learner_mistakes.py runs every row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    label: str
    source: str  # defines the exercise's function (numpy as np, math, torch, F in scope)
    words: str  # must appear in the first message of the report


CAUSAL_MASK = [
    Mistake(
        "ones instead of a shape tuple",
        "def causal_mask(T):\n    return np.tril(np.ones(T, T)).astype(bool)\n",
        "np.ones((T, T))",
    ),
    Mistake(
        "upper triangle",
        "def causal_mask(T):\n    return np.triu(np.ones((T, T), dtype=bool))\n",
        "BELOW the diagonal",
    ),
    Mistake(
        "strict lower triangle",
        "def causal_mask(T):\n    return np.tril(np.ones((T, T), dtype=bool), k=-1)\n",
        "diagonal",
    ),
    Mistake(
        "float mask",
        "def causal_mask(T):\n    return np.tril(np.ones((T, T)))\n",
        "bool",
    ),
    Mistake(
        "comparison the wrong way round",
        "def causal_mask(T):\n    i = np.arange(T)\n    return i[:, None] <= i[None, :]\n",
        "BELOW the diagonal",
    ),
    Mistake(
        "one-dimensional positions",
        "def causal_mask(T):\n    i = np.arange(T)\n    return i <= i\n",
        "shape",
    ),
]

MASKED_SOFTMAX = [
    Mistake(
        "masked scores set to 0",
        """
def masked_softmax(scores, mask, axis=-1):
    scores = np.where(mask, scores, 0.0)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "-inf",
    ),
    Mistake(
        "fully masked row gives nan",
        """
def masked_softmax(scores, mask, axis=-1):
    scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "fully masked",
    ),
    Mistake(
        "keepdims forgotten",
        """
def masked_softmax(scores, mask, axis=-1):
    scores = np.where(mask, scores, -1e9)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True)) * mask
    return e / np.maximum(e.sum(axis=axis), 1e-300)
""",
        "keepdims",
    ),
    Mistake(
        "no max shift",
        """
def masked_softmax(scores, mask, axis=-1):
    e = np.where(mask, np.exp(scores), 0.0)
    s = e.sum(axis=axis, keepdims=True)
    return np.where(s > 0, e / np.where(s > 0, s, 1), 0.0)
""",
        "max",
    ),
    Mistake(
        "mask multiplied after the softmax",
        """
def masked_softmax(scores, mask, axis=-1):
    scores = np.asarray(scores, dtype=float)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True) * mask
""",
        "BEFORE the softmax",
    ),
    Mistake(
        "mask read the wrong way",
        """
def masked_softmax(scores, mask, axis=-1):
    filled = np.where(mask, -np.inf, scores)
    top = np.max(filled, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    e = np.exp(filled - top)
    s = e.sum(axis=axis, keepdims=True)
    return np.where(s > 0, e / np.where(s > 0, s, 1), 0.0)
""",
        "True",
    ),
]

SCALED_DOT_PRODUCT_ATTENTION = [
    Mistake(
        "no scale",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2)
    mask = causal_mask(scores.shape[-1]) if causal else np.ones(scores.shape[-2:], dtype=bool)
    w = masked_softmax(scores, mask)
    return w @ v, w
""",
        "sqrt(d_k)",
    ),
    Mistake(
        "scaled by d_k",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / q.shape[-1]
    mask = causal_mask(scores.shape[-1]) if causal else np.ones(scores.shape[-2:], dtype=bool)
    w = masked_softmax(scores, mask)
    return w @ v, w
""",
        "sqrt(d_k)",
    ),
    Mistake(
        "causal mask sized by len(q)",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    mask = causal_mask(len(q)) if causal else np.ones(scores.shape[-2:], dtype=bool)
    w = masked_softmax(scores, mask)
    return w @ v, w
""",
        "causal_mask(len(q))",
    ),
    Mistake(
        "k.T on a batch",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ k.T / math.sqrt(q.shape[-1])
    mask = causal_mask(scores.shape[-1]) if causal else np.ones(scores.shape[-2:], dtype=bool)
    w = masked_softmax(scores, mask)
    return w @ v, w
""",
        "swapaxes",
    ),
    Mistake(
        "causal ignored",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    w = masked_softmax(scores, np.ones(scores.shape[-2:], dtype=bool))
    return w @ v, w
""",
        "causal",
    ),
    Mistake(
        "softmax over the queries",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    mask = causal_mask(scores.shape[-1]) if causal else np.ones(scores.shape[-2:], dtype=bool)
    w = masked_softmax(scores, mask, axis=-2)
    return w @ v, w
""",
        "along the last axis",
    ),
    Mistake(
        "returns only the output",
        """
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    mask = causal_mask(scores.shape[-1]) if causal else np.ones(scores.shape[-2:], dtype=bool)
    return masked_softmax(scores, mask) @ v
""",
        "(output, weights)",
    ),
]

TRAIN_STEP = [
    Mistake(
        "gradient without the one-hot",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(e.sum(axis=-1)) - z[np.arange(n), y]))
    g = p / n
    return W - lr * X.T @ g, b - lr * g.sum(axis=0), loss
""",
        "one-hot",
    ),
    Mistake(
        "loss of the mean probability",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(-np.log(np.mean(p[np.arange(n), y])))
    g = p.copy()
    g[np.arange(n), y] -= 1
    g /= n
    return W - lr * X.T @ g, b - lr * g.sum(axis=0), loss
""",
        "-log(mean p)",
    ),
    Mistake(
        "one-hot from y.max() + 1",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(e.sum(axis=-1)) - z[np.arange(n), y]))
    g = (p - np.eye(y.max() + 1)[y]) / n
    return W - lr * X.T @ g, b - lr * g.sum(axis=0), loss
""",
        "np.eye(y.max() + 1)",
    ),
    Mistake(
        "gradient of the sum",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(e.sum(axis=-1)) - z[np.arange(n), y]))
    g = p.copy()
    g[np.arange(n), y] -= 1
    return W - lr * X.T @ g, b - lr * g.sum(axis=0), loss
""",
        "N = 2 times too large",
    ),
    Mistake(
        "gradient ascent",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(e.sum(axis=-1)) - z[np.arange(n), y]))
    g = p.copy()
    g[np.arange(n), y] -= 1
    g /= n
    return W + lr * X.T @ g, b + lr * g.sum(axis=0), loss
""",
        "subtract",
    ),
    Mistake(
        "W updated in place",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(e.sum(axis=-1)) - z[np.arange(n), y]))
    g = p.copy()
    g[np.arange(n), y] -= 1
    g /= n
    W -= lr * X.T @ g
    b -= lr * g.sum(axis=0)
    return W, b, loss
""",
        "the caller's W changed",
    ),
    Mistake(
        "X @ W.T",
        """
def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W.T + b
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(e.sum(axis=-1)) - z[np.arange(n), y]))
    g = p.copy()
    g[np.arange(n), y] -= 1
    g /= n
    return W - lr * X.T @ g, b - lr * g.sum(axis=0), loss
""",
        "X @ W",
    ),
]

FIT = [
    Mistake(
        "initialised with zeros",
        """
def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = np.zeros((X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
""",
        "rng",
    ),
    Mistake(
        "new generator",
        """
def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    rng = np.random.default_rng(0)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
""",
        "rng",
    ),
    Mistake(
        "one step short",
        """
def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps - 1):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
""",
        "steps",
    ),
    Mistake(
        "update thrown away",
        """
def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        _, _, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
""",
        "train_step returns",
    ),
    Mistake(
        "history of the last loss only",
        """
def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
    return W, b, loss
""",
        "before it gets a value",
    ),
    Mistake(
        "shape swapped",
        """
def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(num_classes, X.shape[1]))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
""",
        "shape (d, num_classes)",
    ),
]

TORCH_CROSS_ENTROPY = [
    Mistake(
        "softmax before cross_entropy",
        """
def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    a = np.asarray(logits)
    z = torch.as_tensor(a if a.dtype.kind == "f" else a.astype(float))
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    out = F.cross_entropy(torch.softmax(z, -1).reshape(-1, z.shape[-1]), t.reshape(-1), ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=label_smoothing)
    return out.reshape(t.shape).numpy() if reduction == "none" else out.item()
""",
        "raw logits",
    ),
    Mistake(
        "nll_loss on raw logits",
        """
def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    a = np.asarray(logits)
    z = torch.as_tensor(a if a.dtype.kind == "f" else a.astype(float))
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    out = F.nll_loss(z.reshape(-1, z.shape[-1]), t.reshape(-1), ignore_index=ignore_index, reduction=reduction)
    return out.reshape(t.shape).numpy() if reduction == "none" else out.item()
""",
        "log_softmax",
    ),
    Mistake(
        "float targets",
        """
def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    a = np.asarray(logits)
    z = torch.as_tensor(a if a.dtype.kind == "f" else a.astype(float))
    t = torch.as_tensor(np.asarray(targets, dtype=float))
    out = F.cross_entropy(z.reshape(-1, z.shape[-1]), t.reshape(-1), ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=label_smoothing)
    return out.reshape(t.shape).numpy() if reduction == "none" else out.item()
""",
        "torch.long",
    ),
    Mistake(
        "no reshape for sequences",
        """
def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    a = np.asarray(logits)
    z = torch.as_tensor(a if a.dtype.kind == "f" else a.astype(float))
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    out = F.cross_entropy(z, t, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    return out.numpy() if reduction == "none" else out.item()
""",
        "flatten the logits",
    ),
    Mistake(
        "label smoothing dropped",
        """
def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    a = np.asarray(logits)
    z = torch.as_tensor(a if a.dtype.kind == "f" else a.astype(float))
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    out = F.cross_entropy(z.reshape(-1, z.shape[-1]), t.reshape(-1), ignore_index=ignore_index, reduction=reduction)
    return out.reshape(t.shape).numpy() if reduction == "none" else out.item()
""",
        "label_smoothing",
    ),
    Mistake(
        "returns a tensor",
        """
def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    a = np.asarray(logits)
    z = torch.as_tensor(a if a.dtype.kind == "f" else a.astype(float))
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    out = F.cross_entropy(z.reshape(-1, z.shape[-1]), t.reshape(-1), ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=label_smoothing)
    return out.reshape(t.shape) if reduction == "none" else out
""",
        ".item()",
    ),
]

AUTOGRAD_LOGIT_GRADIENT = [
    Mistake(
        "backward forgotten",
        """
def autograd_logit_gradient(logits, target):
    a = np.array(logits)
    z = torch.tensor(a if a.dtype.kind == "f" else a.astype(float), requires_grad=True)
    loss = F.cross_entropy(z, torch.as_tensor(np.asarray(target), dtype=torch.long))
    return z.grad.numpy()
""",
        "loss.backward()",
    ),
    Mistake(
        "no requires_grad",
        """
def autograd_logit_gradient(logits, target):
    z = torch.tensor(np.asarray(logits, dtype=float))
    loss = F.cross_entropy(z, torch.as_tensor(np.asarray(target), dtype=torch.long))
    loss.backward()
    return z.grad.numpy()
""",
        "requires_grad",
    ),
    Mistake(
        "numpy of a tensor that requires grad",
        """
def autograd_logit_gradient(logits, target):
    a = np.array(logits)
    z = torch.tensor(a if a.dtype.kind == "f" else a.astype(float), requires_grad=True)
    return (torch.softmax(z, -1) - F.one_hot(torch.as_tensor(np.asarray(target)), z.shape[-1])).numpy()
""",
        "detach",
    ),
    Mistake(
        "gradient of the summed loss",
        """
def autograd_logit_gradient(logits, target):
    a = np.array(logits)
    z = torch.tensor(a if a.dtype.kind == "f" else a.astype(float), requires_grad=True)
    loss = F.cross_entropy(z, torch.as_tensor(np.asarray(target), dtype=torch.long), reduction="sum")
    loss.backward()
    return z.grad.numpy()
""",
        "mean",
    ),
    Mistake(
        "float32 tensor",
        """
def autograd_logit_gradient(logits, target):
    z = torch.tensor(np.asarray(logits), dtype=torch.float32, requires_grad=True)
    loss = F.cross_entropy(z, torch.as_tensor(np.asarray(target), dtype=torch.long))
    loss.backward()
    return z.grad.numpy()
""",
        "float32",
    ),
    Mistake(
        "gradient of the probabilities",
        """
def autograd_logit_gradient(logits, target):
    a = np.array(logits)
    z = torch.tensor(a if a.dtype.kind == "f" else a.astype(float), requires_grad=True)
    p = torch.softmax(z, -1)
    loss = F.cross_entropy(p, torch.as_tensor(np.asarray(target), dtype=torch.long))
    loss.backward()
    return z.grad.numpy()
""",
        "raw logits",
    ),
]

ONLINE_LOGSUMEXP = [
    Mistake(
        "running max never rescales the sum",
        """
def online_logsumexp(chunks):
    m, s = -np.inf, 0.0
    for c in chunks:
        c = np.asarray(c)
        if c.size == 0:
            continue
        m = max(m, c.max())
        s += np.exp(c - m).sum()
    return m + np.log(s)
""",
        "rescale",
    ),
    Mistake(
        "no max at all",
        """
def online_logsumexp(chunks):
    s = 0.0
    for c in chunks:
        s += np.exp(np.asarray(c)).sum()
    return np.log(s)
""",
        "overflows",
    ),
    Mistake(
        "concatenates the chunks",
        """
def online_logsumexp(chunks):
    z = np.concatenate([np.asarray(c) for c in chunks])
    m = z.max()
    if m == -np.inf:
        return m
    return m + np.log(np.exp(z - m).sum())
""",
        "do not glue the chunks together",
    ),
    Mistake(
        "empty chunk crashes",
        """
def online_logsumexp(chunks):
    m, s = -np.inf, 0.0
    for c in chunks:
        c = np.asarray(c)
        new = max(m, c.max())
        if new > -np.inf:
            s = s * np.exp(m - new) + np.exp(c - new).sum()
        m = new
    return m + np.log(s) if s > 0 else m
""",
        "empty",
    ),
    Mistake(
        "all -inf gives nan",
        """
def online_logsumexp(chunks):
    m, s = -np.inf, 0.0
    for c in chunks:
        c = np.asarray(c)
        if c.size == 0:
            continue
        new = max(m, c.max())
        s = s * np.exp(m - new) + np.exp(c - new).sum()
        m = new
    return m + np.log(s)
""",
        "-inf",
    ),
    Mistake(
        "sum of per-chunk log-sum-exps",
        """
def online_logsumexp(chunks):
    total = 0.0
    for c in chunks:
        c = np.asarray(c)
        if c.size:
            m = c.max()
            total += m + np.log(np.exp(c - m).sum())
    return total
""",
        "not add",
    ),
]

CHUNKED_CROSS_ENTROPY = [
    Mistake(
        "last short block dropped",
        """
def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    hidden, weight, targets = np.asarray(hidden), np.asarray(weight), np.asarray(targets)
    n = len(hidden)
    m, s = np.full(n, -np.inf), np.zeros(n)
    for start in range(0, len(weight) - chunk_size + 1, chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        new = np.maximum(m, block.max(axis=1))
        s = s * np.exp(m - new) + np.exp(block - new[:, None]).sum(axis=1)
        m = new
    t = np.einsum("nd,nd->n", hidden, weight[targets])
    return float(np.mean(m + np.log(s) - t))
""",
        "last",
    ),
    Mistake(
        "materialises all logits",
        """
def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    z = np.asarray(hidden) @ np.asarray(weight).T
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(z)), targets]))
""",
        "chunk_size",
    ),
    Mistake(
        "target logit from the wrong block",
        """
def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    hidden, weight, targets = np.asarray(hidden), np.asarray(weight), np.asarray(targets)
    n = len(hidden)
    m, s = np.full(n, -np.inf), np.zeros(n)
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        new = np.maximum(m, block.max(axis=1))
        s = s * np.exp(m - new) + np.exp(block - new[:, None]).sum(axis=1)
        m = new
    t = block[np.arange(n), targets % block.shape[1]]
    return float(np.mean(m + np.log(s) - t))
""",
        "target",
    ),
    Mistake(
        "running max not rescaled",
        """
def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    hidden, weight, targets = np.asarray(hidden), np.asarray(weight), np.asarray(targets)
    n = len(hidden)
    m, s = np.full(n, -np.inf), np.zeros(n)
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        m = np.maximum(m, block.max(axis=1))
        s = s + np.exp(block - m[:, None]).sum(axis=1)
    t = np.einsum("nd,nd->n", hidden, weight[targets])
    return float(np.mean(m + np.log(s) - t))
""",
        "rescale",
    ),
    Mistake(
        "max without keepdims",
        """
def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    hidden, weight, targets = np.asarray(hidden), np.asarray(weight), np.asarray(targets)
    n = len(hidden)
    m, s = np.full(n, -np.inf), np.zeros(n)
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        new = np.maximum(m, block.max(axis=1))
        s = s * np.exp(m - new) + np.exp(block - new).sum(axis=1)
        m = new
    t = np.einsum("nd,nd->n", hidden, weight[targets])
    return float(np.mean(m + np.log(s) - t))
""",
        "keepdims",
    ),
    Mistake(
        "sum instead of mean",
        """
def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    hidden, weight, targets = np.asarray(hidden), np.asarray(weight), np.asarray(targets)
    n = len(hidden)
    m, s = np.full(n, -np.inf), np.zeros(n)
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T
        new = np.maximum(m, block.max(axis=1))
        s = s * np.exp(m - new) + np.exp(block - new[:, None]).sum(axis=1)
        m = new
    t = np.einsum("nd,nd->n", hidden, weight[targets])
    return float(np.sum(m + np.log(s) - t))
""",
        "mean",
    ),
]

TABLES: dict[str, list[Mistake]] = {
    "causal_mask": CAUSAL_MASK,
    "masked_softmax": MASKED_SOFTMAX,
    "scaled_dot_product_attention": SCALED_DOT_PRODUCT_ATTENTION,
    "train_step": TRAIN_STEP,
    "fit": FIT,
    "torch_cross_entropy": TORCH_CROSS_ENTROPY,
    "autograd_logit_gradient": AUTOGRAD_LOGIT_GRADIENT,
    "online_logsumexp": ONLINE_LOGSUMEXP,
    "chunked_cross_entropy": CHUNKED_CROSS_ENTROPY,
}
