"""nbgrader configuration for Logits to Loss.

Use it from the repository root with `--config grader/nbgrader_config.py`; `python -m
grader` passes it for you. Directories: the build writes the nbgrader "source"
notebooks to build/source, and the student versions are released into notebooks/.
"""
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

ROOT = Path(__file__).resolve().parent.parent

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "build/source"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "build/submitted"
c.CourseDirectory.autograded_directory = "build/autograded"
c.CourseDirectory.feedback_directory = "build/feedback"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'build' / 'gradebook.db'}"
# A submitted numpy.py (or compiled module, or .pth file) beside the notebook would be
# copied into the grading folder and shadow the real package: never copy them.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "*.py", "*.so", "*.pyd", "*.pth", "*.dylib",
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

# Rich output (HTML, images) is limited too: a course preprocessor after LimitOutput.
# The repository root goes on sys.path so plain `nbgrader autograde` finds it.
import sys  # noqa: E402

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "grader.preprocessors.LimitRichOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.LimitRichOutput.max_bytes = 100_000
