"""Checks for 02_softmax (softmax). The softmax family of cases is shared with
stable_softmax in 03_stability, which must pass all of these too."""

from __future__ import annotations

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, as_array, call, case, close, same_input

CAT_DOG_BIRD = [2.0, 1.0, 0.1]
WORKED = [0.659, 0.242, 0.099]  # from the notebook's worked example, to 3 decimals
BATCH = [[2.0, 1.0, 0.1], [3.0, 1.0, 0.0]]

hint_tiers(
    "softmax",
    "Two steps: make every logit positive while keeping its order (the exponential does both), then "
    "divide each one by the total of its slice, so that every slice along `axis` sums to 1.",
    "np.exp works entry by entry; np.sum(..., axis=axis, keepdims=True) gives one total per slice and "
    "keeps that axis with length 1, so the division lines up slice by slice. np.asarray accepts lists "
    "and keeps an array's dtype; integer logits need converting to float.",
    "For a (2, 3) batch and axis=-1: the exps are (2, 3), the totals (2, 1), the result (2, 3). Build new "
    "arrays: nothing is written into z.",
)


def _sums(p: np.ndarray, axis: int) -> str:
    return ", ".join(f"{s:.3g}" for s in np.atleast_1d(p.sum(axis=axis)))


def _as_probs(fn, z, what: str, **kw) -> np.ndarray:
    p = as_array(call(fn, z, **kw), what)
    if p.shape != np.shape(z):
        raise Miss(
            f"{what} has shape {p.shape} for input of shape {np.shape(z)}: "
            "softmax returns one probability per logit, the same shape as its input"
        )
    return p


def register_softmax_cases(ex: str) -> None:
    """Register the cases every softmax must pass, under exercise name `ex`."""

    @case(ex, "turns the cat/dog/bird logits into probabilities")
    def _worked(fn):
        p = _as_probs(fn, list(CAT_DOG_BIRD), f"{ex}([2.0, 1.0, 0.1])")
        if (p < 0).any():
            raise Miss("some probabilities are negative: exponentiate the logits (np.exp) before normalising")
        if close(p.sum(), np.exp(-max(CAT_DOG_BIRD)), rtol=1e-6, atol=0):
            raise Miss(
                f"the entries sum to {p.sum():.4g} = exp(-max): the max was subtracted in the numerator "
                "only; shift once, e = exp(z - m), and divide e by e.sum()"
            )
        if not close(p.sum(), 1.0, rtol=0, atol=1e-6):
            raise Miss(f"the entries sum to {p.sum():.4g}, not 1: divide every exp by the sum of all the exps")
        if not (p[0] > p[1] > p[2]):
            raise Miss("the order changed: the largest logit must get the largest probability")
        scaled = np.exp(np.divide(CAT_DOG_BIRD, max(CAT_DOG_BIRD)))
        if close(p, scaled / scaled.sum(), rtol=0, atol=5e-4):
            raise Miss(
                "the logits were divided by their max before exp: that acts as a temperature and "
                "changes the probabilities; subtract the max instead (z - max)"
            )
        if not close(p, WORKED, rtol=0, atol=5e-4):
            raise Miss(
                "the entries sum to 1 but the values are off: normalise exp(z), "
                "not z itself (z / z.sum() is not softmax)"
            )

    @case(ex, "log-ratios equal logit differences")
    def _ratios(fn):
        z = np.array([0.5, -1.25, 2.0, 0.0])
        p = _as_probs(fn, z.copy(), f"{ex}(z)")
        if (p <= 0).any():
            raise Miss("a probability is 0 or negative for moderate logits: softmax gives every class some mass")
        if not close(np.log(p[:, None] / p[None, :]), z[:, None] - z[None, :], rtol=1e-6, atol=1e-9):
            raise Miss(
                "log(p_i / p_j) should equal z_i - z_j exactly: use exp(z), not another "
                "positive function such as z**2 or abs(z)"
            )

    @case(ex, "normalises each row of a batch along axis=-1", basic=True)
    def _batch(fn):
        p = _as_probs(fn, [row[:] for row in BATCH], f"{ex}(batch of 2 rows)")
        if close(p.sum(axis=0), [1.0] * 3, rtol=0, atol=1e-6):
            raise Miss(
                f"the columns sum to 1 and the rows to {_sums(p, -1)}: you normalised along axis 0 "
                "(.sum(axis=0) and Python's sum() both add up the rows); each row is one distribution, so "
                "sum along `axis` (default -1) with keepdims=True"
            )
        if not close(p.sum(axis=-1), [1.0, 1.0], rtol=0, atol=1e-6):
            raise Miss(
                f"the rows sum to {_sums(p, -1)}: sum along axis=-1 with keepdims=True, not over the whole array"
            )
        if not close(p[1], [0.844, 0.114, 0.042], rtol=0, atol=5e-4):
            raise Miss("each row must be normalised on its own: a batch is several independent softmaxes")

    @case(ex, "respects the axis argument")
    def _axis(fn):
        z = np.array(BATCH).T  # classes along axis 0
        p = _as_probs(fn, z.copy(), f"{ex}(z, axis=0)", axis=0)
        if close(p.sum(axis=-1), [1.0] * 3, rtol=0, atol=1e-6):
            raise Miss(
                f"with axis=0 the rows sum to 1 and the columns to {_sums(p, 0)}: pass `axis` on to "
                "every reduction (the sum, and the max if you subtract one) instead of hard-coding -1"
            )
        if not close(p.sum(axis=0), [1.0, 1.0], rtol=0, atol=1e-6):
            raise Miss(f"with axis=0 the columns sum to {_sums(p, 0)}, not 1: normalise along `axis`")

    @case(ex, "adding a constant to every logit changes nothing")
    def _shift(fn):
        z = np.array([2.0, 1.0, 0.1])
        if not close(_as_probs(fn, z + 7.0, f"{ex}(z + 7)"), _as_probs(fn, z, f"{ex}(z)"), rtol=1e-6, atol=1e-9):
            raise Miss("softmax(z + c) should equal softmax(z): only differences between logits matter")

    @case(ex, "keeps float32 input float32")
    def _dtype(fn):
        z = np.array([2.0, 1.0, 0.1], dtype=np.float32)
        out = call(fn, z)
        if isinstance(out, (list, tuple)):
            raise Miss(
                f"returned a Python {type(out).__name__}: return the numpy array itself (no list(...) or "
                ".tolist()), so that it keeps its dtype and shape"
            )
        if getattr(out, "dtype", None) != np.float32:
            raise Miss(
                f"float32 input came back as {getattr(out, 'dtype', type(out).__name__)}: "
                "avoid forcing float64 (np.asarray(z) keeps the dtype of an array)"
            )

    @case(ex, "leaves its input unchanged")
    def _unmodified(fn):
        z = np.array([[2.0, 1.0, 0.1], [3.0, 1.0, 0.0]])
        before = z.copy()
        call(fn, z)
        if not same_input(before, z):
            raise Miss(
                "your function changed the array it was given: use z = z - ... rather than z -= ... or np.exp(z, out=z)"
            )


def register_edge_cases(ex: str) -> None:
    """Edge cases any softmax handles: -inf logits and very negative ones."""

    @case(ex, "gives -inf logits probability exactly 0", edge=True)
    def _neg_inf(fn):
        p = _as_probs(fn, np.array([0.0, -np.inf, 1.0]), f"{ex}([0, -inf, 1])")
        if np.isnan(p).any():
            raise Miss(
                "nan for a -inf logit: exp(-inf) is 0, so keep it; do not replace -inf or subtract it from itself"
            )
        if p[1] != 0.0:
            raise Miss(
                f"a -inf logit got probability {p[1]:.2g}: exp(-inf) is exactly 0, so keep -inf as "
                "it is (clipping or replacing it gives the ruled-out class some mass)"
            )
        if not close(p.sum(), 1.0, rtol=0, atol=1e-9):
            raise Miss("a -inf logit gets probability 0 and the others must still sum to 1")

    @case(ex, "handles a logit of -1000 beside moderate ones", edge=True)
    def _very_negative(fn):
        p = _as_probs(fn, np.array([[0.0, -1000.0], [-1000.0, 2.0]]), f"{ex}(rows with -1000)")
        if np.isnan(p).any():
            raise Miss(
                "nan for a logit of -1000: exp(-1000) underflows to 0, which is fine; nan comes "
                "from 0 / 0 or from replacing or clipping such logits"
            )
        if not close(p, [[1.0, 0.0], [0.0, 1.0]], rtol=0, atol=1e-12):
            raise Miss(
                "in rows [0, -1000] and [-1000, 2] the -1000 entry gets probability 0 and the other "
                "entry probability 1 (exp(-1000) underflows to 0, which is fine)"
            )


register_softmax_cases("softmax")
register_edge_cases("softmax")
