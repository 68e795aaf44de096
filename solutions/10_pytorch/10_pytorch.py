# %% [markdown]
# # 10 · The same ideas in PyTorch
#
# Everything so far was numpy, written by you. Real models are trained with a library,
# and the most common one is PyTorch. Its loss functions compute exactly what you have
# built: log-sum-exp, cross-entropy from logits, ignored padding, the mean over the
# supervised tokens, and the gradient $p - y$. What is new is the packaging: tensors,
# argument names, a default dtype, and a few conventions that turn into silent bugs when
# they are missed. This notebook maps your functions onto PyTorch's and takes those
# bugs apart, one number at a time.
#
# **By the end of this notebook you can**
# - call `F.cross_entropy` and `nn.CrossEntropyLoss` correctly: raw logits in, int64
#   class indices as targets, classes on dimension 1;
# - explain, with its numbers, why passing probabilities instead of logits does not
#   crash but trains badly (loss 1.387 instead of 2.17, a push of -0.127 instead of
#   -0.886 on the right answer);
# - use `ignore_index`, `reduction` and `label_smoothing`, and say what `log_softmax`
#   followed by `nll_loss` computes;
# - get the gradient of a loss from autograd and match it with the `p - y` of 06;
# - wrap both in functions that take and return numpy data.
#
# PyTorch is **optional** in this course. Without it you can still read everything (the
# numbers are in the text), and the graded exercises are skipped with their points kept;
# the setup cell below says which case you are in.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab.checks import assert_check
from logitlab.checks.pytorch import NO_TORCH_NOTE, check_with_torch, have_torch
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.pytorch import probability_bug_explorer

np.set_printoptions(precision=3, suppress=True)
TORCH = have_torch(NO_TORCH_NOTE)  # imports PyTorch once, here, when it is installed

# %% [markdown]
# ## 1. Your functions, PyTorch's names
#
# | in this course (numpy) | in PyTorch | what to watch |
# |---|---|---|
# | `softmax(z, axis=-1)` | `torch.softmax(z, dim=-1)` | `dim`, not `axis` |
# | `logsumexp(z)` | `torch.logsumexp(z, dim=-1)` | stable, like yours |
# | `log_softmax(z)` | `F.log_softmax(z, dim=-1)` | never `torch.log(torch.softmax(z))` |
# | `cross_entropy_from_logits(z, t)` | `F.cross_entropy(z, t)`, `nn.CrossEntropyLoss()` | **raw logits**; targets int64 |
# | `sequence_cross_entropy(z, t)` | `F.cross_entropy(z.reshape(-1, V), t.reshape(-1))` | classes on dim 1; `ignore_index=-100` |
# | `cross_entropy_grad(z, t)` | `loss.backward()`, then `z.grad` | `z` must have `requires_grad` |
# | `perplexity(loss)` | `torch.exp(loss)` | |
#
# (`F` is the usual short name for `torch.nn.functional`, and `nn` for `torch.nn`.)
#
# Three differences from numpy matter all the time. A **tensor** is PyTorch's array;
# `torch.from_numpy(a)` and `t.numpy()` convert between the two (sharing memory, so an
# in-place change to one shows in the other). PyTorch's **default float is float32**:
# `torch.tensor([3.0, 1.0])` is float32, while numpy would make float64. And **class
# targets are int64** (`torch.long`), one index per row.

# %%
if have_torch():
    import torch
    import torch.nn.functional as F
    from torch import nn

    print("PyTorch", torch.__version__)
    print("torch.tensor([3.0, 1.0]).dtype        :", torch.tensor([3.0, 1.0]).dtype)      # float32
    print("torch.from_numpy(float64 array).dtype :", torch.from_numpy(np.array([3.0, 1.0])).dtype)

# %% [markdown]
# ## 2. The reship ticket, in PyTorch
#
# Our ticket router again: logits **refund 3.0, reship 1.0, escalate 0.0**, and the right
# answer is *reship*. In 05 its loss came out at 2.17. In PyTorch the logits are a batch
# of one row, shape `(N, V) = (1, 3)`, and the target a tensor of `N` class indices:

# %%
if have_torch():
    logits = torch.tensor([[3.0, 1.0, 0.0]], dtype=torch.float64)  # (N, V) = (1, 3): one ticket
    target = torch.tensor([1])                                     # reship, an int64 class index
    criterion = nn.CrossEntropyLoss()                              # the same loss, as a module

    print("target dtype         :", target.dtype)                                   # torch.int64
    print("F.cross_entropy      :", round(F.cross_entropy(logits, target).item(), 3))  # 2.17
    print("nn.CrossEntropyLoss():", round(criterion(logits, target).item(), 3))        # 2.17
    print("logsumexp - z[target]:", round((torch.logsumexp(logits[0], 0) - logits[0, 1]).item(), 3))

# %% [markdown]
# `nn.CrossEntropyLoss` is a thin wrapper: it stores the options (`ignore_index`,
# `reduction`, `label_smoothing`) when you create it, and calls the same
# `F.cross_entropy` when you call it. Training code usually names it `criterion` or
# `loss_fn`. Both give a 0-dimensional tensor; `.item()` turns it into a Python float.
#
# The formula is yours from 05: $L = \log\sum_j e^{z_j} - z_t$. PyTorch takes **logits**
# because it can then compute that with the max trick of 03 and never form a tiny
# probability first.

# %% [markdown]
# ## 3. The classic bug: probabilities where logits belong
#
# A model whose last layer is a softmax (`nn.Softmax`) outputs probabilities. Train it
# with `nn.CrossEntropyLoss` and nothing complains: probabilities are real numbers, and
# any real numbers are valid logits. But the loss applies its own softmax to them, so the
# model's scores go through softmax **twice**:

# %%
if have_torch():
    probs = torch.softmax(logits, dim=-1)
    print("softmax(logits)        :", probs[0].numpy())                          # 0.844, 0.114, 0.042
    print("softmax of those       :", torch.softmax(probs, dim=-1)[0].numpy())   # 0.518, 0.250, 0.232
    print("loss from the logits   :", round(F.cross_entropy(logits, target).item(), 3))  # 2.17
    print("loss from probabilities:", round(F.cross_entropy(probs, target).item(), 3))   # 1.387

# %% [markdown]
# Probabilities lie between 0 and 1, so as logits they are all within 1 of each other,
# and their softmax is close to uniform: 0.518, 0.250, 0.232. The loss reads 1.387, which
# looks better than the true 2.17: the bug even flatters the model.
#
# Worse is what happens to learning. Autograd (section 9) gives the gradient with respect
# to the model's logits; with the extra softmax in the way it has to pass through that
# softmax's derivative, which is small:

# %%
if have_torch():
    for name, extra_softmax in [("raw logits", False), ("softmax output", True)]:
        z = torch.tensor([[3.0, 1.0, 0.0]], dtype=torch.float64, requires_grad=True)
        given = torch.softmax(z, dim=-1) if extra_softmax else z
        F.cross_entropy(given, target).backward()
        print(f"{name:14}: loss {F.cross_entropy(given, target).item():.3f}, "
              f"gradient at the logits {z.grad[0].numpy()}")

# %% [markdown]
# With the raw logits the gradient is $p - y = [0.844, -0.886, 0.042]$, as in 06. With
# the bug the push on *reship* shrinks from -0.886 to **-0.127**, seven times weaker,
# and the loss cannot move far anyway: with three classes, even a model that puts all
# its probability on the right answer scores $\log(2 + e) - 1 \approx 0.551$, and a
# hopeless one at most $\log(2 + e) \approx 1.551$:

# %%
if have_torch():
    perfect = torch.tensor([[0.0, 1.0, 0.0]], dtype=torch.float64)   # all mass on reship
    hopeless = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)  # all mass on refund
    print("bug, perfect model :", round(F.cross_entropy(perfect, target).item(), 3))   # 0.551
    print("bug, hopeless model:", round(F.cross_entropy(hopeless, target).item(), 3))  # 1.551

# %% [markdown]
# That is the symptom to recognise: the loss starts where it should, near $\ln V$ (a
# uniform prediction stays uniform through a second softmax), then falls slowly and
# settles on a plateau far above 0 instead of approaching it. The fix is to give the
# loss the raw logits (drop the final `nn.Softmax`), and to call `torch.softmax` only
# where you need probabilities to show or to sample from.

# %% [markdown]
# ## 4. `log_softmax` + `nll_loss`
#
# Cross-entropy splits into two steps that PyTorch also offers separately:
# `F.log_softmax` turns logits into log-probabilities (stably, 03), and `F.nll_loss`
# ("negative log-likelihood") picks minus the entry of the target and averages. It does
# **not** take a log itself: given probabilities it returns $-p_{\text{target}}$, a
# negative number that is no loss at all.

# %%
if have_torch():
    log_p = F.log_softmax(logits, dim=-1)
    print("nll_loss(log_softmax(z)):", round(F.nll_loss(log_p, target).item(), 3))  # 2.17, as cross_entropy
    print("nll_loss(softmax(z))    :", round(F.nll_loss(probs, target).item(), 3))  # -0.114: not a loss

    far = torch.tensor([[1000.0, -1000.0, 0.0]], dtype=torch.float64)
    print("log(softmax(z)) at +-1000:", torch.log(torch.softmax(far, dim=-1))[0].numpy())  # -inf appears
    print("log_softmax(z)  at +-1000:", F.log_softmax(far, dim=-1)[0].numpy())             # finite

# %% [markdown]
# So a model may end in `nn.LogSoftmax` and train with `nn.NLLLoss`, or end in raw logits
# and train with `nn.CrossEntropyLoss`: the same loss. Any other pairing is a bug. And
# `torch.log(torch.softmax(z))` is the naive version of 03: at logits of ±1000 it gives
# `-inf`, which turns into an infinite loss and `nan` gradients.

# %% [markdown]
# ## 5. Targets are int64 class indices
#
# `F.cross_entropy` reads integer targets as class indices and insists on int64. An int32
# array from numpy (`torch.from_numpy` keeps its dtype) or float targets raise an error:

# %%
if have_torch():
    for dtype in (torch.int32, torch.float64, torch.int64):
        try:
            loss = F.cross_entropy(logits, torch.tensor([1], dtype=dtype))
            print(f"{str(dtype):14} -> loss {loss.item():.3f}")
        except RuntimeError as err:
            print(f"{str(dtype):14} -> RuntimeError: {err}")

# %% [markdown]
# Convert with `.long()` or `torch.as_tensor(a, dtype=torch.long)`. (Float targets **of
# the same shape as the logits** are accepted, but mean something else: a probability
# distribution per row, "soft" targets, as in distillation.)

# %% [markdown]
# ## 6. Batches, padding and `reduction`
#
# `F.cross_entropy` expects logits `(N, V)` and targets `(N,)`. It does accept more
# dimensions, but then it reads **dimension 1** as the classes, the layout of images
# `(N, C, H, W)`. A language model's logits are `(B, T, V)` with the vocabulary **last**,
# so flatten them to `(B*T, V)` first (or move the vocabulary to dimension 1 with
# `.transpose(1, 2)`). Passed as they are, they raise an error, or, when `T` happens to
# equal `V`, silently compute a different loss.

# %%
if have_torch():
    gen = torch.Generator().manual_seed(10)
    seq_logits = torch.randn(2, 4, 5, generator=gen, dtype=torch.float64)  # (B, T, V) = (2, 4, 5)
    seq_targets = torch.tensor([[1, 4, 0, -100],
                                [2, 2, -100, -100]])                      # (B, T), -100 = padding

    flat = F.cross_entropy(seq_logits.reshape(-1, 5), seq_targets.reshape(-1))
    moved = F.cross_entropy(seq_logits.transpose(1, 2), seq_targets)   # (B, V, T): classes on dim 1
    print(f"flattened: {flat.item():.4f}   transposed: {moved.item():.4f}")
    try:
        F.cross_entropy(seq_logits, seq_targets)
    except RuntimeError as err:
        print("as (B, T, V):", err)

# %% [markdown]
# **Padding.** The default `ignore_index=-100` is the convention of 07: targets equal to
# it are left out of the loss and of the count. **`reduction`** chooses what comes back:
# `"mean"` (the default: the mean over the supervised positions), `"sum"`, or `"none"`
# (one loss per position, 0 where ignored). The padded batch of 07, once more:

# %%
if have_torch():
    batch = torch.tensor([[3.0, 1.0, 0.0],
                          [0.5, 0.0, 2.0],
                          [1.0, 2.0, 0.5]], dtype=torch.float64)
    padded = torch.tensor([1, 2, -100])  # reship, today, then padding
    for reduction in ("mean", "sum", "none"):
        print(f"reduction={reduction!r:7}:", F.cross_entropy(batch, padded, reduction=reduction).numpy().round(3))
    print("every target ignored, mean:", F.cross_entropy(batch, torch.full((3,), -100)).item())  # nan

# %% [markdown]
# 1.238 is the mean of 2.170 and 0.306, exactly the number of 07; the sum is twice that;
# `"none"` shows the ignored position as 0. A batch with nothing to supervise gives `nan`
# (0 / 0), as your `sequence_cross_entropy` does. Which reduction you pick matters to
# the optimiser: the gradient of a sum grows with the number of tokens, the gradient of
# a mean does not, so a learning rate tuned for one is wrong for the other.

# %% [markdown]
# ## 7. Label smoothing
#
# `label_smoothing=ε` trains against a softened target: instead of all the probability
# on the right class, $1 - ε$ of it there and $ε$ spread evenly over all $V$ classes. The
# loss becomes a mix of the usual loss and the loss against a uniform target:
#
# $$L_ε = (1 - ε)\,\big(\operatorname{lse}(z) - z_t\big) + ε\,\big(\operatorname{lse}(z) - \bar z\big),$$
#
# where $\bar z$ is the mean of the logits. A model can no longer drive its loss to 0 by
# growing one logit without bound; it is rewarded for keeping a little probability on
# every class, which tends to make it less over-confident. (The idea was introduced by
# Szegedy et al. in 2016 for image classifiers, and is common in translation models.)

# %%
if have_torch():
    eps = 0.1
    smoothed = F.cross_entropy(logits, target, label_smoothing=eps).item()
    row = logits[0].numpy()
    lse_row = np.log(np.exp(row - row.max()).sum()) + row.max()
    by_hand = (1 - eps) * (lse_row - row[1]) + eps * (lse_row - row.mean())
    print(f"label_smoothing=0.1: {smoothed:.4f}, by hand: {by_hand:.4f}")   # 2.1365 both

# %% [markdown]
# The smallest loss a smoothed model can reach is the entropy of the smoothed target,
# not 0. For three classes and $ε = 0.1$:

# %%
eps, V = 0.1, 3
soft_target = np.array([1 - eps + eps / V, eps / V, eps / V])
print("smoothed target:", soft_target)
print(f"lowest reachable loss: {-(soft_target * np.log(soft_target)).sum():.3f}  (0 without smoothing)")

# %% [markdown]
# ## 8. Exercise: implement `torch_cross_entropy`
#
# Write `torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean",
# label_smoothing=0.0)`: PyTorch's cross-entropy, called on **numpy** data.
#
# - `logits` is a list or numpy array with the classes on the **last** axis: one row
#   `(V,)`, a batch `(N, V)`, or a sequence batch `(B, T, V)`; `targets` has the leading
#   shape (an int for one row), with integer class indices of any integer dtype;
# - compute the loss with `F.cross_entropy`, passing on `ignore_index`, `reduction` and
#   `label_smoothing`;
# - return a Python float for `"mean"` and `"sum"`, and for `"none"` a numpy array of
#   the targets' shape in the logits' float dtype (float32 stays float32, float64 stays
#   float64; integer logits become float64);
# - never return a tensor, and do not modify the inputs.
#
# Why numpy in and out? When your notebook is graded, your function runs in a separate
# process and only plain numbers and arrays travel between the two. PyTorch is imported
# inside the function, so that this cell runs even where PyTorch is missing.

# %%
hints("torch_cross_entropy")

# %% nbgrader={"grade_id": "torch_cross_entropy", "solution": true}
import numpy as np


def torch_cross_entropy(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """F.cross_entropy on numpy data, classes on the last axis: a float, or losses per position."""
    import torch
    import torch.nn.functional as F
    ### BEGIN SOLUTION
    scores = np.array(logits)  # a copy: the tensor made from it shares its memory
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    labels = np.asarray(targets)
    out = F.cross_entropy(torch.from_numpy(scores).reshape(-1, scores.shape[-1]),
                          torch.as_tensor(labels, dtype=torch.long).reshape(-1),
                          ignore_index=ignore_index, reduction=reduction,
                          label_smoothing=label_smoothing)
    if reduction == "none":
        return out.reshape(labels.shape).numpy()
    return out.item()
    ### END SOLUTION


# %% [markdown]
# Check your function. Each failing check names what is probably wrong.

# %%
check_with_torch("torch_cross_entropy", torch_cross_entropy)

# %% nbgrader={"grade_id": "test_torch_cross_entropy", "grade": true, "points": 2}
# Graded where PyTorch imports: the checks above. Without PyTorch this test is skipped
# and keeps its points.
if have_torch("This graded test is skipped and keeps its points."):
    assert_check("torch_cross_entropy", torch_cross_entropy, part="core")

# %% nbgrader={"grade_id": "test_torch_cross_entropy_edge", "grade": true, "points": 2}
# Graded where PyTorch imports: edge cases (one row, logits of +-1000, every target
# ignored, integer and -inf logits). More cases are tested when your notebook is graded:
# random batches, every reduction, label smoothing, other ignore_index values, float32.
# Without PyTorch this test is skipped and keeps its points.
if have_torch("This graded test is skipped and keeps its points."):
    assert_check("torch_cross_entropy", torch_cross_entropy, part="edge")
    ### BEGIN HIDDEN TESTS
    from logitlab.testing import battery, expect_close

    def _reference_ce(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        z = np.asarray(logits, dtype=np.float64)
        t = np.asarray(targets)
        keep = t != ignore_index
        top = z.max(axis=-1, keepdims=True)
        lse = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
        losses = lse - np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
        if label_smoothing:
            losses = (1 - label_smoothing) * losses + label_smoothing * (lse - z.mean(axis=-1))
        losses = np.where(keep, losses, 0.0)
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        return losses.sum() / keep.sum() if keep.any() else np.nan

    _rng = np.random.default_rng(100)
    _Z = 2 * _rng.normal(size=(3, 5, 7))
    _T = _rng.integers(0, 7, size=(3, 5))
    _T[0, 3:] = -100
    _T[2, 1:] = -100
    _Z_sq = _rng.normal(size=(2, 4, 4))  # T == V: the class axis must be the last one
    _T_sq = _rng.integers(0, 4, size=(2, 4))
    _Z_big = _rng.normal(size=(2, 4, 200))
    _T_big = np.array([[5, 150, -100, -100], [199, -100, 0, -100]])
    _huge = np.array([[[1000.0, -1000.0, 999.0], [-1000.0, 1000.0, 0.0]]])
    _neg_inf = np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0], [3.0, 0.0, -np.inf]])
    battery(torch_cross_entropy, _reference_ce, [
        ("(N, V) lists, mean", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), {}),
        ("(B, T, V) with padding, mean", (_Z, _T), {}),
        ("(B, T, V) with padding, sum", (_Z, _T), {"reduction": "sum"}),
        ("(B, T, V) with padding, none", (_Z, _T), {"reduction": "none"}),
        ("T == V, none", (_Z_sq, _T_sq), {"reduction": "none"}),
        ("T == V, mean", (_Z_sq, _T_sq), {}),
        ("float32, none", (_Z.astype(np.float32), _T), {"reduction": "none"}),
        ("int32 targets", (_Z, _T.astype(np.int32)), {}),
        ("int16 targets, none", (_Z, _T.astype(np.int16)), {"reduction": "none"}),
        ("V = 200 with padding, mean", (_Z_big, _T_big), {}),
        ("logits of +-1000, none", (_huge, np.array([[2, 1]])), {"reduction": "none"}),
        ("logits near 1000 keep float64 precision, none", (1000 + _Z, _T), {"reduction": "none"}),
        ("-inf off target", (_neg_inf, np.array([2, 1, 0])), {}),
        ("ignore_index=0", (_Z, np.where(_T < 0, 0, _T)), {"ignore_index": 0}),
        ("ignore_index=-1, none", (_Z, np.where(_T < 0, -1, _T)), {"ignore_index": -1, "reduction": "none"}),
        ("label_smoothing=0.1 with padding, mean", (_Z, _T), {"label_smoothing": 0.1}),
        ("label_smoothing=0.2 with padding, sum", (_Z, _T), {"label_smoothing": 0.2, "reduction": "sum"}),
        ("label_smoothing=0.1, none", (_Z, _T), {"label_smoothing": 0.1, "reduction": "none"}),
        ("label_smoothing with ignore_index=0", (_Z, np.where(_T < 0, 0, _T)),
         {"label_smoothing": 0.3, "ignore_index": 0}),
        ("all ignored, mean is nan", (_Z, np.full((3, 5), -100)), {}),
        ("all ignored, sum is 0", (_Z, np.full((3, 5), -100)), {"reduction": "sum"}),
        ("integer logits", (np.array([[3, 1, 0], [0, 0, 2]]), np.array([1, 2])), {}),
        ("one row, int target", ([2.0, 1.0, 0.1], 0), {}),
        ("one row, none", (np.array([2.0, 1.0, 0.1]), 2), {"reduction": "none"}),
        ("one row, sum", ([2.0, 1.0, 0.1], 1), {"reduction": "sum"}),
        ("one row, label_smoothing=0.2", ([2.0, 1.0, 0.1], 1), {"label_smoothing": 0.2}),
        ("one row, label_smoothing=0.1, none", ([2.0, 1.0, 0.1], 0), {"label_smoothing": 0.1, "reduction": "none"}),
        ("one row, ignored target, sum is 0", ([2.0, 1.0, 0.1], -100), {"reduction": "sum"}),
        ("one row, ignored target, none", ([2.0, 1.0, 0.1], -100), {"reduction": "none"}),
        ("one row, ignore_index=2, sum", ([2.0, 1.0, 0.1], 2), {"ignore_index": 2, "reduction": "sum"}),
        ("(N, V), none", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), {"reduction": "none"}),
        ("(N, V), label_smoothing=0.1, sum", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, -100]),
         {"label_smoothing": 0.1, "reduction": "sum"}),
        ("a batch of 64 rows", (3 * _rng.normal(size=(64, 10)), _rng.integers(0, 10, 64)), {}),
    ])
    expect_close(torch_cross_entropy(_Z.astype(np.float32), _T), _reference_ce(_Z, _T),
                 "float32 logits, mean", rtol=1e-5, atol=1e-6)
    try:
        torch_cross_entropy(_Z, _T, reduction="avg")
    except ValueError:
        pass
    else:
        raise AssertionError("reduction='avg' should raise ValueError")
    ### END HIDDEN TESTS

# %% [markdown]
# ## 9. Autograd gives p − y
#
# In 06 you derived the gradient of the loss with respect to the logits by hand and
# checked it with finite differences. PyTorch's **autograd** computes gradients for you:
#
# 1. mark the tensor you want a gradient for with `requires_grad=True` (or
#    `.requires_grad_()`): it becomes a **leaf** that autograd tracks;
# 2. compute the loss from it;
# 3. call `loss.backward()`; the gradient of the loss appears in the leaf's `.grad`.
#
# For the mean cross-entropy of a batch it must equal 06's $(p - y) / N$. Here is that
# formula in numpy, next to autograd's answer on a random batch:

# %%
def p_minus_y(logits, targets):
    """06's cross_entropy_grad in numpy: (softmax - one-hot) / N."""
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return (p - np.eye(logits.shape[-1])[targets]) / len(targets)


rng = np.random.default_rng(10)
z_np = 2 * rng.normal(size=(4, 5))
t_np = rng.integers(0, 5, size=4)
print("06's (p - y) / N:\n", p_minus_y(z_np, t_np))

if have_torch():
    z = torch.tensor(z_np, requires_grad=True)            # float64 (from numpy), a leaf
    F.cross_entropy(z, torch.tensor(t_np)).backward()
    print("autograd's z.grad:\n", z.grad.numpy())
    print("largest difference:", np.abs(z.grad.numpy() - p_minus_y(z_np, t_np)).max())

# %% [markdown]
# The same numbers, to the last bit or two. Two habits of autograd surprise people.
# First, `.grad` **accumulates**: a second `backward()` adds to it rather than replacing
# it, which is why training loops call `optimizer.zero_grad()` at every step. Second,
# only leaves get a `.grad`: `torch.tensor(x, dtype=torch.float32, requires_grad=True).double()`
# makes a new, non-leaf float64 tensor, and the loss computed from it leaves its `.grad`
# at `None`.

# %%
if have_torch():
    F.cross_entropy(z, torch.tensor(t_np)).backward()  # again, without zeroing .grad
    print("after two backward() calls, z.grad / ((p - y) / N) =",
          (z.grad.numpy() / p_minus_y(z_np, t_np)).round(6)[0])
    z.grad = None  # what optimizer.zero_grad() does

# %% [markdown]
# ## 10. Exercise: implement `autograd_logit_gradient`
#
# Write `autograd_logit_gradient(logits, target)`: the gradient of the **mean**
# `F.cross_entropy` with respect to the logits, computed by autograd.
#
# - `logits` is a list or numpy array, one row `(V,)` with an int `target`, or a batch
#   `(N, V)` with `N` targets;
# - return a numpy array of the logits' shape and float dtype (float32 stays float32,
#   float64 stays float64; integer logits become float64), never a tensor;
# - use autograd (`requires_grad`, `backward`, `.grad`), not the formula: the checks
#   cannot tell, but the point is to see that they agree;
# - do not modify the inputs.

# %%
hints("autograd_logit_gradient")

# %% nbgrader={"grade_id": "autograd_logit_gradient", "solution": true}
import numpy as np


def autograd_logit_gradient(logits, target):
    """Gradient of the mean F.cross_entropy with respect to the logits, by autograd, as numpy."""
    import torch
    import torch.nn.functional as F
    ### BEGIN SOLUTION
    scores = np.array(logits)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    leaf = torch.from_numpy(scores).requires_grad_()
    F.cross_entropy(leaf, torch.as_tensor(np.asarray(target), dtype=torch.long)).backward()
    return leaf.grad.numpy()
    ### END SOLUTION


# %%
check_with_torch("autograd_logit_gradient", autograd_logit_gradient)

# %% nbgrader={"grade_id": "test_autograd_logit_gradient", "grade": true, "points": 2}
# Graded where PyTorch imports: the checks above. Without PyTorch this test is skipped
# and keeps its points.
if have_torch("This graded test is skipped and keeps its points."):
    assert_check("autograd_logit_gradient", autograd_logit_gradient, part="core")

# %% nbgrader={"grade_id": "test_autograd_logit_gradient_edge", "grade": true, "points": 1}
# Graded where PyTorch imports: edge cases (one row, logits of +-1000 and -inf, integer
# logits). More cases are tested when your notebook is graded: random batches, lists,
# float32, untouched inputs. Without PyTorch this test is skipped and keeps its points.
if have_torch("This graded test is skipped and keeps its points."):
    assert_check("autograd_logit_gradient", autograd_logit_gradient, part="edge")
    ### BEGIN HIDDEN TESTS
    from logitlab.testing import battery

    def _reference_grad(logits, target):
        z = np.asarray(logits, dtype=np.float64)
        t = np.asarray(target)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        return (p - (np.arange(z.shape[-1]) == t[..., None])) / t.size

    _rng = np.random.default_rng(101)
    battery(autograd_logit_gradient, _reference_grad, [
        ("one row as a list", ([2.0, 1.0, 0.1], 0), {}),
        ("one row, a numpy int target", (np.array([0.5, -1.0, 2.0, 0.0]), np.int64(3)), {}),
        ("random batch (8, 5)", (_rng.normal(size=(8, 5)), _rng.integers(0, 5, 8)), {}),
        ("a batch as nested lists", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), {}),
        ("int32 targets", (_rng.normal(size=(6, 4)), _rng.integers(0, 4, 6).astype(np.int32)), {}),
        ("one row of 50", (_rng.normal(size=(1, 50)), np.array([7])), {}),
        ("a batch of 64 rows", (3 * _rng.normal(size=(64, 10)), _rng.integers(0, 10, 64)), {}),
        ("float32 batch", (_rng.normal(size=(5, 6)).astype(np.float32), _rng.integers(0, 6, 5)), {}),
        ("logits of +-1000", (np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -999.0]]),
                              np.array([2, 0])), {}),
        ("logits near 1000 keep float64 precision", (1000 + _rng.normal(size=(6, 5)), _rng.integers(0, 5, 6)), {}),
        ("-inf off target", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), np.array([2, 1])), {}),
        ("integer logits", (np.array([[3, 1, 0], [0, 0, 2]]), np.array([1, 2])), {}),
    ])
    ### END HIDDEN TESTS

# %% [markdown]
# ## 11. See the bug with your own functions
#
# The widget feeds one row of logits to **your** `torch_cross_entropy` and
# `autograd_logit_gradient` twice: as raw logits (right) and as their softmax (the bug).
# For the bug, the gradient shown is the one that reaches the logits, through the extra
# softmax. The plot sweeps the target's logit while the others stay where the sliders
# put them.
#
# - Start at **[3, 1, 0]** with target *reship*: 2.170 against 1.387, and -0.886 against
#   -0.127.
# - Drag the *reship* slider up to 8: the right loss falls towards 0, the bug's stops
#   near 0.55. Drag it down to -6: the right loss keeps growing, the bug's never passes
#   1.55.
# - Make *refund* very large: the right gradient on *reship* approaches -1, a strong
#   correction; the bug's approaches 0, because the extra softmax has saturated.

# %%
probability_bug_explorer(torch_cross_entropy, autograd_logit_gradient)

# %% [markdown]
# ## 12. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | the loss falls slowly from $\ln V$ and stalls on a plateau far above 0 | probabilities passed to `CrossEntropyLoss` (a final `nn.Softmax`) | give the loss raw logits; apply `softmax` only for display or sampling |
# | a negative loss | probabilities passed to `nll_loss`, which expects log-probabilities | `F.log_softmax` then `F.nll_loss`, or just `F.cross_entropy` on logits |
# | `expected target dtype to be Long ... but got Int` (or `Double`) | int32 or float targets, e.g. from `torch.from_numpy` | `targets.long()` or `torch.as_tensor(t, dtype=torch.long)` |
# | `Expected target size [B, V], got [B, T]` | `(B, T, V)` logits passed as they are: dim 1 is read as the classes | flatten to `(B*T, V)` and `(B*T,)`, or `.transpose(1, 2)` |
# | a plausible but wrong loss for sequences whose length equals the vocabulary size | the same layout mistake, silent because the shapes happen to fit | flatten before the loss |
# | padding lowers the loss, or the loss depends on how much padding a batch holds | pad targets not set to `ignore_index` (-100 by default) | write -100 at padded targets, or pass `ignore_index=` your pad id |
# | the loss is `nan` for one batch | every target in it is ignored: the mean is 0 / 0 | skip empty batches, or use `reduction="sum"` and divide yourself |
# | the learning rate must be retuned when the batch size changes | `reduction="sum"` | keep the default `"mean"` |
# | the loss is `inf` and gradients `nan` at large logits | `torch.log(torch.softmax(z))` | `F.log_softmax(z)` or `F.cross_entropy(z, t)` |
# | results differ from numpy around the 7th digit | float32, PyTorch's default (`torch.tensor(list)`, `.float()`) | `torch.from_numpy` keeps float64, or pass `dtype=torch.float64` |
# | `element 0 of tensors does not require grad` | `backward()` on a loss of tensors nobody marked | `requires_grad_()` on the leaf before computing the loss |
# | `z.grad` is `None` | `.grad` read on a non-leaf (a tensor made from the marked one, e.g. by `.double()`) | convert first, then mark; read the leaf's `.grad` |
# | gradients double on each step | `.grad` accumulates across `backward()` calls | `optimizer.zero_grad()` (or `z.grad = None`) every step |
# | `Can't call numpy() on Tensor that requires grad` | a tracked tensor converted to numpy | `.detach().numpy()` |
# | your numpy array changed after a PyTorch call | `torch.from_numpy` shares memory, and an in-place op (`sub_`, `-=`) wrote into it | copy first (`np.array(a)`), or avoid in-place ops |

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# A colleague's model ends with `nn.Softmax` and is trained with `nn.CrossEntropyLoss`.
# In two sentences: why does training run without any error, and why does the model
# learn so slowly? Write your answer in the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_pytorch", "solution": true, "grade": true, "points": 2}
# `nn.CrossEntropyLoss` applies log-softmax to whatever it is given, and probabilities are
# perfectly valid real-valued logits, so nothing is out of range and no error is raised:
# the scores simply go through softmax twice. Because probabilities all lie within 1 of
# each other, the second softmax is nearly uniform, so the loss is squeezed into a narrow
# band (0.55 to 1.55 for three classes) and the gradient that reaches the logits is
# multiplied by the small softmax derivative (-0.127 instead of -0.886 for the reship
# ticket), which makes every update weak.
#
# **Rubric (2 points):** 1 point for "no error because the loss applies (log-)softmax
# itself and probabilities are valid logits" (softmax applied twice); 1 point for "the
# loss and its gradient are squashed or small, so learning is slow or stalls" (a number
# or the bounded loss is a plus, not required).

# %% [markdown]
# ## 13. Self-check

# %%
quiz("10_pytorch")

# %% [markdown]
# ## Next
#
# PyTorch computes the loss of a batch of logits in one call, and so did you. At the
# scale of a language model that batch is enormous: thousands of positions times a
# vocabulary of 128,000 entries, gigabytes of logits before any gradient.
# [**11_llm_scale**](../11_llm_scale/11_llm_scale.ipynb) measures that memory and computes the same loss in chunks, without
# ever holding all the logits at once.
