"""Widget of 10_pytorch: the probabilities-as-logits bug, driven by the learner's functions.

Sliders set one row of logits and a dropdown its target. Two columns compare what the
learner's `torch_cross_entropy` and `autograd_logit_gradient` give on the raw logits
(right) and on softmax(logits) passed in as if they were logits (the bug): the loss,
and the gradient that reaches the logits. For the bug that gradient has to go back
through the extra softmax, J^T g with J = diag(p) - p p^T: the chain rule autograd
applies when the softmax is part of the model. A plot sweeps the target's logit: the
right loss keeps falling as the target wins and grows without bound as it loses; the
bug's loss stays inside a narrow band, whatever the logits.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..checks.pytorch import NO_TORCH_NOTE, torch_problem
from ..errors import LogitlabInputError, as_labels, require_callable
from ..plots import MAIN, WARN, new_figure, to_png
from ._base import (
    NUM,
    SLIDER_RANGE,
    call_learner,
    finite_logits,
    logit_sliders,
    placeholder,
    problem_html,
    table_html,
    under_grading,
)

SWEEP = np.linspace(-6.0, 8.0, 57)  # values of the target's logit on the plot


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _vec(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.3f}" for x in v) + "]"


class ProbabilityBugExplorer(w.VBox):
    """`.sliders`, `.target` (controls); `.readout` (HTML), `.image` (PNG plot).

    After each change: `.p` (softmax of the logits), `.loss_right` and `.loss_bug`,
    `.grad_right` and `.grad_bug` (the gradient reaching the logits), `.curves`
    ({"right": losses, "bug": losses} over `SWEEP`), or `.problem` (a message) and
    None for the numbers.
    """

    def __init__(self, loss_fn: Callable, grad_fn: Callable, logits: np.ndarray, target: int, labels: tuple[str, ...]):
        self.loss_fn, self.grad_fn, self.labels = loss_fn, grad_fn, labels
        reach = max(SLIDER_RANGE, float(np.abs(logits).max()))
        self.sliders = logit_sliders(logits, labels, -reach, reach, self._refresh)
        self.target = w.Dropdown(
            options=[(label, i) for i, label in enumerate(labels)], value=target, description="target"
        )
        self.target.observe(self._refresh, names="value")
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="640px"))
        super().__init__([w.HBox([w.VBox(self.sliders), self.target]), self.readout, self.image])
        self._refresh()

    # -- numbers from the learner's functions ---------------------------------------

    def _loss(self, rows: np.ndarray, t: int) -> tuple[float | None, str | None]:
        return call_learner(self.loss_fn, rows, np.array([t]), shape=())

    def _grad(self, rows: np.ndarray, t: int) -> tuple[np.ndarray | None, str | None]:
        g, problem = call_learner(self.grad_fn, rows, np.array([t]), shape=rows.shape)
        return (None, problem) if problem else (g[0], None)

    def _sweep(self, z: np.ndarray, t: int) -> tuple[dict | None, str | None]:
        rows = np.repeat(z[None], SWEEP.size, axis=0)
        rows[:, t] = SWEEP
        targets = np.full(SWEEP.size, t)
        curves = {}
        for name, given in (("right", rows), ("bug", _softmax(rows))):
            curves[name], problem = call_learner(self.loss_fn, given, targets, reduction="none", shape=(SWEEP.size,))
            if problem:
                return None, problem
        return curves, None

    def _compute(self, z: np.ndarray, t: int) -> str | None:
        """Fill the numbers for logits z and target t; return a problem, or None."""
        self.p = _softmax(z)
        self.loss_right, problem = self._loss(z[None], t)
        if problem:
            return problem
        self.loss_bug, problem = self._loss(self.p[None], t)
        if problem:
            return problem
        self.curves, problem = self._sweep(z, t)
        if problem:
            return problem
        self.grad_right, problem = self._grad(z[None], t)
        if problem:
            return problem
        g_probs, problem = self._grad(self.p[None], t)
        if problem:
            return problem
        jacobian = np.diag(self.p) - np.outer(self.p, self.p)
        self.grad_bug = jacobian.T @ g_probs  # back through the extra softmax to the logits
        return None

    def _refresh(self, _change=None) -> None:
        z = np.array([s.value for s in self.sliders])
        t = int(self.target.value)
        self.loss_right = self.loss_bug = self.grad_right = self.grad_bug = self.curves = None
        self.problem = self._compute(z, t)
        if self.problem:
            self.readout.value = problem_html(self.problem, "compare the right call with the bug")
            self.image.value = b""
            return
        self.readout.value = self._table(z, t)
        self.image.value = self._plot(z, t)

    # -- display ---------------------------------------------------------------------

    def _table(self, z: np.ndarray, t: int) -> str:
        name = html.escape(self.labels[t])
        head = "<tr><th></th><th>raw logits (right)</th><th>softmax output (the bug)</th></tr>"
        rows = [
            ("given to the loss", _vec(z), _vec(self.p), "ll-given"),
            ("loss", f"{self.loss_right:.3f}", f"{self.loss_bug:.3f}", "ll-loss"),
            ("gradient reaching the logits", _vec(self.grad_right), _vec(self.grad_bug), "ll-grad"),
            (f"its {name} entry", f"{self.grad_right[t]:.3f}", f"{self.grad_bug[t]:.3f}", "ll-push"),
        ]
        body = "".join(
            f'<tr><td>{label}</td><td class="{css}-right"{NUM}>{a}</td><td class="{css}-bug"{NUM}>{b}</td></tr>'
            for label, a, b, css in rows
        )
        weaker = abs(self.grad_right[t]) / abs(self.grad_bug[t]) if self.grad_bug[t] else np.inf
        summary = (
            f'<p>Target <b>{name}</b>. With the bug the push on its logit is '
            f'<b class="ll-ratio">{weaker:.1f}</b> times weaker, and nothing raises an error: '
            "probabilities are valid logits.</p>"
        )
        return table_html("ll-bug", head + body) + summary

    def _plot(self, z: np.ndarray, t: int) -> bytes:
        fig = new_figure(6.2, 3.2)
        ax = fig.add_subplot()
        ax.plot(SWEEP, self.curves["right"], color=MAIN, label="raw logits (right)")
        ax.plot(SWEEP, self.curves["bug"], color=WARN, ls="--", label="softmax output (the bug)")
        ax.plot([z[t]], [self.loss_right], "o", color=MAIN)
        ax.plot([z[t]], [self.loss_bug], "o", color=WARN)
        ax.set_xlabel(f"logit of the target ({self.labels[t]}), the others fixed")
        ax.set_ylabel("loss")
        ax.set_ylim(0, max(6.0, float(self.loss_right) + 0.5))
        ax.set_title("The bug's loss barely moves, whatever the logits")
        ax.legend(loc="upper right")
        return to_png(fig)


def probability_bug_explorer(
    loss_fn: Callable,
    grad_fn: Callable,
    logits: Sequence[float] = (3.0, 1.0, 0.0),
    target: int = 1,
    labels: Sequence[str] | None = ("refund", "reship", "escalate"),
):
    """Loss and logit gradient from YOUR `loss_fn` (torch_cross_entropy) and `grad_fn`
    (autograd_logit_gradient), given the raw logits and, as the classic bug, their softmax.

    Returns the widget (a placeholder under grading, a note where PyTorch is missing).
    """
    if under_grading():
        return placeholder("probabilities-as-logits explorer")
    require_callable("loss_fn", loss_fn)
    require_callable("grad_fn", grad_fn)
    z = finite_logits(logits, min_len=2)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < z.size:
        raise LogitlabInputError(f"target must be a class index from 0 to {z.size - 1}, got {target!r}")
    names = as_labels("labels", labels, z.size)
    problem = torch_problem()
    if problem:
        return w.HTML(f"<p><i>{html.escape(problem)}</i>. {html.escape(NO_TORCH_NOTE)}</p>")
    return ProbabilityBugExplorer(loss_fn, grad_fn, z, int(target), names)
