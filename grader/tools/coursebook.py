"""The course gradebook, the one formgrader and `nbgrader export` read.

`publish(db_url, records)` puts the cell scores of a grading run (grader.core.records) into
it, so that after `python -m grader grade` the class shows in formgrader and in
`nbgrader export`. What it guarantees:

- It holds a lock (`<gradebook>.lock`) for the whole write and first copies the
  gradebook to `gradebook-backups/` beside it (the 20 newest are kept).
- It checks everything before it writes anything: an assignment the course gradebook
  does not have, or has with other graded cells, is an error that says how to
  register it (`make release`, or `python -m grader register NAME`). Assignments are
  never registered behind the instructor's back: the gradebook's cells must be the
  ones that were released.
- A student found in the submissions but not in the gradebook is added (and reported).
- Autograded scores are set; what an instructor entered in formgrader (a manual grade,
  a score override, extra credit, a comment) is never overwritten. An override whose
  autograded score changed underneath it is marked for review again, as nbgrader does.
- A written answer (a cell left for manual grading) stays "needs manual grade" until
  an instructor grades it: the submission shows as incomplete, not as a low score.
  One left exactly as released ("YOUR ANSWER HERE") scores 0 by itself, as nbgrader's
  own autograde does (`publish(..., out=OUT)` reads the graded notebook to tell).
- The submission's timestamp (nbgrader's timestamp.txt) is kept, and the late
  penalty is computed by the LateSubmissionPlugin the course configuration names,
  against the due date set in formgrader: nbgrader's own policy.
- Why points were lost shows in formgrader: each test cell's reason becomes the
  automatic comment of the solution cell it tests (formgrader shows it in the comment
  box of that cell); the grader's flags are added to the first solution cell's comment
  and mark the submission as flagged.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..core.records import JobRecord
from ..core.submissions import student_id_problem
from .course import CONFIG, ROOT, SOURCE, tool_env

BACKUPS_KEPT = 20
LOCK_TIMEOUT = 30.0  # seconds to wait for another run or program holding the gradebook
# The automatic comment is shown to students in feedback; the flags after this line are
# for the instructor only, and the feedback page leaves them out.
FLAGS_HEADING = "Grader flags (for the instructor):"


class CoursebookError(Exception):
    """Something the instructor must fix, said in one line."""


@dataclass
class Published:
    """What `publish` did."""

    gradebook: str
    backup: Path | None
    submissions: int = 0
    added_students: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # student/assignment/cell with an instructor's grade
    review: list[str] = field(default_factory=list)  # overrides whose autograded score changed
    late: list[str] = field(default_factory=list)  # student/assignment submitted after the due date

    def lines(self) -> list[str]:
        out = [
            f"{self.submissions} submissions in the course gradebook {self.gradebook}"
            + (f" (backup: {self.backup})" if self.backup else "")
        ]
        if self.added_students:
            out.append(
                f"added to the gradebook (they were not on its list of students): {', '.join(self.added_students)}"
            )
        if self.kept:
            out.append(f"kept the grades an instructor entered: {', '.join(self.kept)}")
        if self.review:
            out.append(f"to review (the autograded score changed under a manual grade): {', '.join(self.review)}")
        if self.late:
            out.append(f"late (nbgrader's late-submission policy applied): {', '.join(self.late)}")
        return out


# --- the course configuration ---------------------------------------------------------
def course_config(path: Path = CONFIG):
    """The nbgrader configuration of the course (a traitlets Config)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def course_db_url(config=None) -> str:
    """The course gradebook's URL (CourseDirectory.db_url of the course configuration)."""
    config = config if config is not None else course_config()
    url = config.CourseDirectory.get("db_url")
    if not url:
        raise CoursebookError(f"{CONFIG} sets no CourseDirectory.db_url")
    return url


def sqlite_file(db_url: str) -> Path | None:
    """The file of an sqlite gradebook, or None for another kind of database."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(db_url)
    except Exception:
        raise CoursebookError(f"not a database URL: '{db_url}' (expected sqlite:////path/to/gradebook.db)") from None
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


# --- lock and backup ------------------------------------------------------------------
@contextlib.contextmanager
def locked(db: Path | None, timeout: float = LOCK_TIMEOUT):
    """Hold `<db>.lock` (an advisory lock every `python -m grader` run takes)."""
    if db is None:  # a database server does its own locking
        yield
        return
    lock = db.with_name(db.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise CoursebookError(f"cannot lock the course gradebook ({lock}): {exc.strerror}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                    raise CoursebookError(
                        f"the course gradebook {db} is locked by another grading run "
                        f"(process {holder}, lock file {lock}); wait for it to finish and "
                        "run the command again"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def backup(db: Path | None, keep: int = BACKUPS_KEPT, timeout: float = LOCK_TIMEOUT) -> Path | None:
    """Copy the gradebook (consistently, even while formgrader has it open) into
    `gradebook-backups/` beside it; keep the `keep` newest copies."""
    if db is None:
        return None
    folder = db.parent / "gradebook-backups"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{db.stem}-{stamp}{db.suffix}"
    deadline = time.monotonic() + timeout

    def waiting(status, remaining, total):  # sqlite3 retries a busy database forever
        if time.monotonic() > deadline:
            raise CoursebookError(
                f"the course gradebook {db} is locked by another program "
                "(formgrader saving a grade?): run the command again"
            )

    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=timeout)
    try:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            source.backup(copy, pages=256, progress=waiting)
    except (sqlite3.Error, CoursebookError) as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, CoursebookError):
            raise
        raise CoursebookError(f"cannot back up the course gradebook {db}: {exc}") from None
    finally:
        source.close()
    for old in sorted(folder.glob(f"{db.stem}-*{db.suffix}"))[:-keep]:
        old.unlink()
    return target


@contextlib.contextmanager
def _gradebook(db_url: str, course_id: str):
    """The nbgrader Gradebook, with database errors said in one line."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import OperationalError, SAWarning, SQLAlchemyError

    try:
        with Gradebook(db_url, course_id) as gb, warnings.catch_warnings():
            # nbgrader's add_submission makes SQLAlchemy warn about its own autoflush
            warnings.simplefilter("ignore", SAWarning)
            yield gb
    except OperationalError as exc:
        if "locked" in str(exc):
            raise CoursebookError(
                f"the course gradebook {db_url} is locked by another program "
                "(formgrader saving a grade?): run the command again"
            ) from None
        raise CoursebookError(f"cannot use the course gradebook {db_url}: {exc.orig}") from None
    except SQLAlchemyError as exc:
        raise CoursebookError(
            f"{db_url} is not an nbgrader gradebook: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        ) from None


# --- publishing -----------------------------------------------------------------------
def publish(
    db_url: str, records: list[JobRecord], *, config=None, lock_timeout: float = LOCK_TIMEOUT, out: Path | None = None
) -> Published:
    """Put every record's cell scores into the course gradebook at `db_url`. With `out`
    (the grading run's OUT), a written answer left as released scores 0 by itself."""
    config = config if config is not None else course_config()
    db = sqlite_file(db_url)
    if db is not None and not db.is_file():
        raise CoursebookError(
            f"the course gradebook {db} does not exist: create it and register "
            "the assignments with `make release` (or pass --gradebook)"
        )
    # A notebook with nothing graded (00_welcome) has nothing to publish, and a folder
    # whose name nbgrader cannot take as a student id has no student to publish to.
    records = sorted(
        (r for r in records if (r.cells or r.status == "failed") and student_id_problem(r.student_id) is None),
        key=lambda r: (r.assignment, r.student_id),
    )
    with locked(db, lock_timeout):
        report = Published(db_url, backup(db, timeout=lock_timeout))
        course_id = config.CourseDirectory.get("course_id") or "default_course"
        with _gradebook(db_url, course_id) as gb:
            _check_assignments(gb, records)
            for record in records:
                _publish_one(gb, record, report)
                zero_untouched(gb, record, out)
            gb.db.commit()
            report.late = late_penalties(gb, [(r.student_id, r.assignment) for r in records], config)
            gb.db.commit()
        report.submissions = len(records)
    return report


def _check_assignments(gb, records: list[JobRecord]) -> None:
    """Every assignment is registered with exactly the graded cells of the records."""
    from nbgrader.api import MissingEntry

    for name in sorted({r.assignment for r in records}):
        hint = f"register it with `make release` or `python -m grader register {name}`"
        try:
            notebook = gb.find_notebook(name, name)
        except MissingEntry:
            raise CoursebookError(f"the course gradebook has no assignment '{name}': {hint}") from None
        registered = {c.name for c in notebook.grade_cells}
        for record in (r for r in records if r.assignment == name and r.cells):
            graded = {c.grade_id for c in record.cells}
            if graded != registered:
                diff = "; ".join(
                    part
                    for part in (
                        _names("not in the gradebook", graded - registered),
                        _names("not graded", registered - graded),
                    )
                    if part
                )
                raise CoursebookError(
                    f"the course gradebook's '{name}' is not the assignment that was graded ({diff}): {hint} again"
                )


def _names(what: str, names: set[str]) -> str:
    return f"{what}: {', '.join(sorted(names))}" if names else ""


def _publish_one(gb, record: JobRecord, report: Published) -> None:
    from nbgrader.api import MissingEntry

    sid, name = record.student_id, record.assignment
    try:
        gb.find_student(sid)
    except MissingEntry:
        gb.add_student(sid)
        report.added_students.append(sid)
    kwargs = {"timestamp": record.timestamp.strip()} if record.timestamp else {}
    gb.update_or_create_submission(name, sid, **kwargs)
    notebook = gb.find_submission_notebook(name, name, sid)
    grades = {g.name: g for g in notebook.grades}
    results = {c.grade_id: c for c in record.cells}
    for gid, grade in grades.items():
        cell = results.get(gid)
        if cell is None:  # a failed record without cells: nothing earned
            grade.auto_score = 0.0
            grade.needs_manual_grade = grade.needs_manual_grade and grade.manual_score is not None
            continue
        where = f"{sid}/{name}/{gid}"
        if grade.manual_score is not None or grade.extra_credit is not None:
            report.kept.append(where)
        if cell.manual:  # a written answer: graded by hand or not at all
            grade.auto_score = None
            grade.needs_manual_grade = grade.manual_score is None
            continue
        changed = grade.auto_score is not None and grade.auto_score != cell.score
        grade.auto_score = float(cell.score)
        if grade.manual_score is None:
            grade.needs_manual_grade = False
        elif changed:
            grade.needs_manual_grade = True
            report.review.append(where)
    _comment(notebook, record)
    if record.status == "flagged":
        notebook.flagged = True  # set, never cleared: the flag may be an instructor's


def zero_untouched(gb, record: JobRecord, out: Path | None) -> None:
    """A written answer left as released, and not graded by hand, scores 0 by itself."""
    for gid in untouched_answers(gb, record, out):
        grade = gb.find_grade(gid, record.assignment, record.assignment, record.student_id)
        if grade.manual_score is None:
            grade.auto_score, grade.needs_manual_grade = 0.0, False


def untouched_answers(gb, record: JobRecord, out: Path | None) -> set[str]:
    """The written answers of the graded notebook in OUT that are exactly as released
    ("YOUR ANSWER HERE"), checked against the gradebook's checksum of the released cell,
    as nbgrader's own autograde does; nothing without OUT or a graded notebook."""
    import nbformat
    from nbgrader.api import MissingEntry
    from nbgrader.utils import compute_checksum

    aid = record.assignment
    graded = out / "autograded" / record.student_id / aid / f"{aid}.ipynb" if out else None
    if graded is None or not graded.is_file():
        return set()
    found = set()
    for cell in nbformat.read(str(graded), as_version=4).cells:
        meta = cell.metadata.get("nbgrader") or {}
        if cell.cell_type != "markdown" or not (meta.get("solution") and meta.get("grade")):
            continue
        try:
            released = gb.find_source_cell(meta.get("grade_id"), aid, aid)
        except MissingEntry:
            continue
        if compute_checksum(cell) == released.checksum:
            found.add(meta["grade_id"])
    return found


def _comment(notebook, record: JobRecord) -> None:
    """Each reason as the automatic comment of the solution cell it concerns; the
    flags (and why a failed submission was not graded) on the first solution cell."""
    comments = {c.name: c for c in notebook.comments}
    written = {c.name for c in notebook.notebook.grade_cells if c.cell_type == "markdown"}
    code = sorted(set(comments) - written)
    notes: dict[str, list[str]] = {name: [] for name in comments}
    first = None
    for cell in record.cells:
        target = _solution_for(cell.grade_id, comments, code)
        first = first or (target if target in code else None)
        if cell.reason and target:
            label = "" if target == cell.grade_id else f"{cell.grade_id}: "
            notes[target].append(f"{label}{cell.reason}")
    first = first or (code[0] if code else next(iter(sorted(comments)), None))
    if first is not None:
        if record.status == "failed" and record.reason:
            notes[first].insert(0, f"Not graded automatically: {record.reason}")
        if record.flags:
            notes[first].append(FLAGS_HEADING + "\n" + "\n".join(f"- {f}" for f in record.flags))
    for name, comment in comments.items():
        comment.auto_comment = "\n\n".join(notes[name]) or None  # manual_comment is never touched


def _solution_for(grade_id: str, comments: dict, code: list[str]) -> str | None:
    """The solution cell a graded cell is about: itself (a written answer), or the
    function `fn` of the course's test cells `test_fn` and `test_fn_edge`."""
    if grade_id in comments:
        return grade_id
    base = grade_id.removeprefix("test_")
    for suffix in ("_edge", "_core"):
        base = base.removesuffix(suffix)
    if base in comments:
        return base
    prefixed = [name for name in code if base.startswith(name)]
    return max(prefixed, key=len) if prefixed else (code[0] if code else None)


def late_penalties(gb, submissions: list[tuple[str, str]], config) -> list[str]:
    """nbgrader's late-submission policy for each (student, assignment), with the plugin
    the course configuration names (what nbgrader's AssignLatePenalties does after
    autograding), from the current score and the due date with any extension; which
    were late, in words."""
    from nbgrader.preprocessors import AssignLatePenalties

    policy = AssignLatePenalties(config=config)
    policy.init_plugin()
    late = []
    for student, assignment in submissions:
        submission = gb.find_submission(assignment, student)
        seconds = submission.total_seconds_late
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = None
            if seconds > 0:
                penalty = policy.plugin_inst.late_submission_penalty(student, notebook.score, seconds)
                if penalty is not None:
                    notebook.late_submission_penalty = policy._check_late_penalty(notebook, penalty)
        if seconds > 0:
            late.append(f"{student}/{assignment} ({_duration(seconds)} late)")
    return late


def _duration(seconds: float) -> str:
    minutes, hours = seconds / 60, seconds / 3600
    return f"{hours:.1f} h" if hours >= 1 else f"{minutes:.0f} min" if minutes >= 1 else f"{seconds:.0f} s"


# --- registering assignments ----------------------------------------------------------
def register(names: list[str], db_url: str | None = None, source_dir: Path = SOURCE) -> Published:
    """Register assignments in the course gradebook (`nbgrader generate_assignment` into
    it, from the sources `make release` built), creating the gradebook if needed, so
    that plain `nbgrader autograde` and `publish` find them. notebooks/ is not touched."""
    from .build import build_sources, generate_args

    config = course_config()
    db_url = db_url or course_db_url(config)
    db = sqlite_file(db_url)
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
    build_sources(names, source_dir)
    with locked(db), tempfile.TemporaryDirectory(prefix="logitlab-register-") as tmp:
        report = Published(db_url, backup(db) if db is not None and db.is_file() else None)
        for name in names:
            run = subprocess.run(
                [sys.executable, "-m", "nbgrader", *generate_args(name, source_dir, Path(tmp), db_url)],
                cwd=ROOT,
                env=tool_env(),
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                lines = [line.strip() for line in (run.stdout + run.stderr).splitlines() if line.strip()]
                errors = [line for line in lines if "Error" in line or "ERROR" in line]
                raise CoursebookError(
                    f"cannot register {name} in {db_url}: {(errors or lines or ['no message'])[-1][:200]}"
                )
    return report
