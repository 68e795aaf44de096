"""04_temperature and 05_cross_entropy agree with PyTorch (float64, to 1e-6).

The functions are the notebooks' own solutions, executed from the built source
notebooks. Without torch the module is skipped, except under CI=true, where a missing
torch is a failure (`make torch` installs it).
"""

from __future__ import annotations

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

TOL = {"rtol": 1e-6, "atol": 1e-9}


@pytest.fixture(scope="module")
def sol(course):
    return solution_functions("04_temperature", "05_cross_entropy")


def t64(x) -> torch.Tensor:
    return torch.tensor(np.asarray(x, dtype=np.float64))


def random_logits(seed: int, shape, scale=3.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(scale=scale, size=shape)


EXTREME = np.array(
    [
        [1000.0, -1000.0, 999.0, 0.0],
        [-1000.0, -999.5, -1000.0, -1001.0],
        [0.0, -np.inf, 2.0, -np.inf],
        [-np.inf, 1000.0, -np.inf, -1000.0],
    ]
)


@pytest.mark.parametrize("temperature", [0.05, 0.5, 1.0, 2.0, 7.5])
@pytest.mark.parametrize("case", ["random", "3-D, axis=1", "extreme"])
def test_softmax_with_temperature_matches_torch(sol, temperature, case):
    z, axis = {
        "random": (random_logits(0, (5, 9)), -1),
        "3-D, axis=1": (random_logits(1, (2, 6, 3)), 1),
        "extreme": (EXTREME, -1),
    }[case]
    ours = sol["softmax_with_temperature"](z, temperature, axis=axis)
    theirs = torch.softmax(t64(z) / temperature, dim=axis).numpy()
    np.testing.assert_allclose(ours, theirs, **TOL)


def test_top_k_filter_matches_torch_topk(sol):
    z = np.round(random_logits(2, (6, 12)), 1)  # rounded: ties at the k-th value occur
    for k in (1, 3, 12):
        kth = torch.topk(t64(z), k, dim=-1).values[..., -1:]
        theirs = t64(z).masked_fill(t64(z) < kth, -torch.inf).numpy()
        np.testing.assert_array_equal(sol["top_k_filter"](z, k), theirs)


def test_top_p_filter_matches_the_ascending_cumsum_formulation(sol):
    """The torch recipe of common generation libraries: sort ascending, drop the tail whose
    cumulative probability is <= 1 - p. On tie-free logits it keeps the same nucleus."""
    z = random_logits(3, (8, 30))
    for p in (0.3, 0.75, 0.95):
        logits = t64(z)
        sorted_logits, order = torch.sort(logits, descending=False)
        cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        drop_sorted = cum <= 1 - p
        drop_sorted[..., -1] = False
        drop = drop_sorted.scatter(1, order, drop_sorted)
        theirs = logits.masked_fill(drop, -torch.inf).numpy()
        np.testing.assert_array_equal(sol["top_p_filter"](z, p), theirs)


@pytest.mark.parametrize("case", ["random", "3-D", "extreme", "-inf off target"])
def test_cross_entropy_from_logits_matches_f_cross_entropy(sol, case):
    rng = np.random.default_rng(4)
    if case == "random":
        z, t = random_logits(5, (16, 11)), rng.integers(0, 11, size=16)
    elif case == "3-D":
        z, t = random_logits(6, (3, 4, 50)), rng.integers(0, 50, size=(3, 4))
    elif case == "extreme":
        z, t = EXTREME[:2], np.array([2, 1])
    else:
        z, t = EXTREME[2:], np.array([2, 1])
    ours = sol["cross_entropy_from_logits"](z, t)
    theirs = F.cross_entropy(t64(z).reshape(-1, z.shape[-1]), torch.tensor(t).reshape(-1), reduction="mean")
    assert isinstance(ours, float)
    np.testing.assert_allclose(ours, theirs.item(), **TOL)


def test_cross_entropy_from_logits_inf_on_a_minus_inf_target_like_torch(sol):
    z, t = np.array([[0.0, -np.inf, 1.0]]), np.array([1])
    theirs = F.cross_entropy(t64(z), torch.tensor(t)).item()
    assert sol["cross_entropy_from_logits"](z, t) == theirs == np.inf


@pytest.mark.parametrize("case", ["random", "zeros off target", "one row"])
def test_cross_entropy_matches_nll_of_log_probs(sol, case):
    rng = np.random.default_rng(7)
    if case == "random":
        e = np.exp(random_logits(8, (12, 9)))
        probs, t = e / e.sum(axis=-1, keepdims=True), rng.integers(0, 9, size=12)
    elif case == "zeros off target":
        probs, t = np.array([[0.0, 1.0, 0.0], [0.25, 0.0, 0.75]]), np.array([1, 2])
    else:
        probs, t = np.array([[0.659, 0.242, 0.099]]), np.array([0])
    theirs = F.nll_loss(torch.log(t64(probs)), torch.tensor(t), reduction="mean").item()
    np.testing.assert_allclose(sol["cross_entropy"](probs, t), theirs, **TOL)


def test_perplexity_matches_torch_exp(sol):
    losses = np.array([0.0, 0.5, np.log(2), 3.0, 10.0])
    np.testing.assert_allclose(sol["perplexity"](losses), torch.exp(t64(losses)).numpy(), **TOL)
    loss = F.cross_entropy(t64([[3.0, 1.0, 0.0], [0.5, 0.0, 2.0]]), torch.tensor([1, 2])).item()
    assert sol["perplexity"](loss) == pytest.approx(
        float(torch.exp(torch.tensor(loss, dtype=torch.float64))), rel=1e-12
    )
