"""Every wrong function of 08-11, a realistic mistake of the corpus (tests/mistakes_08_11.py)
or a bug of the zoo, gets its root cause as the FIRST message of its report (the first
line after the headline) and loses points in the graded cells; for a single mistake every
other failure is folded under the first. Each is bound in its notebook's namespace with
every other exercise solved, as a learner's notebook is when they reach it. Then how a
message is written: plural stubs, text cut at a word, the learner's own line and argument."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from logitlab.checks import run
from logitlab.course import EXERCISE_ASSIGNMENT
from mistakes_08_11 import TABLES, ZOO_WORDS, Mistake
from support import skip_unless_ci

from grader.tools.course import BUGZOO


def _zoo_key(path: Path) -> str:
    return "/".join(path.relative_to(BUGZOO).with_suffix("").parts)


LATE = ("08_attention", "09_training", "10_pytorch", "11_llm_scale")
ZOO = sorted(p for a in LATE for p in (BUGZOO / a).glob("*/*.py"))


@dataclass(frozen=True)
class Row:
    """One wrong function: a mistake of the corpus or a bug of the zoo."""

    exercise: str
    label: str
    words: str  # in the first message of its report
    mistake: Mistake | None = None  # an edit of the solution...
    bug: Path | None = None  # ...or a complete wrong solution cell


ROWS = [Row(e, m.label, m.words, mistake=m) for e, table in TABLES.items() for m in table] + [
    Row(p.parent.name, f"zoo {p.stem}", ZOO_WORDS.get(_zoo_key(p), ""), bug=p) for p in ZOO
]
pytestmark = pytest.mark.usefixtures("private_progress")


def _namespace(course, row: Row) -> dict:
    """The notebook's namespace, every exercise solved, then the row's wrong function."""
    assignment = EXERCISE_ASSIGNMENT[row.exercise]
    if assignment == "10_pytorch":
        try:
            import torch  # noqa: F401
        except ImportError:
            skip_unless_ci("PyTorch is not installed: `make torch`")
    exercises = course.exercises(assignment)
    if row.bug:
        return exercises.namespace(**{row.exercise: row.bug})
    source = exercises.solutions[row.exercise]
    for old, new in ((row.mistake.old, row.mistake.new), *row.mistake.also):
        assert source.count(old) == 1, f"{row.label}: {old!r} is not once in the solution"
        source = source.replace(old, new)
    return exercises.namespace(**{row.exercise: source})


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.exercise}-{r.label.replace(' ', '_')}" for r in ROWS])
def test_the_first_message_names_the_root_cause_and_the_mistake_loses_points(course, row):
    ns = _namespace(course, row)
    report = course.exercises(EXERCISE_ASSIGNMENT[row.exercise]).quietly(run, row.exercise, ns[row.exercise])
    assert not report.passed, f"{row.label}: passes every check"
    first = report.summary().splitlines()[1]
    assert row.words and row.words in first, report.summary()
    if row.mistake:  # one mistake: everything else that fails follows from it
        assert len(report.groups()) == 1, f"failures not folded under the first:\n{report.summary()}"
    assert course.exercises(EXERCISE_ASSIGNMENT[row.exercise]).failing(row.exercise, ns), "keeps full marks"


def test_every_exercise_of_08_11_has_five_mistakes_and_every_bug_its_words():
    late = {e for e, a in EXERCISE_ASSIGNMENT.items() if a in LATE}
    assert set(TABLES) == late
    assert all(len(TABLES[e]) >= 5 for e in late)
    assert len({m.label for table in TABLES.values() for m in table}) == sum(map(len, TABLES.values()))
    assert sorted(ZOO_WORDS) == [_zoo_key(p) for p in ZOO]


# ---- how a message is written ----------------------------------------------------------


def test_two_unfinished_functions_are_named_in_the_plural(capsys):
    from logitlab.checks import uses_your

    def train_step(*args):
        raise NotImplementedError()

    def fit(*args):
        return train_step(*args)

    with uses_your(train_step, fit):
        fit()
    printed = capsys.readouterr().out
    assert "train_step is not implemented yet; write it above" in printed
    with uses_your(train_step, fit):
        raise NotImplementedError()  # raised by neither: both are named
    assert "train_step and fit are not implemented yet; write them above" in capsys.readouterr().out


def test_exception_text_is_cut_at_a_word_with_an_ellipsis():
    from logitlab.checks._explain import clip, explain

    assert clip("short text", 120) == "short text"
    cut = clip("matmul: Input operand 1 has a mismatch in its core dimension 0", 40)
    assert cut == "matmul: Input operand 1 has a mismatch…" and len(cut) <= 40
    message = explain(ValueError("word " * 60), "softmax")
    assert "word…" in message and "wo…" not in message


def test_a_broadcast_error_without_evidence_of_keepdims_does_not_blame_it():
    from logitlab.checks._explain import explain

    try:
        np.ones((4, 3)) + np.ones((2, 5))
    except ValueError as exc:
        message = explain(exc, "fn")
    assert "keepdims" not in message and "(4, 3) and (2, 5)" in message


def test_the_line_of_an_error_raised_inside_pytorch_is_the_learners():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: `make torch`")
    import linecache

    import torch.nn.functional as F
    from logitlab.checks._explain import explain

    cell = "/tmp/ipykernel_1/2.py"  # how IPython names a cell's code, kept in linecache
    source = "def f(z):\n    z = torch.ones(2, 3)\n    return F.cross_entropy(z, torch.tensor([0.5, 1.0]))\n"
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    ns = {"torch": torch, "F": F}
    exec(compile(source, cell, "exec"), ns)
    try:
        ns["f"](None)
    except RuntimeError as exc:
        message = explain(exc, "f")
    finally:
        linecache.cache.pop(cell, None)
    assert message.endswith("at line 3: `return F.cross_entropy(z, torch.tensor([0.5, 1.0]))`"), message


def test_a_list_message_names_the_learners_own_argument():
    def is_distribution_draft(p, axis=-1, atol=1e-6):  # 00_welcome's demo
        return sum(p) == 1

    report = run("is_distribution", is_distribution_draft)
    assert "convert it first with p = np.asarray(p)" in report.summary()
