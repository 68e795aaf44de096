"""Correct answers to the exercises of 01-06 in styles the course does not use itself:
each must keep full marks. Same shape as corpus_honest.HONEST:
{(student, assignment): {"cells": {grade_id: source}, "added": {before_grade_id: source}}}.
"""

from __future__ import annotations

STYLES: dict[tuple[str, str], dict] = {}
