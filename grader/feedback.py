"""`python -m grader feedback OUT`: one HTML page per student and assignment.

Reads what `grade` kept in OUT (the graded notebooks and the per-job records) and
writes OUT/feedback/<student_id>/<assignment>.html: the scores, then the notebook as
graded with nbgrader's ClearHiddenTests applied, so no hidden test source is shown.
Test cells run with `%xmode Minimal`, so their failures show only the message, which
names the failing case, never its code or expected values.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbgrader.preprocessors import ClearHiddenTests


def records(out: Path) -> list[dict]:
    found = []
    for path in sorted((out / ".jobs").glob("*/*.json")):
        try:
            found.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return found


def _header(record: dict) -> str:
    rows = "".join(
        f"<tr><td><code>{html.escape(gid)}</code></td><td>{score:g} / {pts:g}</td></tr>"
        for gid, score, pts in record["cells"])
    note = (f"<p><b>This notebook could not be graded automatically:</b> "
            f"{html.escape(record['reason'])}. Your instructor has been told.</p>"
            if record["status"] == "failed" else "")
    return (f"<section class='logitlab-feedback'><h1>{html.escape(record['assignment'])}: "
            f"{record['score']:g} / {record['max_score']:g}</h1>"
            f"<p>Student: {html.escape(record['student_id'])}</p>{note}"
            f"<table><tr><th>test</th><th>score</th></tr>{rows}</table></section>")


def render(record: dict, graded: Path | None) -> str:
    """The feedback page of one graded submission."""
    header = _header(record)
    if graded is None or not graded.is_file():
        return f"<!DOCTYPE html><html><body>{header}</body></html>"
    nb = nbformat.read(str(graded), as_version=4)
    nb, _ = ClearHiddenTests(enforce_metadata=False).preprocess(nb, {})
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    start = page.index("<body")
    end = page.index(">", start) + 1
    return page[:end] + header + page[end:]


def write_feedback(out: Path, student: str | None = None, assignment: str | None = None) -> list[Path]:
    written = []
    for record in records(out):
        if student not in (None, record["student_id"]) or assignment not in (None, record["assignment"]):
            continue
        sid, aid = record["student_id"], record["assignment"]
        graded = out / "autograded" / sid / aid / f"{aid}.ipynb"
        target = out / "feedback" / sid / f"{aid}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(record, graded))
        written.append(target)
    return written
