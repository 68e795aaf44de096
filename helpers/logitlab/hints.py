"""Hints in tiers, revealed one at a time: first a nudge about the idea, then the
numpy tool, then the shape of the computation. No hint holds a line of a solution.

Each checks module registers the tiers of its exercises with `register(...)`; a
notebook shows them with `hints("exercise")`: a button reveals the next tier. Where
widgets cannot render, the text shows the first tier and says how to ask for the next
(`hints("exercise", 2)` prints the first two as text).
"""

from __future__ import annotations

import functools
import html

from .errors import LogitlabInputError, unknown_name

_TIERS: dict[str, tuple[str, ...]] = {}
NAMES = ("the idea", "the numpy tool", "the shape of the computation")


def register(exercise: str, *tiers: str) -> None:
    """Register the hint tiers of `exercise`, from the gentlest to the most specific."""
    if not 2 <= len(tiers) <= 3:
        raise ValueError(f"{exercise}: give two or three hint tiers, not {len(tiers)}")
    if not all(isinstance(t, str) and t.strip() for t in tiers):
        raise ValueError(f"{exercise}: every hint tier must be a non-empty string")
    _TIERS[exercise] = tuple(tiers)


def tiers(exercise: str) -> tuple[str, ...]:
    """The registered hint tiers of `exercise`."""
    from .checks._core import _load_specs  # the checks modules register the hints

    _load_specs()
    if exercise not in _TIERS:
        raise unknown_name("exercise", exercise, _TIERS)
    return _TIERS[exercise]


def _title(number: int, total: int) -> str:
    return f"Hint {number} of {total} ({NAMES[number - 1]})"


class HintText:
    """The first `shown` tiers as text (a static fallback, and `hints(exercise, n)`)."""

    def __init__(self, exercise: str, all_tiers: tuple[str, ...], shown: int):
        self.exercise, self.tiers, self.shown = exercise, all_tiers, shown

    def __repr__(self) -> str:
        n = len(self.tiers)
        lines = [f"{_title(i, n)}: {t}" for i, t in enumerate(self.tiers[: self.shown], 1)]
        if self.shown < n:
            lines.append(f"(next hint: hints({self.exercise!r}, {self.shown + 1}))")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .checks._core import code_html

        return "".join(
            f"<p><b>{html.escape(_title(i, len(self.tiers)))}.</b> {code_html(t)}</p>"
            for i, t in enumerate(self.tiers[: self.shown], 1)
        )


@functools.cache
def hints_widget_class():
    """The widget class, built on first use: importing the checks (which register hints)
    must not import ipywidgets."""
    import ipywidgets as w

    class Hints(w.VBox):
        """A button that reveals the next tier; `.shown` tiers are visible in `.panel`."""

        def __init__(self, exercise: str, all_tiers: tuple[str, ...]):
            self.exercise, self.tiers, self.shown = exercise, all_tiers, 0
            self.panel = w.HTML()
            self.button = w.Button(button_style="", icon="lightbulb-o", layout=w.Layout(width="auto"))
            self.button.on_click(self.reveal)
            super().__init__([self.button, self.panel])
            self._update()

        def reveal(self, _button=None) -> None:
            self.shown = min(self.shown + 1, len(self.tiers))
            self._update()

        def _update(self) -> None:
            n = len(self.tiers)
            self.panel.value = HintText(self.exercise, self.tiers, self.shown)._repr_html_()
            done = self.shown == n
            self.button.description = (
                f"All {n} hints shown" if done else f"Show hint {self.shown + 1} of {n}: {NAMES[self.shown]}"
            )
            self.button.disabled = done

        def __repr__(self) -> str:  # where widgets cannot render: the first tier, as text
            return repr(HintText(self.exercise, self.tiers, max(self.shown, 1)))

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            bundle["text/plain"] = repr(self)  # whole, not cut at 110 characters as widgets do
            return bundle

    return Hints


def hints(exercise: str, upto: int | None = None):
    """The hints of `exercise`, one tier at a time: a button reveals the next.

    `hints(exercise, n)` shows the first n tiers as text instead. Under grading it
    builds nothing.
    """
    all_tiers = tiers(exercise)
    if upto is not None:
        if isinstance(upto, bool) or not isinstance(upto, int) or not 1 <= upto <= len(all_tiers):
            raise LogitlabInputError(
                f"upto must be an int from 1 to {len(all_tiers)} (the number of hints of {exercise}), got {upto!r}"
            )
        return HintText(exercise, all_tiers, upto)
    from .widgets._base import placeholder, under_grading

    if under_grading():
        return placeholder("hints")
    return hints_widget_class()(exercise, all_tiers)
