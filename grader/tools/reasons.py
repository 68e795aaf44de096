"""Reading the reasons of a grading run: which checks failed, and the mistake behind each.

A failing test cell's reason (grader.core.records.CellResult.reason) is one line in one
of these forms:

    softmax: 2 of 7 checks fail.; <title>: <message>; (<folded checks>); <title>: <message>
    3 hidden case(s) failed: <label>: <kind>; <label>: <kind>; <label>: <kind>
    <one message>   (not implemented yet, a time limit, a cell that did not run, ...)

A message may quote the learner's line (", at line 12: `return z - lse`" or
"(line 12: return z - lse)") and the raw exception ("(softmax raised ValueError: ...)").
`mistake` turns a message into the misconception it names, with every value (numbers,
shapes, lists, quoted strings) replaced by "…", so the same mistake reads the same
whatever the inputs or results; the quoted line is kept apart as an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

CHECKS = "check"  # a public check of logitlab.checks, named by its title
HIDDEN = "hidden"  # a hidden case, named by its label
OTHER = "other"  # a cell that failed as a whole (one message)

_HEADLINE = re.compile(r"^(?P<exercise>\w+): \d+ of \d+ checks? fails?\.(?:;? |$)")
_HIDDEN = re.compile(r"^\d+ hidden case\(s\) failed: ")
_FOLDED = re.compile(r"\((?:\d+ more checks? also fails?|the same problem also fails)[^:]*(?:: |\))")
_LINE = re.compile(r",? at line (?P<n>\d+): `(?P<code>[^`]*)`|\(line (?P<n2>\d+)(?P<rest>[:)])")
_RAISED = re.compile(r"\(\w+ raised \w+")
_GAP = "…"
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"
_ITEM = rf"(?:{_NUMBER}|-?inf|nan|…)"
_VALUE_PATTERNS = [
    (re.compile(r"np\.(?:int|float)\d+\(([^()]*)\)"), r"\1"),  # np.int64(2) -> 2
    (re.compile(r"(?<![\w'])'[^'\n]*'(?!\w)"), "'…'"),
    (re.compile(r'"[^"\n]*"'), '"…"'),
    (re.compile(rf"\(\s*(?:{_ITEM}\s*,\s*)+(?:{_ITEM}\s*)?\)"), "(…)"),  # shapes and tuples
    (re.compile(rf"\[\s*{_ITEM}(?:\s*,\s*{_ITEM})*\s*\]"), "[…]"),  # lists of numbers
    (re.compile(r"\[\s*\[…\](?:\s*,\s*\[…\])*\s*\]"), "[…]"),  # nested lists
    # other numbers, except 0 and 1 (exactly 0, sums to 1, 1 - p), names such as float32 or
    # log10, and an axis the advice names (axis=-1)
    (re.compile(rf"(?<![\w.=])(?<!=-)(?!-?[01](?![\w.]))(?:{_NUMBER})(?![\w.])"), _GAP),
    (re.compile(r"…(?:\s*(?:,|x|\*|/|\+|-|->|\.\.\.)\s*…)+"), _GAP),  # runs of values
]


@dataclass(frozen=True)
class Failure:
    """One failing check, hidden case or cell, as its reason says."""

    kind: str  # CHECKS, HIDDEN or OTHER
    label: str  # the check's title or the hidden case's label ("" for OTHER)
    message: str  # what went wrong, as written (location and raw exception included)
    folded: tuple[str, ...] = ()  # titles of checks that failed for the same reason


@dataclass(frozen=True)
class Located:
    """Where a message says the learner's code failed."""

    line: int | None
    code: str | None


def parse(reason: str, titles: tuple[str, ...] = ()) -> list[Failure]:
    """The failures a cell's reason lists. `titles` are the public check titles of the
    cell's exercise: a message runs from its title to the next title."""
    reason = reason.strip()
    if not reason:
        return []
    if _HIDDEN.match(reason):
        return [_hidden(part) for part in _split_cases(reason[_HIDDEN.match(reason).end() :])]
    head = _HEADLINE.match(reason)
    if head and titles:
        found = _by_titles(reason[head.end() :], titles)
        if found:
            return found
    return [Failure(OTHER, "", reason)]


def _split_cases(text: str) -> list[str]:
    """'; '-separated parts, except inside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return [p for p in (p.strip() for p in parts) if p]


def _hidden(part: str) -> Failure:
    label, sep, kind = part.partition(": ")
    return Failure(HIDDEN, label.strip(), kind.strip()) if sep else Failure(HIDDEN, "", part)


def _by_titles(body: str, titles: tuple[str, ...]) -> list[Failure]:
    starts = []
    for title in sorted(titles, key=len, reverse=True):  # a title inside a longer one is not a start
        for m in re.finditer(re.escape(title) + ": ", body):
            at_start = m.start() == 0 or body[m.start() - 2 : m.start()] in ("; ", ". ")
            if at_start and not any(s <= m.start() < s + len(t) + 2 for s, t in starts):
                starts.append((m.start(), title))
    starts.sort()
    found = []
    for i, (at, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
        text = body[at + len(title) + 2 : end].rstrip("; ").strip()
        folded: tuple[str, ...] = ()
        fold = _FOLDED.search(text)
        if fold:
            listed = _until_close(text, fold.end()) if fold.group().endswith(": ") else ""
            folded = tuple(t.strip() for t in listed.split(" · ") if t.strip())
            text = text[: fold.start()].rstrip("; ").strip()
        found.append(Failure(CHECKS, title, text, folded))
    return found


def locate(message: str) -> Located:
    """The learner's line a message quotes (its number, and its code if quoted)."""
    m = _LINE.search(message)
    if not m:
        return Located(None, None)
    if m.group("n"):
        return Located(int(m.group("n")), m.group("code").strip() or None)
    code = _until_close(message, m.end()) if m.group("rest") == ":" else None
    return Located(int(m.group("n2")), (code or "").strip() or None)


def _until_close(text: str, start: int) -> str:
    """text from `start` up to the bracket that closes the one already open."""
    depth = 1
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    return text[start:]


def _without_location(message: str) -> str:
    m = _LINE.search(message)
    if not m:
        return message
    if m.group("n"):
        return message[: m.start()] + message[m.end() :]
    end = m.end() if m.group("rest") == ")" else m.end() + len(_until_close(message, m.end())) + 1
    return (message[: m.start()] + message[end:]).replace("  ", " ")


def _without_raw(message: str) -> str:
    """The misconception without the raw exception it was read from, when it has one: a
    message that is only the raw exception keeps it (its type names the mistake)."""
    m = _RAISED.search(message)
    if not m or not message[: m.start()].strip():
        return message
    end = m.start() + 1 + len(_until_close(message, m.start() + 1)) + 1
    return (message[: m.start()].rstrip() + message[end:]).strip()


@cache
def mistake(message: str) -> str:
    """The misconception a message names, the same however its values differ."""
    text = _without_raw(_without_location(message))
    for pattern, repl in _VALUE_PATTERNS:
        text = pattern.sub(repl, text)
    return re.sub(r"\s+", " ", text).strip(" ;")
