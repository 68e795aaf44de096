"""A local record of your progress, shown as a course map.

The record is a small JSON file in $LOGITLAB_HOME (default ~/.logitlab): the latest
result of each exercise's `check(...)` and the scores of each lesson's quiz. A lesson
is complete when every exercise passes and its quiz is passed (75% or more). Nothing is
recorded while nbgrader (or the grader) executes a notebook, so grading never writes
to it, and nothing here ever affects a grade.
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path

from .course import COURSE, EXERCISE_ASSIGNMENT
from .errors import LogitlabInputError, unknown_name

QUIZ_PASS = 0.75  # the share of right answers that passes a quiz
LESSONS = {a.id: a for a in COURSE}


def _store() -> Path:
    return Path(os.environ.get("LOGITLAB_HOME", Path.home() / ".logitlab")) / "progress.json"


def _grading() -> bool:
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def load() -> dict[str, dict]:
    """{"exercises": {name: {"passed", "when"}}, "quizzes": {lesson: {"score", "best", "when"}}};
    empty parts if nothing was recorded or the file is unreadable. A record in the first
    format ({exercise: {...}}) is read as exercises."""
    try:
        data = json.loads(_store().read_text())
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    if "exercises" not in data and "quizzes" not in data:
        data = {"exercises": {k: v for k, v in data.items() if k in EXERCISE_ASSIGNMENT}}
    return {part: data[part] if isinstance(data.get(part), dict) else {} for part in ("exercises", "quizzes")}


def _save(data: dict) -> None:
    path = _store()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home must never break a learner's check or quiz


def record(exercise: str, passed: bool) -> None:
    """Remember the latest result of `exercise` (a no-op under grading)."""
    if exercise not in EXERCISE_ASSIGNMENT:
        raise unknown_name("exercise", exercise, EXERCISE_ASSIGNMENT)
    if _grading():
        return
    data = load()
    data["exercises"][exercise] = {"passed": bool(passed), "when": int(time.time())}
    _save(data)


def record_quiz(lesson: str, correct: int, total: int) -> dict:
    """Remember a quiz score of `lesson` (a no-op under grading); returns the lesson's quiz
    record: the latest score, the best one, and whether the quiz is passed."""
    if lesson not in LESSONS:
        raise unknown_name("lesson", lesson, LESSONS)
    if isinstance(total, bool) or not isinstance(total, int) or total < 1 or not 0 <= correct <= total:
        raise LogitlabInputError(f"a quiz score needs 0 <= correct <= total and total >= 1, got {correct}/{total}")
    score = correct / total
    data = load()
    best = max(score, data["quizzes"].get(lesson, {}).get("best", 0.0))
    entry = {"score": score, "best": best, "passed": best >= QUIZ_PASS, "when": int(time.time())}
    if not _grading():
        data["quizzes"][lesson] = entry
        _save(data)
    return entry


def reset() -> None:
    """Forget every recorded result and score."""
    _store().unlink(missing_ok=True)


# ---- the course map --------------------------------------------------------------

MARKS = {"done": "[x]", "tried": "[~]", "todo": "[ ]"}
STYLE = {"done": ("&#10004;", "#1b7837"), "tried": ("&#8230;", "#e08214"), "todo": ("&#9675;", "#777")}
LEGEND = (
    "[x] passed, [~] tried but not passed yet, [ ] not tried (from your own check(...) "
    f"calls); quiz: your best score, {QUIZ_PASS:.0%} passes; a lesson is complete when every "
    "exercise passes and its quiz is passed. Quizzes never count towards a grade."
)


class Lesson:
    """One notebook's progress: exercise marks, quiz score and status."""

    def __init__(self, assignment, data: dict[str, dict]):
        self.id, self.title = assignment.id, assignment.title
        self.marks = [(ex, self._mark(data["exercises"].get(ex))) for ex in assignment.exercises]
        quiz = data["quizzes"].get(self.id)
        self.quiz_best = quiz.get("best") if isinstance(quiz, dict) else None

    @staticmethod
    def _mark(state) -> str:
        if not isinstance(state, dict):
            return "todo"
        return "done" if state.get("passed") else "tried"

    @property
    def passed(self) -> int:
        return sum(m == "done" for _, m in self.marks)

    @property
    def quiz_passed(self) -> bool:
        return self.quiz_best is not None and self.quiz_best >= QUIZ_PASS

    @property
    def status(self) -> str:
        if self.passed == len(self.marks) and self.quiz_passed:
            return "complete"
        if self.quiz_best is not None or any(m != "todo" for _, m in self.marks):
            return "in progress"
        return "not started"

    def exercises_text(self) -> str:
        return f"{self.passed}/{len(self.marks)}" if self.marks else "none"

    def quiz_text(self) -> str:
        if self.quiz_best is None:
            return "not taken"
        return f"{self.quiz_best:.0%}" + (" passed" if self.quiz_passed else "")


class CourseMap:
    """The course, notebook by notebook: exercises passed, quiz score, completion."""

    def __init__(self, data: dict[str, dict]):
        self.data = data
        self.lessons = [Lesson(a, data) for a in COURSE]

    def rows(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        return [(lesson.id, lesson.title, lesson.marks) for lesson in self.lessons]

    def __repr__(self) -> str:
        lines = ["Course map: exercises passed, quiz (best score), lesson"]
        for lesson in self.lessons:
            lines.append(
                f"{lesson.id:17} exercises {lesson.exercises_text():5} quiz {lesson.quiz_text():12} "
                f"{lesson.status:11}  {lesson.title}"
            )
            if lesson.marks:
                lines.append("    " + "  ".join(f"{MARKS[m]} {ex}" for ex, m in lesson.marks))
        lines.append(f"Legend: {LEGEND}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        style = STYLE
        status = dict(zip(("complete", "in progress", "not started"), (style[m][1] for m in style)))
        cell = "<td style='text-align:left;vertical-align:top;padding:2px 10px{}'>{}</td>"
        head = "".join(cell.format(";font-weight:bold", h) for h in ("notebook", "exercises", "quiz", "lesson"))
        out = [f"<table class='logitlab-map'><tr>{head}</tr>"]
        for lesson in self.lessons:
            marks = (
                " ".join(
                    f"<span style='color:{style[m][1]}'>{style[m][0]} {html.escape(ex)}</span>"
                    for ex, m in lesson.marks
                )
                or "<i>no graded exercise</i>"
            )
            count = f"<b>{lesson.exercises_text()}</b> " if lesson.marks else ""
            out.append(
                "<tr>"
                + cell.format("", f"<code>{lesson.id}</code><br>{html.escape(lesson.title)}")
                + cell.format("", count + marks)
                + cell.format(";white-space:nowrap", html.escape(lesson.quiz_text()))
                + cell.format(f";white-space:nowrap;color:{status[lesson.status]}", f"<b>{lesson.status}</b>")
                + "</tr>"
            )
        out.append("</table>")
        legend = (
            f"<span style='color:{style['done'][1]}'>&#10004; passed</span>, "
            f"<span style='color:{style['tried'][1]}'>&#8230; tried, not passed yet</span>, "
            f"<span style='color:{style['todo'][1]}'>&#9675; not tried</span> (from your own "
            f"<code>check(...)</code> calls). Quiz: your best score; {QUIZ_PASS:.0%} passes. A lesson "
            "is <b>complete</b> when every exercise passes and its quiz is passed. Quizzes never "
            "count towards a grade."
        )
        out.append(f"<p class='logitlab-legend'><b>Legend:</b> {legend}</p>")
        return "".join(out)


def course_map() -> CourseMap:
    """Show the course: per notebook, exercises passed, quiz score and completion."""
    return CourseMap(load())
