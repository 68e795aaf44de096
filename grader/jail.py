"""Run a command (the grading kernel) where the course's secrets cannot be seen.

`python -I -S grader/jail.py --hide DIR ... --keep DIR ... [--memory-mb N] [--no-network]
-- CMD ...` runs CMD in a private mount namespace in which every --hide folder is an
empty tmpfs, except the --keep folders, which are mounted back in place (--keep-ro:
read-only). The kernel of a submission thus sees numpy, logitlab and its own working
folder, but not solutions/, the gradebook, the git history or any other student's
files. With --no-network (the learner's process under the judge) it cannot reach any
network either.

The namespace and mounts are made here with the unshare(2) and mount(2) system calls,
then CMD replaces this process: no shell and no `mount` processes, since every grading
kernel and learner process pays for this start-up. It needs root (as on the grading
machines and CI); without it CMD runs unconfined and the grader warns that kernels
are not isolated. Only the standard library is used, so `-S` can skip site-packages.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x20, 0x1000, 0x4000, 0x40000


def _may_try() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0


@functools.cache
def available() -> bool:
    """Whether jailing works here: root, and allowed to make mount namespaces (a
    container without CAP_SYS_ADMIN is not)."""
    if not _may_try():
        return False
    probe = subprocess.run(command([], [], [], ["true"]), capture_output=True)
    return probe.returncode == 0


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _enc(path: str | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def _mount(
    libc: ctypes.CDLL, source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(libc.mount(_enc(source), _enc(target), _enc(fstype), ctypes.c_ulong(flags), _enc(data)), f"mount {target}")


def enter(hide: list[str], keep: list[str], read_only: list[str], network: bool = True) -> None:
    """Unshare the mount namespace (and without `network`, the network one too: only a
    loopback device that is down), cover each `hide` folder, put each `keep` back."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | (0 if network else CLONE_NEWNET)), "unshare")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing leaks to the host
    stage_root = tempfile.mkdtemp(prefix="jail-")  # in TMPDIR, outside every hidden folder
    staged = [(k, os.path.join(stage_root, str(i))) for i, k in enumerate(keep)]
    for k, s in staged:  # hold each kept folder somewhere the tmpfs will not cover
        os.mkdir(s)
        _mount(libc, k, s, None, MS_BIND)
    for h in hide:
        if os.path.isdir(h):
            _mount(libc, "tmpfs", h, "tmpfs", 0, "size=1m,mode=755")
    for k, s in staged:
        os.makedirs(k, exist_ok=True)
        _mount(libc, s, k, None, MS_BIND)
        _check(libc.umount2(os.fsencode(s), 0), f"umount {s}")
        os.rmdir(s)
        if k in read_only:  # the interpreter and logitlab: readable, never writable
            _mount(libc, None, k, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    os.rmdir(stage_root)


def needed_read_only(hide: list) -> list[Path]:
    """The interpreter (its environment and its base installation) and logitlab, where
    they lie inside a hidden folder."""
    from importlib.util import find_spec

    needed = [Path(sys.prefix), Path(sys.base_prefix), Path(find_spec("logitlab").origin).parents[1]]
    return [k for k in needed if any(Path(h) == k or Path(h) in k.parents for h in hide)]


def command(
    hide: list[str], keep: list[str], read_only: list[str], cmd: list[str], memory_mb: int = 0, network: bool = True
) -> list[str]:
    """The argv that runs `cmd` jailed: hide and keep as above; read_only folders are kept
    but mounted read-only; without `network`, no network can be reached."""
    argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), "--memory-mb", str(memory_mb)]
    argv += [] if network else ["--no-network"]
    argv += [a for h in hide for a in ("--hide", str(h))]
    argv += [a for k in keep for a in ("--keep", str(k))]
    argv += [a for k in read_only for a in ("--keep-ro", str(k))]
    return argv + ["--", *cmd]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python grader/jail.py")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--keep", action="append", default=[])
    parser.add_argument("--keep-ro", action="append", default=[])
    parser.add_argument(
        "--memory-mb", type=int, default=0, help="address-space limit for CMD and its children (0: none)"
    )
    parser.add_argument(
        "--no-network", action="store_true", help="a network namespace of its own, with nothing to reach"
    )
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given after --")
    if args.memory_mb > 0:  # a MemoryError in the kernel instead of the machine's OOM killer
        limit = args.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if _may_try():
        cwd = os.getcwd()  # entered again below: the old handle would reach the hidden tree
        read_only = [os.path.abspath(k) for k in args.keep_ro]
        enter(
            [os.path.abspath(h) for h in args.hide],
            [os.path.abspath(k) for k in args.keep] + read_only,
            read_only,
            network=not args.no_network,
        )
        os.chdir(cwd)
    os.execvp(cmd[0], cmd)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
