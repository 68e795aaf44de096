"""What every widget shares: staying light while nbgrader executes a notebook, calling
the learner's function without ever letting it break (or freeze) the widget, and the
few pieces of HTML and controls that several widgets draw the same way."""

from __future__ import annotations

import html
import warnings
import weakref
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..checks._core import under_grading
from ..checks._limits import TIME_LIMIT, TimeLimit, Watched, time_limit, timeout_message
from ..errors import LogitlabInputError, as_vector
from ..plots import WARN

NOT_IMPLEMENTED = "is not implemented yet"
ATOL = 1e-6  # how far from 1 a distribution's sum may drift
NUM = ' style="text-align:right"'  # numbers in a table cell line up on the decimal point
SLIDER_RANGE = 10.0  # logit sliders reach at least -10..10, wider if a start value needs it


__all__ = ["under_grading"]  # re-exported: widgets and the quiz import it from here


def placeholder(name: str):
    """A tiny stand-in returned instead of a live widget under grading."""
    return w.HTML(f"<i>{name}: interactive widget skipped while grading</i>")


# ---- calling the learner's function ------------------------------------------------


def fn_name(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or "your function"


def _own_copy(arg):
    # The learner's function may write into its input; the widget's state must survive that.
    return arg.copy() if isinstance(arg, (np.ndarray, list)) else arg


def call_learner(fn: Callable, *args, shape: tuple[int, ...] | None = None, **kwargs):
    """Run the learner's `fn(*args, **kwargs)`: (answer, None), or (None, what went wrong).

    Widgets show the learner's own results, so anything the function does wrong must
    become a short message instead of a traceback in the middle of a slider drag.
    Arrays and lists are passed as copies. Floating-point warnings are silenced: the
    widgets explain overflow themselves. A call that does not return within the time
    limit becomes a message too, and that function is not called again by any widget,
    so a slider never freezes twice (re-running its cell defines a new function).

    `shape` (this helper's own keyword, never passed on) asks for numbers: the answer
    comes back as a float64 array of that shape, or as a float when `shape` is ().
    Without it the answer is returned as it is (a label, a flag, a token id).
    """
    if _timed_out(fn):
        return None, f"{fn_name(fn)} did not return within {TIME_LIMIT:g} s on an earlier call"
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings(), time_limit(TIME_LIMIT):
            warnings.simplefilter("ignore")
            out = Watched(fn)(*map(_own_copy, args), **{k: _own_copy(v) for k, v in kwargs.items()})
    except NotImplementedError:
        return None, f"{fn_name(fn)} {NOT_IMPLEMENTED}"
    except TimeLimit as stop:
        _remember_timeout(fn)
        return None, timeout_message(stop, fn_name(fn))
    except Exception as exc:  # any learner bug: report it, keep the widget alive
        return None, f"{fn_name(fn)} raised {type(exc).__name__}: {exc}"
    return (out, None) if shape is None else _as_numbers(fn, out, tuple(shape))


_TIMED_OUT: weakref.WeakSet = weakref.WeakSet()
_TIMED_OUT_IDS: set[int] = set()  # for callables that cannot be weakly referenced


def _remember_timeout(fn: Callable) -> None:
    try:
        _TIMED_OUT.add(fn)
    except TypeError:
        _TIMED_OUT_IDS.add(id(fn))


def _timed_out(fn: Callable) -> bool:
    try:
        return fn in _TIMED_OUT
    except TypeError:
        return id(fn) in _TIMED_OUT_IDS


def _as_numbers(fn: Callable, out: object, shape: tuple[int, ...]):
    if out is None:  # numpy would make it nan, hiding the commonest slip of all
        return None, f"{fn_name(fn)} returned None: is its return statement missing?"
    what = "a number" if shape == () else "an array of numbers"
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{fn_name(fn)} returned {type(out).__name__}, not {what}"
    if arr.shape != shape:
        if shape == ():
            return None, f"{fn_name(fn)} returned an array of shape {arr.shape}, not one number"
        return None, f"{fn_name(fn)} returned shape {arr.shape}, expected {shape}"
    return (float(arr) if shape == () else arr), None


def distribution_problem(name: str, p: np.ndarray) -> str | None:
    """Why `p` (what `name` returned) is not a probability distribution, or None if it is one."""
    if not np.isfinite(p).all():
        return f"{name} returned nan or inf"
    if (p < 0).any():
        return f"{name} returned negative values"
    total = p.sum()
    if abs(total - 1.0) > ATOL:
        return f"the output of {name} sums to {total:.4g}, not 1"
    return None


def action(problem: str) -> str:
    """What the learner should do about `problem` (a message from call_learner)."""
    verb = "implement" if problem.endswith(NOT_IMPLEMENTED) else "fix"
    return f"{verb} it above, then run this cell again"


def problem_html(problem: str, goal: str | None = None) -> str:
    """A problem as a warning line: what went wrong, what to do, and what for."""
    purpose = f" to {goal}" if goal else ""
    return f'<p class="ll-problem" style="color:{WARN}">{html.escape(problem)} - {action(problem)}{purpose}.</p>'


# ---- arguments and controls ----------------------------------------------------------


def finite_logits(logits: Sequence[float], min_len: int = 1) -> np.ndarray:
    """The logits a widget starts from, as a float64 vector (a slider cannot sit at inf)."""
    z = as_vector("logits", logits, min_len=min_len)
    if not np.isfinite(z).all():
        raise LogitlabInputError(f"logits must be finite numbers, got {z}")
    return z


def logit_sliders(
    logits: np.ndarray, labels: Sequence[str], low: float, high: float, on_change: Callable
) -> list[w.FloatSlider]:
    """One slider per class from `low` to `high`, calling `on_change` as it moves."""
    # Descriptions wide enough for the longest label, so the sliders line up.
    style = {"description_width": f"{min(max(map(len, labels)), 20) * 0.6 + 1:.1f}em"}
    sliders = [
        w.FloatSlider(
            value=float(v),
            min=low,
            max=high,
            step=0.1,
            description=label,
            continuous_update=True,
            readout_format=".1f",
            style=style,
            layout=w.Layout(width="30em"),
        )
        for v, label in zip(logits, labels)
    ]
    for slider in sliders:
        slider.observe(on_change, names="value")
    return sliders


def table_html(css_class: str, rows: str) -> str:
    """A table of `rows` with padded cells (an HTML widget has no stylesheet of its own)."""
    return (
        f"<style>.{css_class} td, .{css_class} th {{padding: 2px 10px}}</style>"
        f'<table class="{css_class}" style="border-collapse:collapse">{rows}</table>'
    )


def bar_html(fraction: float, colour: str, width_px: int = 160) -> str:
    """A horizontal bar filled to `fraction` (clipped to [0, 1]), for a table cell."""
    filled = 100 * min(max(fraction, 0.0), 1.0)
    return (
        f'<div style="display:inline-block;vertical-align:middle;width:{width_px}px;height:0.9em;'
        'background:var(--jp-layout-color3,#ddd)">'
        f'<div style="width:{filled:.1f}%;height:100%;background:{colour}"></div></div>'
    )
