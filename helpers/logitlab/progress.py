"""A local record of which checks pass, shown as a course map.

The record is a small JSON file in $LOGITLAB_HOME (default ~/.logitlab). Nothing is
recorded while nbgrader executes a notebook, so grading never writes to it.
"""
from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path

from .course import COURSE, EXERCISE_ASSIGNMENT
from .errors import unknown_name


def _store() -> Path:
    return Path(os.environ.get("LOGITLAB_HOME", Path.home() / ".logitlab")) / "progress.json"


def load() -> dict[str, dict]:
    """{exercise: {"passed": bool, "when": unix time}}; empty if nothing or unreadable."""
    try:
        data = json.loads(_store().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(exercise: str, passed: bool) -> None:
    """Remember the latest result of `exercise` (a no-op under grading)."""
    if exercise not in EXERCISE_ASSIGNMENT:
        raise unknown_name("exercise", exercise, EXERCISE_ASSIGNMENT)
    if os.environ.get("NBGRADER_EXECUTION"):
        return
    data = load()
    data[exercise] = {"passed": bool(passed), "when": int(time.time())}
    path = _store()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home must never break a learner's check


def reset() -> None:
    """Forget every recorded result."""
    _store().unlink(missing_ok=True)


class CourseMap:
    """The course, notebook by notebook, with a mark for every passed exercise."""

    def __init__(self, data: dict[str, dict]):
        self.data = data

    def _mark(self, exercise: str) -> str:
        state = self.data.get(exercise, {})
        return "done" if state.get("passed") else ("tried" if state else "todo")

    def rows(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        return [(a.id, a.title, [(ex, self._mark(ex)) for ex in a.exercises]) for a in COURSE]

    def __repr__(self) -> str:
        symbol = {"done": "[x]", "tried": "[~]", "todo": "[ ]"}
        lines = []
        for aid, title, exs in self.rows():
            lines.append(f"{aid}  {title}")
            lines += [f"    {symbol[m]} {ex}" for ex, m in exs]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        style = {"done": ("&#10004;", "#1b7837"), "tried": ("&#8230;", "#e08214"), "todo": ("&#9675;", "#777")}
        out = ["<table class='logitlab-map'>"]
        for aid, title, exs in self.rows():
            cells = " ".join(f"<span style='color:{style[m][1]}'>{style[m][0]} {html.escape(ex)}</span>"
                             for ex, m in exs) or "<i>no graded exercise</i>"
            out.append(f"<tr><td><code>{aid}</code></td><td>{html.escape(title)}</td><td>{cells}</td></tr>")
        out.append("</table>")
        return "".join(out)


def course_map() -> CourseMap:
    """Show the course and what you have passed so far."""
    return CourseMap(load())
