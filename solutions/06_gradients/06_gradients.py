# %% [markdown]
# # 06 · The gradient p − y
#
# In 05 you measured how wrong a prediction is: the cross-entropy loss. Measuring is
# half of training. The other half is knowing which way to move the logits so that the
# loss goes down, and by how much: the **gradient**. For softmax followed by
# cross-entropy the gradient is so simple that every framework computes it as one
# subtraction, and this notebook shows why.
#
# **By the end of this notebook you can**
# - derive, in three lines, that the gradient of cross-entropy with respect to the
#   logits is $p - y$;
# - read the reship ticket's gradient $[0.844, -0.886, 0.042]$ entry by entry, and take
#   one gradient-descent step on its logits by hand;
# - explain why the gradient of a **mean** loss over a batch carries a $1/N$;
# - implement `cross_entropy_grad(logits, target)` for one row or a batch;
# - implement `numerical_gradient(f, x, eps)` with central differences, choose `eps`
#   knowing what goes wrong when it is too large or too small, and use it to check a
#   gradient with a relative error.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check, uses_your
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.gradients import descent_explorer, eps_explorer

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Where p − y comes from
#
# Write $z$ for the logits of one example, $t$ for the index of the correct class and
# $p = \mathrm{softmax}(z)$. In 05 you computed the loss straight from the logits:
#
# $$L(z) = \log \sum_j e^{z_j} \; - \; z_t .$$
#
# Differentiate with respect to one logit $z_i$, one term at a time.
#
# - **The log-sum-exp term.** The derivative of $\log u$ is $u'/u$. Only one term of
#   the sum contains $z_i$, and its derivative is $e^{z_i}$, so
#   $\dfrac{\partial}{\partial z_i} \log \sum_j e^{z_j} = \dfrac{e^{z_i}}{\sum_j e^{z_j}} = p_i$.
#   The derivative of log-sum-exp *is* softmax.
# - **The $-z_t$ term.** It depends on $z_i$ only when $i = t$, with derivative $-1$.
#   Writing $y$ for the one-hot vector of the target ($y_t = 1$, every other entry 0),
#   that is $-y_i$.
#
# Together:
#
# $$\frac{\partial L}{\partial z_i} = p_i - y_i, \qquad \nabla_z L = p - y.$$
#
# What the formula says, entry by entry:
#
# - a **wrong class** $i \ne t$ gets $p_i > 0$: gradient descent lowers its logit, and
#   lowers it more the more probability it wrongly holds;
# - the **target** gets $p_t - 1 < 0$: its logit goes up, by an amount proportional to
#   $1 - p_t$, the probability it is still missing;
# - the entries **sum to zero** (both $p$ and $y$ sum to 1), so a step never moves all
#   logits together; that would change nothing anyway, since softmax ignores a shift;
# - every entry lies between $-1$ and $1$: however wrong the model, the gradient of
#   this loss never explodes, and when the model is right and sure, it fades to zero.

# %% [markdown]
# ## 2. The reship ticket
#
# Our support-ticket router scores a message as **refund 3.0, reship 1.0, escalate
# 0.0**, but the right action is *reship*. In 05 the loss came out at 2.17. Now the
# gradient:

# %%
labels = ["refund", "reship", "escalate"]
z = np.array([3.0, 1.0, 0.0])
target = 1  # reship

exps = np.exp(z - z.max())       # shifting by the max changes nothing (03) and is safe
p = exps / exps.sum()
y = np.eye(len(z))[target]       # one-hot: [0, 1, 0]
loss = -np.log(p[target])

print("p     =", p)              # 0.844, 0.114, 0.042
print("loss  =", round(loss, 3))  # 2.17
print("p - y =", p - y)          # 0.844, -0.886, 0.042

# %% [markdown]
# Check the middle entry by hand: $0.114 - 1 = -0.886$. The other two are just the
# probabilities, because $y$ is 0 there. The largest push by far goes to *refund*: it
# holds 84% of the probability and deserves none of it.
#
# A derivative is a rate: change the reship logit by a tiny $h$ and the loss should
# change by about $-0.886\,h$. We can watch that happen.

# %%
def ticket_loss(logits):
    """Cross-entropy of the ticket from its logits: logsumexp(z) - z[target]."""
    top = logits.max()
    return np.log(np.exp(logits - top).sum()) + top - logits[target]


h = 1e-4
nudge = np.array([0.0, h, 0.0])
print("(L(z + h e_reship) - L(z)) / h =", round((ticket_loss(z + nudge) - ticket_loss(z)) / h, 4))

# %% [markdown]
# ## 3. One step of gradient descent on the logits
#
# Gradient descent moves against the gradient: $z \leftarrow z - \eta\,(p - y)$, with a
# learning rate $\eta$. Take one step with $\eta = 0.5$:

# %%
lr = 0.5
z_new = z - lr * (p - y)
exps_new = np.exp(z_new - z_new.max())
p_new = exps_new / exps_new.sum()
loss_new = -np.log(p_new[target])

print("new logits =", z_new)                                   # 2.578, 1.443, -0.021
print("new p      =", p_new)
print(f"p(reship): {p[target]:.3f} -> {p_new[target]:.2f}")    # 0.114 -> 0.23
print(f"loss:      {loss:.2f} -> {loss_new:.3f}")              # 2.17 -> 1.469
print("sum of the logits before and after:", z.sum(), round(z_new.sum(), 12))

# %% [markdown]
# Drawn as arrows on the logits: each logit moves by $-0.5\,(p_i - y_i)$. The target,
# reship, is the only one whose $p - y$ is negative, so it is the only one that rises.

# %%
plots.gradient_arrows(logits=z, target=target, lr=lr, labels=["refund", "reship", "escalate"])

# %% [markdown]
# One step doubles the probability of the right answer, and the loss drops from 2.17
# to 1.469. The reship logit went up by $0.5 \times 0.886 = 0.443$, refund went down
# by $0.422$ and escalate by $0.021$; the sum of the logits did not move, because the
# gradient sums to zero.
#
# A real model does not own its logits: they are computed from weights. Training
# passes $p - y$ backwards through the network (the chain rule) to get the gradient for
# every weight; notebook 09 does exactly that for a linear classifier. The $p - y$ at
# the top is always the same.

# %% [markdown]
# ### Why cross-entropy and not squared error?
#
# Suppose the model is confidently wrong: logits **[8, 0, 0]**, target *reship*. Then
# $p \approx [0.9993, 0.0003, 0.0003]$ and the cross-entropy gradient is about
# $[0.9993, -0.9997, 0.0003]$: a strong push in the right direction.
#
# Now use the squared error between probabilities and target instead,
# $\tfrac12 \sum_i (p_i - y_i)^2$. Its gradient with respect to the logits goes
# through the softmax, whose Jacobian is $J = \mathrm{diag}(p) - p\,p^\top$:
# $\nabla_z = J^\top (p - y)$. When softmax is saturated every entry of $J$ is tiny,
# and so is the gradient:

# %%
z_sat = np.array([8.0, 0.0, 0.0])
p_sat = np.exp(z_sat - z_sat.max()) / np.exp(z_sat - z_sat.max()).sum()
jacobian = np.diag(p_sat) - np.outer(p_sat, p_sat)

grad_ce = p_sat - y
grad_sq = jacobian.T @ (p_sat - y)
print("cross-entropy gradient :", grad_ce.round(4).tolist())   # 0.9993, -0.9997, 0.0003
print("squared-error gradient :", grad_sq.round(4).tolist())   # 0.001, -0.0007, -0.0003
print(f"size ratio: {np.linalg.norm(grad_ce) / np.linalg.norm(grad_sq):.0f} times")

# %% [markdown]
# More than a thousand times weaker, exactly when the model most needs correcting. The
# $\log$ in cross-entropy cancels the exponential in softmax, and what is left, $p - y$,
# stays large while the model is wrong.

# %% [markdown]
# ## 4. A batch: the mean loss and its 1/N
#
# Training uses a batch of $N$ examples and minimises the **mean** loss
# $L = \frac{1}{N}\sum_{n=1}^{N} L_n$. The logits of row $n$ appear only in $L_n$, so
#
# $$\frac{\partial L}{\partial z_n} = \frac{1}{N}\,(p_n - y_n).$$
#
# Each row gets its own $p - y$, divided by $N$. Why a mean and not a sum? With a sum,
# doubling the batch would double every step, and the learning rate would have to be
# re-tuned for every batch size. With the mean, the scale of the gradient does not
# depend on $N$. Here are two tickets in one batch, one row at a time:

# %%
batch = np.array([[3.0, 1.0, 0.0],     # the reship ticket
                  [0.5, 0.0, 2.0]])    # a ticket whose answer is escalate
batch_targets = [1, 2]
N = len(batch)
for row, t in zip(batch, batch_targets):
    e = np.exp(row - row.max())
    print(f"row {row}: p - y = {e / e.sum() - np.eye(3)[t]},  (p - y) / N = {(e / e.sum() - np.eye(3)[t]) / N}")

# %% [markdown]
# ## 5. Exercise: implement `cross_entropy_grad`
#
# Write `cross_entropy_grad(logits, target)`, the gradient of the **mean**
# cross-entropy with respect to the logits:
#
# - one row: `logits` of shape `(V,)` and an int `target` give `p - y`;
# - a batch: `logits` of shape `(N, V)` and `N` targets give `(p - y) / N`, row by row;
# - the result has the shape of `logits`; lists and arrays are both accepted;
# - it must stay finite for logits of ±1000, and a `-inf` logit gets gradient 0;
# - do not modify the inputs, and keep float32 logits float32.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("cross_entropy_grad")

# %% nbgrader={"grade_id": "cross_entropy_grad", "solution": true}
import numpy as np


def cross_entropy_grad(logits, target):
    """Gradient of the mean cross-entropy with respect to the logits: (p - y) / N."""
    ### BEGIN SOLUTION
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    target = np.asarray(target)
    exps = np.exp(z - z.max(axis=-1, keepdims=True))
    p = exps / exps.sum(axis=-1, keepdims=True)
    onehot = (np.arange(z.shape[-1]) == target[..., None]).astype(p.dtype)
    return (p - onehot) / target.size
    ### END SOLUTION


# %% [markdown]
# Check your function. Each failing check names what is probably wrong.

# %%
check("cross_entropy_grad", cross_entropy_grad)

# %% nbgrader={"grade_id": "test_cross_entropy_grad", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("cross_entropy_grad", cross_entropy_grad, part="core")

# %% nbgrader={"grade_id": "test_cross_entropy_grad_edge", "grade": true, "points": 2}
# Graded: edge cases (logits of +-1000, -inf logits, a batch of one row). More cases are
# tested when your notebook is graded: larger batches, lists, float32, untouched inputs.
assert_check("cross_entropy_grad", cross_entropy_grad, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_grad(logits, target):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return (p - (np.arange(z.shape[-1]) == t[..., None])) / t.size


_rng = np.random.default_rng(6)
battery(cross_entropy_grad, _reference_grad, [
    ("one row as a list", ([2.0, 1.0, 0.1], 0), {}),
    ("random batch (8, 5)", (_rng.normal(size=(8, 5)), _rng.integers(0, 5, 8)), {}),
    ("batch of 50 rows (the 1/N)", (3 * _rng.normal(size=(50, 4)), _rng.integers(0, 4, 50)), {}),
    ("float32 batch", (_rng.normal(size=(3, 6)).astype(np.float32), np.array([5, 0, 2])), {}),
    ("logits of +-1000", (np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -999.0]]),
                          np.array([2, 0])), {}),
    ("rows with -inf entries", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), [2, 1]), {}),
    ("the target on a -inf logit", (np.array([0.0, -np.inf, 2.0]), 1), {}),
    ("nested lists", ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], [2, 1]), {}),
    ("integer logits, numpy int target", (np.array([3, 1, 0]), np.int64(1)), {}),
    ("a batch of one row", (np.array([[3.0, 1.0, 0.0]]), np.array([1])), {}),
    ("float32 logits of 1000", (np.array([[1000.0, 998.0, 997.0]], dtype=np.float32), [1]), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Gradient descent, step by step
#
# The explorer below runs **your** `cross_entropy_grad` on the reship ticket. Each click
# of **Step** moves the logits by $-\eta \times$ your gradient and adds a row: the new
# logits, $p$, the loss and $p - y$. (It recovers $p$ as your gradient plus the one-hot
# target, so a wrong gradient shows up as a message, not as a silently fixed answer.)
#
# - Click once at learning rate 0.5: you should see p(reship) 0.114 → 0.230 and the loss
#   2.170 → 1.469, as computed above.
# - Keep clicking. The loss falls quickly, then slowly: as $p$ approaches $y$ the
#   gradient shrinks, so the steps shrink by themselves.
# - Reset and try a learning rate of 5: one step nearly solves this single example.
#   (On a real model, whose logits come from shared weights, such a step would damage
#   every other example: that is why learning rates are small.)
# - Watch the sum of the logits: it never changes.

# %%
descent_explorer(cross_entropy_grad, logits=[3.0, 1.0, 0.0], target=1, labels=labels, lr=0.5)

# %% [markdown]
# ## 7. Checking a gradient numerically
#
# Deriving $p - y$ took three lines; the gradient of a new loss or layer can take pages,
# and a sign or a factor of $N$ is easy to lose. The standard safeguard is to compare
# with a **numerical** gradient, computed from loss values alone.
#
# The derivative is the limit of $\big(f(x + h) - f(x)\big)/h$, so a small $h$ gives an
# estimate. A Taylor expansion says how good:
#
# $$f(x \pm h) = f(x) \pm h f'(x) + \tfrac{h^2}{2} f''(x) \pm \tfrac{h^3}{6} f'''(x) + \dots$$
#
# - **Forward difference** $\big(f(x+h) - f(x)\big)/h = f'(x) + \tfrac{h}{2} f''(x) + \dots$:
#   the error shrinks like $h$.
# - **Central difference** $\big(f(x+h) - f(x-h)\big)/(2h) = f'(x) + \tfrac{h^2}{6} f'''(x) + \dots$:
#   the even terms cancel and the error shrinks like $h^2$.
#
# Shrink $h$ tenfold and the forward error drops tenfold, the central error a hundredfold:

# %%
x0, exact = 1.0, np.cos(1.0)   # d/dx sin(x) = cos(x)
for step in [1e-2, 1e-3, 1e-4]:
    forward = (np.sin(x0 + step) - np.sin(x0)) / step
    central = (np.sin(x0 + step) - np.sin(x0 - step)) / (2 * step)
    print(f"h = {step:.0e}:  forward error {abs(forward - exact):.1e}   central error {abs(central - exact):.1e}")

# %% [markdown]
# So why not take $h = 10^{-15}$? Because of **round-off**. A float64 carries about 16
# significant digits, so $f(x+h)$ and $f(x-h)$ each come with an error of roughly
# $u\,|f(x)|$, where $u \approx 2.2 \times 10^{-16}$ is the machine epsilon. When $h$ is
# tiny the two values agree in almost every digit, their difference keeps only the few
# digits that differ, and dividing by $2h$ magnifies the noise: the error grows like
# $u\,|f|/h$. The total error behaves like
#
# $$\frac{h^2}{6}|f'''| + \frac{u\,|f|}{h},$$
#
# smallest near $h \approx u^{1/3} \approx 6 \times 10^{-6}$. Hence the usual
# `eps = 1e-5`. In float32, $u \approx 1.2 \times 10^{-7}$: the best step is about
# $5 \times 10^{-3}$ and the best achievable error only about $10^{-5}$, which is why
# gradient checks are done in float64.

# %%
for step in [1e-5, 1e-9, 1e-13]:
    central = (np.sin(x0 + step) - np.sin(x0 - step)) / (2 * step)
    print(f"h = {step:.0e}:  central error {abs(central - exact):.1e}")

# %% [markdown]
# ## 8. Exercise: implement `numerical_gradient`
#
# Write `numerical_gradient(f, x, eps=1e-5)`: the central-difference gradient of a
# function `f` that takes an array shaped like `x` and returns one number.
#
# - For every entry of `x`, one at a time: evaluate `f` with that entry increased by
#   `eps`, then decreased by `eps` (every other entry unchanged), and store
#   `(f_plus - f_minus) / (2 * eps)` at that entry's index.
# - `x` may have any shape (a single number, a vector, a matrix, ...); the result has
#   the same shape. Always pass `f` an array of `x`'s shape.
# - `x` must be **exactly** unchanged afterwards. Perturb a **float64 copy**: a copy,
#   because adding `eps` and later subtracting it does not always give back the same
#   float; float64, because an integer array cannot hold `x + eps` and float32 cannot
#   resolve a step of `1e-5` (section 7).
# - Return float32 for float32 `x` (cast only the result), float64 otherwise.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("numerical_gradient")

# %% nbgrader={"grade_id": "numerical_gradient", "solution": true}
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """Central-difference gradient of the scalar function f at x (same shape as x)."""
    ### BEGIN SOLUTION
    x = np.asarray(x)
    work = x.astype(np.float64)  # a float64 copy: x itself is never touched
    grad = np.zeros_like(work)
    for idx in np.ndindex(work.shape):
        saved = work[idx]
        work[idx] = saved + eps
        f_plus = f(work)
        work[idx] = saved - eps
        f_minus = f(work)
        work[idx] = saved  # restore from the saved value, exactly
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
    ### END SOLUTION


# %%
check("numerical_gradient", numerical_gradient)

# %% nbgrader={"grade_id": "test_numerical_gradient", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("numerical_gradient", numerical_gradient, part="core")

# %% nbgrader={"grade_id": "test_numerical_gradient_edge", "grade": true, "points": 2}
# Graded: edge cases (float32 accuracy, 0-d and 3-D x). More cases are tested when your
# notebook is graded: other functions, shapes and steps, lists, untouched inputs.
assert_check("numerical_gradient", numerical_gradient, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_numgrad(f, x, eps=1e-5):
    x = np.asarray(x)
    work = x.astype(np.float64)
    grad = np.zeros_like(work)
    for idx in np.ndindex(work.shape):
        saved = work[idx]
        work[idx] = saved + eps
        up = f(work)
        work[idx] = saved - eps
        down = f(work)
        work[idx] = saved
        grad[idx] = (up - down) / (2 * eps)
    return grad.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


def _mean_ce(targets):
    def loss(logits):
        top = logits.max(axis=-1, keepdims=True)
        lse = np.log(np.exp(logits - top).sum(axis=-1)) + top[:, 0]
        return np.mean(lse - logits[np.arange(len(targets)), targets])
    return loss


_rng = np.random.default_rng(7)
_X = _rng.normal(size=(5, 3))
_W2 = _rng.normal(size=(3, 4))
battery(numerical_gradient, _reference_numgrad, [
    ("sum of squares, a list", (lambda v: np.sum(v**2), [1.0, -2.0, 0.5]), {}),
    ("weighted squares, 2-D x", (lambda v: np.sum(_W2 * v**2), _rng.normal(size=(3, 4))), {}),
    ("sum of sin, 3-D x", (lambda v: np.sum(np.sin(v)), _rng.normal(size=(2, 3, 2))), {}),
    ("exp of a 0-d x", (lambda v: np.exp(v), np.array(0.3)), {}),
    ("a list of integers", (lambda v: np.sum(v**2), [1, 2, 3]), {}),
    ("float32 x", (lambda v: np.sum(np.sin(v)), _rng.normal(size=5).astype(np.float32)), {}),
    ("a cubic with eps=1e-3", (lambda v: np.sum(v**3), np.array([0.5, -1.5, 2.0])), {"eps": 1e-3}),
    ("a cubic with eps=0.1", (lambda v: np.sum(v**3), np.array([1.0, 2.0])), {"eps": 0.1}),
    ("mean cross-entropy of a batch", (_mean_ce(np.array([0, 2, 1, 1])), _rng.normal(size=(4, 3))), {}),
    ("f of a matrix product", (lambda W: np.sum(np.tanh(_X @ W)), _rng.normal(size=(3, 2))), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Too large, too small: choosing eps
#
# The plot below runs **your** `numerical_gradient` on a function with a known
# derivative, for every step from $10^{-12}$ to $10^{-1}$, and plots the error against
# the step on log-log axes. The dashed line is the truncation error $h^2 |f'''|/6$, the
# dotted one the round-off error $u|f|/h$; the circle is the current `eps`.
#
# - On the right the error falls along a slope of 2 (central differences: halve the
#   step, quarter the error). On the left it rises along a slope of -1, and jitters:
#   that is rounding noise, not a smooth error.
# - Where is the minimum? Near $10^{-5}$, where the two lines cross.
# - Tick "evaluate f in float32": the round-off line jumps up by a factor of about
#   $5 \times 10^{8}$ and the best step moves to about $10^{-2}$.

# %%
eps_explorer(numerical_gradient, eps=1e-5)

# %% [markdown]
# ## 10. A gradient check with a relative error
#
# Now the two exercises meet. Take a random batch, compute the analytic gradient with
# your `cross_entropy_grad`, the numerical one with your `numerical_gradient` applied
# to the mean loss, and compare them with a **relative** error:
#
# $$\mathrm{rel}(a, n) = \frac{\lVert a - n \rVert}{\max(\lVert a \rVert, \lVert n \rVert)}.$$
#
# Relative, because an absolute difference of $10^{-6}$ is excellent for a gradient of
# size 10 and hopeless for a gradient of size $10^{-6}$. As a rule of thumb in float64:
# below about $10^{-7}$ the gradient is right; around $10^{-4}$ look closer (a kink such
# as ReLU's, or float32 somewhere); above $10^{-2}$ there is a bug.

# %%
def mean_loss(logits, targets):
    """Mean cross-entropy of a batch, from the logits (05)."""
    top = logits.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(logits - top).sum(axis=-1)) + top[:, 0]
    return np.mean(lse - logits[np.arange(len(targets)), targets])


def relative_error(a, n):
    return np.linalg.norm(a - n) / max(np.linalg.norm(a), np.linalg.norm(n), 1e-300)


rng = np.random.default_rng(0)
Z = rng.normal(size=(4, 5))
T = np.array([0, 3, 1, 4])

with uses_your(cross_entropy_grad, numerical_gradient):
    analytic = cross_entropy_grad(Z, T)
    numeric = numerical_gradient(lambda logits: mean_loss(logits, T), Z)
    print(f"your gradient vs finite differences: {relative_error(analytic, numeric):.1e}")

# %% [markdown]
# What the same check says about three classic mistakes:

# %%
y_batch = np.eye(5)[T]
with uses_your(cross_entropy_grad, numerical_gradient):
    mistakes = {
        "sign flipped (y - p)": -analytic,
        "forgot the 1/N": analytic * len(T),
        "returned p, forgot - y": analytic + y_batch / len(T),
    }
    for name, wrong in mistakes.items():
        print(f"{name:24s} relative error {relative_error(wrong, numeric):.2f}")

# %% [markdown]
# A flipped sign gives exactly 2 and a missing $1/N$ gives $1 - 1/N = 0.75$: nowhere
# near $10^{-7}$. Whenever you write a new gradient, a check like this one, on a small
# random input in float64, is the cheapest insurance there is.

# %% [markdown]
# ## 11. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | the loss goes **up** with every step | gradient sign flipped: `y - p` | the gradient is `p - y`; descent subtracts it |
# | training diverges unless the learning rate is tiny, worse with big batches | forgot the `1/N` of the mean | divide by the number of rows |
# | the gradient entries of a row do not sum to 0 | returned `p`, or subtracted 1 at the wrong class | subtract the one-hot of `target` |
# | `nan` in the gradient for logits near 1000 | `exp` overflowed | subtract the row max before `exp` |
# | numerical gradient off by about `eps` times something, error shrinks only tenfold when eps does | forward differences | central: `(f(x+eps) - f(x-eps)) / (2*eps)` |
# | numerical gradient exactly twice the analytic one | divided by `eps`, not `2*eps` | the two points are `2*eps` apart |
# | the caller's `x` differs in the last digits after the call | perturbed `x` itself and restored it by adding `eps` back | perturb a copy, restore from a saved value |
# | numerical gradient all zeros | integer `x`: `x[i] + eps` is truncated back | work on a float copy |
# | numerical gradient of a matrix has identical values along each row | `x[i]` on a 2-D array is a whole row | loop over `np.ndindex(x.shape)` |
# | numerical gradient is noisy, or 0, for `eps=1e-12` | round-off dominates | `eps` around `1e-5` in float64 |
# | gradient check gives ~1e-3 although the code is right | the check ran in float32 | check in float64 |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 12. Self-check

# %%
quiz(lesson="06_gradients", questions=[
    ("For logits [3, 1, 0] with target reship, which entry of p - y is largest in size?",
     ["refund's, 0.844", "reship's, -0.886", "escalate's, 0.042"], 1,
     "|-0.886| > 0.844: the target's entry is p_t - 1, and p_t = 0.114 is small."),
    ("What do the entries of p - y for one row always sum to?",
     ["1", "0", "the loss"], 1,
     "p sums to 1 and the one-hot y sums to 1, so p - y sums to 0."),
    ("The loss is the mean over a batch of N rows. What is the gradient for row n?",
     ["p_n - y_n", "(p_n - y_n) / N", "N (p_n - y_n)"], 1,
     "Row n's logits appear only in the n-th term of the mean, which carries the factor 1/N."),
    ("Halving eps in a central difference (far from round-off) divides the error by about...",
     ["2", "4", "it does not change"], 1,
     "The central-difference error is about eps^2 |f'''| / 6, so it falls with the square of eps."),
    ("Why is eps = 1e-12 a bad step in float64?",
     ["Truncation error is too large", "f(x+eps) and f(x-eps) agree in almost every digit, so round-off dominates",
      "Central differences need eps > 1e-6 by definition"], 1,
     "The round-off error grows like u |f| / eps; at 1e-12 it is about 1e-4."),
])

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why is the gradient of the cross-entropy loss with respect to the
# logits p - y, and what does one gradient-descent step do to the logits? Write your
# answer in the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_gradients", "solution": true, "grade": true, "points": 2}
# The loss is logsumexp(z) - z_y: the derivative of logsumexp is the softmax p and the
# derivative of z_y is the one-hot y, so the gradient is p - y. The correct class's
# entry p_y - 1 is negative and every other entry p_i is positive, so a step against the
# gradient raises the correct logit and lowers the others, each in proportion to how
# much probability is misplaced.
#
# **Rubric (2 points):** 1 point for the derivation (logsumexp minus the target logit,
# or the chain rule through softmax, giving p - y); 1 point for the step: the correct
# logit goes up, the others go down, more when the model is more wrong.

# %% [markdown]
# ## Next
#
# So far every example was one prediction. A language model makes one prediction per
# **position** of a sequence, and not every position should count. **07_sequence_loss**
# builds next-token targets by shifting, masks padding and prompts with
# `ignore_index`, and computes the perplexity of a whole set of sequences.
