"""Judge one submission: prepare what the judge needs, run it, read its verdicts.

The judge itself (grader/core/judge.py) runs in a process forked from the fork server;
the learner's code runs once, in a sandboxed process of its own started by the judge. This module
decides what each gets: the learner's process the submitted notebook's code cells
(test cells never; locked cells as released), the judge the source notebook's setup
and test cells, hidden tests included.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import secrets
import threading
from pathlib import Path

import nbformat

from . import cells, forks, sandbox
from .judge import Judgement, main

# Names in learner code worth an instructor's look: they reach the interpreter's
# machinery rather than numbers. They cost nothing: judging never runs learner code.
SUSPICIOUS = {
    "get_ipython",
    "gc",
    "inspect",
    "ctypes",
    "_getframe",
    "f_back",
    "f_globals",
    "builtins",
    "__builtins__",
    "__import__",
    "importlib",
    "sys.modules",
    "modules",
}


def program(submission: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[list]:
    """[label, source, cell index] of every code cell the learner's process runs, in notebook order:
    the setup, the solution cells and the learner's own cells, as written (locked cells
    as released; never a test cell), and of the instructor's other cells those that
    define a name this code uses, directly or through another such cell. The rest
    (figures, widgets, quizzes, demonstrations) cannot change a function's result and
    would only cost time."""
    released = {cells.grade_id(c): c.source for c in release.cells if cells.grade_id(c)}
    release_ids = {c.get("id") for c in release.cells}
    entries = []  # (label, source, always run, names read, names bound)
    for index, cell in enumerate(submission.cells):
        kind = cells.kind(cell, release_ids)
        if cell.cell_type != "code" or kind == cells.TEST:
            continue
        gid = cells.grade_id(cell)
        source = released[gid] if cells.meta(cell).get("locked") and gid in released else cell.source
        label = gid or (f"your cell {index + 1}" if kind == cells.LEARNER else f"cell {index + 1}")
        entries.append((label, source, kind != cells.OTHER, *cells.names(source), index))
    needed = set().union(*(read for _, _, always, read, _, _ in entries if always))
    keep = {i for i, e in enumerate(entries) if e[2]}
    grown = True
    while grown:
        grown = False
        for i, (_, _, _, read, bound, _) in enumerate(entries):
            if i not in keep and bound & needed:
                keep.add(i)
                needed |= read
                grown = True
    return [[label, source, cell] for i, (label, source, *_, cell) in enumerate(entries) if i in keep]


def suspicious(submission: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Flags for learner-written cells that reach for the interpreter's machinery."""
    release_ids = {c.get("id") for c in release.cells}
    flags = []
    for cell in cells.of_kind(submission, cells.SOLUTION, cells.LEARNER, release_ids=release_ids):
        try:
            tree = ast.parse(cells.code_of(cell.source))
        except SyntaxError:
            continue
        names = {getattr(n, "id", None) or getattr(n, "attr", None) or getattr(n, "name", None) for n in ast.walk(tree)}
        if "get_ipython" not in cell.source:  # the kernel's syntax (a magic) calls it, not the learner
            names.discard("get_ipython")
        touched = sorted(SUSPICIOUS & names)
        if touched:
            label = cells.grade_id(cell) or "a cell you added"
            flags.append(f"{label}: uses {', '.join(touched)}")
    return flags


# The learner's process gets this environment and nothing else. A fixed mmap threshold
# returns every large array's memory to the kernel when it is freed, so the resident
# peak the judge reads from outside is the call's own.
LEARNER_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": sandbox.WORK_DIR,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp",
    "LOGITLAB_HOME": sandbox.WORK_DIR,
    "NBGRADER_EXECUTION": "autograde",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "MALLOC_MMAP_THRESHOLD_": "65536",
}


def payload(submission: nbformat.NotebookNode, source: nbformat.NotebookNode, release: nbformat.NotebookNode) -> dict:
    return {
        "setup": [c.source for c in cells.of_kind(source, cells.SETUP)],
        "program": program(submission, release),
        "functions": [cells.grade_id(c) for c in cells.of_kind(source, cells.SOLUTION)],
        "tests": [[cells.grade_id(c), c.source] for c in cells.of_kind(source, cells.TEST)],
        "env": LEARNER_ENV,
        "sandbox": dataclasses.asdict(sandbox.mode()),  # decided once, by the grader
    }


def judge(
    submission: nbformat.NotebookNode,
    source: nbformat.NotebookNode,
    release: nbformat.NotebookNode,
    folder: Path,
    timeout: float,
    stop: threading.Event | None = None,
) -> Judgement:
    """Run the learner's notebook once and judge the test cells of `source` against it.

    `folder` (private, created, never seen by the learner's code) holds the judge's
    input and log. Past `timeout` seconds, or when `stop` is set, the judge and
    everything it started are killed; the cells it had not judged yet then fail with
    that reason.
    """
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    (folder / "payload.json").write_text(json.dumps(payload(submission, source, release)))
    result = folder / "result.json"
    env = {
        "PATH": os.defpath,
        "HOME": str(folder),
        "LOGITLAB_HOME": str(folder),
        "MPLBACKEND": "Agg",
        "NBGRADER_EXECUTION": "autograde",
        "OMP_NUM_THREADS": "1",
        forks.JOB_MARK: token,
    }
    code = forks.run(
        main, (str(folder / "payload.json"), str(result)), folder, env, folder / "judge.log", timeout, stop
    )
    found = _read(result)
    judgement = Judgement(
        {gid: (bool(r["passed"]), str(r["reason"])) for gid, r in found.get("cells", {}).items()},
        found.get("notes", {}),
        found.get("outputs", {}),
        [str(f) for f in found.get("flags", [])],
    )
    if not found.get("done"):
        if code is None:
            judgement.error = "interrupted" if stop and stop.is_set() else f"judging timed out after {timeout:g} s"
        elif code < 0:  # a signal: nothing of the grader's sends one but the learner's code
            judgement.error = f"the judge was killed (signal {-code}), by the learner's code?"
        else:
            judgement.error = f"the judge failed: {_last_line(folder / 'judge.log')}"
    return judgement


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _last_line(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1][:200] if lines else "no output"
