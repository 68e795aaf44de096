# %% [markdown]
# # 01 · Logits: raw scores, not probabilities
#
# Every classifier, from a spam filter to a large language model, ends the same way:
# it produces **one number per possible answer**. These numbers are called **logits**.
# They are the raw material of everything else in this course: softmax turns them
# into probabilities, cross-entropy turns those into a loss, and training nudges the
# logits to lower that loss.
#
# **By the end of this notebook you can**
# - say where logits come from and why nothing limits their values;
# - explain why a vector such as `[3.0, 1.0, 0.0]` is not a probability distribution;
# - implement `is_distribution(p, axis=-1, atol=1e-6)`, a careful test for one;
# - implement `predicted_label(logits, labels)`, the model's top answer;
# - estimate how many logits a language model produces for every token it reads.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab.checks import assert_check, check
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.logits import logit_explorer

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Where logits come from
#
# The last layer of a classifier is usually plain linear algebra. The network has
# turned its input (a photo, a sentence) into a vector of features $h$ with $d$
# entries. A weight matrix $W$ with one row per class, and a bias $b$, give one score
# per class:
#
# $$z = W h + b, \qquad z_k = w_k \cdot h + b_k .$$
#
# The score $z_k$ measures how well the features match the pattern stored in row
# $w_k$. It is a dot product, so it can be any real number: large, small, negative.
# Here is a toy image classifier with $d = 4$ features and three classes. Check the
# first score by hand: $1 \cdot 1 + 0.5 \cdot 2 = 2$.

# %%
pets = ["cat", "dog", "bird"]
h = np.array([1.0, 0.5, -1.0, 2.0])          # features of one photo
W = np.array([[1.0, 0.0, 0.0, 0.5],          # the "cat" pattern
              [0.0, 2.0, 0.0, 0.0],          # the "dog" pattern
              [0.0, 0.0, -0.1, 0.0]])        # the "bird" pattern
b = np.zeros(3)

z = W @ h + b
for label, score in zip(pets, z):
    print(f"{label:>4}: {score:4.1f}")

# %% [markdown]
# These are the logits **cat 2.0, dog 1.0, bird 0.1** that the next notebook turns
# into probabilities.
#
# *Why the name?* In logistic regression the **logit** of a probability $p$ is its
# log-odds, $\log \frac{p}{1-p}$, the inverse of the sigmoid. With two classes the
# difference of the two scores is exactly that log-odds, and the name has stuck to
# the raw, unsquashed scores of any classifier.

# %% [markdown]
# ## 2. Logits are not probabilities
#
# A **probability distribution** over $K$ classes is a vector of $K$ numbers that
# are all $\ge 0$ and add up to exactly 1. Logits obey neither rule. A support-ticket
# router scores a message as **refund 3.0, reship 1.0, escalate 0.0**:

# %%
tickets = ["refund", "reship", "escalate"]
ticket_logits = np.array([3.0, 1.0, 0.0])

print("sum of the logits      :", ticket_logits.sum())
print("entries above 1        :", ticket_logits[ticket_logits > 1])
print("could 3.0 be a chance? :", 0.0 <= ticket_logits[0] <= 1.0)

# %% [markdown]
# The scores sum to **4**, and 3.0 is no probability. Dividing by the sum does not
# rescue us in general, because logits may be negative and can even sum to zero:

# %%
balanced = np.array([-1.5, 0.5, 1.0])
print("sum:", balanced.sum(), "-> dividing by it would give inf and nan")

# %% [markdown]
# Turning scores into a distribution needs a better recipe; that is softmax, in 02.
# First we need a reliable way to **test** whether a vector is a distribution, and
# floating point makes "sums to exactly 1" a trap:

# %%
tenths = [0.1] * 10
print("sum of ten 0.1s:", repr(sum(tenths)))
print("equal to 1?     ", sum(tenths) == 1)
print("within 1e-6?    ", abs(sum(tenths) - 1) <= 1e-6)

# %% [markdown]
# Ten probabilities of 0.1 *are* a distribution, yet their sum is 0.9999999999999999,
# because 0.1 has no exact binary representation. So we compare the sum with 1
# within a small tolerance `atol` (absolute tolerance).

# %% [markdown]
# ## 3. Exercise: implement `is_distribution`
#
# Write `is_distribution(p, axis=-1, atol=1e-6)` that returns `True` when `p` is a
# probability distribution along `axis` and `False` otherwise:
#
# - every entry must be finite (no `nan`, no `inf`) and $\ge 0$;
# - every slice along `axis` must sum to 1 within `atol`: $|\sum - 1| \le$ `atol`;
# - `p` may be a Python list or an array of any shape: a 2-D array is a batch of
#   rows, and the answer is `True` only if **every** row passes;
# - return a Python `bool` (`True` or `False`), not `numpy.bool_` or an array;
# - do not modify `p`.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("is_distribution")

# %% nbgrader={"grade_id": "is_distribution", "solution": true}
import numpy as np


def is_distribution(p, axis=-1, atol=1e-6):
    """True when every slice of `p` along `axis` is a probability distribution."""
    ### BEGIN SOLUTION
    p = np.asarray(p, dtype=np.float64)
    if not np.isfinite(p).all() or (p < 0).any():
        return False
    return bool((np.abs(p.sum(axis=axis) - 1.0) <= atol).all())
    ### END SOLUTION


# %% [markdown]
# Check your function; each failing check says what is probably wrong.

# %%
check("is_distribution", is_distribution)

# %% nbgrader={"grade_id": "test_is_distribution", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("is_distribution", is_distribution, part="core")

# %% nbgrader={"grade_id": "test_is_distribution_edge", "grade": true, "points": 2}
# Graded: edge cases (nan and inf entries, the tolerance atol). More cases are tested
# when your notebook is graded: batches, other axes, lists, float32, untouched inputs.
assert_check("is_distribution", is_distribution, part="edge")
### BEGIN HIDDEN TESTS
import copy

from logitlab.testing import same_input

_rng = np.random.default_rng(1)
_probs = _rng.dirichlet(np.ones(5), size=4)
_cases = [
    ("random distributions (4, 5)", (_probs,), {}, True),
    ("the same along axis=0", (_probs.T.copy(),), {"axis": 0}, True),
    ("3-D batch along axis=1", (np.swapaxes(_rng.dirichlet(np.ones(3), size=(2, 4)), 1, 2),), {"axis": 1}, True),
    ("float32 batch", (_probs.astype(np.float32),), {}, True),
    ("a nested Python list", ([[0.5, 0.5], [1.0, 0.0]],), {}, True),
    ("one-hot rows", (np.eye(3),), {}, True),
    ("raw logits [3.0, 1.0, 0.0]", ([3.0, 1.0, 0.0],), {}, False),
    ("logits of +-1000", (np.array([1000.0, -1000.0]),), {}, False),
    ("a negative entry, sum 1", (np.array([[0.6, 0.6, -0.2]]),), {}, False),
    ("a nan entry", (np.array([0.5, np.nan, 0.5]),), {}, False),
    ("a nan in the last row", (np.vstack([_probs[:3], np.full(5, np.nan)]),), {}, False),
    ("an inf entry", (np.array([np.inf, 0.0]),), {}, False),
    ("a -inf entry", ([1.0, -np.inf],), {}, False),
    ("one bad row of four", (np.vstack([_probs[:3], [0.5, 0.5, 0.5, 0.0, 0.0]]),), {}, False),
    ("rows sum to 0.5, the whole array to 1", (np.full((2, 4), 0.125),), {}, False),
    ("columns sum to 1 but rows do not", (np.array([[0.2, 0.5], [0.8, 0.5]]),), {}, False),
    ("sum 1 + 2e-6 with atol 1e-6", (np.array([0.5, 0.5 + 2e-6]),), {}, False),
    ("sum 1 + 5e-7 with atol 1e-6", (np.array([0.5, 0.5 + 5e-7]),), {}, True),
    ("sum 1.05 with atol 0.1", ([0.5, 0.55],), {"atol": 0.1}, True),
    ("sum 0.98 with atol 0.01", ([0.49, 0.49],), {"atol": 0.01}, False),
]
_failures = []
for _label, _args, _kwargs, _want in _cases:
    _saved = copy.deepcopy(_args)
    try:
        _got = is_distribution(*_args, **_kwargs)
    except Exception as _exc:
        _failures.append(f"{_label}: raised {type(_exc).__name__}")
        continue
    if _got is not True and _got is not False:  # no name: `from numpy import *` rebinds bool
        _failures.append(f"{_label}: returned {type(_got).__module__}.{type(_got).__name__}, not a Python bool")
    elif _got != _want:
        _failures.append(f"{_label}: wrong answer")
    if not all([same_input(_before, _after) for _before, _after in zip(_saved, _args)]):
        _failures.append(f"{_label}: the input was modified in place")
assert not _failures, f"{len(_failures)} hidden case(s) failed:\n- " + "\n- ".join(_failures)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. From logits to a prediction
#
# To *decide*, a classifier picks the class with the **largest logit**, the
# $\arg\max$. No probabilities are needed for that, and only the **order** of the
# logits matters: adding the same number to every logit, or multiplying them all by
# the same positive number, never changes the winner.

# %%
print("argmax of", z, "->", np.argmax(z), "=", pets[np.argmax(z)])
print("after + 5  :", pets[np.argmax(z + 5)])
print("after x 3  :", pets[np.argmax(3 * z)])
print("tie [1, 4, 4] -> position", np.argmax([1.0, 4.0, 4.0]), "(the first of the tied ones)")

# %% [markdown]
# The decision ignores *how much* the winner wins by: cat 2.0 vs dog 1.0 and cat
# 12.4 vs dog -3.2 both predict "cat". The size of the gap is what softmax and the
# loss care about, in the notebooks that follow.

# %% [markdown]
# ## 5. Exercise: implement `predicted_label`
#
# Write `predicted_label(logits, labels)` that returns **the label** (not its
# position) whose logit is the largest:
#
# - `logits` is a 1-D list or array of numbers, possibly with `-inf` entries (a class
#   ruled out) or values such as $\pm 1000$; `labels` is a list or array of the same
#   length, of any kind (strings, token ids...);
# - on a tie, return the **first** of the tied labels;
# - do not modify `logits` or `labels`.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("predicted_label")

# %% nbgrader={"grade_id": "predicted_label", "solution": true}
import numpy as np


def predicted_label(logits, labels):
    """The label whose logit is the largest (the first one on a tie)."""
    ### BEGIN SOLUTION
    return labels[int(np.argmax(logits))]
    ### END SOLUTION


# %%
check("predicted_label", predicted_label)

# %% nbgrader={"grade_id": "test_predicted_label", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("predicted_label", predicted_label, part="core")

# %% nbgrader={"grade_id": "test_predicted_label_edge", "grade": true, "points": 2}
# Graded: edge cases (-inf logits, logits of +-1000). More cases are tested when your
# notebook is graded: ties, lists, numpy label arrays, float32, untouched inputs.
assert_check("predicted_label", predicted_label, part="edge")
### BEGIN HIDDEN TESTS
import copy

from logitlab.testing import same_input

_long = np.random.default_rng(4).uniform(-5.0, 5.0, size=1000)
_long[637] = 9.0
_cases = [
    ("a three-way tie goes to the first", ([1.0, 4.0, 4.0, 4.0], ["d", "a", "c", "b"]), 1),
    ("all logits equal", ([0.0, 0.0, 0.0], ["x", "z", "y"]), 0),
    ("Python lists", ([0.3, -0.2, 2.5, 2.4], ["refund", "reship", "escalate", "other"]), 2),
    ("a numpy array of labels", (np.array([0.1, 0.9]), np.array(["no", "yes"])), 1),
    ("integer token ids", (np.array([-2.0, 7.5, 7.0]), np.array([50256, 11, 13])), 1),
    ("-inf logits", (np.array([-np.inf, -np.inf, -3.0, -np.inf]), ["a", "b", "c", "d"]), 2),
    ("logits of +-1000", (np.array([-1000.0, 1000.0, 999.9]), ["a", "b", "c"]), 1),
    ("every logit near -1000", ([-1000.0, -999.0, -1001.0], ["a", "b", "c"]), 1),
    ("float32 logits", (np.array([0.25, 0.75, 0.5], dtype=np.float32), ["x", "y", "z"]), 1),
    ("1000 classes", (_long, [f"token{i}" for i in range(1000)]), 637),
    ("a single class", ([-3.0], ["only"]), 0),
]
_failures = []
for _label, _args, _want in _cases:
    _saved = copy.deepcopy(_args)
    try:
        _got = predicted_label(*_args)
    except Exception as _exc:
        _failures.append(f"{_label}: raised {type(_exc).__name__}")
        continue
    if np.ndim(_got) != 0 or not _got == _saved[1][_want]:
        _failures.append(f"{_label}: wrong label")
    # np.array_equal, not list(): the learner may have a variable called list
    if not same_input(_saved[0], _args[0]) or not np.array_equal(_saved[1], _args[1]):
        _failures.append(f"{_label}: an input was modified in place")
assert not _failures, f"{len(_failures)} hidden case(s) failed:\n- " + "\n- ".join(_failures)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Explore: move the scores
#
# The explorer below runs **your** `predicted_label` and `is_distribution` on
# the scores you set with the sliders (finish both exercises first). Try:
#
# - make **reship** win, then make two scores equal: which label wins a tie?
# - drag every score below zero: there is still a winner, and the sum is negative;
# - add 1 to every score: the winner stays, the sum grows by 3;
# - set the scores to 0.5, 0.3 and 0.2. Now `is_distribution` says `True`, but these
#   are still logits. A vector can *look* like a distribution by accident; what makes
#   it one is the softmax the model applies next.

# %%
logit_explorer(predicted_label, logits=[3.0, 1.0, 0.0], labels=tickets,
               is_distribution_fn=is_distribution)

# %% [markdown]
# ## 7. How many logits does a language model produce?
#
# A language model is a classifier too. At every position of the text it scores
# **every token of its vocabulary** as the possible next token. Vocabularies of
# current models hold roughly 50,000 to 128,000 tokens (GPT-2 uses 50,257; Llama 3
# uses 128,256). The output layer maps the hidden vector of each position, a few
# thousand numbers (4,096 in an 8-billion-parameter model), to one logit per token.

# %%
hidden_size = 4_096
vocab_size = 128_000
head_weights = vocab_size * hidden_size
print(f"hidden size {hidden_size:,} -> {vocab_size:,} logits per position")
print(f"weights of the output layer: {vocab_size:,} x {hidden_size:,} = {head_weights:,} "
      f"(~{head_weights / 1e9:.2f} billion)")
print(f"memory for the logits of one position: {vocab_size:,} x 4 bytes = {vocab_size * 4:,} bytes (float32)")
tokens = 8_192
print(f"for {tokens:,} positions: {tokens:,} x {vocab_size:,} x 4 bytes = {tokens * vocab_size * 4 / 1e9:.1f} GB")

# %% [markdown]
# Half a megabyte of scores for every single token, and about 4.2 GB for a batch of
# 8,192 tokens, before any gradient. The last notebook of the course shows how real
# training code avoids holding all of that at once. Here is what one such vector
# looks like: we draw random scores to stand in for a real model's output.

# %%
rng = np.random.default_rng(0)
llm_logits = rng.normal(loc=0.0, scale=2.0, size=vocab_size).astype(np.float32)
top5 = np.argsort(llm_logits)[::-1][:5]

print("shape:", llm_logits.shape, " dtype:", llm_logits.dtype, f" bytes: {llm_logits.nbytes:,}")
print("min, max:", llm_logits.min(), llm_logits.max(), f" sum: {llm_logits.sum():.1f}")
print("top-5 token ids:", top5, " their logits:", llm_logits[top5])
print("greedy next token id:", np.argmax(llm_logits))

# %% [markdown]
# Greedy decoding picks the argmax, exactly as your `predicted_label` does. Sampling
# methods (notebook 04) need probabilities instead, and 128,000 raw scores summing to
# some arbitrary number are not that yet.

# %% [markdown]
# ## 8. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | `is_distribution([0.1] * 10)` is `False` | compared the sum with `== 1` | compare `abs(total - 1) <= atol` |
# | the check says it returned `numpy.bool_` | `(...).all()` gives numpy's bool | `return bool(...)` |
# | the check says it returned an array | one answer per row | combine them with `.all()` |
# | a `nan` entry is accepted | tested `not (p < 0).any()`: comparisons with `nan` are `False` | require `np.isfinite(p).all()` and `(p >= 0).all()` |
# | a sum of 1.000005 passes with `atol=1e-6` | `np.isclose` / `np.allclose` also allow `rtol=1e-05` | pass `rtol=0`, or write the comparison yourself |
# | `predicted_label` returns `0` instead of `"cat"` | returned the position | `labels[i]` |
# | wrong label when every logit is negative | a running maximum that starts at 0 | start from the first logit, or use `np.argmax` |
# | a tie returns the last label | a dict `{logit: label}`, or `>=` in a loop | strict `>`, or `np.argmax` |
# | `AttributeError: 'numpy.ndarray' object has no attribute 'index'` | `list.index` on an array | `np.argmax`, then index `labels` |
# | the caller's list is reordered after the call | `logits.sort()` sorts in place | find the position of the maximum instead |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 9. Self-check

# %%
quiz("01_logits")

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why can the logits a model outputs not be read as probabilities, and
# why does the largest logit still give the model's prediction? Write your answer in the
# cell below.

# %% [markdown] nbgrader={"grade_id": "explain_logits", "solution": true, "grade": true, "points": 2}
# Logits are unbounded scores: they can be negative or above 1, they need not sum to 1,
# and adding the same number to all of them changes nothing the model predicts, so they
# are not a probability distribution. Picking the prediction only compares the scores,
# and turning scores into probabilities (softmax) keeps their order, so the largest
# logit is also the most probable label.
#
# **Rubric (2 points):** 1 point for saying logits are not a distribution (any real
# value, no sum to 1, or only differences matter); 1 point for saying the argmax
# survives because the conversion to probabilities keeps the order of the scores.

# %% [markdown]
# ## Next
#
# [**02_softmax**](../02_softmax/02_softmax.ipynb) turns logits into a real probability distribution, one that your
# `is_distribution` will accept, using the exponential function.
