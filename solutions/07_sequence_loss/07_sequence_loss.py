# %% [markdown]
# # 07 · Next-token loss over sequences
#
# Everything so far scored one prediction at a time. A language model reads a sequence
# of tokens and, at **every position**, predicts the token that comes next. Its training
# loss is the same cross-entropy you already know, computed once per position and
# averaged, with one twist: not every position should count.
#
# **By the end of this notebook you can**
# - turn a token sequence into (input, target) pairs by shifting it one step;
# - compute the loss of a `(B, T, V)` block of logits as a mean over the **supervised**
#   positions only;
# - mask padding with `ignore_index`, and mask the prompt for supervised fine-tuning so
#   that only the completion is learned;
# - compute the perplexity of a set of sequences correctly, and say why a mean of
#   per-sequence perplexities is a different (and misleading) number;
# - read a pair of training and validation loss curves.

# %% nbgrader={"grade_id": "setup", "locked": true}
import numpy as np

from logitlab import plots
from logitlab.checks import assert_check, check
from logitlab.hints import hints
from logitlab.quiz import quiz
from logitlab.widgets.sequence import sequence_loss_explorer

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. One sequence, many predictions
#
# Take the token sequence *where is my parcel ? it ships today &lt;eos&gt;*. A language
# model reads it left to right; after each token it outputs a row of logits, one per
# vocabulary entry, scoring what the **next** token will be. So a sequence of $T$
# tokens holds $T - 1$ prediction problems, and a transformer solves all of them in one
# pass (a causal mask, notebook 08, stops each position from peeking ahead).

# %%
sentence = "where is my parcel ? it ships today <eos>".split()
for t in range(len(sentence) - 1):
    read = " ".join(sentence[: t + 1])
    print(f"position {t}: has read {read!r:45} -> must predict {sentence[t + 1]!r}")

# %% [markdown]
# As arrays: the **inputs** are every token but the last, the **targets** every token
# but the first. Position $t$ of the inputs is paired with position $t$ of the targets,
# which is token $t + 1$ of the sequence. Get the direction wrong and the model is
# trained to output the token it has just read: the loss drops quickly and the model
# learns nothing useful.

# %% [markdown]
# ## 2. Exercise: implement `shift_for_next_token`
#
# Write `shift_for_next_token(tokens)` returning the pair `(inputs, targets)`:
#
# - `tokens` is a list or array of integer token ids, one sequence `(T,)` or a batch
#   `(B, T)` (or any leading shape); time is the **last** axis;
# - `inputs` drops the last token and `targets` the first, so both have `T - 1`
#   positions;
# - keep the integer dtype and do not modify `tokens`.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("shift_for_next_token")

# %% nbgrader={"grade_id": "shift_for_next_token", "solution": true}
import numpy as np


def shift_for_next_token(tokens):
    """(inputs, targets) for next-token prediction: targets[..., t] = tokens[..., t + 1]."""
    ### BEGIN SOLUTION
    tokens = np.asarray(tokens)
    return tokens[..., :-1].copy(), tokens[..., 1:].copy()
    ### END SOLUTION


# %%
check("shift_for_next_token", shift_for_next_token)

# %% nbgrader={"grade_id": "test_shift_for_next_token", "grade": true, "points": 1}
# Graded: the checks above.
assert_check("shift_for_next_token", shift_for_next_token, part="core")

# %% nbgrader={"grade_id": "test_shift_for_next_token_edge", "grade": true, "points": 1}
# Graded: edge cases (a single token per sequence, 3-D tokens). More cases are tested
# when your notebook is graded: lists, other batch shapes, untouched inputs.
assert_check("shift_for_next_token", shift_for_next_token, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect


def _reference_shift(tokens):
    t = np.asarray(tokens)
    return t[..., :-1], t[..., 1:]


_rng = np.random.default_rng(70)
battery(shift_for_next_token, _reference_shift, [
    ("a 1-D list", ([3, 1, 4, 1, 5, 9],), {}),
    ("a (3, 6) batch", (_rng.integers(0, 50, size=(3, 6)),), {}),
    ("a (2, 2, 4) array", (_rng.integers(0, 50, size=(2, 2, 4)),), {}),
    ("two tokens", (np.array([8, 9]),), {}),
    ("one token per row", (np.array([[4], [5]]),), {}),
    ("a nested list", ([[1, 2, 3], [4, 5, 6]],), {}),
    ("a batch of one long sequence", (_rng.integers(0, 1000, size=(1, 257)),), {}),
])
_tokens = np.arange(12).reshape(3, 4)
_inputs, _targets = shift_for_next_token(_tokens)
expect(np.issubdtype(np.asarray(_targets).dtype, np.integer), "targets must stay integer token ids")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The loss of a sequence
#
# Each position is an ordinary classification over the vocabulary, so each has its own
# cross-entropy, $\ell_t = \operatorname{logsumexp}(z_t) - z_{t, y_t}$. The loss of the
# sequence is their mean.
#
# A small example with a three-word vocabulary (*refund, reship, today*) and two
# positions. The logits rows are **[3, 1, 0]** and **[0.5, 0, 2]**; the targets are
# *reship* and then *today*.

# %%
vocab = ["refund", "reship", "today"]
logits_2 = np.array([[3.0, 1.0, 0.0],
                     [0.5, 0.0, 2.0]])
targets_2 = np.array([1, 2])          # reship, today

top = logits_2.max(axis=-1, keepdims=True)
lse = np.log(np.exp(logits_2 - top).sum(axis=-1)) + top[:, 0]
picked = logits_2[np.arange(len(targets_2)), targets_2]
losses_2 = lse - picked
print("per-position losses:", ", ".join(f"{v:.3f}" for v in losses_2))  # 2.170, 0.306
print(f"mean loss          : {losses_2.mean():.3f}")                      # 1.238

# %% [markdown]
# The first position is the reship ticket from 05 and 06 (loss 2.17: the model bet on
# *refund*). The second is a good prediction: *today* has probability
# $e^{-0.306} \approx 0.74$.
#
# **Batches.** A training batch holds $B$ sequences of $T$ positions: logits of shape
# `(B, T, V)` and targets of shape `(B, T)`. Nothing changes: there are simply
# $B \times T$ rows to score. That is why training code often flattens them, as
# `logits.reshape(-1, V)` and `targets.reshape(-1)`, before calling a loss that expects
# one row per example (PyTorch's `F.cross_entropy` does this).

# %% [markdown]
# ## 4. Padding and `ignore_index`
#
# Sequences have different lengths, but an array needs one. Short sequences are
# **padded** to the longest with a filler token, and the positions whose target is
# padding must not count: not in the sum of losses, and not in the count that divides
# it. The usual convention, PyTorch's default, is to write the target **-100** at such
# positions; -100 is never a vocabulary index, so it cannot be confused with a real
# token. The loss averages over the positions whose target is not `ignore_index`:
#
# $$L = \frac{\sum_{t \,:\, y_t \ne -100} \ell_t}{\#\{t : y_t \ne -100\}}.$$
#
# Dividing by all $B \times T$ positions instead would make the loss depend on how much
# padding a batch happens to contain. Here is a batch of two sequences, the second one
# padded after one token:

# %%
batch_logits = np.array([[[3.0, 1.0, 0.0], [0.5, 0.0, 2.0], [1.0, 2.0, 0.5]],
                         [[0.5, 0.0, 2.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
batch_targets = np.array([[1, 2, 1],
                          [2, -100, -100]])  # the second sequence has one real target

per_position = np.zeros(batch_targets.shape)
for b, t in np.ndindex(batch_targets.shape):   # one position at a time, for clarity
    target = batch_targets[b, t]
    if target == -100:
        continue                                # ignored: loss stays 0, never indexed
    row = batch_logits[b, t]
    per_position[b, t] = np.log(np.exp(row - row.max()).sum()) + row.max() - row[target]

supervised = (batch_targets != -100).sum()
print("per-position losses (0 where ignored):\n", per_position)
print(f"mean over the {supervised} supervised positions: {per_position.sum() / supervised:.3f}")
print(f"wrong: mean over all {per_position.size} positions  : {per_position.sum() / per_position.size:.3f}")

# %% [markdown]
# Two details matter. First, the ignored targets must never be used as indices: with a
# vocabulary of 50,000 entries, index -100 silently picks the 100th token from the end.
# Second, the pooled mean counts each **token** once. Averaging per sequence first and
# then over sequences gives a short sequence as much weight as a long one; it is a
# different number. The same trap appears when a large batch is split into micro-batches
# for gradient accumulation: averaging the micro-batch means is not the token mean
# unless every micro-batch holds the same number of supervised tokens. Sum the losses
# and divide by the total count instead.

# %% [markdown]
# ## 5. Exercise: implement `sequence_cross_entropy`
#
# Write `sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean")`:
#
# - `logits` of shape `(B, T, V)` or `(T, V)`, `targets` of the matching shape `(B, T)`
#   or `(T,)`; lists or arrays;
# - `reduction="none"`: the per-position losses, shape of `targets`, exactly **0** at
#   ignored positions; `"sum"`: their sum; `"mean"`: the sum divided by the number of
#   supervised positions; any other value raises `ValueError`;
# - if every target is ignored, `"mean"` is `nan` (0 / 0, as in PyTorch): return
#   `float("nan")` without dividing;
# - stable for logits of ±1000; a `-inf` logit is allowed;
# - do not modify the inputs; keep float32 logits float32 in the `"none"` output.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("sequence_cross_entropy")

# %% nbgrader={"grade_id": "sequence_cross_entropy", "solution": true}
import numpy as np


def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    """Cross-entropy per position, reduced over the positions whose target != ignore_index."""
    ### BEGIN SOLUTION
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    targets = np.asarray(targets)
    keep = targets != ignore_index
    shifted = z - z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    safe = np.where(keep, targets, 0)  # any valid index: these losses are dropped below
    picked = np.take_along_axis(shifted, safe[..., None], axis=-1)[..., 0]
    losses = np.where(keep, log_norm - picked, 0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    count = int(keep.sum())
    return float(losses.sum() / count) if count else float("nan")
    ### END SOLUTION


# %%
check("sequence_cross_entropy", sequence_cross_entropy)

# %% nbgrader={"grade_id": "test_sequence_cross_entropy", "grade": true, "points": 2}
# Graded: the checks above.
assert_check("sequence_cross_entropy", sequence_cross_entropy, part="core")

# %% nbgrader={"grade_id": "test_sequence_cross_entropy_edge", "grade": true, "points": 2}
# Graded: edge cases (logits of +-1000, -inf logits, every target ignored, padded rows).
# More cases are tested when your notebook is graded: random batches, all reductions,
# other ignore_index values, a large vocabulary, float32, untouched inputs.
assert_check("sequence_cross_entropy", sequence_cross_entropy, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import CheckFailed, battery, expect_close


def _reference_sequence_ce(logits, targets, ignore_index=-100, reduction="mean"):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets)
    keep = t != ignore_index
    top = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    losses = np.where(keep, lse - picked, 0.0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / keep.sum() if keep.any() else np.nan


_rng = np.random.default_rng(71)
_Z = 2 * _rng.normal(size=(3, 5, 7))
_T = _rng.integers(0, 7, size=(3, 5))
_T[0, 3:] = -100
_T[2, 1:] = -100
_Z_big = _rng.normal(size=(2, 4, 200))
_T_big = np.array([[5, 150, -100, -100], [199, -100, 0, -100]])
_huge = np.array([[[1000.0, -1000.0, 999.0], [-1000.0, 1000.0, 0.0]]])
_neg_inf = np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0], [3.0, 0.0, -np.inf]])
_padded = np.array([[[3.0, 1.0, 0.0], [-np.inf, -np.inf, 5.0]]])
battery(sequence_cross_entropy, _reference_sequence_ce, [
    ("(T, V) lists, mean", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), {}),
    ("(B, T, V) with padding, mean", (_Z, _T), {}),
    ("(B, T, V) with padding, sum", (_Z, _T), {"reduction": "sum"}),
    ("(B, T, V) with padding, none", (_Z, _T), {"reduction": "none"}),
    ("float32, none", (_Z.astype(np.float32), _T), {"reduction": "none"}),
    ("V = 200: -100 must not wrap around, mean", (_Z_big, _T_big), {}),
    ("V = 200: -100 must not wrap around, none", (_Z_big, _T_big), {"reduction": "none"}),
    ("logits of +-1000", (_huge, np.array([[2, 1]])), {"reduction": "none"}),
    ("-inf off target", (_neg_inf, np.array([2, 1, 0])), {}),
    ("ignore_index=0", (_Z, np.where(_T < 0, 0, _T)), {"ignore_index": 0}),
    ("ignore_index=-1, none", (_Z, np.where(_T < 0, -1, _T)), {"ignore_index": -1, "reduction": "none"}),
    ("all ignored, mean is nan", (_Z, np.full((3, 5), -100)), {}),
    ("all ignored, sum is 0", (_Z, np.full((3, 5), -100)), {"reduction": "sum"}),
    ("a padded row of -inf logits, mean", (_padded, np.array([[1, -100]])), {}),
    ("a padded row of -inf logits, none", (_padded, np.array([[1, -100]])), {"reduction": "none"}),
    ("integer logits", (np.array([[3, 1, 0], [0, 0, 2]]), np.array([1, 2])), {}),
])
_f32 = sequence_cross_entropy(_Z.astype(np.float32), _T)
expect_close(_f32, _reference_sequence_ce(_Z, _T), "float32 logits, mean", rtol=1e-5, atol=1e-6)
try:
    sequence_cross_entropy(_Z, _T, reduction="avg")
except ValueError:
    pass
else:
    raise CheckFailed("reduction='avg' should raise ValueError")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Prompt masking for supervised fine-tuning
#
# In supervised fine-tuning (SFT) each training example is a **prompt** followed by the
# **completion** we want the model to write. The model should learn to produce
# completions, not to predict the user's questions: the prompt's tokens stay in the
# input (the model must read them) but their targets are set to `ignore_index`.
#
# Mind the shift. With `targets = tokens[1:]`, target position $t$ holds token $t + 1$.
# A prompt of $P$ tokens therefore covers the first $P - 1$ **target** positions; the
# target at position $P - 1$ is already the first completion token, predicted from the
# end of the prompt, and it must be trained.

# %%
prompt, completion = "where is my parcel ?".split(), "it ships today <eos>".split()
tokens = prompt + completion
P = len(prompt)
for t in range(len(tokens) - 1):
    role = "prompt     -> ignore" if t < P - 1 else "completion -> train"
    print(f"target position {t}: predicts {tokens[t + 1]!r:10} {role}")
print(f"\nprompt of {P} tokens: mask the first {P - 1} target positions")

# %% [markdown]
# ## 7. Exercise: implement `mask_prompt_tokens`
#
# Write `mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100)`:
#
# - `targets` of shape `(B, T)` with `prompt_lengths` holding one length per sequence,
#   or a single sequence `(T,)` with one int;
# - return a **copy** of `targets` in which the first `prompt_lengths[b]` positions of
#   sequence `b` hold `ignore_index`; every other entry is unchanged;
# - a length of 0 masks nothing, a length of `T` or more masks the whole sequence;
# - keep the integer dtype and do not modify `targets`.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("mask_prompt_tokens")

# %% nbgrader={"grade_id": "mask_prompt_tokens", "solution": true}
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    """Copy of targets with each sequence's first prompt_lengths[b] positions set to ignore_index."""
    ### BEGIN SOLUTION
    masked = np.array(targets)  # a copy, never the caller's array
    lengths = np.broadcast_to(prompt_lengths, masked.shape[:-1])
    in_prompt = np.arange(masked.shape[-1]) < lengths[..., None]
    masked[in_prompt] = ignore_index
    return masked
    ### END SOLUTION


# %%
check("mask_prompt_tokens", mask_prompt_tokens)

# %% nbgrader={"grade_id": "test_mask_prompt_tokens", "grade": true, "points": 1}
# Graded: the checks above.
assert_check("mask_prompt_tokens", mask_prompt_tokens, part="core")

# %% nbgrader={"grade_id": "test_mask_prompt_tokens_edge", "grade": true, "points": 1}
# Graded: edge cases (prompt length 0, prompts as long as the sequence, one sequence).
# More cases are tested when your notebook is graded: lists, other lengths and shapes.
assert_check("mask_prompt_tokens", mask_prompt_tokens, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect


def _reference_mask(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, out.shape[:-1])
    out[np.arange(out.shape[-1]) < lengths[..., None]] = ignore_index
    return out


_rng = np.random.default_rng(72)
_targets = _rng.integers(0, 100, size=(4, 7))
battery(mask_prompt_tokens, _reference_mask, [
    ("lists", ([[5, 6, 7, 8], [9, 10, 11, 12]], [1, 3]), {}),
    ("lengths 0, 3, 7 and 10 for T = 7", (_targets, np.array([0, 3, 7, 10])), {}),
    ("int32 lengths", (_targets, np.array([2, 2, 5, 1], dtype=np.int32)), {}),
    ("ignore_index=-1", (_targets, [1, 2, 3, 4]), {"ignore_index": -1}),
    ("one sequence, int length", (np.array([7, 8, 9, 10, 11]), 3), {}),
    ("one sequence, length 0", (np.array([7, 8, 9]), 0), {}),
    ("targets already holding -100", (np.array([[1, 2, -100, -100]]), [1]), {}),
    ("a batch of one", (np.array([[4, 5, 6]]), [2]), {}),
])
_kept = mask_prompt_tokens(np.array([[1, 2, 3]]), [1])
expect(np.issubdtype(np.asarray(_kept).dtype, np.integer), "masked targets must stay integer token ids")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. See which positions count
#
# The heatmap below shows a padded batch of three support conversations, each a prompt
# followed by a completion, with logits from a made-up model. Each cell is one target
# position: the token to predict and **your** `sequence_cross_entropy`'s loss there
# (`reduction="none"`). Grey cells are ignored. The mean loss and the perplexity above
# the plot come from your function too.
#
# - Untick **ignore padding**: the pad positions join the average. The model predicts
#   padding after padding almost perfectly, so those near-zero losses pull the mean
#   down: the loss now looks better because of how the batch was padded.
# - Tick **ignore prompt tokens (SFT)**: your `mask_prompt_tokens` removes the prompt
#   targets. The model is unsure about users' questions and good at its own answers, so
#   the mean drops, and it now measures only what fine-tuning is meant to teach.

# %%
sequence_loss_explorer(sequence_cross_entropy, mask_prompt_tokens)

# %% [markdown]
# The same batch drawn once, padding ignored, with losses the course computes itself
# (it does not need your function): the made-up model is sure about padding, good on
# the completions and unsure on the prompts.

# %%
plots.sequence_loss_map()

# %% [markdown]
# ## 9. Perplexity of a set of sequences
#
# In 05 perplexity was $e^{\text{mean loss}}$: the number of tokens the model is
# effectively choosing between. Since $e^{\frac1N \sum -\log p_i} = \big(\prod 1/p_i\big)^{1/N}$,
# it is the geometric mean of $1/p$ over the tokens. A model that spreads its
# probability evenly over $V$ tokens has perplexity exactly $V$; a perfect model has 1.
#
# For a whole evaluation set, pool the tokens: total loss of every supervised token,
# divided by the number of those tokens, then one exponential. Two tempting
# alternatives give different numbers:
#
# - the **mean of per-sequence perplexities** averages exponentials: by Jensen's
#   inequality it is at least the exponential of the average loss, so a single hard
#   sequence can dominate it, and it ignores how many tokens each sequence has;
# - the **exponential of the mean per-sequence loss** gives a 1-token sequence as much
#   weight as a 1000-token one.
#
# Take two sequences: a short one with 1 token at loss 3.0, and a long one with 9
# tokens at loss 0.5 each.

# %%
token_losses = [np.array([3.0]), np.full(9, 0.5)]
all_tokens = np.concatenate(token_losses)
print(f"pooled: exp(mean over all {all_tokens.size} tokens) = {np.exp(all_tokens.mean()):.3f}")
print(f"mean of per-sequence perplexities        = {np.mean([np.exp(l.mean()) for l in token_losses]):.3f}")
print(f"exp of the mean per-sequence loss        = {np.exp(np.mean([l.mean() for l in token_losses])):.3f}")

# %% [markdown]
# 2.117, 10.867 and 5.755: the same predictions, three stories. Only the first one is
# the perplexity of the set. Even the two positions of section 3 show the gap:

# %%
print(f"exp(mean loss) = exp({losses_2.mean():.3f}) = {np.exp(losses_2.mean()):.3f}")
print(f"mean of per-position perplexities = {np.exp(losses_2).mean():.3f}")

# %% [markdown]
# ## 10. Exercise: implement `sequence_perplexity`
#
# Write `sequence_perplexity(logits, targets, ignore_index=-100)`: the exponential of
# the mean loss over **all** supervised tokens of all sequences.
#
# - `logits` of shape `(B, T, V)` or `(T, V)`, `targets` to match; positions whose target
#   is `ignore_index` do not count;
# - return a Python float; `nan` if no token is supervised;
# - stable for logits of ±1000; do not modify the inputs.
#
# *Stuck?* The cell below reveals hints one at a time: first the idea, then the numpy
# tool, then the shape of the computation.

# %%
hints("sequence_perplexity")

# %% nbgrader={"grade_id": "sequence_perplexity", "solution": true}
import numpy as np


def sequence_perplexity(logits, targets, ignore_index=-100):
    """exp of the mean token loss over every supervised position of every sequence."""
    ### BEGIN SOLUTION
    z = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    keep = targets != ignore_index
    if not keep.any():
        return float("nan")
    shifted = z - z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    picked = np.take_along_axis(shifted, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    token_losses = (log_norm - picked)[keep]  # only the supervised tokens
    return float(np.exp(token_losses.mean()))
    ### END SOLUTION


# %%
check("sequence_perplexity", sequence_perplexity)

# %% nbgrader={"grade_id": "test_sequence_perplexity", "grade": true, "points": 1}
# Graded: the checks above.
assert_check("sequence_perplexity", sequence_perplexity, part="core")

# %% nbgrader={"grade_id": "test_sequence_perplexity_edge", "grade": true, "points": 1}
# Graded: edge cases (logits of +-1000, every token ignored, float32). More cases are
# tested when your notebook is graded: random batches, other ignore_index values, lists.
assert_check("sequence_perplexity", sequence_perplexity, part="edge")
### BEGIN HIDDEN TESTS
from logitlab.testing import battery, expect_close


def _reference_perplexity(logits, targets, ignore_index=-100):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets)
    keep = t != ignore_index
    if not keep.any():
        return np.nan
    top = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return np.exp((lse - picked)[keep].mean())


_rng = np.random.default_rng(73)
_Z = 2 * _rng.normal(size=(3, 6, 5))
_T = _rng.integers(0, 5, size=(3, 6))
_T[0, 1:] = -100  # one supervised token in the first sequence, six in the last
_T[1, 4:] = -100
battery(sequence_perplexity, _reference_perplexity, [
    ("two positions as lists", ([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]], [1, 2]), {}),
    ("sequences of different lengths", (_Z, _T), {}),
    ("ignore_index=0", (_Z, np.where(_T < 0, 0, _T)), {"ignore_index": 0}),
    ("V = 200 with padding", (_rng.normal(size=(2, 3, 200)), np.array([[1, -100, -100], [150, 3, -100]])), {}),
    ("logits of +-1000", (np.array([[[1000.0, -1000.0, 999.0], [-1000.0, 1000.0, 0.0]]]),
                          np.array([[2, 1]])), {}),
    ("-inf off target", (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), np.array([2, 1])), {}),
    ("a padded row of -inf logits", (np.array([[[3.0, 1.0, 0.0], [-np.inf, -np.inf, 5.0]]]),
                                     np.array([[1, -100]])), {}),
    ("every token ignored", (_Z, np.full((3, 6), -100)), {}),
])
expect_close(sequence_perplexity(_Z.astype(np.float32), _T), _reference_perplexity(_Z, _T),
             "float32 logits", rtol=1e-5, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## 11. Reading loss curves
#
# During training you watch two curves: the loss on the **training** data and on a
# held-out **validation** set that the model never trains on.
#
# - Both falling, validation a little above training: healthy. The model is learning
#   things that carry over to text it has not seen.
# - Training still falling while validation turns **up**: overfitting. The model has
#   started to memorise its training set. The best checkpoint is the one at the
#   validation minimum (early stopping); more data, regularisation or a smaller model
#   push that minimum later.
# - Before any training, a model that predicts nearly uniformly has loss $\ln V$: about
#   10.82 for a vocabulary of 50,257 tokens and 11.76 for 128,000. A first loss far above
#   that points at a broken initialisation.
#
# The curves below are synthetic, but shaped like real ones.

# %%
steps = np.arange(0, 101)
noise = np.random.default_rng(3).normal(0, 0.03, size=(3, steps.size))
train = 0.6 + 2.4 * np.exp(-steps / 18) + noise[0]
val_healthy = 0.75 + 2.3 * np.exp(-steps / 18) + noise[1]
val_overfit = 0.8 + 2.2 * np.exp(-steps / 18) + 0.012 * np.maximum(0, steps - 40) + noise[2]

display(plots.training_curves(train, val_healthy, "healthy: both fall"))
# the dotted line marks the checkpoint to keep: early stopping
display(plots.training_curves(train, val_overfit, "overfitting: validation turns up"))

print(f"uniform guess over 50,257 tokens: ln V = {np.log(50257):.2f}")
print(f"uniform guess over 128,000 tokens: ln V = {np.log(128000):.2f}")

# %% [markdown]
# ## 12. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | the loss drops fast but the model only repeats its input | targets not shifted, or shifted the wrong way | `inputs = tokens[..., :-1]`, `targets = tokens[..., 1:]` |
# | a batch of shape `(B, T)` comes back as `(B - 1, T)` | sliced the batch axis with `tokens[:-1]` | slice the last axis: `tokens[..., :-1]` |
# | the loss changes with the amount of padding, or looks too good | padding counted as real targets, or divided by `B * T` | set pad targets to `ignore_index`; divide by the number of supervised positions |
# | `IndexError: index -100 is out of bounds` | ignored targets used as indices | pick with a safe index (e.g. 0) at ignored positions, then drop them |
# | `nan` loss for a batch | every target in it is ignored (0 / 0), or `losses * mask` with an infinite loss at a padded position | skip empty batches; use `np.where(keep, losses, 0)` |
# | the fine-tuned model answers by echoing or continuing the question | prompt tokens were trained on | mask the first `P - 1` target positions of each example |
# | one completion token too few or too many is trained | off by one between token positions and target positions | a prompt of `P` tokens covers `P - 1` targets |
# | perplexity differs from (often exceeds) what the framework reports | mean of per-sequence perplexities | `exp(total loss / total supervised tokens)` |
# | gradient-accumulated loss differs from the full-batch loss | averaged micro-batch means with different token counts | sum the losses and divide by the total token count |
# | validation loss rises while training loss falls | overfitting | keep the checkpoint at the validation minimum; more data or regularisation |
# | the loss sits at about `ln V` and does not move | the model still predicts uniformly: learning rate, or targets misaligned with inputs | check the shift and the optimiser before anything else |
# | the cell stays at `[*]` | a loop in your function never ends (checks and widgets stop it after 5 s and say so; other cells are not stopped) | Kernel → Interrupt Kernel, fix the loop, run the function's cell again |

# %% [markdown]
# ## 13. Self-check

# %%
quiz(lesson="07_sequence_loss", questions=[
    ("tokens = [5, 7, 2, 9]. What are the targets for next-token prediction?",
     ["[5, 7, 2]", "[7, 2, 9]", "[7, 2, 9, 5]"], 1,
     "targets[t] = tokens[t + 1]: drop the first token. [5, 7, 2] are the inputs."),
    ("A batch has 6 target positions, 2 of them -100. The 4 others have losses summing to 2.0. "
     "What is the mean loss?",
     ["2.0 / 6 = 0.333", "2.0 / 4 = 0.5", "2.0 / 2 = 1.0"], 1,
     "Average over the supervised positions only: 4 of them."),
    ("A prompt has 5 tokens. After shifting, how many target positions belong to the prompt?",
     ["4", "5", "6"], 0,
     "Target t is token t + 1; tokens 1 to 4 are prompt tokens, so the first 4 targets are masked."),
    ("Two sequences have perplexities 20 and 2. What is the perplexity of the set?",
     ["11, their mean", "It depends on how many supervised tokens each sequence has",
      "20, the worse of the two"], 1,
     "Pool the tokens: exp(total loss / total tokens). A long sequence at 20 pulls the set "
     "towards 20, a long one at 2 towards 2."),
    ("Training loss falls and validation loss rises. What is happening?",
     ["Healthy training", "Overfitting", "The learning rate is too small"], 1,
     "The model keeps fitting its training data while getting worse on unseen text."),
])

# %% [markdown]
# ### In your own words (2 points, graded by your instructor)
#
# In two sentences, why are padding and prompt positions left out of the sequence loss,
# and why is the loss averaged over the remaining tokens? Write your answer in the cell
# below.

# %% [markdown] nbgrader={"grade_id": "explain_sequence_loss", "solution": true, "grade": true, "points": 2}
# Padding positions have no real next token and prompt tokens were given to the model
# rather than asked of it, so counting them would train it to predict filler or its own
# input and would dilute the loss of the tokens that matter. Averaging over the
# supervised tokens only makes the loss, and its perplexity, comparable between
# sequences and batches of different lengths, and keeps the size of the gradient
# independent of how much padding a batch happens to hold.
#
# **Rubric (2 points):** 1 point for why masked positions are not targets (padding is
# filler, the prompt was given); 1 point for the mean over supervised tokens (comparable
# across lengths and batches, not diluted or scaled by padding).

# %% [markdown]
# ## Next
#
# The causal mask mentioned in section 1 is another softmax at work: attention turns
# scores between positions into weights, and the future must get weight exactly 0.
# **08_attention** builds it, and shows why a masked score is `-inf` and not 0.
