"""What every widget shares: staying light while nbgrader executes a notebook,
and calling the learner's function without ever letting it break the widget."""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import numpy as np


def under_grading() -> bool:
    """True while nbgrader validates or autogrades (it sets NBGRADER_EXECUTION)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def placeholder(name: str):
    """A tiny stand-in returned instead of a live widget under grading."""
    from ipywidgets import HTML
    return HTML(f"<i>{name}: interactive widget skipped while grading</i>")


NOT_IMPLEMENTED = "is not implemented yet"


def action(problem: str) -> str:
    """What the learner should do about `problem` (a message from call_learner)."""
    verb = "implement" if problem.endswith(NOT_IMPLEMENTED) else "fix"
    return f"{verb} it above, then run this cell again"


def fn_name(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or "your function"


def call_learner(fn: Callable, z: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """Run the learner's `fn` on a copy of `z`: (result as float64, None) or (None, problem).

    Widgets show the learner's own results, so anything the function does wrong must
    become a short message instead of a traceback in the middle of a slider drag.
    Floating-point warnings are silenced: the widgets explain overflow themselves.
    """
    name = fn_name(fn)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(z.copy())
    except NotImplementedError:
        return None, f"{name} {NOT_IMPLEMENTED}"
    except Exception as exc:  # any learner bug: report it, keep the widget alive
        return None, f"{name} raised {type(exc).__name__}: {exc}"
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} returned {type(out).__name__}, not an array of numbers"
    if arr.shape != z.shape:
        return None, f"{name} returned shape {arr.shape}, expected {z.shape} (one value per logit)"
    return arr, None
