"""The loss explorer draws the learner's cross_entropy and reads out their perplexity."""

from __future__ import annotations

import re

import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets.cross_entropy import GRID, LossExplorer, loss_explorer

from grader.tools.build import solution_functions


@pytest.fixture(scope="module")
def fns(course):
    ns = solution_functions("05_cross_entropy")
    return ns["cross_entropy"], ns["perplexity"]


def unfinished(*args, **kwargs):
    raise NotImplementedError()


def marker(svg: str) -> tuple[float, float]:
    m = re.search(r'class="ll-marker" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert m, "no marker in the plot"
    return float(m.group(1)), float(m.group(2))


def test_curve_loss_and_perplexity_follow_the_slider(fns):
    w = loss_explorer(*fns)
    assert isinstance(w, LossExplorer)
    np.testing.assert_allclose(w.curve, -np.log(GRID), rtol=1e-12)
    assert w.loss == pytest.approx(np.log(2)) and w.ppl == pytest.approx(2.0)
    x_half, y_half = marker(w.plot.value)
    w.p_correct.value = 0.01
    assert w.loss == pytest.approx(4.60517, abs=1e-5) and w.ppl == pytest.approx(100.0)
    x_low, y_low = marker(w.plot.value)
    assert x_low < x_half and y_low < y_half  # left, and higher up (SVG y grows downwards)
    assert "4.605" in w.readout.value and "100.00" in w.readout.value


def test_it_draws_the_learners_curve(fns):
    log10_bug = lambda p, t: float(-np.log10(np.asarray(p)[t]))  # noqa: E731
    w = loss_explorer(log10_bug, fns[1])
    np.testing.assert_allclose(w.curve, -np.log10(GRID), rtol=1e-12)
    assert w.ppl == pytest.approx(np.exp(np.log10(2)))


def test_without_perplexity_the_readout_says_how_to_get_it(fns):
    w = loss_explorer(fns[0])
    assert w.ppl is None and "pass your perplexity" in w.readout.value


def test_unfinished_or_broken_functions_give_messages(fns):
    w = loss_explorer(unfinished, fns[1])
    assert w.curve is None and w.loss is None
    assert "not implemented yet" in w.readout.value and "ll-curve" not in w.plot.value
    w = loss_explorer(fns[0], unfinished)
    assert w.loss == pytest.approx(np.log(2)) and w.ppl is None
    assert w.problems == ["unfinished is not implemented yet"]
    w = loss_explorer(lambda p, t: -np.log(np.asarray(p)))  # per-class values, not one loss
    assert w.curve is None and any("not one number" in p for p in w.problems)


def test_placeholder_under_grading(monkeypatch, fns):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    w = loss_explorer(unfinished)
    assert not isinstance(w, LossExplorer) and "skipped while grading" in w.value


def test_bad_arguments_are_named(fns):
    with pytest.raises(TypeError, match="cross_entropy"):
        loss_explorer("nope")
    with pytest.raises(LogitlabInputError, match="p_correct"):
        loss_explorer(*fns, p_correct=1.5)
