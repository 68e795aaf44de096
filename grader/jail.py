"""Run a command (the grading kernel) where the course's secrets cannot be seen.

`python -m grader.jail --hide DIR ... --keep DIR ... [--memory-mb N] -- CMD ...` runs CMD in a private
mount namespace in which every --hide folder is an empty tmpfs, except the --keep
folders, which are mounted back in place. The kernel of a submission thus sees
numpy, logitlab and its own working folder, but not solutions/, the gradebook, the
git history or any other student's files.

It needs root and util-linux's `unshare` (as on the grading machines and CI). Without
them CMD runs unconfined and the grader flags the run as not isolated.
"""
from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path


def available() -> bool:
    return os.name == "posix" and os.geteuid() == 0 and shutil.which("unshare") is not None


def script(hide: list[str], keep: list[str], cmd: list[str], read_only: list[str] = (),
           cwd: str | None = None) -> str:
    """The shell script run inside the new mount namespace."""
    q = shlex.quote
    stage_root = tempfile.mkdtemp(prefix="jail-")
    kept = [(k, os.path.join(stage_root, str(i)), k in read_only) for i, k in enumerate(keep)]
    lines = ["set -e"]
    for k, s, _ in kept:  # hold each kept folder somewhere the tmpfs will not cover
        lines += [f"mkdir {q(s)}", f"mount --bind {q(k)} {q(s)}"]
    lines += [f"mount -t tmpfs -o size=1m,mode=755 tmpfs {q(h)}" for h in hide if os.path.isdir(h)]
    for k, s, ro in kept:
        lines += [f"mkdir -p {q(k)}", f"mount --bind {q(s)} {q(k)}", f"umount {q(s)}", f"rmdir {q(s)}"]
        if ro:  # the interpreter and logitlab: readable, never writable (no planted .pth)
            lines.append(f"mount -o remount,bind,ro {q(k)}")
    lines.append(f"rmdir {q(stage_root)}")
    # A working folder entered before the mounts would still reach the hidden tree.
    lines.append(f"cd {q(cwd or os.getcwd())}")
    lines.append("exec " + " ".join(q(c) for c in cmd))
    return "\n".join(lines)


def needed_read_only(hide: list) -> list[Path]:
    """The interpreter and logitlab, where they lie inside a hidden folder."""
    needed = [Path(sys.prefix), Path(find_spec("logitlab").origin).parents[1]]
    return [k for k in needed if any(Path(h) == k or Path(h) in k.parents for h in hide)]


def command(hide: list[str], keep: list[str], read_only: list[str], cmd: list[str],
            memory_mb: int = 0) -> list[str]:
    """The argv that runs `cmd` jailed: hide and keep as above; read_only folders are kept
    but mounted read-only."""
    argv = [sys.executable, os.path.abspath(__file__), "--memory-mb", str(memory_mb)]
    argv += [a for h in hide for a in ("--hide", str(h))]
    argv += [a for k in keep for a in ("--keep", str(k))]
    argv += [a for k in read_only for a in ("--keep-ro", str(k))]
    return argv + ["--", *cmd]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.jail")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--keep", action="append", default=[])
    parser.add_argument("--keep-ro", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=0,
                        help="address-space limit for CMD and its children (0: none)")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given after --")
    if args.memory_mb > 0:  # a MemoryError in the kernel instead of the machine's OOM killer
        limit = args.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if not available():
        os.execvp(cmd[0], cmd)
    read_only = [os.path.abspath(k) for k in args.keep_ro]
    keep = [os.path.abspath(k) for k in args.keep] + read_only
    sh = script([os.path.abspath(h) for h in args.hide], keep, cmd, read_only)
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "sh", "-c", sh])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
