"""A class made from the bug zoo, judged in this process: job records without a grading run.

`judge(assignment, replacements)` runs an assignment's setup, solution and test cells
(hidden tests included) here, with some solution cells replaced by bug-zoo files, and
returns what `grade` would record for each graded cell: the score, and the reason in the
judge's one-line form. It is for the report's tests and `make bench` (a class of any
size in seconds): the bug zoo's own code and the instructor's tests only, never a
learner's notebook, so running them in-process is safe.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import warnings
from pathlib import Path

import numpy as np

from ..core import cells
from ..core.judge import _one_line
from ..core.records import CellResult, JobRecord
from .build import source_notebook
from .course import BUGZOO
from .grade import WRITTEN_REASON


def bug(assignment: str, function: str, name: str) -> Path:
    path = BUGZOO / assignment / function / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no bug {function}/{name} in the {assignment} zoo")
    return path


@contextlib.contextmanager
def _grading():
    """As under grading: failing test cells raise; the bugs' numpy warnings are silenced."""
    old = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if old is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = old


def judge(assignment: str, replacements: dict[str, str] | None = None) -> list[CellResult]:
    """Every graded cell's result with the solution cells named in `replacements`
    ({function: source}) replaced: what a submission with those cells would score."""
    nb = source_notebook(assignment)
    replacements = replacements or {}
    ns: dict = {"__name__": "__main__"}
    results = []
    with _grading():
        for cell in nb.cells:
            kind = cells.kind(cell)
            gid = cells.grade_id(cell)
            if kind == cells.SETUP:
                exec(compile(cells.code_of(cell.source), "setup", "exec"), ns)
            elif kind == cells.SOLUTION:
                _run_cell(replacements.get(gid, cell.source), f"<cell {gid}>", ns)
            elif kind == cells.WRITTEN:
                points = float(cells.meta(cell).get("points", 0))
                results.append(CellResult(gid, 0.0, points, manual=True, reason=WRITTEN_REASON))
            elif kind == cells.TEST:
                results.append(_test(cell, gid, dict(ns)))
    return results


def _run_cell(source: str, filename: str, ns: dict) -> None:
    """Run a solution cell so that a traceback can quote its lines, as the judge does."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)


def _test(cell, gid: str, ns: dict) -> CellResult:
    points = float(cells.meta(cell).get("points", 0))
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            exec(compile(cells.code_of(cell.source), gid, "exec"), ns)
    except AssertionError as exc:
        return CellResult(gid, 0.0, points, reason=_one_line(exc) or "a test assertion failed")
    except Exception as exc:
        return CellResult(gid, 0.0, points, reason=f"{type(exc).__name__}: {_one_line(exc)}")
    return CellResult(gid, points, points)


def record(student: str, assignment: str, results: list[CellResult], **fields) -> JobRecord:
    """A job record as `grade` keeps it, holding copies of `results`."""
    copies = [CellResult(**vars(c)) for c in results]
    return JobRecord(student, assignment, fingerprint="zoo", cells=copies, **fields)
