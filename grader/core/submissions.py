"""Learners' submissions: finding them, and repairing a private copy before grading.

The layout is nbgrader's: `<student_id>/<assignment_id>/<assignment_id>.ipynb`. Only
the notebook is ever used; files beside it (a `numpy.py` that would shadow numpy,
a `.pth` or compiled module) are never copied anywhere, only reported.
"""

from __future__ import annotations

import json
import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import cells

# What `nbgrader collect` puts beside each notebook: expected, never flagged.
NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}
CELL_ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# The nbgrader flags a learner could change; the released notebook holds the truth.
NBGRADER_KEYS = ("grade", "solution", "locked", "points")


class SubmissionError(Exception):
    """A submission that cannot be graded at all (missing or unreadable notebook)."""


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    folder: Path

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.assignment}.ipynb"

    @property
    def timestamp_file(self) -> Path:
        return self.folder / "timestamp.txt"

    def timestamp(self) -> str | None:
        """When the student submitted, as `nbgrader collect` recorded it."""
        try:
            return self.timestamp_file.read_text(encoding="utf-8").strip()[:64] or None
        except (OSError, UnicodeDecodeError):
            return None

    def extra_files(self) -> list[str]:
        """Everything beside the notebook but nbgrader's own files (never copied; hidden
        names skipped)."""
        return sorted(
            str(p.relative_to(self.folder))
            for p in self.folder.rglob("*")
            if p.is_file()
            and p != self.notebook
            and p.name not in NBGRADER_FILES
            and not any(part.startswith(".") for part in p.relative_to(self.folder).parts)
        )


# What nbgrader's gradebook, its exchange and formgrader's URLs all take as a student id.
STUDENT_ID = re.compile(r"^[A-Za-z0-9_@+][A-Za-z0-9_.@+-]{0,99}$")
SKIPPED_FOLDERS = {".ipynb_checkpoints", "__pycache__", ".git"}  # tools' folders, not students


def student_id_problem(name: str) -> str | None:
    """Why nbgrader cannot take `name` as a student id, or None if it can."""
    if STUDENT_ID.match(name):
        return None
    if name.startswith("."):
        return "it starts with a dot (a hidden folder): rename the folder to the student's id"
    if name.startswith("-"):
        return "it starts with a dash, which nbgrader's commands would read as an option"
    return "nbgrader takes only letters, digits and _ . @ + - (not first), at most 100 characters"


def _dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and p.name not in SKIPPED_FOLDERS)


def find(root: Path, known: list[str]) -> tuple[list[Submission], list[Path]]:
    """(submissions of known assignments, folders that look like unknown assignments).
    Student folders are all listed, dot-named or not: `student_id_problem` tells those
    that cannot be graded, and the grader reports them."""
    found, unknown = [], []
    for student_dir in _dirs(root):
        for folder in _dirs(student_dir):
            if folder.name in known:
                found.append(Submission(student_dir.name, folder.name, folder))
            elif not folder.name.startswith("."):
                unknown.append(folder)
    return found, unknown


def read_regular(path: Path) -> str | None:
    """The text of `path` if it is a regular file (never a symlink's target), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read(1_000_000).decode("utf-8", errors="replace")


@dataclass
class Repair:
    """A submission's notebook made safe for nbgrader, with what had to be changed."""

    notebook: nbformat.NotebookNode
    flags: list[str] = field(default_factory=list)

    def flag(self, what: str, ids: list[str]) -> None:
        if ids:
            self.flags.append(f"{what}: {', '.join(sorted(set(ids)))}")


def load(path: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """(the submitted notebook, cell ids it held twice), or SubmissionError saying why
    it cannot be read. nbformat renames duplicated ids on reading; they are reported."""
    return loads(read_notebook(path), path.name)


def read_notebook(path: Path) -> bytes | None:
    """The submitted notebook's bytes; None when it is missing or a link (not taken)."""
    if not path.is_file() or path.is_symlink():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def loads(data: bytes | None, name: str) -> tuple[nbformat.NotebookNode, list[str]]:
    """`load` of a notebook's bytes (None: missing), as read by `read_notebook`."""
    if data is None:
        raise SubmissionError(f"notebook missing: no {name} in the submission folder (a link is not taken)")
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
        if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int) or raw["nbformat"] < 3:
            raise ValueError("not a Jupyter notebook of format 3 or 4")
        with warnings.catch_warnings():  # nbformat warns about what it repairs
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # invalid JSON, wrong format, bad encoding...
        message = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise SubmissionError(f"invalid notebook: {type(exc).__name__}: {message}") from None
    found = nb.get("cells")
    if not isinstance(found, list) or not all(
        isinstance(c, dict) and isinstance(c.get("metadata", {}), dict) for c in found
    ):
        raise SubmissionError("invalid notebook: malformed list of cells")
    # Format 3 notebooks (worksheets, no cell ids) are upgraded on reading above.
    ids = [c.get("id") for c in raw.get("cells", []) if isinstance(c, dict) and isinstance(c.get("id"), str)]
    return nb, sorted({i for i in ids if ids.count(i) > 1})


def repair(nb: nbformat.NotebookNode, release: nbformat.NotebookNode, duplicated_ids: list[str] = ()) -> Repair:
    """Make `nb` gradable against the released notebook, flagging every change.

    nbgrader fails a whole notebook on duplicated grade ids (its own DeduplicateIds
    leaves an empty metadata dict that OverwriteCells then trips over), on duplicated
    cell ids, and on a test cell whose flags were flipped (its checksum no longer
    matches). Here the last copy of a duplicated cell keeps its grade id (the one that
    runs last, as in the learner's kernel), flags are restored from the release, and
    cell ids are made unique. Locked sources and deleted test cells are left to
    nbgrader (OverwriteCells restores both) but flagged.
    """
    expected = {cells.grade_id(c): c for c in release.cells if cells.grade_id(c)}
    fixed = Repair(nb)
    seen: set[str] = set()
    dupes, unknown, changed, edited = [], [], [], []
    for cell in reversed(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id not in expected or grade_id in seen:
            (dupes if grade_id in seen else unknown).append(str(grade_id))
            del cell.metadata["nbgrader"]
            continue
        seen.add(grade_id)
        truth = expected[grade_id].metadata["nbgrader"]
        if any(meta.get(k) != truth.get(k) for k in NBGRADER_KEYS):
            changed.append(grade_id)
            cell.metadata["nbgrader"] = dict(truth)
        if truth.get("locked") and cell.get("source") != expected[grade_id].source:
            edited.append(grade_id)
    fixed.flag("duplicated cell ids", list(duplicated_ids) + _unique_cell_ids(nb))
    fixed.flag("duplicated cells", dupes)
    fixed.flag("unknown nbgrader cells", unknown)
    fixed.flag("changed nbgrader metadata", changed)
    fixed.flag("edited locked cells", edited)
    fixed.flag("missing cells", [g for g in expected if g not in seen])
    return fixed


def _unique_cell_ids(nb: nbformat.NotebookNode) -> list[str]:
    """Give every cell a valid id no other cell has; the ids that were duplicated.

    Copy-paste duplicates ids; older notebooks have none (given one silently).
    """
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    seen: set[str] = set()
    duplicated = []
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not CELL_ID_RE.match(cell_id) or cell_id in seen:
            if cell_id in seen:
                duplicated.append(cell_id)
            cell_id = next(f"cell-{index}-{n}" for n in range(len(nb.cells) + 1) if f"cell-{index}-{n}" not in seen)
            cell["id"] = cell_id
        seen.add(cell_id)
    return duplicated
