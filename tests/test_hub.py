"""The instructor's whole loop on a real JupyterHub (`make hub`), in a real browser.

A hub on loopback with real Unix accounts (one instructor, two students), the course's
nbgrader configuration and exchange, driven with Playwright and Debian's Chromium:

 1. the instructor releases 02_softmax from formgrader, inside JupyterLab (the frame
    that JupyterHub >= 4.1 would refuse);
 2. a student fetches it from the Assignments tab, writes a correct softmax and a
    written answer in the notebook, saves and submits; students have no formgrader;
 3. a second student submits a wrong softmax;
 4. the instructor collects from formgrader and types the README's grading one-liner
    (grade, publish, release-feedback) into a terminal of their JupyterLab: the second
    student's feedback is released, the first's waits for its written answer; the
    instructor sees both scores in formgrader and enters a manual grade and a comment;
 5. `release-feedback --partial` releases it anyway, and the student reads "incomplete";
    after Manual Grading `python -m grader release-feedback` releases the updated page;
 6. the first student fetches it from the Assignments tab and opens it: it shows the
    score with the manual grade and the comment, and no hidden test.

Then a student tries to read what is not theirs (the checkout's solutions and hidden
tests, the hub's database and password, another student's home, the instructor's
course, the exchange's inbound folder) and fails at each, and a student added to the
course gradebook from the instructor's terminal logs in.

The three accounts' servers are started together when the hub is up (as an admin's
"Start All" would), so the test waits for one spawn, not three in a row. Screenshots
of each step are kept in test-artifacts/hub/. Needs root (Unix accounts)
and `make hub-deps` (configurable-http-proxy, the single-user environment): skipped
without them, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import csv
import os
import pwd
import re
import secrets
import socket
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from browser_support import ROOT, chromium, require_chromium
from nbgrader.api import Gradebook
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support import skip_unless_ci

pytestmark = [pytest.mark.slow, pytest.mark.browser]

A = "02_softmax"
ARTIFACTS = ROOT / "test-artifacts" / "hub"
RIGHT = (
    "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    z = np.asarray(z)\n"
    "    e = np.exp(z - z.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)\n"
)
WRONG = "import numpy as np\n\n\ndef softmax(z, axis=-1):\n    z = np.asarray(z)\n    return z / z.sum()\n"
WRITTEN = "Exponentials are always positive, so normalising them gives a valid distribution."
COMMENT = "Right: positivity is the point. Mention shift invariance too."

# JupyterLab's own state, exposed to the page by the hub's test setting (see the hub config).
CELL_INDEX = """(gid) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.findIndex(c => ((c.model.getMetadata('nbgrader') || {}).grade_id) === gid);
}"""
NOTEBOOK_OPEN = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!w && !!w.content && !!w.content.widgets && w.content.widgets.length > 10; }"""
SAVED = "() => { const w = window.jupyterapp.shell.currentWidget; return !w.context.model.dirty; }"


def _ports_free(base: int) -> bool:
    for port in range(base, base + 3):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _wait_up(url: str, proc, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/hub/api", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterHub did not start:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def hub():
    require_chromium()
    if os.geteuid() != 0:
        skip_unless_ci("the hub test creates Unix accounts: it needs root", module=False)
    from grader.tools import hub as hubs

    for needed in (hubs.SINGLEUSER / "jupyterhub-singleuser", hubs.PROXY):
        if not needed.exists():
            skip_unless_ci(f"{needed} is missing: run `make hub-deps`")
    base = next(p for p in range(18600, 19600, 7) if _ports_free(p))
    h = hubs.Hub(hubs.PUBLIC / "hub-test", base, test_token=secrets.token_hex(16))
    hubs.prepare(h, [A], fresh=True, say=lambda line: print(f"{time.monotonic() - STARTED:5.0f} s  {line}"))
    print(f"{time.monotonic() - STARTED:5.0f} s  accounts and the instructor's course ready")
    log = h.private / "hub.log"
    proc = hubs.start(h, log)
    try:
        _wait_up(h.url(), proc, log)
        for user in (h.instructor, *h.students[:2]):  # spawned side by side, not one by one
            request = urllib.request.Request(
                f"{h.url()}/hub/api/users/{user}/server",
                method="POST",
                headers={"Authorization": f"token {h.test_token}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status in (201, 202), response.status
        yield h
    finally:
        hubs.stop(proc, h)


class Browser:
    """One Chromium; each user in a browser context of their own (their own cookies)."""

    def __init__(self, browser, hub):
        self.browser, self.hub = browser, hub

    def login(self, user: str):
        page = self.browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(f"{self.hub.url()}/hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", self.hub.password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(f"{self.hub.url(user)}/lab**", timeout=120_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for(timeout=90_000)
        return page


def menu(page, item: str) -> list[str]:
    """Open the Nbgrader menu; click `item` (or, with "", just list what it offers)."""
    entries = page.locator(".lm-Menu .lm-Menu-itemLabel")
    for _ in range(3):  # a click on the menu bar while a menu is still closing does nothing
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        try:
            entries.first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    labels = [t for t in entries.all_inner_texts() if t.strip()]
    if item:
        entries.filter(has_text=item).first.click()
    else:
        page.keyboard.press("Escape")
    page.locator(".lm-Menu").first.wait_for(state="detached", timeout=10_000)
    return labels


STARTED = time.monotonic()


def shot(page, name: str) -> None:
    """A screenshot kept as a test artifact (and when it was taken, in the test's output)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    print(f"{time.monotonic() - STARTED:5.0f} s  {name}")


def formgrader(page):
    menu(page, "Formgrader")
    frame = page.frame_locator("iframe").first
    frame.locator("text=Manage Assignments").first.wait_for(timeout=60_000)
    return frame


def formgrader_action(frame, column: str, done: str) -> None:
    """Click the `column` button of the 02_softmax row and wait for its success dialog."""
    frame.locator("tr", has=frame.locator("td.name", has_text=A)).locator(f"td.{column} a").click()
    frame.locator(".modal-body", has_text=done).wait_for(timeout=120_000)


def close_dialog(frame) -> None:
    frame.locator(".modal-footer button", has_text="OK").click()
    frame.locator(".modal-body").wait_for(state="detached", timeout=10_000)


def edit_cell(page, grade_id: str, text: str, markdown: bool = False) -> None:
    """Replace a cell's text as a learner does: select all in its editor, type (paste) over."""
    index = page.evaluate(CELL_INDEX, grade_id)
    assert index >= 0, f"no cell {grade_id} in the fetched notebook"
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    if markdown:
        cell.dblclick()  # a rendered markdown cell opens its editor on double click
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
    if markdown:
        page.keyboard.press("Shift+Enter")


def student_submits(browser: Browser, user: str, solution: str, written: str | None, name: str):
    page = browser.login(user)
    assert menu(page, "") == ["Assignment List"], "students get neither formgrader nor create-assignment"
    menu(page, "Assignment List")
    page.locator("#released_assignments_list").get_by_role("button", name="Fetch").click()
    page.locator("#fetched_assignments_list .list_item", has_text=A).first.wait_for(timeout=60_000)
    page.goto(f"{browser.hub.url(user)}/lab/tree/{A}/{A}.ipynb")
    page.wait_for_function(NOTEBOOK_OPEN, timeout=90_000)
    edit_cell(page, "softmax", solution)
    if written:
        edit_cell(page, "explain_softmax", written, markdown=True)
    page.keyboard.press("Control+S")
    page.wait_for_function(SAVED, timeout=30_000)
    shot(page, f"{name}-answers.png")
    menu(page, "Assignment List")
    page.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=A).first.wait_for(timeout=60_000)
    shot(page, f"{name}-submitted.png")
    return page


def instructor_runs(hub, *args: str) -> str:
    """`python -m grader ARGS` in the instructor's course, as the instructor's account."""
    from grader.tools import hub as hubs

    user = pwd.getpwnam(hub.instructor)
    run = hubs.as_user(
        user,
        [str(hubs.SINGLEUSER / "python"), "-m", "grader", *args],
        hub,
        Path(user.pw_dir) / hubs.COURSE_DIR,
        timeout=600,
    )
    assert run.returncode == 0, f"python -m grader {args[0]}:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    return run.stdout


def readme_oneliner() -> str:
    """The grading one-liner that README's "Run it on a JupyterHub" tells the instructor to type."""
    text = " ".join((ROOT / "README.md").read_text().split())
    found = re.search(r"`(cd ~/logits-to-loss && python -m grader grade [^`]*)`", text)
    assert found, "README no longer gives the hub's grading one-liner"
    return found.group(1)


def type_in_terminal(browser: Browser, page, line: str, done: Path, timeout: float = 240) -> str:
    """Open a terminal in the user's JupyterLab, type `line` (its output also into a log
    beside `done`), and wait until `done` holds its exit status; (status, output)."""
    done.unlink(missing_ok=True)
    log = done.with_suffix(".log")
    tab = page.context.new_page()
    tab.goto(page.url.split("/lab")[0] + "/lab")
    ready = "() => !!window.jupyterapp && window.jupyterapp.commands.hasCommand('terminal:create-new')"
    tab.wait_for_function(ready, timeout=90_000)
    tab.evaluate("() => window.jupyterapp.commands.execute('terminal:create-new')")
    tab.locator(".jp-Terminal .xterm").first.wait_for(timeout=60_000)
    tab.locator(".jp-Terminal .xterm").first.click()
    tab.keyboard.type(f"({line}) 2>&1 | tee {log}; echo ${{PIPESTATUS[0]}} > {done}\n")
    deadline = time.monotonic() + timeout
    while not done.exists() or not done.read_text().strip():
        assert time.monotonic() < deadline, f"the command did not finish: {log.read_text() if log.exists() else ''}"
        time.sleep(1)
    shot(tab, "4-instructor-terminal.png")
    tab.close()
    return done.read_text().strip(), log.read_text()


def fetch_feedback(page, hub, user: str, expected: str, name: str) -> str:
    """Fetch Feedback in the student's Assignments tab, until the fetched page says
    `expected`, and open it in a fresh viewer; its text."""
    page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
    menu(page, "Assignment List")
    item = page.locator("#submitted_assignments_list .list_item", has_text=A).first
    item.get_by_role("button", name="Fetch Feedback").click()
    fetched = Path(pwd.getpwnam(user).pw_dir) / A / "feedback"
    deadline = time.monotonic() + 60
    while not any(expected in p.read_text() for p in fetched.glob(f"*/{A}.html")):
        assert time.monotonic() < deadline, f"{user} did not get a page saying {expected!r}"
        time.sleep(0.5)
    link = page.locator("#submitted_assignments_list a", has_text="view feedback").first
    link.wait_for(timeout=60_000)
    link.click()  # the file browser goes to the fetched feedback
    page.locator(".jp-DirListing-item", has_text=f"{A}.html").dblclick()
    viewer = page.frame_locator(".jp-HTMLViewer iframe").first
    viewer.locator("section.logitlab-feedback").wait_for(timeout=30_000)
    shot(page, name)
    return viewer.locator("body").inner_text()


@pytest.mark.timeout(420)
def test_the_instructors_whole_loop_in_a_browser(hub):
    from grader.tools.hub import COURSE_DIR

    alice, bob = hub.students[:2]
    course = Path(pwd.getpwnam(hub.instructor).pw_dir) / COURSE_DIR
    submitted, graded = course / "classroom" / "submitted", course / "classroom" / "graded"
    with chromium() as chrome:
        browser = Browser(chrome, hub)
        # 1. Release, from formgrader inside the instructor's JupyterLab.
        teacher = browser.login(hub.instructor)
        assert {"Formgrader", "Create assignment"} <= set(menu(teacher, ""))
        frame = formgrader(teacher)
        formgrader_action(frame, "release", f"Successfully released '{A}'")
        shot(teacher, "1-instructor-released.png")
        close_dialog(frame)
        assert (hub.exchange / "logits-to-loss" / "outbound" / A / f"{A}.ipynb").is_file()

        # 2-3. Two students fetch, answer and submit; students have no formgrader at all.
        first = student_submits(browser, alice, RIGHT, WRITTEN, "2-alice")
        status = first.evaluate("async (url) => (await fetch(url)).status", f"{hub.url(alice)}/formgrader")
        assert status == 404, "a student's server serves formgrader"
        student_submits(browser, bob, WRONG, None, "3-bob").context.close()

        # 4. Collect from formgrader, grade with the README's one-liner, read the scores in formgrader.
        formgrader_action(frame, "collect", f"Successfully collected submissions of '{A}'")
        close_dialog(frame)
        for student in (alice, bob):
            assert {"timestamp.txt", "submission_secret.txt", f"{A}.ipynb"} <= {
                p.name for p in (submitted / student / A).iterdir()
            }
        home = Path(pwd.getpwnam(hub.instructor).pw_dir)
        status, printed = type_in_terminal(browser, teacher, readme_oneliner(), home / "oneliner.status")
        assert status == "0", printed[-3000:]
        assert "released 1 to the students" in printed, printed[-3000:]
        assert "held back, written answers not graded yet" in printed and f"{alice}/{A} (explain_softmax)" in printed
        with open(graded / "summary.csv", newline="") as f:
            summary = {r["student_id"]: r for r in csv.DictReader(f)}
        # "graded", not "flagged": the unprivileged instructor's grading ran sandboxed (a user namespace)
        assert summary[alice]["status"] == summary[bob]["status"] == "graded", summary
        assert (summary[alice]["pending"], summary[bob]["pending"]) == ("explain_softmax", ""), (
            "bob left his written answer as released: 0 without a hand"
        )
        # Released anyway (--partial), alice's page says it is incomplete.
        partial = instructor_runs(hub, "release-feedback", str(graded), "--partial")
        assert "released 2 to the students" in partial
        text = fetch_feedback(first, hub, alice, "Incomplete", "4-alice-partial-feedback.png")
        assert f"{A}: 4 / 6" in text and "not graded yet" in text, text[:500]
        frame.get_by_role("link", name="Manual Grading").click()
        frame.locator(f"a[href$='/formgrader/gradebook/{A}']").first.click()
        frame.locator(f"a[href$='/formgrader/gradebook/{A}/{A}']").first.click()
        rows = {who: frame.locator("tr", has=frame.locator("a.name-shown", has_text=who)) for who in (alice, bob)}
        for row in rows.values():
            row.wait_for(timeout=30_000)
        frame.get_by_role("button", name="Show All Names").click()
        assert "4 / 6" in rows[alice].inner_text() and "0 / 2" in rows[alice].inner_text()
        bob_score = float(rows[bob].locator("td").nth(2).inner_text().split("/")[0])
        assert bob_score == float(summary[bob]["score"]) < 4
        shot(teacher, "4-formgrader-scores.png")

        # The written answer, graded by hand.
        rows[alice].locator("a.name-shown").click()
        score = frame.locator("input.score#explain_softmax")
        comment = frame.locator("textarea#explain_softmax-comment")
        score.wait_for(timeout=30_000)
        deadline = time.monotonic() + 45
        while True:  # the page saves an input on "change", once its scripts have loaded
            score.fill("2")
            score.dispatch_event("change")
            comment.fill(COMMENT)
            comment.dispatch_event("change")
            time.sleep(2)
            with Gradebook(f"sqlite:///{course / 'classroom' / 'gradebook.db'}") as gb:
                saved = (
                    gb.find_grade("explain_softmax", A, A, alice).manual_score == 2
                    and gb.find_comment("explain_softmax", A, A, alice).manual_comment == COMMENT
                )
            if saved or time.monotonic() > deadline:
                break
        assert saved, "formgrader did not save the manual grade"
        shot(teacher, "5-formgrader-manual-grade.png")

        # 5. Release the feedback again, now that the written answer is graded.
        released = instructor_runs(hub, "release-feedback", str(graded), "--submissions", str(submitted))
        assert "released 2 to the students" in released
        with open(graded / "summary.csv", newline="") as f:
            assert {r["student_id"]: r["pending"] for r in csv.DictReader(f)} == {alice: "", bob: ""}

        # 6. The first student fetches the updated page in the Assignments tab and reads it.
        text = fetch_feedback(first, hub, alice, f"{A}: 6 / 6", "6-alice-feedback.png")
        assert f"{A}: 6 / 6" in text and "Score: 6.0 / 6.0" in text, text[:500]
        assert COMMENT in text and WRITTEN in text
        assert "HIDDEN TESTS" not in text and "battery(" not in text, "hidden tests in the feedback"


def test_a_student_reads_nothing_that_is_not_theirs(hub):
    from grader.tools import hub as hubs

    alice, bob = (pwd.getpwnam(name) for name in hub.students[:2])
    inbound = hub.exchange / "logits-to-loss" / "inbound"
    assert inbound.is_dir(), "the loop above submitted through the exchange"
    for secret in (
        ROOT / "solutions" / A / f"{A}.py",  # the answers and hidden tests
        ROOT / "build",
        hub.private / "jupyterhub.sqlite",
        hub.private / "password",
        Path(bob.pw_dir),
        hub.course,
        inbound,
    ):
        run = hubs.as_user(alice, ["cat" if secret.is_file() else "ls", str(secret)], hub)
        assert run.returncode != 0 and "Permission denied" in run.stderr, f"{alice.pw_name} read {secret}"
    # Nothing of the checkout in a student's server: its environment and command line.
    servers = [
        p for p in psutil.process_iter(["username", "cmdline", "environ"]) if p.info["username"] == alice.pw_name
    ]
    assert servers, "the student's server is running"
    for p in servers:
        seen = " ".join(p.info["cmdline"] or []) + " " + " ".join((p.info["environ"] or {}).values())
        assert str(ROOT) not in seen, f"{p.info['cmdline']} shows the checkout {ROOT}"


def test_a_student_added_to_the_gradebook_logs_in(hub):
    newcomer = "ltl-dora"
    added = instructor_runs(hub, "students", "add", newcomer, "--first-name", "Dora", "--email", "dora@example.org")
    assert f"added 1 students: {newcomer}" in added
    with chromium() as chrome:
        page = Browser(chrome, hub).login(newcomer)
        assert menu(page, "") == ["Assignment List"], "a student's lab"
    assert pwd.getpwnam(newcomer).pw_gecos.startswith("Logits to Loss hub account")
