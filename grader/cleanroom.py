"""Clean-room re-check: grade the learner's functions again, outside the kernel.

nbgrader runs a submission's code in the same kernel as the tests, before them, so a
submission can patch numpy, blank later cells or rewrite the checks. Here only the
imports, literal constants and function definitions of the solution cells are kept
(parsed, never executed at extraction), and run in a fresh `python -I` process in an
empty folder, after the trusted setup cell and logitlab have been imported. Then the
instructor's test cells, hidden tests included, run against them.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import jail

RUNNER = Path(__file__).with_name("cleanroom_runner.py")

# Names whose use in a solution cell deserves an instructor's look: they reach the
# grading machinery, the file system or the interpreter rather than numbers.
SUSPICIOUS = {
    "get_ipython", "sys", "os", "builtins", "__builtins__", "importlib", "ctypes",
    "subprocess", "atexit", "globals", "setattr", "open", "exec", "eval", "__import__",
    "inspect", "gc", "signal", "logitlab",
}


@dataclass
class Extract:
    code: str  # what the clean room runs
    flags: list[str] = field(default_factory=list)


def _keep(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
        return True
    if isinstance(node, ast.Assign):  # constants such as EPS = 1e-12
        try:
            ast.literal_eval(node.value)
            return True
        except ValueError:
            return False
    return False


def extract(cell_source: str, grade_id: str) -> Extract:
    """Keep what a graded cell may hold; flag what it should not."""
    lines = [l for l in cell_source.splitlines() if not l.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as err:
        return Extract("", [f"{grade_id}: syntax error ({err.msg}, line {err.lineno})"])
    kept = [n for n in tree.body if _keep(n)]
    flags = []
    defined = {n.name for n in kept if isinstance(n, ast.FunctionDef)}
    if grade_id not in defined:
        imported = {a.asname or a.name for n in kept if isinstance(n, (ast.Import, ast.ImportFrom))
                    for a in n.names}
        why = "imported, not written" if grade_id in imported else "not defined by a def"
        flags.append(f"{grade_id}: {why}")
    for n in kept:
        if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "logitlab":
            flags.append(f"{grade_id}: imports from logitlab ({n.module})")
    names = {getattr(n, "id", None) or getattr(n, "attr", None) for n in ast.walk(tree)}
    touched = sorted(SUSPICIOUS & names - {"logitlab"})
    if touched:
        flags.append(f"{grade_id}: uses {', '.join(touched)}")
    dropped = len(tree.body) - len(kept)
    if dropped:
        flags.append(f"{grade_id}: {dropped} top-level statement(s) outside functions ignored")
    return Extract(ast.unparse(kept), flags)


def _cells(nb, kind: str) -> list:
    def is_kind(cell) -> bool:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            return False
        if kind == "solution":
            return bool(meta.get("solution"))
        if kind == "test":
            return bool(meta.get("grade")) and not meta.get("solution")
        return str(meta.get("grade_id", "")).startswith("setup")
    return [c for c in nb.cells if is_kind(c)]


@dataclass
class Recheck:
    scores: dict[str, tuple[float, float]]  # grade_id -> (score, max_score)
    flags: list[str]
    error: str | None = None


def recheck(submission: Path, source: Path, timeout: float = 120.0,
            hide: list[Path] = (), stop: threading.Event | None = None) -> Recheck:
    """Re-grade `submission` against the test cells of the nbgrader `source` notebook.

    With `hide` (where the jail works), the learner's code runs with those folders empty.
    Setting `stop` kills the run.
    """
    src = nbformat.read(str(source), as_version=4)
    tests = [(c.metadata.nbgrader["grade_id"], float(c.metadata.nbgrader.get("points", 0)), c.source)
             for c in _cells(src, "test")]
    zero = {gid: (0.0, pts) for gid, pts, _ in tests}
    try:
        sub = nbformat.read(str(submission), as_version=4)
    except Exception as exc:  # unreadable notebook: nothing to re-check
        return Recheck(zero, [], f"unreadable notebook: {type(exc).__name__}")
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in _cells(sub, "solution")}
    flags, code = [], []
    for cell in _cells(src, "solution"):
        gid = cell.metadata.nbgrader["grade_id"]
        if gid not in by_id:
            flags.append(f"{gid}: solution cell missing")
            continue
        ex = extract(by_id[gid].source, gid)
        flags += ex.flags
        code.append((gid, ex.code))
    payload = {"setup": [c.source for c in _cells(src, "setup")], "solutions": code,
               "tests": [(gid, src_) for gid, _, src_ in tests]}
    passed, error = _run(payload, timeout, list(hide), stop)
    scores = {gid: (pts if passed.get(gid) else 0.0, pts) for gid, pts, _ in tests}
    return Recheck(scores, flags, error)


def _run(payload: dict, timeout: float, hide: list[Path],
         stop: threading.Event | None) -> tuple[dict[str, bool], str | None]:
    with tempfile.TemporaryDirectory(prefix="cleanroom-") as tmp:
        shutil.copyfile(RUNNER, Path(tmp) / RUNNER.name)  # the grader's own folder may be hidden
        cmd = [sys.executable, "-I", RUNNER.name, "payload.json", "result.json"]
        if hide and jail.available():
            cmd = jail.command(hide, [tmp], jail.needed_read_only(hide), cmd, memory_mb=4096,
                               network=False)  # the payload holds the hidden tests
        (Path(tmp) / "payload.json").write_text(json.dumps(payload))
        env = {"PATH": os.defpath, "HOME": tmp, "LOGITLAB_HOME": tmp, "MPLBACKEND": "Agg",
               "NBGRADER_EXECUTION": "cleanroom", "OMP_NUM_THREADS": "1",
               **{k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}}
        # stderr goes to a file, not a pipe, which a child left behind could hold open.
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                                    stderr=err, start_new_session=True)
            ended = _wait(proc, timeout, stop)
            if ended is not None:
                return {}, ended
            try:
                return json.loads((Path(tmp) / "result.json").read_text()), None
            except (OSError, ValueError):
                return {}, f"clean room crashed: {_last_line(err) or f'exit code {proc.returncode}'}"


def _last_line(file) -> str:
    file.seek(max(file.seek(0, os.SEEK_END) - 4096, 0))
    lines = file.read().decode(errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else ""


def _wait(proc: subprocess.Popen, timeout: float, stop: threading.Event | None) -> str | None:
    """Why the runner was stopped (timeout or `stop`), or None if it ended by itself.
    Either way, whatever it started in its session is killed."""
    deadline, why = time.monotonic() + timeout, None
    while why is None:
        try:
            proc.wait(min(0.2, max(deadline - time.monotonic(), 0.01)))
            break
        except subprocess.TimeoutExpired:
            if stop and stop.is_set():
                why = "interrupted"
            elif time.monotonic() >= deadline:
                why = f"clean room timed out after {timeout:.0f} s"
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    return why
