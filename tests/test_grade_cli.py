"""`python -m grader grade`: usage errors, filters, re-runs, and broken submissions."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import time
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from support import skip_unless_ci

from grader.__main__ import main
from grader.core import forks, sandbox
from grader.tools.course import ROOT, assignments

ASSIGNMENT = "02_softmax"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command in-process; (exit code, stdout, stderr)."""
    try:
        code = main(["grade", *args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def find_cell(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture
def tree(tmp_path, course, kit):
    subs = tmp_path / "submitted"
    kit.put_submission(subs, "alice", ASSIGNMENT, course.student(ASSIGNMENT))
    return subs


USAGE_ERRORS = {
    "missing folder": (["{tmp}/nope"], "submissions folder not found"),
    "empty folder": (["{tmp}/empty"], "no submissions"),
    "not the layout": (["{tmp}/flat"], "no submissions"),
    "unknown assignment": (["{subs}", "--assignment", "99_nope"], "unknown assignment '99_nope'"),
    "unknown student": (["{subs}", "--student", "nobody"], "no submissions from student 'nobody'"),
    "jobs zero": (["{subs}", "--jobs", "0"], "--jobs must be"),
    "jobs negative": (["{subs}", "--jobs", "-2"], "--jobs must be"),
    "jobs not a number": (["{subs}", "--jobs", "x"], "--jobs must be"),
    "jobs fraction": (["{subs}", "--jobs", "1.5"], "--jobs must be"),
    "timeout zero": (["{subs}", "--timeout", "0"], "--timeout must be"),
}


@pytest.mark.parametrize("case", USAGE_ERRORS)
def test_usage_error_is_one_clear_line(capsys, tmp_path, tree, kit, case):
    args, message = USAGE_ERRORS[case]
    (tmp_path / "empty").mkdir()
    (tmp_path / "flat" / "alice" / "homework").mkdir(parents=True)
    (tmp_path / "flat" / "alice.ipynb").write_text("{}")
    before = kit.tree_digest(tree)
    out = tmp_path / "graded"
    argv = [a.format(tmp=tmp_path, subs=tree) for a in args] + ["--output", str(out)]
    code, stdout, stderr = cli(capsys, *argv)
    assert code == 2
    assert message in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("python -m grader grade: error:")
    assert stdout == ""
    assert not out.exists()
    assert kit.tree_digest(tree) == before


@pytest.mark.parametrize("inside", [".", "graded", "alice/graded"])
def test_output_inside_submissions_is_refused(capsys, tree, kit, inside):
    before = kit.tree_digest(tree)
    code, _, stderr = cli(capsys, str(tree), "--output", str(tree / inside))
    assert code == 2 and "inside the submissions folder" in stderr
    assert kit.tree_digest(tree) == before


def test_missing_output_option_is_one_line(capsys, tree):
    code, _, stderr = cli(capsys, str(tree))
    assert code == 2 and "--output" in stderr and stderr.count("\n") == 1


# --- broken submissions beside honest ones ------------------------------------------


def sneaky(course):
    """A solved notebook mangled in every way the grader repairs: a pasted copy of the
    solution cell and of a test cell (duplicate ids), a test cell re-marked as a
    solution, a deleted test cell."""
    nb = course.solved(ASSIGNMENT)
    del nb.cells[find_cell(nb, "test_softmax_edge")]
    test = nb.cells[find_cell(nb, "test_softmax")]
    test.metadata.nbgrader.update(grade=False, solution=True)
    solution = nb.cells[find_cell(nb, "softmax")]
    early = copy.deepcopy(solution)
    early.source = "def softmax(z, axis=-1):\n    raise NotImplementedError()\n"
    nb.cells.insert(1, early)
    nb.cells.insert(2, copy.deepcopy(test))
    text = json.dumps(nb)  # nbformat.write would already repair the duplicated cell ids
    ids = [c["id"] for c in json.loads(text)["cells"]]
    assert len(ids) - len(set(ids)) == 2
    return text


def peeker(course, subs, out):
    """A correct solution that sabotages itself if its kernel can see anything secret."""
    nb = course.solved(ASSIGNMENT)
    cell = nb.cells[find_cell(nb, "softmax")]
    cell.source = (
        f"""import glob, os, tempfile
_seen = [p for p in [{str(ROOT / "solutions")!r}, {str(ROOT / "grader" / "bugzoo")!r},
                     "../../../gradebook.db"] if os.path.exists(p)]
_seen += glob.glob(os.path.join(tempfile.gettempdir(), "logitlab-grading*", "*", "source", "*"))
for _folder in [{str(subs)!r}, {str(out)!r}]:
    _seen += [os.path.join(d, f) for d, _, files in os.walk(_folder) for f in files]
print("seen:", _seen)
"""
        + cell.source
        + "\nif _seen:\n    softmax = None\n"
    )
    return nb


@pytest.fixture(scope="module")
def broken_class(course, kit, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("broken")
    subs, out = tmp / "submitted", tmp / "graded"
    kit.put_submission(subs, "alice", ASSIGNMENT, course.solved(ASSIGNMENT))
    kit.put_submission(subs, "peeker", ASSIGNMENT, peeker(course, subs, out))
    kit.put_submission(subs, "badjson", ASSIGNMENT, '{"cells": [{"cell_type": ')
    exits = course.solved(ASSIGNMENT)
    cell = exits.cells[find_cell(exits, "softmax")]
    cell.source = "import os\nos._exit(1)\n" + cell.source
    kit.put_submission(subs, "exits", ASSIGNMENT, exits)
    kills = course.solved(ASSIGNMENT)
    cell = kills.cells[find_cell(kills, "softmax")]
    cell.source = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + cell.source
    kit.put_submission(subs, "kills", ASSIGNMENT, kills)  # tries to kill nbgrader and the judge
    (kit.put_submission(subs, "missing", ASSIGNMENT) / "notes.txt").write_text("forgot it")
    folder = kit.put_submission(subs, "sneaky", ASSIGNMENT, sneaky(course))
    (folder / "numpy.py").write_text("raise ImportError('the submitted numpy.py was imported')\n")
    (folder / "evil.pth").write_text("import os; os._exit(3)\n")
    before = kit.tree_digest(subs)
    proc = kit.run_grade(subs, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        proc=proc,
        out=out,
        unchanged=kit.tree_digest(subs) == before,
        scores=kit.scores_by_student(grades),
        grades=grades,
        summary={r["student_id"]: r for r in summary},
    )


@pytest.mark.slow
def test_broken_submissions_never_stop_the_class(broken_class):
    assert "2 failed" in broken_class.proc.stdout
    assert set(broken_class.summary) == {"alice", "badjson", "exits", "kills", "missing", "peeker", "sneaky"}
    assert broken_class.unchanged
    assert "100%" in broken_class.proc.stderr  # the progress bar finished


@pytest.mark.slow
def test_honest_submission_gets_full_marks_beside_broken_ones(broken_class):
    row = broken_class.summary["alice"]
    assert row["status"] == "graded" and row["score"] == "4" and row["pending"], row
    assert all(s == top for s, top in broken_class.scores[("alice", ASSIGNMENT)].values())


@pytest.mark.slow
@pytest.mark.parametrize(
    "student, reason",
    [
        ("badjson", "invalid notebook"),
        ("missing", "notebook missing"),
    ],
)
def test_broken_submission_is_failed_with_its_reason(course, broken_class, student, reason):
    row = broken_class.summary[student]
    assert row["status"] == "failed" and reason in row["reason"], row
    assert row["score"] == "0"
    cells = broken_class.scores[(student, ASSIGNMENT)]
    assert set(cells) == set(course.autograded_cells(ASSIGNMENT))
    assert all(score == 0 for score, _ in cells.values())


@pytest.mark.slow
def test_code_that_ends_its_process_scores_nothing_and_says_why(broken_class):
    row = broken_class.summary["exits"]
    assert row["status"] == "flagged" and row["score"] == "0", row
    assert "the cell softmax ended the learner's process" in row["flags"], row
    reasons = [
        r["reason"] for r in broken_class.grades if r["student_id"] == "exits" and r["grade_id"].startswith("test_")
    ]
    assert reasons and all("ended the learner's process" in why for why in reasons), reasons
    graded = nbformat.read(broken_class.out / "autograded" / "exits" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    shown = [o for c in graded.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert shown and all("ended the learner's process" in o.evalue for o in shown), shown


@pytest.mark.slow
def test_code_cannot_kill_the_grader_or_the_judge(broken_class):
    """Sandboxed, learner code has no parent it can see: its kill is refused (the
    cell raises), the grader and the judge go on, and the reason says what happened."""
    if not sandbox.mode().sandboxed:
        skip_unless_ci(f"no sandbox here: {sandbox.mode().why}")
    row = broken_class.summary["kills"]
    assert row["status"] == "graded" and not row["flags"], row
    reasons = [r["reason"] for r in broken_class.grades if r["student_id"] == "kills" and r["score"] == "0"]
    assert reasons and all("the cell softmax raised PermissionError" in why for why in reasons), reasons


@pytest.mark.slow
def test_repaired_submission_is_graded_and_flagged(broken_class):
    row = broken_class.summary["sneaky"]
    assert row["status"] == "flagged" and row["score"] == "4", row
    for flag in (
        "numpy.py",
        "evil.pth",
        "duplicated cell ids: softmax, test_softmax",
        "duplicated cells: softmax, test_softmax",
        "changed nbgrader metadata: test_softmax",
        "missing cells: test_softmax_edge",
    ):
        assert flag in row["flags"]


@pytest.mark.slow
def test_grading_kernel_sees_no_secrets(broken_class, course):
    if not sandbox.mode().sandboxed:
        skip_unless_ci(f"no sandbox here: {sandbox.mode().why}")
    row = broken_class.summary["peeker"]
    log = broken_class.out / "autograded" / "peeker" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert float(row["score"]) == sum(course.autograded_cells(ASSIGNMENT).values()), log.read_text()[:3000]


# --- wall-clock limit ----------------------------------------------------------------


@pytest.mark.slow
def test_runaway_notebook_is_killed_with_everything_it_started(course, kit, tmp_path):
    marker = f"runaway-{os.getpid()}-{time.monotonic_ns()}"  # names the process it leaves behind
    nb = course.solved(ASSIGNMENT)
    nb.cells[find_cell(nb, "softmax")].source = f"""
import signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)  # {marker}"],
                         start_new_session=True)
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    try:
        time.sleep(0.2)
    except BaseException:
        pass
"""
    subs, out = tmp_path / "submitted", tmp_path / "graded"
    kit.put_submission(subs, "stuck", ASSIGNMENT, nb)
    proc = kit.run_grade(subs, out, "--timeout", "20", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, summary = kit.read_csv(out / "summary.csv")
    row = summary[0]  # nbgrader's kernel runs away; the judge may time out or find no softmax
    assert row["score"] == "0" and "timed out after 20 s" in row["reason"] + row["flags"], row
    # Jailed, the notebook's processes have ids of their own namespace: found by what they carry.
    left = [p for p in psutil.process_iter(["cmdline", "environ"]) if _started_by_grading(p, marker)]
    assert not [p for p in left if alive(p.pid)], f"still running: {[p.info['cmdline'] for p in left]}"


def _started_by_grading(p: psutil.Process, marker: str) -> bool:
    """Whether `p` runs the notebook's child, or carries a grading job's environment tag."""
    return any(marker in part for part in p.info["cmdline"] or []) or forks.JOB_MARK in (p.info["environ"] or {})


def alive(pid: int) -> bool:
    deadline = time.monotonic() + 10  # a killed process may take a moment to be reaped
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.2)
    return True


# --- filters, re-runs and --force -----------------------------------------------------


def other_released(course) -> str | None:
    """Another assignment with a student notebook, to prove --assignment filters."""
    return next((a for a in assignments() if a != ASSIGNMENT and course.student_path(a).is_file()), None)


@pytest.mark.slow
def test_filters_reruns_and_force(course, kit, tmp_path):
    subs, out = tmp_path / "submitted", tmp_path / "graded"
    kit.put_submission(subs, "alice", ASSIGNMENT, course.solved(ASSIGNMENT))
    kit.put_submission(subs, "bob", ASSIGNMENT, course.student(ASSIGNMENT))
    other = other_released(course)
    if other:
        kit.put_submission(subs, "alice", other, course.student(other))
    everyone = {("alice", ASSIGNMENT), ("bob", ASSIGNMENT)} | ({("alice", other)} if other else set())

    def grade(*args):
        proc = kit.run_grade(subs, out, "--jobs", "2", *args)
        assert proc.returncode == 0, proc.stderr[-3000:]
        _, summary = kit.read_csv(out / "summary.csv")
        _, grades = kit.read_csv(out / "grades.csv")
        assert {(r["student_id"], r["assignment"]) for r in grades} <= {
            (r["student_id"], r["assignment"]) for r in summary
        }
        assert not [r for r in summary if r["status"] == "failed"], summary  # says why
        return proc.stdout, {(r["student_id"], r["assignment"]): r for r in summary}

    def stamp(student):
        return (out / ".jobs" / ASSIGNMENT / f"{student}.json").stat().st_mtime_ns

    stdout, summary = grade("--student", "alice", "--assignment", ASSIGNMENT)
    assert set(summary) == {("alice", ASSIGNMENT)}
    assert summary[("alice", ASSIGNMENT)]["score"] == "4"
    first = stamp("alice")

    stdout, summary = grade()
    assert "1 skipped" in stdout
    assert set(summary) == everyone
    assert stamp("alice") == first
    assert summary[("bob", ASSIGNMENT)]["score"] == "0"

    # A resubmission is graded again even without --force.
    shutil.copyfile(
        subs / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", subs / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    )
    stdout, summary = grade("--assignment", ASSIGNMENT)
    assert "1 graded" in stdout and "1 skipped" in stdout
    assert summary[("bob", ASSIGNMENT)]["score"] == "4"

    bob = stamp("bob")
    stdout, summary = grade("--force", "--assignment", ASSIGNMENT)
    assert "2 graded" in stdout and "0 skipped" in stdout
    assert stamp("alice") != first and stamp("bob") != bob
    assert set(summary) == everyone
    record = json.loads((out / ".jobs" / ASSIGNMENT / "alice.json").read_text())
    assert record["status"] == "graded" and record["score"] == 4


@pytest.mark.slow
def test_a_changed_check_regrades_what_was_graded(course, kit, tmp_path):
    """The skip key covers logitlab: after a check changes, nothing keeps a stale score."""
    helpers = tmp_path / "helpers"
    shutil.copytree(ROOT / "helpers" / "logitlab", helpers / "logitlab", ignore=shutil.ignore_patterns("__pycache__"))
    subs, out = tmp_path / "submitted", tmp_path / "graded"
    kit.put_submission(subs, "alice", ASSIGNMENT, course.solved(ASSIGNMENT))
    env = {**os.environ, "PYTHONPATH": str(helpers)}  # this copy of logitlab is the one graded with

    def grade():
        proc = subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(subs), "-o", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    assert "1 graded" in grade()
    assert "1 skipped" in grade()
    with open(helpers / "logitlab" / "checks" / "softmax.py", "a") as f:
        f.write("\n# a fixed check\n")
    assert "1 graded" in grade()  # re-graded, not skipped
    assert "1 skipped" in grade()
