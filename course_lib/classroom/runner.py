"""Run one notebook top to bottom in a fresh kernel: the grader's and progress()'s engine.

Used by :mod:`course_lib.classroom.scoring` (grading, self-checks) and, as
``python -m course_lib.classroom.runner NOTEBOOK...``, by course authors to
re-execute notebooks in place.

nbclient runs the cells.  On top of it this module adds what grading needs:
a cap on stored output per cell, a record of which cells ran and which timed
out, a whole-notebook time budget, and a kernel started in an empty working
folder with the course's headless marker set.

The kernels' channels poll in slices (:mod:`course_lib.kernel_transport`): nbclient's one long
poll of a socket can miss its wake-up (nbclient issue #312).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from nbformat import NotebookNode

from course_lib import course_files
from course_lib.kernel_transport import SlicedPollKernelManager
from course_lib.classroom.sandbox import Sandbox

HEADLESS_ENV = "COURSE_LIB_HEADLESS"
"""Set in the kernels this package starts, so that progress() inside them does nothing."""

DEFAULT_MAX_NOTEBOOK_BYTES = 64 * 2**20
"""Bytes a kernel may send in all for one notebook (outputs, display updates, widget messages)."""

MESSAGE_CHARS = 3000
"""Characters of an error message or traceback line kept when output is capped."""

KEPT_ENV = ("PATH", "LD_LIBRARY_PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX",
            "CONDA_DEFAULT_ENV", "TORCH_HOME", "SYSTEMROOT", "PATHEXT", "COMSPEC")
"""Variables of the grader's environment a kernel gets; every other one is dropped (tokens, keys)."""

KEPT_ENV_PREFIXES = ("LC_", "OMP_", "MKL_", "OPENBLAS_", "KMP_", "GOTO_", "NUMEXPR_", "VECLIB_")
"""...and those starting so: locale and the thread and CPU settings of the numeric libraries."""


def kernel_manager_class() -> type:
    """The kernel manager the runner uses (:class:`SlicedPollKernelManager`)."""
    return SlicedPollKernelManager


def _sandboxed_kernel_manager(sandbox: Sandbox, *, ipc_dir: str, workdir: str, kernel_name: str,
                              cgroup: Any = None) -> Any:
    """A kernel manager whose kernel runs in ``sandbox`` (and ``cgroup``), over IPC sockets in ``ipc_dir``."""
    base = kernel_manager_class()

    class SandboxedKernelManager(base):
        def format_kernel_cmd(self, extra_arguments=None):
            argv = super().format_kernel_cmd(extra_arguments)
            return sandbox.command(argv, sockets=ipc_dir, workdir=workdir, cgroup=cgroup)

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


class OutputFlood(Exception):
    """The kernel sent more than the notebook's byte budget: the notebook is stopped."""


def _message_size(value: Any, depth: int = 0) -> int:
    """Characters of the strings in a message's content (its size, near enough), in linear time."""
    if isinstance(value, str):
        return len(value)
    if depth > 20:
        return 0
    if isinstance(value, dict):
        return sum(len(key) + _message_size(item, depth + 1) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_message_size(item, depth + 1) for item in value)
    return 8


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

        def __init__(self, nb: NotebookNode, *, max_output_bytes: int, max_notebook_bytes: int,
                     answer_input: Any = None, delegate: Any = None, keep_widget_state: bool = False,
                     **kwargs: Any) -> None:
            # nbclient's Output-widget mimic writes into the widget state whatever store_widget_state
            # says (a KeyError without it), so the state is always gathered (its messages count
            # against the byte budget) and written to the notebook only with keep_widget_state.
            super().__init__(nb, store_widget_state=True, **kwargs)
            self.keep_widget_state = keep_widget_state
            self.answer_input = answer_input
            self.delegate = delegate
            self.max_output_bytes = max_output_bytes
            self.max_notebook_bytes = max_notebook_bytes
            self.received = 0
            self.executed: set[int] = set()
            self.timed_out: set[int] = set()
            self.current: int | None = None
            self.started = 0.0
            self.cell_seconds: dict[int, float] = {}
            self.replies: dict[int, dict[str, str]] = {}
            self.used: dict[int, int] = {}
            self.on_cell_start = self._cell_started
            self.on_cell_executed = self._cell_executed

        async def async_execute(self, reset_kc: bool = False, **kwargs: Any) -> NotebookNode:
            # nbclient's own loop (its public steps only), plus what grading needs: a task that answers
            # the kernel's input requests while cells run, and cells handed to ``delegate`` (the
            # pristine kernel's tests) instead of this kernel.
            self.reset_execution_trackers()
            async with self.async_setup_kernel(**kwargs):
                # the kernel answers this before any cell of the notebook has run
                info = await self.async_wait_for_reply(await ensure_async(self.kc.kernel_info()))
                language = (info or {}).get("content", {}).get("language_info")
                if isinstance(language, dict):
                    self.nb.metadata["language_info"] = language
                answering = None
                if self.answer_input is not None:
                    self.kc.allow_stdin = True  # nbclient turns input requests off; this kernel's are answered
                    answering = asyncio.ensure_future(self._answer_input())
                try:
                    for index, cell in enumerate(self.nb.cells):
                        if self.delegate is not None and delegated(cell):
                            await self.delegate(self, cell, index)
                        else:
                            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
                finally:
                    if answering is not None:
                        answering.cancel()
                if self.keep_widget_state:  # re-executing a course notebook
                    self.set_widgets_metadata()
            return self.nb

        async def _answer_input(self) -> None:
            while True:
                msg = await self.kc.stdin_channel.get_msg(timeout=None)
                if msg.get("msg_type") != "input_request":
                    continue
                prompt = msg.get("content", {}).get("prompt", "")
                asked_in = (self.current, self.started)
                try:
                    answer = await self.answer_input(prompt if isinstance(prompt, str) else "")
                except Exception as error:  # noqa: BLE001 - the asking cell gets a failure, the run goes on
                    answer = json.dumps({"error": "RuntimeError", "message": f"the grader could not "
                                         f"answer: {type(error).__name__}"})
                if (self.current, self.started) != asked_in or self.current in self.timed_out:
                    continue  # the cell that asked was stopped meanwhile: nobody waits for this answer
                self.kc.input(answer)

        def _cell_started(self, cell: NotebookNode, cell_index: int) -> None:
            self.current, self.started = cell_index, time.monotonic()

        def _cell_executed(self, cell: NotebookNode, cell_index: int, execute_reply: Any) -> None:
            self.executed.add(cell_index)
            self.cell_seconds[cell_index] = time.monotonic() - self.started
            self.replies[cell_index] = reply_summary(execute_reply)

        async def _async_handle_timeout(self, timeout, cell=None):
            # nbclient has no public hook for a timeout; this override only records it.
            if self.current in self.timed_out:  # interrupted a timeout ago and still running
                raise Unstoppable(f"cell {self.current + 1} ignored the interrupt sent after {timeout} s; "
                                  "the notebook was stopped there")
            if self.current is not None:
                self.timed_out.add(self.current)
            return await super()._async_handle_timeout(timeout, cell)

        def process_message(self, msg, cell, cell_index):
            # Everything the kernel sends counts: outputs, display updates, widget messages.
            self.received += _message_size(msg.get("content"))
            if self.received > self.max_notebook_bytes:
                raise OutputFlood(f"the notebook sent more than {self.max_notebook_bytes} bytes of output "
                                  "and was stopped")
            return super().process_message(msg, cell, cell_index)

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


DELEGATE_KEY = "course_grader_delegate"
"""Cell metadata of a cell that :func:`execute` hands to its ``delegate`` instead of running it."""


def delegated(cell: NotebookNode) -> bool:
    """Whether ``cell`` is run by the delegate (the pristine kernel), not by this notebook's kernel."""
    return bool(cell.get("metadata", {}).get(DELEGATE_KEY))


def reply_summary(execute_reply: Any) -> dict[str, str]:
    """``{"status", "ename", "evalue"}`` of a cell's ``execute_reply``, as plain short strings.

    The status is what the kernel answered for the request as a whole, not
    what the cell chose to print: an exception that the kernel could not
    render (an ``ExceptionGroup`` in some IPython versions), a custom
    exception handler (``set_custom_exc``) or a hook that clears the output
    leave no error output, but the reply still says ``"error"``.  Anything
    that is not a well-formed reply counts as ``"missing"``.
    """
    content = execute_reply.get("content") if isinstance(execute_reply, dict) else None
    if not isinstance(content, dict):
        return {"status": "missing", "ename": "", "evalue": ""}
    status = content.get("status")
    summary = {"status": status if status in ("ok", "error", "aborted") else "missing"}
    for key in ("ename", "evalue"):
        value = content.get(key, "")
        summary[key] = value[:MESSAGE_CHARS] if isinstance(value, str) else ""
    return summary


@dataclass
class Execution:
    """What running a notebook left: the notebook with outputs, and what ran.

    ``replies`` holds, per executed cell index, the kernel's answer to the
    request (:func:`reply_summary`): a cell passed only if it says ``"ok"``.
    """

    nb: NotebookNode
    executed: set[int] = field(default_factory=set)
    timed_out: set[int] = field(default_factory=set)
    problem: str = ""
    seconds: float = 0.0
    cell_seconds: dict[int, float] = field(default_factory=dict)
    replies: dict[int, dict[str, str]] = field(default_factory=dict)

    def completed(self, index: int) -> bool:
        """Whether cell ``index`` ran to the end: executed, not timed out, and its reply said ``"ok"``."""
        return (index in self.executed and index not in self.timed_out
                and self.replies.get(index, {}).get("status") == "ok")


def kernel_env(workdir: str, home: str | None = None, *, figures: bool = False) -> dict[str, str]:
    """The environment of a grading kernel: an allow-list of the caller's, markers and fresh folders.

    Only :data:`KEPT_ENV` and :data:`KEPT_ENV_PREFIXES` pass (a grader's
    tokens must not reach a page through ``os.environ``).  With ``home``
    (a new empty folder, when no sandbox gives the kernel an empty home of its
    own), every per-user folder Python, IPython, Jupyter and matplotlib read
    points into it, and the user's site-packages is off: nothing one student's
    kernel writes there (an IPython startup file, a ``.pth``) reaches the next.
    Matplotlib draws off screen (``Agg``: a graded notebook's figures are not
    kept); with ``figures`` it uses Jupyter's inline backend, so each cell's
    figures are stored as its outputs, as JupyterLab does.
    """
    env = {key: value for key, value in os.environ.items()
           if key in KEPT_ENV or key.startswith(KEPT_ENV_PREFIXES)}
    backend = "module://matplotlib_inline.backend_inline" if figures else "Agg"
    env.update({"PWD": workdir, "MPLBACKEND": backend, HEADLESS_ENV: "1", "PYTHONNOUSERSITE": "1"})
    if home is not None:
        env.update({"HOME": home, "IPYTHONDIR": os.path.join(home, ".ipython"),
                    "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
                    "JUPYTER_CONFIG_DIR": os.path.join(home, ".jupyter"),
                    "JUPYTER_DATA_DIR": os.path.join(home, ".local", "share", "jupyter"),
                    "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                    "XDG_CACHE_HOME": os.path.join(home, ".cache"),
                    "XDG_DATA_HOME": os.path.join(home, ".local", "share")})
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
    max_notebook_bytes: int | None = None,
    answer_input: Any = None,
    delegate: Any = None,
    as_jupyterlab: bool = False,
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
    max_notebook_bytes : int or None
        Bytes the kernel may send in all (outputs, display updates, widget
        messages) before the notebook is stopped (default:
        :data:`DEFAULT_MAX_NOTEBOOK_BYTES`, or ``max_output_bytes`` if larger).
    answer_input : async callable or None
        Answers the kernel's ``input()`` prompts (a string in, a string out),
        while the cells run; without it nothing answers them.
    delegate : async callable or None
        Runs the cells marked as delegated (:func:`delegated`) in their place,
        called with this kernel's client and the cell, while this kernel is up
        (the grader runs the test cells in the pristine kernel so); its time
        counts against the notebook's budget.
    as_jupyterlab : bool
        Keep what JupyterLab keeps (for re-executing a course notebook): the
        widgets' state in the notebook's metadata, and each cell's figures
        (matplotlib's inline backend); off when grading, where the state would
        be one more thing the student's code could make as large as it likes
        and figures are not needed.

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
    # A sandboxed kernel's sockets (and its log) on /dev/shm: memory its control group is charged
    # for, not the grader's disk.
    shm = "/dev/shm" if sandbox is not None and os.access("/dev/shm", os.W_OK) else None
    cgroup = sandbox.cgroup() if sandbox is not None else None
    with tempfile.TemporaryDirectory(prefix="course-run-") as scratch, \
            tempfile.TemporaryDirectory(prefix="course-run-log-", dir=shm) as logs, \
            tempfile.TemporaryDirectory(prefix="course-run-home-") as fresh_home, \
            contextlib.ExitStack() as cleanup:
        if cgroup is not None:
            cleanup.callback(cgroup.remove)  # whatever is left in it is killed
        folder = str(workdir) if workdir is not None else scratch
        manager = {"kernel_manager_class": kernel_manager_class()}
        if sandbox is not None:
            manager = {"km": _sandboxed_kernel_manager(sandbox, ipc_dir=logs, workdir=folder,
                                                       kernel_name=kernel_name, cgroup=cgroup)}
        client = _client_class()(
            nb, max_output_bytes=max_output_bytes, timeout=max(1, round(timeout)),
            answer_input=answer_input, delegate=delegate,
            max_notebook_bytes=max_notebook_bytes or max(DEFAULT_MAX_NOTEBOOK_BYTES, max_output_bytes),
            # a kernel on a loaded machine may take longer to start than nbclient's 60 s: it gets a cell's time
            startup_timeout=max(60, round(timeout)),
            interrupt_on_timeout=True, allow_errors=True, kernel_name=kernel_name, **manager,
            shutdown_kernel="immediate", record_timing=False, keep_widget_state=as_jupyterlab,
            resources={"metadata": {"path": folder}})
        problem = ""
        log_path = Path(logs) / "kernel.log"
        with open(log_path, "wb") as log:
            env = kernel_env(folder, home=None if sandbox is not None else fresh_home,  # bwrap: an empty home
                             figures=as_jupyterlab)
            # cleanup_kc: nbclient stops (and reaps) only kernels of managers it made itself; the
            # sandbox's manager is ours, and its bubblewrap would otherwise stay a zombie (or, with
            # no control group to remove, a live kernel) until the grader exits
            task = asyncio.ensure_future(client.async_execute(env=env, stdout=log, stderr=log, cleanup_kc=True))
            # Not asyncio.wait_for: nbclient turns the cancellation into DeadKernelError.
            done, _ = await asyncio.wait({task}, timeout=budget)
            try:
                if not done:
                    task.cancel()  # nbclient then shuts the kernel down ("immediate": killed)
                await task
            except asyncio.CancelledError:
                if done:
                    raise
            except (Unstoppable, OutputFlood) as error:
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
            await _stop_kernel_left(client)
    return Execution(nb, set(client.executed), set(client.timed_out), problem, time.perf_counter() - start,
                     dict(client.cell_seconds), dict(client.replies))


async def _stop_kernel_left(client: Any) -> None:
    """Shut down the kernel of ``client`` if nbclient left one running.

    nbclient shuts its kernel down when the notebook ends, but only once the
    kernel has started: a budget that runs out while the kernel is starting
    (a loaded machine takes seconds) cancels the start after the process was
    launched, and that kernel would run until the grader exits.
    """
    manager = getattr(client, "km", None)
    if manager is None or not manager.has_kernel:
        return
    with contextlib.suppress(Exception):  # already gone, or dying: nothing more to do
        await ensure_async(manager.shutdown_kernel(now=True))


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
    nb.metadata.pop("widgets", None)  # the state of this run's widgets replaces the last run's
    execution = run_coroutine(execute(nb, timeout=timeout, max_output_bytes=10**9, workdir=path.parent.resolve(),
                                          as_jupyterlab=True))
    count = 0  # JupyterLab's numbering: 1, 2, ... over the code cells that ran
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count if index in execution.executed else None
        cell.metadata.pop("execution", None)  # JupyterLab's per-cell timings of some earlier run
    nb.metadata[course_files.TIMES_KEY] = {"execution_seconds": round(execution.seconds, 1),
                                           "cpu_count": os.cpu_count()}
    _write_time_paragraph(nb)
    nbformat.write(nb, path)
    return execution


def _write_time_paragraph(nb: NotebookNode) -> None:
    """Put the study estimate and the measured run time in the header (course_files.time_paragraph)."""
    if nb.cells and nb.cells[0].cell_type == "markdown":
        nb.cells[0].source = course_files.with_time_paragraph(nb.cells[0].source, course_files.time_paragraph(nb))


def update_times(path: str | os.PathLike[str]) -> bool:
    """Rewrite a notebook's time paragraph from its text and recorded run time, without executing it.

    Returns whether the file changed (after an edit of the prose moved the study estimate).
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = nb.cells[0].source if nb.cells else ""
    _write_time_paragraph(nb)
    if nb.cells and nb.cells[0].source != before:
        nbformat.write(nb, path)
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    """``python -m course_lib.classroom.runner NOTEBOOK...``: execute in place, report errors."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course_lib.classroom.runner",
                                     description="Execute notebooks in place (fresh kernel, top to bottom).")
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per cell (default: 300)")
    parser.add_argument("--times-only", action="store_true",
                        help="only rewrite each header's time paragraph (after editing the prose); execute nothing")
    args = parser.parse_args(argv)
    status = 0
    if args.times_only:
        for name in args.notebooks:
            print(f"{name}: {'updated' if update_times(name) else 'unchanged'}")
        return 0
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
