"""`make hub`: the course on a local JupyterHub, with real Unix accounts (run as root).

    python -m grader.tools.hub [--port 8000] [--state /srv/logits-to-loss/hub] [--assignments 02_softmax ...]

It creates one instructor and a few student accounts (separate Unix users with their
own homes, marked as this course's in their GECOS field), gives the instructor a copy
of this repository in ~/logits-to-loss (mode 700) with every assignment registered in
its gradebook, writes the hub's shared Jupyter config (the course's nbgrader_config.py,
as /etc/jupyter would hold it) and an exchange folder every account can write, then
runs JupyterHub (hub/jupyterhub_config.py) in the foreground until Ctrl-C.

What the accounts use lies outside this checkout, in PUBLIC: the single-user servers
run from PUBLIC/singleuser, the course environment installed (not editable) for a
Python every account may run (the hub's image, built by `make hub-deps`), and read
their configuration from the state folder's etc/. This checkout (solutions, hidden
tests, the build folder) is closed to every hub account by an ACL entry without rights,
and the hub's database, cookie secret and password are in the state folder's private/
(mode 700): no student reads them. Other accounts keep the access they had.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .course import ROOT, tool_env

INSTRUCTOR = "ltl-instructor"
STUDENTS = ("ltl-alice", "ltl-bob", "ltl-carol")
MARK = "Logits to Loss hub account"  # GECOS of the accounts this module created
COURSE_DIR = "logits-to-loss"  # the instructor's course repository, in their home
BIN = Path(sys.executable).parent  # the hub itself runs from the course's .venv
# Outside every checkout, readable by every account (the Makefile's HUB_PUBLIC).
PUBLIC = Path("/srv/logits-to-loss")
SINGLEUSER = PUBLIC / "singleuser" / "bin"  # the users' servers: `make hub-deps` builds it
PROXY = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
NOT_COPIED = {
    ".git",
    ".venv",
    "build",
    "classroom",
    "test-artifacts",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "node_modules",
    ".ipynb_checkpoints",
}


class HubError(Exception):
    """Something that stops the hub from starting, said in one line."""


@dataclass
class Hub:
    state: Path
    port: int = 8000
    instructor: str = INSTRUCTOR
    students: tuple[str, ...] = STUDENTS
    test_token: str = field(default="", repr=False)  # the browser test's API token (see hub config)
    password: str = field(default="", repr=False)

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def etc(self) -> Path:
        """Jupyter configuration folders every account reads (jupyter: everyone's)."""
        return self.state / "etc"

    @property
    def course(self) -> Path:
        """The instructor's course: their copy of this repository."""
        return Path(pwd.getpwnam(self.instructor).pw_dir) / COURSE_DIR

    @property
    def private(self) -> Path:
        """The hub's own files (database, cookie secret, password, log): root's only."""
        return self.state / "private"

    def url(self, user: str | None = None) -> str:
        """The hub's address, or a user's own origin and server path."""
        if user is None:
            return f"http://localhost:{self.port}"
        return f"http://{user}.localhost:{self.port}/user/{user}"

    def env(self) -> dict[str, str]:
        """The environment of the hub process (read by hub/jupyterhub_config.py)."""
        env = tool_env()
        env.update(
            LOGITLAB_HUB_STATE=str(self.state),
            LOGITLAB_HUB_PORT=str(self.port),
            LOGITLAB_HUB_INSTRUCTOR=self.instructor,
            LOGITLAB_HUB_STUDENTS=",".join(self.students),
            LOGITLAB_HUB_BIN=str(SINGLEUSER),
            LOGITLAB_HUB_PROXY=str(proxy()),
            # CourseDirectory.db_url of nbgrader_config.py, in the instructor's copy
            LOGITLAB_HUB_GRADEBOOK=str(self.course / "classroom" / "gradebook.db"),
        )
        if self.test_token:
            env["LOGITLAB_HUB_TEST_TOKEN"] = self.test_token
        return env


def proxy() -> Path:
    """configurable-http-proxy, as `make hub-deps` installs it from npm."""
    found = PROXY if PROXY.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise HubError(f"configurable-http-proxy not found ({PROXY}): run `make hub-deps`")
    return Path(found)


# --- accounts -------------------------------------------------------------------------
def account(name: str) -> pwd.struct_passwd:
    """The Unix account `name`, created (with a private home) if it does not exist."""
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/bash", "--comment", MARK, name],
            check=True,
            capture_output=True,
        )
        user = pwd.getpwnam(name)
    if user.pw_gecos.split(",")[0] == MARK:
        Path(user.pw_dir).chmod(0o700)  # no one reads another's work (or the instructor's course)
    return user


ACCOUNT_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")  # what useradd accepts everywhere


def roster(gradebook: Path) -> set[str]:
    """The student ids of the course gradebook that can be account names (read-only;
    empty while there is no gradebook)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True, timeout=5)) as db:
            ids = {row[0] for row in db.execute("SELECT id FROM student")}
    except sqlite3.Error:
        return set()
    return {i for i in ids if ACCOUNT_NAME.match(i)}


def reset_home(user: pwd.struct_passwd) -> None:
    """Empty the home of an account this module created (never anyone else's)."""
    if user.pw_gecos.split(",")[0] != MARK:
        raise HubError(f"refusing to reset {user.pw_dir}: {user.pw_name} is not a {MARK}")
    for child in Path(user.pw_dir).iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def as_user(
    user: pwd.struct_passwd, cmd: list[str], hub: Hub, cwd: Path | None = None, timeout: float = 1800
) -> subprocess.CompletedProcess:
    """Run `cmd` as `user` (from root), in their home or `cwd`, as their server would."""
    env = {
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "LOGNAME": user.pw_name,
        "SHELL": "/bin/bash",
        "PATH": f"{SINGLEUSER}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "LOGITLAB_EXCHANGE": str(hub.exchange),
        "LANG": "C.UTF-8",
        "JUPYTER_CONFIG_PATH": str(hub.etc / "jupyter"),
    }
    return subprocess.run(
        cmd,
        cwd=cwd or user.pw_dir,
        env=env,
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for p in [path, *path.rglob("*")]:
        os.lchown(p, user.pw_uid, user.pw_gid)


def _not_copied(folder: str, names: list[str]) -> list[str]:
    """Build and tool folders anywhere, and screenshots at the top (as .gitignore says)."""
    top = Path(folder) == ROOT
    return [n for n in names if n in NOT_COPIED or (top and n.endswith(".png"))]


def install_course(hub: Hub, assignments: list[str] | None = None, say=print) -> Path:
    """Give the instructor a copy of this repository (mode 700) with the assignments
    registered in its gradebook, and the ~/.jupyter/nbgrader_config.py that points
    nbgrader at it. An existing copy is kept as it is (it holds the instructor's gradebook)."""
    user = pwd.getpwnam(hub.instructor)
    home, course = Path(user.pw_dir), hub.course
    if not course.exists():
        say(f"copying the course to {course}")
        shutil.copytree(ROOT, course, ignore=_not_copied)
        _chown_tree(course, user)
    course.chmod(0o700)
    jupyter = home / ".jupyter"
    jupyter.mkdir(exist_ok=True)
    (jupyter / "nbgrader_config.py").write_text(
        "# Written by `make hub`: this instructor's course (README, \"Run it on a JupyterHub\").\n"
        f"c = get_config()  # noqa: F821\nload_subconfig({str(course / 'nbgrader_config.py')!r})  # noqa: F821\n"
    )
    _chown_tree(jupyter, user)
    say(f"registering {', '.join(assignments) if assignments else 'every assignment'} in the instructor's gradebook")
    run = as_user(user, [str(SINGLEUSER / "python"), "-m", "grader", "register", *(assignments or [])], hub, course)
    if run.returncode != 0:
        raise HubError(f"registering the assignments failed: {(run.stderr or run.stdout).strip()[-500:]}")
    return course


def close_checkout(users: list[pwd.struct_passwd]) -> None:
    """Deny the hub's accounts this checkout (solutions, hidden tests, build/): an ACL
    entry without rights for each on its top folder. Nobody else loses any access (the
    grading sandbox's unprivileged user still runs .venv's interpreter and logitlab)."""
    entries = ",".join(f"u:{u.pw_name}:---" for u in users)
    try:
        run = subprocess.run(["setfacl", "-m", entries, str(ROOT)], capture_output=True, text=True)
    except FileNotFoundError:
        raise HubError("setfacl not found (Debian's acl package): run `make hub-deps`") from None
    if run.returncode != 0:
        raise HubError(f"cannot close {ROOT} to the hub's accounts: {run.stderr.strip()}")


def write_config(hub: Hub) -> None:
    """The Jupyter configuration every account reads, copied out of this checkout:
    etc/jupyter (the hub's /etc/jupyter: course id, exchange, terminals), etc/student
    (the learner's lab) and etc/instructor (the formgrader's frame)."""
    for name, source in (
        ("jupyter", ROOT / "hub" / "etc" / "jupyter"),
        ("student", ROOT / "lab" / "jupyter"),
        ("instructor", ROOT / "hub" / "etc" / "instructor"),
    ):
        shutil.rmtree(hub.etc / name, ignore_errors=True)
        shutil.copytree(source, hub.etc / name, ignore=shutil.ignore_patterns("README.md"))
    shutil.copyfile(ROOT / "nbgrader_config.py", hub.etc / "jupyter" / "nbgrader_config.py")
    for path in [hub.etc, *hub.etc.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


# --- the hub --------------------------------------------------------------------------
def prepare(hub: Hub, assignments: list[str] | None = None, fresh: bool = False, say=print) -> Hub:
    """Accounts, state folder, shared config, exchange and the instructor's course."""
    if os.geteuid() != 0:
        raise HubError("make hub creates Unix accounts and starts servers as them: run it as root (sudo make hub)")
    proxy()
    if not (SINGLEUSER / "jupyterhub-singleuser").exists():
        raise HubError(f"the single-user environment is missing ({SINGLEUSER.parent}): run `make hub-deps`")
    if ROOT == hub.state or ROOT in hub.state.parents:
        raise HubError(f"the state folder {hub.state} must lie outside this checkout, which the accounts may not read")
    say(f"accounts: {hub.instructor} (instructor), {', '.join(hub.students)}")
    users = [account(name) for name in (hub.instructor, *hub.students)]
    close_checkout(users)
    if fresh:
        for user in users:
            reset_home(user)
        shutil.rmtree(hub.state, ignore_errors=True)
    say(f"state, configuration and exchange in {hub.state}")
    hub.state.mkdir(parents=True, exist_ok=True)
    hub.state.chmod(0o755)
    hub.private.mkdir(exist_ok=True)
    hub.private.chmod(0o700)
    # Every account must reach the exchange and the single-user environment: their
    # parent folders get the right to pass through (not to list).
    for folder in {*hub.state.parents, *SINGLEUSER.parents} - {Path("/")}:
        folder.chmod(folder.stat().st_mode | 0o001)
    hub.exchange.mkdir(exist_ok=True)
    hub.exchange.chmod(0o1777)  # everyone writes, nobody removes another's files
    write_config(hub)
    password = hub.private / "password"
    if not password.exists():
        password.write_text(secrets.token_urlsafe(12) + "\n")
        password.chmod(0o600)
    hub.password = password.read_text().strip()
    install_course(hub, assignments, say)
    return hub


def command() -> list[str]:
    return [str(BIN / "jupyterhub"), "-f", str(ROOT / "hub" / "jupyterhub_config.py")]


def start(hub: Hub, log: Path) -> subprocess.Popen:
    """JupyterHub in the background, in a session of its own (stop it with `stop`)."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            command(), cwd=hub.private, env=hub.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen, hub: Hub) -> None:
    """Stop the hub, the proxy and every single-user server it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    for p in psutil.process_iter(["environ"]):  # a server or kernel left behind: this hub's only
        if (p.info.get("environ") or {}).get("LOGITLAB_EXCHANGE") == str(hub.exchange):
            try:
                p.kill()
            except psutil.Error:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make hub", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--state", type=Path, default=PUBLIC / "hub")
    parser.add_argument("--assignments", nargs="*", help="assignments to register (default: all)")
    args = parser.parse_args(argv)
    hub = Hub(args.state.resolve(), args.port)
    try:
        prepare(hub, args.assignments, say=lambda line: print(f"make hub: {line}", flush=True))
    except HubError as exc:
        print(f"make hub: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"JupyterHub on {hub.url()} (this machine only). Log in as\n"
        f"  {hub.instructor} (instructor: formgrader, course in ~/{COURSE_DIR})\n"
        f"  {', '.join(hub.students)} (students: Assignments tab)\n"
        f"with the password {hub.password} (in {hub.private / 'password'}). Ctrl-C stops it.",
        flush=True,
    )
    print("make hub: starting JupyterHub (the first login starts a server: up to a minute)", flush=True)
    os.chdir(hub.private)
    os.execve(command()[0], command(), hub.env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
