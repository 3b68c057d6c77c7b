"""Run one notebook top to bottom in a fresh kernel: the grader's and progress()'s engine.

Used by :mod:`course_lib.classroom.scoring` (grading, self-checks) and, as
``python -m course_lib.classroom.runner NOTEBOOK...``, by course authors to
re-execute notebooks in place.

nbclient runs the cells.  On top of it this module adds what grading needs:
a cap on stored output per cell, a record of which cells ran and which timed
out, a whole-notebook time budget, and a kernel started in an empty working
folder with the course's headless marker set.

**The idle wait after widget cells** (nbclient issue #312).  nbclient waits
for a cell's ``execute_reply`` with one ``poll`` of the shell socket for the
whole cell timeout.  Measured here (notebook 01, 15 s cell timeout): in 5 of
6 runs the reply of the cell that displays an explorer was already in the
socket a few milliseconds after the kernel went idle, but the asyncio poller
was not woken (zmq's notification descriptor is edge-triggered and the
wake-up was lost); the poll returned it only when its timeout expired, 15 s
later.  The fix uses jupyter_client's documented extension points, not a
copy of nbclient: a kernel manager whose ``client_factory`` makes a client
whose shell and iopub channels (``shell_channel_class``,
``iopub_channel_class``) wait in slices of :data:`POLL_SLICE` seconds; each
slice ends with a fresh look at the socket, so a lost wake-up costs at most
one slice.  Checked with jupyter_client 8.10 and nbclient 0.11
(``tests/test_classroom_runner.py`` has the stress test).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from traitlets import Type

from course_lib.classroom.sandbox import Sandbox

POLL_SLICE = 0.1
"""Seconds a channel waits on its socket before looking again (bounds a lost wake-up)."""

HEADLESS_ENV = "COURSE_LIB_HEADLESS"
"""Set in the kernels this package starts, so that progress() inside them does nothing."""

MESSAGE_CHARS = 3000
"""Characters of an error message or traceback line kept when output is capped."""

_DROPPED_ENV = ("OLDPWD", "JPY_SESSION_NAME", "JPY_PARENT_PID")


class SlicedPollChannel(AsyncZMQSocketChannel):
    """``get_msg`` that never sleeps on the socket longer than :data:`POLL_SLICE`."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, min(POLL_SLICE, deadline - time.monotonic()))
            try:
                return await super().get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollClient(AsyncKernelClient):
    """An asynchronous kernel client whose shell and iopub channels poll in slices.

    Also for voila (``make app``): ``--KernelManager.client_class=course_lib.classroom.runner.SlicedPollClient``.
    """

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)


class SlicedPollKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose clients are :class:`SlicedPollClient`."""

    client_factory = Type(SlicedPollClient, klass=AsyncKernelClient)


def kernel_manager_class() -> type:
    """The kernel manager the runner uses (:class:`SlicedPollKernelManager`)."""
    return SlicedPollKernelManager


def _sandboxed_kernel_manager(sandbox: Sandbox, *, ipc_dir: str, workdir: str, kernel_name: str) -> Any:
    """A kernel manager whose kernel runs in ``sandbox``, talking over IPC sockets in ``ipc_dir``."""
    base = kernel_manager_class()

    class SandboxedKernelManager(base):
        def format_kernel_cmd(self, extra_arguments=None):
            argv = super().format_kernel_cmd(extra_arguments)
            return sandbox.command(argv, writable=[ipc_dir, workdir], workdir=workdir)

        @property
        def kernel_spec(self):
            spec = super().kernel_spec
            if spec is not None:
                spec.interrupt_mode = "message"  # a signal to bwrap would not reach the kernel
            return spec

    return SandboxedKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(ipc_dir, "kernel"),
                                  connection_file=os.path.join(ipc_dir, "kernel.json"))


class Unstoppable(Exception):
    """A cell went on running after the interrupt: the kernel is killed."""


def _output_size(out: NotebookNode) -> int:
    if out.output_type == "stream":
        return len(out.get("text", ""))
    if out.output_type == "error":
        return len(out.get("evalue", "")) + sum(len(line) for line in out.get("traceback", []))
    return sum(len(value) if isinstance(value, str) else len(json.dumps(value))
               for value in out.get("data", {}).values())


def _client_class() -> type:
    from nbclient import NotebookClient
    from nbformat.v4 import new_output

    class GradingClient(NotebookClient):
        """nbclient with a cap on stored output and a record of executed and timed-out cells."""

        def __init__(self, nb: NotebookNode, *, max_output_bytes: int, **kwargs: Any) -> None:
            super().__init__(nb, **kwargs)
            self.max_output_bytes = max_output_bytes
            self.executed: set[int] = set()
            self.timed_out: set[int] = set()
            self.current: int | None = None
            self.started = 0.0
            self.cell_seconds: dict[int, float] = {}
            self.used: dict[int, int] = {}
            self.on_cell_start = self._cell_started
            self.on_cell_executed = self._cell_executed

        def _cell_started(self, cell: NotebookNode, cell_index: int) -> None:
            self.current, self.started = cell_index, time.monotonic()

        def _cell_executed(self, cell: NotebookNode, cell_index: int, execute_reply: Any) -> None:
            self.executed.add(cell_index)
            self.cell_seconds[cell_index] = time.monotonic() - self.started

        async def _async_handle_timeout(self, timeout, cell=None):
            # nbclient has no public hook for a timeout; this override only records it.
            if self.current in self.timed_out:  # interrupted a timeout ago and still running
                raise Unstoppable(f"cell {self.current + 1} ignored the interrupt sent after {timeout} s; "
                                  "the notebook was stopped there")
            if self.current is not None:
                self.timed_out.add(self.current)
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or not outs or outs[-1] is not out:
                return out
            size = _output_size(out)
            used = self.used.get(cell_index, 0)
            self.used[cell_index] = used + size
            if used + size <= self.max_output_bytes:
                return out
            if out.output_type == "error":  # always kept: it is what the grade depends on
                out.evalue = out.evalue[:MESSAGE_CHARS]
                frames = out.traceback if len(out.traceback) <= 5 else out.traceback[:2] + out.traceback[-3:]
                out.traceback = [line[:MESSAGE_CHARS] for line in frames]  # keeps the "Cell In" frame
            elif display_id:  # keep its slot: later display updates index into it
                out.data = {"text/plain": "[output dropped by the grader]"}
            else:
                outs.pop()
                if used <= self.max_output_bytes:  # first time over the cap in this cell
                    if out.output_type == "stream":
                        keep = max(0, self.max_output_bytes - used)
                        if keep:
                            out.text = out.text[:keep]
                            outs.append(out)
                    outs.append(new_output("stream", name="stderr", text=(
                        f"\n[grader: output beyond {self.max_output_bytes} bytes in this cell was dropped]\n")))
            return None

    return GradingClient


@dataclass
class Execution:
    """What running a notebook left: the notebook with outputs, and what ran."""

    nb: NotebookNode
    executed: set[int] = field(default_factory=set)
    timed_out: set[int] = field(default_factory=set)
    problem: str = ""
    seconds: float = 0.0
    cell_seconds: dict[int, float] = field(default_factory=dict)


def kernel_env(workdir: str) -> dict[str, str]:
    """The environment of a grading kernel: the caller's, with the working folder and markers set."""
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED_ENV}
    env.update({"PWD": workdir, "MPLBACKEND": "Agg", HEADLESS_ENV: "1"})
    return env


async def execute(
    nb: NotebookNode,
    *,
    timeout: float,
    max_output_bytes: int,
    notebook_timeout: float | None = None,
    kernel_name: str = "python3",
    workdir: str | os.PathLike[str] | None = None,
    sandbox: Sandbox | None = None,
) -> Execution:
    """Run ``nb`` (in place) in a fresh kernel; never raises for what the notebook does.

    Parameters
    ----------
    nb : NotebookNode
        The notebook; its stored outputs are cleared first, then filled.
    timeout : float
        Seconds per cell; the cell is interrupted after it, and the kernel is
        killed if it goes on.
    max_output_bytes : int
        Output kept per cell (errors are always kept, shortened).
    notebook_timeout : float or None
        Seconds for the whole notebook (default: ``timeout`` times the number
        of code cells plus two).
    kernel_name : str
        Jupyter kernel to start.
    workdir : path or None
        Working folder of the kernel (default: a new empty temporary folder).
    sandbox : Sandbox or None
        Run the kernel inside this bubblewrap sandbox
        (:mod:`course_lib.classroom.sandbox`), over IPC sockets.

    Returns
    -------
    Execution
        ``problem`` says why the run stopped early (kernel died, budget spent),
        empty when every cell ran.
    """
    from nbclient.exceptions import DeadKernelError

    for cell in nb.cells:  # never score an output the student saved
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    n_code = sum(cell.cell_type == "code" for cell in nb.cells)
    budget = notebook_timeout if notebook_timeout is not None else timeout * (n_code + 2)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-run-") as scratch, \
            tempfile.TemporaryDirectory(prefix="course-run-log-") as logs:
        folder = str(workdir) if workdir is not None else scratch
        manager = {"kernel_manager_class": kernel_manager_class()}
        if sandbox is not None:
            manager = {"km": _sandboxed_kernel_manager(sandbox, ipc_dir=logs, workdir=folder,
                                                       kernel_name=kernel_name)}
        client = _client_class()(
            nb, max_output_bytes=max_output_bytes, timeout=max(1, round(timeout)),
            interrupt_on_timeout=True, allow_errors=True, kernel_name=kernel_name, **manager,
            shutdown_kernel="immediate", record_timing=False,
            resources={"metadata": {"path": folder}})
        problem = ""
        log_path = Path(logs) / "kernel.log"
        with open(log_path, "wb") as log:
            task = asyncio.ensure_future(client.async_execute(env=kernel_env(folder), stdout=log, stderr=log))
            # Not asyncio.wait_for: nbclient turns the cancellation into DeadKernelError.
            done, _ = await asyncio.wait({task}, timeout=budget)
            try:
                if not done:
                    task.cancel()  # nbclient then shuts the kernel down ("immediate": killed)
                await task
            except asyncio.CancelledError:
                if done:
                    raise
            except Unstoppable as error:
                problem = str(error)
            except DeadKernelError:
                lines = log_path.read_text(errors="replace").splitlines()
                # a sandboxed kernel (no parent PID) first prints how to connect to it: not its last words
                banner = max((i for i, line in enumerate(lines) if "--existing" in line), default=-1)
                tail = "\n".join(line for line in lines[banner + 1:]
                                 if "without encryption" not in line)[-300:].strip()
                problem = "the kernel died (out of memory, or the code exited Python)" + (
                    f"; its last words: {tail}" if tail else "")
            except Exception as error:  # kernel start failures, protocol errors: this notebook only
                problem = f"could not run the notebook: {type(error).__name__}: {str(error)[:300]}"
            if not done:
                problem = f"the notebook ran longer than {budget:g} s in all and was stopped"
    return Execution(nb, set(client.executed), set(client.timed_out), problem, time.perf_counter() - start,
                     dict(client.cell_seconds))


def run_coroutine(coroutine: Any) -> Any:
    """Run a coroutine to completion, also from inside Jupyter (whose loop is running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def execute_in_place(path: str | os.PathLike[str], *, timeout: float = 300.0) -> Execution:
    """Execute a notebook file top to bottom and save it with its new outputs (for course authors).

    The kernel's working folder is the notebook's folder, as in JupyterLab.
    Unlike the grader, an error stops nothing and nothing is capped; the
    caller reads ``problem`` and the error outputs.
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    execution = run_coroutine(execute(nb, timeout=timeout, max_output_bytes=10**9, workdir=path.parent.resolve()))
    count = 0  # JupyterLab's numbering: 1, 2, ... over the code cells that ran
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count if index in execution.executed else None
    nbformat.write(nb, path)
    return execution


def main(argv: list[str] | None = None) -> int:
    """``python -m course_lib.classroom.runner NOTEBOOK...``: execute in place, report errors."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course_lib.classroom.runner",
                                     description="Execute notebooks in place (fresh kernel, top to bottom).")
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per cell (default: 300)")
    args = parser.parse_args(argv)
    status = 0
    for name in args.notebooks:
        execution = execute_in_place(name, timeout=args.timeout)
        errors = [index + 1 for index, cell in enumerate(execution.nb.cells) if cell.cell_type == "code"
                  and any(out.get("output_type") == "error" for out in cell.get("outputs", []))]
        verdict = "ok" if not errors and not execution.problem else f"errors in cells {errors} {execution.problem}"
        print(f"{name}: {execution.seconds:.1f} s, {verdict}")
        status |= bool(errors or execution.problem)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
