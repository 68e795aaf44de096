"""Realistic single mistakes in every exercise of 08-11, with words the FIRST message of the
report must contain: the root cause, named at the top.

One table per exercise. A mistake is one edit of the exercise's solution (`old`, which
occurs there exactly once, becomes `new`; `also` holds the edits that go with it), so each
row is one mistake in an otherwise right function, as a learner's first draft often is. tests/test_learner_mistakes.py
runs every row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    label: str
    old: str  # a piece of the solution...
    new: str  # ...written as the learner did
    words: str  # must appear in the first message of the report
    also: tuple[tuple[str, str], ...] = ()  # (old, new) edits the same mistake needs elsewhere


CAUSAL_MASK = [
    Mistake(
        "ones without a shape tuple",
        "    positions = np.arange(T)\n    return positions[None, :] <= positions[:, None]",
        "    return np.tril(np.ones(T, T)).astype(bool)",
        "np.ones((T, T))",
    ),
    Mistake(
        "upper triangle",
        "    positions = np.arange(T)\n    return positions[None, :] <= positions[:, None]",
        "    return np.triu(np.ones((T, T), dtype=bool))",
        "BELOW the diagonal",
    ),
    Mistake("strict lower triangle", "positions[None, :] <= positions", "positions[None, :] < positions", "diagonal"),
    Mistake(
        "float mask",
        "    positions = np.arange(T)\n    return positions[None, :] <= positions[:, None]",
        "    return np.tril(np.ones((T, T)))",
        "bool",
    ),
    Mistake(
        "comparison the wrong way round",
        "positions[None, :] <= positions[:, None]",
        "positions[:, None] <= positions[None, :]",
        "BELOW the diagonal",
    ),
    Mistake("one-dimensional positions", "positions[None, :] <= positions[:, None]", "positions <= positions", "shape"),
]

MASKED_SOFTMAX = [
    Mistake(
        "masked scores set to 0",
        "filled = np.where(keep, scores, -np.inf)",
        "filled = np.where(keep, scores, 0.0)",
        "-inf",
    ),
    Mistake(
        "fully masked row gives nan",
        "    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0)",
        "    return exps / total",
        "fully masked",
        also=(("    top = np.where(np.isfinite(top), top, 0)  # a fully masked slice: nothing to shift by\n", ""),),
    ),
    Mistake(
        "sum without keepdims",
        "total = np.sum(exps, axis=axis, keepdims=True)",
        "total = np.sum(exps, axis=axis)",
        "keepdims",
    ),
    Mistake(
        "max over the masked scores too",
        "top = np.max(filled, axis=axis, keepdims=True)",
        "top = np.max(scores, axis=axis, keepdims=True)",
        "max",
    ),
    Mistake(
        "mask never applied", "filled = np.where(keep, scores, -np.inf)", "filled = scores", "the mask was ignored"
    ),
    Mistake(
        "mask read the wrong way",
        "filled = np.where(keep, scores, -np.inf)",
        "filled = np.where(keep, -np.inf, scores)",
        "True",
    ),
]

_SDPA_SCORES = "scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])"
SCALED_DOT_PRODUCT_ATTENTION = [
    Mistake("no scale", _SDPA_SCORES, "scores = q @ np.swapaxes(k, -1, -2)", "sqrt(d_k)"),
    Mistake("scaled by d_k", _SDPA_SCORES, "scores = q @ np.swapaxes(k, -1, -2) / q.shape[-1]", "sqrt(d_k)"),
    Mistake(
        "causal mask sized by len(q)",
        "mask = causal_mask(scores.shape[-1])",
        "mask = causal_mask(len(q))",
        "causal_mask(len(q))",
    ),
    Mistake("k.T on a batch", _SDPA_SCORES, "scores = q @ k.T / math.sqrt(q.shape[-1])", "swapaxes"),
    Mistake("causal ignored", "    if causal:\n", "    if False:\n", "causal"),
    Mistake(
        "softmax over the queries",
        "masked_softmax(scores, mask, axis=-1)",
        "masked_softmax(scores, mask, axis=-2)",
        "along the last axis",
    ),
    Mistake("returns only the output", "return weights @ v, weights", "return weights @ v", "(output, weights)"),
]

TRAIN_STEP = [
    Mistake("gradient without the one-hot", "    grad_z[rows, y] -= 1\n", "", "one-hot"),
    Mistake(
        "loss of the mean probability",
        "loss = float(np.mean(np.log(total[:, 0]) - z[rows, y]))",
        "loss = float(-np.log(np.mean(exp_z[rows, y] / total[:, 0])))",
        "-log(mean p)",
    ),
    Mistake(
        "one-hot from y.max() + 1",
        "    grad_z[rows, y] -= 1\n",
        "    grad_z = grad_z - np.eye(y.max() + 1)[y]\n",
        "np.eye(y.max() + 1)",
    ),
    Mistake("gradient of the sum", "    grad_z /= n\n", "", "N = 2 times too large"),
    Mistake(
        "gradient ascent",
        "return W - lr * (X.T @ grad_z), b - lr * grad_z.sum(axis=0), loss",
        "return W + lr * (X.T @ grad_z), b + lr * grad_z.sum(axis=0), loss",
        "subtract",
    ),
    Mistake(
        "W updated in place",
        "return W - lr * (X.T @ grad_z), b - lr * grad_z.sum(axis=0), loss",
        "W -= lr * (X.T @ grad_z)\n    b -= lr * grad_z.sum(axis=0)\n    return W, b, loss",
        "the caller's W changed",
    ),
    Mistake("X @ W.T", "z = X @ W + b", "z = X @ W.T + b", "X @ W"),
]

FIT = [
    Mistake(
        "initialised with zeros",
        "W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))",
        "W = np.zeros((X.shape[1], num_classes))",
        "rng",
    ),
    Mistake(
        "a new generator",
        "    W = rng.normal(",
        "    rng = np.random.default_rng(0)\n    W = rng.normal(",
        "rng",
    ),
    Mistake("one step short", "range(steps)", "range(steps - 1)", "steps"),
    Mistake("update thrown away", "W, b, loss = train_step(", "_, _, loss = train_step(", "train_step returns"),
    Mistake("the last loss only", "return W, b, history", "return W, b, loss", "before it gets a value"),
    Mistake(
        "shape swapped",
        "size=(X.shape[1], num_classes)",
        "size=(num_classes, X.shape[1])",
        "shape (d, num_classes)",
    ),
]

TORCH_CROSS_ENTROPY = [
    Mistake(
        "softmax before cross_entropy",
        "out = F.cross_entropy(torch.from_numpy(scores).reshape(-1, scores.shape[-1]),",
        "out = F.cross_entropy(torch.softmax(torch.from_numpy(scores), -1).reshape(-1, scores.shape[-1]),",
        "raw logits",
    ),
    Mistake(
        "nll_loss on raw logits",
        "out = F.cross_entropy(",
        "out = F.nll_loss(",
        "log_softmax",
        also=(
            (
                "reduction=reduction,\n                          label_smoothing=label_smoothing)",
                "reduction=reduction)",
            ),
        ),
    ),
    Mistake(
        "float targets",
        "torch.as_tensor(labels, dtype=torch.long)",
        "torch.as_tensor(labels, dtype=torch.float64)",
        "torch.long",
    ),
    Mistake(
        "no flattening for sequences",
        "torch.from_numpy(scores).reshape(-1, scores.shape[-1]),\n"
        "                          torch.as_tensor(labels, dtype=torch.long).reshape(-1),",
        "torch.from_numpy(scores), torch.as_tensor(labels, dtype=torch.long),",
        "flatten the logits",
    ),
    Mistake(
        "label smoothing dropped",
        "reduction=reduction,\n                          label_smoothing=label_smoothing)",
        "reduction=reduction)",
        "label_smoothing",
    ),
    Mistake("returns a tensor", "    return out.item()", "    return out", ".item()"),
]

_BACKWARD = "    F.cross_entropy(leaf, torch.as_tensor(np.asarray(target), dtype=torch.long)).backward()\n"
AUTOGRAD_LOGIT_GRADIENT = [
    Mistake(
        "backward forgotten",
        _BACKWARD,
        "    loss = F.cross_entropy(leaf, torch.as_tensor(np.asarray(target), dtype=torch.long))\n",
        "loss.backward()",
    ),
    Mistake(
        "no requires_grad", "torch.from_numpy(scores).requires_grad_()", "torch.from_numpy(scores)", "requires_grad"
    ),
    Mistake(
        "numpy of a tracked tensor",
        _BACKWARD + "    return leaf.grad.numpy()",
        "    y = F.one_hot(torch.as_tensor(np.asarray(target)), scores.shape[-1])\n"
        "    return (torch.softmax(leaf, -1) - y).numpy()",
        "detach",
    ),
    Mistake(
        "gradient of the summed loss",
        "dtype=torch.long)).backward()",
        "dtype=torch.long), reduction='sum').backward()",
        "N times too large",
    ),
    Mistake(
        "float32 tensor",
        "torch.from_numpy(scores).requires_grad_()",
        "torch.tensor(scores, dtype=torch.float32).requires_grad_()",
        "float32",
    ),
    Mistake(
        "gradient of the probabilities",
        "F.cross_entropy(leaf, ",
        "F.cross_entropy(torch.softmax(leaf, -1), ",
        "raw logits",
    ),
]

_RESCALED = "run_sum = run_sum * np.exp(run_max - new_max) + np.exp(x - new_max).sum()"
ONLINE_LOGSUMEXP = [
    Mistake("running sum never rescaled", _RESCALED, "run_sum = run_sum + np.exp(x - new_max).sum()", "rescale"),
    Mistake(
        "no max at all",
        _RESCALED,
        "run_sum = run_sum + np.exp(x).sum()",
        "overflows",
        also=(("return run_max + np.log(run_sum)", "return np.log(run_sum)"),),
    ),
    Mistake(
        "concatenates the chunks",
        "    run_max, run_sum = -np.inf, 0.0\n    for chunk in chunks:",
        "    chunks = [np.concatenate([np.asarray(c) for c in chunks])]\n"
        "    run_max, run_sum = -np.inf, 0.0\n    for chunk in chunks:",
        "do not glue the chunks together",
    ),
    Mistake("empty chunk crashes", "        if x.size == 0:\n            continue\n", "", "empty"),
    Mistake(
        "all -inf gives nan",
        "        if new_max > -np.inf:  # while everything is -inf there is nothing to add (and -inf - -inf is nan)\n"
        "            run_sum",
        "        run_sum",
        "-inf",
    ),
    Mistake(
        "sum of per-chunk log-sum-exps",
        "    return run_max + np.log(run_sum) if run_sum > 0 else run_max",
        "    return sum(np.max(c) + np.log(np.exp(np.asarray(c) - np.max(c)).sum()) for c in chunks if len(c))",
        "not add",
    ),
]

_BLOCK_SUM = "run_sum = run_sum * np.exp(run_max - new_max) + np.exp(block - new_max[:, None]).sum(axis=1)"
CHUNKED_CROSS_ENTROPY = [
    Mistake(
        "last short block dropped",
        "range(0, len(weight), chunk_size)",
        "range(0, len(weight) - chunk_size + 1, chunk_size)",
        "last",
    ),
    Mistake(
        "materialises all logits",
        "range(0, len(weight), chunk_size)",
        "range(0, len(weight), len(weight))",
        "chunk_size",
    ),
    Mistake(
        "target logit from the last block",
        'np.einsum("nd,nd->n", hidden, weight[targets])',
        "block[np.arange(len(hidden)), targets % block.shape[1]]",
        "target",
    ),
    Mistake(
        "running sum not rescaled",
        _BLOCK_SUM,
        "run_sum = run_sum + np.exp(block - new_max[:, None]).sum(axis=1)",
        "rescale",
    ),
    Mistake(
        "max without keepdims",
        "np.exp(block - new_max[:, None])",
        "np.exp(block - new_max)",
        "keepdims",
    ),
    Mistake("sum instead of mean", "return float(np.mean(", "return float(np.sum(", "mean"),
]

TABLES: dict[str, list[Mistake]] = {
    "causal_mask": CAUSAL_MASK,
    "masked_softmax": MASKED_SOFTMAX,
    "scaled_dot_product_attention": SCALED_DOT_PRODUCT_ATTENTION,
    "train_step": TRAIN_STEP,
    "fit": FIT,
    "torch_cross_entropy": TORCH_CROSS_ENTROPY,
    "autograd_logit_gradient": AUTOGRAD_LOGIT_GRADIENT,
    "online_logsumexp": ONLINE_LOGSUMEXP,
    "chunked_cross_entropy": CHUNKED_CROSS_ENTROPY,
}

# The bug zoo of 08-11 (grader/bugzoo/<assignment>/<function>/<bug>.py, complete wrong
# solutions): words the first message of each bug's report must contain.
ZOO_WORDS: dict[str, str] = {
    '08_attention/causal_mask/additive_mask': 'returned an additive mask of 0 and -inf',
    '08_attention/causal_mask/excludes_diagonal': 'the diagonal is False',
    '08_attention/causal_mask/float_ones': 'not a bool array',
    '08_attention/causal_mask/true_marks_future': 'True marks the future',
    '08_attention/causal_mask/upper_triangle': 'the mask is transposed',
    '08_attention/masked_softmax/fills_in_place': 'the scores you were given changed',
    '08_attention/masked_softmax/float64_fill': 'np.full(shape, -np.inf)',
    '08_attention/masked_softmax/large_negative_fill': 'a large negative fill (say -1e9) is not -inf',
    '08_attention/masked_softmax/masks_after_softmax': 'mask the scores BEFORE the softmax',
    '08_attention/masked_softmax/masks_with_zero': 'a masked score set to 0 has exp(0) = 1',
    '08_attention/masked_softmax/max_over_all_scores': 'then shift by the max of the KEPT scores only',
    '08_attention/masked_softmax/multiplies_by_mask': 'multiplying by the mask instead gives inf * 0 = nan',
    '08_attention/masked_softmax/nan_when_fully_masked': 'a fully masked row gave nan',
    '08_attention/scaled_dot_product_attention/causal_by_multiplying': '0 is not enough: exp(0) = 1',
    '08_attention/scaled_dot_product_attention/divides_by_d_k': 'divided by d_k: the scale is 1 / sqrt(d_k)',
    '08_attention/scaled_dot_product_attention/ignores_causal': 'causal=True changed nothing',
    '08_attention/scaled_dot_product_attention/no_scale': 'the scores were not divided by sqrt(d_k)',
    '08_attention/scaled_dot_product_attention/np_sqrt_upcasts': 'np.sqrt(d_k) is a float64 numpy number',
    '08_attention/scaled_dot_product_attention/scale_by_len_of_k': 'the square root of the number of keys',
    '08_attention/scaled_dot_product_attention/softmax_over_queries': 'the softmax ran over the queries',
    '08_attention/scaled_dot_product_attention/transposes_with_dot_t': 'k.T reverses every axis of a 3-D or 4-D array',
    '09_training/fit/classes_from_labels': 'take the number of classes from num_classes',
    '09_training/fit/extra_final_loss': 'no extra evaluation before or after the loop',
    '09_training/fit/global_numpy_random': 'the rng you were given was not used',
    '09_training/fit/loss_after_each_step': 'history holds the loss AFTER each step',
    '09_training/fit/random_bias': 'b should start as np.zeros(num_classes)',
    '09_training/fit/transposed_draw': 'drew a (num_classes, d) array and transposed it',
    '09_training/fit/unit_scale_init': 'drew W with scale 1',
    '09_training/fit/update_not_kept': 'with steps=1 W came back unchanged',
    '09_training/train_step/bias_gradient_mean': 'N = 2 times too small',
    '09_training/train_step/bias_never_updated': 'b did not move',
    '09_training/train_step/float64_onehot': "build the one-hot in the logits' dtype",
    '09_training/train_step/gradient_summed_over_batch': 'N = 2 times too large',
    '09_training/train_step/loss_after_step': 'returned the loss AFTER the step',
    '09_training/train_step/loss_of_mean_probability': 'the loss is -log(mean p)',
    '09_training/train_step/loss_summed': 'the loss is the SUM over the 2 examples',
    '09_training/train_step/no_max_shift': "with each row's max subtracted",
    '09_training/train_step/softmax_over_batch': 'along the classes (axis=-1)',
    '09_training/train_step/steps_uphill': 'went uphill',
    '09_training/train_step/updates_in_place': "the caller's W changed",
    '10_pytorch/autograd_logit_gradient/float32_tensor': 'float64 data became float32',
    '10_pytorch/autograd_logit_gradient/grad_of_non_leaf': '.grad is None',
    '10_pytorch/autograd_logit_gradient/grad_of_probabilities': 'gradient with respect to softmax(logits)',
    '10_pytorch/autograd_logit_gradient/passes_probabilities': 'the probabilities-as-logits bug',
    '10_pytorch/autograd_logit_gradient/returns_tensor': 'returned a torch tensor',
    '10_pytorch/autograd_logit_gradient/sum_reduction': 'the gradient of the SUM',
    '10_pytorch/torch_cross_entropy/float32_tensor': 'float64 data became float32',
    '10_pytorch/torch_cross_entropy/hard_coded_ignore': 'forgot ignore_index',
    '10_pytorch/torch_cross_entropy/ignores_label_smoothing': 'label_smoothing=0.1 changed nothing',
    '10_pytorch/torch_cross_entropy/int32_targets': 'PyTorch wants class indices as int64',
    '10_pytorch/torch_cross_entropy/log_of_softmax': 'torch.log(torch.softmax(z)) underflows',
    '10_pytorch/torch_cross_entropy/none_left_flat': "reshape the losses to the targets' shape",
    '10_pytorch/torch_cross_entropy/one_row_ignores_options': 'one row (V,) ignored an option',
    '10_pytorch/torch_cross_entropy/passes_probabilities': '1.387 is the loss of softmax(logits)',
    '10_pytorch/torch_cross_entropy/shifts_logits_in_place': 'torch.from_numpy shares memory',
    '10_pytorch/torch_cross_entropy/sum_gives_mean': "reduction='sum' returned the mean",
    '10_pytorch/torch_cross_entropy/unflattened_batch': 'F.cross_entropy reads dim 1 as the classes',
    '11_llm_scale/chunked_cross_entropy/accepts_bad_chunk_size': 'raise ValueError',
    '11_llm_scale/chunked_cross_entropy/drops_last_block': 'the last block has a single column',
    '11_llm_scale/chunked_cross_entropy/no_rescale': 'the running sums were not rescaled',
    '11_llm_scale/chunked_cross_entropy/one_max_per_block': 'each row (axis=1) needs its own running max',
    '11_llm_scale/chunked_cross_entropy/sum_not_mean': 'the sum of the row losses',
    '11_llm_scale/chunked_cross_entropy/target_without_offset': "a target's column is target - start",
    '11_llm_scale/chunked_cross_entropy/unshifted_exp': 'inf or nan for logits of +-1000',
    '11_llm_scale/online_logsumexp/concatenates': 'exp of a large logit overflows',
    '11_llm_scale/online_logsumexp/forces_float64': 'do not force float64',
    '11_llm_scale/online_logsumexp/max_of_empty_chunk': 'an empty chunk has no max',
    '11_llm_scale/online_logsumexp/nan_after_all_neg_inf_chunk': '-inf - (-inf) is nan',
    '11_llm_scale/online_logsumexp/no_rescale': 'the running sum was not rescaled when the max rose',
    '11_llm_scale/online_logsumexp/rescale_wrong_way': 'rescaled the wrong way',
    '11_llm_scale/online_logsumexp/shift_by_first_max': "shifting by the first chunk's max is not enough",
    '11_llm_scale/online_logsumexp/two_passes': 'a generator can be read only once',
}
