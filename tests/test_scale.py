"""A class of 200 submissions in one `grade` run: nothing lost, every score right."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.slow

A = "02_softmax"
N = 200
WRONG = "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    return np.asarray(z, dtype=float)\n"


def test_two_hundred_submissions_in_one_run(course, kit, tmp_path):
    subs, out = tmp_path / "submitted", tmp_path / "graded"
    solved = course.solved(A)
    wrong = course.solved(A)
    kit.replace_solution(wrong, "softmax", WRONG)
    expected = {}
    for i in range(N):
        student = f"student{i:03d}"
        kind = ("solved", "wrong", "untouched")[i % 3]
        if kind == "untouched":
            folder = kit.put_submission(subs, student, A)
            shutil.copyfile(course.student_path(A), folder / f"{A}.ipynb")
        else:
            kit.put_submission(subs, student, A, solved if kind == "solved" else wrong)
        expected[student] = 4.0 if kind == "solved" else 0.0
    before = kit.tree_digest(subs)
    proc = kit.run_grade(subs, out, "--jobs", "2", timeout=3000)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{N} graded, 0 flagged, 0 failed" in proc.stdout
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    assert len(summary) == N and len(grades) == N * len(course.graded_cells(A))
    got = {r["student_id"]: float(r["score"]) for r in summary}
    assert got == expected
    assert kit.tree_digest(subs) == before
