"""A bubblewrap sandbox around each grading kernel.

Used by :func:`course_lib.classroom.runner.execute` when the grader runs with
``sandbox="bwrap"`` (or ``"auto"`` where bubblewrap works); README,
"What the sandbox protects".

Inside the sandbox a kernel:

* runs as an **unprivileged user** (uid and gid 65534, "nobody") in a user
  namespace of its own, with **every capability dropped** (``--cap-drop
  ALL``), also when the grader runs as root: it cannot remount a folder
  read-write, mount anything, or change its limits;
* sees only an **allow-list of folders**, read-only: the system's programs
  and libraries (``/usr``, ``/bin``, ``/lib*``), a few files of ``/etc`` that
  programs need (the loader's cache, ``passwd``, fonts, certificates; never
  ``shadow``), the Python it runs (prefix, standard library, site-packages)
  and the course package.  Not the rest of the file system: not the home
  folders, not ``/run`` and its sockets (a Unix socket would bypass the
  network namespace), not the clone's ``.git``, not the Dask worker's folder;
  and the folders the grader names as secret (the source notebooks, the
  submissions, the grading output) are empty even where they lie inside an
  allowed folder;
* writes only to size-limited memory folders (``tmpfs``): its working
  folder, ``/tmp``, its home and ``/dev/shm``, each :attr:`Sandbox.tmpfs_bytes`,
  and the folder of its IPC sockets (on ``/dev/shm`` where there is one); no
  file it writes may exceed :data:`MAX_FILE_BYTES` (``prlimit --fsize``);
* has **no network**: its own network namespace (``--unshare-net``), where
  only an unconnected loopback exists; it talks to the grader through
  ZeroMQ's IPC transport (Unix sockets in the bound folder);
* has its own PID, IPC and host-name namespaces: it cannot see or signal the
  grader's processes, and every process it starts dies with it
  (``--die-with-parent``; a PID namespace ends with its first process);
* is limited in **memory, processes and CPU** by a control group of its own
  where the machine lets the grader make one (:mod:`cgroup v1 or v2 <_Cgroups>`,
  usually as root): memory including its tmpfs pages, at most
  :data:`MAX_PROCESSES` processes and threads (a fork bomb stops there), and
  one CPU; where it cannot, the memory limit is ``prlimit --data`` (heap and
  private mappings; tmpfs pages are then bounded by the tmpfs sizes) and the
  number of processes is not limited (the grader's timeouts still stop it).

What it does not do: protect against exploits of the Linux kernel, or hide
the read-only system files above.  Interrupts go as ``interrupt_request``
messages, since signals sent to bubblewrap do not reach the kernel in its new
session.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MEMORY_BYTES = 4 * 2**30
"""Memory limit per kernel unless told otherwise: 4 GiB."""

DEFAULT_TMPFS_BYTES = 256 * 2**20
"""Size of each writable folder of a kernel (working folder, /tmp, home, /dev/shm): 256 MiB."""

MAX_FILE_BYTES = 256 * 2**20
"""Largest file a sandboxed kernel may write (its log included)."""

MAX_PROCESSES = 512
"""Processes and threads a sandboxed kernel may have at once (with a control group)."""

SANDBOX_UID = 65534
"""The uid and gid a kernel runs as inside its user namespace ("nobody")."""

SANDBOX_HOME = "/home/student"
"""The kernel's home folder inside the sandbox (an empty tmpfs)."""

MODES = ("auto", "bwrap", "none")
"""What ``sandbox=`` takes."""

_SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime",
                "timezone", "fonts", "ssl", "ca-certificates", "alternatives", "mime.types", "os-release")
_CPU_INFO = "/sys/devices/system/cpu"  # read by torch and OpenBLAS to size their thread pools


@dataclass(frozen=True)
class Sandbox:
    """How to wrap a kernel: folders to hide, the memory limit and the size of its writable folders."""

    hide: tuple[str, ...] = ()
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    tmpfs_bytes: int = DEFAULT_TMPFS_BYTES

    def command(self, argv: list[str], *, sockets: str, workdir: str, cgroup: "Cgroup | None" = None) -> list[str]:
        """``argv`` run inside bubblewrap; ``sockets`` is bound read-write, ``workdir`` is a fresh tmpfs."""
        size = str(self.tmpfs_bytes)
        options = ["bwrap", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
                   "--cap-drop", "ALL", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                   "--hostname", "sandbox", "--die-with-parent", "--new-session",
                   "--proc", "/proc", "--dev", "/dev"]
        # Mounts apply in order, a later one covering an earlier: the empty folders first, then the
        # read-only folders (a Python or a clone under /tmp stays visible), then what is hidden again.
        for path in ("/tmp", SANDBOX_HOME, "/dev/shm"):
            options += ["--size", size, "--tmpfs", path]
        for folder in _SYSTEM_FOLDERS:
            if os.path.islink(folder):  # merged /usr: /lib -> usr/lib
                options += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                options += ["--ro-bind", folder, folder]
        for entry in _ETC_ENTRIES:
            path = os.path.join("/etc", entry)
            if os.path.exists(path):
                options += ["--ro-bind", path, path]
        if os.path.isdir(_CPU_INFO):
            options += ["--ro-bind", _CPU_INFO, _CPU_INFO]
        for path in python_paths():
            options += ["--ro-bind", path, path]
        for path in self.hide:
            if os.path.isdir(path):
                options += ["--tmpfs", os.path.realpath(path)]
        options += ["--size", size, "--tmpfs", workdir, "--bind", sockets, sockets,
                    "--chdir", workdir, "--setenv", "HOME", SANDBOX_HOME, "--setenv", "PWD", workdir,
                    # ipykernel stops when its parent's PID is not its parent: in the PID
                    # namespace it never is; --die-with-parent does that job instead.
                    "--unsetenv", "JPY_PARENT_PID", "--"]
        # The heap limit makes a large allocation fail with MemoryError (a message the student
        # understands); the control group also bounds what the heap limit does not see (tmpfs pages).
        limits = ["prlimit", f"--fsize={MAX_FILE_BYTES}", f"--data={self.memory_bytes}"]
        command = options + limits + ["--", *argv]
        return cgroup.wrap(command) if cgroup is not None else command

    def cgroup(self) -> "Cgroup | None":
        """A new control group for one kernel with this sandbox's limits, or None where none can be made."""
        if not cgroups_available():
            return None
        return Cgroup.create(self.memory_bytes + 4 * self.tmpfs_bytes)  # the heap, and the four tmpfs


def python_paths() -> list[str]:
    """The folders a kernel's Python needs: its prefixes, site-packages, ``PYTHONPATH`` and the course.

    A kernel runs the grader's own interpreter (the kernel spec names it), so
    these are read off this one: ``sys.prefix``, ``sys.base_prefix``, the
    executable's folder (as given and resolved), every ``sys.path`` and
    ``PYTHONPATH`` entry outside the course's clone (and not above it), and
    the ``course_lib`` package folder itself
    (not the clone around it: no ``.git``, no notebooks).  Nested folders are
    dropped, parents kept.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    clone = os.path.dirname(package)
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable),
                  os.path.dirname(os.path.realpath(sys.executable)), package]
    # PYTHONPATH as sys.path: an instructor who puts the clone on it must not hand the kernels its .git
    # (solutions in the history) and its instructor notebooks
    for entry in [*sys.path, *os.environ.get("PYTHONPATH", "").split(os.pathsep)]:
        if entry and not _within(os.path.abspath(entry), clone) and not _within(clone, os.path.abspath(entry)):
            candidates.append(entry)
    paths: set[str] = set()
    for path in candidates:
        if path and os.path.isdir(path):
            paths.update({os.path.abspath(path), os.path.realpath(path)})
    paths.discard("/")
    kept = [path for path in sorted(paths) if not any(_within(path, other) for other in paths if other != path)]
    return [path for path in kept if not any(_within(path, folder) for folder in _SYSTEM_FOLDERS)]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# ---------------------------------------------------------------------------
# Control groups
# ---------------------------------------------------------------------------

_CGROUP_ROOT = "/sys/fs/cgroup"
_GROUP = "saliency-course"


def _cgroup_layout() -> dict[str, str] | None:
    """Where to make kernel groups: ``{controller: parent folder}``, or None.

    cgroup v2 (one hierarchy with ``memory``, ``pids`` and ``cpu`` available
    at its root) or v1 (one hierarchy per controller), as far as this process
    may write there (root, usually).
    """
    root = Path(_CGROUP_ROOT)
    controllers = root / "cgroup.controllers"
    if controllers.is_file():
        available = controllers.read_text().split()
        if {"memory", "pids", "cpu"} <= set(available) and os.access(root, os.W_OK):
            return {"v2": str(root / _GROUP)}
        return None
    layout = {name: str(root / name / _GROUP) for name in ("memory", "pids", "cpu")}
    if all(os.access(root / name, os.W_OK) and (root / name / "cgroup.procs").is_file() for name in layout):
        return layout
    return None


@functools.lru_cache(maxsize=1)
def cgroups_available() -> bool:
    """Whether a control group per kernel can be made here (tried once per process)."""
    try:
        group = Cgroup.create(2**28)
    except OSError:
        return False
    if group is None:
        return False
    group.remove()
    return True


@dataclass(frozen=True)
class Cgroup:
    """One kernel's control group: its folders, one per hierarchy."""

    folders: tuple[str, ...]

    @classmethod
    def create(cls, memory_bytes: int) -> "Cgroup | None":
        layout = _cgroup_layout()
        if layout is None:
            return None
        name = uuid.uuid4().hex[:16]
        folders = []
        try:
            if "v2" in layout:
                parent = Path(layout["v2"])
                parent.mkdir(exist_ok=True)
                with contextlib.suppress(OSError):  # already on, or the root's to set
                    (Path(_CGROUP_ROOT) / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                (parent / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                folder = parent / name
                folder.mkdir()
                folders.append(str(folder))
                (folder / "memory.max").write_text(str(memory_bytes))
                if (folder / "memory.swap.max").exists():
                    (folder / "memory.swap.max").write_text("0")
                (folder / "pids.max").write_text(str(MAX_PROCESSES))
                (folder / "cpu.max").write_text("100000 100000")
            else:
                for controller, parent in layout.items():
                    folder = Path(parent) / name
                    folder.mkdir(parents=True)
                    folders.append(str(folder))
                (Path(layout["memory"]) / name / "memory.limit_in_bytes").write_text(str(memory_bytes))
                (Path(layout["pids"]) / name / "pids.max").write_text(str(MAX_PROCESSES))
                (Path(layout["cpu"]) / name / "cpu.cfs_period_us").write_text("100000")
                (Path(layout["cpu"]) / name / "cpu.cfs_quota_us").write_text("100000")
        except OSError:
            Cgroup(tuple(folders)).remove()
            raise
        return cls(tuple(folders))

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` started from a shell that first moves itself into this group."""
        procs = " ".join(shlex.quote(os.path.join(folder, "cgroup.procs")) for folder in self.folders)
        script = f'for f in {procs}; do echo $$ > "$f" || exit 125; done; exec "$@"'
        return ["sh", "-c", script, "sandbox", *command]

    def remove(self) -> None:
        """Kill what is left in the group, then delete it (never raises)."""
        for folder in self.folders:
            procs = Path(folder) / "cgroup.procs"
            for _ in range(50):
                try:
                    pids = [int(pid) for pid in procs.read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                time.sleep(0.02)
            try:
                os.rmdir(folder)
            except OSError:
                pass


# ---------------------------------------------------------------------------
# Choosing the sandbox
# ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def bwrap_problem() -> str:
    """Why bubblewrap cannot sandbox kernels here ('' when it can), tried once per process.

    The trial runs the sandbox's own options (a user namespace as "nobody",
    no capabilities): where a user namespace cannot be made, privileges
    cannot be dropped, and a root grader must not run kernels as root.
    """
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
    if shutil.which("prlimit") is None:
        return "prlimit (util-linux) is not installed"
    check = "test \"$(id -u)\" = 65534 && ! grep -q '^CapEff:.*[1-9a-f]' /proc/self/status"
    try:
        with tempfile.TemporaryDirectory(prefix="course-probe-") as sockets:
            probe = Sandbox().command(["sh", "-c", check], sockets=sockets, workdir="/work-probe")
            result = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap does not run: {error}"
    if result.returncode != 0:
        return ("bubblewrap cannot drop privileges here (a user namespace as an unprivileged user, no "
                f"capabilities): {result.stderr.strip()[:200] or 'exit ' + str(result.returncode)}")
    return ""


def resolve(mode: str, *, hide: list[str | os.PathLike[str]] | tuple = (),
            memory_bytes: int = DEFAULT_MEMORY_BYTES) -> tuple[Sandbox | None, str]:
    """The sandbox for ``mode`` and one line saying what was chosen.

    Raises
    ------
    ValueError
        If ``mode`` is unknown, ``memory_bytes`` is not a positive integer, or
        ``mode`` is ``"bwrap"`` and bubblewrap cannot run kernels unprivileged here.
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
    limits = (f"a control group of {memory_bytes / 2**30:g} GiB, {MAX_PROCESSES} processes, one CPU"
              if cgroups_available() else f"{memory_bytes / 2**30:g} GiB of heap (no control group here)")
    return Sandbox(folders, memory_bytes), (
        f"sandbox: bubblewrap (unprivileged, no network, allow-listed read-only files, {limits} per kernel)")
