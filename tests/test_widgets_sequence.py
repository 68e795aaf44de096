"""The 07_sequence_loss widget: per-position losses and the toggles for padding and
prompt masks, driven by the learner's sequence_cross_entropy and mask_prompt_tokens."""

from __future__ import annotations

import math
import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab.widgets.sequence import IGNORE, PAD, VOCAB, demo_batch, sequence_loss_explorer

from grader.tools.build import solution_functions


def _solutions() -> dict:
    return solution_functions("07_sequence_loss")


SOLUTIONS = _solutions()
LOSS = SOLUTIONS["sequence_cross_entropy"]
MASK = SOLUTIONS["mask_prompt_tokens"]


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


def shown(widget, css_class: str) -> float:
    (value,) = re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', widget.readout.value)
    return float(value)


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_the_demo_batch_is_padded_and_its_prompts_cover_p_minus_one_targets():
    batch = demo_batch()
    b, t = batch.targets.shape
    assert batch.logits.shape == (b, t, len(VOCAB)) and b == 3
    assert batch.is_pad.any(axis=1).tolist() == [False, True, True]
    assert (batch.targets[batch.is_pad] == VOCAB.index(PAD)).all()
    # the first completion word sits right after the prompt targets
    assert [batch.words[i][batch.prompt_lengths[i]] for i in range(b)] == ["it", "refund", "sent"]
    assert batch.words[0][:4] == ["is", "my", "parcel", "?"]


def test_default_view_ignores_padding_and_matches_the_learners_loss():
    ex = sequence_loss_explorer(LOSS, MASK)
    assert isinstance(ex, w.VBox) and ex.pad_mask.value and not ex.prompt_mask.value
    batch = demo_batch()
    targets = np.where(batch.is_pad, IGNORE, batch.targets)
    assert np.array_equal(ex.targets, targets)
    assert ex.mean_loss == pytest.approx(LOSS(batch.logits, targets), rel=1e-12)
    assert ex.perplexity == pytest.approx(math.exp(ex.mean_loss), rel=1e-12)
    assert shown(ex, "ll-count") == (~batch.is_pad).sum() == 20
    assert shown(ex, "ll-mean") == round(ex.mean_loss, 3)
    assert shown(ex, "ll-ppl") == round(ex.perplexity, 3)
    assert (ex.losses[batch.is_pad] == 0).all() and ex.image.value[:4] == b"\x89PNG"


def test_counting_padding_makes_the_loss_look_better():
    ex = sequence_loss_explorer(LOSS, MASK)
    with_mask = ex.mean_loss
    ex.pad_mask.value = False
    assert shown(ex, "ll-count") == 24
    assert ex.mean_loss < with_mask  # easy pad-after-pad targets drag the mean down


def test_the_prompt_mask_uses_the_learners_function():
    ex = sequence_loss_explorer(LOSS, MASK)
    before = ex.mean_loss
    ex.prompt_mask.value = True
    batch = demo_batch()
    assert shown(ex, "ll-count") == 20 - batch.prompt_lengths.sum() == 10
    assert ex.mean_loss < before  # the prompts are the hard part for this model
    masked = ex.targets != IGNORE
    assert not masked[0, :4].any() and masked[0, 4:].all()

    # a mask function that masks nothing leaves the count alone: the widget does not mask itself
    lazy = sequence_loss_explorer(LOSS, lambda targets, lengths, ignore_index=-100: np.array(targets))
    lazy.prompt_mask.value = True
    assert shown(lazy, "ll-count") == 20


def test_an_unfinished_mask_is_reported_and_the_loss_still_shown():
    ex = sequence_loss_explorer(LOSS, not_implemented)
    ex.prompt_mask.value = True
    assert "not implemented yet" in ex.readout.value and "use this toggle" in ex.readout.value
    assert shown(ex, "ll-count") == 20


@pytest.mark.parametrize(
    "fn, words",
    [
        (not_implemented, "not implemented yet"),
        (lambda logits, targets, ignore_index=-100, reduction="mean": 1 / 0, "ZeroDivisionError"),
        # losses that are not 0 at ignored positions (the learner multiplied nothing out)
        (
            lambda logits, targets, ignore_index=-100, reduction="mean": (
                np.ones(np.shape(targets)) if reduction == "none" else 1.0
            ),
            "not 0 at ignored positions",
        ),
    ],
)
def test_a_broken_loss_gives_a_message_and_no_numbers(fn, words):
    ex = sequence_loss_explorer(fn, MASK)
    assert ex.losses is None and ex.mean_loss is None and ex.perplexity is None
    assert words in ex.readout.value and ex.image.value == b""
    ex.pad_mask.value = False  # toggling must not crash either


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    widget = sequence_loss_explorer(LOSS, MASK)
    assert isinstance(widget, w.HTML) and "skipped while grading" in widget.value


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="loss_fn"):
        sequence_loss_explorer(None, MASK)
    with pytest.raises(TypeError, match="mask_fn"):
        sequence_loss_explorer(LOSS, 3)
