"""Correct solutions written with ordinary habits: each must keep full marks.

Each entry is one student's way of writing an assignment: `cells` replaces solution
cells (by grade_id), `added` inserts cells of the learner's own before a solution cell.
The habits: module constants computed by expressions, annotated assignments, helper
classes, helpers in cells the learner added, decorators, lambdas and partials bound
to the exercise's name, debug prints, and a function from the notebook's own example
cells.
"""

from __future__ import annotations

from corpus_kernel import KERNEL
from corpus_styles_early import STYLES as EARLY
from corpus_styles_late import STYLES as LATE

STABILITY_CONSTANTS = {
    "stable_softmax": '''import numpy as np

NEG_INF = -np.inf
ZERO: float = float(np.zeros(1)[0])
print("loaded my stable softmax")


class _Shift:
    """Keeps the max of each slice, so exp never overflows."""

    def __init__(self, axis):
        self.axis = axis

    def __call__(self, z):
        return z - np.max(z, axis=self.axis, keepdims=True)


def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    e = np.exp(_Shift(axis)(z))
    print("debug: shape", e.shape)
    return e / e.sum(axis=axis, keepdims=True)
''',
    "logsumexp": '''import numpy as np


def logsumexp(z, axis=-1):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(m == NEG_INF, ZERO, m)
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(np.exp(z - m), axis=axis))
    return total + np.squeeze(m, axis=axis)
''',
}

STABILITY_ADDED_HELPER_AND_DECORATOR = {
    "added": {
        "stable_softmax": '''import functools

import numpy as np


def floats(fn):
    """Decorator: hand the function a float array (float32 stays float32)."""
    @functools.wraps(fn)
    def wrapper(z, axis=-1):
        z = np.asarray(z)
        if not np.issubdtype(z.dtype, np.floating):
            z = z.astype(np.float64)
        return fn(z, axis)
    return wrapper


def row_max(z, axis):
    return np.max(z, axis=axis, keepdims=True)
'''
    },
    "cells": {
        "stable_softmax": '''@floats
def stable_softmax(z, axis=-1):
    e = np.exp(z - row_max(z, axis))
    return e / e.sum(axis=axis, keepdims=True)
''',
        "logsumexp": '''@floats
@np.errstate(divide="ignore")
def logsumexp(z, axis=-1):
    m = row_max(z, axis)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.log(np.exp(z - m).sum(axis=axis)) + np.squeeze(m, axis=axis)
''',
        "log_softmax": '''@floats
def log_softmax(z, axis=-1):
    shifted = z - row_max(z, axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
''',
    },
}

STABILITY_LAMBDA_AND_EXAMPLE = {
    # `softmax` is the textbook version from the notebook's own example cell (section 2).
    "stable_softmax": '''import numpy as np


def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    kind = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    return softmax(z - np.max(z, axis=axis, keepdims=True), axis=axis).astype(kind)
''',
    "log_softmax": '''import numpy as np

_as_float = lambda z: (lambda a: a if np.issubdtype(a.dtype, np.floating) else a.astype(float))(np.asarray(z))
log_softmax = lambda z, axis=-1: (lambda s: s - np.log(np.exp(s).sum(axis=axis, keepdims=True)))(
    _as_float(z) - np.max(_as_float(z), axis=axis, keepdims=True))
''',
}

CE_CLASS_AND_CONSTANTS = {
    "cross_entropy": '''import numpy as np

LOG = np.log
FIRST_CLASS: int = int(np.zeros((), dtype=int))


class Targets:
    """Validates class indices against the number of classes."""

    def __init__(self, target, shape):
        self.index = np.asarray(target)
        if self.index.shape != shape[:-1] or not np.issubdtype(self.index.dtype, np.integer):
            raise ValueError("one integer class per row, please")
        if ((self.index < FIRST_CLASS) | (self.index >= shape[-1])).any():
            raise ValueError("class index out of range")

    def pick(self, values):
        return np.take_along_axis(values, self.index[..., None], axis=-1)


def cross_entropy(probs, target):
    probs = np.asarray(probs, dtype=np.float64)
    picked = Targets(target, probs.shape).pick(probs)
    with np.errstate(divide="ignore"):
        return float(np.mean(-LOG(picked)))
''',
    "cross_entropy_from_logits": '''import numpy as np


def cross_entropy_from_logits(logits, target):
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)
    lse = m + LOG(np.exp(z - m).sum(axis=-1, keepdims=True))
    print("lse computed")
    return float(np.mean(lse - Targets(target, z.shape).pick(z)))
''',
}

CE_ADDED_HELPER_AND_LAMBDA = {
    "added": {
        "cross_entropy": '''import numpy as np


def check_targets(target, shape):
    t = np.asarray(target)
    if t.shape != shape[:-1] or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"expected integer targets of shape {shape[:-1]}")
    if ((t < 0) | (t >= shape[-1])).any():
        raise ValueError("target out of range")
    return t[..., None]
'''
    },
    "cells": {
        "cross_entropy": '''import numpy as np


def cross_entropy(probs, target):
    p = np.asarray(probs, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return float(-np.log(np.take_along_axis(p, check_targets(target, p.shape), -1)).mean())
''',
        "perplexity": '''import numpy as np

_floaty = lambda x: x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)
perplexity = lambda mean_loss: (lambda p: float(p) if p.ndim == 0 else p)(np.exp(_floaty(np.asarray(mean_loss))))
''',
    },
}

SEQUENCE_CONSTANTS_AND_PARTIAL = {
    "shift_for_next_token": '''import numpy as np

shift_for_next_token = lambda tokens: (np.asarray(tokens)[..., :-1].copy(), np.asarray(tokens)[..., 1:].copy())
''',
    "mask_prompt_tokens": '''import functools

import numpy as np

IGNORE: int = -(10 ** 2)


def _mask(targets, prompt_lengths, ignore_index):
    out = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, out.shape[:-1])
    out[np.arange(out.shape[-1]) < lengths[..., None]] = ignore_index
    return out


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=IGNORE):
    return _mask(targets, prompt_lengths, ignore_index)
''',
}

SEQUENCE_ADDED_HELPER = {
    "added": {
        "sequence_cross_entropy": '''import numpy as np


def my_token_losses(logits, targets, ignore_index):
    """Per-position losses (0 where ignored) and the mask of supervised positions."""
    z = np.asarray(logits)
    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)
    targets = np.asarray(targets)
    keep = targets != ignore_index
    shifted = z - z.max(axis=-1, keepdims=True)
    norm = np.log(np.exp(shifted).sum(axis=-1))
    picked = np.take_along_axis(shifted, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    return np.where(keep, norm - picked, 0), keep
'''
    },
    "cells": {
        "sequence_cross_entropy": '''REDUCTIONS = tuple("mean sum none".split())


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}")
    losses, keep = my_token_losses(logits, targets, ignore_index)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    n = int(keep.sum())
    return float(losses.sum() / n) if n else float("nan")
''',
        "sequence_perplexity": '''import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    losses, keep = my_token_losses(np.asarray(logits, dtype=np.float64), targets, ignore_index)
    if not keep.any():
        return float("nan")
    return float(np.exp(losses[keep].mean()))
''',
    },
}


def _entry(spec: dict) -> dict:
    return spec if "cells" in spec else {"cells": spec, "added": {}}


HONEST = {
    ("constants-class-prints", "03_stability"): _entry(STABILITY_CONSTANTS),
    ("added-helper-decorator", "03_stability"): _entry(STABILITY_ADDED_HELPER_AND_DECORATOR),
    ("lambda-and-example-cell", "03_stability"): _entry(STABILITY_LAMBDA_AND_EXAMPLE),
    ("class-and-constants", "05_cross_entropy"): _entry(CE_CLASS_AND_CONSTANTS),
    ("added-helper-lambda", "05_cross_entropy"): _entry(CE_ADDED_HELPER_AND_LAMBDA),
    ("constants-lambda", "07_sequence_loss"): _entry(SEQUENCE_CONSTANTS_AND_PARTIAL),
    ("added-helper", "07_sequence_loss"): _entry(SEQUENCE_ADDED_HELPER),
}
HONEST.update(EARLY)
HONEST.update(LATE)
HONEST.update(KERNEL)
