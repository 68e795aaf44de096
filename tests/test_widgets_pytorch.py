"""The 10_pytorch widget: the probabilities-as-logits bug, driven by the learner's
torch_cross_entropy and autograd_logit_gradient (the solutions of the notebook)."""

from __future__ import annotations

import math
import re
import sys

import ipywidgets as w
import numpy as np
import pytest
from logitlab.checks.pytorch import torch_problem
from logitlab.errors import LogitlabInputError
from logitlab.widgets.pytorch import SWEEP, probability_bug_explorer
from support import skip_unless_ci

from grader.tools.build import solution_functions

if torch_problem() is not None:
    skip_unless_ci(f"PyTorch cannot be imported ({torch_problem()}); the widget's numbers need it", module=True)


def _solutions() -> dict:
    return solution_functions("10_pytorch")


SOLUTIONS = _solutions()
LOSS = SOLUTIONS["torch_cross_entropy"]
GRAD = SOLUTIONS["autograd_logit_gradient"]
LOW, HIGH = math.log(2 + math.e) - 1, math.log(2 + math.e)  # the bug's loss band for V = 3


def torch_cross_entropy(*args, **kwargs):  # the learner's stubs, as the student notebook has them
    raise NotImplementedError()


def autograd_logit_gradient(*args, **kwargs):
    raise NotImplementedError()


def shown(widget, css_class: str) -> str:
    (value,) = re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', widget.readout.value)
    return value


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_the_reship_ticket_shows_the_curriculum_figures():
    ex = probability_bug_explorer(LOSS, GRAD)
    assert isinstance(ex, w.VBox) and ex.problem is None
    assert round(ex.loss_right, 3) == 2.170 and round(ex.loss_bug, 3) == 1.387
    assert round(ex.grad_right[1], 3) == -0.886 and round(ex.grad_bug[1], 3) == -0.127
    assert shown(ex, "ll-loss-right") == "2.170" and shown(ex, "ll-loss-bug") == "1.387"
    assert shown(ex, "ll-push-right") == "-0.886" and shown(ex, "ll-push-bug") == "-0.127"
    assert shown(ex, "ll-ratio") == "7.0"  # 0.886 / 0.127: seven times weaker
    assert shown(ex, "ll-given-bug") == "[0.844, 0.114, 0.042]"
    assert ex.image.value[:4] == b"\x89PNG"


def test_the_bug_stays_in_its_band_while_the_right_loss_spans_the_sweep():
    ex = probability_bug_explorer(LOSS, GRAD)
    right, bug = ex.curves["right"], ex.curves["bug"]
    assert right.shape == bug.shape == SWEEP.shape
    assert LOW < bug.min() and bug.max() < HIGH
    assert right.max() - right.min() > 8 and right.min() < 0.01
    assert np.all(np.diff(right) < 0)  # raising the target's logit always lowers the right loss


def test_the_numbers_come_from_the_learners_functions():
    def doubled_loss(*args, **kwargs):
        return 2 * LOSS(*args, **kwargs)

    def halved_grad(logits, target):
        return GRAD(logits, target) / 2

    ex = probability_bug_explorer(doubled_loss, halved_grad)
    assert ex.loss_right == pytest.approx(2 * 2.1698460195562856)
    assert ex.curves["bug"].max() > HIGH  # the sweep is the learner's too
    assert ex.grad_right[1] == pytest.approx(-0.886 / 2, abs=1e-3)


def test_controls_update_the_numbers():
    ex = probability_bug_explorer(LOSS, GRAD)
    ex.sliders[1].value = 8.0  # reship wins
    assert ex.loss_right < 0.01 and LOW < ex.loss_bug < LOW + 0.01
    ex.sliders[1].value = -6.0  # reship loses badly
    assert ex.loss_right > 8 and ex.loss_bug < HIGH
    ex.target.value = 0  # refund is now the answer: [3, -6, 0] scores it well
    assert ex.loss_right == pytest.approx(math.log(1 + math.exp(-9) + math.exp(-3)))
    ex.sliders[0].value = 10.0
    ex.sliders[1].value = 1.0
    ex.target.value = 1
    assert ex.grad_right[1] < -0.99 and abs(ex.grad_bug[1]) < 0.01  # the extra softmax saturates


@pytest.mark.parametrize(
    "loss_fn, grad_fn, words",
    [
        (torch_cross_entropy, GRAD, "torch_cross_entropy is not implemented yet"),
        (LOSS, autograd_logit_gradient, "autograd_logit_gradient is not implemented yet"),
        (lambda *a, **k: 1 / 0, GRAD, "ZeroDivisionError"),
        (LOSS, lambda logits, target: np.zeros(2), "returned shape (2,), expected (1, 3)"),
    ],
)
def test_a_broken_function_gives_a_message_and_no_numbers(loss_fn, grad_fn, words):
    ex = probability_bug_explorer(loss_fn, grad_fn)
    assert words in ex.readout.value and ex.image.value == b""
    assert ex.loss_right is None or ex.grad_right is None
    ex.sliders[0].value = 2.0  # moving a slider must not crash either


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    widget = probability_bug_explorer(LOSS, GRAD)
    assert isinstance(widget, w.HTML) and "skipped while grading" in widget.value


def test_a_note_instead_of_a_widget_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    widget = probability_bug_explorer(LOSS, GRAD)
    assert isinstance(widget, w.HTML) and "PyTorch is not installed" in widget.value


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="loss_fn"):
        probability_bug_explorer(None, GRAD)
    with pytest.raises(TypeError, match="grad_fn"):
        probability_bug_explorer(LOSS, 3)
    with pytest.raises(LogitlabInputError, match="target"):
        probability_bug_explorer(LOSS, GRAD, target=3)
    with pytest.raises(LogitlabInputError, match="logits"):
        probability_bug_explorer(LOSS, GRAD, logits=[1.0, np.inf])
    with pytest.raises(LogitlabInputError, match="labels"):
        probability_bug_explorer(LOSS, GRAD, labels=["a", "b"])
