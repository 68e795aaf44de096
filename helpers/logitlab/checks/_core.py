"""One test spec, two runners.

A spec is a list of small cases per exercise. Each case calls the learner's
function on a few inputs and, when something is off, raises `Miss` with a message
that names the likely misconception, never the expected array. The learner runs
the spec with `check(...)` and gets a report; the nbgrader test cells run the same
spec with `assert_check(...)`, which fails the cell under grading and otherwise
shows the report and lets the notebook run on.

Every case runs with the learner's warnings silenced and under a time limit; an
exception from the learner's code is translated into the misconception behind it
(`_explain`). A report puts the root cause first: when the first, basic case of an
exercise fails, the other failures are folded under it.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import inspect
import os
import pkgutil
import re
import warnings
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import require_callable, unknown_name
from ._explain import cause, explain
from ._limits import GRADING_TIME_LIMIT, TIME_LIMIT, TimeLimit, Watched, time_limit, timeout_message

# Captured when logitlab is imported, before any learner code runs, so that a
# learner who rebinds numpy functions cannot change what the checks compute.
_array = np.array
_isnan = np.isnan
_isinf = np.isinf
_float64 = np.float64

PASS_COLOUR, FAIL_COLOUR = "#1b7837", "#b2182b"


def under_grading() -> bool:
    """True while nbgrader validates or autogrades, or the grader judges (NBGRADER_EXECUTION set)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


class Miss(Exception):
    """A check failed; the message names what is probably wrong. `cause`, if given, is a
    short key: failures with the same cause are folded together in a report."""

    def __init__(self, message: str = "", cause: str | None = None):
        super().__init__(message)
        self.cause = cause


class NotImplementedMiss(Miss):
    """The function still raises NotImplementedError: no other check is worth running."""


def not_implemented(name: str) -> NotImplementedMiss:
    return NotImplementedMiss(
        f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code and run its cell again."
    )


@dataclass(frozen=True)
class Case:
    exercise: str
    title: str
    body: Callable[[Callable], None]
    edge: bool = False  # an edge case: graded in the `test_<fn>_edge` cell
    basic: bool = False  # a failure here is a root cause: later failures fold under it


PARTS = (None, "core", "edge")


_SPECS: dict[str, list[Case]] = {}
_loaded = False
_RUNNING: list[str] = []  # the exercises being checked, innermost last


def case(exercise: str, title: str, edge: bool = False, basic: bool = False):
    """Register the decorated function as one check of `exercise`.

    The first case registered for an exercise is basic, and so is any case marked
    `basic` (one whose failure breaks most later ones, such as a batch): when the first
    failure of a report is a basic case, the report shows it and folds the others under it.
    """

    def register(body: Callable[[Callable], None]):
        first = exercise not in _SPECS
        _SPECS.setdefault(exercise, []).append(Case(exercise, title, body, edge, basic or first))
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


def fn_name(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or "your function"


def learner_scope(fn: Callable) -> Mapping:
    """The namespace the learner's `fn` was defined in, where the exercises it builds on
    live: a function's `__globals__`, found through decorators (`__wrapped__`, e.g.
    `@np.errstate(...)`), a functools.partial, a bound method or an object with `__call__`
    (all correct ways to define an exercise). Empty when there is no such function."""
    for _ in range(8):  # a few layers of wrapping at most
        try:
            fn = inspect.unwrap(fn)
        except ValueError:  # a wrapper loop: no function behind it
            break
        scope = getattr(fn, "__globals__", None)
        if scope is not None:
            return scope
        fn = getattr(fn, "func", None) or getattr(fn, "__func__", None) or getattr(type(fn), "__call__", None)
    return {}


def call(fn: Callable, *args, **kwargs):
    """Call the learner's function, turning a crash into a miss that names its likely cause."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise not_implemented(fn_name(fn)) from None
    except Miss:
        raise
    except Exception as exc:  # the learner's bug, reported, not re-raised
        exercise = _RUNNING[-1] if _RUNNING else None
        raise Miss(explain(exc, fn_name(fn), exercise), cause(exc, exercise)) from None


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


@contextlib.contextmanager
def quiet():
    """No RuntimeWarning or other warning from the learner's code above a report."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---- the report ----------------------------------------------------------------


def code_html(text: str) -> str:
    """Escaped text with its `code spans` shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


@dataclass(frozen=True)
class Result:
    title: str
    message: str | None  # None means the check passed
    basic: bool = False  # the exercise's first case: when it fails, it is the root cause
    cause: str | None = None  # failures with the same cause are folded together

    def key(self) -> str:
        """What makes two failures 'the same problem': their cause, or the advice after the
        first colon (the part before it usually names the input)."""
        if self.cause:
            return self.cause
        head, sep, advice = (self.message or "").partition(": ")
        return advice if sep else head


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


@dataclass(frozen=True)
class Report:
    exercise: str
    results: tuple[Result, ...]
    note: str | None = None  # e.g. why the other checks did not run
    implemented: bool = True  # False when the function still raises NotImplementedError

    @property
    def passed(self) -> bool:
        return all(r.message is None for r in self.results)

    @property
    def misses(self) -> list[Result]:
        return [r for r in self.results if r.message is not None]

    def __bool__(self) -> bool:
        return self.passed

    def groups(self) -> list[tuple[Result, list[Result]]]:
        """The failures, root cause first, each with the failures folded under it: all of
        them under a failing basic case, otherwise those repeating its message."""
        bad = self.misses
        if bad and bad[0].basic:
            return [(bad[0], bad[1:])]
        groups: list[tuple[Result, list[Result]]] = []
        for r in bad:
            same = [folded for head, folded in groups if head.key() == r.key()]
            if same:
                same[0].append(r)
            else:
                groups.append((r, []))
        return groups

    def headline(self) -> str:
        n, bad = len(self.results), len(self.misses)
        if not bad:
            return f"{self.exercise}: all {_plural(n, 'check')} pass."
        if not self.implemented or self.note:  # one message, which names the function itself
            return self.misses[0].message
        return f"{self.exercise}: {bad} of {_plural(n, 'check')} fail."

    @staticmethod
    def _fold_text(head: Result, folded: list[Result], titles: bool = True) -> str:
        listed = ": " + " · ".join(r.title for r in folded) if titles else ""
        if head.basic:
            verb = "fails" if len(folded) == 1 else "fail"
            return (
                f"{_plural(len(folded), 'more check')} also {verb}, probably for the same reason "
                f"(fix this first, then check again){listed}"
            )
        return f"the same problem also fails{listed or ' in ' + _plural(len(folded), 'more check')}"

    def summary(self) -> str:
        """The headline and every failure, root cause first (the graded cells' message)."""
        if self.passed or not self.implemented or self.note:
            return self.headline() + (f" ({self.note})" if self.note else "")
        lines = [self.headline()]
        for head, folded in self.groups():
            lines.append(f"- {head.title}: {head.message}")
            if folded:
                lines.append(f"  ({self._fold_text(head, folded)})")
        return "\n".join(lines)

    def __str__(self) -> str:
        if not self.implemented or self.note:
            return self.summary()
        rows = [self.headline()]
        for head, folded in self.groups():
            rows.append(f"FAIL  {head.title}\n      {head.message}")
            if folded:
                rows.append(f"      ({self._fold_text(head, folded)})")
        rows += [f"PASS  {r.title}" for r in self.results if r.message is None]
        return "\n".join(rows)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = PASS_COLOUR if self.passed else FAIL_COLOUR
        items = []
        for head, folded in self.groups():
            more = ""
            if folded:
                inner = "".join(f"<li><b>{html.escape(r.title)}</b>: {code_html(r.message)}</li>" for r in folded)
                more = (
                    f"<details><summary>{html.escape(self._fold_text(head, folded, titles=False))}"
                    f"</summary><ul>{inner}</ul></details>"
                )
            items.append(
                f"<li>&#10008; <b>{html.escape(head.title)}</b><br><span>{code_html(head.message)}</span>{more}</li>"
            )
        if self.implemented and not self.note:
            items += [f"<li>&#10004; {html.escape(r.title)}</li>" for r in self.results if r.message is None]
        head = html.escape(self.headline())
        note = f"<br><i>{html.escape(self.note)}</i>" if self.note else ""
        return (
            f"<div class='logitlab-report' style='border-left:4px solid {colour};padding-left:8px'>"
            f"<b style='color:{colour}'>{head}</b>{note}<ul style='list-style:none;padding-left:4px'>"
            f"{''.join(items) if self.implemented and not self.note else ''}</ul></div>"
        )


# ---- the two runners ---------------------------------------------------------


def _crash(exc: Exception, fn: Callable, exercise: str) -> str:
    """A case raised something other than a Miss: the learner's exception, or a result the
    check could not use."""
    if _by_learner(exc):
        return explain(exc, fn_name(fn), exercise)
    return f"the check could not use what {exercise} returned ({type(exc).__name__}: {exc})"


def _by_learner(exc: Exception) -> bool:
    return getattr(exc, "_logitlab_learner", False)


class _Marked(Watched):
    """Watched, and every exception the learner's function raises is marked as theirs."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            with contextlib.suppress(AttributeError):
                exc._logitlab_learner = True
            raise


# What each function's checks found, by (exercise, part), kept while the function lives:
# an exercise built on it asks these (its own graded cells ran first) rather than a run
# of its own, which a function that keeps state could fail on purpose, to skip the cases
# that need it.
_VERDICTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def run(exercise: str, fn: Callable, part: str | None = None) -> Report:
    """Run the checks of `exercise` (all, or only its "core" or "edge" part) on `fn`."""
    report = _run(exercise, fn, part)
    with contextlib.suppress(TypeError):  # a callable that takes no weak reference is asked again
        _VERDICTS.setdefault(fn, {})[exercise, part] = report.passed
    return report


def siblings_pass(fn, *names: str) -> bool:
    """False if one of the learner's functions `names`, defined beside fn, fails its checks:
    as their last runs found (both parts, or all at once), else as a run now finds."""
    scope = learner_scope(fn)
    return all(not callable(scope.get(n)) or _passes(n, scope[n]) for n in names)


def _passes(exercise: str, fn: Callable) -> bool:
    try:
        seen = _VERDICTS.get(fn, {})
    except TypeError:
        seen = {}
    if (exercise, "core") in seen and (exercise, "edge") in seen:
        return seen[exercise, "core"] and seen[exercise, "edge"]
    if (exercise, None) in seen:
        return seen[exercise, None]
    return run(exercise, fn).passed


def _run(exercise: str, fn: Callable, part: str | None) -> Report:
    require_callable("fn", fn)
    if part not in PARTS:
        raise unknown_name("part", part, ["core", "edge"])
    spec = cases(exercise)
    watched = _Marked(fn)
    limit = GRADING_TIME_LIMIT if under_grading() else TIME_LIMIT
    results = []
    _RUNNING.append(exercise)
    try:
        for c in spec:
            if part is not None and c.edge != (part == "edge"):
                continue
            basic = c.basic
            try:
                with quiet(), time_limit(limit):
                    c.body(watched)
                results.append(Result(c.title, None, basic))
            except NotImplementedMiss as miss:
                return Report(exercise, (Result("is implemented", str(miss), True),), implemented=False)
            except TimeLimit as stop:
                return Report(
                    exercise,
                    (Result(c.title, timeout_message(stop, exercise), True),),
                    note="the other checks were not run",
                )
            except Miss as miss:
                results.append(Result(c.title, str(miss), basic, getattr(miss, "cause", None)))
            except Exception as exc:
                results.append(
                    Result(
                        c.title, _crash(exc, fn, exercise), basic, cause(exc, exercise) if _by_learner(exc) else None
                    )
                )
    finally:
        _RUNNING.pop()
    return Report(exercise, tuple(results))


def check(exercise: str, fn: Callable) -> Report:
    """Check your function and see, for each failing check, what is probably wrong.

    The result is recorded in your progress, unless the function is still a stub.
    """
    report = run(exercise, fn)
    if report.implemented:
        from .. import progress

        progress.record(exercise, report.passed)
    return report


class CheckFailed(AssertionError):
    """A graded cell's failure. IPython shows only the message (no traceback, no test
    code), in this cell alone: nothing changes the kernel's traceback mode."""

    def _render_traceback_(self) -> list[str]:
        first, *rest = str(self).splitlines() or [""]
        return [f"{type(self).__name__}: {first}", *rest]


@dataclass(frozen=True)
class GradedCell:
    """What a graded test cell shows outside grading: one line when it passes, the report
    when it fails."""

    report: Report
    part: str | None

    def _what(self) -> str:
        return {"core": "core checks", "edge": "edge-case checks"}.get(self.part, "checks")

    def headline(self) -> str:
        r = self.report
        if r.passed:
            return f"PASS: {r.exercise} passes its {len(r.results)} graded {self._what()}."
        return (
            f"FAIL: this graded cell scores 0 as {r.exercise} is now; the notebook runs on, "
            "and only grading stops here."
        )

    def __str__(self) -> str:
        return self.headline() if self.report.passed else f"{self.headline()}\n{self.report}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = PASS_COLOUR if self.report.passed else FAIL_COLOUR
        line = f"<b style='color:{colour}'>{html.escape(self.headline())}</b>"
        return line if self.report.passed else line + self.report._repr_html_()


def _show(obj) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python
        print(obj)
        return
    if get_ipython() is None:
        print(obj)
    else:
        display(obj)


_STUBS: weakref.WeakSet = weakref.WeakSet()  # functions seen raising NotImplementedError


def raised_in(exc: BaseException, fn: Callable) -> bool:
    """True when `fn`'s own code is among the frames `exc` went through."""
    code = getattr(fn, "__code__", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return False


def _innermost(exc: BaseException, fns: tuple[Callable, ...]) -> list[Callable]:
    """The one of `fns` whose frame is deepest in `exc`'s traceback: the stub that raised,
    not a finished function that called it."""
    codes = {getattr(f, "__code__", None): f for f in fns}
    found, tb = [], exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in codes:
            found = [codes[tb.tb_frame.f_code]]
        tb = tb.tb_next
    return found


@contextlib.contextmanager
def uses_your(*fns: Callable):
    """Run a worked example that calls your functions. Until they work it prints a short
    note instead of an error, so that Run All goes on to the cells below."""
    names = " and ".join(fn_name(f) for f in fns)

    def stub_note(stubs, again: str) -> None:
        verb = "are" if len(stubs) > 1 else "is"
        print(
            f"[this part runs your {names}: {' and '.join(map(fn_name, stubs))} {verb} not implemented "
            f"yet; write {'them' if len(stubs) > 1 else 'it'} above, then run {again}]"
        )

    try:
        yield
    except NotImplementedError as exc:
        stubs = _innermost(exc, fns) or list(fns)
        for f in stubs:
            with contextlib.suppress(TypeError):
                _STUBS.add(f)
        stub_note(stubs, "this cell again")
    except Exception as exc:
        stubs = [f for f in fns if f in _STUBS]
        if stubs:  # a consequence of an earlier cell that stopped at a stub
            stub_note(stubs, "the cells from there again")
        else:
            print(f"[this part runs your {names}, which does not work here yet: {explain(exc, names)}]")


def assert_check(exercise: str, fn: Callable, part: str | None = None) -> None:
    """The graded runner. Under grading a failure raises AssertionError (CheckFailed) and
    fails the cell; otherwise the cell shows its verdict and the notebook runs on."""
    report = run(exercise, fn, part)
    if not report.passed and under_grading():
        raise CheckFailed(report.summary())
    _show(GradedCell(report, part))
