"""One truth for scores: the course gradebook, once a submission is in it.

`python -m grader scores OUT` (also run by `publish`, `feedback` and `release-feedback`)
rewrites OUT/grades.csv and OUT/summary.csv from the course gradebook, so they show what
`nbgrader export` shows: manual grades, score overrides, extra credit and the late
penalty included, and `pending` lists only the written answers no one has graded yet.
A submission not (yet) in the gradebook keeps the grading run's scores. Before that,
a written answer left as released scores 0 (as in plain nbgrader), and the late penalty
of every submission is worked out again with the course's policy from its current
score: a manual grade entered after grading changes a penalty that is a share of the
score. The feedback pages read their scores here too.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..core.records import JobRecord

GRADES_COLUMNS = ["student_id", "assignment", "grade_id", "score", "max_score", "reason"]
SUMMARY_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "flags", "reason", "pending"]


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    reason: str = ""
    pending: bool = False  # a written answer no instructor has graded yet


@dataclass
class Scores:
    """One submission's scores, from the course gradebook or else from the record."""

    cells: list[CellScore]
    comments: dict[str, str]
    late_penalty: float = 0.0
    from_gradebook: bool = False

    @property
    def total(self) -> float:
        """What `nbgrader export` calls the score: the raw score less the late penalty."""
        return max(0.0, sum(c.score for c in self.cells) - self.late_penalty)

    @property
    def max_total(self) -> float:
        return sum(c.max_score for c in self.cells)

    @property
    def pending(self) -> list[str]:
        return [c.grade_id for c in self.cells if c.pending]


def student_comment(text: str | None) -> str:
    """A cell's comment without the grader's flags for the instructor."""
    from .coursebook import FLAGS_HEADING

    return (text or "").split(FLAGS_HEADING)[0].strip()


def scores(record: JobRecord, gb=None) -> Scores:
    """The submission's scores as the gradebook `gb` has them, else as graded."""
    reasons = {c.grade_id: c.reason for c in record.cells}
    nb = _submitted_notebook(gb, record) if gb is not None else None
    if nb is None:
        cells = [
            CellScore(c.grade_id, float(c.score), float(c.max_score), c.reason, pending=c.manual) for c in record.cells
        ]
        return Scores(cells, {})
    order = [c.grade_id for c in record.cells]
    grades = sorted(nb.grades, key=lambda g: order.index(g.name) if g.name in order else len(order))
    # A grade an instructor entered speaks for itself (with their comment).
    cells = [
        CellScore(
            g.name,
            float(g.score),
            float(g.max_score),
            "" if g.manual_score is not None else reasons.get(g.name, ""),
            pending=g.needs_manual_grade and g.manual_score is None and g.auto_score is None,
        )
        for g in grades
    ]
    comments = {c.name: student_comment(c.comment) for c in nb.comments}
    return Scores(cells, comments, float(nb.late_submission_penalty or 0.0), True)


def _submitted_notebook(gb, record: JobRecord):
    from nbgrader.api import MissingEntry

    try:
        return gb.find_submission_notebook(record.assignment, record.assignment, record.student_id)
    except MissingEntry:
        return None


def records(out: Path) -> list[JobRecord]:
    """The grading records kept in OUT (grader.core.records), sorted by student and assignment."""
    found = [JobRecord.load(p) for p in sorted((out / ".jobs").glob("*/*.json"))]
    return sorted((r for r in found if r), key=lambda r: (r.student_id, r.assignment))


def existing(db_url: str | None) -> str | None:
    """`db_url` if that gradebook exists (a database server is taken to), else None."""
    from .coursebook import sqlite_file

    db = sqlite_file(db_url) if db_url else None
    return None if not db_url or (db is not None and not db.is_file()) else db_url


@contextlib.contextmanager
def opened(db_url: str | None):
    """The course gradebook if it exists, else None (then the grading run's scores count)."""
    from .coursebook import _gradebook, course_config

    if existing(db_url) is None:
        yield None
        return
    with _gradebook(db_url, course_config().CourseDirectory.get("course_id") or "default_course") as gb:
        yield gb


# --- the CSV files --------------------------------------------------------------------
def _num(x: float) -> str:
    return f"{float(x):g}"


def _csv_text(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def write_csvs(out: Path, found: list[JobRecord], gb=None) -> None:
    """OUT/grades.csv and OUT/summary.csv of the records `found`, with the gradebook's scores."""
    grades, summary = [GRADES_COLUMNS], [SUMMARY_COLUMNS]
    for r in sorted(found, key=lambda r: (r.student_id, r.assignment)):
        got = scores(r, gb)
        # A written answer waiting for a human has no score yet (blank), not a score of 0.
        grades += [
            [r.student_id, r.assignment, c.grade_id, "" if c.pending else _num(c.score), _num(c.max_score), c.reason]
            for c in got.cells
        ]
        row = [r.student_id, r.assignment, _num(got.total), _num(got.max_total), r.status, "; ".join(r.flags)]
        summary.append(row + [r.reason, " ".join(got.pending)])
    for name, rows in (("grades.csv", grades), ("summary.csv", summary)):
        write_atomic(out / name, _csv_text(rows))


def refresh(out: Path, db_url: str | None) -> list[JobRecord]:
    """Score written answers left as released 0, work out the late penalties again, and
    rewrite OUT's CSV files from the course gradebook; the records of OUT, for the caller."""
    from .coursebook import course_config, late_penalties, locked, sqlite_file, zero_untouched

    found, db_url = records(out), existing(db_url)
    with locked(sqlite_file(db_url) if db_url else None), opened(db_url) as gb:
        if gb is not None:
            published = [r for r in found if _submitted_notebook(gb, r)]
            for record in published:
                zero_untouched(gb, record, out)
            gb.db.commit()
            late_penalties(gb, [(r.student_id, r.assignment) for r in published], course_config())
            gb.db.commit()
        write_csvs(out, found, gb)
    return found
