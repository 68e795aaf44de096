"""Roster and deadlines (grader.tools.roster, grader.tools.late): students and per-student
extensions in nbgrader's course gradebook, and the late policy, seen through `nbgrader export`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from nbgrader.api import Gradebook
from support import grader_cli as grader
from test_coursebook import NBGRADER_TIME, export, record, url

from grader.tools import coursebook, hub
from grader.tools.late import PenaltyPerDay

A = "02_softmax"
DUE = datetime(2030, 1, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(registered, tmp_path):
    path = tmp_path / "gradebook.db"
    path.write_bytes(registered.read_bytes())
    with Gradebook(url(path)) as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    return path


def test_students_are_added_imported_and_listed_with_names_for_the_export(db, tmp_path, capsys):
    book = ("--gradebook", url(db))
    code, out, _ = grader(capsys, "students", "add", "ada", "--first-name", "Ada", "--last-name", "Lovelace", *book)
    assert code == 0 and "added 1 students: ada" in out
    roster = tmp_path / "class.csv"
    roster.write_text("student_id,first_name,last_name,email\nbob,Bob,Barker,bob@example.org\nada,,,ada@example.org\n")
    code, out, _ = grader(capsys, "students", "import", str(roster), *book)
    assert code == 0 and "added 1 students: bob" in out and "updated 1: ada" in out
    code, out, _ = grader(capsys, "students", "list", *book)
    assert out.splitlines() == ["ada,Ada,Lovelace,ada@example.org", "bob,Bob,Barker,bob@example.org"]
    rows = export(db, tmp_path)
    assert (rows["ada"]["first_name"], rows["ada"]["last_name"], rows["ada"]["email"]) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
    ), "an empty column keeps what the gradebook had"
    assert rows["bob"]["email"] == "bob@example.org"


@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "../ada"], "'../ada' is not a student id"),
        (["add", "ada", "--email", "nope"], "'nope' (ada) is not an email address"),
        (["import", "missing.csv"], "cannot read missing.csv"),
        (["import", "names.csv"], "has no column id (or student_id)"),
    ],
)
def test_bad_students_are_one_line_errors(db, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "names.csv").write_text("name,email\nAda,ada@example.org\n")
    code, _, err = grader(capsys, "students", *args, "--gradebook", url(db))
    assert code == 2 and message in err and err.count("\n") == 1, err
    with Gradebook(url(db)) as gb:
        assert gb.students == []


def _late_by(hours: float) -> str:
    return (DUE + timedelta(hours=hours)).strftime(NBGRADER_TIME)


def test_an_extension_moves_the_students_due_date_for_the_late_policy_and_the_export(db, tmp_path, capsys):
    book = ("--gradebook", url(db))
    # An extension given before the student submits is kept when the submission is graded.
    code, out, _ = grader(capsys, "students", "add", "ada", *book)
    code, out, _ = grader(capsys, "extend", "ada", A, "--days", "2", *book)
    assert code == 0 and out.strip() == f"ada/{A}: extended by 2 days (due 2030-01-12 12:00 UTC)"
    coursebook.publish(url(db), [record("ada", timestamp=_late_by(30)), record("bob", timestamp=_late_by(30))])
    rows = export(db, tmp_path)
    assert float(rows["ada"]["late_submission_penalty"]) == 0 and float(rows["ada"]["score"]) == 4
    assert float(rows["bob"]["late_submission_penalty"]) == pytest.approx(0.8), "two started days: 20% of 4"
    # Shortened to one day: 6 hours late, one started day.
    assert grader(capsys, "extend", "ada", A, "--days", "1", *book)[0] == 0
    assert float(export(db, tmp_path)["ada"]["score"]) == pytest.approx(3.6)
    code, out, _ = grader(capsys, "extend", "ada", A, "--days", "0", *book)
    assert out.strip() == f"ada/{A}: no extension"
    assert float(export(db, tmp_path)["ada"]["score"]) == pytest.approx(3.2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["zoe", A, "--days", "1"], "no student 'zoe' in the course gradebook"),
        (["ada", "99_nothing", "--days", "1"], "has no assignment '99_nothing'"),
        (["ada", A, "--days", "-1"], "--days must be 0 or more"),
    ],
)
def test_bad_extensions_are_one_line_errors(db, capsys, args, message):
    grader(capsys, "students", "add", "ada", "--gradebook", url(db))
    code, _, err = grader(capsys, "extend", *args, "--gradebook", url(db))
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_the_late_policy_takes_a_share_of_the_score_per_started_day():
    policy = PenaltyPerDay(per_day=0.25)
    assert policy.late_submission_penalty("ada", 8.0, 0) is None
    assert policy.late_submission_penalty("ada", 8.0, 1) == 2.0
    assert policy.late_submission_penalty("ada", 8.0, 24 * 3600) == 2.0
    assert policy.late_submission_penalty("ada", 8.0, 24 * 3600 + 1) == 4.0
    assert policy.late_submission_penalty("ada", 8.0, 30 * 24 * 3600) == 8.0, "never more than the score"


def test_the_local_hub_lets_in_the_students_of_the_course_gradebook(db, tmp_path):
    assert hub.roster(tmp_path / "none.db") == set()
    with Gradebook(url(db)) as gb:
        for sid in ("ltl-dora", "Eve.Smith@uni", "root;rm"):
            gb.add_student(sid)
    assert hub.roster(db) == {"ltl-dora"}, "only ids that are account names"
