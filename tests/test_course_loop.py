"""The instructor's loop on one machine, through nbgrader's own exchange and commands:

register (make release) -> nbgrader release_assignment -> students fetch and submit
(nbgrader fetch_assignment / submit) -> nbgrader collect -> python -m grader grade ->
the course gradebook (nbgrader export) -> a manual grade -> a forced re-grade ->
python -m grader release-feedback -> nbgrader fetch_feedback.

Everything runs with the course's own nbgrader_config.py, found by nbgrader in the
repository root; only the gradebook, the exchange and the course folders point into
a temporary directory. The browser test (test_hub.py) drives the same loop on a
JupyterHub.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.tools import coursebook
from grader.tools.course import ROOT, tool_env
from grader.tools.feedback import records

pytestmark = pytest.mark.slow

A = "02_softmax"
WRITTEN = (
    "Exponentials are positive, so the normalised weights form a distribution; "
    "dividing raw logits fails for negative ones. (alice's own words)"
)
WRONG_SOFTMAX = "import numpy as np\n\ndef softmax(z, axis=-1):\n    z = np.asarray(z)\n    return z / z.sum()\n"


class Loop:
    """One course on one machine: its gradebook, exchange and folders in `root`."""

    def __init__(self, root: Path):
        self.root = root
        self.db = f"sqlite:///{root / 'gradebook.db'}"
        self.submitted, self.out = root / "submitted", root / "graded"
        self.env = tool_env() | {"LOGITLAB_EXCHANGE": str(root / "exchange")}
        (root / "exchange").mkdir(mode=0o777)
        # Students get the course file as a hub gives it to them, in their Jupyter config
        # path (/etc/jupyter on a hub): away from the repository it sets only the course
        # id and the exchange.
        self.etc = root / "etc-jupyter"
        self.etc.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", self.etc)
        self.dirs = [f"--CourseDirectory.db_url={self.db}", f"--CourseDirectory.submitted_directory={self.submitted}"]

    def run(self, *cmd: str, cwd: Path = ROOT, timeout: float = 900) -> subprocess.CompletedProcess:
        done = subprocess.run(list(cmd), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(cmd[:4])}...\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    def nbgrader(self, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "nbgrader", *args, *self.dirs, cwd=cwd)

    def as_student(self, name: str, *args: str) -> subprocess.CompletedProcess:
        """nbgrader as student `name` would run it: in their home, with their own cache."""
        env = self.env | {"JUPYTER_CONFIG_PATH": str(self.etc)}
        cwd = self.root / "home" / name
        cmd = [
            sys.executable,
            "-m",
            "nbgrader",
            *args,
            f"--student={name}",
            f"--Exchange.cache={self.root / 'cache' / name}",
        ]
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    def grader(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "grader", *args)

    def student(self, name: str, fill=None) -> None:
        """A student fetches the assignment, answers (fill(nb)), and submits."""
        home = self.root / "home" / name
        home.mkdir(parents=True)
        self.as_student(name, "fetch_assignment", A)
        path = home / A / f"{A}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        if fill:
            fill(nb)
        nbformat.write(nb, str(path))
        self.as_student(name, "submit", A)

    def export(self) -> dict[str, dict[str, str]]:
        target = self.root / "export.csv"
        self.nbgrader("export", f"--CsvExportPlugin.to={target}")
        with open(target, newline="") as f:
            return {row["student_id"]: row for row in csv.DictReader(f)}

    def summary(self) -> dict[str, dict[str, str]]:
        with open(self.out / "summary.csv", newline="") as f:
            return {row["student_id"]: row for row in csv.DictReader(f)}


def _answer(course, written: str | None):
    solved = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in course.solved(A).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }

    def fill(nb):
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid == "softmax":
                cell.source = solved[gid]
            elif gid == "explain_softmax" and written:
                cell.source = written

    return fill


def _wrong(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            cell.source = WRONG_SOFTMAX


@pytest.fixture(scope="module")
def loop(tmp_path_factory, course):
    """A class that went through the exchange and was graded: alice (right, with a written
    answer), bob (wrong), carol (right, after the due date)."""
    lp = Loop(tmp_path_factory.mktemp("course"))
    lp.grader("register", A, "--gradebook", lp.db)  # what `make release` does
    lp.nbgrader("release_assignment", A)
    lp.student("alice", _answer(course, WRITTEN))
    lp.student("bob", _wrong)
    time.sleep(1.1)
    lp.due = datetime.now(timezone.utc).replace(tzinfo=None)
    with Gradebook(lp.db) as gb:
        gb.update_or_create_assignment(A, duedate=lp.due)
    time.sleep(1.1)
    lp.student("carol", _answer(course, None))
    lp.nbgrader("collect", A)
    lp.published = lp.grader(
        "grade", str(lp.submitted), "--output", str(lp.out), "--jobs", "2", "--gradebook", lp.db
    ).stdout
    return lp


def test_collect_puts_submissions_where_make_grade_reads(loop):
    make = subprocess.run(["make", "-n", "grade"], cwd=ROOT, capture_output=True, text=True)
    config = coursebook.course_config().CourseDirectory
    assert config.submitted_directory == "classroom/submitted"
    assert f"grader grade {ROOT}/classroom/submitted --output {ROOT}/classroom/graded" in make.stdout
    for student in ("alice", "bob", "carol"):
        folder = loop.submitted / student / A
        assert {"timestamp.txt", "submission_secret.txt", f"{A}.ipynb"} <= {p.name for p in folder.iterdir()}


def test_collected_submissions_are_not_flagged_for_nbgraders_own_files(loop):
    summary = loop.summary()
    assert sorted(summary) == ["alice", "bob", "carol"]
    for student, row in summary.items():
        assert row["status"] == "graded", f"{student}: {row['status']} ({row['flags']}; {row['reason']})"
        assert "beside the notebook" not in row["flags"]


def test_export_totals_equal_summary_totals(loop):
    summary, exported = loop.summary(), loop.export()
    assert sorted(exported) == sorted(summary)
    for student, row in summary.items():  # one truth: the score after nbgrader's late penalty
        assert float(exported[student]["score"]) == float(row["score"]), student
        assert float(exported[student]["max_score"]) == float(row["max_score"]) == 6.0
    assert float(summary["alice"]["score"]) == 4.0 and float(summary["bob"]["score"]) < 4.0
    # The written answer is left for the instructor: alice is incomplete, not low.
    with Gradebook(loop.db) as gb:
        alice = gb.find_submission(A, "alice")
        assert alice.needs_manual_grade
        grade = gb.find_grade("explain_softmax", A, A, "alice")
        assert grade.auto_score is None and grade.needs_manual_grade


def test_a_late_submission_is_treated_by_nbgraders_policy(loop):
    assert f"late (nbgrader's late-submission policy applied): carol/{A}" in loop.published
    exported = loop.export()
    assert datetime.fromisoformat(exported["carol"]["timestamp"]) > loop.due
    assert datetime.fromisoformat(exported["alice"]["timestamp"]) < loop.due
    # The course policy: 10% of the score per started day (seconds late here).
    assert float(exported["carol"]["late_submission_penalty"]) == pytest.approx(0.4)
    zero = coursebook.course_config()
    zero.AssignLatePenalties.plugin_class = "nbgrader.plugins.LateSubmissionPlugin"  # nbgrader's own
    zero.LateSubmissionPlugin.penalty_method = "zero"
    coursebook.publish(loop.db, records(loop.out), config=zero)
    exported = loop.export()
    carol = exported["carol"]
    assert (float(carol["raw_score"]), float(carol["late_submission_penalty"]), float(carol["score"])) == (
        4.0,
        4.0,
        0.0,
    ), carol
    assert float(exported["alice"]["score"]) == 4.0
    coursebook.publish(loop.db, records(loop.out))  # back to the course's policy


def test_a_manual_grade_survives_a_forced_regrade_and_reaches_the_student(loop):
    with Gradebook(loop.db) as gb:  # what the instructor enters in formgrader
        grade = gb.find_grade("explain_softmax", A, A, "alice")
        grade.manual_score, grade.needs_manual_grade = 1.5, False
        gb.find_comment("explain_softmax", A, A, "alice").manual_comment = "Good point about negative logits."
        gb.db.commit()
    republished = loop.grader(
        "grade", str(loop.submitted), "--output", str(loop.out), "--force", "--jobs", "2", "--gradebook", loop.db
    ).stdout
    assert f"kept the grades an instructor entered: alice/{A}/explain_softmax" in republished
    with Gradebook(loop.db) as gb:
        grade = gb.find_grade("explain_softmax", A, A, "alice")
        assert grade.manual_score == 1.5 and not grade.needs_manual_grade
        assert not gb.find_submission(A, "alice").needs_manual_grade
    assert float(loop.export()["alice"]["score"]) == 5.5

    released = loop.grader(
        "release-feedback", str(loop.out), "--gradebook", loop.db, "--submissions", str(loop.submitted)
    ).stdout
    assert "released 3 to the students" in released
    home = loop.root / "home" / "alice"
    loop.as_student("alice", "fetch_feedback", A)
    fetched = list((home / A / "feedback").glob(f"*/{A}.html"))
    assert len(fetched) == 1, "nbgrader fetch_feedback found no feedback"
    written = loop.out / "feedback" / "alice" / A / f"{A}.html"
    assert fetched[0].read_bytes() == written.read_bytes(), "the student gets what the feedback step wrote"
    page = written.read_text()
    assert f"{A}: 5.5 / 6" in page and "Score: 1.5 / 2.0" in page
    assert "Good point about negative logits." in page and "(alice's own words)" in page
    assert "HIDDEN TESTS" not in page and "battery(" not in page


def _hidden_lines(course) -> list[str]:
    """The lines of 02_softmax's hidden tests (long enough to be telling)."""
    hidden = [
        line.strip()
        for c in course.source(A).cells
        for line in c.source.split("### BEGIN HIDDEN TESTS")[-1].split("### END HIDDEN TESTS")[0].splitlines()
        if "### BEGIN HIDDEN TESTS" in c.source and len(line.strip()) > 12
    ]
    assert hidden, "02_softmax has hidden tests"
    return hidden


def _shows_no_hidden_test(course, page: str) -> None:
    """The page's text (code is highlighted token by token) has the visible tests' lines
    and none of the hidden tests' lines."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert 'assert_check("softmax", softmax, part="core")' in text, "the page shows the test cells"
    leaked = [line for line in _hidden_lines(course) if line in text]
    assert not leaked, f"hidden test source in the feedback: {leaked[:3]}"


def test_feedback_of_a_wrong_answer_says_why_but_shows_no_hidden_test(loop, course):
    page = (loop.out / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert "why points were lost" in page
    assert "not graded yet" not in page, "bob left his written answer as released: it scores 0, it waits for no one"
    _shows_no_hidden_test(course, page)
    assert os.path.isfile(loop.out / "feedback" / "bob" / A / "submission_secret.txt")


def test_formgraders_own_generate_feedback_works_on_the_graded_class(loop, course):
    """Formgrader's "Generate Feedback" button runs nbgrader generate_feedback: it must
    find the graded notebooks and the gradebook entries our grader wrote."""
    feedback = loop.root / "nbgrader-feedback"
    loop.nbgrader(
        "generate_feedback",
        A,
        "--force",
        f"--CourseDirectory.autograded_directory={loop.out / 'autograded'}",
        f"--CourseDirectory.feedback_directory={feedback}",
    )
    pages = sorted(p.parent.parent.name for p in feedback.glob(f"*/{A}/{A}.html"))
    assert pages == ["alice", "bob", "carol"], pages
    _shows_no_hidden_test(course, (feedback / "bob" / A / f"{A}.html").read_text())
