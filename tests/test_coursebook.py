"""Scores reach the course gradebook that formgrader and `nbgrader export` read
(grader.tools.coursebook), with hand-made grading records and real nbgrader gradebooks."""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grader.core.records import CellResult, JobRecord
from grader.tools import coursebook
from grader.tools.course import ROOT, tool_env

A = "02_softmax"
POINTS = {"test_softmax": 2.0, "test_softmax_edge": 2.0, "explain_softmax": 2.0}
NBGRADER_TIME = "%Y-%m-%d %H:%M:%S.%f %Z"  # how nbgrader writes timestamp.txt


def record(
    student: str,
    test: float = 2.0,
    edge: float = 2.0,
    *,
    timestamp: str | None = None,
    status: str = "graded",
    flags: list[str] | None = None,
    reason: str = "",
) -> JobRecord:
    """A grading record as `python -m grader grade` keeps it for one 02_softmax submission."""
    cells = [
        CellResult("test_softmax", test, 2.0, reason="" if test == 2 else "rows sum to 0.5 (keepdims)"),
        CellResult(
            "test_softmax_edge",
            edge,
            2.0,
            reason="" if edge == 2 else "hidden case 'logits of +-1000': nan in the output",
        ),
        CellResult("explain_softmax", 0.0, 2.0, manual=True),
    ]
    return JobRecord(
        student,
        A,
        fingerprint="f" * 8,
        status=status,
        cells=cells,
        flags=flags or [],
        reason=reason,
        timestamp=timestamp,
    )


@pytest.fixture
def db(registered, tmp_path) -> Path:
    path = tmp_path / "course" / "gradebook.db"
    path.parent.mkdir()
    shutil.copyfile(registered, path)
    return path


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def grades(db: Path, student: str) -> dict:
    with Gradebook(url(db)) as gb:
        nb = gb.find_submission_notebook(A, A, student)
        return {g.name: g.to_dict() for g in nb.grades} | {
            "comments": {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments},
            "notebook": nb.to_dict(),
            "penalty": nb.late_submission_penalty,
            "incomplete": nb.assignment.needs_manual_grade,
        }


def export(db: Path, tmp_path: Path) -> dict[str, dict[str, str]]:
    """`nbgrader export` of the gradebook, as an instructor runs it: {student: row}."""
    target = tmp_path / "export.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "export",
            f"--CourseDirectory.db_url={url(db)}",
            f"--CsvExportPlugin.to={target}",
        ],
        cwd=ROOT,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    with open(target, newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_publish_puts_every_score_where_formgrader_and_export_read_them(db, tmp_path):
    with Gradebook(url(db)) as gb:
        gb.add_student("ada", first_name="Ada", last_name="Lovelace")
    class_ = [record("ada"), record("bob", test=1.0, edge=0.0), record("cy", edge=0.0)]
    report = coursebook.publish(url(db), class_)
    assert report.submissions == 3
    assert report.added_students == ["bob", "cy"], "students missing from the gradebook are added and reported"
    assert any("added to the gradebook" in line and "bob, cy" in line for line in report.lines())
    bob = grades(db, "bob")
    assert (bob["test_softmax"]["auto_score"], bob["test_softmax_edge"]["auto_score"]) == (1.0, 0.0)
    assert not bob["test_softmax"]["needs_manual_grade"]
    # The written answer waits for the instructor: incomplete, not scored.
    assert bob["explain_softmax"]["auto_score"] is None and bob["explain_softmax"]["needs_manual_grade"]
    assert bob["incomplete"] is True
    # Why points were lost: in the comment box of the function's solution cell.
    auto, manual = bob["comments"]["softmax"]
    assert "rows sum to 0.5 (keepdims)" in auto and "test_softmax_edge: hidden case 'logits of +-1000'" in auto
    assert manual is None
    assert grades(db, "ada")["comments"]["softmax"] == (None, None), "full marks: nothing to say"
    rows = export(db, tmp_path)
    assert {s: float(r["score"]) for s, r in rows.items()} == {r.student_id: r.score for r in class_}
    assert rows["ada"]["first_name"] == "Ada", "an existing student's details are kept"
    assert float(rows["bob"]["max_score"]) == sum(POINTS.values())


def test_a_second_publish_never_overwrites_what_an_instructor_entered(db, tmp_path):
    coursebook.publish(url(db), [record("ada", test=0.0), record("bob")])
    with Gradebook(url(db)) as gb:  # the instructor, in formgrader
        nb = gb.find_submission_notebook(A, A, "ada")
        by_name = {g.name: g for g in nb.grades}
        by_name["explain_softmax"].manual_score = 1.5
        by_name["explain_softmax"].needs_manual_grade = False
        by_name["test_softmax"].manual_score = 1.0  # an override of the autograded 0
        by_name["test_softmax"].needs_manual_grade = False
        by_name["test_softmax_edge"].extra_credit = 0.5
        comments = {c.name: c for c in nb.comments}
        comments["explain_softmax"].manual_comment = "Good: you name the negative logits."
        gb.db.commit()
    report = coursebook.publish(url(db), [record("ada", test=2.0), record("bob")])  # a regrade
    ada = grades(db, "ada")
    assert ada["explain_softmax"]["manual_score"] == 1.5 and not ada["explain_softmax"]["needs_manual_grade"]
    assert ada["comments"]["explain_softmax"][1] == "Good: you name the negative logits."
    assert ada["test_softmax"]["manual_score"] == 1.0 and ada["test_softmax"]["auto_score"] == 2.0
    assert ada["test_softmax"]["needs_manual_grade"], "the override now hides a changed score: review it"
    assert ada["test_softmax_edge"]["extra_credit"] == 0.5
    assert sorted(report.kept) == [f"ada/{A}/explain_softmax", f"ada/{A}/test_softmax", f"ada/{A}/test_softmax_edge"]
    assert report.review == [f"ada/{A}/test_softmax"]
    assert ada["incomplete"] is True, "incomplete until the instructor reviews the override"
    # 1 (override) + 2 + 0.5 (extra credit) + 1.5 (manual)
    assert float(export(db, tmp_path)["ada"]["score"]) == 5.0


def test_flags_show_in_formgrader_but_not_as_the_students_comment(db):
    flags = ["files beside the notebook (not used): numpy.py"]
    coursebook.publish(url(db), [record("eve", status="flagged", flags=flags)])
    eve = grades(db, "eve")
    assert eve["notebook"]["flagged"] is True
    auto = eve["comments"]["softmax"][0]
    assert coursebook.FLAGS_HEADING in auto and "numpy.py" in auto
    assert eve["comments"]["explain_softmax"] == (None, None), "the written answer's box stays the instructor's"
    from grader.tools.feedback import student_comment

    assert student_comment(auto) == ""


def test_a_failed_submission_scores_zero_and_says_why(db):
    failed = JobRecord("zed", A, "f", status="failed", cells=[], reason="notebook missing: no 02_softmax.ipynb")
    coursebook.publish(url(db), [failed])
    zed = grades(db, "zed")
    assert all(zed[g]["auto_score"] == 0 for g in POINTS)
    assert "Not graded automatically: notebook missing" in zed["comments"]["softmax"][0]


def _due(db: Path, when: datetime) -> None:
    with Gradebook(url(db)) as gb:
        gb.update_or_create_assignment(A, duedate=when)


@pytest.mark.parametrize("method, penalty", [("zero", 3.0), ("none", None)])
def test_late_submission_follows_nbgrader_policy(db, tmp_path, method, penalty):
    due = datetime(2030, 1, 10, 12, 0, tzinfo=timezone.utc)
    _due(db, due)
    config = coursebook.course_config()
    config.AssignLatePenalties.plugin_class = "nbgrader.plugins.LateSubmissionPlugin"  # nbgrader's own
    config.LateSubmissionPlugin.penalty_method = method
    late = (due + timedelta(hours=2)).strftime(NBGRADER_TIME)
    early = (due - timedelta(minutes=5)).strftime(NBGRADER_TIME)
    report = coursebook.publish(
        url(db), [record("late", test=1.0, timestamp=late), record("early", timestamp=early)], config=config
    )
    assert report.late == [f"late/{A} (2.0 h late)"]
    assert grades(db, "late")["penalty"] == penalty
    assert grades(db, "early")["penalty"] is None
    rows = export(db, tmp_path)
    assert rows["late"]["timestamp"].startswith("2030-01-10 14:00:00"), "the submission's own time is kept"
    assert float(rows["late"]["score"]) == (0.0 if method == "zero" else 3.0)
    assert float(rows["early"]["score"]) == 4.0


def test_the_gradebook_is_backed_up_before_it_is_written(db):
    coursebook.publish(url(db), [record("ada")])
    report = coursebook.publish(url(db), [record("ada", test=0.0)])
    assert report.backup.parent == db.parent / "gradebook-backups"
    with Gradebook(url(report.backup)) as gb:  # the state before the second publish
        assert {g.name: g.auto_score for g in gb.find_submission_notebook(A, A, "ada").grades}["test_softmax"] == 2.0
    assert grades(db, "ada")["test_softmax"]["auto_score"] == 0.0


# --- bad input ------------------------------------------------------------------------
def test_a_missing_gradebook_is_an_error_and_is_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "gradebook.db"
    with pytest.raises(
        coursebook.CoursebookError, match=r"gradebook .*nowhere/gradebook.db does not exist.*make release"
    ):
        coursebook.publish(url(missing), [record("ada")])
    assert not missing.parent.exists()


def test_a_gradebook_locked_by_another_run_is_an_error(db):
    holder = os.open(db.with_name(db.name + ".lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        os.write(holder, b"4242")
        with pytest.raises(coursebook.CoursebookError, match=r"locked by another grading run \(process 4242"):
            coursebook.publish(url(db), [record("ada")], lock_timeout=0.5)
    finally:
        os.close(holder)
    coursebook.publish(url(db), [record("ada")], lock_timeout=0.5)  # free again


def test_a_gradebook_locked_by_another_program_is_an_error(db):
    other = sqlite3.connect(db, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(coursebook.CoursebookError, match=r"locked by another program"):
            coursebook.publish(url(db), [record("ada")], lock_timeout=1)
    finally:
        other.rollback()
        other.close()


def test_a_course_without_the_assignment_is_an_error_that_changes_nothing(db):
    other = JobRecord("ada", "03_stability", "f", cells=[CellResult("test_logsumexp", 1.0, 1.0)])
    with pytest.raises(
        coursebook.CoursebookError, match=r"has no assignment '03_stability': register it with `make release`"
    ):
        coursebook.publish(url(db), [record("bob"), other])
    with Gradebook(url(db)) as gb:
        assert gb.students == [] and gb.find_assignment(A).submissions == []


def test_an_assignment_registered_with_other_cells_is_an_error(db):
    changed = record("ada")
    changed.cells.append(CellResult("test_softmax_batch", 1.0, 1.0))
    with pytest.raises(
        coursebook.CoursebookError,
        match=r"not the assignment that was graded \(not in the gradebook: test_softmax_batch\)",
    ):
        coursebook.publish(url(db), [changed])


def test_a_file_that_is_no_gradebook_is_an_error(tmp_path):
    bogus = tmp_path / "gradebook.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(coursebook.CoursebookError, match="not an nbgrader gradebook|cannot"):
        coursebook.publish(url(bogus), [record("ada")])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=300
    )


def test_publish_command_reports_and_fails_in_one_line(db, tmp_path):
    out = tmp_path / "out"
    record("ada").save(out / ".jobs" / A / "ada.json")
    run = _cli("publish", str(out), "--gradebook", url(db))
    assert run.returncode == 0, run.stderr
    assert "1 submissions in the course gradebook" in run.stdout and "added to the gradebook" in run.stdout
    run = _cli("publish", str(out), "--gradebook", url(tmp_path / "missing.db"))
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert run.stderr.startswith("python -m grader publish: error: the course gradebook")
    run = _cli("publish", str(tmp_path / "empty"), "--gradebook", url(db))
    assert run.returncode == 2 and "holds no grading results" in run.stderr
    run = _cli("register", "99_nothing", "--gradebook", url(db))
    assert run.returncode == 2 and "unknown assignment '99_nothing'" in run.stderr
