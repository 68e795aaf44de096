"""Hints in tiers: every graded exercise has two or three, no tier holds a line of the
solution, each notebook shows them right after the exercise text, and the widget reveals
one tier at a time (with a text fallback)."""

from __future__ import annotations

import ast
import re
import textwrap

import ipywidgets as w
import pytest
from logitlab import hints as hints_module
from logitlab.course import COURSE
from logitlab.errors import LogitlabInputError
from logitlab.hints import NAMES, hints, register, tiers

from grader.tools.course import NOTEBOOKS, assignments

WRITTEN = [a for a in assignments() if (NOTEBOOKS / a / f"{a}.ipynb").exists()]
EXERCISES = [(a.id, ex) for a in COURSE if a.id in WRITTEN for ex in a.exercises]


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("'", '"')


def _statements(source: str) -> list[str]:
    """Every statement of a solution's body (between the solution markers), and the right
    side of each assignment and return, as normalised text."""
    body = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
    found = []
    for node in ast.walk(ast.parse(textwrap.dedent(body))):
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.If, ast.For, ast.With, ast.Try)):
            found.append(ast.unparse(node))
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Return)) and not isinstance(
            node.value, (type(None), ast.Name, ast.Constant, ast.Attribute)
        ):
            found.append(ast.unparse(node.value))
    return [s for s in map(_normal, found) if len(s) >= 16]


@pytest.mark.parametrize("assignment, exercise", EXERCISES, ids=[e for _, e in EXERCISES])
def test_two_or_three_tiers_that_never_hold_a_line_of_the_solution(course, assignment, exercise):
    found = tiers(exercise)
    assert 2 <= len(found) <= 3
    source = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in course.source(assignment).cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }[exercise]
    text = _normal(" ".join(found))
    leaked = [s for s in _statements(source) if s in text]
    assert not leaked, f"a hint of {exercise} holds a line of its solution: {leaked}"


def test_the_statement_finder_sees_solution_lines():
    src = (
        "def f(z):\n    ### BEGIN SOLUTION\n    exps = np.exp(z - z.max())\n"
        "    return exps / exps.sum(axis=-1, keepdims=True)\n    ### END SOLUTION\n"
    )
    found = _statements(src)
    assert _normal("exps / exps.sum(axis=-1, keepdims=True)") in found
    assert _normal("np.exp(z - z.max())") in found


@pytest.mark.parametrize("assignment, exercise", EXERCISES, ids=[e for _, e in EXERCISES])
def test_the_notebook_shows_the_hints_right_after_the_exercise_text(course, assignment, exercise):
    cells = course.student(assignment).cells
    solution = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)
    assert cells[solution - 1].cell_type == "code" and cells[solution - 1].source == f'hints("{exercise}")'
    assert cells[solution - 2].cell_type == "markdown"
    assert "*Hint" not in cells[solution - 2].source  # the tiers replace the old hint paragraphs
    setup = next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert "from logitlab.hints import hints" in setup.source


def test_the_widget_reveals_one_tier_at_a_time():
    box = hints("softmax")
    n = len(tiers("softmax"))
    assert isinstance(box, w.VBox) and box.shown == 0 and box.panel.value == ""
    assert box.button.description == f"Show hint 1 of {n}: {NAMES[0]}"
    for shown in range(1, n + 1):
        box.button.click()
        assert box.shown == shown
        assert box.panel.value.count("<p>") == shown
        assert tiers("softmax")[shown - 1][:30] in box.panel.value.replace("&#x27;", "'")
    assert box.button.disabled and box.button.description == f"All {n} hints shown"
    box.button.click()
    assert box.shown == n


def test_text_fallback_shows_only_the_first_tier_and_how_to_get_the_next():
    text = hints("softmax")._repr_mimebundle_()["text/plain"]
    first, second = tiers("softmax")[:2]
    assert first in text and second not in text
    assert "hints('softmax', 2)" in text
    two = repr(hints("softmax", 2))
    assert first in two and second in two and "hints('softmax', 3)" in two
    assert "next hint" not in repr(hints("softmax", len(tiers("softmax"))))


def test_under_grading_no_widget_is_built(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert "skipped while grading" in hints("softmax").value


@pytest.mark.parametrize("bad", [0, 4, "2", True, 1.0])
def test_bad_tier_count_is_a_clear_error(bad):
    with pytest.raises(LogitlabInputError, match="upto must be an int from 1 to 3"):
        hints("softmax", bad)


def test_unknown_exercise_names_the_nearest():
    with pytest.raises(LogitlabInputError, match="Did you mean 'softmax'"):
        hints("sofmax")


def test_register_wants_two_or_three_non_empty_tiers(monkeypatch):
    monkeypatch.setattr(hints_module, "_TIERS", dict(hints_module._TIERS))
    with pytest.raises(ValueError, match="two or three"):
        register("x", "only one")
    with pytest.raises(ValueError, match="non-empty"):
        register("x", "a", " ")
    register("x", "idea", "tool")
    assert hints_module._TIERS["x"] == ("idea", "tool")
