"""The course grades correctly through nbgrader: full marks for the solutions, zero for
the untouched student notebooks, for every assignment with graded cells, in ONE parallel
`python -m grader grade` run that leaves the submissions untouched."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from grader.tools.build import source_notebook
from grader.tools.course import NOTEBOOKS, assignments
from grader.tools.grade import GRADES_COLUMNS, SUMMARY_COLUMNS, graded_cells

pytestmark = pytest.mark.slow

GRADED = [a for a in assignments() if graded_cells(source_notebook(a))]
RELEASED = [a for a in GRADED if (NOTEBOOKS / a / f"{a}.ipynb").is_file()]


@pytest.fixture(scope="module")
def run(course, kit, tmp_path_factory):
    """solved/<a> and untouched/<a> for every released graded assignment, graded together."""
    tmp = tmp_path_factory.mktemp("grading")
    subs, out = tmp / "submitted", tmp / "graded"
    for assignment in RELEASED:
        kit.put_submission(subs, "solved", assignment, course.solved(assignment))
        folder = kit.put_submission(subs, "untouched", assignment)
        shutil.copyfile(course.student_path(assignment), folder / f"{assignment}.ipynb")
    before = kit.tree_digest(subs)
    proc = kit.run_grade(subs, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    grades_header, grades = kit.read_csv(out / "grades.csv")
    summary_header, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        proc=proc,
        unchanged=kit.tree_digest(subs) == before,
        grades_header=grades_header,
        scores=kit.scores_by_student(grades),
        grades=grades,
        summary_header=summary_header,
        summary={(r["student_id"], r["assignment"]): r for r in summary},
    )


def test_there_is_something_to_grade():
    assert RELEASED, "no assignment has graded cells and a student notebook"


@pytest.mark.parametrize("assignment", GRADED)
def test_student_notebook_is_released(assignment):
    assert assignment in RELEASED, f"notebooks/{assignment}/{assignment}.ipynb is missing: make release"


def test_grade_command_reports_every_submission_graded(run):
    assert f"{2 * len(RELEASED)} graded, 0 flagged, 0 failed" in run.proc.stdout


def test_submissions_are_byte_identical_afterwards(run):
    assert run.unchanged


def test_csv_columns(run):
    assert run.grades_header == GRADES_COLUMNS
    assert run.summary_header == SUMMARY_COLUMNS


def test_grades_csv_has_exactly_one_row_per_graded_cell(course, run):
    expected = {
        (student, a, gid, pts)
        for a in RELEASED
        for student in ("solved", "untouched")
        for gid, pts in course.graded_cells(a).items()
    }
    got = [(r["student_id"], r["assignment"], r["grade_id"], float(r["max_score"])) for r in run.grades]
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert set(run.summary) == {(s, a) for a in RELEASED for s in ("solved", "untouched")}


@pytest.mark.parametrize("assignment", RELEASED)
def test_solution_scores_full_marks(course, run, assignment):
    cells = run.scores[("solved", assignment)]
    assert set(cells) == set(course.autograded_cells(assignment))
    lost = {gid: score for gid, (score, top) in cells.items() if score != top}
    assert not lost, f"the solution of {assignment} loses points on {lost}"
    row = run.summary[("solved", assignment)]
    assert row["status"] == "graded", row
    assert float(row["score"]) == sum(course.autograded_cells(assignment).values())
    assert float(row["max_score"]) == sum(course.graded_cells(assignment).values())


@pytest.mark.parametrize("assignment", RELEASED)
def test_written_answers_wait_for_a_human_not_scored_zero(course, run, assignment):
    written = set(course.graded_cells(assignment)) - set(course.autograded_cells(assignment))
    assert written, f"{assignment} has no written answer"
    rows = [r for r in run.grades if r["assignment"] == assignment and r["grade_id"] in written]
    assert rows and all(r["score"] == "" and "by hand" in r["reason"] for r in rows)
    assert set(run.summary[("solved", assignment)]["pending"].split()) == written


@pytest.mark.parametrize("assignment", RELEASED)
def test_untouched_student_notebook_scores_zero(run, assignment):
    cells = run.scores[("untouched", assignment)]
    earned = {gid: score for gid, (score, _) in cells.items() if score != 0}
    assert not earned, f"the untouched {assignment} earns points on {earned}"
    assert run.summary[("untouched", assignment)]["status"] == "graded"
    reasons = [
        r["reason"]
        for r in run.grades
        if r["student_id"] == "untouched" and r["assignment"] == assignment and r["grade_id"] in cells
    ]
    assert all("not implemented" in why or "NotImplementedError" in why for why in reasons), reasons
