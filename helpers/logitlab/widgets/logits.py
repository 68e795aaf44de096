"""Logit explorer (01_logits): raw scores on sliders, judged by the learner's functions.

One slider per class sets its logit. The table draws each score as a bar from a zero
line (right when positive, left when negative) and shows their sum, which the
learner can check by hand. The verdicts come from the learner's own
`predicted_label` (and, if given, `is_distribution`); an unfinished or broken
function shows a short note instead, never an answer computed here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..errors import as_labels, require_callable
from ..plots import ACCENT as NEGATIVE
from ..plots import MAIN as POSITIVE
from ..plots import OKABE_ITO
from ._base import (
    NUM,
    SLIDER_RANGE,
    call_learner,
    finite_logits,
    fn_name,
    logit_sliders,
    placeholder,
    problem_html,
    table_html,
    under_grading,
)

WINNER = OKABE_ITO["bluish green"]


def _bar(value: float, span: float) -> str:
    """A bar from the centre line; |value| = span fills half the width."""
    half = min(abs(value) / span, 1.0) * 50
    left = 50 if value >= 0 else 50 - half
    colour = POSITIVE if value >= 0 else NEGATIVE
    return (
        '<div style="position:relative;width:200px;height:0.9em;'
        'background:var(--jp-layout-color3,#eee)">'
        '<div style="position:absolute;left:50%;top:0;bottom:0;border-left:1px solid #555"></div>'
        f'<div style="position:absolute;left:{left:.1f}%;width:{half:.1f}%;top:15%;bottom:15%;'
        f'background:{colour}"></div></div>'
    )


class LogitExplorer(w.VBox):
    """`.sliders` (one per label) and `.output` (an HTML widget) are public."""

    def __init__(
        self,
        predicted_label_fn: Callable,
        is_distribution_fn: Callable | None,
        logits: np.ndarray,
        labels: tuple[str, ...],
    ):
        self.fns = (predicted_label_fn, is_distribution_fn)
        self.labels = labels
        self.span = max(SLIDER_RANGE, math.ceil(abs(logits).max()))
        self.sliders = logit_sliders(logits, labels, -self.span, self.span, self._refresh)
        self.output = w.HTML()
        super().__init__([*self.sliders, self.output])
        self._refresh()

    def logits(self) -> list[float]:
        return [s.value for s in self.sliders]

    def _refresh(self, _change=None) -> None:
        self.output.value = self._render(self.logits())

    def _prediction(self, scores: list[float]) -> tuple[str | None, str]:
        """(the winning label or None, a line of HTML saying what the learner's function said)."""
        fn = self.fns[0]
        answer, problem = call_learner(fn, scores, list(self.labels))
        if problem is None and not (isinstance(answer, str) and answer in self.labels):
            problem = f"{fn_name(fn)} returned {answer!r:.40}, which is not one of the labels"
        if problem:
            return None, problem_html(problem)
        return answer, (
            f'<p>your {html.escape(fn_name(fn))} says: '
            f'<b class="ll-predicted" style="color:{WINNER}">{html.escape(answer)}</b></p>'
        )

    def _distribution(self, scores: list[float]) -> str:
        fn = self.fns[1]
        if fn is None:
            return ""
        answer, problem = call_learner(fn, scores)
        if problem:
            return problem_html(problem)
        return (
            f'<p>your {html.escape(fn_name(fn))} says: <b class="ll-distribution">{html.escape(repr(answer))}</b></p>'
        )

    def _render(self, scores: list[float]) -> str:
        winner, said = self._prediction(scores)
        rows = []
        for label, s in zip(self.labels, scores):
            mark = f' style="font-weight:bold;color:{WINNER}"' if label == winner else ""
            rows.append(
                f"<tr{mark}><td>{html.escape(label)}</td><td class='ll-logit'{NUM}>{s:.1f}</td>"
                f"<td>{_bar(s, self.span)}</td></tr>"
            )
        rows.append(
            '<tr style="border-top:1px solid currentColor"><td>sum</td>'
            f'<td class="ll-sum"{NUM}>{sum(scores):.1f}</td><td></td></tr>'
        )
        return table_html("ll-logits", "".join(rows)) + said + self._distribution(scores)


def logit_explorer(
    predicted_label_fn: Callable,
    logits: Sequence[float] = (2.0, 1.0, 0.1),
    labels: Sequence[str] | None = None,
    is_distribution_fn: Callable | None = None,
):
    """Sliders for raw `logits`, judged live by YOUR `predicted_label_fn` (and `is_distribution_fn`).

    Move a slider and the table updates: each score as a bar, their sum, the label
    your function predicts, and whether your is_distribution takes the scores for
    probabilities. Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("logit explorer")
    require_callable("predicted_label_fn", predicted_label_fn)
    if is_distribution_fn is not None:
        require_callable("is_distribution_fn", is_distribution_fn)
    z = finite_logits(logits)
    return LogitExplorer(predicted_label_fn, is_distribution_fn, z, as_labels("labels", labels, z.size))
