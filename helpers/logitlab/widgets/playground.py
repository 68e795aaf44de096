"""Logit playground: one slider per class, and what the learner's softmax makes of them.

The widget computes the exps and their sum (the arithmetic the learner can check by
hand) but never the probabilities: those come from the learner's own function, so
an unfinished or wrong softmax shows up as a message, not as a silent correct answer.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..errors import as_labels, require_callable
from ..plots import MAIN as BAR_COLOUR
from ._base import (
    NUM,
    SLIDER_RANGE,
    bar_html,
    call_learner,
    distribution_problem,
    finite_logits,
    fn_name,
    logit_sliders,
    placeholder,
    problem_html,
    table_html,
    under_grading,
)


class LogitPlayground(w.VBox):
    """Sliders for the logits and a live table; `.sliders` and `.table` are public."""

    def __init__(self, softmax_fn: Callable, logits: np.ndarray, labels: tuple[str, ...]):
        self.softmax_fn = softmax_fn
        self.labels = labels
        low = min(-SLIDER_RANGE, math.floor(logits.min()))
        high = max(SLIDER_RANGE, math.ceil(logits.max()))
        self.sliders = logit_sliders(logits, labels, low, high, self._refresh)
        self.table = w.HTML()
        super().__init__([*self.sliders, self.table])
        self._refresh()

    def logits(self) -> np.ndarray:
        return np.array([s.value for s in self.sliders], dtype=np.float64)

    def __repr__(self) -> str:  # the text shown where widgets cannot render (static views)
        return f"logit playground for {fn_name(self.softmax_fn)} (run the notebook to use it)"

    def _refresh(self, _change=None) -> None:
        z = self.logits()
        with np.errstate(over="ignore"):
            exps = np.exp(z)
        probs, problem = call_learner(self.softmax_fn, z, shape=z.shape)
        if probs is not None:
            problem = distribution_problem(fn_name(self.softmax_fn), probs)
        self.table.value = self._render(z, exps, None if problem else probs, problem)

    def _render(self, z, exps, probs, problem) -> str:
        rows = []
        for i, label in enumerate(self.labels):
            prob = (
                "" if probs is None else f'{bar_html(probs[i], BAR_COLOUR)} <span class="ll-prob">{probs[i]:.3f}</span>'
            )
            rows.append(
                f"<tr><td>{html.escape(label)}</td><td{NUM}>{z[i]:.1f}</td>"
                f'<td class="ll-exp"{NUM}>{exps[i]:.3f}</td><td>{prob}</td></tr>'
            )
        rows.append(
            '<tr style="border-top:1px solid currentColor"><td colspan="2">sum of exps</td>'
            f'<td class="ll-sum"{NUM}>{exps.sum():.3f}</td><td></td></tr>'
        )
        note = problem_html(problem, "see probabilities") if problem else ""
        name = html.escape(fn_name(self.softmax_fn))
        head = f"<tr><th>class</th><th>logit</th><th>exp(logit)</th><th>probability from your {name}</th></tr>"
        return table_html("ll-playground", head + "".join(rows)) + note


def logit_playground(
    softmax_fn: Callable, logits: Sequence[float] = (2.0, 1.0, 0.1), labels: Sequence[str] | None = None
):
    """Sliders for `logits`, with the probabilities computed by YOUR `softmax_fn`.

    Move a slider and the table updates: each logit, its exp, the sum of exps and
    the probability your function gives. Returns the widget (placeholder under grading).
    """
    if under_grading():
        return placeholder("logit playground")
    require_callable("softmax_fn", softmax_fn)
    z = finite_logits(logits)
    return LogitPlayground(softmax_fn, z, as_labels("labels", labels, z.size))
