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

import json
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from nbformat import NotebookNode

FOLDERS = ("notebooks", "apps")
"""The folders of the course, in copying order: the eleven notebooks, then the app."""

REPOSITORY = "OWNER/saliency-course"
"""The course's GitHub repository, ``owner/name``: pip's git URL, the Binder and Colab links.

``make set-repository REPO=owner/name`` writes it here, in ``pyproject.toml``, the README
and every notebook's set-up cell (tests/test_course_files.py checks that they agree).
"""

SITE = "https://{}.github.io/{}/".format(*REPOSITORY.split("/"))
"""The course website's address on GitHub Pages (``make book``; README, "The course website")."""

SETUP_CELL = f"""\
# Set-up: installs the course package where it is missing (Colab); does nothing otherwise.
try:
    import course_lib
except ImportError:
    import importlib, os, subprocess, sys
    COURSE = os.environ.get("SALIENCY_COURSE_SOURCE", "saliency-course[imagenet] @ git+https://github.com/{REPOSITORY}")
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


def installed_build() -> str:
    """Which notebooks :func:`course_folder` holds: ``"instructor"`` in a clone, ``"public"`` in an installed
    wheel (hidden tests and sample answers removed: :func:`course_lib.classroom.markup.public_notebook`).

    Examples
    --------
    >>> installed_build() in ("instructor", "public")
    True
    """
    from course_lib.classroom.markup import is_public

    first = sorted(course_folder("notebooks").glob("*.ipynb"))[0]
    return "public" if is_public(json.loads(first.read_text(encoding="utf-8"))) else "instructor"


class CopyReport(NamedTuple):
    """What :func:`copy_course` did with each notebook (file names)."""

    written: list[str]
    """New files, and with ``force=True`` the changed ones it overwrote."""
    unchanged: list[str]
    """Files that were already identical to the course's."""
    skipped: list[str]
    """Files that differ from the course's and were kept (``force=False``)."""


VERSIONS = ("instructor", "student", "self-study")
"""What :func:`copy_course` can copy: the notebooks as in the repository (reference solutions, hidden
tests, sample answers and rubrics), the student build (stubs, visible tests only, no sample answers;
:func:`course_lib.classroom.build.student_notebook`), or the student build with each solution and
sample answer in a collapsed cell after the exercise."""


def copy_course(directory: str | os.PathLike[str], *, force: bool = False,
                name: str = "directory", version: str = "instructor") -> CopyReport:
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
    version : {"instructor", "student", "self-study"}
        Which notebooks to write (:data:`VERSIONS`): a graded class's students
        get ``"student"``; the default, the course as in the repository, holds
        the reference solutions, hidden tests and sample answers.

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
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
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
        content = _version_of(source, version)
        if target.exists():
            if target.read_bytes() == content:
                report.unchanged.append(source.name)
                continue
            if not force:
                report.skipped.append(source.name)
                continue
        write_atomically(target, content)
        report.written.append(source.name)
    return report


def _version_of(source: Path, version: str) -> bytes:
    """The bytes of ``source`` as ``version`` (the student builds of notebooks with exercises)."""
    content = source.read_bytes()
    if version == "instructor":
        return content
    import nbformat

    from course_lib.classroom import markup
    from course_lib.classroom.build import student_notebook

    nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    problems = markup.check_markup(source.parent) if any(markup.grade_id(cell) for cell in nb.cells) else []
    if problems:
        raise ValueError(f"the course's notebooks have broken exercise markup, so no student version: {problems[:3]}")
    return nbformat.writes(student_notebook(nb, self_study=version == "self-study")).encode("utf-8") + b"\n"


def write_atomically(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` through a temporary file beside it and a rename: an interrupted
    write leaves the old file (or none), never half of the new one."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:  # mode 0o666 less the umask, as any new file
            out.write(content)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()


TIMES_KEY = "saliency_course"
"""Notebook metadata written by ``python -m course_lib.classroom.runner``: the measured
``execution_seconds`` and the ``cpu_count`` of the machine that stored the outputs."""

_TIME_PARAGRAPH = "**Time:**"
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def study_minutes(nb: NotebookNode) -> int:
    """Estimated minutes a student needs for a notebook, rounded to 5.

    One rule for every notebook, so that no header is a guess of its own: 100
    words of prose per minute (technical text with equations), 10 lines of code
    per minute (reading a call and its printed result), 8 minutes per point of
    the graded exercises, 5 minutes per point of the written questions, 3
    minutes per explorer.  Sample answers, rubrics and test cells are not
    counted: a student does not read them.  The header's own time paragraph is
    left out, so the estimate does not depend on itself.
    """
    from course_lib.classroom import markup

    words = lines = explorers = 0
    exercise_points = written_points = 0.0
    for cell in nb.cells:
        if markup.is_answer(cell):
            written_points += markup.points(cell)
        elif markup.is_test(cell):
            exercise_points += markup.points(cell)
        elif cell.cell_type == "markdown":
            prose = markup.split_rubric(cell.source)[0]
            words += sum(len(paragraph.split()) for paragraph in prose.split("\n\n")
                         if not paragraph.startswith(_TIME_PARAGRAPH))
        elif cell.cell_type == "code" and cell.source != SETUP_CELL:
            lines += len(cell.source.splitlines())
            explorers += "_explorer(" in cell.source
    minutes = words / 100 + lines / 10 + 8 * exercise_points + 5 * written_points + 3 * explorers
    return int(5 * round(minutes / 5))


def measured_seconds(nb: NotebookNode) -> tuple[float, int] | None:
    """``(execution seconds, CPU count)`` recorded when the stored outputs were made, if any."""
    record = nb.metadata.get(TIMES_KEY, {})
    if "execution_seconds" not in record:
        return None
    return float(record["execution_seconds"]), int(record.get("cpu_count", 0))


def time_paragraph(nb: NotebookNode) -> str:
    """The header's time paragraph, from :func:`study_minutes` and :func:`measured_seconds`.

    ``python -m course_lib.classroom.runner`` writes it into the first cell
    whenever it executes a notebook (``--times-only`` rewrites it without
    executing); tests/test_course_files.py checks that it and the README agree.
    """
    from course_lib.classroom import markup

    def count(number: int) -> str:
        return _NUMBER_WORDS[number] if number < len(_NUMBER_WORDS) else str(number)

    def points(value: float) -> str:
        return f"{value:g} point" + ("" if value == 1 else "s")

    tests = [cell for cell in nb.cells if markup.is_test(cell)]
    exercises = [cell for cell in nb.cells if markup.is_solution(cell) and cell.cell_type == "code"]
    answers = [cell for cell in nb.cells if markup.is_answer(cell)]
    parts = []
    if exercises:
        parts.append(f"{count(len(exercises))} graded exercise{'s' * (len(exercises) != 1)} "
                     f"({points(sum(markup.points(cell) for cell in tests))})")
    if answers:
        parts.append(f"{count(len(answers))} written question{'s' * (len(answers) != 1)} "
                     f"({points(sum(markup.points(cell) for cell in answers))})")
    text = f"{_TIME_PARAGRAPH} about {study_minutes(nb)} minutes of study"
    if parts:
        text += ", with " + " and ".join(parts)
    measured = measured_seconds(nb)
    if measured is not None:
        seconds, cpus = measured
        text += (f"; executing every cell took {seconds:.0f} s on the {cpus}-core machine"
                 " that stored the outputs below")
    return text + "."


def with_time_paragraph(source: str, paragraph: str) -> str:
    """``source`` (a header cell) with its ``**Time:**`` paragraph's first sentence replaced by ``paragraph``.

    What follows the first sentence of the old paragraph (a note of the notebook's
    own) is kept.  A header without such a paragraph is returned unchanged.
    """
    paragraphs = source.split("\n\n")
    for index, old in enumerate(paragraphs):
        if old.startswith(_TIME_PARAGRAPH):
            end = old.find(". ")  # the generated sentence has no ". " inside
            paragraphs[index] = paragraph + (old[end + 1:] if end >= 0 else "")
    return "\n\n".join(paragraphs)


def _modules_used(nb: NotebookNode) -> set[str]:
    """The ``course_lib`` modules a notebook's code cells use (``from course_lib import x``, ``course_lib.x``)."""
    import ast

    import course_lib

    known = {path.stem for path in Path(course_lib.__file__).parent.glob("*.py")} | {"classroom"}
    used: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:  # a student's unfinished cell: nothing to learn from it
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "course_lib":
                used.update(alias.name for alias in node.names if alias.name in known)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course_lib."):
                used.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                used.update(alias.name.split(".")[1] for alias in node.names
                            if alias.name.startswith("course_lib.") and alias.name.split(".")[1] in known)
    return used


SHARED_MODULES = ("_validation", "classroom", "cli", "course_files", "kernel_transport", "methods", "timing", "viz",
                  "widgets")
"""``course_lib`` modules that no one notebook teaches: checks, plotting, explorers, timing, the grader,
the command line and the package's own plumbing (:func:`module_table` lists them apart)."""


def module_table() -> str:
    """The README's tables of ``course_lib``'s modules, made from the notebooks and the docstrings.

    First the modules that teach the course, in notebook order: a module's
    row sits at the first notebook that imports it, with every notebook that
    does; then the modules of :data:`SHARED_MODULES`.  Each row's text is the
    first line of the module's docstring.  ``tests/test_course_files.py``
    checks that the README holds these tables as they are.
    """
    import ast

    import nbformat

    import course_lib

    package = Path(course_lib.__file__).parent
    users: dict[str, list[str]] = {}
    for path in course_notebooks():
        if path.parent.name != "notebooks":
            continue  # the explorers' app uses every widget; it teaches nothing
        for module in sorted(_modules_used(nbformat.read(path, as_version=4))):
            users.setdefault(module, []).append(path.name.split("_")[0])
    names = sorted([path.stem for path in package.glob("*.py") if path.stem != "__init__"] + ["classroom"])

    def row(module: str, first: str) -> str:
        path = package / "classroom" / "__init__.py" if module == "classroom" else package / f"{module}.py"
        text = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        summary = text.splitlines()[0].rstrip(".").replace("|", "\\|") if text else ""
        shown = f"`{module}/`" if module == "classroom" else f"`{module}`"
        return f"| {first} | {shown} | {', '.join(users.get(module, [])) or '—'} | {summary} |"

    taught = sorted((m for m in names if m not in SHARED_MODULES), key=lambda m: (users.get(m, ["zz"])[0], m))
    header = ["| first notebook | module | notebooks that import it | what it holds |", "|---|---|---|---|"]
    course = header + [row(m, users[m][0] if m in users else "—") for m in taught]
    shared = header + [row(m, "—") for m in SHARED_MODULES]
    return "\n".join(course) + "\n\nShared by the notebooks, the grader and the command line:\n\n" + "\n".join(shared)
