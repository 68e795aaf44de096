"""`python -m grader grade SUBMISSIONS --output OUT`: autograde a class, in parallel.

Plan: build the nbgrader source notebooks into a private temporary folder, make one
template gradebook per assignment (`generate_assignment`, kept in OUT/.templates for
re-runs), then grade every (student, assignment) pair as an independent job: its own
folder, its own copy of the gradebook and of the repaired notebook, its own
`nbgrader autograde` process with a wall-clock limit. Jobs run on a thread pool (the
work happens in the subprocesses). Each job's result is kept as
OUT/.jobs/<assignment>/<student>.json, so a re-run skips what is already graded and
unchanged; the CSV files are merged from those records.

Beside nbgrader, every submission is re-checked outside the kernel
(grader.cleanroom); each cell scores the lower of the two results.

Statuses: graded; flagged (graded, but the notebook needed repairs, came with extra
files, or the two gradings disagree: see `flags`); failed (missing, unreadable,
crashed or timed out: see `reason`; every cell scores 0).

SUBMISSIONS is only ever read. Outputs:
  OUT/grades.csv      student_id,assignment,grade_id,score,max_score (every graded cell)
  OUT/summary.csv     student_id,assignment,score,max_score,status,flags,reason
  OUT/autograded/<student>/<assignment>/   the graded notebook, or the log of a failure
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from . import cleanroom, gradebook, submissions
from .build import build_sources
from .course import CONFIG, ROOT, assignments
from .gradebook import DEFAULT_TIMEOUT
from .submissions import Submission, SubmissionError

GRADES_COLUMNS = ["student_id", "assignment", "grade_id", "score", "max_score"]
SUMMARY_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "flags", "reason"]


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


def graded_cells(nb: nbformat.NotebookNode) -> list[tuple[str, float]]:
    """[(grade_id, points)] of the autograded cells, in notebook order."""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cells.append((meta["grade_id"], float(meta.get("points", 0))))
    return cells


def _record_path(out: Path, sub: Submission) -> Path:
    return out / ".jobs" / sub.assignment / f"{sub.student}.json"


def _read_record(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _fingerprint(sub: Submission, source_nb: Path) -> str:
    """Changes whenever the submission, the assignment or the grading config changes."""
    try:
        submitted = sub.notebook.read_bytes()
    except OSError:
        submitted = b"<missing>"
    return _digest(submitted, source_nb.read_bytes(), CONFIG.read_bytes())


class Grader:
    """One `grade` command: private work folder, templates, jobs, merged CSVs."""

    def __init__(self, opts: Options, work: Path):
        self.opts, self.work = opts, work
        self.cells: dict[str, list[tuple[str, float]]] = {}
        self.stop = threading.Event()  # set on Ctrl-C: running jobs kill their nbgrader

    # --- planning -----------------------------------------------------------------
    def discover(self) -> tuple[list[Submission], list[Submission]]:
        """(every submission found, those selected by --student / --assignment)."""
        opts, known = self.opts, assignments()
        if not opts.submissions.is_dir():
            raise UsageError(f"submissions folder not found: {opts.submissions}")
        subs_root, out = opts.submissions.resolve(), opts.output.resolve()
        if out == subs_root or subs_root in out.parents:
            raise UsageError(f"the output folder {opts.output} is inside the submissions "
                             f"folder {opts.submissions}, which is never written to")
        if out.exists() and not out.is_dir():
            raise UsageError(f"output is not a folder: {opts.output}")
        if opts.assignment is not None and opts.assignment not in known:
            raise UsageError(f"unknown assignment '{opts.assignment}' "
                             f"(known: {', '.join(known)})")
        found, unknown = submissions.find(opts.submissions, known)
        if not found:
            raise UsageError(f"no submissions in {opts.submissions}: expected "
                             "<student_id>/<assignment_id>/<assignment_id>.ipynb")
        if opts.student is not None and opts.student not in {s.student for s in found}:
            raise UsageError(f"no submissions from student '{opts.student}' in {opts.submissions}")
        chosen = [s for s in found
                  if opts.student in (None, s.student) and opts.assignment in (None, s.assignment)]
        if not chosen:
            raise UsageError(f"no submissions from student '{opts.student}' "
                             f"for assignment '{opts.assignment}'")
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
                raise UsageError(f"the source of {name} does not build: "
                                 f"{type(exc).__name__}: {first}") from None
            nb = nbformat.read(self.source_nb(name), as_version=4)
            self.cells[name] = graded_cells(nb)
        return {name: self.source_nb(name) for name in names}

    def source_nb(self, name: str) -> Path:
        return self.work / "source" / name / f"{name}.ipynb"

    def template(self, name: str) -> gradebook.Template:
        """The assignment's gradebook template, kept in OUT/.templates and reused by
        later runs for as long as the source notebook and the config are unchanged."""
        folder = self.opts.output / ".templates" / name
        stamp = folder / "fingerprint"
        wanted = _digest(self.source_nb(name).read_bytes(), CONFIG.read_bytes())
        template = gradebook.Template.at(name, self.work / "source", folder)
        if stamp.is_file() and stamp.read_text() == wanted and template.ready():
            return template
        shutil.rmtree(folder, ignore_errors=True)
        template = gradebook.make_template(name, self.work / "source", folder)
        stamp.write_text(wanted)
        return template

    def hidden(self) -> list[Path]:
        """Folders a grading kernel must not see: the repository (solutions, build,
        grader, history), every work folder (hidden tests, gradebooks, other jobs, other
        runs), the submissions and the output."""
        folders = {ROOT, self.work.parent, self.opts.submissions, self.opts.output}
        return sorted({p.resolve() for p in folders})

    # --- one job ------------------------------------------------------------------
    def grade_one(self, index: int, sub: Submission, template: Future | None,
                  fingerprint: str) -> dict:
        start = time.monotonic()
        cells = self.cells[sub.assignment]
        record = {"student_id": sub.student, "assignment": sub.assignment,
                  "fingerprint": fingerprint, "flags": [], "reason": ""}
        job = self.work / "jobs" / f"{index:05d}"
        keep = self.opts.output / "autograded" / sub.student / sub.assignment
        shutil.rmtree(keep, ignore_errors=True)
        try:
            nb, duplicated_ids = submissions.load(sub.notebook)
            if sub.extra_files():
                record["flags"].append("files beside the notebook (not used): "
                                       + ", ".join(sub.extra_files()))
            got = {}
            if cells:
                ready = template.result()
                fixed = submissions.repair(nb, nbformat.read(ready.release, as_version=4),
                                           duplicated_ids)
                record["flags"] += fixed.flags
                got = self._autograde(fixed.notebook, sub, ready, job, keep, record["flags"])
            record["cells"] = [[gid, got.get(gid, 0.0), pts] for gid, pts in cells]
            record["status"] = "flagged" if record["flags"] else "graded"
        except SubmissionError as exc:
            record.update(status="failed", reason=str(exc),
                          cells=[[gid, 0.0, pts] for gid, pts in cells])
        except Exception as exc:  # a fault of the grader must not stop the class
            record.update(status="failed", reason=f"grader error: {type(exc).__name__}: {exc}",
                          cells=[[gid, 0.0, pts] for gid, pts in cells])
        finally:
            shutil.rmtree(job, ignore_errors=True)
        record["score"] = sum(c[1] for c in record["cells"])
        record["max_score"] = sum(c[2] for c in record["cells"])
        record["seconds"] = round(time.monotonic() - start, 2)
        _write_atomic(_record_path(self.opts.output, sub), json.dumps(record, indent=1))
        return record

    def _autograde(self, nb: nbformat.NotebookNode, sub: Submission,
                   template: gradebook.Template, job: Path, keep: Path,
                   flags: list[str]) -> dict[str, float]:
        """Grade a private copy of the (repaired) notebook; {grade_id: score}."""
        target = job / "submitted" / sub.student / sub.assignment / f"{sub.assignment}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(nb, str(target))
        # The clean room needs nothing from nbgrader, so it runs beside it: one waits
        # on its kernel while the other computes.
        with ThreadPoolExecutor(max_workers=1) as beside:
            clean = beside.submit(cleanroom.recheck, target, self.source_nb(sub.assignment),
                                  timeout=self.opts.timeout, hide=self.hidden(), stop=self.stop)
            run = self._nbgrader(template, job, sub.student, flags)
        graded = job / "autograded" / sub.student / sub.assignment / f"{sub.assignment}.ipynb"
        keep.mkdir(parents=True, exist_ok=True)
        if graded.is_file():
            shutil.copyfile(graded, keep / graded.name)
        if run.error:
            (keep / "autograde.log").write_text(run.log)
            raise SubmissionError(run.error)
        got = run.scores or {}
        manual = [gid for gid, (_, needs_manual) in got.items() if needs_manual]
        if manual:
            flags.append("needs manual grading: " + ", ".join(sorted(manual)))
        kernel = {gid: score for gid, (score, _) in got.items()}
        return self._combine(kernel, clean.result(), flags)

    def _nbgrader(self, template: gradebook.Template, job: Path, student: str,
                  flags: list[str]) -> gradebook.Run:
        """nbgrader autograde, tried once more if it died without saying why."""
        for attempt in (1, 2):
            run = gradebook.autograde(template, job, student, self.opts.timeout,
                                      hide=self.hidden(), stop=self.stop)
            if not run.unexplained or attempt == 2:
                return run
            flags.append(f"graded twice, the first run ended with: {run.error}")

    @staticmethod
    def _combine(kernel: dict[str, float], check: cleanroom.Recheck,
                 flags: list[str]) -> dict[str, float]:
        """A cell earns what both the kernel and the clean room (grader.cleanroom) give
        it, so patching numpy or blanking later cells in the kernel buys nothing. Any
        disagreement, or a failed re-check, is flagged."""
        flags.extend(check.flags)
        if check.error:
            flags.append(f"clean-room re-check failed: {check.error}")
        final, differ = {}, []
        for gid, score in kernel.items():
            clean = check.scores.get(gid, (0.0, 0.0))[0]
            final[gid] = min(score, clean)
            if clean != score:
                differ.append(f"{gid} (kernel {score:g}, clean room {clean:g})")
        if differ:
            flags.append("clean-room re-check disagrees: " + ", ".join(differ))
        return final

    # --- the whole run ------------------------------------------------------------
    def run(self) -> dict[str, int]:
        opts = self.opts
        found, chosen = self.discover()
        opts.output.mkdir(parents=True, exist_ok=True)  # exists before any kernel hides it
        sources = self.prepare_sources({s.assignment for s in chosen})
        todo, skipped = [], 0
        for sub in chosen:
            fingerprint = _fingerprint(sub, sources[sub.assignment])
            old = _read_record(_record_path(opts.output, sub))
            if (not opts.force and old and old.get("status") != "failed"
                    and old.get("fingerprint") == fingerprint):
                skipped += 1
            else:
                todo.append((sub, fingerprint))
        counts = {"graded": 0, "flagged": 0, "failed": 0, "skipped": skipped}
        if todo and not gradebook.isolated():
            print("warning: grading kernels are not isolated (that needs root, allowed to make "
                  "mount namespaces): student code can read the hidden tests", file=sys.stderr)
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
                for name in sorted({s.assignment for s, _ in todo}) if self.cells[name]
            }
            futures = [pool.submit(self.grade_one, i, sub, templates.get(sub.assignment), fp)
                       for i, (sub, fp) in enumerate(todo)]
            try:
                self._progress(futures, counts)
            except KeyboardInterrupt:
                self.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    @staticmethod
    def _progress(futures: list[Future], counts: dict[str, int]) -> None:
        with tqdm(total=len(futures), desc="grading", unit="nb", file=sys.stderr,
                  dynamic_ncols=True) as bar:
            for future in as_completed(futures):
                record = future.result()
                counts[record["status"]] += 1
                if record["status"] == "failed":
                    bar.write(f"{record['student_id']}/{record['assignment']}: failed "
                              f"({record['reason']})", file=sys.stderr)
                bar.set_postfix(failed=counts["failed"], refresh=False)
                bar.update()

    def write_csvs(self, found: list[Submission]) -> None:
        """Merge the stored results of every submission found into the two CSV files."""
        records = [r for r in (_read_record(_record_path(self.opts.output, s)) for s in found) if r]
        records.sort(key=lambda r: (r["student_id"], r["assignment"]))
        grades = [GRADES_COLUMNS] + [
            [r["student_id"], r["assignment"], gid, _num(score), _num(pts)]
            for r in records for gid, score, pts in r["cells"]]
        summary = [SUMMARY_COLUMNS] + [
            [r["student_id"], r["assignment"], _num(r["score"]), _num(r["max_score"]),
             r["status"], "; ".join(r["flags"]), r["reason"]] for r in records]
        for name, rows in (("grades.csv", grades), ("summary.csv", summary)):
            _write_atomic(self.opts.output / name, _csv_text(rows))


def _num(x: float) -> str:
    return f"{float(x):g}"


def _csv_text(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def grade(opts: Options) -> dict[str, int]:
    """Grade the submissions; returns counts of graded, flagged, failed, skipped."""
    # All runs work under one private parent, which every jailed kernel sees empty.
    parent = Path(tempfile.gettempdir()) / "logitlab-grading"
    parent.mkdir(mode=0o700, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="run-", dir=parent) as tmp:
        return Grader(opts, Path(tmp)).run()


def main(opts: Options) -> int:
    counts = grade(opts)
    print(f"{counts['graded']} graded, {counts['flagged']} flagged, {counts['failed']} failed, "
          f"{counts['skipped']} skipped (already graded): "
          f"{opts.output / 'grades.csv'}, {opts.output / 'summary.csv'}")
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
