"""Scores an instructor can trust (one `grade` run): correct code written with ordinary
habits keeps full marks, and no way of reaching the hidden answers from learner code
earns more than the same near miss without it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import nbformat
import pytest
from corpus_honest import HONEST
from corpus_leaks import LEAKS, NEAR_MISS_SOFTMAX

from grader.core import cells

pytestmark = pytest.mark.slow
A = "02_softmax"


def _honest_notebook(course, kit, assignment: str, spec: dict):
    nb = course.solved(assignment)
    for grade_id, source in spec["cells"].items():
        kit.replace_solution(nb, grade_id, source)
    for before, source in spec["added"].items():
        index = next(i for i, c in enumerate(nb.cells) if cells.grade_id(c) == before)
        nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


def _softmax_notebook(course, kit, source: str):
    nb = course.solved(A)
    kit.replace_solution(nb, "softmax", source)
    return nb


@pytest.fixture(scope="module")
def graded(course, kit, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trust")
    subs, out = tmp / "submitted", tmp / "graded"
    for (student, assignment), spec in HONEST.items():
        kit.put_submission(subs, student, assignment, _honest_notebook(course, kit, assignment, spec))
    kit.put_submission(subs, "near-miss", A, _softmax_notebook(course, kit, NEAR_MISS_SOFTMAX))
    for student, source in LEAKS.items():
        kit.put_submission(subs, f"leak-{student}", A, _softmax_notebook(course, kit, source))
    proc = kit.run_grade(subs, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    records = {p.stem: json.loads(p.read_text()) for p in (out / ".jobs" / A).glob("*.json")}
    return SimpleNamespace(
        scores=kit.scores_by_student(grades),
        grades=grades,
        records=records,
        summary={(r["student_id"], r["assignment"]): r for r in summary},
    )


def _total(graded, student, assignment=A):
    return sum(score for score, _ in graded.scores[(student, assignment)].values())


@pytest.mark.parametrize("student, assignment", sorted(HONEST))
def test_honest_habits_keep_full_marks(graded, course, student, assignment):
    cells_ = graded.scores[(student, assignment)]
    assert set(cells_) == set(course.autograded_cells(assignment))
    lost = {
        gid: [r["reason"] for r in graded.grades if r["student_id"] == student and r["grade_id"] == gid]
        for gid, (s, top) in cells_.items()
        if s != top
    }
    assert not lost, lost
    assert graded.summary[(student, assignment)]["status"] == "graded", graded.summary[(student, assignment)]


def test_the_near_miss_passes_the_public_checks_and_misses_one_hidden_case(graded, course):
    cells_ = graded.scores[("near-miss", A)]
    assert cells_["test_softmax"] == (2.0, 2.0)
    assert cells_["test_softmax_edge"][0] == 0
    reason = next(
        r["reason"] for r in graded.grades if r["student_id"] == "near-miss" and r["grade_id"] == "test_softmax_edge"
    )
    assert reason == "1 hidden case(s) failed: 3-D batch along axis=1: wrong values"


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_no_leak_earns_more_than_the_near_miss(graded, leak):
    student = f"leak-{leak}"
    assert _total(graded, student) <= _total(graded, "near-miss"), graded.summary[(student, A)]


SHARED_KERNEL = """
import json, os, sys
os.environ["NBGRADER_EXECUTION"] = "autograde"
from IPython.core.interactiveshell import InteractiveShell
setup, test, leaks = json.load(sys.stdin)
won = []
for name, source in leaks.items():
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    ok = all(shell.run_cell(cell, silent=True).success for cell in (setup, source, test))
    if ok:
        won.append(name)
print(json.dumps(won))
"""


def test_the_leaks_are_real_threats_where_tests_share_the_learners_process(course):
    """Run as nbgrader runs a notebook (the learner's cells, then the test cell with its
    hidden tests, in one IPython shell), most leaks pass the hidden case: that is what
    running the tests only in the judge takes away."""
    import subprocess
    import sys

    source = course.source(A)
    setup = next(c.source for c in source.cells if cells.kind(c) == cells.SETUP)
    test = next(c.source for c in source.cells if cells.grade_id(c) == "test_softmax_edge")
    done = subprocess.run(
        [sys.executable, "-c", SHARED_KERNEL],
        input=json.dumps([setup, test, LEAKS]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    winners = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(winners) >= 4, (winners, done.stderr[-2000:])
