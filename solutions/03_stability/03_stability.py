# %% [markdown]
# # 03 · Numerical stability: the log-sum-exp trick
#
# The softmax of 02 is correct on paper and wrong on a computer as soon as the logits
# get large. Real models produce such logits all the time, so every deep-learning
# library computes softmax, and the loss built on it, with one small trick. This
# notebook shows exactly where the textbook formula breaks and how the trick fixes
# it.
#
# **By the end of this notebook you can**
# - say where `exp` overflows (about 709.78 in float64, 88.72 in float32) and what
#   happens to softmax when it does;
# - use shift invariance, softmax(z - c) = softmax(z), to make softmax safe;
# - implement `stable_softmax`, `logsumexp` and `log_softmax` for batches and any axis;
# - handle `-inf` logits, including a slice where every logit is `-inf`;
# - explain why libraries compute log-probabilities directly, never as `log(softmax(z))`.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.stability import stability_explorer

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Floating-point numbers have a largest value
#
# A float64 can hold numbers up to about $1.8 \times 10^{308}$. Since $e^x$ grows so
# fast, it crosses that limit early: $e^x$ is finite only while
# $x < \ln(1.8 \times 10^{308}) \approx 709.78$. Past that, numpy returns `inf`.
# float32, the usual type for model weights and activations, gives up much sooner,
# at about 88.72. At the other end, $e^x$ for very negative $x$ rounds to exactly 0.
#
# Numpy warns when a result overflows; the examples in this notebook silence those
# warnings (with `np.errstate`) to show the values themselves.

# %%
print("largest float64             :", np.finfo(np.float64).max)
print("exp overflows float64 above :", round(float(np.log(np.finfo(np.float64).max)), 2))
print("exp overflows float32 above :", round(float(np.log(np.finfo(np.float32).max)), 2))
with np.errstate(over="ignore"):
    print("exp(709.0) =", np.exp(709.0), "   exp(710.0) =", np.exp(710.0))
    print("float32: exp(88) =", np.exp(np.float32(88.0)), "   exp(89) =", np.exp(np.float32(89.0)))
print("exp(-1000) =", np.exp(-1000.0), "(underflow: rounds to 0)")

# %% [markdown]
# ## 2. The textbook softmax breaks
#
# Here is the softmax of 02, written as the textbook formula. It is *not* graded
# here; we keep it to compare with the stable version you are about to write.

# %%
def softmax(z, axis=-1):
    """Textbook softmax: exp(z) / sum(exp(z)). Breaks for large logits."""
    exps = np.exp(np.asarray(z, dtype=np.float64))
    return exps / exps.sum(axis=axis, keepdims=True)


with np.errstate(over="ignore", invalid="ignore"):
    print("softmax([3, 1, 0])          =", softmax([3.0, 1.0, 0.0]))
    print("exp([1000, 998, 997])       =", np.exp([1000.0, 998.0, 997.0]))
    print("softmax([1000, 998, 997])   =", softmax([1000.0, 998.0, 997.0]))
    print("softmax([-1000, -1001, -1002]) =", softmax([-1000.0, -1001.0, -1002.0]))

# %% [markdown]
# Two different failures, the same `nan`:
#
# - **overflow**: $e^{1000}$ is `inf`, and `inf / inf` is `nan`;
# - **underflow**: $e^{-1000}$, $e^{-1001}$, $e^{-1002}$ all round to 0, and `0 / 0`
#   is `nan`.
#
# Logits of 1000 sound extreme, but in float32 the limit is 88.7. Logits and
# attention scores (08) in the tens are routine, and nothing in a model stops a score
# from growing past that limit during training.

# %% [markdown]
# ## 3. The fix: shift the logits
#
# You saw in 02 that only *differences* between logits matter. Subtracting the same
# number $c$ from every logit multiplies every exp by $e^{-c}$, on top and bottom:
#
# $$\frac{e^{z_i - c}}{\sum_j e^{z_j - c}} = \frac{e^{-c}\, e^{z_i}}{e^{-c} \sum_j e^{z_j}}
# = \mathrm{softmax}(z)_i .$$
#
# So we may pick any $c$, and the best choice is the largest logit, $c = \max_j z_j$:
#
# - every shifted logit is $\le 0$, so every exp is at most 1: **no overflow**;
# - the largest shifted logit is exactly 0 and $e^0 = 1$, so the sum is at least 1:
#   **no division by zero**.
#
# By hand for $[1000, 998, 997]$: subtracting 1000 gives $[0, -2, -3]$, whose exps
# are $1$, $0.135$ and $0.050$, with sum $1.185$:

# %%
big = np.array([1000.0, 998.0, 997.0])
shifted = big - big.max()
exps = np.exp(shifted)
print("z - max(z) =", shifted)
print("exps       =", exps.round(3), " sum =", exps.sum().round(3))
print("softmax    =", (exps / exps.sum()).round(3))
print("same as softmax([3, 1, 0]) =", softmax([3.0, 1.0, 0.0]).round(3))

# %% [markdown]
# The result, **[0.844, 0.114, 0.042]**, is the softmax of the ticket logits
# $[3, 1, 0]$ from 02, because $[1000, 998, 997]$ is $[3, 1, 0]$ shifted by 997.

# %% [markdown]
# ## 4. Exercise: implement `stable_softmax`
#
# Write `stable_softmax(z, axis=-1)`:
#
# - the same result as softmax, for a list or an array of any shape, normalised along
#   `axis`, with float32 input kept float32 and `z` left unmodified;
# - never `inf` or `nan` for finite logits, however large or small;
# - a `-inf` logit (a class ruled out) gets probability exactly 0.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("stable_softmax")

# %% nbgrader={"grade_id": "stable_softmax", "solution": true}
import numpy as np


def stable_softmax(z, axis=-1):
    """Softmax of `z` along `axis` that never overflows: shift by the max first."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return exps / np.sum(exps, axis=axis, keepdims=True)
    ### END SOLUTION


# %% [markdown]
# Check your function: it must pass every check of `softmax` and the stability ones.

# %%
check("stable_softmax", stable_softmax)

# %% nbgrader={"grade_id": "test_stable_softmax", "grade": true, "points": 2}
# Graded: the softmax checks (worked example, batches, axis, float32, untouched input).
assert_check("stable_softmax", stable_softmax, part="core")

# %% nbgrader={"grade_id": "test_stable_softmax_edge", "grade": true, "points": 2}
# Graded: the stability checks (logits of +-1000, -inf entries, mixed scales). More
# cases are tested when your notebook is graded.
assert_check("stable_softmax", stable_softmax, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_rng = np.random.default_rng(3)
battery(stable_softmax, _reference_softmax, [
    ("random batch (4, 5)", (_rng.normal(size=(4, 5)),), {}),
    ("3-D batch along axis=1", (_rng.normal(scale=300.0, size=(2, 3, 4)),), {"axis": 1}),
    ("columns along axis=0", (_rng.normal(scale=300.0, size=(3, 4)),), {"axis": 0}),
    ("a nested Python list", ([[1000.0, 998.0, 997.0], [0.0, 0.0, 0.0]],), {}),
    ("float32 logits up to 150", (_rng.normal(scale=50.0, size=(3, 6)).astype(np.float32),), {}),
    ("float32 [100, 99, 98]", (np.array([100.0, 99.0, 98.0], dtype=np.float32),), {}),
    ("[1000, 998, 997]", (np.array([1000.0, 998.0, 997.0]),), {}),
    ("+-1000 in one row", (np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]]),), {}),
    ("all near -1000", (np.array([-1000.0, -1001.0, -1002.0]),), {}),
    ("rows at very different scales", (np.array([[1000.0, 999.0], [0.0, -1.0], [-1000.0, -1001.0]]),), {}),
    ("-inf entries", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1000.0, 1000.0]]),), {}),
    ("all -inf but one", (np.array([[-np.inf, -np.inf, 7.0], [-np.inf, -1000.0, -np.inf]]),), {}),
    ("entries of 1e300", (np.array([1e300, -1e300, 1e300]),), {}),
    ("integer logits", (np.array([3, 1, 0]),), {}),
    ("a single logit", (np.array([1000.0]),), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Log-sum-exp
#
# The denominator of softmax, taken in log space, has a name of its own:
#
# $$\mathrm{LSE}(z) = \log \sum_j e^{z_j}.$$
#
# It is everywhere in what follows. The log-probability of class $i$ is
# $z_i - \mathrm{LSE}(z)$, and so the cross-entropy loss of 05 is
# $\mathrm{LSE}(z) - z_{\text{target}}$. It is also a **smooth maximum**: the largest
# term dominates the sum, so $\max_j z_j \le \mathrm{LSE}(z) \le \max_j z_j + \log K$
# for $K$ logits.
#
# The same shift makes it safe. With $m = \max_j z_j$,
#
# $$\mathrm{LSE}(z) = m + \log \sum_j e^{z_j - m},$$
#
# where the sum lies between 1 and $K$, so its log is between 0 and $\log K$.

# %%
ticket = np.array([3.0, 1.0, 0.0])
print(f"LSE([3, 1, 0]) = log({np.exp(ticket).sum():.2f}) = {np.log(np.exp(ticket).sum()):.3f}")
print("bounds: max =", ticket.max(), " max + log 3 =", (ticket.max() + np.log(3)).round(3))

with np.errstate(over="ignore"):
    print("naive LSE([1000, 998, 997]) =", np.log(np.exp(big).sum()))
m = big.max()
rest = np.log(np.exp(big - m).sum())
print(f"m + log(sum(exp(z - m)))    = {m:.0f} + {rest:.3f} = {m + rest:.3f}")

# %% [markdown]
# Check by hand: $\log(1 + 0.135 + 0.050) = \log 1.185 \approx 0.170$, and
# $1000 + 0.170 = 1000.170$, which is also $\mathrm{LSE}([3, 1, 0]) + 997 = 3.170 + 997$.

# %% [markdown]
# Why "smooth maximum"? With two logits, $x$ and 0, the picture below draws
# $\max(x, 0)$, which has a sharp corner, and $\mathrm{LSE}(x, 0)$, which rounds the
# corner off. Far from the corner one term dominates and the two agree; at the corner,
# where both terms are equal, LSE sits the most above the max, by $\log 2$.

# %%
plots.logsumexp_vs_max()

# %% [markdown]
# ### `-inf` needs care
#
# Logits of `-inf` are common on purpose: a mask sets the score of a forbidden
# position to `-inf` so that $e^{-\infty} = 0$ removes it (the causal mask in 08, the
# top-k filter in 04). One `-inf` among finite logits is harmless. A slice where
# **every** logit is `-inf` is not: its max is `-inf`, and the shift computes
# $-\infty - (-\infty)$, which is `nan`. The right answer there is
# $\log(0) = -\infty$.

# %%
masked = np.array([-np.inf, -np.inf, -np.inf])
m = masked.max()
with np.errstate(invalid="ignore"):
    print("max =", m, "   z - max =", masked - m)
safe_m = np.where(np.isfinite(m), m, 0.0)
with np.errstate(divide="ignore"):
    print("shift by", safe_m, "instead:", safe_m + np.log(np.exp(masked - safe_m).sum()))

# %% [markdown]
# The fix: when the max of a slice is not finite, shift that slice by 0 instead.
# Every exp is then 0, the log of the sum is `-inf`, and that is the answer (numpy
# warns about `log(0)`; `np.errstate(divide="ignore")` silences it, since here
# `-inf` is exactly right).

# %% [markdown]
# ## 6. Exercise: implement `logsumexp`
#
# Write `logsumexp(z, axis=-1)`:
#
# - $\log \sum e^{z}$ along `axis`, for a list or an array of any shape; the result
#   has the shape of `z` without `axis`, like `np.sum(z, axis=axis)` (a single number
#   for a 1-D input);
# - exact for logits of any size (1000, -1000, 1e300...);
# - `-inf` entries allowed; a slice that is all `-inf` gives `-inf`, never `nan`;
# - keep float32 input float32, and do not modify `z`.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("logsumexp")

# %% nbgrader={"grade_id": "logsumexp", "solution": true}
import numpy as np


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, exact for logits of any size."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice: shift by 0, not by -inf
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for such a slice
        total = np.log(np.sum(np.exp(z - m), axis=axis))
    return total + np.squeeze(m, axis=axis)
    ### END SOLUTION


# %%
check("logsumexp", logsumexp)

# %% nbgrader={"grade_id": "test_logsumexp", "grade": true, "points": 2}
# Graded: the checks above (worked example, logits of +-1000, batches, axis, float32).
assert_check("logsumexp", logsumexp, part="core")

# %% nbgrader={"grade_id": "test_logsumexp_edge", "grade": true, "points": 2}
# Graded: edge cases (-inf entries, all -inf slices, mixed scales). More cases are
# tested when your notebook is graded.
assert_check("logsumexp", logsumexp, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    with np.errstate(divide="ignore"):
        return np.log(np.exp(z - m).sum(axis=axis)) + np.squeeze(m, axis=axis)


_rng = np.random.default_rng(5)
battery(logsumexp, _reference_logsumexp, [
    ("random batch (4, 5)", (_rng.normal(size=(4, 5)),), {}),
    ("3-D batch along axis=1", (_rng.normal(scale=300.0, size=(2, 3, 4)),), {"axis": 1}),
    ("columns along axis=0", (_rng.normal(scale=300.0, size=(3, 4)),), {"axis": 0}),
    ("a nested Python list", ([[1000.0, 998.0, 997.0], [3.0, 1.0, 0.0]],), {}),
    ("float32 logits up to 150", (_rng.normal(scale=50.0, size=(3, 6)).astype(np.float32),), {}),
    ("float32 [100, 99, 98]", (np.array([100.0, 99.0, 98.0], dtype=np.float32),), {}),
    ("[1000, 998, 997]", (np.array([1000.0, 998.0, 997.0]),), {}),
    ("+-1000 in one row", (np.array([[1000.0, -1000.0], [-1000.0, -1000.0]]),), {}),
    ("rows at very different scales", (np.array([[1000.0, 999.0], [0.0, -1.0], [-1000.0, -1001.0]]),), {}),
    ("-inf entries", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1000.0, 1000.0]]),), {}),
    ("an all -inf row in a batch", (np.array([[-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]]),), {}),
    ("an all -inf vector", (np.array([-np.inf, -np.inf]),), {}),
    ("an all -inf column along axis=0", (np.array([[-np.inf, 1.0], [-np.inf, 2.0]]),), {"axis": 0}),
    ("entries of 1e300", (np.array([1e300, -1e300, 1e300]),), {}),
    ("integer logits", (np.array([3, 1, 0]),), {}),
    ("a single logit", (np.array([-1000.0]),), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Log-probabilities: `log_softmax`, never `log(softmax)`
#
# The loss needs $\log p_i$, not $p_i$. Taking the log of a computed probability
# throws information away: a very unlikely class gets a probability that rounds to
# 0, and $\log 0 = -\infty$. Working in log space avoids ever forming that tiny
# number:
#
# $$\log \mathrm{softmax}(z)_i = z_i - \mathrm{LSE}(z).$$
#
# Compare both routes on the logits $[0, -1000]$, where the second class has a
# probability of about $e^{-1000}$, far below the smallest float64:

# %%
far = np.array([0.0, -1000.0])
probs = np.exp(far - far.max()) / np.exp(far - far.max()).sum()
with np.errstate(divide="ignore"):
    print("softmax            =", probs)
    print("log(softmax)       =", np.log(probs))
lse = far.max() + np.log(np.exp(far - far.max()).sum())
print("z - logsumexp(z)   =", far - lse)

# %% [markdown]
# The true log-probability is -1000, an ordinary number; `log(softmax)` says
# `-inf`. If that class were the target, the loss would be `inf` and every gradient
# `nan`, and training would stop. In float32 the same thing already happens for a
# gap of about 104 between logits, since $e^{-104}$ is below the smallest float32:

# %%
gap = np.array([0.0, -120.0], dtype=np.float32)
p32 = np.exp(gap - gap.max()) / np.exp(gap - gap.max()).sum()
with np.errstate(divide="ignore"):
    print("float32 log(softmax([0, -120])) =", np.log(p32))
print("float32 z - logsumexp(z)         =", gap - (gap.max() + np.log(np.exp(gap - gap.max()).sum())))

# %% [markdown]
# This is why PyTorch has `F.log_softmax` and why `nn.CrossEntropyLoss` takes raw
# logits: internally it computes `log_softmax` this way, never `log(softmax(z))`.

# %% [markdown]
# ## 8. Exercise: implement `log_softmax`
#
# Write `log_softmax(z, axis=-1)` $= z - \mathrm{LSE}(z)$ along `axis`:
#
# - the same shape as `z`; finite wherever `z` is finite, even 1000 below the max;
# - a `-inf` logit gets `-inf` and the others stay finite (no `nan`);
# - lists and arrays of any shape, float32 kept float32, `z` left unmodified.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("log_softmax")

# %% nbgrader={"grade_id": "log_softmax", "solution": true}
import numpy as np


def log_softmax(z, axis=-1):
    """Log-probabilities z - logsumexp(z) along `axis`, without ever taking log(0)."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    ### END SOLUTION


# %%
check("log_softmax", log_softmax)

# %% nbgrader={"grade_id": "test_log_softmax", "grade": true, "points": 2}
# Graded: the checks above (worked example, batches, axis, float32, untouched input).
assert_check("log_softmax", log_softmax, part="core")

# %% nbgrader={"grade_id": "test_log_softmax_edge", "grade": true, "points": 2}
# Graded: edge cases (no log(0), logits of 1000, -inf entries). More cases are tested
# when your notebook is graded.
assert_check("log_softmax", log_softmax, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


_rng = np.random.default_rng(7)
battery(log_softmax, _reference_log_softmax, [
    ("random batch (4, 5)", (_rng.normal(size=(4, 5)),), {}),
    ("3-D batch along axis=1", (_rng.normal(scale=300.0, size=(2, 3, 4)),), {"axis": 1}),
    ("columns along axis=0", (_rng.normal(scale=300.0, size=(3, 4)),), {"axis": 0}),
    ("a nested Python list", ([[1000.0, 998.0, 997.0], [3.0, 1.0, 0.0]],), {}),
    ("float32 logits up to 150", (_rng.normal(scale=50.0, size=(3, 6)).astype(np.float32),), {}),
    ("float32 [0, -120]", (np.array([0.0, -120.0], dtype=np.float32),), {}),
    ("[0, -1000]", (np.array([0.0, -1000.0]),), {}),
    ("[1000, 998, 997]", (np.array([1000.0, 998.0, 997.0]),), {}),
    ("+-1000 in one row", (np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]]),), {}),
    ("rows at very different scales", (np.array([[1000.0, 999.0], [0.0, -1.0], [-1000.0, -1001.0]]),), {}),
    ("-inf entries", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1000.0, 1000.0]]),), {}),
    ("all -inf but one", (np.array([[-np.inf, -np.inf, 7.0], [-np.inf, -1000.0, -np.inf]]),), {}),
    ("integer logits", (np.array([3, 1, 0]),), {}),
    ("a single logit", (np.array([1000.0]),), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Explore: scale and shift until something breaks
#
# The explorer runs the textbook `softmax` from section 2 and **your**
# `stable_softmax` side by side on the ticket logits $[3, 1, 0]$. The **scale**
# slider multiplies the logits, the **offset** slider adds a constant. Try:
#
# - offset +997: the classic $[1000, 998, 997]$. The textbook column turns to `nan`,
#   yours still shows 0.844, 0.114, 0.042;
# - offset -997 (logits near -1000): the textbook column fails again, by underflow;
# - offset +700 and +710: the textbook softmax survives the first and breaks between
#   the two, where the largest logit crosses 709.78;
# - offset 0 and scale x 1000: logits 3000, 1000, 0 overflow the textbook formula,
#   while yours puts all the mass on refund.

# %%
stability_explorer(softmax, stable_softmax)

# %% [markdown]
# ## 10. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | `nan` for logits near 1000 (or near 89 in float32) | `exp` overflowed: no shift | subtract the max before `np.exp` |
# | `nan` for logits near -1000 | every exp underflowed to 0, and 0 / 0 | the same shift: the largest exp becomes $e^0 = 1$ |
# | one row of a batch is `nan`, the others fine | subtracted the max of the whole array | `np.max(z, axis=axis, keepdims=True)` |
# | `ValueError: operands could not be broadcast` | a max or sum without `keepdims=True` | keep the axis, squeeze only at the end |
# | `logsumexp` of a `(2, 3)` batch has shape `(2, 2)` | added a kept-dims max to a reduced sum | `np.squeeze(m, axis=axis)` before adding |
# | `logsumexp` is off by exactly the max | forgot to add `m` back | return `m + log(sum(exp(z - m)))` |
# | `nan` for a slice that is all `-inf` | $-\infty - (-\infty)$ | shift such slices by 0: `np.where(np.isfinite(m), m, 0)` |
# | `-inf` log-probability for a finite logit | computed `np.log(softmax(z))` | `z - logsumexp(z)` |
# | clipping the logits to +-700 gives wrong probabilities | clipping changes the differences | shift, never clip |
# | the caller's array changed | `z -= z.max()` works in place | `z = z - z.max(...)` |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 11. Self-check

# %%
quiz(lesson="03_stability", questions=[
    ("softmax([1000, 998, 997]) with the textbook formula gives nan. Why?",
     ["exp(1000) is inf in float64, and inf / inf is nan", "1000 is not a valid logit",
      "the logits are too close together"], 0,
     "exp overflows float64 above about 709.78."),
    ("What does subtracting max(z) from every logit change in the softmax?",
     ["Nothing: softmax(z - c) = softmax(z)", "It makes the largest probability 1",
      "It makes the output less accurate"], 0,
     "The factor exp(-c) cancels between the numerator and the denominator."),
    ("logsumexp([1000, 998, 997]) is about",
     ["1000.170", "2995", "inf"], 0,
     "It is max + log(1 + e^-2 + e^-3) = 1000 + 0.170: a smooth maximum."),
    ("Why compute log_softmax as z - logsumexp(z) instead of np.log(softmax(z))?",
     ["It is shorter", "A tiny probability rounds to 0 and log(0) = -inf",
      "np.log is slow"], 1,
     "In log space the answer (such as -1000) is an ordinary number."),
    ("Every logit of a slice is -inf. What should logsumexp return?",
     ["nan", "0", "-inf"], 2,
     "The sum of exps is 0, and log(0) = -inf; a naive shift gives nan instead."),
])

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why does subtracting the largest logit before exponentiating leave
# the softmax unchanged, and why does it prevent overflow? Write your answer in the cell
# below.

# %% [markdown] nbgrader={"grade_id": "explain_stability", "solution": true, "grade": true, "points": 2}
# Subtracting a constant c from every logit multiplies every exp, and so their sum, by
# the same factor e^(-c), which cancels in the division. After subtracting the maximum
# every exponent is at most 0, so every exp lies in (0, 1] and the largest is exactly 1:
# nothing overflows, and the sum is at least 1, so there is no 0 / 0 either.
#
# **Rubric (2 points):** 1 point for the cancelling factor e^(-c) (shift invariance); 1
# point for exponents at most 0, so exps at most 1 (no overflow; a sum of at least 1
# also earns it).

# %% [markdown]
# ## Next
#
# **04_temperature** divides the logits by a temperature before the softmax to make
# a model more or less adventurous, and uses your stable softmax to sample the next
# token.
