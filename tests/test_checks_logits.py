"""The 01_logits checks: the solutions pass them (hidden tests too), and every bug of the
zoo is caught, by the check that names its misconception."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "01_logits"
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


@pytest.mark.parametrize("name", FUNCTIONS)
def test_solution_passes_every_check_and_every_graded_cell(nb, name):
    solution = nb.solution(name)
    report = run(name, solution)
    assert report.passed, report.summary()
    assert len(run(name, solution, part="core").results) >= 5
    assert len(run(name, solution, part="edge").results) >= 2
    assert nb.failing(name, solution) == []


def test_every_bug_has_a_diagnosis(nb):
    assert sorted(DIAGNOSIS) == [nb.bug_id(p) for p in nb.bugs]
    for name in FUNCTIONS:
        assert sum(key.startswith(f"{name}/") for key in DIAGNOSIS) >= 3


def test_bug_is_diagnosed_and_loses_points(nb, bug):
    name = bug.parent.name
    fn = nb.define(bug, name)
    report = run(name, fn)
    assert DIAGNOSIS[nb.bug_id(bug)] in {r.title for r in report.misses}, report.summary()
    assert nb.failing(name, fn), f"{nb.bug_id(bug)} keeps full marks"


def test_hidden_tests_require_a_python_bool(nb):
    solution = nb.solution("is_distribution")

    def numpy_bool(p, axis=-1, atol=1e-6):
        return np.bool_(solution(p, axis, atol))

    assert "test_is_distribution" in nb.failing("is_distribution", numpy_bool)
    # ... and the hidden part of the edge cell, run alone, names the problem.
    namespace = nb.namespace(solved=False, is_distribution=numpy_bool)
    edge = nb.tests["test_is_distribution_edge"]  # magics already stripped
    edge = edge.replace('assert_check("is_distribution", is_distribution, part="edge")', "")
    with pytest.raises(AssertionError, match="numpy.bool.*not a Python bool"):
        exec(edge, namespace)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_function_returning_an_array_is_told_to_reduce():
    def per_row(p, axis=-1, atol=1e-6):
        return np.abs(np.sum(p, axis=axis) - 1) <= atol

    messages = " ".join(r.message for r in run("is_distribution", per_row).misses)
    assert ".all()" in messages


def test_a_learner_bug_cannot_corrupt_the_checks_constants(nb):
    # A function that reverses the labels it is given must not change what later checks expect.
    def reverses(logits, labels):
        labels.reverse() if isinstance(labels, list) else None
        return labels[0]

    run("predicted_label", reverses)
    solution = nb.solution("predicted_label")
    assert run("predicted_label", solution).passed


def test_unimplemented_function_gets_one_clear_message():
    def stub(p, axis=-1, atol=1e-6):
        raise NotImplementedError()

    report = run("is_distribution", stub)
    assert len(report.results) == 1 and "not implemented yet" in report.results[0].message
