"""`grade --cluster`: a class graded on a real Dask scheduler and two workers on loopback,
one worker killed midway, gives one record per submission and the scores of a local
run; the learner's sandbox on a worker is the one it gets locally; a resumed run on a
LocalCluster grades only what is missing; bad addresses are one line and exit code 2."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from support import grader_cli

from grader.core import sandbox
from grader.tools.course import ROOT

pytestmark = pytest.mark.slow

A = "02_softmax"
DASK = str(Path(sys.executable).with_name("dask"))
WRONG = "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    return np.asarray(z, dtype=float)\n"
# What the learner's process sees of its own limits and of the machine, printed as one line.
PROBE = """
import json, os, socket
_status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
_probe = {{k: _status[k].split() for k in ("Uid", "NoNewPrivs", "Seccomp", "CapEff", "CapBnd") if k in _status}}
# The address-space line is left out: it is set only where no cgroup could be made.
_probe["limits"] = [l for l in open("/proc/self/limits").read().splitlines() if "address space" not in l]
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    _probe["scheduler"] = "reached"
except OSError as exc:
    _probe["scheduler"] = type(exc).__name__
_probe["root"] = sorted(os.listdir("/"))
_probe["cwd"] = sorted(os.listdir("."))
_probe["seen"] = [p for p in {paths!r} if os.path.exists(p)]
print("PROBE " + json.dumps(_probe, sort_keys=True))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    return subprocess.Popen(
        [DASK, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _kill(proc: subprocess.Popen) -> None:
    """The process and everything it started (worker, fork server, judges, sandboxes),
    and the cgroups of the jobs it was running (their judges cannot remove them now)."""
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        family = []
    jobs = set()
    for p in family:
        with contextlib.suppress(psutil.Error):
            jobs.add(p.environ().get(sandbox.JOB_TAG))
        with contextlib.suppress(psutil.Error):
            p.kill()
    proc.wait(timeout=30)
    for tag in jobs - {None}:
        sandbox.reap(tag)


def _wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the scheduler did not listen on port {port}")


def _probe(out: Path, student: str) -> dict:
    nb = nbformat.read(out / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("PROBE "):
                    return json.loads(line[len("PROBE ") :])
    raise AssertionError(f"no probe output in {student}'s graded notebook")


@pytest.fixture(scope="module")
def classroom(course, kit, tmp_path_factory):
    """60 submissions: solved, wrong, untouched, and two that probe their sandbox."""
    tmp = tmp_path_factory.mktemp("cluster")
    subs = tmp / "submitted"
    port = _free_port()
    outs = {name: tmp / name for name in ("local", "cluster", "resumed")}
    probe = PROBE.format(port=port, paths=[str(subs), *map(str, outs.values())])
    for i in range(60):
        nb = course.solved(A)
        if i % 3 == 1:
            kit.replace_solution(nb, "softmax", WRONG)
        if i in (7, 8):
            kit.replace_solution(nb, "softmax", (WRONG if i == 7 else kit.solution_cells(nb)["softmax"]) + probe)
        if i % 3 == 2 and i not in (7, 8):
            nb = course.student(A)
        kit.put_submission(subs, f"s{i:02d}", A, nb)
    return SimpleNamespace(subs=subs, port=port, **outs)


@pytest.fixture(scope="module")
def local(classroom, kit):
    proc = kit.run_grade(classroom.subs, classroom.local, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return kit.scores_by_student(kit.read_csv(classroom.local / "grades.csv")[1])


@pytest.fixture(scope="module")
def cluster(classroom, kit):
    """The class through a scheduler and two workers; one worker is killed midway."""
    port, out = classroom.port, classroom.cluster
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    workers = []
    try:
        _wait_for_port(port)
        workers = [
            _start("worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}")
            for i in range(2)
        ]
        book = ["--no-gradebook"]
        cmd = [sys.executable, "-m", "grader", "grade", str(classroom.subs), "--output", str(out), *book]
        grading = subprocess.Popen(
            [*cmd, "--cluster", address], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        killed_after = None
        while grading.poll() is None:
            done = len(list((out / ".jobs" / A).glob("*.json"))) if (out / ".jobs" / A).is_dir() else 0
            if killed_after is None and done >= 12:
                _kill(workers[0])
                killed_after = done
            time.sleep(0.2)
        stdout, stderr = grading.communicate()
    finally:
        for proc in [*workers, scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    _kill(proc)
    assert grading.returncode == 0, stderr[-3000:]
    _, grades = kit.read_csv(out / "grades.csv")
    _, summary = kit.read_csv(out / "summary.csv")
    return SimpleNamespace(
        stdout=stdout, killed_after=killed_after, scores=kit.scores_by_student(grades), summary=summary
    )


def test_a_worker_was_killed_midway(cluster):
    assert cluster.killed_after is not None and cluster.killed_after < 60, "the kill came too late to matter"


def test_every_submission_has_exactly_one_record(classroom, cluster):
    records = sorted(p.stem for p in (classroom.cluster / ".jobs" / A).glob("*.json"))
    assert records == [f"s{i:02d}" for i in range(60)]
    assert sorted(r["student_id"] for r in cluster.summary) == records
    assert "60 graded, 0 flagged, 0 failed" in cluster.stdout


def test_cluster_scores_equal_a_local_run(local, cluster):
    assert cluster.scores == local
    full = [k for k, cells in local.items() if all(s == m for s, m in cells.values())]
    assert 15 < len(full) < 45, "the class mixes right and wrong answers"


def test_the_sandbox_on_a_worker_is_the_local_one(classroom, local, cluster):
    for student in ("s07", "s08"):
        here, there = _probe(classroom.local, student), _probe(classroom.cluster, student)
        assert there == here
        assert there["scheduler"] != "reached", "the learner's code reaches the scheduler"
        assert there["seen"] == [], "the learner's code sees the submissions or the output"


def test_a_resumed_run_on_a_local_cluster_grades_only_what_is_missing(classroom, cluster, kit):
    import shutil

    out = classroom.resumed
    shutil.copytree(classroom.cluster, out)
    for student in ("s03", "s04", "s08"):
        (out / ".jobs" / A / f"{student}.json").unlink()
    proc = kit.run_grade(classroom.subs, out, "--cluster", "local:2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "3 graded, 0 flagged, 0 failed, 57 skipped" in proc.stdout
    assert kit.scores_by_student(kit.read_csv(out / "grades.csv")[1]) == cluster.scores


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("tcp://127.0.0.1", "--cluster must be a Dask scheduler's address"),
        ("local:0", "--cluster must be a Dask scheduler's address"),
        ("tcp://127.0.0.1:{port}", "cannot reach the Dask scheduler at tcp://127.0.0.1:"),
    ],
)
def test_bad_cluster_addresses_are_one_line_and_exit_2(course, kit, tmp_path, capsys, address, message):
    subs = tmp_path / "submitted"
    kit.put_submission(subs, "ada", A, course.student(A))
    code, _, err = grader_cli(
        capsys, "grade", str(subs), "--output", str(tmp_path / "out"), "--no-gradebook", "--cluster",
        address.format(port=_free_port()),
    )  # fmt: skip
    assert code == 2
    assert err.strip().count("\n") == 0 and message in err, err


def test_a_job_that_fails_twice_is_a_failed_record_and_the_class_goes_on(course, kit, tmp_path, monkeypatch):
    """Every task raises: Dask runs it once more, then each submission is failed with the
    reason, and the CSV files still list the whole class (workers are threads here, so the
    task can be replaced)."""
    from distributed import Client, LocalCluster

    from grader.tools import cluster, grade

    calls = tmp_path / "calls"  # a file: the task reaches the worker as a copy

    def broken(job: dict) -> dict:
        with open(calls, "a") as f:
            f.write(job["student"] + "\n")
        raise RuntimeError("the worker's disk is full")

    @contextlib.contextmanager
    def threads(address):
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
            with Client(c) as client:
                yield client

    monkeypatch.setattr(cluster, "grade_task", broken)
    monkeypatch.setattr(cluster, "connect", threads)
    subs, out = tmp_path / "submitted", tmp_path / "out"
    for student in ("ada", "bob"):
        kit.put_submission(subs, student, A, course.student(A))
    opts = grade.Options(subs, out, jobs=1, cluster="local:1")
    counts, records = grade.grade(opts)
    assert counts["failed"] == 2 and sorted(calls.read_text().split()) == ["ada", "ada", "bob", "bob"]
    for record in records:
        assert record.status == "failed"
        assert record.reason == "the cluster could not grade it: RuntimeError: the worker's disk is full"
        assert all(c.score == 0 and c.reason for c in record.cells if not c.manual)
    _, summary = kit.read_csv(out / "summary.csv")
    assert sorted(r["student_id"] for r in summary) == ["ada", "bob"]
