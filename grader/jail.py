"""Run a command (the grading kernel) where the course's secrets cannot be seen.

`python -m grader.jail --hide DIR ... --keep DIR ... -- CMD ...` runs CMD in a private
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
import shlex
import shutil
import sys
import tempfile


def available() -> bool:
    return os.name == "posix" and os.geteuid() == 0 and shutil.which("unshare") is not None


def script(hide: list[str], keep: list[str], cmd: list[str]) -> str:
    """The shell script run inside the new mount namespace."""
    q = shlex.quote
    stage = [tempfile.mkdtemp(prefix="jail-keep-") for _ in keep]
    lines = ["set -e"]
    lines += [f"mount --bind {q(k)} {q(s)}" for k, s in zip(keep, stage)]
    lines += [f"mount -t tmpfs -o size=1m,mode=755 tmpfs {q(h)}" for h in hide if os.path.isdir(h)]
    for k, s in zip(keep, stage):
        lines += [f"mkdir -p {q(k)}", f"mount --bind {q(s)} {q(k)}"]
    lines.append("exec " + " ".join(q(c) for c in cmd))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.jail")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--keep", action="append", default=[])
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given after --")
    if not available():
        os.execvp(cmd[0], cmd)
    sh = script([os.path.abspath(h) for h in args.hide], [os.path.abspath(k) for k in args.keep], cmd)
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "sh", "-c", sh])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
