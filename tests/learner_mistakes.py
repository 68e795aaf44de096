"""Realistic wrong answers to every exercise of 01-07, as a learner writes them, with words
the FIRST message of their report must contain (the misconception, named at the top).

Unlike the bug zoo (complete wrong solutions that must lose points), these are the
first drafts seen when trying the course: crashes as often as wrong numbers. Each entry:
(exercise, label, source defining the function, fragment of the first message).
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
]
