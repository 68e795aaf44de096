"""The 07_sequence_loss checks: the solutions pass all of them (hidden tests too), every
bug in the zoo is caught by a graded cell, and the checks name its misconception."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "07_sequence_loss"
FUNCTIONS = ("shift_for_next_token", "sequence_cross_entropy", "mask_prompt_tokens", "sequence_perplexity")
pytestmark = pytest.mark.usefixtures("private_progress")

# bug -> words its check message must contain (the misconception, named)
MESSAGES = {
    "shift_for_next_token/wrong_direction": "shifted the wrong way: targets must be the NEXT token",
    "shift_for_next_token/batch_axis": "sliced the batch axis",
    "shift_for_next_token/np_roll": "np.roll",
    "shift_for_next_token/targets_equal_inputs": "inputs and targets are equal",
    "shift_for_next_token/float_tokens": "keep them integers",
    "sequence_cross_entropy/mean_over_all_positions": "averaged over all positions including ignored ones",
    "sequence_cross_entropy/naive_logsumexp": "row max subtracted",
    "sequence_cross_entropy/multiplies_by_mask": "inf * 0 = nan",
    "sequence_cross_entropy/hard_coded_ignore": "not a hard-coded -100",
    "sequence_cross_entropy/unknown_reduction_is_mean": "raise ValueError",
    "sequence_cross_entropy/mean_of_sequence_means": "averaged each sequence first",
    "sequence_cross_entropy/indexes_with_ignored": "is not a vocabulary index",
    "sequence_cross_entropy/replaces_targets_in_place": "the targets changed",
    "sequence_cross_entropy/zero_when_all_ignored": "return nan as PyTorch does",
    "mask_prompt_tokens/in_place": "caller's targets changed",
    "mask_prompt_tokens/longest_prompt_for_all": "its own prompt_lengths[b]",
    "mask_prompt_tokens/off_by_one": "one position too few",
    "mask_prompt_tokens/masks_completion": "masked the completion instead of the prompt",
    "mask_prompt_tokens/loops_past_the_end": "IndexError",
    "mask_prompt_tokens/hard_coded_ignore": "not a hard-coded -100",
    "sequence_perplexity/mean_of_sequence_perplexities": "mean of per-sequence perplexities",
    "sequence_perplexity/exp_of_mean_sequence_loss": "averaged the per-sequence mean losses",
    "sequence_perplexity/counts_ignored_positions": "including ignored ones",
    "sequence_perplexity/exp_of_sum": "exp of the summed loss",
    "sequence_perplexity/mean_of_token_perplexities": "averaged the per-token perplexities",
    "sequence_perplexity/naive_softmax_probs": "nan or inf for logits of +-1000",
}


@pytest.fixture(scope="module")
def solutions(nb):
    return {name: nb.solution(name) for name in FUNCTIONS}


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_solution_passes_every_check_and_hidden_test(nb, solutions, fn_name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a correct solution is warning-free (nbgrader counts stderr)
        report = run(fn_name, solutions[fn_name])
        assert report.passed, report.summary()
        assert nb.failing(fn_name, solutions[fn_name]) == []


def test_every_bug_loses_points_and_names_its_misconception(nb, bug):
    fn_name = bug.parent.name
    source = bug.read_text()
    assert source.startswith("# ") and "\n" in source, "a bug file opens with a one-line comment"
    fn = nb.define(bug, fn_name)
    assert nb.failing(fn_name, fn), f"{bug.name} passes every graded cell"
    key = nb.bug_id(bug)
    assert key in MESSAGES, f"add the expected message of {key} to MESSAGES"
    assert MESSAGES[key] in nb.quietly(run, fn_name, fn).summary()


def test_the_worked_numbers_of_the_curriculum(solutions):
    logits = [[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]]
    losses = solutions["sequence_cross_entropy"](logits, [1, 2], reduction="none")
    assert np.round(losses, 3).tolist() == [2.170, 0.306]
    assert round(solutions["sequence_cross_entropy"](logits, [1, 2]), 3) == 1.238
    assert round(solutions["sequence_perplexity"](logits, [1, 2]), 3) == round(math.exp(1.2381008659), 3)


def test_perplexity_pools_tokens_where_a_mean_of_perplexities_would_not(solutions):
    # one sequence with 1 supervised token, one with 3: the pooled value differs from
    # both per-sequence averages, and the check tells the three apart
    ppl = solutions["sequence_perplexity"]
    logits = np.random.default_rng(0).normal(size=(2, 3, 4)) * 2
    targets = np.array([[1, -100, -100], [0, 3, 2]])
    per_seq = [ppl(logits[b], targets[b]) for b in range(2)]
    pooled = ppl(logits, targets)
    assert not math.isclose(pooled, np.mean(per_seq), rel_tol=1e-3)
    losses = solutions["sequence_cross_entropy"](logits, targets, reduction="none")
    assert math.isclose(pooled, math.exp(losses.sum() / 4), rel_tol=1e-12)


def test_messages_never_show_the_expected_losses():
    def slightly_off(logits, targets, ignore_index=-100, reduction="mean"):
        z = np.asarray(logits, dtype=float)
        t = np.asarray(targets)
        keep = t != ignore_index
        top = z.max(axis=-1, keepdims=True)
        lse = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
        picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
        losses = 1.01 * np.where(keep, lse - picked, 0.0)
        if reduction == "none":
            return losses
        return float(losses.sum() / max(keep.sum(), 1)) if reduction == "mean" else float(losses.sum())

    misses = run("sequence_cross_entropy", slightly_off).misses
    assert misses and not any("2.17" in m.message or "1.238" in m.message for m in misses)
