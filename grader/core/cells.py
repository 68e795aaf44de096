"""What a notebook cell is, decided in one place for the whole grader.

- setup: the instructor's locked first code cell (grade_id "setup..."): imports.
- solution: a code cell the learner answers in (nbgrader solution, not graded).
- test: an autograded test cell (nbgrader grade, not solution).
- written: a manually graded answer (nbgrader solution and grade), graded by hand.
- learner: a code cell the learner added (no nbgrader metadata, not in the release).
- other: everything else (the instructor's prose, examples, widgets, quizzes).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

SETUP, SOLUTION, TEST, WRITTEN, LEARNER, OTHER = "setup", "solution", "test", "written", "learner", "other"


def meta(cell) -> dict:
    found = cell.get("metadata", {}).get("nbgrader", {})
    return found if isinstance(found, dict) else {}


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def kind(cell, release_ids: set[str] | None = None) -> str:
    """The kind of `cell`; `release_ids` (the cell ids of the released notebook) tell
    the cells a learner added from the instructor's."""
    m = meta(cell)
    if m.get("solution"):
        return WRITTEN if m.get("grade") else SOLUTION
    if m.get("grade"):
        return TEST
    if cell.get("cell_type") != "code":
        return OTHER
    if str(m.get("grade_id", "")).startswith("setup"):
        return SETUP
    if release_ids is not None and not m and cell.get("id") not in release_ids:
        return LEARNER
    return OTHER


def of_kind(nb: nbformat.NotebookNode, *kinds: str, release_ids: set[str] | None = None) -> list:
    """The cells of `nb` of any of `kinds`, in notebook order."""
    return [c for c in nb.cells if kind(c, release_ids) in kinds]


@dataclass(frozen=True)
class Graded:
    """A cell that carries points: an autograded test or a written answer."""

    grade_id: str
    points: float
    written: bool


def graded(nb: nbformat.NotebookNode) -> list[Graded]:
    """The cells that carry points, in notebook order."""
    return [
        Graded(grade_id(c), float(meta(c).get("points", 0)), kind(c) == WRITTEN) for c in of_kind(nb, TEST, WRITTEN)
    ]


# Cell magics whose body is Python that a kernel runs (timed or captured): the body runs.
_RUNS_ITS_BODY = re.compile(r"^\s*%%(time|timeit|capture)\b")


def code_of(source: str) -> str:
    """A cell's Python code, as a kernel runs it: IPython's syntax (magics, `!` shell
    lines, `obj?`) becomes calls of `get_ipython()`, by IPython's own transformer, and
    only where the cell is not plain Python already. Line numbers are kept."""
    try:
        ast.parse(source)
        return source
    except (SyntaxError, ValueError):
        pass
    lines = source.splitlines()
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if blank < len(lines) and _RUNS_ITS_BODY.match(lines[blank]):
        lines[blank] = ""
        blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    try:
        return "\n" * blank + TransformerManager().transform_cell("\n".join(lines[blank:]))
    except Exception:  # not Python in any form: compiling it reports the syntax error
        return source


def names(source: str) -> tuple[set[str], set[str]]:
    """(names the cell's code reads, names it binds), anywhere in the cell; two empty
    sets if it is not valid Python."""
    try:
        tree = ast.parse(code_of(source))
    except SyntaxError:
        return set(), set()
    loaded, stored = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return loaded, stored
