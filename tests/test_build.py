"""The build: notebooks/ is exactly what solutions/ builds, reproducibly, and leaks nothing."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from logitlab.course import COURSE

from grader.tools import build
from grader.tools.course import NOTEBOOKS, assignments

ASSIGNMENTS = assignments()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two independent builds of the whole course into temporary folders."""
    out = []
    for i in range(2):
        root = tmp_path_factory.mktemp(f"build{i}")
        build.release(ASSIGNMENTS, root / "notebooks", root / "source")
        out.append(root)
    return out


def test_every_assignment_of_the_course_map_has_a_source():
    # Notebooks are added in course order; whatever exists must be on the map.
    assert set(ASSIGNMENTS) <= {a.id for a in COURSE}
    assert {"00_welcome", "01_logits", "02_softmax", "03_stability"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_is_byte_identical_and_matches_committed_notebooks(builds, name):
    first, second = (b / "notebooks" / name / f"{name}.ipynb" for b in builds)
    assert first.read_bytes() == second.read_bytes(), "two builds differ: the build is not deterministic"
    committed = NOTEBOOKS / name / f"{name}.ipynb"
    assert committed.exists(), "run `make release` and commit notebooks/"
    assert committed.read_bytes() == first.read_bytes(), (
        f"notebooks/{name} is not what solutions/ builds: run `make release` (never edit notebooks/ by hand)"
    )


def test_no_stray_files_in_notebooks():
    expected = {NOTEBOOKS / a / f"{a}.ipynb" for a in ASSIGNMENTS}
    found = {p for p in NOTEBOOKS.rglob("*") if p.is_file()}
    assert found == expected, f"unexpected files in notebooks/: {sorted(map(str, found - expected))}"


def _solution_lines(source: str) -> list[str]:
    """The non-trivial lines between the solution or hidden-test markers."""
    lines, inside = [], False
    for line in source.splitlines():
        if re.search(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)", line):
            inside = "BEGIN" in line
        elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_holds_no_answers_and_no_hidden_tests(builds, name):
    source = nbformat.read(builds[0] / "source" / name / f"{name}.ipynb", as_version=4)
    student = nbformat.read(NOTEBOOKS / name / f"{name}.ipynb", as_version=4)
    student_text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in student_text and "HIDDEN TESTS" not in student_text
    secret = [l for c in source.cells for l in _solution_lines(c.source)]
    leaked = [l for l in secret if l in student_text]
    # A line may legitimately appear elsewhere (say, in a worked example); the
    # graded bodies themselves must not.
    assert len(leaked) <= len(secret) // 5, f"solution or hidden lines leaked: {leaked[:5]}"
    for cell in student.cells:
        assert cell.get("outputs", []) == [], "student notebooks carry no outputs"
    assert set(student.metadata) == {"kernelspec", "language_info"}, "only kernel metadata is kept"


def _graded_functions(nb) -> dict[str, str]:
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_exercise_contract(builds, name):
    """Each graded function sits alone in its cell, with test_<fn> and test_<fn>_edge cells."""
    nb = nbformat.read(builds[0] / "source" / name / f"{name}.ipynb", as_version=4)
    graded = _graded_functions(nb)
    contract = next(a.exercises for a in COURSE if a.id == name)
    assert sorted(graded) == sorted(contract), "graded functions differ from the exercise contract"
    tests = [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    ]
    for fn, src in graded.items():
        tree = ast.parse(src)
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        others = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.Import, ast.ImportFrom))]
        assert [d.name for d in defs] == [fn] and not others, f"cell {fn} must hold only imports and def {fn}"
        assert {f"test_{fn}", f"test_{fn}_edge"} <= set(tests), f"{fn} lacks its two test cells"
    assert all(any(t.startswith(f"test_{fn}") for fn in graded) for t in tests), "test cell for no function"


RAISING_HELPERS = {"assert_check", "battery", "expect", "expect_close"}  # raise on failure, return None


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_test_cell_asserts_and_ends_without_a_value(builds, name):
    """nbgrader gives a test cell that ends in a value partial credit, and full credit
    for a bare False: every test cell must end in an assert or a raising check."""
    nb = nbformat.read(builds[0] / "source" / name / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        code = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith("%"))
        tree = ast.parse(code)
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        asserts = any(isinstance(n, ast.Assert) for n in ast.walk(tree))
        assert asserts or calls & RAISING_HELPERS, f"{meta['grade_id']} never asserts"
        last = tree.body[-1]
        if isinstance(last, ast.Expr):
            called = (
                last.value.func.id
                if isinstance(last.value, ast.Call) and isinstance(last.value.func, ast.Name)
                else None
            )
            assert called in RAISING_HELPERS, f"{meta['grade_id']} ends in a bare expression"
