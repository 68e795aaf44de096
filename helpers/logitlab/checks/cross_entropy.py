"""Checks for 05_cross_entropy: cross_entropy, cross_entropy_from_logits, perplexity.

Expected losses are the worked examples of the notebook, hard-coded. A wrong value is
compared with what the usual mistakes would give on the same input (log10 instead of
ln, a forgotten minus, log(1 - p), a sum instead of a mean, ...), and the message names
the mistake it matches.
"""

from __future__ import annotations

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, NotImplementedMiss, as_array, call, case, close, same_input
from ._explain import explains, target_index_error

INF = np.inf
LN10, LN2 = 2.302585092994046, 0.6931471805599453

CAT_PROBS = [0.659, 0.242, 0.099]  # softmax of cat/dog/bird [2.0, 1.0, 0.1], rounded
BATCH_PROBS = [[0.659, 0.242, 0.099], [0.844, 0.114, 0.042]]
BATCH_TARGETS = [0, 1]  # cat, reship
BATCH_MEAN = 1.294294  # mean of -ln 0.659 = 0.417032 and -ln 0.114 = 2.171557

# -ln p for the notebook's table of p_correct values.
LOSS_TABLE = {0.99: 0.010050, 0.90: 0.105361, 0.80: 0.223144, 0.50: 0.693147, 0.10: 2.302585, 0.01: 4.605170}

SEQ_LOGITS = [[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]]  # refund, reship, today
SEQ_TARGETS = [1, 2]  # reship, today
SEQ_MEAN = 1.238101  # mean of 2.169846 and 0.306356

hint_tiers(
    "cross_entropy",
    "The loss of one row is -ln of the probability the model gave to the CORRECT class (the target), "
    "not to its favourite; the loss of a batch is the mean over its rows.",
    "np.take_along_axis(x, idx[..., None], axis=-1) picks one entry per row for any leading shape "
    "(for a 2-D batch, x[np.arange(N), idx] does the same); np.log is the natural log; float(...) makes "
    "a Python float.",
    "np.asarray handles an int, a list and an array of targets alike; a single row is a 1-D array with "
    "one int target. Pick, take -ln, average. Inside np.errstate(divide='ignore') a 0 gives inf quietly.",
)
hint_tiers(
    "cross_entropy_from_logits",
    "Never compute the probabilities first: -ln softmax(z)[t] = logsumexp(z) - z[t], and the stable "
    "log-sum-exp of 03 works for logits of any size.",
    "Per row: the max with keepdims=True, the log of the sum of the shifted exps, the max added back; "
    "the target's logit picked with np.take_along_axis, as in cross_entropy.",
    "For a (2, 3) batch the log-sum-exps and the picked logits are both (2, 1); their difference is "
    "the loss of each row, and the result is its mean as a Python float.",
)
hint_tiers(
    "perplexity",
    "Perplexity undoes the log of the mean loss: it is e raised to the loss (the loss is in nats).",
    "np.exp works on a number, a list and an array alike (math.exp takes one number only), and it "
    "keeps float32 as float32.",
    "One number in, one Python float out (float(...)); an array in, an array of the same shape out.",
)

explains("cross_entropy", "cross_entropy_from_logits")(target_index_error)


def _loss(fn, what: str, *args) -> float:
    """The learner's loss as a Python float, or a miss saying what came back instead."""
    with np.errstate(all="ignore"):
        out = call(fn, *args)
    if out is None:
        raise Miss(f"{what} is None: did you forget `return`?")
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, float):
        shape = getattr(out, "shape", None)
        if shape not in (None, ()):
            raise Miss(
                f"{what} returned an array of shape {shape}: the loss is ONE number, the mean "
                "over the batch (np.mean), returned as float(...)"
            )
        raise Miss(f"{what} returned {type(out).__name__}: return a Python float, e.g. float(np.mean(...))")
    return out


def _diagnose(value: float, expected: float, mistakes: dict[str, float | None], what: str, atol: float = 1e-5) -> None:
    """Pass if value is expected; else name the first mistake whose result it matches."""
    if close(value, expected, rtol=1e-6, atol=atol):
        return
    if np.isnan(value):
        raise Miss(
            f"{what} is nan: 0 * log(0) or inf - inf somewhere; pick the target's entry "
            "instead of multiplying by a one-hot vector"
        )
    for message, wrong in mistakes.items():
        if wrong is not None and close(value, wrong, rtol=1e-4, atol=1e-4):
            raise Miss(f"{what} = {value:.4g}: {message}")
    raise Miss(
        f"{what} = {value:.4g} is not the expected loss: the loss of a row is -ln(probability "
        "of its target), averaged over the rows"
    )


def _blame_float32(fn, ex: str, rows, targets, expected: float, what: str) -> None:
    """The float32 loss is wrong: blame float32 only if the float64 one is right."""
    value = _loss(fn, f"{ex}(float64 {what}, targets)", np.array(rows), np.array(targets))
    if not close(value, expected, rtol=1e-6, atol=1e-5):
        raise Miss(
            "the loss of this batch is wrong in float64 too, so float32 is not the cause: fix the batch checks first"
        )
    raise Miss(
        f"float32 {what} gave a different loss than float64: index and take the log the same way "
        "for both (no float32-only path)"
    )


def _raises_for_bad_target(fn, *args) -> bool:
    try:
        with np.errstate(all="ignore"):
            fn(*args)
    except NotImplementedError:
        raise NotImplementedMiss(
            f"{getattr(fn, '__name__', 'your function')} is not implemented yet: "
            "replace `raise NotImplementedError()` with your code."
        ) from None
    except Exception:
        return True
    return False


def _register_common(ex: str, rows, row_targets, expected: float, per_row: list[float], block: float) -> None:
    """Cases that apply to both losses: the batch mean, targets as lists/arrays, inputs untouched.
    `block` is the loss x[:, target] gives (an N x N block of target entries, averaged)."""

    @case(ex, "averages over the rows of a batch", basic=True)
    def _batch(fn):
        value = _loss(fn, f"{ex}(batch of 2 rows)", [list(r) for r in rows], list(row_targets))
        _diagnose(
            value,
            expected,
            {
                "summed instead of averaged over the batch: divide by the number of rows (np.mean)": sum(per_row),
                "only the first row counted: pick one entry per row with probs[np.arange(N), target]": per_row[0],
                "x[:, target] picks an N x N block, not one entry per row: use "
                "x[np.arange(N), target] (or np.take_along_axis)": block,
                "probs[target] picks whole ROWS by number and averaged all their entries: pick one entry "
                "per row with probs[np.arange(N), target] (or np.take_along_axis)": None
                if ex != "cross_entropy"
                else float(np.mean(-np.log(rows))),
            },
            f"{ex}(batch)",
        )

    @case(ex, "accepts the targets as a list, a tuple or an int array")
    def _targets(fn):
        # The value itself is judged by the batch case; here only the form of the targets may vary.
        forms = (np.array(row_targets), list(row_targets), tuple(row_targets), np.array(row_targets, dtype=np.int32))
        values = [_loss(fn, f"{ex}(batch, targets as {type(t).__name__})", np.array(rows), t) for t in forms]
        for t, value in zip(forms[1:], values[1:]):
            if not close(value, values[0], rtol=1e-9, atol=1e-12):
                raise Miss(
                    f"targets given as a {type(t).__name__} changed the loss: convert them with "
                    "np.asarray(target) and use them as integer indices"
                )

    @case(ex, "leaves its inputs unchanged")
    def _unmodified(fn):
        x, t = np.array(rows, dtype=float), np.array(row_targets)
        before = (x.copy(), t.copy())
        call(fn, x, t)
        if not (same_input(before[0], x) and same_input(before[1], t)):
            raise Miss(
                "an input array changed during the call: avoid in-place operations such as np.log(x, out=x) or x -= ..."
            )

    @case(ex, "a target outside 0..V-1 raises an error", edge=True)
    def _bad_target(fn):
        if not _raises_for_bad_target(fn, np.array(rows[0]), 3):
            raise Miss(
                "target 3 with only 3 classes returned a loss: it must fail (index it directly, "
                "or raise ValueError), a silently wrong loss is worse than an error"
            )

    @case(ex, "leading batch shape (2, 2, V) with targets of shape (2, 2)", edge=True)
    def _leading(fn):
        x = np.array([rows, rows[::-1]])
        t = np.array([list(row_targets), list(row_targets)[::-1]])
        value = _loss(fn, f"{ex}(shape (2, 2, 3))", x, t)
        if not close(value, expected, rtol=1e-6, atol=1e-5):
            raise Miss(
                "with a (2, 2, V) input the loss should be the mean over all 4 positions: index "
                "along the last axis (np.take_along_axis(x, target[..., None], axis=-1))"
            )


# ---- cross_entropy -----------------------------------------------------------


def _prob_mistakes(p: float) -> dict[str, float]:
    """What the usual mistakes give for a single row whose target has probability p."""
    return {
        "forgot the minus sign: ln p is negative for p < 1, the loss is -ln p": np.log(p),
        "used log10: cross-entropy uses the natural log, np.log": -np.log10(p),
        "used log2 (bits): the course measures losses in nats, with np.log": -np.log2(p),
        "took log of the target probability 1 - p: the loss is -ln of the probability the model "
        "gave the CORRECT class": -np.log1p(-p),
        "returned 1 - p: a difference, not the loss; the loss is -ln p": 1 - p,
    }


@case("cross_entropy", "is -ln of the probability of the target (cat/dog/bird)")
def _ce_single(fn):
    value = _loss(fn, "cross_entropy([0.659, 0.242, 0.099], 1)", list(CAT_PROBS), 1)
    mistakes = _prob_mistakes(0.242)
    mistakes["scored the most likely class, not the target: pick probs[target]"] = 0.417032
    mistakes["summed -ln p over every class: with a one-hot target only the target's term is left"] = 4.148485
    mistakes[
        "averaged over the classes too: np.mean of one-hot * -ln p divides by the number of classes; "
        "sum over the classes, then average over the rows"
    ] = 1.418818 / 3
    mistakes[
        "computed the entropy -sum p ln p of the prediction: the loss uses the target, not the model's own distribution"
    ] = 0.847129
    _diagnose(value, 1.418818, mistakes, "cross_entropy([0.659, 0.242, 0.099], target=1)")


@case("cross_entropy", "reproduces the -ln p table (0.99 -> 0.01 ... 0.01 -> 4.61)")
def _ce_table(fn):
    for p, loss in LOSS_TABLE.items():
        value = _loss(fn, f"cross_entropy([{p}, {1 - p:.2f}], 0)", [p, 1 - p], 0)
        _diagnose(value, loss, _prob_mistakes(p), f"cross_entropy([{p}, {1 - p:.2f}], 0)")


@case("cross_entropy", "returns a Python float")
def _ce_float(fn):
    _loss(fn, "cross_entropy(probs, target)", np.array(BATCH_PROBS), np.array(BATCH_TARGETS))


_register_common("cross_entropy", BATCH_PROBS, BATCH_TARGETS, BATCH_MEAN, [0.417032, 2.171557], 1.044252)


@case("cross_entropy", "zero probabilities on the other classes are fine", edge=True)
def _ce_zeros(fn):
    value = _loss(fn, "cross_entropy([0, 1, 0], 1)", np.array([0.0, 1.0, 0.0]), 1)
    if np.isnan(value):
        raise Miss(
            "nan for probs [0, 1, 0] with target 1: a one-hot target times log(probs) gives "
            "0 * log(0) = 0 * -inf = nan. Pick the target's probability instead"
        )
    if 0 < abs(value) < 1e-6:
        raise Miss(
            f"probs [0, 1, 0] with target 1 gave {value:.4g}, not -ln 1 = 0: an epsilon added inside the log "
            "(log(p + eps)) shifts every loss; take np.log of the probability itself"
        )
    if value != 0.0:
        raise Miss(f"probs [0, 1, 0] with target 1 is a perfect prediction: the loss is -ln 1 = 0, got {value:.4g}")
    value = _loss(fn, "cross_entropy([[0.5, 0.5, 0]], [0])", np.array([[0.5, 0.5, 0.0]]), np.array([0]))
    _diagnose(value, 0.693147, {}, "cross_entropy([[0.5, 0.5, 0]], [0])")


@case("cross_entropy", "a probability of 0 on the target gives inf; tiny ones are not clipped", edge=True)
def _ce_zero_target(fn):
    value = _loss(fn, "cross_entropy([1, 0], 1)", np.array([1.0, 0.0]), 1)
    if np.isfinite(value):
        raise Miss(
            f"probability 0 on the target gave {value:.4g}: -ln 0 is inf (certain and wrong). "
            "Do not clip the probabilities; that is why the next function works from logits"
        )
    if value != INF:
        raise Miss(f"probability 0 on the target gave {value}: -ln 0 is +inf")
    value = _loss(fn, "cross_entropy([1, 1e-300], 1)", np.array([1.0, 1e-300]), 1)
    if not close(value, 690.775528, rtol=1e-9, atol=1e-6):
        raise Miss(
            f"a target probability of 1e-300 gave {value:.6g}, not -ln(1e-300) = 690.78: "
            "probabilities must not be clipped or rounded"
        )


@case("cross_entropy", "accepts float32 probabilities", edge=True)
def _ce_float32(fn):
    value = _loss(
        fn, "cross_entropy(float32 probs, targets)", np.array(BATCH_PROBS, dtype=np.float32), np.array(BATCH_TARGETS)
    )
    if not close(value, BATCH_MEAN, rtol=1e-4, atol=1e-5):
        _blame_float32(fn, "cross_entropy", BATCH_PROBS, BATCH_TARGETS, BATCH_MEAN, "probabilities")


# ---- cross_entropy_from_logits -------------------------------------------------


def _logit_mistakes(lse: float, z_target: float, z_max: float) -> dict[str, float]:
    """What the usual mistakes give for one row; lse is log-sum-exp of the row."""
    right = lse - z_target
    return {
        "forgot to subtract the target's logit: the loss is logsumexp(z) - z[target]": lse,
        "subtracted the largest logit instead of the target's: the loss is logsumexp(z) - z[target]": lse - z_max,
        "shifted by the max inside exp but did not add it back: logsumexp(z) = m + ln(sum(exp(z - m)))": right - z_max,
        "the sign is flipped: the loss is logsumexp(z) - z[target], which is never negative": -right,
        "used log10: cross-entropy uses the natural log, np.log": right / LN10,
        "used log2 (bits): the course measures losses in nats, with np.log": right / LN2,
    }


@case("cross_entropy_from_logits", "reproduces the worked examples (0.42, 2.17, 0.17, 1.349, 0.349)")
def _cefl_worked(fn):
    examples = [
        ([2.0, 1.0, 0.1], 0, 0.417030, 2.417030),
        ([3.0, 1.0, 0.0], 1, 2.169846, 3.169846),
        ([3.0, 1.0, 0.0], 0, 0.169846, 3.169846),
        ([1.0, 0.0, -2.0], 1, 1.349012, 1.349012),
        ([1.0, 0.0, -2.0], 0, 0.349012, 1.349012),
    ]
    for z, t, loss, lse in examples:
        what = f"cross_entropy_from_logits({z}, {t})"
        _diagnose(_loss(fn, what, list(z), t), loss, _logit_mistakes(lse, z[t], max(z)), what)


@case("cross_entropy_from_logits", "adding a constant to every logit changes nothing")
def _cefl_shift(fn):
    value = _loss(fn, "cross_entropy_from_logits([3, 1, 0] + 50, 1)", np.array([53.0, 51.0, 50.0]), 1)
    if not close(value, 2.169846, rtol=1e-6, atol=1e-5):
        raise Miss(
            "the loss changed when every logit moved by 50: only differences between logits "
            "matter, so logsumexp(z + c) - (z_target + c) must equal the original"
        )


@case("cross_entropy_from_logits", "returns a Python float")
def _cefl_float(fn):
    _loss(fn, "cross_entropy_from_logits(logits, target)", np.array(SEQ_LOGITS), np.array(SEQ_TARGETS))


_register_common("cross_entropy_from_logits", SEQ_LOGITS, SEQ_TARGETS, SEQ_MEAN, [2.169846, 0.306356], 1.988101)


@case("cross_entropy_from_logits", "stays finite for logits of +-1000", edge=True)
def _cefl_huge(fn):
    overflow = "exp(1000) overflows to inf. Compute logsumexp stably: m + ln(sum(exp(z - m))) with m the row max"
    tiny_p = (
        "a tiny probability was materialised (softmax underflows to 0 and ln 0 = -inf). "
        "Use logsumexp(z) - z[target], never log(softmax(z))"
    )
    # [1000, 998, 997] is [3, 1, 0] shifted: only an overflow can break it. The other two
    # need probabilities of e^-1000 and e^-2000, which no float64 can hold.
    for z, t, loss, why in (
        ([1000.0, 998.0, 997.0], 1, 2.169846, overflow),
        ([1000.0, 0.0, -1000.0], 2, 2000.0, tiny_p),
        ([1000.0, 0.0, -1000.0], 1, 1000.0, tiny_p),
    ):
        value = _loss(fn, f"cross_entropy_from_logits({z}, {t})", np.array(z), t)
        if not np.isfinite(value):
            raise Miss(f"{value} for logits {z}, target {t}: {why}")
        if why is tiny_p and value < loss / 2:
            raise Miss(
                f"{value:.4g} for logits {z}, target {t}, far below the true loss {loss:g}: {tiny_p}; an "
                "epsilon or a clip only caps the loss at -ln(eps)"
            )
        if not close(value, loss, rtol=1e-9, atol=1e-6):
            raise Miss(
                f"for logits {z}, target {t} the loss should be logsumexp(z) - z[target]; check the shift by the max"
            )


@case("cross_entropy_from_logits", "shifts each row by its own max", edge=True)
def _cefl_row_max(fn):
    # Row 2 is row 1 minus 1000: with the max of the whole batch its exps all underflow to 0.
    rows = np.array([[1000.0, 999.0, 998.0], [0.0, -1.0, -2.0]])
    value = _loss(fn, "cross_entropy_from_logits(rows 1000 apart, [0, 0])", rows, np.array([0, 0]))
    if not close(value, 0.407606, rtol=1e-6, atol=1e-6):
        raise Miss(
            f"rows at very different scales gave {value:.4g}, not 0.4076: shift each row by its own max "
            "(np.max(z, axis=-1, keepdims=True)), not by the max of the whole batch"
        )


@case("cross_entropy_from_logits", "-inf logits: finite elsewhere, inf on the target", edge=True)
def _cefl_neg_inf(fn):
    value = _loss(fn, "cross_entropy_from_logits([0, -inf, 1], 2)", np.array([0.0, -INF, 1.0]), 2)
    if not close(value, 0.313262, rtol=1e-6, atol=1e-6):
        raise Miss(
            "a -inf logit on another class has probability 0 and must not disturb the loss "
            "(exp(-inf) = 0); got " + f"{value:.4g}"
        )
    value = _loss(fn, "cross_entropy_from_logits([0, -inf, 1], 1)", np.array([0.0, -INF, 1.0]), 1)
    if value != INF:
        raise Miss(f"a -inf logit on the target means probability 0, so the loss is +inf; got {value}")


@case("cross_entropy_from_logits", "accepts float32 logits", edge=True)
def _cefl_float32(fn):
    value = _loss(
        fn,
        "cross_entropy_from_logits(float32 logits, targets)",
        np.array(SEQ_LOGITS, dtype=np.float32),
        np.array(SEQ_TARGETS),
    )
    if not close(value, SEQ_MEAN, rtol=1e-4, atol=1e-5):
        _blame_float32(fn, "cross_entropy_from_logits", SEQ_LOGITS, SEQ_TARGETS, SEQ_MEAN, "logits")


# ---- perplexity ----------------------------------------------------------------


def _ppl_mistakes(loss: float) -> dict[str, float]:
    return {
        "used 2 ** loss: the loss is in nats (natural log), so perplexity is e ** loss (np.exp)": 2.0**loss,
        "used 10 ** loss: perplexity is e ** loss (np.exp)": 10.0**loss,
        "exp(-loss) is 1 / perplexity: use np.exp(mean_loss)": np.exp(-loss),
        "returned the loss itself: perplexity is np.exp(mean_loss)": loss,
    }


@case("perplexity", "e ** loss: ln 2 -> 2, 0 -> 1, ln 4 -> 4")
def _ppl_values(fn):
    for loss, want in ((LN2, 2.0), (0.0, 1.0), (2 * LN2, 4.0)):
        out = call(fn, loss)
        value = as_array(out, f"perplexity({loss:.4g})")
        if value.shape != ():
            raise Miss(f"perplexity of one number returned shape {value.shape}: return one number")
        _diagnose(float(value), want, _ppl_mistakes(loss), f"perplexity({loss:.4g})", atol=1e-9)


@case("perplexity", "a uniform guess over V tokens has perplexity V")
def _ppl_uniform(fn):
    value = as_array(call(fn, float(np.log(50_000))), "perplexity(ln 50000)")
    if not close(value, 50_000.0, rtol=1e-9, atol=0):
        raise Miss(
            "perplexity(ln V) should be V: a model that is uniform over 50,000 tokens is "
            "'choosing between' all 50,000 of them"
        )


@case("perplexity", "returns a Python float for a number")
def _ppl_float(fn):
    out = call(fn, 1.238101)
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, float):
        raise Miss(f"perplexity(1.238) returned {type(out).__name__}: return float(...) for a single loss")
    if not close(out, 3.449058, rtol=1e-6, atol=0):
        raise Miss("perplexity(1.238) should be e ** 1.238, about 3.45")


@case("perplexity", "works element-wise on a list or an array of losses", edge=True)
def _ppl_array(fn):
    try:
        out = call(fn, [0.0, LN2, 2 * LN2])
    except NotImplementedMiss:
        raise
    except Miss as miss:
        raise Miss(f"a list of losses must work too ({miss})") from None
    value = as_array(out, "perplexity([0, ln 2, ln 4])")
    if value.shape != (3,):
        raise Miss(
            f"perplexity of 3 losses returned shape {value.shape}: apply exp to each one "
            "(np.exp works on arrays; math.exp does not)"
        )
    if not close(value, [1.0, 2.0, 4.0], rtol=1e-9, atol=0):
        raise Miss("perplexity([0, ln 2, ln 4]) should be [1, 2, 4]")


@case("perplexity", "keeps float32 arrays float32 and leaves them unchanged", edge=True)
def _ppl_float32(fn):
    losses = np.array([0.5, 1.0], dtype=np.float32)
    before = losses.copy()
    out = call(fn, losses)
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 losses came back as {getattr(out, 'dtype', type(out).__name__)}: "
            "np.exp keeps float32, np.asarray(..., dtype=float) does not"
        )
    if not same_input(before, losses):
        raise Miss("the losses you were given changed: np.exp(x, out=x) works in place")


@case("perplexity", "an infinite loss gives an infinite perplexity", edge=True)
def _ppl_inf(fn):
    with np.errstate(all="ignore"):
        value = as_array(call(fn, INF), "perplexity(inf)")
    if value.shape != () or value != INF:
        raise Miss("perplexity(inf) should be inf (a model that gave the truth probability 0)")
