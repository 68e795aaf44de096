"""`make bench` keeps working: its table has a baseline row and ratios against it.

Nothing here is timed pass/fail; the figures themselves are for people to read.
"""
from __future__ import annotations

import math

from grader import bench


def test_widget_section_prints_a_table_with_its_baseline():
    table = bench.main(["widgets"])
    lines = table.splitlines()
    assert lines[0].split() == ["section", "item", "value", "unit", "x", "baseline"]
    rows = [line for line in lines[1:] if line.startswith("widgets")]
    assert len(rows) >= 2 and "baseline" in rows[0] and rows[0].split()[-1] == "1.00"
    ratios = [float(row.split()[-1]) for row in rows]
    assert all(math.isfinite(r) and r > 0 for r in ratios)


def test_table_lines_up_every_row():
    rows = [("grading", "plain", 0.5, "nb/s", 1.0), ("grading", "ours, 2 jobs", 0.95, "nb/s", 1.9)]
    lines = bench.format_table(rows).splitlines()
    assert len({len(line) for line in lines}) == 1 and lines[2].endswith("1.90")
