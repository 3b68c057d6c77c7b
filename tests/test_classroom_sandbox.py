"""The sandbox's bubblewrap command, read as bubblewrap applies it (nothing is started here).

Mounts apply in order and a later one covers an earlier one at or above its path: an empty
/tmp laid after the Python was bound would hide a clone or a venv under /tmp (a kernel then
cannot start).  What the sandbox does to a running kernel is in test_classroom_attacks.py.
"""

from __future__ import annotations

import pytest

from course_lib.classroom import sandbox


def _mounts(command: list[str]) -> list[tuple[str, str]]:
    """(kind, target) of each mount, in order."""
    mounts, index = [], 0
    while index < len(command) and command[index] != "--":
        word = command[index]
        if word in ("--ro-bind", "--bind", "--symlink"):
            mounts.append((word, command[index + 2]))
            index += 3
        elif word in ("--tmpfs", "--proc", "--dev"):
            mounts.append((word, command[index + 1]))
            index += 2
        else:
            index += 1
    return mounts


def _visible_as(mounts: list[tuple[str, str]], path: str) -> str:
    """The kind of the last mount at or above ``path``: what the kernel sees there."""
    kind = "absent"
    for mount, target in mounts:
        if path == target or path.startswith(target.rstrip("/") + "/"):
            kind = mount
    return kind


@pytest.mark.parametrize("python", [["/tmp/clone/.venv", "/tmp/clone/course_lib"], ["/home/me/.venv", "/opt/py"]])
def test_the_python_stays_visible_wherever_it_lies(monkeypatch, python):
    monkeypatch.setattr(sandbox, "python_paths", lambda: python)
    box = sandbox.Sandbox(hide=("/tmp/clone/source",))
    mounts = _mounts(box.command(["python"], sockets="/dev/shm/course-run-1", workdir="/tmp/course-run-2"))
    for path in python:
        assert _visible_as(mounts, path + "/lib/site.py") == "--ro-bind", path
    assert _visible_as(mounts, "/tmp/other") == "--tmpfs"  # /tmp itself is an empty, private folder
    assert _visible_as(mounts, "/tmp/course-run-2/notes.txt") == "--tmpfs"  # the working folder: memory, not disk
    assert _visible_as(mounts, "/dev/shm/course-run-1/kernel.json") == "--bind"  # the sockets, shared
    assert _visible_as(mounts, sandbox.SANDBOX_HOME + "/.ipython") == "--tmpfs"


def test_secrets_and_sockets_are_not_there(monkeypatch, tmp_path):
    venv, package = tmp_path / "course" / ".venv", tmp_path / "course" / "course_lib"
    notebooks = venv / "share" / "notebooks"  # the source notebooks, inside an allowed folder
    notebooks.mkdir(parents=True)
    monkeypatch.setattr(sandbox, "python_paths", lambda: [str(venv), str(package)])
    mounts = _mounts(sandbox.Sandbox(hide=(str(notebooks),)).command(["python"], sockets="/dev/shm/s",
                                                                     workdir="/tmp/w"))
    for path in ("/run/docker.sock", "/root/.ssh/id_rsa", "/etc/shadow", f"{tmp_path}/course/.git/config",
                 "/home/someone/notes", "/var/lib/x", "/sys/fs/cgroup/memory"):
        assert _visible_as(mounts, path) in ("absent", "--tmpfs"), path  # nothing, or an empty folder
    assert _visible_as(mounts, f"{notebooks}/01.ipynb") == "--tmpfs"  # hidden again


def test_the_kernel_runs_unprivileged_where_bubblewrap_is_usable():
    if sandbox.bwrap_problem():
        pytest.skip(sandbox.bwrap_problem())
    # the probe ran the sandbox's own options and checked uid 65534 and no effective capability
    assert sandbox.resolve("bwrap")[0] is not None


def test_a_clone_on_pythonpath_stays_out_of_the_sandbox(monkeypatch, tmp_path):
    """PYTHONPATH=<the clone> (or a folder above it) must not bind the clone: its .git holds the solutions'
    history and notebooks/ the instructor notebooks.  Only course_lib itself is bound; another folder on
    PYTHONPATH still is."""
    import os

    package = os.path.dirname(os.path.dirname(os.path.abspath(sandbox.__file__)))
    clone = os.path.dirname(package)
    elsewhere = tmp_path / "site"
    elsewhere.mkdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([clone, os.path.dirname(clone), str(elsewhere)]))
    paths = sandbox.python_paths()
    assert package in paths and str(elsewhere) in paths
    assert not any(path == clone or clone.startswith(path + os.sep) for path in paths), paths
