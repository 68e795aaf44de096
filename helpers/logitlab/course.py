"""The course map and the exercise contract: assignment ids and graded functions.

This mirrors the contract the grader, the tests and outside tools rely on: add to
it, never rename.
"""

from __future__ import annotations

from typing import NamedTuple


class Assignment(NamedTuple):
    id: str
    title: str
    exercises: tuple[str, ...]


COURSE: tuple[Assignment, ...] = (
    Assignment("00_welcome", "Welcome: how the course works", ()),
    Assignment("01_logits", "Logits: raw scores, not probabilities", ("is_distribution", "predicted_label")),
    Assignment("02_softmax", "Softmax: from scores to a distribution", ("softmax",)),
    Assignment("03_stability", "Numerical stability: log-sum-exp", ("logsumexp", "stable_softmax", "log_softmax")),
    Assignment(
        "04_temperature",
        "Temperature, top-k, top-p and sampling",
        ("softmax_with_temperature", "top_k_filter", "top_p_filter", "sample_next_token"),
    ),
    Assignment(
        "05_cross_entropy", "Cross-entropy and perplexity", ("cross_entropy", "cross_entropy_from_logits", "perplexity")
    ),
    Assignment("06_gradients", "The gradient p - y", ("cross_entropy_grad", "numerical_gradient")),
    Assignment(
        "07_sequence_loss",
        "Next-token loss over sequences",
        ("shift_for_next_token", "sequence_cross_entropy", "mask_prompt_tokens", "sequence_perplexity"),
    ),
    Assignment(
        "08_attention", "Softmax inside attention", ("causal_mask", "masked_softmax", "scaled_dot_product_attention")
    ),
    Assignment("09_training", "A training loop", ("train_step", "fit")),
    Assignment("10_pytorch", "The same ideas in PyTorch", ("torch_cross_entropy", "autograd_logit_gradient")),
    Assignment("11_llm_scale", "The loss at LLM scale", ("online_logsumexp", "chunked_cross_entropy")),
)

EXERCISE_ASSIGNMENT: dict[str, str] = {ex: a.id for a in COURSE for ex in a.exercises}
