"""A learner's HTML and script do nothing where the instructor or the student opens
them: formgrader's submission view (a real formgrader, in Chromium), the page of
formgrader's own Generate Feedback, and the course's feedback page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser_support import ARTIFACTS, chromium, free_port, require_chromium, server
from nbgrader.api import Gradebook

from grader.tools.course import ROOT, tool_env

pytestmark = [pytest.mark.slow, pytest.mark.browser]

A = "02_softmax"
SCRIPT = "window.__pwned = (window.__pwned || 0) + 1"
MARKDOWN = (
    f'Here is my answer <img src="x" onerror="{SCRIPT}"> <script>{SCRIPT}</script>\n\n'
    f"[click me](javascript:{SCRIPT}) <a href='#' onclick='{SCRIPT}'>or me</a>"
)
WATCH = "window.__alerts = 0; window.alert = () => { window.__alerts += 1; };"
PWNED = "() => (window.__pwned || 0) + (window.__alerts || 0)"


def _run(cmd: list[str], cwd: Path, env: dict) -> None:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{' '.join(cmd[:5])}\n{done.stdout[-1500:]}\n{done.stderr[-2500:]}"


@pytest.fixture(scope="module")
def course_root(course, kit, tmp_path_factory):
    """A course with one graded submission that carries script in every place it can."""
    root = tmp_path_factory.mktemp("sealed-course")
    db = f"sqlite:///{root / 'gradebook.db'}"
    env = tool_env()
    _run([sys.executable, "-m", "grader", "register", A, "--gradebook", db], ROOT, env)
    nb = course.solved(A)
    kit.replace_solution(nb, "softmax", _source(nb) + f'\nprint("<script>{SCRIPT}</script>")\n')
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(MARKDOWN))
    nb.cells.insert(2, nbformat.v4.new_raw_cell(f"<script>{SCRIPT}</script><b onmouseover='{SCRIPT}'>raw</b>"))
    folder = kit.put_submission(root / "submitted", "mallory", A, nb)
    (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    out = root / "graded"
    _run(
        [sys.executable, "-m", "grader", "grade", str(root / "submitted"), "-o", str(out), "--gradebook", db], ROOT, env
    )
    _run([sys.executable, "-m", "grader", "feedback", str(out), "--gradebook", db], ROOT, env)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'logits-to-loss'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = {db!r}\n"
        "c.CourseDirectory.submitted_directory = 'submitted'\n"
        "c.CourseDirectory.autograded_directory = 'graded/autograded'\n"
        "c.CourseDirectory.feedback_directory = 'nbgrader-feedback'\n"
    )
    _run([sys.executable, "-m", "nbgrader", "generate_feedback", A, "--force"], root, env)  # formgrader's button
    return root


def _source(nb) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")


def _inert(page, url: str, shot: str) -> None:
    page.add_init_script(WATCH)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.mouse.move(5, 5)
    for text in ("click me", "or me", "raw"):
        found = page.get_by_text(text, exact=True)
        if found.count():
            found.first.hover()
            found.first.click(no_wait_after=True)
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert page.evaluate(PWNED) == 0, f"learner script ran in {url}"
    assert page.get_by_text("Here is my answer").count(), "the learner's text is still shown"


def test_learner_script_does_nothing_in_formgrader_or_feedback(course_root, tmp_path):
    require_chromium()
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        submission = gb.find_submission_notebook(A, A, "mallory").id
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "jupyter"),
        "server",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={course_root}",
        "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--ServerApp.open_browser=False",
        "--allow-root",
    ]
    with server(cmd, course_root, tmp_path / "state", port, timeout=90) as url, chromium() as browser:
        page = browser.new_page()
        _inert(page, f"{url}/formgrader/submissions/{submission}/?index=0", "sealed-formgrader.png")
        page = browser.new_page()
        _inert(page, (course_root / "nbgrader-feedback" / "mallory" / A / f"{A}.html").as_uri(), "sealed-nbgrader.png")
        page = browser.new_page()
        _inert(
            page, (course_root / "graded" / "feedback" / "mallory" / A / f"{A}.html").as_uri(), "sealed-feedback.png"
        )
