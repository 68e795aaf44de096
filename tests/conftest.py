"""Shared fixtures: built source notebooks, their exercises and bug zoo, learner submissions,
the `grade` command."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest

from grader.core import cells
from grader.tools.build import build_sources, learner_source, solved_notebook
from grader.tools.course import BUGZOO, NOTEBOOKS, ROOT

nbgrader_meta = cells.meta


def solution_cells(nb) -> dict[str, str]:
    """{grade_id: source} of the code solution cells (the graded functions) of a notebook."""
    return {cells.grade_id(c): c.source for c in cells.of_kind(nb, cells.SOLUTION)}


def replace_solution(nb, grade_id: str, source: str) -> None:
    """Put `source` into the solution cell `grade_id` of `nb` (in place)."""
    found = [c for c in cells.of_kind(nb, cells.SOLUTION) if cells.grade_id(c) == grade_id]
    assert len(found) == 1, f"expected one solution cell '{grade_id}'"
    found[0].source = source


def strip_magics(source: str) -> str:
    """A cell's code without its IPython magic lines (`%xmode Minimal`), runnable by exec."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def quietly(action, *args, **kwargs):
    """action(*args, **kwargs) with numpy's floating-point warnings and all other warnings off
    (bugs overflow on purpose)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return action(*args, **kwargs)


def bugs(assignment: str) -> list[Path]:
    """The bug zoo of an assignment: grader/bugzoo/<assignment>/<function>/<bug>.py, sorted."""
    return sorted((BUGZOO / assignment).glob("*/*.py"))


def bug_id(path: Path) -> str:
    """<function>/<bug> of a bug-zoo file."""
    return f"{path.parent.name}/{path.stem}"


class Exercises:
    """The graded exercises of one source notebook: its setup, solution and test cells by
    grade_id (test cells without magics), its bug zoo, and ways to run them."""

    bug_id = staticmethod(bug_id)
    quietly = staticmethod(quietly)

    def __init__(self, assignment: str, nb: nbformat.NotebookNode):
        self.assignment = assignment
        (self.setup,) = [strip_magics(c.source) for c in cells.of_kind(nb, cells.SETUP)]
        self.solutions = solution_cells(nb)
        self.tests = {cells.grade_id(c): strip_magics(c.source) for c in cells.of_kind(nb, cells.TEST)}
        self.bugs = bugs(assignment)

    def bug(self, function: str, name: str) -> Path:
        """The bug-zoo file <function>/<name>.py of this assignment."""
        path = BUGZOO / self.assignment / function / f"{name}.py"
        assert path in self.bugs, f"no bug {function}/{name} in the {self.assignment} zoo"
        return path

    @staticmethod
    def _exec(source: str | Path, filename: str, ns: dict) -> None:
        if isinstance(source, Path):
            source, filename = source.read_text(), str(source)
        exec(compile(source, filename, "exec"), ns)

    @classmethod
    def define(cls, source: str | Path, name: str):
        """Run a solution cell's source or a bug-zoo file on its own; return its function `name`."""
        ns: dict = {}
        cls._exec(source, name, ns)
        return ns[name]

    def solution(self, name: str):
        """The function defined by the solution cell `name`, run on its own."""
        return self.define(self.solutions[name], name)

    def namespace(self, *, solved: bool = True, **replacements) -> dict:
        """The notebook's namespace: the setup cell, then every solution cell in order
        (none with solved=False). A replacement takes the place of the solution cell of
        its name: source text or a bug-zoo path is run instead, anything else (a function)
        is bound as it is. Several cells can be replaced at once."""
        unknown = set(replacements) - set(self.solutions)
        assert not unknown, f"{sorted(unknown)} are not solution cells of {self.assignment}"
        ns = {"__name__": "__main__"}
        self._exec(self.setup, "setup", ns)
        for grade_id, source in self.solutions.items():
            new = replacements.get(grade_id, source if solved else None)
            if isinstance(new, (str, Path)):
                self._exec(new, grade_id, ns)
            elif new is not None:
                ns[grade_id] = new
        return ns

    def failing(self, function: str, target) -> list[str]:
        """Which graded cells of `function` (test_<function> and test_<function>_edge, hidden
        tests included) fail, i.e. raise AssertionError. `target` is a namespace (see
        `namespace`) or the function itself, bound beside the setup alone. Each cell runs on a
        fresh copy of that namespace, with numpy's warnings off."""
        ns = target if isinstance(target, dict) else self.namespace(solved=False, **{function: target})
        failed = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("NBGRADER_EXECUTION", "autograde")  # test cells fail only under grading
            for grade_id in (f"test_{function}", f"test_{function}_edge"):
                try:
                    quietly(self._exec, self.tests[grade_id], grade_id, dict(ns))
                except AssertionError:
                    failed.append(grade_id)
        return failed


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
        self.source(assignment)  # built on first use
        return solved_notebook(assignment, self.folder)

    def exercises(self, assignment: str) -> Exercises:
        return Exercises(assignment, self.source(assignment))

    def graded_cells(self, assignment: str) -> dict[str, float]:
        """{grade_id: points} of the cells that carry points (tests and written answers)."""
        return {g.grade_id: g.points for g in cells.graded(self.source(assignment))}

    def hidden_lines(self, assignment: str) -> list[str]:
        """Every non-trivial line of the assignment's hidden test blocks."""
        lines, inside = [], False
        for cell in self.source(assignment).cells:
            for line in cell.source.splitlines():
                if "HIDDEN TESTS" in line:
                    inside = "BEGIN" in line
                elif inside and len(line.strip()) > 8:
                    lines.append(line.strip())
        return lines

    def autograded_cells(self, assignment: str) -> dict[str, float]:
        """{grade_id: points} of the autograded (test) cells of the assignment."""
        return {g.grade_id: g.points for g in cells.graded(self.source(assignment)) if not g.written}


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Course:
    return Course(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def nb(course, request) -> Exercises:
    """The exercises of the test module's ASSIGNMENT."""
    return course.exercises(request.module.ASSIGNMENT)


def pytest_generate_tests(metafunc):
    """A test taking `bug` runs once per bug-zoo file of its module's ASSIGNMENT (id <function>/<bug>)."""
    if "bug" in metafunc.fixturenames:
        metafunc.parametrize("bug", bugs(metafunc.module.ASSIGNMENT), ids=bug_id)


@pytest.fixture(scope="module")
def private_progress(tmp_path_factory):
    """A private LOGITLAB_HOME, so checks never touch the progress record of the machine."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGITLAB_HOME", str(tmp_path_factory.mktemp("home")))
        yield


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
    """Run `python -m grader grade` as the instructor would; returns the CompletedProcess.
    Nothing goes into the course gradebook unless a test names one (--gradebook)."""
    book = [] if "--gradebook" in args else ["--no-gradebook"]
    cmd = [sys.executable, "-m", "grader", "grade", str(submissions), "--output", str(out), *book, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def scores_by_student(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """{(student, assignment): {grade_id: (score, max_score)}} of the autograded cells, from
    grades.csv rows (written answers waiting for a human have no score yet)."""
    table: dict = {}
    for row in rows:
        key = (row["student_id"], row["assignment"])
        assert row["grade_id"] not in table.setdefault(key, {}), f"duplicate row {row}"
        if row["score"] == "":  # a written answer waiting for a human
            continue
        table[key][row["grade_id"]] = (float(row["score"]), float(row["max_score"]))
    return table


@pytest.fixture(scope="session")
def registered(tmp_path_factory) -> Path:
    """A course gradebook with 02_softmax registered as `make release` does (copy it
    before writing to it)."""
    from grader.tools import coursebook

    folder = tmp_path_factory.mktemp("registered")
    db = folder / "gradebook.db"
    coursebook.register(["02_softmax"], f"sqlite:///{db}", source_dir=folder / "source")
    return db


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for test modules (fixtures work under any pytest import mode)."""
    return SimpleNamespace(
        nbgrader_meta=nbgrader_meta,
        solution_cells=solution_cells,
        learner_source=learner_source,
        replace_solution=replace_solution,
        put_submission=put_submission,
        tree_digest=tree_digest,
        run_grade=run_grade,
        read_csv=read_csv,
        scores_by_student=scores_by_student,
        strip_magics=strip_magics,
        quietly=quietly,
        bugs=bugs,
        bug_id=bug_id,
    )


@pytest.fixture(scope="session")
def course_site():
    """The course website (`make site`): built once, and reused while the notebooks and
    logitlab are what it was built from (CI runs `make site` before the tests)."""
    from grader.tools import site

    if not site.is_current():
        site.build()
    return site.pages()
