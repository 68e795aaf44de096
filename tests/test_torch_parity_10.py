"""PyTorch parity of 10_pytorch (float64, 1e-6): the torch solutions agree with the course's
own numpy solutions of 05, 06 and 07, and give the figures the curriculum quotes.

The 10 solutions call F.cross_entropy and autograd; the references here are the numpy
functions the learner wrote earlier (the solution cells of the built source notebooks)
and, for label smoothing, the formula of the notebook written out in numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import skip_unless_ci

from grader.tools.build import solution_functions

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    skip_unless_ci(
        "torch cannot be imported (`make torch` installs torch==2.13.0); the parity tests need it", module=True
    )

TOL = dict(rtol=1e-6, atol=1e-9)
NAMES = ["05_cross_entropy", "06_gradients", "07_sequence_loss", "10_pytorch"]


@pytest.fixture(scope="module")
def solutions() -> dict:
    """Every function defined by a solution cell of the four source notebooks."""
    return solution_functions(*NAMES)


_rng = np.random.default_rng(1010)
_Z = 2 * _rng.normal(size=(4, 6, 9))
_T = _rng.integers(0, 9, size=(4, 6))
_T[0, 2:] = -100
_T[3, :] = -100  # a fully padded sequence inside a batch
SEQ_CASES = {
    "two positions (T, V)": (np.array([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]]), np.array([1, 2]), -100),
    "padded batch (B, T, V)": (_Z, _T, -100),
    "T == V": (_rng.normal(size=(3, 5, 5)), _rng.integers(0, 5, size=(3, 5)), -100),
    "ignore_index=0": (_Z, np.where(_T < 0, 0, _T), 0),
    "large vocabulary, padded": (
        _rng.normal(size=(2, 5, 300)),
        np.array([[5, 299, 0, -100, -100], [150, -100, 7, 8, -100]]),
        -100,
    ),
    "logits near 1000": (1000 + _Z, _T, -100),
    "logits of +-1000": (
        np.array([[[1000.0, -1000.0, 999.0], [-1000.0, 1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]]),
        np.array([[2, 1, 0]]),
        -100,
    ),
    "-inf off target": (
        np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0], [3.0, 0.0, -np.inf]]),
        np.array([2, 1, 0]),
        -100,
    ),
    "every target ignored": (_Z, np.full((4, 6), -100), -100),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label", SEQ_CASES)
def test_torch_cross_entropy_matches_the_numpy_sequence_loss_of_07(solutions, label, reduction):
    logits, targets, ignore = SEQ_CASES[label]
    ours = solutions["torch_cross_entropy"](logits, targets, ignore_index=ignore, reduction=reduction)
    numpy_07 = solutions["sequence_cross_entropy"](logits, targets, ignore_index=ignore, reduction=reduction)
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), np.asarray(numpy_07, dtype=np.float64), **TOL)
    if reduction == "none":
        assert np.shape(ours) == np.shape(targets) and np.asarray(ours).dtype == np.float64
    else:
        assert type(ours) is float


@pytest.mark.parametrize("n", [1, 5, 32])
def test_torch_cross_entropy_matches_the_loss_from_logits_of_05(solutions, n):
    logits, targets = 3 * _rng.normal(size=(n, 12)), _rng.integers(0, 12, n)
    ours = solutions["torch_cross_entropy"](logits, targets)
    assert math.isclose(ours, solutions["cross_entropy_from_logits"](logits, targets), rel_tol=1e-6)


def _smoothed_numpy(logits, targets, eps, ignore_index=-100):
    """The notebook's formula: (1 - eps) (lse - z_t) + eps (lse - mean z), mean over kept rows."""
    z = np.asarray(logits, dtype=np.float64)
    keep = targets != ignore_index
    top = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=-1)) + top[..., 0]
    picked = np.take_along_axis(z, np.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    losses = (1 - eps) * (lse - picked) + eps * (lse - z.mean(axis=-1))
    return losses[keep].mean()


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.5])
@pytest.mark.parametrize("label", ["two positions (T, V)", "padded batch (B, T, V)", "ignore_index=0"])
def test_label_smoothing_matches_the_formula_of_the_notebook(solutions, label, eps):
    logits, targets, ignore = SEQ_CASES[label]
    ours = solutions["torch_cross_entropy"](logits, targets, ignore_index=ignore, label_smoothing=eps)
    assert math.isclose(ours, _smoothed_numpy(logits, targets, eps, ignore), rel_tol=1e-6)


GRAD_CASES = {
    "one row (unbatched)": (np.array([3.0, 1.0, 0.0]), 1),
    "random (16, 10)": (3 * _rng.normal(size=(16, 10)), _rng.integers(0, 10, 16)),
    "random (1, 50)": (_rng.normal(size=(1, 50)), np.array([7])),
    "logits near 1000": (1000 + _rng.normal(size=(5, 4)), _rng.integers(0, 4, 5)),
    "logits of +-1000": (
        np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]]),
        np.array([2, 0, 1]),
    ),
    "-inf off target": (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), np.array([2, 1])),
    "saturated [8, 0, 0], target reship": (np.array([8.0, 0.0, 0.0]), 1),
}


@pytest.mark.parametrize("label", GRAD_CASES)
def test_autograd_gradient_matches_cross_entropy_grad_of_06(solutions, label):
    logits, target = GRAD_CASES[label]
    ours = solutions["autograd_logit_gradient"](logits, target)
    np.testing.assert_allclose(ours, solutions["cross_entropy_grad"](logits, target), **TOL)
    assert ours.shape == np.shape(logits) and ours.dtype == np.float64


def test_float32_stays_float32(solutions):
    logits, targets = _Z[1].astype(np.float32), _T[1]
    assert solutions["torch_cross_entropy"](logits, targets, reduction="none").dtype == np.float32
    assert solutions["autograd_logit_gradient"](logits, targets).dtype == np.float32


def test_the_curriculum_figures_of_the_probabilities_as_logits_bug(solutions):
    ce, grad = solutions["torch_cross_entropy"], solutions["autograd_logit_gradient"]
    logits = np.array([[3.0, 1.0, 0.0]])  # refund, reship, escalate; target reship
    probs = np.exp(logits) / np.exp(logits).sum()
    assert round(ce(logits, [1]), 2) == 2.17 and round(ce(probs, [1]), 3) == 1.387
    assert round(grad(logits, [1])[0, 1], 3) == -0.886
    # the bug's gradient reaching the logits: back through the extra softmax (chain rule) ...
    p = probs[0]
    at_logits = (np.diag(p) - np.outer(p, p)).T @ grad(probs, [1])[0]
    assert round(at_logits[1], 3) == -0.127
    # ... which is what autograd gives when the softmax is part of the graph
    z = torch.tensor(logits, requires_grad=True)
    F.cross_entropy(torch.softmax(z, dim=-1), torch.tensor([1])).backward()
    np.testing.assert_allclose(at_logits, z.grad[0].numpy(), **TOL)


def test_every_target_ignored_gives_nan_like_pytorch_and_07(solutions):
    logits, targets, _ = SEQ_CASES["every target ignored"]
    assert math.isnan(solutions["torch_cross_entropy"](logits, targets))
    assert math.isnan(solutions["sequence_cross_entropy"](logits, targets))
