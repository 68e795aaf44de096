"""Self-check quizzes: multiple choice, checked on demand, explained either way.

    quiz([(question, options, correct_index, explanation), ...], lesson="02_softmax")

Nothing is preselected. Each check updates the score (questions whose latest checked
answer is right); the lesson's best score goes to the progress store, where 75% passes
the quiz and completes the lesson once its exercises pass. Under grading the quiz is a
placeholder and nothing is recorded: quizzes never affect grades.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Sequence
from importlib import resources
from typing import NamedTuple

import ipywidgets as w

from . import progress
from .errors import LogitlabInputError, unknown_name
from .plots import OKABE_ITO
from .widgets._base import placeholder, under_grading

RIGHT, WRONG = OKABE_ITO["bluish green"], OKABE_ITO["vermillion"]


class Question(NamedTuple):
    text: str
    options: tuple[str, ...]
    correct: int
    explanation: str


def _nonempty_text(where: str, what: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LogitlabInputError(f"{where}: {what} must be a non-empty string, got {value!r:.60}")
    return value


def _parse(number: int, item: object) -> Question:
    """One validated question; errors say which question (1-based) and what is wrong."""
    where = f"quiz question {number}"
    if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 4:
        raise LogitlabInputError(
            f"{where} must be a tuple (question, options, correct_index, explanation), got {item!r:.80}"
        )
    text, options, correct, explanation = item
    _nonempty_text(where, "the question", text)
    _nonempty_text(where, "the explanation", explanation)
    if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or len(options) < 2:
        raise LogitlabInputError(f"{where}: options must be a list of at least 2 strings, got {options!r:.80}")
    for i, option in enumerate(options):
        _nonempty_text(where, f"option {i}", option)
    if isinstance(correct, bool) or not isinstance(correct, int) or not 0 <= correct < len(options):
        raise LogitlabInputError(
            f"{where}: correct_index must be an int from 0 to {len(options) - 1} "
            f"(a position in options, counting from 0), got {correct!r}"
        )
    return Question(text, tuple(options), correct, explanation)


class QuestionBox(w.VBox):
    """One question: `.choices` (RadioButtons), `.check` (Button), `.feedback` (HTML)."""

    def __init__(self, number: int, question: Question, on_verdict=None):
        self.question = question
        self.verdict: bool | None = None  # the latest checked answer: right, wrong, or not checked
        self._on_verdict = on_verdict
        prompt = w.HTMLMath(f"<b>{number}.</b> {html.escape(question.text)}")
        # Options carry their index as value, so repeated labels stay distinct.
        self.choices = w.RadioButtons(
            options=[(o, i) for i, o in enumerate(question.options)], value=None, layout=w.Layout(width="auto")
        )
        self.check = w.Button(description="Check", button_style="info")
        self.feedback = w.HTMLMath()
        self.check.on_click(self._on_check)
        self.choices.observe(self._on_choice, names="value")
        super().__init__([prompt, self.choices, self.check, self.feedback], layout=w.Layout(margin="0 0 1em 0"))

    def _on_choice(self, _change) -> None:
        self.feedback.value = ""  # an old verdict must not stick to a new answer

    def _on_check(self, _button=None) -> None:
        picked = self.choices.value
        explanation = html.escape(self.question.explanation)
        if picked is None:
            self.feedback.value = "<i>Pick an answer first.</i>"
            return
        self.verdict = picked == self.question.correct
        if self.verdict:
            self.feedback.value = f'<span style="color:{RIGHT}"><b>Correct.</b></span> {explanation}'
        else:
            self.feedback.value = f'<span style="color:{WRONG}"><b>Not quite.</b></span> {explanation}'
        if self._on_verdict:
            self._on_verdict()


class Quiz(w.VBox):
    """The whole quiz; `.questions` is the list of QuestionBox widgets, `.score` an HTML line
    with the current score. With a `lesson`, every check records the score in the progress store."""

    def __init__(self, questions: list[Question], lesson: str | None = None):
        self.lesson = lesson
        self.questions = [QuestionBox(n, q, self._score_changed) for n, q in enumerate(questions, start=1)]
        self.score = w.HTML(self._score_text(None))
        super().__init__([*self.questions, self.score])

    @property
    def correct(self) -> int:
        return sum(box.verdict is True for box in self.questions)

    def _score_changed(self) -> None:
        saved = progress.record_quiz(self.lesson, self.correct, len(self.questions)) if self.lesson else None
        self.score.value = self._score_text(saved)

    def _score_text(self, saved: dict | None) -> str:
        n, right = len(self.questions), self.correct
        line = (
            f"<b>Score: {right} of {n}</b> ({right / n:.0%}); {progress.QUIZ_PASS:.0%} passes the quiz. "
            "Quizzes never count towards a grade."
        )
        if saved is not None:
            verdict = "passed" if saved["passed"] else "not passed yet"
            line += f" Best score saved in your progress: {saved['best']:.0%}, quiz {verdict}."
        return f'<p class="ll-quiz-score">{line}</p>'

    def __repr__(self) -> str:  # the text shown where widgets cannot render (static views)
        n = len(self.questions)
        return f"self-check quiz, {n} question{'s' * (n != 1)} (run the notebook to answer)"


def _current_lesson() -> str | None:
    """The lesson of the notebook this kernel runs, from the path JupyterLab gives it, if any."""
    path = os.environ.get("JPY_SESSION_NAME", "")
    try:
        from IPython import get_ipython

        shell = get_ipython()
        path = (shell.user_ns.get("__session__") if shell else None) or path
    except ImportError:
        pass
    found = [lesson for lesson in progress.LESSONS if re.search(rf"(^|\W){lesson}(\W|$)", str(path))]
    return found[-1] if found else None


def lesson_questions(lesson: str) -> list[tuple]:
    """The self-check questions of `lesson` (an assignment id), kept in logitlab so that
    no notebook's source shows their answers."""
    if lesson not in progress.LESSONS:
        raise unknown_name("lesson", lesson, progress.LESSONS)
    items = json.loads(resources.files(__package__).joinpath("quizzes", f"{lesson}.json").read_text("utf-8"))
    return [(q["question"], q["options"], q["answer"], q["explanation"]) for q in items]


def quiz(questions, lesson: str | None = None):
    """A self-check quiz. `quiz("02_softmax")` asks that notebook's questions (their answers
    live in logitlab, not in the notebook) and records the score in your progress.

    `questions` may also be a list of (question, options, correct_index, explanation), with
    `correct_index` counting from 0; then `lesson`, an assignment id, says where to record
    the score (by default the notebook's path, when JupyterLab gives one).
    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("quiz")
    if isinstance(questions, str) and lesson is None:
        questions, lesson = lesson_questions(questions), questions
    if isinstance(questions, (str, bytes)) or not isinstance(questions, Sequence) or not questions:
        raise LogitlabInputError(
            "questions must be a lesson id such as '02_softmax', or a non-empty list of (question, "
            f"options, correct_index, explanation) tuples, got {questions!r:.80}"
        )
    if lesson is not None and lesson not in progress.LESSONS:
        raise unknown_name("lesson", lesson, progress.LESSONS)
    parsed = [_parse(n, item) for n, item in enumerate(questions, start=1)]
    return Quiz(parsed, lesson or _current_lesson())
