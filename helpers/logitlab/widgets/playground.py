"""Logit playground: one slider per class, and what the learner's softmax makes of them.

The widget computes the exps and their sum (the arithmetic the learner can check by
hand) but never the probabilities: those come from the learner's own function, so
an unfinished or wrong softmax shows up as a message, not as a silent correct answer.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import numpy as np
import ipywidgets as w

from ..errors import LogitlabInputError, as_labels, as_vector, require_callable
from ..plots import MAIN as BAR_COLOUR, WARN
from ._base import action, call_learner, fn_name, placeholder, under_grading

SLIDER_RANGE = 10.0
ATOL = 1e-6
NUM = ' style="text-align:right"'  # numbers line up on the decimal point


def distribution_problem(name: str, p: np.ndarray) -> str | None:
    """Why `p` is not a probability distribution, or None if it is one."""
    if not np.isfinite(p).all():
        return f"{name} returned nan or inf"
    if (p < 0).any():
        return f"{name} returned negative values"
    total = p.sum()
    if abs(total - 1.0) > ATOL:
        return f"the output of {name} sums to {total:.4g}, not 1"
    return None


def _bar(p: float) -> str:
    width = min(max(p, 0.0), 1.0) * 100
    return ('<div style="display:inline-block;vertical-align:middle;width:160px;height:0.9em;'
            'background:var(--jp-layout-color3,#ddd)">'
            f'<div style="width:{width:.1f}%;height:100%;background:{BAR_COLOUR}"></div></div>')


class LogitPlayground(w.VBox):
    """Sliders for the logits and a live table; `.sliders` and `.table` are public."""

    def __init__(self, softmax_fn: Callable, logits: np.ndarray, labels: tuple[str, ...]):
        self.softmax_fn = softmax_fn
        self.labels = labels
        low = min(-SLIDER_RANGE, math.floor(logits.min()))
        high = max(SLIDER_RANGE, math.ceil(logits.max()))
        # Wide enough for the longest label, so the sliders line up.
        style = {"description_width": f"{min(max(map(len, labels)), 20) * 0.6 + 1:.1f}em"}
        self.sliders = [
            w.FloatSlider(value=float(v), min=low, max=high, step=0.1, description=label,
                          continuous_update=True, readout_format=".1f", style=style,
                          layout=w.Layout(width="30em"))
            for v, label in zip(logits, labels)
        ]
        self.table = w.HTML()
        for slider in self.sliders:
            slider.observe(self._refresh, names="value")
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
        probs, problem = call_learner(self.softmax_fn, z)
        if probs is not None:
            problem = distribution_problem(fn_name(self.softmax_fn), probs)
        self.table.value = self._render(z, exps, None if problem else probs, problem)

    def _render(self, z, exps, probs, problem) -> str:
        rows = []
        for i, label in enumerate(self.labels):
            prob = ("" if probs is None else
                    f'{_bar(probs[i])} <span class="ll-prob">{probs[i]:.3f}</span>')
            rows.append(f"<tr><td>{html.escape(label)}</td><td{NUM}>{z[i]:.1f}</td>"
                        f'<td class="ll-exp"{NUM}>{exps[i]:.3f}</td><td>{prob}</td></tr>')
        rows.append('<tr style="border-top:1px solid currentColor"><td colspan="2">sum of exps</td>'
                    f'<td class="ll-sum"{NUM}>{exps.sum():.3f}</td><td></td></tr>')
        note = ""
        if problem:
            note = (f'<p class="ll-problem" style="color:{WARN}">'
                    f"{html.escape(problem)} - {action(problem)} to see probabilities.</p>")
        name = html.escape(fn_name(self.softmax_fn))
        head = ("<tr><th>class</th><th>logit</th><th>exp(logit)</th>"
                f"<th>probability from your {name}</th></tr>")
        # Scoped padding: the HTML widget has no stylesheet of its own.
        style = "<style>.ll-playground td, .ll-playground th {padding: 2px 10px}</style>"
        return (f'{style}<table class="ll-playground" style="border-collapse:collapse">{head}'
                f'{"".join(rows)}</table>{note}')


def logit_playground(softmax_fn: Callable, logits: Sequence[float] = (2.0, 1.0, 0.1),
                     labels: Sequence[str] | None = None):
    """Sliders for `logits`, with the probabilities computed by YOUR `softmax_fn`.

    Move a slider and the table updates: each logit, its exp, the sum of exps and
    the probability your function gives. Returns the widget (placeholder under grading).
    """
    if under_grading():
        return placeholder("logit playground")
    require_callable("softmax_fn", softmax_fn)
    z = as_vector("logits", logits)
    if not np.isfinite(z).all():
        raise LogitlabInputError(f"logits must be finite numbers (a slider cannot sit at inf), got {z}")
    return LogitPlayground(softmax_fn, z, as_labels("labels", labels, z.size))
