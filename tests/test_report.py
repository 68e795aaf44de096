"""`python -m grader report OUT`: the class report ranks what the class got wrong.

The class is made from the bug zoo: each planted bug is given to a known number of
students, a few other bugs to one student each, and some students are correct. Their
records hold the reasons the judge's checks give for those bugs (grader/tools/zooclass.py
runs the test cells in this process), written where `grade` keeps them; the report is
then built from OUT as an instructor would build it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from types import SimpleNamespace

import browser_support
import pytest

from grader.__main__ import main
from grader.core.records import CellResult
from grader.tools import reasons, report, zooclass
from grader.tools.course import ROOT

# (assignment, function, bug, students): planted with distinct counts
PLANTED = [
    ("02_softmax", "softmax", "sum_without_keepdims", 5),
    ("02_softmax", "softmax", "divides_logits", 3),
    ("03_stability", "logsumexp", "forgets_max", 4),
    ("05_cross_entropy", "cross_entropy", "forgot_minus_sign", 2),
]
NOISE = [  # one student each
    ("02_softmax", "softmax", "whole_array_sum"),
    ("03_stability", "logsumexp", "forces_float64"),
    ("05_cross_entropy", "cross_entropy", "uses_log10"),
]
CORRECT = 3  # per assignment
NAME = "Ada Lovelace-{}"  # student ids hold names: never shown without --names


def _students(prefix: str, n: int) -> list[str]:
    return [NAME.format(f"{prefix}{i}") for i in range(n)]


def _root(results) -> str:
    """The misconception of the first failing check of a bug: what the report must rank."""
    failing = [c for c in results if not c.manual and c.score < c.max_score]
    exercise = report.exercise_of(failing[0].grade_id)
    first = reasons.parse(failing[0].reason, report._titles(exercise, failing[0].grade_id.endswith("_edge")))[0]
    return reasons.mistake(first.message)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "graded"
    roots, who = {}, {}
    for assignment in sorted({p[0] for p in PLANTED}):
        ok = zooclass.judge(assignment)
        for student in _students(f"{assignment}-ok", CORRECT):
            zooclass.record(student, assignment, ok).save(out / ".jobs" / assignment / f"{student}.json")
    for assignment, function, bug, n in PLANTED:
        source = zooclass.bug(assignment, function, bug).read_text()
        for i, student in enumerate(_students(f"{bug}-", n)):
            # Each student's cell differs (lines above the bug move it): still one mistake.
            results = zooclass.judge(assignment, {function: f"# by {student}\n" * i + source})
            zooclass.record(student, assignment, results).save(out / ".jobs" / assignment / f"{student}.json")
        roots[bug] = _root(results)
        who[bug] = set(_students(f"{bug}-", n))
    for assignment, function, bug in NOISE:
        results = zooclass.judge(assignment, {function: zooclass.bug(assignment, function, bug).read_text()})
        (student,) = _students(f"{bug}-", 1)
        zooclass.record(student, assignment, results).save(out / ".jobs" / assignment / f"{student}.json")
        roots[bug] = _root(results)
    (signed,) = _students("signed", 1)  # a learner's own error message names them, and a value
    own = f"def cross_entropy(probs, target):\n    raise ValueError('by {signed}: ' + str(314159 / 100000))\n"
    results = zooclass.judge("05_cross_entropy", {"cross_entropy": own})
    zooclass.record(signed, "05_cross_entropy", results).save(out / ".jobs" / "05_cross_entropy" / f"{signed}.json")
    assert signed in results[0].reason and "3.14159" in results[0].reason
    flagged, failed = NAME.format("flagged"), NAME.format("failed")
    ok = zooclass.judge("02_softmax")
    zooclass.record(
        flagged, "02_softmax", ok, status="flagged", flags=[f"files beside the notebook (not used): {flagged}.py"]
    ).save(out / ".jobs" / "02_softmax" / f"{flagged}.json")
    zooclass.record(
        failed, "02_softmax", ok, status="failed", reason=f"submitted/{failed}/02_softmax/02_softmax.ipynb: not JSON"
    ).save(out / ".jobs" / "02_softmax" / f"{failed}.json")
    built = report.build(out)
    page = report.write_report(out)
    return SimpleNamespace(out=out, page=page, report=built, roots=roots, who=who, flagged=flagged, failed=failed)


def _assignment(zoo, name: str) -> report.Assignment:
    return next(a for a in zoo.report.assignments if a.name == name)


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_planted_misconceptions_rank_first_with_their_exact_counts(zoo):
    assert len({zoo.roots[b] for *_, b, _ in PLANTED} | {zoo.roots[b] for *_, b in NOISE}) == len(PLANTED) + len(
        NOISE
    ), "each bug must name a mistake of its own"
    rows = _csv(zoo.out / "report" / "misconceptions.csv")
    for assignment, _, bug, n in PLANTED:
        mine = [r for r in rows if r["assignment"] == assignment]
        (row,) = [r for r in mine if r["misconception"] == zoo.roots[bug]]
        assert int(row["students"]) == n, (bug, row)
        noise = [r for r in mine if r["misconception"] in {zoo.roots[b] for a, _, b in NOISE if a == assignment}]
        assert noise and all(int(row["rank"]) < int(r["rank"]) for r in noise), (bug, row, noise)
        assert all(int(r["students"]) == 1 for r in noise)
        ranked = _assignment(zoo, assignment).ranked()
        (m,) = [m for m in ranked if m.text == zoo.roots[bug]]
        assert m.students == zoo.who[bug]  # exactly the planted students, none of the correct ones


def test_ranking_follows_the_counts_and_correct_students_lose_nothing(zoo):
    a = _assignment(zoo, "02_softmax")
    counts = [len(m.students) for m in a.ranked()]
    assert counts == sorted(counts, reverse=True)
    correct = set(_students("02_softmax-ok", CORRECT))
    assert not any(m.students & correct for m in a.ranked())
    planted = 5 + 3 + 1  # softmax bugs, the noise student included
    assert a.counted == CORRECT + planted + 1 and a.failed == 1  # the flagged one counts, the failed one not
    assert a.full_marks == pytest.approx((CORRECT + 1) / a.counted)


def test_the_quoted_line_is_an_example_whatever_its_number(zoo):
    (m,) = [m for m in _assignment(zoo, "02_softmax").ranked() if m.text == zoo.roots["sum_without_keepdims"]]
    assert m.examples == ["return exps / exps.sum(axis=axis)"]
    assert "keepdims forgotten" in m.text and "…" in m.text


def test_checks_and_hidden_cases_are_tallied(zoo):
    rows = _csv(zoo.out / "report" / "checks.csv")
    by = {(r["exercise"], r["kind"], r["name"]): r for r in rows if r["assignment"] == "02_softmax"}
    counted = CORRECT + 5 + 3 + 1 + 1
    batch = by[("softmax", "public check", "normalises each row of a batch along axis=-1")]
    assert int(batch["counted"]) == counted
    assert int(batch["passed"]) == counted - 5 - 3 - 1  # keepdims, divides (folded under it) and whole sum fail it
    cell = by[("softmax", "test cell", "test_softmax")]
    assert int(cell["passed"]) == CORRECT + 1
    hidden = [r for k, r in by.items() if k[1] == "hidden case"]
    assert hidden and all(int(r["passed"]) <= counted - 5 for r in hidden)  # keepdims raises on every batch


def test_no_name_hidden_test_or_expected_value_in_the_output(zoo):
    texts = {p: p.read_text() for p in (zoo.out / "report").rglob("*") if p.suffix in (".html", ".csv")}
    assert len(texts) == 6
    hidden = _hidden_test_lines()
    assert len(hidden) > 20
    public = sorted(_public_titles(), key=len, reverse=True)  # worked examples name their numbers
    for path, text in texts.items():
        assert "Lovelace" not in text and "Ada" not in text, path
        assert not [line for line in hidden if line in text], path
        for title in public:
            text = text.replace(title, "")
        assert not re.search(r"\d\.\d{3}", text), f"{path}: a value with 3 decimals"
        assert "[100, 99, 98]" not in text  # a hidden case label that names its input
    attention = _csv(zoo.out / "report" / "attention.csv")
    assert {r["status"] for r in attention} == {"flagged", "failed"}
    assert all(r["student"].startswith("student-") for r in attention)
    assert report.build(zoo.out).assignments[0].attention[0].student in {r["student"] for r in attention}  # stable


def _public_titles() -> set[str]:
    import logitlab.checks
    from logitlab.checks._core import cases

    return {c.title for e in logitlab.checks.exercises() for c in cases(e)}


def _hidden_test_lines() -> set[str]:
    """Every line of every hidden test of the course (long enough to mean something)."""
    found = set()
    for source in (ROOT / "solutions").glob("*/*.py"):
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source.read_text(), re.S):
            found |= {line.strip() for line in block.splitlines() if len(line.strip()) >= 12}
    return found


def test_names_shows_student_ids(zoo, tmp_path):
    report.write_report(zoo.out, names=True)
    try:
        attention = _csv(zoo.out / "report" / "attention.csv")
        assert {r["student"] for r in attention} == {zoo.flagged, zoo.failed}
        assert zoo.flagged in attention[0]["why"] + attention[1]["why"]
    finally:
        report.write_report(zoo.out)


def test_code_lines_lose_comments_strings_and_ids():
    line = "p = np.exp(z) / s  # Ada's try, 'v2'"
    assert report.anonymised_code(line, "ada") == "p = np.exp(z) / s"
    assert report.anonymised_code('name = "ada lovelace"; x = ada_v', "Ada") == 'name = "…"; x = …_v'


def test_reasons_parse_the_judges_forms():
    titles = ("keeps float32 input float32", "leaves its input unchanged")
    got = reasons.parse(
        "softmax: 2 of 7 checks fail.; keeps float32 input float32: came back as float64; "
        "(1 more check also fails, probably for the same reason (fix this first, then check again): "
        "leaves its input unchanged)",
        titles,
    )
    assert [(f.kind, f.label, f.folded) for f in got] == [
        (reasons.CHECKS, "keeps float32 input float32", ("leaves its input unchanged",))
    ]
    # A line that ends a sentence is followed by a space (records written before that had "; ").
    two = reasons.parse(
        "softmax: 2 of 7 checks fail. keeps float32 input float32: came back as float64. "
        "leaves its input unchanged: z was modified",
        titles,
    )
    assert [(f.label, f.message) for f in two] == [
        ("keeps float32 input float32", "came back as float64."),
        ("leaves its input unchanged", "z was modified"),
    ]
    hidden = reasons.parse("2 hidden case(s) failed: random batch (4, 5): wrong values; float32 [1, 2]: raised X")
    assert [(f.label, f.message) for f in hidden] == [
        ("random batch (4, 5)", "wrong values"),
        ("float32 [1, 2]", "raised X"),
    ]
    assert reasons.parse("softmax is not defined: its cell raised NameError")[0].kind == reasons.OTHER
    # The line as the judge quotes it, in either form, is an example and not part of the mistake.
    a = "rows sum to 1.37: sum along axis=-1 (softmax raised ValueError: shapes (2,3) (2,), at line 4: `s = z.sum()`)"
    b = "rows sum to 0.32, 0.68: sum along axis=-1 (softmax raised ValueError: shapes (3,2) (3,) (line 9: t = f(z))"
    assert reasons.mistake(a) == reasons.mistake(b) == "rows sum to …: sum along axis=-1"
    assert reasons.locate(a) == reasons.Located(4, "s = z.sum()")
    assert reasons.locate(b) == reasons.Located(9, "t = f(z)")
    assert reasons.locate("wrong (line 3)") == reasons.Located(3, None)


def test_a_line_without_code_is_read_from_the_graded_notebook(tmp_path):
    import nbformat

    cell = nbformat.v4.new_code_cell("def softmax(z):\n    return z / z.sum()  # Ada\n")
    cell.metadata["nbgrader"] = {"grade_id": "softmax", "solution": True}
    graded = tmp_path / "autograded" / "ada" / "02_softmax" / "02_softmax.ipynb"
    graded.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), str(graded))
    results = [CellResult("test_softmax", 0.0, 2.0, reason="softmax: broke (line 2)")]
    zooclass.record("ada", "02_softmax", results).save(tmp_path / ".jobs" / "02_softmax" / "ada.json")
    (m,) = report.build(tmp_path).assignments[0].ranked()
    assert m.text == "softmax: broke" and m.examples == ["return z / z.sum()"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such folder"),
        (lambda p: p, "holds no grading results"),
        (lambda p: (p / "file").write_text("x") and p / "file", "not a folder"),
    ],
    ids=["missing", "no-records", "a-file"],
)
def test_bad_output_folder_gets_one_clear_line(tmp_path, capsys, make, message):
    assert main(["report", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("python -m grader report: error: ") and message in err and "\n" not in err


def test_grade_report_writes_the_report_after_grading(zoo, tmp_path, monkeypatch, capsys):
    from grader.core import forks
    from grader.tools import grade

    monkeypatch.setattr(forks, "start_server", lambda *preload: None)
    monkeypatch.setattr(grade, "main", lambda opts: 0)  # the grading itself is tested elsewhere
    (zoo.out / "report" / "index.html").unlink()
    assert main(["grade", str(tmp_path), "--output", str(zoo.out), "--no-gradebook", "--report"]) == 0
    assert (zoo.out / "report" / "index.html").is_file()
    assert "class report:" in capsys.readouterr().out
    assert main(["grade", str(tmp_path), "--output", str(tmp_path / "none"), "--no-gradebook", "--report"]) == 2


def test_the_page_renders_in_a_browser(zoo):
    browser_support.require_chromium()
    with browser_support.chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(zoo.page.as_uri())
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth, e.complete, e.alt])"
        )
        assert len(images) == 1 + 2 * 3  # the course, and scores and cells per assignment
        for src, width, complete, alt in images:
            assert complete and width > 0, f"{src} did not load"
            assert len(alt) > 40, f"{src} has no alt text worth reading"
        links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        assert links
        for href in links:
            if href.startswith("#"):
                assert href[1:] in ids, f"broken link {href}"
            else:
                assert (zoo.page.parent / href).is_file(), f"broken link {href}"
        assert "keepdims forgotten" in page.inner_text("[id='02_softmax']")
        browser_support.screenshot(page, "report.png")


def test_the_page_opens_in_the_instructors_jupyterlab(zoo, tmp_path):
    """On a hub the instructor opens OUT/report/index.html from JupyterLab's file browser:
    its HTML viewer shows the page with its figures, and the links to sections work."""
    browser_support.require_chromium()
    with browser_support.jupyter_lab(zoo.out, tmp_path / "state") as url, browser_support.chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/lab/workspaces/report/tree/report/index.html", timeout=60_000)
        viewer = page.frame_locator(".jp-HTMLViewer iframe")
        viewer.locator("h1").wait_for(timeout=60_000)
        (frame,) = [f for f in page.frames if f.url.startswith("blob:")]
        frame.wait_for_function(
            "() => document.images.length == 7 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
            timeout=20_000,
        )
        viewer.locator("nav a", has_text="03_stability").click()
        viewer.locator("[id='03_stability'] h2").wait_for(timeout=20_000)
        for _ in range(100):  # the viewer's frame went to the section
            if any(f.url.endswith("#03_stability") for f in page.frames):
                break
            page.wait_for_timeout(200)
        else:
            pytest.fail(f"the link did not lead to the section: {[f.url for f in page.frames]}")
        browser_support.screenshot(page, "report-jupyterlab.png")


def test_late_submissions_are_listed_with_how_late(tmp_path, monkeypatch):
    from datetime import datetime

    import nbgrader.api
    from nbgrader.api import Gradebook

    from grader.tools.coursebook import course_config

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: "0")  # its `alembic` command is slow
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db_url, course_config().CourseDirectory.get("course_id")) as gb:
        gb.add_assignment("02_softmax", duedate=datetime(2026, 1, 10, 12, 0))
    ok = zooclass.judge("02_softmax")
    out = tmp_path / "graded"
    for student, stamp in [("ontime", "2026-01-10 11:59:00.000000 UTC"), ("late", "2026-01-11 15:00:00.000000 UTC")]:
        zooclass.record(student, "02_softmax", ok, timestamp=stamp).save(
            out / ".jobs" / "02_softmax" / f"{student}.json"
        )
    zooclass.record("nostamp", "02_softmax", ok).save(out / ".jobs" / "02_softmax" / "nostamp.json")
    assert main(["report", str(out), "--names", "--gradebook", db_url]) == 0
    rows = _csv(out / "report" / "attention.csv")
    assert [(r["student"], r["status"], r["why"]) for r in rows] == [
        ("late", "late", "submitted 27 h after the due date")
    ]
    assert main(["report", str(out), "--gradebook", f"sqlite:///{tmp_path / 'none.db'}"]) == 0
    assert _csv(out / "report" / "attention.csv") == [] and not (tmp_path / "none.db").exists()


def test_make_report_reads_what_make_grade_writes():
    import subprocess

    def dry_run(target: str) -> str:
        proc = subprocess.run(
            ["make", "-n", "--no-print-directory", target, "OUT=somewhere/graded"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip().splitlines()[-1]

    out = str(ROOT / "somewhere" / "graded")
    assert dry_run("report").endswith(f"-m grader report {out}")
    assert f"--output {out}" in dry_run("grade")
