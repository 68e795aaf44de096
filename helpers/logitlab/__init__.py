"""logitlab: the helper package of the Logits to Loss course.

It checks a learner's functions and names the misconception behind a failure
(`logitlab.checks`), draws live widgets and plots, and keeps a local record of
progress. It deliberately contains no answers to the graded exercises.
"""

from threadpoolctl import threadpool_limits

# The course's arrays are small: several BLAS threads only contend, and on a shared or
# one-core machine (Binder, a hub) a small matrix product then takes seconds. One thread,
# for the whole kernel, from the setup cell that imports logitlab on.
threadpool_limits(limits=1, user_api="blas")

from .checks import check  # noqa: E402
from .course import COURSE  # noqa: E402
from .progress import course_map  # noqa: E402

__all__ = ["check", "course_map", "COURSE"]
__version__ = "0.1.0"
