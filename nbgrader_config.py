"""nbgrader configuration of Logits to Loss, where nbgrader looks for it: the course root.

The course is set in one place, the two names below: COURSE_ID and the exchange.

- One machine: run `nbgrader ...` (or `make release`, `make grade`) from this folder.
  The exchange is /srv/nbgrader/exchange if that folder exists, else
  classroom/exchange here (created by `make release`).
- A JupyterHub (README, "Run it on a JupyterHub"): copy this file to
  /etc/jupyter/nbgrader_config.py. Away from the repository it sets only the course id
  and the exchange (/srv/nbgrader/exchange), for students and instructors alike; the
  instructor's ~/.jupyter/nbgrader_config.py then loads the copy in the course
  repository, which adds everything below for grading.
- LOGITLAB_EXCHANGE, if set, names the exchange folder instead (`make hub` sets it).

The grading settings below are the hardened ones `python -m grader` uses too; plain
`nbgrader autograde` with this file grades the same way.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

COURSE_ID = "logits-to-loss"
HUB_EXCHANGE = "/srv/nbgrader/exchange"

HERE = Path(__file__).resolve().parent
IN_REPOSITORY = (HERE / "grader" / "tools" / "preprocessors.py").is_file()


def _exchange() -> str:
    if os.environ.get("LOGITLAB_EXCHANGE"):
        return os.environ["LOGITLAB_EXCHANGE"]
    if not IN_REPOSITORY or os.path.isdir(HUB_EXCHANGE):
        return HUB_EXCHANGE
    return str(HERE / "classroom" / "exchange")


c.CourseDirectory.course_id = COURSE_ID
c.Exchange.root = _exchange()

if IN_REPOSITORY:
    # Course folders: `make release` writes the nbgrader "source" notebooks to
    # build/source and the student versions to notebooks/. Everything about students
    # lives in classroom/ (never committed, never removed by `make clean`): the
    # gradebook, `nbgrader collect`'s submissions (where `make grade` reads them), and
    # `make grade`'s results in classroom/graded, where nbgrader finds autograded/ and
    # feedback/.
    c.CourseDirectory.root = str(HERE)
    c.CourseDirectory.source_directory = "build/source"
    c.CourseDirectory.release_directory = "notebooks"
    c.CourseDirectory.submitted_directory = "classroom/submitted"
    c.CourseDirectory.autograded_directory = "classroom/graded/autograded"
    c.CourseDirectory.feedback_directory = "classroom/graded/feedback"
    c.CourseDirectory.db_url = f"sqlite:///{HERE / 'classroom' / 'gradebook.db'}"
    # A submitted numpy.py (or compiled module, or .pth file) beside the notebook would be
    # copied into the grading folder and shadow the real package: never copy them.
    c.CourseDirectory.ignore = [
        ".ipynb_checkpoints",
        "*.pyc",
        "__pycache__",
        "feedback",
        "*.py",
        "*.so",
        "*.pyd",
        "*.pth",
        "*.dylib",
    ]
    c.CourseDirectory.max_file_size = 2000  # kB per copied file

    # Execution limits for a learner's notebook.
    c.Execute.timeout = 60
    c.Execute.iopub_timeout = 15
    c.Execute.interrupt_on_timeout = True

    # A deleted test cell is put back from the gradebook instead of needing manual grading.
    c.OverwriteCells.add_missing_cells = True

    # Keep runaway output out of the graded notebook.
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 30

    # A harmless warning printed by correct code must not zero a test cell.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r".*(Warning|warn)\b.*"

    # Feedback never shows the hidden tests.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    c.ClearHiddenTests.enforce_metadata = True

    # Late submissions, against the due date set in formgrader (Manage Assignments) plus
    # the student's extension (`python -m grader extend`), by the timestamp of each
    # collected submission: every started day late costs PenaltyPerDay.per_day of the
    # score (grader/tools/late.py). nbgrader's own LateSubmissionPlugin instead offers
    # penalty_method "none" (only report lateness) or "zero" (no points).
    c.AssignLatePenalties.plugin_class = "grader.tools.late.PenaltyPerDay"
    c.PenaltyPerDay.per_day = 0.1

    # Rich output (HTML, images) is limited too: a course preprocessor after LimitOutput.
    # The repository root goes on sys.path so plain `nbgrader autograde` finds it.
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    c.Autograde.autograde_preprocessors = [
        "nbgrader.preprocessors.Execute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "grader.tools.preprocessors.LimitRichOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.LimitRichOutput.max_bytes = 100_000
