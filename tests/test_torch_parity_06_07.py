"""PyTorch parity of the 06_gradients and 07_sequence_loss solutions (float64, 1e-6).

The solutions are the solution cells of the built nbgrader source notebooks, executed
as they are. The references are autograd through F.cross_entropy, and F.cross_entropy
itself on the flattened (B * T, V) logits with ignore_index and each reduction.
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


@pytest.fixture(scope="module")
def solutions() -> dict:
    """Every function defined by a solution cell of the two source notebooks."""
    return solution_functions("06_gradients", "07_sequence_loss")


def _t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))


def _autograd_grad(logits, target) -> np.ndarray:
    z = _t(logits).requires_grad_(True)
    F.cross_entropy(z, torch.as_tensor(np.asarray(target), dtype=torch.long), reduction="mean").backward()
    return z.grad.numpy()


_rng = np.random.default_rng(607)
GRAD_CASES = {
    "one row (unbatched)": (np.array([3.0, 1.0, 0.0]), 1),
    "random (16, 10)": (3 * _rng.normal(size=(16, 10)), _rng.integers(0, 10, 16)),
    "random (1, 50)": (_rng.normal(size=(1, 50)), np.array([7])),
    "logits of +-1000": (
        np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]]),
        np.array([2, 0, 1]),
    ),
    "-inf off target": (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), np.array([2, 1])),
    "-inf on the target": (np.array([[0.0, -np.inf, 2.0], [1.0, 0.0, 0.0]]), np.array([1, 0])),
    "saturated [8, 0, 0], target reship": (np.array([8.0, 0.0, 0.0]), 1),
}


@pytest.mark.parametrize("label", GRAD_CASES)
def test_cross_entropy_grad_matches_autograd(solutions, label):
    logits, target = GRAD_CASES[label]
    ours = solutions["cross_entropy_grad"](logits, target)
    np.testing.assert_allclose(ours, _autograd_grad(logits, target), **TOL)


def test_numerical_gradient_of_the_mean_loss_matches_autograd(solutions):
    logits, targets = 2 * _rng.normal(size=(5, 4)), _rng.integers(0, 4, 5)

    def mean_loss(z):
        return F.cross_entropy(_t(z), torch.as_tensor(targets), reduction="mean").item()

    numeric = solutions["numerical_gradient"](mean_loss, logits)
    np.testing.assert_allclose(numeric, _autograd_grad(logits, targets), rtol=1e-6, atol=1e-8)


def _torch_sequence_ce(logits, targets, ignore_index, reduction) -> np.ndarray:
    z = _t(logits)
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    out = F.cross_entropy(z.reshape(-1, z.shape[-1]), t.reshape(-1), ignore_index=ignore_index, reduction=reduction)
    return out.reshape(t.shape).numpy() if reduction == "none" else out.numpy()


_Z = 2 * _rng.normal(size=(4, 6, 9))
_T = _rng.integers(0, 9, size=(4, 6))
_T[0, 2:] = -100
_T[3, :] = -100  # a fully padded sequence inside a batch
SEQ_CASES = {
    "two positions (T, V)": (np.array([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]]), np.array([1, 2]), -100),
    "padded batch (B, T, V)": (_Z, _T, -100),
    "ignore_index=0": (_Z, np.where(_T < 0, 0, _T), 0),
    "large vocabulary, padded": (
        _rng.normal(size=(2, 5, 300)),
        np.array([[5, 299, 0, -100, -100], [150, -100, 7, 8, -100]]),
        -100,
    ),
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
    "-inf on the target (loss inf)": (np.array([[0.0, -np.inf, 2.0], [1.0, 0.0, 0.0]]), np.array([1, 0]), -100),
    "every target ignored": (_Z, np.full((4, 6), -100), -100),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label", SEQ_CASES)
def test_sequence_cross_entropy_matches_f_cross_entropy(solutions, label, reduction):
    logits, targets, ignore = SEQ_CASES[label]
    ours = solutions["sequence_cross_entropy"](logits, targets, ignore_index=ignore, reduction=reduction)
    theirs = _torch_sequence_ce(logits, targets, ignore, reduction)
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), theirs, **TOL)


def test_every_target_ignored_gives_nan_in_both(solutions):
    logits, targets, ignore = SEQ_CASES["every target ignored"]
    assert math.isnan(solutions["sequence_cross_entropy"](logits, targets))
    assert math.isnan(float(_torch_sequence_ce(logits, targets, ignore, "mean")))


@pytest.mark.parametrize("label", SEQ_CASES)
def test_sequence_perplexity_is_exp_of_the_torch_mean_loss(solutions, label):
    logits, targets, ignore = SEQ_CASES[label]
    ours = solutions["sequence_perplexity"](logits, targets, ignore_index=ignore)
    theirs = math.exp(float(_torch_sequence_ce(logits, targets, ignore, "mean")))
    if math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert ours == theirs or math.isclose(ours, theirs, rel_tol=1e-6)  # inf == inf
