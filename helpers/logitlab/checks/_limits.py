"""A time limit for the learner's code, so a loop that never ends becomes a message.

`time_limit(seconds)` arms SIGALRM in the main thread. When it fires, `TimeLimit` is
raised in whatever Python code runs at that moment, usually the learner's loop, and the
kernel stays usable. A nested limit pauses the outer one and gives it back its remaining
time. Signals reach only the main thread, and JupyterLab runs widget callbacks in a
kernel subshell (another thread): there a trace function checks the clock at every line
of Python instead (slower, so only there). Without SIGALRM (Windows) there is no limit in
the main thread. `Watched` wraps the learner's function so that a message can say on
which input the call got stuck.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time

import numpy as np

TIME_LIMIT = 5.0  # seconds per check case, per widget call and per hidden case
# Under grading each call of the learner's function may cross processes (the grader's
# judge), and the grader has its own per-call and per-cell limits: a wider net there.
GRADING_TIME_LIMIT = 30.0
_REFIRE = 1.0  # a learner's bare `except:` may swallow the first alarm: fire again


class TimeLimit(BaseException):
    """The time limit expired. A BaseException, so `except Exception` in the learner's
    code does not swallow it."""

    def __init__(self, seconds: float, call: tuple | None):
        super().__init__(f"no result within {seconds:g} s")
        self.seconds = seconds
        self.call = call  # (name, args, kwargs) of the learner's call in progress, if any


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class _Limit:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.done = False

    def fire(self, _signum, _frame) -> None:
        if not self.done:
            raise TimeLimit(self.seconds, Watched.in_progress())


@contextlib.contextmanager
def time_limit(seconds: float | None = TIME_LIMIT):
    """Raise TimeLimit inside the block if it runs longer than `seconds` (None: no limit)."""
    if seconds is None or (_main_thread() and not hasattr(signal, "setitimer")):
        yield
        return
    if not _main_thread():
        with _traced_limit(seconds):
            yield
        return
    limit = _Limit(seconds)
    outer = signal.setitimer(signal.ITIMER_REAL, 0)  # pause an enclosing limit
    previous = signal.signal(signal.SIGALRM, limit.fire)
    signal.setitimer(signal.ITIMER_REAL, seconds, _REFIRE)
    try:
        yield
    finally:
        _restore(limit, previous, outer)


@contextlib.contextmanager
def _traced_limit(seconds: float):
    """The limit off the main thread: a trace function raises TimeLimit at the first line
    of Python run after the deadline (CPython then stops tracing, as it does after any
    error in a trace function)."""
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()

    def tracer(_frame, _event, _arg):
        if time.monotonic() > deadline:
            raise TimeLimit(seconds, Watched.in_progress())
        return tracer

    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def _restore(limit: _Limit, previous, outer: tuple[float, float]) -> None:
    """Disarm, then give the enclosing limit (if any) its handler and remaining time back."""
    while True:
        try:
            limit.done = True  # from here the handler ignores a late alarm
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            if outer[0] > 0:
                signal.setitimer(signal.ITIMER_REAL, *outer)
            return
        except TimeLimit:  # the alarm fired just before `done` was set: finish the cleanup
            continue


class Watched:
    """The learner's function; it remembers the call in progress for a time-limit message.

    Attribute access (`__name__`, `__globals__`, ...) goes to the function itself.
    """

    _calls = threading.local()  # per thread: the calls in progress, innermost last

    def __init__(self, fn):
        self._fn = fn
        self.__wrapped__ = fn

    @classmethod
    def _stack(cls) -> list[tuple]:
        if not hasattr(cls._calls, "stack"):
            cls._calls.stack = []
        return cls._calls.stack

    def __call__(self, *args, **kwargs):
        name = getattr(self._fn, "__name__", None) or "your function"
        stack = Watched._stack()
        stack.append((name, args, kwargs))
        try:
            return self._fn(*args, **kwargs)
        finally:
            stack.pop()

    def __getattr__(self, name):
        return getattr(self._fn, name)

    @classmethod
    def in_progress(cls) -> tuple | None:
        stack = cls._stack()
        return stack[-1] if stack else None


def describe_input(args: tuple, kwargs: dict) -> str:
    """A few words on a call's main input: 'a 3-element input', 'an input of shape (2, 3)'."""
    for value in (*args, *kwargs.values()):
        if callable(value) or isinstance(value, (str, np.random.Generator)) or value is None:
            continue
        try:
            shape = np.shape(value)
        except ValueError:  # a ragged list
            return "a ragged list"
        if shape == ():
            return f"the input {value!r:.30}"
        if len(shape) == 1:
            return f"a {shape[0]}-element input"
        return f"an input of shape {shape}"
    return "its input"


def timeout_message(stop: TimeLimit, fallback_name: str) -> str:
    """What a learner reads when their function ran out of time."""
    if stop.call is None:
        return (
            f"the checks of {fallback_name} did not finish within {stop.seconds:g} s: your function is "
            "very slow here (a Python loop over every entry, repeated many times?)"
        )
    name, args, kwargs = stop.call
    return (
        f"{name} did not return within {stop.seconds:g} s on {describe_input(args, kwargs)}: look for "
        "a loop that never ends (a `while` whose condition never becomes False, or a counter "
        "that is never updated)"
    )
