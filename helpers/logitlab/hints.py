"""Hints in tiers, revealed one at a time: first a nudge about the idea, then the
numpy tool, then the shape of the computation. No hint holds a line of a solution.

Each checks module registers the tiers of its exercises with `register(...)`; a
notebook shows them with `hints("exercise")`.
"""
from __future__ import annotations

from .errors import unknown_name

_TIERS: dict[str, tuple[str, ...]] = {}


def register(exercise: str, *tiers: str) -> None:
    """Register the hint tiers of `exercise`, from the gentlest to the most specific."""
    if not 2 <= len(tiers) <= 3:
        raise ValueError(f"{exercise}: give two or three hint tiers, not {len(tiers)}")
    _TIERS[exercise] = tuple(tiers)


def tiers(exercise: str) -> tuple[str, ...]:
    """The registered hint tiers of `exercise`."""
    from .checks._core import _load_specs  # the checks modules register the hints

    _load_specs()
    if exercise not in _TIERS:
        raise unknown_name("exercise", exercise, _TIERS)
    return _TIERS[exercise]


def hints(exercise: str):
    """Show the hints of `exercise`, one tier at a time."""
    return "\n".join(f"Hint {i}: {text}" for i, text in enumerate(tiers(exercise), 1))
