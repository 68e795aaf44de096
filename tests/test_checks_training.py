"""The 09_training checks: the solutions pass all of them (hidden tests too), every bug in
the zoo is caught by a graded cell, and the checks name its misconception. fit is checked
against the learner's own train_step, so each test binds both in one notebook namespace."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from corpus_styles_late import TRAINING_DECORATED, TRAINING_PARTIAL_AND_CLASS
from logitlab.checks import run
from logitlab.hints import tiers
from support import skip_unless_ci

from grader.tools.build import learner_source

ASSIGNMENT = "09_training"
FUNCTIONS = ("train_step", "fit")
pytestmark = pytest.mark.usefixtures("private_progress")


@pytest.fixture(scope="module")
def solved(nb) -> dict:
    """The notebook's namespace with both solutions: fit finds train_step beside it."""
    return nb.namespace()


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_solution_passes_every_check_and_hidden_test(nb, solved, fn_name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a correct solution is warning-free (nbgrader counts stderr)
        report = run(fn_name, solved[fn_name])
        assert report.passed, report.summary()
        assert nb.failing(fn_name, solved) == []


def test_a_train_step_bug_costs_points_in_train_step_only(nb):
    # fit is replayed with the learner's own train_step, so a wrong (but deterministic) step
    # is graded once, in train_step's cells
    for bug in (
        "loss_summed",
        "bias_never_updated",
        "steps_uphill",
        "gradient_summed_over_batch",
        "updates_in_place",
        "loss_after_step",
        "float64_onehot",
    ):
        ns = nb.namespace(train_step=nb.bug("train_step", bug))
        assert nb.failing("fit", ns) == [], bug
        assert nb.quietly(run, "fit", ns["fit"]).passed, bug


FIT_PARTIAL = TRAINING_PARTIAL_AND_CLASS["fit"]  # fit = functools.partial(train, init_scale=0.01)
FIT_OBJECT = """class Trainer:
    def __call__(self, X, y, num_classes, lr, steps, rng):
        return train(X, y, num_classes, lr, steps, rng, 0.01)


fit = Trainer()
"""


FIT_DECORATED = TRAINING_DECORATED["fit"]  # @np.errstate(...): a wrapper defined in contextlib


@pytest.mark.parametrize(
    "source",
    [FIT_PARTIAL, FIT_PARTIAL + FIT_OBJECT, FIT_DECORATED],
    ids=["partial", "callable-object", "library-decorator"],
)
def test_a_fit_that_is_not_a_plain_function_finds_train_step(nb, source):
    # a correct fit written as a partial, a callable object or a decorated function: checks
    # and hidden tests look up the learner's train_step through the function behind it
    ns = nb.namespace(fit=source)
    assert "train_step" not in getattr(ns["fit"], "__globals__", {})
    assert run("fit", ns["fit"]).passed
    assert nb.failing("fit", ns) == []


def test_fit_without_train_step_says_to_run_its_cell(nb):
    ns = nb.namespace(solved=False, fit=nb.solutions["fit"])
    report = run("fit", ns["fit"])
    assert not report.passed and "run the train_step cell first" in report.summary()


def test_unimplemented_functions_get_one_clear_message(nb):
    def todo(*args, **kwargs):
        raise NotImplementedError()

    for fn_name in FUNCTIONS:
        report = run(fn_name, todo)
        assert not report.passed and len(report.results) == 1
        assert "not implemented yet" in report.results[0].message
    # fit written, train_step not yet: the fit report says what to do
    ns = nb.namespace(train_step=todo)
    assert "fit calls your train_step, which is not implemented yet" in run("fit", ns["fit"]).summary()


def test_the_hints_have_tiers_and_hold_no_line_of_a_solution(nb):
    for fn_name in FUNCTIONS:
        hint_text = " ".join(tiers(fn_name))
        assert 2 <= len(tiers(fn_name)) <= 3
        body = learner_source(nb.solutions[fn_name]).split('"""')[-1]  # after the docstring
        lines = [line.split("#")[0].strip() for line in body.splitlines()]
        for line in lines:
            if len(line) > 12:
                assert line not in hint_text, f"the {fn_name} hints give away: {line}"


def test_the_worked_numbers(solved):
    step = solved["train_step"]
    W, b, loss = step([[3.0, 1.0, 0.0]], [0.0, 0.0, 0.0], [[1.0]], [1], 0.25)
    assert round(loss, 3) == 2.170
    assert round(step(W, b, [[1.0]], [1], 0.0)[2], 3) == 1.469  # 06's step on the logits
    _, _, uniform = step(np.zeros((4, 3)), np.zeros(3), np.ones((5, 4)), [0, 1, 2, 0, 1], 1.0)
    assert uniform == pytest.approx(math.log(3), rel=1e-12)


def test_fit_history_is_the_loss_before_each_step(solved):
    fit, step = solved["fit"], solved["train_step"]
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 4, size=12)
    W, b, history = fit(X, y, 4, 0.5, 6, np.random.default_rng(8))
    W0 = np.random.default_rng(8).normal(scale=0.01, size=(3, 4))
    assert len(history) == 6 and all(type(h) is float for h in history)
    assert history[0] == pytest.approx(step(W0, np.zeros(4), X, y, 0.0)[2], rel=1e-15)
    assert history[0] == pytest.approx(math.log(4), abs=0.02)
    assert all(a > c for a, c in zip(history, history[1:]))
    assert step(W, b, X, y, 0.0)[2] < history[-1]  # the final parameters are one step further


def test_messages_never_show_the_expected_values():
    def slightly_off(W, b, X, y, lr):
        W, b, X, y = (np.asarray(a, dtype=float) for a in (W, b, X)) + (np.asarray(y),)
        z = X @ W + b
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = float(np.mean(-np.log(p[np.arange(len(y)), y])))
        p[np.arange(len(y)), y] -= 1
        g = 1.01 * p / len(y)
        return W - lr * X.T @ g, b - lr * g.sum(axis=0), loss

    misses = run("train_step", slightly_off).misses
    assert misses
    for m in misses:
        assert not any(v in m.message for v in ("2.789", "1.221", "0.333", "0.833", "-0.21"))


def test_train_step_agrees_with_torch_autograd(solved):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        skip_unless_ci("torch cannot be imported (`make torch` installs torch==2.13.0)")
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(16, 7)), rng.integers(0, 5, size=16)
    W, b = rng.normal(size=(7, 5)), rng.normal(size=5)
    W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (W, b))
    loss = F.cross_entropy(torch.tensor(X) @ W_t + b_t, torch.tensor(y))
    loss.backward()
    W_new, b_new, mine = solved["train_step"](W, b, X, y, 0.3)
    assert mine == pytest.approx(loss.item(), rel=1e-6)
    np.testing.assert_allclose(W_new, W - 0.3 * W_t.grad.numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(b_new, b - 0.3 * b_t.grad.numpy(), rtol=1e-6, atol=1e-9)
