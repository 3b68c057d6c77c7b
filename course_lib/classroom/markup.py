"""nbgrader markup: reading notebooks, recognising exercise cells, :func:`check_markup`.

Used by every other module of :mod:`course_lib.classroom` and by ``make test``
(the markup of the course notebooks is checked there).

The markup is nbgrader's (schema version 3), so nbgrader itself accepts the
course notebooks:

* a **solution cell** (``solution: true, grade: false``) is a code cell with
  the reference answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
* a **test cell** (``grade: true, solution: false, locked: true``) carries
  ``points`` and a ``grade_id`` unique across the course; asserts between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed from the
  student version and put back for grading;
* a **written answer** (``grade: true, solution: true``: nbgrader's manually
  graded answer) is a markdown cell with ``points``, holding the sample answer
  in the source notebook and "YOUR ANSWER HERE" in the student's.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from course_lib.classroom.pristine import defined_names, free_names

if TYPE_CHECKING:  # nbformat is imported when a notebook is read: setup.py uses public_notebook without it
    from nbformat import NotebookNode

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
"""What replaces a solution region in the student version (nbgrader's Python stub)."""
TEXT_STUB = "YOUR ANSWER HERE"
"""What replaces a written answer in the student version (nbgrader's text stub)."""

# nbgrader's rule for grade ids (nbgrader/nbgraderformat/v1.py).
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any]:
    """The cell's ``nbgrader`` metadata, or an empty dict."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, or None."""
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) else None


def is_solution(cell: NotebookNode) -> bool:
    """A solution code cell (autograded exercise answer)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution", False)) and not meta.get("grade", False)


def is_test(cell: NotebookNode) -> bool:
    """A test cell: graded, not a solution."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade", False)) and not meta.get("solution", False)


def is_answer(cell: NotebookNode) -> bool:
    """A manually graded written answer (``grade`` and ``solution``)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade", False)) and bool(meta.get("solution", False))


def points(cell: NotebookNode) -> float:
    """The cell's points (0 when it has none)."""
    value = nbgrader_meta(cell).get("points", 0)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def as_path(value: object, *, name: str) -> Path:
    """``value`` as a Path; ``TypeError`` naming ``name`` if it is not a path."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")
    return Path(value)


def notebook_paths(folder: Path, *, name: str) -> list[Path]:
    """The notebook ``folder`` names, or the ``*.ipynb`` in it, sorted by name."""
    if folder.is_file():
        if folder.suffix != ".ipynb":
            raise ValueError(f"{name} must be a notebook (.ipynb) or a folder, got {str(folder)!r}")
        return [folder]
    if not folder.is_dir():
        raise ValueError(f"{name} must be an existing notebook or folder, got {str(folder)!r}")
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


_NUMBER = re.compile(r"^(\d+[a-z]?)(?:_|\.ipynb$)", re.IGNORECASE)  # "05b_video_saliency.ipynb" -> "05b"


def select_notebooks(requested: Sequence[str], available: Sequence[str], *, name: str) -> list[str]:
    """The notebooks of ``available`` that ``requested`` names, sorted, each once.

    The one rule of ``saliency-course grade --notebook``, ``saliency-course
    progress`` and :func:`course_lib.progress`.  Each requested item is a
    file name (``"00_what_is_saliency.ipynb"``, or without ``.ipynb``), a
    notebook's number (``"00"``, ``"05b"``: the part before its first ``_``,
    so ``"05"`` is not ``"05b"``), or the start of exactly one name
    (``"05_fast"``).  Numbers and starts ignore case.

    Parameters
    ----------
    requested : sequence of str
        What the user typed.
    available : sequence of str
        File names of the notebooks to choose from.
    name : str
        The argument's name, for error messages.

    Returns
    -------
    list of str
        Names from ``available``, in name order.

    Raises
    ------
    TypeError
        If ``requested`` is not a list or tuple of strings.
    ValueError
        If it is empty, if an item names no notebook, or if it starts
        several names and is no notebook's number (ambiguous); the message
        lists the choices.

    Examples
    --------
    >>> names = ["00_what.ipynb", "05_fast.ipynb", "05b_video.ipynb"]
    >>> select_notebooks(["05", "00_what"], names, name="notebooks")
    ['00_what.ipynb', '05_fast.ipynb']
    """
    if isinstance(requested, str) or not isinstance(requested, (list, tuple)) \
            or not all(isinstance(item, str) for item in requested):
        raise TypeError(f"{name} must be a sequence of notebook names or numbers (str), got {requested!r}")
    if not requested:
        raise ValueError(f"{name} must name at least one notebook, got none")
    chosen = set()
    for item in requested:
        if item in available or item + ".ipynb" in available:
            chosen.add(item if item in available else item + ".ipynb")
            continue
        key = item.casefold()
        numbered = [n for n in available if (found := _NUMBER.match(n)) and found[1].casefold() == key]
        starting = numbered or [n for n in available if n.casefold().startswith(key)]
        if len(starting) != 1:
            why = f"is ambiguous: it starts {len(starting)} names" if starting else "names no notebook"
            raise ValueError(f"{name} {item!r} {why}; give a number such as '00' or '05b', or a name, of "
                             f"{sorted(starting or available)}")
        chosen.update(starting)
    return sorted(chosen)


def parse_notebook(text: str | bytes, *, name: str) -> NotebookNode:
    """Parse notebook JSON as nbformat 4; ``ValueError`` with the reason if it is not a notebook.

    Beyond valid JSON, only the structure the grader relies on is required (a
    list of cells, each with a type and a source): full schema validation
    would refuse notebooks that editors other than Jupyter wrote with extra
    metadata.
    """
    import nbformat
    from nbformat import NotebookNode

    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
    except UnicodeDecodeError as error:
        raise ValueError(f"cannot read {name}: not UTF-8 text (byte {error.start})") from error
    except Exception as error:  # nbformat raises NotJSONError, NBFormatError, KeyError, ...
        # The reason by kind only: nbformat's messages quote the file, which may not be a notebook
        # at all (a student's link to a secret file) and must not reach a feedback page.
        reason = "not JSON" if isinstance(error, ValueError) and "JSON" in type(error).__name__ + str(error)[:40] \
            else f"not an nbformat 4 notebook ({type(error).__name__})"
        raise ValueError(f"{name} is not a valid notebook: {reason}") from error
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(
            isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw")
            and isinstance(cell.get("source"), str) for cell in cells):
        raise ValueError(f"{name} is not a valid notebook: its cells are malformed")
    for cell in cells:
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = NotebookNode()
        if cell.cell_type == "code" and not isinstance(cell.get("outputs"), list):
            cell["outputs"] = []
    return nb


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook file; see :func:`parse_notebook`."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {Path(path).name}: {error}") from error
    return parse_notebook(data, name=Path(path).name)


def region_problem(source: str, begin: str, end: str) -> str | None:
    """Why the ``begin``/``end`` delimiters of ``source`` are unbalanced, or None."""
    inside = False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            if inside:
                return f"line {number}: '{begin}' inside an open region"
            inside = True
        elif end in line:
            if not inside:
                return f"line {number}: '{end}' without '{begin}'"
            inside = False
    return f"'{begin}' is never closed by '{end}'" if inside else None


def in_region(lines: list[str], number: int, begin: str, end: str) -> bool:
    """Whether line ``number`` (1-based) of ``lines`` lies inside a ``begin``/``end`` region."""
    inside = False
    for current, line in enumerate(lines, start=1):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        if current == number:
            return inside
    return False


def _points_problem(meta: dict[str, Any]) -> str | None:
    value = meta.get("points")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return f"graded cells need points > 0, got {value!r}"
    return None


def _outside_names(source: str, solution_names: set[str]) -> set[str]:
    """Names a test cell reads that come from neither itself nor a solution cell."""
    try:
        return free_names(source) - solution_names
    except SyntaxError:
        return set()


def check_markup(path: str | os.PathLike[str], *, require_hidden: bool = False) -> list[str]:
    """Check the nbgrader markup of one notebook or of every notebook in a folder.

    The rules are those the grader and nbgrader rely on:

    * nbgrader metadata has ``schema_version`` 3 and a ``grade_id`` made of
      letters, digits, ``_`` and ``-``, unique across all the notebooks checked;
    * test cells (``grade`` and not ``solution``) are locked code cells with
      ``points`` > 0 and balanced hidden-test delimiters;
    * written answers (``grade`` and ``solution``) are markdown cells with
      ``points`` > 0;
    * solution cells are code cells whose ``### BEGIN SOLUTION`` /
      ``### END SOLUTION`` delimiters are balanced, and every solution cell is
      followed by a test cell before the next solution cell;
    * solution delimiters appear only in solution cells, hidden-test
      delimiters only in test cells;
    * with ``require_hidden``, every test cell has a hidden-test region (the
      course's rule: a visible test alone can be hard-coded against);
    * a test cell uses only the names it defines or imports and those of the
      notebook's solution cells: the grader runs it in a pristine kernel of its
      own (:mod:`course_lib.classroom.pristine`), and nothing a student can change
      decides its inputs.

    Parameters
    ----------
    path : str or os.PathLike
        A notebook, or a folder whose ``*.ipynb`` are checked together.
    require_hidden : bool, optional
        Also require ``### BEGIN HIDDEN TESTS`` in every test cell.

    Returns
    -------
    list of str
        One line per problem, ``"<notebook>: cell <n> (<grade_id>): <problem>"``
        with 1-based cell numbers; empty when the markup is correct.

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    ValueError
        If ``path`` is neither a notebook nor a folder.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> meta = {"grade": False, "grade_id": "ex1", "locked": False,
    ...         "schema_version": 3, "solution": True, "task": False}
    >>> nb = new_notebook(cells=[new_code_cell("### BEGIN SOLUTION\\nx = 1",
    ...                                        metadata={"nbgrader": meta})])
    >>> folder = tempfile.mkdtemp()
    >>> nbformat.write(nb, f"{folder}/ex.ipynb")
    >>> for problem in check_markup(folder):
    ...     print(problem)
    ex.ipynb: cell 1 (ex1): 'BEGIN SOLUTION' is never closed by 'END SOLUTION'
    ex.ipynb: cell 1 (ex1): solution cell is not followed by a test cell before the next solution cell
    """
    paths = notebook_paths(as_path(path, name="path"), name="path")
    problems: list[str] = []
    seen: dict[str, str] = {}
    for notebook_path in paths:
        try:
            nb = read_notebook(notebook_path)
        except ValueError as error:
            problems.append(str(error))
            continue
        open_solution: tuple[int, str] | None = None
        solution_names = {name for cell in nb.cells if is_solution(cell) and cell.get("cell_type") == "code"
                          for name in defined_names(cell.get("source", ""))}
        for number, cell in enumerate(nb.cells, start=1):
            meta = nbgrader_meta(cell)
            source = cell.get("source", "")
            identifier = meta.get("grade_id", "")
            where = f"{notebook_path.name}: cell {number}" + (f" ({identifier})" if identifier else "")

            def report(message: str, where: str = where) -> None:
                problems.append(f"{where}: {message}")

            if meta:
                if meta.get("schema_version") != 3:
                    report(f"nbgrader schema_version must be 3, got {meta.get('schema_version')!r}")
                if not isinstance(identifier, str) or not _GRADE_ID.match(identifier):
                    report(f"grade_id must be letters, digits, '_' or '-', got {identifier!r}")
                elif identifier in seen:
                    report(f"grade_id {identifier!r} is also used in {seen[identifier]}")
                else:
                    seen[identifier] = f"{notebook_path.name} cell {number}"
            if is_answer(cell):
                if cell.cell_type != "markdown":
                    report("written answers (grade and solution) must be markdown cells")
                problem = _points_problem(meta)
                if problem:
                    report(problem)
            elif is_solution(cell):
                if cell.cell_type != "code":
                    report("solution cells must be code cells")
                problem = region_problem(source, BEGIN_SOLUTION, END_SOLUTION)
                if problem:
                    report(problem)
                if open_solution is not None:
                    problems.append(
                        f"{notebook_path.name}: cell {open_solution[0]} ({open_solution[1]}): "
                        "solution cell is not followed by a test cell before the next solution cell")
                open_solution = (number, identifier)
            elif is_test(cell):
                if cell.cell_type != "code":
                    report("test cells must be code cells")
                problem = _points_problem(meta)
                if problem:
                    report(problem)
                if meta.get("locked") is not True:
                    report("test cells must be locked (nbgrader 'locked': true)")
                problem = region_problem(source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
                if problem:
                    report(problem)
                elif require_hidden and BEGIN_HIDDEN_TESTS not in source:
                    report("test cell has no hidden tests (### BEGIN HIDDEN TESTS)")
                outside = _outside_names(source, solution_names)
                if outside:
                    report(f"test cell uses {', '.join(sorted(outside))}, defined outside it: a test cell may use "
                           "only what it defines or imports and the names of the solution cells (the grader "
                           "runs it in a kernel of its own)")
                open_solution = None
            if not (is_solution(cell) or is_answer(cell)) and (BEGIN_SOLUTION in source or END_SOLUTION in source):
                report("solution delimiters outside a solution cell")
            if not is_test(cell) and (BEGIN_HIDDEN_TESTS in source or END_HIDDEN_TESTS in source):
                report("hidden-test delimiters outside a test cell")
        if open_solution is not None:
            problems.append(
                f"{notebook_path.name}: cell {open_solution[0]} ({open_solution[1]}): "
                "solution cell is not followed by a test cell before the next solution cell")
    return problems


# ---------------------------------------------------------------------------
# Rubrics of written answers
# ---------------------------------------------------------------------------

RUBRIC_HEADING = re.compile(r"^#{1,6}\s*Rubric\s*$", re.MULTILINE)
_RUBRIC_ITEM = re.compile(r"^\s*[-*]\s+\*\*(\d+(?:\.\d+)?)\s+points?\*\*\s*[:.]?\s*(.+)$")
_WRONG_ANSWERS = re.compile(r"^\s*[-*]\s+\*(?:\*)?Common wrong answers", re.IGNORECASE)


def split_rubric(source: str) -> tuple[str, str]:
    """(sample answer, rubric) of a written answer's source cell; the rubric is "" when it has none.

    The rubric is everything under a ``#### Rubric`` heading (any level):
    bullet items ``- **1 point**: what earns it``, and a
    ``- *Common wrong answers*: ...`` item.
    """
    match = RUBRIC_HEADING.search(source)
    if match is None:
        return source.strip(), ""
    return source[:match.start()].strip(), source[match.end():].strip()


def rubric_items(source: str) -> list[tuple[float, str]]:
    """``(points, what earns them)`` for each item of the cell's rubric, in order.

    >>> rubric_items("*Sample answer.* Yes.\\n\\n#### Rubric\\n- **1 point**: says yes.\\n"
    ...              "- **2 points**: says why.\\n- *Common wrong answers*: no.")
    [(1.0, 'says yes.'), (2.0, 'says why.')]
    """
    _, rubric = split_rubric(source)
    items = []
    for line in rubric.splitlines():
        match = _RUBRIC_ITEM.match(line)
        if match:
            items.append((float(match.group(1)), match.group(2).strip()))
    return items


def rubric_problem(cell: NotebookNode) -> str | None:
    """Why a written answer's rubric is incomplete, or None.

    A rubric has a ``Rubric`` heading, items whose points add up to the
    question's, and a line of common wrong answers.
    """
    _, rubric = split_rubric(cell.source)
    if not rubric:
        return "no '#### Rubric' heading under the sample answer"
    total = sum(value for value, _ in rubric_items(cell.source))
    if abs(total - points(cell)) > 1e-9:
        return f"the rubric's items give {total:g} points, the question is worth {points(cell):g}"
    if not any(_WRONG_ANSWERS.match(line) for line in rubric.splitlines()):
        return "the rubric has no '- *Common wrong answers*: ...' item"
    return None


def written_questions(nb: NotebookNode) -> dict[str, dict[str, Any]]:
    """Each written question of a source notebook: ``{grade_id: {question, sample_answer, rubric, points}}``.

    The question is the markdown cell just above the answer cell (the
    "**Think!** ..." prompt); the sample answer and the rubric are the answer
    cell's own text, split at its ``Rubric`` heading (:func:`split_rubric`).
    For the grader's answer pages and the manual-scores template.
    """
    found: dict[str, dict[str, Any]] = {}
    for index, cell in enumerate(nb.cells):
        if not is_answer(cell) or grade_id(cell) is None:
            continue
        above = next((c for c in reversed(nb.cells[:index]) if c.cell_type == "markdown" and not is_answer(c)), None)
        sample, rubric = split_rubric(cell.source)
        found[grade_id(cell)] = {"question": above.source.strip() if above is not None else "",
                                 "sample_answer": sample, "rubric": rubric, "points": points(cell),
                                 "rubric_items": rubric_items(cell.source)}
    return found


# ---------------------------------------------------------------------------
# The public build: what the wheel carries
# ---------------------------------------------------------------------------

PUBLIC_BUILD = "public"
"""The value of the notebook metadata ``saliency_course.build`` of a :func:`public_notebook`."""


def public_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook as installed with the package: hidden tests and sample answers removed.

    What a student who installs the course receives, so that a graded class's
    students get no hidden test and no sample answer by installing it: each
    test cell keeps its visible asserts (hidden-test regions and their
    delimiters dropped), each written answer becomes :data:`TEXT_STUB`, and
    the notebook's metadata ``saliency_course.build`` says ``"public"`` (the
    grader refuses it as a source).  Solutions stay: they are the course's
    reference implementations, in ``course_lib`` anyway, and the self-study
    build shows them.  The instructor notebooks stay in the repository.

    Works on a plain JSON dict as well as a ``NotebookNode`` (``setup.py``
    builds the wheel without nbformat); cell sources must be strings.

    Examples
    --------
    >>> test = {"cell_type": "code", "source": "assert f(1) == 2\\n### BEGIN HIDDEN TESTS\\nassert f(2) == 4\\n"
    ...         "### END HIDDEN TESTS", "metadata": {"nbgrader": {"grade": True, "solution": False}}}
    >>> print(public_notebook({"cells": [test], "metadata": {}})["cells"][0]["source"])
    assert f(1) == 2
    """
    public = copy.deepcopy(nb)
    for cell in public["cells"]:
        if is_test(cell):
            lines = cell["source"].split("\n")
            kept = [line for number, line in enumerate(lines, start=1)
                    if not in_region(lines, number, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
                    and END_HIDDEN_TESTS not in line]
            cell["source"] = "\n".join(kept)
        elif is_answer(cell):
            cell["source"] = TEXT_STUB
    public.setdefault("metadata", {}).setdefault("saliency_course", {})["build"] = PUBLIC_BUILD
    return public


def is_public(nb: dict[str, Any]) -> bool:
    """Whether ``nb`` is a :func:`public_notebook` (no hidden tests, no sample answers)."""
    meta = nb.get("metadata", {}).get("saliency_course", {})
    return isinstance(meta, dict) and meta.get("build") == PUBLIC_BUILD
