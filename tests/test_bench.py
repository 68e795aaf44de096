"""`make bench` keeps working: its table has a baseline row and ratios against it.

Nothing here is timed pass/fail; the figures themselves are for people to read.
"""

from __future__ import annotations

import math

import numpy as np

from grader.tools import bench


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


def test_the_reference_kernels_of_the_loss_agree_for_every_chunk_size():
    rng = np.random.default_rng(5)
    hidden, weight = rng.normal(size=(9, 4)), rng.normal(size=(50, 4)) * 30  # logits in the hundreds
    targets = rng.integers(0, 50, size=9)
    naive = bench._naive_cross_entropy(hidden, weight, targets)
    assert math.isfinite(naive)
    for chunk in (1, 7, 32, 50, 64):
        chunked = bench._chunked_cross_entropy(hidden, weight, targets, chunk)
        assert math.isclose(chunked, naive, rel_tol=1e-12)


def test_chunked_cross_entropy_rows_are_ratios_against_the_naive_loss():
    rows = bench.bench_chunked_cross_entropy(tokens=256, dim=8, rounds=1, vocabs=(8_192, 32_768))
    assert len(rows) == 8
    for naive_t, naive_m, t, m in (rows[:4], rows[4:]):
        assert "baseline: naive" in naive_t[1] and naive_t[4] == naive_m[4] == 1.0
        assert t[3] == "s" and math.isfinite(t[4]) and t[4] > 0
        assert m[3] == "MiB" and m[4] <= 1 / 16  # chunks of V / 32: memory is deterministic, time is not


def test_report_section_times_the_report_against_reading_the_records(tmp_path):
    rows = bench.bench_report(tmp_path, submissions=40, repeat=1)
    assert [r[1] for r in rows] == [
        "baseline: read 40 records",
        "report of 40 submissions",
        "baseline: the records on disk",
        "the report: page, figures, CSV files",
    ]
    assert rows[0][4] == rows[2][4] == 1.0 and all(math.isfinite(r[4]) and r[4] > 0 for r in rows)
    assert (tmp_path / "graded" / "report" / "index.html").is_file()


def test_the_cells_section_finds_the_slowest_cell_on_one_core(tmp_path):
    import nbformat

    cells = ["import numpy", "import time\ntime.sleep(0.3)", "x = 1"]
    path = tmp_path / "three.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), str(path))
    index, seconds = bench.slowest_cell_on_one_core(path, tmp_path)
    assert index == 1 and seconds >= 0.3


def test_cluster_section_compares_a_local_cluster_with_local_jobs(tmp_path):
    from grader.tools import build

    build.build_sources(["02_softmax"], tmp_path / "source")
    rows = bench.bench_cluster(tmp_path / "source", tmp_path / "work", sizes=(1, 2), rounds=1)
    assert [r[1] for r in rows] == [
        "baseline: grade --jobs 2, 2 notebooks",
        "grade --cluster local:2, 2 notebooks",
        "added per run (workers start)",
        "added per submission (scheduling, transfer)",
        "added at 10,000 submissions",
    ]
    assert rows[0][4] == 1.0 and all(math.isfinite(r[2]) and math.isfinite(r[4]) for r in rows)
    assert rows[0][2] > 0 and rows[1][2] > 0
    for size in (1, 2):
        for run in ("local", "cluster"):
            records = (tmp_path / "work" / f"{run}-{size}-0" / ".jobs" / "02_softmax").glob("*.json")
            assert len(list(records)) == size
