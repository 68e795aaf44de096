"""Plain `nbgrader autograde` with the course configuration still grades correctly."""
from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
from nbgrader.api import Gradebook

from grader.course import CONFIG, ROOT, tool_env

A = "02_softmax"


def test_plain_nbgrader_autograde_with_our_config(course, kit, tmp_path):
    source = tmp_path / "source"
    course.source(A)  # builds it
    shutil.copytree(course.folder / A, source / A)
    subs = tmp_path / "submitted"
    kit.put_submission(subs, "solved", A, course.solved(A))
    folder = kit.put_submission(subs, "untouched", A)
    shutil.copyfile(course.student_path(A), folder / f"{A}.ipynb")
    db = tmp_path / "gradebook.db"
    dirs = [f"--NbGrader.config_file={CONFIG}", f"--CourseDirectory.root={tmp_path}",
            f"--CourseDirectory.source_directory={source}",
            f"--CourseDirectory.release_directory={tmp_path / 'release'}",
            f"--CourseDirectory.submitted_directory={subs}",
            f"--CourseDirectory.autograded_directory={tmp_path / 'autograded'}",
            f"--CourseDirectory.db_url=sqlite:///{db}"]
    for step in (["generate_assignment", A, "--force"], ["autograde", A]):
        run = subprocess.run([sys.executable, "-m", "nbgrader", *step, *dirs], cwd=ROOT,
                             env=tool_env(), capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
    with Gradebook(f"sqlite:///{db}") as gb:
        for student, expect_full in (("solved", True), ("untouched", False)):
            grades = gb.find_submission_notebook(A, A, student).grades
            assert {g.name for g in grades} == {"test_softmax", "test_softmax_edge"}
            for g in grades:
                assert g.auto_score == (g.max_score if expect_full else 0), (student, g.name)
    graded = nbformat.read(tmp_path / "autograded" / "solved" / A / f"{A}.ipynb", as_version=4)
    assert any("BEGIN HIDDEN TESTS" in c.source for c in graded.cells), "hidden tests ran"
