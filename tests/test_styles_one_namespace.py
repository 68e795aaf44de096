"""The 01-06 styles of the honest corpus, graded the way plain `nbgrader autograde` runs a
notebook: top to bottom in one namespace, each function's test cells (hidden tests
included) right after its solution cell. There a name the learner rebinds is the name
the tests read (`from numpy import *` rebinds bool, all, sum...), so a correct answer
must still pass every cell."""

from __future__ import annotations

import pytest
from corpus_styles_early import STYLES


def _failing_cells(exercises, spec: dict, kit) -> dict[str, str]:
    """Run the setup cell, then for each exercise in order: the cells the learner added
    before it, its solution cell as the entry writes it, and its test cells. Returns
    {grade_id: error} of the test cells that raised."""
    ns = {"__name__": "__main__"}
    exercises._exec(exercises.setup, "setup", ns)
    failed = {}
    for grade_id, source in exercises.solutions.items():
        if grade_id in spec["added"]:
            exercises._exec(kit.strip_magics(spec["added"][grade_id]), f"added before {grade_id}", ns)
        exercises._exec(spec["cells"].get(grade_id, source), grade_id, ns)
        for test_id, test in exercises.tests.items():
            if test_id in (f"test_{grade_id}", f"test_{grade_id}_edge"):
                try:
                    exercises._exec(test, test_id, ns)
                except Exception as exc:
                    failed[test_id] = f"{type(exc).__name__}: {exc}"
    return failed


@pytest.mark.parametrize("student, assignment", sorted(STYLES))
def test_a_correct_style_passes_every_test_cell_in_the_learners_namespace(
    course, kit, private_progress, monkeypatch, student, assignment
):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # test cells fail only under grading
    exercises = course.exercises(assignment)
    assert set(exercises.tests) == {f"test_{g}{edge}" for g in exercises.solutions for edge in ("", "_edge")}
    # quietly: numpy's error state (an entry calls np.seterr) is restored afterwards
    failed = kit.quietly(_failing_cells, exercises, STYLES[(student, assignment)], kit)
    assert not failed, failed
