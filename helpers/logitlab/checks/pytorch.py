"""Checks for 10_pytorch (torch_cross_entropy, autograd_logit_gradient), and the switch
that notebook's cells use when PyTorch is not installed.

PyTorch is optional for learners, so nothing here imports it when logitlab is
imported. `torch_problem()` tries the import each time it is asked (never cached: a
learner may install PyTorch mid-session, and a test may hide it). Where PyTorch is not
installed, `have_torch` prints a note and returns False, so the graded cells of 10 skip
their checks and keep their points, and `check_with_torch` prints the note instead of
a report. An installed PyTorch that fails to import raises TorchBroken instead: that
is a fault to fix, never a reason to give the points.

No reference implementation lives here. Expected losses are table lookups in 07's rows
whose log-sum-exp is written out (loss = logsumexp(row) - row[target]; label smoothing
mixes in logsumexp(row) - mean(row)); expected gradients use 06's identity (N * grad +
one-hot is the softmax of each row). The learner's functions take and return numpy
data, since the grader calls them from another process: a tensor coming back is a
miss of its own, and PyTorch's error messages are translated into the misconception
behind them (`_torch_error`).
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import register as hint_tiers
from ._core import Miss, as_array, call, case, close, same_input
from ._explain import explains, learner_names
from .gradients import BATCH, BATCH_TARGETS, RESHIP, RESHIP_GRAD, _is_softmax, _onehot
from .sequence import BATCH_KEYS, IGNORE, ROWS, TWO_LOSSES, _known_losses, _logits, _scalar

TICKET = [RESHIP]  # one row (N = 1): refund, reship, escalate
TICKET_LOSS = TWO_LOSSES[0]  # 2.170 with reship correct
SOFTMAX_INPUT_LOSS = 1.387  # the loss when softmax(logits) is passed in as logits
SMOOTHING = "label_smoothing"  # the cause key of its misses: one mistake, folded together
SMOOTH_LOSS = 2.1365  # [3, 1, 0], reship, label_smoothing=0.1
PROBS_GRAD_AT_LOGITS = [0.132, -0.127, -0.005]  # gradient reaching the logits through softmax
PROBS_GRAD_AT_PROBS = [0.518, -0.750, 0.232]  # gradient w.r.t. the probabilities themselves
PADDED_KEYS, PADDED_TARGETS = ["A", "B", "U"], [1, 2, IGNORE]  # 07's two positions + padding
# Logits near 1000 whose differences (1.7, 2.3) are not float32-exact: converting them to
# float32 (torch's default dtype) moves the loss by about 1e-5.
PRECISE = [1000.0, 998.3, 997.7]
PRECISE_LSE_OFFSET = math.log(1.0 + math.exp(-1.7) + math.exp(-2.3))  # logsumexp - 1000

NO_TORCH_NOTE = (
    "PyTorch is not installed in this environment. Read on: every number is in "
    "the text. The torch cells print this note instead of running, and the two "
    "exercises cannot be checked here; where they are graded without PyTorch they "
    "are skipped and keep their points. To run everything, install PyTorch "
    "(`pip install torch`; the CPU build is enough) and restart the kernel."
)

SUM_GRADIENT = (
    "N times too large: this is the gradient of the SUM of the losses; keep "
    "F.cross_entropy's default reduction='mean', whose gradient carries 1/N"
)

# PyTorch error text -> the misconception behind it
TORCH_ERRORS = (
    (
        "expected target dtype to be Long",
        "PyTorch wants class indices as int64 (torch.long): convert the targets with "
        "torch.as_tensor(np.asarray(targets), dtype=torch.long); torch.from_numpy keeps int32",
    ),
    (
        "not implemented for 'Long'",
        "integer logits make an integer tensor, and log_softmax needs floats: convert integer logits to float64 first",
    ),
    (
        "only Tensors of floating point dtype can require gradients",
        "integer logits make an integer tensor, and autograd needs floats: convert integer logits to float64 first",
    ),
    (
        "Expected target size",
        "F.cross_entropy reads dim 1 as the classes: flatten (B, T, V) logits to (B*T, V) and the "
        "targets to (B*T,) first",
    ),
    (
        "does not require grad",
        "autograd only tracks a tensor marked with .requires_grad_(): mark the logits tensor before computing the loss",
    ),
    (
        "Can't call numpy() on Tensor that requires grad",
        "a tensor that autograd tracks must be detached first: .detach().numpy()",
    ),
    (
        "only one element tensors can be converted",
        "with reduction='none' there is one loss per position: return out.numpy(); .item() is for 'mean' and 'sum'",
    ),
    (
        "'NoneType' object has no attribute 'numpy'",
        ".grad is None: autograd fills .grad only on the leaf tensor marked with requires_grad; "
        "convert the dtype first, then call .requires_grad_(), and read that tensor's .grad",
    ),
    ("No module named 'torch'", "PyTorch is not installed here; install it to run this exercise"),
)


# ---- with or without PyTorch ---------------------------------------------------


class TorchBroken(RuntimeError):
    """PyTorch is installed but cannot be imported."""


def torch_problem() -> str | None:
    """Why PyTorch is missing here, or None when it imports.

    Only an absent PyTorch counts as missing. One that is installed but fails to import
    raises TorchBroken: a broken installation must be fixed, never mistaken for "not
    installed", which would skip the graded tests and give their points.
    """
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name == "torch":  # not installed (or hidden: None in sys.modules)
            return f"{type(exc).__name__}: {exc}"
        broken = exc
    except Exception as exc:
        broken = exc
    else:
        return None
    raise TorchBroken(
        f"PyTorch is installed but cannot be imported ({type(broken).__name__}: "
        f"{broken}); reinstall it (`pip install torch`), or uninstall it to skip "
        "the PyTorch exercises"
    ) from broken


def have_torch(note: str = "This cell is skipped.") -> bool:
    """True when PyTorch imports; otherwise print why it does not, then `note`, and return False."""
    problem = torch_problem()
    if problem is None:
        return True
    print(f"PyTorch cannot be imported here ({problem}). {note}")
    return False


def check_with_torch(exercise: str, fn):
    """`check(exercise, fn)` where PyTorch imports; elsewhere a printed note and None."""
    from ._core import check

    if not have_torch("This exercise cannot be checked here (it is graded only where PyTorch is installed)."):
        return None
    return check(exercise, fn)


# ---- shared helpers --------------------------------------------------------------


@explains("autograd_logit_gradient")
def _backward_never_called(exc: BaseException) -> str | None:
    """.grad is None, and the learner's code never mentions backward (read from its code object)."""
    names = learner_names(exc)
    if "'NoneType' object has no attribute" in str(exc) and names is not None and "backward" not in names:
        return (
            ".grad is None because loss.backward() is never called: autograd fills the leaf's .grad "
            "only when backward() runs on the loss; compute the loss, call loss.backward(), then read .grad"
        )
    return None


@explains("torch_cross_entropy", "autograd_logit_gradient")
def _torch_error(exc: BaseException) -> str | None:
    """The misconception behind a PyTorch error raised in the learner's function."""
    text = str(exc)
    return next((why for needle, why in TORCH_ERRORS if needle in text), None)


def _is_tensor(value) -> bool:
    """A torch tensor, or, in the grader's judge, the stand-in for one that could not travel."""
    return type(value).__module__.split(".")[0] == "torch" or repr(value).startswith("<torch.")


class TorchNotImplemented(RuntimeError):
    """PyTorch's NotImplementedError (an operation missing for a dtype), told apart from a stub's."""


def _call(fn, *args, **kwargs):
    """The learner's function; a torch tensor coming back is a miss."""

    def learner(*a, **kw):
        try:
            return fn(*a, **kw)
        except NotImplementedError as exc:
            if not str(exc):  # `raise NotImplementedError()`: the exercise is still a stub
                raise
            raise TorchNotImplemented(str(exc)) from None

    learner.__name__ = getattr(fn, "__name__", "your function")
    out = call(learner, *args, **kwargs)
    if _is_tensor(out):
        raise Miss(
            f"{getattr(fn, '__name__', 'your function')} returned a torch tensor: "
            "return numpy data (loss.item() for one number, t.detach().numpy() for an "
            "array); the grader passes only numbers and arrays between processes"
        )
    return out


def _smoothed(keys, targets, eps: float, ignore_index: int = IGNORE) -> np.ndarray:
    """Per-position label-smoothed loss from the table, 0 where ignored."""
    keys, targets = np.array(keys), np.array(targets)
    out = (1 - eps) * _known_losses(keys, targets, ignore_index)
    for idx in np.ndindex(targets.shape):
        if int(targets[idx]) != ignore_index:
            row, lse = ROWS[str(keys[idx])]
            out[idx] += eps * (lse - float(np.mean(row)))
    return out


def _precise_loss(target: int) -> float:
    return 1000.0 + PRECISE_LSE_OFFSET - PRECISE[target]


def _loss(fn, logits, targets, what: str, **kw) -> float:
    return _scalar(_call(fn, logits, targets, **kw), what)


# ---- torch_cross_entropy ------------------------------------------------------------


@case("torch_cross_entropy", "raw logits [3, 1, 0], target reship: loss 2.170")
def _ticket(fn):
    loss = _loss(fn, [row[:] for row in TICKET], [1], "torch_cross_entropy([[3, 1, 0]], [1])")
    if close(loss, SOFTMAX_INPUT_LOSS, rtol=0, atol=5e-4):
        raise Miss(
            "1.387 is the loss of softmax(logits) fed in as logits: F.cross_entropy applies "
            "log_softmax itself, so give it the raw logits, never probabilities"
        )
    if close(loss, -TICKET[0][1], rtol=0, atol=5e-4) or close(loss, -math.exp(-TICKET_LOSS), rtol=0, atol=5e-4):
        raise Miss(
            f"{loss:.3f} is -input[target]: F.nll_loss only picks the target's entry and negates it, so "
            "it expects log-probabilities; apply F.log_softmax to the logits first, or call "
            "F.cross_entropy, which does both"
        )
    if close(loss, -TICKET_LOSS, rtol=0, atol=5e-4):
        raise Miss("negative loss: the loss is -log p(target), positive")
    if close(loss, math.exp(-TICKET_LOSS), rtol=0, atol=5e-4):
        raise Miss("this is p(reship) = 0.114; the loss is its negative log")
    if not close(loss, TICKET_LOSS, rtol=0, atol=5e-4):
        raise Miss("wrong loss for the reship ticket: call F.cross_entropy(logits, targets) on the logits as they are")


@case("torch_cross_entropy", "padding (-100) is ignored, and ignore_index is passed on")
def _ignore(fn):
    expected = _known_losses(PADDED_KEYS, PADDED_TARGETS)
    mean = _loss(fn, _logits(PADDED_KEYS), np.array(PADDED_TARGETS), "the mean with one target -100")
    if close(mean, expected.sum() / 3, rtol=1e-6, atol=1e-9):
        raise Miss(
            "averaged over all positions including the ignored one: F.cross_entropy skips "
            "targets equal to ignore_index by itself, so pass the targets as they are"
        )
    if not close(mean, expected[:2].mean(), rtol=1e-6, atol=1e-9):
        raise Miss("the mean should run over the two supervised positions only")
    custom = [1, 2, 0]  # 0 plays the padding id here
    mean0 = _loss(fn, _logits(PADDED_KEYS), np.array(custom), "ignore_index=0", ignore_index=0)
    if close(mean0, _known_losses(PADDED_KEYS, custom).mean(), rtol=1e-6, atol=1e-9):
        raise Miss(
            "forgot ignore_index: with ignore_index=0 the target 0 still counted; "
            "F.cross_entropy's default is -100, so pass ignore_index=ignore_index on"
        )
    if not close(mean0, expected[:2].mean(), rtol=1e-6, atol=1e-9):
        raise Miss("wrong mean with ignore_index=0: the positions whose target is 0 must be left out")


@case("torch_cross_entropy", "reduction: 'sum' adds, 'none' gives one loss per position")
def _reductions(fn):
    expected = _known_losses(PADDED_KEYS, PADDED_TARGETS)
    total = _loss(fn, _logits(PADDED_KEYS), np.array(PADDED_TARGETS), "reduction='sum'", reduction="sum")
    if close(total, expected[:2].mean(), rtol=1e-6, atol=1e-9):
        raise Miss(
            "reduction='sum' returned the mean: pass reduction=reduction on to F.cross_entropy "
            "(mean and sum differ by the number of supervised positions)"
        )
    if not close(total, expected.sum(), rtol=1e-6, atol=1e-9):
        raise Miss("reduction='sum' should add the losses of the supervised positions")
    out = _call(fn, _logits(PADDED_KEYS), np.array(PADDED_TARGETS), reduction="none")
    losses = as_array(out, "reduction='none'")
    if losses.shape != (3,):
        raise Miss(
            f"reduction='none' gave shape {losses.shape}: one loss per position, the shape of the targets (here (3,))"
        )
    if not close(losses, expected, rtol=1e-6, atol=1e-9):
        raise Miss("wrong per-position losses: reduction='none' gives each position's loss, 0 at ignored positions")


@case("torch_cross_entropy", "(B, T, V) logits: the classes are on the LAST axis")
def _sequence(fn):
    targets = np.array([[1, 2, 0], [0, IGNORE, 2]])  # B = 2, T = 3, V = 3: T == V on purpose
    expected = _known_losses(BATCH_KEYS, targets)
    out = _call(fn, _logits(BATCH_KEYS), targets, reduction="none")
    losses = as_array(out, "reduction='none' on (2, 3, 3) logits")
    if losses.shape == (6,):
        raise Miss("reduction='none' came back flat, shape (6,): reshape the losses to the targets' shape (B, T)")
    if losses.shape != (2, 3):
        raise Miss(f"reduction='none' gave shape {losses.shape} for (2, 3) targets")
    if not close(losses, expected, rtol=1e-6, atol=1e-9):
        raise Miss(
            "wrong losses for a (B, T, V) batch: F.cross_entropy reads dim 1 as the "
            "classes (here T, silently, since T == V); flatten the logits to (B*T, V) and "
            "the targets to (B*T,)"
        )
    mean = _loss(fn, _logits(BATCH_KEYS), targets, "the mean of a (B, T, V) batch")
    if not close(mean, expected[targets != IGNORE].mean(), rtol=1e-6, atol=1e-9):
        raise Miss("the mean of a (B, T, V) batch should pool every supervised position")


@case("torch_cross_entropy", "int32 targets work (torch needs int64 class indices)")
def _int32(fn):
    expected = _known_losses(PADDED_KEYS, PADDED_TARGETS)
    mean = _loss(fn, _logits(PADDED_KEYS), np.array(PADDED_TARGETS, dtype=np.int32), "int32 targets")
    if not close(mean, expected[:2].mean(), rtol=1e-6, atol=1e-9):
        raise Miss("wrong mean for int32 targets: they are the same class indices as int64 ones")


@case("torch_cross_entropy", "label_smoothing is passed on")
def _smoothing(fn):
    loss = _loss(fn, [row[:] for row in TICKET], [1], "label_smoothing=0.1", label_smoothing=0.1)
    if close(loss, TICKET_LOSS, rtol=0, atol=5e-4):
        raise Miss("label_smoothing=0.1 changed nothing: pass label_smoothing on to F.cross_entropy", SMOOTHING)
    if not close(loss, SMOOTH_LOSS, rtol=0, atol=5e-4):
        raise Miss(
            "wrong loss with label_smoothing=0.1: F.cross_entropy(..., label_smoothing=...) "
            "mixes 0.9 of the usual loss with 0.1 of the loss against a uniform target",
            SMOOTHING,
        )
    mean = _loss(
        fn, _logits(PADDED_KEYS), np.array(PADDED_TARGETS), "label smoothing with padding", label_smoothing=0.2
    )
    if not close(mean, _smoothed(PADDED_KEYS, PADDED_TARGETS, 0.2)[:2].mean(), rtol=1e-6, atol=1e-9):
        raise Miss(
            "wrong mean with label smoothing and a padded position: the ignored position "
            "stays out of both the sum and the count"
        )


@case("torch_cross_entropy", "float64 keeps its precision, float32 stays float32")
def _dtypes(fn):
    loss = _loss(fn, [PRECISE], [1], "torch_cross_entropy([[1000, 998.3, 997.7]], [1])")
    if not close(loss, _precise_loss(1), rtol=1e-9, atol=0):
        raise Miss(
            "the loss lost precision: float64 data became float32, PyTorch's default "
            "(torch.tensor(list) and .float() give float32); torch.as_tensor(np.asarray(logits)) "
            "keeps float64"
        )
    z32 = _logits(PADDED_KEYS).astype(np.float32)
    out = _call(fn, z32, np.array(PADDED_TARGETS), reduction="none")
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 logits gave {getattr(out, 'dtype', type(out).__name__)} losses with "
            "reduction='none': keep the logits' dtype"
        )


@case("torch_cross_entropy", "leaves logits and targets unchanged")
def _unchanged(fn):
    logits, targets = _logits(PADDED_KEYS), np.array(PADDED_TARGETS)
    before = (logits.copy(), targets.copy())
    _call(fn, logits, targets)
    if not same_input(before[1], targets):
        raise Miss(
            "the targets changed: torch.from_numpy shares memory with the numpy array, so "
            "an in-place write to the tensor edits the caller's targets"
        )
    if not same_input(before[0], logits):
        raise Miss(
            "the logits changed: torch.from_numpy shares memory with the numpy array; "
            "avoid in-place tensor operations (sub_, masked_fill_, -=)"
        )


@case("torch_cross_entropy", "one row (V,) with an int target", edge=True)
def _one_row(fn):
    loss = _loss(fn, list(RESHIP), 1, "torch_cross_entropy([3, 1, 0], 1)")
    if not close(loss, TICKET_LOSS, rtol=0, atol=5e-4):
        raise Miss("a 1-D logits vector is one row and an int target its class: the loss is the reship ticket's 2.170")
    out = as_array(_call(fn, np.array(RESHIP), 1, reduction="none"), "reduction='none' for one row")
    if out.shape != ():
        raise Miss(f"reduction='none' for one row gave shape {out.shape}: the shape of the target, ()")
    # every option applies to one row as it does to a batch
    smoothed = _loss(fn, list(RESHIP), 1, "torch_cross_entropy([3, 1, 0], 1, label_smoothing=0.1)", label_smoothing=0.1)
    ignored = _loss(fn, list(RESHIP), IGNORE, "torch_cross_entropy([3, 1, 0], -100, reduction='sum')", reduction="sum")
    batch = _loss(fn, [row[:] for row in TICKET], [1], "label_smoothing=0.1", label_smoothing=0.1)
    if not close(batch, SMOOTH_LOSS, rtol=0, atol=5e-4):
        raise Miss("label_smoothing is wrong for one row as for a batch: see the label_smoothing check", SMOOTHING)
    if not (close(smoothed, SMOOTH_LOSS, rtol=0, atol=5e-4) and close(ignored, 0.0, rtol=0, atol=1e-12)):
        raise Miss(
            "one row (V,) ignored an option: label_smoothing and ignore_index apply to a single row "
            "as to a batch (an ignored target with reduction='sum' gives 0); reshape the row to "
            "(1, V) and its target to (1,) and take the path of a batch"
        )


@case("torch_cross_entropy", "logits of +-1000 give finite losses", edge=True)
def _huge(fn):
    logits = np.array([[1000.0, 998.0, 997.0], [-1000.0, 0.0, 1000.0]])
    out = _call(fn, logits, np.array([1, 0]), reduction="none")
    losses = as_array(out, "losses for logits of +-1000")
    if not np.isfinite(losses).all():
        raise Miss(
            "inf or nan for logits of +-1000: torch.log(torch.softmax(z)) underflows to "
            "log(0); use F.log_softmax or F.cross_entropy, which work from the logits"
        )
    if not close(losses, [TICKET_LOSS, 2000.0], rtol=1e-6, atol=5e-4):
        raise Miss(
            "[1000, 998, 997] is [3, 1, 0] shifted (loss 2.170); for [-1000, 0, 1000] the first class has loss 2000"
        )


@case("torch_cross_entropy", "every target ignored: the mean is nan, the sum 0", edge=True)
def _all_ignored(fn):
    targets = np.full(3, IGNORE)
    mean = _loss(fn, _logits(PADDED_KEYS), targets.copy(), "the mean with every target ignored")
    if not math.isnan(mean):
        raise Miss(
            f"with no supervised position the mean is 0 / 0 = nan in PyTorch, got {mean:.4g}: "
            "return what F.cross_entropy gives"
        )
    total = _loss(fn, _logits(PADDED_KEYS), targets.copy(), "the sum with every target ignored", reduction="sum")
    if total != 0.0:
        raise Miss("with every target ignored, reduction='sum' is 0")


@case("torch_cross_entropy", "integer logits and a -inf logit", edge=True)
def _odd_logits(fn):
    loss = _loss(fn, [[3, 1, 0]], [1], "torch_cross_entropy([[3, 1, 0]] as ints, [1])")
    if not close(loss, TICKET_LOSS, rtol=0, atol=5e-4):
        raise Miss("integer logits are the same scores: convert them to float64 first")
    loss = _loss(fn, np.array([[0.0, -np.inf, 1.0]]), np.array([0]), "a -inf logit off target")
    if not close(loss, math.log(1 + math.e), rtol=1e-6, atol=1e-9):
        raise Miss(
            "a -inf logit off target has probability 0 and adds nothing: the loss of "
            "[0, -inf, 1] for class 0 is log(1 + e)"
        )


# ---- autograd_logit_gradient ---------------------------------------------------------


def _grad(fn, logits, target, what: str) -> np.ndarray:
    out = _call(fn, logits, target)
    if out is None:
        raise Miss(
            f"{what} is None: .grad is filled only on the leaf tensor marked with "
            "requires_grad; convert the dtype first, then call .requires_grad_(), and read "
            "that tensor's .grad"
        )
    g = as_array(out, what)
    if g.shape != np.shape(logits):
        raise Miss(f"{what} has shape {g.shape} for logits of shape {np.shape(logits)}: one entry per logit")
    return g


@case("autograd_logit_gradient", "the reship ticket: [0.844, -0.886, 0.042]")
def _grad_ticket(fn):
    g = _grad(fn, [row[:] for row in TICKET], [1], "autograd_logit_gradient([[3, 1, 0]], [1])")
    if close(g[0], PROBS_GRAD_AT_LOGITS, rtol=0, atol=5e-4):
        raise Miss(
            "-0.127 for reship is the probabilities-as-logits bug: softmax(logits) went into "
            "F.cross_entropy, which applies log_softmax again; pass the raw logits"
        )
    if close(g[0], PROBS_GRAD_AT_PROBS, rtol=0, atol=5e-4):
        raise Miss(
            "this is the gradient with respect to softmax(logits) fed in as logits: pass the "
            "raw logits to F.cross_entropy and read the .grad of that tensor"
        )
    if close(g[0], [-v for v in RESHIP_GRAD], rtol=0, atol=5e-4):
        raise Miss("gradient sign flipped: backward() of the loss gives p - y")
    if not close(g[0], RESHIP_GRAD, rtol=0, atol=5e-4):
        raise Miss(
            "the gradient of the reship ticket's loss is p - y: mark the logits tensor with "
            "requires_grad, call backward() on F.cross_entropy, return its .grad"
        )


@case("autograd_logit_gradient", "a batch of N rows: the gradient of the MEAN, (p - y) / N")
def _grad_batch(fn):
    z, n = np.array(BATCH), len(BATCH)
    y = _onehot(BATCH_TARGETS, z.shape[-1])
    g = _grad(fn, z.copy(), np.array(BATCH_TARGETS), "autograd_logit_gradient(batch of 4 rows)")
    if _is_softmax(g * n + y, z):
        return
    if _is_softmax(g + y, z):
        raise Miss(SUM_GRADIENT, cause=SUM_GRADIENT)
    raise Miss(
        "each row of a batch should get (softmax(row) - one_hot(target)) / N: the "
        "gradient of the mean F.cross_entropy of the raw logits"
    )


@case("autograd_logit_gradient", "float64 keeps its precision, float32 stays float32")
def _grad_dtypes(fn):
    g = _grad(fn, [PRECISE], [1], "autograd_logit_gradient([[1000, 998.3, 997.7]], [1])")
    p = np.exp(np.array(PRECISE) - 1000.0 - PRECISE_LSE_OFFSET)
    if not close(g[0], p - _onehot(1, 3), rtol=0, atol=1e-12):
        raise Miss(
            "the gradient lost precision: float64 data became float32, PyTorch's default "
            "(torch.tensor(list) and .float() give float32); torch.as_tensor(np.asarray(logits)) "
            "keeps float64"
        )
    out = _call(fn, np.array(TICKET, dtype=np.float32), np.array([1]))
    if getattr(out, "dtype", None) != np.float32:
        raise Miss(
            f"float32 logits gave a {getattr(out, 'dtype', type(out).__name__)} gradient: keep the logits' dtype"
        )


@case("autograd_logit_gradient", "leaves logits and targets unchanged")
def _grad_unchanged(fn):
    z, t = np.array([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]]), np.array([1, 2])
    before = (z.copy(), t.copy())
    _call(fn, z, t)
    if not (same_input(before[0], z) and same_input(before[1], t)):
        raise Miss(
            "the logits or targets changed: torch.from_numpy shares memory with the numpy "
            "array, so in-place tensor operations (sub_, -=) edit the caller's data"
        )


@case("autograd_logit_gradient", "one row (V,) with an int target: p - y", edge=True)
def _grad_one_row(fn):
    g = _grad(fn, np.array(RESHIP), 1, "autograd_logit_gradient([3, 1, 0], 1)")
    if not close(g, RESHIP_GRAD, rtol=0, atol=5e-4):
        raise Miss(
            "a 1-D logits vector is one row (F.cross_entropy accepts it with a 0-d target): its gradient is p - y"
        )


@case("autograd_logit_gradient", "logits of +-1000 and -inf give finite gradients", edge=True)
def _grad_extremes(fn):
    g = _grad(
        fn,
        np.array([[1000.0, 998.0, 997.0], [-1000.0, 0.0, 1000.0]]),
        np.array([1, 0]),
        "autograd_logit_gradient(logits of +-1000)",
    )
    if not np.isfinite(g).all():
        raise Miss(
            "inf or nan for logits of +-1000: torch.log(torch.softmax(z)) underflows to "
            "log(0); compute the loss with F.cross_entropy on the raw logits"
        )
    if close(g[0], RESHIP_GRAD, rtol=0, atol=5e-4) and close(g[1], [-1.0, 0.0, 1.0], 0, 1e-9):
        raise Miss(SUM_GRADIENT, cause=SUM_GRADIENT)
    if not (close(2 * g[0], RESHIP_GRAD, rtol=0, atol=5e-4) and close(2 * g[1], [-1.0, 0.0, 1.0], 0, 1e-9)):
        raise Miss(
            "wrong gradient for logits of +-1000: [1000, 998, 997] is [3, 1, 0] shifted, so "
            "its row is the reship gradient divided by N = 2; once the core checks pass, "
            "look at what F.cross_entropy is given"
        )
    g = _grad(fn, np.array([0.0, -np.inf, 1.0]), 0, "autograd_logit_gradient([0, -inf, 1], 0)")
    if np.isnan(g).any() or g[1] != 0.0:
        raise Miss("a -inf logit has probability 0, so its gradient is exactly 0 (and never nan)")


@case("autograd_logit_gradient", "integer logits give a float gradient", edge=True)
def _grad_int(fn):
    g = _grad(fn, [[3, 1, 0]], [1], "autograd_logit_gradient([[3, 1, 0]] as ints, [1])")
    if not close(g[0], RESHIP_GRAD, rtol=0, atol=5e-4):
        raise Miss("integer logits: autograd needs a floating tensor; convert to float64 first")


# ---- hints -------------------------------------------------------------------------

hint_tiers(
    "torch_cross_entropy",
    "PyTorch does all the work: your job is to get numpy data into the form F.cross_entropy "
    "expects, pass every argument on, and bring the answer back as numpy.",
    "torch.as_tensor(np.asarray(x)) keeps float64 (torch.tensor of a list does not); targets need "
    "dtype=torch.long; a floating check is tensor.is_floating_point(); .item() and .numpy() bring "
    "results back.",
    "Flatten the logits to (-1, V) and the targets to (-1,), call F.cross_entropy with "
    "ignore_index, reduction and label_smoothing, then reshape a 'none' result to the targets' "
    "shape; a 'mean' or 'sum' result becomes a Python float.",
)
hint_tiers(
    "autograd_logit_gradient",
    "Autograd fills .grad on a leaf tensor that was marked before the loss was computed from it.",
    "tensor.requires_grad_() marks it; loss.backward() fills tensor.grad; tensor.grad.numpy() brings it back.",
    "Make a floating tensor of the logits (float64 unless they are float32), mark it, compute "
    "the mean F.cross_entropy against int64 targets, call backward, return the mark's .grad as numpy.",
)
