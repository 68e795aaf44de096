"""The 08_attention widget: an attention heatmap driven by the learner's causal_mask and
masked_softmax, with toggles for the causal mask, a 0-filled mask and the 1/sqrt(d_k) scale."""

from __future__ import annotations

import math
import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab.widgets.attention import D_K, LINKS, SENTENCE, attention_explorer, demo_queries_keys

from grader.tools.build import solution_functions


def _solutions() -> dict:
    return solution_functions("08_attention")


SOLUTIONS = _solutions()
MASK = SOLUTIONS["causal_mask"]
SOFTMAX = SOLUTIONS["masked_softmax"]
T = len(SENTENCE)
LOWER = np.tril(np.ones((T, T), dtype=bool))


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


def shown(widget, css_class: str) -> float:
    (value,) = re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', widget.readout.value)
    return float(value)


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_the_demo_vectors_have_unit_variance_and_the_planted_links_win():
    q, k = demo_queries_keys()
    assert q.shape == k.shape == (T, D_K)
    assert 0.8 < q.var() < 1.2 and 0.8 < k.var() < 1.2
    scores = q @ k.T / math.sqrt(D_K)
    for word, target in LINKS.items():
        i, j = SENTENCE.index(word), SENTENCE.index(target)
        assert scores[i].argmax() == j, f"{word} should look at {target}"


def test_default_view_is_the_learners_causal_softmax():
    ex = attention_explorer(MASK, SOFTMAX)
    assert isinstance(ex, w.VBox) and ex.causal.value and ex.scaled.value and not ex.zero_fill.value
    q, k = demo_queries_keys()
    scores = q @ k.T / math.sqrt(D_K)
    np.testing.assert_array_equal(ex.mask, LOWER)
    np.testing.assert_allclose(ex.weights, SOFTMAX(scores, LOWER), rtol=1e-12)
    assert (ex.weights[~LOWER] == 0).all() and (ex.leak == 0).all()
    assert shown(ex, "ll-leak") == 0.0
    assert shown(ex, "ll-max") == round(ex.weights.max(axis=-1).mean(), 3)
    assert ex.image.value[:4] == b"\x89PNG"


def test_a_zero_filled_mask_leaks_weight_into_the_future():
    ex = attention_explorer(MASK, SOFTMAX)
    ex.zero_fill.value = True
    assert (ex.weights[~LOWER] > 0).all()
    # the first word may see only itself, yet seven "masked" keys at exp(0) = 1 take most of its weight
    assert ex.leak[0] > 0.9 and ex.leak[-1] == 0
    assert shown(ex, "ll-leak") == round(ex.leak.sum(), 3) > 1
    ex.zero_fill.value = False
    assert (ex.leak == 0).all()


def test_dropping_the_scale_makes_the_rows_nearly_one_hot():
    ex = attention_explorer(MASK, SOFTMAX)
    scaled = (shown(ex, "ll-max"), shown(ex, "ll-entropy"))
    ex.scaled.value = False
    assert shown(ex, "ll-max") > 0.95 > scaled[0]
    assert shown(ex, "ll-entropy") < 0.1 < scaled[1]


def test_without_the_causal_mask_a_word_looks_ahead():
    ex = attention_explorer(MASK, SOFTMAX)
    ex.causal.value = False
    assert ex.mask.all() and "future keys" not in ex.readout.value
    my, parcel = SENTENCE.index("my"), SENTENCE.index("parcel")
    assert ex.weights[my].argmax() == parcel  # a later word: impossible while generating


def test_the_widget_uses_the_learners_mask_not_its_own():
    upper = attention_explorer(lambda n: np.triu(np.ones((n, n), dtype=bool)), SOFTMAX)
    assert (upper.weights[np.tril(np.ones((T, T), dtype=bool), k=-1)] == 0).all()
    assert upper.weights[-1, -1] == pytest.approx(1.0)  # the last word sees only itself


@pytest.mark.parametrize(
    "mask_fn, words",
    [
        (not_implemented, "not implemented yet"),
        (lambda n: np.tril(np.ones((n, n))), "not booleans"),
        (lambda n: np.ones((n, n + 1), dtype=bool), "returned shape"),
    ],
)
def test_a_broken_mask_is_reported_and_the_weights_still_shown(mask_fn, words):
    ex = attention_explorer(mask_fn, SOFTMAX)
    assert words in ex.readout.value and "use the causal mask" in ex.readout.value
    assert ex.mask.all() and ex.weights is not None


@pytest.mark.parametrize(
    "softmax_fn, words",
    [
        (lambda scores, mask, axis=-1: np.where(mask, np.exp(scores), 0), "sum to"),
        (lambda scores, mask, axis=-1: np.full(np.shape(scores), 1 / T), "weight to masked entries"),
        (lambda scores, mask, axis=-1: np.exp(scores) / 0, "nan, inf or negative"),
    ],
)
def test_a_wrong_softmax_is_drawn_with_what_is_wrong_marked(softmax_fn, words):
    ex = attention_explorer(MASK, softmax_fn)
    assert ex.weights is not None and ex.image.value[:4] == b"\x89PNG" and ex.image.layout.display is None
    assert words in ex.readout.value
    ex.scaled.value = False  # toggling must not crash either


def test_an_unfinished_softmax_gives_a_message_and_no_image_at_all():
    ex = attention_explorer(MASK, not_implemented)
    assert ex.weights is None and ex.leak is None and ex.image.value == b""
    assert ex.image.layout.display == "none"  # no broken image
    assert "not implemented yet" in ex.readout.value
    ex.scaled.value = False


def test_a_transposed_mask_shows_its_leak_into_the_future():
    upper = attention_explorer(lambda n: np.triu(np.ones((n, n), dtype=bool)), SOFTMAX)
    assert upper.leak[0] > 0.9 and upper.leak[-1] == 0  # "where" looks almost only at later words
    assert shown(upper, "ll-leak") > 1


def test_the_learner_mutating_its_input_does_not_change_the_widget():
    def rude(scores, mask, axis=-1):
        out = SOFTMAX(scores, mask, axis)
        scores[...] = 0
        mask[...] = False
        return out

    ex = attention_explorer(MASK, rude)
    before = ex.weights.copy()
    ex.scaled.value = False
    ex.scaled.value = True
    np.testing.assert_array_equal(ex.weights, before)


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    widget = attention_explorer(MASK, SOFTMAX)
    assert isinstance(widget, w.HTML) and "skipped while grading" in widget.value


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="mask_fn"):
        attention_explorer(None, SOFTMAX)
    with pytest.raises(TypeError, match="softmax_fn"):
        attention_explorer(MASK, "masked_softmax")
