"""The 02_softmax checks: the solution passes them (hidden tests too), and every bug of
the zoo is caught, by the check that names its misconception."""

from __future__ import annotations

import numpy as np
import pytest
from logitlab.checks import run

ASSIGNMENT = "02_softmax"

# bug -> the title of a check that must fail on it (its diagnosis).
DIAGNOSIS = {
    "softmax/whole_array_sum": "normalises each row of a batch along axis=-1",
    "softmax/divides_logits": "turns the cat/dog/bird logits into probabilities",
    "softmax/sum_without_keepdims": "normalises each row of a batch along axis=-1",
    "softmax/forces_float64": "keeps float32 input float32",
    "softmax/last_axis_only": "respects the axis argument",
    "softmax/shift_in_place": "leaves its input unchanged",
    "softmax/neg_inf_to_zero": "gives -inf logits probability exactly 0",
}


def test_solution_passes_every_check_and_every_graded_cell(nb):
    solution = nb.solution("softmax")
    assert run("softmax", solution).passed
    assert len(run("softmax", solution, part="edge").results) >= 2
    assert nb.failing("softmax", solution) == []


def test_every_bug_has_a_diagnosis(nb):
    assert sorted(DIAGNOSIS) == [nb.bug_id(p) for p in nb.bugs]
    assert len(nb.bugs) >= 3


def test_bug_is_diagnosed_and_loses_points(nb, bug):
    fn = nb.define(bug, "softmax")
    with np.errstate(all="ignore"):
        report = run("softmax", fn)
    assert DIAGNOSIS[nb.bug_id(bug)] in {r.title for r in report.misses}, report.summary()
    assert nb.failing("softmax", fn), f"{nb.bug_id(bug)} keeps full marks"


@pytest.mark.parametrize(
    "transform, fragment",
    [
        (lambda z: np.abs(z) / np.abs(z).sum(), "normalise exp(z)"),  # positive, but not exp
        (lambda z: np.exp(z) / np.exp(z).sum() + 0.01, "sum to"),  # not normalised
    ],
)
def test_misses_name_the_misconception(transform, fragment):
    def wrong(logits, axis=-1):
        return transform(np.asarray(logits, dtype=np.float64))

    with np.errstate(all="ignore"):
        messages = " ".join(r.message for r in run("softmax", wrong).misses)
    assert fragment in messages


def test_textbook_softmax_is_not_required_to_survive_1000():
    # 02 asks for the textbook formula: an overflow at 1000 is 03's topic, not a miss here.
    def textbook(z, axis=-1):
        z = np.asarray(z)
        z = z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)
        return np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)

    assert run("softmax", textbook).passed
    with np.errstate(all="ignore"):
        assert not run("stable_softmax", textbook).passed
