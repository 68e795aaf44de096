"""Build the course: solutions/*.py -> build/source/*.ipynb -> notebooks/*.ipynb.

The jupytext sources are the only hand-edited files. Each becomes an nbgrader
"source" notebook (solutions and hidden tests intact) under build/source, and
`nbgrader generate_assignment` turns that into the student version in notebooks/.
Both steps are deterministic so a rebuild is byte-identical.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

from ..core import cells
from . import hosting
from .course import CONFIG, NOTEBOOKS, ROOT, SOLUTIONS, SOURCE, assignments, tool_env

NB_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _nbgrader_meta(meta: dict) -> dict:
    """Complete the short nbgrader metadata written in the cell headers.

    Sources write only what matters (grade_id, solution, grade, points); nbgrader's
    schema wants every flag, and locks every cell that is not for the learner.
    """
    full = {"grade": False, "solution": False, "locked": False, "schema_version": 3}
    full.update(meta)
    if "locked" not in meta:
        full["locked"] = not full["solution"]
    return full


def _add_hosting(nb: nbformat.NotebookNode, assignment: str) -> None:
    """The "run it" badges above the first cell, the Colab install lines atop the setup cell."""
    nb.cells[0].source = hosting.with_badges(nb.cells[0].source, assignment)
    for cell in cells.of_kind(nb, cells.SETUP):
        cell.source = hosting.with_setup_lines(cell.source)


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    """The nbgrader source notebook of one assignment, with deterministic cell ids."""
    nb = jupytext.read(SOLUTIONS / assignment / f"{assignment}.py", fmt="py:percent")
    nb.metadata = dict(NB_METADATA)
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        meta = {}
        if "nbgrader" in cell.metadata:
            meta["nbgrader"] = _nbgrader_meta(cell.metadata["nbgrader"])
        cell.metadata = meta
        grade_id = meta.get("nbgrader", {}).get("grade_id")
        cell.id = grade_id if grade_id and grade_id not in seen else f"cell-{index:03d}"
        seen.add(cell.id)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    _add_hosting(nb, assignment)
    nbformat.validate(nb)
    return nb


def solution_functions(*names: str) -> dict:
    """The graded functions of the solutions of `names`, defined in one fresh namespace."""
    ns: dict = {}
    for name in names:
        for cell in cells.of_kind(source_notebook(name), cells.SOLUTION):
            exec(compile(cell.source, f"<{name}:{cells.grade_id(cell)}>", "exec"), ns)
    return ns


SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def learner_source(source: str) -> str:
    """A source solution cell as a learner would write it: the marker lines removed."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def solved_notebook(assignment: str, source_dir: Path = SOURCE) -> nbformat.NotebookNode:
    """The released student notebook with every solution cell filled in as a learner
    would write it (answers from the built source, marker lines removed)."""
    source = nbformat.read(str(source_dir / assignment / f"{assignment}.ipynb"), as_version=4)
    answered = cells.of_kind(source, cells.SOLUTION, cells.WRITTEN)
    answers = {cells.grade_id(c): c.source for c in answered}
    nb = nbformat.read(str(NOTEBOOKS / assignment / f"{assignment}.ipynb"), as_version=4)
    for cell in cells.of_kind(nb, cells.SOLUTION, cells.WRITTEN):
        if cells.grade_id(cell) in answers:
            cell.source = learner_source(answers[cells.grade_id(cell)])
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def build_sources(names: list[str], source_dir: Path = SOURCE) -> None:
    """Write the nbgrader source notebooks (answers and hidden tests intact)."""
    for name in names:
        target = source_dir / name
        if target.exists():
            shutil.rmtree(target)
        write_notebook(source_notebook(name), target / f"{name}.ipynb")


def _normalise_release(path: Path) -> None:
    """Strip what generate_assignment leaves that is not for learners or varies."""
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata = dict(NB_METADATA)
    write_notebook(nb, path)


def generate_args(name: str, source_dir: Path, release_dir: Path, db_url: str, level: str = "ERROR") -> list[str]:
    """nbgrader's `generate_assignment` of `name`, from `source_dir` into `release_dir`,
    registered in `db_url`, with the course configuration (the one way it is called)."""
    return [
        "generate_assignment",
        name,
        "--force",
        f"--NbGrader.config_file={CONFIG}",
        f"--CourseDirectory.source_directory={source_dir}",
        f"--CourseDirectory.release_directory={release_dir}",
        f"--CourseDirectory.db_url={db_url}",
        f"--log-level={level}",
    ]


def release(names: list[str] | None = None, out_dir: Path = NOTEBOOKS, source_dir: Path = SOURCE) -> list[Path]:
    """Rebuild the student notebooks (notebooks/ by default) from solutions/."""
    names = names or assignments()
    build_sources(names, source_dir)
    db = source_dir.parent / "release-gradebook.db"
    written = []
    for name in names:
        out = out_dir / name
        if out.exists():
            shutil.rmtree(out)
        subprocess.run(
            [sys.executable, "-m", "nbgrader", *generate_args(name, source_dir, out_dir, f"sqlite:///{db}")],
            cwd=ROOT,
            env=tool_env(),
            check=True,
        )
        student = out / f"{name}.ipynb"
        _normalise_release(student)
        written.append(student)
    return written
