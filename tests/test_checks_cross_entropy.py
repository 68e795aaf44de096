"""05_cross_entropy: the checks pass the solution, catch every bug in the zoo with a message
naming its mistake, and each bug costs points only on its own function's cells."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "05_cross_entropy"
FUNCTIONS = ("cross_entropy", "cross_entropy_from_logits", "perplexity")

# The words each bug's report must contain: the check names the mistake, not just "wrong".
MESSAGES = {
    "cross_entropy/sums_over_batch": "summed instead of averaged over the batch",
    "cross_entropy/uses_log10": "used log10",
    "cross_entropy/forgot_minus_sign": "forgot the minus sign",
    "cross_entropy/log_of_one_minus_p": "took log of the target probability 1 - p",
    "cross_entropy/onehot_times_log": "0 * log(0)",
    "cross_entropy/clips_probabilities": "Do not clip",
    "cross_entropy/column_block_indexing": "N x N block",
    "cross_entropy_from_logits/log_of_softmax": "a tiny probability was materialised",
    "cross_entropy_from_logits/no_max_shift": "exp(1000) overflows",
    "cross_entropy_from_logits/forgot_target_logit": "forgot to subtract the target's logit",
    "cross_entropy_from_logits/max_not_added_back": "did not add it back",
    "cross_entropy_from_logits/sums_over_batch": "summed instead of averaged over the batch",
    "cross_entropy_from_logits/global_max": "not by the max of the whole batch",
    "perplexity/base_two": "used 2 ** loss",
    "perplexity/exp_of_negative_loss": "1 / perplexity",
    "perplexity/math_exp": "math.exp",
    "perplexity/upcasts_float32": "came back as float64",
}


def test_the_notebook_defines_the_contract(nb):
    assert tuple(nb.solutions) == FUNCTIONS
    assert sorted(nb.tests) == sorted(f"test_{f}{s}" for f in FUNCTIONS for s in ("", "_edge"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_solution_passes_checks_and_hidden_tests(nb, function):
    ns = nb.namespace()
    report = run(function, ns[function])
    assert report.passed, report.summary()
    assert not nb.failing(function, ns)


def test_every_bug_has_an_expected_message(nb):
    assert sorted(MESSAGES) == sorted(nb.bug_id(p) for p in nb.bugs)
    for function in FUNCTIONS:
        assert len([p for p in nb.bugs if p.parent.name == function]) >= 3


def test_checks_catch_the_bug_and_name_it(nb, bug):
    function = bug.parent.name
    ns = nb.namespace(**{function: bug})
    report = run(function, ns[function])
    assert not report.passed, f"{nb.bug_id(bug)} passes every check"
    messages = " | ".join(r.message for r in report.misses)
    assert MESSAGES[nb.bug_id(bug)] in messages, messages


def test_bug_fails_its_graded_cells_and_no_others(nb, bug):
    function = bug.parent.name
    ns = nb.namespace(**{function: bug})
    assert nb.failing(function, ns), f"{nb.bug_id(bug)} keeps full marks"
    for other in FUNCTIONS:
        if other != function:
            assert not nb.failing(other, ns), f"{nb.bug_id(bug)} costs points on {other}"


def test_worked_numbers_of_the_curriculum(nb):
    ns = nb.namespace()
    ce, cefl, ppl = ns["cross_entropy"], ns["cross_entropy_from_logits"], ns["perplexity"]
    assert round(cefl([2.0, 1.0, 0.1], 0), 2) == 0.42
    assert round(cefl([3.0, 1.0, 0.0], 1), 2) == 2.17 and round(cefl([3.0, 1.0, 0.0], 0), 2) == 0.17
    assert round(cefl([1.0, 0.0, -2.0], 1), 3) == 1.349 and round(cefl([1.0, 0.0, -2.0], 0), 3) == 0.349
    assert round(cefl([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), 3) == 1.238
    table = {0.99: 0.01, 0.90: 0.11, 0.80: 0.22, 0.50: 0.69, 0.10: 2.30, 0.01: 4.61}
    assert {p: round(ce([p, 1 - p], 0), 2) for p in table} == table
    assert ppl(ce([0.5, 0.5], 0)) == pytest.approx(2.0)


def test_losses_agree_between_probabilities_and_logits(nb):
    ns = nb.namespace()
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3.0, size=(4, 5, 7))
    t = rng.integers(0, 7, size=(4, 5))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    assert ns["cross_entropy"](probs, t) == pytest.approx(ns["cross_entropy_from_logits"](z, t), rel=1e-12)


def test_a_bad_target_is_a_clear_value_error(nb):
    ns = nb.namespace()
    for fn in (ns["cross_entropy"], ns["cross_entropy_from_logits"]):
        with pytest.raises(ValueError, match="class indices from 0 to 2"):
            fn([0.2, 0.3, 0.5], -1)  # numpy indexing would silently take the last class
        with pytest.raises(ValueError, match="one integer class per row"):
            fn([[0.2, 0.8], [0.5, 0.5]], [0.0, 1.0])
