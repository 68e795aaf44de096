"""Checks of the learner's functions: `check("softmax", softmax)`.

Every spec module in this package registers the cases of its notebook's
exercises; messages name the misconception and never show the expected array.
"""
from ._core import Miss, Report, assert_check, case, cases, check, exercises, run

__all__ = ["Miss", "Report", "assert_check", "case", "cases", "check", "exercises", "run"]
