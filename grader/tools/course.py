"""Where things live in the course repository, and which assignments exist."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
SOURCE = BUILD / "source"
CONFIG = ROOT / "nbgrader_config.py"  # the course configuration nbgrader finds by itself
BUGZOO = ROOT / "grader" / "bugzoo"

ASSIGNMENT_RE = re.compile(r"^\d\d_[a-z0-9_]+$")


def assignments() -> list[str]:
    """Assignment ids, in course order: every solutions/NN_topic/NN_topic.py."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if ASSIGNMENT_RE.match(p.name) and (p / f"{p.name}.py").is_file())


def tool_env() -> dict[str, str]:
    """Environment for nbgrader subprocesses: this interpreter's bin/ first on PATH.

    nbgrader runs the `alembic` executable from PATH when it creates a gradebook, so
    calling the venv's python without its bin/ on PATH would fail.
    """
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env
