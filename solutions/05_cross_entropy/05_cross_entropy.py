# %% [markdown]
# # 05 · Cross-entropy and perplexity
#
# Softmax turns a model's logits into a distribution. To *train* the model we need one
# number that says how good that distribution was, given what really happened: the true
# class of an image, the token that actually came next. That number is the
# **cross-entropy loss**, and its exponential, **perplexity**, is the figure quoted for
# language models.
#
# **By the end of this notebook you can**
# - write the loss of one prediction as $-\ln p_{\text{correct}}$ and read the
#   $-\log p$ table (0.99 -> 0.01, 0.5 -> 0.69, 0.01 -> 4.61);
# - compute the loss by hand for the course's worked examples;
# - implement `cross_entropy` from probabilities, `cross_entropy_from_logits` with
#   log-sum-exp, and `perplexity`;
# - explain why the loss is a logarithm, why it is computed from logits, and why it
#   trains a softmax much faster than squared error.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.cross_entropy import loss_explorer

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One-hot targets and $-\ln p_{\text{correct}}$
#
# The image classifier of 02 scored a photo as cat 2.0, dog 1.0, bird 0.1, and softmax
# gave [0.659, 0.242, 0.099]. The photo really is a cat. Write the truth as a distribution
# too: a **one-hot** vector with 1 for the correct class and 0 elsewhere, $y = [1, 0, 0]$.
# The cross-entropy between the truth $y$ and the prediction $p$ is
#
# $$H(y, p) = -\sum_i y_i \ln p_i .$$
#
# With a one-hot $y$ every term but one is multiplied by 0, so the loss is simply
# $-\ln p_{\text{correct}}$: minus the log of the probability the model gave the right
# answer. Nothing else about the prediction matters.

# %%
p_cat = np.array([0.659, 0.242, 0.099])
y_cat = np.array([1.0, 0.0, 0.0])
print("-sum(y * ln p)   =", round(-np.sum(y_cat * np.log(p_cat)), 4))
print("-ln p[target=0]  =", round(-np.log(p_cat[0]), 4))

# %% [markdown]
# Both give 0.417, the 0.42 quoted for this example. In code we never build the one-hot
# vector: we index the correct class directly. (That also avoids a trap you will meet in
# the exercise: when some $p_i = 0$, $0 \cdot \ln 0$ is `nan` in floating point.)
#
# ## 2. The $-\ln p$ table
#
# How does the loss respond to the probability of the correct class?

# %%
print("p_correct   loss = -ln p   perplexity = 1/p")
for p in (0.99, 0.90, 0.80, 0.50, 0.10, 0.01):
    loss = -np.log(p)
    print(f"{p:9.2f}   {loss:13.2f}   {np.exp(loss):16.1f}")

# %% [markdown]
# The whole curve $-\ln p$, with the rows of the table marked on it:

# %%
plots.loss_table_curve()

# %% [markdown]
# Read it from the top. Near-certain and right (0.99) costs almost nothing, 0.01. Each
# halving of $p$ adds the same $\ln 2 \approx 0.69$: 0.5 costs 0.69. Confident and wrong
# explodes: giving the truth only 0.01 costs 4.61, over 450 times the loss at 0.99, and
# $p \to 0$ costs without bound. The last column, $e^{\text{loss}} = 1/p$, is the
# perplexity of this single prediction; at $p = 0.5$ it is 2.0, as if the model were
# choosing between two equally likely answers. More on that in section 8.
#
# ## 3. Worked examples
#
# Three examples you can check on paper. The ticket router from 02 (refund 3, reship 1,
# escalate 0) and a second ticket scored [1.0, 0.0, -2.0]:

# %%
def stable_softmax(z):
    """Softmax with the max subtracted (your function from 03, repeated so this notebook stands alone)."""
    e = np.exp(z - np.max(z))
    return e / e.sum()


labels = ["refund", "reship", "escalate"]
examples = [("cat/dog/bird", [2.0, 1.0, 0.1], ["cat", "dog", "bird"], "cat"),
            ("ticket", [3.0, 1.0, 0.0], labels, "reship"),
            ("ticket", [3.0, 1.0, 0.0], labels, "refund"),
            ("ticket 2", [1.0, 0.0, -2.0], labels, "reship"),
            ("ticket 2", [1.0, 0.0, -2.0], labels, "refund")]
for name, z, names, correct in examples:
    p = stable_softmax(np.array(z))
    t = names.index(correct)
    print(f"{name:>12} {z}: p = {p.round(3)}  correct = {correct:<7} p_correct = {p[t]:.3f}  "
          f"loss = {-np.log(p[t]):.3f}")

# %% [markdown]
# - The cat example costs 0.417.
# - For the first ticket, if reship was the right action, the model gave it only 0.114 and
#   pays 2.170; had refund been right it would pay 0.170.
# - For [1.0, 0.0, -2.0] the losses are 1.349 (reship) and 0.349 (refund). Their difference
#   is exactly 1, the gap between the two logits. That is no accident: the next sections
#   show the loss is $\operatorname{logsumexp}(z) - z_{\text{target}}$, so changing the
#   target only changes the logit that is subtracted.
#
# ## 4. Why a log, and not a difference?
#
# Why not score a prediction by how far $p_{\text{correct}}$ is from 1, that is $1 - p$?
# Three reasons.
#
# 1. **It saturates.** $1 - p$ can never exceed 1, so giving the truth 0.001 looks about
#    as bad as giving it 0.1. $-\ln p$ keeps telling them apart, and keeps pushing.
# 2. **Probabilities multiply, logs add.** A sentence of 1,000 tokens has probability equal
#    to the product of its 1,000 token probabilities: a number that underflows to 0 in
#    float64. Its log is a perfectly ordinary sum. Minimising the mean $-\ln p$ over the
#    data is the same as maximising the probability (likelihood) the model gives the data.
# 3. **It fits the softmax.** $\ln p_t = z_t - \operatorname{logsumexp}(z)$: the log undoes
#    the exponential, leaving a loss that is nearly linear in the logits when the model is
#    wrong. Section 11 shows what this does for learning.

# %%
print("   p      1 - p    -ln p")
for p in (0.9, 0.5, 0.1, 0.01, 0.001):
    print(f"{p:6.3f}   {1 - p:6.3f}   {-np.log(p):6.3f}")
token_p = np.full(1000, 0.3)
print("product of 1000 probabilities of 0.3:", np.prod(token_p))
print("sum of their -ln p                   :", round(-np.log(token_p).sum(), 1))

# %% [markdown]
# A note on units: with the natural log the loss is in **nats**; with $\log_2$ it would be
# in bits (divide by $\ln 2$). PyTorch, JAX and this course use the natural log.

# %% [markdown]
# ## 5. Exercise: implement `cross_entropy`
#
# Write `cross_entropy(probs, target)`:
#
# - `probs` has shape `(..., V)`: one row of probabilities (a list or an array), or a batch
#   of rows with any leading shape; `target` holds one class index per row (an `int` for a
#   single row, or a list/array of ints of shape `probs.shape[:-1]`);
# - return the **mean** over all rows of $-\ln$ `probs[row, target[row]]`, as a Python
#   `float`; a single row gives that row's loss;
# - a target with probability 0 gives `inf` (do not clip); a target outside `0..V-1`
#   must raise an error (`ValueError`), not return a number;
# - do not modify the inputs.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("cross_entropy")

# %% nbgrader={"grade_id": "cross_entropy", "solution": true}
import numpy as np


def cross_entropy(probs, target):
    """Mean of -ln probs[target] over the rows (the last axis holds the classes)."""
    ### BEGIN SOLUTION
    probs = np.asarray(probs, dtype=np.float64)  # the result is one float: work in float64
    target = np.asarray(target)
    if target.shape != probs.shape[:-1] or not np.issubdtype(target.dtype, np.integer):
        raise ValueError(f"target must hold one integer class per row: shape {probs.shape[:-1]}, "
                         f"got {target.dtype} of shape {target.shape}")
    if ((target < 0) | (target >= probs.shape[-1])).any():
        raise ValueError(f"target must be class indices from 0 to {probs.shape[-1] - 1}")
    picked = np.take_along_axis(probs, target[..., None], axis=-1)
    with np.errstate(divide="ignore"):
        return float(np.mean(-np.log(picked)))
    ### END SOLUTION


# %%
check("cross_entropy", cross_entropy)

# %% nbgrader={"grade_id": "test_cross_entropy", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("cross_entropy", cross_entropy, part="core")

# %% nbgrader={"grade_id": "test_cross_entropy_edge", "grade": true, "points": 2}
# Graded: edge cases (zero probabilities, a bad target, leading batch shapes, float32).
# More are tested when your notebook is graded: random batches, lists, large vocabularies.
assert_check("cross_entropy", cross_entropy, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import CheckFailed, battery, expect, expect_close


def _reference_ce(probs, target):
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(target).reshape(-1)
    picked = p.reshape(-1, p.shape[-1])[np.arange(t.size), t]
    with np.errstate(divide="ignore"):
        return float(-np.log(picked).mean())


_rng = np.random.default_rng(7)


def _random_probs(*shape):
    e = np.exp(_rng.normal(scale=2.0, size=shape))
    return e / e.sum(axis=-1, keepdims=True)


battery(cross_entropy, _reference_ce, [
    ("random batch (8, 5)", (_random_probs(8, 5), _rng.integers(0, 5, size=8)), {}),
    ("3-D batch (2, 4, 6)", (_random_probs(2, 4, 6), _rng.integers(0, 6, size=(2, 4))), {}),
    ("one row, int target", (_random_probs(7), 3), {}),
    ("one row, numpy int target", (_random_probs(4), np.int64(0)), {}),
    ("nested lists", ([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], [0, 2]), {}),
    ("int32 targets", (_random_probs(5, 3), np.array([0, 1, 2, 1, 0], dtype=np.int32)), {}),
    ("zeros on other classes", (np.array([[0.0, 1.0, 0.0], [0.25, 0.0, 0.75]]), [1, 2]), {}),
    ("probability 0 on a target", (np.array([[0.0, 1.0], [0.5, 0.5]]), [0, 1]), {}),
    ("a tiny target probability", (np.array([1.0, 1e-250]), 1), {}),
    ("a large vocabulary", (_random_probs(3, 20000), _rng.integers(0, 20000, size=3)), {}),
])
_p32, _t = _random_probs(6, 4).astype(np.float32), _rng.integers(0, 4, size=6)
_out = cross_entropy(_p32, _t)
expect(isinstance(_out, float), "float32 probabilities: the loss is not a Python float")
expect_close(_out, _reference_ce(_p32, _t), "float32 probabilities", rtol=1e-5, atol=1e-6)
expect(isinstance(cross_entropy([[0.5, 0.5]], [1]), float), "the loss is not a Python float")
for _bad in (2, 7):
    try:
        with np.errstate(all="ignore"):
            cross_entropy(np.array([0.3, 0.7]), _bad)
    except (IndexError, ValueError):
        continue
    raise CheckFailed(f"target {_bad} with 2 classes: expected an error")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. From logits: never materialise a tiny probability
#
# Going logits -> probabilities -> log throws precision away. Take the log of softmax
# symbolically instead:
#
# $$\ln p_t = \ln \frac{e^{z_t}}{\sum_j e^{z_j}} = z_t - \operatorname{logsumexp}(z),
# \qquad\text{so}\qquad L = \operatorname{logsumexp}(z) - z_t .$$
#
# For the ticket: $\operatorname{logsumexp}([3, 1, 0]) = 3 + \ln(1 + e^{-2} + e^{-3}) =
# 3.170$, so the loss is $3.170 - 1 = 2.170$ with reship correct and $3.170 - 3 = 0.170$
# with refund correct, as before, without computing a single probability.
#
# Now a case where it matters. The model scores [1000, 0, -1000] and the truth is the
# third class. Its probability is $e^{-2000}$, far below the smallest float64 (about
# $10^{-308}$), so it becomes exactly 0 and its log $-\infty$. Yet the loss itself is an
# ordinary number: 2000.

# %%
z_far = np.array([1000.0, 0.0, -1000.0])
target = 2
with np.errstate(all="ignore"):  # the first two routes are meant to fail; hide the warnings
    naive = np.exp(z_far) / np.exp(z_far).sum()
    stable = stable_softmax(z_far)
    print("naive softmax  :", naive, "  loss =", -np.log(naive[target]))
    print("stable softmax :", stable, "  loss =", -np.log(stable[target]))
m = z_far.max()
lse = m + np.log(np.exp(z_far - m).sum())
print(f"logsumexp route: logsumexp(z) = {lse}, z[target] = {z_far[target]}, loss = {lse - z_far[target]}")

# %% [markdown]
# The naive softmax overflows: $e^{1000}$ is `inf`, `inf / inf` is `nan`, and the whole
# vector is garbage. The stable softmax is a fine distribution, but the probability we need
# has rounded to 0, so the loss comes out infinite. Only the last route gives the right
# answer, 2000. This is why every framework's cross-entropy takes **logits**
# (PyTorch's `F.cross_entropy`, for instance), and why passing it probabilities instead is
# a classic bug you will meet in 10.

# %% [markdown]
# ## 7. Exercise: implement `cross_entropy_from_logits`
#
# Write `cross_entropy_from_logits(logits, target)`: the same loss and the same input
# rules as `cross_entropy`, computed from logits as the mean of
# $\operatorname{logsumexp}(z) - z_{\text{target}}$ over the rows.
#
# - It must be finite for logits of +-1000; `-inf` logits are allowed (a `-inf` on the
#   target gives `inf`).
# - Compute log-sum-exp inside the function: with `m` the max of each row (`keepdims=True`),
#   $\operatorname{logsumexp}(z) = m + \ln \sum_j e^{z_j - m}$.
# - Return a Python `float`; do not modify the inputs.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("cross_entropy_from_logits")

# %% nbgrader={"grade_id": "cross_entropy_from_logits", "solution": true}
import numpy as np


def cross_entropy_from_logits(logits, target):
    """Mean over the rows of logsumexp(z) - z[target], without ever forming a probability."""
    ### BEGIN SOLUTION
    z = np.asarray(logits, dtype=np.float64)
    target = np.asarray(target)
    if target.shape != z.shape[:-1] or not np.issubdtype(target.dtype, np.integer):
        raise ValueError(f"target must hold one integer class per row: shape {z.shape[:-1]}, "
                         f"got {target.dtype} of shape {target.shape}")
    if ((target < 0) | (target >= z.shape[-1])).any():
        raise ValueError(f"target must be class indices from 0 to {z.shape[-1] - 1}")
    m = np.max(z, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    return float(np.mean(lse - np.take_along_axis(z, target[..., None], axis=-1)))
    ### END SOLUTION


# %%
check("cross_entropy_from_logits", cross_entropy_from_logits)

# %% nbgrader={"grade_id": "test_cross_entropy_from_logits", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("cross_entropy_from_logits", cross_entropy_from_logits, part="core")

# %% nbgrader={"grade_id": "test_cross_entropy_from_logits_edge", "grade": true, "points": 2}
# Graded: edge cases (logits of +-1000, rows at very different scales, -inf logits, a bad
# target, leading batch shapes, float32). More are tested when your notebook is graded:
# random batches, lists, integer logits, a vocabulary of 50,000.
assert_check("cross_entropy_from_logits", cross_entropy_from_logits, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import CheckFailed, battery, expect, expect_close


def _reference_cefl(logits, target):
    z = np.asarray(logits, dtype=np.float64)
    z = z.reshape(-1, z.shape[-1])
    t = np.asarray(target).reshape(-1)
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(t.size), t]))


_rng = np.random.default_rng(8)
battery(cross_entropy_from_logits, _reference_cefl, [
    ("random batch (6, 7)", (_rng.normal(scale=3.0, size=(6, 7)), _rng.integers(0, 7, size=6)), {}),
    ("3-D batch (2, 3, 5)", (_rng.normal(size=(2, 3, 5)), _rng.integers(0, 5, size=(2, 3))), {}),
    ("one row, int target", (_rng.normal(size=9), 4), {}),
    ("nested lists", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), {}),
    ("integer logits", (np.array([[3, 1, 0], [1, 0, -2]]), np.array([1, 0])), {}),
    ("logits of +-1000", (np.array([[1000.0, 0.0, -1000.0], [-1000.0, 999.0, 1000.0]]), [2, 1]), {}),
    ("all logits near 1000", (np.array([1000.0, 998.0, 997.0]), 1), {}),
    ("-inf on other classes", (np.array([[0.0, -np.inf, 1.0], [-np.inf, 2.0, -np.inf]]), [2, 1]), {}),
    ("-inf on a target", (np.array([[0.0, -np.inf, 1.0], [1.0, 2.0, 3.0]]), [1, 0]), {}),
    ("a vocabulary of 50,000", (_rng.normal(scale=4.0, size=(2, 50_000)), _rng.integers(0, 50_000, size=2)), {}),
    ("int32 targets", (_rng.normal(size=(4, 3)), np.array([2, 0, 1, 1], dtype=np.int32)), {}),
])
_z32, _t = _rng.normal(size=(5, 6)).astype(np.float32), _rng.integers(0, 6, size=5)
_out = cross_entropy_from_logits(_z32, _t)
expect(isinstance(_out, float), "float32 logits: the loss is not a Python float")
expect_close(_out, _reference_cefl(_z32, _t), "float32 logits", rtol=1e-5, atol=1e-6)
expect(isinstance(cross_entropy_from_logits([[2.0, 1.0]], [0]), float), "the loss is not a Python float")
for _bad in (2, 5):
    try:
        with np.errstate(all="ignore"):
            cross_entropy_from_logits(np.array([0.3, 0.7]), _bad)
    except (IndexError, ValueError):
        continue
    raise CheckFailed(f"target {_bad} with 2 classes: expected an error")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Perplexity
#
# A mean loss of 1.238 nats is hard to picture. Its exponential is easier:
#
# $$\text{perplexity} = e^{\text{mean loss}} .$$
#
# Read it as **how many tokens the model is choosing between**, on average. A model that
# spreads its probability evenly over $V$ tokens pays $-\ln(1/V) = \ln V$ at every
# position, so its perplexity is exactly $V$. A model that gives the correct token
# probability 0.5 every time has perplexity 2: a coin flip between two candidates. A
# perfect model has loss 0 and perplexity 1. Lower is better.
#
# Take the two supervised positions of a tiny language model over the vocabulary
# (refund, reship, today): logits [3, 1, 0] with next token *reship*, and [0.5, 0, 2] with
# next token *today*.

# %%
rows = np.array([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]])
targets = np.array([1, 2])
per_position = [np.log(np.exp(r).sum()) - r[t] for r, t in zip(rows, targets)]
mean_loss = np.mean(per_position)
print("per-position losses:", np.round(per_position, 3))
print("mean loss          :", round(mean_loss, 3))
print("perplexity         :", round(np.exp(mean_loss), 3))
print("uniform over 50,257 tokens: loss", round(np.log(50_257), 3), "-> perplexity",
      round(np.exp(np.log(50_257))))

# %% [markdown]
# The losses are 2.170 and 0.306, their mean 1.238, and the perplexity 3.45: on these two
# positions the model is about as unsure as a fair choice among three or four tokens.
# Notice the order: **exponentiate the mean loss**. The mean of the per-position
# perplexities ($e^{2.170}$ and $e^{0.306}$ average to 5.06) is a different, larger number
# that over-weights the worst positions. 07 returns to this for whole sequences.
#
# ## 9. Exercise: implement `perplexity`
#
# Write `perplexity(mean_loss)`: $e^{\text{mean loss}}$.
#
# - for a single number return a Python `float`;
# - for a list or an array of mean losses (say, one per model or per epoch) return an array
#   of perplexities, element by element, keeping float32 input float32;
# - an infinite loss gives an infinite perplexity; do not modify the input.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("perplexity")

# %% nbgrader={"grade_id": "perplexity", "solution": true}
import numpy as np


def perplexity(mean_loss):
    """exp(mean_loss): a float for one loss, an array for an array of losses."""
    ### BEGIN SOLUTION
    loss = np.asarray(mean_loss)
    if not np.issubdtype(loss.dtype, np.floating):
        loss = loss.astype(np.float64)
    ppl = np.exp(loss)
    return float(ppl) if ppl.ndim == 0 else ppl
    ### END SOLUTION


# %%
check("perplexity", perplexity)

# %% nbgrader={"grade_id": "test_perplexity", "grade": true, "points": 1}
# Graded: the checks above.
assert_check("perplexity", perplexity, part="core")

# %% nbgrader={"grade_id": "test_perplexity_edge", "grade": true, "points": 1}
# Graded: edge cases (lists and arrays, float32, inf). More are tested when your notebook
# is graded: integers, 2-D arrays, large losses, untouched inputs.
assert_check("perplexity", perplexity, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect


def _reference_perplexity(mean_loss):
    return np.exp(np.asarray(mean_loss, dtype=np.float64))


_rng = np.random.default_rng(9)
battery(perplexity, _reference_perplexity, [
    ("zero", (0.0,), {}),
    ("a Python int", (1,), {}),
    ("a numpy float", (np.float64(2.5),), {}),
    ("a list", ([0.1, 1.0, 2.0],), {}),
    ("a 2-D array", (_rng.uniform(0.0, 5.0, size=(3, 4)),), {}),
    ("a float32 array", (_rng.uniform(0.0, 3.0, size=5).astype(np.float32),), {}),
    ("inf", (np.inf,), {}),
    ("a large loss", (700.0,), {}),
    ("ln V for V = 128,000", (float(np.log(128_000)),), {}),
])
for _x in (0.5, np.float64(1.5), 3):
    expect(isinstance(perplexity(_x), float), f"perplexity({_x!r}) is not a Python float")
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Play with it
#
# Drag the probability of the correct class. The curve is **your** `cross_entropy`
# evaluated on a two-class prediction $[p, 1 - p]$ with the first class correct, and the
# readout shows your loss and your perplexity at the marker. The grey dashed line is
# $1 - p$, the "difference" score of section 4, for comparison. Try:
#
# - 0.99, 0.9, 0.8, 0.5, 0.1, 0.01: the table of section 2;
# - halve $p$ a few times: each halving adds the same 0.69 to the loss and doubles the
#   perplexity;
# - near $p = 0.01$: $1 - p$ is flat there, $-\ln p$ is at its steepest.

# %%
loss_explorer(cross_entropy, perplexity, p_correct=0.5)

# %% [markdown]
# ## 11. Why cross-entropy and not squared error?
#
# Squared error is the default loss for regression, so why not train a classifier by
# pushing the probabilities towards the one-hot target, $E = \tfrac12 \lVert p - y \rVert^2$?
# Look at a model that is **confidently wrong**: logits [8, 0, 0] (refund, reship,
# escalate) when the right answer is reship.
#
# The gradients with respect to the logits (06 derives them properly):
#
# - cross-entropy: $\nabla_z L = p - y$;
# - squared error on the probabilities: by the chain rule through softmax, whose Jacobian
#   is $J = \operatorname{diag}(p) - p p^\top$, $\nabla_z E = J (p - y)$.

# %%
z_wrong = np.array([8.0, 0.0, 0.0])
y = np.array([0.0, 1.0, 0.0])  # reship
p = stable_softmax(z_wrong)
grad_ce = p - y
jacobian = np.diag(p) - np.outer(p, p)
grad_mse = jacobian @ (p - y)
print("p                       =", p)
print("cross-entropy loss      =", round(np.log(np.exp(z_wrong).sum()) - z_wrong[1], 4))
print("squared-error loss      =", round(0.5 * np.sum((p - y) ** 2), 4))
print("cross-entropy gradient  =", grad_ce)
print("squared-error gradient  =", grad_mse)
print("size ratio              =", round(np.linalg.norm(grad_ce) / np.linalg.norm(grad_mse)))

# %% [markdown]
# The cross-entropy gradient is about [0.9993, -0.9997, 0.0003]: lower refund, raise
# reship, at full strength. The squared-error gradient points the same way but is about
# [0.001, -0.0007, -0.0003], some **1,000 times smaller**. The softmax is saturated: its
# Jacobian is nearly zero when one probability is close to 1, and squared error passes the
# error through that Jacobian. Cross-entropy's log cancels it exactly (the derivative of
# $-\ln p$ is $-1/p$, which is huge precisely when $p$ is tiny), so the more wrong the
# model is, the harder it is pushed. With squared error, a confidently wrong model would
# barely move.

# %% [markdown]
# ## 12. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | negative loss | forgot the minus sign | the loss is $-\ln p$ |
# | loss 0.18 where 0.42 was expected (cat example) | used `np.log10` | use `np.log` (nats) |
# | loss large when the model is right | took $\ln(1 - p)$, the probability of "not the target" | index the target's probability |
# | loss grows with the batch size | summed over the batch | `np.mean` over the rows |
# | `nan` with zeros in `probs` | one-hot times `log(probs)`: $0 \cdot (-\infty)$ | index `probs[target]` directly |
# | `inf` loss for huge logits | computed `log(softmax(z))`: a tiny $p$ became 0 | `logsumexp(z) - z[target]` |
# | `nan` loss for logits near 1000 | `exp(1000)` overflowed | subtract the row max inside log-sum-exp |
# | loss changes when all logits shift by $c$ | subtracted the max but did not add it back | `m + log(sum(exp(z - m)))` |
# | a `(N, N)` block of values instead of one per row | `probs[:, target]` | `probs[np.arange(N), target]` or `np.take_along_axis` |
# | perplexity of 1.6 for a loss of $\ln 2$ | used `2 ** loss` with a natural-log loss | `np.exp(loss)` |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 13. Self-check

# %%
quiz("05_cross_entropy")

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why do we train classifiers with cross-entropy rather than with the
# squared error between the probabilities and the one-hot target? Write your answer in
# the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_cross_entropy", "solution": true, "grade": true, "points": 2}
# Cross-entropy, -log of the correct class's probability, grows without bound as that
# probability goes to 0, so a confident mistake costs a lot, while the squared error of
# probabilities is bounded and barely tells 0.01 from 0.001. Through the softmax its
# gradient with respect to the logits is simply p - y, which stays large when the model
# is confidently wrong, whereas the squared error's gradient is multiplied by the
# softmax's slope and vanishes when the probabilities saturate, so learning stalls.
#
# **Rubric (2 points):** 1 point for -log p punishing confident mistakes without bound
# (squared error is bounded); 1 point for the gradient: p - y stays large, the squared
# error's gradient vanishes when the softmax saturates.

# %% [markdown]
# ## Next
#
# Section 11 used the gradient $p - y$ without deriving it. [**06_gradients**](../06_gradients/06_gradients.ipynb) derives it,
# checks it with finite differences, and takes the first step of gradient descent on the
# ticket example.
