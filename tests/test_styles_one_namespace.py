"""The 01-06 styles of the honest corpus, graded the way plain `nbgrader autograde` runs a
notebook: the learner's cells and every test cell (hidden tests included) in one
namespace. There a name the learner rebinds is the name the tests read (`from numpy
import *` rebinds bool, all, sum...), so a correct answer must still pass every cell."""

from __future__ import annotations

import pytest
from corpus_styles_early import STYLES


def _namespace(exercises, spec: dict, kit) -> dict:
    """The setup cell, then each solution cell in order (as the entry writes it), each
    after the cells the learner added before it."""
    ns = {"__name__": "__main__"}
    exercises._exec(exercises.setup, "setup", ns)
    for grade_id, source in exercises.solutions.items():
        if grade_id in spec["added"]:
            exercises._exec(kit.strip_magics(spec["added"][grade_id]), f"added before {grade_id}", ns)
        exercises._exec(spec["cells"].get(grade_id, source), grade_id, ns)
    return ns


@pytest.mark.parametrize("student, assignment", sorted(STYLES))
def test_a_correct_style_passes_every_test_cell_in_the_learners_namespace(
    course, kit, private_progress, monkeypatch, student, assignment
):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # test cells fail only under grading
    exercises = course.exercises(assignment)
    ns = kit.quietly(_namespace, exercises, STYLES[(student, assignment)], kit)  # errstate restored after
    failed = {}
    for grade_id, source in exercises.tests.items():
        try:
            kit.quietly(exercises._exec, source, grade_id, ns)
        except Exception as exc:
            failed[grade_id] = f"{type(exc).__name__}: {exc}"
    assert not failed, failed
