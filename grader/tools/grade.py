"""`python -m grader grade SUBMISSIONS --output OUT`: autograde a class, in parallel.

Plan: build the nbgrader source notebooks into a private temporary folder, make the
released notebook of each assignment once (`generate_assignment`, kept in
OUT/.templates for re-runs), then grade every (student, assignment) pair as an
independent job (grader/tools/onejob.py: plain values in, a record and the graded
notebook out). Jobs run on a thread pool (the work happens in subprocesses), or with
--cluster as tasks of a Dask cluster (grader/tools/cluster.py); this process alone reads
SUBMISSIONS and writes OUT. Each job's result is a JobRecord (grader/core/records.py) kept as
OUT/.jobs/<assignment>/<student>.json, so a re-run skips what is graded and unchanged;
the CSV files are merged from those records.

Each submission runs ONCE, in a sandbox (grader/core/sandbox.py), as the learner wrote
it: setup, solution cells, the learner's own cells, locked cells as released, never a
test cell. The test cells, hidden ones included, run only in the judge
(grader/core/judge.py), a process that never runs learner code and calls the learner's
functions over a wire of plain values. ITS VERDICT IS THE SCORE OF EVERY AUTOGRADED
CELL. The graded notebook in nbgrader's layout is assembled from that run's outputs and
the verdicts (grader/core/graded.py); the course gradebook gets the scores through
nbgrader's API (grader/tools/coursebook.py). nbgrader's own `autograde` never runs.

Statuses: graded; flagged (graded, but the notebook needed repairs, came with extra
files, uses the interpreter's machinery, broke the protocol or ran without a sandbox:
see `flags`); failed (missing or unreadable notebook, a student id nbgrader cannot
take, or judging did not finish: see `reason`). Every lost point has a reason
(grades.csv, column `reason`).

SUBMISSIONS is only ever read. Outputs:
  OUT/grades.csv      student_id,assignment,grade_id,score,max_score,reason
  OUT/summary.csv     student_id,assignment,score,max_score,status,flags,reason,pending
                      (score: the autograded points so far; pending: written answers
                      that wait for a human, blank in grades.csv until graded)
  OUT/autograded/<student>/<assignment>/   the graded notebook, with nbgrader's files beside it
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import logitlab
import nbformat
from tqdm import tqdm

from ..core import cells, sandbox, submissions
from ..core.records import JobRecord
from ..core.submissions import Submission
from . import coursebook, gradebook, scores
from .build import build_sources
from .course import CONFIG, ROOT, assignments
from .gradebook import DEFAULT_TIMEOUT
from .onejob import WRITTEN_REASON, Job, Outcome, failed, grade_job, grader_error, private_folder  # noqa: F401  (WRITTEN_REASON, for readers)
from .scores import GRADES_COLUMNS, SUMMARY_COLUMNS  # noqa: F401  (the CSV files' columns, for readers)


class UsageError(Exception):
    """A mistake in the command line, reported as one line."""


@dataclass(frozen=True)
class Options:
    submissions: Path
    output: Path
    jobs: int
    student: str | None = None
    assignment: str | None = None
    force: bool = False
    timeout: float = DEFAULT_TIMEOUT
    gradebook: str | None = None  # the course gradebook's URL: None, nothing is published
    gradebook_given: bool = False  # named on the command line: it must exist
    cluster: str | None = None  # a Dask scheduler's address, or local:N: jobs run there


def graded_cells(nb: nbformat.NotebookNode) -> list[tuple[str, float]]:
    """[(grade_id, points)] of the cells that carry points, in notebook order."""
    return [(g.grade_id, g.points) for g in cells.graded(nb)]


def _record_path(out: Path, sub: Submission) -> Path:
    return out / ".jobs" / sub.assignment / f"{sub.student}.json"


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"<missing>"


@cache
def code_digest() -> str:
    """Everything besides the notebooks that decides a score: the grader's own code and
    the nbgrader config, and logitlab (the checks and the helpers of the hidden tests)."""
    files = [p for p in sorted((ROOT / "grader").rglob("*.py")) if "bugzoo" not in p.parts]
    files += sorted(p for p in Path(logitlab.__file__).parent.rglob("*") if "__pycache__" not in p.parts)
    files += [CONFIG, ROOT / "nbgrader_config.py"]
    return _digest(*(str(p).encode() + b"\0" + _read(p) for p in files if not p.is_dir()))


def _fingerprint(sub: Submission, source_nb: Path) -> str:
    """Changes whenever anything that decides the score changes: the submission and its
    timestamp, the assignment (release and hidden tests), the checks, the grader, the
    config."""
    return _digest(_read(sub.notebook), _read(sub.timestamp_file), source_nb.read_bytes(), code_digest().encode())


class Grader:
    """One `grade` command: private work folder, templates, jobs, merged CSVs."""

    def __init__(self, opts: Options, work: Path):
        self.opts, self.work = opts, work
        self.records: list[JobRecord] = []  # of every submission found, after the run
        self.sources: dict[str, nbformat.NotebookNode] = {}  # answers and hidden tests
        self.source_texts: dict[str, str] = {}  # the same, as each job gets them
        self.stop = threading.Event()  # set on Ctrl-C: running jobs kill their nbgrader

    # --- planning -----------------------------------------------------------------
    def discover(self) -> tuple[list[Submission], list[Submission]]:
        """(every submission found, those selected by --student / --assignment)."""
        opts, known = self.opts, assignments()
        if not opts.submissions.is_dir():
            raise UsageError(f"submissions folder not found: {opts.submissions}")
        subs_root, out = opts.submissions.resolve(), opts.output.resolve()
        if out == subs_root or subs_root in out.parents:
            raise UsageError(
                f"the output folder {opts.output} is inside the submissions "
                f"folder {opts.submissions}, which is never written to"
            )
        if out.exists() and not out.is_dir():
            raise UsageError(f"output is not a folder: {opts.output}")
        if opts.assignment is not None and opts.assignment not in known:
            raise UsageError(f"unknown assignment '{opts.assignment}' (known: {', '.join(known)})")
        found, unknown = submissions.find(opts.submissions, known)
        if not found:
            raise UsageError(
                f"no submissions in {opts.submissions}: expected <student_id>/<assignment_id>/<assignment_id>.ipynb"
            )
        if opts.student is not None and opts.student not in {s.student for s in found}:
            raise UsageError(f"no submissions from student '{opts.student}' in {opts.submissions}")
        chosen = [s for s in found if opts.student in (None, s.student) and opts.assignment in (None, s.assignment)]
        if not chosen:
            raise UsageError(f"no submissions from student '{opts.student}' for assignment '{opts.assignment}'")
        for folder in unknown:
            print(f"warning: skipping {folder}: not an assignment of this course", file=sys.stderr)
        return found, chosen

    def prepare_sources(self, names: set[str]) -> dict[str, Path]:
        """Build the source notebooks (answers, hidden tests) once; {assignment: path}."""
        for name in sorted(names):
            try:
                build_sources([name], self.work / "source")
            except Exception as exc:
                first = (str(exc).strip().splitlines() or [""])[0]
                raise UsageError(f"the source of {name} does not build: {type(exc).__name__}: {first}") from None
            self.source_texts[name] = self.source_nb(name).read_text(encoding="utf-8")
            self.sources[name] = nbformat.reads(self.source_texts[name], as_version=4)
        return {name: self.source_nb(name) for name in names}

    def source_nb(self, name: str) -> Path:
        return self.work / "source" / name / f"{name}.ipynb"

    def template(self, name: str) -> gradebook.Template:
        """The assignment's gradebook template, kept in OUT/.templates and reused by
        later runs for as long as the source notebook and the grading code are unchanged."""
        folder = self.opts.output / ".templates" / name
        stamp = folder / "fingerprint"
        wanted = _digest(self.source_nb(name).read_bytes(), code_digest().encode())
        template = gradebook.Template.at(name, self.work / "source", folder)
        if stamp.is_file() and stamp.read_text() == wanted and template.ready():
            return template
        shutil.rmtree(folder, ignore_errors=True)
        template = gradebook.make_template(name, self.work / "source", folder)
        stamp.write_text(wanted)
        return template

    # --- one job ------------------------------------------------------------------
    def job(self, sub: Submission, release: str | None, fingerprint: str) -> Job:
        """What grading `sub` needs, read here: the grader reads the submissions alone."""
        return Job(
            sub.student,
            sub.assignment,
            fingerprint,
            timestamp=sub.timestamp(),
            notebook=submissions.read_notebook(sub.notebook),
            notebook_name=sub.notebook.name,
            extra_files=tuple(sub.extra_files()),
            source=self.source_texts[sub.assignment],
            release=release,
            timeout=self.opts.timeout,
        )

    def grade_one(self, sub: Submission, template: Future | None, fingerprint: str) -> JobRecord:
        """Grade `sub` on this machine (a thread of the pool; the work is in subprocesses)."""
        try:
            job = self.job(
                sub, template.result().release.read_text(encoding="utf-8") if template else None, fingerprint
            )
        except Exception as exc:  # a fault of the grader must not stop the class
            return self.failed(sub, fingerprint, grader_error(exc))
        return self.keep(sub, grade_job(job, self.work / "jobs", self.stop))

    def keep(self, sub: Submission, outcome: Outcome) -> JobRecord:
        """Write a job's outcome: the graded notebook in nbgrader's autograded/ layout, with
        nbgrader's files beside it, then the record (last: a re-run skips what it finds)."""
        folder = self.opts.output / "autograded" / sub.student / sub.assignment
        shutil.rmtree(folder, ignore_errors=True)
        if outcome.notebook is not None:
            folder.mkdir(parents=True, exist_ok=True)
            scores.write_atomic(folder / f"{sub.assignment}.ipynb", outcome.notebook)
            for name in submissions.NBGRADER_FILES:  # beside the graded notebook, as nbgrader keeps them
                text = submissions.read_regular(sub.folder / name)
                if text is not None:
                    scores.write_atomic(folder / name, text)
        outcome.record.save(_record_path(self.opts.output, sub))
        return outcome.record

    def failed(self, sub: Submission, fingerprint: str, reason: str) -> JobRecord:
        """The record of a job that could not run (no template, or a cluster gave up on it)."""
        record = JobRecord(sub.student, sub.assignment, fingerprint, timestamp=sub.timestamp())
        return self.keep(sub, Outcome(failed(record, cells.graded(self.sources[sub.assignment]), reason)))

    # --- the whole run ------------------------------------------------------------
    def run(self) -> dict[str, int]:
        opts = self.opts
        found, chosen = self.discover()
        opts.output.mkdir(parents=True, exist_ok=True)
        paths = self.prepare_sources({s.assignment for s in chosen})
        todo, skipped = [], 0
        for sub in chosen:
            fingerprint = _fingerprint(sub, paths[sub.assignment])
            old = JobRecord.load(_record_path(opts.output, sub))
            if not opts.force and old and old.status != "failed" and old.fingerprint == fingerprint:
                skipped += 1
            else:
                todo.append((sub, fingerprint))
        counts = {"graded": 0, "flagged": 0, "failed": 0, "skipped": skipped}
        if todo and not sandbox.mode().sandboxed:
            print(sandbox.warning(), file=sys.stderr)
        try:
            self._run_jobs(todo, counts)
        finally:  # also after Ctrl-C: what is graded is kept, and a re-run resumes
            self.write_csvs(found)
        return counts

    def _run_jobs(self, todo: list[tuple[Submission, str]], counts: dict[str, int]) -> None:
        if self.opts.cluster is not None:
            from . import cluster  # Dask is needed only there

            return cluster.run_jobs(self, todo, counts)
        with ThreadPoolExecutor(max_workers=self.opts.jobs) as pool:
            # Templates are queued first, so no job ever waits on one that has not started.
            templates = {
                name: pool.submit(self.template, name)
                for name in sorted({s.assignment for s, _ in todo})
                if cells.graded(self.sources[name])
            }
            futures = [pool.submit(self.grade_one, sub, templates.get(sub.assignment), fp) for sub, fp in todo]
            try:
                self._progress(futures, counts)
            except KeyboardInterrupt:
                self.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def _progress(self, futures: list[Future], counts: dict[str, int]) -> None:
        with self.progress(len(futures)) as tick:
            for future in as_completed(futures):
                tick(future.result(), counts)

    @staticmethod
    @contextmanager
    def progress(total: int) -> Iterator[Callable[[JobRecord, dict[str, int]], None]]:
        """The progress bar, and the function that counts each finished job on it."""
        with tqdm(total=total, desc="grading", unit="nb", file=sys.stderr, dynamic_ncols=True) as bar:

            def tick(record: JobRecord, counts: dict[str, int]) -> None:
                counts[record.status] += 1
                if record.status == "failed":
                    bar.write(f"{record.student_id}/{record.assignment}: failed ({record.reason})", file=sys.stderr)
                bar.set_postfix(failed=counts["failed"], refresh=False)
                bar.update()

            yield tick

    def write_csvs(self, found: list[Submission]) -> None:
        """Merge the stored results of every submission found into the two CSV files."""
        self.records = [r for r in (JobRecord.load(_record_path(self.opts.output, s)) for s in found) if r]
        scores.write_csvs(self.opts.output, self.records)


def grade(opts: Options) -> tuple[dict[str, int], list[JobRecord]]:
    """Grade the submissions: counts of graded, flagged, failed and skipped, and the
    records of every submission found."""
    opts = replace(opts, submissions=opts.submissions.resolve(), output=opts.output.resolve())
    # All runs work under one private parent (the judges' inputs and logs).
    with tempfile.TemporaryDirectory(prefix="run-", dir=private_folder()) as tmp:
        grader = Grader(opts, Path(tmp))
        return grader.run(), grader.records


def main(opts: Options) -> int:
    counts, records = grade(opts)
    print(
        f"{counts['graded']} graded, {counts['flagged']} flagged, {counts['failed']} failed, "
        f"{counts['skipped']} skipped (already graded): "
        f"{opts.output / 'grades.csv'}, {opts.output / 'summary.csv'}"
    )
    return publish(opts, records)


def publish(opts: Options, records: list[JobRecord]) -> int:
    """Put the scores where formgrader and `nbgrader export` read them (the course
    gradebook); without one on this machine, say so and keep the CSV files."""
    if opts.gradebook is None:
        return 0
    db = coursebook.sqlite_file(opts.gradebook)
    if not opts.gradebook_given and db is not None and not db.is_file():
        print(
            f"note: no course gradebook at {db} (run `make release` to make one): the scores are in the CSV files only",
            file=sys.stderr,
        )
        return 0
    try:
        report = coursebook.publish(opts.gradebook, records, out=opts.output)
        scores.refresh(opts.output, opts.gradebook)  # the CSV files now say what the gradebook says
    except coursebook.CoursebookError as exc:
        print(f"python -m grader grade: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(f"--jobs must be a whole number of at least 1, not '{text}'")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise UsageError(f"--timeout must be a number of seconds above 0, not '{text}'")
    return value


def default_jobs() -> int:
    return os.cpu_count() or 1
