"""The class list and deadlines, in nbgrader's course gradebook.

`python -m grader students add ID [--first-name ..] [--last-name ..] [--email ..]`,
`students list` and `students import CSV` (columns id, first_name, last_name, email;
`student_id` for id works too) write the gradebook's students, what formgrader's Manage
Students and `nbgrader export` show. On the local hub (`make hub`) a student in the
gradebook may log in, and gets a Unix account at the first login.

`python -m grader extend STUDENT ASSIGNMENT --days N` sets nbgrader's per-student
extension (0 removes it): the due date that nbgrader's late policy, `nbgrader export`
and the feedback pages use for that student is the assignment's plus N days.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path

from .coursebook import CoursebookError, _gradebook, backup, course_config, late_penalties, locked, sqlite_file

STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")  # a folder name in the exchange and in submitted/


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""

    def check(self) -> Student:
        if not STUDENT_ID.match(self.id):
            raise CoursebookError(
                f"'{self.id}' is not a student id: use letters, digits and . _ - @ (it names folders)"
            )
        if self.email and "@" not in self.email:
            raise CoursebookError(f"'{self.email}' ({self.id}) is not an email address")
        return self


def _course(db_url: str):
    """(the gradebook's file, the course id); an error if the gradebook does not exist."""
    db = sqlite_file(db_url)
    if db is not None and not db.is_file():
        raise CoursebookError(f"the course gradebook {db} does not exist: create it with `make release`")
    return db, course_config().CourseDirectory.get("course_id") or "default_course"


def add(db_url: str, students: list[Student]) -> tuple[list[str], list[str]]:
    """Add or update students (names and email as given; empty keeps what is there):
    (added ids, updated ids)."""
    students = [s.check() for s in students]
    db, course_id = _course(db_url)
    added, updated = [], []
    with locked(db):
        backup(db)
        with _gradebook(db_url, course_id) as gb:
            known = {s.id: s for s in gb.students}
            for s in students:
                old = known.get(s.id)
                details = {f.name: getattr(s, f.name) for f in fields(Student)[1:] if getattr(s, f.name)}
                gb.update_or_create_student(s.id, **details)
                (updated if old else added).append(s.id)
    return added, updated


def listing(db_url: str) -> list[Student]:
    db, course_id = _course(db_url)
    with _gradebook(db_url, course_id) as gb:
        found = [Student(s.id, s.first_name or "", s.last_name or "", s.email or "") for s in gb.students]
    return sorted(found, key=lambda s: s.id)


def read_csv(path: Path) -> list[Student]:
    """Students from a CSV file with a header (id or student_id; first_name, last_name, email)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise CoursebookError(f"cannot read {path}: {exc.strerror}") from None
    if not rows:
        raise CoursebookError(f"{path} has no students (expected a header: id,first_name,last_name,email)")
    columns = {c.strip().lower(): c for c in rows[0]}
    key = columns.get("id") or columns.get("student_id")
    if key is None:
        raise CoursebookError(f"{path} has no column id (or student_id): its columns are {', '.join(rows[0])}")
    out = []
    for number, row in enumerate(rows, start=2):
        if not (row.get(key) or "").strip():
            raise CoursebookError(f"{path}, line {number}: no student id")
        values = {f.name: (row.get(columns.get(f.name, ""), "") or "").strip() for f in fields(Student)[1:]}
        out.append(Student(row[key].strip(), **values))
    return out


def extend(db_url: str, student: str, assignment: str, days: float) -> str:
    """Set the student's extension on the assignment to `days` (0 removes it); the late
    penalty of a submission already graded is worked out again. Says what was done."""
    from nbgrader.api import MissingEntry

    if not (days >= 0 and math.isfinite(days)):
        raise CoursebookError(f"--days must be 0 or more, not {days:g}")
    db, course_id = _course(db_url)
    with locked(db):
        backup(db)
        with _gradebook(db_url, course_id) as gb:
            try:
                gb.find_student(student)
            except MissingEntry:
                raise CoursebookError(
                    f"no student '{student}' in the course gradebook: add them with `python -m grader students add`"
                ) from None
            try:
                due = gb.find_assignment(assignment).duedate
            except MissingEntry:
                raise CoursebookError(
                    f"the course gradebook has no assignment '{assignment}': register it with `make release`"
                ) from None
            # nbgrader keeps extensions on the submission: before one, an empty one holds it.
            gb.update_or_create_submission(assignment, student)
            gb.grant_extension(assignment, student, days=days)
            if gb.find_submission(assignment, student).timestamp is not None:
                late_penalties(gb, [(student, assignment)], course_config())
                gb.db.commit()
    if not days:
        return f"{student}/{assignment}: no extension"
    when = f"due {(due + timedelta(days=days)):%Y-%m-%d %H:%M} UTC" if due else "no due date set yet"
    return f"{student}/{assignment}: extended by {days:g} days ({when})"
