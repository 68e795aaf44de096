"""`grade --cluster ADDRESS`: each submission's job as one task of a Dask cluster.

ADDRESS is a scheduler's address (`tcp://host:port`, `tls://host:port`) or `local:N`, a
LocalCluster of N single-threaded worker processes on this machine. A task receives a
job's plain values (grader/tools/onejob.py) and returns plain values: a worker needs the
course environment and the sandbox, no shared file system, and never sees the
submissions folder, the output folder or the gradebook. This process alone writes them,
a record as each task completes, so an interrupted run resumes where it stopped.

Dask runs a task again on another worker when its worker dies; a task that still does not
finish becomes a failed record with the reason, and the class goes on.
"""

from __future__ import annotations

import multiprocessing
import re
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import cells
from ..core.records import JobRecord
from ..core.submissions import Submission
from .onejob import Job, Outcome, grade_job, grader_error, private_folder

if TYPE_CHECKING:
    from collections.abc import Iterator

    from distributed import Client

    from .grade import Grader

CONNECT_SECONDS = 10
_LOCAL = re.compile(r"local:([1-9][0-9]{0,3})")
_REMOTE = re.compile(r"(tcp|tls)://[^\s/:]+:[0-9]{1,5}")
DAEMON_PROBLEM = (
    "this Dask worker runs as a daemon process, which cannot start the judge: "
    "start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
)


class ClusterError(Exception):
    """A --cluster value that is malformed, or a scheduler that cannot be reached."""


def check_address(text: str) -> str:
    """`text` if it is a scheduler's address or local:N, else ClusterError."""
    if _LOCAL.fullmatch(text) or _REMOTE.fullmatch(text):
        return text
    raise ClusterError(
        f"--cluster must be a Dask scheduler's address (tcp://host:port or tls://host:port) "
        f"or local:N with N workers, not '{text}'"
    )


def grade_task(job: dict) -> dict:
    """Runs on a worker: one job's plain values in, the record and graded notebook out."""
    if multiprocessing.current_process().daemon:
        raise RuntimeError(DAEMON_PROBLEM)
    with tempfile.TemporaryDirectory(prefix="run-", dir=private_folder()) as work:
        outcome = grade_job(Job(**job), Path(work))
    return {"record": asdict(outcome.record), "notebook": outcome.notebook}


@contextmanager
def connect(address: str) -> Iterator[Client]:
    """A client of the scheduler at `address`, or of a new LocalCluster for local:N."""
    import dask
    from distributed import Client, LocalCluster

    check_address(address)
    local = _LOCAL.fullmatch(address)
    # The judge is a child process of the worker's, which a daemon process may not have;
    # a job whose worker died once more is failed (the class goes on).
    with dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 1}):
        if local:
            cluster = LocalCluster(
                n_workers=int(local.group(1)), threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            with cluster, Client(cluster) as client:
                yield client
            return
        try:
            client = Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {why}") from None
        with client:
            yield client


def run_jobs(grader: Grader, todo: list[tuple[Submission, str]], counts: dict[str, int]) -> None:
    """Grade `todo` on the cluster; write each record as its task completes."""
    from distributed import as_completed

    if not todo:  # everything is graded already: no cluster needed
        return
    with connect(grader.opts.cluster) as client:
        releases: dict[str, str | Exception] = {}  # made here, once per assignment (needs the course)
        for name in sorted({s.assignment for s, _ in todo}):
            if cells.graded(grader.sources[name]):
                try:
                    releases[name] = grader.template(name).release.read_text(encoding="utf-8")
                except Exception as exc:  # a fault of the grader must not stop the class
                    releases[name] = exc
        futures, unsent = {}, []
        for sub, fp in todo:
            release = releases.get(sub.assignment)
            if isinstance(release, Exception):
                unsent.append(grader.failed(sub, fp, grader_error(release)))
                continue
            job = asdict(grader.job(sub, release, fp))
            futures[client.submit(grade_task, job, retries=1, pure=False)] = (sub, fp)
        try:
            with grader.progress(len(todo)) as tick:
                for record in unsent:
                    tick(record, counts)
                for future in as_completed(futures):
                    sub, fp = futures.pop(future)
                    tick(_keep(grader, sub, fp, future), counts)
        except KeyboardInterrupt:
            client.cancel(list(futures))
            raise


def _keep(grader: Grader, sub: Submission, fingerprint: str, future) -> JobRecord:
    if future.status != "finished":
        exc = future.exception()
        why = (str(exc).strip().splitlines() or [""])[0][:200]
        return grader.failed(sub, fingerprint, f"the cluster could not grade it: {type(exc).__name__}: {why}")
    result = future.result()
    return grader.keep(sub, Outcome(JobRecord.from_dict(result["record"]), result["notebook"]))
