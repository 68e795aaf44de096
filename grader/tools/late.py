"""The course's late policy: a share of the score per day late, as an nbgrader plugin.

nbgrader_config.py selects it (`AssignLatePenalties.plugin_class`), so plain
`nbgrader autograde`, `python -m grader publish` and `python -m grader scores` apply the
same rule against the due date set in formgrader, plus the student's extension
(`python -m grader extend`). Every started day after it costs `per_day` of the
submission's score, never more than the score itself.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 24 * 3600


class PenaltyPerDay(LateSubmissionPlugin):
    """`per_day` of the score for each started day late (0.1: a day late keeps 90%)."""

    per_day = Float(0.1, min=0.0, max=1.0, help="share of the score lost per started day late").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / DAY)
        return min(score, round(score * self.per_day * days, 6))
