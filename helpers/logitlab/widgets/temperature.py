"""Temperature explorer (04_temperature): temperature, top-k and top-p on sliders.

Every number shown comes from the learner's own functions, following the sampling
procedure of the notebook: the logits divided by the temperature, then
`top_k_filter`, then `top_p_filter`, then `softmax_with_temperature(..., 1.0)` for
the renormalised distribution; a few hundred draws of `sample_next_token` with a
fixed seed give the histogram. A slider at its end ("k = V", "p = 1") means that
filter is off. An unfinished or broken function shows a short note instead.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from ..errors import LogitlabInputError, as_labels, require_callable
from ..plots import ACCENT as DRAWS
from ..plots import MAIN as PROB
from ..plots import OKABE_ITO
from ._base import (
    bar_html,
    call_learner,
    distribution_problem,
    finite_logits,
    fn_name,
    placeholder,
    problem_html,
    table_html,
    under_grading,
)

FADED = OKABE_ITO["sky blue"]
DEFAULT_WORDS = ("mat", "floor", "sofa", "roof", "moon", "keyboard")
DEFAULT_LOGITS = (3.2, 2.5, 2.1, 1.0, -0.5, -1.2)


class TemperatureExplorer(w.VBox):
    """Controls `.temperature`, `.top_k`, `.top_p`; outputs `.tempered`, `.probs`, `.counts`
    (numpy arrays, or None when the learner's function could not give them), `.problems`
    (messages) and `.output` (the HTML widget showing all of it)."""

    def __init__(
        self,
        fns: tuple[Callable, Callable, Callable, Callable],
        logits: np.ndarray,
        labels: tuple[str, ...],
        n_samples: int,
        seed: int,
    ):
        self.fns = fns
        self.logits, self.labels = logits, labels
        self.n_samples, self.seed = n_samples, seed
        size = logits.size
        style = {"description_width": "7em"}
        self.temperature = w.FloatLogSlider(
            value=1.0,
            base=10,
            min=-1.3,
            max=0.7,
            step=0.01,
            description="temperature",
            readout_format=".2f",
            style=style,
        )
        self.top_k = w.IntSlider(value=size, min=1, max=size, description="top-k", style=style)
        self.top_p = w.FloatSlider(
            value=1.0, min=0.05, max=1.0, step=0.01, description="top-p", readout_format=".2f", style=style
        )
        self.output = w.HTML()
        self.tempered = self.probs = self.counts = None
        self.problems: list[str] = []
        for control in (self.temperature, self.top_k, self.top_p):
            control.observe(self._refresh, names="value")
        super().__init__([self.temperature, self.top_k, self.top_p, self.output])
        self._refresh()

    def settings(self) -> dict:
        """The sampler's keyword arguments; a filter at the end of its slider is off (None)."""
        k, p = self.top_k.value, self.top_p.value
        return {
            "temperature": float(self.temperature.value),
            "top_k": None if k >= self.logits.size else int(k),
            "top_p": None if p >= 1.0 else float(p),
        }

    def _refresh(self, _change=None) -> None:
        self.problems = []
        self.tempered = self._distribution(self.logits, self.settings()["temperature"])
        self.probs = self._filtered()
        self.counts = self._samples()
        self.output.value = self._render()

    def _note(self, problem: str | None) -> bool:
        if problem:
            self.problems.append(problem)
        return problem is None

    def _distribution(self, z: np.ndarray, temperature: float) -> np.ndarray | None:
        swt = self.fns[0]
        probs, problem = call_learner(swt, z, temperature, shape=z.shape)
        if problem is None:
            problem = distribution_problem(fn_name(swt), probs)
        return probs if self._note(problem) else None

    def _filtered(self) -> np.ndarray | None:
        """Step 2-4 of the sampling procedure, through the learner's filters."""
        s = self.settings()
        z = self.logits / s["temperature"]
        for fn, arg in ((self.fns[1], s["top_k"]), (self.fns[2], s["top_p"])):
            if arg is None:
                continue
            z, problem = call_learner(fn, z, arg, shape=self.logits.shape)
            if problem is None and (np.isnan(z).any() or (z == -np.inf).all()):
                problem = f"{fn_name(fn)} left no usable logit (nan, or every entry -inf)"
            if not self._note(problem):
                return None
        return self._distribution(z, 1.0)

    def _samples(self) -> np.ndarray | None:
        sampler = self.fns[3]
        rng = np.random.default_rng(self.seed)  # the same seed on every refresh: a stable picture
        draws = []
        for _ in range(self.n_samples):
            token, problem = call_learner(sampler, self.logits, rng=rng, **self.settings())
            if not self._note(problem):
                return None
            if isinstance(token, bool) or not isinstance(token, (int, np.integer)) or not 0 <= token < self.logits.size:
                self._note(f"{fn_name(sampler)} returned {token!r}, not a token id from 0 to {self.logits.size - 1}")
                return None
            draws.append(int(token))
        return np.bincount(draws, minlength=self.logits.size)

    def _render(self) -> str:
        head = (
            "<tr><th>token</th><th>tempered</th><th>after top-k / top-p</th>"
            f"<th>{self.n_samples} draws (seed {self.seed})</th></tr>"
        )
        rows = []
        for i, label in enumerate(self.labels):
            cells = [f"<td>{html.escape(label)}</td>"]
            for cls, values, colour, total in (
                ("ll-tempered", self.tempered, FADED, 1.0),
                ("ll-filtered", self.probs, PROB, 1.0),
                ("ll-draws", self.counts, DRAWS, self.n_samples),
            ):
                if values is None:
                    cells.append(f'<td class="{cls}">-</td>')
                else:
                    text = f"{values[i]:.3f}" if total == 1.0 else f"{int(values[i])}"
                    cells.append(
                        f'<td class="{cls}">{bar_html(values[i] / total, colour, 180)} '
                        f'<span class="ll-value">{text}</span></td>'
                    )
            rows.append(f"<tr>{''.join(cells)}</tr>")
        kept = "" if self.probs is None else f"<p>tokens kept: {int((self.probs > 0).sum())} of {self.logits.size}</p>"
        notes = "".join(problem_html(p) for p in dict.fromkeys(self.problems))
        return table_html("ll-temperature", head + "".join(rows)) + kept + notes


def temperature_explorer(
    softmax_with_temperature: Callable,
    top_k_filter: Callable,
    top_p_filter: Callable,
    sample_next_token: Callable,
    logits: Sequence[float] = DEFAULT_LOGITS,
    labels: Sequence[str] | None = None,
    n_samples: int = 300,
    seed: int = 0,
):
    """Temperature, top-k and top-p sliders driving YOUR four functions from 04.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("temperature explorer")
    for arg, fn in (
        ("softmax_with_temperature", softmax_with_temperature),
        ("top_k_filter", top_k_filter),
        ("top_p_filter", top_p_filter),
        ("sample_next_token", sample_next_token),
    ):
        require_callable(arg, fn)
    z = finite_logits(logits, min_len=2)
    if labels is None and tuple(logits) == DEFAULT_LOGITS:
        labels = DEFAULT_WORDS
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or not 1 <= n_samples <= 5000:
        raise LogitlabInputError(f"n_samples must be an int from 1 to 5000, got {n_samples!r}")
    return TemperatureExplorer(
        (softmax_with_temperature, top_k_filter, top_p_filter, sample_next_token),
        z,
        as_labels("labels", labels, z.size),
        n_samples,
        int(seed),
    )
