"""The clean-room re-check: only function definitions run, outside the kernel."""
from __future__ import annotations

import socket
import threading

import nbformat
import psutil
import pytest
from support import skip_unless_ci

from grader import build, jail
from grader.cleanroom import extract, recheck
from grader.course import NOTEBOOKS, assignments

GRADED = [a for a in assignments() if a != "00_welcome"]


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("source")
    build.build_sources(GRADED, root)
    return root


def _source(sources, name):
    return sources / name / f"{name}.ipynb"


def _with_cell(tmp_path, sources, name, grade_id, code):
    """The solution notebook with one solution cell replaced by `code`."""
    nb = nbformat.read(_source(sources, name), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = code
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("name", GRADED)
def test_solutions_get_full_marks_and_untouched_notebooks_zero(sources, name):
    full = recheck(_source(sources, name), _source(sources, name))
    assert full.error is None and full.flags == []
    assert all(score == mx > 0 for score, mx in full.scores.values()), full.scores
    empty = recheck(NOTEBOOKS / name / f"{name}.ipynb", _source(sources, name))
    assert all(score == 0 for score, _ in empty.scores.values()), empty.scores


WRONG_SOFTMAX = """
import numpy as np
np.allclose = lambda *a, **k: True
def softmax(z, axis=-1):
    return np.asarray(z, dtype=float)
"""


def test_module_level_patch_is_dropped_and_flagged(tmp_path, sources):
    result = recheck(_with_cell(tmp_path, sources, "02_softmax", "softmax", WRONG_SOFTMAX),
                     _source(sources, "02_softmax"))
    assert result.scores["test_softmax"][0] == 0
    assert any("outside functions ignored" in f for f in result.flags)


def test_patching_inside_the_function_is_flagged(tmp_path, sources):
    code = ("import numpy as np\nimport logitlab.checks._core as core\n"
            "def softmax(z, axis=-1):\n    setattr(core, 'close', lambda *a, **k: True)\n"
            "    return np.asarray(z)\n")
    result = recheck(_with_cell(tmp_path, sources, "02_softmax", "softmax", code),
                     _source(sources, "02_softmax"))
    assert any("uses setattr" in f for f in result.flags)


def test_endless_loop_times_out_with_zero(tmp_path, sources):
    code = "def softmax(z, axis=-1):\n    while True:\n        pass\n"
    result = recheck(_with_cell(tmp_path, sources, "02_softmax", "softmax", code),
                     _source(sources, "02_softmax"), timeout=10)
    assert result.error and "timed out" in result.error
    assert all(score == 0 for score, _ in result.scores.values())


def test_a_child_left_behind_neither_stalls_nor_outlives_the_recheck(tmp_path, sources):
    pid_file = tmp_path / "child.pid"
    code = ("import subprocess, numpy as np\n"
            "def softmax(z, axis=-1):\n"
            "    child = subprocess.Popen(['sleep', '120'])  # holds the runner's stderr\n"
            f"    open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
            "    z = np.asarray(z, dtype=float)\n"
            "    e = np.exp(z - z.max(axis=axis, keepdims=True))\n"
            "    return e / e.sum(axis=axis, keepdims=True)\n")
    result = recheck(_with_cell(tmp_path, sources, "02_softmax", "softmax", code),
                     _source(sources, "02_softmax"), timeout=60)
    assert result.error is None, result.error
    try:  # SIGKILL was sent; give the kernel a moment to carry it out
        psutil.Process(int(pid_file.read_text())).wait(timeout=10)
    except psutil.NoSuchProcess:
        pass


def test_stop_kills_the_recheck(tmp_path, sources):
    stop = threading.Event()
    stop.set()
    code = "def softmax(z, axis=-1):\n    while True:\n        pass\n"
    result = recheck(_with_cell(tmp_path, sources, "02_softmax", "softmax", code),
                     _source(sources, "02_softmax"), timeout=60, stop=stop)
    assert result.error == "interrupted"
    assert all(score == 0 for score, _ in result.scores.values())


def test_jailed_clean_room_reaches_no_network(tmp_path, sources):
    if not jail.available():
        skip_unless_ci("the clean room is jailed only as root, allowed to make namespaces")
    (tmp_path / "hidden").mkdir()
    with socket.create_server(("127.0.0.1", 0)) as server:
        code = ("import socket\n"
                "def softmax(z, axis=-1):\n"
                f"    socket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=2)\n")
        result = recheck(_with_cell(tmp_path, sources, "02_softmax", "softmax", code),
                         _source(sources, "02_softmax"), timeout=60, hide=[tmp_path / "hidden"])
        server.setblocking(False)
        with pytest.raises(BlockingIOError):  # nobody ever connected
            server.accept()
    assert result.error is None and result.scores["test_softmax"][0] == 0


def test_extract_keeps_definitions_imports_and_constants_only():
    ex = extract("import numpy as np\nEPS = 1e-12\nprint('hi')\ndef softmax(z):\n    return z\n", "softmax")
    assert "print" not in ex.code and "EPS = 1e-12" in ex.code and "def softmax" in ex.code
    assert ex.flags == ["softmax: 1 top-level statement(s) outside functions ignored"]


def test_extract_flags_a_function_imported_instead_of_written():
    ex = extract("from logitlab.testing import battery as softmax\n", "softmax")
    assert "softmax: imported, not written" in ex.flags
    assert any("imports from logitlab" in f for f in ex.flags)


def test_extract_reports_syntax_errors():
    ex = extract("def softmax(z:\n", "softmax")
    assert ex.code == "" and "syntax error" in ex.flags[0]
