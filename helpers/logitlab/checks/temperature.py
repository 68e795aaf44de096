"""Checks for 04_temperature: softmax_with_temperature, top_k_filter, top_p_filter
and sample_next_token.

No case holds a reference implementation. Expected values are either the worked
examples of the notebook (hard-coded), or follow from logits chosen as log(q) for a
known distribution q, whose softmax is q itself. The sampling cases compare the
learner's draws with `rng.choice(V, p=q)` for the same seed: that is the documented
procedure of the notebook, applied to a distribution written down in advance.
"""

from __future__ import annotations

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, NotImplementedMiss, as_array, call, case, close, same_input, siblings_pass

INF = np.inf
TICKET = [3.0, 1.0, 0.0]  # refund, reship, escalate
# softmax([3, 1, 0] / T) for T = 0.5, 1, 2: the table of the notebook.
TABLE = {0.5: [0.9796, 0.0179, 0.0024], 1.0: [0.8438, 0.1142, 0.0420], 2.0: [0.6285, 0.2312, 0.1402]}

hint_tiers(
    "softmax_with_temperature",
    "Temperature divides the LOGITS before the softmax: a large T shrinks the gaps (flatter), a small T "
    "stretches them (sharper). A temperature must be above 0, so check it before anything else.",
    "raise ValueError(...) for a bad temperature; then the stable softmax of 03 applied to the divided "
    "logits, with the max of each slice taken after the division. Dividing a float32 array by a Python "
    "float keeps float32.",
    "In order: check T, make a float array, divide, shift by each slice's max, exponentiate, normalise. "
    "The shapes are those of softmax.",
)
hint_tiers(
    "top_k_filter",
    "Find the k-th largest logit of each row. Every logit strictly below it becomes -inf; every other "
    "one keeps its value (logits tied with the k-th largest stay).",
    "np.sort sorts in ASCENDING order along the last axis, so the k-th largest is k places from the "
    "end; index it so the row axis is kept (length 1) for the comparison. np.array makes a copy, and "
    "only a float array can hold -np.inf.",
    "Check k first (at least 1; k at or above the vocabulary size keeps everything). For a (2, 5) batch "
    "the thresholds are (2, 1); a boolean mask of the entries below them says what becomes -inf in the copy.",
)
hint_tiers(
    "top_p_filter",
    "Rank the tokens from most to least likely and add up their probabilities: keep tokens until the "
    "running sum REACHES p (the token that crosses p is kept), and always keep at least one.",
    "A descending sort is minus the ascending sort of minus the logits; softmax the sorted logits "
    "(stably) and np.cumsum along the last axis gives the running sums; np.take_along_axis picks one "
    "entry per row.",
    "The count of tokens to keep is a per-row k, and the sorted logit at that position is the smallest "
    "one kept. As in top_k_filter, everything below it becomes -inf in a copy, which also keeps ties.",
)
hint_tiers(
    "sample_next_token",
    "Temperature 0 means greedy: the argmax, no randomness. Otherwise divide the logits by T, apply top-k "
    "then top-p if asked, turn what is left into probabilities, and draw ONE token from them.",
    "Reuse your own top_k_filter, top_p_filter and softmax_with_temperature (with T = 1 once the logits "
    "are divided). np.random.default_rng accepts None, a seed or a Generator; a Generator's choice "
    "method draws one index with given probabilities (p=...).",
    "Check the arguments first (one vector of logits, a temperature >= 0), and return the token id "
    "wrapped in int(...): callers expect a Python int, not a numpy integer.",
)


def _raises_value_error(fn, *args, **kwargs) -> str | None:
    """None if fn(*args) raises ValueError; otherwise what it did instead."""
    name = getattr(fn, "__name__", "your function")
    try:
        with np.errstate(all="ignore"):
            fn(*args, **kwargs)
    except ValueError:
        return None
    except NotImplementedError:
        raise NotImplementedMiss(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` "
            "with your code and run its cell again."
        ) from None
    except Exception as exc:
        return f"raised {type(exc).__name__} ({exc})"
    return "returned a result"


def _same_shape(out: np.ndarray, z, what: str) -> np.ndarray:
    if out.shape != np.shape(z):
        raise Miss(
            f"{what} has shape {out.shape} for logits of shape {np.shape(z)}: "
            "return one value per logit, the same shape as the input"
        )
    return out


# ---- softmax_with_temperature -------------------------------------------------


def _tempered(fn, z, temperature, what: str, **kw) -> np.ndarray:
    with np.errstate(all="ignore"):
        return _same_shape(as_array(call(fn, z, temperature, **kw), what), z, what)


@case("softmax_with_temperature", "reproduces the T = 0.5 / 1 / 2 table for [3, 1, 0]")
def _swt_table(fn):
    for t in (1.0, 2.0, 0.5):
        p = _tempered(fn, list(TICKET), t, f"softmax_with_temperature([3, 1, 0], {t})")
        if close(p.sum(), 1 / t, rtol=0, atol=1e-3) and t != 1.0:
            raise Miss(
                f"at T = {t} the probabilities sum to {p.sum():.3g} = 1/T: you divided after "
                "softmax, not before. Temperature divides the LOGITS: softmax(z / T)"
            )
        if not close(p.sum(), 1.0, rtol=0, atol=1e-6):
            raise Miss(
                f"at T = {t} the probabilities sum to {p.sum():.4g}, not 1: softmax(z / T) "
                "is still a softmax, normalise by the sum of the exps"
            )
        if t != 1.0 and close(p, TABLE[1.0], rtol=0, atol=5e-4):
            raise Miss(
                f"T = {t} gave the same probabilities as T = 1: the temperature had no effect "
                "(divide the logits by T before exponentiating; dividing exp(z) by T cancels out)"
            )
        if t != 1.0 and close(p, TABLE[1.0 / t], rtol=0, atol=5e-4):
            raise Miss(
                f"T = {t} gave the table's row for T = {1 / t}: you multiplied the logits by T. "
                "Divide by T: a higher temperature must flatten the distribution"
            )
        if not close(p, TABLE[t], rtol=0, atol=5e-4):
            raise Miss(f"at T = {t} the probabilities are off: compute exp(z_i / T) / sum_j exp(z_j / T)")


@case("softmax_with_temperature", "T -> 0 approaches argmax and a large T approaches uniform")
def _swt_limits(fn):
    cold = _tempered(fn, np.array([0.3, 2.0, 1.5]), 0.01, "softmax_with_temperature(z, 0.01)")
    if not close(cold, [0.0, 1.0, 0.0], rtol=0, atol=1e-9):
        raise Miss(
            "at T = 0.01 all the mass should sit on the largest logit: dividing by a small T "
            "stretches the gaps between logits"
        )
    hot = _tempered(fn, np.array([0.3, 2.0, 1.5]), 1000.0, "softmax_with_temperature(z, 1000)")
    if not close(hot, [1 / 3] * 3, rtol=0, atol=1e-3):
        raise Miss(
            "at T = 1000 the distribution should be almost uniform: dividing by a large T shrinks every gap towards 0"
        )


@case("softmax_with_temperature", "normalises each row of a batch along axis=-1", basic=True)
def _swt_batch(fn):
    p = _tempered(fn, [[3.0, 1.0, 0.0], [0.0, 1.0, 3.0]], 2.0, "softmax_with_temperature(batch, 2)")
    if not close(p.sum(axis=-1), [1.0, 1.0], rtol=0, atol=1e-6):
        raise Miss("each row of a batch must sum to 1: sum along axis=-1 with keepdims=True")
    if not close(p[1], TABLE[2.0][::-1], rtol=0, atol=5e-4):
        raise Miss("each row must be tempered and normalised on its own")


@case("softmax_with_temperature", "respects the axis argument")
def _swt_axis(fn):
    z = np.array([[3.0, 0.0], [1.0, 1.0], [0.0, 3.0]])  # classes along axis 0
    p = _tempered(fn, z.copy(), 2.0, "softmax_with_temperature(z, 2, axis=0)", axis=0)
    if not close(p.sum(axis=0), [1.0, 1.0], rtol=0, atol=1e-6) or not close(p[:, 0], TABLE[2.0], rtol=0, atol=5e-4):
        raise Miss("with axis=0 each column must sum to 1: pass `axis` to the max and sum calls")


@case("softmax_with_temperature", "keeps float32 input float32")
def _swt_dtype(fn):
    out = call(fn, np.array(TICKET, dtype=np.float32), 2.0)
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 logits came back as {getattr(out, 'dtype', type(out).__name__)}: "
            "np.asarray(z) keeps the dtype and z / temperature with a Python float keeps float32"
        )


@case("softmax_with_temperature", "leaves its input unchanged")
def _swt_unmodified(fn):
    z = np.array([[3.0, 1.0, 0.0], [2.0, 1.0, 0.1]])
    before = z.copy()
    call(fn, z, 2.0)
    if not same_input(before, z):
        raise Miss("the logits array changed after the call: write z = z / temperature, not z /= temperature")


@case("softmax_with_temperature", "raises ValueError for T <= 0", edge=True)
def _swt_bad_temperature(fn):
    for t in (0.0, -1.0):
        got = _raises_value_error(fn, np.array(TICKET), t)
        if got is not None:
            raise Miss(
                f"softmax_with_temperature(z, {t}) {got}: a temperature must be > 0, so check it "
                "first and `raise ValueError(...)` (T = 0 is the greedy limit, handled by the sampler)"
            )


@case("softmax_with_temperature", "stays finite for logits of +-1000 and a tiny T", edge=True)
def _swt_extreme(fn):
    p = _tempered(fn, np.array([1000.0, -1000.0, 999.0]), 0.5, "softmax_with_temperature([1000, -1000, 999], 0.5)")
    if np.isnan(p).any() or np.isinf(p).any():
        raise Miss(
            "nan or inf for logits of 1000: exp(2000) overflows; subtract the max of z / T "
            "(along axis) before exponentiating"
        )
    if not close(p, [0.8808, 0.0, 0.1192], rtol=0, atol=5e-4):
        raise Miss(
            "the probabilities for [1000, -1000, 999] at T = 0.5 are off: after the shift the "
            "result must equal softmax([2, -2000, 0])"
        )
    cold = _tempered(fn, np.array(TICKET), 0.001, "softmax_with_temperature([3, 1, 0], 0.001)")
    if np.isnan(cold).any() or not close(cold, [1.0, 0.0, 0.0], rtol=0, atol=1e-12):
        raise Miss("at T = 0.001 the logits become [3000, 1000, 0]: shift by the max after dividing by T")


@case("softmax_with_temperature", "shifts each row by its own max", edge=True)
def _swt_row_max(fn):
    # Row 2 is row 1 minus 1000: shifted by the max of the whole batch, its exps all underflow.
    z = np.array([[1000.0, 999.0, 998.0], [0.0, -1.0, -2.0]])
    p = _tempered(fn, z, 1.0, "softmax_with_temperature(rows 1000 apart, 1.0)")
    if not close(p[1], p[0], rtol=0, atol=1e-9):
        raise Miss(
            "rows at very different scales in one batch go wrong: subtract the max of each row "
            "(axis=axis, keepdims=True), not the max of the whole array"
        )


@case("softmax_with_temperature", "gives -inf logits probability exactly 0", edge=True)
def _swt_neg_inf(fn):
    p = _tempered(fn, np.array([0.0, -INF, 1.0]), 0.5, "softmax_with_temperature([0, -inf, 1], 0.5)")
    if np.isnan(p).any() or p[1] != 0.0 or not close(p.sum(), 1.0, rtol=0, atol=1e-9):
        raise Miss("a -inf logit must get probability 0 and no nan: -inf / T is still -inf and exp(-inf) = 0")


# ---- top_k_filter ----------------------------------------------------------


def _filtered(fn, z, arg, what: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        return _same_shape(as_array(call(fn, z, arg), what), z, what)


def _kept_values_intact(out: np.ndarray, z) -> None:
    kept = out != -INF
    if (out[kept] != np.asarray(z, dtype=float)[kept]).any():
        raise Miss(
            "the entries that are kept changed value: return the original logits there "
            "(filters work on logits, not probabilities; softmax comes later)"
        )


@case("top_k_filter", "keeps the k largest logits and sets the rest to -inf")
def _tk_basic(fn):
    z = [1.0, 3.0, -0.5, 2.0, 0.0]
    out = _filtered(fn, list(z), 2, "top_k_filter(z, 2)")
    if (out == 0).sum() > 1 and (out == -INF).sum() == 0:
        raise Miss(
            "the removed entries are 0, not -inf: 0 is an ordinary logit (exp(0) = 1), only -inf "
            "gets probability 0 after softmax"
        )
    _kept_values_intact(out, z)
    kept = int((out != -INF).sum())
    if kept == 1:
        raise Miss(
            "k = 2 kept a single logit: the k-th largest itself stays; remove only what is strictly "
            "below it (keep logits >= the k-th largest)"
        )
    if kept == len(z) - 1:
        raise Miss(
            "k = 2 kept 4 of 5 logits: np.sort is ascending, so np.sort(z)[..., k - 1] is the k-th "
            "SMALLEST; the k-th largest is np.sort(z)[..., -k], counted from the end"
        )
    if set(np.flatnonzero(out != -INF).tolist()) == {2, 4}:
        raise Miss("you kept the smallest logits: the k-th largest is np.sort(z)[..., -k], counted from the end")
    if not close(out, [-INF, 3.0, -INF, 2.0, -INF], rtol=0, atol=0):
        raise Miss(f"k = 2 kept {kept} logits, not the two largest (3.0 and 2.0)")


@case("top_k_filter", "k = 1 keeps only the top logit")
def _tk_one(fn):
    out = _filtered(fn, np.array([0.2, -1.0, 4.0, 3.9]), 1, "top_k_filter(z, 1)")
    if not close(out, [-INF, -INF, 4.0, -INF], rtol=0, atol=0):
        raise Miss("with k = 1 only the largest logit should survive")


@case("top_k_filter", "filters each row of a batch on its own", basic=True)
def _tk_batch(fn):
    z = np.array([[1.0, 3.0, 2.0], [6.0, 4.0, 5.0]])
    out = _filtered(fn, z.copy(), 2, "top_k_filter(batch, 2)")
    if (out != -INF).sum(axis=-1).tolist() != [2, 2]:
        raise Miss(
            f"with k = 2 the rows keep {(out != -INF).sum(axis=-1).tolist()} logits: find the k-th "
            "largest of each row (np.sort(..., axis=-1)[..., -k]), not of the whole array"
        )
    if not close(out, [[-INF, 3.0, 2.0], [6.0, -INF, 5.0]], rtol=0, atol=0):
        raise Miss("each row must keep its own two largest logits")


@case("top_k_filter", "returns a new array and leaves the input unchanged")
def _tk_unmodified(fn):
    z = np.array([[1.0, 3.0, 2.0], [6.0, 4.0, 5.0]])
    before = z.copy()
    out = call(fn, z, 1)
    if not same_input(before, z):
        raise Miss("the logits you were given now contain -inf: work on a copy (out = z.copy())")
    if out is z:
        raise Miss("you returned the input array itself: return a filtered copy")


@case("top_k_filter", "keeps float32 input float32")
def _tk_dtype(fn):
    out = call(fn, np.array([1.0, 3.0, 2.0], dtype=np.float32), 2)
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 logits came back as {getattr(out, 'dtype', type(out).__name__)}: "
            "copy the array (np.asarray(z).copy()) and assign -np.inf into it"
        )


@case("top_k_filter", "keeps every logit tied with the k-th largest", edge=True)
def _tk_ties(fn):
    out = _filtered(fn, np.array([2.0, 1.0, 1.0, 0.5]), 2, "top_k_filter([2, 1, 1, 0.5], 2)")
    if not close(out, [2.0, 1.0, 1.0, -INF], rtol=0, atol=0):
        raise Miss(
            "top-k kept ties incorrectly: for [2, 1, 1, 0.5] with k = 2 the k-th largest is 1, "
            "and only entries strictly BELOW it go, so both 1s stay (ties may keep more than k)"
        )
    out = _filtered(fn, np.array([3.0, 3.0, 3.0, 1.0]), 2, "top_k_filter([3, 3, 3, 1], 2)")
    if not close(out, [3.0, 3.0, 3.0, -INF], rtol=0, atol=0):
        raise Miss(
            "top-k kept ties incorrectly: with [3, 3, 3, 1] and k = 2 the k-th largest is 3, so all "
            "three 3s stay; compare values with the k-th largest instead of keeping k positions"
        )


@case("top_k_filter", "k >= vocabulary size keeps everything", edge=True)
def _tk_large_k(fn):
    z = np.array([0.5, -2.0, 1.0])
    for k in (3, 10):
        hint = f"k = {k} with only 3 logits should keep all of them unchanged (clip k to the vocabulary size)"
        try:
            out = _filtered(fn, z.copy(), k, f"top_k_filter(3 logits, {k})")
        except NotImplementedMiss:
            raise
        except Miss as miss:
            raise Miss(f"{hint} ({miss})") from None
        if not close(out, z, rtol=0, atol=0):
            raise Miss(hint)


@case("top_k_filter", "raises ValueError for k < 1", edge=True)
def _tk_bad_k(fn):
    for k in (0, -1):
        got = _raises_value_error(fn, np.array([1.0, 2.0]), k)
        if got is not None:
            raise Miss(
                f"top_k_filter(z, {k}) {got}: k must be at least 1; check it first and "
                "`raise ValueError(...)` with a clear message"
            )


@case("top_k_filter", "handles -inf entries and logits of +-1000", edge=True)
def _tk_extreme(fn):
    out = _filtered(fn, np.array([1000.0, -INF, -1000.0, 999.0]), 2, "top_k_filter([1000, -inf, -1000, 999], 2)")
    if not close(out, [1000.0, -INF, -INF, 999.0], rtol=0, atol=0):
        raise Miss("with a -inf entry and logits of +-1000, k = 2 should keep 1000 and 999 only")
    z = np.array([-INF, -INF, 0.0, 1.0])
    out = _filtered(fn, z.copy(), 3, "top_k_filter([-inf, -inf, 0, 1], 3)")
    if np.isnan(out).any() or not close(out, z, rtol=0, atol=0):
        raise Miss("when the k-th largest is itself -inf nothing is below it: the logits come back unchanged")


# ---- top_p_filter ----------------------------------------------------------

# log(q) for a shuffled distribution q: softmax gives q back, so the nucleus is known.
NUCLEUS_Q = [0.15, 0.5, 0.05, 0.3]


@case("top_p_filter", "keeps the smallest set of top tokens whose probability reaches p")
def _tp_basic(fn):
    z = np.log(NUCLEUS_Q)
    out = _filtered(fn, z.copy(), 0.7, "top_p_filter(log([0.15, 0.5, 0.05, 0.3]), 0.7)")
    kept = set(np.flatnonzero(out != -INF).tolist())
    if kept == {1}:
        raise Miss(
            "top_p excluded the token that crosses p: 0.5 alone is below 0.7, so the token that "
            "brings the running sum to 0.8 must be kept too (keep tokens until the sum REACHES p)"
        )
    if kept == {0, 1, 2} or kept == {0, 1}:
        raise Miss(
            "the running sum was taken in the original order: sort the probabilities in descending "
            "order before accumulating"
        )
    if kept == {0, 1, 3}:
        raise Miss("you kept one token too many: stop at the first token whose running sum reaches p")
    if kept == {0, 1, 2, 3}:
        raise Miss(
            "every token was kept for p = 0.7: take the running sum of the PROBABILITIES (softmax "
            "first), sorted in descending order (np.argsort(-probs)); a sum of logits or of ascending "
            "probabilities does not reach p after the top tokens"
        )
    if kept == {2, 0, 3} or kept == {2, 0}:
        raise Miss("you accumulated from the least likely token: sort in descending order")
    if kept != {1, 3}:
        raise Miss(f"kept tokens {sorted(kept)}; the nucleus for p = 0.7 is the two most likely tokens (0.5 + 0.3)")
    _kept_values_intact(out, z)


@case("top_p_filter", "the ticket example: p = 0.8 keeps 1 token, p = 0.9 keeps 2")
def _tp_ticket(fn):
    for p, want in ((0.8, [3.0, -INF, -INF]), (0.9, [3.0, 1.0, -INF]), (0.99, [3.0, 1.0, 0.0])):
        out = _filtered(fn, list(TICKET), p, f"top_p_filter([3, 1, 0], {p})")
        if not close(out, want, rtol=0, atol=0):
            raise Miss(
                f"with p = {p} on probabilities [0.844, 0.114, 0.042] you kept "
                f"{int((out != -INF).sum())} token(s), expected {sum(w != -INF for w in want)}: the running "
                "sums are 0.844, 0.958, 1.0; keep every token up to and including the one that reaches p"
            )


@case("top_p_filter", "always keeps at least one token (tiny p)")
def _tp_tiny(fn):
    out = _filtered(fn, np.array([0.5, 2.0, 1.0]), 1e-6, "top_p_filter(z, 1e-6)")
    if (out == -INF).all():
        raise Miss(
            "every token was removed for a tiny p: the top token alone already reaches p, so it must always stay"
        )
    if not close(out, [-INF, 2.0, -INF], rtol=0, atol=0):
        raise Miss("for a tiny p only the most likely token should stay")


@case("top_p_filter", "p = 1.0 keeps every token")
def _tp_one(fn):
    z = np.array([2.0, -1.0, 0.5, 0.0])
    out = _filtered(fn, z.copy(), 1.0, "top_p_filter(z, 1.0)")
    if not close(out, z, rtol=0, atol=0):
        raise Miss("p = 1.0 asks for all of the probability mass: nothing should be removed")


@case("top_p_filter", "filters each row of a batch on its own", basic=True)
def _tp_batch(fn):
    try:
        out = _filtered(fn, [[3.0, 1.0, 0.0], [0.0, 1.0, 3.0]], 0.9, "top_p_filter(batch, 0.9)")
    except NotImplementedMiss:
        raise
    except Miss as miss:
        raise Miss(
            "a batch of 2 rows failed: the code handles a single row only; sort, sum and fill "
            f"along axis=-1 (np.argsort(-probs, axis=-1), np.take_along_axis) ({miss})"
        ) from None
    if not close(out, [[3.0, 1.0, -INF], [-INF, 1.0, 3.0]], rtol=0, atol=0):
        raise Miss("each row needs its own softmax, sort and running sum along axis=-1")


@case("top_p_filter", "returns a new array, keeps float32 and leaves the input unchanged")
def _tp_copy(fn):
    z = np.array([3.0, 1.0, 0.0], dtype=np.float32)
    before = z.copy()
    out = call(fn, z, 0.5)
    if not same_input(before, z):
        raise Miss("the logits you were given changed: fill -inf into a copy")
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(f"float32 logits came back as {getattr(out, 'dtype', type(out).__name__)}: keep the dtype")


@case("top_p_filter", "keeps tokens tied with the one that crosses p", edge=True)
def _tp_ties(fn):
    z = np.array([1.0, 2.0, 0.0, 1.0])  # probabilities 0.197, 0.534, 0.072, 0.197
    out = _filtered(fn, z.copy(), 0.6, "top_p_filter([1, 2, 0, 1], 0.6)")
    if not close(out, [1.0, 2.0, -INF, 1.0], rtol=0, atol=0):
        raise Miss(
            "the token that crosses p = 0.6 has probability 0.197 and another token ties with it: "
            "keep both. As in top_k_filter, keep every logit >= the crossing token's logit, so the "
            "result does not depend on how a sort orders equal values"
        )


@case("top_p_filter", "handles logits of +-1000 and -inf entries", edge=True)
def _tp_extreme(fn):
    z = np.array([-1000.0, 1000.0, -INF, 999.0])  # probabilities 0, 0.731, 0, 0.269
    for p, want in ((0.5, [-INF, 1000.0, -INF, -INF]), (0.9, [-INF, 1000.0, -INF, 999.0])):
        out = _filtered(fn, z.copy(), p, f"top_p_filter([-1000, 1000, -inf, 999], {p})")
        if np.isnan(out).any() or (out == -INF).all():
            raise Miss(
                "nan or nothing kept for logits of 1000: exp(1000) overflows, subtract the max "
                "before computing the probabilities"
            )
        if not close(out, want, rtol=0, atol=0):
            raise Miss(
                f"for probabilities [0, 0.731, 0, 0.269] and p = {p} the wrong tokens were kept: "
                "if you computed exp(z) directly, exp(1000) overflowed; subtract the max first"
            )


@case("top_p_filter", "raises ValueError for p outside (0, 1]", edge=True)
def _tp_bad_p(fn):
    for p in (0.0, -0.1, 1.5):
        got = _raises_value_error(fn, np.array([1.0, 2.0]), p)
        if got is not None:
            raise Miss(
                f"top_p_filter(z, {p}) {got}: p is a probability mass in (0, 1]; check it and `raise ValueError(...)`"
            )


# ---- sample_next_token -------------------------------------------------------
#
# sample_next_token is built from the three functions above. A bug in one of them is
# reported (and graded) there, so the cases that need one wait until the learner's
# own version passes its checks; every other case runs regardless.


def _draws(fn, logits, n: int, seed: int, **kw) -> list:
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        return [call(fn, np.array(logits, dtype=float), rng=rng, **kw) for _ in range(n)]


def _expected_draws(q, n: int, seed: int) -> list[int]:
    """What the documented procedure gives: one rng.choice(V, p=q) per call."""
    rng = np.random.default_rng(seed)
    return [int(rng.choice(len(q), p=q)) for _ in range(n)]


def _frequencies(draws, size: int) -> np.ndarray:
    return np.bincount(np.asarray(draws, dtype=int), minlength=size)[:size] / len(draws)


def _support(draws) -> set:
    return {int(d) for d in draws}


PROCEDURE = (
    "draw with exactly one rng.choice(len(probs), p=probs) per call, using the rng you are "
    "given (np.random.default_rng(rng) passes a Generator through)"
)


@case("sample_next_token", "returns a Python int token id")
def _st_int(fn):
    out = call(fn, [2.0, 1.0, 0.1], rng=np.random.default_rng(0))
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, int):
        raise Miss(
            f"returned {type(out).__name__}: wrap the token id with int(...) so callers get a "
            "plain Python int (np.argmax and elements of np.arange(V) are numpy integers)"
        )
    if not 0 <= out < 3:
        raise Miss(f"returned {out} for 3 logits: a token id is an index 0..V-1")


@case("sample_next_token", "temperature 0 is greedy: the argmax, no sampling")
def _st_greedy(fn):
    hint = "handle T == 0 before dividing by it: return int(np.argmax(logits))"
    for seed in range(5):
        try:
            with np.errstate(all="ignore"):
                out = call(fn, np.array([0.5, 2.0, 1.9]), temperature=0, rng=np.random.default_rng(seed))
        except NotImplementedMiss:
            raise
        except Miss as miss:
            raise Miss(f"with temperature=0 there is nothing to sample: {hint} ({miss})") from None
        if out != 1:
            raise Miss(f"with temperature=0 the token must be the argmax every time: {hint}")
        if not isinstance(out, int):
            raise Miss(
                f"temperature=0 returned {type(out).__name__}: np.argmax gives a numpy integer, wrap it with int(...)"
            )


@case("sample_next_token", "the same seed gives the same tokens")
def _st_reproducible(fn):
    logits = [1.0, 1.2, 0.8, 1.1]
    first, second = _draws(fn, logits, 30, seed=7), _draws(fn, logits, 30, seed=7)
    if first != second:
        raise Miss(
            "sample ignores rng: results differ for the same seed. Draw from the Generator you are "
            "given (rng.choice), not from np.random.* or a new default_rng()"
        )
    if _support(first) == {1}:  # the argmax of the logits
        raise Miss(
            "every draw was the most likely token: that is greedy decoding, kept for temperature 0; "
            "for temperature > 0 draw at random with rng.choice(len(probs), p=probs)"
        )
    if len(_support(first)) == 1:
        raise Miss(
            "30 draws from four near-equal logits all gave the same token: are you re-seeding "
            "(default_rng(0)) on every call instead of using the rng you are given?"
        )


@case("sample_next_token", "follows the documented procedure exactly (seeded rng.choice)")
def _st_procedure(fn):
    q = [0.5, 0.3, 0.2]
    got = _draws(fn, np.log(q), 40, seed=3)
    if [int(g) for g in got] != _expected_draws(q, 40, seed=3):
        raise Miss(
            f"the draws differ from the documented procedure: {PROCEDURE}. Other samplers "
            "(rng.multinomial, rng.random with your own cumsum) are valid but not reproducible "
            "against it"
        )


@case("sample_next_token", "draws follow softmax(logits) at T = 1")
def _st_distribution(fn):
    freq = _frequencies(_draws(fn, [2.0, 1.0, 0.1], 3000, seed=1), 3)
    if close(freq, [1 / 3] * 3, rtol=0, atol=0.03):
        raise Miss(
            "the three tokens come out about equally often: pass p=probs to rng.choice, otherwise it draws uniformly"
        )
    if not close(freq, [0.659, 0.242, 0.099], rtol=0, atol=0.03):
        raise Miss(
            f"3000 draws from [2.0, 1.0, 0.1] gave frequencies {np.round(freq, 3).tolist()}, "
            "far from softmax [0.659, 0.242, 0.099]: sample from the softmax of the logits"
        )


@case("sample_next_token", "temperature reshapes the draws (checked once softmax_with_temperature passes)")
def _st_temperature(fn):
    if not siblings_pass(fn, "softmax_with_temperature"):
        return
    freq = _frequencies(_draws(fn, TICKET, 3000, seed=2, temperature=2.0), 3)
    if close(freq, TABLE[1.0], rtol=0, atol=0.03):
        raise Miss(
            "at temperature 2 the draws still follow the T = 1 probabilities: divide the logits "
            "by the temperature before the softmax"
        )
    if close(freq, TABLE[0.5], rtol=0, atol=0.03):
        raise Miss("temperature 2 made the draws MORE peaked: divide the logits by T, do not multiply")
    if not close(freq, TABLE[2.0], rtol=0, atol=0.03):
        raise Miss(f"at T = 2 the frequencies {np.round(freq, 3).tolist()} do not match softmax([3, 1, 0] / 2)")


@case("sample_next_token", "top_k limits the draws to the k best (checked once top_k_filter passes)")
def _st_top_k(fn):
    if not siblings_pass(fn, "softmax_with_temperature", "top_k_filter"):
        return
    q = [0.1, 0.4, 0.2, 0.3]
    got = _draws(fn, np.log(q), 200, seed=4, top_k=2)
    if not _support(got) <= {1, 3}:
        raise Miss("a token outside the top 2 was drawn: apply top_k_filter to the logits before the softmax")
    if [int(g) for g in got] != _expected_draws([0.0, 4 / 7, 0.0, 3 / 7], 200, seed=4):
        raise Miss(
            f"with top_k the draws differ from the documented procedure: filter, softmax the "
            f"filtered logits (the kept probabilities are renormalised), then {PROCEDURE}"
        )


@case("sample_next_token", "top_p limits the draws to the nucleus (checked once top_p_filter passes)")
def _st_top_p(fn):
    if not siblings_pass(fn, "softmax_with_temperature", "top_p_filter"):
        return
    got = _draws(fn, np.log(NUCLEUS_Q), 200, seed=5, top_p=0.7)
    if not _support(got) <= {1, 3}:
        raise Miss("a token outside the nucleus was drawn: apply top_p_filter to the logits before the softmax")
    if [int(g) for g in got] != _expected_draws([0.0, 5 / 8, 0.0, 3 / 8], 200, seed=5):
        raise Miss(f"with top_p the draws differ from the documented procedure: {PROCEDURE}")


@case("sample_next_token", "greedy picks the first of tied maxima", edge=True)
def _st_greedy_ties(fn):
    with np.errstate(all="ignore"):
        out = call(fn, np.array([1.0, 3.0, 3.0, 0.0]), temperature=0.0)
    if out != 1:
        raise Miss(f"temperature=0 on [1, 3, 3, 0] gave {out}: greedy takes the first maximum (np.argmax)")


@case("sample_next_token", "never draws a token whose logit is -inf", edge=True)
def _st_neg_inf(fn):
    got = _draws(fn, [0.0, -INF, 0.5, -INF], 300, seed=6)
    if not _support(got) <= {0, 2}:
        raise Miss("a token with logit -inf was drawn: it has probability 0 (exp(-inf) = 0)")


@case("sample_next_token", "raises ValueError for a negative temperature", edge=True)
def _st_negative_t(fn):
    got = _raises_value_error(fn, np.array([1.0, 2.0]), temperature=-1.0, rng=np.random.default_rng(0))
    if got is not None:
        raise Miss(f"temperature=-1 {got}: only T = 0 (greedy) and T > 0 make sense; `raise ValueError(...)`")


@case("sample_next_token", "works without an rng, on a list, and leaves the logits unchanged", edge=True)
def _st_defaults(fn):
    z = np.array([0.3, 0.1, 0.2])
    before = z.copy()
    out = call(fn, z)
    if not isinstance(out, int) or not 0 <= out < 3:
        raise Miss("with rng=None you should still return a token id: use np.random.default_rng(rng)")
    if not same_input(before, z):
        raise Miss("the logits you were given changed: divide into a new array")
    out = call(fn, [0.3, 0.1, 0.2], rng=np.random.default_rng(0))
    if not isinstance(out, int):
        raise Miss("a Python list of logits should work too: start with np.asarray(logits, dtype=float)")


@case("sample_next_token", "logits of +-1000 (checked once softmax_with_temperature passes)", edge=True)
def _st_extreme(fn):
    if not siblings_pass(fn, "softmax_with_temperature"):
        return
    got = _draws(fn, [1000.0, -1000.0, 999.0], 1000, seed=8)
    if not _support(got) <= {0, 2}:
        raise Miss(
            "a token with logit -1000 was drawn beside logits of 1000: compute the probabilities "
            "stably (subtract the max)"
        )
    if not close(_frequencies(got, 3), [0.731, 0.0, 0.269], rtol=0, atol=0.05):
        raise Miss("for [1000, -1000, 999] the draws should split about 0.73 / 0.27 between the first and last token")


@case("sample_next_token", "temperature is applied before top_p (checked once the filters pass)", edge=True)
def _st_order(fn):
    if not siblings_pass(fn, "softmax_with_temperature", "top_p_filter"):
        return
    # At T = 2 the probabilities of log([0.5, 0.3, 0.15, 0.05]) are proportional to
    # sqrt(q): 0.379, 0.294, 0.208, 0.120. A nucleus of 0.7 then needs three tokens
    # (at T = 1 it would need two).
    root = np.sqrt([0.5, 0.3, 0.15])
    want = list(root / root.sum()) + [0.0]
    got = _draws(fn, np.log([0.5, 0.3, 0.15, 0.05]), 200, seed=9, temperature=2.0, top_p=0.7)
    if 2 not in _support(got):
        raise Miss(
            "at temperature 2 the nucleus for p = 0.7 has three tokens but the third was never "
            "drawn: divide by the temperature first, then top-k, then top-p"
        )
    if [int(g) for g in got] != _expected_draws(want, 200, seed=9):
        raise Miss(f"temperature then top_p: the draws differ from the documented procedure ({PROCEDURE})")
