"""A bubblewrap sandbox around each grading kernel.

Used by :func:`course_lib.classroom.runner.execute` when the grader runs with
``sandbox="bwrap"`` (or ``"auto"`` where bubblewrap works); README,
"What the sandbox protects".

Inside the sandbox a kernel sees:

* the whole file system **read-only** (``--ro-bind / /``), except its own
  empty working folder and the folder of its IPC sockets, both writable;
* an empty, private ``/tmp`` and an empty home folder (``--tmpfs``), and
  empty folders in place of every folder the grader names as secret (the
  source notebooks, the submissions, the grading output);
* **no network**: its own network namespace (``--unshare-net``), where only
  an unconnected loopback exists; the kernel talks to the grader through
  ZeroMQ's IPC transport (Unix sockets in the bound folder), so it needs none;
* its own PID namespace (``--unshare-pid``): it cannot see or signal the
  grader's processes, and every process it starts dies with it
  (``--die-with-parent``; a PID namespace ends with its first process);
* a memory limit (``prlimit --data``: the data segment and private writable
  mappings, so the shared libraries of numpy or torch do not count), beyond
  which allocations fail with ``MemoryError``.

What it does not do: limit CPU time (the grader's timeouts do), hide
read-only system files such as ``/etc/passwd``, or protect against kernel
exploits.  Interrupts go as ``interrupt_request`` messages, since signals
sent to bubblewrap do not reach the kernel in its new session.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MEMORY_BYTES = 4 * 2**30
"""Memory limit per kernel unless told otherwise: 4 GiB."""

MODES = ("auto", "bwrap", "none")
"""What ``sandbox=`` takes."""


@dataclass(frozen=True)
class Sandbox:
    """How to wrap a kernel: folders to hide and the memory limit."""

    hide: tuple[str, ...] = ()
    memory_bytes: int = DEFAULT_MEMORY_BYTES

    def command(self, argv: list[str], *, writable: list[str], workdir: str) -> list[str]:
        """``argv`` run inside bubblewrap, with ``writable`` folders bound read-write."""
        home = os.path.expanduser("~")
        options = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        if home not in ("/", ""):
            options += ["--tmpfs", home]
        bound: list[str] = []
        for path in _python_paths():  # what the kernel's Python needs, if /tmp or the home hid it
            hidden = any(path == top or path.startswith(top + os.sep) for top in (home, "/tmp"))
            if hidden and not any(path.startswith(parent + os.sep) for parent in bound):
                options += ["--ro-bind", path, path]  # a folder inside it comes along, symbolic links too
                bound.append(path)
        for path in self.hide:
            if os.path.isdir(path):
                options += ["--tmpfs", os.path.realpath(path)]
        for path in writable:
            options += ["--bind", path, path]
        options += ["--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session",
                    "--setenv", "HOME", home, "--chdir", workdir,
                    # ipykernel stops when its parent's PID is not its parent: in the PID
                    # namespace it never is; --die-with-parent does that job instead.
                    "--unsetenv", "JPY_PARENT_PID", "--"]
        return options + ["prlimit", f"--data={self.memory_bytes}", "--", *argv]


def _python_paths() -> list[str]:
    """The folders this Python runs from and imports from, as given and resolved, parents first.

    A kernel runs the grader's own interpreter (the kernel spec names it), so
    its prefix, its executable's folder, every ``sys.path`` entry (the
    ``PYTHONPATH`` of a clone included) and the course package must stay
    visible where ``/tmp`` or the home folder is replaced by an empty one.
    """
    course_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable), course_root,
                  *(entry for entry in sys.path if entry)]
    paths = set()
    for path in candidates:
        if os.path.isdir(path):
            paths.update({os.path.abspath(path), os.path.realpath(path)})
    return sorted(paths)


@functools.lru_cache(maxsize=1)
def bwrap_problem() -> str:
    """Why bubblewrap cannot sandbox kernels here ('' when it can), tried once per process."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
    if shutil.which("prlimit") is None:
        return "prlimit (util-linux) is not installed"
    try:
        result = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid",
                                 "--die-with-parent", "--", "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap does not run: {error}"
    if result.returncode != 0:
        return f"bubblewrap does not run here: {result.stderr.strip()[:200] or result.returncode}"
    return ""


def resolve(mode: str, *, hide: list[str | os.PathLike[str]] | tuple = (),
            memory_bytes: int = DEFAULT_MEMORY_BYTES) -> tuple[Sandbox | None, str]:
    """The sandbox for ``mode`` and one line saying what was chosen.

    Raises
    ------
    ValueError
        If ``mode`` is unknown, ``memory_bytes`` is not a positive integer, or
        ``mode`` is ``"bwrap"`` and bubblewrap does not work here.
    """
    if mode not in MODES:
        raise ValueError(f"sandbox must be one of {list(MODES)}, got {mode!r}")
    if isinstance(memory_bytes, bool) or not isinstance(memory_bytes, int) or memory_bytes < 2**27:
        raise ValueError(f"memory must be an integer number of bytes >= 128 MiB, got {memory_bytes!r}")
    if mode == "none":
        return None, "sandbox: none (asked for): submissions run with your permissions and network"
    problem = bwrap_problem()
    if problem:
        if mode == "bwrap":
            raise ValueError(f"sandbox='bwrap' cannot be used: {problem}")
        return None, f"sandbox: none ({problem}); submissions run with your permissions and network"
    folders = tuple(str(Path(path).resolve()) for path in hide)
    return Sandbox(folders, memory_bytes), (
        f"sandbox: bubblewrap (no network, read-only files, {memory_bytes / 2**30:g} GiB memory per kernel)")
