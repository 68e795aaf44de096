"""logitlab: the helper package of the Logits to Loss course.

It checks a learner's functions and names the misconception behind a failure
(`logitlab.checks`), draws live widgets and plots, and keeps a local record of
progress. It deliberately contains no answers to the graded exercises.
"""

from .checks import check
from .course import COURSE
from .progress import course_map

__all__ = ["check", "course_map", "COURSE"]
__version__ = "0.1.0"
