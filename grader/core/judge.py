"""The judge: the instructor's test cells, run where no learner code ever runs.

nbgrader runs a submission's code in the same kernel as the tests, so anything a test
needs to judge (references, expected values, the comparison itself) can be read or
patched by the learner: through frames, tracebacks, `gc`, `sys.modules`, numpy. Here
the two are apart:

- the learner's process (grader/core/runner.py, in the sandbox of
  grader/core/sandbox.py) runs the submitted notebook's code cells once, as the
  learner wrote them, in order, except the test cells (locked cells as released). It
  only ever receives inputs and sends back outputs;
- the judge (this module, a process forked from the grader's fork server) runs the
  setup cell and the test cells, hidden tests included, with every function of the
  learner replaced by a `Remote`: calling it sends the inputs over grader/core/wire.py
  and returns the outputs as plain numbers and arrays, or raises the learner's
  exception again (its builtin type, so `except ValueError` still works).

Arguments that are not plain data have a design of their own:
- a callable (the loss `f` of `numerical_gradient(f, x)`) stays in the judge and is
  called back over the wire: the learner's code calls a stand-in that sends the
  point and receives f's value, so f's code never reaches the learner;
- a `numpy.random.Generator` travels as its bit generator's state; the learner's
  process draws from a rebuilt generator, and the state after the call is copied back
  into the judge's generator, so draws and reproducibility are as in one process;
- an iterator is sent as its items and rebuilt as an iterator;
- an argument the call changed in place (an array, a list, a dict) is copied back
  into the judge's object, so "leaves its input unchanged" checks see the change;
  a result that is the input itself comes back as that very object;
- a check that measures memory with tracemalloc (11's chunked loss) sees the call's
  peak in the learner's process, measured from outside: its resident high-water mark
  as the kernel counts it, reset and read by the judge. Nothing the learner's process
  says about itself is trusted.

Limits: each of the learner's cells has LOAD_LIMIT seconds (then an interrupt, as in
a kernel), each test cell CELL_LIMIT and each call CALL_LIMIT; a call past its limit,
or one that ends the learner's process, fails with a clear error and the process is
started again (its cells replayed, each only up to a statement that never ended).

The verdict of each test cell (passed, or the reason it failed: case label and kind
of failure, never a hidden input, an expected value, or in a hidden case anything the
learner's code chose to say) is the result that counts.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import resource
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import logitlab.checks
import logitlab.testing  # noqa: F401
import numpy as np

from . import cells, inert, sandbox, wire

logitlab.checks.exercises()  # every spec module, once, in the fork server: one consistent set

CELL_LIMIT = 120.0  # seconds for one test cell: room for thousands of calls on a loaded machine
CALL_LIMIT = 20.0  # seconds for one call of a learner's function
LOAD_LIMIT = 30.0  # seconds for one of the learner's cells to run
MAX_STARTS = 6  # learner processes per notebook, restarts included
INTERRUPT_GRACE = 3.0  # seconds a cell has to stop after its interrupt
LIMITS = sandbox.Limits(memory_mb=4096, pids=64, cpus=1.0)  # the learner's process, as a whole
MAX_PEAK = LIMITS.memory_mb * 2**20  # the most a learner's call can be measured to use
JUDGE_MEMORY = 6 * 2**30  # the most a judge's own heap may grow to (torch's hidden tests included)
HERE = Path(__file__).resolve().parent
SHIPPED = ("runner.py", "wire.py", "inert.py")  # what the learner's process gets, read-only
# Exceptions whose message names code, not data: shown in reasons as they are.
STRUCTURAL = {
    "NameError",
    "UnboundLocalError",
    "AttributeError",
    "ImportError",
    "ModuleNotFoundError",
    "NotImplementedError",
    "RecursionError",
    "SyntaxError",
}
KNOWN_ERRORS = {c.__name__: c for c in vars(builtins).values() if isinstance(c, type) and issubclass(c, Exception)}
KNOWN_ERRORS |= {"AxisError": np.exceptions.AxisError, "LinAlgError": np.linalg.LinAlgError}


class LearnerError(Exception):
    """The learner's function raised an exception of a type the judge does not know."""


class CallTimeout(Exception):
    """A learner's function did not return in time."""

    learner_line = (0, "")  # raised here, not in the learner's code: no line to quote


class LearnerGone(Exception):
    """The learner's process ended, or broke the protocol, during a call."""

    learner_line = (0, "")


@dataclass
class Raised:
    function: str
    type: str
    message: str


# ---- the learner's process, seen from the judge -----------------------------------


class Learner:
    """The sandboxed process running the learner's code, started (again) on demand.

    Its cells run one top-level statement at a time. A cell past LOAD_LIMIT is
    interrupted, as a kernel's cell would be, and the notebook goes on with the next
    cell; if the code ignores the interrupt (or ends the process), the process is
    started again and that cell runs only up to the statement that never ended, so
    whatever the cell defined before it keeps working.
    """

    def __init__(self, program: list[list], env: dict[str, str], how: sandbox.Mode | None = None):
        self.program, self.env, self.how = program, env, how
        self.upto: dict[int, int] = {}  # program index -> statements to run (the rest never ended)
        self.notes: dict[str, str] = {}  # cell label -> what went wrong running it
        self.outputs: dict[str, list] = {}  # notebook cell index -> the outputs of its first full run
        self.flags: list[str] = []  # what the learner's process did that breaks the protocol
        self.box: sandbox.Sandboxed | None = None
        self.starts = 0
        self.statement = -1  # the statement of the running cell that last began

    @property
    def proc(self):
        return self.box.proc if self.box else None

    def ensure(self) -> None:
        while self.box is None:
            if self.starts >= MAX_STARTS:
                raise LearnerGone("the learner's process had to be restarted too often")
            self.starts += 1
            self._spawn()
            if not self._load():
                self.kill()

    def _spawn(self) -> None:
        files = {name: HERE / name for name in SHIPPED}
        argv = [sys.executable, "-I", f"{sandbox.RUNNER_DIR}/runner.py"]
        self.box = sandbox.spawn(argv, self.env, files, LIMITS, self.how)

    def _load(self) -> bool:
        """Run the program's cells; False if the process must be started again."""
        for index, (label, source, cell) in enumerate(self.program):
            try:
                code = cells.code_of(source)
                self.send({"op": "exec", "label": label, "source": code, "upto": self.upto.get(index)})
                reply, stopped = self._ran(time.monotonic() + LOAD_LIMIT)
            except wire.WireError as exc:
                return self._lost(index, label, exc)
            error = reply.get("error")
            if stopped:
                self.notes.setdefault(label, f"was stopped after {LOAD_LIMIT:.0f} s (interrupted, as a kernel would)")
            elif error and label not in self.notes:
                self.notes[label] = f"raised {_describe(error)}"
            self.outputs.setdefault(str(cell), reply.get("outputs") or [])
        return True

    def _ran(self, deadline: float) -> tuple[dict, bool]:
        """(the cell's reply, whether it was interrupted), following its statements: past
        the deadline, the cell gets an interrupt and a short grace to stop."""
        self.statement, interrupted = -1, False
        while True:
            try:
                reply = self.receive(deadline)
            except wire.TimedOut:
                if interrupted:
                    raise _Stuck("the cell ignored its interrupt") from None
                self.box.interrupt()
                interrupted, deadline = True, time.monotonic() + INTERRUPT_GRACE
                continue
            if reply.get("op") == "statement":
                self.statement = int(reply.get("index", -1))
                continue
            if reply.get("op") != "ran":
                raise wire.WireError(f"unexpected {reply.get('op')!r}")
            return reply, interrupted and (reply.get("error") or {}).get("type") == "KeyboardInterrupt"

    def _lost(self, index: int, label: str, exc: wire.WireError) -> bool:
        """A cell that ignored its interrupt or ended the process: next time it runs only
        up to the statement it was in."""
        self.upto[index] = max(self.statement, 0)
        if isinstance(exc, _Stuck):
            self.notes[label] = f"did not finish within {LOAD_LIMIT:.0f} s and ignored the interrupt: stopped"
        elif isinstance(exc, wire.Closed):
            self.notes[label] = "ended the learner's process: stopped there"
        else:
            self.notes[label] = "broke the grader's protocol: stopped there"
            self.flags.append(f"the cell {label} broke the grader's protocol ({exc})")
        return False

    def pid(self) -> int | None:
        """The host's id of the process running the learner's code."""
        return self.box.inner_pid() if self.box else None

    def send(self, message: dict) -> None:
        try:
            wire.send(self.box.proc.stdin.fileno(), message)
        except OSError:
            raise wire.Closed("the learner's process is gone") from None

    def receive(self, deadline: float) -> dict:
        return wire.receive(self.box.proc.stdout.fileno(), deadline)

    def kill(self) -> None:
        if self.box is not None:
            self.box.kill()
            for pipe in (self.box.proc.stdin, self.box.proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self.box = None


class _Stuck(wire.TimedOut):
    """A cell that went on after its interrupt."""


def _describe(error: dict) -> str:
    line = f" (line {error['line']})" if error.get("line") else ""
    return f"{error.get('type')}: {error.get('message', '')}{line}"[:300]


# ---- calls ------------------------------------------------------------------------


class Remote:
    """Stands for a learner's function in the judge: calling it calls the real one."""

    def __init__(self, session: Session, name: str):
        self._session = session
        self.__name__ = self.__qualname__ = name
        self.__globals__ = session.learner_globals  # its siblings, as 04's checks look them up

    def __call__(self, *args, **kwargs):
        return self._session.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"


class LearnerGlobals(dict):
    """A Remote's `__globals__`: the learner's namespace as the judge sees it. Reading
    gives the stand-ins; binding a name (as a hidden test does to grade a function on its
    own, with trusted versions of the helpers it calls) binds it in the learner's process
    too: to a callback into the judge, or back to the learner's own function."""

    def __init__(self, session: Session):
        super().__init__()
        self._session = session

    def __setitem__(self, name, value) -> None:
        super().__setitem__(name, value)
        self._session.bind(name, value)

    def update(self, *args, **kwargs) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value


class Session:
    """The judge's side of one notebook: the learner's process and the calls made."""

    def __init__(self, learner: Learner):
        self.learner = learner
        self.namespace: dict = {}
        self.learner_globals = LearnerGlobals(self)
        self.bindings: dict[str, object] = {}  # replayed whenever the process starts again
        self.callbacks: list = []  # the judge's callables the learner's process may call
        self.deadline = time.monotonic() + CELL_LIMIT
        self.hung: set[str] = set()
        self.raised: list[Raised] = []
        self.called: set[str] = set()  # the learner's functions this cell called
        self.hidden = False  # running a hidden test: nothing the learner's code says is quoted

    def _ensure(self) -> None:
        if self.learner.proc is None:
            self.learner.ensure()
            for name, value in self.bindings.items():
                self._send_binding(name, value)

    def bind(self, name: str, value) -> None:
        self.bindings[name] = value
        if self.learner.proc is not None:
            self._send_binding(name, value)

    def _send_binding(self, name: str, value) -> None:
        try:
            self.learner.send({"op": "bind", "name": name, "value": wire.encode(value, _outgoing(self.callbacks))})
            self.learner.receive(time.monotonic() + CALL_LIMIT)
        except wire.WireError:
            self.learner.kill()

    def begin_cell(self) -> None:
        self.deadline = time.monotonic() + CELL_LIMIT
        self.hung.clear()
        self.raised.clear()
        self.called.clear()

    def call(self, name: str, args: tuple, kwargs: dict):
        self.called.add(name)
        limit = min(CALL_LIMIT, self.deadline - time.monotonic())
        if name in self.hung or limit <= 0:
            raise CallTimeout(f"{name} did not return within {CALL_LIMIT:.0f} s")
        callbacks = self.callbacks
        hook = _outgoing(callbacks)
        message = {
            "op": "call",
            "name": name,
            "args": [wire.encode(a, hook) for a in args],
            "kwargs": {k: wire.encode(v, hook) for k, v in kwargs.items()},
            "trace": tracemalloc.is_tracing(),
        }
        self._ensure()
        in_flight = True  # until the reply is in, the learner's process is mid-call
        resident, reply = None, None
        try:
            self.learner.send(message)
            deadline = time.monotonic() + limit
            if message["trace"]:
                resident, reply = self._start_measuring(deadline)
            reply = reply or self._await(callbacks, deadline)
            in_flight = False
        except wire.TimedOut:
            self.learner.kill()
            self.hung.add(name)
            raise CallTimeout(f"{name} did not return within {limit:.0f} s: a loop that never ends?") from None
        except wire.WireError as exc:
            self.learner.kill()
            if not isinstance(exc, wire.Closed):
                self.learner.flags.append(f"{name} broke the grader's protocol ({str(exc)[:80]})")
            raise LearnerGone(f"{name}: the learner's process ended or broke the protocol") from None
        finally:
            if in_flight:  # interrupted some other way (a check's own time limit)
                self.learner.kill()
        if reply["op"] == "raised":
            self.raised.append(Raised(name, str(reply.get("type")), "" if self.hidden else str(reply.get("message"))))
            raise _rebuild(reply, self.hidden)
        if message["trace"]:  # measured from outside the learner's process, never reported by it
            _replay_peak(resident.growth() if resident else 0)
        try:
            _copy_back(args, kwargs, reply.get("changed", {}))
            return wire.decode(reply["value"], _incoming(args, self.hidden))
        except wire.WireError as exc:
            self.learner.flags.append(f"{name} sent back something unreadable ({str(exc)[:80]})")
            raise LearnerGone(f"{name} sent back something unreadable") from None

    def _start_measuring(self, deadline: float) -> tuple[Resident | None, dict | None]:
        """Once the learner's process has its arguments, the point its resident memory
        grows from; then let the call begin. If it answered at once instead (no such
        function), that answer."""
        ready = self.learner.receive(deadline)
        if ready.get("op") == "raised":  # no such function: nothing to measure
            return None, ready
        if ready.get("op") != "ready":  # an answer before the measuring began is not one
            raise wire.WireError(f"{ready.get('op')!r} before 'ready'")
        resident = Resident.of(self.learner.pid(), self.learner.box.cgroup if self.learner.box else None)
        self.learner.send({"op": "go"})
        return resident, None

    def _await(self, callbacks: list, deadline: float) -> dict:
        """The reply to a call, answering its callbacks on the way."""
        while True:
            reply = self.learner.receive(deadline)
            if reply["op"] in ("done", "raised"):
                return reply
            if reply["op"] != "callback":
                raise wire.WireError(f"unexpected {reply['op']!r}")
            try:
                fn = callbacks[int(reply["id"])]
                value = fn(
                    *[wire.decode(a) for a in reply["args"]], **{k: wire.decode(v) for k, v in reply["kwargs"].items()}
                )
                answer = {"op": "return", "value": wire.encode(value, _outgoing(callbacks))}
            except wire.WireError:
                raise
            except Exception as exc:  # the instructor's callable refused the learner's input
                answer = {"op": "throw", "type": type(exc).__name__, "message": str(exc)[:200]}
            self.learner.send(answer)

    def fetch(self, name: str):
        """A name the learner defined: a Remote for a function, else its value."""
        self._ensure()
        try:
            self.learner.send({"op": "get", "name": name})
            reply = self.learner.receive(time.monotonic() + CALL_LIMIT)
            if reply.get("kind") == "callable":
                return Remote(self, name)
            if reply.get("kind") == "value":
                return wire.decode(reply["value"], _incoming(()))
        except wire.WireError:
            self.learner.kill()
        raise KeyError(name)


@dataclass
class Resident:
    """A process's resident memory as the kernel counts it, read from outside: its
    tracemalloc figure alone could be patched, stopped or reset by the learner's code."""

    pid: int
    start_kib: int
    cgroup: sandbox.Cgroup | None = None  # all the sandbox's processes: a forked child counts too
    cgroup_start: int | None = None

    @classmethod
    def of(cls, pid: int | None, cgroup: sandbox.Cgroup | None = None) -> Resident | None:
        """Start measuring `pid` and its cgroup: their high-water marks are reset to what
        they hold now."""
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            start = _status(pid)["VmRSS"]
        except (OSError, KeyError, TypeError):  # not Linux, or the process is gone
            return None
        return cls(pid, start, cgroup, cgroup.reset_peak() if cgroup else None)

    def growth(self) -> int:
        """Bytes by which its resident peak since `of` exceeds where it started: the
        process's own, or its cgroup's where that is larger."""
        try:
            own = max(0, _status(self.pid)["VmHWM"] - self.start_kib) * 1024
        except (OSError, KeyError):
            own = 0
        peak = self.cgroup.peak() if self.cgroup and self.cgroup_start is not None else None
        return max(own, peak - self.cgroup_start) if peak is not None else own


def _status(pid: int) -> dict[str, int]:
    fields = (line.split() for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {f[0].rstrip(":"): int(f[1]) for f in fields if len(f) == 3 and f[2] == "kB"}


def _replay_peak(peak) -> None:
    """Show the judge's tracemalloc the peak the call reached in the learner's process, so
    a check that measures a function's memory measures the learner's: an untouched
    buffer of that size is allocated (address space only) and freed at once."""
    size = min(int(peak), MAX_PEAK) if isinstance(peak, int) and peak > 0 else 0
    if size:
        buffer = np.empty(size, dtype=np.uint8)
        del buffer


def _outgoing(callbacks: list):
    """Tags for what the judge sends that is not plain data."""

    def hook(value):
        if isinstance(value, Remote):  # the learner's own function: it is over there
            return {"t": "own", "name": value.__name__}
        if callable(value) and not isinstance(value, (type, np.ndarray)):
            callbacks.append(value)
            return {"t": "fn", "id": len(callbacks) - 1}
        if hasattr(value, "__next__") and hasattr(value, "__iter__"):
            return {"t": "iter", "items": [wire.encode(v, hook) for v in value]}
        return None

    return hook


def _incoming(args: tuple, hidden: bool = False):
    def hook(tag: dict):
        if tag["t"] == "arg" and 0 <= int(tag["index"]) < len(args):
            return args[int(tag["index"])]
        if tag["t"] == "foreign":  # a type's name is the learner's to choose: not quoted in hidden cases
            return _foreign("object" if hidden else str(tag.get("type", "object")))
        raise wire.WireError(f"unexpected {tag['t']!r} value")

    return hook


def _foreign(type_name: str):
    """An object of a type that cannot travel: something of that name that is not data."""
    name = type_name.rsplit(".", 1)[-1]
    name = name if name.isidentifier() else "object"
    return type(name, (), {"__repr__": lambda self: f"<{type_name} object>"})()


def _rebuild(reply: dict, hidden: bool = False) -> Exception:
    """The learner's exception, again: the first builtin type of its class, else a
    LearnerError; `learner_line` says where it was raised in the learner's code. In a
    hidden case its message is dropped (it could carry the hidden input out), and so is
    the line's code: the type and the line number remain."""
    message, exc = ("" if hidden else str(reply.get("message", ""))), None
    for base in [reply.get("type"), *reply.get("bases", [])]:
        kind = KNOWN_ERRORS.get(str(base))
        if kind is not None:
            with contextlib.suppress(Exception):
                exc = kind(message)
            break
    exc = exc or LearnerError(f"{reply.get('type')}: {message}"[:200])
    where = reply.get("where")
    try:
        exc.learner_line = (int(where[0]), "" if hidden else str(where[1])[:120])
    except (TypeError, ValueError, IndexError):  # not raised in a cell: no line, and never the judge's
        exc.learner_line = (0, "")
    return exc


def _copy_back(args: tuple, kwargs: dict, changed: dict) -> None:
    """Put into the judge's arguments what the call changed in the learner's copies."""
    for key, data in changed.items():
        original = args[int(key)] if key.isdigit() and int(key) < len(args) else kwargs.get(key)
        if isinstance(original, np.random.Generator) and isinstance(data, dict) and data.get("t") == "rng":
            original.bit_generator.state = wire.generator(data).bit_generator.state
            continue
        new = wire.decode(data, _incoming(()))
        if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
            if original.shape == new.shape and original.flags.writeable:
                np.copyto(original, new, casting="unsafe")
        elif isinstance(original, list) and isinstance(new, list):
            original[:] = new
        elif isinstance(original, dict) and isinstance(new, dict):
            original.clear()
            original.update(new)
        elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
            original.bit_generator.state = new.bit_generator.state


# ---- test cells -------------------------------------------------------------------


def free_names(source: str) -> set[str]:
    """Names a cell reads without defining them."""
    loaded, stored = cells.names(source)
    return loaded - stored - set(dir(builtins))


def _one_line(text: str) -> str:
    lines = [line.strip().lstrip("- ").strip() for line in str(text).splitlines() if line.strip()]
    joins = [" " if line.endswith((":", ".")) else "; " for line in lines[:-1]] + [""]
    return "".join(line + join for line, join in zip(lines, joins))


def clip(text: str, limit: int = 500) -> str:
    """`text` cut at a word boundary, with an ellipsis, if it is longer than `limit`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut).rstrip(" ,;:") + "…"


def reason(exc: BaseException, session: Session, functions: list[str]) -> str:
    """Why a test cell failed, in words an instructor can read. In a hidden case,
    anything the learner's code could have chosen (an exception's message, a value
    quoted in an error) is left out: the case label, the kind of failure, the type."""
    if isinstance(exc, AssertionError):
        text = _one_line(exc) or "a test assertion failed"
    elif isinstance(exc, NameError) and getattr(exc, "name", None) in functions:
        note = session.learner.notes.get(exc.name)
        text = f"{exc.name} is not defined" + (f": its cell {note}" if note else "")
    elif session.hidden:
        line = getattr(exc, "learner_line", None)
        text = f"a hidden case failed: {type(exc).__name__}" + (f" at line {line[0]} of your code" if line else "")
    else:
        text = f"{type(exc).__name__}: {_one_line(exc)}"
    cause = next((r for r in session.raised if r.type in STRUCTURAL), None)
    if cause:
        text += f" ({cause.function} raised {cause.type}" + (f": {_one_line(cause.message)})" if cause.message else ")")
    broken = [
        f"the cell {f} {session.learner.notes[f]}"
        for f in sorted(session.called)
        if f in session.learner.notes and f in functions
    ]
    if broken:  # the root cause comes first: the learner's cell did not run
        text = "; ".join(broken) + ": " + text
    return clip(text)


def run_tests(payload: dict, result_path: Path) -> None:
    """Judge every test cell of `payload`, writing the results after each one."""
    learner = Learner(payload["program"], payload["env"], sandbox.Mode(**payload["sandbox"]))
    session = Session(learner)
    ns = session.namespace
    ns["__name__"] = "__main__"
    for source in payload["setup"]:
        exec(compile(cells.code_of(source), "<setup>", "exec"), ns)
    functions = payload["functions"]
    for name in functions:
        ns[name] = Remote(session, name)
        dict.__setitem__(session.learner_globals, name, ns[name])
    results: dict[str, dict] = {}
    try:
        with contextlib.suppress(LearnerGone):  # the notebook runs once, tested or not: its outputs
            learner.ensure()
        # Every public part runs before any hidden one: once the learner's process has seen
        # a hidden input it could carry it into a later public reason, which quotes its words.
        later = []
        for grade_id, source in payload["tests"]:
            cell = _TestCell(grade_id, segments(cells.code_of(source)), dict(session.namespace))
            failed = _judge_part(session, cell, functions, hidden=False)
            if failed or not any(hidden for hidden, _ in cell.parts):
                results[grade_id] = failed or PASSED
                _save(result_path, results, learner)
            else:
                later.append(cell)
        for cell in later:
            results[cell.grade_id] = _judge_part(session, cell, functions, hidden=True) or PASSED
            _save(result_path, results, learner)
    finally:
        learner.kill()
    _save(result_path, results, learner, done=True)


HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def segments(source: str) -> list[tuple[bool, str]]:
    """[(hidden, code)] of a test cell: its public and hidden parts in order, each padded
    with blank lines so that line numbers stay those of the cell. A cell whose parts do
    not compile on their own is judged whole, as hidden."""
    parts, hidden, lines = [], False, source.splitlines()
    current: list[str] = []
    for line in lines:
        marker = line.strip()
        if marker in (HIDDEN_BEGIN, HIDDEN_END):
            parts.append((hidden, current))
            hidden, current = marker == HIDDEN_BEGIN, []
        current.append(line if marker not in (HIDDEN_BEGIN, HIDDEN_END) else "")
    parts.append((hidden, current))
    out, offset = [], 0
    for is_hidden, chunk in parts:
        code = "\n" * offset + "\n".join(chunk)
        offset += len(chunk)
        try:
            compile(code, "<cell>", "exec")
        except SyntaxError:
            return [(any(h for h, _ in parts), source)]
        if "".join(chunk).strip():
            out.append((is_hidden, code))
    return out


PASSED = {"passed": True, "reason": ""}


@dataclass
class _TestCell:
    """A test cell being judged: its parts (public, then hidden from the first hidden one
    on) and its own namespace, kept from its public part to its hidden part."""

    grade_id: str
    parts: list[tuple[bool, str]]
    ns: dict


def _judge_part(session: Session, cell: _TestCell, functions: list[str], hidden: bool) -> dict | None:
    """Run the cell's public part (its parts before the first hidden one), or the rest;
    its failure, or None."""
    first_hidden = next((i for i, (h, _) in enumerate(cell.parts) if h), len(cell.parts))
    parts = cell.parts[first_hidden:] if hidden else cell.parts[:first_hidden]
    session.begin_cell()
    session.hidden = hidden
    try:
        if not hidden:
            source = "\n".join(code for _, code in cell.parts)
            for name in free_names(source) - set(cell.ns):
                with contextlib.suppress(KeyError, LearnerGone):
                    cell.ns[name] = session.fetch(name)
        with contextlib.redirect_stdout(io.StringIO()):
            for _, code in parts:
                exec(compile(code, f"<{cell.grade_id}>", "exec"), cell.ns)
        return None
    except Exception as exc:
        return {"passed": False, "reason": reason(exc, session, functions)}
    finally:
        session.hidden = False


def _save(path: Path, results: dict, learner: Learner, done: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    found = {"cells": results, "notes": learner.notes, "outputs": learner.outputs, "flags": learner.flags}
    tmp.write_text(json.dumps({**found, "done": done}))
    tmp.replace(path)


def _no_in_process_limits() -> None:
    """The checks' own per-case alarm (logitlab.checks._limits) guards a learner's kernel.
    Here every call already has CALL_LIMIT and CELL_LIMIT, measured on the learner's
    process alone; the alarm would instead count the round trips of a whole case, which
    a loaded grading machine can stretch past its few seconds for correct code."""
    from logitlab.checks import _limits

    _limits._can_alarm = lambda: False


def _bound_memory() -> None:
    """A judge holds what a learner's replies and callbacks make it hold: whatever they
    ask, past JUDGE_MEMORY its allocations fail (MemoryError, a failed case) and the
    machine keeps its memory. A soft limit: the sandbox sets its own for the learner."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = JUDGE_MEMORY if hard == resource.RLIM_INFINITY else min(JUDGE_MEMORY, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def main(payload_path: str, result_path: str) -> None:
    """Entry point of the judge process (forked by grader/forks.py)."""
    _bound_memory()
    inert.install()
    _no_in_process_limits()
    warnings.simplefilter("ignore")
    payload = json.loads(Path(payload_path).read_text())
    run_tests(payload, Path(result_path))


@dataclass
class Judgement:
    """What the judge decided for one notebook."""

    cells: dict[str, tuple[bool, str]] = field(default_factory=dict)  # grade_id -> (passed, reason)
    notes: dict[str, str] = field(default_factory=dict)  # learner's cells that failed to run
    outputs: dict[str, list] = field(default_factory=dict)  # notebook cell index -> its run's outputs (untrusted)
    flags: list[str] = field(default_factory=list)  # the learner's process broke the protocol
    error: str | None = None  # the judge did not finish: every cell not judged fails with it
