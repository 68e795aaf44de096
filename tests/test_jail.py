"""grader/jail.py: what a jailed command can and cannot see, and that the host is untouched."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support import skip_unless_ci

from grader.core import jail


@pytest.fixture(autouse=True)
def _needs_jail():
    if not jail.available():
        skip_unless_ci("jailing needs root and the right to make mount namespaces")


@pytest.fixture
def tree(tmp_path):
    """hidden/{secret/answer.txt, work/mine.txt} and a read-only candidate ro/."""
    (tmp_path / "hidden" / "secret").mkdir(parents=True)
    (tmp_path / "hidden" / "secret" / "answer.txt").write_text("42")
    (tmp_path / "hidden" / "work").mkdir()
    (tmp_path / "hidden" / "work" / "mine.txt").write_text("mine")
    (tmp_path / "ro").mkdir()
    return tmp_path


def _jailed(tree: Path, script: str, read_only=(), memory_mb=0, network=True) -> subprocess.CompletedProcess:
    cmd = jail.command(
        [tree / "hidden"],
        [tree / "hidden" / "work"],
        list(read_only),
        ["sh", "-c", script],
        memory_mb=memory_mb,
        network=network,
    )
    return subprocess.run(cmd, cwd=tree / "hidden" / "work", capture_output=True, text=True, timeout=60)


def test_hidden_folder_is_empty_but_the_kept_one_is_there_and_writable(tree):
    run = _jailed(tree, "ls -A ..; cat mine.txt; cat ../secret/answer.txt; echo new > made.txt")
    lines = run.stdout.split()
    assert lines[:2] == ["work", "mine"], run  # `..` is the empty tmpfs, entered afresh
    assert "42" not in run.stdout and "No such file" in run.stderr
    assert (tree / "hidden" / "work" / "made.txt").read_text() == "new\n"


def test_read_only_folder_can_be_read_but_not_written(tree):
    (tree / "ro" / "lib.txt").write_text("lib")
    run = _jailed(tree, f"cat {tree}/ro/lib.txt; echo x > {tree}/ro/planted.pth", read_only=[tree / "ro"])
    assert run.stdout == "lib" and "Read-only file system" in run.stderr, run
    assert not (tree / "ro" / "planted.pth").exists()


def test_memory_limit_gives_a_memory_error(tree):
    run = _jailed(tree, f"{sys.executable} -c 'bytearray(1 << 30)'", memory_mb=512)
    assert run.returncode != 0 and "MemoryError" in run.stderr, run
    assert _jailed(tree, f"{sys.executable} -c 'bytearray(1 << 26)'", memory_mb=512).returncode == 0


@pytest.mark.parametrize("network", [True, False])
def test_without_network_not_even_the_hosts_loopback_is_reached(tree, network):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        probe = (
            f"{sys.executable} -c \"import socket; "
            f"socket.create_connection(('127.0.0.1', {port}), timeout=5); print('reached')\""
        )
        run = _jailed(tree, probe, network=network)
    assert ("reached" in run.stdout) == network, run


def test_the_host_mount_table_is_unchanged(tree):
    before = Path("/proc/self/mountinfo").read_text()
    assert _jailed(tree, "true").returncode == 0
    assert Path("/proc/self/mountinfo").read_text() == before
    assert sorted(p.name for p in (tree / "hidden").iterdir()) == ["secret", "work"]


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as stop:
        jail.main(["--hide", "/nowhere"])
    assert stop.value.code == 2 and "no command given" in capsys.readouterr().err


def test_as_a_user_it_is_unprivileged_alone_and_owns_only_its_folder(tree):
    script = "id -u; ls /proc | grep -c '^[0-9]'; echo x > made.txt; echo y > /etc/planted 2>&1 || echo refused"
    cmd = jail.command([tree / "hidden"], [tree / "hidden" / "work"], [], ["sh", "-c", script], user=jail.UNPRIVILEGED)
    run = subprocess.run(cmd, cwd=tree / "hidden" / "work", capture_output=True, text=True, timeout=60)
    uid, processes, refused = run.stdout.split()[:3]
    assert int(uid) != 0 and int(processes) <= 4 and refused == "refused", run  # sh, ls, grep: nothing else
    made = tree / "hidden" / "work" / "made.txt"
    assert made.read_text() == "x\n" and made.stat().st_uid == int(uid)
    assert not Path("/etc/planted").exists()
