"""Checks for 11_llm_scale: the online log-sum-exp and the chunked cross-entropy.

No reference implementation lives here. Expected values are log-sum-exps written out
once (the ticket row [3, 1, 0] of 03 and its shifts and permutations, the two rows of
07), and the chunked loss is also compared with itself: every split of the vocabulary
must give the same number. The common mistakes are recognised by recomputing them from
the same constants (a running sum that was not rescaled, a dropped last chunk, ...).

The chunked loss has one property that values cannot show: its memory. One check
measures it with tracemalloc, in the process that runs the check; under the grader's
judge, where the function runs in the learner's own process, the judge measures the
call there and shows the peak to this check.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, NotImplementedMiss, as_array, call, case, close, same_input
from ._explain import clip, explain
from .sequence import ROWS
from .stability import LSE_TICKET, LSE_ZERO_MINUS_ONE

NEG_INF = -math.inf

hint_tiers(
    "online_logsumexp",
    "Carry two numbers from chunk to chunk: the largest entry seen so far, and the sum of exp(x - "
    "that largest entry) over everything seen so far. When a chunk brings a larger maximum, the "
    "sum you carry was measured against the old one and has to be converted before you add to it.",
    "np.max, np.exp and np.sum on each chunk; np.maximum for the new running maximum; the "
    "conversion factor is exp(old max - new max), a number at most 1. A chunk with size 0 "
    "has no max: skip it.",
    "Start from max = -inf and sum = 0, loop once over the chunks (never index them or ask for "
    "their length), and finish with max + log(sum). While the running max is still -inf there "
    "is nothing to add, and -inf - (-inf) is nan: leave the sum alone in that case, and return "
    "-inf when it is still 0 at the end.",
)
hint_tiers(
    "chunked_cross_entropy",
    "Row i's loss is logsumexp(row i of the logits) minus its target's logit. Both pieces can be "
    "built one block of vocabulary columns at a time: it is online_logsumexp again, with one "
    "running max and one running sum per row.",
    "weight[start:start + chunk_size] holds the vectors of one block of tokens; multiplying "
    "hidden by its transpose gives that block's (N, c) logits. Use max and sum with axis=1, "
    "np.maximum on (N,) arrays, and [:, None] to broadcast a per-row number over a block.",
    "The target logit never needs a block: it is the dot product of hidden[i] with "
    "weight[targets[i]] (or, from the block that holds it, column targets[i] - start). Loop "
    "over the starts with range(0, V, chunk_size) so a shorter last block still counts, and "
    "return the mean over the rows of max + log(sum) - target logit as a Python float.",
)

# ---- shared ---------------------------------------------------------------------------

LSE_SIX = LSE_TICKET + math.log(2.0)  # log-sum-exp of any ordering of [3, 1, 0, 3, 1, 0]
OVERFLOW = (
    "exp of a large logit overflows to inf: shift by the running max before "
    "exponentiating, and add the max back after the log"
)


def peak_bytes(action) -> int:
    """Peak bytes allocated while `action()` runs, measured with tracemalloc (numpy reports
    its array buffers to it). Works whether or not tracemalloc was already tracing."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        if not was_tracing:
            tracemalloc.stop()


def _number(value, what: str) -> float:
    a = as_array(value, what)
    if a.shape != ():
        raise Miss(f"{what} has shape {a.shape}: return one number, not an array")
    return float(a)


# ---- online_logsumexp ------------------------------------------------------------------


def _lse(fn, chunks, what: str) -> float:
    """The learner's result for `chunks`, with an iterator mistake explained."""
    name = getattr(fn, "__name__", "online_logsumexp")
    try:
        out = fn(chunks)
    except NotImplementedError:
        raise NotImplementedMiss(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` "
            "with your code and run its cell again."
        ) from None
    except TypeError as exc:
        if "len()" in str(exc) or "subscriptable" in str(exc):
            raise Miss(
                f"{what} raised TypeError ({clip(str(exc), 120)}): chunks may be an iterator, which has no "
                "length and cannot be indexed; loop over it once with `for chunk in chunks`"
            ) from None
        raise Miss(explain(exc, what, "online_logsumexp")) from None
    except ValueError as exc:
        if "zero-size" in str(exc):
            raise Miss(
                f"{what} raised ValueError ({clip(str(exc), 120)}): an empty chunk has no max; "
                "skip chunks whose size is 0"
            ) from None
        if "concatenat" in str(exc):
            raise Miss(
                f"{what} raised ValueError ({clip(str(exc), 120)}): do not glue the chunks together; "
                "fold them in one at a time"
            ) from None
        raise Miss(explain(exc, what, "online_logsumexp")) from None
    except Exception as exc:
        raise Miss(explain(exc, what, "online_logsumexp")) from None
    return _number(out, what)


SPLIT = ([1.0, 0.0], [3.0])  # [3, 1, 0] in two chunks; the max arrives in the second one
SPLIT_MISTAKES = {  # what the usual mistakes return for SPLIT
    3.0
    + math.log(2.0 + math.exp(-1.0)): "the running sum was not rescaled when the max rose from 1 to 3: multiply it by "
    "exp(old max - new max) before adding the new chunk",
    3.0
    + math.log(
        (1.0 + math.exp(-1.0)) * math.exp(2.0) + 1.0
    ): "the running sum was rescaled the wrong way: the factor is exp(old max - new max), which is at most 1",
    3.0: "only the last chunk counted (or you took the max of the chunks' log-sum-exps): "
    "every chunk must add to the running sum",
    math.log(math.e + 1.0): "only the first chunk counted: every chunk must add to the running sum",
    3.0 + math.log(math.e + 1.0): "you added the chunks' log-sum-exps; logs of sums do not add: "
    "combine the sums of exps, each measured against the same max",
    LSE_TICKET - 3.0: "you did not add the running max back: the result is max + log(sum)",
}


@case("online_logsumexp", "[3, 1, 0] in one chunk, then split as [1, 0] and [3]: 3.170")
def _ols_ticket(fn):
    whole = _lse(fn, [[3.0, 1.0, 0.0]], "online_logsumexp([[3.0, 1.0, 0.0]])")
    if close(whole, LSE_TICKET - 3.0, rtol=0, atol=1e-9):
        raise Miss("you did not add the running max back: the result is max + log(sum)")
    if close(whole, math.exp(LSE_TICKET), rtol=0, atol=1e-6):
        raise Miss("you returned the sum of the exps: take its log (and add the max back)")
    if not close(whole, LSE_TICKET, rtol=0, atol=1e-9):
        raise Miss(
            "wrong value for one chunk [3.0, 1.0, 0.0]: it should be log(e^3 + e^1 + e^0), as logsumexp of 03 gives"
        )
    split = _lse(fn, [list(c) for c in SPLIT], "online_logsumexp([[1.0, 0.0], [3.0]])")
    if close(split, LSE_TICKET, rtol=0, atol=1e-9):
        return
    for value, message in SPLIT_MISTAKES.items():
        if close(split, value, rtol=0, atol=1e-9):
            raise Miss(message)
    if not np.isfinite(split):
        raise Miss(
            "inf or nan when the chunks are split: the running sum must stay a sum of "
            "exp(x - running max), each term at most 1"
        )
    raise Miss(
        "[1, 0] then [3] must give the same result as [3, 1, 0] in one chunk: keep a running "
        "max and a running sum, and rescale the sum when the max rises"
    )


@case("online_logsumexp", "any split and any order give the same result")
def _ols_splits(fn):
    for chunks in ([[0.0], [1.0], [3.0]], [[3.0], [0.0], [1.0]], [[0.0, 3.0], [1.0]]):
        out = _lse(fn, chunks, f"online_logsumexp({chunks})")
        if not close(out, LSE_TICKET, rtol=0, atol=1e-9):
            raise Miss(
                f"{chunks} holds the values of [3, 1, 0], so its log-sum-exp is the same; yours "
                "is not. The order of the chunks and where they split must not matter: "
                "rescale the running sum each time the running max changes"
            )
    data = np.random.default_rng(11).normal(scale=4.0, size=60)
    whole = _lse(fn, [data.copy()], "online_logsumexp(one chunk of 60 values)")
    for sizes in ([7, 20, 33], [1, 59], [30]):
        parts = np.split(data.copy(), sizes)
        out = _lse(fn, parts, f"online_logsumexp(60 values cut at {sizes})")
        if not close(out, whole, rtol=1e-12, atol=1e-12):
            raise Miss(
                f"cutting 60 values at {sizes} changed the result: every chunk must be folded "
                "into the same running max and rescaled running sum"
            )


def _chunk_stream():
    """[3, 1, 0] as a generator of chunks: it can be read only once."""
    yield np.array([1.0])
    yield np.array([0.0])
    yield np.array([3.0])


@case("online_logsumexp", "reads an iterator once (a generator of chunks)")
def _ols_generator(fn):
    out = _lse(fn, _chunk_stream(), "online_logsumexp(a generator of chunks)")
    if out == NEG_INF or math.isnan(out):
        raise Miss(
            "a generator can be read only once, and your second pass over it saw no chunks: "
            "find the max and the sum in the same single loop, rescaling the sum as the max "
            "rises"
        )
    if not close(out, LSE_TICKET, rtol=0, atol=1e-9):
        raise Miss("a generator of the chunks [1], [0], [3] gave the wrong value: loop over it once")


@case("online_logsumexp", "keeps float32 chunks float32")
def _ols_dtype(fn):
    chunks = [np.array([1.0, 0.0], dtype=np.float32), np.array([3.0], dtype=np.float32)]
    name = getattr(fn, "__name__", "online_logsumexp")
    out = call(fn, chunks)
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 chunks gave a {getattr(out, 'dtype', type(out).__name__)} result: do not force "
            "float64 (np.asarray(chunk) keeps an array's dtype; math.log and float() do not)"
        )
    if not close(_number(out, f"{name}(float32 chunks)"), LSE_TICKET, rtol=1e-6, atol=1e-6):
        raise Miss("wrong value for float32 chunks [1, 0] and [3]")


@case("online_logsumexp", "leaves the chunks unchanged")
def _ols_unmodified(fn):
    chunks = [np.array([1000.0, 998.0]), np.array([997.0])]
    before = [c.copy() for c in chunks]
    call(fn, chunks)
    if not all(same_input(b, c) for b, c in zip(before, chunks)):
        raise Miss("a chunk you were given changed: write chunk - m, not chunk -= m")


@case("online_logsumexp", "logits of +-1000 across chunks", edge=True)
def _ols_huge(fn):
    out = _lse(fn, [[-1000.0], [0.0], [1000.0, 999.0]], "online_logsumexp([[-1000], [0], [1000, 999]])")
    if not np.isfinite(out):
        raise Miss(
            "inf or nan when a later chunk holds 1000: " + OVERFLOW + "; shifting by the first "
            "chunk's max is not enough, the shift must follow the running max"
        )
    if not close(out, 1000.0 + LSE_ZERO_MINUS_ONE, rtol=0, atol=1e-9):
        raise Miss("wrong value for [[-1000], [0], [1000, 999]]: -1000 and 0 add (almost) nothing next to 1000 and 999")
    out = _lse(fn, [[-1000.0, -1001.0], [-1001.0]], "online_logsumexp([[-1000, -1001], [-1001]])")
    if not close(out, -1000.0 + math.log(1.0 + 2.0 * math.exp(-1.0)), rtol=0, atol=1e-9):
        raise Miss("exp(-1000) underflows to 0 and log(0) = -inf: shift very negative chunks by the running max too")


@case("online_logsumexp", "-inf entries count as exp(-inf) = 0", edge=True)
def _ols_neg_inf(fn):
    out = _lse(
        fn, [[-math.inf, -math.inf], [0.0, -math.inf], [0.0]], "online_logsumexp([[-inf, -inf], [0, -inf], [0]])"
    )
    if math.isnan(out):
        raise Miss(
            "nan when the first chunk is all -inf: its max is -inf and -inf - (-inf) is nan; "
            "while the running max is -inf there is nothing to add or rescale, so skip that step",
            cause="-inf - (-inf)",
        )
    if not close(out, math.log(2.0), rtol=0, atol=1e-9):
        raise Miss("a -inf entry contributes exp(-inf) = 0: [[-inf, -inf], [0, -inf], [0]] has log-sum-exp log(2)")


@case("online_logsumexp", "every entry -inf gives -inf", edge=True)
def _ols_all_neg_inf(fn):
    out = _lse(fn, [[-math.inf], [-math.inf, -math.inf]], "online_logsumexp([[-inf], [-inf, -inf]])")
    if math.isnan(out):
        raise Miss(
            "nan when every entry is -inf: the running max stays -inf, so never compute "
            "-inf - (-inf); the answer is log(0) = -inf",
            cause="-inf - (-inf)",
        )
    if out != NEG_INF:
        raise Miss("the log-sum-exp of entries that are all -inf is log(0) = -inf")


@case("online_logsumexp", "empty chunks are ignored; no chunks at all gives -inf", edge=True)
def _ols_empty(fn):
    out = _lse(fn, [[], [3.0, 1.0], [], [0.0], []], "online_logsumexp([[], [3, 1], [], [0], []])")
    if not close(out, LSE_TICKET, rtol=0, atol=1e-9):
        raise Miss("empty chunks add nothing: [[], [3, 1], [], [0], []] has the log-sum-exp of [3, 1, 0]")
    for chunks in ([], [[], []]):
        out = _lse(fn, chunks, f"online_logsumexp({chunks})")
        if out != NEG_INF:
            raise Miss(f"online_logsumexp({chunks}) should be -inf: a sum over nothing is 0, and log(0) = -inf")


@case("online_logsumexp", "a thousand chunks of one value", edge=True)
def _ols_many(fn):
    out = _lse(fn, ([0.0] for _ in range(1000)), "online_logsumexp(1000 chunks [0.0])")
    if not close(out, math.log(1000.0), rtol=0, atol=1e-9):
        raise Miss("1000 chunks [0.0] should give log(1000): each one adds exp(0) = 1 to the sum")


# ---- chunked_cross_entropy ---------------------------------------------------------------

# hidden @ weight.T gives the two rows of 07: [3, 1, 0] and [0.5, 0, 2] (V = 3, d = 2).
TWO_HIDDEN = [[1.0, 0.0], [0.0, 1.0]]
TWO_WEIGHT = [[3.0, 0.5], [1.0, 0.0], [0.0, 2.0]]
TWO_TARGETS = [1, 2]
TWO_LOSSES = (LSE_TICKET - 1.0, ROWS["B"][1] - 2.0)  # 2.170 and 0.306
TWO_MEAN = sum(TWO_LOSSES) / 2  # 1.238

# V = 6: logits rows [3, 1, 0, 3, 1, 0] and [0, 1, 0, 1, 3, 3], both with log-sum-exp LSE_SIX.
# With chunk_size 4 the last block has 2 columns; row 2's max is in it, row 1's target (4) too.
SIX_HIDDEN = [[1.0, 0.0], [0.0, 1.0]]
SIX_WEIGHT = [[3.0, 0.0], [1.0, 1.0], [0.0, 0.0], [3.0, 1.0], [1.0, 3.0], [0.0, 3.0]]
SIX_TARGETS = [4, 0]
SIX_MEAN = LSE_SIX - 0.5  # losses LSE_SIX - 1 and LSE_SIX - 0


def _loss(fn, hidden, weight, targets, chunk_size, what: str) -> float:
    """The learner's mean loss, with chunk-indexing and orientation mistakes explained."""
    name = getattr(fn, "__name__", "chunked_cross_entropy")
    try:
        out = fn(hidden, weight, targets, chunk_size)
    except NotImplementedError:
        raise NotImplementedMiss(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` "
            "with your code and run its cell again."
        ) from None
    except IndexError as exc:
        raise Miss(
            f"{what} raised IndexError ({clip(str(exc), 120)}): inside the block that starts at column `start`, "
            "a target's column is target - start (or take the target logit as the dot product "
            "of hidden[i] with weight[targets[i]])"
        ) from None
    except ValueError as exc:
        if "matmul" in str(exc) or "aligned" in str(exc):
            raise Miss(
                f"{what} raised ValueError ({clip(str(exc), 120)}): weight has one ROW per vocabulary token, "
                "so a block of logits is hidden @ weight[start:stop].T"
            ) from None
        raise Miss(explain(exc, what, "chunked_cross_entropy")) from None
    except Exception as exc:
        raise Miss(explain(exc, what, "chunked_cross_entropy")) from None
    a = as_array(out, what)
    if a.shape == (len(targets),):
        raise Miss(f"{what} returned one loss per row: return their mean, one number")
    if a.shape != ():
        raise Miss(f"{what} has shape {a.shape}: return the mean loss, one number")
    return float(a)


@case("chunked_cross_entropy", "the two rows of 07 in one block: mean loss 1.238")
def _cce_worked(fn):
    out = _loss(fn, TWO_HIDDEN, TWO_WEIGHT, TWO_TARGETS, 3, "chunked_cross_entropy(07's two rows, chunk_size=3)")
    if close(out, sum(TWO_LOSSES), rtol=0, atol=1e-9):
        raise Miss("you returned the sum of the row losses: return their mean")
    if close(out, -TWO_MEAN, rtol=0, atol=1e-9):
        raise Miss("the loss came out negative: it is logsumexp(row) - target logit, not the reverse")
    if close(out, (LSE_TICKET + ROWS["B"][1]) / 2, rtol=0, atol=1e-9):
        raise Miss("you forgot to subtract the target's logit: loss = logsumexp(row) - row[target]")
    if not close(out, TWO_MEAN, rtol=0, atol=1e-9):
        raise Miss(
            "wrong loss: the logits are hidden @ weight.T (here rows [3, 1, 0] and [0.5, 0, 2]) "
            "and each row's loss is logsumexp(row) - row[target]"
        )


# Row [0.5, 0, 2] one column at a time, its running sum never rescaled: the max rises to 2 last.
NO_RESCALE_MEAN = (TWO_LOSSES[0] + 2.0 + math.log(2.0 + math.exp(-0.5)) - 2.0) / 2


@case("chunked_cross_entropy", "the same loss in blocks of 1 and 2 columns", basic=True)
def _cce_small_blocks(fn):
    ones, twos = (
        _loss(
            fn, TWO_HIDDEN, TWO_WEIGHT, TWO_TARGETS, chunk, f"chunked_cross_entropy(07's two rows, chunk_size={chunk})"
        )
        for chunk in (1, 2)
    )
    if close(ones, NO_RESCALE_MEAN, rtol=0, atol=1e-9):
        raise Miss(
            "the running sums were not rescaled: in row [0.5, 0, 2] the max rises to 2 in the "
            "last block, and the sum carried so far must first be multiplied by "
            "exp(old max - new max)"
        )
    if not close(ones, TWO_MEAN, rtol=0, atol=1e-9):
        raise Miss(
            "chunk_size=1 changed the loss: each row needs its own running max and running sum, "
            "the sum rescaled by exp(old max - new max) when a block raises the max, and the "
            "target's logit from the block that holds it"
        )
    if not close(twos, TWO_MEAN, rtol=0, atol=1e-9):
        raise Miss(
            "right in blocks of 1 but not of 2: with V = 3 the last block has a single column, "
            "and it must still be used (range(0, V, chunk_size) gives every start)"
        )


@case("chunked_cross_entropy", "a shorter last block still counts")
def _cce_partial(fn):
    out = _loss(fn, SIX_HIDDEN, SIX_WEIGHT, SIX_TARGETS, 4, "chunked_cross_entropy(V=6, chunk_size=4)")
    if close(out, SIX_MEAN, rtol=0, atol=1e-9):
        return
    if not np.isfinite(out):
        raise Miss("inf or nan with V=6 and chunk_size=4: " + OVERFLOW)
    full = _loss(fn, SIX_HIDDEN, SIX_WEIGHT, SIX_TARGETS, 6, "chunked_cross_entropy(V=6, chunk_size=6)")
    if close(full, SIX_MEAN, rtol=0, atol=1e-9):
        raise Miss(
            "the loss is right in one block of 6 but not in blocks of 4 and 2: the last block "
            "may be shorter than chunk_size and must still be used (range(0, V, chunk_size), "
            "and weight[start:start + chunk_size] stops at V by itself); when a later block "
            "raises a row's max, rescale that row's running sum"
        )
    raise Miss("wrong loss for rows [3, 1, 0, 3, 1, 0] and [0, 1, 0, 1, 3, 3] with targets 4 and 0")


@case("chunked_cross_entropy", "every chunk_size gives the same loss on random data")
def _cce_consistent(fn):
    rng = np.random.default_rng(1111)
    hidden, weight = rng.normal(size=(5, 4)), rng.normal(size=(11, 4))
    targets = np.array([0, 10, 3, 7, 10])
    one = _loss(fn, hidden, weight, targets, 11, "chunked_cross_entropy(V=11, chunk_size=11)")
    for chunk in (1, 3, 4, 50):
        out = _loss(fn, hidden, weight, targets, chunk, f"chunked_cross_entropy(V=11, chunk_size={chunk})")
        if not close(out, one, rtol=1e-9, atol=1e-12):
            raise Miss(
                f"chunk_size={chunk} and chunk_size=11 (one block) give different losses for the "
                "same logits: the split must not matter (rescale the running sums, keep a "
                "shorter last block, offset the target column by the block's start)"
            )


@case("chunked_cross_entropy", "lists, int targets and float32 inputs")
def _cce_inputs(fn):
    out = _loss(
        fn,
        np.array(TWO_HIDDEN, dtype=np.float32),
        np.array(TWO_WEIGHT, dtype=np.float32),
        np.array(TWO_TARGETS, dtype=np.int32),
        2,
        "chunked_cross_entropy(float32 inputs)",
    )
    if not close(out, TWO_MEAN, rtol=1e-5, atol=1e-6):
        raise Miss("wrong loss for float32 hidden and weight with int32 targets")
    out = _loss(fn, [[1, 0], [0, 1]], [[3, 0.5], [1, 0], [0, 2]], [1, 2], 2, "chunked_cross_entropy(lists)")
    if not close(out, TWO_MEAN, rtol=0, atol=1e-9):
        raise Miss("wrong loss for plain lists: turn them into arrays first (np.asarray)")


@case("chunked_cross_entropy", "leaves hidden, weight and targets unchanged")
def _cce_unmodified(fn):
    hidden = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    weight, targets = np.array(TWO_WEIGHT), np.array(TWO_TARGETS)
    before = (hidden.copy(), weight.copy(), targets.copy())
    call(fn, hidden, weight, targets, 2)
    for name, old, new in zip(("hidden", "weight", "targets"), before, (hidden, weight, targets)):
        if not same_input(old, new):
            raise Miss(f"{name} changed: work on new arrays (z = z - m, not z -= m)")


MEMORY_SIZE = dict(n=512, d=8, vocab=8192, chunk=256)  # all logits in float64: 32 MiB


@case("chunked_cross_entropy", "never holds all N x V logits (peak memory, measured)")
def _cce_memory(fn):
    n, d, vocab, chunk = (MEMORY_SIZE[k] for k in ("n", "d", "vocab", "chunk"))
    rng = np.random.default_rng(7)
    hidden, weight = rng.normal(size=(n, d)), rng.normal(size=(vocab, d))
    targets = rng.integers(0, vocab, size=n)
    out = []
    peak = peak_bytes(lambda: out.append(call(fn, hidden, weight, targets, chunk)))
    full = n * vocab * 8
    if peak > full / 4:
        raise Miss(
            f"peak memory {peak / 2**20:.1f} MiB for N={n}, V={vocab}, chunk_size={chunk}: all the "
            f"logits would take {full / 2**20:.0f} MiB and one block {n * chunk * 8 / 2**20:.0f} MiB. "
            "Your function seems to build every logit at once, or to keep every block: fold each "
            "block into the running max and sum and let it go, and take the target logits as dot "
            "products of hidden rows with weight[targets]"
        )
    if not np.isfinite(_number(out[0], f"chunked_cross_entropy(N={n}, V={vocab})")):
        raise Miss(f"inf or nan for N={n}, V={vocab} random logits: " + OVERFLOW)


@case("chunked_cross_entropy", "logits of +-1000 stay finite", edge=True)
def _cce_huge(fn):
    hidden = [[1000.0, 998.0, 997.0], [-1000.0, 0.0, 1000.0]]  # with weight = identity, logits = hidden
    for chunk in (1, 2, 3):
        out = _loss(
            fn, hidden, np.eye(3), [1, 1], chunk, f"chunked_cross_entropy(logits of +-1000, chunk_size={chunk})"
        )
        if not np.isfinite(out):
            raise Miss(f"inf or nan for logits of +-1000 (chunk_size={chunk}): " + OVERFLOW)
        if not close(out, (LSE_TICKET - 1.0 + 1000.0) / 2, rtol=0, atol=1e-9):
            raise Miss(
                "rows [1000, 998, 997] and [-1000, 0, 1000] with target 1 have losses 2.170 "
                "(the ticket row, shifted) and 1000: shift by the running max, add it back"
            )


@case("chunked_cross_entropy", "each row keeps its own running max", edge=True)
def _cce_row_scales(fn):
    hidden = [[1000.0, 998.0, 997.0], [3.0, 1.0, 0.0], [-997.0, -999.0, -1000.0]]
    out = _loss(fn, hidden, np.eye(3), [1, 1, 1], 2, "chunked_cross_entropy(rows near 1000, 0 and -1000)")
    if not close(out, LSE_TICKET - 1.0, rtol=0, atol=1e-9):
        raise Miss(
            "rows at very different scales go wrong: each row (axis=1) needs its own running "
            "max; one max for the whole block makes the small rows' exps underflow to 0"
        )


@case("chunked_cross_entropy", "chunk_size at least V, and a single row", edge=True)
def _cce_big_chunk(fn):
    out = _loss(fn, TWO_HIDDEN, TWO_WEIGHT, TWO_TARGETS, 1000, "chunked_cross_entropy(chunk_size=1000, V=3)")
    if not close(out, TWO_MEAN, rtol=0, atol=1e-9):
        raise Miss("a chunk_size larger than V means a single block of all V columns")
    out = _loss(fn, [[1.0, 0.0]], TWO_WEIGHT, [1], 2, "chunked_cross_entropy(one row)")
    if not close(out, TWO_LOSSES[0], rtol=0, atol=1e-9):
        raise Miss("one row [3, 1, 0] with target 1 has loss 2.170 (the mean of a single loss)")


@case("chunked_cross_entropy", "chunk_size below 1 raises ValueError", edge=True)
def _cce_bad_chunk(fn):
    for chunk in (0, -2):
        try:
            fn(TWO_HIDDEN, TWO_WEIGHT, TWO_TARGETS, chunk)
        except ValueError:
            continue
        except NotImplementedError:
            raise NotImplementedMiss(
                "chunked_cross_entropy is not implemented yet: replace "
                "`raise NotImplementedError()` with your code and run its cell "
                "again."
            ) from None
        except Exception as exc:
            raise Miss(
                f"chunk_size={chunk} raised {type(exc).__name__}; raise ValueError for a chunk_size below 1"
            ) from None
        raise Miss(
            f"chunk_size={chunk} returned a value: a block needs at least one column, so raise "
            "ValueError (a negative step would silently skip the whole vocabulary)"
        )
