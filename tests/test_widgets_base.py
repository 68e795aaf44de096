"""The one way every widget calls a learner's function: answers, numbers, or a message."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets._base import call_learner, distribution_problem, finite_logits, logit_sliders, problem_html


def unfinished(*args, **kwargs):
    raise NotImplementedError()


def test_an_answer_comes_back_as_it_is_without_a_shape():
    label, problem = call_learner(lambda z, labels: labels[int(np.argmax(z))], [0.1, 2.0], ["a", "b"])
    assert (label, problem) == ("b", None)
    flag, problem = call_learner(lambda p, atol=0: atol, [1.0], atol=0.5)  # keywords are passed on
    assert (flag, problem) == (0.5, None)


def test_numbers_come_back_as_float64_of_the_asked_shape():
    arr, problem = call_learner(lambda z: [v * 2 for v in z], np.array([1, 2], dtype=np.int32), shape=(2,))
    assert problem is None and arr.dtype == np.float64 and arr.tolist() == [2.0, 4.0]
    loss, problem = call_learner(lambda z, t: np.float32(0.25), np.ones(2), 0, shape=())
    assert problem is None and type(loss) is float and loss == 0.25


@pytest.mark.parametrize(
    "fn, shape, message",
    [
        (unfinished, None, "unfinished is not implemented yet"),
        (lambda z: 1 / 0, None, "<lambda> raised ZeroDivisionError: division by zero"),
        (lambda z: z[:2], (3,), "<lambda> returned shape (2,), expected (3,)"),
        (lambda z: "0.3 0.7", (3,), "<lambda> returned str, not an array of numbers"),
        (lambda z: z, (), "<lambda> returned an array of shape (3,), not one number"),
        (lambda z: {}, (), "<lambda> returned dict, not a number"),
        (lambda z: None, (), "<lambda> returned None: is its return statement missing?"),
        (lambda z: None, (3,), "<lambda> returned None: is its return statement missing?"),
    ],
)
def test_whatever_goes_wrong_becomes_one_message(fn, shape, message):
    assert call_learner(fn, np.zeros(3), shape=shape) == (None, message)


def test_the_learners_function_gets_copies_and_no_warnings_escape():
    z, labels = np.array([1.0, 2.0]), ["a", "b"]

    def vandal(v, names):
        v[:] = np.log(-1.0)  # writes nan into its input (and would warn)
        names.append("c")
        return v

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, problem = call_learner(vandal, z, labels, shape=(2,))
    assert problem is None and np.isnan(out).all()
    assert z.tolist() == [1.0, 2.0] and labels == ["a", "b"]


def test_distribution_problems_name_the_mistake():
    assert distribution_problem("f", np.array([0.25, 0.75])) is None
    assert distribution_problem("f", np.array([np.nan, 1.0])) == "f returned nan or inf"
    assert distribution_problem("f", np.array([-0.5, 1.5])) == "f returned negative values"
    assert distribution_problem("f", np.array([0.5, 0.6])) == "the output of f sums to 1.1, not 1"


def test_a_problem_line_says_what_to_do():
    assert "implement it above, then run this cell again to see more." in problem_html(
        "f is not implemented yet", "see more"
    )
    line = problem_html("f raised ValueError: <bad>")
    assert 'class="ll-problem"' in line and "&lt;bad&gt;" in line and "fix it above" in line


def test_finite_logits_and_sliders():
    with pytest.raises(LogitlabInputError, match="logits must be finite"):
        finite_logits([1.0, np.inf])
    with pytest.raises(LogitlabInputError, match="at least 2"):
        finite_logits([1.0], min_len=2)
    seen = []
    sliders = logit_sliders(np.array([1.0, -2.0]), ["cat", "a long label"], -10, 10, seen.append)
    assert [s.description for s in sliders] == ["cat", "a long label"]
    assert sliders[0].style.description_width == sliders[1].style.description_width
    sliders[1].value = 3.0
    assert len(seen) == 1 and seen[0]["new"] == 3.0
