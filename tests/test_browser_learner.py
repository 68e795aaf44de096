"""A learner's JupyterLab, end to end in a real browser (the lab of `make lab`, with
lab/jupyter on JUPYTER_CONFIG_PATH, serving untouched student notebooks):

- Run All on an untouched notebook reaches its last cell;
- opening a notebook does not mark it modified;
- nbgrader's Assignments list and Validate are there, Create Assignment and formgrader not;
- a check of a function that never returns comes back with its message, and the kernel
  stays usable;
- the hints cell reveals one tier at a time.
Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.error
import urllib.request

import nbformat
import pytest
from browser_support import (
    NO_AUTH,
    ROOT,
    chromium,
    free_port,
    jupyter_lab,
    open_notebook,
    press_keys,
    require_chromium,
    run_all_cells,
    screenshot,
    server,
    wait_kernel_idle,
)
from logitlab.course import COURSE
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
# A softmax that loops forever once the cat logit passes 2.45: fine when the playground
# first draws it, stuck when a learner drags the slider (a callback JupyterLab runs in a
# kernel subshell, a thread that signals never reach).
STUCK_WIDGET = [
    "import numpy as np\nfrom logitlab.widgets.playground import logit_playground",
    "def softmax(z, axis=-1):\n    z = np.asarray(z, dtype=float)\n    while z[0] > 2.45:\n        pass\n"
    "    e = np.exp(z)\n    return e / e.sum(axis=axis, keepdims=True)",
    "logit_playground(softmax, logits=[2.0, 1.0, 0.1], labels=['cat', 'dog', 'bird'])",
]
SERVED = ("00_welcome", "02_softmax", "05_cross_entropy", "07_sequence_loss")
_CURRENT = "window.jupyterapp.shell.currentWidget"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One learner's JupyterLab (lab/jupyter config) and one Chromium for this module."""
    require_chromium()
    root = tmp_path_factory.mktemp("learner")
    for name in SERVED:
        shutil.copy(ROOT / "notebooks" / name / f"{name}.ipynb", root)
    stuck = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in STUCK_WIDGET])
    stuck.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(stuck, str(root / "stuck_widget.ipynb"))
    saved = os.environ.get("JUPYTER_CONFIG_PATH")
    os.environ["JUPYTER_CONFIG_PATH"] = str(ROOT / "lab" / "jupyter")  # what `make lab` sets
    try:
        with jupyter_lab(root, tmp_path_factory.mktemp("state")) as url, chromium() as browser:
            yield url, browser, root
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_CONFIG_PATH", None)
        else:
            os.environ["JUPYTER_CONFIG_PATH"] = saved


@pytest.fixture
def page(lab, request):
    context = lab[1].new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    failed_before = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed_before:
        screenshot(pg, f"{request.node.name}-failure.png")
    context.close()


def cell_index(page, needle: str) -> int:
    """Index of the first cell whose source contains `needle`."""
    return page.evaluate(f"(n) => {CURRENT_CELLS}.findIndex(c => c.model.sharedModel.getSource().includes(n))", needle)


CURRENT_CELLS = f"{_CURRENT}.content.widgets"


def set_source(page, index: int, source: str) -> None:
    page.evaluate(f"([i, s]) => {CURRENT_CELLS}[i].model.sharedModel.setSource(s)", [index, source])


def run_cell(page, index: int) -> None:
    """Select cell `index` and run it with Shift+Enter, as a learner does."""
    page.evaluate(f"(i) => {{ {_CURRENT}.content.activeCellIndex = i; {_CURRENT}.content.mode = 'command'; }}", index)
    page.locator(".jp-Notebook").first.focus()
    page.keyboard.press("Shift+Enter")


# The text of a cell's outputs, from the model (cells out of view are not rendered).
OUTPUTS = """(c) => c.model.outputs.toJSON().map(o => [o.text, (o.data || {})['text/plain'],
                                                   o.ename, (o.traceback || []).join('\\n')].join(' ')).join('\\n')"""


def output_text(page, index: int) -> str:
    return page.evaluate(f"(i) => ({OUTPUTS})({CURRENT_CELLS}[i])", index)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", ["02_softmax", "05_cross_entropy", "07_sequence_loss"])
def test_run_all_on_an_untouched_notebook_reaches_its_last_cell(page, lab, name):
    open_notebook(page, lab[0], f"{name}.ipynb")
    run_all_cells(page, timeout_ms=180_000)  # waits for every code cell to have run
    last = page.evaluate(f"() => {CURRENT_CELLS}.filter(c => c.model.type === 'code').pop().model.executionCount")
    assert last is not None
    kinds = page.evaluate(
        f"() => {CURRENT_CELLS}.flatMap(c => c.model.type === 'code' ? "
        "c.model.outputs.toJSON().map(o => o.output_type + ':' + (o.name || '')) : [])"
    )
    assert "error:" not in kinds and "stream:stderr" not in kinds
    tests = page.evaluate(f"""() => {CURRENT_CELLS}.filter(c => c.model.sharedModel.getSource()
                              .startsWith('# Graded')).map({OUTPUTS})""")
    assert tests and all("FAIL: this graded cell scores 0" in t for t in tests)
    assert all("Traceback" not in t and "AssertionError" not in t for t in tests)
    screenshot(page, f"learner-{name}-run-all.png")


@pytest.mark.timeout(120)
def test_opening_a_notebook_does_not_mark_it_modified(page, lab):
    open_notebook(page, lab[0], "05_cross_entropy.ipynb")
    page.wait_for_timeout(1500)  # kernel info has arrived: JupyterLab would have written language_info
    assert page.evaluate(f"() => {_CURRENT}.context.model.dirty") is False
    tab = page.locator(".lm-TabBar-tab[data-type='document-title'].lm-mod-current")
    assert "jp-mod-dirty" not in (tab.get_attribute("class") or "")


@pytest.mark.timeout(120)
def test_the_learner_sees_assignments_and_validate_but_no_instructor_tools(page, lab):
    open_notebook(page, lab[0], "02_softmax.ipynb")
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    items = page.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    assert items == ["Assignment List"]
    assert page.locator("#nbgrader-create_assignemnt").count() == 0  # (sic: nbgrader's own id)
    assert page.get_by_title(re.compile("Create Assignment")).count() == 0
    expect(page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate")).to_be_visible()
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"{lab[0]}/formgrader", timeout=10)
    screenshot(page, "learner-lab-nbgrader-menu.png")


@pytest.mark.timeout(180)
def test_a_stuck_check_comes_back_with_its_message_and_the_kernel_goes_on(page, lab):
    open_notebook(page, lab[0], "02_softmax.ipynb")
    run_all_cells(page, timeout_ms=120_000)
    solution = cell_index(page, "def softmax(z, axis=-1):")
    set_source(
        page,
        solution,
        "def softmax(z, axis=-1):\n    total = 0\n    i = 0\n"
        "    while i < len(z):\n        total += np.exp(z[i])\n    return total\n",
    )
    run_cell(page, solution)
    check = cell_index(page, 'check("softmax", softmax)')
    run_cell(page, check)
    expect(page.locator(".jp-Notebook .jp-Cell").nth(check).locator(".jp-OutputArea")).to_contain_text(
        "softmax did not return within 5 s on a 3-element input: look for a loop that never ends", timeout=30_000
    )
    wait_kernel_idle(page, 30_000)
    quiz = cell_index(page, 'quiz("02_softmax")')
    run_cell(page, quiz)  # the kernel still answers
    expect(page.locator(".jp-Notebook .jp-Cell").nth(quiz)).to_contain_text("Score: 0 of 3", timeout=30_000)
    page.locator(".jp-Notebook .jp-Cell").nth(check).scroll_into_view_if_needed()
    screenshot(page, "learner-02-stuck-check.png")


@pytest.mark.timeout(120)
def test_hints_open_one_tier_at_a_time(page, lab):
    open_notebook(page, lab[0], "02_softmax.ipynb")
    run_all_cells(page, timeout_ms=120_000)
    cell = page.locator(".jp-Notebook .jp-Cell").nth(cell_index(page, 'hints("softmax")'))
    button = cell.get_by_role("button", name=re.compile("Show hint 1 of 3"))
    button.scroll_into_view_if_needed()
    button.dispatch_event("click")  # on the button itself: a late layout shift cannot move it
    expect(cell).to_contain_text("Hint 1 of 3 (the idea).", timeout=15_000)
    assert "Hint 2 of 3" not in cell.locator(".jp-OutputArea").inner_text()
    cell.get_by_role("button", name=re.compile("Show hint 2 of 3")).dispatch_event("click")
    expect(cell).to_contain_text("Hint 2 of 3 (the numpy tool).", timeout=15_000)
    screenshot(page, "learner-02-hints.png")


@pytest.mark.timeout(120)
def test_a_widget_whose_function_gets_stuck_on_a_slider_comes_back(page, lab):
    open_notebook(page, lab[0], "stuck_widget.ipynb")
    run_all_cells(page)
    page.locator(".ll-playground").wait_for(timeout=30_000)
    handle = page.locator(".widget-hslider", has=page.locator(".widget-label", has_text="cat")).first
    press_keys(handle.locator(".noUi-handle"), "ArrowRight", 5)  # 2.0 -> 2.5
    problem = page.locator(".ll-problem")
    expect(problem).to_contain_text("softmax did not return within 5 s on a 3-element input", timeout=30_000)
    wait_kernel_idle(page, 30_000)
    screenshot(page, "learner-stuck-widget.png")


# ---- `make lab`, exactly as the README gives it --------------------------------------------


@pytest.mark.timeout(180)
def test_make_lab_opens_00_with_the_whole_course_and_its_next_link_opens_01(tmp_path, lab):
    """`make lab` with only LAB_FLAGS added (a port, no browser, no token): the page that
    `make lab` would open in a browser shows 00_welcome, the file browser lists every
    notebook folder, and the link of 00's "Next" section opens 01_logits."""
    port = free_port()
    state = tmp_path / "state"
    # Checkpoints (written when a notebook opens) go to the test's folder, not notebooks/.
    checkpoints = f"--FileContentsManager.checkpoints_kwargs=root_dir={tmp_path / 'checkpoints'}"
    flags = f"--port={port} --ServerApp.ip=127.0.0.1 --LabApp.expose_app_in_browser=True {checkpoints} "
    flags += " ".join(NO_AUTH)
    b = lab[1]  # this module's Chromium (Playwright's sync API allows one per thread)
    with server(["make", "--no-print-directory", "lab", f"LAB_FLAGS={flags}"], ROOT, state, port):
        opened = sorted((state / "runtime").glob("jpserver-file-to-run-*-open.html"))
        assert opened, "make lab wrote no page to open 00_welcome with"
        page = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        try:
            page.goto(opened[0].as_uri())  # what the browser `make lab` starts would load
            page.wait_for_url(re.compile(r"/lab/tree/00_welcome/00_welcome\.ipynb"), timeout=60_000)
            wait_kernel_idle(page, 60_000)
            assert page.evaluate(f"() => {_CURRENT}.context.path") == "00_welcome/00_welcome.ipynb"
            # The file browser shows 00's folder; its root (the home crumb) holds the course.
            page.locator(".jp-BreadCrumbs-home").first.click()
            listed = page.locator(".jp-DirListing-content .jp-DirListing-itemText")
            course = [a.id for a in COURSE]
            expect(listed).to_have_text(course, timeout=30_000)
            link = page.locator(".jp-RenderedMarkdown a", has_text="01_logits").last
            link.scroll_into_view_if_needed()
            link.click()
            page.wait_for_function(f"() => {_CURRENT}.context.path === '01_logits/01_logits.ipynb'", timeout=60_000)
            wait_kernel_idle(page, 60_000)  # 01 opened as a notebook, with its kernel
            expect(page.locator(".jp-NotebookPanel:visible .jp-RenderedMarkdown h1").first).to_contain_text("01")
            screenshot(page, "learner-make-lab-01-from-00.png")
            assert not list((ROOT / "notebooks").rglob(".ipynb_checkpoints")), "the lab wrote into notebooks/"
        except Exception:
            screenshot(page, "learner-make-lab-failure.png")
            raise


# ---- the widgets show the lesson: screenshots of a divergent run and a masking bug -----------


def _solution_cells(assignment: str) -> list[str]:
    from grader.core import cells
    from grader.tools.build import learner_source, source_notebook

    return [learner_source(c.source) for c in cells.of_kind(source_notebook(assignment), cells.SOLUTION)]


@pytest.mark.timeout(240)
def test_the_widgets_show_a_divergent_run_and_a_masking_bug(page, lab):
    """The training lab at lr = 100 (its loss axis scales to the divergence) and the attention
    widget with a transposed causal mask (its weight on later words outlined), drawn in the
    browser from the learner's own functions."""
    url, _, root = lab
    training = [
        *_solution_cells("09_training"),
        "from logitlab.widgets.training import training_lab\nlab = training_lab(train_step)\nlab.lr.value = 100.0\nlab",
    ]
    attention = [
        *_solution_cells("08_attention"),
        "def causal_mask(T):  # the mask transposed: True on and ABOVE the diagonal\n"
        "    return np.triu(np.ones((T, T), dtype=bool))",
        "from logitlab.widgets.attention import attention_explorer\nattention_explorer(causal_mask, masked_softmax)",
    ]
    for name, sources in (("widget_training", training), ("widget_attention", attention)):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(root / f"{name}.ipynb"))

    open_notebook(page, url, "widget_training.ipynb")
    run_all_cells(page)
    widget = page.locator(".jp-Notebook .jp-Cell").last
    widget.get_by_role("button", name="train").click()
    expect(widget.locator(".ll-step")).to_have_text("200", timeout=60_000)
    expect(widget).to_contain_text("validation loss")
    assert page.evaluate(f"() => {_CURRENT}.content.widgets.length") == len(training)
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(screenshot_path("widget-training-lr-100.png")))

    open_notebook(page, url, "widget_attention.ipynb")
    run_all_cells(page)
    widget = page.locator(".jp-Notebook .jp-Cell").last
    expect(widget.locator("img")).to_be_visible(timeout=60_000)
    expect(widget.locator(".ll-leak")).not_to_have_text("0.000")
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(screenshot_path("widget-attention-transposed-mask.png")))


def screenshot_path(name: str):
    from browser_support import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
