"""Live widgets of the course, each driven by the learner's own functions.

Every widget function returns an ipywidgets object (usable without a display) whose
controls and outputs are attributes, and a light placeholder while nbgrader grades.
"""

from .playground import logit_playground
from .stability import stability_explorer

__all__ = ["logit_playground", "stability_explorer"]
