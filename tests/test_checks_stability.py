"""The 03_stability checks: the solutions pass them (hidden tests too), and every bug of
the zoo is caught, by the check that names its misconception."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from grader.build import source_notebook
from grader.course import BUGZOO
from logitlab.checks import run

ASSIGNMENT = "03_stability"
NB = source_notebook(ASSIGNMENT)

# bug -> the title of a check that must fail on it (its diagnosis).
DIAGNOSIS = {
    "logsumexp/naive": "is exact for logits of +-1000",
    "logsumexp/forgets_max": "matches the worked example [3.0, 1.0, 0.0]",
    "logsumexp/unguarded_neg_inf": "gives -inf for an all -inf slice",
    "logsumexp/global_max": "shifts every slice by its own max",
    "logsumexp/keepdims_broadcast": "matches the worked example [3.0, 1.0, 0.0]",
    "logsumexp/forces_float64": "keeps float32 input float32",
    "stable_softmax/no_shift": "gives [0.844, 0.114, 0.042] for [1000, 998, 997]",
    "stable_softmax/global_max": "shifts each row by its own max",
    "stable_softmax/shift_by_min": "handles logits of +-1000",
    "stable_softmax/clips_logits": "gives [0.844, 0.114, 0.042] for [1000, 998, 997]",
    "stable_softmax/max_without_keepdims": "normalises each row of a batch along axis=-1",
    "log_softmax/log_of_softmax": "stays finite far below the max (no log(0))",
    "log_softmax/naive_logsumexp": "handles logits of 1000",
    "log_softmax/unshifted_minus_shifted_lse": "matches the worked example [3.0, 1.0, 0.0]",
    "log_softmax/lse_without_keepdims": "handles each row of a batch along axis=-1",
    "log_softmax/global_max": "handles logits of 1000",
}
BUGS = sorted(p for p in (BUGZOO / ASSIGNMENT).glob("*/*.py"))


def _bug_id(path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _cell(grade_id: str) -> str:
    (source,) = [c.source for c in NB.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return source


def _define(source: str, name: str):
    namespace: dict = {}
    exec(source, namespace)
    return namespace[name]


def _graded_cells_fail(name: str, fn) -> list[str]:
    """Run the test_<name>* cells, hidden tests included, on `fn`: the ids of those that fail."""
    failed = []
    for cell in NB.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if not (meta.get("grade") and grade_id.startswith(f"test_{name}")):
            continue
        namespace = {name: fn}
        exec(_cell("setup"), namespace)
        code = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(code, namespace)
        except AssertionError:
            failed.append(grade_id)
    return failed


@pytest.mark.parametrize("name", ["logsumexp", "stable_softmax", "log_softmax"])
def test_solution_passes_every_check_and_every_graded_cell(name):
    solution = _define(_cell(name), name)
    report = run(name, solution)
    assert report.passed, report.summary()
    assert _graded_cells_fail(name, solution) == []


@pytest.mark.parametrize("name", ["logsumexp", "stable_softmax", "log_softmax"])
def test_checks_have_core_and_at_least_two_edge_cases(name):
    solution = _define(_cell(name), name)
    assert len(run(name, solution, part="core").results) >= 5
    assert len(run(name, solution, part="edge").results) >= 2


def test_stable_softmax_passes_the_softmax_checks_too():
    from logitlab.checks import cases
    titles = {c.title for c in cases("stable_softmax")}
    assert {c.title for c in cases("softmax")} <= titles


def test_every_bug_has_a_diagnosis():
    assert sorted(DIAGNOSIS) == [_bug_id(p) for p in BUGS]
    for name in ("logsumexp", "stable_softmax", "log_softmax"):
        assert sum(key.startswith(f"{name}/") for key in DIAGNOSIS) >= 3


@pytest.mark.parametrize("path", BUGS, ids=_bug_id)
def test_bug_is_diagnosed_and_loses_points(path):
    name = path.parent.name
    bug = _define(path.read_text(), name)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = run(name, bug)
    failing = {r.title: r.message for r in report.misses}
    assert DIAGNOSIS[_bug_id(path)] in failing, report.summary()
    assert _graded_cells_fail(name, bug), f"{_bug_id(path)} keeps full marks"


def test_messages_name_the_mistake_not_the_answer():
    bug = _define((BUGZOO / ASSIGNMENT / "logsumexp" / "forgets_max.py").read_text(), "logsumexp")
    with np.errstate(all="ignore"):
        misses = run("logsumexp", bug).misses
    message = dict((r.title, r.message) for r in misses)[
        "matches the worked example [3.0, 1.0, 0.0]"]
    assert "add it back" in message and "3.17" not in message


def test_returning_nothing_is_reported_not_raised():
    report = run("log_softmax", lambda z, axis=-1: None)
    assert not report.passed
    assert all("None" in r.message or "float32" in r.message for r in report.misses)


def test_all_neg_inf_check_accepts_only_minus_inf():
    # A function that returns 0 for an all -inf slice (a common "fix" for the nan) must fail.
    def zero_for_empty(z, axis=-1):
        z = np.asarray(z, dtype=np.float64)
        m = np.max(z, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        out = np.log(np.sum(np.exp(z - m), axis=axis) + 1e-300) + np.squeeze(m, axis=axis)
        return np.where(np.isfinite(np.max(z, axis=axis)), out, 0.0)

    failing = {r.title for r in run("logsumexp", zero_for_empty, part="edge").misses}
    assert "gives -inf for an all -inf slice" in failing
