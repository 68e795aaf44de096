"""The 01_logits checks: the solutions pass them (hidden tests too), and every bug of the
zoo is caught, by the check that names its misconception."""
from __future__ import annotations

import numpy as np
import pytest

from grader.build import source_notebook
from grader.course import BUGZOO
from logitlab.checks import run

ASSIGNMENT = "01_logits"
NB = source_notebook(ASSIGNMENT)
FUNCTIONS = ("is_distribution", "predicted_label")

# bug -> the title of a check that must fail on it (its diagnosis).
DIAGNOSIS = {
    "is_distribution/whole_array_sum": "checks every row of a batch on its own",
    "is_distribution/ignores_negative_entries": "rejects negative entries even when the sum is 1",
    "is_distribution/allclose_default_rtol": "uses exactly the tolerance atol",
    "is_distribution/nan_slips_through": "rejects nan entries",
    "is_distribution/returns_numpy_bool": "returns a Python bool",
    "is_distribution/any_row_passes": "checks every row of a batch on its own",
    "predicted_label/returns_index": "returns the label of the largest logit",
    "predicted_label/running_max_from_zero": "works when every logit is negative",
    "predicted_label/dict_last_tie_wins": "breaks ties in favour of the first",
    "predicted_label/max_of_pairs": "breaks ties in favour of the first",
    "predicted_label/largest_magnitude": "compares values, not magnitudes",
    "predicted_label/shifts_in_place": "leaves its inputs unchanged",
}
BUGS = sorted(p for p in (BUGZOO / ASSIGNMENT).glob("*/*.py"))


def _bug_id(path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _cell(grade_id: str) -> str:
    (source,) = [c.source for c in NB.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return source


def _define(source: str, name: str):
    namespace: dict = {}
    exec(source, namespace)
    return namespace[name]


def _graded_cells_fail(name: str, fn) -> list[str]:
    """Run the test_<name>* cells, hidden tests included, on `fn`: the ids of those that fail."""
    failed = []
    for cell in NB.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if not (meta.get("grade") and grade_id.startswith(f"test_{name}")):
            continue
        namespace = {name: fn}
        exec(_cell("setup"), namespace)
        try:
            exec("\n".join(line for line in cell.source.splitlines() if not line.startswith("%")), namespace)
        except AssertionError:
            failed.append(grade_id)
    return failed


@pytest.mark.parametrize("name", FUNCTIONS)
def test_solution_passes_every_check_and_every_graded_cell(name):
    solution = _define(_cell(name), name)
    report = run(name, solution)
    assert report.passed, report.summary()
    assert len(run(name, solution, part="core").results) >= 5
    assert len(run(name, solution, part="edge").results) >= 2
    assert _graded_cells_fail(name, solution) == []


def test_every_bug_has_a_diagnosis():
    assert sorted(DIAGNOSIS) == [_bug_id(p) for p in BUGS]
    for name in FUNCTIONS:
        assert sum(key.startswith(f"{name}/") for key in DIAGNOSIS) >= 3


@pytest.mark.parametrize("path", BUGS, ids=_bug_id)
def test_bug_is_diagnosed_and_loses_points(path):
    name = path.parent.name
    bug = _define(path.read_text(), name)
    report = run(name, bug)
    assert DIAGNOSIS[_bug_id(path)] in {r.title for r in report.misses}, report.summary()
    assert _graded_cells_fail(name, bug), f"{_bug_id(path)} keeps full marks"


def test_hidden_tests_require_a_python_bool():
    solution = _define(_cell("is_distribution"), "is_distribution")

    def numpy_bool(p, axis=-1, atol=1e-6):
        return np.bool_(solution(p, axis, atol))

    assert "test_is_distribution" in _graded_cells_fail("is_distribution", numpy_bool)
    # ... and the hidden part of the edge cell, run alone, names the problem.
    namespace = {"is_distribution": numpy_bool}
    exec(_cell("setup"), namespace)
    edge = _cell("test_is_distribution_edge").replace("%xmode Minimal", "")
    edge = edge.replace('assert_check("is_distribution", is_distribution, part="edge")', "")
    with pytest.raises(AssertionError, match="numpy.bool.*not a Python bool"):
        exec(edge, namespace)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_function_returning_an_array_is_told_to_reduce():
    def per_row(p, axis=-1, atol=1e-6):
        return np.abs(np.sum(p, axis=axis) - 1) <= atol

    messages = " ".join(r.message for r in run("is_distribution", per_row).misses)
    assert ".all()" in messages


def test_a_learner_bug_cannot_corrupt_the_checks_constants():
    # A function that reverses the labels it is given must not change what later checks expect.
    def reverses(logits, labels):
        labels.reverse() if isinstance(labels, list) else None
        return labels[0]

    run("predicted_label", reverses)
    solution = _define(_cell("predicted_label"), "predicted_label")
    assert run("predicted_label", solution).passed


def test_unimplemented_function_gets_one_clear_message():
    def stub(p, axis=-1, atol=1e-6):
        raise NotImplementedError()

    report = run("is_distribution", stub)
    assert len(report.results) == 1 and "not implemented yet" in report.results[0].message
