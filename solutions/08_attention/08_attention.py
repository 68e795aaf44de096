# %% [markdown]
# # 08 · Softmax inside attention
#
# The softmax you have been studying turns a model's last scores into a distribution over
# the vocabulary. A transformer uses the same function a second time, in every layer,
# for a different job: deciding how much each position should **look at** every other
# position. That softmax is over positions, not words; it has a fixed scale instead of a
# temperature; and it needs masks, which is where most attention bugs live.
#
# **By the end of this notebook you can**
# - tell the two softmaxes of a transformer apart: what goes in, how many entries come
#   out, what the result is for, and which one a loss or a temperature touches;
# - compute scaled dot-product attention, softmax(q k^T / sqrt(d_k)) v, by hand and for
#   batches of heads;
# - explain, with numbers, why the scores are divided by sqrt(d_k);
# - build a causal mask and say why a masked score is -inf and never 0;
# - handle padding masks and a row with nothing to attend to (zeros, not nan);
# - implement `causal_mask`, `masked_softmax` and `scaled_dot_product_attention`.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.attention import attention_explorer

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Two softmaxes, two jobs
#
# A decoder-only language model (GPT, Llama, ...) applies softmax in two places:
#
# | | attention weights (inside every layer) | output head (once, at the top) |
# |---|---|---|
# | **input** | one score per (query, key) pair of positions: $q \cdot k / \sqrt{d_k}$ | one logit per vocabulary entry: the last hidden state times the output matrix |
# | **softmax over** | the positions the query may see: at most the context length (e.g. 4,096) | the whole vocabulary (about 50k to 128k entries) |
# | **the result means** | how much each earlier position contributes to this position's new representation | the model's probability for each possible next token |
# | **used for** | a weighted average of value vectors, in every head of every layer | the training loss; sampling the next token |
# | **temperature?** | no: the fixed factor $1/\sqrt{d_k}$ plays that role | yes, at sampling time (04) |
# | **a loss on it?** | no: it is trained only through the final loss | yes: cross-entropy against the next token (05, 07) |
# | **masks** | causal and padding masks put $-\infty$ into the scores | top-k and top-p put $-\infty$ into the logits (04) |
#
# The counts differ too. For a model with 32 layers of 32 heads, a 4,096-token context
# and a 128,000-token vocabulary, one position of one sequence takes part in:

# %%
layers, heads, context, vocab_size = 32, 32, 4096, 128_000
print(f"attention softmaxes per position: {layers * heads:,}, each over at most {context:,} positions")
print(f"output-head softmaxes per position: 1, over {vocab_size:,} vocabulary entries")

# %% [markdown]
# Same formula, same numerical traps (03's max shift applies to both), very different
# roles. The rest of this notebook is about the first one.

# %% [markdown]
# ## 2. Attention in one line
#
# Each position of a sequence carries three vectors, all computed from its current
# representation by learned matrices:
#
# - a **query** $q$: what this position is looking for;
# - a **key** $k$: what this position offers to be found by;
# - a **value** $v$: what it passes on when it is found.
#
# Query $i$ scores every key $j$ with a dot product, the scores are scaled and
# softmaxed over $j$, and the weights average the values:
#
# $$\text{weights}_{ij} = \operatorname{softmax}_j\!\Big(\frac{q_i \cdot k_j}{\sqrt{d_k}}\Big),
# \qquad \text{output}_i = \sum_j \text{weights}_{ij}\, v_j ,$$
#
# where $d_k$ is the length of the query and key vectors. One small example, by hand:
# the query of *ships* against the keys of *my*, *parcel* and *ships*, with $d_k = 4$
# (so $\sqrt{d_k} = 2$) and two-dimensional values.

# %%
words = ["my", "parcel", "ships"]
q_ships = np.array([1.0, 1.0, 0.0, 0.0])
keys = np.array([[0.0, 0.0, 1.0, 1.0],     # my
                 [2.0, 2.0, 0.0, 0.0],     # parcel
                 [1.0, 1.0, 1.0, -1.0]])   # ships
values = np.array([[1.0, 0.0],
                   [0.0, 2.0],
                   [3.0, 1.0]])

dots = keys @ q_ships
scaled = dots / np.sqrt(q_ships.size)
exps = np.exp(scaled)
weights = exps / exps.sum()
print("q . k      =", dots)
print("/ sqrt(4)  =", scaled)
print("exp        =", exps, " sum =", exps.sum().round(3))
print("weights    =", weights)
print("output     =", weights @ values)

# %% [markdown]
# The scaled scores [0, 2, 1] have exps 1, 7.389 and 2.718 (as in 02), sum 11.107, so the
# weights are **[0.090, 0.665, 0.245]**: *ships* mostly looks at *parcel*. The output is
# the same mix of the value rows: $0.090 \cdot [1, 0] + 0.665 \cdot [0, 2] + 0.245 \cdot
# [3, 1] = [0.824, 1.575]$.
#
# **All queries at once.** Stack the queries as the rows of a matrix $Q$ of shape
# $(T_q, d_k)$ and the keys as the rows of $K$, $(T_k, d_k)$. Then $Q K^\top$ is the
# $(T_q, T_k)$ block of every score, one row per query, and the softmax runs along each
# row (the last axis). Models add leading axes for the batch and the heads,
# $(B, H, T, d_k)$; `np.swapaxes(K, -1, -2)` transposes just the last two of them, and
# `@` multiplies the matrices of each (batch, head) pair.

# %% [markdown]
# ## 3. Why divide by $\sqrt{d_k}$
#
# If the entries of $q$ and $k$ are independent with mean 0 and variance 1, the dot
# product $q \cdot k = \sum_{m=1}^{d_k} q_m k_m$ is a sum of $d_k$ terms of variance 1,
# so its variance is $d_k$ and its standard deviation $\sqrt{d_k}$. With $d_k = 64$, a
# common head size, the raw scores have a standard deviation of 8: gaps of 10 or 20
# between the scores of one query are routine, and the softmax of scores that far apart
# is nearly one-hot. Dividing by $\sqrt{d_k}$ brings the variance back to 1, whatever
# the head size.
#
# Measured on 1,000 random queries, each against 16 random keys:

# %%
def softmax_rows(z):
    """Stable softmax along the last axis (the max trick of 03)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def entropy(p):
    """Entropy in nats of each row of p (0 log 0 counts as 0)."""
    logs = np.log(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=-1)


d_k, n_keys = 64, 16
rng = np.random.default_rng(0)
q = rng.normal(size=(1000, 1, d_k))
k = rng.normal(size=(1000, n_keys, d_k))
raw = (q @ np.swapaxes(k, -1, -2))[:, 0, :]   # (1000, 16) dot products
print(f"variance of q.k: {raw.var():.1f} (d_k = {d_k}); after / sqrt(d_k): {(raw / np.sqrt(d_k)).var():.2f}")
print()
print(f"{'':22}{'mean max weight':>17}{'mean entropy':>14}{'rows above 0.9':>16}")
for label, scores in [("unscaled q.k", raw), ("q.k / sqrt(d_k)", raw / np.sqrt(d_k))]:
    p = softmax_rows(scores)
    print(f"{label:22}{p.max(axis=-1).mean():>17.3f}{entropy(p).mean():>14.3f}"
          f"{(p.max(axis=-1) > 0.9).mean():>16.1%}")
print(f"{'uniform over 16 keys':22}{1 / n_keys:>17.3f}{np.log(n_keys):>14.3f}{0:>16.1%}")

# %% [markdown]
# Without the scale, the average query puts about 85% of its weight on a single key, and
# more than half of the queries put over 90% there: attention has become a hard lookup
# before the model has learned anything. That hurts training twice. The layer can barely
# mix information, and the gradient through a saturated softmax is tiny (for weights
# $p$, $\partial p_i / \partial s_j = p_i(\delta_{ij} - p_j)$, which is close to 0 when
# one $p_i$ is close to 1), so the scores hardly learn to move. With the scale the
# weights stay spread out, with an entropy not far below the uniform $\ln 16 = 2.773$.
#
# The effect grows with the head size. The scaled version does not change:

# %%
print(f"{'d_k':>5}{'max weight, unscaled':>23}{'max weight, scaled':>21}")
for d in (4, 16, 64, 256):
    qd, kd = rng.normal(size=(1000, 1, d)), rng.normal(size=(1000, n_keys, d))
    s = (qd @ np.swapaxes(kd, -1, -2))[:, 0, :]
    print(f"{d:>5}{softmax_rows(s).max(axis=-1).mean():>23.3f}"
          f"{softmax_rows(s / np.sqrt(d)).max(axis=-1).mean():>21.3f}")

# %% [markdown]
# In the language of 04, dividing the scores by $\sqrt{d_k}$ is a softmax at temperature
# $\sqrt{d_k}$, fixed by the architecture rather than chosen at sampling time.

# %% [markdown]
# ## 4. The causal mask: $-\infty$, not 0
#
# In 07 a model was trained on every position of a sequence at once: position $t$ has
# read tokens $0..t$ and must predict token $t + 1$. With attention, nothing stops query
# $t$ from looking at key $t + 1$, which **is** its answer. A model allowed to peek learns
# to copy, its training loss falls fast, and it is useless when it generates text, where
# the future does not exist yet. So a decoder masks every future key: query $i$ may
# attend to key $j$ only if $j \le i$.
#
# Masking happens in the scores, before the softmax, and the masked scores must become
# $-\infty$, because $e^{-\infty} = 0$ exactly. Setting them to 0 does not mask anything:
# $e^0 = 1$, so a "masked" key competes like a key with score 0, and it may even score
# **higher** than it did before (a future score of $-1$ becomes 0). Four positions of
# *where is my parcel* with some scores, the future marked:

# %%
scores_4 = np.array([[1.0, 2.0, 0.5, 3.0],
                     [0.5, 1.5, -1.0, 2.0],
                     [-1.0, 0.0, 1.0, 0.5],
                     [0.0, 1.0, 2.0, 1.5]])
future = np.array([[0, 1, 1, 1],
                   [0, 0, 1, 1],
                   [0, 0, 0, 1],
                   [0, 0, 0, 0]], dtype=bool)   # key j is after query i

with_zero = softmax_rows(np.where(future, 0.0, scores_4))
with_inf = softmax_rows(np.where(future, -np.inf, scores_4))
print("weight on future keys, future scores set to 0   :", (with_zero * future).sum(axis=-1))
print("weight on future keys, future scores set to -inf:", (with_inf * future).sum(axis=-1))
print("exp(-inf) =", np.exp(-np.inf), "  exp(0) =", np.exp(0.0))
print("weights of the first query, 0-masked   :", with_zero[0])
print("weights of the first query, -inf-masked:", with_inf[0])

# %% [markdown]
# With 0 the first query, which may see only itself, sends **52.5%** of its weight into
# the future: its own score 1 gives $e^1 = 2.718$, against $3 \times e^0 = 3$ for the
# three "masked" keys. The second and third queries leak 24.6% and 19.7%. With $-\infty$ the leak is exactly
# 0.0, not just small. The last query has no future, so both agree there.
#
# Libraries write the mask in one of two ways: as **booleans** (True where attention is
# allowed, as PyTorch's `attn_mask` of dtype bool) or as an **additive** float mask of 0
# and $-\infty$ added to the scores. In this course a mask is boolean, True meaning
# "may attend", and `masked_softmax` is where the $-\infty$ goes in.

# %% [markdown]
# The same weights as pictures: a row per query, a column per key of *where is my
# parcel*. With future scores set to 0, weight spills above the diagonal, into words
# the query has not read yet:

# %%
words = ["where", "is", "my", "parcel"]
plots.attention_weights(with_zero, tokens=words)

# %% [markdown]
# With $-\infty$, everything above the diagonal is exactly 0, and each row still sums to 1
# over the keys the query may see:

# %%
plots.attention_weights(with_inf, tokens=words)

# %% [markdown]
# ## 5. Exercise: implement `causal_mask`
#
# Write `causal_mask(T)`: a boolean array of shape `(T, T)` whose entry `[i, j]` is
# `True` when key position `j` may be seen by query position `i`, that is when
# `j <= i`. Row `i` is a query, column `j` a key; the diagonal is `True` (a position
# sees itself). `T` is a non-negative integer (a Python or numpy int).

# %%
hints("causal_mask")

# %% nbgrader={"grade_id": "causal_mask", "solution": true}
import numpy as np


def causal_mask(T):
    """Boolean (T, T) mask: True where key position j <= query position i."""
    ### BEGIN SOLUTION
    positions = np.arange(T)
    return positions[None, :] <= positions[:, None]
    ### END SOLUTION


# %%
check("causal_mask", causal_mask)

# %% nbgrader={"grade_id": "test_causal_mask", "grade": true, "points": 1}
# Graded: the checks above.
assert_check("causal_mask", causal_mask, part="core")

# %% nbgrader={"grade_id": "test_causal_mask_edge", "grade": true, "points": 1}
# Graded: edge cases (T = 1, T = 0, a numpy integer). More cases are tested when your
# notebook is graded: other sizes, the dtype.
assert_check("causal_mask", causal_mask, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect


def _reference_causal(T):
    return np.tril(np.ones((T, T), dtype=bool))


battery(causal_mask, _reference_causal, [
    (f"T = {_T}", (_T,), {}) for _T in (0, 1, 2, 3, 5, 8, 33, 128)
] + [("T = np.int32(6)", (np.int32(6),), {}), ("T = np.int64(17)", (np.int64(17),), {})])
for _T in (1, 2, 9):
    _m = causal_mask(_T)
    expect(getattr(_m, "dtype", None) == np.bool_, f"T = {_T}: the mask must be a bool array")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Padding masks, and a row with nothing to see
#
# Batches hold sequences of different lengths, padded to one length (07). Padded
# positions are not real tokens, so no query may attend to them: a **padding mask**
# marks the real keys of each sequence. It has shape `(B, 1, T)`, one row per sequence
# with an axis of length 1 for the queries, so it broadcasts against the `(B, T, T)`
# scores and applies to every query. Combined with the causal mask (`&`, shape
# `(T, T)`), it gives each query the keys that are both real and not in its future.
#
# For generation, batches are often padded on the **left**, so that every sequence ends
# at the same position. Then the first query of a padded sequence is a pad itself, and
# every key it may see (only itself and what comes before) is padding: its row of the
# mask is entirely False. Take a batch of *where is my parcel* and a left-padded
# *refund please*:

# %%
tokens = [["where", "is", "my", "parcel"], ["<pad>", "<pad>", "refund", "please"]]
is_real = np.array([[True, True, True, True], [False, False, True, True]])
padding = is_real[:, None, :]     # (B, 1, T): the real keys of each sequence
no_future = ~future               # (T, T): key j <= query i
allowed = padding & no_future     # (B, T, T)
print("allowed keys for each query of the padded sequence:\n", allowed[1].astype(int))
print("queries with no key at all:", [tokens[1][i] for i in range(4) if not allowed[1, i].any()])

# %% [markdown]
# The usual recipe, $-\infty$ at the masked scores and then a softmax, breaks on such a row:
# every score is $-\infty$, the max is $-\infty$, and $-\infty - (-\infty)$ is nan (without
# the max shift it is $0 / 0$, nan too). Worse, the nan does not stay in the padded rows:

# %%
rng = np.random.default_rng(8)
q_b, k_b, v_b = rng.normal(size=(3, 2, 4, 8))   # queries, keys, values: (B, T, d) each
scores_b = q_b @ np.swapaxes(k_b, -1, -2) / np.sqrt(8)

with np.errstate(invalid="ignore"):
    naive = softmax_rows(np.where(allowed, scores_b, -np.inf))
layer_1 = naive @ v_b        # the output of one attention layer
layer_2 = naive @ layer_1    # a second layer (the same weights again, for brevity)
print("layer 1: rows of the padded sequence with nan:", np.isnan(layer_1[1]).any(axis=-1))
print("layer 2: rows of the padded sequence with nan:", np.isnan(layer_2[1]).any(axis=-1))
print("layer 2: rows of the other sequence with nan  :", np.isnan(layer_2[0]).any(axis=-1))

# %% [markdown]
# After one layer only the two pad queries are nan. In the next layer the real queries
# give those pad keys weight exactly 0, but $0 \times \text{nan}$ is nan, so every
# position of the padded sequence is now nan, and so are its logits and the loss, even
# though 07's `ignore_index` never counts the pad positions. One bad row poisons the
# batch.
#
# The fix is a convention: a query with no key to attend to gets **all-zero** weights
# (its output is the zero vector), never nan. Its own result does not matter, because its
# loss is ignored; it only has to stay a number. PyTorch's
# `F.scaled_dot_product_attention` does the same in recent versions (a plain
# `F.softmax` of an all-$-\infty$ row still gives nan). Libraries that fill masked
# scores with a large negative number, such as the dtype's smallest value, avoid the nan
# differently: such a row comes out **uniform**, attending equally to the pads.

# %% [markdown]
# ## 7. Exercise: implement `masked_softmax`
#
# Write `masked_softmax(scores, mask, axis=-1)`:
#
# - `scores`: a list or array of any shape; `mask`: booleans, `True` where the entry
#   is kept, of a shape that **broadcasts** against `scores` (a `(T, T)` causal mask
#   with `(B, H, T, T)` scores, a `(B, 1, T)` padding mask with `(B, T, T)` scores);
# - the result has the shape of `scores`: along `axis`, the softmax of the kept scores,
#   with every masked entry **exactly 0**;
# - a slice with no kept entry is **all zeros**, never nan;
# - stable for scores of ±1000 (03's max trick, taken over the kept entries), a `-inf`
#   score gets weight 0, and a masked score is never used, whatever it holds;
# - keep float32 scores float32, and do not modify `scores` or `mask`.

# %%
hints("masked_softmax")

# %% nbgrader={"grade_id": "masked_softmax", "solution": true}
import numpy as np


def masked_softmax(scores, mask, axis=-1):
    """Softmax of the kept scores along axis; masked entries 0, fully masked slices all 0."""
    ### BEGIN SOLUTION
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    keep = np.asarray(mask, dtype=bool)
    filled = np.where(keep, scores, -np.inf)
    top = np.max(filled, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)  # a fully masked slice: nothing to shift by
    exps = np.exp(filled - top)
    total = np.sum(exps, axis=axis, keepdims=True)
    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0)
    ### END SOLUTION


# %%
check("masked_softmax", masked_softmax)

# %% nbgrader={"grade_id": "test_masked_softmax", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("masked_softmax", masked_softmax, part="core")

# %% nbgrader={"grade_id": "test_masked_softmax_edge", "grade": true, "points": 2}
# Graded: edge cases (a fully masked row, scores of +-1000, -inf and nan scores). More
# cases are tested when your notebook is graded: random batches with causal and padding
# masks, other axes, lists, float32, untouched inputs.
assert_check("masked_softmax", masked_softmax, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery


def _reference_masked(scores, mask, axis=-1):
    s = np.where(np.asarray(mask, dtype=bool), np.asarray(scores, dtype=np.float64), -np.inf)
    peak = s.max(axis=axis, keepdims=True)
    w = np.exp(s - np.where(np.isneginf(peak), 0.0, peak))
    norm = w.sum(axis=axis, keepdims=True)
    return np.where(norm > 0, w / np.where(norm > 0, norm, 1.0), 0.0)


_rng = np.random.default_rng(80)
_S = 3 * _rng.normal(size=(2, 3, 5, 5))
_causal = np.tril(np.ones((5, 5), dtype=bool))
_pad = np.array([[True] * 5, [False, False, True, True, True]])[:, None, None, :]
_left = _causal & _pad  # the second sequence's first two queries see nothing
_random = _rng.random(size=(4, 7)) < 0.5
_random[1] = False
_huge = np.array([[1000.0, -1000.0, 999.0, 5000.0], [-1000.0, -1001.0, -1000.5, 1e300]])
_holes = np.array([[0.0, -np.inf, 1.0, np.nan], [np.inf, 2.0, 2.0, -np.inf]])
_holes_mask = np.array([[True, True, True, False], [False, True, True, True]])
battery(masked_softmax, _reference_masked, [
    ("causal mask broadcast over (B, H)", (_S, _causal), {}),
    ("causal and left padding: fully masked rows", (_S, _left), {}),
    ("a random mask with a fully masked row", (_rng.normal(size=(4, 7)), _random), {}),
    ("a (B, 1, T) padding mask", (_S[:, 0], _pad[:, 0]), {}),
    ("axis=0", (_rng.normal(size=(4, 7)), _random), {"axis": 0}),
    ("axis=-2 on 4-D scores", (_S, _left), {"axis": -2}),
    ("nested lists", ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], [[True, False, True], [False, False, False]]), {}),
    ("integer scores", (np.array([[3, 1, 0], [2, 2, 2]]), np.array([[True, True, False], [True] * 3])), {}),
    ("float32 scores", (_S.astype(np.float32), _left), {}),
    ("float32 scores of +-1000", (_huge[:, :3].astype(np.float32), np.ones((2, 3), dtype=bool)), {}),
    ("scores of +-1000, huge masked scores", (_huge, np.array([[True, True, True, False]] * 2)), {}),
    ("inf, -inf and nan scores", (_holes, _holes_mask), {}),
    ("everything masked", (_S, np.zeros((5, 5), dtype=bool)), {}),
    ("nothing masked", (_S, np.ones((2, 3, 5, 5), dtype=bool)), {}),
    ("a single entry kept", (np.array([7.0, 1e3, -1e3]), np.array([False, True, False])), {}),
])
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Exercise: implement `scaled_dot_product_attention`
#
# Write `scaled_dot_product_attention(q, k, v, causal=False)` returning the pair
# `(output, weights)`:
#
# - `q` of shape `(..., T_q, d_k)`, `k` of shape `(..., T_k, d_k)`, `v` of shape
#   `(..., T_k, d_v)`, lists or arrays, with the same leading axes (batch, heads);
# - `weights = softmax(q k^T / sqrt(d_k))` along the keys, shape `(..., T_q, T_k)`;
#   `output = weights @ v`, shape `(..., T_q, d_v)`;
# - `causal=True` (then `T_q == T_k`): query `i` attends only to keys `j <= i`;
# - stable for large scores; keep float32 inputs float32; do not modify the inputs.
#
# Build it from your `causal_mask` and `masked_softmax` (without a causal mask, every
# entry is kept). The checks that need those two wait until they pass their own checks,
# here and when your notebook is graded, so a mistake in one of them costs points only there.

# %%
hints("scaled_dot_product_attention")

# %% nbgrader={"grade_id": "scaled_dot_product_attention", "solution": true}
import math

import numpy as np


def scaled_dot_product_attention(q, k, v, causal=False):
    """(output, weights) with weights = softmax(q k^T / sqrt(d_k)) over the keys."""
    ### BEGIN SOLUTION
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        mask = causal_mask(scores.shape[-1])
    else:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    weights = masked_softmax(scores, mask, axis=-1)
    return weights @ v, weights
    ### END SOLUTION


# %%
check("scaled_dot_product_attention", scaled_dot_product_attention)

# %% nbgrader={"grade_id": "test_scaled_dot_product_attention", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("scaled_dot_product_attention", scaled_dot_product_attention, part="core")

# %% nbgrader={"grade_id": "test_scaled_dot_product_attention_edge", "grade": true, "points": 2}
# Graded: edge cases (large scores, lists, causal heads, T = 1). More cases are tested when
# your notebook is graded: random batches and heads with and without the causal mask,
# float32, untouched inputs.
assert_check("scaled_dot_product_attention", scaled_dot_product_attention, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.checks import siblings_pass
from logitlab.testing import battery


def _ref_attention(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    s = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return np.matmul(w, v), w


def _part(fn, i):
    def picked(*args, **kwargs):
        out = fn(*args, **kwargs)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError("not a pair (output, weights)")
        return out[i]
    return picked


_rng = np.random.default_rng(81)
_q, _k, _v = _rng.normal(size=(3, 2, 4, 6, 8))
_qx, _kx, _vx = _rng.normal(size=(3, 6, 16))
_cases = [
    ("(B, H, T, d)", (_q, _k, _v), {}),
    ("3 queries, 7 keys, d_v = 2", (_rng.normal(size=(3, 5)), _rng.normal(size=(7, 5)),
                                     _rng.normal(size=(7, 2))), {}),
    ("(B, T, d) lists", (_q[0].tolist(), _k[0].tolist(), _v[0].tolist()), {}),
    ("large scores", (30 * _qx, 30 * _kx, _vx), {}),
    ("d_k = 1", (_qx[:, :1], _kx[:, :1], _vx), {}),
    ("causal=False spelled out", (_qx, _kx, _vx), {"causal": False}),
]
# Graded on its own: the cases that need causal_mask (causal=True) or masked_softmax to keep
# float32 run once both pass their own checks, so a mistake there costs points only there.
if siblings_pass(scaled_dot_product_attention, "causal_mask", "masked_softmax"):
    _cases += [
        ("(B, H, T, d), causal", (_q, _k, _v), {"causal": True}),
        ("(T, d), causal", (_qx, _kx, _vx), {"causal": True}),
        ("float32, causal", (_q.astype(np.float32), _k.astype(np.float32), _v.astype(np.float32)),
         {"causal": True}),
        ("float32", (_qx.astype(np.float32), _kx.astype(np.float32), _vx.astype(np.float32)), {}),
        ("large scores, causal", (30 * _qx, 30 * _kx, _vx), {"causal": True}),
        ("T = 1, causal", (_qx[:1], _kx[:1], _vx[:1]), {"causal": True}),
    ]
battery(_part(scaled_dot_product_attention, 0), lambda *a, **kw: _ref_attention(*a, **kw)[0], _cases)
battery(_part(scaled_dot_product_attention, 1), lambda *a, **kw: _ref_attention(*a, **kw)[1], _cases)
### END HIDDEN TESTS

# %% [markdown]
# ## 9. See it: attention over a sentence
#
# The heatmap shows attention weights for *where is my parcel ? it ships today*: one row
# per query, one column per key, with made-up queries and keys of size $d_k = 64$ in
# which a few words look for others (*it* looks for *parcel*, *ships* for *it*, and *my*
# for the word after it). The weights come from **your** `masked_softmax`, with **your**
# `causal_mask`. Try:
#
# - untick **causal mask**: every word may now look ahead; *my* finds *parcel*, a word
#   it could not have seen while generating;
# - with the causal mask, tick **mask with 0 instead of -inf**: the grey future cells fill
#   with weight; the readout adds it up;
# - untick **divide by sqrt(d_k)**: most rows collapse onto one key.

# %%
attention_explorer(causal_mask, masked_softmax)

# %% [markdown]
# ## 10. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | training loss falls suspiciously fast, generated text is poor | the causal mask leaks: filled with 0, transposed, or applied after the softmax | put `-inf` into the future scores before the softmax; check that `weights[..., j > i]` is exactly 0 |
# | loss is `nan` from the first batch with left padding | a query whose every key is masked: `-inf - (-inf)` or `0 / 0` | give rows with no kept key all-zero weights |
# | one padded sequence is `nan` everywhere, not just at the pads | a nan row in one layer spreads through `0 * nan` in the next | the same: never let a fully masked row become nan |
# | attention is almost one-hot at initialisation, training is slow | scores not divided by `sqrt(d_k)` | divide `q @ k^T` by `math.sqrt(q.shape[-1])` |
# | the weights' columns sum to 1 | softmax over the queries axis | softmax along the last axis (the keys) |
# | `ValueError: matmul ... mismatch` with batches or heads | `k.T` reverses every axis of a 3-D or 4-D array | `np.swapaxes(k, -1, -2)` |
# | padded positions still receive attention | the padding mask covers the queries, shape `(B, T, 1)` | mask the keys: shape `(B, 1, T)` |
# | a fully masked row attends uniformly to padding | masked scores filled with a large negative number such as -1e9 | use `-inf` and return zeros for rows with nothing to see |
# | a float32 model turns float64 | dividing by `np.sqrt(d_k)`, a float64 numpy number | divide by `math.sqrt(d_k)` or `d_k ** 0.5` |

# %% [markdown]
# ## 11. In your own words (2 points, graded by your instructor)
#
# In two or three sentences: why does a causal mask put $-\infty$ into the future scores
# rather than 0, and what would a model trained with a 0-filled mask learn? Write your
# answer in the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_attention", "solution": true, "grade": true, "points": 2}
# The softmax exponentiates every score, and $e^{-\infty} = 0$ gives a future key exactly
# no weight, while $e^0 = 1$ leaves it competing like any key with score 0 (and can even
# raise a negative score). With a 0-filled mask each position can still see the tokens
# after it, including the one it is trained to predict, so the model learns to copy from
# the future: a low training loss and poor text at generation time, when no future exists.
#
# **Rubric (2 points):** 1 point for the softmax argument ($e^{-\infty} = 0$ exactly versus
# $e^0 = 1$, so 0 still gives the future weight); 1 point for the consequence (the model
# sees its own target / the future during training, so it learns to peek and fails at
# generation, or the training loss is misleadingly low).

# %% [markdown]
# ## 12. Self-check

# %%
quiz("08_attention")

# %% [markdown]
# ## Next
#
# You have now met every piece between the logits and the loss, twice over. [**09_training**](../09_training/09_training.ipynb)
# puts them to work: a softmax model trained from scratch with your own softmax,
# cross-entropy and gradient, watching its training and validation loss as it learns.
