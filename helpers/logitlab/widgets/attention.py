"""Widget of 08_attention: an attention heatmap (queries x keys) for a short sentence.

Made-up queries and keys of size d_k = 64, entries of variance 1, in which a few words
look for others. The weights come from the learner's `masked_softmax`, the mask from
the learner's `causal_mask`; three toggles turn the causal mask on and off, fill the
masked scores with 0 instead of letting the softmax mask them (the leak shows), and
drop the 1/sqrt(d_k) scale (the rows collapse onto one key).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ipywidgets as w
import numpy as np

from ..errors import require_callable
from ..plots import WARN, new_figure, to_png
from ._base import call_learner, fn_name, placeholder, problem_html, under_grading

SENTENCE = ("where", "is", "my", "parcel", "?", "it", "ships", "today")
D_K = 64
LINKS = {"is": "where", "my": "parcel", "?": "where", "it": "parcel", "ships": "it", "today": "ships"}
STRENGTH = 0.5  # share of a linked query that points at its key: q.k is about 0.5 * 64


def demo_queries_keys(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(queries, keys), each (T, D_K) with entries of variance 1, query i of a linked word
    partly aligned with the key of the word it looks for (LINKS)."""
    rng = np.random.default_rng(seed)
    queries = rng.normal(size=(len(SENTENCE), D_K))
    keys = rng.normal(size=(len(SENTENCE), D_K))
    for word, target in LINKS.items():
        i, j = SENTENCE.index(word), SENTENCE.index(target)
        queries[i] = math.sqrt(1 - STRENGTH**2) * queries[i] + STRENGTH * keys[j]
    return queries, keys


def entropy(p: np.ndarray) -> np.ndarray:
    """Entropy in nats of each row of p (0 log 0 counts as 0)."""
    return -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=-1)


class AttentionExplorer(w.VBox):
    """`.causal`, `.zero_fill`, `.scaled` (checkboxes); `.image` (PNG heatmap), `.readout` (HTML);
    `.query_vectors`, `.key_vectors` (T, d_k);
    `.scores` (T, T) before masking, `.mask` (T, T) bool (all True without the causal mask),
    `.weights` (T, T) from the learner's masked_softmax (None if it failed), `.leak` (T,) the
    weight each query puts on masked keys."""

    def __init__(self, mask_fn: Callable, softmax_fn: Callable, queries: np.ndarray, keys: np.ndarray):
        self.mask_fn, self.softmax_fn = mask_fn, softmax_fn
        self.query_vectors, self.key_vectors = queries, keys
        self.causal = w.Checkbox(value=True, description="causal mask")
        self.zero_fill = w.Checkbox(value=False, description="mask with 0 instead of -inf")
        self.scaled = w.Checkbox(value=True, description="divide by sqrt(d_k)")
        self.image = w.Image(format="png", layout=w.Layout(max_width="620px"))
        self.readout = w.HTML()
        for box in (self.causal, self.zero_fill, self.scaled):
            box.observe(self._refresh, names="value")
        super().__init__([w.HBox([self.causal, self.zero_fill, self.scaled]), self.readout, self.image])
        self._refresh()

    @property
    def n_tokens(self) -> int:
        return len(self.query_vectors)

    def _mask(self) -> tuple[np.ndarray, str | None]:
        """The learner's causal mask, or all True (with the reason if the mask is unusable)."""
        everything = np.ones((self.n_tokens, self.n_tokens), dtype=bool)
        if not self.causal.value:
            return everything, None
        out, problem = call_learner(self.mask_fn, self.n_tokens)
        if problem:
            return everything, problem
        mask = np.asarray(out)
        name = fn_name(self.mask_fn)
        if mask.shape != everything.shape:
            return everything, f"{name}({self.n_tokens}) returned shape {mask.shape}, not {everything.shape}"
        if mask.dtype != np.bool_:
            return everything, f"{name}({self.n_tokens}) returned {mask.dtype}, not booleans"
        return mask, None

    def _weights(self, scores: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray | None, str | None]:
        """The learner's weights, wrong ones included (drawn with what is wrong marked), and
        what is wrong with them; None only when there are no weights to draw."""
        if self.zero_fill.value:  # "masking" by writing 0 into the scores: nothing is masked
            scores, mask = np.where(mask, scores, 0.0), np.ones_like(mask)
        weights, problem = call_learner(self.softmax_fn, scores, mask, shape=scores.shape)
        if problem:
            return None, problem
        name = fn_name(self.softmax_fn)
        if not np.isfinite(weights).all() or (weights < 0).any():
            return weights, f"{name} returned nan, inf or negative weights (shown as nan or below 0)"
        if (weights[~mask] != 0).any():
            return weights, f"{name} gave weight to masked entries (outlined in red)"
        sums = weights.sum(axis=-1)
        if (abs(sums - 1) > 1e-6).any():
            return (
                weights,
                f"the rows of {name}'s weights sum to {np.round(sums, 3).tolist()}, not 1 (marked on the right)",
            )
        return weights, None

    def _refresh(self, _change=None) -> None:
        scores = self.query_vectors @ self.key_vectors.T
        if self.scaled.value:
            scores = scores / math.sqrt(self.query_vectors.shape[-1])
        self.scores = scores
        self.mask, mask_problem = self._mask()
        self.weights, problem = self._weights(scores, self.mask)
        notes = "".join(
            problem_html(p, "use the causal mask" if p is mask_problem else "see the weights")
            for p in (mask_problem, problem)
            if p
        )
        if self.weights is None:  # nothing to draw: no image at all, never a broken one
            self.leak = None
            self.readout.value, self.image.value = notes, b""
            self.image.layout.display = "none"
            return
        # weight on later keys, wherever the mask came from (a transposed mask leaks too)
        future = np.triu(np.ones_like(self.mask), k=1) if self.causal.value else np.zeros_like(self.mask)
        with np.errstate(all="ignore"):  # inf or nan weights are shown, not warned about
            self.leak = np.where(future, np.nan_to_num(self.weights), 0.0).sum(axis=-1)
            self.readout.value = self._summary() + notes
            self.image.value = self._plot(future)
        self.image.layout.display = None

    def _summary(self) -> str:
        p = self.weights
        parts = [
            f'mean max weight <b class="ll-max">{p.max(axis=-1).mean():.3f}</b>',
            f'mean entropy <b class="ll-entropy">{entropy(p).mean():.3f}</b> nats '
            f"(uniform over {self.n_tokens} keys: {math.log(self.n_tokens):.3f})",
        ]
        if self.causal.value:
            colour = f' style="color:{WARN}"' if self.leak.max() > 0 else ""
            parts.append(
                f"<span{colour}>weight on future keys: total "
                f'<b class="ll-leak">{self.leak.sum():.3f}</b>, largest in one row '
                f"{self.leak.max():.3f}</span>"
            )
        return "<p>" + " &middot; ".join(parts) + "</p>"

    def _plot(self, future: np.ndarray) -> bytes:
        """The learner's weights as a heatmap; a red outline on every weight given to a later
        key, and each row whose weights do not sum to 1 has its sum in red on the right."""
        import matplotlib
        from matplotlib.patches import Rectangle

        t, p = self.n_tokens, self.weights
        hidden = ~self.mask & (p == 0)
        fig = new_figure(0.62 * t + 2.8, 0.55 * t + 1.4)
        fig.set_layout_engine(None)  # a fixed layout: constrained layout triples the time of an update
        fig.subplots_adjust(left=0.14, right=0.98, bottom=0.2, top=0.92)
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#d9d9d9")  # masked cells grey
        shown = np.ma.masked_array(p, mask=hidden | ~np.isfinite(p))
        im = ax.imshow(shown, cmap=cmap, vmin=0.0, vmax=max(1.0, float(np.nanmax(np.where(np.isfinite(p), p, 0)))))
        for (i, j), v in np.ndenumerate(p):
            if not hidden[i, j]:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="black" if v > 0.6 else "white")
            if future[i, j] and v != 0:  # weight that reaches a later word
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=WARN, lw=2))
        for i, total in enumerate(p.sum(axis=-1)):
            if not abs(total - 1) <= 1e-6:
                ax.text(t - 0.3, i, f"sum {total:.2f}", ha="left", va="center", fontsize=7, color=WARN)
        words = list(SENTENCE[:t])
        ax.set_xticks(range(t), words, rotation=45, ha="right")
        ax.set_yticks(range(t), words)
        ax.set_xlabel("key (the word looked at)")
        ax.set_ylabel("query (the word looking)")
        ax.set_title(self._title(), fontsize=10)
        fig.colorbar(im, ax=ax, label="attention weight", shrink=0.8, pad=0.12)
        return to_png(fig, crop=False)

    def _title(self) -> str:
        mask = (
            "no mask"
            if not self.causal.value
            else "causal, 0-filled: the future leaks"
            if self.zero_fill.value
            else "causal mask (-inf)"
        )
        scale = "q.k / sqrt(d_k)" if self.scaled.value else "unscaled q.k"
        return f"{scale}, {mask}"


def attention_explorer(mask_fn: Callable, softmax_fn: Callable, seed: int = 0):
    """Attention weights of a short sentence from YOUR `softmax_fn` (masked_softmax) and
    `mask_fn` (causal_mask), with toggles for the causal mask, a 0-filled mask and the
    1/sqrt(d_k) scale.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("attention explorer")
    require_callable("mask_fn", mask_fn)
    require_callable("softmax_fn", softmax_fn)
    return AttentionExplorer(mask_fn, softmax_fn, *demo_queries_keys(int(seed)))
