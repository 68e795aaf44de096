"""The judge's own protocol, attacked from the learner's process (one `grade` run).

test_attacks.py and test_sealed.py cover what a submission can do to the machine and
the pages; this file covers what the learner's process can do to the judge through the
wire: skip a step of the protocol, do its work where the judge does not look, carry what
it saw in hidden cases into a later public reason, keep state that recognises which
check is running (a sibling that fails its checks only when that skips cases, a step
that lies to the replay of fit), or send replies and callbacks built to cost the trusted
judge far more than they cost the learner's process. Each attack is built on an answer
whose score is known without the trick (a naive chunked loss that holds every logit at
once, attention that ignores causal=True, a fit that never trains, a wrong softmax), so
the rule stays: no trick earns more, and no reply costs the judge much more than an
honest one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from support import skip_unless_ci

from grader.core import sandbox

pytestmark = pytest.mark.slow

SOFTMAX = "02_softmax"
SCALE = "11_llm_scale"
TEMPERATURE = "04_temperature"
ATTENTION = "08_attention"
TRAINING = "09_training"
GRADIENTS = "06_gradients"
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

# 08: attention that ignores causal=True. Its causal cases run only while causal_mask
# and masked_softmax pass their checks; this causal_mask passes them in its own cells,
# then fails them once attention has been called: the gate closes on the cases it would fail.
GATE_CLOSER = """
import numpy as np

_ATTENDED = []


def causal_mask(T):
    positions = np.arange(T)
    mask = positions[None, :] <= positions[:, None]
    return ~mask if _ATTENDED else mask
"""
IGNORES_CAUSAL = """

def scaled_dot_product_attention(q, k, v, causal=False):
    _ATTENDED.append(True)
    return _no_causal(q, k, v, causal)
"""

# 09: a fit that never trains (one draw of W, then nothing). fit is judged against a
# replay of the learner's own train_step; this train_step is right in its own cells,
# then, once the judge has called fit, changes nothing and reports a loss of 0: the
# replay then agrees with the untrained fit.
LAZY_FIT = """
import sys

_FITTED = []


def fit(X, y, num_classes, lr, steps, rng):
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_name != "_call":  # called by the judge?
        frame = frame.f_back
    if frame is not None:
        _FITTED.append(True)
    W = rng.normal(scale=0.01, size=(np.shape(X)[1], num_classes))
    return W, np.zeros(num_classes), [0.0] * steps
"""
REPLAY_LIAR = """

def train_step(W, b, X, y, lr):
    if globals().get("_FITTED"):
        return np.array(W, dtype=float), np.array(b, dtype=float), 0.0
    return _right_step(W, b, X, y, lr)
"""

# 06: a wrong numerical_gradient (all zeros), plain, and one that keeps every loss f the
# judge passed it and calls them all again later, and calls callbacks that never were.
ZERO_GRADIENT = """
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    return np.zeros(np.shape(x))
"""
STALE_CALLBACKS = """
import numpy as np
import __main__ as _runner

_KEPT = []


def numerical_gradient(f, x, eps=1e-5):
    _KEPT.append(f)
    for kept in _KEPT[-20:]:
        try:
            kept(np.ones(np.shape(x)))
        except Exception:
            pass
    for ident in (-1, -len(_KEPT), 10**9):
        try:
            _runner._callback(ident)(np.ones(3))
        except Exception:
            pass
    return np.zeros(np.shape(x))
"""

# Replies and callbacks that cost the judge (trusted, unsandboxed) far more than they
# cost the learner's process: millions of empty lists in place of a softmax, and 04's
# trusted top_p_filter, bound for the hidden cases, called once on 8,000 logits (it
# compares every pair: 8,000 x 8,000 of them).
FLOOD = """
import os
import numpy as np
import __main__ as _runner

_FLOODED = []


def softmax(z, axis=-1):
    if not _FLOODED:  # once: the reply goes out, and the runner's own is dropped
        _FLOODED.append(True)
        body = b'{"op": "done", "changed": {}, "value": [' + b"[]," * 4_000_000 + b"[]]}"
        os.write(_runner.OUT, len(body).to_bytes(8, "big") + body)
        send = _runner.wire.send
        _runner.wire.send = lambda fd, message: setattr(_runner.wire, "send", send)
    return np.asarray(z, dtype=float)
"""
PAIRS = """
# attack: pairs
_PAIRS = []


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    if getattr(top_p_filter, "__name__", "") == "call" and not _PAIRS:  # the judge's own filter
        _PAIRS.append(top_p_filter(np.zeros(8000), 0.5))
    return _right(logits, temperature, top_k, top_p, rng)
"""

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


def _attention_notebook(course, kit, gate_closer: bool):
    nb = course.solved(ATTENTION)
    right = kit.solution_cells(nb)["scaled_dot_product_attention"]
    wrong = right.replace("if causal:", "if False:  # the miss: causal=True is ignored")
    if gate_closer:
        kit.replace_solution(nb, "causal_mask", GATE_CLOSER)
        wrong = wrong.replace("def scaled_dot_product_attention(", "def _no_causal(") + IGNORES_CAUSAL
    assert "the miss" in wrong
    kit.replace_solution(nb, "scaled_dot_product_attention", wrong)
    return nb


def _training_notebook(course, kit, liar: bool):
    nb = course.solved(TRAINING)
    if liar:
        right = kit.solution_cells(nb)["train_step"].replace("def train_step(", "def _right_step(")
        kit.replace_solution(nb, "train_step", right + REPLAY_LIAR)
    kit.replace_solution(nb, "fit", LAZY_FIT)
    return nb


def _pairs_notebook(course, kit):
    nb = course.solved(TEMPERATURE)
    right = kit.solution_cells(nb)["sample_next_token"].replace("def sample_next_token(", "def _right(")
    kit.replace_solution(nb, "sample_next_token", right + PAIRS)
    return nb


class JudgeMemory(threading.Thread):
    """The peak resident memory of each judge of a `grade` run (the grader's own
    processes, never sandboxed), by the student it judges: polled from outside."""

    def __init__(self, students: list[str]):
        super().__init__(daemon=True)
        self.students, self.peak, self.done = students, {}, threading.Event()
        self.whose: dict[int, str | None] = {}

    def _student(self, pid: int) -> str | None:
        if pid not in self.whose:
            try:
                payload = (Path(psutil.Process(pid).cwd()) / "payload.json").read_text()
            except (OSError, psutil.Error):
                return None
            self.whose[pid] = next((s for s in self.students if f"# attack: {s}" in payload), None)
        return self.whose[pid]

    def run(self) -> None:
        while not self.done.is_set():
            for p in psutil.process_iter(["cwd"]):
                if "logitlab-grading-" in (p.info.get("cwd") or "") and (student := self._student(p.pid)):
                    with contextlib.suppress(psutil.Error):
                        self.peak[student] = max(self.peak.get(student, 0), p.memory_info().rss)
            time.sleep(0.05)


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
    kit.put_submission(subs, "no-causal", ATTENTION, _attention_notebook(course, kit, gate_closer=False))
    kit.put_submission(subs, "gate-closer", ATTENTION, _attention_notebook(course, kit, gate_closer=True))
    kit.put_submission(subs, "lazy-fit", TRAINING, _training_notebook(course, kit, liar=False))
    kit.put_submission(subs, "replay-liar", TRAINING, _training_notebook(course, kit, liar=True))
    for student, source in {"zero-gradient": ZERO_GRADIENT, "stale-callbacks": STALE_CALLBACKS}.items():
        nb = course.solved(GRADIENTS)
        kit.replace_solution(nb, "numerical_gradient", source)
        kit.put_submission(subs, student, GRADIENTS, nb)
    kit.put_submission(subs, "carry", STABILITY, _carry_notebook(course, kit))
    kit.put_submission(subs, "wrong", SOFTMAX, _softmax_notebook(course, kit, WRONG))
    kit.put_submission(subs, "flood", SOFTMAX, _softmax_notebook(course, kit, "# attack: flood\n" + FLOOD))
    kit.put_submission(subs, "pairs", TEMPERATURE, _pairs_notebook(course, kit))
    kit.put_submission(subs, "deep-reply", SOFTMAX, _softmax_notebook(course, kit, DEEP_REPLY))
    honest = course.solved(SOFTMAX)
    honest.cells.append(nbformat.v4.new_code_cell("# attack: honest"))
    kit.put_submission(subs, "honest", SOFTMAX, honest)
    before = kit.tree_digest(subs)
    judges = JudgeMemory(["honest", "flood", "pairs"])
    judges.start()
    try:
        proc = kit.run_grade(subs, out, "--jobs", "2", "--timeout", "120")
    finally:
        judges.done.set()
        judges.join()
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        unchanged=kit.tree_digest(subs) == before,
        judges=judges.peak,
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


@pytest.mark.parametrize("student", ["unmeasured", "forked", "decoy"])
def test_no_trick_takes_the_naive_loss_past_the_memory_check(graded, student):
    assert _total(graded, student, SCALE) <= _total(graded, "naive", SCALE), graded.summary[(student, SCALE)]


def test_no_hidden_input_comes_out_in_a_later_public_reason(graded):
    reasons = [r["reason"] for r in graded.grades if r["student_id"] == "carry"]
    assert any("logsumexp raised ValueError" in why for why in reasons), reasons
    assert not [why for why in reasons if "1e+300" in why], reasons


def test_attention_that_ignores_causal_loses_its_causal_cases(graded):
    cells = graded.scores[("no-causal", ATTENTION)]
    assert cells["test_scaled_dot_product_attention"][0] == 0, cells
    assert cells["test_scaled_dot_product_attention_edge"][0] == 0, cells


def test_closing_the_siblings_gate_later_earns_nothing(graded):
    cells = graded.scores[("gate-closer", ATTENTION)]
    assert cells["test_causal_mask"][0] > 0, "the gate closer passes causal_mask's own checks"
    assert _total(graded, "gate-closer", ATTENTION) <= _total(graded, "no-causal", ATTENTION), cells


def test_a_fit_that_never_trains_earns_nothing_for_it(graded):
    cells = graded.scores[("lazy-fit", TRAINING)]
    assert cells["test_fit"][0] == 0 and cells["test_fit_edge"][0] == 0, cells


def test_a_train_step_that_lies_to_the_replay_earns_nothing(graded):
    cells = graded.scores[("replay-liar", TRAINING)]
    assert cells["test_train_step"][0] > 0, "the liar passes train_step's own checks"
    assert _total(graded, "replay-liar", TRAINING) <= _total(graded, "lazy-fit", TRAINING), cells


def test_calling_old_or_forged_callbacks_earns_nothing(graded):
    assert graded.summary[("stale-callbacks", GRADIENTS)]["status"] in ("graded", "flagged")
    cells = graded.scores[("stale-callbacks", GRADIENTS)]
    assert cells["test_cross_entropy_grad"] == (2.0, 2.0), "the other exercise keeps its points"
    assert _total(graded, "stale-callbacks", GRADIENTS) <= _total(graded, "zero-gradient", GRADIENTS), cells


def test_a_reply_too_deep_to_read_is_refused_and_flagged(graded):
    assert _total(graded, "deep-reply", SOFTMAX) == 0
    row = graded.summary[("deep-reply", SOFTMAX)]
    assert row["status"] == "flagged" and "protocol" in row["flags"], row
    assert _total(graded, "honest", SOFTMAX) == 4, graded.summary[("honest", SOFTMAX)]
    assert graded.unchanged, "the submissions folder is never written"


@pytest.mark.parametrize("student", ["flood", "pairs"])
def test_no_submission_makes_its_judge_hold_much_more_than_an_honest_ones(graded, student):
    assert graded.judges.get("honest", 0) > 0, f"no judge seen: {graded.judges}"
    extra = graded.judges.get(student, 0) - graded.judges["honest"]
    assert extra < 256 * 2**20, f"{student}'s judge held {extra / 2**20:.0f} MiB more: {graded.judges}"
