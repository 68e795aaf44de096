"""Graded test cells never trap a learner: outside grading a failing test cell shows its
report and Run All goes on, a passing one says so in one line; under nbgrader (or the
grader's judge) it still fails the cell, with a short message and no traceback, in that
cell only: the kernel's traceback mode never changes. Untouched student notebooks run to
their last cell."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from logitlab.checks import CheckFailed, assert_check
from nbclient import NotebookClient

from grader.tools.course import NOTEBOOKS

FIRST_NOTEBOOKS = [
    "00_welcome",
    "01_logits",
    "02_softmax",
    "03_stability",
    "04_temperature",
    "05_cross_entropy",
    "06_gradients",
    "07_sequence_loss",
]


def stub(z, axis=-1):
    raise NotImplementedError()


def textbook(z, axis=-1):
    z = np.asarray(z)
    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(float)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.fixture(autouse=True)
def private(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGITLAB_HOME", str(tmp_path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_outside_grading_a_failing_cell_shows_its_report_and_returns(capsys):
    assert assert_check("softmax", stub, part="core") is None
    out = capsys.readouterr().out
    assert out.startswith("FAIL: this graded cell scores 0 as softmax is now; the notebook runs on")
    assert "stub is not implemented yet" in out


def test_outside_grading_a_passing_cell_says_so_in_one_line(capsys):
    assert_check("softmax", textbook, part="core")
    assert capsys.readouterr().out == "PASS: softmax passes its 7 graded core checks.\n"
    assert_check("softmax", textbook, part="edge")
    assert capsys.readouterr().out == "PASS: softmax passes its 2 graded edge-case checks.\n"


@pytest.mark.parametrize("mode", ["autograde", "validate", "judge"])
def test_under_grading_a_failing_cell_raises_an_assertion_error(monkeypatch, mode):
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    with pytest.raises(AssertionError, match="stub is not implemented yet") as caught:
        assert_check("softmax", stub, part="core")
    assert isinstance(caught.value, CheckFailed)


def test_its_traceback_is_the_message_alone():
    err = CheckFailed("softmax: 2 of 7 checks fail.\n- a: b\n- c: d")
    assert err._render_traceback_() == ["CheckFailed: softmax: 2 of 7 checks fail.", "- a: b", "- c: d"]


# ---- in a real kernel ---------------------------------------------------------------

CELLS = [
    "import numpy as np\nfrom logitlab.checks import assert_check",
    "def softmax(z, axis=-1):\n    raise NotImplementedError()",
    'assert_check("softmax", softmax, part="core")\nsecret = "the next line of a test cell"',
    "def helper(x):\n    y = 1\n    return x / 0\n\nafter = 'ran'",
    "helper(2)",
    "print(after)",
]


def _execute(monkeypatch, tmp_path, grading: str | None):
    if grading:
        monkeypatch.setenv("NBGRADER_EXECUTION", grading)  # the kernel inherits it
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    return nb.cells


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def test_in_a_kernel_outside_grading_the_test_cell_reports_and_lets_the_notebook_go_on(monkeypatch, tmp_path):
    cells = _execute(monkeypatch, tmp_path, None)
    assert not _errors(cells[2])
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cells[2].outputs)
    assert "FAIL: this graded cell scores 0" in text and "not implemented yet" in text
    assert cells[3].execution_count is not None and "ran" in cells[5].outputs[0].text


def test_in_a_kernel_under_grading_the_cell_fails_with_the_message_only(monkeypatch, tmp_path):
    cells = _execute(monkeypatch, tmp_path, "autograde")
    (error,) = _errors(cells[2])
    assert error.ename == "CheckFailed" and "not implemented yet" in error.evalue
    shown = "\n".join(error.traceback)
    assert "not implemented yet" in shown
    assert "assert_check(" not in shown and "secret" not in shown and "Traceback" not in shown
    # ... and only there: the learner's own errors keep their full traceback and line numbers
    (later,) = _errors(cells[4])
    full = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(later.traceback))
    assert later.ename == "ZeroDivisionError" and "return x / 0" in full and "helper(2)" in full


def test_the_test_cells_of_the_first_notebooks_use_no_magic(course):
    for name in FIRST_NOTEBOOKS:
        for cell in course.source(name).cells:
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                assert "%xmode" not in cell.source, f"{name}: {cell.metadata['nbgrader']['grade_id']}"


@pytest.mark.parametrize("name", FIRST_NOTEBOOKS)
def test_run_all_on_an_untouched_student_notebook_reaches_its_last_cell(tmp_path, name):
    nb = nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4)
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",  # stops at the first error, as Run All does
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    stderr = [o.text for c in code for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr[:2]


def test_nbgrader_validate_still_fails_the_cell_and_shows_the_message(tmp_path):
    import subprocess
    import sys

    from grader.tools.course import CONFIG, tool_env

    nb = nbformat.read(str(NOTEBOOKS / "02_softmax" / "02_softmax.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            cell.source = (
                "import numpy as np\n\n\ndef softmax(z, axis=-1):\n"
                "    exps = np.exp(np.asarray(z))\n    return exps / exps.sum(axis=axis)\n"
            )
    path = tmp_path / "02_softmax.ipynb"
    nbformat.write(nb, str(path))
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(path), f"--NbGrader.config_file={CONFIG}"],
        cwd=tmp_path,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = run.stdout
    assert "VALIDATION FAILED" in out
    core = out.split('assert_check("softmax", softmax, part="core")')[1].split("=====")[0]
    assert "CheckFailed: softmax: 2 of 7 checks fail." in core and "keepdims forgotten" in core
    assert "Traceback" not in out and "_render_traceback_" not in out
