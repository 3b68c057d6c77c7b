"""The local Dask cluster the grader starts for ``scheduler="local"``.

Used by :mod:`course_lib.classroom.submissions`.  A scheduler and one
single-threaded worker per core, each started as a command (``python -m dask
spec``, Dask's ``SpecCluster`` with its subprocess scheduler and workers)
rather than by multiprocessing: a ``LocalCluster``'s spawned workers import
the caller's ``__main__``, so a plain ``python grade.py`` without an ``if
__name__ == "__main__"`` guard would start grading again in every worker and
fail ("Nanny failed to start").  Windows has no such launcher in Dask: there
the caller's script needs the guard.

Dask marks its subprocess cluster experimental; the one fix needed here is in
:meth:`_Quiet.close`: Dask's lists a process's children and then kills each,
and a child that exited in between raised ``NoSuchProcess`` out of
``cluster.close()`` after every notebook was graded (seen with distributed
2026.8).
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

SILENCE = logging.ERROR
"""Dask's log level in the grader's process and the cluster's."""

IDLE_TIMEOUT = "120s"
"""How long the local cluster waits without a task before it closes itself."""


def local_cluster(workers: int) -> Any:
    """A Dask cluster of ``workers`` single-threaded worker processes on this machine."""
    from distributed import LocalCluster

    if os.name == "nt":  # pragma: no cover - Dask's subprocess cluster is POSIX-only
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=None, silence_logs=SILENCE)
    from distributed.deploy.spec import SpecCluster

    # idle_timeout: a grader killed outright (SIGKILL, a closed laptop) leaves no cluster behind; the
    # scheduler closes itself when no task has run for that long, and its workers with it.
    scheduler = {"cls": _quiet(_subprocess().SubprocessScheduler), "options": {"scheduler_kwargs": {
        "host": "127.0.0.1", "port": 0, "dashboard": False, "dashboard_address": None,
        "idle_timeout": IDLE_TIMEOUT}}}
    worker = {"cls": _quiet(_subprocess().SubprocessWorker), "options": {
        "worker_class": "distributed.Nanny",
        "worker_kwargs": {"host": "127.0.0.1", "nthreads": 1, "silence_logs": SILENCE}}}
    return SpecCluster(workers={index: worker for index in range(workers)}, scheduler=scheduler,
                       worker=worker, name="course-grading", silence_logs=SILENCE)


def _subprocess() -> Any:
    from distributed.deploy import subprocess

    return subprocess


def _quiet(base: type) -> type:
    """``base`` (a Dask subprocess scheduler or worker) whose ``close`` tolerates exited children."""

    class _Quiet(base):
        async def close(self) -> None:
            import psutil

            process = self.process
            if process is not None and process.returncode is None:
                try:
                    children = psutil.Process(process.pid).children(recursive=True)
                except psutil.NoSuchProcess:
                    children = []
                for child in children:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        child.kill()
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.communicate()
            self.process = None
            await super(_subprocess().Subprocess, self).close()  # ProcessInterface.close: the bookkeeping

    _Quiet.__name__ = _Quiet.__qualname__ = f"Quiet{base.__name__}"
    return _Quiet
