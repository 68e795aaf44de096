"""`make bench`: performance figures as ratios against baselines measured in the same run.

Nothing here passes or fails; it prints a table. Sections:
- notebooks: wall time of each solution notebook executed headless, against a
  notebook that only starts a kernel and imports numpy;
- cells: the slowest cell of each solution notebook, its kernel pinned to one CPU as on
  Binder or a small hub, against a cell that imports numpy;
- widgets: time from a control change to the updated output (the logit playground,
  the attention heatmap, a redraw of the training lab), against a slider with no observer;
- numerics: time and peak memory of the solution kernels at LLM vocabulary sizes,
  against one plain `np.exp` over the same logits; chunked cross-entropy against
  the naive one that holds every logit (reference kernels below);
- grading: throughput of `python -m grader grade` with 1 and 2 jobs, against plain
  serial `nbgrader autograde` on the same submissions (best of 3 interleaved rounds);
- cluster: throughput of `grade --cluster local:2` against `grade --jobs 2` on the same
  submissions, and what the cluster adds: once per run, and per submission (scheduling,
  transfer), from two class sizes;
- report: `python -m grader report` on 1,000 submissions made from the bug zoo, against
  reading their records alone.
"""

from __future__ import annotations

import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np

from . import build
from .course import CONFIG, ROOT, assignments, tool_env

Row = tuple[str, str, float, str, float]  # section, item, value, unit, ratio to baseline


def _best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _execute(nb: nbformat.NotebookNode, cwd: Path) -> None:
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()


def solution_namespace(name: str, source_dir: Path) -> dict:
    """The graded functions of one solution notebook, defined in a fresh namespace."""
    return build.solution_functions(name)


def bench_notebooks(source_dir: Path, work: Path) -> list[Row]:
    baseline_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy")])
    base = min(_best_of(lambda: _execute(baseline_nb, work), repeat=2), 1e9)
    rows: list[Row] = [("notebooks", "baseline: kernel + import numpy", base, "s", 1.0)]
    total = 0.0
    for name in assignments():
        nb = nbformat.read(source_dir / name / f"{name}.ipynb", as_version=4)
        t = _best_of(lambda: _execute(nb, work), repeat=1)
        total += t
        rows.append(("notebooks", name, t, "s", t / base))
    rows.append(("notebooks", "whole course", total, "s", total / base))
    return rows


# Run in a child process pinned to one CPU (a Binder or small hub gives a learner one core or
# less): it executes one notebook and prints the seconds of each code cell, from the kernel's
# own execute_input / execute_reply timestamps.
_ONE_CORE_CELLS = """
import sys
from datetime import datetime

import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
for i, cell in enumerate(nb.cells):
    times = cell.metadata.get("execution", {})
    if cell.cell_type == "code" and "shell.execute_reply" in times:
        start, end = (datetime.fromisoformat(times[k].rstrip("Z")) for k in ("iopub.execute_input",
                                                                             "shell.execute_reply"))
        print(i, (end - start).total_seconds())
"""


def slowest_cell_on_one_core(path: Path, work: Path) -> tuple[int, float]:
    """(index, seconds) of the slowest code cell of the notebook at `path`, executed by a
    kernel pinned to one CPU with the BLAS thread count left as a learner's machine has it."""
    cmd = [sys.executable, "-c", _ONE_CORE_CELLS, str(path), str(work)]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", str(min(os.sched_getaffinity(0))), *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=tool_env(), cwd=work).stdout
    cells = [(int(i), float(s)) for i, s in (line.split() for line in out.splitlines() if line.strip())]
    return max(cells, key=lambda cell: cell[1])


def bench_slowest_cells(source_dir: Path, work: Path, names: list[str] | None = None) -> list[Row]:
    """The slowest cell of each notebook on one core, against the baseline notebook's one cell."""
    baseline = work / "baseline.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy")]), str(baseline))
    _, base = slowest_cell_on_one_core(baseline, work)
    rows: list[Row] = [("one core", "baseline: the cell `import numpy`", base, "s", 1.0)]
    for name in names or assignments():
        index, t = slowest_cell_on_one_core(source_dir / name / f"{name}.ipynb", work)
        rows.append(("one core", f"{name}: slowest cell (#{index})", t, "s", t / base))
    return rows


def bench_widgets() -> list[Row]:
    import ipywidgets
    from logitlab.widgets.playground import logit_playground

    plain = ipywidgets.FloatSlider()
    values = iter(np.linspace(-5, 5, 10_000))
    base = statistics.median(_time_each(lambda: setattr(plain, "value", next(values)), 200))

    def softmax(z, axis=-1):  # a learner's working function, for the playground to call
        e = np.exp(np.asarray(z, dtype=float))
        return e / e.sum(axis=axis, keepdims=True)

    pg = logit_playground(softmax, logits=[2.0, 1.0, 0.1], labels=["cat", "dog", "bird"])
    values = iter(np.linspace(-5, 5, 10_000))
    t = statistics.median(_time_each(lambda: setattr(pg.sliders[0], "value", float(next(values))), 200))
    return [
        ("widgets", "baseline: slider without observer", base, "s", 1.0),
        ("widgets", "logit playground: slider -> table", t, "s", t / base),
        *[("widgets", item, s, "s", s / base) for item, s in _course_widget_updates()],
    ]


def _course_widget_updates() -> list[tuple[str, float]]:
    """Seconds of one update of the heaviest widgets of 08 and 09, driven by the solutions:
    a toggle of the attention heatmap, and one redraw of a training run (a run redraws
    about 40 times)."""
    from logitlab.widgets.attention import attention_explorer
    from logitlab.widgets.training import training_lab

    fns = build.solution_functions("08_attention", "09_training")
    explorer = attention_explorer(fns["causal_mask"], fns["masked_softmax"])
    toggle = statistics.median(_time_each(lambda: setattr(explorer.scaled, "value", not explorer.scaled.value), 7))
    lab = training_lab(fns["train_step"], task="next-word model")
    lab.train()  # builds the task's data once
    run = _best_of(lab.train, repeat=2)
    return [
        ("attention explorer: toggle -> heatmap", toggle),
        ("training lab, next-word model: one redraw", run / 40),
    ]


def _time_each(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _peak_bytes(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def bench_numerics(source_dir: Path) -> list[Row]:
    kernels = {}
    for name in assignments():
        ns = solution_namespace(name, source_dir)
        kernels.update({k: ns[k] for k in ("softmax", "stable_softmax", "logsumexp", "log_softmax") if k in ns})
    rows: list[Row] = []
    rng = np.random.default_rng(0)
    for vocab in (32_000, 128_000):
        z = rng.normal(size=(8, vocab)) * 4
        base_t = _best_of(lambda: np.exp(z))
        base_m = _peak_bytes(lambda: np.exp(z))
        rows.append(("numerics", f"baseline: np.exp, 8 x {vocab}", base_t, "s", 1.0))
        for kname, fn in sorted(kernels.items()):
            t = _best_of(lambda: fn(z))
            m = _peak_bytes(lambda: fn(z))
            rows.append(("numerics", f"{kname}, 8 x {vocab}: time", t, "s", t / base_t))
            rows.append(("numerics", f"{kname}, 8 x {vocab}: peak memory", m / 2**20, "MiB", m / base_m))
    return rows + bench_chunked_cross_entropy()


# Reference kernels of 11_llm_scale's loss (instructor side: logitlab holds no answers).
# Both keep float32 and work in place, so the naive one holds exactly one N x V array and
# the ratios measure chunking, not sloppy temporaries.
def _naive_cross_entropy(hidden: np.ndarray, weight: np.ndarray, targets: np.ndarray) -> float:
    z = hidden @ weight.T  # every logit at once: N x V
    picked = z[np.arange(len(targets)), targets]
    top = z.max(axis=1, keepdims=True)
    np.exp(np.subtract(z, top, out=z), out=z)
    return float(np.mean(top[:, 0] + np.log(z.sum(axis=1)) - picked))


def _chunked_cross_entropy(hidden: np.ndarray, weight: np.ndarray, targets: np.ndarray, chunk: int) -> float:
    run_max = np.full(len(hidden), -np.inf, dtype=hidden.dtype)
    run_sum = np.zeros(len(hidden), dtype=hidden.dtype)
    for start in range(0, len(weight), chunk):
        z = hidden @ weight[start : start + chunk].T  # N x chunk, never more
        new_max = np.maximum(run_max, z.max(axis=1))
        np.exp(np.subtract(z, new_max[:, None], out=z), out=z)
        run_sum = run_sum * np.exp(run_max - new_max) + z.sum(axis=1)
        run_max = new_max
        del z  # gone before the next block is made: one block alive at a time
    picked = np.einsum("nd,nd->n", hidden, weight[targets])
    return float(np.mean(run_max + np.log(run_sum) - picked))


def bench_chunked_cross_entropy(
    tokens: int = 4_096, dim: int = 64, rounds: int = 3, vocabs: tuple[int, ...] = (32_768, 131_072)
) -> list[Row]:
    """Chunked against naive cross-entropy (float32, chunks of V / 32), best of `rounds`
    interleaved runs. Targets: peak memory at most 1/16 of naive, time at most 1.3x."""
    rows: list[Row] = []
    rng = np.random.default_rng(11)
    hidden = rng.normal(size=(tokens, dim)).astype(np.float32)
    for vocab in vocabs:
        weight = (rng.normal(size=(vocab, dim)) / 8).astype(np.float32)
        targets = rng.integers(0, vocab, size=tokens)
        chunk = vocab // 32
        naive = functools.partial(_naive_cross_entropy, hidden, weight, targets)
        chunked = functools.partial(_chunked_cross_entropy, hidden, weight, targets, chunk)
        times: dict[str, list[float]] = {"naive": [], "chunked": []}
        for _ in range(rounds):
            times["naive"].append(_best_of(naive, repeat=1))
            times["chunked"].append(_best_of(chunked, repeat=1))
        base_t, t = min(times["naive"]), min(times["chunked"])
        base_m, m = _peak_bytes(naive), _peak_bytes(chunked)
        naive_item = f"baseline: naive cross-entropy, {tokens} x {vocab}"
        chunked_item = f"chunked cross-entropy (chunk {chunk}), {tokens} x {vocab}"
        rows += [
            ("numerics", f"{naive_item}: time", base_t, "s", 1.0),
            ("numerics", f"{naive_item}: peak memory", base_m / 2**20, "MiB", 1.0),
            ("numerics", f"{chunked_item}: time", t, "s", t / base_t),
            ("numerics", f"{chunked_item}: peak memory", m / 2**20, "MiB", m / base_m),
        ]
    return rows


def _solved_submissions(source_dir: Path, names: list[str], per_assignment: int, root: Path) -> int:
    """Learner-style submissions: the released notebook with the solutions filled in."""
    count = 0
    for name in names:
        nb = build.solved_notebook(name, source_dir)
        for i in range(per_assignment):
            target = root / f"s{i:03d}" / name / f"{name}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(nb, str(target))
            count += 1
    return count


def _machine_cpu() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat): the
    grader's processes are forked from a server and sandboxed, out of reach of rusage."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    busy = sum(int(f) for i, f in enumerate(fields[:8]) if i not in (3, 4))  # not idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _timed(cmd: list[str], cwd: Path, cpu: list[float] | None = None) -> float:
    """Wall seconds of `cmd`; the machine's busy CPU seconds meanwhile are appended to
    `cpu` (exact on a quiet machine, as in CI)."""
    before = _machine_cpu()
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=tool_env(), check=True, capture_output=True)
    wall = time.perf_counter() - t0
    if cpu is not None:
        cpu.append(_machine_cpu() - before)
    return wall


def bench_grading(source_dir: Path, work: Path, per_assignment: int = 4, rounds: int = 3) -> list[Row]:
    """Best of `rounds` interleaved runs of each way of grading the same submissions.

    Each `grader grade` run starts from an empty output folder, so it also pays for
    its gradebook templates; plain nbgrader's `generate_assignment` is done once,
    untimed, as an instructor would have done it at release.
    """
    names = [a for a in assignments() if a != "00_welcome"]
    subs = work / "submitted"
    n = _solved_submissions(source_dir, names, per_assignment, subs)
    course = work / "plain"
    dirs = [
        f"--NbGrader.config_file={CONFIG}",
        f"--CourseDirectory.root={course}",
        f"--CourseDirectory.source_directory={source_dir}",
        f"--CourseDirectory.submitted_directory={course / 'submitted'}",
        f"--CourseDirectory.release_directory={course / 'release'}",
        f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}",
    ]
    shutil.copytree(subs, course / "submitted")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for name in names:
        _timed(nbgrader + ["generate_assignment", name, "--force", *dirs], course)
    times: dict[str, list[float]] = {"plain": [], "1": [], "2": []}
    cpu: dict[str, list[float]] = {"plain": [], "1": [], "2": []}
    for r in range(rounds):
        plain_cpu: list[float] = []
        times["plain"].append(
            sum(_timed(nbgrader + ["autograde", name, "--force", *dirs], course, plain_cpu) for name in names)
        )
        cpu["plain"].append(sum(plain_cpu))
        for jobs in ("1", "2"):
            out = work / f"out-{jobs}-{r}"
            times[jobs].append(
                _timed(
                    [sys.executable, "-m", "grader", "grade", str(subs), "--output", str(out), "--jobs", jobs],
                    ROOT,
                    cpu[jobs],
                )
            )
    plain, plain_cpu_nb = min(times["plain"]), min(cpu["plain"]) / n
    rows: list[Row] = [
        ("grading", f"plain nbgrader autograde, serial, {n} notebooks", n / plain, "nb/s", 1.0),
        ("grading", "plain nbgrader autograde: CPU per notebook", plain_cpu_nb, "s", 1.0),
    ]
    for jobs in ("1", "2"):
        t = min(times[jobs])
        rows.append(("grading", f"python -m grader grade --jobs {jobs}, {n} notebooks", n / t, "nb/s", plain / t))
        rows.append(
            (
                "grading",
                f"python -m grader grade --jobs {jobs}: CPU per notebook",
                min(cpu[jobs]) / n,
                "s",
                min(cpu[jobs]) / n / plain_cpu_nb,
            )
        )
    return rows


def bench_cluster(
    source_dir: Path, work: Path, name: str = "02_softmax", sizes: tuple[int, int] = (15, 45), rounds: int = 2
) -> list[Row]:
    """`grade --cluster local:2` against `grade --jobs 2` on the same submissions (best of
    `rounds` interleaved runs), at two class sizes: the cluster's extra time grows by what
    it adds per submission (scheduling, sending each job's notebooks to a worker and back)
    over a fixed cost per run (starting the workers and their fork servers)."""
    extra, speed = [], {}
    for size in sizes:
        subs = work / f"submitted-{size}"
        _solved_submissions(source_dir, [name], size, subs)
        grade = [sys.executable, "-m", "grader", "grade", str(subs), "--no-gradebook", "--output"]
        times: dict[str, list[float]] = {"local": [], "cluster": []}
        for r in range(rounds):
            times["local"].append(_timed([*grade, str(work / f"local-{size}-{r}"), "--jobs", "2"], ROOT))
            times["cluster"].append(_timed([*grade, str(work / f"cluster-{size}-{r}"), "--cluster", "local:2"], ROOT))
        local, cluster = min(times["local"]), min(times["cluster"])
        extra.append(cluster - local)
        speed[size] = (size / local, size / cluster)
    small, large = sizes
    per_submission = (extra[1] - extra[0]) / (large - small)
    fixed = extra[0] - per_submission * small
    local_per = 1 / speed[large][0]
    return [
        ("cluster", f"baseline: grade --jobs 2, {large} notebooks", speed[large][0], "nb/s", 1.0),
        (
            "cluster",
            f"grade --cluster local:2, {large} notebooks",
            speed[large][1],
            "nb/s",
            speed[large][1] / speed[large][0],
        ),
        ("cluster", "added per run (workers start)", fixed, "s", fixed / local_per),
        ("cluster", "added per submission (scheduling, transfer)", per_submission, "s", per_submission / local_per),
        ("cluster", "added at 10,000 submissions", fixed + 10_000 * per_submission, "s", per_submission / local_per),
    ]


REPORT_ASSIGNMENTS = ("02_softmax", "03_stability", "05_cross_entropy")


def _zoo_class(out: Path, submissions: int) -> None:
    """`submissions` job records in OUT: every bug of REPORT_ASSIGNMENTS and correct
    answers in turn, each judged once (grader/tools/zooclass.py)."""
    from .course import BUGZOO
    from .zooclass import judge, record

    kinds = []
    for name in REPORT_ASSIGNMENTS:
        kinds.append((name, judge(name)))
        for bug in sorted((BUGZOO / name).glob("*/*.py")):
            kinds.append((name, judge(name, {bug.parent.name: bug.read_text()})))
    for i in range(submissions):
        name, results = kinds[i % len(kinds)]
        record(f"s{i:05d}", name, results).save(out / ".jobs" / name / f"s{i:05d}.json")


def bench_report(work: Path, submissions: int = 1000, repeat: int = 3) -> list[Row]:
    from . import report

    out = work / "graded"
    _zoo_class(out, submissions)
    base = _best_of(lambda: report.load(out), repeat)
    full = _best_of(lambda: report.write_report(out), repeat)
    records = _kib(out / ".jobs")
    page = _kib(out / "report")
    return [
        ("report", f"baseline: read {submissions} records", base, "s", 1.0),
        ("report", f"report of {submissions} submissions", full, "s", full / base),
        ("report", "baseline: the records on disk", records, "KiB", 1.0),
        ("report", "the report: page, figures, CSV files", page, "KiB", page / records),
    ]


def _kib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**10


def format_table(rows: list[Row]) -> str:
    width = max(len(r[1]) for r in rows)
    lines = [f"{'section':<10} {'item':<{width}} {'value':>12} {'unit':<4} {'x baseline':>10}"]
    for section, item, value, unit, ratio in rows:
        lines.append(f"{section:<10} {item:<{width}} {value:>12.5g} {unit:<4} {ratio:>10.2f}")
    return "\n".join(lines)


def main(sections: list[str] | None = None) -> str:
    sections = sections or ["numerics", "widgets", "notebooks", "cells", "grading", "cluster", "report"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build.build_sources(assignments(), tmp / "source")
        rows: list[Row] = []
        if "numerics" in sections:
            rows += bench_numerics(tmp / "source")
        if "widgets" in sections:
            rows += bench_widgets()
        (tmp / "work").mkdir()
        if "notebooks" in sections:
            rows += bench_notebooks(tmp / "source", tmp / "work")
        if "cells" in sections:
            rows += bench_slowest_cells(tmp / "source", tmp / "work")
        if "grading" in sections:
            rows += bench_grading(tmp / "source", tmp / "grading")
        if "cluster" in sections:
            rows += bench_cluster(tmp / "source", tmp / "cluster")
        if "report" in sections:
            rows += bench_report(tmp / "report")
    table = format_table(rows)
    print(table)
    return table
