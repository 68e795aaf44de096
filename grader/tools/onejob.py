"""Grade one submission from what is in memory: the unit of work of `grade`.

`Job` holds plain values only (texts, bytes, numbers), so the same job runs on a thread
of this machine or on a Dask worker elsewhere (grader/tools/cluster.py) that has no
access to the submissions, the output folder or the gradebook. `grade_job` returns an
`Outcome`: the record and the graded notebook's text; the caller alone writes them.

The submission runs ONCE, in a sandbox, and the judge's verdict is the score of every
autograded cell (grader/core/judging.py); written answers wait for a human.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..core import cells, judging, sandbox, submissions
from ..core import graded as graded_nb
from ..core.judge import Judgement
from ..core.records import CellResult, JobRecord
from ..core.submissions import SubmissionError

WRITTEN_REASON = "written answer: graded by hand in formgrader"


@dataclass(frozen=True)
class Job:
    """Everything that decides one submission's grade, as plain values."""

    student: str
    assignment: str
    fingerprint: str
    timestamp: str | None
    notebook: bytes | None  # the submitted notebook; None when missing (or a link)
    notebook_name: str
    extra_files: tuple[str, ...]  # files beside the notebook (flagged, never used)
    source: str  # the source notebook's JSON: answers and hidden tests (judge side only)
    release: str | None  # the released notebook's JSON; None when nothing is graded
    timeout: float


@dataclass
class Outcome:
    record: JobRecord
    notebook: str | None = None  # the graded notebook's JSON (nbgrader's autograded/ layout)


def private_folder() -> Path:
    """The user's private parent of every grading run's work folders (judges' inputs, logs)."""
    parent = Path(tempfile.gettempdir()) / f"logitlab-grading-{os.getuid()}"
    parent.mkdir(mode=0o700, exist_ok=True)
    return parent


def unjudged(g: cells.Graded, why: str) -> CellResult:
    return CellResult(g.grade_id, 0.0, g.points, manual=g.written, reason=WRITTEN_REASON if g.written else why)


def grader_error(exc: Exception) -> str:
    return f"grader error: {type(exc).__name__}: {exc}"


def failed(record: JobRecord, graded: list[cells.Graded], reason: str) -> JobRecord:
    """`record`, failed for `reason`: no cell has been judged."""
    record.status, record.reason = "failed", reason
    record.cells = [unjudged(g, reason) for g in graded]
    return record


def grade_job(job: Job, work: Path, stop: threading.Event | None = None) -> Outcome:
    """Grade `job`, with its judge's files in a folder under the private `work`. Never raises: a
    fault of the submission or of the grader is a failed record with its reason."""
    start = time.monotonic()
    source = nbformat.reads(job.source, as_version=4)
    graded = cells.graded(source)
    record = JobRecord(
        job.student,
        job.assignment,
        job.fingerprint,
        timestamp=job.timestamp,
        cells=[unjudged(g, "not graded") for g in graded],
    )
    outcome = Outcome(record)
    try:
        problem = submissions.student_id_problem(job.student)
        if problem:
            raise SubmissionError(f"student folder {job.student!r} not graded: {problem}")
        nb, duplicated_ids = submissions.loads(job.notebook, job.notebook_name)
        if job.extra_files:
            record.flags.append("files beside the notebook (not used): " + ", ".join(job.extra_files))
        if graded:
            release = nbformat.reads(job.release, as_version=4)
            fixed = submissions.repair(nb, release, duplicated_ids)
            record.flags += fixed.flags + judging.suspicious(fixed.notebook, release)
            outcome.notebook = _judge(record, graded, fixed.notebook, source, release, work, job.timeout, stop)
        if record.status != "failed":
            record.status = "flagged" if record.flags else "graded"
    except SubmissionError as exc:
        failed(record, graded, str(exc))
    except Exception as exc:  # a fault of the grader must not stop the class
        failed(record, graded, grader_error(exc))
        outcome.notebook = None
    record.seconds = round(time.monotonic() - start, 2)
    return outcome


def _judge(
    record: JobRecord,
    graded: list[cells.Graded],
    nb: nbformat.NotebookNode,
    source: nbformat.NotebookNode,
    release: nbformat.NotebookNode,
    work: Path,
    timeout: float,
    stop: threading.Event | None,
) -> str:
    """Run the notebook once in its sandbox and judge it; the graded notebook's JSON,
    assembled from that run and the verdicts."""
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="job-", dir=work) as folder:
        judged = judging.judge(nb, source, release, Path(folder) / "judge", timeout, stop)
    record.flags += judged.flags
    record.flags += [f"the cell {label} {note}" for label, note in judged.notes.items() if "stopped" in note]
    if not sandbox.mode().sandboxed:
        record.flags.append(sandbox.UNSANDBOXED)
    _combine(record, graded, judged)
    verdicts = {c.grade_id: (c.score == c.max_score, c.reason) for c in record.cells}
    return nbformat.writes(graded_nb.assemble(nb, release, judged, verdicts))


def _combine(record: JobRecord, graded: list[cells.Graded], judged: Judgement) -> None:
    """The judge's verdict is each autograded cell's score; written answers wait for a human."""
    record.cells = []
    for g in graded:
        if g.written:
            record.cells.append(unjudged(g, WRITTEN_REASON))
            continue
        passed, why = judged.cells.get(g.grade_id, (False, judged.error or "not judged"))
        record.cells.append(CellResult(g.grade_id, g.points if passed else 0.0, g.points, reason=why))
    if judged.error:
        record.status, record.reason = "failed", judged.error
