# %% [markdown]
# # 04 · Temperature, top-k, top-p and sampling
#
# A language model does not write text; it writes a probability distribution over its
# vocabulary, one position at a time. Something has to turn that distribution into an
# actual next token. This notebook is about that something: the knobs called
# **temperature**, **top-k** and **top-p**, and the random draw that follows them.
#
# **By the end of this notebook you can**
# - explain why temperature divides the logits *before* the softmax, and predict what
#   T < 1 and T > 1 do (reproducing the T = 0.5 / 1 / 2 table for [3, 1, 0]);
# - implement `softmax_with_temperature`, `top_k_filter` and `top_p_filter`;
# - implement `sample_next_token`, a sampler that gives the same tokens for the same seed;
# - choose settings for code versus creative text, and say where temperature shows up in
#   knowledge distillation.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check, uses_your
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.temperature import temperature_explorer

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. From a distribution to a token
#
# Say a model has read *"The cat sat on the"* and scores six candidate next tokens.
# Softmax turns the scores into probabilities. Now we must pick **one** token, append it,
# and run the model again. Two obvious strategies:
#
# - **greedy**: always take the most probable token. Deterministic, but it tends to loop
#   and repeat itself, and it never says anything surprising;
# - **sampling**: draw a token at random with the model's probabilities. Varied, but the
#   long tail of unlikely tokens gets a draw now and then, and one bad token can derail
#   a whole sentence.
#
# Temperature, top-k and top-p sit between these two extremes.

# %%
vocab = ["mat", "floor", "sofa", "roof", "moon", "keyboard"]
scores = np.array([3.2, 2.5, 2.1, 1.0, -0.5, -1.2])

probs = np.exp(scores) / np.exp(scores).sum()
for word, p in zip(vocab, probs):
    print(f"{word:>9}: {p:.3f}")
print("greedy pick:", vocab[int(np.argmax(scores))])

# %% [markdown]
# ## 2. Temperature
#
# Temperature $T > 0$ divides every logit before the softmax:
#
# $$p_i = \mathrm{softmax}(z / T)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}.$$
#
# Recall from 02 that softmax only cares about gaps between logits:
# $p_i / p_j = e^{z_i - z_j}$. Dividing by $T$ divides every gap by $T$, so
# $p_i / p_j = e^{(z_i - z_j) / T}$. A temperature below 1 stretches the gaps (the
# winner takes more), a temperature above 1 shrinks them (the runners-up catch up), and
# $T = 1$ is plain softmax. The ticket router from 02 (refund 3, reship 1, escalate 0):

# %%
ticket = np.array([3.0, 1.0, 0.0])
for T in (0.5, 1.0, 2.0):
    e = np.exp(ticket / T)
    print(f"T = {T}:  z / T = {ticket / T}   probabilities = {(e / e.sum()).round(3)}")


# %% [markdown]
# Check the T = 2 row by hand: $z / 2 = [1.5, 0.5, 0]$, the exps are 4.48, 1.65 and 1,
# their sum is 7.13, and $4.48 / 7.13 \approx 0.629$. Going from T = 1 to T = 0.5 pushes
# refund from 0.844 to 0.980; going to T = 2 pulls it down to 0.629.
#
# ### Why before the softmax, not after?
#
# It is tempting to "soften" the probabilities by dividing *them* by $T$. That does
# nothing useful: the result no longer sums to 1, and renormalising it gives back exactly
# the probabilities you started with, because every entry was scaled by the same factor.
# Temperature has to act on the gaps between logits, and gaps live before the softmax.

# %%
p = np.exp(ticket) / np.exp(ticket).sum()
after = p / 2.0
print("softmax(z) / 2          =", after.round(3), " sums to", after.sum().round(3))
print("renormalised            =", (after / after.sum()).round(3), " (unchanged)")
e = np.exp(ticket / 2.0)
print("softmax(z / 2)          =", (e / e.sum()).round(3))

# %% [markdown]
# The T = 0.5, 1 and 2 rows from the start of this section, as bars: at T = 0.5 refund
# takes almost everything; at T = 2 the runners-up catch up.

# %%
plots.temperature_bars()

# %% [markdown]
# Seen from the probabilities, temperature is a power: $\mathrm{softmax}(z / T) \propto
# p^{1/T}$, since $e^{z_i / T} = (e^{z_i})^{1/T}$. Raising to the power 2 (T = 0.5)
# exaggerates differences; the square root (T = 2) evens them out.

# %%
powered = p ** (1 / 2.0)
print("p ** (1/T), renormalised =", (powered / powered.sum()).round(3), " (the T = 2 row again)")

# %% [markdown]
# ### The two limits
#
# - **T -> 0**: the gaps grow without bound, all the mass goes to the largest logit, and
#   sampling becomes greedy argmax. $T = 0$ itself would divide by zero, so the formula
#   refuses it; a sampler treats "temperature 0" as a request for greedy decoding.
# - **T -> infinity**: every gap shrinks to 0 and the distribution becomes uniform, as if
#   the model had no opinion at all.

# %%
for T in (0.05, 0.5, 1.0, 5.0, 100.0):
    scaled = ticket / T
    e = np.exp(scaled - scaled.max())   # shifted by the max, as in 03: T = 0.05 gives z / T = 60
    print(f"T = {T:>6}: {(e / e.sum()).round(3)}")

# %% [markdown]
# ## 3. Exercise: implement `softmax_with_temperature`
#
# Write `softmax_with_temperature(z, temperature, axis=-1)`:
#
# - return `softmax(z / temperature)` along `axis`, for a list or an array of any shape;
# - raise `ValueError` (with a message that says why) when `temperature <= 0`;
# - be stable: logits of +-1000, or a tiny temperature, must not give `nan`; a `-inf`
#   logit gets probability exactly 0;
# - do not modify `z`, and keep float32 input float32.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("softmax_with_temperature")

# %% nbgrader={"grade_id": "softmax_with_temperature", "solution": true}
import numpy as np


def softmax_with_temperature(z, temperature, axis=-1):
    """softmax(z / temperature) along `axis`; temperature must be > 0."""
    ### BEGIN SOLUTION
    if not temperature > 0:  # also rejects nan
        raise ValueError(f"temperature must be > 0, got {temperature!r} (use greedy argmax for T = 0)")
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    scaled = z / z.dtype.type(temperature)  # a float64 scalar would promote float32
    exps = np.exp(scaled - np.max(scaled, axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)
    ### END SOLUTION


# %%
check("softmax_with_temperature", softmax_with_temperature)

# %% nbgrader={"grade_id": "test_softmax_with_temperature", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("softmax_with_temperature", softmax_with_temperature, part="core")

# %% nbgrader={"grade_id": "test_softmax_with_temperature_edge", "grade": true, "points": 2}
# Graded: edge cases (T <= 0, logits of +-1000, rows at very different scales, -inf). More
# are tested when your notebook is graded: batches, other axes, lists, float32, extreme
# temperatures, untouched inputs.
assert_check("softmax_with_temperature", softmax_with_temperature, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import CheckFailed, battery


def _reference_tempered(z, temperature, axis=-1):
    scaled = np.asarray(z, dtype=np.float64) / temperature
    e = np.exp(scaled - np.max(scaled, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_rng = np.random.default_rng(4)
battery(softmax_with_temperature, _reference_tempered, [
    ("random batch (4, 6) at T=0.7", (_rng.normal(size=(4, 6)), 0.7), {}),
    ("3-D batch along axis=1 at T=1.5", (_rng.normal(size=(2, 5, 3)), 1.5), {"axis": 1}),
    ("columns along axis=0 at T=3", (_rng.normal(size=(3, 4)), 3.0), {"axis": 0}),
    ("a nested list at T=0.25", ([[3.0, 1.0, 0.0], [0.0, 0.0, 0.0]], 0.25), {}),
    ("float32 batch at T=0.5", (_rng.normal(size=(3, 5)).astype(np.float32), 0.5), {}),
    ("integer logits at T=2", (np.array([3, 1, 0]), 2), {}),
    ("logits of +-1000 at T=0.1", (np.array([[1000.0, -1000.0, 999.5], [-1000.0, -999.0, -1000.0]]), 0.1), {}),
    ("-inf entries at T=3", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), 3.0), {}),
    ("a huge temperature", (np.array([5.0, -5.0, 0.0]), 1e6), {}),
    ("a tiny temperature", (np.array([0.2, 0.1, -0.3]), 1e-4), {}),
])
for _t in (0, 0.0, -0.5, -1e-9):
    try:
        with np.errstate(all="ignore"):
            softmax_with_temperature(np.array([1.0, 2.0]), _t)
    except ValueError:
        continue
    raise CheckFailed(f"temperature {_t}: expected a ValueError")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Top-k: keep only the k best
#
# Temperature reshapes the whole distribution but never removes anything: even at T = 0.5
# the word "keyboard" keeps a sliver of probability, and over a long text slivers add up.
# **Top-k** cuts the tail off outright: keep the k largest logits, set every other one to
# $-\infty$, and let the softmax renormalise what is left.
#
# Why $-\infty$ and not 0? Because 0 is an ordinary logit: $e^0 = 1$, a perfectly good
# weight. Only $e^{-\infty} = 0$ removes a token from the softmax.

# %%
k = 3
kth_largest = np.sort(scores)[-k]
kept = np.where(scores >= kth_largest, scores, -np.inf)
e = np.exp(kept - kept.max())
print("k-th largest logit:", kth_largest)
print("filtered logits   :", kept)
print("renormalised probs:", (e / e.sum()).round(3))

# %% [markdown]
# The three survivors share all the mass: "mat" goes from 0.506 to 0.547. **Ties**: the
# rule is "remove what is strictly below the k-th largest", so logits equal to the k-th
# largest all stay and a filter can keep more than k tokens. Rounded logits tie more often
# than you might think; keeping all of them means the result never depends on how a sort
# happens to order equal values.

# %% [markdown]
# ## 5. Exercise: implement `top_k_filter`
#
# Write `top_k_filter(logits, k)`:
#
# - return a **copy** of `logits` (a list or an array; batches along the leading axes)
#   where every entry below the k-th largest of its row (along the last axis) is `-inf`;
# - entries tied with the k-th largest stay; `k >= V` keeps everything;
# - raise `ValueError` for `k < 1`;
# - do not modify the input, and keep float32 input float32.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("top_k_filter")

# %% nbgrader={"grade_id": "top_k_filter", "solution": true}
import numpy as np


def top_k_filter(logits, k):
    """Copy of `logits` with every entry below the k-th largest of its row set to -inf."""
    ### BEGIN SOLUTION
    if k < 1 or k != int(k):
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    out = np.array(logits)  # a copy
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    if k >= out.shape[-1]:
        return out
    kth = np.sort(out, axis=-1)[..., -int(k), None]
    out[out < kth] = -np.inf
    return out
    ### END SOLUTION


# %%
check("top_k_filter", top_k_filter)

# %% nbgrader={"grade_id": "test_top_k_filter", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("top_k_filter", top_k_filter, part="core")

# %% nbgrader={"grade_id": "test_top_k_filter_edge", "grade": true, "points": 2}
# Graded: edge cases (ties, k >= V, k < 1, -inf and +-1000). More are tested when your
# notebook is graded: 3-D batches, lists, float32, many ties, untouched inputs.
assert_check("top_k_filter", top_k_filter, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import CheckFailed, battery


def _reference_top_k(logits, k):
    z = np.array(logits, dtype=np.float64)
    if k < z.shape[-1]:
        z[z < np.sort(z, axis=-1)[..., -k, None]] = -np.inf
    return z


_rng = np.random.default_rng(5)
battery(top_k_filter, _reference_top_k, [
    ("random batch (5, 10), k=3", (_rng.normal(size=(5, 10)), 3), {}),
    ("3-D batch (2, 3, 6), k=2", (_rng.normal(size=(2, 3, 6)), 2), {}),
    ("many ties: rounded logits, k=4", (np.round(_rng.normal(size=(6, 12))), 4), {}),
    ("a row of equal logits, k=1", (np.zeros((2, 5)), 1), {}),
    ("a nested list, k=2", ([[3.0, 1.0, 0.0, 2.0], [0.0, 5.0, 5.0, 1.0]], 2), {}),
    ("float32 batch, k=2", (_rng.normal(size=(3, 7)).astype(np.float32), 2), {}),
    ("integer logits, k=2", (np.array([3, 1, 0, 2]), 2), {}),
    ("k = V", (_rng.normal(size=(2, 6)), 6), {}),
    ("k > V", (_rng.normal(size=6), 40), {}),
    ("k as a numpy integer", (_rng.normal(size=8), np.int64(3)), {}),
    ("-inf entries and +-1000", (np.array([[1000.0, -np.inf, -1000.0, 999.0, 0.0],
                                            [-np.inf, -np.inf, -np.inf, 1.0, -1000.0]]), 3), {}),
    ("one logit", (np.array([0.5]), 1), {}),
])
for _k in (0, -2):
    try:
        top_k_filter(np.array([1.0, 2.0, 3.0]), _k)
    except ValueError:
        continue
    raise CheckFailed(f"k = {_k}: expected a ValueError")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Top-p (nucleus) sampling
#
# A fixed k fits some distributions badly. When the model is sure ("The capital of France
# is"), even k = 3 lets in two junk tokens; when many continuations are fine (the first
# word of a story), k = 3 throws good ones away. **Top-p**, or nucleus sampling
# (Holtzman et al., 2020, *The Curious Case of Neural Text Degeneration*), adapts: keep
# the **smallest set of most likely tokens whose probabilities add up to at least p**.
#
# The recipe: sort the probabilities from largest to smallest, take the running sum, and
# keep tokens up to and **including** the first one where the running sum reaches p. That
# crossing token must stay: without it the kept mass would fall short of p, and for a small
# p nothing at all would be kept. The ticket at p = 0.9:

# %%
order = np.argsort(-ticket, kind="stable")
sorted_p = p[order]
running = np.cumsum(sorted_p)
print("sorted probabilities:", sorted_p.round(3))
print("running sum         :", running.round(3))
for top_p in (0.5, 0.8, 0.9, 0.99):
    n_keep = int(np.sum(running < top_p)) + 1   # the tokens below p, plus the one that crosses it
    print(f"p = {top_p}: keep {n_keep} token(s)")

# %% [markdown]
# With p = 0.9, refund alone (0.844) falls short, refund + reship (0.958) reaches it, so
# escalate is dropped. Now compare a peaked and a flat distribution with the same p:

# %%
peaked = np.array([6.0, 2.0, 1.5, 1.0, 0.5, 0.0])
flat = np.array([1.0, 0.9, 0.8, 0.8, 0.7, 0.6])
for name, z in (("peaked", peaked), ("flat", flat)):
    q = np.sort(np.exp(z) / np.exp(z).sum())[::-1]
    print(f"{name:>6}: sorted probs {q.round(2)}  nucleus for p = 0.9 keeps "
          f"{int(np.sum(np.cumsum(q) < 0.9)) + 1} of {len(z)}")

# %% [markdown]
# ## 7. Exercise: implement `top_p_filter`
#
# Write `top_p_filter(logits, p)`:
#
# - the probabilities are `softmax(logits)` along the last axis (compute them stably inside
#   the function: logits of 1000 must work);
# - return a **copy** of `logits` keeping the smallest set of top tokens whose probability
#   sum reaches `p` (always at least one token), with every other entry `-inf`;
# - tokens **tied** with the crossing token stay too (as in `top_k_filter`, the kept set
#   depends on values, not on how a sort orders equal values);
# - `p = 1.0` keeps every token; raise `ValueError` unless `0 < p <= 1`;
# - batches along the leading axes; do not modify the input; keep float32 float32.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("top_p_filter")

# %% nbgrader={"grade_id": "top_p_filter", "solution": true}
import numpy as np


def top_p_filter(logits, p):
    """Copy of `logits` keeping the smallest set of top tokens whose probability reaches p."""
    ### BEGIN SOLUTION
    if not 0 < p <= 1:
        raise ValueError(f"p must be in (0, 1], got {p!r}")
    out = np.array(logits)  # a copy
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    if p == 1:
        return out
    desc = -np.sort(-out, axis=-1)
    exps = np.exp(desc - desc[..., :1])  # the first column holds each row's max
    running = np.cumsum(exps, axis=-1) / exps.sum(axis=-1, keepdims=True)
    n_keep = np.minimum(np.sum(running < p, axis=-1, keepdims=True) + 1, out.shape[-1])
    smallest_kept = np.take_along_axis(desc, n_keep - 1, axis=-1)
    out[out < smallest_kept] = -np.inf
    return out
    ### END SOLUTION


# %%
check("top_p_filter", top_p_filter)

# %% nbgrader={"grade_id": "test_top_p_filter", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("top_p_filter", top_p_filter, part="core")

# %% nbgrader={"grade_id": "test_top_p_filter_edge", "grade": true, "points": 2}
# Graded: edge cases (ties at the crossing token, +-1000 and -inf, p outside (0, 1]). More
# are tested when your notebook is graded: 3-D batches, lists, float32, tiny p, p = 1.
assert_check("top_p_filter", top_p_filter, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import CheckFailed, battery


def _reference_top_p(logits, p):
    # Sort-free: a token stays when the tokens strictly more likely than it hold less than p.
    z = np.array(logits, dtype=np.float64)
    if p >= 1:
        return z
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    q = e / e.sum(axis=-1, keepdims=True)
    mass_above = (q[..., None, :] * (z[..., None, :] > z[..., :, None])).sum(axis=-1)
    z[mass_above >= p] = -np.inf
    return z


_rng = np.random.default_rng(6)
battery(top_p_filter, _reference_top_p, [
    ("random batch (4, 10), p=0.75", (_rng.normal(size=(4, 10)), 0.75), {}),
    ("3-D batch (2, 3, 8), p=0.5", (_rng.normal(scale=2.0, size=(2, 3, 8)), 0.5), {}),
    ("a nested list with an all-equal row, p=0.9", ([[3.0, 1.0, 0.0], [1.0, 1.0, 1.0]], 0.9), {}),
    ("float32 batch, p=0.6", (_rng.normal(size=(3, 9)).astype(np.float32), 0.6), {}),
    ("integer logits, p=0.9", (np.array([3, 1, 0]), 0.9), {}),
    ("tiny p", (_rng.normal(size=(3, 7)), 1e-12), {}),
    ("p = 1.0", (_rng.normal(size=(3, 7)), 1.0), {}),
    ("many ties: rounded logits, p=0.5", (np.round(_rng.normal(size=(6, 10))), 0.5), {}),
    ("-inf entries and +-1000, p=0.9", (np.array([[1000.0, -np.inf, -1000.0, 999.0],
                                                 [-np.inf, 0.0, -np.inf, 0.5]]), 0.9), {}),
    ("a peaked row of 1000 logits, p=0.95", (_rng.normal(scale=3.0, size=1000), 0.95), {}),
    ("one logit", (np.array([0.5]), 0.3), {}),
])
for _p in (0, -0.2, 1.01):
    try:
        top_p_filter(np.array([1.0, 2.0, 3.0]), _p)
    except ValueError:
        continue
    raise CheckFailed(f"p = {_p}: expected a ValueError")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Drawing the token, reproducibly
#
# The last step is a random draw. Randomness and reproducibility are not enemies: a
# **`numpy.random.Generator`** created with a seed gives the same sequence of numbers
# every time, so a bug report ("with seed 0 the model says 'moon'") can be replayed, and
# two settings can be compared on the same random numbers. The rule that makes this work
# is to take randomness only from the Generator you are handed, never from `np.random.*`
# module functions (a hidden global state) and never from a fresh unseeded generator.

# %%
for attempt in range(2):
    rng = np.random.default_rng(seed=0)
    draws = [int(rng.choice(len(probs), p=probs)) for _ in range(10)]
    print(f"attempt {attempt}: {[vocab[i] for i in draws]}")

# %% [markdown]
# Both attempts print the same ten words. `rng.choice(V, p=probs)` draws one index with the
# given probabilities; it is the single source of randomness in the sampler you will write,
# so the hidden tests can replay your draws exactly.
#
# **The sampling procedure** (follow it exactly):
#
# 1. `temperature == 0`: greedy. Return `int(np.argmax(logits))` (the first maximum on
#    ties), without touching `rng`. A negative temperature is a `ValueError`.
# 2. Otherwise divide the logits by the temperature.
# 3. If `top_k` is given, apply `top_k_filter`; then, if `top_p` is given, apply
#    `top_p_filter` (so the nucleus is taken from the *tempered* distribution).
# 4. Softmax the filtered logits.
# 5. `rng = np.random.default_rng(rng)` (a Generator passes through unchanged; `None` gives a
#    fresh, unseeded one), then return `int(rng.choice(len(probs), p=probs))`: one call,
#    one token.

# %% [markdown]
# ## 9. Exercise: implement `sample_next_token`
#
# Write `sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None)`
# for a 1-D vector of logits (a list or an array), following the procedure above. Return a
# plain Python `int`, and do not modify `logits`.
#
# Build it from your three functions: `softmax_with_temperature(z, 1.0)` is a plain stable
# softmax. (When your notebook is graded, this function is tested on its own: a mistake in
# one of the three earlier functions costs points only there.)
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("sample_next_token")

# %% nbgrader={"grade_id": "sample_next_token", "solution": true}
import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    """Draw one token id from `logits` (1-D) after temperature, top-k and top-p."""
    ### BEGIN SOLUTION
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError(f"logits must be one vector of scores, got shape {z.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    probs = softmax_with_temperature(z, 1.0)
    rng = np.random.default_rng(rng)
    return int(rng.choice(len(probs), p=probs))
    ### END SOLUTION


# %%
check("sample_next_token", sample_next_token)

# %% nbgrader={"grade_id": "test_sample_next_token", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("sample_next_token", sample_next_token, part="core")

# %% nbgrader={"grade_id": "test_sample_next_token_edge", "grade": true, "points": 2}
# Graded: edge cases (greedy ties, -inf, negative T, no rng, +-1000, the order of the
# steps). More are tested when your notebook is graded: every combination of temperature,
# top-k and top-p against the documented procedure with seeded generators.
assert_check("sample_next_token", sample_next_token, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.checks import learner_scope
from logitlab.testing import CheckFailed
# sample_next_token is graded on its own: the three functions it builds on are swapped for
# trusted versions in the namespace it looks them up in while it is tested, then put back.
def _ref_tempered(z, temperature, axis=-1):
    scaled = np.asarray(z, dtype=np.float64) / temperature
    e = np.exp(scaled - np.max(scaled, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _ref_top_k(logits, k):
    z = np.array(logits, dtype=np.float64)
    if k < z.shape[-1]:
        z[z < np.sort(z, axis=-1)[..., -k, None]] = -np.inf
    return z


def _ref_top_p(logits, p):
    z = np.array(logits, dtype=np.float64)
    if z.size * z.shape[-1] > 2**22:  # it compares every pair: only this test's few logits
        raise ValueError("top_p_filter: far more logits than this test passes")
    if p >= 1:
        return z
    q = _ref_tempered(z, 1.0)
    mass_above = (q[..., None, :] * (z[..., None, :] > z[..., :, None])).sum(axis=-1)
    z[mass_above >= p] = -np.inf
    return z


def _ref_sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    if top_k is not None:
        z = _ref_top_k(z, top_k)
    if top_p is not None:
        z = _ref_top_p(z, top_p)
    q = _ref_tempered(z, 1.0)
    return int(rng.choice(len(q), p=q))


_scope = learner_scope(sample_next_token)
_names = ("softmax_with_temperature", "top_k_filter", "top_p_filter")
_learner_fns = {_n: _scope[_n] for _n in _names if _n in _scope}
_scope.update(zip(_names, (_ref_tempered, _ref_top_k, _ref_top_p)))
try:
    _rng = np.random.default_rng(11)
    _z = _rng.normal(scale=2.0, size=12)
    _cases = [
        ("T=1", _z, {}),
        ("T=0.3", _z, {"temperature": 0.3}),
        ("T=2.5 with top_k=4", _z, {"temperature": 2.5, "top_k": 4}),
        ("top_p=0.6", _z, {"top_p": 0.6}),
        ("T=1.7, top_k=6, top_p=0.8", _z, {"temperature": 1.7, "top_k": 6, "top_p": 0.8}),
        ("top_k=1", _z, {"top_k": 1}),
        ("a tiny top_p", _z, {"top_p": 1e-9}),
        ("top_k > V", _z, {"top_k": 50}),
        ("top_p=1.0", _z, {"top_p": 1.0}),
        ("T=0 with filters", _z, {"temperature": 0, "top_k": 3, "top_p": 0.5}),
        ("logits of +-1000", np.array([1000.0, -1000.0, 999.0, 998.5, -1000.0]), {}),
        ("-inf entries at T=0.5", np.array([0.0, -np.inf, 1.0, -np.inf, 0.5]), {"temperature": 0.5}),
        ("a Python list", [0.2, 1.4, -0.3, 0.9], {"temperature": 1.3}),
        ("greedy on ties", np.array([0.0, 2.0, 2.0, 1.0]), {"temperature": 0.0}),
        ("a larger vocabulary", _rng.normal(scale=3.0, size=400), {"temperature": 0.8, "top_p": 0.9}),
    ]
    _failures = []
    for _label, _logits, _kw in _cases:
        _before = np.array(_logits, dtype=np.float64)
        _mine, _theirs = np.random.default_rng(21), np.random.default_rng(21)
        try:
            _got = [sample_next_token(_logits, rng=_mine, **_kw) for _ in range(25)]
        except Exception as _exc:
            _failures.append(f"{_label}: raised {type(_exc).__name__}")
            continue
        if not all([type(_g) is int for _g in _got]):
            _failures.append(f"{_label}: did not return Python ints")
        elif _got != [_ref_sample(_logits, rng=_theirs, **_kw) for _ in range(25)]:
            _failures.append(f"{_label}: the draws differ from the documented procedure")
        elif not np.array_equal(_before, np.array(_logits, dtype=np.float64)):
            _failures.append(f"{_label}: the logits were modified")
    _z32 = _z.astype(np.float32)
    _got = {sample_next_token(_z32, top_k=3, rng=np.random.default_rng(1)) for _ in range(50)}
    if not _got <= set(np.argsort(-_z)[:3].tolist()):
        _failures.append("float32 logits with top_k=3: a token outside the top 3 was drawn")
    if not 0 <= sample_next_token(_z) < len(_z):
        _failures.append("rng=None: not a token id")
    try:
        sample_next_token(_z, temperature=-0.5, rng=np.random.default_rng(0))
        _failures.append("temperature=-0.5: no ValueError")
    except ValueError:
        pass
    if _failures:
        raise CheckFailed(f"{len(_failures)} hidden case(s) failed:\n- " + "\n- ".join(_failures))
finally:
    for _n in _names:
        _scope.pop(_n, None)
    _scope.update(_learner_fns)
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Play with it
#
# The explorer below runs **your** four functions on the "The cat sat on the" example.
# The bars show the filtered, renormalised distribution; the histogram shows what a few
# hundred draws of your sampler actually produced (with a fixed seed, so moving a slider
# back gives the same picture). Try:
#
# - temperature 0.3, then 3: watch "keyboard" go from invisible to regular;
# - top-k 2 at a high temperature: randomness, but only between two sensible words;
# - top-p 0.5, then raise the temperature: the nucleus grows as the distribution flattens.

# %%
temperature_explorer(softmax_with_temperature, top_k_filter, top_p_filter, sample_next_token,
                     logits=scores, labels=vocab)

# %% [markdown]
# ## 11. Which settings, when?
#
# There is no universally right temperature, but the trade-off is always the same:
# lower means more predictable, higher means more varied. Typical choices:
#
# | task | typical setting | why |
# |---|---|---|
# | code, maths, extracting facts | T = 0 (greedy) to about 0.3 | one right answer; a rare token is usually a bug |
# | chat, summaries | T about 0.7, top-p about 0.9 | fluent with some variety, tail cut off |
# | stories, brainstorming | T about 0.9 to 1.2, top-p 0.9 to 0.95 | variety is the point; top-p keeps it on the rails |
#
# Providers and models differ, so treat these as starting points. Here is the effect on a
# code completion after `for i in`, where one continuation is obviously right:

# %%
code_vocab = ["range", "enumerate", "zip", "items", "banana"]
code_logits = np.array([4.0, 2.2, 1.5, 1.0, -1.0])
with uses_your(sample_next_token):
    for T in (0.2, 1.0, 1.8):
        rng = np.random.default_rng(3)
        picks = [sample_next_token(code_logits, temperature=T, rng=rng) for _ in range(1000)]
        counts = np.bincount(picks, minlength=len(code_vocab))
        print(f"T = {T}: " + ", ".join(f"{w} {c}" for w, c in zip(code_vocab, counts)))

# %% [markdown]
# At T = 0.2 all thousand draws are `range`; at T = 1.8 about 25 of them say `banana`. For
# code that is a syntax error; for a poem it might be the best line.
#
# ## 12. Temperature in knowledge distillation
#
# Temperature is not only for sampling. In **knowledge distillation** (Hinton, Vinyals
# and Dean, 2015, *Distilling the Knowledge in a Neural Network*) a small "student" model
# learns to copy a large "teacher". A confident teacher's softmax is nearly one-hot, which
# teaches little beyond the label. Raising the temperature of the teacher's softmax
# reveals how it ranks the *wrong* answers, for example that a handwritten 2 looks more
# like a 3 or a 7 than like a 1. The student is trained, at the same temperature, to match
# these soft targets. (Because the gradients of the softened loss shrink roughly like
# $1/T^2$, the paper scales that loss by $T^2$.)

# %%
digits = ["2", "3", "7", "1"]
teacher = np.array([9.0, 4.0, 3.0, -2.0])
with uses_your(softmax_with_temperature):
    for T in (1.0, 4.0):
        print(f"T = {T}: " + ", ".join(f"{d}: {q:.3f}" for d, q in
                                       zip(digits, softmax_with_temperature(teacher, T))))

# %% [markdown]
# At T = 1 the teacher says "2" with 0.991 and the rest is noise; at T = 4 the student can
# see that "3" (0.18) and "7" (0.14) are plausible confusions and "1" (0.04) is not.

# %% [markdown]
# ## 13. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | probabilities sum to 1/T | divided the probabilities after softmax | divide the logits: `softmax(z / T)` |
# | higher T makes the output sharper | multiplied by T | divide by T |
# | `nan` at a small T or for logits near 1000 | `exp(z / T)` overflows | subtract the max of `z / T` first |
# | top-k keeps more than k tokens | ties with the k-th largest | that is correct: ties stay |
# | top-k result changes the softmax of the kept tokens only a little | masked with 0 instead of `-inf` | `-np.inf`: `exp(0) = 1` is a real weight |
# | top-p keeps nothing for a small p | dropped the token that crosses p | keep up to and including it |
# | top-p keeps a random-looking set | running sum in the original order | sort by probability, descending |
# | same seed, different tokens | used `np.random.choice` or a new `default_rng()` | draw from the `rng` argument |
# | every draw is the same token | re-seeded inside the function | create the Generator once, outside, and pass it in |
# | `ZeroDivisionError` or `nan` at temperature 0 | divided by T = 0 | return the argmax before dividing |
# | `np.int64` where an `int` is expected | returned `np.argmax(...)` (or a draw from `np.arange(V)`) as it is | wrap it in `int(...)` |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 14. Self-check

# %%
quiz("04_temperature")

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why does a temperature below 1 make sampling more predictable and a
# temperature above 1 make it more varied? Write your answer in the cell below.

# %% [markdown] nbgrader={"grade_id": "explain_temperature", "solution": true, "grade": true, "points": 2}
# Dividing the logits by T scales every gap between them by 1/T, and softmax turns gaps
# into probability ratios e^((z_i - z_j) / T). Below 1 the gaps grow, so the top token
# takes nearly all the probability (argmax as T goes to 0); above 1 they shrink and the
# distribution flattens towards uniform, so unlikely tokens are drawn more often.
#
# **Rubric (2 points):** 1 point for T scaling the gaps between logits (or the ratios
# e^(gap / T)); 1 point for both directions: T < 1 sharpens towards argmax, T > 1
# flattens towards uniform.

# %% [markdown]
# ## Next
#
# Sampling uses the model's probabilities; training has to *judge* them. [**05_cross_entropy**](../05_cross_entropy/05_cross_entropy.ipynb)
# measures how much probability the model gave to the token that actually came next, and
# shows why that measure is a logarithm computed straight from the logits.
