"""Feedback pages where `nbgrader release_feedback` finds them, and releasing them.

`python -m grader feedback OUT` writes, for every graded submission kept in OUT,

    OUT/feedback/<student_id>/<assignment>/<assignment>.html
    OUT/feedback/<student_id>/<assignment>/timestamp.txt           (from the submission)
    OUT/feedback/<student_id>/<assignment>/submission_secret.txt   (from the submission)

which is nbgrader's own feedback layout. `python -m grader release-feedback OUT` also
runs `nbgrader release_feedback` on it, so students fetch their page from the
Assignments tab (or with `nbgrader fetch_feedback`).

A page shows the scores as the course gradebook has them, so the manual grades,
score overrides, comments and late penalty an instructor entered in formgrader appear;
a submission not (yet) in the gradebook shows the grading run's scores. Above the
notebook, a table gives each graded cell's score and why points were lost. The
notebook is the graded one, with nbgrader's ClearHiddenTests applied and the output
of every test cell cut to its one-line error message, so no hidden test is shown;
the grader's flags (meant for the instructor) are left out.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..core.records import JobRecord
from .course import CONFIG, ROOT, tool_env
from .coursebook import CoursebookError, course_config
from .scores import Scores, opened, records, scores, student_comment  # noqa: F401  (feedback's readers)

SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


# --- the page -------------------------------------------------------------------------
def _header(record: JobRecord, got: Scores) -> str:
    rows = []
    for c in got.cells:
        score = "not graded yet" if c.pending else f"{c.score:g} / {c.max_score:g}"
        why = "written answer: your instructor grades it by hand" if c.pending else c.reason
        rows.append(
            f"<tr><td><code>{html.escape(c.grade_id)}</code></td><td>{score}</td><td>{html.escape(why)}</td></tr>"
        )
    notes = []
    if record.status == "failed":
        notes.append(
            f"<p><b>This notebook could not be graded automatically:</b> "
            f"{html.escape(record.reason)}. Your instructor has been told.</p>"
        )
    if any(c.pending for c in got.cells):
        notes.append(
            "<p><b>Incomplete:</b> a written answer has not been graded yet; the total counts it as 0 for now.</p>"
        )
    if got.late_penalty:
        notes.append(f"<p><b>Late submission penalty:</b> -{got.late_penalty:g}</p>")
    return (
        f"<section class='logitlab-feedback' style='max-width:60em;margin:1em auto'>"
        f"<h1>{html.escape(record.assignment)}: {got.total:g} / {got.max_total:g}</h1>"
        f"<p>Student: {html.escape(record.student_id)}</p>{''.join(notes)}"
        f"<table class='table'><tr><th>graded cell</th><th>score</th><th>why points were lost</th>"
        f"</tr>{''.join(rows)}</table></section>"
    )


def _for_students(nb: nbformat.NotebookNode, got: Scores) -> nbformat.NotebookNode:
    """The graded notebook without hidden tests or test output beyond one line, with
    the scores and comments where nbgrader's feedback template shows them."""
    from nbgrader.preprocessors import ClearHiddenTests

    nb, _ = ClearHiddenTests(enforce_metadata=False).preprocess(nb, {})
    by_id = {c.grade_id: c for c in got.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not isinstance(meta, dict):
            continue
        gid = meta.get("grade_id")
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            cell.outputs = [
                nbformat.v4.new_output(
                    "error",
                    ename=o.get("ename", "Error"),
                    evalue=o.get("evalue", ""),
                    traceback=[f"{o.get('ename', 'Error')}: {o.get('evalue', '')}"],
                )
                for o in cell.outputs
                if o.output_type == "error"
            ]
        if meta.get("grade") and gid in by_id:
            meta["score"], meta["points"] = by_id[gid].score, by_id[gid].max_score
        if meta.get("solution"):
            meta["comment"] = got.comments.get(gid) or None
    return nb


def _exporter():
    """nbgrader's feedback template, configured as `nbgrader generate_feedback` does."""
    import nbgrader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    formgrader = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(formgrader / "templates")]
    c.HTMLExporter.extra_template_paths = [str(formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    return HTMLExporter(config=c)


def render(record: JobRecord, graded: Path | None, got: Scores) -> str:
    """The feedback page of one graded submission."""
    header = _header(record, got)
    if graded is None or not graded.is_file():
        return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{header}</body></html>"
    nb = _for_students(nbformat.read(str(graded), as_version=4), got)
    resources = {
        "nbgrader": {
            "notebook": record.assignment,
            "score": got.total,
            "max_score": got.max_total,
            "late_penalty": got.late_penalty,
        }
    }
    page, _ = _exporter().from_notebook_node(nb, resources=resources)
    start = page.index("<body")
    end = page.index(">", start) + 1
    return page[:end] + header + page[end:]


# --- writing and releasing ------------------------------------------------------------
def _submission_file(name: str, record: JobRecord, out: Path, submissions: Path | None) -> str | None:
    """nbgrader's timestamp.txt or submission_secret.txt of the graded submission."""
    places = [out / "autograded" / record.student_id / record.assignment]
    if submissions is not None:
        places.append(submissions / record.student_id / record.assignment)
    for folder in places:
        if (folder / name).is_file():
            return (folder / name).read_text()
    if name == "timestamp.txt" and record.timestamp:
        return record.timestamp
    return None


def write_feedback(
    out: Path,
    student: str | None = None,
    assignment: str | None = None,
    *,
    db_url: str | None = None,
    submissions: Path | None = None,
) -> list[Path]:
    """Write the feedback pages of the graded submissions in OUT (nbgrader's layout)."""
    written = []
    with opened(db_url) as gb:
        for record in records(out):
            if student not in (None, record.student_id) or assignment not in (None, record.assignment):
                continue
            sid, aid = record.student_id, record.assignment
            folder = out / "feedback" / sid / aid
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            graded = out / "autograded" / sid / aid / f"{aid}.ipynb"
            target = folder / f"{aid}.html"
            target.write_text(render(record, graded, scores(record, gb)))
            for name in SUBMISSION_FILES:
                text = _submission_file(name, record, out, submissions)
                if text is not None:
                    (folder / name).write_text(text)
            written.append(target)
    return written


def waiting(out: Path, pages: list[Path], db_url: str | None) -> dict[Path, list[str]]:
    """{page: written answers not graded yet} of the pages whose submission has some."""
    by_submission = {(r.student_id, r.assignment): r for r in records(out)}
    held = {}
    with opened(db_url) as gb:
        for page in pages:
            pending = scores(by_submission[(page.parent.parent.name, page.parent.name)], gb).pending
            if pending:
                held[page] = pending
    return held


@dataclass
class Released:
    released: list[str]  # student/assignment pages handed to the exchange
    not_released: list[str]  # pages without a submission secret (not submitted through it)


def release(out: Path, pages: list[Path]) -> Released:
    """`nbgrader release_feedback` for every assignment of `pages` (written by
    write_feedback); pages of submissions that did not come through the exchange
    (no submission_secret.txt) are left out, and listed."""
    feedback = (out / "feedback").resolve()
    done, skipped = [], []
    by_assignment: dict[str, list[Path]] = {}
    for page in pages:
        by_assignment.setdefault(page.parent.name, []).append(page)
    for aid, found in sorted(by_assignment.items()):
        every = {p.parent.parent.name for p in (feedback).glob(f"*/{aid}/{aid}.html")}
        ready = {p.parent.parent.name for p in found if (p.parent / "submission_secret.txt").is_file()}
        skipped += [f"{p.parent.parent.name}/{aid}" for p in found if p.parent.parent.name not in ready]
        if not ready:
            continue
        exclude = sorted(every - ready)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "release_feedback",
                aid,
                f"--NbGrader.config_file={CONFIG}",
                f"--CourseDirectory.feedback_directory={feedback}",
                *([f"--CourseDirectory.student_id_exclude={','.join(exclude)}"] if exclude else []),
            ],
            cwd=ROOT,
            env=tool_env(),
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise CoursebookError(f"nbgrader release_feedback {aid} failed: {_why(run.stdout + run.stderr)}")
        done += [f"{sid}/{aid}" for sid in sorted(ready)]
    return Released(done, skipped)


def _why(log: str) -> str:
    """The line of an nbgrader log that says what went wrong (not that it failed)."""
    lines = [
        line.split("]", 1)[-1].strip()
        for line in log.splitlines()
        if ("CRITICAL" in line or "ERROR" in line) and "] nbgrader" not in line
    ]
    return (lines or [log.strip().splitlines()[-1] if log.strip() else "no message"])[0]


def exchange_hint() -> str:
    """Where the course's exchange is, for messages."""
    config = course_config()
    return f"exchange {config.Exchange.get('root', '?')}, course {config.CourseDirectory.get('course_id', '?')}"
