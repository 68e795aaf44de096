"""Widget of 07_sequence_loss: which positions count, and what that does to the loss.

A small batch of support conversations (prompt, then completion, then padding) and
the logits of a made-up model. The heatmap shows the loss at every (sequence,
position) from the learner's `sequence_cross_entropy(..., reduction="none")`; two
toggles ignore the padding and the prompts (the latter through the learner's
`mask_prompt_tokens`), and the mean loss and perplexity update with them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import ipywidgets as w
import numpy as np

from ..errors import require_callable
from ..plots import loss_heatmap, to_png
from ._base import call_learner, fn_name, placeholder, problem_html, under_grading

IGNORE = -100
PAD = "<pad>"
VOCAB = (PAD, "where", "is", "my", "parcel", "refund", "please", "?", "it", "ships", "today", "sent", "<eos>")
CONVERSATIONS = (  # (prompt, completion)
    ("where is my parcel ?", "it ships today <eos>"),
    ("refund please ?", "refund sent <eos>"),
    ("where is my refund ?", "sent today <eos>"),
)


class Batch(NamedTuple):
    words: list[list[str]]  # the target word at each (sequence, position)
    targets: np.ndarray  # (B, T) target ids, PAD's id at padded positions
    is_pad: np.ndarray  # (B, T) bool
    prompt_lengths: np.ndarray  # (B,) number of target positions that are prompt tokens
    logits: np.ndarray  # (B, T, V)


def demo_batch(seed: int = 7) -> Batch:
    """The conversations as next-token targets, padded to one length, with model logits.

    Target t is token t + 1, so a prompt of P tokens covers the first P - 1 targets.
    The made-up model is sure about padding, good on completions, unsure on prompts.
    """
    seqs = [(p.split(), c.split()) for p, c in CONVERSATIONS]
    length = max(len(p) + len(c) for p, c in seqs) - 1
    words = [((p + c)[1:] + [PAD] * length)[:length] for p, c in seqs]
    targets = np.array([[VOCAB.index(x) for x in row] for row in words])
    is_pad = np.array([[x == PAD for x in row] for row in words])
    prompt_lengths = np.array([len(p) - 1 for p, _ in seqs])
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.0, size=(*targets.shape, len(VOCAB)))
    in_prompt = np.arange(length) < prompt_lengths[:, None]
    boost = np.where(is_pad, 7.0, np.where(in_prompt, 1.0, 4.0))
    np.put_along_axis(
        logits, targets[..., None], np.take_along_axis(logits, targets[..., None], -1) + boost[..., None], axis=-1
    )
    return Batch(words, targets, is_pad, prompt_lengths, logits)


class SequenceLossExplorer(w.VBox):
    """`.pad_mask`, `.prompt_mask` (checkboxes); `.image` (PNG heatmap), `.readout` (HTML);
    `.targets` as passed to the loss, `.losses` (B, T), `.mean_loss`, `.perplexity`."""

    def __init__(self, loss_fn: Callable, mask_fn: Callable, batch: Batch):
        self.loss_fn, self.mask_fn, self.batch = loss_fn, mask_fn, batch
        self.pad_mask = w.Checkbox(value=True, description="ignore padding")
        self.prompt_mask = w.Checkbox(value=False, description="ignore prompt tokens (SFT)")
        self.image = w.Image(format="png", layout=w.Layout(max_width="760px"))
        self.readout = w.HTML()
        for box in (self.pad_mask, self.prompt_mask):
            box.observe(self._refresh, names="value")
        super().__init__([w.HBox([self.pad_mask, self.prompt_mask]), self.readout, self.image])
        self._refresh()

    def _masked_targets(self) -> tuple[np.ndarray, str | None]:
        targets = self.batch.targets.copy()
        if self.pad_mask.value:
            targets = np.where(self.batch.is_pad, IGNORE, targets)
        if not self.prompt_mask.value:
            return targets, None
        out, problem = call_learner(self.mask_fn, targets, self.batch.prompt_lengths, shape=targets.shape)
        if problem:
            return targets, problem
        return out.astype(np.int64), None

    def _losses(self, targets: np.ndarray) -> tuple[np.ndarray | None, float | None, str | None]:
        fn, logits = self.loss_fn, self.batch.logits
        losses, problem = call_learner(fn, logits, targets, reduction="none", shape=targets.shape)
        if problem:
            return None, None, problem
        mean, problem = call_learner(fn, logits, targets, shape=())
        if problem:
            return None, None, problem
        if (losses[targets == IGNORE] != 0).any():
            return None, None, f"{fn_name(fn)}(..., reduction='none') is not 0 at ignored positions"
        return losses, mean, None

    def _refresh(self, _change=None) -> None:
        targets, mask_problem = self._masked_targets()
        self.targets = targets
        self.losses, self.mean_loss, problem = self._losses(targets)
        self.perplexity = None if self.mean_loss is None else math.exp(self.mean_loss)
        notes = "".join(
            problem_html(p, "use this toggle" if p is mask_problem else "see the losses")
            for p in (mask_problem, problem)
            if p
        )
        if self.losses is None:
            self.readout.value, self.image.value = notes, b""
            return
        kept = int((targets != IGNORE).sum())
        self.readout.value = (
            f'<p>supervised tokens: <b class="ll-count">{kept}</b> of {targets.size} &middot; '
            f'mean loss <b class="ll-mean">{self.mean_loss:.3f}</b> &middot; '
            f'perplexity <b class="ll-ppl">{self.perplexity:.3f}</b></p>{notes}'
        )
        self.image.value = self._plot(targets)

    def _plot(self, targets: np.ndarray) -> bytes:
        return to_png(loss_heatmap(self.losses, self.batch.words, targets == IGNORE))


def sequence_loss_explorer(loss_fn: Callable, mask_fn: Callable, seed: int = 7):
    """Per-position losses of a padded batch from YOUR `loss_fn` (sequence_cross_entropy),
    with toggles for the padding mask and the prompt mask (YOUR `mask_fn`, mask_prompt_tokens).

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("sequence loss explorer")
    require_callable("loss_fn", loss_fn)
    require_callable("mask_fn", mask_fn)
    return SequenceLossExplorer(loss_fn, mask_fn, demo_batch(int(seed)))
