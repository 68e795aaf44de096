"""The bug zoo, graded through nbgrader: every known-wrong implementation loses points.

grader/bugzoo/<assignment>/<function>/<bug>.py is the complete replacement source of
that function's solution cell. Each bug is grafted into an otherwise solved submission
(student `bug-<function>-<bug>`); all of them are graded in ONE parallel `grade` run.
A bug must lose points on at least one `test_<function>*` cell while every other
function keeps full marks (unless its solution calls the bugged function).
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.core import cells
from grader.tools import course as course_paths
from grader.tools.build import source_notebook
from grader.tools.course import assignments
from grader.tools.grade import graded_cells

MIN_BUGS = 3


def _solutions(nb) -> dict[str, str]:
    return {cells.grade_id(c): c.source for c in cells.of_kind(nb, cells.SOLUTION)}


SOURCES = {a: source_notebook(a) for a in assignments()}
FUNCTIONS = {a: sorted(_solutions(nb)) for a, nb in SOURCES.items() if graded_cells(nb)}
BUGS = sorted(course_paths.BUGZOO.glob("*/*/*.py"))


def bug_id(path: Path) -> str:
    return "/".join(path.relative_to(course_paths.BUGZOO).with_suffix("").parts)


def student_of(path: Path) -> str:
    return f"bug-{path.parent.name}-{path.stem}"


def owner(grade_id: str, functions: list[str]) -> str | None:
    """The function a test cell belongs to: test_<fn> or test_<fn>_..., longest name wins
    (test_cross_entropy_from_logits_edge belongs to cross_entropy_from_logits)."""
    mine = [f for f in functions if grade_id == f"test_{f}" or grade_id.startswith(f"test_{f}_")]
    return max(mine, key=len, default=None)


def callers(assignment: str, function: str) -> set[str]:
    """Functions of the assignment whose solutions use `function`, directly or not."""
    sources = _solutions(SOURCES[assignment])
    uses = {name: {n.id for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Name)} for name, src in sources.items()}
    found, frontier = set(), {function}
    while frontier:
        frontier = {g for g, names in uses.items() if names & frontier and g not in found} - {function}
        found |= frontier
    return found


@pytest.fixture(scope="module")
def zoo(course, kit, tmp_path_factory):
    """Every bug grafted into a solved notebook, plus one honest solution per assignment."""
    tmp = tmp_path_factory.mktemp("bugzoo")
    subs, out = tmp / "submitted", tmp / "graded"
    graded_here = sorted(
        a
        for a in {p.relative_to(course_paths.BUGZOO).parts[0] for p in BUGS}
        if a in FUNCTIONS and course.student_path(a).is_file()
    )
    for assignment in graded_here:
        kit.put_submission(subs, "honest", assignment, course.solved(assignment))
    for path in BUGS:
        assignment, function = path.relative_to(course_paths.BUGZOO).parts[:2]
        if assignment not in graded_here or function not in FUNCTIONS[assignment]:
            continue  # reported by test_bug_folders_name_graded_functions or test_grading
        nb = course.solved(assignment)
        kit.replace_solution(nb, function, path.read_text())
        kit.put_submission(subs, student_of(path), assignment, nb)
    if not graded_here:
        pytest.skip("the bug zoo is empty")
    proc = kit.run_grade(subs, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        scores=kit.scores_by_student(grades),
        grades=grades,
        summary={(r["student_id"], r["assignment"]): r for r in summary},
    )


@pytest.mark.parametrize("assignment", sorted(FUNCTIONS))
def test_every_graded_function_has_bugs(assignment):
    for function in FUNCTIONS[assignment]:
        bugs = sorted((course_paths.BUGZOO / assignment / function).glob("*.py"))
        assert len(bugs) >= MIN_BUGS, f"{assignment}/{function} has {len(bugs)} bugs in the zoo, needs {MIN_BUGS}"


def test_bug_folders_name_graded_functions():
    for path in BUGS:
        assignment, function = path.relative_to(course_paths.BUGZOO).parts[:2]
        assert function in FUNCTIONS.get(assignment, []), (
            f"{bug_id(path)}: {assignment} has no graded function '{function}'"
        )


@pytest.mark.parametrize("path", BUGS, ids=bug_id)
def test_bug_file_is_a_complete_solution_cell(path):
    text = path.read_text()
    first = text.splitlines()[0] if text else ""
    assert first.startswith("# ") and len(first) > 10, "first line: a comment naming the mistake"
    defs = [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
    assert path.parent.name in defs, f"no `def {path.parent.name}(` at the top level"
    assert "BEGIN SOLUTION" not in text and "NotImplementedError" not in text


@pytest.mark.slow
def test_honest_solutions_score_full_marks(zoo, course):
    for (student, assignment), row in zoo.summary.items():
        if student == "honest":
            autograded = sum(course.autograded_cells(assignment).values())
            assert row["status"] == "graded" and float(row["score"]) == autograded, row


@pytest.mark.slow
@pytest.mark.parametrize("path", BUGS, ids=bug_id)
def test_bug_loses_points_on_its_own_tests_only(zoo, path):
    assignment, function = path.relative_to(course_paths.BUGZOO).parts[:2]
    key = (student_of(path), assignment)
    if key not in zoo.summary:
        pytest.fail(f"{bug_id(path)} was not graded")
    assert zoo.summary[key]["status"] != "failed", zoo.summary[key]["reason"]
    functions = FUNCTIONS[assignment]
    exempt = callers(assignment, function)
    own, others = {}, {}
    for gid, (score, top) in zoo.scores[key].items():
        fn = owner(gid, functions)
        if fn == function:
            own[gid] = (score, top)
        elif fn is not None and fn not in exempt:
            others[gid] = (score, top)
    assert own, f"no test_{function}* cells graded"
    assert any(score < top for score, top in own.values()), (
        f"{bug_id(path)} keeps full marks on {sorted(own)}: the checks miss this bug"
    )
    reasons = {
        r["grade_id"]: r["reason"]
        for r in zoo.grades
        if (r["student_id"], r["assignment"]) == key and r["grade_id"] in own
    }
    assert all(reasons[gid] for gid, (score, top) in own.items() if score < top), reasons
    lost = {gid: s for gid, s in others.items() if s[0] < s[1]}
    assert not lost, f"{bug_id(path)} also costs points on other functions' cells: {lost}"
