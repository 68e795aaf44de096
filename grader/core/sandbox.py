"""The sandbox a submission's code runs in: bubblewrap's namespaces, a cgroup's limits.

`spawn(argv, ...)` starts `argv` (the learner's process) inside a bubblewrap (`bwrap`)
sandbox with:
- no network (a network namespace of its own: a loopback that reaches only itself),
  its own IPC, UTS and process-id namespaces (it sees and signals only its own
  processes) and a `/proc` of its own;
- a file system made of read-only system folders (`/usr` and a few files of `/etc`),
  the interpreter, logitlab and the runner's files, nothing else: no repository, no
  home, no exchange, no other student. Its working folder, `/tmp`, `/dev/shm`, `/run`
  and `/var/tmp` are private size-limited tmpfs mounts that vanish with it: no folder
  of the host is writable from inside, so nothing outside ever follows, writes or
  chmods a path the learner's code could have planted;
- a short fixed environment (nothing of the instructor's);
- limits on processes, memory and CPU from a cgroup of its own (v2, else v1), else
  rlimits; `Sandboxed.kill` ends everything it started as a whole.

How it is made depends on who grades (`mode()`): as root, bwrap runs privileged and
the command drops to `nobody` with `setpriv`; as an unprivileged instructor, bwrap
makes an unprivileged user namespace. Where neither works, the command runs without a
sandbox, and the grader says so and flags every submission.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import psutil

NOBODY = 65534  # who learner code runs as, when the grader is root
JOB_TAG = "LOGITLAB_GRADING_JOB"  # the grading job's token, in the judge's environment: names its cgroups
RUNNER_DIR = "/runner"  # where the runner's files appear, read-only
PACKAGES_DIR = "/opt/logitlab"  # where the grader's own logitlab appears, read-only, first on sys.path
WORK_DIR = "/job"  # the learner's working folder and home (a tmpfs)
PRIVATE = ("/tmp", "/dev/shm", "/run", "/var/tmp", WORK_DIR)  # the job's own size-limited tmpfs mounts
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime", "alternatives")
USR_LINKS = ("bin", "sbin", "lib", "lib64", "lib32", "libx32")
UNSANDBOXED = (
    "graded WITHOUT a sandbox: learner code could read the grader's files and reach the network "
    "(needs bubblewrap, and root or unprivileged user namespaces)"
)


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4096  # the job's memory (cgroup), or its address space (rlimit)
    pids: int = 64  # processes and threads at once
    cpus: float = 1.0  # cores' worth of CPU time
    tmpfs_mb: int = 64  # each private temporary folder


@dataclass(frozen=True)
class Mode:
    kind: str  # "root" (bwrap privileged, then nobody), "user" (bwrap in a user namespace) or "none"
    why: str = ""
    bwrap: str = "bwrap"  # the program, as found by the grader

    @property
    def sandboxed(self) -> bool:
        return self.kind != "none"


# ---- the command ---------------------------------------------------------------------


def logitlab_dir() -> Path:
    """The logitlab the grader itself imports (the checks and helpers it judges with)."""
    return Path(find_spec("logitlab").origin).parent.resolve()


def _read_only_roots() -> list[Path]:
    """The interpreter: its environment and its base installation."""
    found: list[Path] = []
    for p in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}):
        if not any(q == p or q in p.parents for q in found):
            found.append(p)
    return found


def _dirs(paths: list[Path]) -> list[str]:
    """`--dir` for every parent of the bound paths, readable by everyone (bwrap would
    otherwise copy the host's mode, and nobody could not pass /root on the way to a
    pyenv interpreter)."""
    parents = sorted({str(a) for p in paths for a in p.parents if str(a) not in ("/", *PRIVATE)}, key=len)
    return [x for d in parents for x in ("--perms", "0755", "--dir", d)]


def command(argv: list[str], env: dict[str, str], files: dict[str, Path], limits: Limits, how: Mode) -> list[str]:
    """The bwrap command line that runs `argv` sandboxed (`files`: name -> host file,
    shown read-only in RUNNER_DIR)."""
    size, kind = str(limits.tmpfs_mb * 2**20), how.kind
    cmd = [how.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    cmd += ["--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"]
    for name in USR_LINKS:
        host = Path("/") / name
        if host.is_symlink():
            cmd += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            cmd += ["--ro-bind", str(host), f"/{name}"]
    cmd += [x for name in ETC for x in ("--ro-bind-try", f"/etc/{name}", f"/etc/{name}")]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    for folder in PRIVATE:
        cmd += ["--perms", "1777", "--size", size, "--tmpfs", folder]
    # Mounted after the private folders, so an interpreter that lives in one (a checkout
    # in /tmp, as CI may make) is still there, read-only, inside the job's own tmpfs.
    roots = _read_only_roots()
    cmd += _dirs([*roots, Path(PACKAGES_DIR) / "logitlab"])
    cmd += [x for p in roots for x in ("--ro-bind", str(p), str(p))]
    cmd += ["--ro-bind", str(logitlab_dir()), f"{PACKAGES_DIR}/logitlab"]
    cmd += ["--dir", RUNNER_DIR]
    cmd += [x for name, host in files.items() for x in ("--ro-bind", str(host), f"{RUNNER_DIR}/{name}")]
    cmd += ["--chdir", WORK_DIR, "--clearenv"]
    cmd += [x for k, v in env.items() for x in ("--setenv", k, v)]
    if kind == "root":  # bwrap runs privileged; the command itself as nobody, with no capability left
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--"]
        cmd += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--no-new-privs"]
        cmd += ["--inh-caps=-all", "--bounding-set=-all"]
    else:
        cmd += ["--unshare-user", "--disable-userns", "--"] if kind == "user" else ["--"]
    return cmd + ["--", *argv] if kind == "root" else cmd + argv


# ---- cgroups -------------------------------------------------------------------------


def _own_cgroups() -> dict[str, str]:
    """{controller or "" (v2): path} of this process, from /proc/self/cgroup."""
    found = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                found[c] = path
    return found


def _mounts() -> dict[str, Path]:
    """{controller or "" (v2): mount point} of the cgroup file systems."""
    found = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            fstype, _, options = right.split(" ", 2) if right.count(" ") >= 2 else (right, "", "")
            point = Path(left.split(" ")[4])
            if fstype == "cgroup2":
                found.setdefault("", point)
            elif fstype == "cgroup":
                for c in options.split(","):
                    if c in ("memory", "pids", "cpu"):
                        found.setdefault(c, point)
    return found


class Cgroup:
    """The job's cgroup: its limits, who is in it, and killing them all."""

    def __init__(self, dirs: dict[str, Path]):
        self.dirs = dirs  # controller ("" for v2) -> folder

    @classmethod
    def make(cls, limits: Limits, tag: str) -> Cgroup | None:
        """A new cgroup with `limits`: v2 where its controllers are delegated to us,
        else v1's memory, pids and cpu hierarchies; None where neither is writable.
        Its name starts with `tag`, the grading job's, so that `reap` finds it."""
        name = f"{_prefix(tag)}{secrets.token_hex(6)}"
        own, mounts = _own_cgroups(), _mounts()
        for attempt in (cls._v2, cls._v1):
            with contextlib.suppress(OSError, KeyError):
                group = attempt(name, own, mounts, limits)
                if group is not None:
                    return group
        return None

    @classmethod
    def _v2(cls, name, own, mounts, limits) -> Cgroup | None:
        parent = mounts[""] / own[""].lstrip("/")
        if not {"memory", "pids", "cpu"} <= set((parent / "cgroup.subtree_control").read_text().split()):
            return None
        folder = parent / name
        folder.mkdir()
        group = cls({"": folder})
        try:
            (folder / "memory.max").write_text(str(limits.memory_mb * 2**20))
            (folder / "memory.swap.max").write_text("0") if (folder / "memory.swap.max").exists() else None
            (folder / "pids.max").write_text(str(limits.pids))
            (folder / "cpu.max").write_text(f"{int(limits.cpus * 100000)} 100000")
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _v1(cls, name, own, mounts, limits) -> Cgroup | None:
        dirs = {c: mounts[c] / own[c].lstrip("/") / name for c in ("memory", "pids", "cpu")}
        group = cls({})
        try:
            for c, folder in dirs.items():
                folder.mkdir()
                group.dirs[c] = folder
            (dirs["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory_mb * 2**20))
            (dirs["pids"] / "pids.max").write_text(str(limits.pids))
            (dirs["cpu"] / "cpu.cfs_period_us").write_text("100000")
            (dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(int(limits.cpus * 100000)))
        except OSError:
            group.remove()
            raise
        return group

    def join(self) -> None:
        """Move the calling process in (before it starts the sandbox)."""
        for folder in self.dirs.values():
            (folder / "cgroup.procs").write_text("0")

    def pids(self) -> set[int]:
        found = set()
        for folder in self.dirs.values():
            with contextlib.suppress(OSError, ValueError):
                found |= {int(x) for x in (folder / "cgroup.procs").read_text().split()}
        return found

    def reset_peak(self) -> int | None:
        """Start a new memory high-water mark (v1: where it is reset by a write); the
        bytes in use now, or None where the peak cannot be reset."""
        memory = self.dirs.get("memory")
        try:
            (memory / "memory.max_usage_in_bytes").write_text("0")
            return int((memory / "memory.usage_in_bytes").read_text())
        except (OSError, TypeError, ValueError):
            return None

    def peak(self) -> int | None:
        """The memory high-water mark of every process in the cgroup, in bytes."""
        with contextlib.suppress(OSError, TypeError, ValueError):
            return int((self.dirs.get("memory") / "memory.max_usage_in_bytes").read_text())
        return None

    def kill(self) -> None:
        """Kill every process in the cgroup, whatever it did to its signals or parents."""
        v2 = self.dirs.get("")
        if v2 is not None and (v2 / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (v2 / "cgroup.kill").write_text("1")
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        self.kill()
        for folder in self.dirs.values():
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # processes still leaving
                    time.sleep(0.02)


def _prefix(tag: str) -> str:
    return f"logitlab-{''.join(ch for ch in tag if ch.isalnum())[:16]}-"


def _parents() -> list[tuple[str, Path]]:
    """(controller, folder) under which this process makes its cgroups."""
    own, mounts = _own_cgroups(), _mounts()
    return [(c, mounts[c] / own[c].lstrip("/")) for c in ("", "memory", "pids", "cpu") if c in mounts and c in own]


def reap(tag: str) -> None:
    """Kill and remove every cgroup of the grading job `tag` (its judge may have been
    killed before it could clean up)."""
    for controller, parent in _parents():
        for folder in parent.glob(_prefix(tag) + "*"):
            Cgroup({controller: folder}).remove()


# ---- the sandboxed process -----------------------------------------------------------


@dataclass
class Sandboxed:
    """A running sandboxed process: its pipes, its cgroup, and the process running the
    learner's code (the sandbox's innermost process)."""

    proc: subprocess.Popen
    cgroup: Cgroup | None
    mode: Mode
    folder: str | None = None  # unsandboxed only: a private copy of the runner's files

    def inner_pid(self) -> int | None:
        """The host's pid of the process running `argv`: below bwrap's own processes, the
        first one started (processes the learner's code starts come later, whatever they
        call themselves)."""
        if not self.mode.sandboxed:
            return self.proc.pid
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(self.proc.pid)
            while process.name() == "bwrap" and os.path.basename(process.exe()) == "bwrap":
                children = process.children()
                if not children:
                    return None
                process = min(children, key=lambda c: (c.create_time(), c.pid))
            return process.pid
        return None

    def interrupt(self) -> None:
        """A keyboard interrupt, as a kernel's Interrupt button sends."""
        pid = self.inner_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGINT)

    def kill(self) -> None:
        """End everything the sandbox started: the process group, then the cgroup (the
        process-id namespace dies with its first process too)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.remove()
        self.proc.wait()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _processes_of(uid: int) -> int:
    return sum(bool(p.info["uids"]) and p.info["uids"].real == uid for p in psutil.process_iter(["uids"]))


def _rlimits(limits: Limits, cgroup: bool, processes: int) -> None:
    """Limits where no cgroup could be made (and, everywhere, a core-dump ban and the
    judge's own heap bound lifted): address space, and processes counted per user
    (`processes`: how many the user already runs)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
    if not cgroup:
        size = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if os.geteuid() != 0:  # root's count would be the machine's, and root ignores it anyway
            most = processes + limits.pids
            resource.setrlimit(resource.RLIMIT_NPROC, (most, most))


def spawn(
    argv: list[str], env: dict[str, str], files: dict[str, Path], limits: Limits = Limits(), how: Mode | None = None
) -> Sandboxed:
    """Start `argv` sandboxed, with pipes on its stdin and stdout (stderr discarded).

    `files` (name -> host path) are the runner's files, read-only in RUNNER_DIR; without
    a sandbox, a private copy of them. `how` is the grader's decision (`mode()` where
    none is passed), so that every process of a run sandboxes alike.
    """
    how = how or mode()
    group = Cgroup.make(limits, os.environ.get(JOB_TAG, "")) if how.sandboxed or os.geteuid() == 0 else None

    running = 0 if group is not None else _processes_of(os.getuid())

    def enter() -> None:  # in the child, before bwrap starts
        if group is not None:
            group.join()
        _rlimits(limits, group is not None, running)

    folder = None
    if how.sandboxed:
        cmd, cwd = command(argv, env, files, limits, how), "/"
    else:  # a private copy, so that a run cannot change the next run's runner
        folder = cwd = tempfile.mkdtemp(prefix="logitlab-unsandboxed-")
        for name, host in files.items():
            shutil.copyfile(host, Path(folder) / name)
        cmd = [folder + a[len(RUNNER_DIR) :] if a.startswith(RUNNER_DIR + "/") else a for a in argv]
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env if not how.sandboxed else {"PATH": os.defpath},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=enter,
    )
    return Sandboxed(proc, group, how, folder)


# ---- what works here -----------------------------------------------------------------


def _probe(how: Mode) -> str | None:
    """None if a sandbox made this way runs a command here, else why not."""
    argv = [sys.executable, "-I", "-S", "-c", "import os; open('/job/x', 'w'); print(os.getuid())"]
    try:
        done = subprocess.run(
            command(argv, {"PATH": "/usr/bin:/bin"}, {}, Limits(), how),
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": os.defpath},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
    if how.kind == "root" and done.stdout.strip() != str(NOBODY):
        return "the command did not run as nobody"
    return None


@functools.cache
def mode() -> Mode:
    """How sandboxes are made on this machine, decided once."""
    if sys.platform != "linux":
        return Mode("none", "sandboxes need Linux")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Mode("none", "bubblewrap (bwrap) is not installed: `apt-get install bubblewrap`")
    how = Mode("root" if os.geteuid() == 0 else "user", bwrap=bwrap)
    why = _probe(how)
    if why is None:
        return how
    return Mode("none", f"bubblewrap cannot make a sandbox here ({why})")


def warning() -> str:
    """The one loud line `grade` prints when submissions run unsandboxed."""
    return f"WARNING: {UNSANDBOXED}: {mode().why}. Every submission is flagged."


def describe() -> str:
    m = mode()
    if m.kind == "root":
        return "bubblewrap (privileged), learner code as nobody"
    if m.kind == "user":
        return "bubblewrap in an unprivileged user namespace"
    return "none: " + m.why
