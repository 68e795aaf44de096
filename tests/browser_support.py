"""Shared machinery of the browser tests: an isolated JupyterLab server and Chromium.

    with jupyter_lab(root, tmp_path) as url, chromium() as browser:
        page = browser.new_page()
        open_notebook(page, url, "02_softmax.ipynb")
        run_all_cells(page)

The server runs in its own process group (killed as a whole afterwards) with
HOME and every Jupyter state folder pointed into a temporary directory, so a test
neither reads nor writes the user's settings. Playwright drives Debian's Chromium
and is never allowed to download a browser.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from support import skip_unless_ci

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# No token or password (the server listens on 127.0.0.1 only, for the test's lifetime).
# Jupyter refuses to run as root without --allow-root; containers often run as root.
NO_AUTH = [
    "--ServerApp.token=",
    "--ServerApp.password=",
    "--ServerApp.open_browser=False",
    "--no-browser",
    *(["--allow-root"] if os.geteuid() == 0 else []),
]
# The "news" and "update" toasts of JupyterLab fetch from the internet and can cover the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": (
        '{"fetchNews": "false", "checkForUpdates": false}'
    ),
}


def require_chromium() -> None:
    """Skip without Chromium, except under CI, where a missing browser is a failure."""
    if CHROMIUM.exists():
        return
    skip_unless_ci(f"{CHROMIUM} not found: install it with `make system-deps`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(state: Path) -> dict[str, str]:
    """The environment of an isolated Jupyter server: all user state under `state`.

    ipywidgets' front end is still found: JupyterLab looks for labextensions under
    sys.prefix of the venv as well as in the data dir.
    """
    dirs = {
        "HOME": "home",
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "LOGITLAB_HOME": "logitlab",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    for var, name in dirs.items():
        (state / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(state / name)
    for rel, text in LAB_SETTINGS.items():
        path = state / "lab-settings" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    return env


def wait_for_status(url: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll `url`/api/status until it answers 200; fail early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url}/api/status did not answer 200 within {timeout:.0f} s")


def stop_group(proc: subprocess.Popen) -> None:
    """Stop the server and everything it started (kernels): its whole process group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # kernels may outlive a server that exited
    proc.wait(timeout=10)


@contextlib.contextmanager
def server(cmd: list[str], cwd: Path, state: Path, port: int, timeout: float = 60):
    """Run `cmd` (a Jupyter server on `port`) in its own process group; yield its URL."""
    log_path = state / "server.log"
    state.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=jupyter_env(state), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_status(url, proc, timeout)
        except (RuntimeError, TimeoutError) as exc:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{exc}\n--- server log ({' '.join(cmd)}) ---\n{tail}") from None
        yield url
    finally:
        stop_group(proc)


def jupyter_lab(root: Path, state: Path, port: int | None = None, timeout: float = 60):
    """JupyterLab from the venv serving `root`, without a token, on a free port."""
    port = port or free_port()
    # expose_app_in_browser: the page helpers below read JupyterLab's own state.
    cmd = [
        str(VENV_BIN / "jupyter"),
        "lab",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        *NO_AUTH,
    ]
    return server(cmd, root, state, port, timeout)


@contextlib.contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright (which never downloads one)."""
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- JupyterLab page helpers ---------------------------------------------------------------

# JavaScript run in the page: the notebook in the main area and its kernel. JupyterLab's
# own state, because the toolbar's status reads "idle" before any kernel exists.
_CURRENT = "window.jupyterapp && window.jupyterapp.shell.currentWidget"
_KERNEL_READY = f"""() => {{
    const w = {_CURRENT};
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle'
           && !document.querySelector('.jp-Dialog');
}}"""
_ALL_EXECUTED = f"""() => {{
    const w = {_CURRENT};
    const code = w && w.content && w.content.widgets ? w.content.widgets.filter(c => c.model.type === 'code') : [];
    return code.length > 0 && code.every(c => c.model.executionCount !== null);
}}"""


def open_notebook(page, url: str, path: str, timeout_ms: int = 45_000) -> None:
    """Open a notebook in a fresh JupyterLab workspace and wait until its kernel is idle.

    A fresh workspace per page: otherwise JupyterLab restores the tabs an earlier
    page opened, and their cells would answer for this notebook's.
    """
    global _workspaces
    _workspaces += 1
    page.goto(f"{url}/lab/workspaces/test-{os.getpid()}-{_workspaces}/tree/{path}", timeout=timeout_ms)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_ms)
    wait_kernel_idle(page, timeout_ms)


_workspaces = 0


def wait_kernel_idle(page, timeout_ms: int = 45_000) -> None:
    """Wait until the notebook's kernel is connected and idle, with no dialog in the way.

    On a cold server JupyterLab sometimes asks which kernel to start even though the
    notebook names one; a learner would press Select, so the helper does too.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select")
    while time.monotonic() < deadline:
        if select.count():
            select.first.click()
        if page.evaluate(_KERNEL_READY):
            return
        page.wait_for_timeout(250)
    raise TimeoutError(f"the kernel was not connected and idle within {timeout_ms / 1000:.0f} s")


def run_menu(page, menu: str, item: str) -> None:
    """Click `menu` in the menu bar, then `item` in it (like a learner would)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def run_all_cells(page, timeout_ms: int = 60_000) -> None:
    """Run > Run All Cells, then wait until every code cell has an execution count.

    A cell that raises stops Run All, so the wait then times out: the test fails.
    """
    run_menu(page, "Run", "Run All Cells")
    page.wait_for_function(_ALL_EXECUTED, timeout=timeout_ms)
    wait_kernel_idle(page, timeout_ms)


def press_keys(target, key: str, times: int) -> None:
    """Press `key` on `target` (a slider's handle) `times` times. Each press focuses the
    target first: JupyterLab takes the focus back to the notebook when a cell's output
    changes, and a key pressed then would reach the notebook, not the slider."""
    for _ in range(times):
        target.press(key)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path
