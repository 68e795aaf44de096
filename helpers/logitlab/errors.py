"""Clear messages for bad input to logitlab's public functions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np


class LogitlabInputError(ValueError):
    """Bad input to a logitlab function; the message names the argument."""


def unknown_name(kind: str, name: object, known: Iterable[str]) -> LogitlabInputError:
    known = sorted(known)
    hint = difflib.get_close_matches(str(name), known, n=1)
    guess = f" Did you mean {hint[0]!r}?" if hint else ""
    return LogitlabInputError(f"unknown {kind} {name!r}.{guess} Known: {', '.join(known)}.")


def require_callable(arg: str, value: object) -> None:
    if not callable(value):
        raise TypeError(
            f"{arg} must be a function (pass your function itself, without calling it), got {type(value).__name__}"
        )


def as_vector(arg: str, value: object, *, min_len: int = 1) -> np.ndarray:
    """A 1-D float array from a list or array, or a clear error naming `arg`."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise LogitlabInputError(f"{arg} must be a list or 1-D array of numbers, got {value!r:.80}") from None
    if arr.ndim != 1 or arr.size < min_len:
        raise LogitlabInputError(f"{arg} must be 1-D with at least {min_len} entries, got shape {arr.shape}")
    if np.isnan(arr).any():
        raise LogitlabInputError(f"{arg} contains nan")
    return arr


def as_labels(arg: str, value: object, n: int) -> tuple[str, ...]:
    labels = tuple(str(v) for v in value) if value is not None else tuple(f"class {i}" for i in range(n))
    if len(labels) != n:
        raise LogitlabInputError(f"{arg} must have {n} entries (one per logit), got {len(labels)}")
    return labels
