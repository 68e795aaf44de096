"""Realistic wrong answers to every exercise of 01-07, as a learner writes them, with words
the FIRST message of their report must contain (the misconception, named at the top).

Unlike the bug zoo (complete wrong solutions that must lose points), these are the
first drafts seen when trying the course: crashes as often as wrong numbers. The later
"more drafts" sections follow mistakes common in public softmax, sampling, cross-entropy
and gradient-check code (a global max, Python's sum over a batch, a one-hot from np.eye(N),
log(p + eps), forgotten restores, ...), rewritten for our signatures. Each entry:
(exercise, label, source defining the function, fragment of the first message); every
draft must also lose points in the graded cells.
"""

from __future__ import annotations

MISTAKES: list[tuple[str, str, str, str]] = [
    # ---- 01_logits -------------------------------------------------------------------
    (
        "is_distribution",
        "exact comparison with 1",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p)
    return bool((np.sum(p, axis=axis) == 1).all() and (p >= 0).all())
""",
        "never with ==",
    ),
    (
        "is_distribution",
        "list compared with a number",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    return bool(p >= 0) and abs(sum(p) - 1) <= atol
""",
        "Python list",
    ),
    (
        "is_distribution",
        "an if on a batch of sums",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=float)
    if abs(p.sum(axis=axis) - 1) <= atol and (p >= 0).all():
        return True
    return False
""",
        "one bool per entry",
    ),
    (
        "is_distribution",
        "per-row answer",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=float)
    return (np.abs(p.sum(axis=axis) - 1) <= atol) & (p >= 0).all(axis=axis)
""",
        "reduce the per-row results with .all()",
    ),
    (
        "predicted_label",
        "returns the position",
        """
def predicted_label(logits, labels):
    return int(np.argmax(logits))
""",
        "a position, not a label",
    ),
    (
        "predicted_label",
        "loop one past the end",
        """
def predicted_label(logits, labels):
    best = 0
    for i in range(1, len(logits) + 1):
        if logits[i] > logits[best]:
            best = i
    return labels[best]
""",
        "past the end",
    ),
    (
        "predicted_label",
        "list method on an array",
        """
def predicted_label(logits, labels):
    return labels[logits.index(max(logits))]
""",
        "np.argmax",
    ),
    (
        "predicted_label",
        "running maximum from 0",
        """
def predicted_label(logits, labels):
    best, best_score = 0, 0.0
    for i, score in enumerate(logits):
        if score > best_score:
            best, best_score = i, score
    return labels[best]
""",
        "do not start a running maximum at 0",
    ),
    # ---- 02_softmax --------------------------------------------------------------------
    (
        "softmax",
        "keepdims forgotten",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum(axis=axis)
""",
        "keepdims",
    ),
    (
        "softmax",
        "exp forgotten",
        """
def softmax(z, axis=-1):
    z = np.asarray(z)
    return z / z.sum(axis=axis, keepdims=True)
""",
        "z / z.sum() is not softmax",
    ),
    (
        "softmax",
        "whole-array sum",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum()
""",
        "not over the whole array",
    ),
    (
        "softmax",
        "wrong axis (columns)",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum(axis=0, keepdims=True)
""",
        "normalised along axis 0",
    ),
    (
        "softmax",
        "hard-coded axis=1",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum(axis=1, keepdims=True)
""",
        "never a hard-coded 1",
    ),
    (
        "softmax",
        "math.exp in a loop",
        """
import math
def softmax(z, axis=-1):
    exps = [math.exp(v) for v in z]
    return np.array(exps) / sum(exps)
""",
        "take ONE number",
    ),
    (
        "softmax",
        "in-place shift",
        """
def softmax(z, axis=-1):
    z = np.asarray(z)
    z -= z.max(axis=axis, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=axis, keepdims=True)
""",
        "rather than z -= ...",
    ),
    (
        "softmax",
        "forces float64",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "float32 input came back as float64",
    ),
    # ---- 03_stability ------------------------------------------------------------------
    (
        "logsumexp",
        "max without keepdims",
        """
def logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis)
    return m + np.log(np.exp(z - m).sum(axis=axis))
""",
        "keepdims",
    ),
    (
        "logsumexp",
        "max not added back",
        """
def logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return np.log(np.exp(z - m).sum(axis=axis))
""",
        "did not add it back",
    ),
    (
        "logsumexp",
        "naive",
        """
def logsumexp(z, axis=-1):
    return np.log(np.sum(np.exp(z), axis=axis))
""",
        "overflows",
    ),
    (
        "logsumexp",
        "keeps the summed axis",
        """
def logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
""",
        "should disappear",
    ),
    (
        "stable_softmax",
        "shift by the global max",
        """
def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max())
    return e / e.sum(axis=axis, keepdims=True)
""",
        "not the max of the whole array",
    ),
    (
        "stable_softmax",
        "no shift at all",
        """
def stable_softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "overflows",
    ),
    (
        "stable_softmax",
        "max without keepdims",
        """
def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "keepdims",
    ),
    (
        "log_softmax",
        "log of softmax",
        """
def log_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return np.log(e / e.sum(axis=axis, keepdims=True))
""",
        "never take log(softmax(z))",
    ),
    (
        "log_softmax",
        "lse without keepdims",
        """
def log_softmax(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return z - (m + np.log(np.exp(z - m).sum(axis=axis)))
""",
        "keepdims",
    ),
    (
        "log_softmax",
        "adds the lse",
        """
def log_softmax(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return z + m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
""",
        "you added the log-sum-exp",
    ),
    # ---- 04_temperature ----------------------------------------------------------------
    (
        "softmax_with_temperature",
        "divides after softmax",
        """
def softmax_with_temperature(z, temperature, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True) / temperature
""",
        "divided after softmax",
    ),
    (
        "softmax_with_temperature",
        "list divided by T",
        """
def softmax_with_temperature(z, temperature, axis=-1):
    z = z / temperature
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "Python list",
    ),
    (
        "softmax_with_temperature",
        "multiplies by T",
        """
def softmax_with_temperature(z, temperature, axis=-1):
    z = np.asarray(z) * temperature
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "multiplied the logits by T",
    ),
    (
        "top_k_filter",
        "k-th smallest instead of largest",
        """
def top_k_filter(logits, k):
    z = np.array(logits, dtype=float)
    kth = np.sort(z, axis=-1)[..., k - 1:k]
    return np.where(z >= kth, z, -np.inf)
""",
        "k-th SMALLEST",
    ),
    (
        "top_k_filter",
        "zero instead of -inf",
        """
def top_k_filter(logits, k):
    z = np.array(logits, dtype=float)
    kth = np.sort(z, axis=-1)[..., -k:][..., :1]
    return np.where(z >= kth, z, 0.0)
""",
        "0 is an ordinary logit",
    ),
    (
        "top_k_filter",
        "k-th largest without keeping the axis",
        """
def top_k_filter(logits, k):
    z = np.array(logits)
    kth = np.sort(z, axis=-1)[..., -k]
    z[z < kth] = -np.inf
    return z
""",
        "keepdims forgotten",
    ),
    (
        "top_p_filter",
        "excludes the crossing token",
        """
def top_p_filter(logits, p):
    z = np.array(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    order = np.argsort(-probs, axis=-1)
    cum = np.cumsum(np.take_along_axis(probs, order, axis=-1), axis=-1)
    keep_sorted = cum <= p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, z, -np.inf)
""",
        "top_p excluded the token that crosses p",
    ),
    (
        "sample_next_token",
        "global numpy random",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.asarray(logits, dtype=float)
    if temperature == 0:
        return int(np.argmax(z))
    e = np.exp((z - z.max()) / temperature)
    return int(np.random.choice(len(z), p=e / e.sum()))
""",
        "sample ignores rng",
    ),
    (
        "sample_next_token",
        "unnormalised probabilities",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    rng = np.random.default_rng(rng)
    z = np.asarray(logits, dtype=float)
    if temperature == 0:
        return int(np.argmax(z))
    return int(rng.choice(len(z), p=np.exp(z / temperature)))
""",
        "rng.choice needs a probability distribution",
    ),
    # ---- 05_cross_entropy --------------------------------------------------------------
    (
        "cross_entropy",
        "rows picked by the targets",
        """
def cross_entropy(probs, target):
    probs = np.asarray(probs)
    return float(np.mean(-np.log(probs[target])))
""",
        "probs[np.arange(N), target]",
    ),
    (
        "cross_entropy",
        "batch-only indexing",
        """
def cross_entropy(probs, target):
    probs = np.asarray(probs)
    return float(np.mean(-np.log(probs[np.arange(len(target)), target])))
""",
        "one int target",
    ),
    (
        "cross_entropy",
        "log10",
        """
def cross_entropy(probs, target):
    probs, target = np.atleast_2d(probs), np.atleast_1d(target)
    return float(np.mean(-np.log10(probs[np.arange(len(target)), target])))
""",
        "used log10",
    ),
    (
        "cross_entropy",
        "forgot the minus sign",
        """
def cross_entropy(probs, target):
    probs, target = np.atleast_2d(probs), np.atleast_1d(target)
    return float(np.mean(np.log(probs[np.arange(len(target)), target])))
""",
        "forgot the minus sign",
    ),
    (
        "cross_entropy",
        "returns per-row losses",
        """
def cross_entropy(probs, target):
    probs, target = np.atleast_2d(probs), np.atleast_1d(target)
    return -np.log(probs[np.arange(len(target)), target])
""",
        "ONE number",
    ),
    (
        "cross_entropy_from_logits",
        "lse max without keepdims",
        """
def cross_entropy_from_logits(logits, target):
    z, t = np.atleast_2d(np.asarray(logits, dtype=float)), np.atleast_1d(target)
    m = z.max(axis=-1)
    lse = m + np.log(np.exp(z - m).sum(axis=-1))
    return float(np.mean(lse - z[np.arange(len(t)), t]))
""",
        "keepdims",
    ),
    (
        "cross_entropy_from_logits",
        "log of softmax",
        """
def cross_entropy_from_logits(logits, target):
    z, t = np.asarray(logits, dtype=float), np.asarray(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return float(np.mean(-np.log(np.take_along_axis(p, t[..., None], axis=-1))))
""",
        "a tiny probability was materialised",
    ),
    (
        "cross_entropy_from_logits",
        "forgot the target logit",
        """
def cross_entropy_from_logits(logits, target):
    z = np.atleast_2d(np.asarray(logits, dtype=float))
    m = z.max(axis=-1, keepdims=True)
    return float(np.mean(m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))))
""",
        "forgot to subtract the target's logit",
    ),
    (
        "perplexity",
        "base 2",
        """
def perplexity(mean_loss):
    return 2.0 ** mean_loss
""",
        "used 2 ** loss",
    ),
    (
        "perplexity",
        "math.exp on a list",
        """
import math
def perplexity(mean_loss):
    return math.exp(mean_loss)
""",
        "math.exp",
    ),
    # ---- 06_gradients ------------------------------------------------------------------
    (
        "cross_entropy_grad",
        "sign flipped",
        """
def cross_entropy_grad(logits, target):
    z = np.atleast_2d(np.asarray(logits, dtype=float))
    t = np.atleast_1d(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    y = np.zeros_like(p)
    y[np.arange(len(t)), t] = 1
    g = (y - p) / len(t)
    return g if np.ndim(logits) == 2 else g[0]
""",
        "sign flipped",
    ),
    (
        "cross_entropy_grad",
        "rows minus one",
        """
def cross_entropy_grad(logits, target):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    g = e / e.sum(axis=-1, keepdims=True)
    g[target] -= 1
    return g / (len(z) if z.ndim == 2 else 1)
""",
        "whole ROWS",
    ),
    (
        "cross_entropy_grad",
        "batch-only indexing",
        """
def cross_entropy_grad(logits, target):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    g = e / e.sum(axis=-1, keepdims=True)
    g[np.arange(len(z)), target] -= 1
    return g / len(z)
""",
        "single row is 1-D",
    ),
    (
        "numerical_gradient",
        "forward differences",
        """
def numerical_gradient(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = x.copy()
        step[i] += eps
        g[i] = (f(step) - f(x)) / eps
    return g
""",
        "forward differences",
    ),
    (
        "numerical_gradient",
        "no copy (aliasing)",
        """
def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x, x
        plus[i] += eps
        minus[i] -= eps
        g[i] = (f(plus) - f(minus)) / (2 * eps)
    return g
""",
        "all zeros",
    ),
    # ---- 07_sequence_loss --------------------------------------------------------------
    (
        "shift_for_next_token",
        "slices the batch axis",
        """
def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return tokens[:-1], tokens[1:]
""",
        "sliced the batch axis",
    ),
    (
        "shift_for_next_token",
        "list sliced like an array",
        """
def shift_for_next_token(tokens):
    return tokens[..., :-1], tokens[..., 1:]
""",
        "Python list",
    ),
    (
        "sequence_cross_entropy",
        "arange indexing on a batch",
        """
def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    losses = lse - z[np.arange(len(t)), t]
    keep = t != ignore_index
    losses = np.where(keep, losses, 0.0)
    if reduction == "none":
        return losses
    return float(losses.sum() / keep.sum()) if reduction == "mean" else float(losses.sum())
""",
        "np.take_along_axis",
    ),
    (
        "mask_prompt_tokens",
        "slice with an array of lengths",
        """
def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets)
    out[..., :prompt_lengths] = ignore_index
    return out
""",
        "one length per row",
    ),
    (
        "mask_prompt_tokens",
        "off by one",
        """
def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, out.shape[:-1])
    out[np.arange(out.shape[-1]) < lengths[..., None] - 1] = ignore_index
    return out
""",
        "one position too few",
    ),
    (
        "sequence_perplexity",
        "mean of per-token perplexities",
        """
def sequence_perplexity(logits, targets, ignore_index=-100):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    keep = t != ignore_index
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float(np.exp((lse - picked)[keep]).mean())
""",
        "averaged the per-token perplexities",
    ),
    # ---- 01_logits: more drafts ---------------------------------------------------
    (
        "is_distribution",
        "tolerance without abs",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=float)
    return bool(np.all(p.sum(axis=axis) - 1 <= atol) and np.all(p >= 0))
""",
        "without abs() every sum below 1 passes",
    ),
    (
        "is_distribution",
        "rounded sums compared with 1",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=float)
    return bool(np.all(np.round(p.sum(axis=axis), 6) == 1) and np.all(p >= 0))
""",
        "rather than a fixed tolerance",
    ),
    (
        "is_distribution",
        "sums along axis 0",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=float)
    return bool(np.all(np.abs(p.sum(axis=0) - 1) <= atol) and np.all(p >= 0))
""",
        "you summed along axis 0",
    ),
    (
        "is_distribution",
        "np.isclose without atol",
        """
def is_distribution(p, axis=-1, atol=1e-6):
    p = np.asarray(p, dtype=float)
    return bool(np.isclose(p.sum(axis=axis), 1).all() and (p >= 0).all())
""",
        "add a relative tolerance (rtol=1e-05)",
    ),
    (
        "predicted_label",
        "argmin instead of argmax",
        """
def predicted_label(logits, labels):
    return labels[int(np.argmin(logits))]
""",
        "argmax, not argmin",
    ),
    (
        "predicted_label",
        "last of an ascending argsort",
        """
def predicted_label(logits, labels):
    return labels[np.argsort(logits)[-1]]
""",
        "return the first of the tied labels",
    ),
    (
        "predicted_label",
        "running maximum with >=",
        """
def predicted_label(logits, labels):
    best = 0
    for i in range(len(logits)):
        if logits[i] >= logits[best]:
            best = i
    return labels[best]
""",
        "return the first of the tied labels",
    ),
    (
        "predicted_label",
        "every label with the top logit",
        """
def predicted_label(logits, labels):
    z = np.asarray(logits)
    return [labels[i] for i in np.flatnonzero(z == z.max())]
""",
        "not a list or array",
    ),
    # ---- 02_softmax: more drafts --------------------------------------------------
    (
        "softmax",
        "global max shift, sum over axis 0",
        """
def softmax(z, axis=-1):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=0)
""",
        "normalised along axis 0",
    ),
    (
        "softmax",
        "Python sum of the exponentials",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / sum(e)
""",
        "Python's sum() both add up the rows",
    ),
    (
        "softmax",
        "transpose trick",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return (e.T / e.sum(axis=-1)).T
""",
        "instead of hard-coding -1",
    ),
    (
        "softmax",
        "max shift without keepdims",
        """
def softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "keepdims forgotten",
    ),
    (
        "softmax",
        "axis ignored",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum(axis=-1, keepdims=True)
""",
        "instead of hard-coding -1",
    ),
    (
        "softmax",
        "returns a list",
        """
def softmax(z, axis=-1):
    e = np.exp(np.asarray(z))
    return list(e / e.sum(axis=axis, keepdims=True))
""",
        "return the numpy array itself",
    ),
    # ---- 03_stability: more drafts ------------------------------------------------
    (
        "logsumexp",
        "global max",
        """
def logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m), axis=axis))
""",
        "not of the whole array",
    ),
    (
        "logsumexp",
        "math.log of a Python sum",
        """
import math
def logsumexp(z, axis=-1):
    m = max(z)
    return m + math.log(sum(math.exp(v - m) for v in z))
""",
        "lists do not do arithmetic",
    ),
    (
        "logsumexp",
        "shift by the largest magnitude",
        """
def logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = np.abs(z).max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))).squeeze(axis)
""",
        "shift by the max here too",
    ),
    (
        "logsumexp",
        "all -inf slice unguarded",
        """
def logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.exp(z - m).sum(axis=axis))
""",
        "-inf - (-inf) = nan",
    ),
    (
        "stable_softmax",
        "shift by the mean",
        """
def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.mean(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "not the min or the mean",
    ),
    (
        "stable_softmax",
        "divides by the max",
        """
def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z / np.abs(z).max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "subtract the max instead",
    ),
    (
        "stable_softmax",
        "shift in the numerator only",
        """
def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / np.exp(z).sum(axis=axis, keepdims=True)
""",
        "subtracted in the numerator only",
    ),
    (
        "stable_softmax",
        "global max shift, sum over axis 0",
        """
def stable_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=0)
""",
        "normalised along axis 0",
    ),
    (
        "log_softmax",
        "log of softmax plus epsilon",
        """
def log_softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return np.log(e / e.sum(axis=axis, keepdims=True) + 1e-12)
""",
        "never take log(softmax(z))",
    ),
    (
        "log_softmax",
        "naive log-sum-exp",
        """
def log_softmax(z, axis=-1):
    z = np.asarray(z)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
""",
        "subtract the max of each slice",
    ),
    (
        "log_softmax",
        "shifted lse subtracted from z",
        """
def log_softmax(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
""",
        "from z itself",
    ),
    # ---- 04_temperature: more drafts ----------------------------------------------
    (
        "softmax_with_temperature",
        "assert instead of ValueError",
        """
def softmax_with_temperature(z, temperature, axis=-1):
    assert temperature > 0, "temperature must be positive"
    z = np.asarray(z) / temperature
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "`raise ValueError(...)`",
    ),
    (
        "softmax_with_temperature",
        "one-hot at T = 0",
        """
def softmax_with_temperature(z, temperature, axis=-1):
    z = np.asarray(z)
    if temperature == 0:
        return (z == z.max(axis=axis, keepdims=True)).astype(z.dtype)
    z = z / temperature
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "`raise ValueError(...)`",
    ),
    (
        "softmax_with_temperature",
        "global max shift",
        """
def softmax_with_temperature(z, temperature, axis=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z) / temperature
    e = np.exp(z - z.max())
    return e / e.sum(axis=axis, keepdims=True)
""",
        "not the max of the whole array",
    ),
    (
        "top_k_filter",
        "argsort removes all but k",
        """
def top_k_filter(logits, k):
    z = np.array(logits)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(float)
    drop = np.argsort(z, axis=-1)[..., :-k]
    np.put_along_axis(z, drop, -np.inf, axis=-1)
    return z
""",
        "top-k kept ties incorrectly",
    ),
    (
        "top_k_filter",
        "strictly above the k-th largest",
        """
def top_k_filter(logits, k):
    z = np.array(logits, dtype=float)
    kth = np.sort(z, axis=-1)[..., -k, None]
    return np.where(z > kth, z, -np.inf)
""",
        "the k-th largest itself stays",
    ),
    (
        "top_k_filter",
        "writes into the caller's array",
        """
def top_k_filter(logits, k):
    z = np.asarray(logits)
    kth = np.sort(z, axis=-1)[..., -k, None]
    z[z < kth] = -np.inf
    return z
""",
        "work on a copy",
    ),
    (
        "top_k_filter",
        "k-th largest of the whole batch",
        """
def top_k_filter(logits, k):
    z = np.array(logits, dtype=float)
    kth = np.sort(z, axis=None)[-k]
    return np.where(z >= kth, z, -np.inf)
""",
        "not of the whole array",
    ),
    (
        "top_p_filter",
        "ascending sort",
        """
def top_p_filter(logits, p):
    z = np.array(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    order = np.argsort(probs, axis=-1)
    sorted_p = np.take_along_axis(probs, order, axis=-1)
    keep_sorted = np.cumsum(sorted_p, axis=-1) - sorted_p < p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, z, -np.inf)
""",
        "sorted in descending order",
    ),
    (
        "top_p_filter",
        "running sum of logits",
        """
def top_p_filter(logits, p):
    z = np.array(logits, dtype=float)
    order = np.argsort(-z, axis=-1)
    sorted_z = np.take_along_axis(z, order, axis=-1)
    keep_sorted = np.cumsum(sorted_z, axis=-1) - sorted_z < p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, z, -np.inf)
""",
        "running sum of the PROBABILITIES",
    ),
    (
        "top_p_filter",
        "1-D only sort",
        """
def top_p_filter(logits, p):
    z = np.array(logits, dtype=float)
    e = np.exp(z - z.max())
    probs = e / e.sum()
    order = np.argsort(-probs)
    cum = np.cumsum(probs[order])
    n = int(np.searchsorted(cum, p)) + 1
    out = np.full_like(z, -np.inf)
    out[order[:n]] = z[order[:n]]
    return out
""",
        "the code handles a single row only",
    ),
    (
        "sample_next_token",
        "no greedy branch",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    rng = np.random.default_rng(rng)
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return int(rng.choice(len(z), p=e / e.sum()))
""",
        "handle T == 0",
    ),
    (
        "sample_next_token",
        "top_k and top_p ignored",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    rng = np.random.default_rng(rng)
    z = np.asarray(logits, dtype=float)
    if temperature == 0:
        return int(np.argmax(z))
    e = np.exp((z - z.max()) / temperature)
    return int(rng.choice(len(z), p=e / e.sum()))
""",
        "apply top_k_filter",
    ),
    (
        "sample_next_token",
        "always greedy",
        """
def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    return int(np.argmax(logits))
""",
        "that is greedy decoding",
    ),
    # ---- 05_cross_entropy: more drafts --------------------------------------------
    (
        "cross_entropy",
        "one-hot sum without the mean",
        """
def cross_entropy(probs, target):
    probs = np.atleast_2d(np.asarray(probs, dtype=float))
    onehot = np.eye(probs.shape[-1])[np.atleast_1d(target)]
    return float(-np.sum(onehot * np.log(probs)))
""",
        "summed instead of averaged",
    ),
    (
        "cross_entropy",
        "one-hot from np.eye(N)",
        """
def cross_entropy(probs, target):
    probs, target = np.atleast_2d(probs), np.atleast_1d(target)
    onehot = np.eye(len(target))[target]
    return float(-np.sum(onehot * np.log(probs)) / len(target))
""",
        "np.eye(n)[target] needs n = the number of classes",
    ),
    (
        "cross_entropy",
        "mean over every entry",
        """
def cross_entropy(probs, target):
    probs, target = np.atleast_2d(probs), np.atleast_1d(target)
    onehot = np.eye(probs.shape[-1])[target]
    return float(np.mean(-onehot * np.log(probs)))
""",
        "averaged over the classes too",
    ),
    (
        "cross_entropy",
        "epsilon inside the log",
        """
def cross_entropy(probs, target):
    probs, target = np.asarray(probs, dtype=float), np.asarray(target)
    picked = np.take_along_axis(probs, target[..., None], axis=-1)
    return float(np.mean(-np.log(picked + 1e-9)))
""",
        "an epsilon added inside the log",
    ),
    (
        "cross_entropy_from_logits",
        "softmax plus epsilon",
        """
def cross_entropy_from_logits(logits, target):
    z, t = np.asarray(logits, dtype=float), np.asarray(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return float(np.mean(-np.log(np.take_along_axis(p, t[..., None], axis=-1) + 1e-12)))
""",
        "never log(softmax(z))",
    ),
    (
        "cross_entropy_from_logits",
        "global max in the log-sum-exp",
        """
def cross_entropy_from_logits(logits, target):
    z, t = np.asarray(logits, dtype=float), np.asarray(target)
    m = z.max()
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return float(np.mean(lse - np.take_along_axis(z, t[..., None], axis=-1)))
""",
        "not by the max of the whole batch",
    ),
    (
        "cross_entropy_from_logits",
        "target column for every row",
        """
def cross_entropy_from_logits(logits, target):
    z, t = np.atleast_2d(np.asarray(logits, dtype=float)), np.atleast_1d(target)
    m = z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return float(np.mean(lse - z[:, t]))
""",
        "N x N block",
    ),
    (
        "perplexity",
        "averages a list of losses",
        """
def perplexity(mean_loss):
    return np.exp(np.mean(mean_loss))
""",
        "apply exp to each one",
    ),
    (
        "perplexity",
        "np.e ** a list",
        """
def perplexity(mean_loss):
    return np.e ** mean_loss
""",
        "Python list",
    ),
    # ---- 06_gradients: more drafts ------------------------------------------------
    (
        "cross_entropy_grad",
        "gradient with respect to the probabilities",
        """
def cross_entropy_grad(logits, target):
    z, t = np.atleast_2d(np.asarray(logits, dtype=float)), np.atleast_1d(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    g = np.zeros_like(p)
    g[np.arange(len(t)), t] = -1 / p[np.arange(len(t)), t]
    g = g / len(t)
    return g if np.ndim(logits) == 2 else g[0]
""",
        "with respect to the PROBABILITY",
    ),
    (
        "cross_entropy_grad",
        "one-hot from np.eye(N)",
        """
def cross_entropy_grad(logits, target):
    z, t = np.atleast_2d(np.asarray(logits, dtype=float)), np.atleast_1d(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    g = (p - np.eye(len(t))[t]) / len(t)
    return g if np.ndim(logits) == 2 else g[0]
""",
        "np.eye(n)[target] needs n = the number of classes",
    ),
    (
        "cross_entropy_grad",
        "single row divided by its length",
        """
def cross_entropy_grad(logits, target):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    g = e / e.sum(axis=-1, keepdims=True)
    if z.ndim == 1:
        g[target] -= 1
    else:
        g[np.arange(len(z)), target] -= 1
    return g / len(z)
""",
        "a single row was divided by 3",
    ),
    (
        "cross_entropy_grad",
        "softmax sum without keepdims",
        """
def cross_entropy_grad(logits, target):
    z, t = np.atleast_2d(np.asarray(logits, dtype=float)), np.atleast_1d(target)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1)
    p[np.arange(len(t)), t] -= 1
    g = p / len(t)
    return g if np.ndim(logits) == 2 else g[0]
""",
        "keepdims forgotten",
    ),
    (
        "numerical_gradient",
        "one step on the whole x",
        """
def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x, dtype=float)
    return (f(x + eps) - f(x - eps)) / (2 * eps)
""",
        "one entry per entry of x",
    ),
    (
        "numerical_gradient",
        "x not restored",
        """
def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        g[i] = (up - down) / (2 * eps)
    return g
""",
        "restore each entry from its saved value",
    ),
    (
        "numerical_gradient",
        "f(x + eps) forgotten",
        """
def numerical_gradient(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g
""",
        "f was never evaluated at x + eps",
    ),
    (
        "numerical_gradient",
        "loop over the first axis",
        """
def numerical_gradient(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g
""",
        "whole ROW",
    ),
    # ---- 07_sequence_loss: more drafts --------------------------------------------
    (
        "shift_for_next_token",
        "hard-coded batch slicing",
        """
def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return tokens[:, :-1], tokens[:, 1:]
""",
        "a single row is 1-D",
    ),
    (
        "shift_for_next_token",
        "inputs and targets swapped",
        """
def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return tokens[..., 1:], tokens[..., :-1]
""",
        "shifted the wrong way",
    ),
    (
        "sequence_cross_entropy",
        "ignored targets used as indices",
        """
def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    z2, t2 = z.reshape(-1, z.shape[-1]), t.reshape(-1)
    m = z2.max(axis=-1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z2 - m).sum(axis=-1))
    losses = lse - z2[np.arange(len(t2)), t2]
    keep = t2 != ignore_index
    if reduction == "none":
        return np.where(keep, losses, 0.0).reshape(t.shape)
    if reduction == "sum":
        return float(losses[keep].sum())
    return float(losses[keep].mean())
""",
        "is not a vocabulary index",
    ),
    (
        "sequence_cross_entropy",
        "none keeps only supervised positions",
        """
def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    keep = t != ignore_index
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    losses = (lse - picked)[keep]
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    return float(losses.mean())
""",
        "keep ignored positions as 0",
    ),
    (
        "sequence_cross_entropy",
        "reduction ignored",
        """
def sequence_cross_entropy(logits, targets, ignore_index=-100, reduction="mean"):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    keep = t != ignore_index
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float((lse - picked)[keep].mean())
""",
        "one loss per position",
    ),
    (
        "mask_prompt_tokens",
        "one position too many",
        """
def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, out.shape[:-1])
    out[np.arange(out.shape[-1]) <= lengths[..., None]] = ignore_index
    return out
""",
        "one position too many",
    ),
    (
        "mask_prompt_tokens",
        "loop over rows of a single sequence",
        """
def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets)
    for b in range(len(out)):
        out[b, :prompt_lengths[b]] = ignore_index
    return out
""",
        "a single number was indexed like an array",
    ),
    (
        "sequence_perplexity",
        "ignored positions counted",
        """
def sequence_perplexity(logits, targets, ignore_index=-100):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    keep = t != ignore_index
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float(np.exp(np.where(keep, lse - picked, 0.0).mean()))
""",
        "including ignored ones",
    ),
    (
        "sequence_perplexity",
        "mean of per-sequence perplexities",
        """
def sequence_perplexity(logits, targets, ignore_index=-100):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    if z.ndim == 2:
        z, t = z[None], t[None]
    keep = t != ignore_index
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    per_seq = np.where(keep, lse - picked, 0.0).sum(axis=-1) / keep.sum(axis=-1)
    return float(np.mean(np.exp(per_seq)))
""",
        "mean of per-sequence perplexities",
    ),
    (
        "sequence_perplexity",
        "base-2 perplexity",
        """
def sequence_perplexity(logits, targets, ignore_index=-100):
    z, t = np.asarray(logits, dtype=float), np.asarray(targets)
    keep = t != ignore_index
    m = z.max(axis=-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(z - m).sum(axis=-1))
    picked = np.take_along_axis(z, np.where(keep, t, 0)[..., None], axis=-1)[..., 0]
    return float(2 ** (lse - picked)[keep].mean())
""",
        "used 2 ** loss",
    ),
]
