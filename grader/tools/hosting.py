"""Where the course runs without installing anything: Binder, Colab and the course website.

The repository's address is set here and nowhere else. The build puts, from this one
module, a line of "run it" badges at the top of every notebook and a few lines at the
top of every setup cell that install `logitlab` from the repository where it is missing
(Colab), and turn on Colab's widget manager; anywhere else those lines do nothing.
"""

from __future__ import annotations

REPOSITORY = "logits-to-loss/logits-to-loss"  # owner/name on GitHub
BRANCH = "main"
GIT_URL = f"git+https://github.com/{REPOSITORY}"
FIRST_NOTEBOOK = "00_welcome"
# Tests point the install at a local checkout with this variable.
SOURCE_VARIABLE = "LOGITLAB_SOURCE"

BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

# `find_spec` answers without importing anything, so where logitlab is installed (a local
# lab, Binder, a hub, grading without network) the cell costs nothing. Colab imports
# google.colab into every kernel it starts, so its presence there says "this is Colab".
SETUP_LINES = f"""\
# On Colab (or any Jupyter without the course package) this installs logitlab from the
# course repository and turns on Colab's widgets; anywhere else it does nothing.
import importlib.util, os, subprocess, sys

if importlib.util.find_spec("logitlab") is None:
    course = os.environ.get("{SOURCE_VARIABLE}", "{GIT_URL}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", course], check=True)
    importlib.invalidate_caches()
if "google.colab" in sys.modules:
    from google.colab import output as colab_output

    colab_output.enable_custom_widget_manager()
"""


def notebook_path(assignment: str) -> str:
    """The student notebook of `assignment`, relative to the repository root."""
    return f"notebooks/{assignment}/{assignment}.ipynb"


def binder_url(assignment: str = FIRST_NOTEBOOK) -> str:
    """A Binder link that builds the repository and opens `assignment` in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{notebook_path(assignment)}"


def colab_url(assignment: str = FIRST_NOTEBOOK) -> str:
    """A Colab link that opens the committed student notebook of `assignment`."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{notebook_path(assignment)}"


def badges(assignment: str = FIRST_NOTEBOOK) -> str:
    """One markdown line: "Open in Binder" and "Open in Colab" badges for `assignment`."""
    return (
        f"[![Open in Binder]({BINDER_BADGE})]({binder_url(assignment)}) "
        f"[![Open in Colab]({COLAB_BADGE})]({colab_url(assignment)})"
    )


def with_badges(markdown: str, assignment: str) -> str:
    """`markdown` (a notebook's first cell) with the badge line above it."""
    return f"{badges(assignment)}\n\n{markdown}"


def with_setup_lines(source: str) -> str:
    """A setup cell's source with the install lines above it."""
    return f"{SETUP_LINES}\n{source}"
