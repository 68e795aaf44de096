"""The attack corpus: every row of the threat table in design.md, graded in one run.

Each attack is built on the same WRONG softmax (it returns the logits unchanged), so
the rule is simple: no attack may earn more than `wrong` earns without it. Faults
(crashes, endless loops, floods) must be graded or flagged, never lost, and the
honest submission in the same run must keep full marks. The submissions folder must
be byte-identical afterwards.
"""

from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace

import nbformat
import pytest
from support import skip_unless_ci

from grader.core import sandbox
from grader.tools.course import ROOT

pytestmark = pytest.mark.slow

A = "02_softmax"
WRONG = "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    return np.asarray(z, dtype=float)\n"


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _with_softmax(kit, nb, source):
    kit.replace_solution(nb, "softmax", source)
    return nb


# Each attack: (student id, how to build the notebook from (course, kit), extra files).
def _edit_tests(course, kit):
    nb = _with_softmax(kit, course.solved(A), WRONG)
    for cell in _test_cells(nb):
        cell.source = "pass"
    return nb


def _delete_tests(course, kit):
    nb = _with_softmax(kit, course.solved(A), WRONG)
    nb.cells = [c for c in nb.cells if c not in _test_cells(nb)]
    return nb


def _retag_tests(course, kit):
    nb = _with_softmax(kit, course.solved(A), WRONG)
    first, second = _test_cells(nb)[:2]
    first.metadata["nbgrader"]["grade"] = False
    second.metadata["nbgrader"]["solution"] = True
    return nb


def _duplicate_ids(course, kit):
    nb = course.solved(A)  # honest answers, but a copy-pasted cell keeps its id
    nb.cells.insert(3, nbformat.from_dict(json.loads(json.dumps(nb.cells[2]))))
    return json.dumps(nb)  # raw JSON: nbformat.write would quietly renumber the copy


def _patch_allclose(course, kit):
    return _with_softmax(
        kit, course.solved(A), WRONG + "np.allclose = lambda *a, **k: True\nnp.isclose = np.allclose\n"
    )


def _blank_later_cells(course, kit):
    code = WRONG + "get_ipython().input_transformers_cleanup.append(lambda lines: [])\n"
    return _with_softmax(kit, course.solved(A), code)


def _read_hidden_and_gradebook(course, kit):
    # Without isolation this finds the answers and the hidden tests, and rewrites
    # every gradebook it can reach; jailed, it finds nothing.
    code = (
        WRONG
        + f'''
import glob, sqlite3
for path in glob.glob("{ROOT}/solutions/02_softmax/*.py"):
    source = open(path).read()
    start = source.index("def softmax")
    exec(source[start:source.index("# %%", start)].replace("### BEGIN SOLUTION", ""))
for db in glob.glob("/tmp/**/gradebook.db", recursive=True):
    try:
        con = sqlite3.connect(db)
        con.execute("UPDATE grade SET auto_score = 100")
        con.commit()
    except Exception:
        pass
'''
    )
    return _with_softmax(kit, course.solved(A), code)


ESCAPED = ROOT / "ESCAPED-FROM-THE-JAIL"  # what an escape from the kernel's jail would leave


def _escape_the_jail(course, kit):
    # As root this would undo every mount that hides the course (detaching each tmpfs,
    # most recent first) and then write into the repository; jailed, it can do neither.
    code = (
        WRONG
        + f'''
import ctypes, os
libc = ctypes.CDLL(None)
for line in reversed(open("/proc/self/mountinfo").read().splitlines()):
    if line.split(" - ")[1].startswith("tmpfs"):
        libc.umount2(line.split()[4].encode(), 2)
try:
    open("{ESCAPED}", "w").write("out")
except OSError:
    pass
'''
    )
    return _with_softmax(kit, course.solved(A), code)


def _endless_loop(course, kit):
    return _with_softmax(kit, course.solved(A), WRONG + "while True:\n    pass\n")


def _swallow_interrupt(course, kit):
    code = (
        WRONG
        + "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass\n"
    )
    return _with_softmax(kit, course.solved(A), code)


def _exit_kernel(course, kit):
    return _with_softmax(kit, course.solved(A), WRONG + "import os\nos._exit(1)\n")


def _eat_memory(course, kit):
    return _with_softmax(kit, course.solved(A), WRONG + "hog = np.ones(6_000_000_000)\n")


def _flood_output(course, kit):
    code = WRONG + "from IPython.display import HTML, display\ndisplay(HTML('<b>x</b>' * 700_000))\n"
    return _with_softmax(kit, course.solved(A), code)


def _harmless_warning(course, kit):
    code = (
        "import warnings\nimport numpy as np\n\n\ndef softmax(z, axis=-1):\n"
        "    warnings.warn('this helper is deprecated', DeprecationWarning, stacklevel=1)\n"
        "    warnings.warn('just a note')\n"
        "    z = np.asarray(z)\n    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(float)\n"
        "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
        "    return e / e.sum(axis=axis, keepdims=True)\n"
    )
    return _with_softmax(kit, course.solved(A), code)


ATTACKS = {
    "edit-tests": (_edit_tests, {}),
    "delete-tests": (_delete_tests, {}),
    "retag-tests": (_retag_tests, {}),
    "patch-allclose": (_patch_allclose, {}),
    "blank-later-cells": (_blank_later_cells, {}),
    "shadow-numpy": (
        lambda c, k: _with_softmax(k, c.solved(A), WRONG),
        {
            "numpy.py": "def __getattr__(name):\n    return lambda *a, **k: True\n",
            "sitecustomize.py": "import builtins\n",
            "evil.pth": "import os\n",
        },
    ),
    "read-hidden-write-gradebook": (_read_hidden_and_gradebook, {}),
    "escape-the-jail": (_escape_the_jail, {}),
    "endless-loop": (_endless_loop, {}),
    "swallow-interrupt": (_swallow_interrupt, {}),
    "exit-kernel": (_exit_kernel, {}),
    "eat-memory": (_eat_memory, {}),
    "flood-output": (_flood_output, {}),
}
FAULTS = {"duplicate-ids": _duplicate_ids, "harmless-warning": _harmless_warning}


@pytest.fixture(scope="module")
def graded(course, kit, tmp_path_factory):
    if not sandbox.mode().sandboxed:  # the attacks would run on this machine as they are
        skip_unless_ci(f"no sandbox here, and the attacks are real: {sandbox.mode().why}")
    tmp = tmp_path_factory.mktemp("attacks")
    subs, out = tmp / "submitted", tmp / "graded"
    kit.put_submission(subs, "honest", A, course.solved(A))
    kit.put_submission(subs, "wrong", A, _with_softmax(kit, course.solved(A), WRONG))
    for student, (build, extra) in ATTACKS.items():
        folder = kit.put_submission(subs, student, A, build(course, kit))
        for name, text in extra.items():
            (folder / name).write_text(text)
    for student, build in FAULTS.items():
        kit.put_submission(subs, student, A, build(course, kit))
    before = kit.tree_digest(subs)
    ESCAPED.unlink(missing_ok=True)
    proc = kit.run_grade(subs, out, "--jobs", "2", "--timeout", "120")
    escaped = ESCAPED.exists()
    ESCAPED.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        out=out,
        subs=subs,
        unchanged=kit.tree_digest(subs) == before,
        escaped=escaped,
        jailed=sandbox.mode().sandboxed,
        scores=kit.scores_by_student(grades),
        summary={r["student_id"]: r for r in summary},
    )


def _total(graded, student):
    return sum(score for score, _ in graded.scores[(student, A)].values())


def test_honest_submission_keeps_full_marks(graded):
    cells = graded.scores[("honest", A)]
    assert all(score == mx for score, mx in cells.values()), cells
    assert graded.summary["honest"]["status"] == "graded"


def test_wrong_baseline_scores_zero(graded):
    assert _total(graded, "wrong") == 0


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_no_attack_beats_the_same_wrong_answer(graded, student):
    assert (student, A) in graded.scores, f"{student} is missing from grades.csv"
    assert _total(graded, student) <= _total(graded, "wrong"), graded.summary[student]


@pytest.mark.parametrize("student", sorted(ATTACKS) + sorted(FAULTS))
def test_every_submission_is_accounted_for(graded, student):
    row = graded.summary[student]
    assert row["status"] in {"graded", "flagged", "failed"}
    cells = graded.scores[(student, A)]
    assert set(cells) == {"test_softmax", "test_softmax_edge"}, "every graded cell has a row"
    if row["status"] == "failed":
        assert row["reason"], "a failed submission says why"


@pytest.mark.parametrize(
    "student", ["edit-tests", "delete-tests", "retag-tests", "shadow-numpy", "blank-later-cells", "duplicate-ids"]
)
def test_tampering_is_flagged_for_the_instructor(graded, student):
    row = graded.summary[student]
    assert row["status"] in {"flagged", "failed"} and (row["flags"] or row["reason"]), row


@pytest.mark.parametrize("student", sorted(FAULTS))
def test_honest_work_with_a_harmless_fault_keeps_full_marks(graded, student):
    cells = graded.scores[(student, A)]
    assert all(score == mx for score, mx in cells.values()), (cells, graded.summary[student])


def test_floods_do_not_reach_the_graded_notebook(graded):
    nb = graded.out / "autograded" / "flood-output" / A / f"{A}.ipynb"
    assert nb.is_file() and nb.stat().st_size < 1_000_000


def test_no_learner_code_gets_out_of_its_jail(graded):
    if not graded.jailed:
        skip_unless_ci(f"no sandbox here: {sandbox.mode().why}")
    assert not graded.escaped


def test_submissions_are_byte_identical_afterwards(graded):
    assert graded.unchanged


def test_feedback_pages_never_show_hidden_tests(graded, course):
    from grader.__main__ import main

    assert main(["feedback", str(graded.out)]) == 0
    pages = sorted((graded.out / "feedback").glob(f"*/{A}/{A}.html"))  # nbgrader's layout
    assert len(pages) == len(graded.summary), "one page per graded submission"
    secret = course.hidden_lines(A)
    assert len(secret) > 10
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))  # as a reader sees it
        assert f"{A}:" in text, "the page opens with the score"
        own = (graded.subs / page.parent.parent.name / A / f"{A}.ipynb").read_text()
        leaked = [line for line in secret if line in text and line not in own]
        assert not leaked, f"{page.parent.parent.name}: hidden test source in feedback: {leaked[:3]}"
    wrong = (graded.out / "feedback" / "wrong" / A / f"{A}.html").read_text()
    assert f"{A}: 0 / 6" in wrong and "checks fail" in wrong, "a failing test says why it failed"
