"""`python -m grader grade SUBMISSIONS --output OUT`: autograde a class, in parallel.

Plan: build the nbgrader source notebooks into a private temporary folder, make one
template gradebook per assignment (`generate_assignment`, kept in OUT/.templates for
re-runs), then grade every (student, assignment) pair as an independent job: its own
folder, its own copy of the gradebook and of the repaired notebook. Jobs run on a
thread pool (the work happens in subprocesses). Each job's result is a JobRecord
(grader/records.py) kept as OUT/.jobs/<assignment>/<student>.json, so a re-run skips
what is graded and unchanged; the CSV files are merged from those records.

Each job grades twice, side by side:
- the judge (grader/judge.py): the test cells, hidden tests included, run in a process
  that never runs learner code, against the learner's functions running in a jailed
  process of their own. ITS VERDICT IS THE SCORE OF EVERY AUTOGRADED CELL;
- nbgrader's own `autograde`, in one kernel with the learner's code, for the graded
  notebook and nbgrader's records. Its scores are kept for the record only.

Why an attack cannot win: whatever the learner's code does (patch numpy or the
checks, blank later cells, read frames, `gc` or `sys.modules`), it does it in its own
process, which holds inputs and the learner's code, never a reference, an expected
value or a comparison. So the judge's verdict depends only on the values the
learner's functions return. The kernel's score can be won by tampering, which is why
it never counts; where the two disagree, the submission is flagged for a look.

Statuses: graded; flagged (graded, but the notebook needed repairs, came with extra
files, uses the interpreter's machinery, or the kernel and judge disagree: see
`flags`); failed (missing or unreadable notebook, or judging did not finish: see
`reason`). Every lost point has a reason (grades.csv, column `reason`).

SUBMISSIONS is only ever read. Outputs:
  OUT/grades.csv      student_id,assignment,grade_id,score,max_score,reason
  OUT/summary.csv     student_id,assignment,score,max_score,status,flags,reason,pending
                      (score: the autograded points so far; pending: written answers
                      that wait for a human, blank in grades.csv until graded)
  OUT/autograded/<student>/<assignment>/   the graded notebook, and nbgrader's log if it failed
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import logitlab
import nbformat
from tqdm import tqdm

from ..core import cells, judging, submissions
from ..core.judge import Judgement
from ..core.records import CellResult, JobRecord
from ..core.submissions import Submission, SubmissionError
from . import coursebook, gradebook
from .build import build_sources
from .course import CONFIG, ROOT, assignments
from .gradebook import DEFAULT_TIMEOUT

GRADES_COLUMNS = ["student_id", "assignment", "grade_id", "score", "max_score", "reason"]
SUMMARY_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "flags", "reason", "pending"]
WRITTEN_REASON = "written answer: graded by hand in formgrader"


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
            self.sources[name] = nbformat.read(self.source_nb(name), as_version=4)
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

    def hidden(self) -> list[Path]:
        """Folders the learner's code must not see: the repository (solutions, build,
        grader, history), every work folder (hidden tests, gradebooks, other jobs, other
        runs), the submissions and the output."""
        folders = {ROOT, self.work.parent, self.opts.submissions, self.opts.output}
        return sorted({p.resolve() for p in folders})

    # --- one job ------------------------------------------------------------------
    def grade_one(self, index: int, sub: Submission, template: Future | None, fingerprint: str) -> JobRecord:
        start = time.monotonic()
        graded = cells.graded(self.sources[sub.assignment])
        record = JobRecord(
            sub.student,
            sub.assignment,
            fingerprint,
            timestamp=sub.timestamp(),
            cells=[_unjudged(g, "not graded") for g in graded],
        )
        job = self.work / "jobs" / f"{index:05d}"
        keep = self.opts.output / "autograded" / sub.student / sub.assignment
        shutil.rmtree(keep, ignore_errors=True)
        try:
            nb, duplicated_ids = submissions.load(sub.notebook)
            if sub.extra_files():
                record.flags.append("files beside the notebook (not used): " + ", ".join(sub.extra_files()))
            if graded:
                ready = template.result()
                release = nbformat.read(ready.release, as_version=4)
                fixed = submissions.repair(nb, release, duplicated_ids)
                record.flags += fixed.flags + judging.suspicious(fixed.notebook, release)
                self._grade(record, graded, fixed.notebook, release, sub, ready, job, keep)
            if record.status != "failed":
                record.status = "flagged" if record.flags else "graded"
        except SubmissionError as exc:
            record.status, record.reason = "failed", str(exc)
            record.cells = [_unjudged(g, str(exc)) for g in graded]
        except Exception as exc:  # a fault of the grader must not stop the class
            record.status, record.reason = "failed", f"grader error: {type(exc).__name__}: {exc}"
            record.cells = [_unjudged(g, record.reason) for g in graded]
        finally:
            shutil.rmtree(job, ignore_errors=True)
        record.seconds = round(time.monotonic() - start, 2)
        record.save(_record_path(self.opts.output, sub))
        return record

    def _grade(
        self,
        record: JobRecord,
        graded: list[cells.Graded],
        nb: nbformat.NotebookNode,
        release: nbformat.NotebookNode,
        sub: Submission,
        template: gradebook.Template,
        job: Path,
        keep: Path,
    ) -> None:
        """Judge the notebook and, beside it, run nbgrader on a private copy."""
        target = job / "submitted" / sub.student / sub.assignment / f"{sub.assignment}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(nb, str(target))
        if sub.timestamp_file.is_file():  # nbgrader's late-submission policy reads it
            shutil.copyfile(sub.timestamp_file, target.parent / "timestamp.txt")
        # The judge needs nothing from nbgrader, so it runs beside it: one waits on its
        # kernel while the other computes.
        with ThreadPoolExecutor(max_workers=1) as beside:
            judged = beside.submit(
                judging.judge,
                nb,
                self.sources[sub.assignment],
                release,
                job / "judge",
                self.opts.timeout,
                self.hidden(),
                self.stop,
            )
            run = self._nbgrader(template, job, sub.student, record.flags)
        graded_nb = job / "autograded" / sub.student / sub.assignment / f"{sub.assignment}.ipynb"
        keep.mkdir(parents=True, exist_ok=True)
        if graded_nb.is_file():
            shutil.copyfile(graded_nb, keep / graded_nb.name)
        for name in submissions.NBGRADER_FILES:  # beside the graded notebook, as nbgrader keeps them
            if (sub.folder / name).is_file():
                shutil.copyfile(sub.folder / name, keep / name)
        if run.error:
            (keep / "autograde.log").write_text(run.log)
            record.flags.append(f"nbgrader's own run failed ({run.error}); the judge's scores count")
        _combine(record, graded, judged.result(), run.scores or {})

    def _nbgrader(self, template: gradebook.Template, job: Path, student: str, flags: list[str]) -> gradebook.Run:
        """nbgrader autograde; tried again if its kernel never started (nothing of the
        learner's ran: no flag), and once more if it died without saying why (flagged)."""
        retried = False
        for attempt in range(3):
            run = gradebook.autograde(template, job, student, self.opts.timeout, hide=self.hidden(), stop=self.stop)
            if run.not_started and attempt < 2:
                continue
            if run.unexplained and not retried and attempt < 2:
                retried = True
                flags.append(f"graded twice, the first run ended with: {run.error}")
                continue
            return run
        return run

    # --- the whole run ------------------------------------------------------------
    def run(self) -> dict[str, int]:
        opts = self.opts
        found, chosen = self.discover()
        opts.output.mkdir(parents=True, exist_ok=True)  # exists before any kernel hides it
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
        if todo and not gradebook.isolated():
            print(NOT_ISOLATED, file=sys.stderr)
        try:
            self._run_jobs(todo, counts)
        finally:  # also after Ctrl-C: what is graded is kept, and a re-run resumes
            self.write_csvs(found)
        return counts

    def _run_jobs(self, todo: list[tuple[Submission, str]], counts: dict[str, int]) -> None:
        with ThreadPoolExecutor(max_workers=self.opts.jobs) as pool:
            # Templates are queued first, so no job ever waits on one that has not started.
            templates = {
                name: pool.submit(self.template, name)
                for name in sorted({s.assignment for s, _ in todo})
                if cells.graded(self.sources[name])
            }
            futures = [
                pool.submit(self.grade_one, i, sub, templates.get(sub.assignment), fp)
                for i, (sub, fp) in enumerate(todo)
            ]
            try:
                self._progress(futures, counts)
            except KeyboardInterrupt:
                self.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    @staticmethod
    def _progress(futures: list[Future], counts: dict[str, int]) -> None:
        with tqdm(total=len(futures), desc="grading", unit="nb", file=sys.stderr, dynamic_ncols=True) as bar:
            for future in as_completed(futures):
                record = future.result()
                counts[record.status] += 1
                if record.status == "failed":
                    bar.write(f"{record.student_id}/{record.assignment}: failed ({record.reason})", file=sys.stderr)
                bar.set_postfix(failed=counts["failed"], refresh=False)
                bar.update()

    def write_csvs(self, found: list[Submission]) -> None:
        """Merge the stored results of every submission found into the two CSV files."""
        records = [r for r in (JobRecord.load(_record_path(self.opts.output, s)) for s in found) if r]
        self.records = records
        records.sort(key=lambda r: (r.student_id, r.assignment))
        # A written answer waiting for a human has no score yet (blank), not a score of 0.
        grades = [GRADES_COLUMNS] + [
            [r.student_id, r.assignment, c.grade_id, "" if c.manual else _num(c.score), _num(c.max_score), c.reason]
            for r in records
            for c in r.cells
        ]
        summary = [SUMMARY_COLUMNS] + [
            [
                r.student_id,
                r.assignment,
                _num(r.score),
                _num(r.max_score),
                r.status,
                "; ".join(r.flags),
                r.reason,
                " ".join(r.needs_manual),
            ]
            for r in records
        ]
        for name, rows in (("grades.csv", grades), ("summary.csv", summary)):
            _write_atomic(self.opts.output / name, _csv_text(rows))


NOT_ISOLATED = (
    "warning: student code is not isolated here: jailing it needs root on Linux, "
    "allowed to make mount namespaces (as on CI and a grading server). Running as "
    f"user {os.environ.get('USER') or os.getuid()}, a submission can read the hidden "
    "tests and other students' files; the judge still scores only what the "
    "learner's functions return."
)


def _unjudged(g: cells.Graded, why: str) -> CellResult:
    return CellResult(g.grade_id, 0.0, g.points, manual=g.written, reason=WRITTEN_REASON if g.written else why)


def _combine(
    record: JobRecord, graded: list[cells.Graded], judged: Judgement, kernel: dict[str, tuple[float, bool]]
) -> None:
    """The judge's verdict is each autograded cell's score; nbgrader's in-kernel score is
    kept beside it, and any disagreement is flagged. Written answers wait for a human."""
    record.cells, differ = [], []
    for g in graded:
        in_kernel = kernel.get(g.grade_id, (None, False))[0]
        if g.written:
            record.cells.append(
                CellResult(g.grade_id, 0.0, g.points, manual=True, reason=WRITTEN_REASON, kernel=in_kernel)
            )
            continue
        passed, why = judged.cells.get(g.grade_id, (False, judged.error or "not judged"))
        score = g.points if passed else 0.0
        record.cells.append(CellResult(g.grade_id, score, g.points, reason=why, kernel=in_kernel))
        if in_kernel is not None and in_kernel != score:
            differ.append(f"{g.grade_id} (kernel {in_kernel:g}, judge {score:g})")
    if differ:
        record.flags.append("nbgrader's kernel and the judge disagree, the judge counts: " + ", ".join(differ))
    if judged.error:
        record.status, record.reason = "failed", judged.error


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _num(x: float) -> str:
    return f"{float(x):g}"


def _csv_text(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def grade(opts: Options) -> tuple[dict[str, int], list[JobRecord]]:
    """Grade the submissions: counts of graded, flagged, failed and skipped, and the
    records of every submission found."""
    # All runs work under one private parent, which every jailed kernel sees empty.
    parent = Path(tempfile.gettempdir()) / f"logitlab-grading-{os.getuid()}"  # one per user
    parent.mkdir(mode=0o700, exist_ok=True)
    opts = replace(opts, submissions=opts.submissions.resolve(), output=opts.output.resolve())
    with tempfile.TemporaryDirectory(prefix="run-", dir=parent) as tmp:
        grader = Grader(opts, Path(tmp))
        return grader.run(), grader.core.records


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
        report = coursebook.publish(opts.gradebook, records)
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
