"""04_temperature: the checks pass the solution, catch every bug in the zoo with a message
naming its mistake, and grade sample_next_token on its own; the sampler is exact and
draws from the right distribution."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "04_temperature"
FUNCTIONS = ("softmax_with_temperature", "top_k_filter", "top_p_filter", "sample_next_token")

# The words each bug's report must contain: the check names the mistake, not just "wrong".
MESSAGES = {
    "softmax_with_temperature/divides_after_softmax": "divided after softmax, not before",
    "softmax_with_temperature/multiplies_by_temperature": "multiplied the logits by T",
    "softmax_with_temperature/no_max_shift": "overflows",
    "softmax_with_temperature/global_max": "not the max of the whole array",
    "softmax_with_temperature/accepts_nonpositive_temperature": "raise ValueError",
    "softmax_with_temperature/upcasts_float32": "came back as float64",
    "top_k_filter/keeps_exactly_k_on_ties": "top-k kept ties incorrectly",
    "top_k_filter/masks_with_zero": "0 is an ordinary logit",
    "top_k_filter/drops_kth_largest": "the k-th largest itself stays",
    "top_k_filter/global_threshold": "not of the whole array",
    "top_k_filter/modifies_input": "work on a copy",
    "top_k_filter/crashes_when_k_exceeds_vocab": "clip k to the vocabulary size",
    "top_p_filter/excludes_crossing_token": "top_p excluded the token that crosses p",
    "top_p_filter/unsorted_running_sum": "sort the probabilities in descending order",
    "top_p_filter/prefix_breaks_ties": "another token ties with it",
    "top_p_filter/naive_softmax_overflow": "exp(1000) overflowed",
    "sample_next_token/uses_global_numpy_random": "sample ignores rng",
    "sample_next_token/reseeds_every_call": "re-seeding",
    "sample_next_token/ignores_temperature": "divide the logits by the temperature",
    "sample_next_token/no_greedy_branch": "handle T == 0",
    "sample_next_token/returns_numpy_int": "wrap it with int(...)",
    "sample_next_token/top_p_before_temperature": "divide by the temperature first",
}


def test_the_notebook_defines_the_contract(nb):
    assert tuple(nb.solutions) == FUNCTIONS
    assert sorted(nb.tests) == sorted(f"test_{f}{s}" for f in FUNCTIONS for s in ("", "_edge"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_solution_passes_checks_and_hidden_tests(nb, function):
    ns = nb.namespace()
    report = run(function, ns[function])
    assert report.passed, report.summary()
    assert not nb.failing(function, ns)


def test_every_bug_has_an_expected_message(nb):
    assert sorted(MESSAGES) == sorted(nb.bug_id(p) for p in nb.bugs)
    for function in FUNCTIONS:
        assert len([p for p in nb.bugs if p.parent.name == function]) >= 3


def test_checks_catch_the_bug_and_name_it(nb, bug):
    function = bug.parent.name
    ns = nb.namespace(**{function: bug})
    report = run(function, ns[function])
    assert not report.passed, f"{nb.bug_id(bug)} passes every check"
    messages = " | ".join(r.message for r in report.misses)
    assert MESSAGES[nb.bug_id(bug)] in messages, messages
    for r in report.misses:  # never reveal an expected array
        assert "array([" not in r.message


def test_bug_fails_its_graded_cells_and_no_others(nb, bug):
    function = bug.parent.name
    ns = nb.namespace(**{function: bug})
    assert nb.failing(function, ns), f"{nb.bug_id(bug)} keeps full marks"
    for other in FUNCTIONS:
        if other != function:
            # sample_next_token too: its checks wait for the filters, its hidden tests swap them out
            assert not nb.failing(other, ns), f"{nb.bug_id(bug)} costs points on {other}"


def test_hidden_sampler_tests_put_the_learner_functions_back(nb):
    ns = nb.namespace()
    mine = {name: ns[name] for name in FUNCTIONS}
    exec(nb.tests["test_sample_next_token_edge"], ns)  # in place, as the kernel runs it
    assert all(ns[name] is fn for name, fn in mine.items())


def test_sampler_guard_skips_composition_only_while_a_filter_fails(nb):
    """With a broken top_k_filter the sampler's top-k case stands aside; with a broken sampler
    that ignores top_k and a working filter it does not."""
    broken_filter = nb.namespace(top_k_filter=nb.bug("top_k_filter", "drops_kth_largest"))
    assert run("sample_next_token", broken_filter["sample_next_token"]).passed
    ignores_top_k = nb.solutions["sample_next_token"].replace("z = top_k_filter(z, top_k)", "pass")
    ns = nb.namespace(sample_next_token=ignores_top_k)
    report = run("sample_next_token", ns["sample_next_token"])
    assert any("outside the top 2" in r.message for r in report.misses), report.summary()


# ---- the solution's sampler, beyond the checks -------------------------------


def test_sampler_is_exactly_the_documented_procedure(nb):
    ns = nb.namespace()
    sample, z = ns["sample_next_token"], np.random.default_rng(0).normal(size=20)
    for kw in ({}, {"temperature": 0.7, "top_k": 5}, {"temperature": 1.5, "top_p": 0.8}):
        a, b = np.random.default_rng(42), np.random.default_rng(42)
        draws = [sample(z, rng=a, **kw) for _ in range(200)]
        scaled = z / kw.get("temperature", 1.0)
        if "top_k" in kw:
            scaled = ns["top_k_filter"](scaled, kw["top_k"])
        if "top_p" in kw:
            scaled = ns["top_p_filter"](scaled, kw["top_p"])
        probs = ns["softmax_with_temperature"](scaled, 1.0)
        assert draws == [int(b.choice(z.size, p=probs)) for _ in range(200)]
        assert all(type(d) is int for d in draws)


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({"temperature": 1.0}, [0.8438, 0.1142, 0.0420]),
        ({"temperature": 2.0}, [0.6285, 0.2312, 0.1402]),
        ({"temperature": 0.5}, [0.9796, 0.0179, 0.0024]),
        ({"temperature": 2.0, "top_k": 2}, [0.6285 / 0.8597, 0.2312 / 0.8597, 0.0]),
        ({"top_p": 0.9}, [0.8438 / 0.9580, 0.1142 / 0.9580, 0.0]),
    ],
)
def test_sampler_frequencies_match_the_distribution(nb, kw, expected):
    sample = nb.namespace()["sample_next_token"]
    rng = np.random.default_rng(123)
    n = 20_000
    freq = np.bincount([sample([3.0, 1.0, 0.0], rng=rng, **kw) for _ in range(n)], minlength=3) / n
    sd = np.sqrt(np.asarray(expected) * (1 - np.asarray(expected)) / n)
    assert (np.abs(freq - expected) <= 4 * sd + 1e-4).all(), (freq, expected)


def test_greedy_ignores_the_rng_and_filters(nb):
    sample = nb.namespace()["sample_next_token"]
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert sample([0.1, 2.0, 2.0, -1.0], temperature=0, top_k=1, top_p=0.1, rng=rng) == 1
    assert rng.bit_generator.state == state  # no random number consumed
