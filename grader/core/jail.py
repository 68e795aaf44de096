"""Run a command (the grading kernel) where the course's secrets cannot be seen.

`python -I -S grader/jail.py --hide DIR ... --keep DIR ... [--memory-mb N] [--no-network]
-- CMD ...` runs CMD in a private mount namespace in which every --hide folder is an
empty tmpfs, except the --keep folders, which are mounted back in place (--keep-ro:
read-only). The kernel of a submission thus sees numpy, logitlab and its own working
folder, but not solutions/, the gradebook, the git history or any other student's
files. With --no-network (the learner's process under the judge) it cannot reach any
network either, and with --user (that process too) it runs as an unprivileged user,
alone in a process-id namespace with a /proc of its own.

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
import pwd
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID = 0x00020000, 0x40000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
UNPRIVILEGED = "nobody"  # who learner code runs as: the judge's learner process and the grading kernel


def _may_try() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0


@functools.cache
def available() -> bool:
    """Whether jailing works here: root, and allowed to make mount and process-id
    namespaces and to become the unprivileged user (a container without CAP_SYS_ADMIN
    is not)."""
    if not _may_try():
        return False
    probe = subprocess.run(command([], [], [], ["true"], user=UNPRIVILEGED), capture_output=True)
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


def enter(hide: list[str], keep: list[str], read_only: list[str], network: bool = True, pids: bool = False) -> None:
    """Unshare the mount namespace (and without `network`, the network one too: only a
    loopback device that is down; with `pids`, the process ids too: see `isolate`),
    cover each `hide` folder, put each `keep` back."""
    libc = _libc()
    flags = CLONE_NEWNS | (0 if network else CLONE_NEWNET) | (CLONE_NEWPID if pids else 0)
    _check(libc.unshare(flags), "unshare")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing leaks to the host
    # Each kept folder is held open, so it can be mounted back from its descriptor once a
    # tmpfs covers the path to it (even the temporary folder itself).
    held = [(k, os.open(k, os.O_PATH | os.O_DIRECTORY)) for k in keep]
    for h in hide:
        if os.path.isdir(h) and not os.path.islink(h):
            _mount(libc, "tmpfs", h, "tmpfs", 0, "size=1m,mode=755")
    for k, fd in held:
        os.makedirs(k, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fd}", k, None, MS_BIND)
        os.close(fd)
        if k in read_only:  # the interpreter and logitlab: readable, never writable
            _mount(libc, None, k, None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def isolate(cmd: list[str], user: str, writable: list[str]) -> None:
    """Run `cmd` as `user`, the first process of the new process-id namespace.

    There, a fresh /proc shows only the command's own processes: not the grader, not the
    judge, not their memory, files or folders through /proc/PID/root. Without root's
    capabilities the command can neither unmount what hides the course nor read the
    machine's disks; it owns only the `writable` folders. This process stays outside
    the namespace: it passes interrupts on and its exit status back, and the command
    dies with it.
    """
    uid, gid = _ids(user)
    for folder in writable:
        _hand_over(folder, uid, gid)
    pid = os.fork()
    if pid == 0:
        try:
            libc = _libc()
            _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
            os.setpgid(0, 0)  # a signal to this process's group reaches the command once, through here
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")  # no setuid programs either
            os.execvp(cmd[0], cmd)
        except BaseException as exc:  # noqa: BLE001 - the child must never return into the caller
            print(f"jail: {exc}", file=sys.stderr)
        os._exit(127)
    # An interrupt is the kernel's to handle; the first process of a namespace ignores
    # a termination it has no handler for, so a stop request ends it outright.
    signal.signal(signal.SIGINT, lambda number, _frame: _pass_on(pid, number))
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda _number, _frame: _pass_on(pid, signal.SIGKILL))
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


def _ids(user: str) -> tuple[int, int]:
    """The user's uid and gid; nobody's customary 65534 where the account is missing."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def _hand_over(folder: str, uid: int, gid: int) -> None:
    """Make `folder` and everything in it belong to the user the command runs as."""
    os.chown(folder, uid, gid)
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


# What a command run as --user may see at the top of the file system: the system's own
# folders, which hold no course files. The temporary folder is hidden as a whole.
SYSTEM = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "nix", "proc", "run", "sbin", "snap", "sys", "usr"}


def elsewhere() -> list[str]:
    """Where else answers or other students' work could lie on a grading machine: any
    folder at the top of the file system but the system's (other copies of the course,
    the homes, the exchange, build and CI folders wherever a machine keeps them), and
    the temporary folder. Learner code needs none of them: it keeps its own folders, and
    the interpreter and logitlab stay readable wherever they are (`needed_read_only`)."""
    top = [p for p in Path("/").iterdir() if p.is_dir() and not p.is_symlink() and p.name not in SYSTEM]
    return [str(p) for p in [*top, Path(tempfile.gettempdir()).resolve()]]


def needed_read_only(hide: list) -> list[Path]:
    """The interpreter (its environment and its base installation) and logitlab, where
    they lie inside a hidden folder."""
    from importlib.util import find_spec

    needed = [Path(sys.prefix), Path(sys.base_prefix), Path(find_spec("logitlab").origin).parents[1]]
    return [k for k in needed if any(Path(h) == k or Path(h) in k.parents for h in hide)]


def command(
    hide: list[str],
    keep: list[str],
    read_only: list[str],
    cmd: list[str],
    memory_mb: int = 0,
    network: bool = True,
    user: str | None = None,
) -> list[str]:
    """The argv that runs `cmd` jailed: hide and keep as above; read_only folders are kept
    but mounted read-only; without `network`, no network can be reached; with `user`, it
    runs as that user in a process-id namespace of its own (see `isolate`)."""
    argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), "--memory-mb", str(memory_mb)]
    argv += [] if network else ["--no-network"]
    argv += [] if user is None else ["--user", user]
    argv += [a for h in hide for a in ("--hide", str(h))]
    argv += [a for k in keep for a in ("--keep", str(k))]
    argv += [a for k in read_only for a in ("--keep-ro", str(k))]
    return argv + ["--", *cmd]


def _pass_on(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


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
    parser.add_argument(
        "--user", help="run CMD as this unprivileged user, alone in a process-id namespace with a fresh /proc"
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
        os.umask(0o022)  # the folders made on the way to a kept one can be passed through
        cwd = os.getcwd()  # entered again below: the old handle would reach the hidden tree
        read_only = [os.path.abspath(k) for k in args.keep_ro]
        enter(
            [os.path.abspath(h) for h in args.hide],
            [os.path.abspath(k) for k in args.keep] + read_only,
            read_only,
            network=not args.no_network,
            pids=args.user is not None,
        )
        os.chdir(cwd)
        if args.user is not None:
            isolate(cmd, args.user, [os.path.abspath(k) for k in args.keep])
    os.execvp(cmd[0], cmd)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
