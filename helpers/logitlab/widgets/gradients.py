"""Widgets of 06_gradients, both driven by the learner's own functions.

- `descent_explorer`: gradient descent on one row of logits, one click per step.
  The learner's `cross_entropy_grad` gives p - y; the widget recovers p as
  grad + one-hot (so it never computes a softmax of its own) and the loss as
  -log p[target].
- `eps_explorer`: the error of the learner's `numerical_gradient` against a known
  derivative, for steps eps from 1e-12 to 1e-1 on a log-log plot: truncation error
  on the right, round-off error on the left, the current eps marked.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..errors import LogitlabInputError, as_labels, require_callable
from ..plots import ACCENT, MAIN, WARN, new_figure, to_png
from ._base import ATOL, NUM, call_learner, finite_logits, fn_name, placeholder, problem_html, table_html, under_grading


def _vec(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.3f}" for x in v) + "]"


# ---- gradient descent on the logits --------------------------------------------


class DescentExplorer(w.VBox):
    """`.lr` (slider), `.step_button`, `.reset_button`; `.table` (HTML) and `.history`.

    `.history` holds one dict per state (step 0 is the start): the logits, p, the loss,
    the gradient and the learning rate of the step that led there.
    """

    def __init__(self, grad_fn: Callable, logits: np.ndarray, target: int, labels: tuple[str, ...], lr: float):
        self.grad_fn, self.start, self.target, self.labels = grad_fn, logits, target, labels
        self.onehot = np.eye(logits.size)[target]
        self.lr = w.FloatSlider(
            value=lr,
            min=0.05,
            max=5.0,
            step=0.05,
            description="learning rate",
            readout_format=".2f",
            style={"description_width": "7em"},
        )
        self.step_button = w.Button(description="Step", button_style="primary", icon="forward")
        self.reset_button = w.Button(description="Reset", icon="undo")
        self.table = w.HTML()
        self.step_button.on_click(self.step)
        self.reset_button.on_click(self.reset)
        super().__init__([w.HBox([self.lr, self.step_button, self.reset_button]), self.table])
        self.reset()

    def _state(self, z: np.ndarray, lr: float | None) -> tuple[dict | None, str | None]:
        """Everything shown for logits z, or a problem with the learner's function."""
        g, problem = call_learner(self.grad_fn, z, self.target, shape=z.shape)
        if problem:
            return None, problem
        p = g + self.onehot
        if not np.isfinite(g).all():
            return None, f"{fn_name(self.grad_fn)} returned nan or inf"
        if (p < -ATOL).any() or abs(p.sum() - 1.0) > ATOL:
            return None, (
                f"grad + one-hot sums to {p.sum():.4g} or has negative entries, so "
                f"{fn_name(self.grad_fn)} does not return p - y yet"
            )
        p = np.clip(p, 0.0, 1.0)
        loss = -math.log(p[self.target]) if p[self.target] > 0 else math.inf
        return {"logits": z, "p": p, "loss": loss, "grad": g, "lr": lr}, None

    def reset(self, _button=None) -> None:
        first, self.problem = self._state(self.start.copy(), None)
        self.history = [] if first is None else [first]
        self._render()

    def step(self, _button=None) -> None:
        """One step z <- z - lr * grad from the latest state."""
        if self.problem or not self.history:
            return
        last = self.history[-1]
        state, self.problem = self._state(last["logits"] - self.lr.value * last["grad"], self.lr.value)
        if state is not None:
            self.history.append(state)
        self._render()

    def _render(self) -> None:
        if not self.history:
            self.table.value = problem_html(self.problem, "take gradient-descent steps")
            return
        t = self.target
        head = (
            "<tr><th>step</th><th>lr</th><th>logits</th><th>p</th>"
            f"<th>p({html.escape(self.labels[t])})</th><th>loss</th><th>p - y</th></tr>"
        )
        rows = []
        for i, s in enumerate(self.history[-12:], start=max(0, len(self.history) - 12)):
            lr = "" if s["lr"] is None else f"{s['lr']:.2f}"
            rows.append(
                f'<tr><td{NUM}>{i}</td><td{NUM}>{lr}</td><td class="ll-logits">{_vec(s["logits"])}</td>'
                f'<td class="ll-p">{_vec(s["p"])}</td><td class="ll-ptarget"{NUM}>{s["p"][t]:.3f}</td>'
                f'<td class="ll-loss"{NUM}>{s["loss"]:.3f}</td><td class="ll-grad">{_vec(s["grad"])}</td></tr>'
            )
        first, last = self.history[0], self.history[-1]
        summary = (
            f'<p class="ll-summary">classes: {html.escape(", ".join(self.labels))}; target '
            f"<b>{html.escape(self.labels[t])}</b>. After {len(self.history) - 1} step(s): "
            f"p({html.escape(self.labels[t])}) {first['p'][t]:.3f} &rarr; {last['p'][t]:.3f}, "
            f"loss {first['loss']:.3f} &rarr; {last['loss']:.3f}.</p>"
        )
        note = problem_html(self.problem, "take more steps") if self.problem else ""
        self.table.value = summary + table_html("ll-descent", head + "".join(rows)) + note


def descent_explorer(
    grad_fn: Callable,
    logits: Sequence[float] = (3.0, 1.0, 0.0),
    target: int = 1,
    labels: Sequence[str] | None = ("refund", "reship", "escalate"),
    lr: float = 0.5,
):
    """Gradient descent on one row of `logits` with YOUR `grad_fn` (cross_entropy_grad).

    Each click of Step moves the logits by -lr * grad and adds a row: logits, p, the
    loss and p - y. Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("gradient-descent explorer")
    require_callable("grad_fn", grad_fn)
    z = finite_logits(logits, min_len=2)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < z.size:
        raise LogitlabInputError(f"target must be a class index from 0 to {z.size - 1}, got {target!r}")
    if not 0.05 <= float(lr) <= 5.0:
        raise LogitlabInputError(f"lr must be between 0.05 and 5, got {lr}")
    return DescentExplorer(grad_fn, z, int(target), as_labels("labels", labels, z.size), float(lr))


# ---- finite differences: truncation against round-off ------------------------------

# name: (f, f', f''', point). f''' sets the truncation error of central differences.
FUNCTIONS = {
    "sin(x) at x = 1": (np.sin, np.cos, lambda x: -np.cos(x), 1.0),
    "exp(x) at x = 1": (np.exp, np.exp, np.exp, 1.0),
}
EPS_GRID = 10.0 ** np.arange(-12.0, -0.99, 0.25)


class EpsExplorer(w.VBox):
    """`.eps` (log slider), `.function` (dropdown), `.float32` (checkbox);
    `.image` (the PNG plot), `.readout` (HTML), `.errors` (over `EPS_GRID`, or None)."""

    def __init__(self, numgrad_fn: Callable, eps: float):
        self.numgrad_fn = numgrad_fn
        style = {"description_width": "6em"}
        self.eps = w.FloatLogSlider(
            value=eps,
            base=10,
            min=-12,
            max=-1,
            step=0.25,
            description="eps",
            readout_format=".0e",
            style=style,
            continuous_update=False,
        )
        self.function = w.Dropdown(options=list(FUNCTIONS), description="function", style=style)
        self.float32 = w.Checkbox(value=False, description="evaluate f in float32")
        self.image = w.Image(format="png", layout=w.Layout(max_width="640px"))
        self.readout = w.HTML()
        self.eps.observe(self._redraw, names="value")
        for control in (self.function, self.float32):
            control.observe(self._recompute, names="value")
        super().__init__([w.HBox([self.eps, self.function, self.float32]), self.readout, self.image])
        self._recompute()

    def _f(self) -> Callable:
        f = FUNCTIONS[self.function.value][0]
        if self.float32.value:  # f's value is rounded to float32: round-off grows 5e8-fold
            return lambda x: np.sum(f(np.asarray(x, dtype=np.float32)))
        return lambda x: np.sum(f(np.asarray(x, dtype=np.float64)))

    def _estimate(self, eps: float) -> tuple[float | None, str | None]:
        """The learner's derivative estimate at the point, with step eps."""
        x0 = np.array([FUNCTIONS[self.function.value][3]])
        f = self._f()
        out, problem = call_learner(self.numgrad_fn, f, x0, eps=eps, shape=x0.shape)
        if problem:
            return None, problem
        return float(out[0]), None

    def _recompute(self, _change=None) -> None:
        self.errors, self.problem = None, None
        exact = FUNCTIONS[self.function.value][1](FUNCTIONS[self.function.value][3])
        errors = []
        for eps in EPS_GRID:
            est, self.problem = self._estimate(float(eps))
            if self.problem:
                break
            errors.append(abs(est - exact))
        else:
            self.errors = np.array(errors)
        self._redraw()

    def _guides(self) -> tuple[np.ndarray, np.ndarray]:
        """Rough sizes of the two errors: eps^2 |f'''| / 6 and u |f| / eps."""
        f, _, f3, x = FUNCTIONS[self.function.value]
        u = np.finfo(np.float32 if self.float32.value else np.float64).eps
        return EPS_GRID**2 * abs(f3(x)) / 6, u * abs(f(x)) / EPS_GRID

    def _redraw(self, _change=None) -> None:
        if self.problem:
            self.readout.value = problem_html(self.problem, "see its error against eps")
            self.image.value = b""
            return
        eps = float(self.eps.value)
        est, problem = self._estimate(eps)
        if problem:
            self.readout.value = problem_html(problem, "see its error against eps")
            return
        exact = FUNCTIONS[self.function.value][1](FUNCTIONS[self.function.value][3])
        err = abs(est - exact)
        trunc, rounding = self._guides()
        best = EPS_GRID[int(np.argmin(self.errors))]
        self.readout.value = (
            f'<p>eps = <b class="ll-eps">{eps:.0e}</b>: your estimate <span class="ll-estimate">{est:.15g}</span>, '
            f'exact <span class="ll-exact">{exact:.15g}</span>, error <b class="ll-error">{err:.2e}</b>. '
            f'Smallest error on the grid at eps = <span class="ll-best">{best:.0e}</span>.</p>'
        )
        self.image.value = self._plot(eps, err, trunc, rounding)

    def _plot(self, eps: float, err: float, trunc: np.ndarray, rounding: np.ndarray) -> bytes:
        floor = 1e-18  # an error of exactly 0 cannot sit on a log axis
        fig = new_figure(6.4, 3.8)
        ax = fig.add_subplot()
        ax.loglog(
            EPS_GRID,
            np.maximum(self.errors, floor),
            "o-",
            color=MAIN,
            ms=3,
            label=f"error of your {fn_name(self.numgrad_fn)}",
        )
        ax.loglog(EPS_GRID, trunc, "--", color=ACCENT, label=r"truncation $\approx \varepsilon^2 |f'''| / 6$")
        ax.loglog(EPS_GRID, rounding, ":", color=WARN, label=r"round-off $\approx u\,|f| / \varepsilon$")
        ax.axvline(eps, color="0.4", lw=1)
        ax.plot([eps], [max(err, floor)], "o", color=WARN, ms=9, mfc="none", mew=2, label="current eps")
        ax.set_ylim(floor * 10, 10)
        ax.set_xlabel(r"step $\varepsilon$ (log scale)")
        ax.set_ylabel("|numerical - exact| (log scale)")
        ax.set_title(
            f"Central differences of {self.function.value}" + (" (f in float32)" if self.float32.value else "")
        )
        ax.legend(loc="lower left", fontsize=8)
        return to_png(fig)


def eps_explorer(numgrad_fn: Callable, eps: float = 1e-5):
    """How the error of YOUR `numgrad_fn` (numerical_gradient) depends on the step eps.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("finite-difference eps explorer")
    require_callable("numgrad_fn", numgrad_fn)
    if not 1e-12 <= float(eps) <= 1e-1:
        raise LogitlabInputError(f"eps must be between 1e-12 and 1e-1, got {eps}")
    return EpsExplorer(numgrad_fn, float(eps))
