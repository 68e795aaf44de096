"""The self-check quiz: no preselection, right/wrong feedback, clear errors."""

from __future__ import annotations

import re

import ipywidgets as w
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.quiz import quiz

QUESTIONS = [
    (
        "Logits [1, 2, 3] and [101, 102, 103]: how do their softmax outputs compare?",
        ["They are identical", "The second is more peaked", "The second is uniform"],
        0,
        "Only differences between logits matter.",
    ),
    (
        "Two logits differ by 2. Ratio of their probabilities?",
        ["2", "e^2", "it depends"],
        1,
        "p_i / p_j = e^(z_i - z_j).",
    ),
]


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_one_box_per_question_nothing_preselected():
    q = quiz(QUESTIONS)
    assert isinstance(q, w.VBox) and len(q.questions) == 2
    for box, (text, options, _, _) in zip(q.questions, QUESTIONS):
        assert isinstance(box.choices, w.RadioButtons)
        assert box.choices.value is None and box.choices.index is None
        assert list(box.choices.options) == [(o, i) for i, o in enumerate(options)]
        assert isinstance(box.check, w.Button) and box.check.description == "Check"
        assert box.feedback.value == ""
    assert "how do their softmax outputs compare" in q.questions[0].children[0].value


def test_static_views_get_a_short_text():
    assert (
        quiz(QUESTIONS)._repr_mimebundle_()["text/plain"] == "self-check quiz, 2 questions (run the notebook to answer)"
    )


def test_right_answer_says_correct_and_explains():
    box = quiz(QUESTIONS).questions[1]
    box.choices.value = 1
    box.check.click()
    assert "Correct." in box.feedback.value and "Not quite" not in box.feedback.value
    assert "p_i / p_j = e^(z_i - z_j)." in box.feedback.value


@pytest.mark.parametrize("wrong", [1, 2])
def test_wrong_answer_says_so_and_explains(wrong):
    box = quiz(QUESTIONS).questions[0]
    box.choices.value = wrong
    box.check.click()
    assert "Not quite." in box.feedback.value and "Correct" not in box.feedback.value
    assert "Only differences between logits matter." in box.feedback.value


def test_check_without_an_answer_asks_for_one():
    box = quiz(QUESTIONS).questions[0]
    box.check.click()
    assert "Pick an answer first" in box.feedback.value


def test_changing_the_answer_clears_the_old_verdict():
    box = quiz(QUESTIONS).questions[0]
    box.choices.value = 0
    box.check.click()
    assert "Correct." in box.feedback.value
    box.choices.value = 2
    assert box.feedback.value == ""
    box.check.click()
    assert "Not quite." in box.feedback.value


def test_questions_are_independent():
    q = quiz(QUESTIONS)
    q.questions[0].choices.value = 0
    q.questions[0].check.click()
    assert q.questions[1].feedback.value == ""


def test_repeated_option_labels_stay_distinct():
    box = quiz([("Pick the second", ["same", "same"], 1, "Positions count.")]).questions[0]
    box.choices.index = 1
    box.check.click()
    assert "Correct." in box.feedback.value


def test_text_is_escaped():
    box = quiz([("Is <script> safe?", ["yes", "no"], 1, "Use <b> sparingly.")]).questions[0]
    box.choices.value = 1
    box.check.click()
    assert "&lt;script&gt;" in box.children[0].value and "<script>" not in box.children[0].value
    assert "&lt;b&gt;" in box.feedback.value


GOOD = ("Q?", ["a", "b"], 0, "because")


@pytest.mark.parametrize(
    "questions, words",
    [
        ([], "or a non-empty list of (question, options"),
        ("Q?", "unknown lesson 'Q?'"),
        (None, "or a non-empty list of (question, options"),
        (
            [GOOD, ("Q?", ["a", "b"], 0)],
            "quiz question 2 must be a tuple (question, options, correct_index, explanation)",
        ),
        ([GOOD, "Q?"], "quiz question 2 must be a tuple"),
        ([("", ["a", "b"], 0, "x")], "quiz question 1: the question must be a non-empty string"),
        ([("Q?", ["a", "b"], 0, None)], "quiz question 1: the explanation must be a non-empty string"),
        ([("Q?", ["a"], 0, "x")], "quiz question 1: options must be a list of at least 2 strings"),
        ([("Q?", "ab", 0, "x")], "quiz question 1: options must be a list of at least 2 strings"),
        ([("Q?", ["a", 2], 0, "x")], "quiz question 1: option 1 must be a non-empty string"),
        ([GOOD, GOOD, ("Q?", ["a", "b", "c"], 3, "x")], "quiz question 3: correct_index must be an int from 0 to 2"),
        ([("Q?", ["a", "b"], -1, "x")], "correct_index must be an int from 0 to 1"),
        ([("Q?", ["a", "b"], "a", "x")], "correct_index must be an int from 0 to 1"),
        ([("Q?", ["a", "b"], True, "x")], "correct_index must be an int from 0 to 1"),
        ([("Q?", ["a", "b"], 1.0, "x")], "correct_index must be an int from 0 to 1"),
    ],
)
def test_malformed_questions_say_which_and_what(questions, words):
    with pytest.raises(LogitlabInputError, match=re.escape(words)):
        quiz(questions)


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    widget = quiz(QUESTIONS)
    assert isinstance(widget, w.HTML) and not hasattr(widget, "questions")
    assert "quiz: interactive widget skipped while grading" in widget.value


# ---- scores that count for the learner (never for a grade) ---------------------------

THREE = QUESTIONS + [
    ("Which output can softmax never produce?", ["[0.5, 0.5]", "[1.0, 0.0]"], 1, "exp of a finite number is positive.")
]


@pytest.fixture
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGITLAB_HOME", str(tmp_path))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    return tmp_path


def answer(q, *picks):
    for box, pick in zip(q.questions, picks):
        box.choices.value = pick
        box.check.click()


def test_the_score_follows_the_latest_checked_answers(home):
    q = quiz(THREE)
    assert "Score: 0 of 3" in q.score.value and "75% passes" in q.score.value
    answer(q, 0, 2)
    assert q.correct == 1 and "Score: 1 of 3</b> (33%)" in q.score.value
    answer(q, 0, 1, 1)
    assert q.correct == 3 and "Score: 3 of 3</b> (100%)" in q.score.value
    q.questions[0].choices.value = 1  # a new, unchecked answer does not change the score yet
    assert q.correct == 3
    q.questions[0].check.click()
    assert q.correct == 2


def test_a_quiz_of_a_lesson_records_its_best_score_and_passes_at_75_percent(home):
    from logitlab import progress

    q = quiz(THREE, lesson="02_softmax")
    answer(q, 0, 2)
    saved = progress.load()["quizzes"]["02_softmax"]
    assert saved["best"] == pytest.approx(1 / 3) and not saved["passed"]
    assert "Best score saved in your progress: 33%, quiz not passed yet" in q.score.value
    answer(q, 0, 1, 1)
    assert progress.load()["quizzes"]["02_softmax"]["passed"]
    answer(q, 1, 0, 0)  # a worse attempt later keeps the best score
    saved = progress.load()["quizzes"]["02_softmax"]
    assert saved["score"] == 0 and saved["best"] == 1.0 and saved["passed"]


def test_three_of_four_passes_two_of_four_does_not(home):
    from logitlab import progress

    assert progress.record_quiz("05_cross_entropy", 2, 4)["passed"] is False
    assert progress.record_quiz("05_cross_entropy", 3, 4)["passed"] is True


def test_without_a_lesson_nothing_is_recorded(home):
    answer(quiz(THREE), 0, 1, 1)
    assert not (home / "progress.json").exists()


def test_the_lesson_comes_from_the_notebook_path_when_jupyter_gives_one(home, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/course/notebooks/04_temperature/04_temperature.ipynb")
    assert quiz(THREE).lesson == "04_temperature"
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/scratch.ipynb")
    assert quiz(THREE).lesson is None


def test_an_unknown_lesson_is_a_clear_error(home):
    with pytest.raises(LogitlabInputError, match="unknown lesson '02_sofmax'. Did you mean '02_softmax'"):
        quiz(THREE, lesson="02_sofmax")


def test_quizzes_never_record_under_grading(home, monkeypatch):
    from logitlab import progress

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert isinstance(quiz(THREE, lesson="02_softmax"), w.HTML)
    progress.record_quiz("02_softmax", 3, 3)
    assert not (home / "progress.json").exists()


# ---- the course's quizzes: answers in logitlab, never in a notebook's source -----------


def test_every_notebook_asks_its_own_quiz_and_shows_no_answer():
    import json
    from pathlib import Path

    import nbformat
    from logitlab.course import COURSE
    from logitlab.quiz import lesson_questions

    root = Path(__file__).resolve().parent.parent
    for lesson in (a.id for a in COURSE):
        questions = lesson_questions(lesson)
        assert len(questions) >= 3 and all(len(q) == 4 for q in questions)
        for path in (root / "notebooks" / lesson / f"{lesson}.ipynb", root / "solutions" / lesson / f"{lesson}.py"):
            text = path.read_text()
            source = (
                "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
                if path.suffix == ".ipynb"
                else text
            )
            assert f'quiz("{lesson}")' in source, f"{path.name} does not ask its quiz"
            for question, _, _, explanation in questions:
                assert explanation[:40] not in text and json.dumps(explanation)[1:41] not in text, (
                    f"{path.name} shows the explanation of {question[:40]!r}"
                )


def test_a_lesson_quiz_records_its_score_in_the_course_map(home):
    from logitlab import course_map, progress
    from logitlab.quiz import lesson_questions

    q = quiz("08_attention")
    assert q.lesson == "08_attention" and len(q.questions) == len(lesson_questions("08_attention"))
    answer(q, *(correct for _, _, correct, _ in lesson_questions("08_attention")))
    assert progress.load()["quizzes"]["08_attention"]["passed"]
    assert "08_attention" in str(course_map())


def test_an_unknown_lesson_is_named():
    with pytest.raises(ValueError, match="08_atention"):
        quiz("08_atention")
