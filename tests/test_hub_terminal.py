"""The README's commands work where it says to type them: in a JupyterLab terminal of
the hub, `python -m grader` and `nbgrader` are the course environment's.

A Jupyter server reads the hub's shared configuration (hub/etc/jupyter, which `make hub`
copies to every account's config path) with the course environment first on PATH, as
the hub's spawner sets it. Its terminal must keep that PATH: a login shell (Jupyter's
default) runs /etc/profile, which resets PATH and loses the environment.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request

from browser_support import NO_AUTH, ROOT, VENV_BIN, free_port, server

MARK = "DONE-$((6*7))"  # the shell prints DONE-42; the echo of the typed line does not


async def _type_in_terminal(url: str, line: str, timeout: float = 60) -> str:
    from tornado.websocket import websocket_connect

    request = urllib.request.Request(f"{url}/api/terminals", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        name = json.loads(response.read())["name"]
    ws = await websocket_connect(f"{url.replace('http', 'ws')}/terminals/websocket/{name}")
    await ws.write_message(json.dumps(["stdin", f"{line}; echo {MARK}\r"]))
    seen = ""
    deadline = asyncio.get_running_loop().time() + timeout
    while "DONE-42" not in seen:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"the terminal did not finish the command; it printed:\n{seen[-3000:]}"
        message = await asyncio.wait_for(ws.read_message(), remaining)
        assert message is not None, f"the terminal closed; it printed:\n{seen[-3000:]}"
        kind, *data = json.loads(message)
        if kind == "stdout":
            seen += data[0]
    ws.close()
    return seen


def test_python_and_nbgrader_are_the_course_environments_in_a_hub_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(ROOT / "hub" / "etc" / "jupyter"))
    monkeypatch.setenv("SHELL", "/bin/bash")  # what a hub account has: Jupyter would make it a login shell
    port = free_port()
    cmd = [str(VENV_BIN / "jupyter"), "server", f"--port={port}", "--ServerApp.ip=127.0.0.1", *NO_AUTH]
    cmd.append("--ServerApp.disable_check_xsrf=True")  # the test posts without a browser's cookie
    with server(cmd, ROOT, tmp_path / "state", port) as url:
        line = f"cd {ROOT} && command -v python nbgrader && python -m grader --help | head -1"
        printed = _type_in_terminal_sync(url, line)
    assert f"{VENV_BIN}/python" in printed and f"{VENV_BIN}/nbgrader" in printed, printed[-2000:]
    assert "usage: python -m grader" in printed, printed[-2000:]


def _type_in_terminal_sync(url: str, line: str) -> str:
    return asyncio.run(_type_in_terminal(url, line))
