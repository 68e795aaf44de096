"""nbgrader, one private course folder at a time.

Every grading job gets its own folder and its own copy of a template gradebook, so
any number of `nbgrader autograde` processes can run side by side without sharing a
sqlite file. Each run has a wall-clock limit; on timeout every process it started is
killed, including a kernel that ignores interrupts or left children behind. Where
grader/jail.py can work, the kernel runs jailed: it cannot see the repository, the
hidden tests, any gradebook or anyone else's submission.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..core import forks, jail
from .course import CONFIG, tool_env

DEFAULT_TIMEOUT = 300.0  # seconds per notebook; nbgrader's Execute.timeout limits each cell
# BLAS thread pools in N parallel kernels would fight over the cores.
THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ERROR_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit|Interrupt)\b.*)$")


def _dirs(root: Path, source: Path, release: Path, db: Path) -> list[str]:
    """nbgrader options that point every course folder at private places."""
    return [
        f"--NbGrader.config_file={CONFIG}",
        f"--CourseDirectory.root={root}",
        f"--CourseDirectory.source_directory={source}",
        f"--CourseDirectory.release_directory={release}",
        f"--CourseDirectory.submitted_directory={root / 'submitted'}",
        f"--CourseDirectory.autograded_directory={root / 'autograded'}",
        f"--CourseDirectory.feedback_directory={root / 'feedback'}",
        f"--CourseDirectory.db_url=sqlite:///{db}",
        "--log-level=WARN",
    ]


@dataclass(frozen=True)
class Template:
    """What `generate_assignment` made once per assignment: gradebook and release."""

    assignment: str
    source: Path  # folder holding <assignment>/<assignment>.ipynb with answers
    db: Path  # gradebook with the assignment's cells; copied for every job
    release: Path  # the student notebook, as released (metadata and checksums)

    @classmethod
    def at(cls, assignment: str, source: Path, folder: Path) -> Template:
        return cls(assignment, source, folder / "gradebook.db", folder / "release" / assignment / f"{assignment}.ipynb")

    def ready(self) -> bool:
        return self.db.is_file() and self.release.is_file()


def make_template(assignment: str, source: Path, folder: Path) -> Template:
    """Run `nbgrader generate_assignment` once into `folder` (private)."""
    folder.mkdir(parents=True, exist_ok=True)
    template = Template.at(assignment, source, folder)
    args = ["generate_assignment", assignment, "--force", *_dirs(folder, source, folder / "release", template.db)]
    log = folder / "generate.log"
    code = _nbgrader(args, folder, tool_env(), log, timeout=600)
    if code != 0 or not template.ready():
        raise RuntimeError(f"generate_assignment {assignment} failed: {error_line(log.read_text(errors='replace'))}")
    return template


# --- nbgrader processes ------------------------------------------------------------
def _nbgrader_main(args: list[str], scores_of: tuple[str, str, str, str] | None = None) -> None:
    """`nbgrader ARGS` in a forked child (grader/forks.py; exit code 1 on failure).

    With `scores_of` = (gradebook, assignment, student, json path), the scores are
    then read while nbgrader is loaded anyway, and written as JSON.
    """
    from nbgrader.apps.nbgraderapp import NbGraderApp

    NbGraderApp.launch_instance(args)
    if scores_of:
        db, assignment, student, out = scores_of
        Path(out).write_text(json.dumps(scores(Path(db), assignment, student)))


def _nbgrader(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    log: Path,
    timeout: float,
    stop: threading.Event | None = None,
    scores_of: tuple | None = None,
) -> int | None:
    """Run nbgrader; its exit code, or None if it was killed (timeout or `stop`)."""
    return forks.run(_nbgrader_main, (args, scores_of), cwd, env, log, timeout, stop)


@dataclass(frozen=True)
class Run:
    """How one autograde process ended: `error` is None when nbgrader succeeded, and
    `scores` is then {grade_id: (auto score, needs manual grading)}. `unexplained`:
    nbgrader died without reporting an error (a signal), worth one more try.
    `not_started`: the kernel died before it answered, so no learner code ran (a port
    another kernel took in between), worth another try too."""

    error: str | None
    log: str
    scores: dict[str, tuple[float, bool]] | None = None
    unexplained: bool = False
    not_started: bool = False


KERNEL_NOT_STARTED = "Kernel died before replying to kernel_info"  # nbclient's words
KERNEL_MEMORY_MB = 4096  # address space of one grading kernel: MemoryError past it


def isolated() -> bool:
    """Whether kernels can be jailed here (root, allowed to make mount namespaces)."""
    return jail.available()


def _jailed_kernel(job: Path, hide: list[Path], scratch: Path) -> dict[str, str]:
    """Environment under which nbgrader starts the kernel through grader/jail.py.

    A kernelspec named python3 in a job-private JUPYTER_PATH wins over the installed
    one. The kernel keeps its working folder, its `scratch` folder (connection file,
    home), the interpreter and logitlab; every `hide` folder (the repository, the
    private work folder with the hidden tests and gradebooks, the submissions, the
    output) is empty for it, and so is every other place a copy of the course could be
    (`jail.elsewhere`). It runs as an unprivileged user who cannot undo any of that,
    and sees no other process.
    """
    runtime = job / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    hide = [*map(str, hide), *jail.elsewhere()]
    argv = jail.command(
        hide,
        [job / "autograded", runtime, scratch],
        jail.needed_read_only(hide),
        [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        memory_mb=KERNEL_MEMORY_MB,
        user=jail.UNPRIVILEGED,
    )
    home = {"HOME": str(scratch), "MPLCONFIGDIR": str(scratch)}  # the unprivileged user has none
    spec = job / "jupyter" / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    kernel = {"argv": argv, "display_name": "Python 3 (graded)", "language": "python", "env": home}
    spec.write_text(json.dumps(kernel))
    return {"JUPYTER_PATH": str(job / "jupyter"), "JUPYTER_RUNTIME_DIR": str(runtime)}


def autograde(
    template: Template,
    job: Path,
    student: str,
    timeout: float,
    hide: list[Path] | None = None,
    stop: threading.Event | None = None,
) -> Run:
    """Autograde `job/submitted/<student>/<assignment>/` against a copy of the template.

    The job folder must already hold the submitted notebook; its gradebook is
    job/gradebook.db afterwards. With `hide` (and where `isolated()`), the kernel runs
    in a jail in which those folders are empty. Setting `stop` kills the run (the
    instructor pressed Ctrl-C: the process has a session of its own, so the terminal
    does not reach it).
    """
    shutil.copyfile(template.db, job / "gradebook.db")
    args = [
        "autograde",
        template.assignment,
        "--student",
        student,
        "--force",
        *_dirs(job, template.source, job / "release", job / "gradebook.db"),
    ]
    env = tool_env()
    env[forks.JOB_MARK] = secrets.token_hex(8)
    for name in THREAD_LIMITS:
        env.setdefault(name, "1")
    (job / "autograded").mkdir(exist_ok=True)
    # A temp folder of the run's own, removed afterwards with whatever the kernel left
    # there. nbclient's connection file and the kernel's IPython profile live there too,
    # so a startup file a submission writes never runs in another student's kernel.
    scratch = tempfile.mkdtemp(prefix="logitlab-kernel-")
    env["TMPDIR"] = scratch
    env["IPYTHONDIR"] = str(Path(scratch) / "ipython")
    if hide and isolated():
        env.update(_jailed_kernel(job, hide, Path(scratch)))
    log_path, scores_path = job / "autograde.log", job / "scores.json"
    try:
        code = _nbgrader(
            args,
            job,
            env,
            log_path,
            timeout,
            stop,
            scores_of=(str(job / "gradebook.db"), template.assignment, student, str(scores_path)),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log_text = log_path.read_text(errors="replace")
    if code is None:
        return Run("interrupted" if stop and stop.is_set() else f"timed out after {timeout:g} s", log_text)
    if code != 0:
        return Run(
            f"nbgrader failed (exit code {code}): {error_line(log_text)}",
            log_text,
            unexplained=code < 0,
            not_started=KERNEL_NOT_STARTED in log_text,
        )
    if not scores_path.is_file():
        return Run(f"nbgrader recorded no scores: {error_line(log_text)}", log_text, unexplained=True)
    got = json.loads(scores_path.read_text())
    return Run(None, log_text, {gid: (float(a), bool(m)) for gid, (a, m) in got.items()})


def error_line(log: str) -> str:
    """The most telling line of an nbgrader log: the last exception, else the last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        match = ERROR_LINE.match(line)
        if match:
            return match.group(1)[:200]
    errors = [line for line in lines if "ERROR" in line or "CRITICAL" in line]
    return (errors or lines or ["no output"])[-1][:200]


def scores(db: Path, assignment: str, student: str) -> dict[str, tuple[float, bool]]:
    """{grade_id: (auto score, needs manual grading)} from one job's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (float(g.auto_score or 0.0), bool(g.needs_manual_grade)) for g in notebook.grades}
