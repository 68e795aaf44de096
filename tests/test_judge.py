"""The judge: test cells run in a process that never runs learner code, against the
learner's functions in a process of their own, over a wire that carries only plain values."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import nbformat
import numpy as np
import pytest
from corpus_leaks import NEAR_MISS_SOFTMAX
from support import skip_unless_ci

from grader.core import cells, judge, judging, sandbox, wire
from grader.tools import build
from grader.tools.course import NOTEBOOKS, assignments

GRADED = [a for a in assignments() if a != "00_welcome"]


# ---- the wire ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(0.7),
        np.array([True, False]),
        np.array(["refund", "reship"]),
        np.arange(4, dtype=np.int64)[::2],
        np.zeros((0, 3)),
        np.array([np.inf, -np.inf, np.nan]),
        np.complex128(1 + 2j),
    ],
)
def test_arrays_and_numpy_scalars_travel_exactly(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert type(back) is type(value) and back.dtype == value.dtype
    assert np.shape(back) == np.shape(value)
    np.testing.assert_array_equal(back, value)


def test_python_types_are_kept_apart_from_numpy_ones():
    value = [1.5, np.float64(1.5), True, np.bool_(True), 3, np.int64(3), "x", None, (1, [2.0]), {"a": (1,)}]
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert [type(v) for v in back] == [type(v) for v in value]
    assert back[8] == (1, [2.0]) and back[9] == {"a": (1,)}


def test_a_generator_travels_as_its_state():
    rng = np.random.default_rng(5)
    twin = wire.decode(wire.encode(rng))
    assert twin is not rng and twin.random() == rng.random()
    with pytest.raises(wire.WireError, match="plain state"):
        wire.encode(np.random.Generator(np.random.MT19937(1)))


@pytest.mark.parametrize(
    "data, why",
    [
        ({"t": "nd", "dtype": "|O", "shape": [1], "b64": ""}, "not numeric"),
        ({"t": "nd", "dtype": "<f8", "shape": [3], "b64": "AAAAAAAAAAA="}, "wrong size"),
        ({"t": "nd", "dtype": "<f8", "shape": [-1], "b64": ""}, "negative"),
        ({"t": "pickle", "data": "..."}, "unknown value tag"),
        ({"t": "fn", "id": 0}, "unknown value tag"),
        ({"t": "rng", "state": {"bit_generator": "os", "state": {}}}, "bit generator"),
    ],
)
def test_decode_refuses_anything_but_plain_values(data, why):
    with pytest.raises(wire.WireError, match=why):
        wire.decode(data)


def test_decode_refuses_deep_nesting():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError, match="deeply"):
        wire.decode(deep)


# ---- calls across processes -------------------------------------------------------------

LEARNER = '''
import numpy as np

print("debug prints go nowhere")
SCALE = np.float64(2.0)


class Doubler:
    def __call__(self, z):
        return np.asarray(z) * SCALE


double = Doubler()


def as_python_float(z):
    return float(np.sum(z))


def in_place(z):
    z[0] = 99.0
    return z


def appends(values):
    values.append(4)
    return len(values)


class Shaped(ValueError):
    pass


def picky(z):
    z = np.asarray(z)
    if z.ndim != 2:
        raise Shaped(f"need a 2-D batch, got {z.ndim}-D")
    return z


def uses_missing(z):
    return row_max


def derivative(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def draw(rng, n):
    return rng.integers(0, 100, size=n)


def spins(z):
    while True:
        pass


def leaves(z):
    import os
    os._exit(3)


def pair(z):
    return z, [z.sum()]


def hungry(n):
    return float(np.ones(n).sum())


def hungry_and_hiding_it(n):
    import tracemalloc

    total = float(np.ones(n).sum())
    tracemalloc.reset_peak()  # as if nothing had been allocated
    tracemalloc.stop()
    tracemalloc.get_traced_memory = lambda: (0, 0)
    return total


def helper(z):
    return "mine"


def uses_helper(z):
    return helper(z)
'''


@pytest.fixture
def session():
    learner = judge.Learner([["setup", "import numpy as np", 0], ["mine", LEARNER, 1]], judging.LEARNER_ENV)
    s = judge.Session(learner)
    s.begin_cell()
    yield s
    learner.kill()


def remote(session, name):
    return judge.Remote(session, name)


def test_a_remote_returns_plain_values_of_the_same_types(session):
    out = remote(session, "double")(np.array([1.0, 2.5], dtype=np.float32))
    assert isinstance(out, np.ndarray) and out.tolist() == [2.0, 5.0]
    value = remote(session, "as_python_float")([1, 2])
    assert type(value) is float and value == 3.0
    z, parts = remote(session, "pair")(np.arange(3.0))
    assert isinstance(parts, list) and parts == [3.0] and isinstance(parts[0], np.float64)


def test_in_place_changes_come_back_and_an_input_returned_is_the_input(session):
    z = np.array([1.0, 2.0])
    out = remote(session, "in_place")(z)
    assert out is z and z.tolist() == [99.0, 2.0]
    values = [1, 2, 3]
    assert remote(session, "appends")(values) == 4 and values == [1, 2, 3, 4]


def test_exceptions_come_back_as_their_builtin_type_with_the_learners_line(session):
    with pytest.raises(ValueError, match="need a 2-D batch") as err:
        remote(session, "picky")(np.arange(3.0))
    assert err.value.learner_line[1].strip().startswith("raise Shaped(")
    with pytest.raises(NameError, match="row_max"):
        remote(session, "uses_missing")(1.0)
    with pytest.raises(NameError, match="not defined"):
        remote(session, "never_written")(1.0)


def test_a_callable_argument_stays_in_the_judge_and_is_called_back(session):
    seen = []

    def cube(x):
        seen.append(type(x))
        return x**3

    slope = remote(session, "derivative")(cube, 2.0)
    assert abs(slope - 12.0) < 1e-6 and seen == [float, float]


def test_a_test_can_swap_a_helper_for_a_trusted_one_and_put_it_back(session):
    """As 04's hidden tests grade sample_next_token on its own, with trusted helpers."""
    fn = remote(session, "uses_helper")
    scope = fn.__globals__
    dict.__setitem__(scope, "helper", remote(session, "helper"))
    mine = scope["helper"]
    scope["helper"] = lambda z: "trusted"
    assert fn(1) == "trusted"
    session.learner.kill()  # a restart keeps the swap
    assert fn(1) == "trusted"
    scope.update({"helper": mine})
    assert fn(1) == "mine"


def test_memory_measured_in_the_judge_is_the_learners(session):
    """A check that measures a function's memory with tracemalloc sees the peak the call
    reached in the learner's process (as 11's chunked loss is checked)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert remote(session, "hungry")(6_000_000) == 6_000_000.0  # 48 MB over there
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert 45e6 <= peak < 60e6, peak  # resident pages, read from outside


def test_memory_hidden_from_tracemalloc_is_still_seen(session):
    """Learner code can stop, reset or patch its own process's tracemalloc; the judge
    also reads that process's resident peak from the kernel."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert remote(session, "hungry_and_hiding_it")(6_000_000) == 6_000_000.0
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert 46e6 <= peak < 70e6, peak


def test_a_generator_draws_as_it_would_in_one_process(session):
    here, there = np.random.default_rng(9), np.random.default_rng(9)
    first = remote(session, "draw")(there, 5)
    assert first.tolist() == here.integers(0, 100, size=5).tolist()
    assert remote(session, "draw")(there, 3).tolist() == here.integers(0, 100, size=3).tolist()


def test_a_call_that_never_returns_times_out_and_the_process_comes_back(session, monkeypatch):
    monkeypatch.setattr(judge, "CALL_LIMIT", 1.0)
    start = time.monotonic()
    with pytest.raises(judge.CallTimeout, match="did not return within 1 s"):
        remote(session, "spins")(0)
    assert time.monotonic() - start < 5
    with pytest.raises(judge.CallTimeout):  # the same function is not waited for twice
        remote(session, "spins")(0)
    assert remote(session, "as_python_float")([2.0]) == 2.0  # a fresh process, cells replayed


def test_a_call_that_ends_the_process_fails_clearly_and_the_next_works(session):
    with pytest.raises(judge.LearnerGone, match="ended"):
        remote(session, "leaves")(0)
    assert remote(session, "as_python_float")([1.0]) == 1.0


def test_a_cell_that_hangs_or_fails_is_noted_and_the_rest_still_runs(monkeypatch):
    """As in a kernel: a cell past its time is interrupted and the notebook goes on; what
    the cell defined before the endless statement keeps working, even when the loop
    swallows the interrupt (the process is then started again without that statement)."""
    monkeypatch.setattr(judge, "LOAD_LIMIT", 1.0)
    monkeypatch.setattr(judge, "INTERRUPT_GRACE", 1.0)
    program = [
        ["softmax", "def softmax(z):\n    return z\n\nwhile True:\n    pass\n", 1],
        [
            "your cell 3",
            "import signal\ndef h():\n    return 5\n\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
            3,
        ],
        ["broken", "def f(:\n", 4],
        ["helper", "def g():\n    return 7\n", 5],
    ]
    learner = judge.Learner(program, judging.LEARNER_ENV)
    s = judge.Session(learner)
    s.begin_cell()
    try:
        assert remote(s, "g")() == 7 and remote(s, "softmax")(3) == 3 and remote(s, "h")() == 5
        assert "interrupted" in learner.notes["softmax"], learner.notes
        assert "ignored the interrupt" in learner.notes["your cell 3"], learner.notes
        assert learner.notes["broken"].startswith("raised SyntaxError") and "line 1" in learner.notes["broken"]
        assert learner.outputs["1"][-1]["ename"] == "KeyboardInterrupt"
    finally:
        learner.kill()


def test_free_names_are_what_a_test_cell_reads_without_defining():
    source = "import numpy as np\n_x = softmax([1.0])\ndef _h(v):\n    return v\nassert_check('a', log_softmax)\n"
    assert judge.free_names(source) == {"softmax", "assert_check", "log_softmax"}


# ---- whole notebooks ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("source")
    build.build_sources(GRADED, root)
    return root


def _nb(path):
    return nbformat.read(str(path), as_version=4)


def _judge(tmp_path, sources, name, submission, **kw):
    source = _nb(sources / name / f"{name}.ipynb")
    release = _nb(NOTEBOOKS / name / f"{name}.ipynb")
    return judging.judge(submission, source, release, tmp_path / "judge", kw.pop("timeout", 120), **kw)


@pytest.mark.parametrize("name", GRADED)
def test_solutions_pass_every_cell_and_untouched_notebooks_none(tmp_path, sources, name):
    full = _judge(tmp_path, sources, name, build.solved_notebook(name, sources))
    assert full.error is None and full.cells and all(ok for ok, _ in full.cells.values()), full.cells
    empty = _judge(tmp_path, sources, name, _nb(NOTEBOOKS / name / f"{name}.ipynb"))
    assert empty.error is None and not any(ok for ok, _ in empty.cells.values())
    assert all(why for _, why in empty.cells.values()), "every lost point has a reason"


def _with_softmax(sources, code, extra_cell=None):
    nb = build.solved_notebook("02_softmax", sources)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            cell.source = code
    if extra_cell:
        nb.cells.insert(2, nbformat.v4.new_code_cell(extra_cell))
    return nb


def test_the_learners_process_runs_added_cells_and_module_code(tmp_path, sources):
    helper = "import numpy as np\n\ndef _shift(z, axis):\n    return z - np.max(z, axis=axis, keepdims=True)\n"
    code = (
        "import numpy as np\nAXIS_DEFAULT = -1\n\n\ndef softmax(z, axis=AXIS_DEFAULT):\n"
        "    z = np.asarray(z)\n    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(float)\n"
        "    e = np.exp(_shift(z, axis))\n    return e / e.sum(axis=axis, keepdims=True)\n"
    )
    result = _judge(tmp_path, sources, "02_softmax", _with_softmax(sources, code, helper))
    assert all(ok for ok, _ in result.cells.values()), result.cells
    program = judging.program(_with_softmax(sources, code, helper), _nb(NOTEBOOKS / "02_softmax" / "02_softmax.ipynb"))
    labels = [label for label, _, _ in program]
    assert "your cell 3" in labels and "softmax" in labels and "setup" in labels
    assert not any(label.startswith("test_") for label in labels)


def test_a_lost_point_says_why_without_expected_values(tmp_path, sources):
    result = _judge(tmp_path, sources, "02_softmax", _with_softmax(sources, NEAR_MISS_SOFTMAX))
    assert result.cells["test_softmax"] == (True, "")
    assert result.cells["test_softmax_edge"] == (False, "1 hidden case(s) failed: 3-D batch along axis=1: wrong values")


def test_a_cell_that_did_not_run_comes_first_in_the_reason(tmp_path, sources):
    code = "import numpy as np\nnp.exp(1) / undefined_name\n\n\ndef softmax(z, axis=-1):\n    return z\n"
    why = _judge(tmp_path, sources, "02_softmax", _with_softmax(sources, code)).cells["test_softmax"][1]
    assert why.startswith("the cell softmax raised NameError: name 'undefined_name' is not defined"), why


def test_stop_kills_the_judge(tmp_path, sources):
    stop = threading.Event()
    stop.set()
    code = "def softmax(z, axis=-1):\n    while True:\n        pass\n"
    result = _judge(tmp_path, sources, "02_softmax", _with_softmax(sources, code), stop=stop)
    assert result.error == "interrupted" and not any(ok for ok, _ in result.cells.values())


def test_the_jailed_learner_reaches_no_network(tmp_path, sources):
    if not sandbox.mode().sandboxed:
        skip_unless_ci(f"no sandbox here: {sandbox.mode().why}")
    with socket.create_server(("127.0.0.1", 0)) as server:
        code = (
            "import socket\n"
            "def softmax(z, axis=-1):\n"
            f"    socket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=2)\n"
        )
        result = _judge(tmp_path, sources, "02_softmax", _with_softmax(sources, code))
        server.setblocking(False)
        with pytest.raises(BlockingIOError):  # nobody ever connected
            server.accept()
    assert result.error is None and not result.cells["test_softmax"][0]


# Each probe is true when the learner's process can reach something it must not.
ESCAPES = {
    "runs as root": "os.geteuid() == 0",
    "sees other processes": "sum(p.isdigit() for p in os.listdir('/proc')) > 2",
    "reads a folder at the top of the file system": "os.path.exists(TOP_SECRET)",
    "reads a file in the temporary folder": "os.path.exists(TMP_SECRET)",
    "reaches the host through /proc": "os.path.exists('/proc/1/root' + TOP_SECRET)",
    "unmounts what hides the course": "ctypes.CDLL(None).umount2(b'/usr', 2) == 0",
    "sees the host's shared memory": "os.path.exists('/dev/shm/' + os.path.basename(TMP_SECRET))",
    "reads the grader's environment": "'LOGITLAB_TEST_SECRET' in os.environ or 'CI' in os.environ",
    "writes where the host could follow": "any(os.access(p, os.W_OK) for p in ('/usr', '/etc', sys.prefix, RUNNER))",
    "finds a process outside its own": "len([p for p in os.listdir('/proc') if p.isdigit()]) > 3",
}


@pytest.mark.parametrize("escape", ESCAPES)
def test_the_jailed_learner_cannot_escape(tmp_path, sources, escape, monkeypatch):
    """The learner's softmax is right only where the escape fails: a pass proves both
    that the process ran and that the escape did not work."""
    if not sandbox.mode().sandboxed:
        skip_unless_ci(f"no sandbox here: {sandbox.mode().why}")
    monkeypatch.setenv("LOGITLAB_TEST_SECRET", "an instructor's token")  # in the grader's environment only
    top = Path(f"/logitlab-test-secret-{os.getpid()}")  # where a CI machine might keep a copy
    tmp_secret = Path(tempfile.gettempdir()) / f"logitlab-test-secret-{os.getpid()}.txt"
    top.mkdir(mode=0o755)
    try:
        (top / "answers.txt").write_text("42")
        tmp_secret.write_text("42")
        shm_secret = Path("/dev/shm") / tmp_secret.name
        shm_secret.write_text("42")
        code = (
            "import ctypes, os, sys\nimport numpy as np\n"
            f"RUNNER = {sandbox.RUNNER_DIR!r}\n"
            f"TOP_SECRET, TMP_SECRET = {str(top / 'answers.txt')!r}, {str(tmp_secret)!r}\n"
            f"TMP = {tempfile.gettempdir()!r}\n"
            "def softmax(z, axis=-1):\n"
            f"    if {ESCAPES[escape]}:\n"
            "        return np.zeros_like(np.asarray(z, dtype=float))\n"
            "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
            "    return e / e.sum(axis=axis, keepdims=True)\n"
        )
        result = _judge(tmp_path, sources, "02_softmax", _with_softmax(sources, code))
    finally:
        tmp_secret.unlink()
        shm_secret.unlink()
        shutil.rmtree(top)
    assert result.error is None and result.cells["test_softmax"][0], (escape, result.cells)


NAIVE_HIDING_ITS_MEMORY = """
import tracemalloc
import numpy as np


def chunked_cross_entropy(hidden, weight, targets, chunk_size):
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    z = np.asarray(hidden, dtype=float) @ np.asarray(weight, dtype=float).T  # every logit at once
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    loss = float(np.mean(lse - z[np.arange(len(z)), np.asarray(targets)]))
    del z, m, lse
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    return loss
"""


def test_a_naive_chunked_loss_that_hides_its_memory_still_loses(tmp_path, sources):
    nb = build.solved_notebook("11_llm_scale", sources)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "chunked_cross_entropy":
            cell.source = NAIVE_HIDING_ITS_MEMORY
    result = _judge(tmp_path, sources, "11_llm_scale", nb)
    passed, why = result.cells["test_chunked_cross_entropy"]
    assert not passed and "peak memory" in why, why
    edge = result.cells["test_chunked_cross_entropy_edge"]
    assert edge[0], f"its values are right, only its memory gives it away: {edge}"


def test_learner_code_reaching_for_the_interpreter_is_flagged(sources):
    code = "import gc, inspect\n\ndef softmax(z, axis=-1):\n    return gc.get_objects()\n"
    release = _nb(NOTEBOOKS / "02_softmax" / "02_softmax.ipynb")
    assert judging.suspicious(_with_softmax(sources, code), release) == ["softmax: uses gc, inspect"]
    assert judging.suspicious(build.solved_notebook("02_softmax", sources), release) == []


def test_a_cell_is_read_as_a_kernel_reads_it():
    """IPython's syntax becomes get_ipython() calls on the same lines; an operator that
    starts a continuation line is not a magic; a timed cell's body runs, a file's does not."""
    code = cells.code_of("x = (\n    1\n    != 2\n)\n%timeit x\nfiles = !ls\nnp.sum?\ny = 3\n")
    lines = code.splitlines()
    assert lines[2].strip() == "!= 2" and lines[7] == "y = 3", code
    assert "get_ipython().run_line_magic('timeit'" in lines[4] and "getoutput('ls')" in lines[5]
    plain = "def f(z):\n    return z % 2  # 100%\n"
    assert cells.code_of(plain) == plain
    timed = cells.code_of("\n%%time\ndef f():\n    return 1\n")
    assert timed.splitlines()[2] == "def f():", timed
    assert cells.code_of("%%writefile f.py\nimport os\n").startswith("get_ipython().run_cell_magic('writefile'")
