"""Feedback that finds the root cause: the first message of a report names the mistake (for
every bug of the zoo and for realistic first drafts of every exercise of 01-07), the usual
exceptions are translated into their misconception, a failing basic case folds the
failures it causes, the learner's warnings stay out of the report, misleading side
messages are gone, and a function that never returns comes back with a clear message."""

from __future__ import annotations

import signal
import sys
import threading
import time
import warnings

import numpy as np
import pytest
from learner_mistakes import MISTAKES
from logitlab.checks import CheckFailed, TimeLimit, _core, run, time_limit
from logitlab.checks._explain import explain
from logitlab.course import EXERCISE_ASSIGNMENT
from logitlab.testing import battery
from logitlab.widgets._base import call_learner

# Each bug of the zoo -> words the FIRST message of its report must contain.
FIRST_WORDS = {
    "01_logits/is_distribution/allclose_default_rtol": "add a relative tolerance (rtol=1e-05)",
    "01_logits/is_distribution/any_row_passes": "not .any()",
    "01_logits/is_distribution/ignores_negative_entries": "has a negative entry",
    "01_logits/is_distribution/nan_slips_through": "every comparison with nan is False",
    "01_logits/is_distribution/returns_numpy_bool": "wrap the answer in bool(...)",
    "01_logits/is_distribution/whole_array_sum": "not over the whole array",
    "01_logits/predicted_label/dict_last_tie_wins": "a dict {logit: label} keeps the last",
    "01_logits/predicted_label/largest_magnitude": "not abs(logits)",
    "01_logits/predicted_label/max_of_pairs": "compares the labels",
    "01_logits/predicted_label/returns_index": "a position, not a label",
    "01_logits/predicted_label/running_max_from_zero": "do not start a running maximum at 0",
    "01_logits/predicted_label/shifts_in_place": "np.asarray does not copy an array",
    "02_softmax/softmax/divides_logits": "z / z.sum() is not softmax",
    "02_softmax/softmax/forces_float64": "float32 input came back as float64",
    "02_softmax/softmax/last_axis_only": "instead of hard-coding -1",
    "02_softmax/softmax/neg_inf_to_zero": "keep -inf as it is",
    "02_softmax/softmax/shift_in_place": "rather than z -= ...",
    "02_softmax/softmax/sum_without_keepdims": "keepdims forgotten",
    "02_softmax/softmax/whole_array_sum": "not over the whole array",
    "03_stability/log_softmax/global_max": "not of the whole array",
    "03_stability/log_softmax/log_of_softmax": "never take log(softmax(z))",
    "03_stability/log_softmax/lse_without_keepdims": "keepdims forgotten",
    "03_stability/log_softmax/naive_logsumexp": "subtract the max of each slice",
    "03_stability/log_softmax/unshifted_minus_shifted_lse": "from z itself",
    "03_stability/logsumexp/forces_float64": "float32 input came back as float64",
    "03_stability/logsumexp/forgets_max": "did not add it back",
    "03_stability/logsumexp/global_max": "not of the whole array",
    "03_stability/logsumexp/keepdims_broadcast": "the summed axis should disappear",
    "03_stability/logsumexp/naive": "exp(1000) overflows",
    "03_stability/logsumexp/unguarded_neg_inf": "-inf - (-inf) = nan",
    "03_stability/stable_softmax/clips_logits": "clipping or rescaling the logits",
    "03_stability/stable_softmax/global_max": "not the max of the whole array",
    "03_stability/stable_softmax/max_without_keepdims": "keepdims forgotten",
    "03_stability/stable_softmax/no_shift": "exp(1000) overflows",
    "03_stability/stable_softmax/shift_by_min": "not the min",
    "04_temperature/sample_next_token/ignores_temperature": "divide the logits by the temperature",
    "04_temperature/sample_next_token/no_greedy_branch": "handle T == 0",
    "04_temperature/sample_next_token/reseeds_every_call": "re-seeding",
    "04_temperature/sample_next_token/returns_numpy_int": "wrap the token id with int(...)",
    "04_temperature/sample_next_token/top_p_before_temperature": "divide by the temperature first",
    "04_temperature/sample_next_token/uses_global_numpy_random": "sample ignores rng",
    "04_temperature/softmax_with_temperature/accepts_nonpositive_temperature": "`raise ValueError(...)`",
    "04_temperature/softmax_with_temperature/divides_after_softmax": "divided after softmax",
    "04_temperature/softmax_with_temperature/global_max": "not the max of the whole array",
    "04_temperature/softmax_with_temperature/multiplies_by_temperature": "multiplied the logits by T",
    "04_temperature/softmax_with_temperature/no_max_shift": "subtract the max of z / T",
    "04_temperature/softmax_with_temperature/upcasts_float32": "came back as float64",
    "04_temperature/top_k_filter/crashes_when_k_exceeds_vocab": "clip k to the vocabulary size",
    "04_temperature/top_k_filter/drops_kth_largest": "the k-th largest itself stays",
    "04_temperature/top_k_filter/global_threshold": "not of the whole array",
    "04_temperature/top_k_filter/keeps_exactly_k_on_ties": "top-k kept ties incorrectly",
    "04_temperature/top_k_filter/masks_with_zero": "0 is an ordinary logit",
    "04_temperature/top_k_filter/modifies_input": "work on a copy",
    "04_temperature/top_p_filter/excludes_crossing_token": "excluded the token that crosses p",
    "04_temperature/top_p_filter/naive_softmax_overflow": "exp(1000) overflowed",
    "04_temperature/top_p_filter/prefix_breaks_ties": "another token ties with it",
    "04_temperature/top_p_filter/unsorted_running_sum": "sort the probabilities in descending order",
    "05_cross_entropy/cross_entropy/clips_probabilities": "Do not clip",
    "05_cross_entropy/cross_entropy/column_block_indexing": "N x N block",
    "05_cross_entropy/cross_entropy/forgot_minus_sign": "forgot the minus sign",
    "05_cross_entropy/cross_entropy/log_of_one_minus_p": "1 - p",
    "05_cross_entropy/cross_entropy/onehot_times_log": "0 * log(0)",
    "05_cross_entropy/cross_entropy/sums_over_batch": "summed instead of averaged",
    "05_cross_entropy/cross_entropy/uses_log10": "used log10",
    "05_cross_entropy/cross_entropy_from_logits/forgot_target_logit": "forgot to subtract the target's logit",
    "05_cross_entropy/cross_entropy_from_logits/global_max": "not by the max of the whole batch",
    "05_cross_entropy/cross_entropy_from_logits/log_of_softmax": "a tiny probability was materialised",
    "05_cross_entropy/cross_entropy_from_logits/max_not_added_back": "did not add it back",
    "05_cross_entropy/cross_entropy_from_logits/no_max_shift": "exp(1000) overflows",
    "05_cross_entropy/cross_entropy_from_logits/sums_over_batch": "summed instead of averaged",
    "05_cross_entropy/perplexity/base_two": "used 2 ** loss",
    "05_cross_entropy/perplexity/exp_of_negative_loss": "1 / perplexity",
    "05_cross_entropy/perplexity/math_exp": "a list of losses must work too (math.exp",
    "05_cross_entropy/perplexity/upcasts_float32": "came back as float64",
    "06_gradients/cross_entropy_grad/divides_by_classes": "divided by the number of classes",
    "06_gradients/cross_entropy_grad/float64_onehot": "float32 logits gave float64",
    "06_gradients/cross_entropy_grad/naive_softmax": "row max subtracted",
    "06_gradients/cross_entropy_grad/no_mean_division": "forgot the 1/N",
    "06_gradients/cross_entropy_grad/onehot_at_prediction": "not at the target",
    "06_gradients/cross_entropy_grad/shifts_logits_in_place": "the logits changed",
    "06_gradients/cross_entropy_grad/sign_flipped": "sign flipped",
    "06_gradients/cross_entropy_grad/softmax_over_batch": "normalise each row on its own",
    "06_gradients/numerical_gradient/divides_by_eps": "divide by 2 * eps, not eps",
    "06_gradients/numerical_gradient/float32_steps": "stepping in float32",
    "06_gradients/numerical_gradient/forward_difference": "forward differences, not central",
    "06_gradients/numerical_gradient/ignores_eps": "eps argument was ignored",
    "06_gradients/numerical_gradient/integer_copy": "convert x to float first",
    "06_gradients/numerical_gradient/perturbs_rows": "whole ROW",
    "06_gradients/numerical_gradient/restores_by_arithmetic": "adding eps back is not exact",
    "07_sequence_loss/mask_prompt_tokens/hard_coded_ignore": "not a hard-coded -100",
    "07_sequence_loss/mask_prompt_tokens/in_place": "caller's targets changed",
    "07_sequence_loss/mask_prompt_tokens/longest_prompt_for_all": "its own prompt_lengths[b]",
    "07_sequence_loss/mask_prompt_tokens/loops_past_the_end": "a loop up to prompt_lengths[b] runs past the end",
    "07_sequence_loss/mask_prompt_tokens/masks_completion": "masked the completion instead of the prompt",
    "07_sequence_loss/mask_prompt_tokens/off_by_one": "one position too few",
    "07_sequence_loss/sequence_cross_entropy/hard_coded_ignore": "not a hard-coded -100",
    "07_sequence_loss/sequence_cross_entropy/indexes_with_ignored": "is not a vocabulary index",
    "07_sequence_loss/sequence_cross_entropy/mean_of_sequence_means": "averaged each sequence first",
    "07_sequence_loss/sequence_cross_entropy/mean_over_all_positions": "including ignored ones",
    "07_sequence_loss/sequence_cross_entropy/multiplies_by_mask": "inf * 0 = nan",
    "07_sequence_loss/sequence_cross_entropy/naive_logsumexp": "row max subtracted",
    "07_sequence_loss/sequence_cross_entropy/replaces_targets_in_place": "the targets changed",
    "07_sequence_loss/sequence_cross_entropy/unknown_reduction_is_mean": "raise ValueError",
    "07_sequence_loss/sequence_cross_entropy/zero_when_all_ignored": "return nan as PyTorch does",
    "07_sequence_loss/sequence_perplexity/counts_ignored_positions": "including ignored ones",
    "07_sequence_loss/sequence_perplexity/exp_of_mean_sequence_loss": "averaged the per-sequence mean losses",
    "07_sequence_loss/sequence_perplexity/exp_of_sum": "exp of the summed loss",
    "07_sequence_loss/sequence_perplexity/mean_of_sequence_perplexities": "mean of per-sequence perplexities",
    "07_sequence_loss/sequence_perplexity/mean_of_token_perplexities": "averaged the per-token perplexities",
    "07_sequence_loss/sequence_perplexity/naive_softmax_probs": "row max subtracted",
    "07_sequence_loss/shift_for_next_token/batch_axis": "sliced the batch axis",
    "07_sequence_loss/shift_for_next_token/float_tokens": "keep them integers",
    "07_sequence_loss/shift_for_next_token/np_roll": "np.roll",
    "07_sequence_loss/shift_for_next_token/targets_equal_inputs": "inputs and targets are equal",
    "07_sequence_loss/shift_for_next_token/wrong_direction": "shifted the wrong way",
}
ASSIGNMENTS = sorted({key.split("/")[0] for key in FIRST_WORDS})


def zoo(kit):
    """(key, assignment, function, path) of every bug of 01-07."""
    return [(f"{a}/{p.parent.name}/{p.stem}", a, p.parent.name, p) for a in ASSIGNMENTS for p in kit.bugs(a)]


def mistake(label: str) -> str:
    return next(m[2] for m in MISTAKES if m[1] == label)


@pytest.fixture(autouse=True)
def private(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGITLAB_HOME", str(tmp_path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_every_bug_of_01_07_has_its_first_words(kit):
    assert sorted(FIRST_WORDS) == sorted(key for key, *_ in zoo(kit))
    functions = {(a, f) for _, a, f, _ in zoo(kit)}
    assert len(functions) == 19  # every graded function of 01-07 is represented


def test_the_first_message_of_every_bug_names_its_own_misconception(course, kit):
    wrong = []
    for key, assignment, function, path in zoo(kit):
        ns = course.exercises(assignment).namespace(**{function: path})  # siblings solved, as in 04
        report = run(function, ns[function])
        first = report.misses[0].message if report.misses else "(passes every check)"
        if FIRST_WORDS[key] not in first:
            wrong.append(f"{key}: {first[:160]}")
    assert not wrong, "\n".join(wrong)


def _define(source: str, name: str):
    ns = {"np": np}
    exec(compile(source, f"<{name}>", "exec"), ns)
    return ns[name]


@pytest.mark.parametrize(
    "exercise, label, source, words", MISTAKES, ids=[f"{m[0]}-{m[1].replace(' ', '_')}" for m in MISTAKES]
)
def test_a_realistic_first_draft_gets_its_misconception_first_and_loses_points(course, exercise, label, source, words):
    report = run(exercise, _define(source, exercise))
    assert not report.passed
    assert words in report.misses[0].message, report.summary()
    assert words in report.summary().splitlines()[1]  # the first line after the headline
    notebook = course.exercises(EXERCISE_ASSIGNMENT[exercise])  # hidden tests included
    assert notebook.failing(exercise, notebook.namespace(**{exercise: source})), f"{label} keeps full marks"


def test_every_exercise_of_01_07_has_realistic_first_drafts():
    from logitlab.course import COURSE

    exercises = {ex for a in COURSE if a.id in ASSIGNMENTS for ex in a.exercises}
    assert exercises <= {m[0] for m in MISTAKES}


# ---- exceptions become misconceptions ---------------------------------------------


def _raise(action):
    try:
        action()
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("no exception")


@pytest.mark.parametrize(
    "action, words",
    [
        (lambda: np.ones((2, 3)) / np.ones((2, 3)).sum(axis=-1), "keepdims forgotten"),
        (lambda: bool(np.ones(3) > 0), "one bool per entry"),
        (lambda: [1.0, 2.0] - 1.0, "Python list"),
        (lambda: [1.0, 2.0].max(), "Python list"),
        (lambda: np.ones(3)[5], "past the end"),
        (lambda: np.ones(3).sum(axis=1), "never a hard-coded 1"),
        (lambda: np.ones(3)[1.0], "indices must be integers"),
        (lambda: np.exp(1.0) * __import__("math").exp(np.ones(3)), "take ONE number"),
        (lambda: __import__("math").exp(1000), "math.exp overflowed"),
        (lambda: np.subtract(np.ones(3, int), 0.5, out=np.ones(3, int)), "in-place"),
        (lambda: (lambda z: z)(1, axis=0), "keep the signature"),
        (lambda: np.ones(3)[[0, 1], [0, 1]], "single row is 1-D"),
        (lambda: np.random.default_rng(0).choice(2, p=[0.7, 0.7]), "rng.choice needs a probability distribution"),
        (lambda: len(3), "a single row comes with one int target"),
    ],
)
def test_usual_exceptions_read_as_misconceptions_then_the_raw_error(action, words):
    exc = _raise(action)
    message = explain(exc, "softmax")
    assert message.index(words) < message.index(f"softmax raised {type(exc).__name__}")


def test_the_learners_line_is_quoted_when_it_can_be_found(tmp_path):
    path = tmp_path / "cell.py"
    path.write_text(
        "import numpy as np\n\ndef softmax(z, axis=-1):\n"
        "    e = np.exp(np.asarray(z))\n    return e / e.sum(axis=axis)\n"
    )
    fn = {}
    exec(compile(path.read_text(), str(path), "exec"), fn)
    message = run("softmax", fn["softmax"]).misses[0].message
    assert "at line 5: `return e / e.sum(axis=axis)`" in message


def test_keepdims_is_named_once_and_its_twin_failure_is_folded():
    report = run("softmax", _define(mistake("keepdims forgotten"), "softmax"))
    assert report.summary().count("keepdims forgotten") == 1
    assert report.summary().count("could not be broadcast") == 1
    ((head, folded),) = report.groups()
    assert head.title == "normalises each row of a batch along axis=-1"
    assert [r.title for r in folded] == ["leaves its input unchanged"]


def test_a_failing_basic_case_comes_first_and_folds_the_others():
    exp_forgotten = _define(mistake("exp forgotten"), "softmax")
    report = run("softmax", exp_forgotten)
    ((head, folded),) = report.groups()
    assert head.basic and head.title == "turns the cat/dog/bird logits into probabilities"
    assert len(folded) == len(report.misses) - 1 >= 4
    lines = report.summary().splitlines()
    assert len(lines) == 3 and lines[2].startswith(f"  ({len(folded)} more checks also fail, probably for the same")
    html = report._repr_html_()
    assert html.count("<details>") == 1 and all(r.title in html for r in folded)
    assert str(report).splitlines()[1].startswith("FAIL  turns the cat/dog/bird")


def test_exp_forgotten_gets_no_misleading_side_message():
    exp_forgotten = _define(mistake("exp forgotten"), "softmax")
    messages = " ".join(r.message for r in run("softmax", exp_forgotten).misses)
    assert "max/sum" not in messages and "(no nan)" not in messages
    assert "nan" not in run("softmax", exp_forgotten).misses[-1].message  # no nan was produced


def test_an_indexing_bug_is_not_blamed_on_float32():
    rows = _define(mistake("rows picked by the targets"), "cross_entropy")
    f32 = next(r for r in run("cross_entropy", rows).misses if r.title == "accepts float32 probabilities")
    assert "float32 is not the cause" in f32.message


def test_no_warning_from_the_learners_code_leaks_above_a_report():
    def overflowing(z, axis=-1):
        e = np.exp(np.asarray(z, dtype=float) * 1000)
        return e / e.sum(axis=axis, keepdims=True)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run("softmax", overflowing)
        run("stable_softmax", overflowing)
    assert caught == []


# ---- a function that never returns ----------------------------------------------


def loops_forever(z, axis=-1):
    while True:
        pass


def swallows_the_first_alarm(z, axis=-1):
    try:
        while True:
            pass
    except:  # noqa: E722  (a learner's bare except catches the first alarm...)
        pass
    while True:  # ... and the next loop never ends either
        pass


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(_core, "TIME_LIMIT", 0.3)


def _clean_alarm():
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_stuck_check_comes_back_with_the_message_of_the_issue():
    start = time.monotonic()
    report = run("softmax", loops_forever)
    assert time.monotonic() - start < 8
    assert len(report.results) == 1 and report.note == "the other checks were not run"
    assert report.misses[0].message.startswith(
        "loops_forever did not return within 5 s on a 3-element input: look for a loop that never ends"
    )
    _clean_alarm()
    assert run("softmax", lambda z, axis=-1: np.exp(z) / np.exp(z).sum()).results  # the kernel goes on


def test_a_bare_except_does_not_swallow_the_time_limit(quick):
    start = time.monotonic()
    report = run("softmax", swallows_the_first_alarm)
    assert time.monotonic() - start < 4 and "did not return within 0.3 s" in report.misses[0].message
    _clean_alarm()


def test_a_slow_check_without_a_call_in_progress_says_so(quick):
    def slow_case(fn):
        while True:
            pass

    spec = _core._SPECS.setdefault("__slow__", [])
    spec.append(_core.Case("__slow__", "slow", slow_case))
    try:
        message = run("__slow__", lambda z: z).misses[0].message
    finally:
        del _core._SPECS["__slow__"]
    assert message.startswith("the checks of __slow__ did not finish within 0.3 s")


def test_nested_limits_pause_the_outer_one_and_give_it_back():
    with time_limit(0.6):
        with time_limit(0.1):
            with pytest.raises(TimeLimit):
                while True:
                    pass
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.6  # the outer limit runs again
        with pytest.raises(TimeLimit):
            while True:
                pass
    _clean_alarm()


def test_off_the_main_thread_a_trace_function_stops_the_loop():
    """JupyterLab runs widget callbacks in a kernel subshell, a thread signals never reach."""
    out = {}

    def work():
        start = time.monotonic()
        try:
            with time_limit(0.2):
                loops_forever([1.0, 2.0])
        except TimeLimit:
            out["stopped after"] = time.monotonic() - start
        out["trace"] = sys.gettrace()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and out["trace"] is None and out["stopped after"] < 2
    _clean_alarm()


def test_a_widget_callback_in_a_subshell_thread_is_stopped_too(monkeypatch):
    import logitlab.widgets._base as base

    monkeypatch.setattr(base, "TIME_LIMIT", 0.3)

    def stuck(z):  # its own function: widgets remember one that timed out
        while True:
            pass

    out = {}
    thread = threading.Thread(target=lambda: out.update(r=call_learner(stuck, np.zeros((2, 3)))))
    thread.start()
    thread.join(10)
    assert out["r"] == (
        None,
        "stuck did not return within 0.3 s on an input of shape (2, 3): look for "
        "a loop that never ends (a `while` whose condition never becomes False, or a "
        "counter that is never updated)",
    )


def test_a_stuck_function_freezes_a_widget_once(quick, monkeypatch):
    import logitlab.widgets._base as base

    monkeypatch.setattr(base, "TIME_LIMIT", 0.3)
    start = time.monotonic()
    out, problem = call_learner(loops_forever, [1.0, 2.0, 3.0], shape=(3,))
    assert out is None and problem.startswith("loops_forever did not return within 0.3 s on a 3-element input")
    again = time.monotonic()
    assert call_learner(loops_forever, [1.0])[1] == "loops_forever did not return within 0.3 s on an earlier call"
    assert time.monotonic() - again < 0.1 and again - start < 3
    _clean_alarm()


def test_a_stuck_hidden_case_fails_with_its_label(monkeypatch):
    import logitlab.testing as testing

    monkeypatch.setattr(testing, "TIME_LIMIT", 0.3)
    with pytest.raises(
        CheckFailed,
        match=r"a batch: loops_forever did not return within 0.3 s on an input "
        r"of shape \(2, 3\)",
    ):
        battery(loops_forever, lambda z: z, [("a batch", (np.zeros((2, 3)),), {})])
    _clean_alarm()
