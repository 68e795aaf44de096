"""Checks of the learner's functions: `check("softmax", softmax)`.

Every spec module in this package registers the cases of its notebook's
exercises; messages name the misconception and never show the expected array.
"""

from ._core import (
    CheckFailed,
    Miss,
    Report,
    assert_check,
    case,
    cases,
    check,
    exercises,
    learner_scope,
    run,
    siblings_pass,
    under_grading,
    uses_your,
)
from ._limits import TIME_LIMIT, TimeLimit, time_limit

__all__ = [
    "CheckFailed",
    "Miss",
    "Report",
    "TIME_LIMIT",
    "TimeLimit",
    "assert_check",
    "case",
    "cases",
    "check",
    "exercises",
    "learner_scope",
    "run",
    "siblings_pass",
    "time_limit",
    "under_grading",
    "uses_your",
]
