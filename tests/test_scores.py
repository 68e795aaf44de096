"""One truth for scores (grader.tools.scores): after manual grading, a score override and
a late penalty, summary.csv, grades.csv and the feedback pages show what `nbgrader
export` shows; `release-feedback` holds back what still waits for a hand."""

from __future__ import annotations

import copy
import csv
import html
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import notebook_hash
from support import grader_cli as grader
from test_coursebook import NBGRADER_TIME, export, record, url

from grader.tools import feedback

A = "02_softmax"
DUE = datetime(2030, 1, 10, 12, 0, tzinfo=timezone.utc)
SECRET = "5ec7" * 16


def _at(delta: timedelta) -> str:
    return (DUE + delta).strftime(NBGRADER_TIME)


def _graded_notebook(course, answered: bool) -> nbformat.NotebookNode:
    """The student notebook as nbgrader keeps it graded: the written answer as released
    ("YOUR ANSWER HERE") or answered."""
    nb = copy.deepcopy(course.student(A))
    for cell in nb.cells:
        if answered and cell.metadata.get("nbgrader", {}).get("grade_id") == "explain_softmax":
            cell.source = "Exponentials are positive, and dividing by their sum makes them add up to 1."
    return nb


@pytest.fixture
def graded(registered, tmp_path, course, capsys):
    """A class graded and published: ada late by 30 h (two started days), bob, cy and
    dan on time; dan left his written answer as released. Returns (OUT, gradebook)."""
    db = tmp_path / "gradebook.db"
    db.write_bytes(registered.read_bytes())
    with Gradebook(url(db)) as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    out = tmp_path / "out"
    on_time = _at(-timedelta(hours=1))
    class_ = [
        record("ada", timestamp=_at(timedelta(hours=30))),
        record("bob", test=0.0, timestamp=on_time),
        record("cy", edge=0.0, timestamp=on_time),
        record("dan", test=0.0, edge=0.0, timestamp=on_time),
    ]
    for r in class_:
        r.save(out / ".jobs" / A / f"{r.student_id}.json")
        folder = out / "autograded" / r.student_id / A
        folder.mkdir(parents=True)
        nbformat.write(_graded_notebook(course, answered=r.student_id != "dan"), str(folder / f"{A}.ipynb"))
        (folder / "timestamp.txt").write_text(r.timestamp)
        (folder / "submission_secret.txt").write_text(SECRET)
    code, _, err = grader(capsys, "publish", str(out), "--gradebook", url(db))
    assert code == 0, err
    return out, db


def _by_hand(db: Path, student: str, grade_id: str, score: float) -> None:
    """What formgrader's Manual Grading saves."""
    with Gradebook(url(db)) as gb:
        grade = gb.find_grade(grade_id, A, A, student)
        grade.manual_score, grade.needs_manual_grade = score, False
        gb.db.commit()


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_summary_and_grades_are_what_nbgrader_export_shows(graded, tmp_path, capsys):
    out, db = graded
    _by_hand(db, "ada", "explain_softmax", 2.0)
    _by_hand(db, "bob", "test_softmax", 1.5)  # an override of the autograded 0
    code, printed, err = grader(capsys, "scores", str(out), "--gradebook", url(db))
    assert code == 0 and "4 submissions, from the course gradebook" in printed, err
    exported = export(db, tmp_path)
    summary = {r["student_id"]: r for r in _rows(out / "summary.csv")}
    assert set(summary) == set(exported) == {"ada", "bob", "cy", "dan"}
    for sid, row in summary.items():
        assert float(row["score"]) == pytest.approx(float(exported[sid]["score"])), sid
        assert float(row["max_score"]) == float(exported[sid]["max_score"]) == 6.0
    # ada: 6 points, two started days late at 10% a day, worked out from the score with
    # the manual grade (not from the 4 autograded points published before it).
    assert float(exported["ada"]["late_submission_penalty"]) == pytest.approx(1.2)
    assert float(summary["ada"]["score"]) == pytest.approx(4.8)
    assert float(summary["bob"]["score"]) == 1.5 + 2.0, "the override counts"
    pending = {sid: row["pending"] for sid, row in summary.items()}
    assert pending == {"ada": "", "bob": "explain_softmax", "cy": "explain_softmax", "dan": ""}
    with Gradebook(url(db)) as gb:
        for row in _rows(out / "grades.csv"):
            grade = gb.find_grade(row["grade_id"], A, A, row["student_id"])
            if row["score"] == "":
                assert grade.needs_manual_grade and grade.manual_score is None, row
            else:
                assert float(row["score"]) == grade.score, row
    dan = {r["grade_id"]: r for r in _rows(out / "grades.csv") if r["student_id"] == "dan"}
    assert dan["explain_softmax"]["score"] == "0", "a written answer left as released scores 0 by itself"
    # The feedback page says the same.
    feedback.write_feedback(out, "ada", db_url=url(db))
    page = " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", (out / "feedback" / "ada" / A / f"{A}.html").read_text())).split()
    )
    assert f"{A}: 4.8 / 6" in page and "Late submission penalty: -1.2" in page


def test_release_feedback_waits_for_the_written_answers(graded, tmp_path, monkeypatch, capsys):
    out, db = graded
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    monkeypatch.setenv("LOGITLAB_EXCHANGE", str(exchange))  # read by nbgrader_config.py
    released = exchange / "logits-to-loss" / "feedback" / f"{notebook_hash(secret=SECRET, notebook_id=A)}.html"
    _by_hand(db, "ada", "explain_softmax", 2.0)
    book = ("--gradebook", url(db))
    code, printed, err = grader(capsys, "release-feedback", str(out), *book, "--student", "bob")
    assert code == 0 and "released 0 to the students" in printed, err
    assert "held back, written answers not graded yet" in err and f"bob/{A} (explain_softmax)" in err
    assert not released.exists()
    _by_hand(db, "bob", "explain_softmax", 1.0)  # then Manual Grading, and the same command again
    code, printed, err = grader(capsys, "release-feedback", str(out), *book, "--student", "bob")
    assert code == 0 and "released 1 to the students" in printed and "held back" not in err
    assert f"{A}: 3 / 6" in released.read_text(), "the page shows the hand-graded answer"
    code, printed, err = grader(capsys, "release-feedback", str(out), *book, "--student", "cy", "--partial")
    assert code == 0 and "released 1 to the students" in printed and "held back" not in err
