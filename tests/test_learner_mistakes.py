"""Every realistic mistake of 08-11 (tests/mistakes_08_11.py) gets its root cause as the
FIRST message of its report, the first line after the headline, and every other failure
is folded under it.
Each mistake is bound in its notebook's namespace with every other exercise solved, as a
learner's notebook is when they reach it."""

from __future__ import annotations

import pytest
from logitlab.checks import run
from logitlab.course import EXERCISE_ASSIGNMENT
from mistakes_08_11 import TABLES
from support import skip_unless_ci

ROWS = [(exercise, m) for exercise, table in TABLES.items() for m in table]
pytestmark = pytest.mark.usefixtures("private_progress")


def _namespace(course, exercise: str, source: str) -> dict:
    assignment = EXERCISE_ASSIGNMENT[exercise]
    ns = course.exercises(assignment).namespace()
    if assignment == "10_pytorch":
        try:
            import torch
            import torch.nn.functional as F
        except ImportError:
            skip_unless_ci("PyTorch is not installed: `make torch`")
        ns.update(torch=torch, F=F)
    exec(compile(source, f"<{exercise}>", "exec"), ns)
    return ns


@pytest.mark.parametrize(("exercise", "mistake"), ROWS, ids=[f"{e}-{m.label.replace(' ', '_')}" for e, m in ROWS])
def test_the_first_message_names_the_root_cause(course, exercise, mistake):
    report = run(exercise, _namespace(course, exercise, mistake.source)[exercise])
    assert not report.passed, f"{mistake.label}: passes every check"
    first = report.summary().splitlines()[1]
    assert mistake.words in first, report.summary()
    assert len(report.groups()) == 1, f"failures not folded under the first:\n{report.summary()}"


def test_every_exercise_of_08_11_has_five_mistakes_or_more():
    late = {e for e, a in EXERCISE_ASSIGNMENT.items() if a[:2] in {"08", "09", "10", "11"}}
    assert set(TABLES) == late
    assert all(len(TABLES[e]) >= 5 for e in late)
    assert len({m.label for _, m in ROWS}) == len(ROWS)
