"""Sealed grading, tried as a hostile student would (one `grade` run).

One submission per channel by which a submission could get something out of its run
or into someone else's: the hidden tests through the run's own output, the network,
shared folders, symlinks for the grader to follow, the grader's environment, its own
exception messages, HTML and script for whoever opens the pages, processes that
outlive the job. Each is built on the same WRONG softmax, so none may earn a point,
and each test checks that its channel stayed shut. Then the faults that must keep what
is right, and the submission folders nbgrader cannot take.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from support import skip_unless_ci

from grader.core import sandbox
from grader.tools import hub
from grader.tools.course import ROOT

pytestmark = pytest.mark.slow

A = "02_softmax"
WRONG = "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    return np.asarray(z, dtype=float)\n"
RIGHT = (
    "import numpy as np\n\n\ndef softmax(z, axis=-1):\n"
    "    z = np.asarray(z)\n    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(float)\n"
    "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
    "    return e / e.sum(axis=axis, keepdims=True)\n"
)
TOKEN = f"instructor-token-{secrets.token_hex(8)}"  # in the grader's environment only
MARK = f"sealed-{os.getpid()}-{secrets.token_hex(4)}"  # names what a submission leaves behind
DROPS = [f"/dev/shm/{MARK}", f"/run/lock/{MARK}", f"/tmp/{MARK}", f"/var/tmp/{MARK}"]


def _hunt_hidden_tests() -> str:
    # Kernel history, the interpreter's memory and every process it can see: printed.
    return """
import gc, glob
found = [repr(globals().get(name)) for name in ("In", "_ih", "Out")]
found += [o for o in gc.get_objects() if isinstance(o, str) and "battery" in o]
for path in glob.glob("/proc/*/cmdline") + glob.glob("/proc/*/environ"):
    try:
        found.append(open(path, "rb").read().decode(errors="replace"))
    except OSError:
        pass
print("FOUND", found)
"""


def _network(port: int) -> str:
    return f"""
import socket
for host in ("127.0.0.1", "10.0.2.2", "1.1.1.1"):
    try:
        socket.create_connection((host, {port}), timeout=2).sendall(b"hidden tests")
    except OSError as exc:
        print("no network:", exc)
"""


DROP = f"""
import os
for path in {DROPS!r}:
    try:
        open(path, "w").write("the hidden reference")
    except OSError as exc:
        print("cannot drop", path, exc)
"""


def _symlinks(target: Path) -> str:
    return f"""
import os
for link in ("autograded", "feedback", "timestamp.txt", "/tmp/gradebook.db", "{A}.ipynb"):
    try:
        os.symlink({str(target)!r}, link)
    except OSError:
        pass
"""


ENVIRON = "import os\nprint(dict(os.environ))\n"
LEAK_IN_MESSAGE = (
    RIGHT.replace("def softmax(z, axis=-1):\n", "def softmax(z, axis=-1):\n    _check(z)\n")
    + "\n\ndef _check(z):\n    if np.ndim(z) == 3:\n        raise NameError('LEAKED ' + repr(np.asarray(z).tolist()))\n"
)
SCRIPT = "window.__pwned = (window.__pwned || 0) + 1"
HOGS = f"""
import os, subprocess, sys
for _ in range(3):
    subprocess.Popen([sys.executable, "-c", "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
                      "while True: pass  # {MARK}"], start_new_session=True)
"""
FORK_BOMB = """
import subprocess, sys
children = []
try:
    for _ in range(300):
        children.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
except OSError as exc:
    print("stopped at", len(children), exc)
"""


def _with(course, kit, source: str, markdown: str | None = None):
    nb = course.solved(A)
    kit.replace_solution(nb, "softmax", source)
    if markdown is not None:
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(markdown))
        nb.cells.insert(2, nbformat.v4.new_raw_cell(f"<script>{SCRIPT}</script>"))
    return nb


@pytest.fixture(scope="module")
def sealed(course, kit, tmp_path_factory):
    if not sandbox.mode().sandboxed:  # the attacks would run on this machine as they are
        skip_unless_ci(f"no sandbox here, and the attacks are real: {sandbox.mode().why}")
    tmp = tmp_path_factory.mktemp("sealed")
    subs, out = tmp / "submitted", tmp / "graded"
    secret = tmp / "root-only.txt"
    secret.write_text("only root reads this")
    secret.chmod(0o600)
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    attacks = {
        "hunt-hidden-tests": WRONG + _hunt_hidden_tests(),
        "network": WRONG + _network(server.getsockname()[1]),
        "drop-in-shared-folders": WRONG + DROP,
        "plant-symlinks": WRONG + _symlinks(secret),
        "read-environment": WRONG + ENVIRON,
        "leak-in-message": LEAK_IN_MESSAGE,
        "cpu-hogs": WRONG + HOGS,
        "fork-bomb": WRONG + FORK_BOMB,
    }
    for student, source in attacks.items():
        kit.put_submission(subs, student, A, _with(course, kit, source))
    markdown = (
        f'<img src="x" onerror="{SCRIPT}"> <script>{SCRIPT}</script>\n\n'
        "[click me](javascript:window.__pwned=1) <a href='javascript:void(0)' onclick='window.__pwned=1'>or me</a>"
    )
    printed = WRONG + f'print("<script>{SCRIPT}</script>")\n'
    kit.put_submission(subs, "script-in-pages", A, _with(course, kit, printed, markdown))
    kit.put_submission(subs, "honest", A, _with(course, kit, RIGHT))
    kit.put_submission(subs, "define-then-loop", A, _with(course, kit, RIGHT + "\nwhile True:\n    pass\n"))
    old = _with(course, kit, RIGHT)
    kit.put_submission(subs, "format-three", A, nbformat.writes(nbformat.convert(old, 3), version=3))
    kit.put_submission(subs, ".hidden-student", A, _with(course, kit, RIGHT))
    kit.put_submission(subs, "-dash", A, _with(course, kit, RIGHT))
    before = kit.tree_digest(subs)
    env = {**os.environ, "LOGITLAB_TEST_SECRET": TOKEN}
    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "-o", str(out), "--no-gradebook", "--jobs", "2"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    try:
        connection = server.accept()
    except BlockingIOError:
        connection = None
    server.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    feedback = subprocess.run(
        [sys.executable, "-m", "grader", "feedback", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        out=out,
        proc=proc,
        connection=connection,
        secret=secret,
        unchanged=kit.tree_digest(subs) == before,
        grades=grades,
        scores=kit.scores_by_student(grades),
        summary={r["student_id"]: r for r in summary},
    )


def _published(out: Path) -> list[Path]:
    """What instructors and students open: CSVs, graded notebooks, feedback pages
    (OUT/.templates is the instructor's own copy of the assignment)."""
    return [p for p in out.rglob("*") if p.is_file() and ".templates" not in p.parts]


def _total(sealed, student: str) -> float:
    return sum(score for score, _ in sealed.scores[(student, A)].values())


def test_every_channel_earns_nothing_and_the_honest_keep_full_marks(sealed):
    for student in ("hunt-hidden-tests", "network", "drop-in-shared-folders", "plant-symlinks", "read-environment"):
        assert _total(sealed, student) == 0, sealed.summary[student]
    assert _total(sealed, "honest") == 4 and sealed.summary["honest"]["status"] == "graded"
    assert sealed.unchanged, "the submissions folder is never written"


def test_the_hidden_tests_reach_no_page(sealed, course):
    secret = [line for line in course.hidden_lines(A) if line not in RIGHT]  # the learner's own lines may match
    assert len(secret) > 10
    for path in _published(sealed.out):
        text = html.unescape(path.read_text(errors="replace"))
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{path.relative_to(sealed.out)}: {leaked[:3]}"
    graded = nbformat.read(sealed.out / "autograded" / "hunt-hidden-tests" / A / f"{A}.ipynb", 4)
    printed = [o.text for c in graded.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stdout"]
    assert any(t.startswith("FOUND") for t in printed), "the hunt ran, and found nothing worth showing"


def test_no_network_at_all(sealed):
    assert sealed.connection is None, "a submission reached a port on the host's loopback"
    graded = nbformat.read(sealed.out / "autograded" / "network" / A / f"{A}.ipynb", 4)
    printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
    assert printed.count("no network:") == 3, printed


def test_shared_folders_are_the_jobs_own_and_gone_afterwards(sealed):
    assert not [p for p in DROPS if os.path.exists(p)]


def test_planted_symlinks_are_never_followed(sealed):
    assert stat.S_IMODE(sealed.secret.stat().st_mode) == 0o600
    assert sealed.secret.read_text() == "only root reads this"
    assert not [p for p in sealed.out.rglob("*") if p.is_symlink()]


def test_the_graders_environment_stays_outside(sealed):
    assert not [p for p in _published(sealed.out) if TOKEN in p.read_text(errors="replace")]
    graded = (sealed.out / "autograded" / "read-environment" / A / f"{A}.ipynb").read_text()
    assert "NBGRADER_EXECUTION" in graded, "the environment was printed: the fixed one"


def test_a_hidden_case_quotes_nothing_the_learner_chose(sealed):
    reasons = [r["reason"] for r in sealed.grades if r["student_id"] == "leak-in-message"]
    assert sealed.scores[("leak-in-message", A)]["test_softmax"] == (2.0, 2.0)
    edge = next(
        r for r in sealed.grades if r["student_id"] == "leak-in-message" and r["grade_id"] == "test_softmax_edge"
    )
    assert edge["score"] == "0" and "NameError" in edge["reason"], edge
    assert not [why for why in reasons if "LEAKED" in why], reasons


def test_learner_html_is_inert_in_every_page(sealed):
    graded = nbformat.read(sealed.out / "autograded" / "script-in-pages" / A / f"{A}.ipynb", 4)
    sources = " ".join(c.source for c in graded.cells if c.cell_type in ("markdown", "raw"))
    assert not re.search(r"<script|onerror|onclick|javascript:", sources, re.I), sources[:2000]
    page = (sealed.out / "feedback" / "script-in-pages" / A / f"{A}.html").read_text()
    assert not re.search(r"<script[^>]*>\s*window\.__pwned|onerror=|onclick=|javascript:window", page)


def test_nothing_outlives_its_job(sealed):
    left = []
    for p in psutil.process_iter(["cmdline"]):
        if any(MARK in part for part in p.info.get("cmdline") or []):
            left.append(p.info["cmdline"])
    assert not left, f"still running: {left}"
    assert _total(sealed, "honest") == 4, "the hogs did not starve the class"


def test_a_fork_bomb_is_stopped_at_the_process_limit(sealed):
    graded = (sealed.out / "autograded" / "fork-bomb" / A / f"{A}.ipynb").read_text()
    found = re.search(r"stopped at (\d+)", graded)
    assert found and int(found.group(1)) < sandbox.Limits().pids, graded[-2000:]


def test_a_cell_that_never_ends_keeps_what_it_defined(sealed):
    row = sealed.summary["define-then-loop"]
    assert _total(sealed, "define-then-loop") == 4, row
    assert "softmax" in row["flags"] and "stopped" in row["flags"], row


def test_a_format_three_notebook_is_graded(sealed):
    row = sealed.summary["format-three"]
    assert row["status"] in ("graded", "flagged") and _total(sealed, "format-three") == 4, row


@pytest.mark.parametrize("student, why", [(".hidden-student", "starts with a dot"), ("-dash", "starts with a dash")])
def test_folders_nbgrader_cannot_take_are_reported(sealed, student, why):
    row = sealed.summary[student]
    assert row["status"] == "failed" and why in row["reason"], row


def test_no_sandbox_means_a_loud_warning_and_a_flag_on_every_submission(course, kit, tmp_path, monkeypatch):
    """Where bubblewrap is missing, grading still runs, says so once, and flags all."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("setpriv",):
        if Path(f"/usr/bin/{tool}").exists():
            (bin_dir / tool).symlink_to(f"/usr/bin/{tool}")
    subs, out = tmp_path / "submitted", tmp_path / "graded"
    kit.put_submission(subs, "alice", A, _with(course, kit, RIGHT))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{bin_dir}"}  # no bwrap on it
    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "-o", str(out), "--no-gradebook"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count("WARNING: graded WITHOUT a sandbox") == 1, proc.stderr[-2000:]
    _, summary = kit.read_csv(out / "summary.csv")
    assert summary[0]["status"] == "flagged" and "WITHOUT a sandbox" in summary[0]["flags"], summary
    assert summary[0]["score"] == "4"


def test_the_sandbox_holds_for_an_unprivileged_instructor(tmp_path):
    """Graded by a user who is not root, where user namespaces are allowed: bubblewrap
    then makes its sandbox in a user namespace, with the same isolation."""
    if os.geteuid() != 0:
        pytest.skip("this test switches to an unprivileged user, which needs root")
    python = hub.SINGLEUSER / "python"  # a Python every user may run
    if not python.exists():
        skip_unless_ci(f"no {hub.SINGLEUSER.parent} (made by `make hub-deps`)")
    probe = subprocess.run(["runuser", "-u", "nobody", "--", "unshare", "-U", "-r", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        skip_unless_ci("this machine refuses unprivileged user namespaces")
    # The grader's code where that user may read it (a checkout may sit in a private folder).
    code = Path(tempfile.mkdtemp(prefix="logitlab-unprivileged-"))
    code.chmod(0o755)
    shutil.copytree(ROOT / "grader", code / "grader", ignore=shutil.ignore_patterns("__pycache__", "bugzoo"))
    script = f"""
import json, sys
sys.path.insert(0, {str(code)!r})
from grader.core import sandbox
probe = (
    "import json, os, socket\\n"
    "try:\\n    socket.create_connection(('127.0.0.1', 22), timeout=1); net = True\\n"
    "except OSError:\\n    net = False\\n"
    "import subprocess\\nkids = []\\n"
    "try:\\n    [kids.append(subprocess.Popen(['sleep', '20'])) for _ in range(150)]\\n"
    "except OSError:\\n    pass\\n"
    "print(json.dumps([os.getuid(), net, os.path.exists({str(ROOT / 'solutions')!r}), len(kids)]))"
)
box = sandbox.spawn([sys.executable, "-I", "-c", probe], {{"PATH": "/usr/bin:/bin"}}, {{}})
inside = json.loads(box.proc.stdout.read().decode())
box.kill()
print(json.dumps([sandbox.mode().kind, inside]))
"""
    try:
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", str(python), "-c", script],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(code)
    assert done.returncode == 0, done.stderr[-2000:]
    kind, (uid, net, sees_course, processes) = json.loads(done.stdout.strip().splitlines()[-1])
    assert kind == "user", done.stderr[-2000:]
    assert not net and not sees_course, (uid, net, sees_course)
    assert processes < 150, "processes are limited without a cgroup too (rlimits)"
