"""Small figures for the course: probabilities, the exponential, the loss curve.

Every function returns a matplotlib Figure built with the object API (no pyplot,
no global state, nothing shown): a notebook displays it as the cell's value, a
test inspects it, a script saves it. Colours come from the Okabe-Ito palette,
which stays distinguishable under the common forms of colour blindness.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

import numpy as np

from .errors import LogitlabInputError, as_labels, as_vector

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
# Drawing order: strong, well-separated colours first; yellow last (faint on white).
PALETTE = tuple(
    OKABE_ITO[n]
    for n in ("blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue", "black", "yellow")
)
MAIN, ACCENT, WARN = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermillion"]

# exp(x) is inf in float64 beyond log(largest float64) ~ 709.78.
OVERFLOW = float(np.log(np.finfo(np.float64).max))


@functools.cache
def _figure_class():
    # Imported on first use: matplotlib takes most of a second to import, and
    # importing logitlab should stay fast when no plot is drawn.
    from matplotlib.figure import Figure

    class CourseFigure(Figure):
        """A Figure that shows itself as a PNG in Jupyter even when pyplot was never imported."""

        def _repr_png_(self) -> bytes:
            return to_png(self)

    return CourseFigure


def new_figure(width: float = 6.0, height: float = 3.5):
    """An empty course Figure (constrained layout), `width` x `height` inches."""
    return _figure_class()(figsize=(width, height), layout="constrained")


def to_png(fig, crop: bool = True) -> bytes:
    """The PNG bytes of `fig` (for an ipywidgets Image, or a file), cropped to what is drawn
    unless `crop` is False: cropping draws the figure twice, too slow for a live widget."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight" if crop else None)
    return buf.getvalue()


def _finite_number(arg: str, value: object) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise LogitlabInputError(f"{arg} must be a number, got {value!r:.60}") from None
    if not np.isfinite(x):
        raise LogitlabInputError(f"{arg} must be finite, got {x}")
    return x


def probability_bars(probs: Sequence[float], labels: Sequence[str] | None = None, title: str | None = None):
    """Bar chart of a probability vector, each bar labelled with its value (3 decimals)."""
    p = as_vector("probs", probs)
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise LogitlabInputError(f"probs must be probabilities between 0 and 1, got {p}")
    if abs(p.sum() - 1.0) > 1e-3:
        raise LogitlabInputError(
            f"probs sums to {p.sum():.4g}, not 1: pass probabilities (softmax of the logits), not the logits themselves"
        )
    names = as_labels("labels", labels, p.size)
    fig = new_figure(max(3.0, 0.9 * p.size + 1.5), 3.2)
    ax = fig.add_subplot()
    bars = ax.bar(range(p.size), p, color=MAIN)
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in p], padding=2)
    ax.set_xticks(range(p.size), names)
    ax.set_ylim(0, 1.12)  # room for the value above a bar of height 1
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    if title is not None:
        ax.set_title(str(title))
    return fig


def exp_curve(xmin: float = -10.0, xmax: float = 800.0):
    """e^x on a log scale from xmin to xmax, with the float64 overflow point marked.

    On a log scale e^x is a straight line, so the whole range up to the overflow
    point fits in one picture; past it float64 has only inf.
    """
    lo, hi = _finite_number("xmin", xmin), _finite_number("xmax", xmax)
    if lo >= hi:
        raise LogitlabInputError(f"xmin must be less than xmax, got xmin={lo}, xmax={hi}")
    x = np.linspace(lo, min(hi, OVERFLOW), 400) if lo < OVERFLOW else np.array([])
    fig = new_figure()
    ax = fig.add_subplot()
    # log10(e^x) = x / ln 10 is plotted, not e^x itself, so the curve never overflows.
    ax.plot(x, x / np.log(10), color=MAIN, label="$e^x$ (float64)")
    if hi > OVERFLOW:
        ax.axvline(OVERFLOW, color=WARN, linestyle="--", label=f"overflow: $e^x$ = inf for x > {OVERFLOW:.2f}")
        ax.axvspan(max(lo, OVERFLOW), hi, color=WARN, alpha=0.12)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x (a logit)")
    ax.set_ylabel("$\\log_{10} e^x$ (order of magnitude)")
    ax.set_title("How fast $e^x$ grows")
    ax.legend(loc="upper left")
    return fig


def loss_curve(marks: Sequence[float] = (0.99, 0.9, 0.5, 0.1, 0.01)):
    """The loss -log p against the probability p given to the correct class.

    Each p in `marks` is labelled with its loss; the curve explodes as p -> 0.
    """
    m = as_vector("marks", marks, min_len=0)
    if ((m <= 0) | (m > 1)).any():
        raise LogitlabInputError(f"marks must be probabilities in (0, 1], got {m}")
    p = np.geomspace(1e-3, 1.0, 400)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(p, -np.log(p), color=MAIN)
    ax.scatter(m, -np.log(m), color=ACCENT, zorder=3)
    stacked = 0  # labels near p = 1 crowd together: stack them, right-aligned
    for v in sorted(m, reverse=True):
        if v > 0.7:
            offset, align, stacked = (-4, 4 + 14 * stacked), "right", stacked + 1
        else:
            offset, align = (6, 4), "left"
        ax.annotate(f"p={v:g}: {-np.log(v):.2f}", (v, -np.log(v)), textcoords="offset points", xytext=offset, ha=align)
    ax.set_xlim(0, 1.05)
    ax.set_ylim(-0.2, None)
    ax.set_xlabel("p: probability given to the correct class")
    ax.set_ylabel("loss $-\\log p$")
    ax.set_title("Confident and wrong is expensive")
    return fig
