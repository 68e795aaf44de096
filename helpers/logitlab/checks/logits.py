"""Checks for 01_logits: is_distribution and predicted_label."""

from __future__ import annotations

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, call, case, same_input

RAW_SCORES = [3.0, 1.0, 0.0]  # the ticket router's logits: they sum to 4
TICKET = ["refund", "reship", "escalate"]
PETS = ["cat", "dog", "bird"]

hint_tiers(
    "is_distribution",
    "Three things make a distribution: every entry is a finite number, no entry is negative, and each "
    "slice along `axis` adds up to 1. Floats rarely add up to exactly 1, so 'adds up to 1' means "
    "'within atol of 1'.",
    "np.isfinite and >= 0 test every entry at once; a sum along `axis` gives one total per slice; .all() "
    "turns many True/False values into one answer and bool(...) makes it a Python bool. Careful: every "
    "comparison with nan is False, so a test that only looks for bad values lets nan through.",
    "Convert p to a float array. Any entry that is not finite or is negative: the answer is False. "
    "Otherwise compare the distance of each slice's total from 1 with atol, and combine the per-slice "
    "verdicts into one.",
)
hint_tiers(
    "predicted_label",
    "The prediction is the class with the highest score: find the POSITION of the largest logit, then "
    "look up the label at that position.",
    "np.argmax gives the position of the largest entry (the first one on ties) for a list or an array; "
    "labels[i] works for a list and for a numpy array of labels.",
    "One position, one lookup: no loop, no sorting, no dictionary (a dict keyed by logit keeps the last "
    "of two tied logits, and sorting reorders them).",
)


# ---- is_distribution ----------------------------------------------------------


def _verdict(fn, p, what: str, **kw) -> bool:
    """The learner's answer as a bool, or a miss when it is not one yes/no answer."""
    out = call(fn, p, **kw)
    if out is None:
        raise Miss(f"{what} returned None: did you forget `return`?")
    if isinstance(out, (bool, np.bool_)):
        return bool(out)
    if np.ndim(out) > 0:
        raise Miss(
            f"{what} returned an array of shape {np.shape(out)}: the answer is one True or "
            "False for the whole input, so reduce the per-row results with .all()"
        )
    raise Miss(f"{what} returned {type(out).__name__} {out!r}: return True or False")


@case("is_distribution", "rejects raw scores such as [3.0, 1.0, 0.0]")
def _raw_scores(fn):
    if _verdict(fn, list(RAW_SCORES), "is_distribution([3.0, 1.0, 0.0])"):
        raise Miss(
            "[3.0, 1.0, 0.0] sums to 4 and has entries above 1, yet it was accepted: "
            "check that the entries add up to 1 (within atol)"
        )


@case("is_distribution", "accepts probability vectors, from lists and float32 arrays")
def _accepts(fn):
    examples = {
        "[0.844, 0.114, 0.042]": [0.844, 0.114, 0.042],
        "[0.25, 0.25, 0.25, 0.25]": [0.25] * 4,
        "[1.0]": [1.0],
        "[0.7, 0.2, 0.1] (its float sum is 0.9999999999999999)": [0.7, 0.2, 0.1],
        "ten float32 entries of 0.1": np.full(10, 0.1, dtype=np.float32),
    }
    for name, p in examples.items():
        if not _verdict(fn, p, f"is_distribution({name})"):
            raise Miss(
                f"{name} is a distribution (no entry below 0, sum 1) but was rejected: "
                "compare the sum with 1 within atol, never with == (float sums are rarely "
                "exactly 1)"
            )


@case("is_distribution", "rejects negative entries even when the sum is 1")
def _negative(fn):
    if _verdict(fn, [0.7, 0.5, -0.2], "is_distribution([0.7, 0.5, -0.2])"):
        raise Miss(
            "[0.7, 0.5, -0.2] sums to 1 but has a negative entry, and was accepted: "
            "a probability is never below 0, so check every entry too"
        )


@case("is_distribution", "checks every row of a batch on its own", basic=True)
def _batch(fn):
    if _verdict(fn, [[0.25, 0.25], [0.25, 0.25]], "is_distribution(two rows summing to 0.5)"):
        if _verdict(fn, [0.25, 0.25], "is_distribution([0.25, 0.25])"):
            raise Miss(
                "[0.25, 0.25] sums to 0.5 and was accepted: compare abs(sum - 1) <= atol; without "
                "abs() every sum below 1 passes"
            )
        raise Miss(
            "each row sums to 0.5 (the whole array sums to 1) and it was accepted: sum along "
            "`axis`, one sum per row, not over the whole array"
        )
    if not _verdict(fn, [[0.2, 0.8], [0.5, 0.5]], "is_distribution(two rows summing to 1)"):
        if _verdict(fn, [[0.2, 0.5], [0.8, 0.5]], "is_distribution(two columns summing to 1)"):
            raise Miss(
                "both rows sum to 1 but the batch was rejected, while columns summing to 1 pass: "
                "you summed along axis 0; sum along `axis` (default -1, the last axis)"
            )
        raise Miss(
            "both rows sum to 1 but the batch was rejected: sum along `axis` (one sum per "
            "row), not over the whole array"
        )
    if _verdict(fn, [[0.2, 0.8], [0.7, 0.7]], "is_distribution(one good row, one bad)"):
        raise Miss(
            "the second row sums to 1.4 and the batch was accepted: every row must pass, "
            "so combine the per-row results with .all(), not .any() or the first row alone"
        )


@case("is_distribution", "respects the axis argument")
def _axis(fn):
    columns = np.array([[0.2, 0.5], [0.8, 0.5]])  # each column sums to 1, the rows do not
    if not _verdict(fn, columns.copy(), "is_distribution(p, axis=0)", axis=0):
        raise Miss(
            "with axis=0 the columns sum to 1 but it was rejected: pass `axis` to the sum instead of hard-coding -1"
        )
    if _verdict(fn, columns.copy(), "is_distribution(p)"):
        raise Miss("the rows sum to 0.7 and 1.3, yet it was accepted with the default axis=-1")


@case("is_distribution", "returns a Python bool")
def _python_bool(fn):
    for p in ([0.5, 0.5], [2.0, 1.0]):
        out = call(fn, p)
        if type(out) is not bool:
            raise Miss(
                f"returned {type(out).__module__}.{type(out).__name__}, not bool: numpy's "
                ".all() gives numpy.bool_, so wrap the answer in bool(...)"
            )


@case("is_distribution", "leaves its input unchanged")
def _unmodified(fn):
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    before = p.copy()
    call(fn, p)
    if not same_input(before, p):
        raise Miss(
            "your function changed the array it was given: checking must never write "
            "to p (no p /= ..., no p[...] = ...)"
        )


@case("is_distribution", "rejects nan entries", edge=True)
def _nan(fn):
    for name, p in {
        "[0.5, nan, 0.5]": [0.5, np.nan, 0.5],
        "a batch with nan in its second row": [[0.5, 0.5], [np.nan, 1.0]],
    }.items():
        if _verdict(fn, p, f"is_distribution({name})"):
            raise Miss(
                f"{name} was accepted: every comparison with nan is False, so a test such as "
                "`not (p < 0).any()` lets nan through; require np.isfinite(p).all() and "
                "(p >= 0).all() instead"
            )


@case("is_distribution", "rejects inf entries", edge=True)
def _inf(fn):
    for name, p in {"[inf, 0.0]": [np.inf, 0.0], "[1.0, inf, -inf]": [1.0, np.inf, -np.inf]}.items():
        if _verdict(fn, p, f"is_distribution({name})"):
            raise Miss(f"{name} was accepted: inf is not a probability; require every entry to be finite (np.isfinite)")


@case("is_distribution", "uses exactly the tolerance atol", edge=True)
def _atol(fn):
    off = [0.5, 0.5 + 5e-6]  # sums to 1.000005
    if _verdict(fn, off, "is_distribution(p summing to 1.000005)"):
        raise Miss(
            "a sum of 1.000005 was accepted with the default atol=1e-6: compare "
            "abs(sum - 1) <= atol; np.isclose / np.allclose add a relative tolerance "
            "(rtol=1e-05) unless you pass rtol=0"
        )
    if not _verdict(fn, off, "is_distribution(p summing to 1.000005, atol=1e-5)", atol=1e-5):
        raise Miss(
            "a sum of 1.000005 was rejected with atol=1e-5: use the `atol` argument, "
            "abs(sum - 1) <= atol, rather than a fixed tolerance or an exact == 1"
        )
    if not _verdict(fn, [0.5, 0.55], "is_distribution(p summing to 1.05, atol=0.1)", atol=0.1):
        raise Miss(
            "a sum of 1.05 was rejected with atol=0.1: use the `atol` argument rather "
            "than a fixed tolerance or rounding"
        )


# ---- predicted_label ---------------------------------------------------------


def _label(fn, logits, labels, what: str):
    """The learner's label, or a miss naming what came back instead."""
    out = call(fn, logits, labels)
    if out is None:
        raise Miss(f"{what} returned None: did you forget `return`?")
    if np.ndim(out) > 0 and not isinstance(out, str):
        raise Miss(
            f"{what} returned a {type(out).__name__} of shape {np.shape(out)}: return one "
            "label, labels[i], not a list or array"
        )
    if out not in list(labels):
        if isinstance(out, (int, np.integer)):
            raise Miss(f"{what} returned {out!r}, a position, not a label: return labels[i] for the winning position i")
        raise Miss(f"{what} returned {out!r}, which is not one of the labels")
    return out


def _expect(fn, logits, labels, position: int, what: str, hint: str) -> None:
    out = _label(fn, logits, labels.copy(), what)  # a copy: a learner's bug must not edit ours
    if out != labels[position]:
        raise Miss(f"{what}: {hint}")


@case("predicted_label", "returns the label of the largest logit")
def _largest(fn):
    if _label(fn, [0.5, 2.0, -1.0], list(PETS), "predicted_label([0.5, 2.0, -1.0], ...)") == "bird":
        raise Miss("it returned the label of the smallest logit: look for the largest (argmax, not argmin)")
    _expect(
        fn,
        [2.0, 1.0, 0.1],
        PETS,
        0,
        "predicted_label([2.0, 1.0, 0.1], cat/dog/bird)",
        "the label must be the one at the position of the largest logit",
    )
    _expect(
        fn,
        [1.0, 3.0, 0.0],
        TICKET,
        1,
        "predicted_label([1.0, 3.0, 0.0], refund/reship/escalate)",
        "the label must be the one at the position of the largest logit, wherever it is",
    )


@case("predicted_label", "works when every logit is negative")
def _all_negative(fn):
    if _label(fn, [-2.0, -0.5, -3.0], list(PETS), "predicted_label([-2.0, -0.5, -3.0], ...)") == "bird":
        raise Miss(
            "predicted_label([-2.0, -0.5, -3.0], ...) returned the label of -3.0, the logit "
            "largest in size: compare the logits themselves, not abs(logits)"
        )
    _expect(
        fn,
        [-2.0, -0.5, -3.0],
        PETS,
        1,
        "predicted_label([-2.0, -0.5, -3.0], ...)",
        "with every logit below 0 the largest is still the winner: do not start a running "
        "maximum at 0, start from the first logit (or use np.argmax)",
    )


@case("predicted_label", "compares values, not magnitudes")
def _magnitude(fn):
    _expect(
        fn,
        [-5.0, 1.0, 2.0],
        PETS,
        2,
        "predicted_label([-5.0, 1.0, 2.0], ...)",
        "-5 is the lowest score, not the highest: compare the logits themselves, not abs(logits)",
    )


@case("predicted_label", "breaks ties in favour of the first")
def _ties(fn):
    labels = ["refund", "escalate", "reship"]
    _expect(
        fn,
        [1.0, 3.0, 3.0],
        labels,
        1,
        "predicted_label([1.0, 3.0, 3.0], refund/escalate/reship)",
        "on a tie return the first of the tied labels, as np.argmax does; a dict {logit: label} "
        "keeps the last, and max() over (logit, label) pairs compares the labels",
    )


@case("predicted_label", "accepts numpy arrays of logits and labels")
def _numpy_inputs(fn):
    _expect(
        fn,
        np.array([0.0, 5.0, 1.0]),
        np.array(PETS),
        1,
        "predicted_label(array, array of labels)",
        "labels may be a numpy array: index it with labels[i]",
    )
    _expect(
        fn,
        np.array([0.5, -1.0, 4.0], dtype=np.float32),
        [101, 7, 42],
        2,
        "predicted_label(float32 logits, token ids [101, 7, 42])",
        "labels can be anything, such as integer token ids: return labels[i]",
    )


@case("predicted_label", "leaves its inputs unchanged")
def _unmodified(fn):
    logits, labels = [2.0, 3.0, 1.0], ["cat", "dog", "bird"]
    call(fn, logits, labels)
    if logits != [2.0, 3.0, 1.0] or labels != ["cat", "dog", "bird"]:
        raise Miss(
            "your function changed the lists it was given (sorting in place?): "
            "find the largest without reordering logits or labels"
        )
    array = np.array([2.0, 3.0, 1.0])
    call(fn, array, list(labels))
    if not same_input([2.0, 3.0, 1.0], array):
        raise Miss(
            "your function changed the array of logits it was given: np.asarray does not "
            "copy an array, so write z = z - ..., never z -= ... or z.sort()"
        )


@case("predicted_label", "handles -inf logits", edge=True)
def _neg_inf(fn):
    _expect(
        fn,
        [-np.inf, -1000.0, -np.inf],
        PETS,
        1,
        "predicted_label([-inf, -1000, -inf], ...)",
        "-inf is a valid logit (a class ruled out) and -1000 beats it: compare with >, "
        "starting from the first logit rather than from a fixed number",
    )


@case("predicted_label", "handles logits of +-1000", edge=True)
def _thousands(fn):
    _expect(
        fn,
        [1000.0, -1000.0, 999.0],
        PETS,
        0,
        "predicted_label([1000, -1000, 999], ...)",
        "the largest logit is 1000: nothing needs exponentiating to find it",
    )
    _expect(
        fn,
        [-1000.0, -1001.0, -999.5],
        PETS,
        2,
        "predicted_label([-1000, -1001, -999.5], ...)",
        "-999.5 is the largest of these: start a running maximum from the first logit, "
        "not from 0 or another fixed number",
    )
