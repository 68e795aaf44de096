"""PyTorch parity of the 08_attention solutions (float64, 1e-6).

The solutions are the solution cells of the built nbgrader source notebook, executed as
they are. The references: torch.tril for the causal mask; torch.softmax of the scores
with masked entries filled with -inf; F.scaled_dot_product_attention with and without
is_causal, and with a boolean attn_mask (True = may attend, as in this course).
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
    """Every function defined by a solution cell of the source notebook, in one namespace
    (attention calls the mask and the masked softmax)."""
    return solution_functions("08_attention")


def _t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))


def _torch_masked_softmax(scores, mask) -> np.ndarray:
    """torch.softmax with masked scores at -inf (nan for a row with no kept entry)."""
    keep = torch.as_tensor(np.broadcast_to(mask, np.shape(scores)).copy())
    return torch.softmax(_t(scores).masked_fill(~keep, -math.inf), dim=-1).numpy()


def _weights_by_sdpa(scores, mask) -> np.ndarray:
    """The weights F.scaled_dot_product_attention uses for `scores` under a boolean `mask`:
    with q = scores, k = v = the identity and scale 1, its output IS its weights."""
    s = _t(scores)
    eye = torch.eye(s.shape[-1], dtype=torch.float64).expand(*s.shape[:-2], -1, -1)
    keep = torch.as_tensor(np.broadcast_to(mask, np.shape(scores)).copy())
    return F.scaled_dot_product_attention(s, eye, eye, attn_mask=keep, scale=1.0).numpy()


@pytest.mark.parametrize("T", [1, 2, 5, 64])
def test_causal_mask_is_torch_tril(solutions, T):
    ours = solutions["causal_mask"](T)
    theirs = torch.ones(T, T, dtype=torch.bool).tril().numpy()
    assert ours.dtype == np.bool_ and np.array_equal(ours, theirs)


_rng = np.random.default_rng(808)
_S = 3 * _rng.normal(size=(2, 3, 6, 6))
_causal = np.tril(np.ones((6, 6), dtype=bool))
_padding = np.array([[True] * 6, [False, False, True, True, True, True]])[:, None, None, :]
MASK_CASES = {
    "causal (T, T) over (B, H)": (_S, _causal),
    "a random mask, every row keeps something": (
        _rng.normal(size=(5, 9)),
        np.eye(5, 9, dtype=bool) | (_rng.random((5, 9)) < 0.4),
    ),
    "padding (B, 1, 1, T) and causal": (_S, _causal & np.array([[True] * 6, [True] * 6])[:, None, None, :]),
    "scores of +-1000": (
        np.array([[1000.0, -1000.0, 999.0, 5000.0], [-1000.0, -1001.0, -999.0, 0.0]]),
        np.array([True, True, True, False]),
    ),
    "-inf among the kept scores": (np.array([[0.0, -np.inf, 2.0], [-np.inf, 1.0, 1.0]]), np.ones((2, 3), dtype=bool)),
}


@pytest.mark.parametrize("label", MASK_CASES)
def test_masked_softmax_matches_torch_softmax_and_sdpa(solutions, label):
    scores, mask = MASK_CASES[label]
    ours = solutions["masked_softmax"](scores, mask)
    np.testing.assert_allclose(ours, _torch_masked_softmax(scores, mask), **TOL)
    if np.isfinite(scores).all():  # q = scores goes through a matmul, where -inf * 0 is nan
        np.testing.assert_allclose(ours, _weights_by_sdpa(scores, mask), **TOL)


def test_a_fully_masked_row_is_zeros_like_sdpa_and_unlike_softmax(solutions):
    mask = _causal & _padding  # left padding: the padded sequence's first two queries see nothing
    ours = solutions["masked_softmax"](_S, mask)
    np.testing.assert_allclose(ours, _weights_by_sdpa(_S, mask), **TOL)
    assert (ours[1, :, :2] == 0).all()
    assert np.isnan(_torch_masked_softmax(_S, mask)[1, :, :2]).all()  # plain softmax: nan


def _torch_sdpa(q, k, v, causal: bool) -> np.ndarray:
    return F.scaled_dot_product_attention(_t(q), _t(k), _t(v), is_causal=causal).numpy()


def _torch_weights(q, k, causal: bool) -> np.ndarray:
    scores = _t(q) @ _t(k).transpose(-1, -2) / math.sqrt(np.shape(q)[-1])
    if causal:
        scores = scores.masked_fill(~torch.ones(scores.shape[-2:], dtype=torch.bool).tril(), -math.inf)
    return torch.softmax(scores, dim=-1).numpy()


SDPA_CASES = {
    "(T, d)": tuple(_rng.normal(size=(3, 7, 16))),
    "(B, H, T, d)": tuple(_rng.normal(size=(3, 2, 4, 10, 8))),
    "d_v != d_k": (_rng.normal(size=(2, 5, 8)), _rng.normal(size=(2, 5, 8)), _rng.normal(size=(2, 5, 3))),
    "d_k = 64, large scores": tuple(4 * _rng.normal(size=(3, 1, 12, 64))),
    "T = 1": tuple(_rng.normal(size=(3, 1, 4))),
}


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("label", SDPA_CASES)
def test_attention_matches_f_scaled_dot_product_attention(solutions, label, causal):
    q, k, v = SDPA_CASES[label]
    output, weights = solutions["scaled_dot_product_attention"](q, k, v, causal=causal)
    np.testing.assert_allclose(output, _torch_sdpa(q, k, v, causal), **TOL)
    np.testing.assert_allclose(weights, _torch_weights(q, k, causal), **TOL)


def test_more_keys_than_queries_without_a_mask(solutions):
    q, k, v = _rng.normal(size=(2, 3, 8)), _rng.normal(size=(2, 11, 8)), _rng.normal(size=(2, 11, 5))
    output, weights = solutions["scaled_dot_product_attention"](q, k, v)
    np.testing.assert_allclose(output, _torch_sdpa(q, k, v, False), **TOL)
    np.testing.assert_allclose(weights, _torch_weights(q, k, False), **TOL)


def test_is_causal_equals_the_learners_causal_mask_as_attn_mask(solutions):
    q, k, v = SDPA_CASES["(B, H, T, d)"]
    mask = torch.as_tensor(solutions["causal_mask"](q.shape[-2]))
    with_mask = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=mask).numpy()
    np.testing.assert_allclose(with_mask, _torch_sdpa(q, k, v, True), **TOL)
