"""Assertions for the hidden tests: compare with trusted references, name the case.

Hidden test cells define a reference inline and call `battery(...)`. Messages name
the case that failed and the kind of error, never the expected values. The numpy
functions used here were captured when logitlab was imported, before learner code.
A failure raises CheckFailed, an AssertionError that IPython shows without a
traceback (so no test code); each case runs quietly and under the checks' time limit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import numpy as np

from .checks._core import CheckFailed, _array, _float64, close, quiet, same_input, under_grading
from .checks._limits import GRADING_TIME_LIMIT, TIME_LIMIT, TimeLimit, Watched, time_limit, timeout_message

_float32 = np.float32


def _describe(actual, expected) -> str:
    a = _array(actual, dtype=_float64)
    b = _array(expected, dtype=_float64)
    if a.shape != b.shape:
        return f"shape {a.shape} where {b.shape} was expected"
    if np.isnan(a).any() and not np.isnan(b).any():
        return "nan in the result"
    if np.isinf(a).any() and not np.isinf(b).any():
        return "inf in the result"
    return "wrong values"


def expect(ok, message: str) -> None:
    """Fail the hidden test with `message` unless `ok` (shown without a traceback, like the
    other failures here, so no hidden test code is ever displayed)."""
    if not ok:
        raise CheckFailed(message)


def expect_close(actual, expected, label: str, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    try:
        ok = close(actual, expected, rtol, atol)
    except (TypeError, ValueError):
        raise CheckFailed(f"{label}: returned {type(actual).__name__}, not numbers") from None
    if not ok:
        raise CheckFailed(f"{label}: {_describe(actual, expected)}")


def battery(
    fn: Callable, ref: Callable, cases: Iterable[tuple[str, tuple, dict]], rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Run `fn` and `ref` on every (label, args, kwargs) case; raise on any difference.

    Each case also checks that the inputs are left unmodified and that float32 array
    input gives a float32 result.
    """
    failures = []
    limit = GRADING_TIME_LIMIT if under_grading() else TIME_LIMIT
    for label, args, kwargs in cases:
        saved = copy.deepcopy((args, kwargs))
        try:
            with quiet(), time_limit(limit):
                out = Watched(fn)(*args, **kwargs)
        except TimeLimit as stop:
            failures.append(f"{label}: {timeout_message(stop, 'this case')}")
            continue
        except Exception as exc:
            failures.append(f"{label}: raised {type(exc).__name__}")
            continue
        if not all(same_input(b, a) for b, a in zip(saved[0], args) if _is_numeric(b)):
            failures.append(f"{label}: the input was modified in place")
            continue
        f32 = any(isinstance(a, np.ndarray) and a.dtype == _float32 for a in args)
        tol = (max(rtol, 1e-4), max(atol, 1e-6)) if f32 else (rtol, atol)
        try:
            expect_close(out, ref(*saved[0], **saved[1]), label, *tol)
        except AssertionError as err:
            failures.append(str(err))
            continue
        if f32 and getattr(out, "dtype", None) != _float32:
            failures.append(f"{label}: float32 input gave {getattr(out, 'dtype', type(out).__name__)}, not float32")
    if failures:
        raise CheckFailed(f"{len(failures)} hidden case(s) failed:\n- " + "\n- ".join(failures))


def _is_numeric(value) -> bool:
    try:
        _array(value, dtype=_float64)
        return True
    except (TypeError, ValueError):
        return False
