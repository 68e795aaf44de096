# %% [markdown]
# # 09 · A training loop
#
# Every notebook so far took the logits as given. Here a model makes them, and the loss
# you have studied decides how the model changes: compute the logits, measure the mean
# cross-entropy, step every parameter against its gradient, repeat. That loop, with
# your own softmax, cross-entropy and gradient rewritten in a few lines, trains a real
# (small) model from scratch: first a router that sends help-desk tickets to *refund*,
# *reship* or *escalate*, then a model that writes the next word of a ticket.
#
# **By the end of this notebook you can**
# - write a softmax classifier, logits $= XW + b$, and derive the gradients of its mean
#   loss with respect to $W$ and $b$ from 06's $p - y$;
# - implement `train_step` (one step of gradient descent) and `fit` (the loop, from a
#   seeded initialisation);
# - use the loss at initialisation, about $\log C$, as the first sanity check of any
#   training run, and say what a different first loss points at;
# - read training and validation curves, recognise a learning rate that is too high or
#   too low, and spot overfitting;
# - see that a next-word language model is the same classifier, with the vocabulary as
#   its classes, and compare its samples before and after training.

# %% nbgrader={"grade_id": "setup", "locked": true}
import matplotlib.pyplot as plt
import numpy as np

from logitlab import datasets
from logitlab.checks import assert_check, check, uses_your
from logitlab.hints import hints
from logitlab.plots import ACCENT, MAIN, WARN
from logitlab.quiz import quiz
from logitlab.widgets.training import training_lab

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Where the logits come from
#
# A classifier turns each example into a vector of $d$ numbers, its **features** $x$, and
# scores every class with a weighted sum of them plus a constant:
#
# $$z_c = \sum_{k=1}^{d} x_k W_{kc} + b_c, \qquad z = xW + b .$$
#
# The model's parameters are the weight matrix $W$, of shape $(d, C)$ (one column of
# weights per class), and the bias $b$, of shape $(C,)$. For a batch of $N$ examples
# stacked as the rows of $X$, shape $(N, d)$, all the logits come out at once:
# $Z = XW + b$, shape $(N, C)$, with $b$ added to every row. Softmax and cross-entropy
# then work row by row, exactly as in 05. This is also the top of every language model:
# its output head multiplies a hidden state of $d \approx 4{,}096$ numbers by a matrix of
# shape $(4{,}096, V)$ (often without a bias) to get one logit per vocabulary entry.
#
# The reship ticket of 05 and 06 fits in this form with a single feature $x = 1$ and
# $W = [[3, 1, 0]]$, $b = 0$:

# %%
labels = datasets.LABELS                      # ("refund", "reship", "escalate")
x = np.array([[1.0]])                         # one example, one feature: (N, d) = (1, 1)
W = np.array([[3.0, 1.0, 0.0]])               # (d, C) = (1, 3)
b = np.zeros(3)                               # (C,)
z = x @ W + b
p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
print("logits       :", z[0])
print("probabilities:", p[0])
print(f"loss (target reship): {-np.log(p[0, 1]):.3f}")

# %% [markdown]
# ## 2. The gradient with respect to $W$ and $b$
#
# Training needs $\partial L / \partial W$ and $\partial L / \partial b$, where $L$ is the
# **mean** loss over the batch. The chain rule gets there in two moves from 06.
#
# 1. **To the logits.** 06 showed that the gradient of the mean loss with respect to the
#    logits is
#    $$G = \frac{\partial L}{\partial Z} = \frac{P - Y}{N},$$
#    where $P$ holds the softmax of each row and $Y$ the one-hot targets: an $(N, C)$
#    array of errors, one row per example.
# 2. **To the parameters.** $W_{kc}$ enters every logit $Z_{ic}$ of class $c$, multiplied
#    by $X_{ik}$; $b_c$ enters each of them with factor 1. So
#    $$\frac{\partial L}{\partial W_{kc}} = \sum_{i=1}^{N} X_{ik}\, G_{ic}
#      \quad\Longrightarrow\quad \nabla_W L = X^\top G \;\; (d, C),
#      \qquad \nabla_b L = \sum_{i=1}^{N} G_{i,:} \;\; (C,).$$
#
# Read $X^\top G$ as: the weight of feature $k$ for class $c$ collects the errors of class
# $c$ over the examples, each weighted by how strongly feature $k$ is present in it. A
# feature that is 0 in an example learns nothing from that example. One step of gradient
# descent with learning rate $\eta$ is then
#
# $$W \leftarrow W - \eta\, X^\top G, \qquad b \leftarrow b - \eta \sum_i G_{i,:} .$$
#
# For the reship ticket ($N = 1$, $x = 1$) both gradients are $p - y$ itself. Every logit
# moves by $-\eta\,(x^2 + 1)(p - y)$: once through $W$, once through $b$. With
# $\eta = 0.25$ that is $-0.5\,(p - y)$, the very step 06 took on the logits:

# %%
y_onehot = np.array([0.0, 1.0, 0.0])          # reship
g = p[0] - y_onehot                           # dL/dz for one example (06)
dW, db = x.T * g, g                           # x^T (p - y) and the sum over one row
print("p - y :", g)
print("dW    :", dW[0], "  db:", db)

lr = 0.25
z_new = x @ (W - lr * dW) + (b - lr * db)
p_new = np.exp(z_new - z_new.max()) / np.exp(z_new - z_new.max()).sum()
print("logits after one step:", z_new[0], "= [3, 1, 0] - 0.5 * (p - y)")
print(f"p(reship): {p[0, 1]:.3f} -> {p_new[0, 1]:.2f}")
print(f"loss: {-np.log(p[0, 1]):.2f} -> {-np.log(p_new[0, 1]):.3f}")

# %% [markdown]
# ## 3. Exercise: implement `train_step`
#
# Write `train_step(W, b, X, y, lr)`: one step of gradient descent on the mean
# cross-entropy of a softmax classifier.
#
# - **Shapes.** `W` is `(d, C)`, `b` is `(C,)`, `X` is `(N, d)` (one example per row) and
#   `y` is `(N,)`, integer class ids in `0 .. C-1`. Lists must work too.
# - **The loss** is the mean cross-entropy of the logits $Z = XW + b$ with targets `y`,
#   measured on the parameters you were **given**, before the update. Compute it from the
#   logits with each row's max subtracted, so that logits of $\pm 1000$ stay finite.
# - **The step** is the one of section 2, with $G = (P - Y)/N$ and learning rate `lr`
#   (`lr = 0` moves nothing and still reports the loss).
# - **Return** `(new_W, new_b, loss)`: new arrays, with the shapes of `W` and `b`, and the
#   loss as a Python `float`. Never update in place (`W -= ...`): the caller's `W`, `b`,
#   `X` and `y` must be unchanged afterwards.
# - float32 `W`, `b` and `X` give float32 `new_W` and `new_b`.

# %%
hints("train_step")

# %% nbgrader={"grade_id": "train_step", "solution": true}
import numpy as np


def train_step(W, b, X, y, lr):
    """One gradient-descent step of a softmax classifier on the mean cross-entropy.

    Returns (new_W, new_b, loss), where loss is measured before the step.
    """
    ### BEGIN SOLUTION
    W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    n, rows = len(y), np.arange(len(y))
    z = X @ W + b
    z = z - z.max(axis=-1, keepdims=True)      # each row's largest logit becomes 0
    exp_z = np.exp(z)
    total = exp_z.sum(axis=-1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - z[rows, y]))
    grad_z = exp_z / total                     # P, turned into (P - Y) / N in place
    grad_z[rows, y] -= 1
    grad_z /= n
    return W - lr * (X.T @ grad_z), b - lr * grad_z.sum(axis=0), loss
    ### END SOLUTION


# %%
check("train_step", train_step)

# %% nbgrader={"grade_id": "test_train_step", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("train_step", train_step, part="core")

# %% nbgrader={"grade_id": "test_train_step_edge", "grade": true, "points": 2}
# Graded: edge cases (logits of +-1000, float32, lists and integer features). More cases
# are tested when your notebook is graded: random batches and shapes, many classes, a
# class switched off with b = -inf, large and zero learning rates, untouched inputs.
assert_check("train_step", train_step, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect, expect_close


def _reference_step(W, b, X, y, lr):
    W, b, X = (np.asarray(a, dtype=np.float64) for a in (W, b, X))
    y = np.asarray(y)
    rows = np.arange(len(y))
    z = X @ W + b
    top = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]
    grad = np.exp(z - lse[:, None])
    grad[rows, y] -= 1.0
    grad /= len(y)
    return W - lr * (X.T @ grad), b - lr * grad.sum(axis=0), np.mean(lse - z[rows, y])


def _problem(rng, n, d, c, scale=1.0):
    return (rng.normal(scale=scale, size=(d, c)), rng.normal(size=c), rng.normal(size=(n, d)),
            rng.integers(0, c, size=n))


_rng = np.random.default_rng(90)
_W, _b, _X, _y = _problem(_rng, 8, 5, 4)
_Wb, _bb, _Xb, _yb = _problem(_rng, 64, 20, 300)
_off = _rng.normal(size=3)
_off[1] = -np.inf
_f32 = tuple(a.astype(np.float32) for a in (_W, _b, _X)) + (_y,)
_cases = [
    ("the reship ticket as lists", ([[3.0, 1.0, 0.0]], [0.0, 0.0, 0.0], [[1.0]], [1], 0.25), {}),
    ("a random batch (N=8, d=5, C=4)", (_W, _b, _X, _y, 0.1), {}),
    ("integer word counts as X", (_W, _b, _rng.poisson(1.0, size=(8, 5)), _y, 0.3), {}),
    ("int32 targets", (_W, _b, _X, _y.astype(np.int32), 0.1), {}),
    ("lr = 0", (_W, _b, _X, _y, 0.0), {}),
    ("a large lr", (_W, _b, _X, _y, 50.0), {}),
    ("one example", (_W, _b, _X[:1], _y[:1], 0.5), {}),
    ("two classes, one feature", (_W[:1, :2], _b[:2], _X[:, :1], _y % 2, 0.5), {}),
    ("300 classes (a small vocabulary)", (_Wb, _bb, _Xb, _yb, 1.0), {}),
    ("logits of +-1000", (_W, _b, 1000.0 * _X, _y, 0.01), {}),
    ("a class switched off with b = -inf", (_W[:, :3], _off, _X, np.array([0, 2, 2, 0, 2, 0, 0, 2]), 0.2),
     {}),
    ("a class no example has", (_W, _b, _X, np.where(_y == 3, 0, _y), 0.2), {}),
    ("a feature that is always 0", (_W, _b, np.hstack([_X[:, :4], np.zeros((8, 1))]), _y, 0.2), {}),
]
_float32_cases = [("float32 W, b and X", (*_f32, 0.1), {})]
for _i, _what in enumerate(("new W", "new b")):
    battery(lambda *a, _i=_i: train_step(*a)[_i], lambda *a, _i=_i: _reference_step(*a)[_i],
            [(f"{_label}: {_what}", _args, _kw) for _label, _args, _kw in _cases + _float32_cases])
battery(lambda *a: train_step(*a)[2], lambda *a: _reference_step(*a)[2],
        [(f"{_label}: loss", _args, _kw) for _label, _args, _kw in _cases])
_out = train_step(_W, _b, _X, _y, 0.5)
expect(_out[0] is not _W and _out[1] is not _b, "train_step returned the arrays it was given, not new ones")
_loss32 = train_step(*_f32, 0.1)[2]
expect(isinstance(_loss32, float), "float32 W, b and X: the loss is not a Python float")
expect_close(_loss32, _reference_step(*_f32, 0.1)[2], "float32 W, b and X: loss", rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Check your gradient numerically
#
# A wrong gradient does not crash: the loss just falls slowly, or not at all. So check it
# the way 06 taught, with central differences, and with nothing but your `train_step`:
# with `lr = 0` it is a loss function, and with `lr = 1` the step it takes is exactly
# minus the gradient it computed.

# %%
with uses_your(train_step):
    rng = np.random.default_rng(0)
    X_tiny, y_tiny = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    W_tiny, b_tiny = rng.normal(size=(4, 3)), rng.normal(size=3)


    def loss_of(W, b, X, y):
        """The mean loss of the parameters (W, b) on (X, y): your train_step, moving nothing."""
        return train_step(W, b, X, y, 0.0)[2]


    W_next, b_next, _ = train_step(W_tiny, b_tiny, X_tiny, y_tiny, 1.0)
    analytic_W, analytic_b = W_tiny - W_next, b_tiny - b_next   # lr = 1: the step is the gradient
    eps = 1e-6
    numeric_W = np.zeros_like(W_tiny)
    for idx in np.ndindex(W_tiny.shape):
        up, down = W_tiny.copy(), W_tiny.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric_W[idx] = (loss_of(up, b_tiny, X_tiny, y_tiny) - loss_of(down, b_tiny, X_tiny, y_tiny)) / (2 * eps)
    numeric_b = np.array([(loss_of(W_tiny, b_tiny + eps * e, X_tiny, y_tiny)
                           - loss_of(W_tiny, b_tiny - eps * e, X_tiny, y_tiny)) / (2 * eps) for e in np.eye(3)])
    print(f"largest difference, W: {np.abs(analytic_W - numeric_W).max():.1e}")
    print(f"largest difference, b: {np.abs(analytic_b - numeric_b).max():.1e}")

# %% [markdown]
# Differences around $10^{-10}$ mean the two agree to the precision central differences
# can reach. A missing $1/N$ would show up here as a factor of 6, a wrong sign as a
# difference as large as the gradient itself.

# %% [markdown]
# ## 5. The data: a help desk's tickets
#
# `logitlab.datasets` holds 360 short help-desk tickets, generated by a small phrase
# grammar with a fixed seed, each labelled with what the desk did: refund, reship or
# escalate. Many tickets say what the customer wants; some only describe the problem, and
# then the label is a matter of the desk's habits. No model can be right about all of
# those, just as with real data. The first 240 tickets are for training, the other 120
# for **validation**: they are never trained on, and tell us how well the model does on
# tickets it has not seen.

# %%
train, val = datasets.tickets("train"), datasets.tickets("val")
for text, label in zip(train.texts[:6], train.labels[:6]):
    print(f"{labels[label]:>9}  {text}")
print(f"\n{len(train.texts)} training and {len(val.texts)} validation tickets")
print("training tickets per label:", dict(zip(labels, np.bincount(train.labels).tolist())))

# %% [markdown]
# A model needs numbers. The simplest features of a text are **word counts** (a "bag of
# words"): one feature per word of a vocabulary, holding how often that word occurs in
# the ticket. The vocabulary comes from the training tickets only, and the validation
# tickets are counted with the same vocabulary (a word the model never saw has no weight,
# so it is dropped). Each column of $W$ then says how much each word argues for one label.

# %%
vocab = datasets.vocabulary(train.texts)
X_train, y_train = datasets.bag_of_words(train.texts, vocab), train.labels
X_val, y_val = datasets.bag_of_words(val.texts, vocab), val.labels
print("X_train:", X_train.shape, " X_val:", X_val.shape, f" ({len(vocab)} words)")
first = X_train[0]
print("ticket 0 as counts:", {vocab[i]: int(first[i]) for i in np.flatnonzero(first)})

# %% [markdown]
# ## 6. Exercise: implement `fit`
#
# `fit` is the training loop. To be reproducible, and so that the grader can replay it
# exactly, it starts from one precise, seeded initialisation:
#
# ```python
# W = rng.normal(scale=0.01, size=(d, num_classes))   # d = number of columns of X
# b = np.zeros(num_classes)
# ```
#
# Why small random numbers? In deep networks, weights that all start equal stay equal, so
# they start random; for our linear model zeros would work as well. Why **small**? With
# weights of about 0.01 every logit starts near 0, every class near probability $1/C$:
# the model starts out knowing that it knows nothing (section 7 shows why that matters).
#
# Write `fit(X, y, num_classes, lr, steps, rng)`:
#
# - `X` is `(N, d)`, `y` is `(N,)` integer labels (lists work too), `num_classes` is $C$
#   (it may exceed the labels present), `rng` is a `numpy.random.Generator`;
# - initialise **exactly** as above: `W` first, with that one call of `rng.normal`, and
#   draw nothing else from `rng`;
# - then take `steps` steps, each one call of **your** `train_step(W, b, X, y, lr)`,
#   starting from where the previous step left off;
# - return `(W, b, history)`: the parameters after the last step, and `history`, a list of
#   `steps` floats where `history[k]` is the loss `train_step` reported at step `k`, i.e.
#   the loss **before** that step. So `history[0]` is the loss at the initialisation, and
#   the loss of the returned parameters is not in it; `steps = 0` returns the
#   initialisation and `[]`.

# %%
hints("fit")

# %% nbgrader={"grade_id": "fit", "solution": true}
import numpy as np


def fit(X, y, num_classes, lr, steps, rng):
    """Train a softmax classifier from the documented seeded start: (W, b, history)."""
    ### BEGIN SOLUTION
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
    ### END SOLUTION


# %%
check("fit", fit)

# %% nbgrader={"grade_id": "test_fit", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("fit", fit, part="core")

# %% nbgrader={"grade_id": "test_fit_edge", "grade": true, "points": 1}
# Graded: edge cases (more classes than labels, lists). More cases are tested when your
# notebook is graded: other shapes, seeds, step counts and learning rates, replayed step
# by step with your own train_step, and the state your rng is left in.
assert_check("fit", fit, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.checks import learner_scope, siblings_pass
from logitlab.testing import CheckFailed, expect, expect_close


def _trusted_step(W, b, X, y, lr):
    W, b, X = (np.asarray(a, dtype=np.float64) for a in (W, b, X))
    y = np.asarray(y)
    rows = np.arange(len(y))
    z = X @ W + b
    top = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]
    grad = np.exp(z - lse[:, None])
    grad[rows, y] -= 1.0
    grad /= len(y)
    return W - lr * (X.T @ grad), b - lr * grad.sum(axis=0), np.mean(lse - z[rows, y])


# fit is graded on its own: the expected run is replayed with the learner's own train_step
# when it fails its checks, so a mistake there costs points only in train_step's cells;
# when it passes them, it agrees with this trusted step, which replays instead: nothing
# train_step does once its own cells are done can make the replay agree with a fit that
# does not train.
_own_step = learner_scope(fit).get("train_step")
expect(callable(_own_step), "fit needs your train_step: run its cell first")
_step = _trusted_step if siblings_pass(fit, "train_step") else _own_step


def _reference_fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in range(steps):
        W, b, loss = _step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history


_rng = np.random.default_rng(91)
_Xc = _rng.poisson(0.6, size=(40, 12)).astype(float)
_yc = _rng.integers(0, 3, size=40)
_Xr = _rng.normal(size=(15, 4))
_cases = [
    ("40 x 12 word counts, 3 classes, 25 steps", _Xc, _yc, 3, 0.5, 25),
    ("steps = 0", _Xc, _yc, 3, 0.5, 0),
    ("steps = 1", _Xc, _yc, 3, 0.5, 1),
    ("5 classes, only 0 and 3 present", _Xr, np.where(_rng.random(15) < 0.5, 0, 3), 5, 0.1, 10),
    ("two classes, one feature", _Xr[:, :1], _rng.integers(0, 2, size=15), 2, 1.0, 12),
    ("X and y as lists", _Xr.tolist(), _rng.integers(0, 4, size=15).tolist(), 4, 0.3, 6),
    ("integer X", _Xc.astype(int), _yc, 3, 0.2, 8),
    ("a large learning rate", _Xr, _rng.integers(0, 3, size=15), 3, 40.0, 15),
    ("one example", _Xr[:1], np.array([2]), 3, 0.5, 5),
]
_failures = []
for _seed, (_label, _X, _y, _C, _lr, _steps) in enumerate(_cases):
    _before = (np.array(_X, dtype=float), np.array(_y))
    _mine, _theirs = np.random.default_rng(500 + _seed), np.random.default_rng(500 + _seed)
    try:
        _got = fit(_X, _y, _C, _lr, _steps, _mine)
        _W, _b, _h = _got
    except Exception as _exc:
        _failures.append(f"{_label}: raised {type(_exc).__name__}")
        continue
    _want = _reference_fit(_X, _y, _C, _lr, _steps, _theirs)
    try:
        expect_close(_W, _want[0], f"{_label}: W", rtol=1e-10, atol=1e-12)
        expect_close(_b, _want[1], f"{_label}: b", rtol=1e-10, atol=1e-12)
        expect_close(np.array(list(_h), dtype=float), np.array(_want[2], dtype=float).reshape(-1),
                     f"{_label}: history", rtol=1e-10, atol=1e-12)
    except CheckFailed as _err:
        _failures.append(str(_err))
        continue
    if _mine.bit_generator.state != _theirs.bit_generator.state:
        _failures.append(f"{_label}: rng was used for more (or less) than the one draw of W")
    elif not (np.array_equal(_before[0], np.array(_X, dtype=float))
              and np.array_equal(_before[1], np.array(_y))):
        _failures.append(f"{_label}: X or y was modified")
if _failures:
    raise CheckFailed(f"{len(_failures)} hidden case(s) failed:\n- " + "\n- ".join(_failures))
### END HIDDEN TESTS

# %% [markdown]
# ## 7. The first sanity check: the loss at initialisation
#
# Before looking at any curve, look at the very first loss. With logits near 0 every class
# has probability about $1/C$, so the first loss must be about
#
# $$-\log \tfrac{1}{C} = \log C: \qquad \log 3 = 1.0986 \text{ for the router.}$$

# %%
with uses_your(train_step, fit):
    W, b, history = fit(X_train, y_train, 3, lr=0.5, steps=200, rng=np.random.default_rng(0))
    print(f"first loss: {history[0]:.4f}")
    print(f"log(3)    : {np.log(3):.4f}")
    print(f"last loss : {history[-1]:.4f} after {len(history)} steps")

# %% [markdown]
# The check costs nothing: it needs no training, and you know the answer before you run
# anything. Yet the first loss passes through the whole pipeline (data, labels, model,
# loss) and many bugs move it far from $\log C$. Here is what some broken setups report
# at the start, measured on the same tickets:

# %%
with uses_your(train_step, fit):
    d = X_train.shape[1]
    starts = {
        "as fit does: W = 0.01 * normal": loss_of(0.01 * rng.normal(size=(d, 3)), np.zeros(3), X_train, y_train),
        "W drawn with scale 1": loss_of(rng.normal(size=(d, 3)), np.zeros(3), X_train, y_train),
        "W drawn with scale 10": loss_of(10 * rng.normal(size=(d, 3)), np.zeros(3), X_train, y_train),
        "loss summed over the batch": len(y_train) * loss_of(np.zeros((d, 3)), np.zeros(3), X_train, y_train),
        "loss in bits (log2), not nats": loss_of(np.zeros((d, 3)), np.zeros(3), X_train, y_train) / np.log(2),
    }
    for setup, first_loss in starts.items():
        print(f"{setup:32} first loss {first_loss:8.3f}")
    print(f"\nfor a vocabulary of 50,257 tokens, log V = {np.log(50257):.2f}; of 128,000: {np.log(128000):.2f}")

# %% [markdown]
# - **Far above $\log C$**: the model starts confident and wrong (weights too large), or
#   the loss is summed instead of averaged, or taken in another unit. The first steps
#   are then spent undoing the start, and a large start can make training unstable.
# - **Far below $\log C$** before any training: something tells the model the answer
#   (a label copied into the features), or the "loss" is not the loss.
# - **Exactly the same value for every batch, and it never moves**: the parameters are not
#   updated (a step that returns the old `W`), or the learning rate is 0.
#
# A language model with a vocabulary of 50,257 tokens should start near 10.82. If its
# first loss reads 50, stop and look: no amount of training fixes a broken pipeline.

# %% [markdown]
# ## 8. Training and validation curves
#
# The training loss says how well the model fits the tickets it learns from; the
# validation loss, how well that carries over to tickets it has never seen. Record both
# at every step: the curves below take the start from your `fit` with `steps=0`, then
# call your `train_step`, measuring the validation loss before each step as `history`
# measures the training loss.

# %%
with uses_your(train_step, fit):
    def curves(X, y, X_val, y_val, lr, steps, seed=0):
        """Train as fit does; return the training and validation losses before every step."""
        W, b, _ = fit(X, y, 3, lr, 0, np.random.default_rng(seed))  # steps=0: the start
        train_losses, val_losses = [], []
        for _ in range(steps):
            val_losses.append(loss_of(W, b, X_val, y_val))
            W, b, loss = train_step(W, b, X, y, lr)
            train_losses.append(loss)
        return np.array(train_losses), np.array(val_losses), W, b


    train_curve, val_curve, W, b = curves(X_train, y_train, X_val, y_val, lr=0.5, steps=200)
    accuracy = np.mean(np.argmax(X_val @ W + b, axis=1) == y_val)
    print(f"after 200 steps: training loss {train_curve[-1]:.3f}, validation loss {val_curve[-1]:.3f}")
    print(f"validation accuracy: {100 * accuracy:.0f}% of {len(y_val)} tickets")

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.plot(train_curve, color=MAIN, label="training loss")
    ax.plot(val_curve, color=ACCENT, label="validation loss")
    ax.axhline(np.log(3), color="0.5", ls=":", lw=1)
    ax.annotate("log 3: a uniform guess", (199, np.log(3)), xytext=(0, 4), textcoords="offset points",
                ha="right", fontsize=8, color="0.4")
    ax.set_ylim(0, 1.25)
    ax.set_xlabel("step")
    ax.set_ylabel("mean loss")
    ax.set_title("The ticket router learns (lr = 0.5)")
    ax.legend()
    plt.show()

# %% [markdown]
# Both curves fall, fast at first and then slowly; the validation loss stays above the
# training loss, as it usually does. The gap is what the model learned about these
# particular 240 tickets rather than about tickets in general. The trained model on a few
# tickets we just wrote:

# %%
with uses_your(train_step, fit):
    new_tickets = ["my kettle arrived broken please send a new one",
                   "where is my order i want my money back",
                   "this is the third time i write about my lamp"]
    for text, scores in zip(new_tickets, datasets.bag_of_words(new_tickets, vocab) @ W + b):
        probs = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        print(f"{labels[int(np.argmax(probs))]:>9} ({probs.max():.2f})  {text}")

# %% [markdown]
# ## 9. The learning rate: too low, about right, too high
#
# The learning rate is the size of every step. Three runs from the same start:

# %%
with uses_your(train_step, fit):
    rates = {0.005: "too low", 0.5: "about right", 100.0: "too high"}
    runs = {lr: curves(X_train, y_train, X_val, y_val, lr=lr, steps=200)[:2] for lr in rates}
    for lr, (losses, val_losses) in runs.items():
        print(f"lr = {lr:<6} {rates[lr]:12} first training losses {np.round(losses[:6], 1)}")
        print(f"{'':22} after 200 steps: training {losses[-1]:.3f}, validation {val_losses[-1]:.3f}")
    slow_end = runs[0.005][0][-1]
    print(f"lr = 0.5 was below {slow_end:.3f} already at step {int(np.argmax(runs[0.5][0] < slow_end))}")

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for (lr, (losses, _)), colour in zip(runs.items(), (ACCENT, MAIN, WARN)):
        ax.plot(losses, color=colour, label=f"lr = {lr:g} ({rates[lr]})")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (log scale)")
    ax.set_title("Same model, same data, three learning rates")
    ax.legend()
    plt.show()

# %% [markdown]
# - **Too low** (0.005): every step is safe and tiny. After 200 steps the loss is where
#   the run with lr = 0.5 was after a handful of steps: the same result costs about a
#   hundred times more steps, and compute.
# - **Too high** (100): each step overshoots the valley and lands higher up on the other
#   side: within five steps the loss goes from 1.1 to about 40, and it bounces for a long
#   time. This simple model does come down in the end, but only by making its weights
#   enormous: it is wildly overconfident, and its validation loss ends several times
#   above the uniform guess $\log 3$. In a deep network a learning rate this high usually
#   turns the loss into `inf`, then `nan` (here it stays finite because the loss is
#   computed from the logits with the max subtracted).
# - **About right** (0.5): fast at first, then steady, on training and validation data.
#
# In practice: try learning rates a factor of 3 to 10 apart, keep the largest one whose
# loss falls smoothly, and lower it as training goes on (a learning-rate schedule).

# %% [markdown]
# ## 10. Overfitting: a model too large for its data
#
# Our router has $3 \times (d + 1)$ parameters: one weight per word and label, plus the
# biases. Train the same model on only 20 tickets, with a vocabulary built from those 20,
# and compare it with the model trained on all 240:

# %%
with uses_your(train_step, fit):
    few = 20
    vocab_few = datasets.vocabulary(train.texts[:few])
    X_few, y_few = datasets.bag_of_words(train.texts[:few], vocab_few), y_train[:few]
    X_val_few = datasets.bag_of_words(val.texts, vocab_few)

    steps = 400
    few_train, few_val, _, _ = curves(X_few, y_few, X_val_few, y_val, lr=1.0, steps=steps)
    all_train, all_val, _, _ = curves(X_train, y_train, X_val, y_val, lr=1.0, steps=steps)
    for name, n, d_words, tr, va in [(f"{few} tickets", few, len(vocab_few), few_train, few_val),
                                     ("240 tickets", len(y_train), len(vocab), all_train, all_val)]:
        best = int(np.argmin(va))
        print(f"{name:11}: {3 * (d_words + 1)} parameters for {n} examples; training loss {tr[-1]:.3f}, "
              f"validation loss lowest {va[best]:.3f} at step {best}, {va[-1]:.3f} at step {steps}")

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
    for ax, tr, va, title in [(axes[0], few_train, few_val, f"{few} training tickets: overfitting"),
                              (axes[1], all_train, all_val, "240 training tickets")]:
        ax.plot(tr, color=MAIN, label="training loss")
        ax.plot(va, color=ACCENT, label="validation loss")
        best = int(np.argmin(va))
        ax.axvline(best, color="0.5", ls=":", lw=1)
        ax.annotate(f"lowest validation\nloss: step {best}", (best, va[best]), xytext=(8, 30),
                    textcoords="offset points", fontsize=8)
        ax.set_title(title)
        ax.set_xlabel("step")
    axes[0].set_ylabel("mean loss")
    axes[0].legend()
    plt.show()

# %% [markdown]
# With 20 tickets and more than ten times as many parameters, the model can give every
# training ticket its right label through words that only that ticket contains (the
# product, the greeting): the training loss goes to almost 0 while the validation loss
# turns **up** after about twenty steps. It memorises, and grows more confident about what
# it memorised, which the validation tickets punish. With 240 tickets the turn comes much
# later and is much smaller.
#
# The cures: keep the parameters from the step with the lowest validation loss (early
# stopping), get more data, or make the model smaller or more constrained (fewer
# features, weight decay). All of them need the validation curve to be noticed.

# %% [markdown]
# ## 11. A language model is the same classifier
#
# A next-word model predicts the next word of a text from the words before it. Its
# classes are the **vocabulary**. The simplest version looks at one word only (a
# **bigram** model): the feature vector is the one-hot vector of the current word, and
# the target is the next word, the shift of 07. With one-hot rows, $XW$ simply picks the
# row of $W$ belonging to the current word: row $w$ of $W$ (plus $b$) holds the logits of
# the word that follows $w$. Everything else, the loss, the gradient, `train_step` and
# `fit`, is unchanged. The corpus is the tickets themselves, each one ended by a token
# `<end>`, which also serves as the start of the next ticket: half of the training tickets
# (to keep this notebook quick; the lab in section 12 uses all of them), and the
# validation tickets to measure it.

# %%
stream = datasets.token_stream(train.texts[:120])
words = sorted(set(stream))
V = len(words)
index = {word: i for i, word in enumerate(words)}
ids = np.array([index[word] for word in stream])
val_ids = np.array([index[word] for word in datasets.token_stream(val.texts)])
X_lm, y_lm = np.eye(V)[ids[:-1]], ids[1:]            # current word (one-hot) -> next word
X_lm_val, y_lm_val = np.eye(V)[val_ids[:-1]], val_ids[1:]
print(f"vocabulary: {V} words; {len(y_lm)} training and {len(y_lm_val)} validation positions")
print("first pairs:", [(words[a], words[c]) for a, c in zip(ids[:4], ids[1:5])])

# %% [markdown]
# The sanity check first: with $V$ classes the first loss should be about $\log V$. The
# learning rate is large here for a reason. The gradient of row $w$ is an average over
# *all* positions, and only the few percent where $w$ is the current word contribute, so
# each row's gradient is small; a larger step compensates. (Optimisers such as Adam adapt
# the step of each parameter instead.)

# %%
with uses_your(train_step, fit):
    W_lm, b_lm, history_lm = fit(X_lm, y_lm, V, lr=50.0, steps=80, rng=np.random.default_rng(0))
    val_lm = loss_of(W_lm, b_lm, X_lm_val, y_lm_val)
    print(f"first loss {history_lm[0]:.3f}, log V = {np.log(V):.3f}")
    print(f"after {len(history_lm)} steps: training loss {history_lm[-1]:.3f}, validation loss {val_lm:.3f}")
    print(f"validation perplexity {np.exp(val_lm):.1f}: choosing between about that many words, not {V}")

# %% [markdown]
# Perplexity, from 05, reads the loss as a number of equally likely choices: from $V$
# words at the start down to a handful. Now let the model write. Start after `<end>`,
# turn the row of the current word into probabilities, draw the next word with a seeded
# generator (04), and repeat until `<end>`:

# %%
with uses_your(train_step, fit):
    def sample(W, b, rng, max_words=16):
        """One ticket written by the bigram model (W, b), word by word."""
        word, text = index[datasets.END], []
        for _ in range(max_words):
            z = W[word] + b                                # the logits after `word`
            probs = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            word = int(rng.choice(V, p=probs))
            if words[word] == datasets.END:
                break
            text.append(words[word])
        return " ".join(text)


    W_start, b_start, _ = fit(X_lm, y_lm, V, lr=50.0, steps=0, rng=np.random.default_rng(0))
    for name, params in [("before training", (W_start, b_start)), ("after training", (W_lm, b_lm))]:
        rng = np.random.default_rng(1)
        print(name)
        for _ in range(3):
            print("   ", sample(*params, rng))

# %% [markdown]
# Before training every word is about equally likely after every word: word salad. After
# 80 steps each word is followed by words that followed it in the tickets; the samples
# are locally plausible and globally aimless, because a bigram model remembers one word
# of context. A transformer is this model with a much better feature vector: instead of
# the one-hot of the current word, a hidden state that attention (08) has built from the
# whole context. Its output head, its loss and its training loop are the ones you just
# wrote.

# %% [markdown]
# ## 12. Train it yourself
#
# The lab below trains with **your** `train_step`, from $W = 0$ and $b = 0$ (every class
# at $1/C$, the first loss exactly $\log C$); the validation loss is your `train_step`
# with `lr = 0` on the validation set. Pick a task and a learning rate, press **train**,
# and watch the curves grow. Try:
#
# - the router with learning rates of 0.005, 0.5, 5 and 100;
# - the router on 20 tickets: find the step where the validation loss turns up;
# - the next-word model: read its samples, then train it with a learning rate of 1 and
#   read them again.

# %%
training_lab(train_step)

# %% [markdown]
# ## 13. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | the first loss is far above $\log C$ | weights initialised too large (confident and wrong), or the loss summed over the batch | draw `W` with `scale=0.01`; average the loss |
# | the first loss is far below $\log C$ before any training | the label leaks into the features, or the number reported is not the loss | build features without the label; report `logsumexp(z) - z[target]` |
# | the loss rises steadily from the start | the step goes uphill: `W + lr * dW` | `W - lr * dW` |
# | the loss jumps up and down, grows, or becomes `nan` | learning rate too high | lower it by a factor of 3 to 10 |
# | the loss barely moves from $\log C$ | learning rate too low, or the updated parameters are not kept | raise the learning rate; assign `W, b, loss = train_step(...)` |
# | a learning rate that worked diverges after doubling the batch size | the gradient is summed over the batch, not averaged | divide `P - Y` by `N` |
# | the same seed gives a different run every time | randomness from `np.random.*` or a new generator | draw from the `rng` you are given |
# | the caller's `W` changes after `train_step`; saved checkpoints are all equal | in-place updates (`W -= ...`) | build new arrays: `W - lr * dW` |
# | `ValueError: matmul: ... mismatch` in `X @ W` | `W` stored as `(C, d)` | `W` is `(d, C)`: features in, classes out |
# | validation loss rises while training loss falls | overfitting: too many parameters for the data | keep the step with the lowest validation loss; more data; fewer features |
# | validation results make no sense at all | validation features built with their own vocabulary | build the vocabulary once, from the training data, and reuse it |

# %% [markdown]
# ## 14. In your own words
#
# In two sentences: you start training a classifier with 10 classes and the first loss it
# reports is 23.7. Why should you stop before training further, and what two things would
# you check first? Write your answer in the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_training", "solution": true, "grade": true, "points": 2}
# A model that has learned nothing should predict about 1/10 for every class, so its first
# loss should be about log 10 = 2.30; 23.7 means the pipeline is wrong before any learning
# has happened, and training on would only hide the bug (or blow up). I would check the
# initialisation (weights drawn too large make confident, wrong first predictions) and the
# loss itself (summed over the batch instead of averaged, or computed from the wrong
# probabilities or labels).
#
# **Rubric (2 points):** 1 point for comparing with the expected first loss, log C = log 10
# ≈ 2.3 for near-uniform predictions (saying "it should start near log of the number of
# classes" is enough); 1 point for two plausible checks, e.g. the initialisation scale, a
# sum instead of a mean, the wrong units or probabilities fed to the loss, labels that do
# not match the classes.

# %% [markdown]
# ## 15. Self-check

# %%
quiz("09_training")

# %% [markdown]
# ## Next
#
# You have written a training loop from the logits up. [**10_pytorch**](../10_pytorch/10_pytorch.ipynb) does the same with
# the library most models are trained with: `nn.CrossEntropyLoss` and `F.cross_entropy`
# take raw logits, autograd computes the gradient you derived by hand, and one classic bug
# (feeding probabilities where logits belong) gives a wrong loss without any error.
