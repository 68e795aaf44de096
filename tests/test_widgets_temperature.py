"""The temperature explorer runs the learner's four functions and shows what they return."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets.temperature import TemperatureExplorer, temperature_explorer

from grader.tools.build import solution_functions

NAMES = ("softmax_with_temperature", "top_k_filter", "top_p_filter", "sample_next_token")


@pytest.fixture(scope="module")
def fns(course):
    """The notebook's solutions, as a learner who finished would have them."""
    ns = solution_functions("04_temperature")
    return tuple(ns[n] for n in NAMES)


def unfinished(*args, **kwargs):
    raise NotImplementedError()


def test_initial_state_is_the_plain_softmax_and_300_draws(fns):
    w = temperature_explorer(*fns)
    assert isinstance(w, TemperatureExplorer)
    expected = fns[0](np.array([3.2, 2.5, 2.1, 1.0, -0.5, -1.2]), 1.0)
    np.testing.assert_allclose(w.tempered, expected)
    np.testing.assert_allclose(w.probs, expected)  # both filters start switched off
    assert w.counts.sum() == 300 and w.problems == []
    assert "mat" in w.output.value and "keyboard" in w.output.value


def test_top_k_slider_limits_distribution_and_draws(fns):
    w = temperature_explorer(*fns)
    w.top_k.value = 2
    assert np.count_nonzero(w.probs) == 2 and w.probs.sum() == pytest.approx(1.0)
    assert set(np.flatnonzero(w.counts)) == {0, 1}
    assert "tokens kept: 2 of 6" in w.output.value


def test_temperature_slider_flattens_and_top_p_follows_it(fns):
    w = temperature_explorer(*fns)
    w.top_p.value = 0.5
    kept_cold = np.count_nonzero(w.probs)
    w.temperature.value = 4.0
    assert w.tempered.max() < 0.35  # flatter than the T = 1 peak of 0.506
    assert np.count_nonzero(w.probs) > kept_cold  # the nucleus grows as the distribution flattens
    kept = fns[2](np.array([3.2, 2.5, 2.1, 1.0, -0.5, -1.2]) / 4.0, 0.5) > -np.inf
    assert set(np.flatnonzero(w.counts)) <= set(np.flatnonzero(kept))


def test_the_histogram_is_reproducible(fns):
    w = temperature_explorer(*fns, seed=7)
    first = w.counts.copy()
    w.temperature.value = 2.0
    w.temperature.value = 1.0
    np.testing.assert_array_equal(w.counts, first)


def test_it_shows_the_learners_result_not_its_own(fns):
    def multiplies(z, temperature, axis=-1):  # a known bug: sharpens when T grows
        return fns[0](np.asarray(z) * temperature, 1.0, axis)

    w = temperature_explorer(multiplies, *fns[1:])
    w.temperature.value = 3.0
    assert w.tempered.max() > 0.8


def test_every_learner_function_is_called(fns):
    called = set()

    def spy(fn):
        def wrapped(*args, **kwargs):
            called.add(fn.__name__)
            return fn(*args, **kwargs)

        wrapped.__name__ = fn.__name__
        return wrapped

    w = temperature_explorer(*map(spy, fns))
    w.top_k.value, w.top_p.value = 3, 0.8
    assert called == set(NAMES)


def test_unfinished_functions_give_messages_not_errors(fns):
    w = temperature_explorer(unfinished, unfinished, unfinished, unfinished)
    assert w.tempered is None and w.probs is None and w.counts is None
    assert any("not implemented yet" in p for p in w.problems)
    assert w.output.value.count("not implemented yet") == 1  # one note per distinct problem
    w = temperature_explorer(*fns[:3], unfinished)
    assert w.probs is not None and w.counts is None


def test_garbage_from_the_learner_is_reported(fns):
    w = temperature_explorer(lambda z, t, axis=-1: np.ones(3), *fns[1:])
    assert w.tempered is None and any("shape" in p for p in w.problems)
    w = temperature_explorer(lambda z, t, axis=-1: np.asarray(z) / t, *fns[1:])  # logits, not probabilities
    assert w.tempered is None and any("returned negative values" in p for p in w.problems)
    w = temperature_explorer(lambda z, t, axis=-1: np.exp(np.asarray(z) / t), *fns[1:])  # never normalised
    assert w.tempered is None and any("sums to" in p and "not 1" in p for p in w.problems)
    w = temperature_explorer(*fns[:3], lambda logits, **kw: 99)
    assert w.counts is None and any("not a token id" in p for p in w.problems)
    w = temperature_explorer(*fns[:3], lambda logits, **kw: 1 / 0)
    assert any("ZeroDivisionError" in p for p in w.problems)


def test_placeholder_under_grading(monkeypatch, fns):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    w = temperature_explorer(unfinished, unfinished, unfinished, unfinished)
    assert not isinstance(w, TemperatureExplorer) and "skipped while grading" in w.value


def test_bad_arguments_are_named(fns):
    with pytest.raises(TypeError, match="top_k_filter"):
        temperature_explorer(fns[0], "not a function", *fns[2:])
    with pytest.raises(LogitlabInputError, match="labels"):
        temperature_explorer(*fns, logits=[1.0, 2.0], labels=["a"])
    with pytest.raises(LogitlabInputError, match="finite"):
        temperature_explorer(*fns, logits=[1.0, np.inf])
    with pytest.raises(LogitlabInputError, match="n_samples"):
        temperature_explorer(*fns, n_samples=0)
