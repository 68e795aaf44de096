"""What one grading job decided, kept as OUT/.jobs/<assignment>/<student>.json.

A record holds every graded cell's score, and the reason for each lost point in
words an instructor can read (case label and kind of failure, never a hidden input
or an expected value).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class CellResult:
    grade_id: str
    score: float
    max_score: float
    manual: bool = False  # a written answer, left for an instructor to grade
    reason: str = ""  # why points were lost; empty when full marks


@dataclass
class JobRecord:
    student_id: str
    assignment: str
    fingerprint: str
    status: str = "graded"  # graded, flagged (see flags) or failed (see reason)
    cells: list[CellResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0
    timestamp: str | None = None  # nbgrader's timestamp.txt of the submission, if any

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    @property
    def needs_manual(self) -> list[str]:
        return [c.grade_id for c in self.cells if c.manual]

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a record."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        data = {**asdict(self), "score": self.score, "max_score": self.max_score}  # for readers
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> JobRecord | None:
        """The record at `path`, or None if it is missing or unreadable (an older format)."""
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    @classmethod
    def from_dict(cls, data: dict) -> JobRecord:
        """The record of `asdict(record)` (as saved, or as a cluster worker returns it)."""
        data = {k: v for k, v in data.items() if k not in ("score", "max_score")}
        data["cells"] = [CellResult(**c) for c in data["cells"]]
        return cls(**data)
