"""Feedback pages (grader.tools.feedback): nbgrader's layout, the gradebook's grades and comments,
our reasons, no hidden tests, and `nbgrader release_feedback` handing out exactly them."""

from __future__ import annotations

import html
import re
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import notebook_hash

from grader.core.records import CellResult, JobRecord
from grader.tools import coursebook, feedback

A = "02_softmax"
TIMESTAMP = "2030-01-10 11:00:00.000000 UTC"
SECRET = "f00d" * 32
TRACEBACK_LINE = "battery(softmax, reference, cases)  # hidden"


def _record(student: str, *, status: str = "graded", flags=()) -> JobRecord:
    return JobRecord(
        student,
        A,
        "f",
        status=status,
        flags=list(flags),
        cells=[
            CellResult("test_softmax", 2.0, 2.0),
            CellResult("test_softmax_edge", 0.0, 2.0, reason="hidden case 'logits of +-1000': nan in the output"),
            CellResult("explain_softmax", 0.0, 2.0, manual=True, reason="written answer: graded by hand"),
        ],
    )


def _graded_notebook(course) -> nbformat.NotebookNode:
    """A graded notebook as nbgrader leaves it: hidden tests in the test cells, and a
    failing test cell whose traceback quotes its (hidden) code."""
    nb = course.source(A)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax_edge":
            cell.outputs = [
                nbformat.v4.new_output(
                    "error",
                    ename="AssertionError",
                    evalue="hidden case 'logits of +-1000': nan in the output",
                    traceback=["Traceback (most recent call last)", TRACEBACK_LINE, "AssertionError: ..."],
                )
            ]
    return nb


@pytest.fixture
def out(tmp_path, course):
    """A grading run's OUT with two submissions; ada's came through the exchange."""
    out = tmp_path / "out"
    for student, flags in (("ada", ["files beside the notebook (not used): numpy.py"]), ("bob", [])):
        _record(student, status="flagged" if flags else "graded", flags=flags).save(
            out / ".jobs" / A / f"{student}.json"
        )
        folder = out / "autograded" / student / A
        folder.mkdir(parents=True)
        nbformat.write(_graded_notebook(course), str(folder / f"{A}.ipynb"))
    (out / "autograded" / "ada" / A / "timestamp.txt").write_text(TIMESTAMP)
    (out / "autograded" / "ada" / A / "submission_secret.txt").write_text(SECRET)
    return out


def _text(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))


def test_pages_are_written_where_nbgrader_release_feedback_looks(out):
    pages = feedback.write_feedback(out)
    assert pages == [out / "feedback" / s / A / f"{A}.html" for s in ("ada", "bob")]
    ada = out / "feedback" / "ada" / A
    assert (ada / "timestamp.txt").read_text() == TIMESTAMP
    assert (ada / "submission_secret.txt").read_text() == SECRET
    assert not (out / "feedback" / "bob" / A / "submission_secret.txt").exists(), "bob never used the exchange"


def test_a_page_shows_reasons_but_no_hidden_test_and_no_flag(out, course):
    feedback.write_feedback(out)
    text = _text(out / "feedback" / "ada" / A / f"{A}.html")
    assert f"{A}: 2 / 6" in text
    assert "hidden case 'logits of +-1000': nan in the output" in text, "why points were lost"
    assert "not graded yet" in text and "Incomplete" in text, "a pending written answer is not a low score"
    assert "numpy.py" not in text, "the grader's flags are for the instructor"
    assert TRACEBACK_LINE not in text and "HIDDEN TESTS" not in text
    source = course.source(A)
    hidden = [
        line.strip()
        for c in source.cells
        if "### BEGIN HIDDEN TESTS" in c.source
        for line in c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
        if len(line.strip()) > 12
    ]
    assert hidden and not [line for line in hidden if line in text]


def test_a_page_shows_what_the_instructor_entered_in_the_gradebook(out, tmp_path):
    db = tmp_path / "gradebook.db"
    coursebook.register([A], f"sqlite:///{db}", source_dir=tmp_path / "source")
    coursebook.publish(f"sqlite:///{db}", feedback.records(out))
    with Gradebook(f"sqlite:///{db}") as gb:
        gb.find_grade("explain_softmax", A, A, "ada").manual_score = 1.5
        gb.find_comment("explain_softmax", A, A, "ada").manual_comment = "Name the shift invariance too."
        gb.find_grade("test_softmax_edge", A, A, "ada").extra_credit = 0.5
        gb.db.commit()
    feedback.write_feedback(out, "ada", db_url=f"sqlite:///{db}")
    page = out / "feedback" / "ada" / A / f"{A}.html"
    text = _text(page)
    assert f"{A}: 4 / 6" in text and "Score: 1.5 / 2.0" in text
    assert "Name the shift invariance too." in text
    assert "not graded yet" not in text and "graded by hand" not in text
    assert "numpy.py" not in text, "flags stay out of the automatic comment the student sees"
    assert not (out / "feedback" / "bob").exists(), "--student writes only that student's page"


def test_release_hands_nbgrader_exactly_the_written_pages(out, tmp_path, monkeypatch):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    monkeypatch.setenv("LOGITLAB_EXCHANGE", str(exchange))  # read by nbgrader_config.py
    pages = feedback.write_feedback(out)
    done = feedback.release(out, pages)
    assert (done.released, done.not_released) == ([f"ada/{A}"], [f"bob/{A}"])
    released = exchange / "logits-to-loss" / "feedback" / f"{notebook_hash(secret=SECRET, notebook_id=A)}.html"
    assert released.read_bytes() == pages[0].read_bytes()
    assert len(list(released.parent.iterdir())) == 1


def test_release_says_why_it_failed(out, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGITLAB_EXCHANGE", str(tmp_path / "no-exchange"))
    with pytest.raises(coursebook.CoursebookError, match="release_feedback 02_softmax failed: .*Unwritable"):
        feedback.release(out, feedback.write_feedback(out))


def test_feedback_command_errors_in_one_line(tmp_path, capsys):
    from grader.__main__ import main

    assert main(["feedback", str(tmp_path)]) == 2
    assert "holds no grading results" in capsys.readouterr().err
    out = tmp_path / "out"
    _record("ada").save(out / ".jobs" / A / "ada.json")
    assert main(["feedback", str(out), "--student", "zoe"]) == 2
    assert "no graded submission matches" in capsys.readouterr().err
    shutil.rmtree(out)
