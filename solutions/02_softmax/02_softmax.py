# %% [markdown]
# # 02 · Softmax: from scores to a distribution
#
# In 01 you met logits: one unconstrained score per class. A model needs to say how
# *likely* each class is, so it turns those scores into a probability distribution.
# The function that does this in almost every classifier and every language model is
# **softmax**.
#
# **By the end of this notebook you can**
# - compute softmax by hand for a three-class example and check the numbers;
# - explain why the exponential is used (positive, order-keeping, gap-amplifying);
# - implement `softmax(z, axis=-1)` for a single vector or a whole batch;
# - say what "soft" means, and what softmax does to a constant shift of the logits.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check, uses_your
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.playground import logit_playground

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. The formula
#
# For a vector of logits $z = (z_1, \dots, z_K)$, softmax gives
#
# $$\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}.$$
#
# Two steps: exponentiate every logit, then divide by the total so the results add up
# to one. Let us do it by hand for an image classifier that scored a photo as
# **cat 2.0, dog 1.0, bird 0.1**.

# %%
labels = ["cat", "dog", "bird"]
z = np.array([2.0, 1.0, 0.1])

exps = np.exp(z)
total = exps.sum()
print("exp(z)        =", exps.round(3))             # 7.389, 2.718, 1.105
print("sum (rounded) =", exps.round(3).sum().round(3))  # 11.212 on paper
print("sum (exact)   =", round(float(total), 4))    # 11.2125
print("probabilities =", (exps / total).round(3))   # 0.659, 0.242, 0.099

# %% [markdown]
# Check it on paper: $e^{2} \approx 7.389$, $e^{1} \approx 2.718$, $e^{0.1} \approx
# 1.105$, their sum is $11.212$ (11.2125 before rounding), and $7.389 / 11.212
# \approx 0.659$. The cat gets about two thirds of the
# probability mass, the bird about a tenth.

# %% [markdown]
# ## 2. Why the exponential?
#
# Any recipe that turns scores into a distribution needs positive outputs that sum to
# one. Dividing the raw logits by their sum fails at once: logits can be negative or
# sum to zero. The exponential has three properties that make it the natural choice:
#
# 1. **Always positive.** $e^{x} > 0$ for every real $x$, so every class gets some
#    probability, however small.
# 2. **Keeps the order.** $e^{x}$ is increasing, so the largest logit always gets the
#    largest probability.
# 3. **Amplifies gaps.** A difference of 2 between two logits becomes a *ratio* of
#    $e^2 \approx 7.4$ between their probabilities. Compare logits 3 and 1: as raw
#    numbers the first is 3 times the second; after exponentiating it is 7.4 times.

# %%
print("raw ratio 3 / 1       =", 3 / 1)
print("exp ratio e^3 / e^1   =", round(np.exp(3) / np.exp(1), 2))
print("equals e^(3 - 1) = e^2 =", round(np.exp(2), 2))

# %% [markdown]
# That last line is the key identity: $p_i / p_j = e^{z_i - z_j}$. Only the
# **differences** between logits matter, which has a consequence you will use in the
# next notebook: adding the same constant to every logit changes nothing.

# %% [markdown]
# The same thing as a picture, for the ticket router's logits refund 3, reship 1,
# escalate 0. On the left the logits, on the right their exponentials: the gap of 2
# between refund and reship has become a ratio of $e^2 \approx 7.4$.

# %%
plots.exp_gaps()

# %% [markdown]
# ### Why "soft" max?
#
# A hard max (argmax) puts all the mass on the winner: $[1, 0, 0]$. Softmax is a
# smooth version of it. It leans towards the winner but leaves everyone something,
# and it is differentiable, so gradient descent can nudge every logit. When one logit
# is far ahead, softmax comes close to the hard max: for **cat 12.4, dog -3.2,
# apple 0.1** the top class takes about 0.99999 of the mass.

# %%
z_far = np.array([12.4, -3.2, 0.1])
p_far = np.exp(z_far) / np.exp(z_far).sum()
print("p =", [f"{v:.6f}" for v in p_far])  # the top class takes ~0.99999
print(f"mass left for dog and apple together: {p_far[1] + p_far[2]:.1e}")

# %% [markdown]
# ## 3. Exercise: implement `softmax`
#
# Write `softmax(z, axis=-1)`:
#
# - `z` may be a Python list or a numpy array of any shape; `axis` is the class axis
#   (the last one by default), and each slice along it is normalised on its own;
# - return an array of the same shape whose slices along `axis` sum to 1;
# - do not modify `z`, and keep float32 input float32.
#
# This is the textbook formula: moderate logits only. The next notebook makes it
# safe for any input.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("softmax")

# %% nbgrader={"grade_id": "softmax", "solution": true}
import numpy as np


def softmax(z, axis=-1):
    """Softmax of the logits `z` along `axis` (textbook formula)."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    exps = np.exp(z)
    return exps / exps.sum(axis=axis, keepdims=True)
    ### END SOLUTION


# %% [markdown]
# Check your function. Each failing check says what is probably wrong; run the cell
# again after each fix.

# %%
check("softmax", softmax)

# %% nbgrader={"grade_id": "test_softmax", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("softmax", softmax, part="core")

# %% nbgrader={"grade_id": "test_softmax_edge", "grade": true, "points": 2}
# Graded: edge cases (-inf and very negative logits). More edge cases are tested when
# your notebook is graded: batches, other axes, lists, float32, and untouched inputs.
assert_check("softmax", softmax, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


_rng = np.random.default_rng(2)
battery(softmax, _reference_softmax, [
    ("random batch (4, 5)", (_rng.normal(size=(4, 5)),), {}),
    ("3-D batch along axis=1", (_rng.normal(size=(2, 3, 4)),), {"axis": 1}),
    ("columns along axis=0", (_rng.normal(size=(3, 4)),), {"axis": 0}),
    ("a nested Python list", ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],), {}),
    ("float32 batch", (_rng.normal(size=(3, 6)).astype(np.float32),), {}),
    ("a single logit", (np.array([5.0]),), {}),
    ("rows with -inf entries", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]),), {}),
    ("-1000 beside moderate logits", (np.array([-1000.0, 0.5, 1.5, -1000.0]),), {}),
    ("integer logits", (np.array([3, 1, 0]),), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Play with it
#
# Once your `softmax` passes, the playground below runs **your** function. Move a
# slider and watch three things: the exps, their sum, and the probabilities. Try:
#
# - raise the cat logit by 1: its probability grows, the others shrink, and the
#   exps of the others do not change at all;
# - move all three sliders up by the same amount: the probabilities stay put;
# - drag one logit far below the others: its probability approaches 0 but never
#   reaches it.

# %%
logit_playground(softmax, logits=[2.0, 1.0, 0.1], labels=labels)

# %% [markdown]
# ## 5. A second worked example
#
# A support-ticket router scores a message as **refund 3.0, reship 1.0, escalate
# 0.0**. The exps are 20.09, 2.72 and 1.00, their sum is 23.81 (23.80 before
# rounding the exps), and the
# probabilities are 0.844, 0.114 and 0.042. You will meet this ticket again when we
# compute its loss and its gradient.

# %%
ticket = np.array([3.0, 1.0, 0.0])
exps_ticket = np.exp(ticket).round(2)
print("exps  =", exps_ticket, f" sum of the rounded exps = {exps_ticket.sum():.2f}")  # 23.81
with uses_your(softmax):
    print("probs =", softmax(ticket).round(3))
    print("shifted by +100:", softmax(ticket + 100).round(3))

# %% [markdown]
# ## 6. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | each row of a batch sums to less than 1, the whole array sums to 1 | summed over the whole array | `exps.sum(axis=axis, keepdims=True)` |
# | `ValueError: operands could not be broadcast` | summed without `keepdims=True` | keep the axis so the division broadcasts |
# | probabilities negative or above 1 | divided the logits, not their exps | exponentiate first |
# | `nan` or `inf` for logits near 1000 | `exp(1000)` overflows in float64 | the next notebook: subtract the max first |
# | float32 input comes back float64 | `np.array(z, dtype=float)` or a float64 constant | use `np.asarray(z)` and keep the dtype |
# | the caller's array changed after the call | an in-place operation such as `z -= ...` | write `z = z - ...` |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 7. Self-check

# %%
quiz(lesson="02_softmax", questions=[
    ("Logits [1, 2, 3] and [101, 102, 103]: how do their softmax outputs compare?",
     ["They are identical", "The second is more peaked", "The second is uniform"], 0,
     "Only differences between logits matter: softmax(z + c) = softmax(z)."),
    ("Two logits differ by 2. What is the ratio of their probabilities?",
     ["2", "e^2, about 7.4", "It depends on the other logits"], 1,
     "p_i / p_j = e^(z_i - z_j), whatever the other classes are."),
    ("Which output can softmax never produce for finite logits?",
     ["[0.5, 0.5]", "[0.9, 0.1]", "[1.0, 0.0]"], 2,
     "exp of a finite number is positive, so every class keeps some probability."),
])

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why does softmax exponentiate the logits before normalising, instead
# of dividing each logit by the sum of the logits? Write your answer in the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_softmax", "solution": true, "grade": true, "points": 2}
# Dividing raw logits by their sum breaks as soon as a logit is negative or the sum is
# 0: the results can be negative, above 1 or undefined. Exponentiating makes every score
# positive, so normalising gives a valid distribution, and it turns differences of
# logits into ratios of probabilities, p_i / p_j = e^(z_i - z_j), so adding a constant
# to every logit changes nothing.
#
# **Rubric (2 points):** 1 point for why dividing raw logits fails (negative entries, a
# sum of 0, values outside [0, 1]); 1 point for what exp gives (positive weights, ratios
# that depend only on differences, or invariance to a shift).

# %% [markdown]
# ## Next
#
# Your `softmax` breaks on logits like `[1000, 998, 997]`: `exp(1000)` is `inf` in
# float64, and `inf / inf` is `nan`. **03_stability** fixes that with one subtraction
# and introduces log-sum-exp, the quantity at the heart of the loss.
