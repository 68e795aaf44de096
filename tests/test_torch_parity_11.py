"""PyTorch parity of the 11_llm_scale solutions (float64, 1e-6).

The solutions are the solution cells of the built nbgrader source notebook, executed as
they are. The references: torch.logsumexp of the concatenated chunks, and
F.cross_entropy of the full logits hidden @ weight.T (what the chunked loss never builds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import skip_unless_ci

from grader.core import cells
from grader.tools.build import source_notebook

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
    namespace: dict = {}
    for cell in cells.of_kind(source_notebook("11_llm_scale"), cells.SOLUTION):
        exec(compile(cell.source, f"11_llm_scale:{cell.id}", "exec"), namespace)
    return namespace


def _torch_lse(chunks) -> float:
    parts = [torch.as_tensor(np.asarray(c, dtype=np.float64)).reshape(-1) for c in chunks]
    return torch.logsumexp(torch.cat(parts), dim=0).item()


_rng = np.random.default_rng(1100)
_data = 6 * _rng.normal(size=500)
NINF = -math.inf
LSE_CASES = {
    "[3, 1, 0] as [1, 0] and [3]": [[1.0, 0.0], [3.0]],
    "500 values in uneven chunks": np.split(_data, [1, 17, 250, 251, 499]),
    "chunks of one value": [[x] for x in _data[:40]],
    "maxima rising": [[0.0], [10.0, 9.0], [100.0], [1000.0, 3.0]],
    "logits of +-1000": [[-1000.0, 1000.0], [999.0], [-1000.0]],
    "all near -1000": [[-1000.0], [-1001.0, -1002.0]],
    "-inf entries and a leading all -inf chunk": [[NINF, NINF], [NINF, 2.0], [1.0, NINF]],
    "every entry -inf": [[NINF], [NINF, NINF]],
    "empty chunks": [[], [3.0], [], [1.0, 0.0], []],
}


@pytest.mark.parametrize("label", LSE_CASES)
def test_online_logsumexp_matches_torch_logsumexp(solutions, label):
    chunks = LSE_CASES[label]
    theirs = _torch_lse(chunks)
    for given in (chunks, iter(chunks), (c for c in chunks)):
        ours = float(solutions["online_logsumexp"](given))
        if math.isinf(theirs):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, **TOL)


def _torch_ce(hidden, weight, targets) -> float:
    logits = (
        torch.as_tensor(np.asarray(hidden, dtype=np.float64)) @ torch.as_tensor(np.asarray(weight, dtype=np.float64)).T
    )
    return F.cross_entropy(logits, torch.as_tensor(np.asarray(targets), dtype=torch.long)).item()


_H, _W = _rng.normal(size=(24, 8)), _rng.normal(size=(101, 8))
_T = _rng.integers(0, 101, size=24)
CE_CASES = {
    "07's two rows": ([[1.0, 0.0], [0.0, 1.0]], [[3.0, 0.5], [1.0, 0.0], [0.0, 2.0]], [1, 2]),
    "random, V = 101": (_H, _W, _T),
    "large logits (hidden x 500)": (500 * _H, _W, _T),
    "rows at very different scales": (_H[:3] * np.array([[400.0], [1.0], [-400.0]]), _W, _T[:3]),
    "targets at both ends of the vocabulary": (_H[:4], _W, np.array([0, 100, 100, 0])),
    "one row": (_H[:1], _W, _T[:1]),
    "V = 2,000": (_rng.normal(size=(16, 32)), _rng.normal(size=(2000, 32)) / 4, _rng.integers(0, 2000, 16)),
}


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 100, 101, 5000])
@pytest.mark.parametrize("label", CE_CASES)
def test_chunked_cross_entropy_matches_f_cross_entropy(solutions, label, chunk_size):
    hidden, weight, targets = CE_CASES[label]
    ours = solutions["chunked_cross_entropy"](hidden, weight, targets, chunk_size)
    assert isinstance(ours, float)
    np.testing.assert_allclose(ours, _torch_ce(hidden, weight, targets), **TOL)
