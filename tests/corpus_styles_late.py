"""Correct answers to the exercises of 07-11 in styles the course does not use itself:
each must keep full marks. Same shape as corpus_honest.HONEST:
{(student, assignment): {"cells": {grade_id: source}, "added": {before_grade_id: source}}}.

Styles: pure Python loops over rows with math.exp, np.delete / np.take / np.fromfunction /
np.vectorize / np.apply_along_axis, np.logaddexp.reduce, np.einsum, masked arrays, ufuncs
with out= and where=, np.moveaxis, classes with __call__, functools.partial / reduce /
lru_cache, generators, type hints and asserts, named tuples, decorators such as
@np.errstate, custom ValueError subclasses, 0 / 0 left to warn, PyTorch for a numpy
exercise, IPython magics in the learner's cells, and the shapes of well-known course code
(a vectorised softmax classifier with `dscores`, a training loop that records its losses,
a flattened (B * T, V) loss, an attention module, a loss with forward()).
"""

from __future__ import annotations

# ---- 07_sequence_loss ----------------------------------------------------------------

SEQUENCE_PURE_PYTHON = {
    "shift_for_next_token": '''import numpy as np


def shift_for_next_token(tokens):
    """Fill two arrays one sequence at a time, from plain Python lists."""
    arr = np.asarray(tokens)
    inputs = np.empty(arr.shape[:-1] + (max(arr.shape[-1] - 1, 0),), dtype=arr.dtype)
    targets = np.empty_like(inputs)
    for idx in np.ndindex(arr.shape[:-1]):
        row = arr[idx].tolist()
        inputs[idx] = row[:-1]
        targets[idx] = row[1:]
    return inputs, targets
''',
    "sequence_cross_entropy": '''import math

import numpy as np


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    if reduction not in {"mean", "sum", "none"}:
        raise ValueError("reduction must be mean, sum or none")
    z = np.asarray(logits)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    t = np.asarray(targets)
    rows = z.reshape(-1, z.shape[-1]).tolist()
    losses = []
    count = 0
    for row, target in zip(rows, t.reshape(-1).tolist()):
        if target == ignore_index:
            losses.append(0.0)
            continue
        top = max(row)
        total = sum(math.exp(value - top) for value in row)
        losses.append(top + math.log(total) - row[target])
        count += 1
    if reduction == "none":
        return np.array(losses, dtype=dtype).reshape(t.shape)
    if reduction == "sum":
        return sum(losses)
    if count == 0:
        return float("nan")
    return sum(losses) / count
''',
    "mask_prompt_tokens": '''import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets, copy=True)
    if out.ndim == 1:
        out[: int(prompt_lengths)] = ignore_index
        return out
    for row, n in zip(out, np.broadcast_to(prompt_lengths, out.shape[:-1])):
        row[:n] = ignore_index  # row is a view into out
    return out
''',
    "sequence_perplexity": '''import math


def sequence_perplexity(logits, targets, ignore_index=-100):
    # the default reduction already pools every supervised token (nan when there is none)
    return math.exp(sequence_cross_entropy(logits, targets, ignore_index=ignore_index))
''',
}

SEQUENCE_NUMPY_TOOLS = {
    "shift_for_next_token": '''import numpy as np


def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return np.delete(tokens, -1, axis=-1), np.delete(tokens, 0, axis=-1)
''',
    "sequence_cross_entropy": '''import numpy as np


def _mean(losses: np.ndarray, keep: np.ndarray) -> float:
    return float(losses.sum() / keep.sum()) if keep.any() else float("nan")


REDUCE = {"none": lambda losses, keep: losses, "sum": lambda losses, keep: float(losses.sum()), "mean": _mean}


def sequence_cross_entropy(logits, targets, ignore_index: int = -100, reduction: str = "mean"):
    """Per-position cross-entropy with np.logaddexp.reduce as the log-sum-exp."""
    try:
        reduce = REDUCE[reduction]
    except KeyError:
        raise ValueError(f"unknown reduction: {reduction}") from None
    z = np.asarray(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    t = np.asarray(targets)
    keep = t != ignore_index
    lse = np.logaddexp.reduce(z, axis=-1)
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., np.newaxis], axis=-1).squeeze(-1)
    return reduce(np.where(keep, lse - picked, z.dtype.type(0)), keep)
''',
    "mask_prompt_tokens": '''import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    t = np.asarray(targets)
    in_prompt = np.arange(t.shape[-1]) < np.asarray(prompt_lengths)[..., np.newaxis]
    return np.where(in_prompt, ignore_index, t).astype(t.dtype, copy=False)
''',
    "sequence_perplexity": '''import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets)
    keep = t != ignore_index
    if not keep.any():
        return float("nan")
    top = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore"):
        losses = np.ma.masked_array(lse - picked, mask=~keep)  # ignored positions drop out
    return float(np.exp(losses.mean()))
''',
}

SEQUENCE_FLATTENED = {
    # The (B * T, V) view that training code passes to a loss, then back to (B, T).
    "shift_for_next_token": '''import numpy as np


def shift_for_next_token(tokens):
    x = np.asarray(tokens)
    T = x.shape[-1]
    return np.take(x, np.arange(T - 1), axis=-1), np.take(x, np.arange(1, T), axis=-1)
''',
    "sequence_cross_entropy": '''import numpy as np


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    logits = np.asarray(logits)
    if logits.dtype.kind in "iub":
        logits = logits.astype(np.float64)
    targets = np.asarray(targets)
    V = logits.shape[-1]
    flat_logits = logits.reshape(-1, V)
    flat_targets = targets.reshape(-1)
    valid = flat_targets != ignore_index
    shifted = flat_logits - flat_logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(flat_targets.shape[0])
    nll = np.zeros(flat_targets.shape[0], dtype=logits.dtype)
    nll[valid] = -log_probs[rows[valid], flat_targets[valid]]
    if reduction == "none":
        return nll.reshape(targets.shape)
    elif reduction == "sum":
        return float(nll.sum())
    elif reduction == "mean":
        n_valid = np.count_nonzero(valid)
        if n_valid == 0:
            return float("nan")
        return float(nll.sum() / n_valid)
    else:
        raise ValueError("reduction should be one of 'mean', 'sum', 'none'")
''',
    "mask_prompt_tokens": '''import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    labels = np.copy(targets)
    if labels.ndim == 1:
        return mask_prompt_tokens(labels[None, :], [prompt_lengths], ignore_index)[0]
    for b, n in enumerate(np.broadcast_to(prompt_lengths, labels.shape[:1])):
        labels[b, :n] = ignore_index
    return labels
''',
    "sequence_perplexity": '''import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    flat_logits = logits.reshape(-1, logits.shape[-1])
    flat_targets = targets.reshape(-1)
    valid = flat_targets != ignore_index
    n_valid = int(valid.sum())
    if n_valid == 0:
        return float("nan")
    rows = flat_logits[valid]
    top = rows.max(axis=1)
    lse = top + np.log(np.exp(rows - top[:, None]).sum(axis=1))
    nll = lse - rows[np.arange(n_valid), flat_targets[valid]]
    return float(np.exp(nll.sum() / n_valid))
''',
}

SEQUENCE_TORCH = {
    # PyTorch for a numpy exercise: the loss PyTorch itself defines, converted back with .numpy().
    "sequence_cross_entropy": '''import numpy as np
import torch
import torch.nn.functional as F


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    z = np.array(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    t = np.asarray(targets)
    with torch.no_grad():
        loss = F.cross_entropy(
            torch.from_numpy(z).reshape(-1, z.shape[-1]),
            torch.from_numpy(t.astype(np.int64)).reshape(-1),
            ignore_index=ignore_index,
            reduction=reduction,
        )
    if reduction == "none":
        return loss.reshape(t.shape).numpy()
    return loss.item()
''',
    "sequence_perplexity": '''import math


def sequence_perplexity(logits, targets, ignore_index=-100):
    loss = sequence_cross_entropy(np.asarray(logits, dtype=np.float64), targets, ignore_index)
    return math.exp(loss) if loss == loss else float("nan")
''',
}

# ---- 08_attention ------------------------------------------------------------------------

ATTENTION_LOOPS = {
    "causal_mask": '''import numpy as np


def causal_mask(T):
    return np.fromfunction(lambda i, j: j <= i, (T, T), dtype=int)
''',
    "masked_softmax": '''import math

import numpy as np


def _softmax_of_kept(values, kept):
    """One slice, as Python floats: the softmax over the kept entries, 0 elsewhere."""
    chosen = [v for v, k in zip(values, kept) if k]
    top = max(chosen, default=-math.inf)
    if top == -math.inf:  # nothing kept, or only -inf: all zeros
        return [0.0] * len(values)
    exps = [math.exp(v - top) if k else 0.0 for v, k in zip(values, kept)]
    total = sum(exps)
    return [e / total for e in exps]


def masked_softmax(scores, mask, axis=-1):
    s = np.asarray(scores)
    dtype = s.dtype if np.issubdtype(s.dtype, np.floating) else np.float64
    keep = np.broadcast_to(np.asarray(mask, dtype=bool), s.shape)
    s_last, keep_last = np.moveaxis(s, axis, -1), np.moveaxis(keep, axis, -1)
    out = np.zeros(s_last.shape, dtype=dtype)
    for idx in np.ndindex(s_last.shape[:-1]):
        out[idx] = _softmax_of_kept(s_last[idx].tolist(), keep_last[idx].tolist())
    return np.moveaxis(out, -1, axis)
''',
    "scaled_dot_product_attention": '''import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = np.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.shape[-1])
    keep = causal_mask(scores.shape[-1]) if causal else np.full(scores.shape[-2:], True)
    weights = masked_softmax(scores, keep)
    return np.einsum("...qk,...kd->...qd", weights, v), weights
''',
}

ATTENTION_OUT_WHERE = {
    "causal_mask": '''import numpy as np


def causal_mask(T: int) -> np.ndarray:
    assert T >= 0, "T is a length"
    return ~np.triu(np.ones((T, T), dtype=bool), k=1)  # not strictly above the diagonal
''',
    "masked_softmax": '''import numpy as np


def masked_softmax(scores, mask, axis=-1):
    s = np.asarray(scores)
    if s.dtype.kind != "f":
        s = s.astype(float)
    keep = np.broadcast_to(np.asarray(mask, dtype=bool), s.shape)
    top = np.max(s, axis=axis, keepdims=True, initial=-np.inf, where=keep)
    top[np.isneginf(top)] = 0  # top is a new array: nothing kept, no shift
    e = np.zeros_like(s)
    np.subtract(s, top, out=e, where=keep)
    np.exp(e, out=e, where=keep)  # masked entries are never read and stay 0
    total = e.sum(axis=axis, keepdims=True)
    np.divide(e, total, out=e, where=total > 0)
    return e
''',
    "scaled_dot_product_attention": '''import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = map(np.asarray, (q, k, v))
    d_k = q.shape[-1]
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) * (1 / d_k ** 0.5)
    mask = causal_mask(scores.shape[-1]) if causal else np.ones(scores.shape[-2:], dtype=bool)
    attn = masked_softmax(scores, mask)
    return np.matmul(attn, v), attn
''',
}

ATTENTION_MODULE = {
    # An attention "module": a class whose __call__ does the work, as in tutorial code.
    "causal_mask": """import numpy as np


def build_causal_mask(T):
    i, j = np.indices((T, T))
    return np.vectorize(lambda row, col: col <= row, otypes=[bool])(i, j)


causal_mask = build_causal_mask  # the name the notebook asks for
if __name__ == "__main__":
    print(causal_mask(3).astype(int))
""",
    "masked_softmax": '''import numpy as np


def masked_softmax(scores, mask, axis=-1):
    s = np.asarray(scores)
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(np.float64)
    hidden = ~np.broadcast_to(np.asarray(mask, dtype=bool), s.shape)
    m = np.ma.masked_array(s, mask=hidden)
    top = m.max(axis=axis, keepdims=True).filled(0)
    top[np.isneginf(top)] = 0
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.ma.exp(m - top).filled(0)
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)
''',
    "scaled_dot_product_attention": '''import math

import numpy as np


class DotProductAttention:
    """softmax(q k^T / sqrt(d)) v, with an optional causal mask."""

    def __init__(self, causal: bool = False):
        self.causal = causal

    def scores(self, q, k):
        return q @ k.swapaxes(-1, -2) / math.sqrt(q.shape[-1])

    def __call__(self, q, k, v):
        s = self.scores(q, k)
        n_q, n_k = s.shape[-2:]
        mask = causal_mask(n_k) if self.causal else np.ones((n_q, n_k), dtype=bool)
        self.attention_weights = masked_softmax(s, mask)
        return self.attention_weights @ v


def scaled_dot_product_attention(q, k, v, causal=False):
    attention = DotProductAttention(causal)
    out = attention(np.asarray(q), np.asarray(k), np.asarray(v))
    return out, attention.attention_weights
''',
}

ATTENTION_TORCH = {
    # PyTorch for a numpy exercise, back to numpy with .numpy().
    "masked_softmax": """import numpy as np


def _row_softmax(row):
    \"\"\"One slice: its first half holds the scores, its second half the mask.\"\"\"
    scores, keep = np.split(row, 2)
    keep = keep.astype(bool)
    out = np.zeros_like(scores)
    if keep.any() and np.isfinite(scores[keep]).any():
        e = np.exp(scores[keep] - scores[keep].max())
        out[keep] = e / e.sum()
    return out


def masked_softmax(scores, mask, axis=-1):
    s = np.asarray(scores)
    s = s if np.issubdtype(s.dtype, np.floating) else s.astype(np.float64)
    keep = np.broadcast_to(np.asarray(mask, dtype=bool), s.shape).astype(s.dtype)
    both = np.concatenate([s, keep], axis=axis)
    with np.errstate(invalid="ignore"):
        return np.apply_along_axis(_row_softmax, axis, both)
""",
    "causal_mask": '''import torch


def causal_mask(T):
    return torch.tril(torch.ones(int(T), int(T), dtype=torch.bool)).numpy()
''',
    "scaled_dot_product_attention": '''import math

import numpy as np
import torch


def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = (torch.from_numpy(np.array(a)) for a in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        T = scores.shape[-1]
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return (weights @ v).numpy(), weights.numpy()
''',
}

# ---- 09_training ---------------------------------------------------------------------------

TRAINING_VECTORISED = {
    # The vectorised softmax classifier of many course assignments: scores, dscores, dW, db.
    "train_step": """import numpy as np


def train_step(W, b, X, y, lr):
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    num_train = X.shape[0]
    scores = X.dot(W) + b
    scores -= np.max(scores, axis=1, keepdims=True)  # scores is a new array: safe in place
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    loss = -np.sum(log_probs[np.arange(num_train), y]) / num_train
    dscores = np.exp(log_probs)
    dscores[np.arange(num_train), y] -= 1
    dscores /= num_train
    dW = X.T.dot(dscores)
    db = np.sum(dscores, axis=0)
    return W - lr * dW, b - lr * db, float(loss)
""",
    "fit": """import numpy as np


def _training_run(W, b, X, y, lr, steps):
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        yield W, b, loss


def fit(X, y, num_classes, lr, steps, rng):
    W = rng.standard_normal((np.shape(X)[1], num_classes)) * 0.01
    b = np.zeros(num_classes)
    history = []
    for W, b, loss in _training_run(W, b, X, y, lr, steps):
        history.append(loss)
    return W, b, history
""",
}

TRAINING_EINSUM = {
    "train_step": """import numpy as np


def train_step(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, lr: float):
    \"\"\"One step of gradient descent; the loss is measured before it.\"\"\"
    W, b, X = np.asarray(W), np.asarray(b), np.asarray(X)
    y = np.asarray(y)
    assert X.ndim == 2 and y.shape == (X.shape[0],), "X is (N, d) and y is (N,)"
    n = len(y)
    Z = np.einsum("nd,dc->nc", X, W) + b
    Z = Z - Z.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -np.take_along_axis(log_p, y[:, None], axis=1).mean()
    G = np.exp(log_p)
    G[np.arange(n), y] -= 1
    G = G / n
    return W - lr * np.einsum("nd,nc->dc", X, G), b - lr * G.sum(axis=0), loss.item()
""",
    "fit": """import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    if steps < 0:
        raise ValueError("steps must be at least 0")
    d = len(X[0])
    W, b = rng.normal(0.0, 0.01, (d, num_classes)), np.zeros(num_classes)
    history: list[float] = []
    step = 0
    while step < steps:
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
        step += 1
    return W, b, history
""",
}

TRAINING_PARTIAL_AND_CLASS = {
    "train_step": """import numpy as np


class SoftmaxClassifier:
    def __init__(self, W, b):
        self.W, self.b = np.asarray(W), np.asarray(b)

    def log_probs(self, X):
        z = np.asarray(X) @ self.W + self.b
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def step(self, X, y, lr):
        X, y = np.asarray(X), np.asarray(y)
        log_p = self.log_probs(X)
        picked = np.zeros_like(log_p, dtype=bool)
        picked[np.arange(len(y)), y] = True
        loss = float(-log_p[picked].mean())
        grad = (np.exp(log_p) - picked) / len(y)
        return self.W - lr * (X.T @ grad), self.b - lr * grad.sum(axis=0), loss


def train_step(W, b, X, y, lr):
    return SoftmaxClassifier(W, b).step(X, y, lr)
""",
    "fit": """import functools

import numpy as np


def train(X, y, num_classes, lr, steps, rng, init_scale):
    W = rng.normal(scale=init_scale, size=(np.asarray(X).shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history


fit = functools.partial(train, init_scale=0.01)
""",
}

# ---- 10_pytorch ----------------------------------------------------------------------------

PYTORCH_MODULE = {
    "torch_cross_entropy": """import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    import torch
    from torch import nn

    criterion = nn.CrossEntropyLoss(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    x = torch.tensor(np.asarray(logits))
    if not x.is_floating_point():
        x = x.double()
    t = torch.tensor(np.asarray(targets)).long()
    V = x.shape[-1]
    loss = criterion(x.view(-1, V), t.view(-1))
    if reduction == "none":
        return loss.view(t.shape).detach().numpy()
    return loss.item()
""",
    "autograd_logit_gradient": """import numpy as np


def autograd_logit_gradient(logits, target):
    import torch
    import torch.nn.functional as F

    x = np.asarray(logits)
    x = torch.tensor(x if x.dtype.kind == "f" else x.astype(np.float64), requires_grad=True)
    loss = F.cross_entropy(x, torch.as_tensor(np.asarray(target)).long())
    (grad,) = torch.autograd.grad(loss, x)
    return grad.numpy()
""",
}

PYTORCH_FLATTEN = {
    "torch_cross_entropy": """import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    \"\"\"F.cross_entropy on numpy data: rows of logits in, a float or per-position losses out.\"\"\"
    import torch
    import torch.nn.functional as F

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"bad reduction {reduction!r}")
    z = np.array(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    y = np.asarray(targets, dtype=np.int64)
    with torch.no_grad():
        z_t = torch.from_numpy(np.ascontiguousarray(z.reshape(-1, z.shape[-1])))
        loss = F.cross_entropy(z_t, torch.from_numpy(y.reshape(-1)), ignore_index=ignore_index,
                               reduction=reduction, label_smoothing=label_smoothing)
    if reduction == "none":
        return loss.numpy().reshape(y.shape)
    return float(loss)
""",
    "autograd_logit_gradient": """import numpy as np


def autograd_logit_gradient(logits, target):
    import torch
    import torch.nn.functional as F

    z = np.array(logits)
    dtype = torch.float32 if z.dtype == np.float32 else torch.float64
    leaf = torch.tensor(z, dtype=dtype, requires_grad=True)
    batch = leaf.unsqueeze(0) if leaf.dim() == 1 else leaf  # one row: a batch of one
    labels = torch.tensor(np.atleast_1d(target), dtype=torch.long)
    F.cross_entropy(batch, labels).backward()
    return leaf.grad.detach().numpy().copy()
""",
}

# ---- 11_llm_scale ---------------------------------------------------------------------------

LLM_PURE_PYTHON = {
    "online_logsumexp": """import math

import numpy as np


def online_logsumexp(chunks):
    \"\"\"One entry at a time: a running max m and the running sum of exp(x - m).\"\"\"
    m, s = -math.inf, 0.0
    kind = None
    for chunk in chunks:
        values = np.asarray(chunk)
        if values.size == 0:
            continue
        kind = values.dtype if kind is None else np.promote_types(kind, values.dtype)
        for x in values.ravel().tolist():
            if x == -math.inf:
                continue
            if x > m:
                s = s * math.exp(m - x) + 1.0
                m = x
            else:
                s += math.exp(x - m)
    result = m + math.log(s) if s > 0 else -math.inf
    if kind is not None and np.issubdtype(kind, np.floating):
        return kind.type(result)  # float32 chunks give a float32 number
    return result
""",
    "chunked_cross_entropy": """import numpy as np


def vocabulary_blocks(weight, size):
    for start in range(0, len(weight), size):
        yield start, weight[start:start + size]


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    h = np.asarray(hidden, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    t = np.asarray(targets)
    n = h.shape[0]
    running_max = np.full(n, -np.inf)
    running_sum = np.zeros(n)
    target_logit = np.zeros(n)
    for start, w_block in vocabulary_blocks(w, chunk_size):
        block = h @ w_block.T
        here = (t >= start) & (t < start + len(w_block))  # rows whose target is in this block
        target_logit[here] = block[here, t[here] - start]
        new_max = np.maximum(running_max, block.max(axis=1))
        running_sum = running_sum * np.exp(running_max - new_max) + np.exp(block - new_max[:, None]).sum(axis=1)
        running_max = new_max
    return float(np.mean(running_max + np.log(running_sum) - target_logit))
""",
}

LLM_REDUCE_AND_CLASS = {
    "online_logsumexp": """import functools

import numpy as np


def _fold(state, chunk):
    run_max, run_sum = state
    x = np.asarray(chunk)
    if x.size == 0:
        return state
    if x.dtype.kind in "iub":
        x = x.astype(np.float64)
    new_max = np.maximum(run_max, x.max())
    if np.isneginf(new_max):
        return new_max, run_sum
    return new_max, run_sum * np.exp(run_max - new_max) + np.exp(x - new_max).sum()


def online_logsumexp(chunks):
    run_max, run_sum = functools.reduce(_fold, chunks, (-np.inf, 0.0))
    return run_max + np.log(run_sum) if run_sum > 0 else run_max
""",
    "chunked_cross_entropy": """import numpy as np


class ChunkedLoss:
    \"\"\"Mean cross-entropy of hidden @ weight.T, folded block by block into per-row state.\"\"\"

    def __call__(self, hidden, weight, targets, chunk_size):
        if not chunk_size >= 1:
            raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
        hidden = np.asarray(hidden)
        if hidden.dtype.kind != "f":
            hidden = hidden.astype(float)
        weight, targets = np.asarray(weight), np.asarray(targets)
        run_max = np.full(hidden.shape[0], -np.inf)
        run_sum = np.zeros(hidden.shape[0])
        for start in range(0, weight.shape[0], chunk_size):
            block = np.matmul(hidden, weight[start:start + chunk_size].T)
            new_max = np.maximum(run_max, block.max(axis=1))
            run_sum *= np.exp(run_max - new_max)
            run_sum += np.exp(block - new_max[:, None]).sum(axis=1)
            run_max = new_max
        picked = (hidden * weight[targets]).sum(axis=1)
        return float((run_max + np.log(run_sum) - picked).mean())


chunked_cross_entropy = ChunkedLoss()
""",
}

# ---- more of 07-11, in the shapes of public course code --------------------------------------

SEQUENCE_LOSS_MODULE = {
    # A loss "module" with forward() and a cache for backward, and numpy scalars returned.
    "shift_for_next_token": """import numpy as np


def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return [tokens[..., :-1], tokens[..., 1:]]  # views: nothing is written
""",
    "sequence_cross_entropy": """import numpy as np


class SequenceCrossEntropy:
    def __init__(self, ignore_index=-100, reduction="mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(reduction)
        self.ignore_index, self.reduction = ignore_index, reduction
        self.cache = {}

    def forward(self, logits, targets):
        logits, targets = np.asarray(logits), np.asarray(targets)
        if not np.issubdtype(logits.dtype, np.floating):
            logits = logits.astype(np.float64)
        valid = targets != self.ignore_index
        m = np.max(logits, axis=-1, keepdims=True)
        log_z = m + np.log(np.sum(np.exp(logits - m), axis=-1, keepdims=True))
        safe = np.where(valid, targets, 0)
        loss = (log_z - np.take_along_axis(logits, safe[..., None], axis=-1))[..., 0]
        loss = np.where(valid, loss, 0.0).astype(logits.dtype)
        self.cache = {"valid": valid}
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        return loss.sum() / valid.sum() if valid.any() else np.float64("nan")


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    return SequenceCrossEntropy(ignore_index, reduction).forward(logits, targets)
""",
    "mask_prompt_tokens": """import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    labels = np.array(targets)
    T = labels.shape[-1]
    positions = np.tile(np.arange(T), labels.shape[:-1] + (1,))
    np.putmask(labels, positions < np.reshape(prompt_lengths, labels.shape[:-1] + (1,)), ignore_index)
    return labels
""",
    "sequence_perplexity": """import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    total = sequence_cross_entropy(np.asarray(logits, dtype=float), targets, ignore_index, reduction="sum")
    n = np.count_nonzero(np.asarray(targets) != ignore_index)
    return float(np.exp(total / n)) if n else float("nan")
""",
}

ATTENTION_FILL_AND_ZERO = {
    # The tutorial recipe (fill masked scores with a very negative number, softmax), made
    # exact: the fill is the dtype's lowest value and the mask zeroes what it must.
    "causal_mask": """import numpy as np


def causal_mask(T):
    return np.tri(T, dtype=bool)
""",
    "masked_softmax": """import numpy as np


def masked_softmax(scores, mask, axis=-1):
    X = np.asarray(scores)
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    valid = np.broadcast_to(np.asarray(mask, dtype=bool), X.shape)
    X = np.where(valid, X, np.finfo(X.dtype).min)
    X = X - X.max(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        e = np.exp(X) * valid  # masked entries and fully masked slices become 0
        total = e.sum(axis=axis, keepdims=True)
        return np.where(total > 0, e / np.where(total > 0, total, 1), 0).astype(X.dtype)
""",
    "scaled_dot_product_attention": """import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    queries, keys, values = np.asarray(q), np.asarray(k), np.asarray(v)
    d = queries.shape[-1]
    axes = tuple(range(keys.ndim - 2)) + (keys.ndim - 1, keys.ndim - 2)
    scores = queries @ np.transpose(keys, axes) / d**0.5
    T_q, T_k = scores.shape[-2:]
    mask = causal_mask(T_k) if causal else np.ones((T_q, T_k), dtype=bool)
    attention_weights = masked_softmax(scores, mask)
    return attention_weights @ values, attention_weights
""",
}

TRAINING_ONE_HOT = {
    "train_step": """import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def train_step(W, b, X, y, lr):
    X, W, b, y = np.asarray(X), np.asarray(W), np.asarray(b), np.asarray(y)
    N, C = X.shape[0], W.shape[1]
    Z = X @ W + b
    Z_shift = Z - Z.max(axis=1, keepdims=True)
    log_P = Z_shift - np.log(np.exp(Z_shift).sum(axis=1, keepdims=True))
    loss = float(np.mean(-log_P[np.arange(N), y]))
    Y = np.eye(C, dtype=Z.dtype)[y]  # one-hot targets
    G = (softmax(Z) - Y) / N
    dW = X.T @ G
    db = G.sum(axis=0)
    return W - lr * dW, b - lr * db, loss
""",
    "fit": """import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    W = 0.01 * rng.standard_normal(size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    losses = []
    for step in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        losses.append(loss)
        if step % 100 == 0:
            pass  # print(f"step {step}: loss {loss:.4f}")
    return W, b, losses
""",
}

PYTORCH_PERMUTE = {
    # (B, T, V) logits as PyTorch's (N, C, d) layout; one row as an unbatched input.
    "torch_cross_entropy": """import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    import torch
    import torch.nn.functional as F

    z = np.array(logits)
    z = torch.from_numpy(z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64))
    t = torch.from_numpy(np.array(targets, dtype=np.int64))
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    if z.dim() == 3:
        loss = F.cross_entropy(z.permute(0, 2, 1), t, **kw)  # classes on dim 1
    else:
        loss = F.cross_entropy(z, t, **kw)  # (N, V), or one row (V,) with a 0-d target
    return loss.numpy() if reduction == "none" else loss.item()
""",
    "autograd_logit_gradient": """import numpy as np


def autograd_logit_gradient(logits, target):
    import torch
    import torch.nn.functional as F
    from torch.func import grad

    z = np.array(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    t = torch.as_tensor(np.asarray(target), dtype=torch.long)
    return grad(lambda x: F.cross_entropy(x, t))(torch.from_numpy(z)).numpy()
""",
}

LLM_CLASS_AND_TORCH = {
    "online_logsumexp": """import numpy as np


class RunningLogSumExp:
    \"\"\"Folds in chunks one at a time: the max so far and the sum of exp(x - max).\"\"\"

    def __init__(self):
        self.m = None
        self.s = None

    def update(self, chunk):
        x = np.asarray(chunk)
        if x.size == 0:
            return
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        m_new = x.max() if self.m is None else np.maximum(self.m, x.max())
        if np.isneginf(m_new):
            self.m = m_new
            return
        scaled = 0 if self.s is None else self.s * np.exp(self.m - m_new)
        self.s = scaled + np.exp(x - m_new).sum()
        self.m = m_new

    @property
    def value(self):
        if self.m is None:
            return -np.inf
        if self.s is None:
            return self.m  # only -inf seen
        return self.m + np.log(self.s)


def online_logsumexp(chunks):
    acc = RunningLogSumExp()
    it = iter(chunks)
    while True:
        try:
            acc.update(next(it))
        except StopIteration:
            return acc.value
""",
    "chunked_cross_entropy": """import numpy as np
import torch


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size < 1")
    h = np.asarray(hidden)
    h = torch.from_numpy(h if h.dtype.kind == "f" else h.astype(np.float64))
    w = torch.from_numpy(np.asarray(weight)).to(h.dtype)
    t = torch.from_numpy(np.asarray(targets, dtype=np.int64))
    m = torch.full((h.shape[0],), float("-inf"), dtype=h.dtype)
    s = torch.zeros(h.shape[0], dtype=h.dtype)
    with torch.no_grad():
        for start in range(0, w.shape[0], int(chunk_size)):
            block = h @ w[start : start + chunk_size].T
            m_new = torch.maximum(m, block.amax(dim=1))
            s = s * torch.exp(m - m_new) + torch.exp(block - m_new[:, None]).sum(dim=1)
            m = m_new
        target_logit = (h * w[t]).sum(dim=1)
        return (m + torch.log(s) - target_logit).mean().item()
""",
}

# ---- habits around the code: decorators, caches, warnings, custom errors, global settings ----

SEQUENCE_WARNINGS_AND_ERRORS = {
    # No np.errstate: 0 / 0 gives nan with a RuntimeWarning, and a custom ValueError.
    "shift_for_next_token": """from typing import NamedTuple

import numpy as np


class Shifted(NamedTuple):
    inputs: np.ndarray
    targets: np.ndarray


def shift_for_next_token(tokens) -> Shifted:
    tokens = np.asarray(tokens)
    return Shifted(inputs=tokens[..., :-1].copy(), targets=tokens[..., 1:].copy())
""",
    "sequence_cross_entropy": """import numpy as np


class UnknownReduction(ValueError):
    pass


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise UnknownReduction(f"reduction={reduction!r} is not one of mean, sum, none")
    z = np.asarray(logits)
    z = z if z.dtype.kind == "f" else z.astype(float)
    t = np.asarray(targets)
    keep = t != ignore_index
    z_max = z.max(axis=-1)
    lse = z_max + np.log(np.exp(z - z_max[..., None]).sum(axis=-1))
    target_logit = np.take_along_axis(z, np.where(keep, t, 0)[..., None], -1)[..., 0]
    losses = np.where(keep, lse - target_logit, 0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    return float(np.float64(losses.sum()) / np.float64(keep.sum()))  # 0 / 0 is nan
""",
    "sequence_perplexity": """import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    return float(np.exp(sequence_cross_entropy(np.asarray(logits, dtype=np.float64), targets, ignore_index)))
""",
}

ATTENTION_CACHE_AND_DECORATORS = {
    "causal_mask": """import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def causal_mask(T):
    mask = np.tril(np.ones((T, T), dtype=bool))
    mask.flags.writeable = False  # shared between calls: nobody may change it
    return mask
""",
    "masked_softmax": """import numpy as np

np.seterr(all="ignore")  # no warnings from -inf - -inf below


def masked_softmax(scores, mask, axis=-1):
    z = np.asarray(scores)
    z = z.astype(np.float64) if z.dtype.kind != "f" else z
    z = np.where(mask, z, -np.inf)
    z_max = z.max(axis=axis, keepdims=True)
    p = np.exp(z - z_max)
    p = p / p.sum(axis=axis, keepdims=True)
    return np.nan_to_num(p, nan=0.0)  # fully masked slices: 0 / 0 -> 0
""",
    "scaled_dot_product_attention": """import math

import numpy as np


@np.errstate(over="ignore")
def scaled_dot_product_attention(q, k, v, causal=False):
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = np.matmul(q, np.swapaxes(k, -2, -1)) / math.sqrt(q.shape[-1])
    T = scores.shape[-1]
    weights = masked_softmax(scores, causal_mask(T) if causal else np.ones((scores.shape[-2], T), bool))
    return np.matmul(weights, v), weights
""",
}

TRAINING_DECORATED = {
    "train_step": """import numpy as np


@np.errstate(over="raise")
def train_step(W, b, X, y, lr):
    W, b, X, y = map(np.asarray, (W, b, X, y))
    Z = X @ W + b
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    S = E.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float((np.log(S[:, 0]) - Z[rows, y]).mean())
    G = E / S
    G[rows, y] -= 1.0
    G /= len(y)
    return W - lr * X.T @ G, b - lr * G.sum(0), loss
""",
    "fit": """import numpy as np


@np.errstate(over="ignore", invalid="ignore")
def fit(X, y, num_classes, lr, steps, rng):
    W = rng.normal(scale=0.01, size=(np.shape(X)[-1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history += [loss]
    return W, b, history
""",
}

PYTORCH_DEFAULT_DTYPE = {
    "torch_cross_entropy": """import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # lists become float64 tensors


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    x = torch.tensor(logits) if isinstance(logits, list) else torch.from_numpy(np.array(logits))
    if not torch.is_floating_point(x):
        x = x.to(torch.get_default_dtype())
    y = torch.tensor(np.asarray(targets), dtype=torch.long)
    out = F.cross_entropy(x.reshape(-1, x.shape[-1]), y.flatten(), ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=label_smoothing)
    if reduction == "none":
        return out.detach().reshape(y.shape).numpy()
    return out.item()
""",
    "autograd_logit_gradient": """import numpy as np
import torch
import torch.nn.functional as F


def autograd_logit_gradient(logits, target):
    x = torch.tensor(logits) if isinstance(logits, list) else torch.from_numpy(np.array(logits))
    if not torch.is_floating_point(x):
        x = x.to(torch.get_default_dtype())
    x.requires_grad_(True)
    loss = F.cross_entropy(x, torch.tensor(np.asarray(target), dtype=torch.long))
    loss.backward()
    return x.grad.numpy()
""",
}

LLM_WARNINGS_AND_ERRORS = {
    "online_logsumexp": """import numpy as np


def online_logsumexp(chunks):
    m, s = -np.inf, 0.0
    for c in chunks:
        c = np.asarray(c)
        if c.size == 0:
            continue
        c = c if c.dtype.kind == "f" else c.astype(np.float64)
        new_m = max(m, c.max())
        if new_m == -np.inf:
            continue  # nothing but -inf so far: the sum stays 0
        s = s * np.exp(m - new_m) + np.exp(c - new_m).sum()
        m = new_m
    return m + np.log(s)  # s = 0: log(0) = -inf (with a warning), and -inf + -inf = -inf
""",
    "chunked_cross_entropy": """import numpy as np


class ChunkSizeError(ValueError):
    \"\"\"chunk_size must be a positive number of vocabulary columns.\"\"\"


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ChunkSizeError(chunk_size)
    H = np.asarray(hidden, dtype=float)
    Wv = np.asarray(weight, dtype=float)
    idx = np.asarray(targets)
    N, V = H.shape[0], Wv.shape[0]
    m = np.full(N, -np.inf)
    s = np.zeros(N)
    for lo in range(0, V, chunk_size):
        hi = min(lo + chunk_size, V)
        z = H @ Wv[lo:hi].T
        m_new = np.fmax(m, z.max(axis=1))
        s = s * np.exp(m - m_new) + np.exp(z - m_new[:, np.newaxis]).sum(axis=1)
        m = m_new
    return float(np.mean(m + np.log(s) - np.einsum("ij,ij->i", H, Wv[idx])))
""",
}

# ---- named-tuple results, postponed annotations, a thread pool, the learner's own cells ----

TRAINING_NAMED_RESULTS = {
    # Results as named tuples: still the (W, b, loss) and (W, b, history) the notebook asks for.
    "train_step": """from typing import NamedTuple

import numpy as np


class Step(NamedTuple):
    W: np.ndarray
    b: np.ndarray
    loss: float


def train_step(W, b, X, y, lr) -> Step:
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    z = X @ W + b
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    g = np.exp(logp)
    g[rows, y] -= 1
    g /= len(y)
    return Step(W=W - lr * (X.T @ g), b=b - lr * g.sum(axis=0), loss=float(-logp[rows, y].mean()))
""",
    "fit": """from typing import NamedTuple

import numpy as np


class Trained(NamedTuple):
    W: np.ndarray
    b: np.ndarray
    history: list


def fit(X, y, num_classes, lr, steps, rng) -> Trained:
    state = Trained(rng.normal(scale=0.01, size=(np.shape(X)[1], num_classes)), np.zeros(num_classes), [])
    for _ in range(steps):
        step = train_step(state.W, state.b, X, y, lr)
        state = Trained(step.W, step.b, state.history + [step.loss])
    return state
""",
}

PYTORCH_TYPED = {
    # Postponed annotations, with torch imported for the type checker only.
    "torch_cross_entropy": """from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def as_logits(x: np.ndarray | list) -> torch.Tensor:
    import torch

    z = np.array(x)
    return torch.from_numpy(z if z.dtype.kind == "f" else z.astype(np.float64))


def torch_cross_entropy(
    logits: np.ndarray | list,
    targets: np.ndarray | list | int,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> float | np.ndarray:
    import torch
    import torch.nn.functional as F

    z = as_logits(logits)
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    loss = F.cross_entropy(
        z.reshape(-1, z.shape[-1]),
        t.reshape(-1),
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    return loss.reshape(t.shape).numpy() if reduction == "none" else loss.item()
""",
}

LLM_THREADS_AND_PRINTS = {
    "online_logsumexp": """import numpy as np


def online_logsumexp(chunks):
    m, s = -np.inf, 0.0
    for i, chunk in enumerate(chunks):
        x = np.asarray(chunk)
        if x.size == 0:
            print(f"chunk {i}: empty, skipped")
            continue
        x = x if x.dtype.kind == "f" else x.astype(float)
        new_m = np.maximum(m, x.max())
        if new_m > -np.inf:
            s = s * np.exp(m - new_m) + np.exp(x - new_m).sum()
        m = new_m
        print(f"chunk {i}: size {x.size}, running max {m:.4f}, running sum {s:.6f}")
    return m + np.log(s) if s > 0 else m
""",
    "chunked_cross_entropy": """from concurrent.futures import ThreadPoolExecutor

import numpy as np


def _block_stats(hidden, block):
    z = hidden @ block.T
    m = z.max(axis=1)
    return m, np.exp(z - m[:, None]).sum(axis=1)


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    h = np.asarray(hidden, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    t = np.asarray(targets)
    run_max = np.full(len(h), -np.inf)
    run_sum = np.zeros(len(h))
    starts = range(0, len(w), chunk_size)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two blocks at a time, folded in order
        for m, s in pool.map(lambda a: _block_stats(h, w[a : a + chunk_size]), starts):
            new_max = np.maximum(run_max, m)
            run_sum = run_sum * np.exp(run_max - new_max) + s * np.exp(m - new_max)
            run_max = new_max
    return float(np.mean(run_max + np.log(run_sum) - np.einsum("nd,nd->n", h, w[t])))
""",
}

# Cells of the learner's own: IPython magics and shell escapes, and a test helper whose name
# is also the course's `check`.
LLM_MAGICS = {
    "chunked_cross_entropy": """%load_ext autoreload
!nproc
%timeit -n 3 -r 1 online_logsumexp([np.arange(1000.0)])
print(online_logsumexp(iter([[1.0, 2.0], [], [3.0]])))
"""
}

TRAINING_OWN_CHECK = {
    "fit": """def check(condition, message="check failed"):
    \"\"\"My own tiny test helper.\"\"\"
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


check(train_step([[3.0, 1.0, 0.0]], [0.0, 0.0, 0.0], [[1.0]], [1], 0.25)[2] > 2, "the reship loss is 2.17")
"""
}

STYLES: dict[tuple[str, str], dict] = {
    ("loops-math-exp", "07_sequence_loss"): {"cells": SEQUENCE_PURE_PYTHON, "added": {}},
    ("delete-logaddexp-masked", "07_sequence_loss"): {"cells": SEQUENCE_NUMPY_TOOLS, "added": {}},
    ("flattened-rows", "07_sequence_loss"): {"cells": SEQUENCE_FLATTENED, "added": {}},
    ("torch-cross-entropy-numpy", "07_sequence_loss"): {"cells": SEQUENCE_TORCH, "added": {}},
    ("module-forward-putmask", "07_sequence_loss"): {"cells": SEQUENCE_LOSS_MODULE, "added": {}},
    ("warning-and-custom-error", "07_sequence_loss"): {"cells": SEQUENCE_WARNINGS_AND_ERRORS, "added": {}},
    ("fromfunction-moveaxis-loops", "08_attention"): {"cells": ATTENTION_LOOPS, "added": {}},
    ("ufunc-out-where", "08_attention"): {"cells": ATTENTION_OUT_WHERE, "added": {}},
    ("masked-array-module", "08_attention"): {"cells": ATTENTION_MODULE, "added": {}},
    ("torch-tril-apply-along-axis", "08_attention"): {"cells": ATTENTION_TORCH, "added": {}},
    ("fill-lowest-then-zero", "08_attention"): {"cells": ATTENTION_FILL_AND_ZERO, "added": {}},
    ("cache-seterr-decorator", "08_attention"): {"cells": ATTENTION_CACHE_AND_DECORATORS, "added": {}},
    ("vectorised-dscores-generator", "09_training"): {"cells": TRAINING_VECTORISED, "added": TRAINING_OWN_CHECK},
    ("einsum-hints-while", "09_training"): {"cells": TRAINING_EINSUM, "added": {}},
    ("class-and-partial", "09_training"): {"cells": TRAINING_PARTIAL_AND_CLASS, "added": {}},
    ("eye-onehot-float-inputs", "09_training"): {"cells": TRAINING_ONE_HOT, "added": {}},
    ("errstate-decorated", "09_training"): {"cells": TRAINING_DECORATED, "added": {}},
    ("named-tuple-results", "09_training"): {"cells": TRAINING_NAMED_RESULTS, "added": {}},
    ("module-autograd-grad", "10_pytorch"): {"cells": PYTORCH_MODULE, "added": {}},
    ("flatten-no-grad-float", "10_pytorch"): {"cells": PYTORCH_FLATTEN, "added": {}},
    ("permute-unbatched-func-grad", "10_pytorch"): {"cells": PYTORCH_PERMUTE, "added": {}},
    ("default-dtype-float64", "10_pytorch"): {"cells": PYTORCH_DEFAULT_DTYPE, "added": {}},
    ("future-annotations-typed", "10_pytorch"): {"cells": PYTORCH_TYPED, "added": {}},
    ("pure-python-generator", "11_llm_scale"): {"cells": LLM_PURE_PYTHON, "added": {}},
    ("reduce-and-class", "11_llm_scale"): {"cells": LLM_REDUCE_AND_CLASS, "added": LLM_MAGICS},
    ("class-next-and-torch-blocks", "11_llm_scale"): {"cells": LLM_CLASS_AND_TORCH, "added": {}},
    ("log-zero-custom-error", "11_llm_scale"): {"cells": LLM_WARNINGS_AND_ERRORS, "added": {}},
    ("thread-pool-and-prints", "11_llm_scale"): {"cells": LLM_THREADS_AND_PRINTS, "added": {}},
}
