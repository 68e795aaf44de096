# %% [markdown]
# # 11 · The loss at LLM scale
#
# Everything in this course so far fits in a few kilobytes. A language model's output
# layer does not: it scores every token of a vocabulary of about 128,000 entries, at
# every position of every sequence in the batch. The formula for the loss does not
# change at that scale, but the straightforward way of computing it runs out of memory
# long before it runs out of time. This last notebook measures where the memory goes
# and computes the same loss without ever holding all the logits.
#
# **By the end of this notebook you can**
# - work out the bytes of the logits, the probabilities and their gradient from the
#   number of tokens, the vocabulary size and the dtype (8,192 x 128,000 x 4 B is about
#   4.2 GB, before any gradient);
# - measure what numpy allocates with `tracemalloc` and check it against that arithmetic;
# - compute a log-sum-exp in one pass over a stream of chunks, with a running max and a
#   rescaled running sum (the "online" trick of Milakov and Gimelshein, 2018);
# - compute the mean cross-entropy of `hidden @ weight.T` one block of vocabulary
#   columns at a time, and see the peak memory fall while the loss stays the same;
# - say what fused kernels such as Cut Cross-Entropy (Wijmans et al., 2024) add.

# %% nbgrader={"grade_id": "setup", "locked": true}
import time
import tracemalloc

import numpy as np

from logitlab import course_map
from logitlab.checks import assert_check, check
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.llm_scale import memory_calculator

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. Where the memory goes
#
# The last layer of a language model turns each position's hidden vector, $d$ numbers
# ($d$ = 4,096 in an 8-billion-parameter model), into one logit per vocabulary token.
# For a batch of $N$ positions (sequences x tokens per sequence) that is one matrix
# product:
#
# $$Z = H W^\top, \qquad H: N \times d, \quad W: V \times d, \quad Z: N \times V.$$
#
# Each row of $W$ is the vector of one token. The loss then needs, for every one of the
# $N \times V$ entries, a logit, a probability (the softmax), and in the backward pass a
# gradient ($p - y$, notebook 06). At 4 bytes per float32 entry:

# %%
tokens, vocab, hidden_size = 8_192, 128_000, 4_096
entries = tokens * vocab
print(f"{tokens:,} tokens x {vocab:,} vocabulary = {entries:,} logits")
print(f"logits in float32: {entries:,} x 4 B = {entries * 4 / 1e9:.1f} GB")
print(f"logits + probabilities + gradient: {3 * entries * 4 / 1e9:.1f} GB")
print(f"the hidden states H: {tokens:,} x {hidden_size:,} x 4 B = {tokens * hidden_size * 4 / 1e9:.2f} GB")
print(f"the output layer's weights W: {vocab:,} x {hidden_size:,} x 4 B = "
      f"{vocab * hidden_size * 4 / 1e9:.1f} GB")

# %% [markdown]
# The logits of one batch take about **4.2 GB**, $V / d \approx 31$ times more than the
# hidden states they are computed from, and twice the output layer's own weights. With
# the probabilities and the gradient it is 12.6 GB, for a single layer. Halving the
# bytes per entry (bfloat16) halves these numbers but does not change the picture: the
# cost grows with $N \times V$, and both grow as models get longer contexts and larger
# vocabularies.

# %% [markdown]
# The same arithmetic for the vocabularies of a few real models, 8,192 tokens each: the
# logits alone (orange), against a loss that holds 8,192 vocabulary columns at a time
# (blue), which sections 3 to 7 build.

# %%
from logitlab.plots import logits_memory

logits_memory()

# %% [markdown]
# ## 2. Measure it: `tracemalloc`
#
# Arithmetic is a prediction; let us check it. Python's standard library has a tracer
# of memory allocations, `tracemalloc`, and numpy reports every array buffer it
# allocates to it. `get_traced_memory()` returns two numbers: the bytes allocated now,
# and the **peak** since tracing started. The small helpers below measure the peak and
# the time of any computation.

# %%
def peak_memory(action):
    """Run action(); return (its result, the peak number of bytes allocated while it ran)."""
    tracemalloc.start()
    try:
        result = action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def best_time(action, repeat=3):
    """The shortest of `repeat` runs of action(), in seconds (the least disturbed one)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


rng = np.random.default_rng(0)
V_small, d_small = 8_192, 64
W_small = (rng.normal(size=(V_small, d_small)) / 8).astype(np.float32)
for N in (256, 512, 1_024):
    H_small = rng.normal(size=(N, d_small)).astype(np.float32)
    _, peak = peak_memory(lambda: H_small @ W_small.T)
    print(f"N = {N:>5,}: predicted {N:,} x {V_small:,} x 4 B = {N * V_small * 4 / 1e6:5.2f} MB, "
          f"measured {peak / 1e6:5.2f} MB")

# %% [markdown]
# The measured peak is the prediction, to the byte or nearly. Now the whole loss,
# written the way notebook 05 taught it: the logits, each row's log-sum-exp with the
# max subtracted, minus the target's logit.

# %%
def naive_cross_entropy(hidden, weight, targets):
    """Mean cross-entropy of hidden @ weight.T, holding every logit at once."""
    logits = hidden @ weight.T                                    # (N, V)
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float(np.mean(log_norm - logits[np.arange(len(targets)), targets]))


N = 1_024
H_small = rng.normal(size=(N, d_small)).astype(np.float32)
t_small = rng.integers(0, V_small, size=N)
loss, peak = peak_memory(lambda: naive_cross_entropy(H_small, W_small, t_small))
print(f"loss {loss:.3f}; peak {peak / 1e6:.1f} MB = {peak / (N * V_small * 4):.2f} x the logits")

# %% [markdown]
# Three times the logits: `logits`, then `logits - top`, then `np.exp` of that, each a
# full $N \times V$ array, all alive at the same moment. A backward pass would add the
# probabilities and the gradient. Memory of this kind, proportional to $N \times V$, is
# what the rest of this notebook removes.

# %% [markdown]
# ## 3. One pass over the vocabulary: the online log-sum-exp
#
# The loss of a row is $\operatorname{logsumexp}(z) - z_{\text{target}}$, and notebook 03
# computed the log-sum-exp safely as $m + \log \sum_j e^{z_j - m}$ with $m = \max_j z_j$.
# That needs the max **before** the sum. If the logits arrive in chunks (because we
# refuse to build them all), the max of what is still to come is unknown.
#
# The way out: keep a **running** max $m$ and a running sum $s = \sum e^{z_j - m}$ over
# what has been seen. When a chunk brings a larger max $m'$, every term of $s$ was
# measured against the old $m$; since $e^{z - m'} = e^{z - m} \cdot e^{m - m'}$, one
# multiplication converts the whole sum:
#
# $$s \leftarrow s \cdot e^{m - m'} + \sum_{z \in \text{chunk}} e^{z - m'}, \qquad m \leftarrow m'.$$
#
# After the last chunk, $\operatorname{logsumexp} = m + \log s$. The factor
# $e^{m - m'}$ is at most 1, so nothing ever overflows. By hand for $[3, 1, 0]$
# arriving as the chunks $[1, 0]$ and then $[3]$:

# %%
s1 = np.exp(1.0 - 1.0) + np.exp(0.0 - 1.0)          # chunk [1, 0]: running max 1
s2 = s1 * np.exp(1.0 - 3.0) + np.exp(3.0 - 3.0)     # chunk [3]: the max rises from 1 to 3
print(f"after [1, 0]: max 1, sum = 1 + e^-1 = {s1:.3f}")
print(f"after [3]   : max 3, sum = {s1:.3f} x e^-2 + 1 = {s2:.3f}")
print(f"log-sum-exp = 3 + log({s2:.3f}) = {3 + np.log(s2):.3f}")
print(f"in one go   : log(e^3 + e^1 + e^0) = {np.log(np.exp(3.0) + np.exp(1.0) + 1.0):.3f}")

# %% [markdown]
# 1.185 is the sum of the exps of $[0, -2, -3]$ from notebook 03: after the rescaling,
# the running sum is exactly what a two-pass computation with the true max gives.
#
# Milakov and Gimelshein (2018) made this observation for the softmax on GPUs. The safe
# softmax reads its input three times (once for the max, once for the sum, once to
# divide); carrying a rescaled running sum folds the first two reads into one, and since
# reading memory is what limits a GPU's softmax, that alone made it up to 1.3 times
# faster. The same running max and sum are at the heart of FlashAttention's blockwise
# attention (notebook 08's softmax) and of every loss that never materialises its
# logits.

# %% [markdown]
# ## 4. Exercise: implement `online_logsumexp`
#
# Write `online_logsumexp(chunks)`: the log-sum-exp of all the numbers in `chunks`, as if
# they were concatenated into one vector.
#
# - `chunks` is an iterable of 1-D lists or arrays. It may be an **iterator** (a
#   generator, say) that can be read only once: one loop over it, no `len()`, no
#   indexing, no second pass;
# - keep a running max and a running sum, rescaling the sum whenever the max rises;
# - exact for entries of any size (±1000 and beyond); a `-inf` entry adds
#   $e^{-\infty} = 0$; if every entry is `-inf`, or there are no entries at all, the result
#   is `-inf`, never `nan`;
# - skip empty chunks; keep float32 chunks float32 (return a numpy scalar, not a Python
#   float); do not modify the chunks.

# %%
hints("online_logsumexp")

# %% nbgrader={"grade_id": "online_logsumexp", "solution": true}
import numpy as np


def online_logsumexp(chunks):
    """log(sum(exp(x))) over every entry of every chunk, in a single pass over `chunks`."""
    ### BEGIN SOLUTION
    run_max, run_sum = -np.inf, 0.0
    for chunk in chunks:
        x = np.asarray(chunk)
        if x.size == 0:
            continue
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(np.float64)
        new_max = np.maximum(run_max, x.max())
        if new_max > -np.inf:  # while everything is -inf there is nothing to add (and -inf - -inf is nan)
            run_sum = run_sum * np.exp(run_max - new_max) + np.exp(x - new_max).sum()
        run_max = new_max
    return run_max + np.log(run_sum) if run_sum > 0 else run_max
    ### END SOLUTION


# %%
check("online_logsumexp", online_logsumexp)

# %% nbgrader={"grade_id": "test_online_logsumexp", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("online_logsumexp", online_logsumexp, part="core")

# %% nbgrader={"grade_id": "test_online_logsumexp_edge", "grade": true, "points": 2}
# Graded: edge cases (logits of +-1000, -inf entries, empty chunks, many chunks). More
# cases are tested when your notebook is graded: random data cut in many ways, maxima
# rising and falling, integer chunks, generators, float32.
assert_check("online_logsumexp", online_logsumexp, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect, expect_close


def _reference_online_lse(chunks):
    parts = [np.asarray(c, dtype=np.float64).ravel() for c in chunks]
    z = np.concatenate(parts) if parts else np.zeros(0)
    if z.size == 0 or np.isneginf(z).all():
        return -np.inf
    top = z.max()
    return top + np.log(np.exp(z - top).sum())


_rng = np.random.default_rng(110)
_data = 5 * _rng.normal(size=1000)
_ninf = -np.inf
_cases = [
    ("one chunk as a list", ([[3.0, 1.0, 0.0]],), {}),
    ("1000 values in 10 chunks", (list(_data.reshape(10, 100)),), {}),
    ("uneven chunks", (np.split(_data, [1, 5, 300, 301, 999]),), {}),
    ("chunks of one value", ([[x] for x in _data[:50]],), {}),
    ("maxima rising chunk after chunk", ([[0.0], [10.0, 9.0], [100.0], [1000.0, 3.0]],), {}),
    ("maxima falling chunk after chunk", ([[1000.0, 3.0], [100.0], [10.0, 9.0], [0.0]],), {}),
    ("logits of +-1000", ([[-1000.0, 1000.0], [999.0], [-1000.0]],), {}),
    ("all near -1000", ([[-1000.0], [-1001.0, -1002.0]],), {}),
    ("-inf entries", ([[_ninf, 2.0], [_ninf], [1.0, _ninf]],), {}),
    ("a leading all -inf chunk", ([[_ninf, _ninf], [2.0, 1.0]],), {}),
    ("a trailing all -inf chunk", ([[2.0, 1.0], [_ninf, _ninf]],), {}),
    ("every entry -inf", ([[_ninf], [_ninf, _ninf]],), {}),
    ("empty chunks", ([[], [3.0], [], [1.0, 0.0], []],), {}),
    ("no chunks at all", ([],), {}),
    ("only empty chunks", ([[], []],), {}),
    ("integer chunks", ([[3, 1], [0]],), {}),
    ("a tuple of chunks", (([1.0], [2.0], [0.5]),), {}),
    ("one long chunk", ([_data],), {}),
]
battery(online_logsumexp, _reference_online_lse, _cases)
_parts = np.split(_data, [3, 400, 401, 777])
expect_close(online_logsumexp(iter(_parts)), _reference_online_lse(_parts), "an iterator over chunks")
expect_close(online_logsumexp(p for p in _parts), _reference_online_lse(_parts), "a generator of chunks")
expect_close(online_logsumexp(p for p in [[_ninf], [], [_ninf, 0.0]]), 0.0,
             "a generator with -inf and empty chunks")
_f32 = online_logsumexp([p.astype(np.float32) for p in _parts])
expect(getattr(_f32, "dtype", None) == np.float32, "float32 chunks must give a float32 result")
expect_close(_f32, _reference_online_lse(_parts), "float32 chunks", rtol=1e-5, atol=1e-5)
_kept = [p.copy() for p in _parts]
online_logsumexp(_kept)
expect(all([np.array_equal(a, b) for a, b in zip(_kept, _parts)]), "the chunks were modified in place")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The loss without the logits matrix
#
# Row $i$'s loss is $\operatorname{logsumexp}(z_i) - z_{i, t_i}$, and both pieces can be
# had without the full row:
#
# - **the log-sum-exp**: the logits of vocabulary entries `start` to `stop` for all rows
#   are `hidden @ weight[start:stop].T`, an $N \times c$ block. Fold each block into a
#   running max and running sum **per row** (your `online_logsumexp`, once for every row
#   at the same time), then drop it;
# - **the target's logit**: $z_{i, t_i} = h_i \cdot w_{t_i}$, one dot product of row $i$
#   of `hidden` with row $t_i$ of `weight`. It needs no block at all: $N \times d$ work
#   for all rows together.
#
# At no moment does more than one $N \times c$ block exist, so the peak memory falls
# from $N \times V$ entries to $N \times c$. The loss is exactly the same; only the
# order of the additions changes.
#
# Here are the two rows of notebook 07 written this way: with a hidden size of 2,
# `hidden = I` picks out the columns of `weight`, and the logits are the rows
# $[3, 1, 0]$ and $[0.5, 0, 2]$, with targets *reship* and *today*.

# %%
hidden_07 = np.array([[1.0, 0.0],
                      [0.0, 1.0]])
weight_07 = np.array([[3.0, 0.5],     # refund
                      [1.0, 0.0],     # reship
                      [0.0, 2.0]])    # today
targets_07 = np.array([1, 2])
print("logits = hidden @ weight.T =\n", hidden_07 @ weight_07.T)
print("target logits h_i . w_t    =", np.einsum("nd,nd->n", hidden_07, weight_07[targets_07]))
print(f"mean loss (naive)          = {naive_cross_entropy(hidden_07, weight_07, targets_07):.3f}")

# %% [markdown]
# The per-row losses are 2.170 and 0.306, mean **1.238**, as in 07. Your chunked
# version must give the same number for every chunk size.

# %% [markdown]
# ## 6. Exercise: implement `chunked_cross_entropy`
#
# Write `chunked_cross_entropy(hidden, weight, targets, chunk_size)`: the mean
# cross-entropy of the logits `hidden @ weight.T` over the $N$ rows.
#
# - `hidden` is $(N, d)$, `weight` is $(V, d)$ (one row per vocabulary token), `targets`
#   is $(N,)$ integer token ids; lists or arrays;
# - never hold more than `chunk_size` vocabulary columns of logits: compute them block
#   by block, folding each block into a running max and running sum per row. The last
#   block may be shorter; a `chunk_size` of $V$ or more is one block;
# - raise `ValueError` if `chunk_size` is below 1;
# - finite for logits of ±1000 and more; every row keeps its own running max;
# - return a Python float; do not modify the inputs.

# %%
hints("chunked_cross_entropy")

# %% nbgrader={"grade_id": "chunked_cross_entropy", "solution": true}
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    """Mean cross-entropy of the logits hidden @ weight.T, chunk_size vocabulary columns at a time."""
    ### BEGIN SOLUTION
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    hidden, weight = np.asarray(hidden), np.asarray(weight)
    if not np.issubdtype(hidden.dtype, np.floating):
        hidden = hidden.astype(np.float64)
    targets = np.asarray(targets)
    run_max = np.full(len(hidden), -np.inf, dtype=hidden.dtype)
    run_sum = np.zeros(len(hidden), dtype=hidden.dtype)
    for start in range(0, len(weight), chunk_size):
        block = hidden @ weight[start:start + chunk_size].T  # (N, c): the only logits held
        new_max = np.maximum(run_max, block.max(axis=1))
        run_sum = run_sum * np.exp(run_max - new_max) + np.exp(block - new_max[:, None]).sum(axis=1)
        run_max = new_max
    target_logits = np.einsum("nd,nd->n", hidden, weight[targets])  # h_i . w_(t_i), no block needed
    return float(np.mean(run_max + np.log(run_sum) - target_logits))
    ### END SOLUTION


# %%
check("chunked_cross_entropy", chunked_cross_entropy)

# %% nbgrader={"grade_id": "test_chunked_cross_entropy", "grade": true, "points": 2}
# Graded: the checks above. (The peak-memory check measures your function where it runs;
# the value checks grade it everywhere.)
assert_check("chunked_cross_entropy", chunked_cross_entropy, part="core")

# %% nbgrader={"grade_id": "test_chunked_cross_entropy_edge", "grade": true, "points": 2}
# Graded: edge cases (logits of +-1000, rows at very different scales, chunk_size >= V,
# one row, chunk_size < 1). More cases are tested when your notebook is graded: random
# problems with every kind of last block, lists, float32, large logits.
assert_check("chunked_cross_entropy", chunked_cross_entropy, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect, expect_close


def _reference_chunked_ce(hidden, weight, targets, chunk_size):
    z = np.asarray(hidden, dtype=np.float64) @ np.asarray(weight, dtype=np.float64).T
    t = np.asarray(targets)
    top = z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return np.mean(lse - z[np.arange(len(t)), t])


_rng = np.random.default_rng(111)
_H, _W = _rng.normal(size=(16, 8)), _rng.normal(size=(37, 8))
_T = _rng.integers(0, 37, size=16)
_H_big, _W_big = _rng.normal(size=(32, 16)), _rng.normal(size=(1000, 16))
_T_big = _rng.integers(0, 1000, size=32)
_T_last = np.array([36, 35, 36, 33] * 4)  # every target in the last, shorter block of 5
_scales = np.array([[300.0], [1.0], [-300.0], [30.0]])
battery(chunked_cross_entropy, _reference_chunked_ce, [
    ("07's two rows as lists, chunk 2", ([[1.0, 0.0], [0.0, 1.0]], [[3.0, 0.5], [1.0, 0.0], [0.0, 2.0]],
                                         [1, 2], 2), {}),
    ("V = 37, chunk 5 (a shorter last block)", (_H, _W, _T, 5), {}),
    ("V = 37, chunk 1", (_H, _W, _T, 1), {}),
    ("V = 37, chunk 37", (_H, _W, _T, 37), {}),
    ("V = 37, chunk 36", (_H, _W, _T, 36), {}),
    ("V = 37, chunk 1000", (_H, _W, _T, 1000), {}),
    ("targets in the last block", (_H, _W, _T_last, 8), {}),
    ("V = 1000, chunk 64", (_H_big, _W_big, _T_big, 64), {}),
    ("large logits (hidden x 300)", (300 * _H, _W, _T, 6), {}),
    ("rows at very different scales", (_H[:4] * _scales, _W, _T[:4], 7), {}),
    ("one row", (_H[:1], _W, _T[:1], 10), {}),
    ("int32 targets", (_H, _W, _T.astype(np.int32), 9), {}),
    ("a numpy int chunk_size", (_H, _W, _T, np.int64(4)), {}),
    ("integer hidden and weight", (np.array([[1, 2], [0, -1]]), np.array([[3, 0], [1, 1], [0, 2]]),
                                   np.array([0, 2]), 2), {}),
])
_f32 = chunked_cross_entropy(_H.astype(np.float32), _W.astype(np.float32), _T, 5)
expect_close(_f32, _reference_chunked_ce(_H, _W, _T, 5), "float32 hidden and weight", rtol=1e-5, atol=1e-5)
expect(isinstance(_f32, (float, np.floating)), "the loss should be one number")
for _bad in (0, -3):
    try:
        chunked_cross_entropy(_H, _W, _T, _bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"chunk_size={_bad} should raise ValueError")
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Measured: chunked against naive
#
# The same problem for both versions, 512 tokens over a vocabulary of 16,384 with a
# hidden size of 64, in float32: all the logits take 34 MB. Your `chunked_cross_entropy`
# runs with one block of all 16,384 columns, then with blocks of 2,048 and of 256.
# (Each version runs a few times and keeps its best time: the least disturbed run.)

# %%
N, V, d = 512, 16_384, 64
rng = np.random.default_rng(11)
hidden = rng.normal(size=(N, d)).astype(np.float32)
weight = (rng.normal(size=(V, d)) / 8).astype(np.float32)
targets = rng.integers(0, V, size=N)

naive_loss, naive_peak = peak_memory(lambda: naive_cross_entropy(hidden, weight, targets))
naive_time = best_time(lambda: naive_cross_entropy(hidden, weight, targets), repeat=2)
print(f"all logits: {N:,} x {V:,} x 4 B = {N * V * 4 / 1e6:.0f} MB")
print(f"{'version':<16}{'peak memory':>14}{'x naive':>9}{'time':>10}{'x naive':>9}{'loss':>9}")
print(f"{'naive':<16}{naive_peak / 1e6:>11.1f} MB{1:>9.2f}"
      f"{naive_time * 1e3:>7.0f} ms{1:>9.2f}{naive_loss:>9.4f}")
try:
    for chunk in (16_384, 2_048, 256):
        loss, peak = peak_memory(lambda: chunked_cross_entropy(hidden, weight, targets, chunk))
        seconds = best_time(lambda: chunked_cross_entropy(hidden, weight, targets, chunk), repeat=2)
        print(f"{f'chunks of {chunk:,}':<16}{peak / 1e6:>11.1f} MB{peak / naive_peak:>9.2f}"
              f"{seconds * 1e3:>7.0f} ms{seconds / naive_time:>9.2f}{loss:>9.4f}")
except NotImplementedError:
    print("implement chunked_cross_entropy above, then run this cell again")

# %% [markdown]
# Read the table from the top. With one block of all 16,384 columns the chunked version
# is the naive one, peak included. With blocks of 2,048 columns (1/8 of the vocabulary)
# the peak falls by about 8 times; with blocks of 256, by about 64 times. The loss is
# the same to the last printed digit in every row: chunking changes where the numbers
# live, not what they are.
#
# Time is another matter. Every version computes every logit once, so the arithmetic
# is the same; chunking adds only the loop and a few small per-block arrays. Very small
# blocks pay that overhead many times over and use the matrix product less efficiently,
# while blocks of a few thousand columns usually run about as fast as the naive version
# (sometimes faster, as a block fits better in the processor's caches). Your timings
# depend on your machine and on what else it is doing; the memory does not.

# %% [markdown]
# ## 8. The backward pass without the logits
#
# Training needs the gradient, and notebook 06 gave it for the logits:
# $\partial L / \partial z = (p - y) / N$, an $N \times V$ matrix again. Chunking handles
# it the same way. The forward pass keeps only $N$ numbers, each row's log-sum-exp.
# The backward pass then walks over the blocks once more: it **recomputes** a block's
# logits (one more matrix product: the price of the memory saved), turns them into
# probabilities with $p = e^{z - \operatorname{logsumexp}}$, subtracts the one-hot targets
# that fall in the block, and adds the block's share to the gradients of the inputs:
# $\partial L / \partial H \mathrel{+}= G_{\text{block}} W_{\text{block}}$ and
# $\partial L / \partial W_{\text{block}} = G_{\text{block}}^\top H$. On a small example, the
# block-by-block gradient of `hidden` equals the one computed from the full matrix:

# %%
rng = np.random.default_rng(8)
h, wt = rng.normal(size=(6, 4)), rng.normal(size=(10, 4))
t = rng.integers(0, 10, size=6)

z = h @ wt.T                                           # small enough to hold, for comparison
top = z.max(axis=1)
log_norm = top + np.log(np.exp(z - top[:, None]).sum(axis=1))  # what the forward pass keeps
g_full = np.exp(z - log_norm[:, None])
g_full[np.arange(6), t] -= 1
grad_full = g_full / 6 @ wt                            # dL/dhidden through the whole (N, V) gradient

grad_blocks = np.zeros_like(h)
for start in range(0, 10, 4):                          # blocks of 4, 4 and 2 columns
    g = np.exp(h @ wt[start:start + 4].T - log_norm[:, None])  # recomputed logits -> probabilities
    here = np.flatnonzero((t >= start) & (t < start + 4))
    g[here, t[here] - start] -= 1                      # the targets that fall in this block
    grad_blocks += g / 6 @ wt[start:start + 4]
print("largest difference between the two gradients:", np.abs(grad_blocks - grad_full).max())

# %% [markdown]
# ## 9. Fused kernels: the same idea, all the way down
#
# Our numpy blocks still travel through the computer's main memory: each one is
# written out by the matrix product, read back for the max, again for the exps, and so
# on. On a GPU that traffic between its large, slow memory and the small, fast memory
# beside its arithmetic units is often what limits the speed. A **fused** kernel does
# the matrix product of a block, the running max and the running sum in the fast
# memory, in one go, and only the $N$ running values ever reach the large memory.
#
# **Cut Cross-Entropy** (Wijmans et al., 2024) does exactly this for the loss of a
# language model. It gets the target logits as indexed dot products, as in section 5,
# computes the log-sum-exp over the vocabulary block by block inside the kernel, and in
# the backward pass also skips the blocks whose probabilities are too small to change
# the gradient at the working precision. For Gemma 2 (2B) the authors report the memory
# of the loss computation falling from 24 GB to 1 MB, and that of the whole classifier
# head during training from 28 GB to 1 GB, without slowing training down. Other
# training libraries ship chunked or fused "linear + cross-entropy" losses built on the
# same running max and sum you wrote today.

# %% [markdown]
# ## 10. Calculate it: the memory of the loss
#
# The calculator below works out the bytes of the three $N \times V$ arrays for the
# sizes you pick: naive (every column at once) against chunked (`chunk size` columns at
# a time). Under the table, **your** `chunked_cross_entropy` runs on a small problem
# whose blocks are the same share of its vocabulary, and its peak memory is measured.
#
# - Start at 8,192 tokens, 128,000 entries, float32: 4.2 GB of logits, 12.6 GB in all.
# - Try a vocabulary of 256,000 in float32, then in bfloat16.
# - Slide the chunk size down and watch the chunked column, and your measured peak, fall
#   with it.

# %%
memory_calculator(chunked_cross_entropy)

# %% [markdown]
# ## 11. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | `MemoryError` or an out-of-memory crash in the loss, not in the model | the full $N \times V$ logits, plus their softmax and gradient | compute the loss in blocks of the vocabulary, or use a fused loss |
# | the chunked loss is above the full one, and more so for smaller chunks | the running sum was not rescaled when a later block raised the max | multiply it by `exp(old_max - new_max)` before adding the block |
# | the loss is wrong only when `chunk_size` does not divide $V$ | the last, shorter block was dropped | loop over `range(0, V, chunk_size)`; slicing stops at $V$ by itself |
# | `IndexError` inside the loop | the target's index used inside a block that does not start at 0 | use `target - start`, or the dot product `hidden[i] @ weight[target]` |
# | `nan` when a chunk is all `-inf` | `-inf - (-inf)` is `nan` while the running max is still `-inf` | skip the update until the running max is finite |
# | `-inf` or `nan` from a generator of chunks | two passes over an iterator: the second sees nothing | one loop that updates max and sum together |
# | `inf` for large logits | `exp` of unshifted logits, or one max for the whole block instead of per row | shift each row by its own running max |
# | the peak memory barely falls | every block kept in a list, or the full logits built just to read the target logits | fold each block in and let it go; dot products for the targets |
# | the chunked loss is much slower | blocks of a few dozen columns: per-block overhead dominates | blocks of a few thousand columns |
# | `tracemalloc` reports a tiny peak | tracing started after the arrays were made, or the memory is on a GPU | start tracing first; on a GPU ask the framework (`torch.cuda.max_memory_allocated`) |
# | float16 logits turn into `inf` | float16 stops at 65,504 | compute the loss in float32 (one block at a time, that costs little) |

# %% [markdown]
# ## 12. In your own words (2 points, graded by your instructor)
#
# Chunking the vocabulary divides the peak memory of the loss by about $V / c$ for
# blocks of $c$ columns. In two sentences, why does it not reduce the amount of
# arithmetic, and why do very small blocks make it slower? Write your answer in the
# cell below.

# %% [markdown] nbgrader={"grade_id": "explain_llm_scale", "solution": true, "grade": true, "points": 2}
# Every logit still has to be computed once (and its exponential taken), so the
# $N \times V \times d$ multiply-adds are the same; chunking only changes how many of
# those numbers exist at the same moment, $N \times c$ instead of $N \times V$. Very
# small blocks mean many small matrix products and many passes of the loop, each with a
# fixed overhead and poor use of the hardware, so the same arithmetic takes longer.
#
# **Rubric (2 points):** 1 point for saying the total work is unchanged because every
# logit is still computed (only the number held at once shrinks); 1 point for naming
# per-block overhead or inefficient small matrix products as the cause of the slowdown.
# No point for "chunking is an approximation" (it is exact).

# %% [markdown]
# ## 13. Self-check

# %%
quiz("11_llm_scale")

# %% [markdown]
# Your progress through the whole course, exercise by exercise:

# %%
course_map()

# %% [markdown]
# ## The end of the course, and what to read next
#
# You have followed a model's output from raw scores to the number that trains it:
# logits, softmax and its stable form, temperature and sampling, cross-entropy and its
# gradient $p - y$, the loss of a sequence, the other softmax inside attention, a
# training loop, PyTorch, and now the loss at the scale of a real vocabulary. Every
# piece of it was a few lines of numpy that you wrote and checked yourself.
#
# Where to go from here:
#
# - **The papers behind this notebook.** M. Milakov and N. Gimelshein, "Online
#   normalizer calculation for softmax" (2018, arXiv:1805.02867); E. Wijmans et al.,
#   "Cut Your Losses in Large-Vocabulary Language Models" (2024, arXiv:2411.09009), with
#   its code at `github.com/apple/ml-cross-entropy`.
# - **The same trick in attention.** T. Dao et al., "FlashAttention: Fast and
#   Memory-Efficient Exact Attention with IO-Awareness" (2022, arXiv:2205.14135): the
#   running max and sum of section 3, applied to the softmax of notebook 08.
# - **The models themselves.** A. Vaswani et al., "Attention Is All You Need" (2017), the
#   transformer whose output layer you have been scoring.
# - **Sampling and distillation.** A. Holtzman et al., "The Curious Case of Neural Text
#   Degeneration" (2020) for top-p sampling (notebook 04); G. Hinton, O. Vinyals and
#   J. Dean, "Distilling the Knowledge in a Neural Network" (2015) for temperature used
#   to teach a smaller model.
# - **A textbook.** I. Goodfellow, Y. Bengio and A. Courville, *Deep Learning* (2016),
#   chapter 6, for softmax output units and cross-entropy as maximum likelihood.
# - **Practice.** Read the documentation of PyTorch's `torch.nn.functional.cross_entropy`
#   and `torch.logsumexp` again: every argument should now make sense. Then take a small
#   open model, compute its loss on a sentence with your own functions, and compare.
#
# Thank you for working through *Logits to Loss*.
