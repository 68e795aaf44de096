"""The 06_gradients widgets: built without a display, driven by the learner's functions,
updated synchronously when a control changes."""

from __future__ import annotations

import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets.gradients import EPS_GRID, descent_explorer, eps_explorer

from grader.tools.build import solution_functions


def _solutions() -> dict:
    return solution_functions("06_gradients")


SOLUTIONS = _solutions()
GRAD = SOLUTIONS["cross_entropy_grad"]
NUMGRAD = SOLUTIONS["numerical_gradient"]


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


def floats(html: str, css_class: str) -> list[float]:
    """The numbers shown in the elements of one CSS class, in order."""
    return [float(v) for v in re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', html)]


def vectors(html: str, css_class: str) -> list[list[float]]:
    return [
        [float(x) for x in v.strip("[]").split(",")] for v in re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', html)
    ]


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


# ---- gradient descent explorer --------------------------------------------------


def test_one_step_reproduces_the_curriculum_numbers():
    ex = descent_explorer(GRAD)
    assert isinstance(ex, w.VBox) and ex.lr.value == 0.5
    assert vectors(ex.table.value, "ll-p") == [[0.844, 0.114, 0.042]]
    assert floats(ex.table.value, "ll-loss") == [2.170]
    assert vectors(ex.table.value, "ll-grad") == [[0.844, -0.886, 0.042]]
    ex.step_button.click()
    assert floats(ex.table.value, "ll-ptarget") == [0.114, 0.230]
    assert floats(ex.table.value, "ll-loss") == [2.170, 1.469]
    assert vectors(ex.table.value, "ll-logits")[1] == [2.578, 1.443, -0.021]
    assert "ll-problem" not in ex.table.value


def test_the_learning_rate_slider_sets_the_next_step():
    ex = descent_explorer(GRAD)
    ex.lr.value = 2.0
    ex.step_button.click()
    assert ex.history[-1]["lr"] == 2.0
    assert round(ex.history[-1]["loss"], 3) == 0.255  # a bigger step, a bigger drop
    z = ex.history[0]["logits"] - 2.0 * ex.history[0]["grad"]
    assert np.allclose(ex.history[-1]["logits"], z)


def test_steps_keep_the_logit_sum_and_lower_the_loss_then_reset():
    ex = descent_explorer(GRAD)
    for _ in range(5):
        ex.step_button.click()
    losses = [s["loss"] for s in ex.history]
    assert len(losses) == 6 and all(a > b for a, b in zip(losses, losses[1:]))
    assert all(abs(s["logits"].sum() - 4.0) < 1e-12 for s in ex.history)
    ex.reset_button.click()
    assert len(ex.history) == 1 and floats(ex.table.value, "ll-loss") == [2.170]


def test_p_comes_from_the_learners_gradient_not_from_the_widget():
    # a "gradient" that implies uniform probabilities: the widget must show uniform p
    def uniform_minus_y(logits, target):
        z = np.asarray(logits, dtype=float)
        return np.full(z.shape, 1 / z.size) - np.eye(z.size)[target]

    ex = descent_explorer(uniform_minus_y)
    assert vectors(ex.table.value, "ll-p") == [[0.333, 0.333, 0.333]]


@pytest.mark.parametrize(
    "fn, words",
    [
        (not_implemented, "not implemented yet"),
        (lambda z, t: -GRAD(z, t), "does not return p - y"),
        (lambda z, t: 1 / 0, "ZeroDivisionError"),
        (lambda z, t: [1.0, 2.0], "shape"),
    ],
)
def test_a_broken_gradient_gives_a_message_and_no_steps(fn, words):
    ex = descent_explorer(fn)
    assert "ll-problem" in ex.table.value and words in ex.table.value
    ex.step_button.click()
    assert ex.history == []


def test_descent_explorer_rejects_bad_arguments():
    with pytest.raises(LogitlabInputError, match="target"):
        descent_explorer(GRAD, target=3)
    with pytest.raises(TypeError, match="grad_fn"):
        descent_explorer(GRAD([3.0, 1.0, 0.0], 1))
    with pytest.raises(LogitlabInputError, match="labels"):
        descent_explorer(GRAD, labels=["a", "b"])


# ---- eps explorer ----------------------------------------------------------------


def test_the_error_curve_has_truncation_and_round_off_sides():
    ex = eps_explorer(NUMGRAD)
    errors = ex.errors
    assert errors.shape == EPS_GRID.shape and EPS_GRID[0] == 1e-12 and np.isclose(EPS_GRID[-1], 1e-1)
    best = EPS_GRID[np.argmin(errors)]
    assert 1e-6 <= best <= 1e-4
    assert errors.min() < 1e-9
    assert errors[0] > 1e3 * errors.min() and errors[-1] > 1e3 * errors.min()
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_moving_eps_updates_the_readout_synchronously():
    ex = eps_explorer(NUMGRAD)
    ex.eps.value = 1e-2
    assert floats(ex.readout.value, "ll-eps") == [1e-2]
    # central difference of sin at 1 with step 1e-2: error about eps^2 |cos(1)| / 6 = 9.0e-6
    assert floats(ex.readout.value, "ll-error")[0] == pytest.approx(1e-4 * np.cos(1.0) / 6, rel=0.05)
    assert floats(ex.readout.value, "ll-exact") == [pytest.approx(np.cos(1.0), abs=1e-12)]


def test_float32_evaluation_moves_the_best_step_up():
    ex = eps_explorer(NUMGRAD)
    ex.float32.value = True
    assert EPS_GRID[np.argmin(ex.errors)] >= 1e-3
    ex.function.value = "exp(x) at x = 1"
    assert floats(ex.readout.value, "ll-exact") == [pytest.approx(np.e, abs=1e-12)]


def test_the_curve_is_the_learners_own():
    def forward(f, x, eps=1e-5):
        x = np.asarray(x, dtype=float)
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            step = x.copy()
            step[i] += eps
            g[i] = (f(step) - f(x)) / eps
        return g

    ex = eps_explorer(forward)
    # forward differences: error about eps * |f''| / 2, slope 1 instead of 2
    at = int(np.argmin(abs(EPS_GRID - 1e-2)))
    assert ex.errors[at] == pytest.approx(1e-2 * np.sin(1.0) / 2, rel=0.05)


def test_an_unfinished_numerical_gradient_gives_a_message():
    ex = eps_explorer(not_implemented)
    assert ex.errors is None and ex.image.value == b""
    assert "not implemented yet" in ex.readout.value
    ex.eps.value = 1e-3  # moving the slider must not crash
    assert "ll-problem" in ex.readout.value


def test_eps_explorer_rejects_a_step_off_the_slider():
    with pytest.raises(LogitlabInputError, match="eps"):
        eps_explorer(NUMGRAD, eps=1.0)


def test_both_widgets_are_placeholders_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    for widget in (descent_explorer(GRAD), eps_explorer(NUMGRAD)):
        assert isinstance(widget, w.HTML) and "skipped while grading" in widget.value
