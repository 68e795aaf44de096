"""The progress store and the course map: what counts as an attempt, a passed quiz and a
complete lesson, shown as HTML and as text with a legend; nothing under grading."""

from __future__ import annotations

import json

import numpy as np
import pytest
from logitlab import course_map, progress
from logitlab.checks import assert_check, check, run
from logitlab.course import COURSE
from logitlab.errors import LogitlabInputError


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGITLAB_HOME", str(tmp_path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return tmp_path


def stub(z, axis=-1):
    raise NotImplementedError()


def textbook(z, axis=-1):
    e = np.exp(np.asarray(z, dtype=float) if not isinstance(z, np.ndarray) else z)
    return e / e.sum(axis=axis, keepdims=True)


def whole_array(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / e.sum()


def lesson(name: str):
    return next(x for x in course_map().lessons if x.id == name)


def test_a_stub_checked_by_run_all_records_nothing(home):
    report = check("softmax", stub)
    assert not report.implemented and "not implemented yet" in str(report)
    assert not (home / "progress.json").exists()
    assert lesson("02_softmax").marks == [("softmax", "todo")]


def test_own_checks_record_tried_then_done():
    check("softmax", whole_array)
    assert lesson("02_softmax").marks == [("softmax", "tried")]
    assert check("softmax", textbook).passed
    assert lesson("02_softmax").marks == [("softmax", "done")]


def test_run_and_the_test_cells_never_record(home, capsys):
    run("softmax", textbook)
    assert_check("softmax", textbook, part="core")
    assert_check("softmax", whole_array, part="core")
    capsys.readouterr()
    assert not (home / "progress.json").exists()


def test_nothing_is_recorded_under_grading(home, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    check("softmax", textbook)
    progress.record_quiz("02_softmax", 3, 3)
    assert not (home / "progress.json").exists()


def test_a_lesson_is_complete_when_its_exercises_pass_and_its_quiz_is_passed():
    assert lesson("02_softmax").status == "not started"
    check("softmax", textbook)
    assert lesson("02_softmax").status == "in progress"  # no quiz yet
    progress.record_quiz("02_softmax", 2, 3)
    assert lesson("02_softmax").status == "in progress"  # 67% does not pass
    progress.record_quiz("02_softmax", 3, 3)
    assert lesson("02_softmax").status == "complete"
    check("softmax", whole_array)  # a later failing check undoes it
    assert lesson("02_softmax").status == "in progress"


def test_a_passed_quiz_alone_does_not_complete_a_lesson_with_exercises():
    progress.record_quiz("03_stability", 4, 4)
    progress.record("logsumexp", True)
    assert lesson("03_stability").status == "in progress"
    assert lesson("03_stability").exercises_text() == "1/3"


def test_the_welcome_notebook_is_complete_once_its_quiz_is_passed():
    assert lesson("00_welcome").status == "not started"
    progress.record_quiz("00_welcome", 3, 4)
    assert lesson("00_welcome").status == "complete" and lesson("00_welcome").exercises_text() == "none"


def test_text_map_shows_exercises_quiz_completion_and_a_legend():
    progress.record("is_distribution", True)
    progress.record("predicted_label", False)
    progress.record_quiz("01_logits", 3, 4)
    text = repr(course_map())
    row = next(line for line in text.splitlines() if line.startswith("01_logits"))
    assert "exercises 1/2" in row and "quiz 75% passed" in row and "in progress" in row
    assert "[x] is_distribution  [~] predicted_label" in text
    assert all(a.id in text for a in COURSE)
    legend = text.splitlines()[-1]
    assert legend.startswith("Legend:") and "[x] passed" in legend and "[~] tried" in legend
    assert "75% passes" in legend and "complete when every exercise passes and its quiz is passed" in legend
    assert "never count towards a grade" in legend


def test_html_map_shows_the_same_with_a_legend():
    progress.record("softmax", True)
    progress.record_quiz("02_softmax", 4, 4)
    html = course_map()._repr_html_()
    assert [h in html for h in (">notebook</td>", ">exercises</td>", ">quiz</td>", ">lesson</td>")] == [True] * 4
    row = html.split("<code>02_softmax</code>")[1].split("</tr>")[0]
    assert "<b>1/1</b>" in row and "100% passed" in row and "<b>complete</b>" in row
    assert "not taken" in html.split("<code>03_stability</code>")[1].split("</tr>")[0]
    assert "<b>Legend:</b>" in html and "&#10004; passed" in html and "not tried" in html


def test_a_record_in_the_first_format_is_read_as_exercises(home):
    (home / "progress.json").write_text(
        json.dumps({"softmax": {"passed": True, "when": 1}, "not_an_exercise": {"passed": True}})
    )
    assert progress.load() == {"exercises": {"softmax": {"passed": True, "when": 1}}, "quizzes": {}}
    progress.record_quiz("02_softmax", 3, 3)
    data = json.loads((home / "progress.json").read_text())
    assert data["exercises"]["softmax"]["passed"] and data["quizzes"]["02_softmax"]["best"] == 1.0


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"exercises": 3, "quizzes": null}'])
def test_an_unreadable_record_is_an_empty_one(home, content):
    (home / "progress.json").write_text(content)
    assert progress.load() == {"exercises": {}, "quizzes": {}}
    assert lesson("02_softmax").status == "not started"


def test_an_unwritable_home_never_breaks_a_check(home, monkeypatch):
    (home / "a-file").write_text("")
    monkeypatch.setenv("LOGITLAB_HOME", str(home / "a-file" / "logitlab"))  # cannot be created, even by root
    assert check("softmax", textbook).passed
    assert progress.record_quiz("02_softmax", 1, 1)["passed"]
    assert progress.load() == {"exercises": {}, "quizzes": {}}


def test_bad_arguments_name_what_is_wrong():
    with pytest.raises(LogitlabInputError, match="unknown exercise 'sofmax'"):
        progress.record("sofmax", True)
    with pytest.raises(LogitlabInputError, match="unknown lesson"):
        progress.record_quiz("2_softmax", 1, 1)
    with pytest.raises(LogitlabInputError, match="0 <= correct <= total"):
        progress.record_quiz("02_softmax", 4, 3)
    with pytest.raises(LogitlabInputError, match="total >= 1"):
        progress.record_quiz("02_softmax", 0, 0)
