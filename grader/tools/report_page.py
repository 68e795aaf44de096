"""The files of the class report: index.html, its figures and its CSV files.

One static page (no script, no external resource) with a section per assignment, so it
opens from disk, in a browser tab and in JupyterLab alike. Its figures are PNGs inside
the page, drawn with the course's plots (logitlab.plots: palette, labelled axes), each
with alt text that states what it shows. The CSV files beside it hold the same aggregates.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import shutil
from pathlib import Path

from logitlab.plots import ACCENT, MAIN, WARN, new_figure, to_png
from matplotlib.ticker import MaxNLocator

from . import reasons
from .report import EXAMPLES, Assignment, Report

SHOWN = 15  # misconceptions per assignment on the page (all of them in the CSV)
ATTENTION_SHOWN = 50  # flagged or failed submissions per assignment on the page
KINDS = {"cell": "test cell", reasons.CHECKS: "public check", reasons.HIDDEN: "hidden case", reasons.OTHER: "cell"}

CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f4f4f4; padding: 0 0.2rem; }
img { max-width: 100%; height: auto; }
nav a { margin-right: 0.75rem; }
.muted { color: #666; }
"""


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _e(text: object) -> str:
    return html.escape(str(text))


# --- figures ---------------------------------------------------------------------
def _histogram(a: Assignment) -> bytes:
    fig = new_figure(5.5, 3.0)
    ax = fig.add_subplot()
    top = a.max_score or 1.0
    # One bar per point where there are few points, else 20 bars.
    bins = [x - 0.5 for x in range(int(top) + 2)] if top <= 30 else 20
    ax.hist(a.scores, bins=bins, range=(0, top), color=MAIN, edgecolor="white")
    ax.axvline(a.median, color=ACCENT, linestyle="--", label=f"median {a.median:g}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"autograded points (of {top:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{a.name}: scores")
    ax.legend(loc="upper center")
    return to_png(fig)


def _course_figure(report: Report) -> bytes:
    names = [a.name for a in report.assignments]
    fig = new_figure(max(5.0, 0.7 * len(names) + 2), 3.2)
    ax = fig.add_subplot()
    x = range(len(names))
    submitted = [100 * (a.counted + a.failed) / report.students for a in report.assignments]
    full = [100 * a.full_marks * a.counted / report.students for a in report.assignments]
    ax.bar([i - 0.2 for i in x], submitted, width=0.4, color=MAIN, label="submitted")
    ax.bar([i + 0.2 for i in x], full, width=0.4, color=ACCENT, label="full autograded marks")
    ax.set_xticks(list(x), names, rotation=30, ha="right")
    ax.set_ylim(0, 130)  # room for the legend above the bars
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel("assignment")
    ax.set_ylabel("% of the class")
    ax.set_title("Completion across the course")
    ax.legend(loc="upper center", ncols=2)
    return to_png(fig)


def _pass_figure(a: Assignment) -> bytes:
    cells = sorted((t for t in a.tallies.values() if t.kind == "cell"), key=lambda t: t.label)
    fig = new_figure(5.5, 0.35 * len(cells) + 1.2)
    ax = fig.add_subplot()
    shares = [100 * t.passed / t.total if t.total else 0 for t in cells]
    bars = ax.barh(range(len(cells)), shares, color=[MAIN if s >= 50 else WARN for s in shares])
    ax.bar_label(bars, labels=[f"{s:.0f}%" for s in shares], padding=3)
    ax.set_yticks(range(len(cells)), [t.label for t in cells])
    ax.invert_yaxis()
    ax.set_xlim(0, 112)  # room for the label of a full bar
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("% of counted submissions passing")
    ax.set_ylabel("test cell")
    ax.set_title(f"{a.name}: test cells")
    return to_png(fig)


# --- the page --------------------------------------------------------------------
def _figure(png: bytes, alt: str) -> str:
    """The figure inside the page: JupyterLab's HTML viewer cannot load images beside it
    (its server refuses a file request that carries no token), and one file travels well."""
    data = base64.b64encode(png).decode()
    return f'<p><img src="data:image/png;base64,{data}" alt="{_e(alt)}"></p>'


def _section(a: Assignment) -> str:
    parts = [f'<section id="{_e(a.name)}"><h2>{_e(a.name)}</h2>']
    parts.append(
        f"<p>{a.counted} submissions counted"
        + (f" ({a.failed} failed to grade, not counted: see below)" if a.failed else "")
        + f"; median {a.median:g} of {a.max_score:g} autograded points; "
        f"{_pct(a.full_marks, 1)} at full autograded marks.</p>"
    )
    if a.counted:
        alt = (
            f"Histogram of the autograded scores of {a.name}: {a.counted} submissions, median "
            f"{a.median:g} of {a.max_score:g} points, {_pct(a.full_marks, 1)} at full marks."
        )
        parts.append(_figure(_histogram(a), alt))
        cells = sorted((t for t in a.tallies.values() if t.kind == "cell"), key=lambda t: t.label)
        alt = f"Share of the class passing each test cell of {a.name}: " + "; ".join(
            f"{t.label} {_pct(t.passed, t.total)}" for t in cells
        )
        parts.append(_figure(_pass_figure(a), alt))
    parts.append(_misconceptions(a))
    parts.append(_checks(a))
    parts.append(_attention(a))
    if a.pending:
        rows = "".join(
            f"<tr><td><code>{_e(g)}</code></td><td class=n>{n}</td></tr>" for g, n in sorted(a.pending.items())
        )
        parts.append(
            "<h3>Written answers waiting for a grade</h3><p>Grade them in formgrader (Manual Grading).</p>"
            f"<table><tr><th>answer</th><th>waiting</th></tr>{rows}</table>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _misconceptions(a: Assignment) -> str:
    ranked = a.ranked()
    if not ranked:
        return "<h3>Misconceptions</h3><p>No counted submission lost a point.</p>"
    rows = []
    for i, m in enumerate(ranked[:SHOWN], 1):
        code = "".join(f"<br><code>{_e(x)}</code>" for x in m.examples)
        n, where = len(m.students), ", ".join(sorted(m.exercises))
        rows.append(
            f"<tr><td class=n>{i}</td><td class=n>{n}</td><td class=n>{_pct(n, a.counted)}</td>"
            f"<td>{_e(m.text)}{code}</td><td>{_e(where)}</td><td>{KINDS[m.kind]}</td></tr>"
        )
    more = (
        f"<p class=muted>{len(ranked) - SHOWN} more in <a href='misconceptions.csv'>misconceptions.csv</a>.</p>"
        if len(ranked) > SHOWN
        else ""
    )
    return (
        "<h3>Misconceptions, ranked</h3><p class=muted>The mistake each failing check names, counted once per "
        f"student, values shown as …; up to {EXAMPLES} example lines of learner code.</p>"
        "<table><tr><th>#</th><th>students</th><th>class</th><th>misconception</th><th>exercises</th>"
        f"<th>seen by</th></tr>{''.join(rows)}</table>{more}"
    )


def _checks(a: Assignment) -> str:
    rows = []
    for t in sorted(a.tallies.values(), key=lambda t: (t.exercise, t.kind != "cell", t.kind, t.label)):
        rows.append(
            f"<tr><td>{_e(t.exercise)}</td><td>{KINDS[t.kind]}</td><td>{_e(t.label)}</td>"
            f"<td class=n>{_pct(t.passed, t.total)}</td></tr>"
        )
    return (
        "<details><summary>Passing each test cell, public check and hidden case</summary>"
        "<p class=muted>Hidden cases are listed when at least one submission failed them.</p>"
        "<table><tr><th>exercise</th><th>kind</th><th>name</th><th>passed</th></tr>"
        f"{''.join(rows)}</table></details>"
    )


def _attention(a: Assignment) -> str:
    if not a.attention:
        return "<h3>Flagged, failed or late</h3><p>None.</p>"
    rows = "".join(
        f"<tr><td>{_e(x.student)}</td><td>{_e(x.status)}</td><td>{_e(x.why)}</td></tr>"
        for x in a.attention[:ATTENTION_SHOWN]
    )
    more = "<p class=muted>All of them in <a href='attention.csv'>attention.csv</a>.</p>"
    return (
        f"<h3>Flagged, failed or late ({len(a.attention)})</h3><table><tr><th>student</th><th>status</th>"
        f"<th>why</th></tr>{rows}</table>{more}"
    )


def _course(report: Report) -> str:
    rows = []
    for a in report.assignments:
        top = "".join(f"<li>{_e(m.text)} ({len(m.students)})</li>" for m in a.ranked()[:3])
        rows.append(
            f"<tr><td><a href='#{_e(a.name)}'>{_e(a.name)}</a></td><td class=n>{a.counted + a.failed}</td>"
            f"<td class=n>{a.median:g} / {a.max_score:g}</td><td class=n>{_pct(a.full_marks, 1)}</td>"
            f"<td><ol>{top}</ol></td></tr>"
        )
    alt = "Share of the class that submitted, and that got full autograded marks, per assignment: " + "; ".join(
        f"{a.name} {_pct(a.counted + a.failed, report.students)} submitted, "
        f"{_pct(a.full_marks * a.counted, report.students)} full marks"
        for a in report.assignments
    )
    return (
        f"<section id='course'><h2>The course</h2><p>{report.students} students, "
        f"{sum(a.counted + a.failed for a in report.assignments)} submissions.</p>"
        + _figure(_course_figure(report), alt)
        + "<table><tr><th>assignment</th><th>submissions</th><th>median</th><th>full marks</th>"
        f"<th>top misconceptions (students)</th></tr>{''.join(rows)}</table></section>"
    )


def _csv(path: Path, rows: list[list]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue())


def _csvs(report: Report, folder: Path) -> None:
    _csv(
        folder / "assignments.csv",
        [["assignment", "submissions", "counted", "failed", "median", "max_score", "full_marks_percent"]]
        + [
            [a.name, a.counted + a.failed, a.counted, a.failed, f"{a.median:g}", f"{a.max_score:g}"]
            + [f"{100 * a.full_marks:.0f}"]
            for a in report.assignments
        ],
    )
    _csv(
        folder / "misconceptions.csv",
        [["assignment", "rank", "students", "class_percent", "kind", "exercises", "misconception", "examples"]]
        + [
            [a.name, i, len(m.students), f"{100 * len(m.students) / a.counted:.0f}", KINDS[m.kind]]
            + [" ".join(sorted(m.exercises)), m.text, " | ".join(m.examples)]
            for a in report.assignments
            for i, m in enumerate(a.ranked(), 1)
        ],
    )
    _csv(
        folder / "checks.csv",
        [["assignment", "exercise", "kind", "name", "passed", "counted"]]
        + [
            [a.name, t.exercise, KINDS[t.kind], t.label, t.passed, t.total]
            for a in report.assignments
            for t in sorted(a.tallies.values(), key=lambda t: (t.exercise, t.kind, t.label))
        ],
    )
    _csv(
        folder / "attention.csv",
        [["assignment", "student", "status", "why"]]
        + [[a.name, x.student, x.status, x.why] for a in report.assignments for x in a.attention],
    )
    _csv(
        folder / "pending.csv",
        [["assignment", "written_answer", "waiting"]]
        + [[a.name, g, n] for a in report.assignments for g, n in sorted(a.pending.items())],
    )


CSV_FILES = ("assignments.csv", "misconceptions.csv", "checks.csv", "attention.csv", "pending.csv")


def write(report: Report, folder: Path, names: bool) -> Path:
    """Write the report into `folder` (replaced as a whole); the path of its index.html."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    nav = "".join(f"<a href='#{_e(a.name)}'>{_e(a.name)}</a>" for a in report.assignments)
    files = " · ".join(f"<a href='{n}'>{n}</a>" for n in CSV_FILES)
    who = "Students are shown by id." if names else "Students are shown under stable pseudonyms."
    body = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>What the class got wrong</title>",
        f"<style>{CSS}</style></head><body><h1>What the class got wrong</h1>",
        f"<p class=muted>{who} No hidden input or expected value is shown: values in messages are shown as …. "
        f"The same numbers as CSV: {files}.</p>",
        f"<nav><a href='#course'>course</a>{nav}</nav>",
        _course(report),
        *(_section(a) for a in report.assignments),
        "</body></html>",
    ]
    (tmp / "index.html").write_text("\n".join(body))
    _csvs(report, tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder / "index.html"
