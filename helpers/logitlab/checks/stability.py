"""Checks for 03_stability: logsumexp, stable_softmax and log_softmax.

The expected numbers are the notebook's worked examples, written out: the log-sum-exp
of the ticket logits [3, 1, 0] is log(20.09 + 2.72 + 1.00) = log(23.80) = 3.16985,
and everything else follows from shifting (adding c to every logit adds c to the
log-sum-exp and changes no probability).
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, as_array, call, case, close, same_input
from .softmax import register_edge_cases, register_softmax_cases

TICKET = [3.0, 1.0, 0.0]
LSE_TICKET = math.log(math.exp(3.0) + math.exp(1.0) + 1.0)  # 3.16985
LSE_ZERO_MINUS_ONE = math.log1p(math.exp(-1.0))  # 0.31326: rows [m, m - 1] have log-sum-exp m + this
TICKET_PROBS = [0.844, 0.114, 0.042]
SCALES = [[1000.0, 999.0], [0.0, -1.0], [-1000.0, -1001.0]]  # one batch, three very different scales
BATCH = [[2.0, 1.0, 0.1], [3.0, 1.0, 0.0]]

hint_tiers(
    "logsumexp",
    "log(sum(exp(z))) overflows for large z. Factor out the largest entry m of each slice: the "
    "log-sum-exp is m + log(sum(exp(z - m))), and no exp is then larger than 1.",
    "np.max with axis=axis and keepdims=True keeps the axis so that z - m lines up; np.where can swap "
    "the -inf max of an all -inf slice for 0 (-inf - (-inf) is nan); np.squeeze removes a kept axis.",
    "For a (2, 3) batch and axis=-1: the maxima are (2, 1), the sums of the shifted exps (2,), the "
    "result (2,): one number per slice, the summed axis gone.",
)
hint_tiers(
    "stable_softmax",
    "Softmax does not change when the same number is subtracted from every logit of a slice. Choose "
    "the number that makes the slice's largest logit 0, and no exp can overflow.",
    "np.max with axis=axis and keepdims=True gives each slice's max with the axis kept, so it lines up "
    "with z; then carry on as in your softmax. Write z - m, never z -= m (the caller's array would change).",
    "The same shapes as softmax: maxima and totals of a (2, 3) batch are (2, 1). A -inf logit stays -inf "
    "after the shift, and its exp is exactly 0.",
)
hint_tiers(
    "log_softmax",
    "log(softmax(z)) = z - logsumexp(z): one number per slice is subtracted. Never take the log of the "
    "probabilities themselves: a tiny one underflows to 0, and log(0) = -inf.",
    "Shift by the max of each slice (keepdims=True); then the log of the sum of the shifted exps, also "
    "with keepdims=True, comes off the shifted logits. np.expand_dims puts a reduced axis back if you "
    "reuse your logsumexp.",
    "For a (2, 3) batch: the max and the log-sum are (2, 1), the result (2, 3), and no entry is above 0.",
)

OVERFLOW = (
    "exp(1000) overflows to inf (inf / inf and inf - inf are nan): subtract the max of each slice before exponentiating"
)
ADD_BACK = ", and add it back to the log of the sum"


def _reduced(fn, z, what: str, **kw) -> np.ndarray:
    """logsumexp's result as an array, with a miss when its shape is not z's minus `axis`."""
    out = as_array(call(fn, z, **kw), what)
    want = tuple(np.delete(np.shape(z), kw.get("axis", -1)))
    if out.shape == want:
        return out
    if out.shape == () and want:
        raise Miss(
            f"{what} returned one number for input of shape {np.shape(z)}: reduce along "
            "`axis` only (np.sum(..., axis=axis)), not over the whole array"
        )
    if out.size == np.prod(want, dtype=int):
        raise Miss(
            f"{what} has shape {out.shape}, not {want}: the summed axis should disappear, "
            "so drop keepdims from the result (np.squeeze the max before adding it back)"
        )
    raise Miss(
        f"{what} has shape {out.shape}, not {want}: a max taken with keepdims=True "
        "added to a sum taken without it broadcasts into a bigger array"
    )


# ---- logsumexp -------------------------------------------------------------------


@case("logsumexp", "matches the worked example [3.0, 1.0, 0.0]")
def _lse_worked(fn):
    out = _reduced(fn, list(TICKET), "logsumexp([3.0, 1.0, 0.0])")
    if close(out, LSE_TICKET, rtol=0, atol=1e-6):
        return
    guesses = {
        LSE_TICKET - 3.0: "you subtracted the max but did not add it back: lse(z) = m + log(sum(exp(z - m)))",
        np.log(4.0): "you took the log of the sum of the logits: exponentiate before summing",
        np.exp(LSE_TICKET): "you returned the sum of the exps: take its log",
    }
    for value, hint in guesses.items():
        if close(out, value, rtol=0, atol=1e-6):
            raise Miss(hint)
    raise Miss("wrong value for [3.0, 1.0, 0.0]: log-sum-exp is log(exp(3) + exp(1) + exp(0))")


@case("logsumexp", "is exact for logits of +-1000")
def _lse_large(fn):
    out = _reduced(fn, np.array([1000.0, 998.0, 997.0]), "logsumexp([1000, 998, 997])")
    if not np.isfinite(out):
        raise Miss(OVERFLOW + ADD_BACK)
    if not close(out, LSE_TICKET + 997.0, rtol=0, atol=1e-9):
        raise Miss(
            "[1000, 998, 997] is [3, 1, 0] shifted by 997, so its log-sum-exp is 997 more: "
            "add back exactly the max you subtracted"
        )
    out = _reduced(fn, np.array([-1000.0, -1000.0]), "logsumexp([-1000, -1000])")
    if not close(out, -1000.0 + np.log(2.0), rtol=0, atol=1e-9):
        raise Miss(
            "logsumexp([-1000, -1000]) should be -1000 + log(2): exp(-1000) underflows to 0 "
            "and log(0) = -inf, so shift by the max here too"
        )


@case("logsumexp", "is a smooth maximum")
def _lse_bounds(fn):
    z = np.array([0.5, -1.25, 2.0, 0.0])
    out = _reduced(fn, z.copy(), "logsumexp(z)")
    if not (z.max() <= out <= z.max() + np.log(z.size)):
        raise Miss("log-sum-exp lies between max(z) and max(z) + log(n); yours does not")
    shifted = _reduced(fn, z + 7.0, "logsumexp(z + 7)")
    if not close(shifted, out + 7.0, rtol=0, atol=1e-9):
        raise Miss("logsumexp(z + 7) should be logsumexp(z) + 7: adding c to every logit adds c")


@case("logsumexp", "reduces each row of a batch along axis=-1", basic=True)
def _lse_batch(fn):
    out = _reduced(fn, [row[:] for row in BATCH], "logsumexp(batch of 2 rows)")
    first = _reduced(fn, list(BATCH[0]), "logsumexp(first row)")
    if not close(out, [first, LSE_TICKET], rtol=0, atol=1e-9):
        raise Miss(
            "each row must get its own log-sum-exp: a batch is several independent ones "
            "(use axis=axis and keepdims=True for the max of each row)"
        )


@case("logsumexp", "respects the axis argument")
def _lse_axis(fn):
    z = np.array(BATCH).T  # classes along axis 0
    out = _reduced(fn, z.copy(), "logsumexp(z, axis=0)", axis=0)
    if not close(out[1], LSE_TICKET, rtol=0, atol=1e-9):
        raise Miss(
            "with axis=0 each column is one slice: pass `axis` to both the max and the sum instead of hard-coding -1"
        )


@case("logsumexp", "keeps float32 input float32")
def _lse_dtype(fn):
    out = call(fn, np.array([[3.0, 1.0, 0.0]], dtype=np.float32))
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 input came back as {getattr(out, 'dtype', type(out).__name__)}: "
            "avoid forcing float64 (np.asarray(z) keeps the dtype of an array)"
        )


@case("logsumexp", "leaves its input unchanged")
def _lse_unmodified(fn):
    z = np.array([[1000.0, 998.0, 997.0], [3.0, 1.0, 0.0]])
    before = z.copy()
    call(fn, z)
    if not same_input(before, z):
        raise Miss("your function changed the array it was given: write z - m, not z -= m")


@case("logsumexp", "treats -inf entries as exp(-inf) = 0", edge=True)
def _lse_neg_inf(fn):
    out = _reduced(fn, np.array([[0.0, -np.inf, 0.0], [-np.inf, 5.0, -np.inf]]), "logsumexp(rows with -inf)")
    if np.isnan(out).any() or not close(out, [np.log(2.0), 5.0], rtol=0, atol=1e-9):
        raise Miss("a -inf entry contributes exp(-inf) = 0 to the sum: the other entries decide the result (no nan)")


@case("logsumexp", "gives -inf for an all -inf slice", edge=True)
def _lse_all_neg_inf(fn):
    out = _reduced(fn, np.array([[-np.inf, -np.inf], [0.0, 0.0]]), "logsumexp([[-inf, -inf], [0, 0]])")
    if np.isnan(out[0]):
        raise Miss(
            "an all -inf slice gives nan: its max is -inf and -inf - (-inf) = nan; shift such "
            "a slice by 0 instead (e.g. np.where(np.isfinite(m), m, 0))"
        )
    if not close(out, [-np.inf, np.log(2.0)], rtol=0, atol=1e-9):
        raise Miss("the log-sum-exp of an all -inf slice is log(0) = -inf, and the other rows must not be affected")


@case("logsumexp", "shifts every slice by its own max", edge=True)
def _lse_scales(fn):
    out = _reduced(fn, np.array(SCALES), "logsumexp(rows near 1000, 0 and -1000)")
    want = [row[0] + LSE_ZERO_MINUS_ONE for row in SCALES]
    if not close(out, want, rtol=0, atol=1e-9):
        raise Miss(
            "rows at very different scales in one batch go wrong: take the max of each "
            "slice (axis=axis, keepdims=True), not of the whole array"
        )


@case("logsumexp", "handles +1000 and -1000 in one slice", edge=True)
def _lse_mixed(fn):
    out = _reduced(fn, np.array([1000.0, -1000.0]), "logsumexp([1000, -1000])")
    if not close(out, 1000.0, rtol=0, atol=1e-9):
        raise Miss("logsumexp([1000, -1000]) is 1000 (exp(-2000) is negligible): " + OVERFLOW + ADD_BACK)


# ---- stable_softmax -----------------------------------------------------------------

register_softmax_cases("stable_softmax")


def _probs(fn, z, what: str) -> np.ndarray:
    p = as_array(call(fn, z), what)
    if p.shape != np.shape(z):
        raise Miss(
            f"{what} has shape {p.shape} for input of shape {np.shape(z)}: softmax returns one probability per logit"
        )
    return p


@case("stable_softmax", "gives [0.844, 0.114, 0.042] for [1000, 998, 997]", edge=True)
def _ss_worked(fn):
    p = _probs(fn, np.array([1000.0, 998.0, 997.0]), "stable_softmax([1000, 998, 997])")
    if not np.isfinite(p).all():
        raise Miss(OVERFLOW)
    if not close(p, TICKET_PROBS, rtol=0, atol=5e-4):
        raise Miss(
            "the values changed: subtracting the same number from every logit is the only "
            "safe change (clipping or rescaling the logits changes the probabilities)"
        )


@case("stable_softmax", "handles logits of +-1000", edge=True)
def _ss_thousands(fn):
    p = _probs(fn, np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), "stable_softmax(+-1000)")
    if not np.isfinite(p).all() or not close(p, [[1.0, 0.0], [0.0, 1.0]], rtol=0, atol=1e-12):
        raise Miss(
            "with logits 1000 and -1000 the first takes all the mass: shift by the max "
            "(not the min or the mean, which still leave exp(2000) or exp(1000))"
        )
    p = _probs(fn, np.array([-1000.0, -1001.0, -1002.0]), "stable_softmax([-1000, -1001, -1002])")
    if not np.isfinite(p).all() or not close(p.sum(), 1.0, rtol=0, atol=1e-9):
        raise Miss(
            "all exps of [-1000, -1001, -1002] underflow to 0 and 0 / 0 = nan: after "
            "subtracting the max, the largest exp is exp(0) = 1"
        )


@case("stable_softmax", "shifts each row by its own max", edge=True)
def _ss_rows(fn):
    p = _probs(fn, np.array(SCALES), "stable_softmax(rows near 1000, 0 and -1000)")
    if not np.isfinite(p).all() or not close(p, [p[1]] * 3, rtol=1e-9, atol=1e-12):
        raise Miss(
            "rows [1000, 999], [0, -1] and [-1000, -1001] have the same softmax, but not "
            "in yours: subtract each row's max (axis=axis, keepdims=True), not the max of "
            "the whole array"
        )


@case("stable_softmax", "puts all the mass on the only finite logit", edge=True)
def _ss_one_finite(fn):
    p = _probs(
        fn,
        np.array([[-np.inf, 5.0, -np.inf], [-np.inf, -np.inf, -1000.0]]),
        "stable_softmax(rows with one finite logit)",
    )
    if not close(p, [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], rtol=0, atol=1e-12):
        raise Miss(
            "when every logit but one is -inf, that one gets probability 1 and the -inf ones get exactly 0 (no nan)"
        )


@case("stable_softmax", "never gives nan or inf for finite input", edge=True)
def _ss_finite(fn):
    rng = np.random.default_rng(3)
    for z, tol in (
        (rng.normal(scale=500.0, size=(4, 7)), 1e-9),
        (np.array([[100.0, 99.0], [-100.0, -120.0]], dtype=np.float32), 1e-5),
    ):
        p = _probs(fn, z.copy(), f"stable_softmax({z.dtype} logits up to {abs(z).max():.0f})")
        if not np.isfinite(p).all():
            raise Miss(
                "nan or inf for finite logits: in float32 exp already overflows above 88.7, "
                "so subtract each row's max before exponentiating"
            )
        if not close(p.sum(axis=-1), np.ones(len(z)), rtol=0, atol=tol):
            raise Miss("the rows do not sum to 1 for large logits: normalise after the shift")


# After its own cases, so that a wrong shift is reported by the case that names it.
register_edge_cases("stable_softmax")


# ---- log_softmax --------------------------------------------------------------------


def _logp(fn, z, what: str, **kw) -> np.ndarray:
    out = as_array(call(fn, z, **kw), what)
    if out.shape != np.shape(z):
        raise Miss(
            f"{what} has shape {out.shape} for input of shape {np.shape(z)}: one "
            "log-probability per logit; subtract a log-sum-exp taken with keepdims=True"
        )
    return out


WORKED_LOGP = [z - LSE_TICKET for z in TICKET]


@case("log_softmax", "matches the worked example [3.0, 1.0, 0.0]")
def _ls_worked(fn):
    out = _logp(fn, list(TICKET), "log_softmax([3.0, 1.0, 0.0])")
    if close(out, WORKED_LOGP, rtol=0, atol=1e-6):
        return
    if close(out, TICKET_PROBS, rtol=0, atol=5e-4):
        raise Miss("these are probabilities, not their logs: log_softmax(z) = z - logsumexp(z)")
    if close(out, [z + LSE_TICKET for z in TICKET], rtol=0, atol=1e-6):
        raise Miss(
            "you added the log-sum-exp: subtract it, log_softmax(z) = z - logsumexp(z) "
            "(a log-probability is never above 0)"
        )
    if close(out, [z - (LSE_TICKET - 3.0) for z in TICKET], rtol=0, atol=1e-6):
        raise Miss(
            "you subtracted log(sum(exp(z - m))) from z itself: either subtract it from z - m, or add m back to it"
        )
    raise Miss("wrong values for [3.0, 1.0, 0.0]: log_softmax(z) = z - log(sum(exp(z)))")


@case("log_softmax", "gives log-probabilities")
def _ls_properties(fn):
    z = np.array([0.5, -1.25, 2.0, 0.0])
    out = _logp(fn, z.copy(), "log_softmax(z)")
    if (out > 0).any():
        raise Miss("a log-probability above 0 means a probability above 1: subtract the log-sum-exp, do not add it")
    if not close(np.exp(out).sum(), 1.0, rtol=0, atol=1e-9):
        raise Miss("exp(log_softmax(z)) should sum to 1")
    if not close(z - out, np.full(z.shape, (z - out)[0]), rtol=0, atol=1e-9):
        raise Miss(
            "z - log_softmax(z) should be the same number (the log-sum-exp) for every "
            "entry: subtract one value per slice"
        )


@case("log_softmax", "handles each row of a batch along axis=-1", basic=True)
def _ls_batch(fn):
    out = _logp(fn, [row[:] for row in BATCH], "log_softmax(batch of 2 rows)")
    sums = np.exp(out).sum(axis=-1)
    if not close(sums, [1.0, 1.0], rtol=0, atol=1e-9) or not close(out[1], WORKED_LOGP, rtol=0, atol=1e-6):
        raise Miss(
            "each row must be normalised on its own: take the log-sum-exp along axis=-1 "
            "with keepdims=True so it broadcasts row by row"
        )


@case("log_softmax", "respects the axis argument")
def _ls_axis(fn):
    z = np.array(BATCH).T
    out = _logp(fn, z.copy(), "log_softmax(z, axis=0)", axis=0)
    if not close(np.exp(out).sum(axis=0), [1.0, 1.0], rtol=0, atol=1e-9):
        raise Miss("with axis=0 each column is one slice: pass `axis` to the max and the sum")


@case("log_softmax", "keeps float32 input float32")
def _ls_dtype(fn):
    out = call(fn, np.array(TICKET, dtype=np.float32))
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 input came back as {getattr(out, 'dtype', type(out).__name__)}: "
            "avoid forcing float64 (np.asarray(z) keeps the dtype of an array)"
        )


@case("log_softmax", "leaves its input unchanged")
def _ls_unmodified(fn):
    z = np.array([[1000.0, 998.0, 997.0], [3.0, 1.0, 0.0]])
    before = z.copy()
    call(fn, z)
    if not same_input(before, z):
        raise Miss("your function changed the array it was given: write z - m, not z -= m")


@case("log_softmax", "stays finite far below the max (no log(0))", edge=True)
def _ls_no_log_zero(fn):
    for z, what in (
        (np.array([0.0, -1000.0]), "log_softmax([0, -1000])"),
        (np.array([0.0, -120.0], dtype=np.float32), "log_softmax(float32 [0, -120])"),
    ):
        out = _logp(fn, z.copy(), what)
        if np.isinf(out).any():
            raise Miss(
                "-inf for a finite logit: never take log(softmax(z)); the probability "
                "underflows to 0 and log(0) = -inf. Compute z - logsumexp(z) instead"
            )
        if out[1] > z[1] / 2:  # far above the true value: a floor such as log(p + eps) or a clip
            raise Miss(
                f"{what} gave {out[1]:.4g} for the second entry, not about {z[1]:g}: an epsilon or a clip "
                "inside log(softmax(z) + eps) only hides the log(0); never take log(softmax(z)), compute "
                "z - logsumexp(z) instead"
            )
        if not close(out, z, rtol=1e-6, atol=1e-6):
            raise Miss(
                f"{what} should be very close to the logits themselves (the first entry takes almost all the mass)"
            )


@case("log_softmax", "handles logits of 1000", edge=True)
def _ls_large(fn):
    out = _logp(fn, np.array([1000.0, 998.0, 997.0]), "log_softmax([1000, 998, 997])")
    if not np.isfinite(out).all():
        raise Miss(OVERFLOW)
    if not close(out, WORKED_LOGP, rtol=0, atol=1e-9):
        raise Miss(
            "log_softmax([1000, 998, 997]) equals log_softmax([3, 1, 0]): a shift of every logit changes nothing"
        )
    out = _logp(fn, np.array(SCALES), "log_softmax(rows near 1000, 0 and -1000)")
    if not close(out, [[-LSE_ZERO_MINUS_ONE, -1.0 - LSE_ZERO_MINUS_ONE]] * 3, rtol=0, atol=1e-9):
        raise Miss(
            "rows at very different scales in one batch go wrong: take the max of each "
            "slice (axis=axis, keepdims=True), not of the whole array"
        )


@case("log_softmax", "keeps -inf entries at -inf and the rest finite", edge=True)
def _ls_neg_inf(fn):
    out = _logp(fn, np.array([0.0, -np.inf, 0.0]), "log_softmax([0, -inf, 0])")
    if np.isnan(out).any() or not close(out, [-np.log(2.0), -np.inf, -np.log(2.0)], rtol=0, atol=1e-9):
        raise Miss("a -inf logit has log-probability -inf and the others share the mass (no nan)")
