"""grader/core/sandbox.py: what a sandboxed command can see and do, its limits, and
that it ends as a whole."""

from __future__ import annotations

import json
import os
import sys
import time

import psutil
import pytest
from support import skip_unless_ci

from grader.core import sandbox
from grader.tools.course import ROOT

PYTHON = [sys.executable, "-I", "-c"]
ENV = {"PATH": "/usr/bin:/bin", "HOME": sandbox.WORK_DIR}


@pytest.fixture(autouse=True)
def _needs_a_sandbox():
    if not sandbox.mode().sandboxed:
        skip_unless_ci(f"no sandbox here: {sandbox.mode().why}")


def _run(code: str, limits: sandbox.Limits = sandbox.Limits(), timeout: float = 60) -> str:
    box = sandbox.spawn([*PYTHON, code], ENV, {}, limits)
    try:
        out, _ = box.proc.communicate(timeout=timeout)
    finally:
        box.kill()
    return out.decode()


def test_it_sees_the_system_the_interpreter_and_logitlab_only():
    seen = json.loads(
        _run(
            "import json, os\n"
            f"course = {str(ROOT / 'solutions')!r}\n"
            "print(json.dumps([sorted(os.listdir('/')), os.path.exists(course), sorted(os.environ),"
            " os.listdir('/opt/logitlab'), os.getcwd()]))"
        )
    )
    top, sees_repository, environment, packages, cwd = seen
    # The interpreter is bound at its own path, wherever the checkout lives (CI's is
    # not under /work), so its first folder is expected; nothing else is.
    interpreter = {p.parts[1] for p in sandbox._read_only_roots()}
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "proc", "dev"}
    private = {"tmp", "run", "var", "job", "runner", "opt"}
    assert set(top) <= system | private | interpreter, top
    assert not sees_repository and packages == ["logitlab"] and cwd == sandbox.WORK_DIR
    assert set(environment) <= set(ENV) | {"PWD", "LC_CTYPE"}, environment


def test_its_temporary_folders_are_its_own_and_gone_afterwards(tmp_path):
    mark = f"sandbox-test-{os.getpid()}"
    out = _run(
        "import os\n"
        f"for d in ('/tmp', '/dev/shm', '/run', '/var/tmp', '/job'):\n"
        f"    open(os.path.join(d, {mark!r}), 'w').write('x')\n"
        "print('ok')"
    )
    assert out.strip() == "ok"
    assert not [d for d in ("/tmp", "/dev/shm", "/run", "/var/tmp") if os.path.exists(os.path.join(d, mark))]


def test_a_full_temporary_folder_is_its_problem_only():
    out = _run("try:\n    open('/tmp/big', 'wb').write(b'x' * (100 * 2**20))\nexcept OSError as e:\n    print(e.errno)")
    assert out.strip() == "28", out  # ENOSPC at its tmpfs size


def test_memory_and_processes_are_limited():
    small = sandbox.Limits(memory_mb=256, pids=16)
    out = _run(
        "import subprocess, sys\n"
        "try:\n    b = bytearray(600 * 2**20); b[::4096] = b'x' * len(b[::4096]); print('allocated')\n"
        "except MemoryError:\n    print('memory error')\n",
        small,
    )
    assert "allocated" not in out, out  # killed by the cgroup, or refused by the rlimit
    out = _run(
        "import subprocess, sys\nkids = []\n"
        "try:\n    [kids.append(subprocess.Popen(['sleep', '30'])) for _ in range(40)]\n"
        "except OSError:\n    pass\nprint(len(kids))",
        small,
    )
    assert int(out.strip()) < 16, out


def test_kill_ends_everything_it_started_whatever_they_did():
    box = sandbox.spawn(
        [
            *PYTHON,
            "import os, subprocess, time\n"
            "subprocess.Popen(['sh', '-c', 'trap \"\" TERM INT HUP; sleep 300 # escapee'], start_new_session=True)\n"
            "print('started', flush=True)\ntime.sleep(300)",
        ],
        ENV,
        {},
    )
    assert box.proc.stdout.readline().decode().strip() == "started"
    box.kill()
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["cmdline"]) if "escapee" in " ".join(p.info["cmdline"] or [])]
    assert not left, left


def test_a_killed_jobs_cgroups_are_reaped():
    os.environ[sandbox.JOB_TAG] = tag = f"reap{os.getpid()}"
    try:
        box = sandbox.spawn([*PYTHON, "import time; time.sleep(300)"], ENV, {})
        if box.cgroup is None:
            pytest.skip("no cgroup can be made here (rlimits only)")
        folders = list(box.cgroup.dirs.values())
        box.proc.kill()  # as if its judge died: nobody called box.kill()
        sandbox.reap(tag)
        assert not [f for f in folders if f.exists()]
    finally:
        del os.environ[sandbox.JOB_TAG]


def test_an_interpreter_kept_in_a_temporary_folder_is_still_there(monkeypatch):
    """A checkout (and its .venv) may sit in /tmp, as CI makes it: the job's private /tmp
    must not hide it, and must hide everything else there."""
    import tempfile
    from pathlib import Path

    kept = Path(tempfile.mkdtemp(prefix="sandbox-venv-", dir="/tmp"))
    other = Path(tempfile.mkdtemp(prefix="sandbox-other-", dir="/tmp"))
    try:
        kept.chmod(0o755)
        (kept / "python.txt").write_text("the interpreter")
        (other / "secret.txt").write_text("not for the job")
        roots = sandbox._read_only_roots()
        monkeypatch.setattr(sandbox, "_read_only_roots", lambda: [*roots, kept])
        out = _run(
            "import os\n"
            f"print(open({str(kept / 'python.txt')!r}).read(), os.path.exists({str(other / 'secret.txt')!r}))"
        )
        assert out.split() == ["the", "interpreter", "False"], out
    finally:
        for folder in (kept, other):
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
