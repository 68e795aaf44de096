"""Checks for 09_training: one gradient-descent step of a softmax classifier, and the
loop around it.

No reference implementation lives here. The `train_step` cases use inputs whose
results are written out below: the reship ticket of 05 and 06 as a one-feature
classifier (its p - y is known), and a start from W = 0, b = 0, where every class has
probability exactly 1/C, so the step is a matter of fractions. Wrong answers are
recognised by what their mistakes give (a sum instead of a mean doubles the step, the
loss after the step is 06's 1.469, ...).

`fit` is checked against the learner's own `train_step`, never against a stored one:
fit(steps=0) must be the documented initialisation (part of the contract, so that
hidden tests can replay it), fit(steps=1) must be one call of train_step from there,
and fit(steps=k + 1) must be fit(steps=k) followed by one more call. A mistake in
train_step is therefore graded in train_step's cells, not again in fit's.
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, NotImplementedMiss, as_array, call, case, close, learner_scope, same_input, siblings_pass
from ._explain import explains, shapes_in

_default_rng = np.random.default_rng  # captured before learner code runs

# The reship ticket as a classifier with one feature x = 1: logits = x W + b = [3, 1, 0].
RESHIP = dict(W=[[3.0, 1.0, 0.0]], b=[0.0, 0.0, 0.0], X=[[1.0]], y=[1])
RESHIP_LOSS = 2.1698460195562856  # logsumexp([3, 1, 0]) - 1
RESHIP_P_MINUS_Y = [0.8437947344813395, -0.8858048006154055, 0.04201006613406605]
RESHIP_LOSS_AFTER = 1.4685946325924872  # after one step with lr 0.25 (06's 2.17 -> 1.469)

# From W = 0, b = 0 every class has p = 1/3. With X = [[1, 2], [0, -1]] and y = [0, 2],
# (P - Y) / N = [[-1/3, 1/6, 1/6], [1/6, 1/6, -1/3]], so one step with lr = 1 moves W by
# -X^T (P - Y) / N and b by minus the column sums:
UNIFORM = dict(X=[[1.0, 2.0], [0.0, -1.0]], y=[0, 2])
UNIFORM_W_STEP = [[1 / 3, -1 / 6, -1 / 6], [5 / 6, -1 / 6, -2 / 3]]
UNIFORM_B_STEP = [1 / 6, -1 / 3, 1 / 6]
LOG3 = math.log(3.0)

# From non-zero parameters the examples get different probabilities of their targets, so
# the mean of -log p (0.2289) and -log of the mean p (0.2123) differ. Logits X @ W + b are
# [[2.25, -1.5, -1.5], [-0.25, -0.5, 1]].
SKEWED = dict(W=[[1.0, -1.0, 0.5], [0.5, 0.0, -1.0]], b=[0.25, -0.5, 0.0], X=UNIFORM["X"], y=UNIFORM["y"])
SKEWED_LOSS = 0.22891535053612888
SKEWED_LOSS_OF_MEAN = 0.21227207563124922
SKEWED_DW = [
    [-0.022461269023034858, 0.01123063451151737, 0.01123063451151737],
    [-0.1398146162700354, -0.05144075580506275, 0.19125537207509796],
]
SKEWED_DB = [0.07243080920093084, 0.08513265933961486, -0.15756346854054584]

# fit: a small problem with d = 2 features and C = 3 classes.
FIT_X = [[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0], [1.0, 1.0], [0.0, -0.75]]
FIT_Y = [0, 2, 1, 2, 0]
FIT_LR = 0.3
SEED = 9
INIT = "W = rng.normal(scale=0.01, size=(d, num_classes)) and b = np.zeros(num_classes)"

hint_tiers(
    "train_step",
    "Three moves, in this order: score every example with the parameters you were given, "
    "measure the mean cross-entropy of those scores, then move W and b a small step against "
    "their gradients. The loss you report is the one measured before moving.",
    "The gradient of the mean loss with respect to the logits is 06's (softmax - one-hot) / N, "
    "with a softmax taken along the classes after subtracting each row's max. The chain rule "
    "carries it back to W through a product with the transpose of X, and to b through a sum "
    "over the examples (axis=0).",
    "Shapes: logits and (P - Y) / N are (N, C); the W gradient is (d, N) times (N, C), the "
    "shape of W; the b gradient is (C,), the shape of b. Build the new parameters as "
    "W - lr * (its gradient): a new array, never -= on the one you were given. Return "
    "(new W, new b, float(loss)).",
)
hint_tiers(
    "fit",
    "fit is a loop around your train_step: start from the documented initialisation, call "
    "train_step once per step, and keep the loss each call reports.",
    "Take randomness only from the rng you are given: one call of its normal method with "
    "scale=0.01 and size=(d, num_classes), where d is the number of columns of X; b starts as "
    "zeros. np.random.normal would ignore the seed.",
    "Shape of the loop: initialise, start an empty list, then `steps` times unpack the triple "
    "train_step returns into W, b and the loss and append the loss. Return W, b and the list.",
)


def _args(case_: dict) -> tuple:
    return tuple(np.array(case_[k], dtype=float) for k in ("W", "b", "X")) + (np.array(case_["y"]),)


# ---- train_step ----------------------------------------------------------------------


def _step(fn, W, b, X, y, lr, what: str) -> tuple[np.ndarray, np.ndarray, float]:
    """The learner's (W, b, loss) as float64 copies, with shapes checked."""
    out = call(fn, W, b, X, y, lr)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        got = f"a sequence of {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        raise Miss(f"{what} should return a triple (new W, new b, loss), got {got}")
    W_new = as_array(out[0], f"{what}: the new W")
    b_new = as_array(out[1], f"{what}: the new b")
    loss = as_array(out[2], f"{what}: the loss")
    shape_W, C = np.shape(W), np.shape(W)[-1]
    if W_new.shape != shape_W:
        if W_new.shape == shape_W[::-1]:
            raise Miss(
                f"{what}: the new W has shape {W_new.shape}, W's transposed: its gradient is "
                "X.T times (P - Y) / N, (d, N) times (N, C), which has W's shape (d, C)"
            )
        raise Miss(f"{what}: the new W has shape {W_new.shape}, expected W's shape {shape_W}")
    if b_new.shape != (C,):
        reason = (
            ": b's gradient sums (P - Y) / N over the examples (axis=0), one entry per class" if b_new.ndim == 2 else ""
        )
        raise Miss(f"{what}: the new b has shape {b_new.shape}, expected ({C},){reason}")
    if loss.shape != ():
        raise Miss(f"{what}: the loss has shape {loss.shape}; it is one number, the mean over the batch")
    if not np.isfinite(W_new).all() or not np.isfinite(b_new).all() or not np.isfinite(loss):
        raise Miss(
            f"{what}: nan or inf in the result: compute the softmax and the loss with each row's "
            "max subtracted from its logits (exp of a large logit overflows)"
        )
    return W_new, b_new, float(loss)


@explains("train_step")
def _one_hot_too_narrow(exc: BaseException) -> str | None:
    """(N, C) logits against an (N, C') one-hot with C' < C: classes counted from the labels."""
    if not (isinstance(exc, ValueError) and "could not be broadcast" in str(exc)):
        return None
    pairs = [s for s in shapes_in(str(exc)) if len(s) == 2]
    if len(pairs) >= 2 and pairs[0][0] == pairs[1][0] and pairs[0][1] != pairs[1][1]:
        wide, narrow = max(pairs[0][1], pairs[1][1]), min(pairs[0][1], pairs[1][1])
        return (
            f"the one-hot has {narrow} columns but the logits have {wide} classes: "
            "np.eye(y.max() + 1) counts only the labels present in the batch; build it with "
            "np.eye(C)[y], where C = W.shape[1]"
        )
    return None


@explains("train_step")
def _logits_product(exc: BaseException) -> str | None:
    if isinstance(exc, ValueError) and "matmul" in str(exc):
        return (
            "a matrix product whose inner sizes differ: X is (N, d) and W is (d, C), so the "
            "logits are X @ W + b (no transpose) and W's gradient is X.T @ ((P - Y) / N)"
        )
    return None


@case("train_step", "the reship ticket: loss 2.170, then a step against p - y")
def _reship(fn):
    W, b, X, y = _args(RESHIP)
    W_new, b_new, loss = _step(
        fn, W.tolist(), b.tolist(), X.tolist(), y.tolist(), 0.25, "train_step on the reship ticket"
    )
    g = np.array(RESHIP_P_MINUS_Y)
    if close(loss, RESHIP_LOSS_AFTER, rtol=0, atol=5e-4):
        raise Miss(
            "returned the loss AFTER the step (1.469): report the loss of the W and b you were "
            "given, computed before you update them"
        )
    if close(loss, -RESHIP_LOSS, rtol=0, atol=5e-4):
        raise Miss("the loss is negative: cross-entropy is -log p(target) = logsumexp(z) - z[target] >= 0")
    if not close(loss, RESHIP_LOSS, rtol=0, atol=5e-4):
        raise Miss(
            "wrong loss for logits X @ W + b = [3, 1, 0] with target reship: it is "
            "logsumexp(z) - z[target] = 2.170, the mean of one row"
        )
    if close(W_new, W + 0.25 * g, rtol=0, atol=1e-6):
        raise Miss("the step went uphill (W + lr * gradient): gradient DEScent subtracts, W - lr * dW")
    if close(W_new, W, rtol=0, atol=0):
        raise Miss("W did not move: return W - lr * dW, with dW = X.T @ (P - Y) / N")
    p_used = (W - W_new)[0] / 0.25 + np.array([0.0, 1.0, 0.0])  # the p behind the step taken
    if close(p_used.sum(), 2.0, rtol=0, atol=1e-6):
        raise Miss(
            "your step used p, not p - y: the gradient of the loss with respect to the logits is "
            "the softmax minus the one-hot of the target; subtract 1 at each example's target class"
        )
    if not close(p_used.sum(), 1.0, rtol=0, atol=1e-6):
        raise Miss(
            f"the probabilities behind your step sum to {p_used.sum():.3g}, not 1: take the softmax "
            "along the classes (axis=-1) of each example's logits; over the batch (axis 0) one "
            "example divides every entry by itself"
        )
    if not close(W_new, W - 0.25 * g, rtol=0, atol=1e-6):
        raise Miss(
            "wrong new W: with one example x = [1] the step is -lr * x * (p - y), with p the "
            "softmax of the logits X @ W + b and y the one-hot target"
        )
    if close(b_new, b, rtol=0, atol=0):
        raise Miss("b did not move: b has its own gradient, the sum over the examples of (P - Y) / N")
    if not close(b_new, b - 0.25 * g, rtol=0, atol=1e-6):
        raise Miss("wrong new b: with one example its gradient is p - y, so b moves by -lr * (p - y)")


@case("train_step", "a batch: the mean over N examples, the softmax over the classes")
def _uniform(fn):
    X, y = np.array(UNIFORM["X"]), np.array(UNIFORM["y"])
    W_new, b_new, loss = _step(
        fn, np.zeros((2, 3)), np.zeros(3), X, y, 1.0, "train_step from W = 0, b = 0 (2 examples, 3 classes)"
    )
    dW, db = np.array(UNIFORM_W_STEP), np.array(UNIFORM_B_STEP)
    if close(loss, 2 * LOG3, rtol=1e-6, atol=0):
        raise Miss("the loss is the SUM over the 2 examples: train_step reports the mean cross-entropy")
    if not close(loss, LOG3, rtol=1e-6, atol=0):
        raise Miss(
            "from W = 0 and b = 0 every logit is 0 and every class has probability 1/3, so the "
            f"loss must be log 3 = {LOG3:.4f} (yours: {loss:.4f})"
        )
    rows_sum_to_zero = close(W_new.sum(axis=-1), [0.0, 0.0], rtol=0, atol=1e-9)
    if not (rows_sum_to_zero and close(b_new.sum(), 0.0, rtol=0, atol=1e-9)):
        raise Miss(
            "each example's p - y sums to 0 over the classes, so every row of the step must too: "
            "take the softmax along the classes (axis=-1), not over the batch, and subtract 1 "
            "at each example's own target"
        )
    if close(W_new, 2 * dW, rtol=1e-6, atol=1e-9):
        raise Miss(
            "the step is N = 2 times too large: the loss is a MEAN, so divide (P - Y) by N before multiplying by X.T"
        )
    if close(W_new, -dW, rtol=1e-6, atol=1e-9):
        raise Miss("the step went uphill (W + lr * gradient): gradient descent subtracts, W - lr * dW")
    if not close(W_new, dW, rtol=1e-6, atol=1e-9):
        raise Miss(
            "wrong new W for a batch: each feature gathers the errors (P - Y) / N of the examples, "
            "weighted by its value in each: dW = X.T @ ((P - Y) / N)"
        )
    if close(b_new, db / 2, rtol=1e-6, atol=1e-9):
        raise Miss(
            "b's step is N = 2 times too small: (P - Y) / N already holds the 1/N, so b's "
            "gradient is its SUM over the examples (axis=0), not its mean"
        )
    if close(b_new, 2 * db, rtol=1e-6, atol=1e-9):
        raise Miss("b's step is N = 2 times too large: sum (P - Y) / N over the examples, not P - Y")
    if not close(b_new, db, rtol=1e-6, atol=1e-9):
        raise Miss("wrong new b for a batch: b's gradient is the sum over the examples (axis=0) of (P - Y) / N")


@case("train_step", "a batch from non-zero weights: the mean of -log p over the examples", basic=True)
def _skewed(fn):
    W, b, X, y = _args(SKEWED)
    _, _, loss = _step(fn, W, b, X, y, 1.0, "train_step from non-zero W and b (2 examples, 3 classes)")
    if close(loss, SKEWED_LOSS_OF_MEAN, rtol=1e-6, atol=0):
        raise Miss(
            f"the loss is -log(mean p) = {loss:.4f}, the log of the average probability of the "
            f"targets: cross-entropy is the mean of -log p, one -log per example ({SKEWED_LOSS:.4f})"
        )
    if not close(loss, SKEWED_LOSS, rtol=1e-6, atol=0):
        raise Miss(
            f"wrong loss for logits [[2.25, -1.5, -1.5], [-0.25, -0.5, 1]] with targets [0, 2]: "
            f"the mean over the examples of logsumexp(z) - z[target] is {SKEWED_LOSS:.4f} (yours: {loss:.4f})"
        )


@case("train_step", "the step is proportional to lr (lr = 0 moves nothing)")
def _uses_lr(fn):
    W, b, X, y = _args(RESHIP)
    W0, b0, loss0 = _step(fn, W.copy(), b.copy(), X, y, 0.0, "train_step with lr=0")
    if not (close(W0, W, rtol=0, atol=0) and close(b0, b, rtol=0, atol=0)):
        raise Miss(
            "with lr=0 the parameters must come back unchanged: the step is -lr * gradient, "
            "so use the lr argument and no other step size"
        )
    if not close(loss0, RESHIP_LOSS, rtol=0, atol=5e-4):
        raise Miss("with lr=0 the loss must still be reported: the loss of the parameters you were given")
    W2, _, _ = _step(fn, W.copy(), b.copy(), X, y, 2.0, "train_step with lr=2")
    step = W2 - W
    want = -2.0 * np.array([RESHIP_P_MINUS_Y])
    if close(step, 2 * want, rtol=1e-6, atol=1e-9):
        raise Miss("with lr=2 the step is lr**2 times the gradient: multiply by lr once")
    if not close(step, want, rtol=1e-6, atol=1e-9):
        raise Miss("the step should be exactly -lr * dW: doubling lr doubles the step")


@case("train_step", "returns new arrays: W, b, X and y are left unchanged")
def _new_arrays(fn):
    W, b, X, y = _args(RESHIP)
    saved = [a.copy() for a in (W, b, X, y)]
    out = call(fn, W, b, X, y, 0.25)
    for name, before, after in zip(("W", "b", "X", "y"), saved, (W, b, X, y)):
        if not same_input(before, after):
            raise Miss(
                f"the caller's {name} changed: `{name} -= lr * ...` writes into the array you "
                f"were given (and fit, or anyone keeping the old {name}, sees it change); "
                f"compute `{name} - lr * ...`, a new array"
            )
    if isinstance(out, (tuple, list)) and len(out) == 3 and (out[0] is W or out[1] is b):
        raise Miss("returned the very array object you were given: return new arrays")


@case("train_step", "logits of +-1000 give a finite loss and step", edge=True)
def _huge(fn):
    # X @ W + b = [1000, -1000, 0]: p = [1, 0, 0] to float64 precision, loss 2000 for target 1
    W_new, b_new, loss = _step(
        fn,
        np.array([[1.0, -1.0, 0.0]]),
        np.zeros(3),
        np.array([[1000.0]]),
        np.array([1]),
        0.001,
        "train_step with logits [1000, -1000, 0]",
    )
    if not (
        close(loss, 2000.0, rtol=1e-9, atol=0)
        and close(W_new, [[0.0, 0.0, 0.0]], rtol=0, atol=1e-9)
        and close(b_new, [-0.001, 0.001, 0.0], rtol=0, atol=1e-12)
    ):
        raise Miss(
            "wrong values for logits [1000, -1000, 0] with target 1: p is [1, 0, 0], the loss "
            "2000 and p - y = [1, -1, 0]; compute the loss as logsumexp(z) - z[target] with "
            "the row max subtracted, never as -log of a probability that underflowed to 0"
        )
    W, b, X, y = _args(RESHIP)
    _, _, shifted = _step(fn, W, b + 997.0, X, y, 0.25, "train_step with logits [1000, 998, 997]")
    if not close(shifted, RESHIP_LOSS, rtol=0, atol=5e-4):
        raise Miss("logits [1000, 998, 997] are [3, 1, 0] shifted and have the same loss, 2.170")


@case("train_step", "float32 data and parameters stay float32; the loss is a float", edge=True)
def _float32(fn):
    W, b, X, y = _args(RESHIP)
    out = call(fn, W.astype(np.float32), b.astype(np.float32), X.astype(np.float32), y, 0.25)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Miss("train_step should return a triple (new W, new b, loss)")
    for name, value in zip(("W", "b"), out[:2]):
        if getattr(value, "dtype", None) != np.float32:
            raise Miss(
                f"float32 inputs gave a {getattr(value, 'dtype', type(value).__name__)} new {name}: "
                "build the one-hot in the logits' dtype (np.eye(C) is float64) and keep lr a "
                "Python float"
            )
    if isinstance(out[2], (np.ndarray, np.float32)) or not isinstance(out[2], float):
        raise Miss(f"the loss is a {type(out[2]).__name__}: return float(loss), a Python float")


@case("train_step", "lists for W, b, X and y; integer features", edge=True)
def _lists_and_ints(fn):
    X, y = UNIFORM["X"], UNIFORM["y"]
    W_arr, b_arr, loss_arr = _step(
        fn, np.zeros((2, 3)), np.zeros(3), np.array(X), np.array(y), 1.0, "train_step on float arrays"
    )
    W_list, b_list, loss_list = _step(
        fn,
        [[0.0] * 3] * 2,
        [0.0] * 3,
        [[int(v) for v in r] for r in X],
        list(y),
        1.0,
        "train_step on lists with integer X",
    )
    if not (
        close(W_list, W_arr, rtol=1e-12, atol=0)
        and close(b_list, b_arr, rtol=1e-12, atol=0)
        and close(loss_list, loss_arr, rtol=1e-12, atol=0)
    ):
        raise Miss(
            "lists with integer features give another result than float arrays: turn the inputs "
            "into arrays with np.asarray and compute in floating point (an integer one-hot or an "
            "integer (P - Y) truncates the probabilities)"
        )


# ---- fit -------------------------------------------------------------------------------


def _siblings(fn):
    """The learner's train_step, defined beside fit (fit is checked against it)."""
    step = learner_scope(fn).get("train_step")
    if not callable(step):
        raise Miss("fit takes each step with your train_step, which is not defined: run the train_step cell first")
    return step


def _step_not_implemented(fn) -> bool:
    step = learner_scope(fn).get("train_step")
    try:
        step(np.zeros((1, 2)), np.zeros(2), np.ones((1, 1)), np.array([0]), 0.1)
    except NotImplementedError:
        return True
    except Exception:  # a bug, reported by train_step's own checks
        return False
    return False


def _fit(fn, steps: int, what: str, **overrides):
    """The learner's fit on the check's problem: (W, b, history as float64, rng afterwards)."""
    kw = dict(X=np.array(FIT_X), y=np.array(FIT_Y), num_classes=3, lr=FIT_LR, steps=steps)
    kw.update(overrides)
    rng = _default_rng(SEED)
    try:
        out = call(fn, kw["X"], kw["y"], kw["num_classes"], kw["lr"], kw["steps"], rng)
    except NotImplementedMiss:
        if _step_not_implemented(fn):
            raise NotImplementedMiss(
                "fit calls your train_step, which is not implemented yet: write "
                "train_step first, run its cell, then check fit again"
            ) from None
        raise
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        got = f"a sequence of {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        raise Miss(f"{what} should return a triple (W, b, history), got {got}")
    W, b = as_array(out[0], f"{what}: W"), as_array(out[1], f"{what}: b")
    history = as_array(list(out[2]) if isinstance(out[2], (list, tuple)) else out[2], f"{what}: history")
    if history.shape != (steps,):
        off_by_one = history.shape in ((steps + 1,), (steps - 1,))
        extra = (
            ": one loss per step, the one train_step reports (the loss before its update), so "
            "no extra evaluation before or after the loop"
            if off_by_one
            else ": one loss per step"
        )
        raise Miss(f"{what}: history has shape {history.shape}, expected ({steps},){extra}")
    return W, b, history, rng


def _expected_init(d: int, C: int) -> tuple[np.ndarray, np.random.Generator]:
    rng = _default_rng(SEED)
    return rng.normal(scale=0.01, size=(d, C)), rng


@case("fit", f"steps = 0 gives the documented start: {INIT}")
def _init(fn):
    W, b, _, rng = _fit(fn, 0, "fit(..., steps=0)")
    d, C = np.shape(FIT_X)[1], 3
    want, after = _expected_init(d, C)
    if W.shape == (C, d):
        raise Miss(f"W has shape {W.shape}: it maps d = {d} features to C = {C} classes, shape (d, num_classes)")
    if W.shape != (d, C):
        raise Miss(f"W has shape {W.shape}, expected (d, num_classes) = ({d}, {C})")
    if b.shape != (C,) or not close(b, np.zeros(C), rtol=0, atol=0):
        raise Miss(f"b should start as np.zeros(num_classes), shape ({C},), not drawn at random")
    if close(W, want, rtol=1e-12, atol=0):
        return
    if close(W, _default_rng(SEED).normal(scale=0.01, size=(C, d)).T, rtol=1e-12, atol=0):
        raise Miss(
            "drew a (num_classes, d) array and transposed it: draw size=(d, num_classes) "
            "directly, so that the same seed gives the same W as the reference"
        )
    if close(W, 100 * want, rtol=1e-12, atol=0):
        raise Miss(
            "drew W with scale 1: use scale=0.01, so that every logit starts near 0 and the "
            "first loss is about log(num_classes)"
        )
    if (W == 0).all():
        raise Miss(f"W starts at zeros: draw it from the rng you were given, {INIT}")
    if rng.bit_generator.state == _default_rng(SEED).bit_generator.state:
        raise Miss(
            "the rng you were given was not used: np.random.normal draws from numpy's global "
            "generator and default_rng() makes a new one; call rng.normal(...)"
        )
    raise Miss(
        f"W is not the draw the documentation asks for: {INIT}, drawn first and "
        "with exactly these arguments (loc 0, standard deviation 0.01)"
    )


@case("fit", "steps = 1 is one call of your train_step from that start", basic=True)
def _one_step(fn):
    step = _siblings(fn)
    W0, b0, _, _ = _fit(fn, 0, "fit(..., steps=0)")
    W1, b1, history, _ = _fit(fn, 1, "fit(..., steps=1)")
    want = call(step, W0.copy(), b0.copy(), np.array(FIT_X), np.array(FIT_Y), FIT_LR)  # copies: an
    # in-place train_step is train_step's mistake, graded there, and must not move W0 here
    want_W, want_b, want_loss = (as_array(v, "what your train_step returned") for v in want)
    if close(W1, W0, rtol=0, atol=0):
        raise Miss(
            "with steps=1 W came back unchanged: keep what train_step returns "
            "(W, b, loss = train_step(W, b, X, y, lr)) and return the final W and b"
        )
    if not (close(W1, want_W, rtol=1e-12, atol=1e-15) and close(b1, want_b, rtol=1e-12, atol=1e-15)):
        raise Miss(
            "with steps=1, W and b differ from one call of your train_step(W, b, X, y, lr) "
            "from the documented start: take each step with train_step, passing X, y and lr "
            "as they were given"
        )
    if not close(history[0], want_loss, rtol=1e-12, atol=1e-15):
        after = as_array(call(step, want_W.copy(), want_b.copy(), np.array(FIT_X), np.array(FIT_Y), 0.0)[2], "loss")
        if close(history[0], after, rtol=1e-12, atol=1e-15):
            raise Miss(
                "history holds the loss AFTER each step: record the loss train_step reports, "
                "which is the loss before its update (so history[0] is the loss at the start)"
            )
        raise Miss("history[0] is not the loss your train_step reported for the first step")


@case("fit", "each step continues from the last: steps = 3 is steps = 2 and one more call")
def _chained(fn):
    step = _siblings(fn)
    W2, b2, h2, _ = _fit(fn, 2, "fit(..., steps=2)")
    W3, b3, h3, _ = _fit(fn, 3, "fit(..., steps=3)")
    want = call(step, W2.copy(), b2.copy(), np.array(FIT_X), np.array(FIT_Y), FIT_LR)
    want_W, want_b, want_loss = (as_array(v, "what your train_step returned") for v in want)
    if not close(h3[:2], h2, rtol=1e-12, atol=1e-15):
        raise Miss(
            "the first two losses differ between steps=2 and steps=3: the same seed must give "
            "the same run, however long"
        )
    if close(W3, W2, rtol=0, atol=0) or close(h3[1:], h3[:1].repeat(2), rtol=0, atol=0):
        raise Miss(
            "the steps do not build on each other: assign what train_step returns "
            "(W, b, loss = train_step(W, b, X, y, lr)) so that the next step starts there"
        )
    if not (
        close(W3, want_W, rtol=1e-12, atol=1e-15)
        and close(b3, want_b, rtol=1e-12, atol=1e-15)
        and close(h3[2], want_loss, rtol=1e-12, atol=1e-15)
    ):
        raise Miss(
            "fit(steps=3) should be fit(steps=2) followed by one more call of your train_step: "
            "return the W and b of the LAST call, and its loss as history[-1]"
        )


@case("fit", "draws from rng exactly once, for W")
def _one_draw(fn):
    d = np.shape(FIT_X)[1]
    _, want = _expected_init(d, 3)
    _, _, _, rng = _fit(fn, 3, "fit(..., steps=3)")
    if rng.bit_generator.state != want.bit_generator.state:
        raise Miss(
            "the rng you were given ended in another state than after the one draw of W: "
            "draw nothing else from it (b starts at zeros; train_step draws nothing), and draw "
            "W from it, not from np.random or a new generator"
        )


@case("fit", "with your train_step: the first loss is about log(num_classes), then it falls")
def _falls(fn):
    if not siblings_pass(fn, "train_step"):
        return  # train_step's own checks report its mistakes; judged there, not twice
    _, _, history, _ = _fit(fn, 20, "fit(..., steps=20)")
    if not close(history[0], LOG3, rtol=0, atol=0.05):
        raise Miss(
            f"history[0] is {history[0]:.3f}, far from log 3 = {LOG3:.3f}: it must be the loss at "
            "the start, where W is drawn at scale 0.01 and b = 0, so every logit is near 0 and "
            "every class near 1/3"
        )
    if not history[-1] < history[0]:
        raise Miss(
            "the loss did not fall in 20 steps at lr 0.3: each step must start from the "
            "parameters the previous one returned"
        )


@case("fit", "num_classes may exceed the labels present", edge=True)
def _more_classes(fn):
    W, b, _, _ = _fit(fn, 0, "fit(..., num_classes=5, steps=0)", num_classes=5)
    if W.shape != (2, 5) or b.shape != (5,):
        raise Miss(
            f"with num_classes=5, W has shape {W.shape} and b {b.shape}: take the number of "
            "classes from num_classes, not from y (a class absent from this batch still "
            "needs its column)"
        )
    want, _ = _expected_init(2, 5)
    if not close(W, want, rtol=1e-12, atol=0):
        raise Miss(f"with num_classes=5, W is not {INIT}")


@case("fit", "X and y as lists; both left unchanged", edge=True)
def _lists(fn):
    X, y = np.array(FIT_X), np.array(FIT_Y)
    W_list, b_list, h_list, _ = _fit(fn, 2, "fit(X as a list, y as a list)", X=[r[:] for r in FIT_X], y=list(FIT_Y))
    W_arr, b_arr, h_arr, _ = _fit(fn, 2, "fit(..., steps=2)", X=X, y=y)
    if not (same_input(np.array(FIT_X), X) and same_input(np.array(FIT_Y), y)):
        raise Miss("X or y changed during fit: neither fit nor train_step may write into them")
    if not (close(W_list, W_arr, rtol=1e-12, atol=0) and close(h_list, h_arr, rtol=1e-12, atol=0)):
        raise Miss("lists give another result than arrays: turn X and y into arrays with np.asarray first")
