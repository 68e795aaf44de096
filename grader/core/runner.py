"""The learner's process: runs the learner's code as written, then answers calls.

Started by the judge (grader/core/judge.py) as `python -I /runner/runner.py` inside the
sandbox (grader/core/sandbox.py), where this file, wire.py and inert.py are mounted
read-only. It receives the learner's cells (the setup cell, the solution cells and the
cells the learner added, never a test cell), runs them one top-level statement at a
time (saying which, so a statement that never ends can be left out when the process is
started again) and sends back each cell's outputs; then it answers calls of the
learner's functions, with inputs as plain values: outputs, the arguments a call
changed, or the exception it raised. It never sees a test, a reference or an expected
value, and nothing it reports (outputs, results) is trusted beyond being data.
"""

import ast
import builtins
import codeop
import io
import os
import signal
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder out
if os.path.isdir("/opt/logitlab"):  # the sandbox's copy of the grader's logitlab comes first
    sys.path.insert(1, "/opt/logitlab")

import inert  # noqa: E402
import numpy as np  # noqa: E402  (before any learner code)
import wire  # noqa: E402

MUTABLE = ("nd", "rng", "dict")  # argument forms a call can change in place (and lists)


def _channel() -> tuple[int, int]:
    """Private copies of stdin and stdout for the wire; the learner's prints go nowhere."""
    fds = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin, sys.stdout, sys.stderr = (open(os.devnull, mode) for mode in ("r", "w", "w"))
    return fds


IN, OUT = _channel()
QUIET = sys.stdout, sys.stderr


def _error(exc: BaseException) -> dict:
    try:
        message = str(exc)[:300]
    except BaseException:
        message = ""
    bases = [c.__name__ for c in type(exc).__mro__ if c.__module__ in ("builtins", "numpy.exceptions", "numpy.linalg")]
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    return {"type": type(exc).__name__, "bases": bases, "message": message, "line": line, "where": _where(exc)}


SOURCES: dict[str, list[str]] = {}  # "<label>" -> lines of the learner's cells


def _where(exc: BaseException) -> list | None:
    """[line number, code] of the learner's line that raised, if it is in a cell."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        lines = SOURCES.get(tb.tb_frame.f_code.co_filename)
        if lines is not None and 0 < tb.tb_lineno <= len(lines):
            found = [tb.tb_lineno, lines[tb.tb_lineno - 1][:120]]
        tb = tb.tb_next
    return found


MAX_TEXT = 20_000  # characters of output kept per cell and stream


class _Capture(io.StringIO):
    """A cell's stdout or stderr, cut at MAX_TEXT characters."""

    def write(self, text) -> int:
        text = str(text)
        room = MAX_TEXT - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)


COMPILE = codeop.Compile()  # keeps `from __future__` imports in force, as a kernel does


def _statements(code: str, filename: str) -> list:
    """The cell's top-level statements, each compiled on its own; the last one, if it
    is an expression, compiled to give its value (shown as a kernel shows it)."""
    tree = ast.parse(code, filename)
    units = []
    for i, node in enumerate(tree.body):
        if i == len(tree.body) - 1 and isinstance(node, ast.Expr):
            units.append(("eval", COMPILE(ast.Expression(node.value), filename, "eval")))
        else:
            units.append(("exec", COMPILE(ast.Module([node], type_ignores=[]), filename, "exec")))
    return units


class _Shell:
    """What `get_ipython()` gives the learner's cells (the judge sends them with IPython's
    syntax already turned into its calls): no shell, magic or help does anything here,
    except `%time STATEMENT`, which runs its statement as a kernel would."""

    def run_line_magic(self, name, line, *args, **kwargs):
        if name == "time" and line.strip():
            exec(COMPILE(line, "<%time>", "exec"), NS)
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: None


SHELL = _Shell()


def _outputs(out: _Capture, err: _Capture, value, error: dict | None, exc: BaseException | None) -> list:
    found = [
        {"output_type": "stream", "name": name, "text": buf.getvalue()}
        for name, buf in (("stdout", out), ("stderr", err))
        if buf.getvalue()
    ]
    if value is not None:
        try:
            text = repr(value)[:MAX_TEXT]
        except BaseException:
            text = f"<{type(value).__name__} object>"
        found.append({"output_type": "execute_result", "data": {"text/plain": text}})
    if error is not None:
        try:
            lines = traceback.format_exception_only(type(exc), exc)
        except BaseException:
            lines = [error["type"]]
        where = f"line {error['where'][0]}: " if error.get("where") else ""
        found.append(
            {"output_type": "error", "ename": error["type"], "evalue": where + error["message"], "lines": lines}
        )
    return found


def _run_cell(ns: dict, label: str, source: str, upto) -> dict:
    """Run a cell's statements (only the first `upto` of them, if given), reporting each
    before it starts; an interrupt stops the cell, as in a kernel."""
    code = source
    filename = f"<{label}>"
    SOURCES[filename] = code.splitlines()
    out, err = _Capture(), _Capture()
    value, error, exc = None, None, None
    sys.stdout, sys.stderr = out, err
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        units = _statements(code, filename)
        for index, (mode, unit) in enumerate(units if upto is None else units[:upto]):
            wire.send(OUT, {"op": "statement", "index": index})
            if mode == "eval":
                value = eval(unit, ns)
            else:
                exec(unit, ns)
    except BaseException as caught:  # the learner's cell failed: reported, not fatal
        exc, error = caught, _error(caught)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stdout, sys.stderr = QUIET
    return {"op": "ran", "error": error, "outputs": _outputs(out, err, value, error, exc)}


def _callback(ident: int):
    """A stand-in for a callable of the judge: each call goes over the wire."""

    def call(*args, **kwargs):
        message = {
            "op": "callback",
            "id": ident,
            "args": [_out(a) for a in args],
            "kwargs": {k: _out(v) for k, v in kwargs.items()},
        }
        with WIRE_LOCK:  # one call and its reply at a time, whichever thread calls
            wire.send(OUT, message)
            return _serve(until=("return", "throw"))

    return call


ORIGINALS: dict = {}  # the learner's own functions, kept when a test binds another in their place


def _resolve(tag: dict):
    if tag["t"] == "fn":
        return _callback(int(tag["id"]))
    if tag["t"] == "own":
        name = str(tag["name"])
        return ORIGINALS.get(name, NS.get(name))
    return None


def _in(data):
    return wire.decode(data, _resolve)


def _bind(ns: dict, name: str, data) -> dict:
    """Bind `name` as a test asked (a trusted helper in place of the learner's own)."""
    value = _in(data)
    ORIGINALS.setdefault(name, ns.get(name))
    ns[name] = value
    return {"op": "bound"}


def _sendable(value) -> bool:
    if value is None or type(value) in (bool, int, float, str) or isinstance(value, (list, tuple, dict)):
        return True
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in wire.NUMERIC_KINDS
    return isinstance(value, np.random.Generator)


def _out(value, aliases: dict | None = None):
    def hook(v):
        if aliases and id(v) in aliases:
            return {"t": "arg", "index": aliases[id(v)]}
        if not _sendable(v):
            return {"t": "foreign", "type": f"{type(v).__module__}.{type(v).__qualname__}"[:100]}
        return None

    return wire.encode(value, hook)


def _call(ns: dict, message: dict) -> dict:
    fn = ns.get(message["name"])
    if not callable(fn):
        return {"op": "raised", **_error(NameError(f"name '{message['name']}' is not defined"))}
    args = [_in(a) for a in message["args"]]
    kwargs = {k: _in(v) for k, v in message["kwargs"].items()}
    if message.get("trace"):  # the judge measures this process's memory from outside, from here on
        wire.send(OUT, {"op": "ready"})
        wire.receive(IN)
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:
        return {"op": "raised", **_error(exc)}
    try:
        return {
            "op": "done",
            "value": _out(result, _aliases(args)),
            "changed": _changed(message, args, kwargs),
        }
    except wire.WireError as exc:  # e.g. nested too deeply: judged as an unusable result
        return {"op": "done", "value": {"t": "foreign", "type": f"unsendable ({exc})"}, "changed": {}}


def _aliases(args: list) -> dict:
    return {id(a): i for i, a in enumerate(args) if not isinstance(a, (int, float, str))}


def _changed(message: dict, args: list, kwargs: dict) -> dict:
    """The arguments the call changed in place, as they are now."""
    changed = {}
    for key, sent in [*enumerate(message["args"]), *message["kwargs"].items()]:
        if type(sent) is list or isinstance(sent, dict) and sent.get("t") in MUTABLE:
            now = _out(args[key] if isinstance(key, int) else kwargs[key])
            if now != sent:
                changed[str(key)] = now
    return changed


def _get(ns: dict, name: str) -> dict:
    if name not in ns:
        return {"op": "value", "kind": "missing"}
    if callable(ns[name]):
        return {"op": "value", "kind": "callable"}
    return {"op": "value", "kind": "value", "value": _out(ns[name])}


NS: dict = {"__name__": "__main__", "display": inert.Inert(), "get_ipython": lambda: SHELL}
WIRE_LOCK = threading.RLock()


def _serve(until=()):
    """Answer the judge's messages; return when one of `until` arrives (a callback's reply)."""
    while True:
        message = wire.receive(IN)
        op = message["op"]
        if op == "return":
            return _in(message["value"])
        if op == "throw":
            kind = getattr(builtins, str(message.get("type")), None)
            if not (isinstance(kind, type) and issubclass(kind, Exception)):
                kind = RuntimeError
            raise kind(message.get("message", ""))
        if op == "exec":
            reply = _run_cell(NS, message["label"], message["source"], message.get("upto"))
        elif op == "call":
            reply = _call(NS, message)
        elif op == "get":
            reply = _get(NS, message["name"])
        elif op == "bind":
            reply = _bind(NS, message["name"], message["value"])
        else:
            return None
        wire.send(OUT, reply)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is for a running cell only
    inert.install()
    _serve()
