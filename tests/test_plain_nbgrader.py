"""Plain `nbgrader autograde` with the course configuration still grades correctly.

nbgrader finds nbgrader_config.py in the repository root by itself (no --config); the
assignment is registered as `make release` registers it (grader.tools.coursebook.register);
only the folders and the gradebook point into a temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
from nbgrader.api import Gradebook

from grader.tools.course import ROOT, tool_env
from grader.tools.coursebook import register

A = "02_softmax"


def test_plain_nbgrader_autograde_after_make_release(course, kit, tmp_path):
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    register([A], db, source_dir=tmp_path / "source")  # what `make release` does
    subs = tmp_path / "submitted"
    kit.put_submission(subs, "solved", A, course.solved(A))
    folder = kit.put_submission(subs, "untouched", A)
    shutil.copyfile(course.student_path(A), folder / f"{A}.ipynb")
    dirs = [
        f"--CourseDirectory.source_directory={tmp_path / 'source'}",
        f"--CourseDirectory.submitted_directory={subs}",
        f"--CourseDirectory.autograded_directory={tmp_path / 'autograded'}",
        f"--CourseDirectory.db_url={db}",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", A, *dirs],
        cwd=ROOT,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "No nbgrader_config.py file found" not in run.stderr
    with Gradebook(db) as gb:
        assert gb.find_assignment(A).course_id == "logits-to-loss", "the course's config was used"
        for student, solved in (("solved", True), ("untouched", False)):
            grades = {g.name: g for g in gb.find_submission_notebook(A, A, student).grades}
            assert set(grades) == {"test_softmax", "test_softmax_edge", "explain_softmax"}
            for name in ("test_softmax", "test_softmax_edge"):
                assert grades[name].auto_score == (grades[name].max_score if solved else 0), (student, name)
            # The written answer: left for manual grading when answered, 0 when left as released.
            written = grades["explain_softmax"]
            assert (written.auto_score, written.needs_manual_grade) == ((None, True) if solved else (0, False))
    graded = nbformat.read(tmp_path / "autograded" / "solved" / A / f"{A}.ipynb", as_version=4)
    assert any("BEGIN HIDDEN TESTS" in c.source for c in graded.cells), "hidden tests ran"
