"""The 06_gradients checks: the solution passes all of them, every bug in the zoo is
caught by a graded cell, and the checks name the misconception they detect."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "06_gradients"
FUNCTIONS = ("cross_entropy_grad", "numerical_gradient")
pytestmark = pytest.mark.usefixtures("private_progress")

# bug -> words its check message must contain (the misconception, named)
MESSAGES = {
    "cross_entropy_grad/sign_flipped": "sign flipped",
    "cross_entropy_grad/no_mean_division": "forgot the 1/N",
    "cross_entropy_grad/divides_by_classes": "number of classes",
    "cross_entropy_grad/naive_softmax": "row max",
    "cross_entropy_grad/onehot_at_prediction": "not at the target",
    "cross_entropy_grad/shifts_logits_in_place": "logits changed",
    "cross_entropy_grad/float64_onehot": "float32 logits gave float64",
    "cross_entropy_grad/softmax_over_batch": "each row",
    "numerical_gradient/forward_difference": "forward differences, not central",
    "numerical_gradient/divides_by_eps": "2 * eps",
    "numerical_gradient/restores_by_arithmetic": "x modified after the call",
    "numerical_gradient/perturbs_rows": "whole ROW",
    "numerical_gradient/ignores_eps": "eps argument was ignored",
    "numerical_gradient/integer_copy": "integers",
    "numerical_gradient/float32_steps": "float32",
}


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_solution_passes_every_check_and_hidden_test(nb, fn_name):
    fn = nb.solution(fn_name)
    report = run(fn_name, fn)
    assert report.passed, report.summary()
    assert nb.failing(fn_name, fn) == []


def test_every_bug_loses_points_and_names_its_misconception(nb, bug):
    fn_name = bug.parent.name
    source = bug.read_text()
    assert source.startswith("# ") and "\n" in source, "a bug file opens with a one-line comment"
    fn = nb.define(bug, fn_name)
    assert nb.failing(fn_name, fn), f"{bug.name} passes every graded cell"
    key = nb.bug_id(bug)
    assert key in MESSAGES, f"add the expected message of {key} to MESSAGES"
    assert MESSAGES[key] in nb.quietly(run, fn_name, fn).summary()


def test_messages_never_show_the_expected_gradient():
    # a wrong answer close to the truth: the miss must not print the right numbers
    def nearly(logits, target):
        z = np.asarray(logits, dtype=float)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        return 1.01 * (p - (np.arange(z.shape[-1]) == np.asarray(target)[..., None])) / np.asarray(target).size

    misses = run("cross_entropy_grad", nearly).misses
    assert misses and not any("0.886" in m.message or "0.422" in m.message for m in misses)
