"""Correct answers to the exercises of 01-06 in styles the course does not use itself:
each must keep full marks. Same shape as corpus_honest.HONEST:
{(student, assignment): {"cells": {grade_id: source}, "added": {before_grade_id: source}}}.

The styles: plain Python loops over lists (math.exp, math.fsum, zip, generators);
np.logaddexp.reduce, np.einsum, np.apply_along_axis, np.partition, np.take_along_axis,
np.swapaxes/np.moveaxis, masked arrays, np.vectorize, out= and in-place work on a copy;
PyTorch for the numpy exercises (torch is installed wherever the course's tests run);
recursion, callable classes, a frozen dataclass, functools.singledispatch and lru_cache,
type hints, own ValueError subclasses, unicode names, tab indentation, `from numpy
import *`, a variable called list, a `__main__` self-test, np.seterr and a %timeit magic
in the learner's own cells; and the shapes of public course code (CS231n's softmax loss
and gradient check, d2l's softmax and cross-entropy, Hugging Face's top-k/top-p
filters, scipy's logsumexp).
"""

from __future__ import annotations

# 01_logits -----------------------------------------------------------------------------

LOGITS_PURE_PYTHON = {
    "is_distribution": '''import math

import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    """Plain Python over the rows: numpy only to line the slices up."""
    arr = np.moveaxis(np.asarray(p, dtype=np.float64), axis, -1)
    for row in arr.reshape(-1, arr.shape[-1]).tolist():
        if any(not math.isfinite(v) or v < 0 for v in row):
            return False
        if abs(math.fsum(row) - 1.0) > atol:
            return False
    return True
''',
    "predicted_label": '''def predicted_label(logits, labels):
    best = 0
    for i, score in enumerate(logits):
        if score > logits[best]:
            best = i
    return labels[best]
''',
}

LOGITS_CLASS_AND_HINTS = {
    "added": {
        "is_distribution": '''import numpy as np
from typing import Any, Sequence


class DistributionTest:
    """Callable test for 'is this a distribution along an axis?'."""

    def __init__(self, atol: float = 1e-6):
        if atol < 0:
            raise ValueError("atol must be >= 0")
        self.atol = atol

    def __call__(self, p: Any, axis: int = -1) -> bool:
        a = np.array(p, dtype=float, copy=True)
        finite_and_positive = np.isfinite(a).all() and (a >= 0).all()
        if not finite_and_positive:
            return False
        gaps = np.abs(np.sum(a, axis=axis) - 1)
        return bool(np.max(gaps, initial=0.0) <= self.atol)
'''
    },
    "cells": {
        "is_distribution": '''def is_distribution(p, axis=-1, atol=1e-6) -> bool:
    return DistributionTest(atol)(p, axis=axis)
''',
        "predicted_label": '''from typing import Sequence


def predicted_label(logits: Sequence[float], labels: Sequence) -> object:
    """Label of the largest logit; max() keeps the first of equal keys."""
    assert len(logits) == len(labels), "one label per logit"
    position = max(range(len(logits)), key=lambda i: logits[i])
    return labels[position]
''',
    },
}

LOGITS_REPO_STYLE = {
    "is_distribution": '''import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p)
    if np.any(np.isnan(p)) or np.any(np.isinf(p)):
        return False
    if np.any(p < 0):
        return False
    sums = np.sum(p, axis=axis)
    return np.allclose(sums, 1.0, rtol=0.0, atol=atol)
''',
    "predicted_label": '''import numpy as np


def predicted_label(logits, labels):
    idx = np.argmax(np.array(logits))
    labels = list(labels)
    return labels[idx]
''',
}

LOGITS_APPLY_ALONG_AXIS = {
    "added": {
        "predicted_label": '''# trying my function on the pets before the next exercise
list = ["cat", "dog", "bird"]
scores = [2.0, 1.0, 0.1]
print(list, is_distribution(scores), is_distribution([0.659, 0.242, 0.099]))
'''
    },
    "cells": {
        "is_distribution": '''import numpy as np


def _row_ok(row, atol):
    return np.isfinite(row).all() and (row >= 0).all() and abs(row.sum() - 1) <= atol


def is_distribution(p, axis=-1, atol=1e-6):
    verdicts = np.apply_along_axis(_row_ok, axis, np.asarray(p, dtype=np.float64), atol)
    return True if verdicts.all() else False
''',
        "predicted_label": '''import numpy as np


def predicted_label(logits, labels):
    scores = np.asarray(logits, dtype=np.float64)
    (winners,) = np.nonzero(scores == scores.max())
    return labels[winners[0]]
''',
    },
}

LOGITS_TORCH = {
    "is_distribution": '''import torch


def is_distribution(p, axis=-1, atol=1e-6):
    t = torch.as_tensor(np.asarray(p, dtype=np.float64))
    if not torch.isfinite(t).all() or (t < 0).any():
        return False
    return bool(((t.sum(dim=axis) - 1).abs() <= atol).all())
''',
    "predicted_label": '''import torch


def predicted_label(logits, labels):
    scores = torch.tensor(np.asarray(logits, dtype=np.float64))
    winner = torch.nonzero(scores == scores.max())[0].item()
    return labels[winner]
''',
}

LOGITS_STAR_IMPORT = {
    "is_distribution": '''from numpy import *


def is_distribution(p, axis=-1, atol=1e-6):
    p = asarray(p, dtype=float64)
    if not isfinite(p).all() or (p < 0).any():
        return False
    return True if (abs(p.sum(axis=axis) - 1) <= atol).all() else False
''',
    "predicted_label": '''from numpy import *


def predicted_label(logits, labels):
    return labels[argmax(logits)]
''',
}

LOGITS_INDEX_OF_MAX = {
    "is_distribution": '''import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    p = np.array(p, dtype=float)
    # nan fails p >= 0, and an inf entry makes its slice's sum inf or nan
    return bool(np.all(p >= 0) and np.all(np.abs(p.sum(axis=axis) - 1) <= atol))
''',
    "predicted_label": '''def predicted_label(logits, labels):
    scores = list(logits)
    return labels[scores.index(max(scores))]  # index() finds the first of tied maxima
''',
}


# 02_softmax ----------------------------------------------------------------------------

SOFTMAX_PURE_PYTHON = {
    "softmax": '''import math

import numpy as np


def softmax(z, axis=-1):
    """Loops over the rows with math.exp; numpy only to reshape."""
    z = np.asarray(z)
    kind = z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)
    rows = np.moveaxis(z, axis, -1)
    out = []
    for row in rows.reshape(-1, rows.shape[-1]).tolist():
        exps = [math.exp(v) for v in row]
        total = sum(exps)
        out.append([e / total for e in exps])
    return np.moveaxis(np.array(out, dtype=kind).reshape(rows.shape), -1, axis)
''',
}

SOFTMAX_IN_PLACE_ON_A_COPY = {
    "softmax": '''import numpy as np


def softmax(z, axis=-1):
    e = np.array(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))  # a copy, float
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e
''',
}

SOFTMAX_D2L_STYLE = {
    "softmax": '''import numpy as np


def softmax(z, axis=-1):
    X = np.asarray(z)
    if X.dtype.kind in "iub":
        X = X.astype(float)
    X_exp = np.exp(X)
    partition = X_exp.sum(axis, keepdims=True)
    return X_exp / partition  # broadcasting
''',
}

SOFTMAX_APPLY_ALONG_AXIS = {
    "softmax": '''import numpy as np


def _one(v):
    e = np.exp(v)
    return e / np.sum(e)


def softmax(z, axis=-1):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return np.apply_along_axis(_one, axis, z)
''',
}

SOFTMAX_GLOBAL_SHIFT = {
    "softmax": '''import numpy as np


def softmax(z, axis=-1):
    """exp(z) / sum(exp(z)); one shift by the largest logit of the whole input (softmax
    ignores a constant added to every logit) keeps exp from overflowing."""
    x = np.asarray(z)
    if x.dtype.kind != "f":
        x = x.astype(float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
}

SOFTMAX_TORCH = {
    "softmax": '''import numpy as np
import torch


def softmax(z, axis=-1):
    arr = np.asarray(z)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    t = torch.from_numpy(np.ascontiguousarray(arr))
    e = torch.exp(t)
    return (e / e.sum(dim=axis, keepdim=True)).numpy()
''',
}

# 03_stability --------------------------------------------------------------------------

STABILITY_LOGADDEXP = {
    "stable_softmax": '''import numpy as np


def stable_softmax(z, axis=-1):
    """exp(z - logsumexp(z)), with the log-sum-exp from np.logaddexp.reduce; normalised once
    more, since for entries like 1e300 the log-sum-exp loses the log(2) of a tie."""
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    p = np.exp(z - np.logaddexp.reduce(z, axis=axis, keepdims=True))
    return p / p.sum(axis=axis, keepdims=True)
''',
    "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1):
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    return np.logaddexp.reduce(z, axis=axis)
''',
    "log_softmax": '''import numpy as np


def log_softmax(z, axis=-1):
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    return z - np.logaddexp.reduce(z, axis=axis, keepdims=True)
''',
}

STABILITY_PURE_PYTHON_RECURSIVE = {
    "added": {
        "stable_softmax": '''import math

import numpy as np

NEG_INF = float("-inf")


def lse_of_row(row):
    """log(sum(exp(row))) of a list of floats, shifted by its max."""
    top = max(row)
    if top == NEG_INF:
        return NEG_INF
    return top + math.log(math.fsum(math.exp(v - top) for v in row))


def float_kind(z):
    return z.dtype if np.issubdtype(z.dtype, np.floating) else np.dtype(np.float64)
'''
    },
    "cells": {
        "stable_softmax": '''import math

import numpy as np


def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    if z.ndim > 1 and axis not in (-1, z.ndim - 1):
        return np.moveaxis(stable_softmax(np.moveaxis(z, axis, -1)), -1, axis)
    if z.ndim > 1:  # one row at a time
        return np.array([stable_softmax(row) for row in z], dtype=float_kind(z))
    top = max(z.tolist())
    exps = [math.exp(v - top) for v in z.tolist()]
    total = math.fsum(exps)
    return np.array([e / total for e in exps], dtype=float_kind(z))
''',
        "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1):
    z = np.asarray(z)
    if z.ndim > 1 and axis not in (-1, z.ndim - 1):
        return logsumexp(np.moveaxis(z, axis, -1))
    if z.ndim > 1:
        return np.array([logsumexp(row) for row in z], dtype=float_kind(z))
    return float_kind(z).type(lse_of_row(z.tolist()))
''',
        "log_softmax": '''import numpy as np


def log_softmax(z, axis=-1):
    z = np.asarray(z)
    rows = np.moveaxis(z, axis, -1)
    flat = rows.reshape(-1, rows.shape[-1]).tolist()
    out = [[v - lse_of_row(row) for v in row] for row in flat]
    return np.moveaxis(np.array(out, dtype=float_kind(z)).reshape(rows.shape), -1, axis)
''',
    },
}

STABILITY_CS231N_STYLE = {
    "stable_softmax": '''import numpy as np


def stable_softmax(z, axis=-1):
    scores = np.array(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))  # copy
    scores -= np.max(scores, axis=axis, keepdims=True)  # shift so the max is 0
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=axis, keepdims=True)
    return probs
''',
    "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1):
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(float)
    c = z.max(axis=axis)
    c = np.nan_to_num(c, neginf=0.0)  # all -inf slices: shift by 0
    c_kept = np.expand_dims(c, axis)
    with np.errstate(divide="ignore"):
        return c + np.log(np.sum(np.exp(z - c_kept), axis=axis))
''',
    "log_softmax": '''import numpy as np


def log_softmax(z, axis=-1):
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(float)
    shifted = z - z.max(axis=axis, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted - log_norm
''',
}

STABILITY_SWAPAXES_EINSUM = {
    "stable_softmax": '''import numpy as np


def stable_softmax(z, axis=-1):
    a = np.swapaxes(np.asarray(z), axis, -1)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    e = np.exp(a - a.max(axis=-1)[..., np.newaxis])
    total = np.einsum("...i->...", e)
    return np.swapaxes(e / total[..., np.newaxis], axis, -1)
''',
    "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1):
    a = np.moveaxis(np.asarray(z), axis, -1)  # swapaxes would reorder the other axes
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    top = a.max(axis=-1)
    shift = np.where(top > -np.inf, top, 0)
    with np.errstate(divide="ignore"):
        return np.log(np.einsum("...i->...", np.exp(a - shift[..., None]))) + shift
''',
    "log_softmax": '''import numpy as np


def log_softmax(z, axis=-1):
    a = np.swapaxes(np.asarray(z), axis, -1)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    shifted = a - a.max(axis=-1, keepdims=True)
    out = shifted - np.log(np.einsum("...i->...", np.exp(shifted)))[..., None]
    return np.swapaxes(out, axis, -1)
''',
}

STABILITY_TORCH = {
    "added": {
        "stable_softmax": '''import numpy as np
import torch


def to_tensor(z):
    """A float tensor of z (float32 stays float32, everything else becomes float64)."""
    arr = np.array(z)  # a copy: the tensor shares its memory
    return torch.from_numpy(arr if arr.dtype.kind == "f" else arr.astype(np.float64))
'''
    },
    "cells": {
        "stable_softmax": '''import torch


def stable_softmax(z, axis=-1):
    return torch.softmax(to_tensor(z), dim=axis).numpy()
''',
        "logsumexp": '''import torch


def logsumexp(z, axis=-1):
    out = torch.logsumexp(to_tensor(z), dim=axis).numpy()
    return out[()] if out.ndim == 0 else out
''',
        "log_softmax": '''import torch
import torch.nn.functional as F


def log_softmax(z, axis=-1):
    return F.log_softmax(to_tensor(z), dim=axis).numpy()
''',
    },
}

STABILITY_CALLABLE_OBJECTS_SETERR = {
    "added": {
        "stable_softmax": '''import numpy as np

np.seterr(over="raise")  # make sure nothing below ever overflows silently
''',
        "logsumexp": '''%timeit -n 5 -r 1 stable_softmax(np.zeros((100, 50)))
''',
    },
    "cells": {
        "stable_softmax": '''import numpy as np


class StableSoftmax:
    """softmax(z) = exp(z - max) / sum(exp(z - max)), along `axis`."""

    def __call__(self, z, axis=-1):
        z = np.asarray(z)
        if z.dtype.kind != "f":
            z = z.astype(np.float64)
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


stable_softmax = StableSoftmax()
''',
        "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1):
    # work in extended precision, hand back the input's float type
    z = np.asarray(z)
    kind = z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)
    x = z.astype(np.longdouble)
    m = np.max(x, axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0
    with np.errstate(divide="ignore"):
        out = np.log(np.exp(x - m).sum(axis=axis)) + np.squeeze(m, axis=axis)
    return out.astype(kind)
''',
    },
}

STABILITY_MASKED_ARRAYS = {
    "stable_softmax": '''import numpy as np


def stable_softmax(z, axis=-1):
    """-inf logits are masked out, so they never enter the max or the sum."""
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    live = np.ma.masked_equal(z, -np.inf)
    e = np.ma.exp(live - live.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).filled(0).astype(z.dtype)
''',
    "log_softmax": '''import numpy as np


def log_softmax(z, axis=-1):
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    live = np.ma.masked_equal(z, -np.inf)
    shifted = live - live.max(axis=axis, keepdims=True)
    out = shifted - np.ma.log(np.ma.exp(shifted).sum(axis=axis, keepdims=True))
    return out.filled(-np.inf).astype(z.dtype)
''',
}

STABILITY_SCIPY_SHAPED = {
    "stable_softmax": '''import numpy as np


def stable_softmax(z, axis=-1):
    a = np.asarray(z)
    if not np.issubdtype(a.dtype, np.inexact):
        a = a.astype(np.float64)
    shifted = a - np.amax(a, axis=axis, keepdims=True)
    log_norm = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return np.exp(shifted - log_norm)
''',
    "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1, keepdims=False):
    a = np.asarray(z)
    if not np.issubdtype(a.dtype, np.inexact):
        a = a.astype(np.float64)
    a_max = np.amax(a, axis=axis, keepdims=True)
    a_max[~np.isfinite(a_max)] = 0  # all -inf: shift by nothing
    tmp = np.exp(a - a_max)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(tmp, axis=axis, keepdims=True))
    out += a_max
    return out if keepdims else np.squeeze(out, axis=axis)
''',
    "log_softmax": '''import numpy as np


def log_softmax(z, axis=-1):
    a = np.asarray(z)
    if not np.issubdtype(a.dtype, np.inexact):
        a = a.astype(np.float64)
    shifted = a - np.amax(a, axis=axis, keepdims=True)
    return shifted - logsumexp(shifted, axis=axis, keepdims=True)
''',
}


# 04_temperature ------------------------------------------------------------------------

TEMPERATURE_PURE_PYTHON = {
    "added": {
        "softmax_with_temperature": '''import math

import numpy as np


def rows_of(a):
    """The last-axis rows of an array, as lists of Python numbers (a generator)."""
    yield from a.reshape(-1, a.shape[-1]).tolist()


def as_float_array(values, like):
    kind = like.dtype if like.dtype.kind == "f" else np.dtype(np.float64)
    return np.array(values, dtype=kind).reshape(like.shape)
'''
    },
    "cells": {
        "softmax_with_temperature": '''import math

import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z)
    moved = np.moveaxis(z, axis, -1)
    out = []
    for row in rows_of(moved):
        scaled = [v / temperature for v in row]
        top = max(scaled)
        exps = [math.exp(s - top) for s in scaled]
        total = math.fsum(exps)
        out.append([e / total for e in exps])
    return np.moveaxis(as_float_array(out, moved), -1, axis)
''',
        "top_k_filter": '''import numpy as np


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    z = np.asarray(logits)
    out = []
    for row in rows_of(z):
        kth = sorted(row, reverse=True)[min(int(k), len(row)) - 1]
        out.append([v if v >= kth else float("-inf") for v in row])
    return as_float_array(out, z)
''',
        "top_p_filter": '''import math

import numpy as np


def top_p_filter(logits, p):
    if not (0 < p <= 1):
        raise ValueError("p must be in (0, 1]")
    z = np.asarray(logits)
    if p == 1:
        return as_float_array(z.tolist(), z)
    out = []
    for row in rows_of(z):
        ranked = sorted(row, reverse=True)
        top = ranked[0]
        exps = [math.exp(v - top) for v in ranked]
        total = math.fsum(exps)
        mass, cutoff = 0.0, ranked[0]
        for value, e in zip(ranked, exps):
            if mass >= p:  # the tokens above already reach p
                break
            mass += e / total
            cutoff = value
        out.append([v if v >= cutoff else float("-inf") for v in row])
    return as_float_array(out, z)
''',
        "sample_next_token": '''import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    scores = np.asarray(logits, dtype=float)
    if scores.ndim != 1:
        raise ValueError("one vector of logits, please")
    if temperature < 0:
        raise ValueError("temperature cannot be negative")
    if temperature == 0:
        return int(np.argmax(scores))  # greedy, rng untouched
    scores = scores / temperature
    if top_k:
        scores = top_k_filter(scores, top_k)
    if top_p is not None and top_p < 1:
        scores = top_p_filter(scores, top_p)
    probs = softmax_with_temperature(scores, 1.0)
    if rng is None:
        rng = np.random.default_rng()
    (token,) = rng.choice(len(probs), size=1, p=probs)
    return int(token)
''',
    },
}

TEMPERATURE_NUMPY_TOOLS = {
    "softmax_with_temperature": '''import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    """softmax(z / T), computed as exp(z/T - logsumexp(z/T))."""
    if not temperature > 0:
        raise ValueError(f"temperature={temperature}: it must be > 0")
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(float)
    scaled = z / temperature
    return np.exp(scaled - np.logaddexp.reduce(scaled, axis=axis, keepdims=True))
''',
    "top_k_filter": '''import numpy as np


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError("k < 1")
    z = np.asarray(logits)
    z = z if z.dtype.kind == "f" else z.astype(float)
    k = min(int(k), z.shape[-1])
    kth = np.take(np.partition(z, -k, axis=-1), [-k], axis=-1)
    return np.where(z < kth, -np.inf, z).astype(z.dtype)
''',
    "top_p_filter": '''import numpy as np


def top_p_filter(logits, p):
    if p <= 0 or p > 1:
        raise ValueError(f"p={p} is outside (0, 1]")
    z = np.array(logits, copy=True)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    if p >= 1:
        return z
    order = np.argsort(-z, axis=-1, kind="stable")
    ranked = np.take_along_axis(z, order, axis=-1)
    probs = np.exp(ranked - ranked[..., :1])
    probs /= probs.sum(axis=-1, keepdims=True)
    before = np.cumsum(probs, axis=-1) - probs  # mass of the tokens ranked above
    keep_sorted = before < p
    cutoff = np.min(np.where(keep_sorted, ranked, np.inf), axis=-1, keepdims=True)
    z[z < cutoff] = -np.inf
    return z
''',
    "sample_next_token": '''import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.array(logits, dtype=np.float64)
    assert z.ndim == 1, "logits must be 1-D"
    if temperature < 0:
        raise ValueError("negative temperature")
    if temperature == 0:
        return int(z.argmax())
    z /= temperature
    z = top_k_filter(z, top_k) if top_k is not None else z
    z = top_p_filter(z, top_p) if top_p is not None else z
    probs = softmax_with_temperature(z, 1.0)
    generator = np.random.default_rng(rng)
    token = generator.choice(np.arange(probs.size), p=probs)
    return int(token)
''',
}

TEMPERATURE_HF_STYLE = {
    "softmax_with_temperature": '''import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be strictly positive")
    logits = np.asarray(z)
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(np.float64)
    logits = logits / temperature
    logits = logits - logits.max(axis=axis, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=axis, keepdims=True)
    return probs
''',
    "top_k_filter": '''import numpy as np


def top_k_filter(logits, k, filter_value=-np.inf):
    if k < 1:
        raise ValueError("top_k must be >= 1")
    logits = np.array(logits)
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(np.float64)
    top_k = min(int(k), logits.shape[-1])  # safety check
    kth_best = -np.sort(-logits, axis=-1)[..., top_k - 1 : top_k]
    indices_to_remove = logits < kth_best
    logits[indices_to_remove] = filter_value
    return logits
''',
    "top_p_filter": '''import numpy as np


def top_p_filter(logits, p, filter_value=-np.inf):
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    logits = np.array(logits)
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(np.float64)
    if p == 1.0:
        return logits
    sorted_logits = -np.sort(-logits, axis=-1)
    sorted_probs = np.exp(sorted_logits - sorted_logits[..., :1])
    sorted_probs = sorted_probs / sorted_probs.sum(axis=-1, keepdims=True)
    cumulative_probs = np.cumsum(sorted_probs, axis=-1)
    # a token goes once the tokens before it already reach p; shift right to keep the first
    sorted_to_remove = np.zeros(cumulative_probs.shape, dtype=bool)
    sorted_to_remove[..., 1:] = cumulative_probs[..., :-1] >= p
    last_kept = (~sorted_to_remove).sum(axis=-1, keepdims=True) - 1
    threshold = np.take_along_axis(sorted_logits, last_kept, axis=-1)
    logits[logits < threshold] = filter_value
    return logits
''',
    "sample_next_token": '''import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    next_token_logits = np.array(logits, dtype=np.float64)
    if next_token_logits.ndim != 1:
        raise ValueError("expected a 1-D vector of logits")
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:  # greedy decoding
        return int(np.argmax(next_token_logits))
    next_token_logits = next_token_logits / temperature
    if top_k is not None and top_k > 0:
        next_token_logits = top_k_filter(next_token_logits, top_k)
    if top_p is not None and top_p < 1.0:
        next_token_logits = top_p_filter(next_token_logits, top_p)
    probs = softmax_with_temperature(next_token_logits, temperature=1.0)
    rng = rng if rng is not None else np.random.default_rng()
    next_token = rng.choice(probs.shape[-1], p=probs)
    return int(next_token)
''',
}

TEMPERATURE_TORCH = {
    "softmax_with_temperature": '''import numpy as np
import torch


def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    arr = np.array(z)
    t = torch.from_numpy(arr if arr.dtype.kind == "f" else arr.astype(np.float64))
    return torch.softmax(t / temperature, dim=axis).numpy()
''',
    "top_k_filter": '''import numpy as np
import torch


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError("k must be >= 1")
    arr = np.array(logits)
    t = torch.from_numpy(arr if arr.dtype.kind == "f" else arr.astype(np.float64))
    k = min(int(k), t.shape[-1])
    kth = torch.topk(t, k, dim=-1).values[..., -1:]
    return t.masked_fill(t < kth, float("-inf")).numpy()
''',
    "top_p_filter": '''import numpy as np
import torch


def top_p_filter(logits, p):
    if not 0 < p <= 1:
        raise ValueError("p must be in (0, 1]")
    arr = np.array(logits)
    t = torch.from_numpy(arr if arr.dtype.kind == "f" else arr.astype(np.float64))
    if p == 1:
        return t.numpy()
    ranked, _ = torch.sort(t, dim=-1, descending=True)
    probs = torch.softmax(ranked.double(), dim=-1)
    above = torch.cumsum(probs, dim=-1) - probs  # mass ranked before each token
    cutoff = torch.where(above < p, ranked, torch.full_like(ranked, float("inf"))).amin(dim=-1, keepdim=True)
    return t.masked_fill(t < cutoff, float("-inf")).numpy()
''',
    "sample_next_token": '''import numpy as np
import torch


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = torch.tensor(np.asarray(logits, dtype=np.float64))
    if z.dim() != 1:
        raise ValueError("logits must be a vector")
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return int(torch.argmax(z).item())  # torch.argmax also takes the first maximum
    z = z / temperature
    if top_k is not None:
        z = torch.from_numpy(top_k_filter(z.numpy(), top_k))
    if top_p is not None:
        z = torch.from_numpy(top_p_filter(z.numpy(), top_p))
    probs = torch.softmax(z, dim=-1).numpy()  # the softmax inline, in float64
    return int(np.random.default_rng(rng).choice(len(probs), p=probs))
''',
}

TEMPERATURE_UNICODE_OWN_ERRORS = {
    "added": {
        "softmax_with_temperature": '''class SamplingSettingError(ValueError):
    """A temperature, k or p that makes no sense."""
''',
        "sample_next_token": '''from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class Sampler:
    """The sampling settings, checked once; calling it draws one token."""

    temperature: float = 1.0
    top_k: Optional[int] = None
    top_p: Optional[float] = None

    def __post_init__(self):
        if self.temperature < 0:
            raise SamplingSettingError(f"τ = {self.temperature} < 0")

    def __call__(self, logits: np.ndarray, rng: np.random.Generator) -> int:
        if self.temperature == 0:
            return int(np.argmax(logits))
        z = logits / self.temperature
        if self.top_k is not None:
            z = top_k_filter(z, self.top_k)
        if self.top_p is not None:
            z = top_p_filter(z, self.top_p)
        probs = softmax_with_temperature(z, 1.0)
        return int(rng.choice(len(probs), p=probs))
''',
    },
    "cells": {
        "softmax_with_temperature": '''import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    """pᵢ = exp(zᵢ/τ) / Σⱼ exp(zⱼ/τ), for τ > 0."""
    τ = temperature
    if τ <= 0:
        raise SamplingSettingError(f"τ = {τ} ≤ 0: use greedy decoding instead")
    z = np.asarray(z)
    z = z.astype(np.float64) if z.dtype.kind != "f" else z
    s = z / τ
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        "top_k_filter": '''import numpy as np


def top_k_filter(logits, k):
\tif k < 1:
\t\traise SamplingSettingError(f"k = {k} < 1")
\tz = np.array(logits, dtype=np.result_type(np.asarray(logits).dtype, np.float32))
\tif k < z.shape[-1]:
\t\tz[z < np.sort(z, axis=-1)[..., [-int(k)]]] = -np.inf
\treturn z
''',
        "top_p_filter": '''import numpy as np


def top_p_filter(logits, p):
    if not 0 < p <= 1:
        raise SamplingSettingError(f"p = {p} ∉ (0, 1]")
    z = np.array(logits, dtype=np.result_type(np.asarray(logits).dtype, np.float32))
    if p == 1:
        return z
    ranked = np.flip(np.sort(z, axis=-1), axis=-1)
    e = np.exp(ranked - ranked[..., :1])
    mass_before = np.concatenate([np.zeros_like(e[..., :1]), np.cumsum(e, axis=-1)[..., :-1]], axis=-1)
    n_kept = np.sum(mass_before < p * e.sum(axis=-1, keepdims=True), axis=-1, keepdims=True)
    z[z < np.take_along_axis(ranked, n_kept - 1, axis=-1)] = -np.inf
    return z
''',
    },
    "sample_next_token": '''import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1:
        raise SamplingSettingError(f"logits of shape {z.shape}: one vector, please")
    return Sampler(temperature, top_k, top_p)(z, np.random.default_rng(rng))
''',
}

# 05_cross_entropy ----------------------------------------------------------------------

CE_PURE_PYTHON = {
    "added": {
        "cross_entropy": '''import numpy as np


def rows_and_targets(values, target):
    """(rows as lists of floats, targets as ints), after checking the targets."""
    values = np.asarray(values, dtype=np.float64)
    target = np.asarray(target)
    if target.shape != values.shape[:-1]:
        raise ValueError(f"expected targets of shape {values.shape[:-1]}, got {target.shape}")
    if target.dtype.kind not in "iu":
        raise ValueError("targets must be integer class indices")
    rows = values.reshape(-1, values.shape[-1]).tolist()
    targets = target.reshape(-1).tolist()
    for t in targets:
        if not 0 <= t < values.shape[-1]:
            raise ValueError(f"class index {t} is out of range")
    return rows, targets
'''
    },
    "cells": {
        "cross_entropy": '''import math


def cross_entropy(probs, target):
    rows, targets = rows_and_targets(probs, target)
    losses = [-math.log(row[t]) if row[t] > 0 else math.inf for row, t in zip(rows, targets)]
    return math.fsum(losses) / len(losses)
''',
        "cross_entropy_from_logits": '''import math


def cross_entropy_from_logits(logits, target):
    rows, targets = rows_and_targets(logits, target)
    total = 0.0
    for row, t in zip(rows, targets):
        top = max(row)
        lse = top + math.log(math.fsum(math.exp(v - top) for v in row))
        total += lse - row[t]
    return total / len(rows)
''',
        "perplexity": '''import math

import numpy as np


def perplexity(mean_loss):
    if np.ndim(mean_loss) == 0:
        try:
            return math.exp(mean_loss)
        except OverflowError:
            return math.inf
    losses = np.asarray(mean_loss)
    return np.exp(losses if losses.dtype.kind == "f" else losses.astype(float))
''',
    },
}

CE_CS231N_STYLE = {
    "cross_entropy": '''import numpy as np


def cross_entropy(probs, target):
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(target)
    num_classes = probs.shape[-1]
    if y.shape != probs.shape[:-1] or y.dtype.kind not in "iu" or np.any((y < 0) | (y >= num_classes)):
        raise ValueError("bad target")
    probs = probs.reshape(-1, num_classes)
    y = y.reshape(-1)
    num_train = probs.shape[0]
    with np.errstate(divide="ignore"):
        loss = -np.sum(np.log(probs[np.arange(num_train), y]))
    loss /= num_train
    return float(loss)
''',
    "cross_entropy_from_logits": '''import numpy as np


def cross_entropy_from_logits(logits, target):
    scores = np.asarray(logits, dtype=np.float64)
    y = np.asarray(target)
    num_classes = scores.shape[-1]
    if y.shape != scores.shape[:-1] or y.dtype.kind not in "iu" or np.any((y < 0) | (y >= num_classes)):
        raise ValueError("bad target")
    scores = scores.reshape(-1, num_classes)
    y = y.reshape(-1)
    num_train = scores.shape[0]
    scores = scores - np.max(scores, axis=1, keepdims=True)  # numeric stability
    log_norm = np.log(np.sum(np.exp(scores), axis=1))
    correct = scores[np.arange(num_train), y]
    return float(np.mean(log_norm - correct))
''',
    "perplexity": '''import numpy as np


def perplexity(mean_loss):
    out = np.exp(np.asarray(mean_loss) * 1.0)  # * 1.0: integers become floats
    if out.shape == ():
        return out.item()
    return out
''',
}

CE_LOGADDEXP_SINGLEDISPATCH = {
    "cross_entropy": '''import numpy as np


def cross_entropy(probs, target):
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(target)
    if t.shape != p.shape[:-1] or not np.issubdtype(t.dtype, np.integer):
        raise ValueError("one integer target per row")
    if t.size and (t.min() < 0 or t.max() >= p.shape[-1]):
        raise ValueError("target out of range")
    picked = np.take_along_axis(p, np.expand_dims(t, -1), axis=-1)
    log_picked = np.full(picked.shape, -np.inf)
    np.log(picked, out=log_picked, where=picked > 0)
    return -log_picked.mean().item()
''',
    "cross_entropy_from_logits": '''import numpy as np


def cross_entropy_from_logits(logits, target):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(target)
    if t.shape != z.shape[:-1] or not np.issubdtype(t.dtype, np.integer):
        raise ValueError("one integer target per row")
    if t.size and (t.min() < 0 or t.max() >= z.shape[-1]):
        raise ValueError("target out of range")
    lse = np.logaddexp.reduce(z, axis=-1)
    return float((lse - np.take_along_axis(z, t[..., None], axis=-1)[..., 0]).mean())
''',
    "perplexity": '''import functools
import numbers

import numpy as np


@functools.singledispatch
def perplexity(mean_loss):
    arr = np.asarray(mean_loss)
    return np.exp(arr if arr.dtype.kind == "f" else arr.astype(np.float64))


@perplexity.register(numbers.Real)
def _(mean_loss):
    return float(np.exp(np.float64(mean_loss)))
''',
}

CE_TORCH = {
    "added": {
        "cross_entropy": '''import numpy as np
import torch


def flat_rows_and_targets(values, target):
    """(N, V) float64 tensor and (N,) long tensor, after checking the targets."""
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(target)
    if t.shape != v.shape[:-1] or t.dtype.kind not in "iu":
        raise ValueError("target: one integer class per row")
    if ((t < 0) | (t >= v.shape[-1])).any():
        raise ValueError("target: class index out of range")
    return torch.from_numpy(v.reshape(-1, v.shape[-1])), torch.from_numpy(t.reshape(-1).astype(np.int64))
'''
    },
    "cells": {
        "cross_entropy": '''import torch
import torch.nn.functional as F


def cross_entropy(probs, target):
    p, t = flat_rows_and_targets(probs, target)
    return F.nll_loss(torch.log(p), t).item()
''',
        "cross_entropy_from_logits": '''import torch.nn.functional as F


def cross_entropy_from_logits(logits, target):
    z, t = flat_rows_and_targets(logits, target)
    return F.cross_entropy(z, t).item()
''',
        "perplexity": '''import numpy as np
import torch


def perplexity(mean_loss):
    arr = np.asarray(mean_loss)
    out = torch.exp(torch.from_numpy(arr if arr.dtype.kind == "f" else arr.astype(np.float64)))
    return out.item() if out.dim() == 0 else out.numpy()
''',
    },
}

CE_MAIN_GUARD_TRY_IMPORT = {
    "perplexity": '''import math

import numpy as np


def perplexity(mean_loss):
    if isinstance(mean_loss, (int, float, np.integer, np.floating)):
        return float(np.exp(np.float64(mean_loss)))
    losses = np.asarray(mean_loss)
    return np.exp(losses if losses.dtype.kind == "f" else losses.astype(np.float64))


if __name__ == "__main__":  # quick self-test
    assert perplexity(0.0) == 1.0
    assert math.isclose(perplexity(math.log(2)), 2.0)
    print("perplexity ok")
''',
    "cross_entropy_from_logits": '''try:
    import torch
    import torch.nn.functional as F

    def cross_entropy_from_logits(logits, target):
        z = torch.as_tensor(np.asarray(logits, dtype=np.float64))
        t = np.asarray(target)
        if t.shape != tuple(z.shape[:-1]) or t.dtype.kind not in "iu":
            raise ValueError("one integer target per row")
        if ((t < 0) | (t >= z.shape[-1])).any():
            raise ValueError("target out of range")
        z = z.reshape(-1, z.shape[-1])
        return F.cross_entropy(z, torch.as_tensor(t.reshape(-1), dtype=torch.long)).item()

except ImportError:  # no torch here: the same loss in numpy

    def cross_entropy_from_logits(logits, target):
        z = np.asarray(logits, dtype=np.float64)
        t = np.asarray(target)
        if t.shape != z.shape[:-1] or t.dtype.kind not in "iu":
            raise ValueError("one integer target per row")
        if ((t < 0) | (t >= z.shape[-1])).any():
            raise ValueError("target out of range")
        lse = np.logaddexp.reduce(z, axis=-1)
        return float(np.mean(lse - np.take_along_axis(z, t[..., None], axis=-1)[..., 0]))
''',
}

CE_VECTORIZE_FMEAN_SELF_CHECK = {
    "cross_entropy": '''import math
import statistics

import numpy as np


def cross_entropy(probs, target):
    p = np.asarray(probs, dtype=float)
    t = np.asarray(target)
    if t.shape != p.shape[:-1] or t.dtype.kind not in "iu":
        raise ValueError(f"need one integer class per row, shape {p.shape[:-1]}")
    if t.size and not (0 <= t.min() and t.max() < p.shape[-1]):
        raise ValueError("class index out of range")
    picked = np.take_along_axis(p, t[..., None], axis=-1).ravel()
    return statistics.fmean(-math.log(q) if q > 0 else math.inf for q in picked)


check("cross_entropy", cross_entropy)
''',
    "perplexity": '''import math

import numpy as np



def _exp_or_inf(value):
    try:
        return math.exp(value)
    except OverflowError:  # beyond float64: numpy would say inf too
        return math.inf


_exp = np.vectorize(_exp_or_inf, otypes=[np.float64])


def perplexity(mean_loss):
    loss = np.asarray(mean_loss, dtype=float) if np.asarray(mean_loss).dtype.kind != "f" else np.asarray(mean_loss)
    if loss.ndim == 0:
        return float(_exp(loss))
    return _exp(loss).astype(loss.dtype)
''',
}

CE_D2L_RANGE_INDEX = {
    "cross_entropy": '''import numpy as np


def cross_entropy(probs, target):
    y_hat = np.asarray(probs, dtype=np.float64)
    y = np.asarray(target)
    if y.shape != y_hat.shape[:-1] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError("target: one integer class per row of probs")
    if np.any(y < 0) or np.any(y >= y_hat.shape[-1]):
        raise ValueError("target: class index out of range")
    y_hat = y_hat.reshape(-1, y_hat.shape[-1])
    y = y.reshape(-1)
    with np.errstate(divide="ignore"):
        return float(-np.log(y_hat[range(len(y_hat)), y]).mean())
''',
    "cross_entropy_from_logits": '''import numpy as np


def cross_entropy_from_logits(logits, target):
    z = np.asarray(logits)
    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)  # float32 stays float32
    y = np.asarray(target)
    if y.shape != z.shape[:-1] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError("target: one integer class per row of logits")
    if np.any(y < 0) or np.any(y >= z.shape[-1]):
        raise ValueError("target: class index out of range")
    z = z.reshape(-1, z.shape[-1])
    y = y.reshape(-1)
    m = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
    return float((lse - z[range(len(z)), y]).mean())
''',
    "perplexity": '''import math

import numpy as np


def perplexity(mean_loss):
    if np.isscalar(mean_loss):
        return math.e ** mean_loss if mean_loss < 709 else float(np.exp(np.float64(mean_loss)))
    losses = np.asarray(mean_loss)
    return np.exp(losses.astype(np.float64) if losses.dtype.kind in "iub" else losses)
''',
}


# 06_gradients --------------------------------------------------------------------------

GRADIENTS_CS231N_STYLE = {
    "cross_entropy_grad": '''import numpy as np


def cross_entropy_grad(logits, target):
    scores = np.asarray(logits)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    single = scores.ndim == 1
    scores = np.atleast_2d(scores)
    y = np.atleast_1d(target)
    num_train = scores.shape[0]
    exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    dscores = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    dscores[np.arange(num_train), y] -= 1
    dscores /= num_train
    return dscores[0] if single else dscores
''',
    "numerical_gradient": '''import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    xc = x.astype(np.float64, copy=True)
    grad = np.zeros_like(xc)
    it = np.nditer(xc, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = xc[ix]
        xc[ix] = oldval + eps
        fxph = f(xc)
        xc[ix] = oldval - eps
        fxmh = f(xc)
        xc[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * eps)
        it.iternext()
    if x.dtype == np.float32:
        return grad.astype(np.float32)
    return grad
''',
}

GRADIENTS_PURE_PYTHON = {
    "cross_entropy_grad": '''import math

import numpy as np


def cross_entropy_grad(logits, target):
    z = np.asarray(logits)
    kind = z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)
    rows = z.reshape(-1, z.shape[-1]).tolist()
    targets = np.asarray(target).reshape(-1).tolist()
    n = len(targets)
    grad = []
    for row, t in zip(rows, targets):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        grad.append([(e / total - (1.0 if j == t else 0.0)) / n for j, e in enumerate(exps)])
    return np.array(grad, dtype=kind).reshape(z.shape)
''',
    "numerical_gradient": '''import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    base = x.astype(np.float64)  # float64, and a copy

    def slope(index):
        step = np.zeros_like(base)
        step[index] = eps
        return (f(base + step) - f(base - step)) / (2 * eps)

    grad = np.array([slope(i) for i in np.ndindex(base.shape)], dtype=np.float64).reshape(base.shape)
    return grad.astype(np.float32) if x.dtype == np.float32 else grad
''',
}

GRADIENTS_ONEHOT_EYE_CACHED = {
    "added": {
        "cross_entropy_grad": '''import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def identity(n, dtype_name):
    """np.eye(n) once per size and dtype (read-only, so nobody edits the cached one)."""
    eye = np.eye(n, dtype=dtype_name)
    eye.flags.writeable = False
    return eye
'''
    },
    "cells": {
        "cross_entropy_grad": '''import numpy as np


def cross_entropy_grad(logits, target):
    z = np.asarray(logits)
    z = z.astype(np.float64) if z.dtype.kind != "f" else z
    t = np.asarray(target)
    with np.errstate(under="ignore"):
        p = np.exp(z - np.logaddexp.reduce(z, axis=-1, keepdims=True))
    onehot = identity(z.shape[-1], z.dtype.name)[t]
    return (p - onehot) / max(t.size, 1)
''',
        "numerical_gradient": '''import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    work = np.array(x, dtype=np.float64)
    flat = work.reshape(-1)  # a view: writing to it changes `work`
    grad = np.empty(flat.size)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = f(work)
        flat[i] = keep - eps
        down = f(work)
        flat[i] = keep
        grad[i] = (up - down) / (2 * eps)
    out_type = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return grad.reshape(x.shape).astype(out_type)
''',
    },
}

GRADIENTS_TORCH = {
    "cross_entropy_grad": '''import numpy as np
import torch
import torch.nn.functional as F


def cross_entropy_grad(logits, target):
    """Let autograd differentiate the mean cross-entropy."""
    arr = np.asarray(logits)
    z = torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    t = torch.as_tensor(np.asarray(target), dtype=torch.long)
    F.cross_entropy(z, t).backward()
    kind = arr.dtype if arr.dtype.kind == "f" else np.float64
    return z.grad.numpy().astype(kind)
''',
    "numerical_gradient": '''import numpy as np
import torch


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    work = torch.tensor(x, dtype=torch.float64)  # a float64 copy
    grad = torch.zeros_like(work)
    for idx in np.ndindex(tuple(work.shape)):
        saved = work[idx].item()
        work[idx] = saved + eps
        up = f(work.numpy())
        work[idx] = saved - eps
        down = f(work.numpy())
        work[idx] = saved
        grad[idx] = float((up - down) / (2 * eps))
    return grad.numpy().astype(x.dtype if x.dtype.kind == "f" else np.float64)
''',
}

GRADIENTS_UNICODE_IN_PLACE = {
    "numerical_gradient": '''import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """∂f/∂xᵢ ≈ (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε, entry by entry."""
    ε = eps
    x = np.asarray(x)
    work = np.asarray(x, dtype=np.float64)  # no copy for float64 x: restored exactly below
    fx = f(work)  # the value at x, handy when debugging
    grad = np.zeros(work.shape)
    for i in np.ndindex(*work.shape):
        old = work[i].copy()
        work[i] = old + ε
        f_plus = f(work)
        work[i] = old - ε
        f_minus = f(work)
        work[i] = old
        grad[i] = (f_plus - f_minus) / (2 * ε)
    return grad.astype(x.dtype) if np.issubdtype(x.dtype, np.floating) else grad
''',
}


def _entry(spec: dict) -> dict:
    return spec if "cells" in spec else {"cells": spec, "added": {}}


STYLES: dict[tuple[str, str], dict] = {
    ("pure-python-loops", "01_logits"): _entry(LOGITS_PURE_PYTHON),
    ("callable-class-type-hints", "01_logits"): _entry(LOGITS_CLASS_AND_HINTS),
    ("repo-allclose-list-index", "01_logits"): _entry(LOGITS_REPO_STYLE),
    ("apply-along-axis-nonzero", "01_logits"): _entry(LOGITS_APPLY_ALONG_AXIS),
    ("torch-for-numpy", "01_logits"): _entry(LOGITS_TORCH),
    ("numpy-star-import", "01_logits"): _entry(LOGITS_STAR_IMPORT),
    ("list-index-of-max", "01_logits"): _entry(LOGITS_INDEX_OF_MAX),
    ("pure-python-math-exp", "02_softmax"): _entry(SOFTMAX_PURE_PYTHON),
    ("in-place-out-argument", "02_softmax"): _entry(SOFTMAX_IN_PLACE_ON_A_COPY),
    ("d2l-partition", "02_softmax"): _entry(SOFTMAX_D2L_STYLE),
    ("apply-along-axis", "02_softmax"): _entry(SOFTMAX_APPLY_ALONG_AXIS),
    ("one-global-shift", "02_softmax"): _entry(SOFTMAX_GLOBAL_SHIFT),
    ("torch-softmax", "02_softmax"): _entry(SOFTMAX_TORCH),
    ("logaddexp-reduce", "03_stability"): _entry(STABILITY_LOGADDEXP),
    ("pure-python-recursive", "03_stability"): _entry(STABILITY_PURE_PYTHON_RECURSIVE),
    ("cs231n-shift-in-place", "03_stability"): _entry(STABILITY_CS231N_STYLE),
    ("swapaxes-einsum", "03_stability"): _entry(STABILITY_SWAPAXES_EINSUM),
    ("torch-functional", "03_stability"): _entry(STABILITY_TORCH),
    ("callable-object-seterr-timeit", "03_stability"): _entry(STABILITY_CALLABLE_OBJECTS_SETERR),
    ("masked-arrays", "03_stability"): _entry(STABILITY_MASKED_ARRAYS),
    ("scipy-shaped-logsumexp", "03_stability"): _entry(STABILITY_SCIPY_SHAPED),
    ("pure-python-generators", "04_temperature"): _entry(TEMPERATURE_PURE_PYTHON),
    ("partition-argsort-logaddexp", "04_temperature"): _entry(TEMPERATURE_NUMPY_TOOLS),
    ("hf-filter-value", "04_temperature"): _entry(TEMPERATURE_HF_STYLE),
    ("torch-topk-masked-fill", "04_temperature"): _entry(TEMPERATURE_TORCH),
    ("unicode-tabs-own-errors", "04_temperature"): _entry(TEMPERATURE_UNICODE_OWN_ERRORS),
    ("pure-python-fsum", "05_cross_entropy"): _entry(CE_PURE_PYTHON),
    ("cs231n-arange-index", "05_cross_entropy"): _entry(CE_CS231N_STYLE),
    ("logaddexp-singledispatch", "05_cross_entropy"): _entry(CE_LOGADDEXP_SINGLEDISPATCH),
    ("torch-nll-loss", "05_cross_entropy"): _entry(CE_TORCH),
    ("main-guard-try-import", "05_cross_entropy"): _entry(CE_MAIN_GUARD_TRY_IMPORT),
    ("vectorize-fmean-self-check", "05_cross_entropy"): _entry(CE_VECTORIZE_FMEAN_SELF_CHECK),
    ("d2l-range-index", "05_cross_entropy"): _entry(CE_D2L_RANGE_INDEX),
    ("cs231n-nditer", "06_gradients"): _entry(GRADIENTS_CS231N_STYLE),
    ("pure-python-fresh-steps", "06_gradients"): _entry(GRADIENTS_PURE_PYTHON),
    ("eye-lru-cache-flat-view", "06_gradients"): _entry(GRADIENTS_ONEHOT_EYE_CACHED),
    ("torch-autograd", "06_gradients"): _entry(GRADIENTS_TORCH),
    ("unicode-restore-in-place", "06_gradients"): _entry(GRADIENTS_UNICODE_IN_PLACE),
}
