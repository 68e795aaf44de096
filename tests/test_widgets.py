"""The live widgets: built without a display, driven by the learner's function, synchronous."""

from __future__ import annotations

import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets import logit_playground, stability_explorer
from logitlab.widgets.stability import OVERFLOW, UNDERFLOW


# Reference functions of the TESTS (the package itself holds none).
def textbook_softmax(z, axis=-1):
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / e.sum(axis=axis, keepdims=True)


def stable_softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def not_implemented(z, axis=-1):
    raise NotImplementedError()


def floats(html: str, css_class: str) -> list[float]:
    """The numbers shown in the elements of one CSS class, in order."""
    return [float(v) for v in re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', html)]


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


# --- logit playground ---------------------------------------------------------------


def test_playground_shows_the_worked_example():
    pg = logit_playground(textbook_softmax, logits=[2.0, 1.0, 0.1], labels=["cat", "dog", "bird"])
    assert isinstance(pg, w.VBox) and isinstance(pg.table, w.HTML)
    assert [s.description for s in pg.sliders] == ["cat", "dog", "bird"]
    assert [s.value for s in pg.sliders] == [2.0, 1.0, 0.1]
    assert all(s.min <= -10 and s.max >= 10 and s.step == 0.1 for s in pg.sliders)
    assert floats(pg.table.value, "ll-exp") == [7.389, 2.718, 1.105]
    assert floats(pg.table.value, "ll-sum") == [11.213]  # 11.2125...: rounded, not truncated
    assert floats(pg.table.value, "ll-prob") == [0.659, 0.242, 0.099]
    assert "ll-problem" not in pg.table.value


def test_moving_a_slider_updates_the_table_synchronously():
    pg = logit_playground(textbook_softmax, labels=["cat", "dog", "bird"])
    pg.sliders[1].value = 3.0  # dog overtakes cat
    expected = np.round(textbook_softmax([2.0, 3.0, 0.1]), 3).tolist()
    assert floats(pg.table.value, "ll-prob") == expected
    assert floats(pg.table.value, "ll-exp")[1] == round(float(np.exp(3.0)), 3)
    assert abs(sum(floats(pg.table.value, "ll-prob")) - 1) < 0.002


def test_probabilities_come_from_the_learners_function_only():
    calls = []

    def uniform(z, axis=-1):  # a valid distribution that is not softmax
        calls.append(np.array(z))
        return np.full(len(z), 1 / len(z))

    pg = logit_playground(uniform, logits=[5.0, 0.0])
    pg.sliders[0].value = -2.0
    assert floats(pg.table.value, "ll-prob") == [0.5, 0.5]
    assert [c.tolist() for c in calls] == [[5.0, 0.0], [-2.0, 0.0]]


def test_learner_mutating_its_input_does_not_move_the_sliders():
    def vandal(z, axis=-1):
        z -= 100.0
        return textbook_softmax(z)

    pg = logit_playground(vandal, logits=[1.0, 2.0])
    assert [s.value for s in pg.sliders] == [1.0, 2.0]
    assert floats(pg.table.value, "ll-prob") == np.round(textbook_softmax([1.0, 2.0]), 3).tolist()


def test_unimplemented_softmax_shows_exps_and_a_message():
    pg = logit_playground(not_implemented, labels=["cat", "dog", "bird"])
    html = pg.table.value
    assert floats(html, "ll-exp") == [7.389, 2.718, 1.105]
    assert floats(html, "ll-prob") == []
    assert "not_implemented is not implemented yet - implement it above" in html
    assert "to see probabilities" in html and 'style="color:#D55E00"' in html  # vermillion warning


@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda z, axis=-1: np.exp(z), "sums to 11.21, not 1"),  # forgot to divide
        (lambda z, axis=-1: z / z.sum(), "negative values"),  # no exp
        (lambda z, axis=-1: np.full(len(z), np.nan), "nan or inf"),
        (lambda z, axis=-1: textbook_softmax(z)[:2], "returned shape (2,), expected (3,)"),
        (lambda z, axis=-1: "0.3 0.3 0.4", "returned str, not an array of numbers"),
        (lambda z, axis=-1: 1 / 0, "raised ZeroDivisionError: division by zero"),
    ],
)
def test_wrong_softmax_is_named_not_shown(fn, message):
    pg = logit_playground(fn, logits=[2.0, 1.0, -0.1] if "negative" in message else [2.0, 1.0, 0.1])
    assert floats(pg.table.value, "ll-prob") == []
    assert message in pg.table.value
    pg.sliders[0].value = 1.5  # and it keeps working after further moves
    assert floats(pg.table.value, "ll-prob") == []


def test_a_fixed_function_can_recover():
    broken = {"yes": True}

    def flaky(z, axis=-1):
        if broken["yes"]:
            raise ValueError("bad axis")
        return textbook_softmax(z)

    pg = logit_playground(flaky, logits=[0.0, 0.0])
    assert "raised ValueError: bad axis" in pg.table.value
    broken["yes"] = False
    pg.sliders[0].value = 0.1
    assert floats(pg.table.value, "ll-prob") == [0.525, 0.475]
    assert "ll-problem" not in pg.table.value


def test_slider_range_grows_to_hold_large_initial_logits():
    pg = logit_playground(stable_softmax, logits=[12.4, -3.2, 0.1], labels=["cat", "dog", "apple"])
    assert pg.sliders[0].value == 12.4 and pg.sliders[0].max >= 12.4
    assert floats(pg.table.value, "ll-prob")[0] == 1.0  # ~0.99999 shown to 3 decimals


def test_labels_are_escaped():
    pg = logit_playground(textbook_softmax, logits=[1.0, 0.0], labels=["<b>x</b>", "y"])
    assert "&lt;b&gt;x&lt;/b&gt;" in pg.table.value


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"softmax_fn": "softmax"}, TypeError, "softmax_fn must be a function"),
        ({"softmax_fn": textbook_softmax(np.zeros(2))}, TypeError, "softmax_fn must be a function"),
        ({"logits": ["a", "b"]}, LogitlabInputError, "logits must be a list"),
        ({"logits": [[1.0, 2.0]]}, LogitlabInputError, "logits must be 1-D"),
        ({"logits": []}, LogitlabInputError, "logits must be 1-D with at least 1"),
        ({"logits": [1.0, np.inf]}, LogitlabInputError, "logits must be finite"),
        ({"logits": [1.0, 2.0], "labels": ["a"]}, LogitlabInputError, "labels must have 2 entries"),
    ],
)
def test_playground_bad_input_names_the_argument(kwargs, exc, words):
    args = {"softmax_fn": textbook_softmax, **kwargs}
    with pytest.raises(exc, match=re.escape(words)):
        logit_playground(**args)


# --- stability explorer --------------------------------------------------------------


def column(html: str) -> list[str]:
    return re.findall(r"<tr><td>[^<]*</td><td>(?:<b[^>]*>)?([^<]+)<", html)


def test_explorer_agrees_with_both_at_moderate_logits():
    ex = stability_explorer(textbook_softmax, stable_softmax)
    assert (ex.scale.value, ex.offset.value) == (1.0, 0.0)
    assert ex.scale.min <= 0 and ex.scale.max >= 3 and ex.scale.base == 10  # 1 .. 1000
    assert column(ex.naive_html.value) == column(ex.stable_html.value) == ["0.844", "0.114", "0.042"]
    assert "past the overflow point" not in ex.note.value
    assert f"{OVERFLOW:.2f}" == "709.78" and "709.78" in ex.note.value


def test_offset_reaches_the_classic_overflow_example():
    ex = stability_explorer(textbook_softmax, stable_softmax, labels=["refund", "reship", "escalate"])
    ex.offset.value = 997
    assert "refund 1000, reship 998, escalate 997" in ex.logits_html.value
    assert column(ex.naive_html.value) == ["nan", "nan", "nan"]
    assert ex.naive_html.value.count('class="ll-bad"') == 3 and "#D55E00" in ex.naive_html.value
    assert "3 of 3 entries are nan or inf" in ex.naive_html.value
    assert column(ex.stable_html.value) == ["0.844", "0.114", "0.042"]
    assert "ll-bad" not in ex.stable_html.value
    assert "past the overflow point" in ex.note.value


def test_scale_multiplies_the_logits():
    ex = stability_explorer(textbook_softmax, stable_softmax)
    ex.scale.value = 1000.0
    assert "class 0 3000, class 1 1000, class 2 0" in ex.logits_html.value
    assert column(ex.naive_html.value)[0] in ("nan", "inf")  # exp(3000) = inf
    assert column(ex.stable_html.value) == ["1.000", "0.000", "0.000"]


def test_note_explains_underflow_for_very_negative_logits():
    ex = stability_explorer(textbook_softmax, stable_softmax)
    ex.offset.value = -1000
    assert UNDERFLOW < -745 and "below -745.1" in ex.note.value
    assert column(ex.naive_html.value) == ["nan", "nan", "nan"]  # 0 / 0
    assert column(ex.stable_html.value) == ["0.844", "0.114", "0.042"]


def test_unimplemented_function_is_named_in_its_own_column():
    ex = stability_explorer(textbook_softmax, not_implemented)
    assert "not_implemented is not implemented yet" in ex.stable_html.value
    assert column(ex.naive_html.value) == ["0.844", "0.114", "0.042"]
    ex.offset.value = 5  # both columns refresh on every move
    assert "not implemented yet" in ex.stable_html.value
    assert column(ex.naive_html.value) == ["0.844", "0.114", "0.042"]


@pytest.mark.parametrize(
    "args, words",
    [
        ((None, stable_softmax), "naive_fn must be a function"),
        ((textbook_softmax, 3), "stable_fn must be a function"),
        ((textbook_softmax, stable_softmax, "abc"), "logits must be a list"),
        ((textbook_softmax, stable_softmax, [1.0, -np.inf]), "logits must be finite"),
    ],
)
def test_explorer_bad_input_names_the_argument(args, words):
    with pytest.raises((TypeError, LogitlabInputError), match=re.escape(words)):
        stability_explorer(*args)


def test_static_views_get_a_short_text():
    # Where widgets cannot render (nbviewer, GitHub), text/plain is shown instead.
    assert (
        logit_playground(textbook_softmax)._repr_mimebundle_()["text/plain"]
        == "logit playground for textbook_softmax (run the notebook to use it)"
    )
    assert (
        stability_explorer(textbook_softmax, stable_softmax)._repr_mimebundle_()["text/plain"]
        == "stability explorer: textbook_softmax vs stable_softmax (run the notebook to use it)"
    )


# --- grading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: logit_playground(not_implemented), "logit playground"),
        (lambda: stability_explorer(not_implemented, not_implemented), "stability explorer"),
    ],
)
def test_placeholder_under_grading(monkeypatch, build, name):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    widget = build()
    assert isinstance(widget, w.HTML) and not hasattr(widget, "sliders")
    assert f"{name}: interactive widget skipped while grading" in widget.value
