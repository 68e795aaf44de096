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

from grader import build
from grader.course import CONFIG, NOTEBOOKS, ROOT, assignments, tool_env

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
            client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                    resources={"metadata": {"path": str(work)}})
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
    stderr = [o.text for c in nb.cells for o in c.get("outputs", [])
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"solution notebook printed to stderr: {stderr[:2]}"


def _validate(path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(path), *extra,
         f"--NbGrader.config_file={CONFIG}"],
        cwd=path.parent, env=tool_env(), capture_output=True, text=True, timeout=600)


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
