"""Checks for 08_attention: the causal mask, the masked softmax, and scaled dot-product
attention.

No reference implementation lives here. The scores of most cases are logarithms of
small integers, so the expected weights are ratios of those integers (the softmax of
log(n) is n / sum(n)); wrong answers are recognised by the ratios their mistakes give
(a masked entry filled with 0 gets exp(0) = 1, a missing 1/sqrt(d_k) squares the
ratios, ...). Where attention builds on the learner's earlier answers, the cases
compare the learner's function with itself: a causal row is the unmasked row
renormalised over the keys it may see, a batch is its items side by side.
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import register as hint_tiers
from ._core import (
    Miss,
    NotImplementedMiss,
    as_array,
    call,
    case,
    close,
    learner_scope,
    raised_in,
    same_input,
    siblings_pass,
)
from ._explain import explains, shapes_in

LOWER_4 = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=bool)  # causal_mask(4), written out
TRUE_MEANS = (
    "True means 'this query may attend to this key' (as in PyTorch's boolean attn_mask), False means masked out"
)
SIBLINGS = ("causal_mask", "masked_softmax")

hint_tiers(
    "causal_mask",
    "Row i is the query at position i and column j the key at position j. Draw the 4 x 4 grid "
    "and tick the cells where the key is not in the query's future.",
    "np.tril keeps the lower triangle of a square array, diagonal included; comparing "
    "np.arange(T) laid out as a column with np.arange(T) laid out as a row works too.",
    "The answer is a (T, T) array of booleans (dtype=bool), True on and below the diagonal. "
    "0/1 floats or 0/-inf numbers are a different kind of mask.",
)
hint_tiers(
    "masked_softmax",
    "A masked entry must add nothing to the sum of exps. Which score has an exponential of "
    "exactly 0? (Not 0: exp(0) = 1.)",
    "np.where(condition, x, y) takes x where the condition holds and y elsewhere, and it "
    "broadcasts a (B, 1, T) mask against (B, T, T) scores. np.max(..., keepdims=True) gives "
    "each slice's max; np.isfinite tells a real max from the -inf of a fully masked slice.",
    "Fill the masked scores, shift each slice by the max of its kept scores (by 0 if it has "
    "none), exponentiate, sum along axis with keepdims=True, and divide only where that sum "
    "is positive; everywhere else the weight is 0.",
)
hint_tiers(
    "scaled_dot_product_attention",
    "Every query is compared with every key: that is one matrix product of q with k "
    "transposed, a (Tq, Tk) block of scores, divided by the square root of the query size.",
    "np.swapaxes(k, -1, -2) transposes only the last two axes, so batches and heads line up "
    "under @; d_k is q.shape[-1]; math.sqrt gives a Python float, which keeps float32 float32.",
    "Scale the scores, build the mask (your causal_mask when causal is True, all True "
    "otherwise), turn the scores into weights with your masked_softmax along the keys, then "
    "mix the values: weights @ v. Return the pair (output, weights).",
)


# ---- causal_mask -----------------------------------------------------------------


def _mask_of(fn, T, what: str) -> tuple[np.ndarray, object]:
    """The learner's mask as float64 (for comparing) and as returned (for its dtype)."""
    out = call(fn, T)
    m = as_array(out, what)
    if m.shape != (T, T):
        raise Miss(
            f"{what} has shape {m.shape}, expected ({T}, {T}): one row per query position, one column per key position"
        )
    return m, out


@case("causal_mask", "T = 4: True on and below the diagonal (key <= query)")
def _cm_pattern(fn):
    m, _ = _mask_of(fn, 4, "causal_mask(4)")
    if np.isinf(m).any():
        raise Miss(
            "returned an additive mask of 0 and -inf: causal_mask returns booleans "
            f"({TRUE_MEANS}); masked_softmax is where -inf goes into the scores"
        )
    if close(m, LOWER_4.T, 0, 0):
        raise Miss(
            "the mask is transposed: row i is query i and column j is key j, so query i may "
            "see keys j <= i; the True entries sit on and BELOW the diagonal (np.tril, not np.triu)"
        )
    if close(m, ~LOWER_4, 0, 0):
        raise Miss(f"True marks the future here: {TRUE_MEANS}. Future keys (j > i) are the False ones")
    if close(m, LOWER_4 & ~np.eye(4, dtype=bool), 0, 0):
        raise Miss(
            "the diagonal is False: a position may attend to itself (key == query), so keep "
            "the diagonal (np.tril with k=0, or <= rather than <)"
        )
    if not close(m, LOWER_4, 0, 0):
        raise Miss(
            "query i may attend to keys 0..i and to nothing after it: True where "
            "column <= row, False above the diagonal"
        )


@case("causal_mask", "returns booleans (dtype=bool)")
def _cm_bool(fn):
    _, out = _mask_of(fn, 3, "causal_mask(3)")
    dtype = getattr(out, "dtype", None)
    if dtype != np.bool_:
        raise Miss(
            f"causal_mask(3) gave {dtype if dtype is not None else type(out).__name__}, not a "
            "bool array: np.ones((T, T)) is float; ask for dtype=bool (a 0/1 float mask breaks "
            "`~mask` and boolean indexing)"
        )


@case("causal_mask", "T = 7: row i has i + 1 True entries, the first ones")
def _cm_seven(fn):
    m, _ = _mask_of(fn, 7, "causal_mask(7)")
    counts = (m != 0).sum(axis=-1)
    if counts.tolist() != list(range(1, 8)):
        raise Miss(f"row i should allow exactly i + 1 keys (0..i); the rows allow {counts.tolist()}")
    if not close(m[:, 0], np.ones(7), 0, 0):
        raise Miss("every query may attend to the first position: column 0 is all True")


@case("causal_mask", "T = 1: one position that sees itself", edge=True)
def _cm_one(fn):
    m, _ = _mask_of(fn, 1, "causal_mask(1)")
    if not close(m, [[1.0]], 0, 0):
        raise Miss("causal_mask(1) must be [[True]]: the only position attends to itself")


@case("causal_mask", "T as a numpy integer, and a long context", edge=True)
def _cm_numpy_int(fn):
    T = np.int64(300)  # sizes read from numpy arrays or computed with numpy are numpy integers
    m, _ = _mask_of(fn, T, "causal_mask(np.int64(300))")
    if int((m != 0).sum()) != 300 * 301 // 2 or m[299, 299] != 1 or m[0, 1] != 0:
        raise Miss("wrong mask for T = 300: query i sees keys 0..i, T(T + 1) / 2 True entries in all")


@case("causal_mask", "T = 0: an empty (0, 0) mask", edge=True)
def _cm_zero(fn):
    m, _ = _mask_of(fn, 0, "causal_mask(0)")
    if m.size:
        raise Miss("causal_mask(0) should be empty")


# ---- masked_softmax -----------------------------------------------------------------

COUNTS = np.array([6.0, 3.0, 1.0, 8.0])  # scores log(COUNTS); the last entry is masked
KEEP = np.array([True, True, True, False])


def _weights(fn, scores, mask, what: str, **kw) -> np.ndarray:
    out = as_array(call(fn, scores, mask, **kw), what)
    shape = np.broadcast_shapes(np.shape(scores), np.shape(mask))
    if out.shape != shape:
        raise Miss(f"{what} has shape {out.shape}, expected {shape}: one weight per score")
    return out


def _sums_to_one(w: np.ndarray, axis: int = -1) -> bool:
    sums = w.sum(axis=axis)
    return close(sums, np.ones(sums.shape), rtol=0, atol=1e-6)


def _ratios(counts, keep, axis: int = -1) -> np.ndarray:
    """The weights for scores log(counts): counts / their sum over the kept entries."""
    kept = np.where(keep, counts, 0.0)
    return kept / kept.sum(axis=axis, keepdims=True)


@case("masked_softmax", "one row: the masked entry gets exactly 0, the rest sum to 1")
def _ms_row(fn):
    w = _weights(fn, np.log(COUNTS).tolist(), KEEP.tolist(), "masked_softmax(log [6, 3, 1, 8], mask)")
    if close(w, [0, 0, 0, 1], 0, 1e-9):
        raise Miss(f"only the masked entry got weight: {TRUE_MEANS}")
    if close(w, COUNTS / COUNTS.sum(), 1e-6, 1e-9):
        raise Miss("the mask was ignored: this is the plain softmax of every score")
    if close(w, np.array([6.0, 3.0, 1.0, 1.0]) / 11, 1e-6, 1e-9):
        raise Miss(
            "the masked entry still gets weight: a masked score set to 0 has exp(0) = 1 and "
            "competes with the others; set it to -inf, whose exp is exactly 0"
        )
    if w[3] != 0:
        raise Miss(f"the masked entry got weight {w[3]:.3g}: masked entries must be exactly 0")
    if close(w, np.where(KEEP, COUNTS, 0) / COUNTS.sum(), 1e-6, 1e-9):
        raise Miss(
            f"the kept weights sum to {w.sum():.3f}, not 1: zeroing masked weights AFTER the "
            "softmax leaves their share missing; mask the scores BEFORE the softmax"
        )
    if not close(w, _ratios(COUNTS, KEEP), 1e-6, 1e-9):
        raise Miss(
            "the kept entries should be the softmax of the kept scores alone: "
            "exp(score) over the sum of exp of the kept scores"
        )


def _divided_by_other_rows(w: np.ndarray, right: np.ndarray) -> bool:
    """w[i, j] = right[i, j] * total[i] / total[j] for some row totals (key 0 is kept by every
    query of a causal block): a (T,) sum without keepdims, broadcast along the last axis."""
    ratio = w / np.where(right > 0, right, 1.0)
    lead = ratio[:, :1]  # total[i] / total[0]
    predicted = lead / lead.T  # total[i] / total[j]
    kept = right > 0
    return bool(np.allclose(ratio[kept], predicted[kept], rtol=1e-6) and not np.allclose(ratio[kept], 1.0))


@case("masked_softmax", "a causal 4 x 4 block: each query's row sums to 1 over its keys", basic=True)
def _ms_causal(fn):
    counts = np.array([[2.0, 5.0, 1.0, 4.0], [1.0, 3.0, 9.0, 2.0], [4.0, 4.0, 2.0, 7.0], [1.0, 2.0, 3.0, 4.0]])
    w = _weights(fn, np.log(counts), LOWER_4.copy(), "masked_softmax(4 x 4 scores, causal mask)")
    if (w[~LOWER_4] != 0).any():
        raise Miss("weight on masked (future) keys: every masked entry must be exactly 0")
    if _sums_to_one(w, axis=0) and not _sums_to_one(w):
        raise Miss(
            "the columns sum to 1: normalise along axis=-1, over the keys of each query "
            "(sum with keepdims=True along that axis)"
        )
    if _divided_by_other_rows(w, _ratios(counts, LOWER_4)):
        raise Miss(
            "keepdims forgotten: entry (i, j) was divided by row j's total, not row i's; a sum "
            "along axis=-1 without keepdims has shape (T,) and lines up with the LAST axis; "
            "sum with keepdims=True"
        )
    if not _sums_to_one(w):
        raise Miss(
            f"the rows sum to {np.round(w.sum(axis=-1), 3).tolist()}: each query's weights "
            "over its kept keys must sum to 1"
        )
    if not close(w, _ratios(counts, LOWER_4), 1e-6, 1e-9):
        raise Miss("wrong weights: each row is the softmax of that row's kept scores")


@case("masked_softmax", "a padding mask (B, 1, T) broadcasts against scores (B, T, T)")
def _ms_padding(fn):
    counts = np.array([[[1.0, 2.0, 3.0, 4.0]] * 3, [[5.0, 1.0, 1.0, 2.0]] * 3])
    keys = np.array([[[True, True, True, True]], [[False, True, True, True]]])  # sequence 1: key 0 is padding
    try:
        w = _weights(fn, np.log(counts), keys.copy(), "masked_softmax((2, 3, 4) scores, (2, 1, 4) mask)")
    except NotImplementedMiss:
        raise
    except Miss as miss:
        raise Miss(
            f"{miss}. A (B, 1, T) padding mask must broadcast against (B, T, T) scores: "
            "np.where broadcasts, boolean indexing scores[~mask] needs equal shapes",
            miss.cause,
        ) from None
    if not close(w, _ratios(counts, keys), 1e-6, 1e-9):
        raise Miss(
            "wrong weights with a padding mask of shape (2, 1, 4): the padded key of the "
            "second sequence must get 0 in every row, the others share the weight"
        )


@case("masked_softmax", "uses the axis argument")
def _ms_axis(fn):
    counts = np.array([[1.0, 2.0], [3.0, 2.0], [4.0, 6.0]])
    keep = np.array([[True, False], [True, True], [False, True]])
    w = _weights(fn, np.log(counts), keep.copy(), "masked_softmax(..., axis=0)", axis=0)
    if not close(w, _ratios(counts, keep, axis=0), 1e-6, 1e-9):
        raise Miss(
            "with axis=0 each COLUMN is one softmax: pass axis to the max and the sum "
            "(with keepdims=True), not a hard-coded -1"
        )


@case("masked_softmax", "keeps float32 float32; scores and mask unchanged")
def _ms_dtype_unmodified(fn):
    scores, keep = np.log(COUNTS).astype(np.float32), KEEP.copy()
    before = (scores.copy(), keep.copy())
    out = call(fn, scores, keep)
    if not same_input(before[0], scores):
        raise Miss(
            "the scores you were given changed: writing -inf into them (scores[~mask] = ...) "
            "edits the caller's array; build a new one (np.where makes a copy)"
        )
    if not same_input(before[1], keep):
        raise Miss("the mask you were given changed: build new arrays instead of writing into it")
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 scores gave {getattr(out, 'dtype', type(out).__name__)} weights: keep the "
            "scores' dtype (np.full(shape, -np.inf) and np.float64 constants are float64; "
            "np.where(mask, scores, -np.inf) keeps float32)"
        )


@case("masked_softmax", "a fully masked row gives all zeros, never nan", edge=True)
def _ms_fully_masked(fn):
    counts = np.array([[1.0, 2.0, 1.0], [5.0, 1.0, 2.0], [3.0, 1.0, 4.0]])
    keep = np.array([[True, True, False], [False, False, False], [True, True, True]])
    w = _weights(fn, np.log(counts), keep.copy(), "masked_softmax(scores with a fully masked row)")
    if np.isnan(w[1]).any():
        raise Miss(
            "a fully masked row gave nan: all its scores are -inf, so its max is -inf and "
            "-inf - (-inf) is nan (or its sum is 0 and 0 / 0 is nan); give such rows zeros"
        )
    if close(w[1], np.full(3, 1 / 3), 0, 1e-6):
        raise Miss(
            "a fully masked row gave equal weights 1/3: a large negative fill (say -1e9) is "
            "not -inf, and a row of equal fills is uniform; a row with no key to attend to "
            "must be all zeros"
        )
    if (w[1] != 0).any():
        raise Miss("a fully masked row must be exactly zeros: it has no key to attend to")
    rows = [0, 2]  # the rows that keep at least one key
    if not close(w[rows], _ratios(counts[rows], keep[rows]), 1e-6, 1e-9):
        raise Miss("the rows that are not fully masked changed: only a row with no kept key is all zeros")


@case("masked_softmax", "scores of 1000, and a masked score far above the kept ones", edge=True)
def _ms_large(fn):
    scores = np.array([[1000.0, 998.0, 997.0, 5000.0], [-1000.0, -1002.0, -1003.0, 0.0]])
    keep = np.array([[True, True, True, False], [True, True, True, False]])
    w = _weights(fn, scores.copy(), keep.copy(), "masked_softmax(scores of +-1000)")
    ticket = np.array([1.0, math.exp(-2), math.exp(-3), 0.0])
    if not np.isfinite(w).all() or not _sums_to_one(w[:, :3]):
        raise Miss(
            "the kept weights are nan, inf or 0 when a MASKED score is far above the kept "
            "ones (or the scores are +-1000): a masked score must play no part at all; fill the "
            "masked entries with -inf first (np.where), then shift by the max of the KEPT scores "
            "only; multiplying by the mask instead gives inf * 0 = nan"
        )
    if not close(w, [ticket / ticket.sum()] * 2, 1e-6, 1e-9):
        raise Miss(
            "wrong weights for scores of +-1000: [1000, 998, 997] is [3, 1, 0] shifted, softmax [0.844, 0.114, 0.042]"
        )


@case("masked_softmax", "-inf among the kept scores, nan at a masked one", edge=True)
def _ms_inf_nan(fn):
    scores = np.array([0.0, -np.inf, math.log(3.0), np.nan])
    keep = np.array([True, True, True, False])
    w = _weights(fn, scores.copy(), keep.copy(), "masked_softmax([0, -inf, log 3, nan], mask)")
    if np.isnan(w).any() or not w[[0, 2]].any():
        raise Miss(
            "nan or zeros in the weights because of the nan at a masked entry: a masked score "
            "must not be used at all, not in the max and not in a product (nan * 0 = nan); "
            "np.where(mask, scores, ...) replaces it before anything else"
        )
    if not close(w, [0.25, 0.0, 0.75, 0.0], 1e-6, 1e-9):
        raise Miss(
            "a kept score of -inf gets weight 0, the others share the rest: expected the "
            "weights of [0, log 3] over the two finite scores"
        )


# ---- scaled_dot_product_attention ------------------------------------------------------
#
# One query against three keys with d_k = 4: q picks the first coordinate of each key,
# which holds 2 log([6, 3, 1]), so the scaled scores are log([6, 3, 1]) and the weights
# [0.6, 0.3, 0.1]. A different scale c gives weights proportional to [6, 3, 1] ** (2c)...
# and the c a function used can be read back from its weights.

LOG_631 = np.log([6.0, 3.0, 1.0])
Q1 = np.array([[1.0, 0.0, 0.0, 0.0]])
K3 = np.column_stack([2 * LOG_631, [0.5, -1.0, 2.0], [1.0, 1.0, -1.0], [0.0, 3.0, 1.0]])
V3 = np.array(
    [[1.0, 0.0, 2.0, -1.0, 0.5], [0.0, 4.0, 1.0, 1.0, 0.0], [3.0, 1.0, 0.0, 2.0, -2.0]]
)  # d_v = 5, so no size is mistaken for another
W631 = np.array([[0.6, 0.3, 0.1]])
SCALES = {  # the factor on q.k that a mistake uses instead of 1 / sqrt(d_k) = 1/2
    1.0: "the scores were not divided by sqrt(d_k): divide q k^T by the square root of the query "
    "size, d_k = q.shape[-1] (here 4)",
    0.25: "divided by d_k: the scale is 1 / sqrt(d_k), the square ROOT of the query size",
    1 / math.sqrt(3): "divided by the square root of the number of keys: d_k is the size of each "
    "query and key vector, q.shape[-1], the LAST axis",
    1 / math.sqrt(5): "divided by the square root of the value size: d_k is q.shape[-1], the size "
    "of the vectors in the dot product, not v's",
}


def _unfinished_sibling(fn, stub: BaseException | None) -> str | None:
    """The name of causal_mask or masked_softmax, defined beside fn, when the stub that
    raised NotImplementedError (`stub`) is its body, not fn's own."""
    scope = learner_scope(fn)
    for name in ("causal_mask", "masked_softmax"):
        sibling = scope.get(name)
        if stub is not None and callable(sibling) and raised_in(stub, sibling):
            return name
    return None


def _attention(fn, what: str, *args, **kw) -> tuple[np.ndarray, np.ndarray]:
    try:
        out = call(fn, *args, **kw)
    except NotImplementedMiss as miss:
        stub = _unfinished_sibling(fn, miss.__context__)  # the NotImplementedError behind the miss
        if stub:
            raise NotImplementedMiss(
                f"{stub} is not implemented yet, and scaled_dot_product_attention "
                f"calls it: implement {stub} first, then check again"
            ) from None
        raise
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Miss(f"{what} should return the pair (output, weights), got {type(out).__name__}")
    return as_array(out[0], f"{what}[0] (the output)"), as_array(out[1], f"{what}[1] (the weights)")


def _shapes(output, weights, q, k, v, what: str) -> None:
    want_w, want_o = (*np.shape(q)[:-1], np.shape(k)[-2]), (*np.shape(q)[:-1], np.shape(v)[-1])
    if output.shape == want_w and weights.shape == want_o and want_w != want_o:
        raise Miss(f"{what} returned (weights, output): the order is (output, weights)")
    if weights.shape != want_w:
        raise Miss(
            f"{what}: the weights have shape {weights.shape}, expected {want_w}: one row per "
            "query, one column per key (q @ k^T, with k's last two axes swapped)"
        )
    if output.shape != want_o:
        raise Miss(
            f"{what}: the output has shape {output.shape}, expected {want_o}: weights @ v, "
            "one row per query as wide as v"
        )


def _scale_used(weights: np.ndarray) -> float:
    """The factor c in softmax(c q.k) that gives these weights for Q1 and K3."""
    with np.errstate(all="ignore"):
        return float(np.log(weights[0, 0] / weights[0, 2]) / (2 * LOG_631[0]))


@case("scaled_dot_product_attention", "one query, three keys: the weights, and the output they mix")
def _sdpa_worked(fn):
    what = "scaled_dot_product_attention(q, k, v)"
    output, weights = _attention(fn, what, Q1.tolist(), K3.tolist(), V3.tolist())
    _shapes(output, weights, Q1, K3, V3, what)
    if not close(weights, W631, 1e-6, 1e-9):
        if close(weights, np.ones((1, 3)), 0, 1e-9):
            raise Miss(
                "every weight of the single query is 1: the softmax ran over the queries (here "
                "just one); it must run along the last axis, over the keys one query looks at"
            )
        if close(weights.sum(), 1.0, 0, 1e-6) and (weights > 0).all():
            used = _scale_used(weights)
            for factor, message in SCALES.items():
                if close(used, factor, 1e-6, 1e-9):
                    raise Miss(message)
        raise Miss("wrong weights: they are the softmax over the keys of q k^T / sqrt(d_k)")
    if not close(output, W631 @ V3, 1e-6, 1e-9):
        raise Miss(
            "the weights are right but the output is not: it is weights @ v, each query's weights times the value rows"
        )


@case("scaled_dot_product_attention", "two queries: each query's weights sum to 1 over the keys")
def _sdpa_rows(fn):
    q = np.vstack([Q1, [[0.0, 1.0, 0.0, 0.0]]])
    k = K3.copy()
    k[:, 1] = 2 * np.log([1.0, 1.0, 2.0])  # the second query's scaled scores: log [1, 1, 2]
    before = (q.copy(), k.copy(), V3.copy())
    v = V3.copy()
    output, weights = _attention(fn, "scaled_dot_product_attention(two queries)", q, k, v)
    _shapes(output, weights, q, k, v, "scaled_dot_product_attention(two queries)")
    if not all(same_input(b, a) for b, a in zip(before, (q, k, v))):
        raise Miss("q, k or v changed: attention only reads its inputs; build new arrays")
    expected = np.array([[0.6, 0.3, 0.1], [0.25, 0.25, 0.5]])
    if _sums_to_one(weights, axis=0) and not _sums_to_one(weights):
        raise Miss(
            "each KEY's column sums to 1: the softmax runs over the queries; it must run "
            "along the last axis, over the keys that one query looks at"
        )
    if not close(weights, expected, 1e-6, 1e-9):
        raise Miss("wrong weights for the second query: row i of q k^T holds query i's scores")
    if not close(output, expected @ v, 1e-6, 1e-9):
        raise Miss("wrong output for two queries: row i is query i's weights @ v")


def _causal_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(808)
    return rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), rng.normal(size=(4, 3))


@case(
    "scaled_dot_product_attention",
    "causal=True: no weight on later keys (checked once causal_mask and masked_softmax pass)",
)
def _sdpa_causal(fn):
    if not siblings_pass(fn, *SIBLINGS):
        return
    q, k, v = _causal_inputs()
    what = "scaled_dot_product_attention(..., causal=True)"
    _, free = _attention(fn, "scaled_dot_product_attention(..., causal=False)", q, k, v)
    output, weights = _attention(fn, what, q, k, v, causal=True)
    _shapes(output, weights, q, k, v, what)
    if close(weights, free, 1e-9, 0):
        raise Miss(
            "causal=True changed nothing: build the mask with causal_mask(T) and pass it to "
            "masked_softmax when causal is True",
            cause="causal",
        )
    if (weights[~LOWER_4] != 0).any():
        if (weights[LOWER_4 & ~np.eye(4, dtype=bool)] == 0).all():
            raise Miss(
                "the queries attend to later keys and not to earlier ones: the mask is "
                "transposed (query i may see keys j <= i)"
            )
        raise Miss(
            "with causal=True a query gave weight to a later key: future scores must become "
            "-inf before the softmax (0 is not enough: exp(0) = 1)"
        )
    renormalised = np.where(LOWER_4, free, 0.0)
    renormalised = renormalised / renormalised.sum(axis=-1, keepdims=True)
    if not close(weights, renormalised, 1e-6, 1e-9):
        raise Miss(
            "the causal weights of each query should be its unmasked weights over keys 0..i, "
            "renormalised to sum to 1: mask the scores, then take the softmax"
        )
    if not close(output, weights @ v, 1e-6, 1e-9):
        raise Miss("with causal=True the output is still weights @ v")


@explains("scaled_dot_product_attention")
def _mask_of_the_wrong_size(exc: BaseException) -> str | None:
    """A square mask that does not match the scores' last two axes: sized by len(q)."""
    if not (isinstance(exc, ValueError) and "could not be broadcast" in str(exc)):
        return None
    shapes = shapes_in(str(exc))
    masks = [s for s in shapes if len(s) == 2 and s[0] == s[1]]
    scores = [s for s in shapes if len(s) >= 2 and s[-1] == s[-2] and s not in masks]
    if masks and scores:
        (n, _), t = masks[0], scores[0][-1]
        return (
            f"the mask is ({n}, {n}) but the scores end in ({t}, {t}): causal_mask(len(q)) counts q's "
            "FIRST axis (a batch or heads axis when there is one), not its positions; size the mask "
            "by the number of keys, scores.shape[-1]"
        )
    return None


@explains("scaled_dot_product_attention")
def _whole_transpose(exc: BaseException) -> str | None:
    if isinstance(exc, ValueError) and "matmul" in str(exc):
        return (
            "q @ k^T needs only the last two axes of k swapped: k.T reverses every axis of a 3-D or "
            "4-D array (batch, heads); use np.swapaxes(k, -1, -2)"
        )
    return None


def _batched_like_items(fn, q, k, v, what: str, causal: bool = False) -> None:
    output, weights = _attention(fn, what, q, k, v, causal=causal)
    lead = q.shape[:-2]
    _shapes(output, weights, q, k, v, what)
    for idx in np.ndindex(*lead):
        one_o, one_w = _attention(fn, "scaled_dot_product_attention(one item)", q[idx], k[idx], v[idx], causal=causal)
        if not (close(weights[idx], one_w, 1e-6, 1e-9) and close(output[idx], one_o, 1e-6, 1e-9)):
            raise Miss(
                f"{what}: item {idx} of the batch differs from attention on that item alone; "
                "q @ np.swapaxes(k, -1, -2) keeps the items apart"
            )


@case("scaled_dot_product_attention", "a batch (B, T, d) and heads (B, H, T, d): each item on its own")
def _sdpa_batch(fn):
    rng = np.random.default_rng(809)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
    _batched_like_items(fn, q, k, v, "scaled_dot_product_attention((2, 3, 4), (2, 5, 4), (2, 5, 3))")
    q, k, v = rng.normal(size=(2, 3, 4, 8)), rng.normal(size=(2, 3, 4, 8)), rng.normal(size=(2, 3, 4, 2))
    _batched_like_items(fn, q, k, v, "scaled_dot_product_attention((2, 3, 4, 8) heads)")


@case("scaled_dot_product_attention", "keeps float32 float32 (checked once masked_softmax passes)")
def _sdpa_float32(fn):
    if not siblings_pass(fn, "masked_softmax"):
        return
    q, k, v = (a.astype(np.float32) for a in (Q1, K3, V3))
    out = call(fn, q, k, v)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Miss("should return the pair (output, weights)")
    dtypes = [getattr(a, "dtype", type(a).__name__) for a in out]
    if dtypes != [np.float32, np.float32]:
        raise Miss(
            f"float32 q, k, v gave {dtypes[0]} output and {dtypes[1]} weights: np.sqrt(d_k) "
            "is a float64 numpy number and turns the scores into float64; divide by "
            "math.sqrt(d_k) or d_k ** 0.5 (Python floats keep float32)"
        )


@case("scaled_dot_product_attention", "large scores (q.k in the thousands) stay finite", edge=True)
def _sdpa_large(fn):
    k = K3.copy()
    k[:, 0] = 2 * (1800.0 + LOG_631)  # scaled scores 1800 + log [6, 3, 1]
    output, weights = _attention(fn, "scaled_dot_product_attention(scores near 1800)", Q1, k, V3)
    if not (np.isfinite(weights).all() and np.isfinite(output).all()):
        raise Miss(
            "nan or inf for scores in the thousands: exp overflows; the attention softmax "
            "needs the max shift too (your masked_softmax has it)"
        )
    if not close(weights, W631, 1e-6, 1e-9):
        raise Miss(
            "wrong weights for large scores: only the differences between a query's scores "
            "matter, so adding the same large number to all of them must not change the weights"
        )


@case("scaled_dot_product_attention", "lists, more keys than queries, values of width 1", edge=True)
def _sdpa_lists(fn):
    rng = np.random.default_rng(810)
    q, k, v = rng.normal(size=(2, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 1))
    what = "scaled_dot_product_attention(lists: 2 queries, 5 keys, d_v = 1)"
    output, weights = _attention(fn, what, q.tolist(), k.tolist(), v.tolist())
    _shapes(output, weights, q, k, v, what)
    ref_o, ref_w = _attention(fn, "scaled_dot_product_attention(the same as arrays)", q, k, v)
    if not (close(output, ref_o, 1e-6, 1e-9) and close(weights, ref_w, 1e-6, 1e-9)):
        raise Miss("lists gave a different answer from arrays: convert q, k and v with np.asarray first")
    if not _sums_to_one(weights):
        raise Miss("with 5 keys and 2 queries each query's weights must sum to 1 over the 5 keys")


@case(
    "scaled_dot_product_attention",
    "causal with heads, and T = 1 (checked once causal_mask and masked_softmax pass)",
    edge=True,
)
def _sdpa_causal_heads(fn):
    if not siblings_pass(fn, *SIBLINGS):
        return
    rng = np.random.default_rng(811)
    q, k, v = rng.normal(size=(2, 2, 4, 6)), rng.normal(size=(2, 2, 4, 6)), rng.normal(size=(2, 2, 4, 3))
    what = "scaled_dot_product_attention((2, 2, 4, 6) heads, causal=True)"
    _batched_like_items(fn, q, k, v, what, causal=True)
    _, weights = _attention(fn, what, q, k, v, causal=True)
    if (weights[..., ~LOWER_4] != 0).any():
        raise Miss(
            "with causal=True and heads a query gave weight to a later key: the (T, T) mask "
            "broadcasts over the batch and head axes",
            cause="causal",
        )
    output, weights = _attention(
        fn, "scaled_dot_product_attention(T = 1, causal=True)", [[0.5, -1.0]], [[2.0, 1.0]], [[3.0, 4.0]], causal=True
    )
    if not (close(weights, [[1.0]], 0, 1e-12) and close(output, [[3.0, 4.0]], 1e-9, 1e-12)):
        raise Miss("one position with causal=True attends to itself with weight 1, so the output is its value")
