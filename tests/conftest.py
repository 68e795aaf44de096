"""Shared fixtures: built source notebooks, learner submissions, the `grade` command."""
from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from grader.build import build_sources
from grader.course import NOTEBOOKS, ROOT

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution_cells(nb) -> dict[str, str]:
    """{grade_id: source} of the solution cells of a notebook."""
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if nbgrader_meta(c).get("solution")}


def learner_source(source: str) -> str:
    """A source solution cell as a learner would write it: the marker lines removed."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def replace_solution(nb, grade_id: str, source: str) -> None:
    """Put `source` into the solution cell `grade_id` of `nb` (in place)."""
    cells = [c for c in nb.cells if nbgrader_meta(c).get("solution")
             and nbgrader_meta(c).get("grade_id") == grade_id]
    assert len(cells) == 1, f"expected one solution cell '{grade_id}'"
    cells[0].source = source


class Course:
    """Source and student notebooks of the course, built once per test session."""

    def __init__(self, folder: Path):
        self.folder = folder

    def source(self, assignment: str) -> nbformat.NotebookNode:
        path = self.folder / assignment / f"{assignment}.ipynb"
        if not path.exists():
            build_sources([assignment], self.folder)
        return nbformat.read(str(path), as_version=4)

    @staticmethod
    def student_path(assignment: str) -> Path:
        return NOTEBOOKS / assignment / f"{assignment}.ipynb"

    def student(self, assignment: str) -> nbformat.NotebookNode:
        return nbformat.read(str(self.student_path(assignment)), as_version=4)

    def solved(self, assignment: str) -> nbformat.NotebookNode:
        """The student notebook with every solution cell filled in as a learner would."""
        nb = self.student(assignment)
        for grade_id, source in solution_cells(self.source(assignment)).items():
            replace_solution(nb, grade_id, learner_source(source))
        return nb

    def graded_cells(self, assignment: str) -> dict[str, float]:
        """{grade_id: points} of the autograded cells of the assignment."""
        return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c).get("points", 0))
                for c in self.source(assignment).cells if nbgrader_meta(c).get("grade")}


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Course:
    return Course(tmp_path_factory.mktemp("source"))


def put_submission(root: Path, student: str, assignment: str, nb=None) -> Path:
    """Write `nb` (a notebook, raw text, or None for no notebook) as a submission."""
    folder = root / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{assignment}.ipynb"
    if isinstance(nb, str):
        target.write_text(nb)
    elif nb is not None:
        nbformat.write(nb, str(target))
    return folder


def tree_digest(root: Path) -> str:
    """Hash of every name and byte under `root`: any change, even a new empty folder, shows."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        if path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def run_grade(submissions: Path, out: Path, *args: str, timeout: float = 1800):
    """Run `python -m grader grade` as the instructor would; returns the CompletedProcess."""
    cmd = [sys.executable, "-m", "grader", "grade", str(submissions), "--output", str(out), *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def scores_by_student(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """{(student, assignment): {grade_id: (score, max_score)}} from grades.csv rows."""
    table: dict = {}
    for row in rows:
        key = (row["student_id"], row["assignment"])
        assert row["grade_id"] not in table.setdefault(key, {}), f"duplicate row {row}"
        table[key][row["grade_id"]] = (float(row["score"]), float(row["max_score"]))
    return table


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for test modules (fixtures work under any pytest import mode)."""
    return SimpleNamespace(
        nbgrader_meta=nbgrader_meta, solution_cells=solution_cells, learner_source=learner_source,
        replace_solution=replace_solution, put_submission=put_submission, tree_digest=tree_digest,
        run_grade=run_grade, read_csv=read_csv, scores_by_student=scores_by_student,
    )
