"""Checks for 06_gradients: cross_entropy_grad and numerical_gradient.

No reference implementation lives here. The gradient cases use the worked reship
numbers and an identity any correct answer satisfies: N * grad + one-hot is the
softmax of each row, so its log-ratios equal the logit differences. The
finite-difference cases use functions whose central difference is known in closed
form (for a cubic it is 3x^2 + eps^2 exactly), which also tells the misconceptions
apart: forward differences, a missing factor 2, an ignored eps.
"""

from __future__ import annotations

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, as_array, call, case, close, same_input
from ._explain import explains, target_index_error

RESHIP = [3.0, 1.0, 0.0]  # refund, reship, escalate
RESHIP_GRAD = [0.844, -0.886, 0.042]  # p - y with reship correct, to 3 decimals
BATCH = [[3.0, 1.0, 0.0], [2.0, 1.0, 0.1], [0.5, -1.0, 1.5], [0.0, 0.0, 0.0]]
BATCH_TARGETS = [1, 0, 2, 1]  # N = 4 rows, V = 3 classes: 1/N and 1/V differ

hint_tiers(
    "cross_entropy_grad",
    "For one row, the gradient of the loss with respect to the logits is p - y: the softmax "
    "probabilities minus the one-hot target. The loss of a batch is a MEAN, so each row is divided by N.",
    "A stable softmax along the last axis, as in 03; comparing np.arange(V) with the targets as a column "
    "gives a one-hot for any number of rows; .astype with the probabilities' dtype keeps float32.",
    "For logits (N, V) the probabilities, the one-hot and the gradient are all (N, V), divided by N, the "
    "number of targets (1 for a single int). Build new arrays; never subtract inside the caller's logits.",
)
hint_tiers(
    "numerical_gradient",
    "Move ONE entry at a time, by +eps and by -eps, leaving the others alone; that entry's slope is the "
    "difference of the two values of f divided by the distance between the two points, 2 * eps.",
    "np.ndindex(shape) visits every index of an array of any shape (even the single index () of a 0-d "
    "array); a float64 copy of x can be perturbed while x itself stays untouched.",
    "The result has x's shape: fill an array of zeros entry by entry. Save each entry before changing it "
    "and put the saved value back (adding eps back is not exact); cast the result to x's float dtype.",
)

explains("cross_entropy_grad")(target_index_error)


# ---- cross_entropy_grad ------------------------------------------------------


def _grad(fn, logits, target, what: str) -> np.ndarray:
    g = as_array(call(fn, logits, target), what)
    if g.shape != np.shape(logits):
        raise Miss(
            f"{what} has shape {g.shape} for logits of shape {np.shape(logits)}: "
            "the gradient has one entry per logit, the shape of the logits"
        )
    if np.isnan(g).any():
        raise Miss(
            f"{what} contains nan: compute p with the row max subtracted before exp "
            "(exp(1000) overflows, and inf / inf is nan)"
        )
    return g


def _onehot(targets, classes: int) -> np.ndarray:
    return (np.arange(classes) == np.asarray(targets)[..., None]).astype(float)


def _is_softmax(q: np.ndarray, z: np.ndarray) -> bool:
    """q is softmax(z) row by row: positive, sums to 1, log-ratios = logit differences."""
    if (q <= 0).any() or not close(q.sum(axis=-1), np.ones(q.shape[:-1]), rtol=0, atol=1e-6):
        return False
    return close(np.log(q) - np.log(q[..., :1]), z - z[..., :1], rtol=1e-6, atol=1e-7)


@case("cross_entropy_grad", "the reship ticket: p - y = [0.844, -0.886, 0.042]")
def _reship(fn):
    g = _grad(fn, list(RESHIP), 1, "cross_entropy_grad([3, 1, 0], 1)")
    if close(g, [-v for v in RESHIP_GRAD], rtol=0, atol=5e-4):
        raise Miss(
            "gradient sign flipped (y - p): the gradient of the loss is p - y, so that "
            "a step z - lr * grad raises the target's logit and lowers the others"
        )
    if close(g.sum(), 1.0, rtol=0, atol=1e-6):
        raise Miss(
            "the entries sum to 1: that is p itself; subtract the one-hot target (1 at index `target`) to get p - y"
        )
    if g[0] == g[2] == 0 and close(g[1], -1 / 0.114, rtol=0.01, atol=0):  # p[target] is 0.114
        raise Miss(
            "that is -1/p at the target, the derivative of -ln p with respect to the PROBABILITY; "
            "the gradient with respect to the logits (through the softmax) is p - y"
        )
    if not close(g.sum(), 0.0, rtol=0, atol=1e-6):
        raise Miss(f"the entries sum to {g.sum():.4g}; p and y each sum to 1, so p - y always sums to 0")
    if close(3 * g, RESHIP_GRAD, rtol=0, atol=5e-4):
        raise Miss(
            "a single row was divided by 3, its number of classes (len of a 1-D row): one row is a "
            "batch of N = 1, so its gradient is p - y itself; divide by N only for a 2-D batch"
        )
    if int(np.argmin(g)) != 1:
        raise Miss(
            f"the negative entry is at class {int(np.argmin(g))}, not at the target 1: "
            "subtract 1 at index `target` (not at the predicted class)"
        )
    if not close(g, RESHIP_GRAD, rtol=0, atol=5e-4):
        raise Miss(
            "the shape of p - y is right but the values are off: p must be softmax(logits) = exp(z) / sum(exp(z))"
        )


@case("cross_entropy_grad", "gradient + one-hot is the softmax of the logits")
def _identity(fn):
    z = np.array([0.5, -1.25, 2.0, 0.0])
    g = _grad(fn, z.copy(), 3, "cross_entropy_grad(z, 3)")
    if _is_softmax(_onehot(3, 4) - g, z):
        raise Miss("gradient sign flipped (y - p): the gradient is p - y")
    if not _is_softmax(g + _onehot(3, 4), z):
        raise Miss(
            "grad + one-hot should be softmax(z): positive, summing to 1, with "
            "log(p_i / p_j) = z_i - z_j; check the exp and the normalisation"
        )


@case("cross_entropy_grad", "a batch of N rows: each row is (p - y) / N", basic=True)
def _batch(fn):
    z, n = np.array(BATCH), len(BATCH)
    y = _onehot(BATCH_TARGETS, z.shape[-1])
    g = _grad(fn, [row[:] for row in BATCH], list(BATCH_TARGETS), "cross_entropy_grad(batch of 4 rows)")
    q = g * n + y
    if _is_softmax(q, z):
        return
    if _is_softmax(y - g * n, z):
        raise Miss("gradient sign flipped (y - p): each row is (p - y) / N")
    if _is_softmax(g + y, z):
        raise Miss(
            "forgot the 1/N of the mean: the loss is the MEAN over N rows, so each row's gradient is (p - y) / N"
        )
    rows = np.zeros_like(z)
    rows[np.asarray(BATCH_TARGETS)] = 1.0  # what g[target] -= 1 touches: whole rows
    if _is_softmax(g * n + rows, z):
        raise Miss(
            "subtracted 1 from whole ROWS: g[target] -= 1 picks rows by number; subtract it at "
            "one entry per row, g[np.arange(N), target] -= 1"
        )
    if _is_softmax(g * z.shape[-1] + y, z):
        raise Miss("divided by the number of classes; the mean runs over the N rows, so divide by N = len(target)")
    if (q > 0).all() and close(q.sum(), 1.0, rtol=0, atol=1e-6):
        raise Miss(
            "the probabilities of the whole batch sum to 1 instead of each row's: "
            "normalise each row on its own (sum along axis=-1 with keepdims=True)"
        )
    raise Miss(
        "each row of a batch should be (softmax(row) - one_hot(target)) / N; "
        "check the one-hot rows and the division by N"
    )


@case("cross_entropy_grad", "keeps float32 input float32")
def _dtype(fn):
    z = np.array([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], dtype=np.float32)
    out = call(fn, z, np.array([1, 2]))
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 logits gave {getattr(out, 'dtype', type(out).__name__)}: build the "
            "one-hot in the logits' dtype and avoid float64 constants such as np.eye(V)"
        )


@case("cross_entropy_grad", "leaves logits and targets unchanged")
def _unmodified(fn):
    z, t = np.array(BATCH), np.array(BATCH_TARGETS)
    z_before, t_before = z.copy(), t.copy()
    call(fn, z, t)
    if not same_input(z_before, z):
        raise Miss(
            "the logits changed: write z = z - z.max(...) rather than z -= ..., and do "
            "not subtract 1 from the caller's array in place"
        )
    if not same_input(t_before, t):
        raise Miss("the targets changed: do not write into the array you were given")


@case("cross_entropy_grad", "logits of +-1000 give a finite gradient", edge=True)
def _huge(fn):
    z = [[1000.0, 998.0, 997.0], [-1000.0, 0.0, 1000.0]]
    g = _grad(fn, z, [1, 0], "cross_entropy_grad(logits of +-1000)")
    if not (close(2 * g[0], RESHIP_GRAD, rtol=0, atol=5e-4) and close(2 * g[1], [-1.0, 0.0, 1.0], rtol=0, atol=1e-9)):
        raise Miss(
            "wrong values for logits of +-1000: [1000, 998, 997] is [3, 1, 0] shifted "
            "by 997, so its row must be the reship gradient (halved: N = 2), and "
            "[-1000, 0, 1000] puts all the mass on the last class; once the core checks "
            "pass, this usually means the row max was not subtracted before exp"
        )


@case("cross_entropy_grad", "a -inf logit gets gradient exactly 0", edge=True)
def _neg_inf(fn):
    g = _grad(fn, np.array([0.0, -np.inf, 1.0]), 0, "cross_entropy_grad([0, -inf, 1], 0)")
    if g[1] != 0.0 or not close(g.sum(), 0.0, rtol=0, atol=1e-9):
        raise Miss(
            "a -inf logit has probability exp(-inf) = 0, so its entry of p - y is 0; the entries must still sum to 0"
        )


@case("cross_entropy_grad", "a batch of one row matches the single row", edge=True)
def _one_row_batch(fn):
    g = _grad(fn, np.array([RESHIP]), np.array([1]), "cross_entropy_grad(1 x 3 batch, [1])")
    if not close(g[0], RESHIP_GRAD, rtol=0, atol=5e-4):
        raise Miss(
            "with N = 1 the batch gradient is p - y itself: treat a 2-D input as rows and a 1-D input as one row"
        )


# ---- numerical_gradient ------------------------------------------------------


def _cube_sum(x):
    return float(np.sum(np.asarray(x) ** 3))


def _shaped(f, shape):
    """f, refusing arrays of any other shape, so a flattened x gets a clear message."""

    def g(x):
        if np.shape(x) != shape:
            raise Miss(
                f"f was called with an array of shape {np.shape(x)}; pass f arrays "
                f"of x's own shape {shape} (perturb a copy of x, do not flatten it)"
            )
        return f(x)

    return g


def _numgrad(fn, f, x, what: str, *, own_x: bool = False, **kw) -> np.ndarray:
    """The learner's gradient, given a copy of an array x unless `own_x`: a function that leaves
    x changed is judged by the check of x alone, not by every check that reuses x."""
    given = x.copy() if isinstance(x, np.ndarray) and not own_x else x
    g = as_array(call(fn, f, given, **kw), what)
    if g.shape != np.shape(x):
        raise Miss(
            f"{what} has shape {g.shape} for x of shape {np.shape(x)}: the gradient has one entry per entry of x"
        )
    return g


@case("numerical_gradient", "central differences of f(x) = sum(x**3)")
def _central(fn):
    x, eps = np.array([0.5, -1.0, 2.0]), 1e-3
    g = _numgrad(fn, _shaped(_cube_sum, (3,)), x, "numerical_gradient(sum(x**3), x, eps=1e-3)", eps=eps)
    exact = 3 * x**2
    central = exact + eps**2  # what (f(x+e) - f(x-e)) / 2e gives for a cubic, exactly
    if close(g, central, rtol=0, atol=1e-8):
        return
    if close(g, exact + 3 * x * eps + eps**2, rtol=0, atol=1e-8):
        raise Miss(
            "forward differences, not central: (f(x + eps) - f(x)) / eps has an error "
            "of order eps; use (f(x + eps) - f(x - eps)) / (2 * eps)"
        )
    if close(g, exact - 3 * x * eps + eps**2, rtol=0, atol=1e-8):
        raise Miss("backward differences, not central: use (f(x + eps) - f(x - eps)) / (2 * eps)")
    if close(g, (exact - 3 * x * eps + eps**2) / 2, rtol=0, atol=1e-8):
        raise Miss(
            "half a backward difference: (f(x) - f(x - eps)) / (2 * eps) means f was never evaluated at "
            "x + eps; evaluate f at x[i] + eps and at x[i] - eps"
        )
    if close(g, 2 * central, rtol=0, atol=1e-7):
        raise Miss("twice too large: the two evaluations are 2 * eps apart, so divide by 2 * eps, not eps")
    if close(g, -central, rtol=0, atol=1e-8):
        raise Miss("sign flipped: the difference is f(x + eps) - f(x - eps), in that order")
    if close(g, exact, rtol=0, atol=1e-8):
        raise Miss("the eps argument was ignored (a fixed step was used): step by the eps you are given")
    if close(g, 0 * x, rtol=0, atol=1e-12):
        raise Miss(
            "all zeros: f saw the same values both times; perturb one entry of a copy "
            "of x and pass that perturbed array to f"
        )
    raise Miss(
        "wrong values: for each entry i, evaluate f with x[i] + eps and with x[i] - eps "
        "(all other entries unchanged) and divide the difference by 2 * eps"
    )


@case("numerical_gradient", "uses the eps it is given")
def _uses_eps(fn):
    x, eps = np.array([1.0, -2.0]), 0.1
    g = _numgrad(fn, _cube_sum, x, "numerical_gradient(sum(x**3), x, eps=0.1)", eps=eps)
    if close(g, 3 * x**2, rtol=0, atol=1e-6):
        raise Miss(
            "the eps argument was ignored: with eps=0.1 the central difference of x**3 "
            "is 3x^2 + 0.01, so a fixed step cannot be right"
        )
    if not close(g, 3 * x**2 + eps**2, rtol=0, atol=1e-9):
        raise Miss("wrong values with eps=0.1: the step is eps on each side, divided by 2 * eps")


@case("numerical_gradient", "a 2-D x: one entry at a time, same shape as x")
def _two_d(fn):
    w = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    f = _shaped(lambda v: float(np.sum(w * v**2)), (2, 3))
    g = _numgrad(fn, f, x, "numerical_gradient(f, 2 x 3 array)")
    if close(g, 2 * w * x, rtol=1e-6, atol=1e-7):
        return
    if close(g, np.repeat(g[:, :1], 3, axis=1), rtol=0, atol=1e-9):
        raise Miss(
            "each row is one repeated value: on a 2-D array x[i] is a whole ROW; step "
            "through single entries with `for idx in np.ndindex(x.shape)`"
        )
    raise Miss(
        "wrong values for a 2-D x: perturb exactly one entry per pair of evaluations "
        "and store the result at that entry's index"
    )


@case("numerical_gradient", "x is exactly unchanged afterwards")
def _unchanged(fn):
    # values chosen so that (v + eps) - 2*eps + eps != v in floating point: restoring an
    # entry by arithmetic instead of from a saved copy leaves it slightly off
    x = np.array([0.1, 0.7, 1.3, 2.9, 1e3, -0.3])
    before = x.copy()
    _numgrad(fn, lambda v: float(np.sum(np.sin(v))), x, "numerical_gradient(sum(sin(x)), x)", own_x=True)
    if not same_input(before, x):
        change = float(np.max(np.abs(x - before)))
        raise Miss(
            f"x modified after the call (largest change {change:.1e}): work on a copy, "
            "or restore each entry from its saved value; adding eps back is not exact "
            "in floating point"
        )


@case("numerical_gradient", "a list of integers is treated as float")
def _ints(fn):
    def square_sum(v):
        return float(np.sum(np.asarray(v) ** 2))

    right = [2.0, 4.0, 6.0]
    if not close(
        _numgrad(fn, square_sum, [1.0, 2.0, 3.0], "numerical_gradient(sum(x**2), [1.0, 2.0, 3.0])"),
        right,
        rtol=1e-6,
        atol=1e-6,
    ):
        raise Miss("wrong gradient of sum(x**2) at [1.0, 2.0, 3.0]: it should be 2x")
    out = call(fn, square_sum, [1, 2, 3])
    if not close(
        as_array(out, "numerical_gradient(sum(x**2), [1, 2, 3])"), right, rtol=1e-6, atol=1e-6
    ) or not np.issubdtype(np.asarray(out).dtype, np.floating):
        raise Miss(
            "right for [1.0, 2.0, 3.0] but not for the integers [1, 2, 3]: an integer "
            "array cannot store x[i] + eps (it is truncated), so convert x to float first"
        )


@case("numerical_gradient", "keeps float32 x float32")
def _dtype_grad(fn):
    out = call(fn, lambda v: float(np.sum(np.sin(v))), np.array([0.3, 1.7], dtype=np.float32))
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 x gave {getattr(out, 'dtype', type(out).__name__)}: compute in float64, "
            "then cast the result with .astype(x.dtype)"
        )


@case("numerical_gradient", "accurate for float32 x (steps taken in float64)", edge=True)
def _float32_accuracy(fn):
    x = np.array([0.3, 1.7, -2.2], dtype=np.float32)
    g = _numgrad(fn, lambda v: float(np.sum(np.sin(v))), x, "numerical_gradient(sum(sin(x)), float32 x)")
    if not close(g, np.cos(x.astype(np.float64)), rtol=1e-4, atol=1e-6):
        raise Miss(
            "inaccurate for float32 x; once the core checks pass, the cause is stepping "
            "in float32, which cannot represent x + 1e-5 precisely (its spacing near 1 is "
            "about 1e-7): perturb a float64 copy and cast only the result"
        )


@case("numerical_gradient", "a 0-d x (one number) and a 3-D x", edge=True)
def _shapes(fn):
    g0 = _numgrad(fn, lambda v: float(np.exp(v)), np.array(0.7), "numerical_gradient(exp, np.array(0.7))")
    if not close(g0, np.exp(0.7), rtol=1e-7, atol=0):
        raise Miss(
            "wrong derivative of exp at a 0-d x = np.array(0.7); once the core checks "
            "pass, make sure the loop visits the single index () of a 0-d array "
            "(np.ndindex(()) does)"
        )
    w = np.linspace(-1.0, 1.0, 12).reshape(2, 2, 3)
    x = np.linspace(0.2, 2.4, 12).reshape(2, 2, 3)
    # f returns a 0-d array here, as numpy reductions of arrays often do
    f = _shaped(lambda v: np.array(np.sum(w * np.cos(v))), (2, 2, 3))
    g3 = _numgrad(fn, f, x, "numerical_gradient(f, 2 x 2 x 3 array)")
    if not close(g3, -w * np.sin(x), rtol=1e-6, atol=1e-8):
        raise Miss("wrong values for a 3-D x: iterate over every index of x.shape, not only the first axis")
