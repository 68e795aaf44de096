"""The logit explorer of 01: built without a display, driven by the learner's functions."""

from __future__ import annotations

import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets.logits import logit_explorer

TICKETS = ["refund", "reship", "escalate"]


# Reference functions of the TESTS (the package itself holds none).
def argmax_label(logits, labels):
    return labels[int(np.argmax(logits))]


def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=np.float64)
    return bool(np.isfinite(p).all() and (p >= 0).all() and (abs(p.sum(axis=axis) - 1) <= atol).all())


def shown(html: str, css_class: str) -> list[str]:
    return re.findall(rf'class=["\']{css_class}["\'][^>]*>([^<]+)<', html)


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_explorer_shows_scores_their_sum_and_the_learners_answers():
    ex = logit_explorer(argmax_label, logits=[3.0, 1.0, 0.0], labels=TICKETS, is_distribution_fn=is_distribution)
    assert isinstance(ex, w.VBox) and isinstance(ex.output, w.HTML)
    assert [s.description for s in ex.sliders] == TICKETS
    assert [s.value for s in ex.sliders] == [3.0, 1.0, 0.0]
    assert all(s.min <= -10 and s.max >= 10 for s in ex.sliders)
    assert shown(ex.output.value, "ll-logit") == ["3.0", "1.0", "0.0"]
    assert shown(ex.output.value, "ll-sum") == ["4.0"]
    assert shown(ex.output.value, "ll-predicted") == ["refund"]
    assert shown(ex.output.value, "ll-distribution") == ["False"]


def test_moving_sliders_updates_the_output_synchronously():
    ex = logit_explorer(argmax_label, logits=[3.0, 1.0, 0.0], labels=TICKETS, is_distribution_fn=is_distribution)
    ex.sliders[1].value = 5.0
    assert shown(ex.output.value, "ll-predicted") == ["reship"]
    assert shown(ex.output.value, "ll-sum") == ["8.0"]
    for slider, v in zip(ex.sliders, [0.5, 0.3, 0.2]):
        slider.value = v
    assert shown(ex.output.value, "ll-distribution") == ["True"]
    assert shown(ex.output.value, "ll-predicted") == ["refund"]


def test_the_answer_comes_from_the_learners_function_not_the_widget():
    ex = logit_explorer(lambda logits, labels: labels[-1], labels=["cat", "dog", "bird"])
    assert shown(ex.output.value, "ll-predicted") == ["bird"]  # wrong, as the learner wrote it
    assert "ll-distribution" not in ex.output.value  # no is_distribution given: nothing shown


def test_unfinished_or_broken_functions_become_messages():
    def stub(logits, labels):
        raise NotImplementedError()

    ex = logit_explorer(stub, is_distribution_fn=stub)
    assert "not implemented yet" in ex.output.value and "ll-predicted" not in ex.output.value
    ex = logit_explorer(lambda logits, labels: 0)  # a position, not a label
    assert "not one of the labels" in ex.output.value
    ex = logit_explorer(lambda logits, labels: 1 / 0)
    assert "ZeroDivisionError" in ex.output.value
    ex.sliders[0].value = -3.0  # still alive after a crash
    assert shown(ex.output.value, "ll-sum") == ["-1.9"]


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    ex = logit_explorer(argmax_label)
    assert isinstance(ex, w.HTML) and not hasattr(ex, "sliders")


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="predicted_label_fn"):
        logit_explorer(argmax_label([1.0, 2.0], ["a", "b"]))
    with pytest.raises(TypeError, match="is_distribution_fn"):
        logit_explorer(argmax_label, is_distribution_fn=True)
    with pytest.raises(LogitlabInputError, match="labels"):
        logit_explorer(argmax_label, logits=[1.0, 2.0], labels=["a"])
    with pytest.raises(LogitlabInputError, match="finite"):
        logit_explorer(argmax_label, logits=[1.0, np.inf])
