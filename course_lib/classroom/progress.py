"""A learner's self-check: which exercises pass, re-running only the notebooks that changed.

Used as ``course_lib.progress()`` in a notebook cell or a terminal (README,
"Feedback").  Each notebook with exercises is run headless in a fresh kernel
(a temporary copy: the learner's files are not touched) with the grader's
rules, but only with the tests in the learner's copy: the instructor's hidden
tests may still find something.

**The cache.** Results are kept in ``.course_progress.json`` in the folder of
the notebooks, keyed by the SHA-256 of each notebook's bytes and by the
course version (the installed package's version and the size and time of
every ``course_lib`` source file).  A notebook whose key is unchanged is not
run again; editing it, or updating the course, runs it again.  Delete the
file, or pass ``use_cache=False``, to re-run everything.

**Saved files.**  The notebooks are read from disk: one open in Jupyter with
unsaved changes is checked as it was last saved (the printed lines say so;
save first).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from course_lib.classroom.markup import as_path, is_test, notebook_paths, parse_notebook, select_notebooks
from course_lib.classroom.runner import HEADLESS_ENV
from course_lib.classroom.scoring import (
    DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT, NotebookGrade, check_options, grade_notebook,
)

CACHE_NAME = ".course_progress.json"
"""File name of the cache, in the folder of the notebooks checked."""


def course_version() -> str:
    """A fingerprint of the installed course: package version and its source files' sizes and times."""
    from importlib import metadata

    import course_lib

    try:
        version = metadata.version("saliency-course")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(version.encode())
    package = Path(course_lib.__file__).parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _select(selection: tuple[str | os.PathLike[str], ...], folder: Path) -> list[Path]:
    if not selection:
        return notebook_paths(folder, name="folder")
    chosen: list[Path] = []
    names: list[str] = []
    for item in selection:
        path = as_path(item, name="notebooks")
        if path.exists() or (folder / path).exists():
            chosen.extend(notebook_paths(path if path.exists() else folder / path, name="notebooks"))
        else:
            names.append(str(item))
    if names:  # numbers and names: the grader's rule (``grade --notebook 05``)
        available = [path.name for path in notebook_paths(folder, name="folder")]
        chosen.extend(folder / name for name in select_notebooks(names, available, name="notebooks"))
    return sorted(set(chosen))


def _load_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _print(grade: NotebookGrade, cached: bool) -> None:
    tail = "  (unchanged since the last check)" if cached else ""
    print(f"{grade.notebook}: {grade.points:g} / {grade.max_points:g} points"
          + (f"  ({grade.problem})" if grade.problem else "") + tail)
    for check in grade.checks:
        if check.kind == "test":
            status = "PASS" if check.passed else "FAIL"
            line = f"  {status}  {check.name:<32s} {check.points:g}/{check.max_points:g}"
            print(line + (f"  {check.message.splitlines()[0]}" if check.message else ""))
        elif check.kind == "answer":
            print(f"  ----  {check.name:<32s} written answer, scored by your instructor")


def progress(
    *notebooks: str | os.PathLike[str],
    folder: str | os.PathLike[str] = ".",
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    use_cache: bool = True,
) -> list[NotebookGrade]:
    """Print which exercises pass in your notebooks, re-running only those that changed.

    Each notebook's name is printed when its check starts and its result
    when it ends.  The files are checked as saved on disk: save a notebook
    open in Jupyter first, or its unsaved changes are not seen.

    Parameters
    ----------
    *notebooks : str or os.PathLike
        Which notebooks: a number such as ``"05"`` or ``"05b"``, a name
        (:func:`~course_lib.classroom.markup.select_notebooks`: an unknown or
        ambiguous one is an error listing the choices), a notebook file, or a
        folder (default: every notebook of ``folder``).
    folder : str or os.PathLike, optional
        Folder of your notebooks and of the cache (default: the working
        directory).
    timeout : float, optional
        Seconds per cell.
    max_output_bytes : int, optional
        Output kept per cell.
    use_cache : bool, optional
        Reuse the result of a notebook that has not changed since its last
        check (see the module notes: ``.course_progress.json`` in ``folder``).

    Returns
    -------
    list of NotebookGrade
        One per notebook with exercises, in name order.

    Raises
    ------
    TypeError, ValueError
        If a notebook or folder does not exist, or an option is out of range.
    """
    check_options(timeout, max_output_bytes, None, 1)
    if os.environ.get(HEADLESS_ENV):
        print("course_lib.progress() does nothing inside a notebook run by progress() or the grader")
        return []
    base = as_path(folder, name="folder")
    if len(notebooks) == 1 and Path(notebooks[0]).is_dir() and str(folder) == ".":
        base, notebooks = Path(notebooks[0]), ()  # progress("my_folder"), as before names were accepted
    if base.is_file():
        base, notebooks = base.parent, (base,) + notebooks
    if not base.is_dir():
        raise ValueError(f"folder must be an existing folder, got {str(base)!r}")
    paths = _select(notebooks, base)
    cache_path = base / CACHE_NAME
    cache = _load_cache(cache_path) if use_cache else {}
    version = course_version()
    grades = []
    print(f"checking {len(paths)} notebook(s) of {str(base)!r} as saved on disk (save a notebook open in Jupyter "
          "first: unsaved changes are not seen)", flush=True)
    for path in paths:
        data = path.read_bytes()
        key = f"{hashlib.sha256(data).hexdigest()}:{version}:{timeout:g}"
        entry = cache.get(path.name)
        if use_cache and isinstance(entry, dict) and entry.get("key") == key:
            try:
                grade = NotebookGrade.from_dict(entry["grade"])
            except (KeyError, TypeError):
                grade = None
            if grade is not None:
                grades.append(grade)
                _print(grade, cached=True)
                continue
        try:
            nb = parse_notebook(data, name=path.name)
        except ValueError as error:
            print(f"{path.name}: {error}")
            continue
        if not any(is_test(cell) for cell in nb.cells):
            continue
        print(f"{path.name}: running its tests ...", flush=True)  # a notebook may take a minute: say which
        grade = grade_notebook(nb, nb, timeout=timeout, max_output_bytes=max_output_bytes, check_outputs=False)
        grade.notebook = path.name
        grade.answers = {}
        grades.append(grade)
        _print(grade, cached=False)
        cache[path.name] = {"key": key, "grade": asdict(grade)}
    if use_cache:
        try:
            cache_path.write_text(json.dumps(cache, indent=1), encoding="utf-8")
        except OSError as error:
            print(f"(could not save the progress cache {cache_path}: {error})")
    if not grades:
        print(f"no notebooks with exercises in {str(base)!r}")
    else:
        tests = [check for grade in grades for check in grade.checks if check.kind == "test"]
        print(f"{sum(check.passed for check in tests)} of {len(tests)} exercise tests pass")
    return grades
