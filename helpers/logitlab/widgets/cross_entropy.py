"""Loss explorer (05_cross_entropy): the probability of the correct class against the loss.

A slider sets p, the probability that a two-class prediction [p, 1 - p] gives the
correct (first) class. The curve is the learner's own `cross_entropy` evaluated along
p, drawn as SVG with a marker at the slider; the readout shows the learner's loss and
perplexity there. A dashed 1 - p line, the "difference" score the notebook argues
against, is drawn for comparison (it is not an answer to any exercise). An unfinished
or broken function shows a short note instead of a curve.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ipywidgets as w
import numpy as np

from ..errors import LogitlabInputError, require_callable
from ..plots import ACCENT as MARK
from ..plots import MAIN as CURVE
from ._base import call_learner, placeholder, problem_html, under_grading

GUIDE = "#999999"  # grey: the 1 - p comparison line, not part of any answer
GRID = np.round(np.linspace(0.01, 0.99, 99), 2)  # the slider's values
WIDTH, HEIGHT, PAD = 440, 270, 42  # SVG size and the margin that holds the axis labels


class LossExplorer(w.VBox):
    """Control `.p_correct`; outputs `.curve` (the learner's loss at every slider value, or
    None), `.loss` and `.ppl` at the slider (None when unavailable), `.problems`, and the
    HTML widgets `.plot` (SVG) and `.readout`."""

    def __init__(self, cross_entropy_fn: Callable, perplexity_fn: Callable | None, p_correct: float):
        self.fns = (cross_entropy_fn, perplexity_fn)
        self.p_correct = w.FloatSlider(
            value=p_correct,
            min=float(GRID[0]),
            max=float(GRID[-1]),
            step=0.01,
            description="p(correct)",
            readout_format=".2f",
            style={"description_width": "6em"},
            layout=w.Layout(width="28em"),
        )
        self.plot, self.readout = w.HTML(), w.HTML()
        self.loss = self.ppl = None
        self.problems: list[str] = []
        self.curve, self._curve_problem = self._compute_curve()
        self.p_correct.observe(self._refresh, names="value")
        super().__init__([self.p_correct, self.plot, self.readout])
        self._refresh()

    def _loss_at(self, p: float) -> tuple[float | None, str | None]:
        return call_learner(self.fns[0], np.array([p, 1.0 - p]), 0, shape=())

    def _compute_curve(self) -> tuple[np.ndarray | None, str | None]:
        losses = []
        for p in GRID:
            loss, problem = self._loss_at(float(p))
            if problem:
                return None, problem
            losses.append(loss)
        return np.array(losses), None

    def _refresh(self, _change=None) -> None:
        p = float(self.p_correct.value)
        self.problems = [self._curve_problem] if self._curve_problem else []
        self.loss, problem = self._loss_at(p)
        self.ppl = None
        if problem:
            self.problems.append(problem)
        elif self.fns[1] is not None:
            self.ppl, problem = call_learner(self.fns[1], self.loss, shape=())
            if problem:
                self.problems.append(problem)
        self.plot.value = self._svg(p)
        self.readout.value = self._readout(p)

    def _readout(self, p: float) -> str:
        parts = [f"p(correct) = <b>{p:.2f}</b>"]
        if self.loss is not None:
            parts.append(f"your loss = <b>{self.loss:.3f}</b> nats")
        if self.ppl is not None:
            parts.append(f"your perplexity = <b>{self.ppl:.2f}</b>")
        elif self.fns[1] is None:
            parts.append("(pass your perplexity function to see the perplexity)")
        notes = "".join(problem_html(m) for m in dict.fromkeys(self.problems))
        return f"<p>{', '.join(parts)}</p>{notes}"

    def _svg(self, p: float) -> str:
        finite = self.curve[np.isfinite(self.curve)] if self.curve is not None else np.array([])
        lo = min(0.0, float(finite.min())) if finite.size else 0.0
        hi = max(5.0, float(finite.max())) if finite.size else 5.0
        hi = min(hi, lo + 50.0)  # a wildly wrong curve still leaves the axis readable
        top = math.ceil(hi)

        def x(v: float) -> float:
            return PAD + v * (WIDTH - 1.5 * PAD)

        def y(v: float) -> float:
            v = min(max(v, lo), top)
            return HEIGHT - PAD - (v - lo) / (top - lo) * (HEIGHT - 1.5 * PAD)

        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            'font-family="sans-serif" font-size="11">',
            f'<line x1="{x(0)}" y1="{y(lo)}" x2="{x(1)}" y2="{y(lo)}" stroke="black"/>',
            f'<line x1="{x(0)}" y1="{y(lo)}" x2="{x(0)}" y2="{y(top)}" stroke="black"/>',
        ]
        for v in (0.0, 0.25, 0.5, 0.75, 1.0):
            parts.append(f'<text x="{x(v)}" y="{y(lo) + 14}" text-anchor="middle">{v:g}</text>')
        step = max(1, math.ceil((top - lo) / 6))
        for v in range(math.floor(lo), top + 1, step):
            parts.append(f'<text x="{x(0) - 6}" y="{y(v) + 4}" text-anchor="end">{v}</text>')
        parts.append(
            f'<text x="{x(0.5)}" y="{HEIGHT - 6}" text-anchor="middle">p: probability of the correct class</text>'
        )
        parts.append(
            f'<text x="12" y="{y((lo + top) / 2)}" text-anchor="middle" '
            f'transform="rotate(-90 12 {y((lo + top) / 2)})">loss</text>'
        )
        parts.append(
            f'<polyline fill="none" stroke="{GUIDE}" stroke-dasharray="5,4" points="{x(0)},{y(1)} {x(1)},{y(0)}"/>'
        )
        parts.append(f'<text x="{x(0.02)}" y="{y(1) - 6}" fill="{GUIDE}">1 - p</text>')
        if self.curve is not None:
            pts = " ".join(f"{x(v):.1f},{y(l):.1f}" for v, l in zip(GRID, self.curve) if np.isfinite(l))
            parts.append(f'<polyline class="ll-curve" fill="none" stroke="{CURVE}" stroke-width="2" points="{pts}"/>')
            label_at = 11  # p = 0.12, where the curve is steep and away from the 1 - p line
            if np.isfinite(self.curve[label_at]):
                parts.append(
                    f'<text x="{x(GRID[label_at]) + 8:.1f}" y="{y(self.curve[label_at]) - 4:.1f}" '
                    f'fill="{CURVE}">your cross_entropy</text>'
                )
        if self.loss is not None and np.isfinite(self.loss):
            parts.append(f'<circle class="ll-marker" cx="{x(p):.1f}" cy="{y(self.loss):.1f}" r="5" fill="{MARK}"/>')
        parts.append("</svg>")
        return "".join(parts)


def loss_explorer(cross_entropy: Callable, perplexity: Callable | None = None, p_correct: float = 0.5):
    """Slide the probability of the correct class; see YOUR cross_entropy (and perplexity) respond.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("loss explorer")
    require_callable("cross_entropy", cross_entropy)
    if perplexity is not None:
        require_callable("perplexity", perplexity)
    try:
        p = float(p_correct)
    except (TypeError, ValueError):
        raise LogitlabInputError(f"p_correct must be a number, got {p_correct!r:.60}") from None
    if not GRID[0] <= p <= GRID[-1]:
        raise LogitlabInputError(f"p_correct must be between {GRID[0]} and {GRID[-1]}, got {p}")
    return LossExplorer(cross_entropy, perplexity, p)
