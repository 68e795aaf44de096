"""The course website (`make site`): every notebook as learners get it, executed, with no answers.

The browser test serves build/site over HTTP and checks in Chromium that each page typesets
its math, shows its figures and links only to pages and files that exist; screenshots land
in test-artifacts/site/.
"""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import re
import threading
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, require_chromium

from grader.tools import build, hosting, site
from grader.tools.course import NOTEBOOKS, assignments

ASSIGNMENTS = assignments()
ARTIFACTS = ROOT / "test-artifacts" / "site"
MARKERS = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def page_lines(path: Path) -> set[str]:
    """The text of a page as a reader sees it (tags, styles and scripts removed), by line."""
    text = re.sub(r"<(style|script)\b.*?</\1>", "", path.read_text(), flags=re.S)
    return {line.strip() for line in html.unescape(re.sub(r"<[^>]+>", "", text)).splitlines()}


def secret_lines(name: str) -> list[str]:
    """Every line of the solution bodies and hidden tests of `name`'s source notebook."""
    lines = []
    for cell in build.source_notebook(name).cells:
        inside = False
        for line in cell.source.splitlines():
            if MARKERS.search(line):
                inside = "BEGIN" in line
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


def student_lines() -> set[str]:
    return {
        line.strip()
        for name in ASSIGNMENTS
        for cell in nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4).cells
        for line in cell.source.splitlines()
    }


def test_every_notebook_has_a_page_and_the_index_lists_them(course_site):
    assert [p.assignment for p in course_site] == ASSIGNMENTS
    index = (site.SITE / "index.html").read_text()
    for page in course_site:
        assert page.html.is_file() and f'href="{page.html.name}"' in index


def test_no_page_holds_a_line_of_any_solution_or_hidden_test(course_site):
    # A line that the released notebooks already hold (a bare `])`, `try:`) is on every
    # learner's screen anyway; test_build keeps those few. Every other line of a solution
    # or hidden test must be on no page.
    released = student_lines()
    secrets = {line for name in ASSIGNMENTS for line in secret_lines(name)}
    hidden = secrets - released
    assert len(hidden) > 0.9 * len(secrets), "most solution lines must be checked, not excused"
    for page in course_site:
        shown = page_lines(page.html)
        leaked = sorted(hidden & shown)
        assert not leaked, f"{page.html.name} shows solution or hidden-test lines: {leaked[:5]}"
        text = page.html.read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text


def test_the_leak_check_catches_a_solution_line(tmp_path):
    line = next(line for line in secret_lines("02_softmax") if line not in student_lines())
    page = tmp_path / "page.html"
    page.write_text(f'<pre><span class="n">{html.escape(line)}</span></pre>')
    assert line in page_lines(page)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_exercise_cells_are_shown_as_learners_get_them(course_site, name):
    page = next(p for p in course_site if p.assignment == name)
    student = nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4)
    exercises = [c for c in student.cells if "raise NotImplementedError()" in c.source]
    assert page.html.read_text().count("NotImplementedError") >= len(exercises)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_run_all_on_the_untouched_student_notebook_reaches_the_end(course_site, name):
    """A learner who runs every cell before writing anything meets notes, never an error
    that stops the notebook (the site's execution is exactly that run)."""
    page = next(p for p in course_site if p.assignment == name)
    assert not page.error_cells, f"{name}: Run All shows errors in cells {list(page.error_cells)}"
    executed = nbformat.read(str(page.executed), as_version=4)
    assert all(c.execution_count is not None for c in executed.cells if c.cell_type == "code")


WORKED = {  # a printed number and a figure's alt text that each page must show
    "02_softmax": ("[0.659 0.242 0.099]", "a ratio of 7.39"),
    "03_stability": ("1000.170", "LSE(x, 0)"),
    "04_temperature": ("[0.98  0.018 0.002]", "T = 2: 0.629, 0.231, 0.140"),
    "05_cross_entropy": ("loss = 2.170", "p = 0.01 gives 4.61"),
    "06_gradients": ("0.114 -> 0.23", "reship: p - y = -0.886"),
    "07_sequence_loss": ("mean loss          : 1.238", "then rises"),
    "11_llm_scale": ("4.2 GB", "V = 128,000: 4.2 GB against 268.4 MB"),
}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_pages_show_worked_numbers_and_figures_with_alt_text(course_site, name):
    printed, alt = WORKED[name]
    text = next(p for p in course_site if p.assignment == name).html.read_text()
    assert html.escape(printed, quote=False) in text
    images = re.findall(r"<img\b[^>]*>", text)
    alts = [re.search(r'alt="([^"]*)"', i).group(1) for i in images if 'src="data:image/png' in i and "alt=" in i]
    assert any(html.escape(alt, quote=False) in a for a in alts), f"no figure with alt text {alt!r} on {name}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_page_links_to_binder_and_colab(course_site, name):
    text = next(p for p in course_site if p.assignment == name).html.read_text()
    assert f'class="ll-binder" href="{html.escape(hosting.binder_url(name))}"' in text
    assert f'class="ll-colab" href="{html.escape(hosting.colab_url(name))}"' in text
    assert "cdnjs" not in text and "require.min.js" not in text, "pages load nothing from the network"


# --- in a browser ---------------------------------------------------------------------------

MATH_DONE = "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0"


@contextlib.contextmanager
def serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _has_math(name: str) -> bool:
    nb = nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4)
    return any("$" in c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.browser
def test_every_page_renders_its_math_and_figures_and_has_no_broken_link(course_site):
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    names = ["index.html"] + [p.html.name for p in course_site]
    with serve(site.SITE) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # offline, as CI
            problems = []
            for name in names:
                page.goto(f"{url}/{name}")
                stem = name.removesuffix(".html")
                if stem in ASSIGNMENTS and _has_math(stem):
                    page.wait_for_function(MATH_DONE, timeout=60_000)
                    rendered = page.locator(".MathJax, .MathJax_Display").count()
                    errors = page.locator(".MathJax_Error, .merror").count()
                    if rendered == 0 or errors:
                        problems.append(f"{name}: {rendered} formulas typeset, {errors} errors")
                broken = page.evaluate(
                    """() => [...document.images].filter(i => i.src.startsWith('data:'))
                             .filter(i => !(i.complete && i.naturalWidth > 0)).length"""
                )
                figures = page.locator('img[src^="data:image/png"]').count()
                if broken:
                    problems.append(f"{name}: {broken} figures did not load")
                if stem in WORKED and figures == 0:
                    problems.append(f"{name}: no figure")
                for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))"):
                    target = urllib.parse.urljoin(f"{url}/{name}", href)
                    if target.startswith(url) and not (site.SITE / urllib.parse.urlparse(target).path[1:]).is_file():
                        problems.append(f"{name}: broken link {href}")
                page.screenshot(path=str(ARTIFACTS / f"{stem}.png"))
                if figures:
                    page.locator('img[src^="data:image/png"]').first.scroll_into_view_if_needed()
                    page.screenshot(path=str(ARTIFACTS / f"{stem}-figure.png"))
            assert not problems, "\n".join(problems)
        finally:
            browser.close()
