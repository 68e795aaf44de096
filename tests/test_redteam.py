"""The judge's own protocol, attacked from the learner's process (one `grade` run).

test_attacks.py and test_sealed.py cover what a submission can do to the machine and
the pages; this file covers what the learner's process can do to the judge through the
wire: skip a step of the protocol, do its work where the judge does not look, or send
replies built to cost the trusted judge far more than their size. Each attack is built
on an answer whose score is known without the trick (a naive chunked loss that holds
every logit at once, a wrong softmax), so the rule stays: no trick earns more.
"""

from __future__ import annotations

import os
import tracemalloc
from types import SimpleNamespace

import pytest
from support import skip_unless_ci

from grader.core import sandbox, wire

pytestmark = pytest.mark.slow

SOFTMAX = "02_softmax"
SCALE = "11_llm_scale"
STABILITY = "03_stability"
WRONG = "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    return np.asarray(z, dtype=float)\n"

# The course's chunked loss, renamed: every attack below gives its exact values, so the
# only check a trick can change is the measured peak memory.
NAIVE = """

def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    logits = np.asarray(hidden, dtype=float) @ np.asarray(weight, dtype=float).T  # every logit at once
    np.exp(logits - logits.max(axis=1, keepdims=True)).sum()
    return _right(hidden, weight, targets, chunk_size)
"""

# The runner is the learner's process's __main__: its call handler, replaced, never
# says "ready", so the judge never starts measuring, and reads no peak at all.
UNMEASURED = (
    NAIVE
    + """
import __main__ as _runner

_call = _runner._call
_runner._call = lambda ns, message: _call(ns, {**message, "trace": False})
"""
)

# The naive loss in a forked child: the judge measures the learner's process alone.
FORKED = """
import os


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        return _right(hidden, weight, targets, chunk_size)
    read, write = os.pipe()
    if os.fork() == 0:
        try:
            logits = np.asarray(hidden, dtype=float) @ np.asarray(weight, dtype=float).T
            np.exp(logits - logits.max(axis=1, keepdims=True)).sum()
            os.write(write, repr(_right(hidden, weight, targets, chunk_size)).encode())
        finally:
            os._exit(0)
    os.close(write)
    text = os.read(read, 100)
    os.close(read)
    os.wait()
    return float(text)
"""

# A sleeping child started with the notebook: the judge measures the sandbox's last
# process, taking it for the one that runs the learner's code.
DECOY = (
    NAIVE
    + """
import subprocess
import sys

_decoy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
"""
)

# 03: stable_softmax is right and remembers what it was given; logsumexp, checked next
# (in public), fails with the last inputs of stable_softmax's hidden cases as its message.
REMEMBER = """

SEEN = []


def stable_softmax(z, axis=-1):
    SEEN.append(np.asarray(z).tolist())
    return _right(z, axis)
"""
CARRY = "def logsumexp(z, axis=-1):\n    raise ValueError(repr(SEEN[-3:]))\n"

# A reply nested far deeper than the wire allows, written straight to the judge.
DEEP_REPLY = """
import os
import __main__ as _runner


def softmax(z, axis=-1):
    body = b'{"op": "done", "changed": {}, "value": ' + b"[" * 300_000 + b"]" * 300_000 + b"}"
    os.write(_runner.OUT, len(body).to_bytes(8, "big") + body)
    os._exit(0)
"""


def _scale_notebook(course, kit, source: str):
    nb = course.solved(SCALE)
    right = kit.solution_cells(nb)["chunked_cross_entropy"]
    right = right.replace("def chunked_cross_entropy(", "def _right(")
    kit.replace_solution(nb, "chunked_cross_entropy", right + source)
    return nb


def _carry_notebook(course, kit):
    nb = course.solved(STABILITY)
    right = kit.solution_cells(nb)["stable_softmax"].replace("def stable_softmax(", "def _right(")
    kit.replace_solution(nb, "stable_softmax", right + REMEMBER)
    kit.replace_solution(nb, "logsumexp", CARRY)
    return nb


def _softmax_notebook(course, kit, source: str):
    nb = course.solved(SOFTMAX)
    kit.replace_solution(nb, "softmax", source)
    return nb


@pytest.fixture(scope="module")
def graded(course, kit, tmp_path_factory):
    if not sandbox.mode().sandboxed:  # the attacks would run on this machine as they are
        skip_unless_ci(f"no sandbox here, and the attacks are real: {sandbox.mode().why}")
    tmp = tmp_path_factory.mktemp("redteam")
    subs, out = tmp / "submitted", tmp / "graded"
    for student, source in {"naive": NAIVE, "unmeasured": UNMEASURED, "forked": FORKED, "decoy": DECOY}.items():
        kit.put_submission(subs, student, SCALE, _scale_notebook(course, kit, source))
    kit.put_submission(subs, "carry", STABILITY, _carry_notebook(course, kit))
    kit.put_submission(subs, "wrong", SOFTMAX, _softmax_notebook(course, kit, WRONG))
    kit.put_submission(subs, "deep-reply", SOFTMAX, _softmax_notebook(course, kit, DEEP_REPLY))
    kit.put_submission(subs, "honest", SOFTMAX, course.solved(SOFTMAX))
    before = kit.tree_digest(subs)
    proc = kit.run_grade(subs, out, "--jobs", "2", "--timeout", "120")
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        unchanged=kit.tree_digest(subs) == before,
        grades=grades,
        scores=kit.scores_by_student(grades),
        summary={(r["student_id"], r["assignment"]): r for r in summary},
    )


def _total(graded, student: str, assignment: str) -> float:
    return sum(score for score, _ in graded.scores[(student, assignment)].values())


def _reason(graded, student: str, grade_id: str) -> str:
    return next(r["reason"] for r in graded.grades if r["student_id"] == student and r["grade_id"] == grade_id)


def test_the_naive_loss_loses_the_memory_points_and_nothing_else(graded):
    cells = graded.scores[("naive", SCALE)]
    assert cells["test_chunked_cross_entropy"][0] == 0, cells
    assert "peak memory" in _reason(graded, "naive", "test_chunked_cross_entropy")
    lost = {gid for gid, (score, top) in cells.items() if score != top}
    assert lost == {"test_chunked_cross_entropy"}, cells


@pytest.mark.xfail(
    strict=True,
    reason="judge.Session._start_measuring takes any first reply as the call's answer: a runner "
    "that never says 'ready' is never measured (peak 0)",
)
def test_skipping_the_ready_step_is_no_way_past_the_memory_check(graded):
    assert _total(graded, "unmeasured", SCALE) <= _total(graded, "naive", SCALE), graded.summary[("unmeasured", SCALE)]


@pytest.mark.xfail(
    strict=True,
    reason="judge.Resident reads the resident peak of the learner's process alone: a forked "
    "child's memory is never counted",
)
def test_a_forked_child_is_no_way_past_the_memory_check(graded):
    assert _total(graded, "forked", SCALE) <= _total(graded, "naive", SCALE), graded.summary[("forked", SCALE)]


@pytest.mark.xfail(
    strict=True,
    reason="judge.reason quotes a learner's message in every public case, also after the hidden "
    "cases of an earlier cell: what the process saw there comes out in a later public reason",
)
def test_no_hidden_input_comes_out_in_a_later_public_reason(graded):
    reasons = [r["reason"] for r in graded.grades if r["student_id"] == "carry"]
    assert any("logsumexp raised ValueError" in why for why in reasons), reasons
    assert not [why for why in reasons if "1e+300" in why], reasons


@pytest.mark.xfail(
    strict=True,
    reason="sandbox.Sandboxed.inner_pid takes the sandbox's last process for the learner's: a "
    "child started by the notebook is measured in its place",
)
def test_a_decoy_child_is_no_way_past_the_memory_check(graded):
    assert _total(graded, "decoy", SCALE) <= _total(graded, "naive", SCALE), graded.summary[("decoy", SCALE)]


def test_a_reply_too_deep_to_read_is_refused_and_flagged(graded):
    assert _total(graded, "deep-reply", SOFTMAX) == 0
    row = graded.summary[("deep-reply", SOFTMAX)]
    assert row["status"] == "flagged" and "protocol" in row["flags"], row
    assert _total(graded, "honest", SOFTMAX) == 4, graded.summary[("honest", SOFTMAX)]
    assert graded.unchanged, "the submissions folder is never written"


@pytest.mark.xfail(
    strict=True,
    reason="wire.receive parses any message up to MAX_MESSAGE (512 MiB) with json.loads, and "
    "nothing limits the judge's memory: '[],' costs 3 bytes to send and ~64 to hold",
)
def test_a_reply_costs_the_judge_little_more_than_its_size(tmp_path):
    """The bytes a learner's process can write to the judge in place of a reply (no
    learner code runs here: the message is data): millions of empty lists. At the
    wire's limit this would take the trusted, unsandboxed judge past 10 GiB."""
    body = b'{"op": "done", "changed": {}, "value": [' + b"[]," * 1_000_000 + b"[]]}"
    path = tmp_path / "reply"
    path.write_bytes(len(body).to_bytes(wire.HEADER, "big") + body)
    fd = os.open(path, os.O_RDONLY)
    tracemalloc.start()
    try:
        wire.receive(fd)
        peak = tracemalloc.get_traced_memory()[1]
    except wire.WireError:  # refused: costs nothing more
        peak = 0
    finally:
        tracemalloc.stop()
        os.close(fd)
    assert peak < 8 * len(body), f"{peak / 2**20:.0f} MiB held for a {len(body) / 2**20:.0f} MiB reply"
