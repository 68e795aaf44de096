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
        """A Figure that shows itself as a PNG in Jupyter even when pyplot was never imported,
        with its alt text as the plain-text form (what a reader without images gets)."""

        alt_text: str | None = None

        def _repr_png_(self) -> bytes:
            return to_png(self)

        def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
            bundle = {"image/png": self._repr_png_()}
            if self.alt_text:
                bundle["text/plain"] = self.alt_text
            return bundle

    return CourseFigure


def new_figure(width: float = 6.0, height: float = 3.5):
    """An empty course Figure (constrained layout), `width` x `height` inches."""
    return _figure_class()(figsize=(width, height), layout="constrained")


def to_png(fig) -> bytes:
    """The PNG bytes of `fig`, cropped to what is drawn (for an ipywidgets Image, or a file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
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


# ---- one figure per idea of the course ---------------------------------------------------
# Each is drawn from the worked numbers of the course (never from a learner's function),
# carries alt text (`fig.alt_text`, shown where the image cannot be), and is skipped while
# grading, where nobody looks at it.


class Skipped:
    """What a figure function returns while grading: one line of text, nothing drawn."""

    def __init__(self, name: str):
        self.name = name

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": f"({self.name}: figure skipped while grading)"}


def skipped_while_grading(fn):
    """Return `Skipped` instead of drawing under grading (NBGRADER_EXECUTION set)."""

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        from .checks._core import under_grading

        return Skipped(fn.__name__) if under_grading() else fn(*args, **kwargs)

    return draw


def _described(fig, alt: str):
    fig.alt_text = alt
    return fig


def _softmax(z: np.ndarray) -> np.ndarray:
    # The figures' own softmax, on the worked numbers (shifted by the max, as in 03).
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _logits_and_labels(logits, labels, min_len: int = 2):
    z = as_vector("logits", logits, min_len=min_len)
    if not np.isfinite(z).all():
        raise LogitlabInputError(f"logits must be finite numbers, got {z}")
    return z, as_labels("labels", labels, z.size)


TICKET = (3.0, 1.0, 0.0)
TICKET_LABELS = ("refund", "reship", "escalate")


@skipped_while_grading
def exp_gaps(logits: Sequence[float] = TICKET, labels: Sequence[str] | None = TICKET_LABELS):
    """Logits beside their exponentials: a gap between two logits becomes a ratio."""
    z, names = _logits_and_labels(logits, labels)
    if z.max() > 50:
        raise LogitlabInputError(f"logits up to 50 keep e^z drawable, got a largest logit of {z.max():g}")
    order = np.argsort(-z, kind="stable")
    a, b = order[0], order[1]
    gap, ratio = z[a] - z[b], float(np.exp(z[a] - z[b]))
    fig = new_figure(8.0, 3.2)
    left, right = fig.subplots(1, 2)
    for ax, values, ylabel, fmt in ((left, z, "logit z", "{:.2f}"), (right, np.exp(z), "$e^z$", "{:.2f}")):
        bars = ax.bar(range(z.size), values, color=[ACCENT if i in (a, b) else MAIN for i in range(z.size)])
        ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2)
        ax.set_xticks(range(z.size), names)
        ax.set_xlabel("class")
        ax.set_ylabel(ylabel)
        ax.margins(y=0.18)
    left.set_title(f"{names[a]} - {names[b]}: a gap of {gap:.3g}")
    right.set_title(f"{names[a]} / {names[b]}: a ratio of $e^{{{gap:.3g}}}$ = {ratio:.3g}")
    alt = (
        f"Two bar charts. Left, the logits {', '.join(f'{n} {v:g}' for n, v in zip(names, z))}. "
        f"Right, their exponentials {', '.join(f'{v:.2f}' for v in np.exp(z))}: the gap of {gap:.3g} "
        f"between {names[a]} and {names[b]} has become a ratio of {ratio:.3g}."
    )
    return _described(fig, alt)


LOSS_TABLE = (0.99, 0.9, 0.8, 0.5, 0.1, 0.01)  # the -log p table of 05


@skipped_while_grading
def loss_table_curve(marks: Sequence[float] = LOSS_TABLE):
    """The -log p curve with the points of the course's table marked (see `loss_curve`)."""
    fig = loss_curve(marks)
    m = as_vector("marks", marks, min_len=0)
    alt = (
        "The curve of the loss -log p against p, the probability given to the correct class: near 0 at p = 1, "
        "rising steeply as p approaches 0. Marked points: "
        + ", ".join(f"p = {v:g} gives {-np.log(v):.2f}" for v in m)
        + "."
    )
    return _described(fig, alt)


@skipped_while_grading
def temperature_bars(
    logits: Sequence[float] = TICKET,
    temperatures: Sequence[float] = (0.5, 1.0, 2.0),
    labels: Sequence[str] | None = TICKET_LABELS,
):
    """softmax(z / T) for a few temperatures, side by side for each class."""
    z, names = _logits_and_labels(logits, labels)
    ts = as_vector("temperatures", temperatures, min_len=1)
    if (ts <= 0).any() or not np.isfinite(ts).all():
        raise LogitlabInputError(f"temperatures must be positive numbers, got {ts}")
    if ts.size > len(PALETTE):
        raise LogitlabInputError(f"at most {len(PALETTE)} temperatures fit one figure, got {ts.size}")
    probs = _softmax(z[None, :] / ts[:, None])
    width = 0.8 / ts.size
    fig = new_figure(max(5.0, 1.6 * z.size + 2.0), 3.4)
    ax = fig.add_subplot()
    for k, (t, p) in enumerate(zip(ts, probs)):
        bars = ax.bar(
            np.arange(z.size) + (k - (ts.size - 1) / 2) * width, p, width, color=PALETTE[k], label=f"T = {t:g}"
        )
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in p], padding=2, fontsize=8)
    ax.set_xticks(range(z.size), names)
    ax.set_ylim(0, 1.12)
    ax.set_xlabel("class")
    ax.set_ylabel("probability softmax(z / T)")
    ax.set_title(f"Temperature reshapes softmax({', '.join(f'{v:g}' for v in z)})")
    ax.legend()
    rows = "; ".join(f"T = {t:g}: {', '.join(f'{v:.3f}' for v in p)}" for t, p in zip(ts, probs))
    alt = f"Grouped bars of the probabilities of {', '.join(names)} at each temperature. {rows}."
    return _described(fig, alt)


@skipped_while_grading
def logsumexp_vs_max(span: float = 6.0):
    """LSE(x, 0) against max(x, 0) as x sweeps: a smooth maximum, never more than log 2 above."""
    s = _finite_number("span", span)
    if s <= 0:
        raise LogitlabInputError(f"span must be positive, got {s}")
    x = np.linspace(-s, s, 401)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(x, np.maximum(x, 0.0), color=MAIN, label="max(x, 0)")
    ax.plot(x, np.logaddexp(x, 0.0), color=ACCENT, label="LSE(x, 0) = $\\log(e^x + e^0)$")
    ax.plot(x, np.maximum(x, 0.0) + np.log(2), color=WARN, linestyle=":", label="max + log 2 (upper bound)")
    ax.annotate(
        f"largest gap at x = 0: log 2 = {np.log(2):.3f}",
        (0, np.log(2)),
        xytext=(20, 75),
        textcoords="offset points",
        arrowprops={"arrowstyle": "->"},
    )
    ax.set_xlabel("x, the first of two logits (the other is 0)")
    ax.set_ylabel("value")
    ax.set_title("Log-sum-exp is a smooth maximum")
    ax.legend(loc="upper left")
    alt = (
        f"Three curves for x from {-s:g} to {s:g}: max(x, 0), a sharp corner at 0; LSE(x, 0), a smooth curve "
        "just above it that meets it far from 0; and max + log 2, the upper bound, which LSE touches at x = 0."
    )
    return _described(fig, alt)


@skipped_while_grading
def gradient_arrows(
    logits: Sequence[float] = TICKET, target: int = 1, lr: float = 0.5, labels: Sequence[str] | None = TICKET_LABELS
):
    """Each logit and the step -lr * (p - y) gradient descent takes from it, as an arrow."""
    z, names = _logits_and_labels(logits, labels)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < z.size:
        raise LogitlabInputError(f"target must be a class index from 0 to {z.size - 1}, got {target!r}")
    rate = _finite_number("lr", lr)
    grad = _softmax(z) - np.eye(z.size)[target]
    after = z - rate * grad
    fig = new_figure(max(5.0, 1.4 * z.size + 2.0), 3.6)
    ax = fig.add_subplot()
    for i in range(z.size):
        colour = ACCENT if i == target else MAIN
        ax.scatter([i], [z[i]], color=colour, zorder=3)
        ax.annotate("", (i, after[i]), (i, z[i]), arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2})
        ax.annotate(
            f"p - y = {grad[i]:+.3f}\n{z[i]:g} -> {after[i]:.3f}",
            (i, (z[i] + after[i]) / 2),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_xticks(range(z.size), [f"{n}\n(target)" if i == target else n for i, n in enumerate(names)])
    ax.set_xlim(-0.5, z.size - 0.1)
    ax.margins(y=0.15)
    ax.set_xlabel("class")
    ax.set_ylabel("logit")
    ax.set_title(f"One step z - {rate:g} (p - y): the target rises, the others fall")
    moves = "; ".join(f"{n}: p - y = {g:+.3f}, logit {a:g} to {b:.3f}" for n, g, a, b in zip(names, grad, z, after))
    alt = f"Arrows on the logits showing one gradient-descent step with learning rate {rate:g}. {moves}."
    return _described(fig, alt)


def _heat_colours():
    import matplotlib

    # perceptually uniform and colour-blind safe; masked (ignored) cells in light grey
    return matplotlib.colormaps["viridis"].with_extremes(bad="#d9d9d9")


def loss_heatmap(losses, words: Sequence[Sequence[str]], ignored):
    """Per-position losses of a batch (B, T) as a heatmap, each cell labelled with its target
    word and loss; `ignored` (bool, B x T) cells are grey."""
    skip = np.asarray(ignored, dtype=bool)
    values = np.asarray(losses, dtype=float)
    if values.ndim != 2 or values.shape != skip.shape or np.shape(np.array(words, dtype=object)) != values.shape:
        raise LogitlabInputError(
            f"losses, words and ignored must all have one shape (B, T), got {values.shape}, "
            f"{np.shape(np.array(words, dtype=object))} and {skip.shape}"
        )
    shown = np.ma.masked_array(values, mask=skip)
    b, t = values.shape
    fig = new_figure(1.05 * t + 1.8, 0.8 * b + 1.4)
    ax = fig.add_subplot()
    top = float(shown.max()) if shown.count() else 0.0
    im = ax.imshow(shown, cmap=_heat_colours(), vmin=0.0, vmax=max(3.0, top), aspect="auto")
    for (i, j), word in np.ndenumerate(np.array(words, dtype=object)):
        value = "ignored" if skip[i, j] else f"{values[i, j]:.2f}"
        dark = not skip[i, j] and values[i, j] < 0.45 * im.norm.vmax
        ax.text(j, i, f"{word}\n{value}", ha="center", va="center", fontsize=7.5, color="white" if dark else "black")
    ax.set_xticks(range(t), [str(j) for j in range(t)])
    ax.set_yticks(range(b), [f"seq {i}" for i in range(b)])
    ax.set_xlabel("position t (the target shown is the token at t + 1)")
    ax.set_ylabel("sequence")
    ax.set_title("Loss at each position; grey = ignored")
    fig.colorbar(im, ax=ax, label="loss  -log p(target)")
    kept = values[~skip]
    alt = (
        f"A heatmap of {b} sequences by {t} positions; each cell names the target token and its loss. "
        f"{skip.sum()} cells are ignored (grey); the other {kept.size} have losses from {kept.min():.2f} "
        f"to {kept.max():.2f}, mean {kept.mean():.3f}."
        if kept.size
        else f"A heatmap of {b} sequences by {t} positions, every cell ignored (grey)."
    )
    return _described(fig, alt)


@skipped_while_grading
def sequence_loss_map(seed: int = 7):
    """The per-position losses of the course's padded batch of conversations (the batch of
    07's explorer), padding ignored, from the made-up model's logits."""
    from .widgets.sequence import demo_batch

    batch = demo_batch(seed)
    z = batch.logits
    log_p = z - z.max(axis=-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    losses = -np.take_along_axis(log_p, batch.targets[..., None], axis=-1)[..., 0]
    return loss_heatmap(losses, batch.words, batch.is_pad)


@skipped_while_grading
def attention_weights(weights, tokens: Sequence[str] | None = None):
    """An attention weight matrix (queries x keys) as a heatmap, each cell with its weight.

    Each row is one query's softmax over the keys, so it sums to 1 (or to 0 where every
    key is masked out)."""
    a = np.asarray(weights, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.size == 0:
        raise LogitlabInputError(f"weights must be a square (T, T) matrix, got shape {a.shape}")
    sums = a.sum(axis=-1)
    if not np.isfinite(a).all() or (a < 0).any() or not np.all(np.isclose(sums, 1.0) | np.isclose(sums, 0.0)):
        raise LogitlabInputError(
            f"each row of weights must be a distribution (sum 1, or 0 if fully masked), got sums {sums}"
        )
    t = a.shape[0]
    names = as_labels("tokens", tokens, t)
    fig = new_figure(0.9 * t + 2.4, 0.8 * t + 1.4)
    ax = fig.add_subplot()
    im = ax.imshow(a, cmap=_heat_colours(), vmin=0.0, vmax=1.0)
    for (i, j), v in np.ndenumerate(a):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if v < 0.45 else "black")
    ax.set_xticks(range(t), names)
    ax.set_yticks(range(t), names)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    ax.set_title("Attention weights: each row sums to 1")
    fig.colorbar(im, ax=ax, label="weight")
    zeros = int((a == 0).sum())
    alt = (
        f"A {t} by {t} heatmap of attention weights, queries down, keys across ({', '.join(names)}). "
        f"{zeros} weights are exactly 0; the largest is {a.max():.2f}. "
        + "; ".join(f"row {n}: {', '.join(f'{v:.2f}' for v in row)}" for n, row in zip(names, a))
        + "."
    )
    return _described(fig, alt)


@skipped_while_grading
def training_curves(train: Sequence[float], validation: Sequence[float], title: str | None = None):
    """Training and validation loss against the step, with the validation minimum marked
    (the checkpoint early stopping keeps)."""
    tr = as_vector("train", train)
    va = as_vector("validation", validation)
    if tr.size != va.size:
        raise LogitlabInputError(f"train and validation need one loss per step each, got {tr.size} and {va.size}")
    if not (np.isfinite(tr).all() and np.isfinite(va).all()):
        raise LogitlabInputError("train and validation losses must be finite numbers")
    steps = np.arange(tr.size)
    best = int(np.argmin(va))
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(steps, tr, color=MAIN, label="training loss")
    ax.plot(steps, va, color=ACCENT, label="validation loss")
    ax.axvline(best, color="0.5", linestyle=":", linewidth=1)
    ax.annotate(
        f"lowest validation loss: step {best}",
        (best, va[best]),
        xytext=(8, 40),
        textcoords="offset points",
        fontsize=8,
        arrowprops={"arrowstyle": "->", "color": "0.4"},
    )
    ax.set_xlabel("training step")
    ax.set_ylabel("mean loss")
    ax.set_title(title or "Training and validation loss")
    ax.legend(loc="upper right")
    rising = va[-1] > va[best] + 0.05 * (va.max() - va.min() + 1e-12)
    alt = (
        f"Two loss curves over {tr.size} steps. Training falls from {tr[0]:.2f} to {tr[-1]:.2f}; validation "
        f"falls from {va[0]:.2f} to its lowest, {va[best]:.2f} at step {best}, "
        + (f"then rises to {va[-1]:.2f}: overfitting." if rising else f"and ends at {va[-1]:.2f}.")
    )
    return _described(fig, alt)


def _bytes_text(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


@skipped_while_grading
def logits_memory(
    tokens: int = 8_192, vocabularies: Sequence[int] = (32_000, 50_257, 128_000, 256_000), chunk: int = 8_192
):
    """The float32 memory of the logits of one batch (N x V x 4 bytes) against a chunked loss
    that holds `chunk` vocabulary columns at a time (N x chunk x 4 bytes), for a few vocabularies."""
    if isinstance(tokens, bool) or not isinstance(tokens, (int, np.integer)) or tokens < 1:
        raise LogitlabInputError(f"tokens must be a positive whole number, got {tokens!r}")
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise LogitlabInputError(f"chunk must be a positive whole number, got {chunk!r}")
    vs = as_vector("vocabularies", vocabularies, min_len=1)
    if (vs < 1).any() or (vs != np.round(vs)).any():
        raise LogitlabInputError(f"vocabularies must be positive whole numbers, got {vs}")
    naive = tokens * vs * 4.0
    chunked = tokens * np.minimum(vs, chunk) * 4.0
    x = np.arange(vs.size)
    fig = new_figure(max(5.5, 1.3 * vs.size + 2.5), 3.6)
    ax = fig.add_subplot()
    for offset, values, colour, label in (
        (-0.2, naive, WARN, "all logits at once"),
        (0.2, chunked, MAIN, f"chunks of {chunk:,} columns"),
    ):
        bars = ax.bar(x + offset, values / 1e9, 0.4, color=colour, label=label)
        ax.bar_label(bars, labels=[_bytes_text(v) for v in values], padding=2, fontsize=8)
    ax.margins(y=0.15)
    ax.set_xticks(x, [f"{int(v):,}" for v in vs])
    ax.set_xlabel(f"vocabulary size V ({tokens:,} tokens per batch)")
    ax.set_ylabel("float32 logits held (GB)")
    ax.set_title("The logits grow with N x V; a chunked loss holds N x chunk")
    ax.legend(loc="upper left")
    pairs = "; ".join(
        f"V = {int(v):,}: {_bytes_text(a)} against {_bytes_text(b)}" for v, a, b in zip(vs, naive, chunked)
    )
    alt = f"Bars of the float32 logits of {tokens:,} tokens, all at once against chunked: {pairs}."
    return _described(fig, alt)
