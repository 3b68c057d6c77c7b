"""The course's notebooks as files, wherever the package is installed.

Used by the command line: ``saliency-course init DIR`` copies the course into a
folder of its own (a student's, a hub user's), and ``saliency-course student``
/ ``grade`` take their source notebooks from here outside a clone.

A wheel carries the repository's ``notebooks/*.ipynb`` as package data in
``course_lib/notebooks`` and ``apps/explorers.ipynb`` in ``course_lib/apps``
(the ``package-dir`` mapping in ``pyproject.toml``), read through
:mod:`importlib.resources`.  A clone (an editable install, or ``course_lib``
on ``PYTHONPATH``) has no such folders inside the package: there the files are
the repository's own ``notebooks/`` and ``apps/``, from which the wheel is
built, so every notebook exists once in git.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import NamedTuple

FOLDERS = ("notebooks", "apps")
"""The folders of the course, in copying order: the eleven notebooks, then the app."""

REPOSITORY = "OWNER/saliency-course"
"""The course's GitHub repository, ``owner/name``: pip's git URL, the Binder and Colab links.

``make set-repository REPO=owner/name`` writes it here, in ``pyproject.toml``, the README
and every notebook's set-up cell (tests/test_course_files.py checks that they agree).
"""

SETUP_CELL = f"""\
# Set-up: installs the course package where it is missing (Colab); does nothing otherwise.
try:
    import course_lib
except ImportError:
    import importlib, os, subprocess, sys
    COURSE = os.environ.get("SALIENCY_COURSE_SOURCE", "saliency-course @ git+https://github.com/{REPOSITORY}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", COURSE], check=True)
    importlib.invalidate_caches()
    import course_lib"""
"""The first code cell of every notebook, verbatim.

Where ``course_lib`` imports (a clone after ``make``, a pip install, a hub, Binder) it does
nothing; elsewhere (Colab) it pip-installs the package from GitHub, or from
``SALIENCY_COURSE_SOURCE`` (a wheel's path, a mirror's URL) when that is set.  It cannot
import anything from the course, since it runs before the course exists, so it is plain text.
"""


def course_folder(kind: str) -> Path:
    """The folder holding the course's ``kind`` notebooks.

    Parameters
    ----------
    kind : {"notebooks", "apps"}
        ``"notebooks"``: the eleven course notebooks (the instructor versions,
        with solutions and hidden tests); ``"apps"``: ``explorers.ipynb``.

    Returns
    -------
    pathlib.Path
        ``course_lib/<kind>`` in an installed wheel, else the clone's
        ``<kind>/`` beside the package.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`FOLDERS`.
    FileNotFoundError
        If neither folder exists (a broken install).

    Examples
    --------
    >>> course_folder("notebooks").joinpath("00_what_is_saliency.ipynb").is_file()
    True
    """
    if kind not in FOLDERS:
        raise ValueError(f"kind must be one of {FOLDERS}, got {kind!r}")
    package = resources.files("course_lib")
    packaged = package / kind
    if packaged.is_dir():
        return Path(os.fspath(packaged))  # installed packages are plain folders
    clone = Path(os.fspath(package)).parent
    if (clone / "pyproject.toml").is_file() and (clone / kind).is_dir():
        return clone / kind
    raise FileNotFoundError(
        f"the course's {kind} are not installed with course_lib (looked in {os.fspath(packaged)} "
        f"and {clone / kind}); reinstall the saliency-course package"
    )


def course_notebooks() -> list[Path]:
    """Every notebook :func:`copy_course` copies: the course in order, then the app.

    Examples
    --------
    >>> names = [path.name for path in course_notebooks()]
    >>> names[0], names[-1]
    ('00_what_is_saliency.ipynb', 'explorers.ipynb')
    """
    return [path for kind in FOLDERS for path in sorted(course_folder(kind).glob("*.ipynb"))]


class CopyReport(NamedTuple):
    """What :func:`copy_course` did with each notebook (file names)."""

    written: list[str]
    """New files, and with ``force=True`` the changed ones it overwrote."""
    unchanged: list[str]
    """Files that were already identical to the course's."""
    skipped: list[str]
    """Files that differ from the course's and were kept (``force=False``)."""


def copy_course(directory: str | os.PathLike[str], *, force: bool = False,
                name: str = "directory") -> CopyReport:
    """Copy the course notebooks and the app notebook into ``directory``.

    The folder is created when missing.  A notebook already there is left
    alone when it is identical to the course's, and kept when it differs (a
    student's work) unless ``force=True``; every write goes through a
    temporary file, so an interrupted copy never leaves half a notebook.

    Parameters
    ----------
    directory : str or os.PathLike
        Destination folder (flat: ``00_…ipynb`` to ``09_…ipynb`` and
        ``explorers.ipynb`` side by side).
    force : bool
        Overwrite notebooks that differ from the course's.
    name : str
        What error messages call ``directory`` (the command line says ``DIR``).

    Returns
    -------
    CopyReport
        The file names written, already identical, and skipped.

    Raises
    ------
    TypeError
        If ``directory`` is not a path or ``force`` not a bool.
    ValueError
        If ``directory`` is empty or names a file, or if a folder stands
        where a notebook is to be written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = copy_course(Path(tmp) / "course")
    ...     again = copy_course(Path(tmp) / "course")
    >>> len(first.written) == len(course_notebooks()), again.unchanged == first.written
    (True, True)
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(directory).__name__}")
    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False, got {force!r}")
    if os.fspath(directory) in ("", b""):
        raise ValueError(f"{name} must name a folder, got an empty path")
    folder = Path(os.fsdecode(directory))
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{name} must be a folder (it is created when missing), got {str(folder)!r}, which is a file")
    sources = course_notebooks()
    for source in sources:
        if (folder / source.name).is_dir():
            raise ValueError(f"{name} has a folder where the notebook {source.name!r} goes: {str(folder / source.name)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    report = CopyReport([], [], [])
    for source in sources:
        target = folder / source.name
        content = source.read_bytes()
        if target.exists():
            if target.read_bytes() == content:
                report.unchanged.append(source.name)
                continue
            if not force:
                report.skipped.append(source.name)
                continue
        _write_atomically(target, content)
        report.written.append(source.name)
    return report


def _write_atomically(target: Path, content: bytes) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:  # mode 0o666 less the umask, as any new file
            out.write(content)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
