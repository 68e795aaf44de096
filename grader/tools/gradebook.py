"""The released notebook of an assignment, as nbgrader makes it, once per grading run.

Grading repairs each submission against the notebook students were given (its
nbgrader metadata and checksums), so that notebook is made by nbgrader itself:
`nbgrader generate_assignment` into a private course folder, from the freshly built
source, forked from the grading fork server where nbgrader is imported and warmed
(grader/tools/warm.py). It is kept in OUT/.templates and reused while nothing it
depends on changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core import forks
from .build import generate_args
from .course import tool_env

DEFAULT_TIMEOUT = 300.0  # seconds per notebook (the judge's limits cut each call and cell sooner)
ERROR_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit|Interrupt)\b.*)$")


@dataclass(frozen=True)
class Template:
    """What `generate_assignment` made once per assignment."""

    assignment: str
    source: Path  # folder holding <assignment>/<assignment>.ipynb with answers
    db: Path  # the private gradebook generate_assignment needs
    release: Path  # the student notebook, as released (metadata and checksums)

    @classmethod
    def at(cls, assignment: str, source: Path, folder: Path) -> Template:
        return cls(assignment, source, folder / "gradebook.db", folder / "release" / assignment / f"{assignment}.ipynb")

    def ready(self) -> bool:
        return self.release.is_file()


def make_template(assignment: str, source: Path, folder: Path) -> Template:
    """Run `nbgrader generate_assignment` once into `folder` (private), in a process
    forked from the grading fork server, where nbgrader is imported and warmed."""
    folder.mkdir(parents=True, exist_ok=True)
    template = Template.at(assignment, source, folder)
    args = [*generate_args(assignment, source, folder / "release", f"sqlite:///{template.db}", "WARN")]
    args.append(f"--CourseDirectory.root={folder}")
    log = folder / "generate.log"
    for _ in range(2):  # a forked nbgrader has been seen to end silently, once in a while: once more
        code = forks.run(_nbgrader_main, (args,), folder, tool_env(), log, timeout=600)
        if code == 0 and template.ready():
            return template
    why = error_line(log.read_text(errors="replace"))
    raise RuntimeError(f"generate_assignment {assignment} failed (exit code {code}): {why}")


def _nbgrader_main(args: list[str]) -> None:
    """`nbgrader ARGS` in a forked child (exit code 1 on failure)."""
    from nbgrader.apps.nbgraderapp import NbGraderApp

    NbGraderApp.launch_instance(args)


def error_line(log: str) -> str:
    """The most telling line of an nbgrader log: the last exception, else the last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        match = ERROR_LINE.match(line)
        if match:
            return match.group(1)[:200]
    errors = [line for line in lines if "ERROR" in line or "CRITICAL" in line]
    return (errors or lines or ["no output"])[-1][:200]
