"""Small data sets of the course, generated here (no download, a few KB of text).

`tickets()` is a help desk's inbox: short customer messages, each labelled with what
the desk did about it (refund, reship, escalate). They are generated from a small
phrase grammar with a fixed seed, so every learner sees the same tickets. Many
tickets say what the customer wants; some only describe the problem, and their label
is a matter of the desk's habits, so no model can be perfect (as with real data).

The same messages serve as a tiny corpus for a next-word model (`token_stream`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .errors import LogitlabInputError

LABELS = ("refund", "reship", "escalate")
END = "<end>"  # ends every message in the word stream; a next-word model starts after it

_GREETINGS = ("hi", "hello", "hey", "dear support", "good morning", "hello there", "", "")
_ITEMS = ("parcel", "order", "blender", "lamp", "jacket", "kettle", "keyboard", "book", "chair", "phone case")
_PROBLEMS = {  # problem -> phrases; {item} is filled in
    "lost": (
        "my {item} never arrived",
        "the {item} is still not here",
        "where is my {item}",
        "tracking says my {item} was delivered but it was not",
    ),
    "broken": (
        "the {item} arrived broken",
        "my {item} came damaged",
        "the {item} does not work",
        "the {item} was crushed in the box",
    ),
    "wrong": (
        "you sent the wrong {item}",
        "this is not the {item} i ordered",
        "the {item} is the wrong size",
        "i got someone else's {item}",
    ),
    "late": ("my {item} is two weeks late", "the {item} still has not shipped", "my {item} is very late"),
}
_WANTS = {  # what the customer asks for -> phrases
    "refund": (
        "i want my money back",
        "please refund me",
        "i would like a refund",
        "cancel it and refund me",
        "just give me a refund",
    ),
    "reship": (
        "please send it again",
        "can you send a new one",
        "please send a replacement",
        "ship another one please",
        "i still want it so please resend",
    ),
    "escalate": (
        "this is the third time i write",
        "i want to talk to a manager",
        "this is unacceptable",
        "i will post a bad review",
        "nobody answers my emails",
    ),
}
# How the desk labels a ticket that does not say what the customer wants.
_HABITS = {"lost": (0.3, 0.5, 0.2), "broken": (0.4, 0.5, 0.1), "wrong": (0.3, 0.6, 0.1), "late": (0.5, 0.2, 0.3)}
_CLOSINGS = ("thanks", "thank you", "regards", "cheers", "asap please", "", "", "")
_SEED = 2024
_COUNT = 360  # tickets in all
_TRAIN = 240  # the first 240 are the training split, the rest the validation split
_STATES = 0.75  # share of tickets that say what the customer wants


class Tickets(NamedTuple):
    texts: tuple[str, ...]
    labels: np.ndarray  # int label ids, indices into LABELS


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


@functools.cache
def _all_tickets() -> Tickets:
    rng = np.random.default_rng(_SEED)
    texts, labels = [], []
    problems = sorted(_PROBLEMS)
    for _ in range(_COUNT):
        problem = _pick(rng, problems)
        parts = [_pick(rng, _GREETINGS), _pick(rng, _PROBLEMS[problem]).format(item=_pick(rng, _ITEMS))]
        if rng.random() < _STATES:
            label = int(rng.integers(len(LABELS)))
            parts.append(_pick(rng, _WANTS[LABELS[label]]))
        else:
            label = int(rng.choice(len(LABELS), p=_HABITS[problem]))
        parts.append(_pick(rng, _CLOSINGS))
        texts.append(" ".join(p for p in parts if p))
        labels.append(label)
    return Tickets(tuple(texts), np.array(labels))


def tickets(split: str = "train") -> Tickets:
    """The help-desk tickets of `split`: "train" (240), "val" (120) or "all" (360).

    Returns (texts, labels): a tuple of lower-case messages and an int array of label
    ids (0 refund, 1 reship, 2 escalate; see LABELS).
    """
    everything = _all_tickets()
    parts = {"train": slice(0, _TRAIN), "val": slice(_TRAIN, None), "all": slice(None)}
    if split not in parts:
        raise LogitlabInputError(f"split must be 'train', 'val' or 'all', got {split!r}")
    cut = parts[split]
    return Tickets(everything.texts[cut], everything.labels[cut].copy())


def _texts(arg: str, texts) -> list[str]:
    is_list = isinstance(texts, Sequence) and not isinstance(texts, str)
    if not (is_list and all(isinstance(t, str) for t in texts)):
        raise LogitlabInputError(f"{arg} must be a list of strings (one message each), got {texts!r:.80}")
    return list(texts)


def _features(words: list[str], pairs: bool) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])] if pairs else words


def vocabulary(texts: Sequence[str], pairs: bool = False) -> tuple[str, ...]:
    """The sorted distinct words of `texts` (and, with pairs=True, adjacent word pairs)."""
    return tuple(sorted({f for t in _texts("texts", texts) for f in _features(t.split(), pairs)}))


def bag_of_words(texts: Sequence[str], vocab: Sequence[str], pairs: bool = False) -> np.ndarray:
    """Counts (N, len(vocab)): how often each vocabulary entry occurs in each text.

    Words (or pairs) that are not in `vocab` are dropped: a model can only use features
    it was trained with.
    """
    index = {v: i for i, v in enumerate(vocab)}
    if len(index) != len(vocab):
        raise LogitlabInputError("vocab must not repeat an entry")
    texts = _texts("texts", texts)
    X = np.zeros((len(texts), len(vocab)))
    for row, text in enumerate(texts):
        for f in _features(text.split(), pairs):
            if f in index:
                X[row, index[f]] += 1
    return X


def token_stream(texts: Sequence[str]) -> list[str]:
    """END, then every message's words each followed by END: a next-word corpus in which
    every message both starts after END (where sampling starts) and ends with it."""
    return [END] + [w for t in _texts("texts", texts) for w in [*t.split(), END]]
