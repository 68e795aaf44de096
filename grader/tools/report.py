"""`python -m grader report OUT`: what the class got wrong, for the instructor.

It reads what `grade` kept in OUT (the job records, OUT/.jobs/<assignment>/<student>.json)
and writes OUT/report/: index.html, a static page that opens from disk and in JupyterLab
(its figures inside it), and CSV files of the same numbers. For each assignment:
the score distribution, the share of the class passing each test cell, public check and
hidden case, the misconceptions ranked by how many students they cost points, the
submissions that were flagged, failed or late (after the due date in the course
gradebook), and the written answers still to grade.

Only aggregates are shown; students appear only in the list of flagged, failed and late
submissions, under stable pseudonyms unless `names` is set. Misconceptions and hidden
case labels are shown with their values replaced (grader.tools.reasons), and example
lines of learner code without comments or string contents, so no hidden input,
expected value or name reaches the page. Test code is never read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from ..core.records import JobRecord
from . import reasons

FOLDER = "report"
SALT = ".report-salt"  # in OUT, beside the report (never in it): what makes pseudonyms stable
EXAMPLES = 3  # example lines of code per misconception


class ReportError(Exception):
    """OUT cannot be reported on; the message says why, in one line."""


@dataclass
class Misconception:
    text: str  # the mistake, its values replaced
    kind: str  # reasons.CHECKS, HIDDEN or OTHER
    students: set[str] = field(default_factory=set)
    exercises: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)  # anonymised lines of learner code


@dataclass
class Tally:
    """How many of the counted submissions passed one test cell, check or hidden case."""

    exercise: str
    kind: str  # "cell", reasons.CHECKS or reasons.HIDDEN
    label: str
    passed: int = 0
    total: int = 0


@dataclass
class Attention:
    """A submission to look at: flagged, failed or late, and why."""

    student: str  # a pseudonym unless names were asked for
    status: str
    why: str


@dataclass
class Assignment:
    name: str
    scores: list[float] = field(default_factory=list)  # autograded points of each counted submission
    max_score: float = 0.0
    failed: int = 0  # not counted in the figures: see attention
    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=dict)
    misconceptions: dict[tuple[str, str], Misconception] = field(default_factory=dict)
    attention: list[Attention] = field(default_factory=list)
    pending: Counter = field(default_factory=Counter)  # written answer -> submissions waiting
    # per counted submission, grade_id -> (its hidden cases ran, the hidden labels it failed)
    outcomes: list[dict[str, tuple[bool, set[str]]]] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return len(self.scores)

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0

    @property
    def full_marks(self) -> float:
        """The share of counted submissions at full autograded marks."""
        return sum(s >= self.max_score for s in self.scores) / self.counted if self.counted else 0.0

    def ranked(self) -> list[Misconception]:
        """Most students first; on a tie, public checks before whole cells and hidden cases."""
        order = {reasons.CHECKS: 0, reasons.OTHER: 1, reasons.HIDDEN: 2}
        return sorted(self.misconceptions.values(), key=lambda m: (-len(m.students), order[m.kind], m.text))


@dataclass
class Report:
    assignments: list[Assignment]
    students: int  # distinct students with a record


def load(out: Path) -> list[JobRecord]:
    """The records of a grading run, or a ReportError naming what is missing."""
    if not out.is_dir():
        what = "not a folder" if out.exists() else "no such folder"
        raise ReportError(f"{what}: {out} (give the --output folder of a `grade` run)")
    found = [r for r in (JobRecord.load(p) for p in sorted((out / ".jobs").glob("*/*.json"))) if r]
    if not found:
        raise ReportError(f"{out} holds no grading results (run `python -m grader grade ... --output {out}` first)")
    return found


@cache
def _exercises() -> tuple[str, ...]:
    import logitlab.checks

    return tuple(logitlab.checks.exercises())


@cache
def _titles(exercise: str, edge: bool) -> tuple[str, ...]:
    from logitlab.checks._core import cases

    return tuple(c.title for c in cases(exercise) if c.edge == edge) if exercise in _exercises() else ()


def exercise_of(grade_id: str) -> str:
    """The exercise a test cell grades: test_<exercise> or test_<exercise>_..., the longest
    known name winning; else the grade id itself."""
    mine = [e for e in _exercises() if grade_id == f"test_{e}" or grade_id.startswith(f"test_{e}_")]
    return max(mine, key=len, default=grade_id)


class Pseudonyms:
    """Stable pseudonyms: a keyed hash of the student id, with a key kept in OUT (so the
    same student has the same pseudonym in every report of that OUT, and a list of
    student ids cannot be hashed to find who is who)."""

    def __init__(self, out: Path, names: bool):
        self.names = names
        self.key = b"" if names else self._key(out / SALT)

    @staticmethod
    def _key(path: Path) -> bytes:
        if not path.is_file():
            path.write_text(secrets.token_hex(16))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    def __call__(self, student: str) -> str:
        if self.names:
            return student
        return "student-" + hmac.new(self.key, student.encode(), hashlib.sha256).hexdigest()[:8]


def _scrub(text: str, student: str, shown: str) -> str:
    """`text` with the student's id replaced by how the report shows them."""
    return re.sub(re.escape(student), shown, text, flags=re.IGNORECASE) if student else text


def anonymised_code(line: str, student: str) -> str:
    """A learner's line of code without its comment and string contents, and never their id."""
    code = re.sub(r"(['\"])(?:(?!\1).)*\1", r"\1…\1", line)  # string contents
    code = code.split("#", 1)[0].strip()
    return _scrub(code, student, "…")[:100]


class _Notebooks:
    """Solution cells of the graded notebooks, read only when a reason names a line without
    quoting it."""

    def __init__(self, out: Path):
        self.out = out

    @cache  # noqa: B019 (one instance per report)
    def cell(self, student: str, assignment: str, grade_id: str) -> list[str]:
        path = self.out / "autograded" / student / assignment / f"{assignment}.ipynb"
        try:
            nb = json.loads(path.read_text())
        except (OSError, ValueError):
            return []
        for c in nb.get("cells", []):
            meta = c.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == grade_id and meta.get("solution"):
                source = c.get("source", "")
                return ("".join(source) if isinstance(source, list) else source).splitlines()
        return []


def due_dates(db_url: str | None) -> dict[str, datetime]:
    """{assignment: due date (UTC)} as the course gradebook has them (formgrader's Manage
    Assignments); none without a gradebook."""
    from .scores import opened

    with opened(db_url) as gb:
        return {a.name: a.duedate for a in gb.assignments if a.duedate is not None} if gb is not None else {}


def lateness(record: JobRecord, due: datetime | None) -> str | None:
    """How late a submission came, in words, or None if on time (or nothing to compare)."""
    from nbgrader.utils import parse_utc

    if due is None or not record.timestamp:
        return None
    try:
        when = parse_utc(record.timestamp)
    except (ValueError, OverflowError, TypeError):
        return None
    if when <= due:
        return None
    hours = (when - due).total_seconds() / 3600
    return f"submitted {hours:.0f} h after the due date" if hours >= 1 else "submitted less than 1 h after the due date"


def build(out: Path, names: bool = False, due: dict[str, datetime] | None = None) -> Report:
    records = load(out)
    due = due or {}
    pseudonym = Pseudonyms(out, names)
    notebooks = _Notebooks(out)
    by_name: dict[str, Assignment] = {}
    for record in records:
        a = by_name.setdefault(record.assignment, Assignment(record.assignment))
        _add(a, record, pseudonym, notebooks, lateness(record, due.get(record.assignment)))
    for a in by_name.values():
        _hidden_tallies(a)
    from .course import assignments

    order = {name: i for i, name in enumerate(assignments())}
    ordered = sorted(by_name.values(), key=lambda a: (order.get(a.name, len(order)), a.name))
    return Report(ordered, len({r.student_id for r in records}))


def _add(a: Assignment, record: JobRecord, pseudonym: Pseudonyms, notebooks: _Notebooks, late: str | None) -> None:
    shown = pseudonym(record.student_id)
    for c in record.cells:
        if c.manual:
            a.pending[c.grade_id] += 1
    statuses = [s for s in (record.status, late and "late") if s and s != "graded"]
    if statuses:
        why = ([record.reason] if record.status == "failed" else record.flags) + ([late] if late else [])
        a.attention.append(Attention(shown, ", ".join(statuses), _scrub("; ".join(why), record.student_id, shown)))
    if record.status == "failed":  # nothing of it was judged: not counted
        a.failed += 1
        return
    auto = [c for c in record.cells if not c.manual]
    outcome: dict[str, tuple[bool, set[str]]] = {}  # see Assignment.outcomes
    a.max_score = max(a.max_score, sum(c.max_score for c in auto))
    a.scores.append(sum(c.score for c in auto))
    for c in auto:
        exercise = exercise_of(c.grade_id)
        passed = c.score >= c.max_score
        _tally(a, exercise, "cell", c.grade_id, passed)
        titles = _titles(exercise, c.grade_id.endswith("_edge"))
        failures = [] if passed else reasons.parse(c.reason, titles)
        failed_titles = {f.label for f in failures if f.kind == reasons.CHECKS}
        failed_titles |= {t for f in failures for t in f.folded}
        whole = any(f.kind == reasons.OTHER for f in failures)  # no check of the cell is known to pass
        for title in titles:
            _tally(a, exercise, reasons.CHECKS, title, passed or (not whole and title not in failed_titles))
        hidden = {reasons.mistake(f.label) for f in failures if f.kind == reasons.HIDDEN and f.label}
        outcome[c.grade_id] = (passed or all(f.kind == reasons.HIDDEN for f in failures), hidden)
        for f in failures:
            _count(a, exercise, f, record, notebooks)
    a.outcomes.append(outcome)


def _tally(a: Assignment, exercise: str, kind: str, label: str, passed: bool) -> None:
    t = a.tallies.setdefault((exercise, kind, label), Tally(exercise, kind, label))
    t.total += 1
    t.passed += passed


def _hidden_tallies(a: Assignment) -> None:
    """Hidden case labels are known only from failures. A counted submission passed one
    where its cell (the one the label was seen failing in) passed, or failed on hidden
    cases without listing it; where that cell failed for another reason, the hidden
    cases did not run, which counts as not passed."""
    cell_of = {}
    for outcome in a.outcomes:
        for grade_id, (_, labels) in outcome.items():
            for label in labels:
                cell_of.setdefault((exercise_of(grade_id), label), grade_id)
    for (exercise, label), grade_id in sorted(cell_of.items()):
        t = a.tallies.setdefault((exercise, reasons.HIDDEN, label), Tally(exercise, reasons.HIDDEN, label))
        for outcome in a.outcomes:
            if grade_id in outcome:
                reached, labels = outcome[grade_id]
                t.total += 1
                t.passed += reached and label not in labels


def _count(a: Assignment, exercise: str, f: reasons.Failure, record: JobRecord, notebooks: _Notebooks) -> None:
    # A hidden case counts by its kind of failure; its label shows in the tallies.
    message = _scrub(f.message, record.student_id, "…")  # a learner's own exception may name them
    text = reasons.mistake(f"hidden cases: {message}" if f.kind == reasons.HIDDEN else message)
    m = a.misconceptions.setdefault((f.kind, text), Misconception(text, f.kind))
    m.students.add(record.student_id)
    m.exercises.add(exercise)
    where = reasons.locate(f.message)
    code = where.code
    if code is None and where.line is not None:
        lines = notebooks.cell(record.student_id, record.assignment, exercise)
        code = lines[where.line - 1] if 0 < where.line <= len(lines) else None
    if code and len(m.examples) < EXAMPLES:
        shown = anonymised_code(code, record.student_id)
        if shown and shown not in m.examples:
            m.examples.append(shown)


def write_report(out: Path, names: bool = False, gradebook: str | None = None) -> Path:
    """Build the report of the grading run in OUT and write it to OUT/report/; its index.html.
    Late submissions are those after the due dates of `gradebook` (a database URL)."""
    from .report_page import write

    return write(build(out, names, due_dates(gradebook)), out / FOLDER, names)
