"""The released notebook of an assignment, as nbgrader makes it, once per grading run.

Grading repairs each submission against the notebook students were given (its
nbgrader metadata and checksums), so that notebook is made by nbgrader itself:
`nbgrader generate_assignment` into a private course folder, from the freshly built
source. It is kept in OUT/.templates and reused while nothing it depends on changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .course import CONFIG, tool_env

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
    """Run `nbgrader generate_assignment` once into `folder` (private)."""
    folder.mkdir(parents=True, exist_ok=True)
    template = Template.at(assignment, source, folder)
    args = [
        f"--NbGrader.config_file={CONFIG}",
        f"--CourseDirectory.root={folder}",
        f"--CourseDirectory.source_directory={source}",
        f"--CourseDirectory.release_directory={folder / 'release'}",
        f"--CourseDirectory.db_url=sqlite:///{template.db}",
        "--log-level=WARN",
    ]
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force", *args]
    done = subprocess.run(cmd, cwd=folder, env=tool_env(), capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not template.ready():
        raise RuntimeError(f"generate_assignment {assignment} failed: {error_line(done.stdout + done.stderr)}")
    return template


def error_line(log: str) -> str:
    """The most telling line of an nbgrader log: the last exception, else the last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        match = ERROR_LINE.match(line)
        if match:
            return match.group(1)[:200]
    errors = [line for line in lines if "ERROR" in line or "CRITICAL" in line]
    return (errors or lines or ["no output"])[-1][:200]
