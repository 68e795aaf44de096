"""End to end in a real browser: `make lab` serves, and the widgets work in JupyterLab.

The widget unit tests prove the Python side; these prove what a learner sees: the
notebook runs top to bottom in JupyterLab, the front end renders the widgets, and a
slider moved with the keyboard round-trips through the kernel to the learner's own
function and back to the page. Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request

import browser_support
import nbformat
import numpy as np
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
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STABILITY_DEMO = [
    # The tests' own reference functions stand in for the learner's (02 and 03).
    "import numpy as np\n"
    "from logitlab.widgets import stability_explorer\n\n"
    "def softmax(z, axis=-1):\n"
    "    e = np.exp(np.asarray(z, dtype=float))\n"
    "    return e / e.sum(axis=axis, keepdims=True)\n\n"
    "def stable_softmax(z, axis=-1):\n"
    "    z = np.asarray(z, dtype=float)\n"
    "    e = np.exp(z - z.max(axis=axis, keepdims=True))\n"
    "    return e / e.sum(axis=axis, keepdims=True)",
    'stability_explorer(softmax, stable_softmax, labels=["refund", "reship", "escalate"])',
]


# The scores of 04's "The cat sat on the" example, as its temperature explorer shows them.
CAT_SAT_LOGITS = [3.2, 2.5, 2.1, 1.0, -0.5, -1.2]


def reference_softmax(z, temperature=1.0):
    z = np.asarray(z, dtype=float) / temperature
    e = np.exp(z - np.max(z))
    return e / e.sum()


@pytest.mark.parametrize(
    "ci, outcome", [(None, pytest.skip.Exception), ("false", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_missing_chromium_skips_locally_but_fails_under_ci(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no-chromium not found"):
        browser_support.require_chromium()


@pytest.mark.timeout(120)
def test_make_lab_starts_jupyterlab(tmp_path):
    welcome = "notebooks/00_welcome/00_welcome.ipynb"
    if not (ROOT / welcome).exists():  # Jupyter exits at once when the file it should open is missing
        pytest.fail(f"`make lab` opens {welcome}, which does not exist: build it with `make release`")
    port = free_port()
    flags = " ".join([f"--port={port}", "--ServerApp.ip=127.0.0.1", *NO_AUTH])
    # -o: treat the venv as up to date, so the test runs the lab target and never pip.
    cmd = ["make", "--no-print-directory", "-o", ".venv/.installed", "lab", f"LAB_FLAGS={flags}"]
    with server(cmd, ROOT, tmp_path / "state", port, timeout=60) as url:
        with urllib.request.urlopen(f"{url}/api/status", timeout=10) as response:
            assert "started" in json.load(response)
        with urllib.request.urlopen(f"{url}/lab", timeout=20) as response:
            page = response.read().decode()
        # The widgets' front end is installed where this server finds it.
        assert "@jupyter-widgets/jupyterlab-manager" in page


SERVED = ("02_softmax", "04_temperature")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab and one Chromium for this module, serving solution-filled 02 and 04."""
    require_chromium()
    from grader.tools.build import build_sources

    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    root.mkdir()
    for name in SERVED:
        build_sources([name], tmp / "src")
        shutil.copy(tmp / "src" / name / f"{name}.ipynb", root)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in STABILITY_DEMO])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / "stability_demo.ipynb"))
    with jupyter_lab(root, tmp / "state") as url, chromium() as browser:
        yield url, browser


@pytest.fixture
def lab_url(lab):
    return lab[0]


@pytest.fixture
def page(lab, request):
    """A fresh page; on failure its screenshot is kept next to the others."""
    context = lab[1].new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    failed_before = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed_before:  # the call phase has been reported by now
        screenshot(pg, f"{request.node.name}-failure.png")
    context.close()


def shown_probabilities(page) -> list[float]:
    return [float(t) for t in page.locator(".ll-playground .ll-prob").all_inner_texts()]


def shown_logits(page) -> list[float]:
    rows = page.locator(".ll-playground tr").all_inner_texts()[1:-1]  # skip header and sum
    return [float(re.split(r"\s+", r.strip())[1]) for r in rows]


def slider(page, label: str):
    return page.locator(".widget-hslider", has=page.locator(".widget-label", has_text=label)).first


@pytest.mark.timeout(90)
def test_softmax_playground_follows_a_slider(page, lab_url):
    open_notebook(page, lab_url, "02_softmax.ipynb")
    run_all_cells(page)
    table = page.locator(".ll-playground")
    table.wait_for(timeout=30_000)
    table.scroll_into_view_if_needed()
    before = shown_probabilities(page)
    assert before == [0.659, 0.242, 0.099]  # the learner's softmax on cat 2.0, dog 1.0, bird 0.1

    press_keys(slider(page, "cat").locator(".noUi-handle"), "ArrowRight", 5)
    page.wait_for_function(
        "() => document.querySelector('.ll-playground .ll-prob').textContent !== '0.659'", timeout=15_000
    )
    page.wait_for_timeout(500)  # let the last key's round trip land

    after, logits = shown_probabilities(page), shown_logits(page)
    assert logits[0] > 2.0 and logits[1:] == [1.0, 0.1]
    assert slider(page, "cat").locator(".widget-readout").inner_text().strip() == f"{logits[0]:.1f}"
    assert after[0] > before[0] and after[1] < before[1] and after[2] < before[2]
    assert abs(sum(after) - 1) < 0.003
    assert after == pytest.approx(reference_softmax(logits), abs=1e-3)
    assert page.locator(".ll-problem").count() == 0
    path = screenshot(page, "02_softmax_playground.png")
    assert path.stat().st_size > 10_000


@pytest.mark.timeout(90)
def test_softmax_quiz_gives_feedback(page, lab_url):
    open_notebook(page, lab_url, "02_softmax.ipynb")
    run_all_cells(page)
    first = (
        page.locator(".widget-vbox", has=page.locator(".widget-radio"))
        .filter(has_text="how do their softmax outputs compare")
        .last
    )
    first.scroll_into_view_if_needed()
    radios = first.locator(".widget-radio-box input[type=radio]")
    assert radios.count() == 3 and not any(r.is_checked() for r in radios.all())
    check = first.get_by_role("button", name="Check")
    radios.nth(1).check()
    check.click()
    expect(first).to_contain_text("Not quite.", timeout=15_000)
    radios.nth(0).check()
    expect(first).not_to_contain_text("Not quite.", timeout=15_000)  # a new answer clears it
    check.click()
    expect(first).to_contain_text("Correct.", timeout=15_000)
    expect(first).to_contain_text("Only differences between logits matter")
    screenshot(page, "02_softmax_quiz.png")


@pytest.mark.timeout(90)
def test_stability_explorer_shows_overflow(page, lab_url):
    open_notebook(page, lab_url, "stability_demo.ipynb")
    run_all_cells(page)
    offset = slider(page, "offset")
    offset.wait_for(timeout=30_000)
    output = page.locator(".jp-OutputArea-output").last
    expect(output).to_contain_text("all finite, sum = 1.000")  # both agree on [3, 1, 0]
    # Type into the slider's readout, as a learner can: 997 makes [1000, 998, 997].
    offset.locator(".widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("997")
    page.keyboard.press("Enter")
    expect(output).to_contain_text("refund 1000, reship 998, escalate 997", timeout=15_000)
    expect(output.locator(".ll-bad")).to_have_count(3)
    text = output.inner_text()
    assert "3 of 3 entries are nan or inf" in text and "past the overflow point" in text
    assert re.search(r"refund\s+0\.844\s+reship\s+0\.114\s+escalate\s+0\.042", text)
    screenshot(page, "stability_explorer_overflow.png")


def shown_column(page, column: str) -> list[float]:
    """One column of the temperature explorer's table: ll-tempered, ll-filtered or ll-draws."""
    return [float(t) for t in page.locator(f".ll-temperature .{column} .ll-value").all_text_contents()]


def slider_temperature(readout) -> float:
    """The temperature slider's exact value: its exponent sits on a grid of 0.01, and the
    readout's two decimals are enough to tell which grid point."""
    return 10 ** round(np.log10(float(readout.text_content())), 2)


def wait_for_distribution(page, temperature: float, timeout_s: float = 15) -> list[float]:
    """The shown distribution once it is softmax(logits / temperature) (each key press or
    typed value is a round trip through the kernel, and the last one lands last)."""
    expected = reference_softmax(CAT_SAT_LOGITS, temperature)
    deadline = time.monotonic() + timeout_s
    while True:
        shown = shown_column(page, "ll-tempered")
        if len(shown) == len(expected) and np.allclose(shown, expected, atol=1.5e-3):
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(
                f"at T = {temperature:.4g} the explorer shows {shown}, expected about {np.round(expected, 3).tolist()}"
            )
        page.wait_for_timeout(200)


@pytest.mark.timeout(90)
def test_temperature_explorer_flattens_as_temperature_rises(page, lab_url):
    open_notebook(page, lab_url, "04_temperature.ipynb")
    run_all_cells(page)
    table = page.locator(".ll-temperature")
    table.wait_for(timeout=30_000)
    temperature = slider(page, "temperature")
    temperature.scroll_into_view_if_needed()
    readout = temperature.locator(".widget-readout")
    expect(readout).to_have_text("1.00", timeout=10_000)
    cold = wait_for_distribution(page, 1.0)  # the learner's softmax_with_temperature at T = 1
    assert cold[0] == 0.506 and shown_column(page, "ll-filtered") == cold  # both filters start off
    assert sum(shown_column(page, "ll-draws")) == 300

    # Arrow keys move the slider's exponent (log10 T) in steps of 0.01.
    press_keys(temperature.locator(".noUi-handle"), "ArrowRight", 10)
    expect(readout).not_to_have_text("1.00", timeout=5_000)
    t_keys = slider_temperature(readout)
    assert 1.0 < t_keys < 2.0
    warm = wait_for_distribution(page, t_keys)

    # Type into the readout, as a learner can.
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(readout).to_have_text(re.compile(r"3\.0\d"), timeout=5_000)  # 3 snaps to 10^0.48 = 3.02
    hot = wait_for_distribution(page, slider_temperature(readout))

    # Higher temperature, flatter distribution: the top token loses, the tail gains.
    assert cold[0] > warm[0] > hot[0] and max(hot) == hot[0]
    assert cold[-1] < warm[-1] < hot[-1]
    assert abs(sum(hot) - 1) < 0.004 and shown_column(page, "ll-filtered") == hot
    draws = shown_column(page, "ll-draws")
    assert sum(draws) == 300 and min(draws) > 0  # at T = 3 even "keyboard" gets drawn
    expect(page.locator(".ll-temperature").locator("xpath=..")).to_contain_text("tokens kept: 6 of 6")
    assert page.locator(".ll-problem").count() == 0
    table.scroll_into_view_if_needed()
    path = screenshot(page, "04_temperature_widget.png")
    assert path.stat().st_size > 10_000
