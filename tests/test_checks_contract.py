"""What the checks of every graded exercise of the course share: core and edge cases and
two or three hint tiers; a function still raising NotImplementedError gets one clear
message and nothing else; no check module holds an implementation of an exercise.
Each exercise's own behaviour is tested in tests/test_checks_<topic>.py."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from logitlab import checks
from logitlab.checks import cases, run
from logitlab.course import EXERCISE_ASSIGNMENT
from logitlab.hints import tiers

EXERCISES = sorted(EXERCISE_ASSIGNMENT)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_each_exercise_has_core_and_edge_cases_and_hint_tiers(exercise):
    spec = cases(exercise)
    assert sum(not c.edge for c in spec) >= 3 and sum(c.edge for c in spec) >= 2
    assert 2 <= len(tiers(exercise)) <= 3


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_stub_gets_one_clear_message(exercise, private_progress):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    report = run(exercise, stub)
    assert not report.passed and [r.title for r in report.results] == ["is implemented"]
    assert "not implemented yet" in report.results[0].message


def test_no_check_module_holds_an_implementation_of_an_exercise():
    folder = Path(checks.__file__).parent
    for module in pkgutil.iter_modules([str(folder)]):
        text = Path(importlib.import_module(f"logitlab.checks.{module.name}").__file__).read_text()
        defined = [e for e in EXERCISES if f"def {e}(" in text]
        assert not defined, f"logitlab/checks/{module.name}.py defines {defined}"
