"""The 11_llm_scale checks: the solutions pass all of them (hidden tests too), every bug in
the zoo is caught by a graded cell with its misconception named first, the peak-memory
check catches a loss that builds every logit (in the process that runs it), and the
value checks still grade through a proxy that runs the function in another process, as
the judge does."""

from __future__ import annotations

import math
import tracemalloc
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from logitlab.checks import llm_scale as spec
from logitlab.checks import run
from logitlab.hints import tiers
from mistakes_08_11 import ZOO_WORDS

ASSIGNMENT = "11_llm_scale"
FUNCTIONS = ("online_logsumexp", "chunked_cross_entropy")
pytestmark = pytest.mark.usefixtures("private_progress", "grading")

# A loss that is right in value but builds all N x V logits: only memory tells it apart.
MATERIALISES = """
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    z = np.asarray(hidden, dtype=float) @ np.asarray(weight, dtype=float).T
    top = z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(z)), np.asarray(targets)]))
"""
# Blocks of the right size, but every one kept in a list until the end.
KEEPS_BLOCKS = """
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    hidden, weight = np.asarray(hidden, dtype=float), np.asarray(weight, dtype=float)
    blocks = [hidden @ weight[s:s + chunk_size].T for s in range(0, len(weight), chunk_size)]
    top = np.max([b.max(axis=1) for b in blocks], axis=0)
    total = sum(np.exp(b - top[:, None]).sum(axis=1) for b in blocks)
    picked = np.einsum("nd,nd->n", hidden, weight[np.asarray(targets)])
    return float(np.mean(top + np.log(total) - picked))
"""


@pytest.fixture
def grading(monkeypatch):
    """Graded cells fail (assert_check raises) only under grading."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


@pytest.fixture(scope="module")
def solutions(nb) -> dict:
    return {name: nb.solution(name) for name in FUNCTIONS}


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_solution_passes_every_check_and_hidden_test(nb, solutions, fn_name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a correct solution is warning-free (nbgrader counts stderr)
        # never inf - inf, 0 / 0, log(0) or an overflow (exps of far-below-max logits underflow to 0)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            report = run(fn_name, solutions[fn_name])
        assert report.passed, report.summary()
        assert nb.failing(fn_name, solutions[fn_name]) == []


def test_the_checks_and_hints_hold_no_reference_implementation(nb):
    text = open(spec.__file__).read()
    for fn_name in FUNCTIONS:
        assert f"def {fn_name}" not in text
    solution_lines = [
        line.strip()
        for fn_name in FUNCTIONS
        for line in nb.solutions[fn_name].splitlines()
        if len(line.strip()) > 12 and not line.strip().startswith(("#", "def ", "import"))
    ]
    for fn_name in FUNCTIONS:
        for hint in tiers(fn_name):
            assert not [line for line in solution_lines if line in hint], hint


def test_peak_bytes_measures_an_allocation_even_inside_another_trace():
    assert spec.peak_bytes(lambda: np.ones(1_000_000)) >= 8_000_000
    tracemalloc.start()
    try:
        keep = np.ones(2_000_000)  # 16 MB already held: not part of the next measurement
        peak = spec.peak_bytes(lambda: np.ones(500_000))
        assert 4_000_000 <= peak < 8_000_000 and tracemalloc.is_tracing()
        del keep
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "source, words", [(MATERIALISES, "build every logit at once"), (KEEPS_BLOCKS, "or to keep every block")]
)
def test_the_memory_check_alone_catches_a_loss_that_holds_every_logit(nb, source, words):
    fn = nb.define(source, "chunked_cross_entropy")
    misses = nb.quietly(run, "chunked_cross_entropy", fn).misses
    assert [m.title for m in misses] == ["never holds all N x V logits (peak memory, measured)"]
    assert words in misses[0].message
    assert nb.failing("chunked_cross_entropy", fn) == ["test_chunked_cross_entropy"]


def test_the_solution_stays_far_below_the_memory_limit(solutions):
    n, d, vocab, chunk = (spec.MEMORY_SIZE[k] for k in ("n", "d", "vocab", "chunk"))
    rng = np.random.default_rng(7)
    hidden, weight = rng.normal(size=(n, d)), rng.normal(size=(vocab, d))
    targets = rng.integers(0, vocab, size=n)
    peak = spec.peak_bytes(lambda: solutions["chunked_cross_entropy"](hidden, weight, targets, chunk))
    assert peak < n * vocab * 8 / 8  # a margin of 2 below the check's limit of 1/4


# ---- through a proxy, as the judge calls the learner's function -----------------------


def _call_in_worker(source: str, name: str, args: list, iterators: list[bool]):
    ns: dict = {}
    exec(source, ns)
    rebuilt = [iter(a) if was_iterator else a for a, was_iterator in zip(args, iterators)]
    return ns[name](*rebuilt)


@pytest.fixture(scope="module")
def worker():
    with ProcessPoolExecutor(max_workers=1) as pool:
        yield pool


def _proxy(pool, source: str, name: str):
    """The function defined by `source`, run in another process: iterators are materialised
    into lists and rebuilt there, results and exceptions come back by value."""

    def proxy(*args):
        iterators = [isinstance(a, Iterator) for a in args]
        args = [list(a) if it else a for a, it in zip(args, iterators)]
        return pool.submit(_call_in_worker, source, name, args, iterators).result()

    proxy.__name__ = name
    return proxy


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_the_solution_passes_through_a_proxy(nb, worker, fn_name):
    report = run(fn_name, _proxy(worker, nb.solutions[fn_name], fn_name))
    assert report.passed, report.summary()


def test_through_a_proxy_memory_is_invisible_but_values_still_grade(nb, worker):
    # the judge cannot see the learner's memory, so a loss that holds every logit passes...
    assert run("chunked_cross_entropy", _proxy(worker, MATERIALISES, "chunked_cross_entropy")).passed
    # ...while the value checks keep catching the bugs, iterator bugs included
    for key in ("online_logsumexp/two_passes", "chunked_cross_entropy/drops_last_block"):
        fn_name, bug = key.split("/")
        report = nb.quietly(run, fn_name, _proxy(worker, nb.bug(fn_name, bug).read_text(), fn_name))
        assert ZOO_WORDS[f"{ASSIGNMENT}/{key}"] in report.misses[0].message


# ---- the numbers the notebook teaches ------------------------------------------------


def test_the_worked_numbers_of_the_notebook(solutions):
    lse, ce = solutions["online_logsumexp"], solutions["chunked_cross_entropy"]
    assert round(float(lse([[1.0, 0.0], [3.0]])), 3) == 3.170
    assert math.isclose(lse([[1.0, 0.0], [3.0]]), math.log(math.exp(3) + math.exp(1) + 1), rel_tol=1e-15)
    hidden, weight = [[1.0, 0.0], [0.0, 1.0]], [[3.0, 0.5], [1.0, 0.0], [0.0, 2.0]]
    for chunk in (1, 2, 3, 100):
        assert round(ce(hidden, weight, [1, 2], chunk), 3) == 1.238
    assert round(8_192 * 128_000 * 4 / 1e9, 1) == 4.2


def test_messages_never_show_the_expected_values():
    def slightly_off(chunks):
        total = sum(float(np.exp(np.asarray(c, dtype=float)).sum()) for c in chunks)
        return np.float64(1.01 * np.log(total)) if total > 0 else np.float64(-np.inf)

    misses = run("online_logsumexp", slightly_off).misses
    assert misses and not any(x in m.message for m in misses for x in ("3.16", "3.17", "1000.31"))

    def loss_off(hidden, weight, targets, chunk_size):
        z = np.asarray(hidden, dtype=float) @ np.asarray(weight, dtype=float).T
        top = z.max(axis=1)
        lse = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
        return 1.01 * float(np.mean(lse - z[np.arange(len(z)), targets]))

    misses = run("chunked_cross_entropy", loss_off).misses
    assert misses and not any(x in m.message for m in misses for x in ("1.238", "1.23", "2.16", "3.36"))


def test_bad_arguments_to_the_checks_are_named():
    with pytest.raises(TypeError, match="fn must be a function"):
        run("chunked_cross_entropy", 3)
    with pytest.raises(ValueError, match="unknown part"):
        run("online_logsumexp", lambda chunks: 0.0, part="middle")
