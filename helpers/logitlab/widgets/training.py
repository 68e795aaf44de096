"""Widget of 09_training: train a model live with the learner's `train_step`.

Three tasks built from `logitlab.datasets`: the ticket router on all 240 training
tickets, the same router on only 20 of them (it overfits), and the next-word (bigram)
model of the ticket corpus. Every step is one call of the learner's `train_step` on
the training set; the validation loss is the same function with lr = 0 on the
validation set, so nothing here computes a loss or a softmax of its own. The
next-word model's samples take their probabilities from `train_step` too: with
lr = 1 on one example, b moves by -(p - y). Training starts from W = 0 and b = 0,
where every class has probability 1/C and the loss is exactly log C.

The curves are SVG strings (no matplotlib in the loop), so they keep up with the steps.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable
from typing import NamedTuple

import ipywidgets as w
import numpy as np

from .. import datasets
from ..errors import require_callable, unknown_name
from ..plots import ACCENT, MAIN, WARN
from ._base import call_learner, fn_name, placeholder, problem_html, under_grading

EXPLODED = 1e4  # a mean loss this large means the steps are overshooting without end
SMALL = 20  # tickets in the overfitting task


class Task(NamedTuple):
    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    lr: float  # a learning rate that works
    steps: int
    words: tuple[str, ...]  # the vocabulary of a next-word model; () for the router


def _router(n: int | None) -> Task:
    train, val = datasets.tickets("train"), datasets.tickets("val")
    texts, labels = train.texts[:n], train.labels[:n]
    vocab = datasets.vocabulary(texts)  # from the training tickets only
    return Task(
        datasets.bag_of_words(texts, vocab),
        labels,
        datasets.bag_of_words(val.texts, vocab),
        val.labels,
        0.5 if n is None else 1.0,
        200 if n is None else 300,
        (),
    )


def _next_word() -> Task:
    stream, val_stream = (datasets.token_stream(datasets.tickets(s).texts) for s in ("train", "val"))
    words = tuple(sorted(set(stream)))
    index = {word: i for i, word in enumerate(words)}
    ids = np.array([index[word] for word in stream])
    val_ids = np.array([index[word] for word in val_stream if word in index])
    eye = np.eye(len(words))
    return Task(eye[ids[:-1]], ids[1:], eye[val_ids[:-1]], val_ids[1:], 50.0, 100, words)


TASKS: dict[str, Callable[[], Task]] = {
    "ticket router, 240 tickets": lambda: _router(None),
    f"ticket router, {SMALL} tickets": lambda: _router(SMALL),
    "next-word model": _next_word,
}


def _classes(t: Task) -> int:
    return len(t.words) or len(datasets.LABELS)


@functools.cache
def task(name: str) -> Task:
    """The data of the task `name` (one of TASKS), built once."""
    if name not in TASKS:
        raise unknown_name("task", name, TASKS)
    return TASKS[name]()


# Learning rates on a 1-2-5 grid, so that the readout shows exactly the rates the text names.
LEARNING_RATES = tuple(round(m * 10.0**e, 3) for e in range(-3, 3) for m in (1, 2, 5)) + (1000.0,)


def _axis(values: list[float], guess: float, log: bool) -> tuple[float, float]:
    """(bottom, top) of the loss axis: every finite loss and log C in view, with a margin."""
    finite = [v for v in values if math.isfinite(v)] + [guess]
    if log:
        positive = [v for v in finite if v > 0] or [guess]
        return min(positive) / 1.5, max(positive) * 1.5
    return 0.0, max(1.2 * guess, max(finite) * 1.05)


def svg_curves(train: list[float], val: list[float], steps: int, guess: float, log: bool = False) -> str:
    """Training and validation losses against the step, as an SVG line chart.

    The loss axis spans every finite loss and the dashed line at `guess` (log C), linear
    from 0 or logarithmic (`log`); inf or nan is drawn at the top edge. The legend sits
    above the plot, where no curve can cover it.
    """
    width, height, left, bottom, pad, head = 560, 250, 52, 36, 10, 24
    plot_w, plot_h = width - left - pad, height - bottom - head
    low, high = _axis(train + val, guess, log)
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)

    def y_of(v: float) -> float:
        v = high if not math.isfinite(v) else min(max(v, low), high)
        return head + plot_h * (1 - (scale(v) - scale(low)) / (scale(high) - scale(low)))

    def xy(k: int, v: float) -> str:
        return f"{left + plot_w * k / max(steps, 1):.1f},{y_of(v):.1f}"

    def line(values: list[float], colour: str) -> str:
        points = " ".join(xy(k, v) for k, v in enumerate(values))
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'

    def text(x: float, y: float, s: str, anchor: str = "middle", colour: str = "currentColor") -> str:
        return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}">{html.escape(s)}</text>'

    def rule(x1: float, y1: float, x2: float, y2: float, extra: str = 'stroke="currentColor"') -> str:
        return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {extra}/>'

    marks = [low * (high / low) ** f for f in (0, 0.5, 1)] if log else [high * f for f in (0, 0.5, 1)]
    ticks = [text(left - 6, y_of(v) + 4, f"{v:.3g}", "end") for v in marks]
    ticks += [text(left + plot_w * f, height - 20, f"{round(steps * f)}") for f in (0, 0.5, 1)]
    g = y_of(guess)
    parts = [
        rule(left, head, left, head + plot_h),
        rule(left, head + plot_h, left + plot_w, head + plot_h),
        rule(left, g, left + plot_w, g, 'stroke="gray" stroke-dasharray="4 3"'),
        text(left + plot_w - 2, g - 4, f"log C = {guess:.2f} (uniform guess)", "end", "gray"),
        line(train, MAIN),
        line(val, ACCENT),
        *ticks,
        text(left + plot_w / 2, height - 4, "step"),
        rule(left, 10, left + 18, 10, f'stroke="{MAIN}" stroke-width="2"'),
        text(left + 22, 14, "training loss", "start", MAIN),
        rule(left + 120, 10, left + 138, 10, f'stroke="{ACCENT}" stroke-width="2"'),
        text(left + 142, 14, "validation loss", "start", ACCENT),
        text(left + plot_w, 14, "loss, log scale" if log else "loss", "end"),
    ]
    return (
        f'<svg class="ll-curves" width="{width}" height="{height}" font-size="11" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


class TrainingLab(w.VBox):
    """Controls `.task` (Dropdown), `.lr` (FloatLogSlider), `.steps` (IntSlider), `.run`
    (Button); outputs `.progress` (IntProgress), `.chart` and `.readout` (HTML). After
    `.train()`: `.train_losses`, `.val_losses` (one per step taken), `.W`, `.b`,
    `.accuracy` (router) or `.samples` (next-word model), `.problem` (a message or None)."""

    def __init__(self, step_fn: Callable, task_name: str):
        self.step_fn = step_fn
        style = {"description_width": "8em"}
        self.task = w.Dropdown(options=list(TASKS), value=task_name, description="task", style=style)
        self.lr = w.SelectionSlider(
            options=[(f"{r:g}", r) for r in LEARNING_RATES],
            value=1.0,
            description="learning rate",
            style=style,
            layout=w.Layout(width="32em"),
        )
        self.log_scale = w.Checkbox(value=False, description="log scale", indent=False)
        self.steps = w.IntSlider(
            min=10, max=1000, step=10, description="steps", style=style, layout=w.Layout(width="32em")
        )
        self.run = w.Button(description="train", button_style="primary", icon="play")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="progress", style=style)
        self.chart, self.readout = w.HTML(), w.HTML()
        self.task.observe(self._reset, names="value")
        self.log_scale.observe(lambda _change: self._draw(), names="value")
        self.run.on_click(lambda _button: self.train())
        super().__init__(
            [
                self.task,
                self.lr,
                self.steps,
                w.HBox([self.run, self.progress, self.log_scale]),
                self.chart,
                self.readout,
            ]
        )
        self._reset()

    def _reset(self, _change=None) -> None:
        """A new task: its working learning rate and length, and empty curves."""
        t = task(self.task.value)
        self.lr.value, self.steps.value = t.lr, t.steps
        self.train_losses, self.val_losses = [], []
        self.W = self.b = self.accuracy = self.problem = None
        self.samples: list[str] = []
        self.progress.value = 0
        self._draw()
        self.readout.value = (
            f"<p>Press <b>train</b>: every step calls your <code>{html.escape(fn_name(self.step_fn))}</code>.</p>"
        )

    # ---- the learner's step --------------------------------------------------------

    def _step(self, W, b, X, y, lr) -> tuple[tuple | None, str | None]:
        """(new W, new b, loss) from the learner's function, checked, or a problem."""
        name = fn_name(self.step_fn)
        out, problem = call_learner(self.step_fn, W, b, X, y, lr)
        if problem:
            return None, problem
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            return None, f"{name} should return (new W, new b, loss), got {type(out).__name__}"
        try:
            W_new, b_new = np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)
            loss = float(out[2])
        except (TypeError, ValueError):
            return None, f"{name} should return arrays W, b and a number, the loss"
        if W_new.shape != W.shape or b_new.shape != b.shape:
            return None, (
                f"{name} returned W of shape {W_new.shape} and b of shape {b_new.shape}, "
                f"expected {W.shape} and {b.shape}"
            )
        return (W_new, b_new, loss), None

    def _next_word_probs(self, W, b, word: int) -> np.ndarray | None:
        """p(next word | word) through the learner's step: lr = 1 moves b by -(p - y)."""
        x = np.zeros((1, W.shape[0]))
        x[0, word] = 1.0
        out, problem = self._step(W, b, x, np.array([0]), 1.0)
        if problem:
            self.problem = problem
            return None
        p = b - out[1]
        p[0] += 1.0
        p = np.clip(p, 0.0, None)
        return p / p.sum() if np.isfinite(p).all() and p.sum() > 0 else None

    def _sample(self, W, b, rng: np.random.Generator, max_words: int = 16) -> str:
        words = task(self.task.value).words
        word, out = words.index(datasets.END), []
        for _ in range(max_words):
            p = self._next_word_probs(W, b, word)
            if p is None:
                break
            word = int(rng.choice(len(p), p=p))
            if words[word] == datasets.END:
                break
            out.append(words[word])
        return " ".join(out)

    # ---- training ------------------------------------------------------------------

    def train(self) -> None:
        """Train from W = 0, b = 0 with the current settings, redrawing as it goes."""
        t, lr, steps = task(self.task.value), float(self.lr.value), int(self.steps.value)
        C = _classes(t)
        W, b = np.zeros((t.X.shape[1], C)), np.zeros(C)
        self.train_losses, self.val_losses, self.problem, self.samples = [], [], None, []
        self.progress.max, self.progress.value = steps, 0
        self.run.disabled = True
        try:
            W, b = self._loop(t, W, b, lr, steps)
        finally:
            self.run.disabled = False
        self.W, self.b = W, b
        if not t.words:
            self.accuracy = float(np.mean(np.argmax(t.X_val @ W + b, axis=1) == t.y_val))
        elif self.problem is None:
            rng = np.random.default_rng(0)
            self.samples = [self._sample(W, b, rng) for _ in range(3)]
        self._draw()
        self.readout.value = self._summary(steps)

    def _loop(self, t: Task, W, b, lr: float, steps: int):
        every = max(1, steps // 40)  # redraw about 40 times per run
        for k in range(steps):
            out, problem = self._step(W, b, t.X_val, t.y_val, 0.0)  # lr = 0: measure, do not move
            if problem is None:
                val = out[2]
                out, problem = self._step(W, b, t.X, t.y, lr)
            if problem:
                self.problem = problem
                break
            W, b, loss = out
            self.val_losses.append(val)
            self.train_losses.append(loss)
            if not math.isfinite(loss) or loss > EXPLODED:
                self.problem = (
                    f"the training loss reached {loss:.3g} at step {k + 1}: the learning rate "
                    "is too high, each step overshoots"
                )
                break
            if (k + 1) % every == 0:
                self.progress.value = k + 1
                self._draw()
        self.progress.value = len(self.train_losses)
        return W, b

    # ---- drawing -------------------------------------------------------------------

    def _draw(self) -> None:
        guess = math.log(_classes(task(self.task.value)))
        self.chart.value = svg_curves(
            self.train_losses, self.val_losses, int(self.steps.value), guess, log=self.log_scale.value
        )

    def _summary(self, steps: int) -> str:
        rows = []
        if self.train_losses:
            best = int(np.nanargmin(self.val_losses))
            rows.append(
                f'<p>step <b class="ll-step">{len(self.train_losses)}</b> of {steps} &middot; '
                f'training loss <b class="ll-train">{self.train_losses[-1]:.3f}</b> &middot; '
                f'validation loss <b class="ll-val">{self.val_losses[-1]:.3f}</b> '
                f'(lowest {self.val_losses[best]:.3f} at step {best + 1})</p>'
            )
        if self.accuracy is not None and self.problem is None:
            rows.append(f'<p>validation accuracy <b class="ll-acc">{100 * self.accuracy:.0f}%</b></p>')
        if self.samples:
            rows.append(
                "<p>samples of the trained model:</p><ul class=\"ll-samples\">"
                + "".join(f"<li>{html.escape(s) or '(empty)'}</li>" for s in self.samples)
                + "</ul>"
            )
        if self.problem:
            if "learning rate is too high" in self.problem:
                rows.append(f'<p class="ll-problem" style="color:{WARN}">{html.escape(self.problem)}.</p>')
            else:
                rows.append(problem_html(self.problem, "train the model"))
        return "".join(rows)


def training_lab(train_step: Callable, task: str = "ticket router, 240 tickets"):
    """Train a model live with YOUR `train_step`: pick a task and a learning rate, press
    train, and watch the training and validation losses grow step by step.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("training lab")
    require_callable("train_step", train_step)
    if task not in TASKS:
        raise unknown_name("task", task, TASKS)
    return TrainingLab(train_step, task)
