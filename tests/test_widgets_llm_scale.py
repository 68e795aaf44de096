"""The 11_llm_scale widget: the memory calculator's arithmetic, its controls, and the peak
memory of the learner's chunked_cross_entropy measured under the table."""

from __future__ import annotations

import re

import ipywidgets as w
import numpy as np
import pytest
from logitlab.errors import LogitlabInputError
from logitlab.widgets.llm_scale import SMALL, human, loss_memory, memory_calculator

from grader.tools.build import solution_functions


def _solutions() -> dict:
    return solution_functions("11_llm_scale")


CHUNKED = _solutions()["chunked_cross_entropy"]


def materialises(hidden, weight, targets, chunk_size):
    """Right in value, but holds every logit whatever the chunk size."""
    z = np.asarray(hidden) @ np.asarray(weight).T
    top = z.max(axis=1)
    lse = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(z)), targets]))


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


def shown(widget, css_class: str) -> str:
    (value,) = re.findall(rf'class="{css_class}"[^>]*>([^<]+)<', widget.table.value + widget.measured.value)
    return value


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_the_arithmetic_of_the_course():
    memory = loss_memory(8_192, 128_000, 4, 4_096)
    assert memory["logits"] == (8_192 * 128_000 * 4, 8_192 * 4_096 * 4)
    assert human(memory["logits"][0]) == "4.2 GB"
    assert memory["probabilities"] == memory["gradient of the logits"] == memory["logits"]
    assert memory["row statistics (max, sum)"] == (2 * 8_192 * 4,) * 2
    # a chunk larger than the vocabulary is one block of all of it
    assert loss_memory(10, 50, 2, 4_096)["logits"] == (1_000, 1_000)
    assert [human(x) for x in (999, 1_000, 2_500_000, 12.58e9, 3e12)] == [
        "999 B",
        "1.0 kB",
        "2.5 MB",
        "12.6 GB",
        "3.0 TB",
    ]


def test_default_view_shows_the_course_figures_naive_against_chunked():
    calc = memory_calculator(CHUNKED)
    assert isinstance(calc, w.VBox)
    controls = (calc.tokens.value, calc.vocab.value, calc.dtype.value, calc.chunk.value)
    assert controls == (8_192, 128_000, "float32", 4_096)
    assert shown(calc, "ll-naive") == "12.6 GB"
    assert shown(calc, "ll-chunked") == human(3 * 8_192 * 4_096 * 4 + 2 * 8_192 * 4)
    assert float(shown(calc, "ll-ratio")) == pytest.approx(128_000 / 4_096, rel=1e-2)
    assert "1,048,576,000 logits" in calc.table.value


def test_controls_change_the_table():
    calc = memory_calculator(CHUNKED)
    calc.dtype.value = "bfloat16"
    assert shown(calc, "ll-naive") == "6.3 GB"
    calc.vocab.value = 256_000
    assert calc.footprint["logits"][0] == 8_192 * 256_000 * 2
    calc.chunk.value = 262_144  # at least the vocabulary: chunked is naive
    assert shown(calc, "ll-naive") == shown(calc, "ll-chunked") and float(shown(calc, "ll-ratio")) == 1.0


def test_the_measured_peak_is_the_learners_and_follows_the_chunk_size():
    calc = memory_calculator(CHUNKED)  # float32, the default
    full = SMALL["tokens"] * SMALL["vocab"] * 4
    small_peak, loss = calc.measured_peak, calc.measured_loss
    assert small_peak < full / 4 and np.isfinite(loss)
    assert "your</b> chunked_cross_entropy" in calc.measured.value
    assert shown(calc, "ll-peak") == human(small_peak)
    calc.chunk.value = 262_144  # one block: the learner's function now holds every logit
    assert calc.measured_peak > full and calc.measured_loss == pytest.approx(loss, rel=1e-9)
    # a function that ignores chunk_size is measured as it is, not as it should be
    lazy = memory_calculator(materialises)
    assert lazy.measured_peak > full and lazy.measured_loss == pytest.approx(loss, rel=1e-9)


def test_the_measurement_honours_the_dtype():
    seen = []

    def spy(hidden, weight, targets, chunk_size):
        seen.append((hidden.dtype.name, weight.dtype.name))
        return CHUNKED(hidden, weight, targets, chunk_size)

    calc = memory_calculator(spy, dtype="float64")
    assert seen[-1] == ("float64", "float64") and shown(calc, "ll-dtype") == "float64"
    float64_peak = calc.measured_peak
    calc.dtype.value = "float16"
    assert seen[-1] == ("float16", "float16") and shown(calc, "ll-dtype") == "float16"
    assert calc.measured_peak < float64_peak and np.isfinite(calc.measured_loss)
    calc.dtype.value = "bfloat16"
    assert seen[-1] == ("float32", "float32") and "numpy has no bfloat16" in calc.measured.value


@pytest.mark.parametrize(
    "fn, words",
    [
        (not_implemented, "not implemented yet"),
        (lambda hidden, weight, targets, chunk_size: 1 / 0, "ZeroDivisionError"),
        (lambda hidden, weight, targets, chunk_size: None, "returned None"),
        (lambda hidden, weight, targets, chunk_size: float("nan"), "returned nan"),
    ],
)
def test_a_broken_function_gives_a_message_and_the_table_still_works(fn, words):
    calc = memory_calculator(fn)
    assert calc.measured_peak is None and calc.measured_loss is None
    assert words in calc.measured.value and shown(calc, "ll-naive") == "12.6 GB"
    calc.chunk.value = 1_024  # moving a control must not crash either
    assert words in calc.measured.value


def test_start_values_off_the_sliders_are_added_to_them():
    calc = memory_calculator(CHUNKED, tokens=3_000, vocab=50_000, dtype="float16", chunk_size=1_000)
    assert (calc.tokens.value, calc.vocab.value, calc.chunk.value) == (3_000, 50_000, 1_000)
    assert calc.footprint["logits"] == (3_000 * 50_000 * 2, 3_000 * 1_000 * 2)


def test_placeholder_under_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    calls = []
    widget = memory_calculator(lambda *args: calls.append(args))
    assert isinstance(widget, w.HTML) and "skipped while grading" in widget.value and not calls


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="chunked_fn"):
        memory_calculator(None)
    with pytest.raises(LogitlabInputError, match="dtype"):
        memory_calculator(CHUNKED, dtype="int8")
    for arg in ("tokens", "vocab", "chunk_size"):
        with pytest.raises(LogitlabInputError, match=arg):
            memory_calculator(CHUNKED, **{arg: 0})
    with pytest.raises(LogitlabInputError, match="tokens"):
        memory_calculator(CHUNKED, tokens=2.5)
