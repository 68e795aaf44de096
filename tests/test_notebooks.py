"""Every solution notebook executes headless, and nbgrader agrees with its tests.

- the nbgrader source (answers in) passes `nbgrader validate`;
- the untouched student notebook fails every test (`nbgrader validate --invert`).
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from grader.tools import build
from grader.tools.course import CONFIG, NOTEBOOKS, assignments, tool_env

ASSIGNMENTS = assignments()


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("source")
    build.build_sources(ASSIGNMENTS, root)
    return root


@pytest.fixture(scope="module")
def executed(sources, tmp_path_factory):
    """Each solution notebook executed once, in an empty folder with its own progress store."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGITLAB_HOME", str(tmp_path_factory.mktemp("home")))
        for name in ASSIGNMENTS:
            nb = nbformat.read(sources / name / f"{name}.ipynb", as_version=4)
            work = tmp_path_factory.mktemp(name)
            client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}})
            out[name] = client.execute()
    return out


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            parts.append(o.get("text", ""))
            parts += [str(v) for k, v in o.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(parts)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_notebook_executes_without_error(executed, name):
    nb = executed[name]
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    stderr = [
        o.text for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"
    ]
    assert not stderr, f"solution notebook printed to stderr: {stderr[:2]}"


def _validate(path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(path), *extra, f"--NbGrader.config_file={CONFIG}"],
        cwd=path.parent,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("name", [a for a in ASSIGNMENTS if a != "00_welcome"])
def test_nbgrader_validate_passes_on_the_source(sources, name):
    run = _validate(sources / name / f"{name}.ipynb")
    assert "Success! Your notebook passes all the tests." in run.stdout, run.stdout + run.stderr


@pytest.mark.parametrize("name", [a for a in ASSIGNMENTS if a != "00_welcome"])
def test_every_test_fails_on_the_untouched_student_notebook(tmp_path, name):
    student = tmp_path / f"{name}.ipynb"
    student.write_bytes((NOTEBOOKS / name / f"{name}.ipynb").read_bytes())
    run = _validate(student, "--invert")
    assert "Success! The notebook does not pass any tests." in run.stdout, run.stdout + run.stderr


# The worked figures of the curriculum, as each executed solution notebook prints them
# (white space folded). They are computed in the notebook, never typed into prose.
FIGURES = {
    "01_logits": ["sum of the logits : 4.0", "128,000 logits per position", "4.2 GB"],
    "02_softmax": [
        "[7.389 2.718 1.105]",
        "11.212",
        "[0.659 0.242 0.099]",
        "0.999995",
        "sum of the rounded exps = 23.81",
        "[0.844 0.114 0.042]",
    ],
    "03_stability": ["709.78", "88.72", "softmax([1000, 998, 997]) = [nan nan nan]", "softmax = [0.844 0.114 0.042]"],
    "04_temperature": [
        "T = 0.5: z / T = [6. 2. 0.] probabilities = [0.98 0.018 0.002]",
        "probabilities = [0.844 0.114 0.042]",
        "probabilities = [0.629 0.231 0.14 ]",
    ],
    "05_cross_entropy": [
        "loss = 0.417",
        "loss = 2.170",
        "loss = 0.170",
        "loss = 1.349",
        "loss = 0.349",
        "0.99 0.01",
        "0.90 0.11",
        "0.80 0.22",
        "0.50 0.69 2.0",
        "0.10 2.30",
        "0.01 4.61",
        "[ 0.9993 -0.9997 0.0003]",
        "[ 0.001 -0.0007 -0.0003]",
    ],
    "06_gradients": [
        "p - y = [ 0.844 -0.886 0.042]",
        "p(reship): 0.114 -> 0.23",
        "loss: 2.17 -> 1.469",
        "[0.9993, -0.9997, 0.0003]",
        "[0.001, -0.0007, -0.0003]",
    ],
    "07_sequence_loss": ["per-position losses: 2.170, 0.306", "mean loss : 1.238"],
    "08_attention": [
        "weights = [0.09 0.665 0.245]",
        "output = [0.824 1.575]",
        "[0.525 0.246 0.197 0. ]",
        "variance of q.k: 63.7",
    ],
    "09_training": [
        "loss (target reship): 2.170",
        "p(reship): 0.114 -> 0.23",
        "loss: 2.17 -> 1.469",
        "log(3) : 1.0986",
    ],
    "10_pytorch": ["2.17", "1.387", "-0.886", "-0.127"],
    "11_llm_scale": ["4.2 GB", "3.00 x the logits", "= 3 + log(1.185) = 3.170", "mean loss (naive) = 1.238"],
}


def _fold(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_worked_figures_are_computed_in_the_notebook(executed, name):
    if name not in executed:
        pytest.fail(f"{name} has no source notebook")
    printed = _fold(_text(executed[name]))
    missing = [f for f in FIGURES[name] if _fold(f) not in printed]
    assert not missing, f"{name} does not print: {missing}"


# Run All on the untouched student notebooks: tests/test_site.py (the site's execution is that run).
