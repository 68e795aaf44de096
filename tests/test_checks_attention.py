"""The 08_attention checks: the solutions pass all of them (hidden tests too), every bug in
the zoo is caught by a graded cell, and the checks name its misconception.

scaled_dot_product_attention builds on causal_mask and masked_softmax, so functions run
beside the rest of the solved notebook (a bug replaces one solution cell), never alone."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from logitlab.checks import run
from logitlab.hints import tiers

ASSIGNMENT = "08_attention"
FUNCTIONS = ("causal_mask", "masked_softmax", "scaled_dot_product_attention")
pytestmark = pytest.mark.usefixtures("private_progress", "grading")


@pytest.fixture
def grading(monkeypatch):
    """Graded cells fail (assert_check raises) only under grading."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


@pytest.fixture(scope="module")
def solved(nb) -> dict:
    """The setup cell and every solution cell, as the learner's notebook holds them."""
    return nb.namespace()


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_solution_passes_every_check_and_hidden_test(nb, solved, fn_name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a correct solution is warning-free (nbgrader counts stderr)
        with np.errstate(all="raise"):  # and never computes inf - inf, 0 / 0 or an overflow
            report = run(fn_name, solved[fn_name])
        assert report.passed, report.summary()
        assert nb.failing(fn_name, solved) == []


def test_the_mask_and_the_softmax_are_graded_alone(nb):
    for fn_name in ("causal_mask", "masked_softmax"):
        assert nb.failing(fn_name, nb.solution(fn_name)) == []


def test_attention_hidden_tests_wait_for_broken_siblings_but_still_catch_its_own_bugs(nb):
    source = nb.tests["test_scaled_dot_product_attention_edge"]
    hidden = source[source.index("### BEGIN HIDDEN TESTS") :]
    for sibling, bug in [
        ("masked_softmax", "masks_with_zero"),
        ("masked_softmax", "float64_fill"),
        ("causal_mask", "upper_triangle"),
    ]:
        nb.quietly(exec, hidden, nb.namespace(**{sibling: nb.bug(sibling, bug)}))  # passes
        with pytest.raises(AssertionError, match="hidden case"):
            nb.quietly(
                exec,
                hidden,
                nb.namespace(
                    **{sibling: nb.bug(sibling, bug)},
                    scaled_dot_product_attention=nb.bug("scaled_dot_product_attention", "no_scale"),
                ),
            )
    with pytest.raises(AssertionError, match="float32, causal"):  # with good siblings, every case runs
        nb.quietly(
            exec,
            hidden,
            nb.namespace(scaled_dot_product_attention=nb.bug("scaled_dot_product_attention", "np_sqrt_upcasts")),
        )


def test_attention_checks_wait_for_a_broken_sibling(nb):
    # a broken masked_softmax does not cost attention points in the graded checks
    ns = nb.namespace(masked_softmax=nb.bug("masked_softmax", "masks_with_zero"))
    report = nb.quietly(run, "scaled_dot_product_attention", ns["scaled_dot_product_attention"])
    assert report.passed, report.summary()
    assert nb.failing("scaled_dot_product_attention", ns) == []


def test_attention_built_on_an_unfinished_sibling_says_which(nb):
    def todo(*args, **kwargs):
        raise NotImplementedError()

    ns = nb.namespace(masked_softmax=todo)
    report = run("scaled_dot_product_attention", ns["scaled_dot_product_attention"])
    assert not report.passed and len(report.results) == 1
    assert report.results[0].message.startswith(
        "masked_softmax is not implemented yet, and scaled_dot_product_attention calls it"
    )
    # an unfinished causal_mask is needed only with causal=True: those checks wait for it
    ns = nb.namespace(causal_mask=todo)
    assert run("scaled_dot_product_attention", ns["scaled_dot_product_attention"]).passed


def test_an_unfinished_attention_is_not_said_to_call_an_unfinished_causal_mask(nb):
    stubs = (
        "def causal_mask(T):\n    raise NotImplementedError()\n",
        "def scaled_dot_product_attention(q, k, v, causal=False):\n    raise NotImplementedError()\n",
    )
    ns = nb.namespace(causal_mask=stubs[0], scaled_dot_product_attention=stubs[1])
    report = run("scaled_dot_product_attention", ns["scaled_dot_product_attention"])
    assert report.results[0].message.startswith("scaled_dot_product_attention is not implemented yet: replace")


def test_the_checks_and_hints_hold_no_reference_implementation(nb):
    from logitlab.checks import attention

    text = open(attention.__file__).read()
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


def test_the_worked_numbers_of_the_notebook(solved):
    sdpa = solved["scaled_dot_product_attention"]
    # section 2: the query of "ships" against three keys, d_k = 4
    q = [[1.0, 1.0, 0.0, 0.0]]
    k = [[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 0.0, 0.0], [1.0, 1.0, 1.0, -1.0]]
    v = [[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]]
    output, weights = sdpa(q, k, v)
    assert np.round(weights, 3).tolist() == [[0.090, 0.665, 0.245]]
    assert np.round(output, 3).tolist() == [[0.824, 1.575]]
    # section 4: the 0-filled mask leaks 52.5%, 24.6%, 19.7%; -inf leaks nothing
    scores = np.array([[1.0, 2.0, 0.5, 3.0], [0.5, 1.5, -1.0, 2.0], [-1.0, 0.0, 1.0, 0.5], [0.0, 1.0, 2.0, 1.5]])
    causal = solved["causal_mask"](4)
    zero_filled = solved["masked_softmax"](np.where(causal, scores, 0.0), np.ones((4, 4), dtype=bool))
    assert np.round(np.where(causal, 0, zero_filled).sum(axis=-1), 3).tolist() == [0.525, 0.246, 0.197, 0.0]
    assert (solved["masked_softmax"](scores, causal)[~causal] == 0).all()


def test_a_fully_masked_row_is_zeros_and_the_others_are_untouched(solved):
    masked_softmax = solved["masked_softmax"]
    scores = np.random.default_rng(0).normal(size=(2, 4, 4))
    mask = solved["causal_mask"](4) & np.array([[True] * 4, [False, False, True, True]])[:, None, :]
    with np.errstate(all="raise"):
        w = masked_softmax(scores, mask)
    assert (w[1, :2] == 0).all() and np.allclose(w[1, 2:].sum(-1), 1) and np.allclose(w[0].sum(-1), 1)


def test_messages_never_show_the_expected_weights(solved):
    def slightly_off(q, k, v, causal=False):
        out, weights = solved["scaled_dot_product_attention"](q, k, v, causal)
        return 1.01 * out, weights * 1.01

    misses = run("scaled_dot_product_attention", slightly_off).misses
    shown = [m.title + m.message for m in misses]
    assert misses and not any("0.6" in t or "0.25" in t or "0.1]" in t for t in shown)
