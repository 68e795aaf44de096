"""Grading processes forked from a server that imported numpy and the judge once.

A judge imports numpy, logitlab and every check spec, about a second per process.
Each run is instead a fresh process forked from a server that has those imports done:
still one process per run, in a session of its own, with its own environment,
working folder and log, killable as a group together with whatever it started.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable

import psutil

from . import sandbox

JOB_MARK = sandbox.JOB_TAG  # environment tag to find a run's stray processes and cgroups
_PRELOAD = ["grader.core.judge", "nbformat"]
_context_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


def _server() -> multiprocessing.context.BaseContext:
    global _context
    with _context_lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(_PRELOAD)
        return _context


def start_server(*preload: str) -> None:
    """Start the fork server now, with `preload` imported too (the caller's own heavy
    modules): its imports then overlap the caller's own start-up."""
    _PRELOAD.extend(m for m in preload if m not in _PRELOAD)
    _server()
    multiprocessing.forkserver.ensure_running()


def _child(target: Callable, args: tuple, cwd: str, env: dict[str, str], log: str) -> None:
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # the server's choice was cached: the run's TMPDIR counts
    target(*args)


def run(
    target: Callable, args: tuple, cwd, env: dict[str, str], log, timeout: float, stop: threading.Event | None = None
) -> int | None:
    """target(*args) in a forked child (stdout and stderr to `log`); its exit code, or
    None if it was killed (past `timeout` seconds, or `stop` was set). Either way,
    everything it started is killed afterwards: nothing may outlive a run."""
    proc = _server().Process(target=_child, daemon=False, args=(target, args, str(cwd), env, str(log)))
    proc.start()
    deadline = time.monotonic() + timeout
    while proc.exitcode is None and time.monotonic() < deadline and not (stop and stop.is_set()):
        proc.join(min(0.2, max(deadline - time.monotonic(), 0.01)))
    code = proc.exitcode
    _kill(proc, env.get(JOB_MARK))
    return code


def _kill(proc: multiprocessing.process.BaseProcess, token: str | None) -> None:
    """Kill everything a run started: its process group, descendants, tagged strays.

    jupyter_client starts the kernel in a session of its own, so killing nbgrader's
    process group alone would leave the kernel running.
    """
    family: list[psutil.Process] = []
    if proc.exitcode is None:
        try:
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if token:
        for p in psutil.process_iter(["environ"]):
            if (p.info.get("environ") or {}).get(JOB_MARK) == token:
                family.append(p)
    for p in family:
        try:
            p.kill()
        except psutil.Error:
            pass
    proc.kill()
    proc.join()
    proc.close()
    if token:  # the sandboxes it started, whatever they did to their processes
        sandbox.reap(token)
