"""Checks for 07_sequence_loss: shifting, the masked sequence loss, prompt masks,
and the perplexity of a set of sequences.

No reference implementation lives here. Most logits rows used below are one of three
rows whose log-sum-exp is written out (computed once by hand), so the expected loss
of a position is a table lookup: loss = logsumexp(row) - row[target]; the few other
rows (+-1000, -inf) have losses that follow from shift invariance or exp(-inf) = 0. Wrong
answers are recognised by recomputing the common mistakes from the same table
(averaging over ignored positions, averaging per sequence first, ...).
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, NotImplementedMiss, as_array, call, case, close, same_input
from ._explain import explains, target_index_error

VOCAB = ("refund", "reship", "today")
ROWS = {  # logits row and its log-sum-exp
    "A": ([3.0, 1.0, 0.0], 3.1698460195562856),
    "B": ([0.5, 0.0, 2.0], 2.3063557122291467),
    "U": ([0.0, 0.0, 0.0], math.log(3.0)),
}
TWO_POSITIONS = (["A", "B"], [1, 2])  # the notebook's example: reship, then today
TWO_LOSSES = [2.170, 0.306]  # per position, to 3 decimals
TWO_MEAN = 1.238
BATCH_KEYS = [["A", "B", "U"], ["B", "U", "A"]]  # (B, T) = (2, 3), V = 3
IGNORE = -100

hint_tiers(
    "shift_for_next_token",
    "Position t is paired with the token that comes after it: the inputs are the sequence without its "
    "last token, the targets the sequence without its first.",
    "An Ellipsis slice, x[..., a:b], slices the LAST axis whatever the number of leading axes; x[a:b] "
    "slices the first axis, which in a batch is the sequences.",
    "A (B, T) batch gives two (B, T - 1) arrays, returned as a pair (inputs, targets); slicing keeps "
    "the integer dtype.",
)
hint_tiers(
    "sequence_cross_entropy",
    "Each position is one classification with loss logsumexp(row) - row[target]. Positions whose target "
    "is ignore_index are left out of the sum AND of the count.",
    "A comparison with ignore_index marks the supervised positions; np.where can swap ignored targets "
    "for a safe index such as 0 before np.take_along_axis picks the target logits, and zero their losses "
    "afterwards (multiplying by the mask turns an inf into nan).",
    "Logits (B, T, V) and targets (B, T) give per-position losses (B, T): 'none' returns them, 'sum' "
    "their total, 'mean' the total over the number of supervised positions (nan when there is none); "
    "any other reduction raises ValueError.",
)
hint_tiers(
    "mask_prompt_tokens",
    "Row b keeps its targets except the first prompt_lengths[b] positions, which become ignore_index: a "
    "length of 0 masks nothing, a length of T or more masks the whole row.",
    "np.array makes a copy; comparing the positions np.arange(T) with the lengths as a column gives a "
    "boolean mask of prompt positions, one row per sequence; np.broadcast_to turns a single int into "
    "one length per row.",
    "For targets (B, T) and lengths (B,) the mask is (B, T); write ignore_index into the copy where it "
    "is True and return the copy, still integers.",
)
hint_tiers(
    "sequence_perplexity",
    "The perplexity of a set of sequences is exp of the mean loss over ALL their supervised tokens "
    "pooled together, not a mean of per-sequence perplexities.",
    "Your sequence_cross_entropy with its default reduction already pools the tokens; or compute the "
    "token losses again and keep only the supervised ones.",
    "Exponentiate once, at the very end; with no supervised token at all the answer is nan.",
)

explains("sequence_cross_entropy", "sequence_perplexity")(target_index_error)


@explains("mask_prompt_tokens")
def _past_the_end(exc: BaseException) -> str | None:
    if isinstance(exc, IndexError) and "out of bounds" in str(exc):
        return (
            "a prompt length can be T or more: a loop up to prompt_lengths[b] runs past the end of "
            "the row, while slicing [:n] stops at the end by itself"
        )
    return None


def _logits(keys) -> np.ndarray:
    """Logits whose rows are the named table rows; `keys` may be nested to any depth."""
    if isinstance(keys, str):
        return np.array(ROWS[keys][0])
    return np.array([_logits(k) for k in keys])


def _known_losses(keys, targets, ignore_index: int = IGNORE) -> np.ndarray:
    """Per-position loss from the table, 0 where the target is ignored."""
    keys, targets = np.array(keys), np.array(targets)
    out = np.zeros(targets.shape)
    for idx in np.ndindex(targets.shape):
        t = int(targets[idx])
        if t != ignore_index:
            row, lse = ROWS[str(keys[idx])]
            out[idx] = lse - row[t]
    return out


def _catch_index_errors(fn):
    """The learner's function, with an IndexError explained in terms of ignored targets."""

    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except IndexError as exc:
            if str(IGNORE) not in str(exc):
                raise  # not an ignored target: explained like any other error
            raise Miss(
                f"raised IndexError ({exc}): an ignored target such as -100 is not a "
                "vocabulary index; pick the target logits with a safe index (e.g. 0) at "
                "ignored positions, then drop those losses"
            ) from None

    wrapped.__name__ = getattr(fn, "__name__", "your function")
    return wrapped


def _scalar(value, what: str) -> float:
    a = as_array(value, what)
    if a.shape != ():
        raise Miss(f"{what} has shape {a.shape}: this reduction gives a single number")
    return float(a)


# ---- shift_for_next_token ------------------------------------------------------


def _pair(fn, tokens, what: str) -> tuple[np.ndarray, np.ndarray]:
    out = call(fn, tokens)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Miss(f"{what} should return a pair (inputs, targets), got {type(out).__name__}")
    return as_array(out[0], f"{what}[0] (inputs)"), as_array(out[1], f"{what}[1] (targets)")


@case("shift_for_next_token", "one sequence: each target is the NEXT token")
def _next(fn):
    inputs, targets = _pair(fn, [5, 7, 2, 9], "shift_for_next_token([5, 7, 2, 9])")
    if inputs.shape == (4,) or targets.shape == (4,):
        raise Miss(
            "T tokens give T - 1 (input, target) pairs: drop the last token from the inputs "
            "and the first from the targets (np.roll wraps a token around instead)"
        )
    if close(inputs, [7, 2, 9], 0, 0) and close(targets, [5, 7, 2], 0, 0):
        raise Miss(
            "shifted the wrong way: targets must be the NEXT token, targets[t] = tokens[t + 1], "
            "so inputs = tokens[..., :-1] and targets = tokens[..., 1:]"
        )
    if close(inputs, targets, 0, 0):
        raise Miss(
            "inputs and targets are equal: the model would only learn to copy its input; "
            "the target at position t is the token at t + 1"
        )
    if not (close(inputs, [5, 7, 2], 0, 0) and close(targets, [7, 2, 9], 0, 0)):
        raise Miss("inputs should be every token but the last, targets every token but the first")


@case("shift_for_next_token", "a (B, T) batch is shifted along time, not along the batch", basic=True)
def _batch_shift(fn):
    tokens = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    inputs, targets = _pair(fn, tokens, "shift_for_next_token(2 x 4 batch)")
    if inputs.shape == (1, 4) or targets.shape == (1, 4):
        raise Miss(
            "sliced the batch axis: on a 2-D batch tokens[:-1] drops the last SEQUENCE; "
            "use tokens[..., :-1] and tokens[..., 1:] to slice the last (time) axis"
        )
    if inputs.shape != (2, 3) or targets.shape != (2, 3):
        raise Miss(f"a (2, 4) batch should give (2, 3) inputs and targets, got {inputs.shape} and {targets.shape}")
    if not (close(inputs, tokens[:, :3], 0, 0) and close(targets, tokens[:, 1:], 0, 0)):
        raise Miss(
            "each row must be shifted on its own: inputs drop each row's last token, targets drop each row's first"
        )


@case("shift_for_next_token", "token ids stay integers; the input is unchanged")
def _ints_unchanged(fn):
    tokens = np.array([[3, 1, 4, 1, 5]])
    before = tokens.copy()
    out = call(fn, tokens)
    if not same_input(before, tokens):
        raise Miss("the tokens you were given changed: slicing is enough, nothing needs writing")
    if isinstance(out, (tuple, list)) and len(out) == 2:
        for name, part in zip(("inputs", "targets"), out):
            if not np.issubdtype(np.asarray(part).dtype, np.integer):
                raise Miss(
                    f"{name} have dtype {np.asarray(part).dtype}: token ids index the "
                    "vocabulary, so keep them integers (no dtype=float)"
                )


@case("shift_for_next_token", "T = 1: empty inputs and targets", edge=True)
def _single_token(fn):
    inputs, targets = _pair(fn, np.array([[4], [5]]), "shift_for_next_token(2 x 1 batch)")
    if inputs.shape != (2, 0) or targets.shape != (2, 0):
        raise Miss(
            f"one token per sequence leaves nothing to predict: expected shapes (2, 0), "
            f"got {inputs.shape} and {targets.shape}"
        )


@case("shift_for_next_token", "3-D tokens: shift the last axis", edge=True)
def _three_d(fn):
    tokens = np.arange(20).reshape(2, 2, 5)
    inputs, targets = _pair(fn, tokens, "shift_for_next_token(2 x 2 x 5 array)")
    if (
        inputs.shape != (2, 2, 4)
        or not close(targets, tokens[..., 1:], 0, 0)
        or not close(inputs, tokens[..., :-1], 0, 0)
    ):
        raise Miss("with any leading shape, time is the LAST axis: slice with [..., :-1] and [..., 1:]")


# ---- sequence_cross_entropy ------------------------------------------------------


@case("sequence_cross_entropy", "two positions: losses [2.170, 0.306], mean 1.238")
def _two_positions(fn):
    keys, targets = TWO_POSITIONS
    logits = _logits(keys).tolist()
    losses = as_array(call(fn, logits, list(targets), reduction="none"), "reduction='none'")
    if losses.shape != (2,):
        raise Miss(
            f"reduction='none' gave shape {losses.shape}: one loss per position, the shape of targets (here (2,))"
        )
    if (losses < 0).any():
        raise Miss("negative losses: each loss is -log p(target) = logsumexp(row) - row[target] >= 0")
    if close(losses, np.exp(-np.array(TWO_LOSSES)), rtol=0, atol=2e-3):
        raise Miss("these are the probabilities of the targets; the loss is their negative log")
    if not close(losses, TWO_LOSSES, rtol=0, atol=5e-4):
        raise Miss(
            "wrong per-position losses: position t's loss uses row t of the logits and "
            "the entry at targets[t]: logsumexp(row) - row[target]"
        )
    mean = _scalar(call(fn, logits, list(targets)), "the default reduction ('mean')")
    if close(mean, sum(TWO_LOSSES), rtol=0, atol=1e-3):
        raise Miss("reduction='mean' returned the sum: divide by the number of supervised positions")
    if not close(mean, TWO_MEAN, rtol=0, atol=5e-4):
        raise Miss("the default reduction should be the mean of the per-position losses")


@case("sequence_cross_entropy", "a (B, T, V) batch: 'none' is (B, T), 'sum' and 'mean' agree", basic=True)
def _batch_loss(fn):
    targets = [[1, 2, 0], [0, 2, 2]]
    expected = _known_losses(BATCH_KEYS, targets)
    logits = _logits(BATCH_KEYS)
    losses = as_array(call(fn, logits, np.array(targets), reduction="none"), "reduction='none' on (2, 3, 3)")
    if losses.shape != (2, 3):
        flat = " (flattened or boolean-indexed: keep ignored positions as 0, do not drop them)"
        raise Miss(
            f"reduction='none' gave shape {losses.shape} for logits (2, 3, 3): one loss per "
            f"(sequence, position), the shape of targets{flat if losses.ndim == 1 else ''}"
        )
    if not close(losses, expected, rtol=1e-6, atol=1e-9):
        raise Miss(
            "wrong per-position losses for a batch: pick logits[b, t, targets[b, t]] "
            "(np.take_along_axis on the last axis) and subtract it from the row's logsumexp"
        )
    total = _scalar(call(fn, logits, np.array(targets), reduction="sum"), "reduction='sum'")
    if not close(total, expected.sum(), rtol=1e-6, atol=1e-9):
        raise Miss("reduction='sum' should add the losses of all supervised positions")
    mean = _scalar(call(fn, logits, np.array(targets), reduction="mean"), "reduction='mean'")
    if not close(mean, expected.mean(), rtol=1e-6, atol=1e-9):
        raise Miss("reduction='mean' should average over every (sequence, position), not per row or per column")


@case("sequence_cross_entropy", "ignored positions (-100) do not count")
def _ignored(fn):
    targets = np.array([[1, 2, IGNORE], [0, IGNORE, IGNORE]])
    expected = _known_losses(BATCH_KEYS, targets)
    f = _catch_index_errors(fn)
    losses = as_array(call(f, _logits(BATCH_KEYS), targets.copy(), reduction="none"), "reduction='none'")
    if losses.shape == (2, 3) and not close(losses[targets == IGNORE], [0.0] * 3, rtol=0, atol=0):
        raise Miss("reduction='none' must give exactly 0 at ignored positions")
    mean = _scalar(call(f, _logits(BATCH_KEYS), targets.copy()), "reduction='mean'")
    supervised = expected[targets != IGNORE]
    if close(mean, supervised.sum() / targets.size, rtol=1e-6, atol=1e-9):
        raise Miss(
            "averaged over all positions including ignored ones: divide by the number of "
            "positions whose target != ignore_index"
        )
    if close(mean, np.mean([expected[0, :2].mean(), expected[1, 0]]), rtol=1e-6, atol=1e-9):
        raise Miss(
            "averaged each sequence first, then the sequences: every supervised token must "
            "count once, so pool them (total loss / number of supervised tokens)"
        )
    if not close(mean, supervised.mean(), rtol=1e-6, atol=1e-9):
        raise Miss("ignored positions still change the mean: leave them out of both the sum and the count")


@case("sequence_cross_entropy", "uses the ignore_index argument")
def _custom_ignore(fn):
    targets = np.array([[1, 2, 0], [0, 0, 2]])  # 0 plays the padding id here
    expected = _known_losses(BATCH_KEYS, targets, ignore_index=0)
    mean = _scalar(call(fn, _logits(BATCH_KEYS), targets, ignore_index=0), "ignore_index=0")
    if close(mean, _known_losses(BATCH_KEYS, targets).mean(), rtol=1e-6, atol=1e-9):
        raise Miss(
            "with ignore_index=0 the positions whose target is 0 must be left out: use the "
            "argument, not a hard-coded -100"
        )
    if not close(mean, expected[targets != 0].mean(), rtol=1e-6, atol=1e-9):
        raise Miss(
            "wrong mean with ignore_index=0: pool the losses of the positions whose "
            "target is not 0 and divide by their number"
        )


@case("sequence_cross_entropy", "an unknown reduction raises ValueError")
def _bad_reduction(fn):
    keys, targets = TWO_POSITIONS
    try:
        fn(_logits(keys), np.array(targets), reduction="average")
    except ValueError:
        return
    except NotImplementedError:
        raise NotImplementedMiss(
            "sequence_cross_entropy is not implemented yet: replace "
            "`raise NotImplementedError()` with your code and run its cell again."
        ) from None
    except Exception as exc:
        raise Miss(
            f"reduction='average' raised {type(exc).__name__}; raise ValueError for any "
            "reduction other than 'mean', 'sum' and 'none'"
        ) from None
    raise Miss(
        "reduction='average' returned a value: raise ValueError for an unknown reduction, "
        "so a typo cannot silently change what is being optimised"
    )


@case("sequence_cross_entropy", "keeps float32 float32 (reduction='none')")
def _seq_dtype(fn):
    logits = _logits(BATCH_KEYS).astype(np.float32)
    out = call(_catch_index_errors(fn), logits, np.array([[1, 2, IGNORE], [0, 2, 2]]), reduction="none")
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 logits gave {getattr(out, 'dtype', type(out).__name__)} losses: keep the "
            "logits' dtype (e.g. np.where(keep, losses, 0) does; np.zeros(shape) is float64)"
        )


@case("sequence_cross_entropy", "leaves logits and targets unchanged")
def _seq_unmodified(fn):
    logits = _logits(BATCH_KEYS)
    targets = np.array([[1, 2, IGNORE], [0, IGNORE, IGNORE]])
    before = (logits.copy(), targets.copy())
    call(_catch_index_errors(fn), logits, targets)
    if not same_input(before[1], targets):
        raise Miss(
            "the targets changed: replacing ignored targets in place (targets[...] = 0) "
            "edits the caller's array; build a new one with np.where"
        )
    if not same_input(before[0], logits):
        raise Miss("the logits changed: write z = z - ... rather than z -= ...")


@case("sequence_cross_entropy", "logits of +-1000 stay finite", edge=True)
def _seq_huge(fn):
    logits = np.array([[1000.0, 998.0, 997.0], [-1000.0, 0.0, 1000.0]])
    losses = as_array(call(fn, logits, np.array([1, 1]), reduction="none"), "losses for logits of +-1000")
    if not np.isfinite(losses).all():
        raise Miss(
            "inf or nan for logits of +-1000: compute logsumexp with the row max subtracted (exp(1000) overflows)"
        )
    if not close(losses, [TWO_LOSSES[0], 1000.0], rtol=1e-6, atol=5e-4):
        raise Miss(
            "[1000, 998, 997] is [3, 1, 0] shifted and has the same loss; for "
            "[-1000, 0, 1000] the middle token's loss is 1000"
        )


@case("sequence_cross_entropy", "-inf logits: harmless off target, inf on target", edge=True)
def _seq_neg_inf(fn):
    logits = np.array([[0.0, -np.inf, 1.0], [0.0, -np.inf, 1.0]])
    losses = as_array(call(fn, logits, np.array([0, 1]), reduction="none"), "losses with -inf logits")
    if np.isnan(losses).any():
        raise Miss(
            "nan with a -inf logit: subtract the row max (finite here), not each entry from "
            "itself; exp(-inf) = 0 is fine"
        )
    if not close(losses, [math.log(1 + math.e), np.inf], rtol=1e-6, atol=1e-9):
        raise Miss(
            "a -inf non-target logit adds nothing to the sum of exps; a target at -inf has probability 0 and loss inf"
        )


@case("sequence_cross_entropy", "every position ignored: mean nan, sum 0", edge=True)
def _all_ignored(fn):
    logits, targets = _logits(BATCH_KEYS), np.full((2, 3), IGNORE)
    f = _catch_index_errors(fn)
    mean = _scalar(call(f, logits, targets.copy()), "the mean with every target ignored")
    if not math.isnan(mean):
        raise Miss(
            f"with no supervised position the mean is 0 / 0; return nan as PyTorch does "
            f"(got {mean:.4g}) so an empty batch is noticed"
        )
    total = _scalar(call(f, logits, targets.copy(), reduction="sum"), "the sum with every target ignored")
    losses = as_array(call(f, logits, targets.copy(), reduction="none"), "'none' with every target ignored")
    if total != 0.0 or not close(losses, np.zeros((2, 3)), rtol=0, atol=0):
        raise Miss("with every target ignored, reduction='sum' is 0 and 'none' is all zeros")


@case("sequence_cross_entropy", "an ignored position counts as 0 whatever its logits", edge=True)
def _garbage_at_ignored(fn):
    logits = np.array([[3.0, 1.0, 0.0], [-np.inf, -np.inf, 5.0]])  # row 2 is padding
    targets = np.array([1, IGNORE])
    f = _catch_index_errors(fn)
    losses = as_array(call(f, logits, targets.copy(), reduction="none"), "'none' with a padded row")
    if np.isnan(losses).any():
        raise Miss(
            "nan at an ignored position: losses * mask turns an inf loss into inf * 0 = nan; "
            "select with np.where(keep, losses, 0) instead of multiplying"
        )
    mean = _scalar(call(f, logits, targets.copy()), "the mean with a padded row")
    if not close(mean, TWO_LOSSES[0], rtol=0, atol=5e-4):
        raise Miss("the padded row changed the mean: an ignored position must not contribute at all")


# ---- mask_prompt_tokens ------------------------------------------------------

TARGETS = [[11, 12, 13, 14, 15], [21, 22, 23, 24, 25]]


def _masked(fn, targets, lengths, what: str, **kw) -> np.ndarray:
    out = call(fn, targets, lengths, **kw)
    m = as_array(out, what)
    if m.shape != np.shape(targets):
        raise Miss(f"{what} has shape {m.shape}: return targets of the same shape, with some entries replaced")
    if not np.issubdtype(np.asarray(out).dtype, np.integer):
        raise Miss(f"{what} has dtype {np.asarray(out).dtype}: targets are token ids; keep them integers")
    return m


def _expected_mask(targets, lengths, ignore_index=IGNORE) -> np.ndarray:
    t = np.array(targets)
    pos = np.arange(t.shape[-1])
    return np.where(pos < np.array(lengths)[..., None], ignore_index, t)


@case("mask_prompt_tokens", "masks each sequence's own prompt")
def _each_prompt(fn):
    m = _masked(fn, [row[:] for row in TARGETS], [2, 3], "mask_prompt_tokens(targets, [2, 3])")
    counts = (m == IGNORE).sum(axis=-1).tolist()
    if close(m, _expected_mask(TARGETS, [2, 3]), 0, 0):
        return
    if counts in ([2, 2], [3, 3]):
        raise Miss("every row got the same prompt length: row b uses its own prompt_lengths[b]")
    if counts == [3, 4]:
        raise Miss(
            "masked one position too many per row: the first prompt_lengths[b] positions "
            "are [:prompt_lengths[b]], indices 0 .. n - 1"
        )
    if counts == [1, 2]:
        raise Miss("masked one position too few per row: slice [:n], not [:n - 1]")
    if (m[:, -1] == IGNORE).all():
        raise Miss(
            "masked the completion instead of the prompt: it is the FIRST prompt_lengths[b] "
            "positions that become ignore_index"
        )
    raise Miss(
        "row b should have its first prompt_lengths[b] targets set to ignore_index and every other target unchanged"
    )


@case("mask_prompt_tokens", "returns a copy: the targets given are unchanged")
def _mask_copy(fn):
    targets = np.array(TARGETS)
    before = targets.copy()
    call(fn, targets, np.array([2, 3]))
    if not same_input(before, targets):
        raise Miss(
            "the caller's targets changed: copy them first (np.array(targets) or "
            "targets.copy()), then write into the copy"
        )


@case("mask_prompt_tokens", "uses the ignore_index argument")
def _mask_ignore(fn):
    m = _masked(fn, np.array(TARGETS), [1, 2], "mask_prompt_tokens(..., ignore_index=-1)", ignore_index=-1)
    if (m == IGNORE).any():
        raise Miss("with ignore_index=-1 the masked positions must hold -1: use the argument, not a hard-coded -100")
    if not close(m, _expected_mask(TARGETS, [1, 2], ignore_index=-1), 0, 0):
        raise Miss("wrong positions masked with prompt_lengths [1, 2] and ignore_index=-1")


@case("mask_prompt_tokens", "prompt length 0 leaves the row untouched", edge=True)
def _zero_prompt(fn):
    m = _masked(fn, np.array(TARGETS), [0, 2], "mask_prompt_tokens(targets, [0, 2])")
    if (m[0] == IGNORE).sum() == len(TARGETS[0]) - 1:
        raise Miss(
            "a prompt of length 0 masked all but the last position: row[:0 - 1] is "
            "row[:-1]; slice [:n], which masks nothing for n = 0"
        )
    if not close(m[0], TARGETS[0], 0, 0):
        raise Miss("a prompt of length 0 masks nothing: the row must come back unchanged")
    if not close(m, _expected_mask(TARGETS, [0, 2]), 0, 0):
        raise Miss("the second row (prompt length 2) is masked wrongly")


@case("mask_prompt_tokens", "a prompt as long as the sequence masks it all", edge=True)
def _long_prompt(fn):
    m = _masked(fn, np.array(TARGETS), [5, 9], "mask_prompt_tokens(targets, [5, 9]) with T = 5")
    if not (m == IGNORE).all():
        raise Miss(
            "prompt lengths of T or more mask every position (slicing [:n] stops at the "
            "end by itself; a loop up to n runs past it)"
        )


@case("mask_prompt_tokens", "a single sequence with an int prompt length", edge=True)
def _one_sequence(fn):
    m = _masked(fn, [7, 8, 9, 10], 2, "mask_prompt_tokens([7, 8, 9, 10], 2)")
    if not close(m, [IGNORE, IGNORE, 9, 10], 0, 0):
        raise Miss(
            "a 1-D targets array is one sequence and prompt_lengths a single int: mask "
            "its first prompt_lengths positions"
        )


# ---- sequence_perplexity ------------------------------------------------------


def _ppl(fn, logits, targets, what: str, **kw) -> float:
    return _scalar(call(_catch_index_errors(fn), logits, targets, **kw), what)


@case("sequence_perplexity", "two positions: exp(1.238) = 3.449")
def _ppl_two(fn):
    keys, targets = TWO_POSITIONS
    ppl = _ppl(fn, _logits(keys).tolist(), list(targets), "sequence_perplexity(two positions)")
    losses = np.array(_known_losses(keys, targets))
    if close(ppl, np.exp(losses).mean(), rtol=1e-4, atol=0):
        raise Miss(
            "averaged the per-token perplexities exp(loss): perplexity is exp of the MEAN "
            "loss, and a mean of exps is always larger"
        )
    if close(ppl, np.exp(losses.sum()), rtol=1e-4, atol=0):
        raise Miss("exp of the summed loss: divide by the number of tokens before exp")
    if close(ppl, losses.mean(), rtol=1e-4, atol=0):
        raise Miss("returned the mean loss: perplexity is its exponential")
    if close(ppl, 2.0 ** losses.mean(), rtol=1e-4, atol=0):
        raise Miss("used 2 ** loss: the loss is in nats (natural log), so perplexity is np.exp(mean loss)")
    if not close(ppl, math.exp(losses.mean()), rtol=1e-6, atol=0):
        raise Miss("perplexity should be exp(mean loss over the supervised tokens)")


@case("sequence_perplexity", "uniform logits over V tokens give perplexity V")
def _ppl_uniform(fn):
    targets = np.array([[0, 4, 2], [1, 3, 3]])
    ppl = _ppl(fn, np.zeros((2, 3, 5)), targets, "sequence_perplexity(all-zero logits, V = 5)")
    if not close(ppl, 5.0, rtol=1e-6, atol=0):
        raise Miss(
            f"got {ppl:.4g}: a model that spreads its mass evenly over V = 5 tokens is "
            "choosing between 5, so its perplexity must be 5"
        )


@case("sequence_perplexity", "pools the tokens of sequences of different lengths")
def _ppl_pooled(fn):
    targets = np.array([[1, IGNORE, IGNORE], [0, 2, 2]])  # 1 token, then 3 tokens
    expected = _known_losses(BATCH_KEYS, targets)
    keep = targets != IGNORE
    ppl = _ppl(fn, _logits(BATCH_KEYS), targets.copy(), "sequence_perplexity(two sequences)")
    per_seq = [expected[b][keep[b]].mean() for b in range(2)]
    if close(ppl, np.mean(np.exp(per_seq)), rtol=1e-6, atol=0):
        raise Miss(
            "mean of per-sequence perplexities: pool every supervised token first, then take exp of that one mean loss"
        )
    if close(ppl, math.exp(np.mean(per_seq)), rtol=1e-6, atol=0):
        raise Miss(
            "averaged the per-sequence mean losses: a 3-token sequence must weigh three "
            "times a 1-token one, so average over tokens, not sequences"
        )
    if close(ppl, math.exp(expected.sum() / targets.size), rtol=1e-6, atol=0):
        raise Miss(
            "averaged over all positions including ignored ones: divide the total loss by "
            "the number of supervised tokens"
        )
    if not close(ppl, math.exp(expected[keep].mean()), rtol=1e-6, atol=0):
        raise Miss("perplexity should be exp(total loss of supervised tokens / their number)")


@case("sequence_perplexity", "leaves its inputs unchanged")
def _ppl_unmodified(fn):
    logits, targets = _logits(BATCH_KEYS), np.array([[1, IGNORE, 0], [2, 2, IGNORE]])
    before = (logits.copy(), targets.copy())
    _ppl(fn, logits, targets, "sequence_perplexity(...)")
    if not (same_input(before[0], logits) and same_input(before[1], targets)):
        raise Miss("the logits or targets changed: build new arrays instead of writing into them")


@case("sequence_perplexity", "logits of +-1000 give a finite perplexity", edge=True)
def _ppl_huge(fn):
    logits = np.array([[[1000.0, 998.0, 997.0], [-1000.0, 0.0, 1000.0]]])
    ppl = _ppl(fn, logits, np.array([[1, 2]]), "sequence_perplexity(logits of +-1000)")
    if not math.isfinite(ppl):
        raise Miss(
            "nan or inf for logits of +-1000: use log-sum-exp with the row max "
            "subtracted (never exp the raw logits), then exp only the final mean"
        )
    if not close(ppl, math.exp(TWO_LOSSES[0] / 2), rtol=1e-3, atol=0):
        raise Miss(
            "wrong value for logits of +-1000 ([1000, 998, 997] is [3, 1, 0] shifted); "
            "once the core checks pass, look at how the row max is subtracted"
        )


@case("sequence_perplexity", "every token ignored gives nan; ignore_index is used", edge=True)
def _ppl_ignored(fn):
    ppl = _ppl(fn, _logits(BATCH_KEYS), np.full((2, 3), IGNORE), "sequence_perplexity(all ignored)")
    if not math.isnan(ppl):
        raise Miss(f"with no supervised token the mean loss is 0 / 0 and perplexity is nan, not {ppl:.4g}")
    targets = np.array([[1, 0, 0], [0, 2, 0]])
    expected = _known_losses(BATCH_KEYS, targets, ignore_index=0)
    ppl0 = _ppl(fn, _logits(BATCH_KEYS), targets, "sequence_perplexity(..., ignore_index=0)", ignore_index=0)
    if close(ppl0, math.exp(_known_losses(BATCH_KEYS, targets).mean()), rtol=1e-6, atol=0):
        raise Miss(
            "with ignore_index=0 the targets equal to 0 must be skipped: use the argument, not a hard-coded -100"
        )
    if not close(ppl0, math.exp(expected[targets != 0].mean()), rtol=1e-6, atol=0):
        raise Miss(
            "wrong with ignore_index=0 (sequences of different lengths): pool the tokens "
            "whose target is not 0, then exp their mean loss"
        )


@case("sequence_perplexity", "float32 logits give the right number", edge=True)
def _ppl_float32(fn):
    targets = np.array([[1, 2, 0], [0, 2, 2]])
    expected = _known_losses(BATCH_KEYS, targets)
    ppl = _ppl(fn, _logits(BATCH_KEYS).astype(np.float32), targets, "sequence_perplexity(float32 logits)")
    if not close(ppl, math.exp(expected.mean()), rtol=1e-5, atol=0):
        raise Miss(
            "wrong for float32 logits; once the core checks pass, compute the token "
            "losses in float64 or at least take the mean before the exp"
        )
