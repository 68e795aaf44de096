"""One test spec, two runners.

A spec is a list of small cases per exercise. Each case calls the learner's
function on a few inputs and, when something is off, raises `Miss` with a message
that names the likely misconception, never the expected array. The learner runs
the spec with `check(...)` and gets a report; the nbgrader test cells run the same
spec with `assert_check(...)`, which raises AssertionError on any miss.
"""
from __future__ import annotations

import html
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import require_callable, unknown_name

# Captured when logitlab is imported, before any learner code runs, so that a
# learner who rebinds numpy functions cannot change what the checks compute.
_array = np.array
_isnan = np.isnan
_isinf = np.isinf
_float64 = np.float64


class Miss(Exception):
    """A check failed; the message names what is probably wrong."""


class NotImplementedMiss(Miss):
    """The function still raises NotImplementedError: no other check is worth running."""


@dataclass(frozen=True)
class Case:
    exercise: str
    title: str
    body: Callable[[Callable], None]
    edge: bool = False  # an edge case: graded in the `test_<fn>_edge` cell


PARTS = (None, "core", "edge")


_SPECS: dict[str, list[Case]] = {}
_loaded = False


def case(exercise: str, title: str, edge: bool = False):
    """Register the decorated function as one check of `exercise`."""
    def register(body: Callable[[Callable], None]):
        _SPECS.setdefault(exercise, []).append(Case(exercise, title, body, edge))
        return body
    return register


def _load_specs() -> None:
    global _loaded
    if not _loaded:
        package = importlib.import_module(__package__)
        for mod in pkgutil.iter_modules(package.__path__):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{__package__}.{mod.name}")
        _loaded = True


def cases(exercise: str) -> list[Case]:
    _load_specs()
    if exercise not in _SPECS:
        raise unknown_name("exercise", exercise, _SPECS)
    return _SPECS[exercise]


def exercises() -> list[str]:
    _load_specs()
    return sorted(_SPECS)


# ---- helpers for writing cases ---------------------------------------------

def call(fn: Callable, *args, **kwargs):
    """Call the learner's function, turning a crash into a readable miss."""
    name = getattr(fn, "__name__", "your function")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotImplementedMiss(f"{name} is not implemented yet: replace `raise NotImplementedError()` "
                   "with your code and run its cell again.") from None
    except Miss:
        raise
    except Exception as exc:  # the learner's bug, reported, not re-raised
        raise Miss(f"{name} raised {type(exc).__name__}: {exc}") from None


def as_array(value, what: str) -> np.ndarray:
    """A fresh float64 copy of a returned value, or a miss saying what came back."""
    if value is None:
        raise Miss(f"{what} is None: did you forget `return`?")
    try:
        return _array(value, dtype=_float64)
    except (TypeError, ValueError):
        raise Miss(f"{what} should be numbers, got {type(value).__name__}") from None


def close(actual, expected, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when the arrays agree: same shape, nan where nan, equal infinities."""
    a = _array(actual, dtype=_float64)
    b = _array(expected, dtype=_float64)
    if a.shape != b.shape:
        return False
    nan_a, nan_b = _isnan(a), _isnan(b)
    if (nan_a != nan_b).any():
        return False
    inf_b = _isinf(b)
    if (a[inf_b] != b[inf_b]).any() or _isinf(a[~inf_b & ~nan_b]).any():
        return False
    ok = ~inf_b & ~nan_b
    return bool((abs(a[ok] - b[ok]) <= atol + rtol * abs(b[ok])).all())


def same_input(before, after) -> bool:
    """True when an argument still equals the copy taken before the call."""
    return close(before, after, rtol=0.0, atol=0.0)


# ---- the two runners ---------------------------------------------------------

@dataclass(frozen=True)
class Result:
    title: str
    message: str | None  # None means the check passed


@dataclass(frozen=True)
class Report:
    exercise: str
    results: tuple[Result, ...]

    @property
    def passed(self) -> bool:
        return all(r.message is None for r in self.results)

    @property
    def misses(self) -> list[Result]:
        return [r for r in self.results if r.message is not None]

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        n, bad = len(self.results), self.misses
        if not bad:
            return f"{self.exercise}: all {n} checks pass."
        lines = [f"{self.exercise}: {len(bad)} of {n} checks fail."]
        lines += [f"- {r.title}: {r.message}" for r in bad]
        return "\n".join(lines)

    def __str__(self) -> str:
        rows = [f"{'PASS' if r.message is None else 'FAIL'}  {r.title}"
                + ("" if r.message is None else f"\n      {r.message}") for r in self.results]
        return "\n".join([self.summary().splitlines()[0], *rows])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1b7837" if self.passed else "#b2182b"
        items = "".join(
            f"<li>{'&#10004;' if r.message is None else '&#10008;'} <b>{html.escape(r.title)}</b>"
            + ("" if r.message is None else f"<br><span>{html.escape(r.message)}</span>") + "</li>"
            for r in self.results)
        head = html.escape(self.summary().splitlines()[0])
        return (f"<div class='logitlab-report' style='border-left:4px solid {colour};padding-left:8px'>"
                f"<b style='color:{colour}'>{head}</b><ul style='list-style:none;padding-left:4px'>"
                f"{items}</ul></div>")


def run(exercise: str, fn: Callable, part: str | None = None) -> Report:
    """Run the checks of `exercise` (all, or only its "core" or "edge" part) on `fn`."""
    require_callable("fn", fn)
    if part not in PARTS:
        raise unknown_name("part", part, ["core", "edge"])
    results = []
    for c in cases(exercise):
        if part is not None and c.edge != (part == "edge"):
            continue
        try:
            c.body(fn)
            results.append(Result(c.title, None))
        except NotImplementedMiss as miss:
            return Report(exercise, (Result("is implemented", str(miss)),))
        except Miss as miss:
            results.append(Result(c.title, str(miss)))
        except Exception as exc:  # e.g. a returned object of the wrong kind
            results.append(Result(c.title, f"the check could not use what {exercise} returned "
                                           f"({type(exc).__name__}: {exc})"))
    return Report(exercise, tuple(results))


def check(exercise: str, fn: Callable) -> Report:
    """Check your function and see, for each failing check, what is probably wrong."""
    report = run(exercise, fn)
    from .. import progress
    progress.record(exercise, report.passed)
    return report


def assert_check(exercise: str, fn: Callable, part: str | None = None) -> None:
    """The graded runner: raise AssertionError naming every miss."""
    report = run(exercise, fn, part)
    if not report.passed:
        raise AssertionError(report.summary())
