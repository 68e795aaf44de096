"""Stability explorer: the textbook softmax and the stable one, side by side.

Two sliders turn a small logit vector into a dangerous one: `scale` multiplies it
(3, 1, 0 becomes 3000, 1000, 0) and `offset` adds a constant (+997 gives the
classic 1000, 998, 997). Both columns show what the learner's own functions return,
with nan and inf in red, next to a note on where float64's exp gives up.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..errors import as_labels, require_callable
from ..plots import OKABE_ITO, OVERFLOW
from ._base import call_learner, finite_logits, fn_name, placeholder, problem_html, table_html, under_grading

# exp(x) is inf in float64 past OVERFLOW ~ 709.78 (see plots), and rounds to 0 below
# log(half the smallest subnormal) ~ -745.13.
UNDERFLOW = float(np.log(np.finfo(np.float64).smallest_subnormal) - np.log(2))
BAD, GOOD = OKABE_ITO["vermillion"], OKABE_ITO["bluish green"]


def _cell(v: float) -> str:
    if np.isfinite(v):
        return f"{v:.3f}"
    return f'<b class="ll-bad" style="color:{BAD}">{v}</b>'


class StabilityExplorer(w.VBox):
    """`.scale`, `.offset` (sliders) and `.naive_html`, `.stable_html`, `.note` (outputs)."""

    def __init__(self, naive_fn: Callable, stable_fn: Callable, logits: np.ndarray, labels: tuple[str, ...]):
        self.fns = (naive_fn, stable_fn)
        self.base_logits = logits
        self.labels = labels
        style = {"description_width": "5em"}
        self.scale = w.FloatLogSlider(
            value=1.0, base=10, min=0, max=3, step=0.01, description="scale x", readout_format=".3g", style=style
        )
        self.offset = w.FloatSlider(
            value=0.0, min=-1000, max=1000, step=1, description="offset +", readout_format=".0f", style=style
        )
        self.logits_html = w.HTML()
        self.naive_html = w.HTML(layout=w.Layout(width="50%"))
        self.stable_html = w.HTML(layout=w.Layout(width="50%"))
        self.note = w.HTML()
        for slider in (self.scale, self.offset):
            slider.observe(self._refresh, names="value")
        super().__init__(
            [
                w.HBox([self.scale, self.offset]),
                self.logits_html,
                w.HBox([self.naive_html, self.stable_html]),
                self.note,
            ]
        )
        self._refresh()

    def logits(self) -> np.ndarray:
        return self.base_logits * self.scale.value + self.offset.value

    def __repr__(self) -> str:  # the text shown where widgets cannot render (static views)
        names = " vs ".join(fn_name(f) for f in self.fns)
        return f"stability explorer: {names} (run the notebook to use it)"

    def _refresh(self, _change=None) -> None:
        z = self.logits()
        shown = ", ".join(f"{html.escape(l)} {v:.6g}" for l, v in zip(self.labels, z))
        self.logits_html.value = f"<p>logits = [{shown}]</p>"
        self.naive_html.value = self._column("naive", self.fns[0], z)
        self.stable_html.value = self._column("stable", self.fns[1], z)
        self.note.value = self._note(z)

    def _column(self, kind: str, fn: Callable, z: np.ndarray) -> str:
        title = f"<h4>{kind}: your {html.escape(fn_name(fn))}</h4>"
        out, problem = call_learner(fn, z, shape=z.shape)
        if problem:
            return title + problem_html(problem)
        rows = "".join(f"<tr><td>{html.escape(l)}</td><td>{_cell(v)}</td></tr>" for l, v in zip(self.labels, out))
        bad = int((~np.isfinite(out)).sum())
        if bad:
            verdict = f'<p class="ll-verdict" style="color:{BAD}">{bad} of {out.size} entries are nan or inf</p>'
        else:
            verdict = f'<p class="ll-verdict" style="color:{GOOD}">all finite, sum = {out.sum():.3f}</p>'
        return title + table_html("ll-stability", rows) + verdict

    def _note(self, z: np.ndarray) -> str:
        top = z.max()
        text = (
            f"exp overflows float64 above about {OVERFLOW:.2f}: exp(709) is about 8.2e307, "
            f"exp(710) is inf, and inf / inf is nan. Largest logit now: {top:.6g}"
        )
        if top > OVERFLOW:
            text += f' - <b style="color:{BAD}">past the overflow point</b>'
        elif top < UNDERFLOW:
            text += f' - <b style="color:{BAD}">below {UNDERFLOW:.1f}, where every exp rounds to 0 and 0 / 0 is nan</b>'
        return f'<p class="ll-note">{text}. Subtracting the largest logit first keeps every exp in [0, 1].</p>'


def stability_explorer(
    naive_fn: Callable,
    stable_fn: Callable,
    logits: Sequence[float] = (3.0, 1.0, 0.0),
    labels: Sequence[str] | None = None,
):
    """Compare YOUR textbook `naive_fn` (from 02) with YOUR `stable_fn` on scaled and shifted logits.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("stability explorer")
    require_callable("naive_fn", naive_fn)
    require_callable("stable_fn", stable_fn)
    z = finite_logits(logits)
    return StabilityExplorer(naive_fn, stable_fn, z, as_labels("labels", labels, z.size))
