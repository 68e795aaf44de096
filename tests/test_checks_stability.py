"""The 03_stability checks: the solutions pass them (hidden tests too), and every bug of
the zoo is caught, by the check that names its misconception."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "03_stability"

# bug -> the title of a check that must fail on it (its diagnosis).
DIAGNOSIS = {
    "logsumexp/naive": "is exact for logits of +-1000",
    "logsumexp/forgets_max": "matches the worked example [3.0, 1.0, 0.0]",
    "logsumexp/unguarded_neg_inf": "gives -inf for an all -inf slice",
    "logsumexp/global_max": "shifts every slice by its own max",
    "logsumexp/keepdims_broadcast": "matches the worked example [3.0, 1.0, 0.0]",
    "logsumexp/forces_float64": "keeps float32 input float32",
    "stable_softmax/no_shift": "gives [0.844, 0.114, 0.042] for [1000, 998, 997]",
    "stable_softmax/global_max": "shifts each row by its own max",
    "stable_softmax/shift_by_min": "handles logits of +-1000",
    "stable_softmax/clips_logits": "gives [0.844, 0.114, 0.042] for [1000, 998, 997]",
    "stable_softmax/max_without_keepdims": "normalises each row of a batch along axis=-1",
    "log_softmax/log_of_softmax": "stays finite far below the max (no log(0))",
    "log_softmax/naive_logsumexp": "handles logits of 1000",
    "log_softmax/unshifted_minus_shifted_lse": "matches the worked example [3.0, 1.0, 0.0]",
    "log_softmax/lse_without_keepdims": "handles each row of a batch along axis=-1",
    "log_softmax/global_max": "handles logits of 1000",
}


@pytest.mark.parametrize("name", ["logsumexp", "stable_softmax", "log_softmax"])
def test_solution_passes_every_check_and_every_graded_cell(nb, name):
    solution = nb.solution(name)
    report = run(name, solution)
    assert report.passed, report.summary()
    assert nb.failing(name, solution) == []


@pytest.mark.parametrize("name", ["logsumexp", "stable_softmax", "log_softmax"])
def test_checks_have_core_and_at_least_two_edge_cases(nb, name):
    solution = nb.solution(name)
    assert len(run(name, solution, part="core").results) >= 5
    assert len(run(name, solution, part="edge").results) >= 2


def test_stable_softmax_passes_the_softmax_checks_too():
    from logitlab.checks import cases

    titles = {c.title for c in cases("stable_softmax")}
    assert {c.title for c in cases("softmax")} <= titles


def test_every_bug_has_a_diagnosis(nb):
    assert sorted(DIAGNOSIS) == [nb.bug_id(p) for p in nb.bugs]
    for name in ("logsumexp", "stable_softmax", "log_softmax"):
        assert sum(key.startswith(f"{name}/") for key in DIAGNOSIS) >= 3


def test_bug_is_diagnosed_and_loses_points(nb, bug):
    name = bug.parent.name
    fn = nb.define(bug, name)
    report = nb.quietly(run, name, fn)
    failing = {r.title: r.message for r in report.misses}
    assert DIAGNOSIS[nb.bug_id(bug)] in failing, report.summary()
    assert nb.failing(name, fn), f"{nb.bug_id(bug)} keeps full marks"


def test_messages_name_the_mistake_not_the_answer(nb):
    bug = nb.define(nb.bug("logsumexp", "forgets_max"), "logsumexp")
    with np.errstate(all="ignore"):
        misses = run("logsumexp", bug).misses
    message = dict((r.title, r.message) for r in misses)["matches the worked example [3.0, 1.0, 0.0]"]
    assert "add it back" in message and "3.17" not in message


def test_returning_nothing_is_reported_not_raised():
    report = run("log_softmax", lambda z, axis=-1: None)
    assert not report.passed
    assert all("None" in r.message or "float32" in r.message for r in report.misses)


def test_all_neg_inf_check_accepts_only_minus_inf():
    # A function that returns 0 for an all -inf slice (a common "fix" for the nan) must fail.
    def zero_for_empty(z, axis=-1):
        z = np.asarray(z, dtype=np.float64)
        m = np.max(z, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        out = np.log(np.sum(np.exp(z - m), axis=axis) + 1e-300) + np.squeeze(m, axis=axis)
        return np.where(np.isfinite(np.max(z, axis=axis)), out, 0.0)

    failing = {r.title for r in run("logsumexp", zero_for_empty, part="edge").misses}
    assert "gives -inf for an all -inf slice" in failing
