"""Every graded notebook asks for a short written answer, graded by hand with a rubric
that stays in the instructor's source (nbgrader replaces the whole answer cell)."""

from __future__ import annotations

import re

import pytest

from grader.core import cells
from grader.tools.course import assignments

GRADED = [a for a in assignments() if a != "00_welcome"]
RUBRIC = re.compile(r"^\*\*Rubric \((\d+(?:\.\d+)?) points?\):\*\*", flags=re.M)


def _written(nb) -> list:
    return [c for c in nb.cells if cells.kind(c) == cells.WRITTEN]


@pytest.mark.parametrize("name", GRADED)
def test_each_graded_notebook_asks_for_a_written_answer_with_a_rubric(course, name):
    source = course.source(name)
    written = _written(source)
    assert written, f"{name} has no written (manually graded) answer"
    for cell in written:
        meta = cells.meta(cell)
        assert cell.cell_type == "markdown" and meta["grade_id"].startswith("explain_")
        rubric = RUBRIC.search(cell.source)
        assert rubric, f"{meta['grade_id']}: no line starting **Rubric (N points):**"
        assert float(rubric.group(1)) == float(meta["points"]) > 0, "the rubric's points are the cell's"
        assert len(cell.source[: rubric.start()].split()) >= 25, "a model answer comes before the rubric"
        question = source.cells[source.cells.index(cell) - 1]
        assert question.cell_type == "markdown" and re.search(
            r"\bIn (two|three|two or three) sentences", question.source
        )


@pytest.mark.parametrize("name", GRADED)
def test_the_rubric_never_reaches_the_student(course, name):
    student = course.student(name)
    text = "\n".join(c.source for c in student.cells)
    assert "Rubric" not in text
    answers = _written(student)
    assert [cells.grade_id(c) for c in answers] == [cells.grade_id(c) for c in _written(course.source(name))]
    for cell in answers:
        assert cell.source == "YOUR ANSWER HERE", "the student sees only the answer stub"
        assert not cells.meta(cell)["locked"], "the student can write the answer"
