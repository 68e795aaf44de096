"""The 09_training widget: live training driven by the learner's train_step, with a
progress bar, growing training and validation curves, and a learning-rate control."""

from __future__ import annotations

import math
import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab import datasets
from logitlab.widgets.training import TASKS, svg_curves, task, training_lab

from grader.tools.build import solution_functions

STEP = solution_functions("09_training")["train_step"]
ROUTER, FEW, NEXT_WORD = TASKS


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


class Spy:
    """The solution's train_step, recording the learning rate and data of every call."""

    def __init__(self):
        self.__name__ = "train_step"
        self.calls: list[tuple[float, int]] = []

    def __call__(self, W, b, X, y, lr):
        self.calls.append((lr, len(y)))
        return STEP(W, b, X, y, lr)


def shown(widget, css_class: str) -> float:
    (value,) = re.findall(rf'class="{css_class}"[^>]*>([^<%]+)', widget.readout.value)
    return float(value)


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_the_tasks_are_built_from_the_shipped_tickets():
    router, few, lm = task(ROUTER), task(FEW), task(NEXT_WORD)
    assert router.X.shape[0] == 240 and router.X_val.shape == (120, router.X.shape[1])
    assert few.X.shape[0] == 20 and few.X.shape[1] < router.X.shape[1]
    assert lm.X.shape == (len(lm.y), len(lm.words)) and (lm.X.sum(axis=1) == 1).all()
    assert datasets.END in lm.words and lm.y_val.size > 1000


def test_training_calls_the_learners_step_with_the_chosen_learning_rate():
    spy = Spy()
    lab = training_lab(spy)
    assert isinstance(lab, w.VBox) and lab.task.value == ROUTER
    lab.lr.value, lab.steps.value = 0.2, 30
    lab.train()
    train_calls = [c for c in spy.calls if c[1] == 240]
    val_calls = [c for c in spy.calls if c[1] == 120]
    assert len(train_calls) == 30 and all(lr == pytest.approx(0.2) for lr, _ in train_calls)
    assert len(val_calls) == 30 and {lr for lr, _ in val_calls} == {0.0}  # lr = 0: measure only
    assert lab.progress.value == lab.progress.max == 30
    assert len(lab.train_losses) == len(lab.val_losses) == 30


def test_the_first_loss_is_exactly_log_c_and_both_curves_fall():
    lab = training_lab(STEP)
    lab.train()
    assert lab.train_losses[0] == pytest.approx(math.log(3), rel=1e-12)  # from W = 0, b = 0
    assert lab.val_losses[0] == pytest.approx(math.log(3), rel=1e-12)
    assert lab.train_losses[-1] < 0.3 and lab.val_losses[-1] < 0.5
    assert shown(lab, "ll-step") == lab.steps.value == 200
    assert shown(lab, "ll-train") == round(lab.train_losses[-1], 3)
    assert shown(lab, "ll-val") == round(lab.val_losses[-1], 3)
    assert 70 <= shown(lab, "ll-acc") <= 90
    assert lab.chart.value.count("<polyline") == 2 and lab.problem is None


def test_the_small_task_overfits():
    lab = training_lab(STEP, FEW)
    assert lab.steps.value == 300
    lab.train()
    best = int(np.argmin(lab.val_losses))
    assert lab.train_losses[-1] < 0.05 and lab.val_losses[-1] > lab.val_losses[best] + 0.1
    assert f"at step {best + 1}" in lab.readout.value


def test_the_next_word_model_writes_samples_from_the_learners_step():
    lab = training_lab(STEP, NEXT_WORD)
    lab.steps.value = 40
    lab.train()
    V = len(task(NEXT_WORD).words)
    assert lab.train_losses[0] == pytest.approx(math.log(V), rel=1e-12)
    assert len(lab.samples) == 3 and all(isinstance(s, str) for s in lab.samples)
    words = set(task(NEXT_WORD).words)
    assert all(set(s.split()) <= words for s in lab.samples) and any(lab.samples)
    assert "ll-samples" in lab.readout.value


def test_changing_the_task_resets_the_controls_and_curves():
    lab = training_lab(STEP)
    lab.steps.value = 20
    lab.train()
    lab.task.value = NEXT_WORD
    assert lab.lr.value == pytest.approx(50.0) and lab.steps.value == 100
    assert lab.train_losses == [] and lab.progress.value == 0 and "<polyline" in lab.chart.value


def test_a_learning_rate_far_too_high_is_reported():
    def exploding(W, b, X, y, lr):
        W_new, b_new, loss = STEP(W, b, X, y, lr)
        return W_new, b_new, loss * (1 + lr) ** 4  # a loss that explodes at large lr

    lab = training_lab(exploding)
    lab.lr.value = 500
    lab.train()
    assert "learning rate is too high" in lab.problem and len(lab.train_losses) < 200
    assert "learning rate is too high" in lab.readout.value
    assert not lab.run.disabled


@pytest.mark.parametrize(
    "fn, words",
    [
        (not_implemented, "not implemented yet"),
        (lambda W, b, X, y, lr: (W, b), "should return (new W, new b, loss)"),
        (lambda W, b, X, y, lr: (np.asarray(W).T, b, 1.0), "expected"),
    ],
)
def test_a_broken_step_gives_a_message_and_stops(fn, words):
    lab = training_lab(fn)
    lab.train()
    assert lab.train_losses == [] and words in lab.problem and words in lab.readout.value
    assert not lab.run.disabled


def _ys(svg: str) -> list[list[float]]:
    """The y coordinates of each curve (training first)."""
    return [[float(p.split(",")[1]) for p in pts.split()] for pts in re.findall(r'points="([^"]+)"', svg)]


def test_the_chart_scales_to_the_losses_and_marks_log_c():
    # a divergent run: the validation loss climbs to 50, then inf
    svg = svg_curves([1.0, 0.9, 0.8], [1.1, 50.0, float("inf")], steps=3, guess=1.0986)
    train, val = _ys(svg)
    assert val[1] > val[2] - 1e-9 and min(val) >= 24 - 1e-9  # 50 inside the chart, inf on its top edge
    assert "log C = 1.10" in svg and ">50<" not in svg and ">52.5<" in svg  # the top tick covers 50
    log_svg = svg_curves([1.0, 0.9, 0.8], [1.1, 50.0, float("inf")], steps=3, guess=1.0986, log=True)
    train_log, _ = _ys(log_svg)
    assert max(train_log) - min(train_log) > 5 * (max(train) - min(train))  # log scale spreads the small losses
    assert "loss, log scale" in log_svg


def test_the_legend_sits_above_every_curve():
    svg = svg_curves([5.0, 5.0], [5.0, 5.0], steps=1, guess=1.0986)
    legend_y = [float(y) for y in re.findall(r'<text x="[^"]+" y="([^"]+)"[^>]*>(?:training|validation) loss<', svg)]
    assert legend_y and max(legend_y) < min(min(ys) for ys in _ys(svg))


def test_the_learning_rates_of_the_text_are_exact():
    lab = training_lab(STEP)
    assert {0.5, 50.0} <= set(dict(lab.lr.options).values())
    assert lab.lr.value == 0.5 and lab.lr.label == "0.5"
    lab.log_scale.value = True
    assert "loss, log scale" in lab.chart.value


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    widget = training_lab(STEP)
    assert isinstance(widget, w.HTML) and "skipped while grading" in widget.value


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="train_step"):
        training_lab(None)
    with pytest.raises(ValueError, match="task"):
        training_lab(STEP, "ticket router")
