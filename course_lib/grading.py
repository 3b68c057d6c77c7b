"""Student versions, markup checks and a light notebook grader.

Used in the exercises of every notebook (the nbgrader-marked cells) and in the
README's "For instructors" guide: ``saliency-course student`` and
``saliency-course grade`` call :func:`build_student_version` and
:func:`grade_submissions`; learners call :func:`progress` (exported as
``course_lib.progress``).

The markup is nbgrader's (schema version 3), so nbgrader itself accepts the
source notebooks:

* a **solution cell** (``nbgrader.solution: true``) holds the reference answer
  between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
* a **test cell** (``grade: true, solution: false, locked: true``) carries
  ``points`` and a ``grade_id`` unique across the course; asserts between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed from the
  student version and put back for grading.

What is reused, and from where:

* nbgrader's ``ClearSolutions``, ``ClearHiddenTests`` and ``ClearOutput``
  preprocessors build the student version when nbgrader is installed (the
  ``grading`` extra); without it a small re-implementation with the same rules
  is used (``tests/test_grading.py`` checks that both give the same notebook).
* nbval's own comparison code (``IPyNbCell.compare_outputs``,
  ``coalesce_streams``, the ``NBVAL_CHECK_OUTPUT`` marker parser and its
  sanitize-file format) compares outputs, with the key list nbval uses
  without ``--nbdime`` (images are not compared).  Without nbval installed,
  outputs are not checked (test cells are still scored).
* nbclient runs each notebook in a fresh kernel.

Isolation, and its limits.  Each submission runs in a fresh kernel whose
working directory is a new empty temporary folder (``PWD`` points there too,
``OLDPWD`` is dropped), and the submissions are copied to a private staging
folder before any student code runs, so relative paths and the environment do
not lead to the source notebooks or to other students' files, the submitted
files are never written, and a notebook that rewrites files on disk cannot
change what is graded.  This is **not a security sandbox**: the kernel runs as
the grading user, with that user's permissions, network and memory, so code
that uses absolute paths (``/proc/<parent>/cwd``, a scan of the file system)
can still read or delete anything that user can.  Grade untrusted submissions
as a throw-away user or in a container.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import html
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import nbformat
from nbformat import NotebookNode

from course_lib.classroom.runner import _kernel_manager_class  # noqa: F401 (temporary, until the split)

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
"""What replaces a solution region in the student version (nbgrader's Python stub)."""

DEFAULT_SANITIZE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"0x[0-9a-fA-F]+", "0xADDRESS"),
    (r"\d+(\.\d+)?\s?ms", "TIME-ms"),
    (r"\d+(\.\d+)?\s?s\b", "TIME-s"),
)
"""The (regex, replacement) pairs of ``tests/nbval_sanitize.cfg``, applied before comparing outputs."""

DEFAULT_TIMEOUT = 120.0
"""Seconds one cell may run before the grader interrupts it."""

DEFAULT_MAX_OUTPUT_BYTES = 1_000_000
"""Output kept per cell; the rest is dropped (errors are always kept)."""

# nbval's keys to ignore when comparing outputs: IPyNbFile.skip_compare
# without --nbdime (so images are skipped), copied from nbval 0.11.
_NBVAL_SKIP_COMPARE = (
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
)
# nbgrader's rule for grade ids (nbgrader/nbgraderformat/v1.py).
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")
# Set in the kernels this module starts, so that progress() inside them does nothing.
_HEADLESS_ENV = "COURSE_LIB_HEADLESS"
_DROPPED_ENV = ("OLDPWD", "JPY_SESSION_NAME", "JPY_PARENT_PID")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TRACEBACK_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
_KERNEL_FILE = re.compile(r" \(\d+\.py, line \d+\)")
_MESSAGE_CHARS = 3000


# ---------------------------------------------------------------------------
# Markup
# ---------------------------------------------------------------------------

def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _is_solution(cell: NotebookNode) -> bool:
    return bool(_nbgrader(cell).get("solution", False))


def _is_test(cell: NotebookNode) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade", False)) and not meta.get("solution", False)


def _as_path(value: object, *, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")
    return Path(value)


def _notebook_paths(folder: Path, *, name: str) -> list[Path]:
    if folder.is_file():
        if folder.suffix != ".ipynb":
            raise ValueError(f"{name} must be a notebook (.ipynb) or a folder, got {str(folder)!r}")
        return [folder]
    if not folder.is_dir():
        raise ValueError(f"{name} must be an existing notebook or folder, got {str(folder)!r}")
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _read_notebook(path: Path) -> NotebookNode:
    """Read a notebook as nbformat 4; ``ValueError`` with the reason if it cannot be read.

    Beyond valid JSON, only the structure this module relies on is required
    (a list of cells, each with a type and a source): full schema validation
    would refuse notebooks that editors other than Jupyter wrote with extra
    metadata.
    """
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path.name}: {error}") from error
    except Exception as error:  # nbformat raises NotJSONError, NBFormatError, KeyError, ...
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{path.name} is not a valid notebook: {reason[:300]}") from error
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(
            isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw")
            and isinstance(cell.get("source"), str) for cell in cells):
        raise ValueError(f"{path.name} is not a valid notebook: its cells are malformed")
    for cell in cells:
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = NotebookNode()
        if cell.cell_type == "code" and not isinstance(cell.get("outputs"), list):
            cell["outputs"] = []
    return nb


def _region_problem(source: str, begin: str, end: str) -> str | None:
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


def check_markup(path: str | os.PathLike[str]) -> list[str]:
    """Check the nbgrader markup of one notebook or of every notebook in a folder.

    The rules are those the grader and nbgrader rely on:

    * nbgrader metadata has ``schema_version`` 3 and a ``grade_id`` made of
      letters, digits, ``_`` and ``-``, unique across all the notebooks checked;
    * test cells (``grade`` and not ``solution``) are locked code cells with
      ``points`` > 0; manually graded cells (``grade`` and ``solution``) are
      refused, as the light grader cannot score them;
    * solution cells are code cells whose ``### BEGIN SOLUTION`` /
      ``### END SOLUTION`` delimiters are balanced, and every solution cell is
      followed by a test cell before the next solution cell;
    * solution delimiters appear only in solution cells, hidden-test
      delimiters only in test cells, and both are balanced.

    Parameters
    ----------
    path : str or os.PathLike
        A notebook, or a folder whose ``*.ipynb`` are checked together.

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
    paths = _notebook_paths(_as_path(path, name="path"), name="path")
    problems: list[str] = []
    seen: dict[str, str] = {}
    for notebook_path in paths:
        try:
            nb = _read_notebook(notebook_path)
        except ValueError as error:
            problems.append(str(error))
            continue
        open_solution: tuple[int, str] | None = None
        for number, cell in enumerate(nb.cells, start=1):
            meta = _nbgrader(cell)
            source = cell.get("source", "")
            grade_id = meta.get("grade_id", "")
            where = f"{notebook_path.name}: cell {number}" + (f" ({grade_id})" if grade_id else "")

            def report(message: str, where: str = where) -> None:
                problems.append(f"{where}: {message}")

            if meta:
                if meta.get("schema_version") != 3:
                    report(f"nbgrader schema_version must be 3, got {meta.get('schema_version')!r}")
                if not isinstance(grade_id, str) or not _GRADE_ID.match(grade_id):
                    report(f"grade_id must be letters, digits, '_' or '-', got {grade_id!r}")
                elif grade_id in seen:
                    report(f"grade_id {grade_id!r} is also used in {seen[grade_id]}")
                else:
                    seen[grade_id] = f"{notebook_path.name} cell {number}"
            is_solution, is_grade = bool(meta.get("solution")), bool(meta.get("grade"))
            if is_solution and is_grade:
                report("manually graded cells (grade and solution) are not supported; "
                       "split it into a solution cell and a test cell")
            elif is_solution:
                if cell.cell_type != "code":
                    report("solution cells must be code cells")
                problem = _region_problem(source, BEGIN_SOLUTION, END_SOLUTION)
                if problem:
                    report(problem)
                if open_solution is not None:
                    problems.append(
                        f"{notebook_path.name}: cell {open_solution[0]} ({open_solution[1]}): "
                        "solution cell is not followed by a test cell before the next solution cell")
                open_solution = (number, grade_id)
            elif is_grade:
                if cell.cell_type != "code":
                    report("test cells must be code cells")
                points = meta.get("points")
                if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
                    report(f"test cells need points > 0, got {points!r}")
                if meta.get("locked") is not True:
                    report("test cells must be locked (nbgrader 'locked': true)")
                problem = _region_problem(source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
                if problem:
                    report(problem)
                open_solution = None
            if not is_solution and (BEGIN_SOLUTION in source or END_SOLUTION in source):
                report("solution delimiters outside a solution cell")
            if not (is_grade and not is_solution) and (
                    BEGIN_HIDDEN_TESTS in source or END_HIDDEN_TESTS in source):
                report("hidden-test delimiters outside a test cell")
        if open_solution is not None:
            problems.append(
                f"{notebook_path.name}: cell {open_solution[0]} ({open_solution[1]}): "
                "solution cell is not followed by a test cell before the next solution cell")
    return problems


# ---------------------------------------------------------------------------
# Student versions
# ---------------------------------------------------------------------------

def _strip_region(source: str, begin: str, end: str, stub: str | None) -> tuple[str, bool]:
    """Replace (stub) or drop (None) the begin/end regions of ``source``: nbgrader's rules."""
    lines: list[str] = []
    inside = replaced = False
    for line in source.split("\n"):
        if begin in line:
            inside = replaced = True
            if stub is not None:
                indent = re.match(r"\s*", line).group(0)
                lines.extend(indent + stub_line for stub_line in stub.split("\n"))
        elif end in line:
            inside = False
        elif not inside:
            lines.append(line)
    return "\n".join(lines), replaced


def _clear_solutions(nb: NotebookNode) -> None:
    """Solutions → stubs, hidden tests removed, outputs of exercise cells cleared (in place)."""
    exercise_cells = [i for i, cell in enumerate(nb.cells) if _is_solution(cell) or _is_test(cell)]
    try:
        from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions
    except ImportError:
        for cell in nb.cells:
            if _is_solution(cell):
                cell.source, replaced = _strip_region(cell.source, BEGIN_SOLUTION, END_SOLUTION, CODE_STUB)
                if not replaced:
                    cell.source = CODE_STUB
            elif _is_test(cell):
                cell.source, _ = _strip_region(cell.source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, None)
        for index in exercise_cells:
            cell = nb.cells[index]
            cell.outputs, cell.execution_count = [], None
            for key in ("collapsed", "scrolled"):
                cell.metadata.pop(key, None)
        nb.metadata.pop("celltoolbar", None)
        return
    resources: dict[str, Any] = {}
    ClearSolutions(code_stub={"python": CODE_STUB}).preprocess(nb, resources)
    ClearHiddenTests().preprocess(nb, resources)
    clear_output = ClearOutput()
    for index in exercise_cells:
        clear_output.preprocess_cell(nb.cells[index], resources, index)


def _solution_cell(cell: NotebookNode, index: int) -> NotebookNode:
    """A collapsed markdown cell showing the solution of ``cell`` (delimiter lines removed)."""
    grade_id = _nbgrader(cell).get("grade_id", f"cell{index}")
    code = "\n".join(line for line in cell.source.split("\n")
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line)
    source = (f"Show solution (click to expand): one answer to exercise `{grade_id}`. "
              "Try it yourself first; this cell is text, so running the notebook never "
              f"replaces your answer.\n\n```python\n{code}\n```")
    solution = nbformat.v4.new_markdown_cell(source, metadata={
        "jupyter": {"source_hidden": True}, "tags": ["solution"]})
    solution["id"] = f"solution-{grade_id}"[:64]
    return solution


def student_notebook(nb: NotebookNode, *, self_study: bool = False) -> NotebookNode:
    """Return the student version of a source notebook (the input is not modified).

    Solution regions become nbgrader's stub (``# YOUR CODE HERE`` then
    ``raise NotImplementedError()``, at the indentation of the
    ``### BEGIN SOLUTION`` line), hidden tests are removed, the outputs of
    solution and test cells are cleared, and test cells are marked
    non-editable and non-deletable (nbgrader's ``LockCells``).  Other cells
    keep their outputs, so the figures are there before the student runs
    anything.

    Parameters
    ----------
    nb : NotebookNode
        A source notebook (nbformat 4) with nbgrader markup.
    self_study : bool, optional
        Also add, after each stub, a collapsed markdown cell
        (``jupyter.source_hidden``) that shows the solution.  It is markdown,
        not code, so "Run all" never overwrites the learner's own answer.

    Returns
    -------
    NotebookNode
        The student notebook.

    Raises
    ------
    TypeError
        If ``nb`` is not a notebook.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> meta = {"grade": False, "grade_id": "ex1", "locked": False,
    ...         "schema_version": 3, "solution": True, "task": False}
    >>> source = "def double(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION"
    >>> nb = new_notebook(cells=[new_code_cell(source, metadata={"nbgrader": meta})])
    >>> print(student_notebook(nb).cells[0].source)
    def double(x):
        # YOUR CODE HERE
        raise NotImplementedError()
    >>> [cell.cell_type for cell in student_notebook(nb, self_study=True).cells]
    ['code', 'markdown']
    """
    if not isinstance(nb, NotebookNode) or "cells" not in nb:
        raise TypeError(f"nb must be a notebook (nbformat NotebookNode), got {type(nb).__name__}")
    student = copy.deepcopy(nb)
    solutions = {i: _solution_cell(cell, i) for i, cell in enumerate(student.cells) if _is_solution(cell)}
    _clear_solutions(student)
    for cell in student.cells:
        if _is_test(cell):
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
    if self_study:
        cells = []
        for index, cell in enumerate(student.cells):
            cells.append(cell)
            if index in solutions:
                cells.append(solutions[index])
        student.cells = cells
    return student


def build_student_version(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    self_study: bool = False,
) -> list[Path]:
    """Write the student version of every notebook of ``src_dir`` to ``out_dir``.

    See :func:`student_notebook` for what changes.  The markup of the source
    notebooks is checked first (:func:`check_markup`); nothing is written if
    it is broken.

    Parameters
    ----------
    src_dir : str or os.PathLike
        Folder of source (instructor) notebooks, e.g. ``notebooks``.
    out_dir : str or os.PathLike
        Folder to write to; created if missing.  Notebooks of the same name
        are overwritten; it must not be ``src_dir``.
    self_study : bool, optional
        Add a collapsed "show solution" cell after each exercise stub.

    Returns
    -------
    list of Path
        The notebooks written, in name order.

    Raises
    ------
    TypeError
        If a folder is not a path.
    ValueError
        If ``src_dir`` is not a folder of notebooks, ``out_dir`` is
        ``src_dir``, or the markup check fails.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> solution = {"grade": False, "grade_id": "ex1", "locked": False,
    ...             "schema_version": 3, "solution": True, "task": False}
    >>> test = {**solution, "grade": True, "grade_id": "ex1_tests", "locked": True,
    ...         "points": 1, "solution": False}
    >>> nb = new_notebook(cells=[
    ...     new_code_cell("### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION", metadata={"nbgrader": solution}),
    ...     new_code_cell("assert x == 1", metadata={"nbgrader": test})])
    >>> src, out = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> nbformat.write(nb, f"{src}/ex.ipynb")
    >>> (path,) = build_student_version(src, out)
    >>> print(nbformat.read(path, as_version=4).cells[0].source)
    # YOUR CODE HERE
    raise NotImplementedError()
    """
    src = _as_path(src_dir, name="src_dir")
    out = _as_path(out_dir, name="out_dir")
    if not src.is_dir():
        raise ValueError(f"src_dir must be a folder of notebooks, got {str(src)!r}")
    paths = _notebook_paths(src, name="src_dir")
    if not paths:
        raise ValueError(f"src_dir {str(src)!r} holds no .ipynb notebooks")
    if out.exists() and out.resolve() == src.resolve():
        raise ValueError(f"out_dir must differ from src_dir (it would overwrite the sources), got {str(out)!r}")
    problems = check_markup(src)
    if problems:
        raise ValueError("src_dir has broken exercise markup:\n  " + "\n  ".join(problems))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = out / path.name
        nbformat.write(student_notebook(_read_notebook(path), self_study=self_study), target)
        written.append(target)
    return written


# ---------------------------------------------------------------------------
# Running notebooks
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckResult:
    """One graded item of a notebook.

    ``kind`` is ``"test"`` (a test cell, worth ``max_points``), ``"output"``
    (an ``NBVAL_CHECK_OUTPUT`` cell compared with the source, worth nothing)
    or ``"error"`` (another cell that raised, worth nothing: reported so the
    student can find the cause of a failing test).
    """

    kind: str
    name: str
    passed: bool
    points: float
    max_points: float
    message: str = ""


@dataclass
class NotebookGrade:
    """The grade of one submitted notebook (``problem`` says why it could not be run fully)."""

    student: str
    notebook: str
    max_points: float
    checks: list[CheckResult] = field(default_factory=list)
    problem: str = ""
    seconds: float = 0.0

    @property
    def points(self) -> float:
        """Points earned: the sum over the test cells that passed."""
        return sum(check.points for check in self.checks if check.kind == "test")

    def failed(self, kind: str) -> list[CheckResult]:
        """The checks of ``kind`` ("test", "output" or "error") that did not pass."""
        return [check for check in self.checks if check.kind == kind and not check.passed]


def _make_client_class() -> type:
    from nbclient import NotebookClient
    from nbformat.v4 import new_output

    class _GradingClient(NotebookClient):
        """nbclient with a cap on stored output and a record of executed and timed-out cells."""

        def __init__(self, nb: NotebookNode, *, max_output_bytes: int, **kwargs: Any) -> None:
            super().__init__(nb, **kwargs)
            self.max_output_bytes = max_output_bytes
            self.executed: set[int] = set()
            self.timed_out: set[int] = set()
            self._current: int | None = None
            self._used: dict[int, int] = {}

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            self._current = cell_index
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            self.executed.add(cell_index)
            return result

        async def _async_handle_timeout(self, timeout, cell=None):
            if self._current in self.timed_out:  # interrupted a timeout ago and still running
                raise _Unstoppable(f"cell {self._current + 1} ignored the interrupt sent after {timeout} s; "
                                   "the notebook was stopped there")
            if self._current is not None:
                self.timed_out.add(self._current)
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or not outs or outs[-1] is not out:
                return out
            size = _output_size(out)
            used = self._used.get(cell_index, 0)
            self._used[cell_index] = used + size
            if used + size <= self.max_output_bytes:
                return out
            if out.output_type == "error":  # always kept: it is what the grade depends on
                out.evalue = out.evalue[:_MESSAGE_CHARS]
                frames = out.traceback if len(out.traceback) <= 5 else out.traceback[:2] + out.traceback[-3:]
                out.traceback = [line[:_MESSAGE_CHARS] for line in frames]  # keeps the "Cell In" frame
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

    return _GradingClient


class _Unstoppable(Exception):
    """A cell went on running after the interrupt: the kernel is killed."""


def _output_size(out: NotebookNode) -> int:
    if out.output_type == "stream":
        return len(out.get("text", ""))
    if out.output_type == "error":
        return len(out.get("evalue", "")) + sum(len(line) for line in out.get("traceback", []))
    return sum(len(value) if isinstance(value, str) else len(json.dumps(value))
               for value in out.get("data", {}).values())


@dataclass
class _Execution:
    nb: NotebookNode
    executed: set[int]
    timed_out: set[int]
    problem: str = ""
    seconds: float = 0.0


def _kernel_env(workdir: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED_ENV}
    env.update({"PWD": workdir, "MPLBACKEND": "Agg", _HEADLESS_ENV: "1"})
    return env


async def _execute(
    nb: NotebookNode,
    *,
    timeout: float,
    max_output_bytes: int,
    notebook_timeout: float | None,
    kernel_name: str,
) -> _Execution:
    """Run ``nb`` (in place) in a fresh kernel whose working directory is a new temporary folder."""
    from nbclient.exceptions import DeadKernelError

    for cell in nb.cells:  # never score an output the student saved
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    n_code = sum(cell.cell_type == "code" for cell in nb.cells)
    budget = notebook_timeout if notebook_timeout is not None else timeout * (n_code + 2)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-grade-") as workdir, \
            tempfile.TemporaryDirectory(prefix="course-grade-log-") as logdir:
        client = _make_client_class()(
            nb, max_output_bytes=max_output_bytes, timeout=max(1, round(timeout)),
            interrupt_on_timeout=True, allow_errors=True, kernel_name=kernel_name,
            kernel_manager_class=_kernel_manager_class(),
            shutdown_kernel="immediate", record_timing=False,
            resources={"metadata": {"path": workdir}})
        problem = ""
        log_path = Path(logdir) / "kernel.log"
        with open(log_path, "wb") as log:
            task = asyncio.ensure_future(client.async_execute(env=_kernel_env(workdir), stdout=log, stderr=log))
            # Not asyncio.wait_for: nbclient turns the cancellation into DeadKernelError.
            done, _ = await asyncio.wait({task}, timeout=budget)
            try:
                if not done:
                    task.cancel()  # nbclient then shuts the kernel down ("immediate": killed)
                await task
            except asyncio.CancelledError:
                if done:
                    raise
            except _Unstoppable as error:
                problem = str(error)
            except DeadKernelError:
                tail = "\n".join(line for line in log_path.read_text(errors="replace").splitlines()
                                 if "without encryption" not in line)[-300:].strip()
                problem = "the kernel died (out of memory, or the code exited Python)" + (
                    f"; its last words: {tail}" if tail else "")
            except Exception as error:  # kernel start failures, protocol errors: this notebook only
                problem = f"could not run the notebook: {type(error).__name__}: {str(error)[:300]}"
            if not done:
                problem = f"the notebook ran longer than {budget:g} s in all and was stopped"
    return _Execution(nb, set(client.executed), set(client.timed_out), problem,
                      time.perf_counter() - start)


def _run(coroutine: Any) -> Any:
    """Run a coroutine to completion, also from inside Jupyter (whose loop is running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def _restore_tests(submission: NotebookNode, source: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """Copy with every test cell's source and metadata put back from ``source`` (hidden tests included).

    This is what nbgrader's ``OverwriteCells`` does for locked cells: a student
    cannot change a test, its points, or drop its hidden part.  Returns the
    copy and the grade ids of the test cells missing from the submission.
    """
    tests = {_nbgrader(cell)["grade_id"]: cell for cell in source.cells if _is_test(cell)}
    restored = copy.deepcopy(submission)
    found = set()
    for index, cell in enumerate(restored.cells):
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in tests:
            original = tests[grade_id]
            new_cell = nbformat.v4.new_code_cell(original.source, metadata=copy.deepcopy(original.metadata))
            new_cell["id"] = cell.get("id", new_cell["id"])
            restored.cells[index] = new_cell
            found.add(grade_id)
    return restored, [grade_id for grade_id in tests if grade_id not in found]


def _error_message(cell: NotebookNode, error: NotebookNode, *, timeout: float, timed_out: bool) -> str:
    if timed_out:
        return f"TimeoutError: the cell ran longer than {timeout:g} s and was stopped"
    ename, evalue = error.get("ename", "Error"), _ANSI.sub("", error.get("evalue", ""))
    evalue = _KERNEL_FILE.sub("", evalue).strip()  # SyntaxError names ipykernel's temporary file
    if ename == "NotImplementedError" and not evalue:
        message = "NotImplementedError: the exercise is not answered yet"
    else:
        message = f"{ename}: {evalue}" if evalue else ename
    # Point at the failing line of this cell, unless it is a hidden test.
    traceback = _ANSI.sub("", "\n".join(error.get("traceback", [])))
    match = _TRACEBACK_LINE.search(traceback)
    if match:
        number = int(match.group(1))
        lines = cell.source.split("\n")
        if 1 <= number <= len(lines):
            hidden = _in_region(lines, number, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
            where = "a hidden test" if hidden else f"`{lines[number - 1].strip()}`"
            message = f"line {number} ({where}): {message}"
    return message[:_MESSAGE_CHARS]


def _in_region(lines: list[str], number: int, begin: str, end: str) -> bool:
    inside = False
    for current, line in enumerate(lines, start=1):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        if current == number:
            return inside
    return False


def _first_error(cell: NotebookNode) -> NotebookNode | None:
    return next((out for out in cell.get("outputs", []) if out.get("output_type") == "error"), None)


def _output_checked(cell: NotebookNode) -> bool:
    """nbval --nbval-lax: is this cell's output compared (NBVAL_CHECK_OUTPUT comment or tag)?"""
    from nbval.plugin import find_comment_markers, find_metadata_tags

    options = dict(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return bool(options.get("check", False)) and not options.get("skip", False)


class _NbvalCell:
    """Just enough of nbval's ``IPyNbCell`` to call its comparison methods outside pytest."""

    def __init__(self, patterns: Sequence[tuple[str, str]]) -> None:
        from nbval import plugin

        self.colors = plugin.nocolors
        self.parent = type("Parent", (), {"skip_compare": _NBVAL_SKIP_COMPARE,
                                          "sanitize_patterns": dict(patterns)})()
        self.ihook = type("Hook", (), {"pytest_assertrepr_compare": staticmethod(lambda **_: [])})()
        self.config = None
        self.compare_outputs = plugin.IPyNbCell.compare_outputs.__get__(self)
        self.format_output_compare = plugin.IPyNbCell.format_output_compare.__get__(self)
        self.sanitize = plugin.IPyNbCell.sanitize.__get__(self)


def _compare_outputs(test: list, reference: list, patterns: Sequence[tuple[str, str]]) -> tuple[bool, str]:
    from nbval.plugin import coalesce_streams

    cell = _NbvalCell(patterns)
    same = cell.compare_outputs(coalesce_streams(copy.deepcopy(test)), coalesce_streams(copy.deepcopy(reference)))
    return same, "\n".join(cell.comparison_traceback).strip()


def _nbval_available() -> bool:
    try:
        import nbval.plugin  # noqa: F401
    except ImportError:
        return False
    return True


def _score(
    execution: _Execution,
    source: NotebookNode,
    missing: list[str],
    *,
    student: str,
    notebook: str,
    timeout: float,
    check_outputs: bool,
    sanitize_patterns: Sequence[tuple[str, str]],
) -> NotebookGrade:
    tests = {_nbgrader(cell)["grade_id"]: float(_nbgrader(cell).get("points", 0))
             for cell in source.cells if _is_test(cell)}
    grade = NotebookGrade(student, notebook, sum(tests.values()), problem=execution.problem,
                          seconds=execution.seconds)
    scored: set[str] = set()
    not_run = "not run: " + (execution.problem or "an earlier cell stopped the notebook")
    for index, cell in enumerate(execution.nb.cells):
        if cell.cell_type != "code":
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        error = _first_error(cell)
        timed_out = index in execution.timed_out
        if grade_id in tests and grade_id not in scored:
            scored.add(grade_id)
            if index not in execution.executed and not timed_out:
                passed, message = False, not_run
            elif error is not None or timed_out:
                passed = False
                message = _error_message(cell, error or {}, timeout=timeout, timed_out=timed_out)
            else:
                passed, message = True, ""
            grade.checks.append(CheckResult("test", grade_id, passed, tests[grade_id] if passed else 0.0,
                                            tests[grade_id], message))
        elif error is not None or timed_out:
            name = grade_id or f"cell {index + 1}"
            grade.checks.append(CheckResult("error", name, False, 0.0, 0.0,
                                            _error_message(cell, error or {}, timeout=timeout, timed_out=timed_out)))
    for grade_id in missing:
        grade.checks.append(CheckResult("test", grade_id, False, 0.0, tests[grade_id],
                                        "this test cell is missing from the submission"))
    if check_outputs:
        grade.checks.extend(_output_checks(execution, source, sanitize_patterns))
    return grade


def _output_checks(execution: _Execution, source: NotebookNode,
                   patterns: Sequence[tuple[str, str]]) -> list[CheckResult]:
    if not _nbval_available():
        return []
    by_id = {cell.get("id"): (index, cell) for index, cell in enumerate(execution.nb.cells) if cell.get("id")}
    by_source = {}
    for index, cell in enumerate(execution.nb.cells):
        by_source.setdefault(cell.source, (index, cell))
    checks = []
    for number, reference in enumerate(source.cells, start=1):
        if reference.cell_type != "code" or reference.get("execution_count") is None \
                or not _output_checked(reference):
            continue
        name = f"cell {number}"
        index, cell = by_id.get(reference.get("id")) or by_source.get(reference.source, (None, None))
        if cell is None:
            checks.append(CheckResult("output", name, False, 0.0, 0.0, "cell missing from the submission"))
        elif index not in execution.executed:
            checks.append(CheckResult("output", name, False, 0.0, 0.0, "cell not run"))
        elif _first_error(cell) is not None:
            checks.append(CheckResult("output", name, False, 0.0, 0.0, "cell raised an error"))
        else:
            same, message = _compare_outputs(cell.outputs, reference.outputs, patterns)
            checks.append(CheckResult("output", name, same, 0.0, 0.0, message[:_MESSAGE_CHARS]))
    return checks


def _check_options(timeout: float, max_output_bytes: int, notebook_timeout: float | None, workers: int) -> None:
    for value, name in ((timeout, "timeout"), (max_output_bytes, "max_output_bytes")):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value!r}")
    if notebook_timeout is not None and not notebook_timeout > 0:
        raise ValueError(f"notebook_timeout must be > 0 or None, got {notebook_timeout!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")


async def _grade_one(
    submission: NotebookNode | str,
    source: NotebookNode,
    *,
    student: str,
    notebook: str,
    timeout: float,
    max_output_bytes: int,
    notebook_timeout: float | None,
    kernel_name: str,
    check_outputs: bool,
    sanitize_patterns: Sequence[tuple[str, str]],
) -> NotebookGrade:
    tests = [cell for cell in source.cells if _is_test(cell)]
    if isinstance(submission, str):  # why it could not be read
        grade = NotebookGrade(student, notebook, sum(float(_nbgrader(c)["points"]) for c in tests),
                              problem=submission)
        grade.checks = [CheckResult("test", _nbgrader(c)["grade_id"], False, 0.0,
                                    float(_nbgrader(c)["points"]), f"not graded: {submission}") for c in tests]
        return grade
    restored, missing = _restore_tests(submission, source)
    execution = await _execute(restored, timeout=timeout, max_output_bytes=max_output_bytes,
                               notebook_timeout=notebook_timeout, kernel_name=kernel_name)
    return _score(execution, source, missing, student=student, notebook=notebook, timeout=timeout,
                  check_outputs=check_outputs, sanitize_patterns=sanitize_patterns)


def grade_notebook(
    submission: str | os.PathLike[str] | NotebookNode,
    source: str | os.PathLike[str] | NotebookNode,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    notebook_timeout: float | None = None,
    check_outputs: bool = True,
    student: str = "",
    kernel_name: str = "python3",
) -> NotebookGrade:
    """Grade one notebook: run it in a fresh kernel with the tests of ``source`` put back.

    Parameters
    ----------
    submission, source : path or NotebookNode
        The submitted notebook and the source (instructor) notebook whose test
        cells, points and ``NBVAL_CHECK_OUTPUT`` outputs are the reference.
        Neither is modified.
    timeout : float, optional
        Seconds one cell may run before it is interrupted (and fails).
    max_output_bytes : int, optional
        Output kept per cell; beyond it output is dropped, errors are kept.
    notebook_timeout : float or None, optional
        Seconds for the whole notebook before its kernel is killed (the
        backstop for code that ignores interrupts); default
        ``timeout × (code cells + 2)``.
    check_outputs : bool, optional
        Compare ``NBVAL_CHECK_OUTPUT`` cells with the source's outputs.
    student : str, optional
        Name stored in the result.
    kernel_name : str, optional
        Jupyter kernel to run the notebook in.

    Returns
    -------
    NotebookGrade
        Points, one :class:`CheckResult` per test cell, output check and
        failing cell, and the notebook-level problem if any.

    Raises
    ------
    TypeError, ValueError
        If an option is invalid, or ``source`` cannot be read.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> test = {"grade": True, "grade_id": "t1", "locked": True, "points": 2,
    ...         "schema_version": 3, "solution": False, "task": False}
    >>> source = new_notebook(cells=[new_code_cell("x = 41"),
    ...                              new_code_cell("assert x == 42", metadata={"nbgrader": test})])
    >>> grade = grade_notebook(source, source, timeout=30)
    >>> print(grade.points, grade.max_points, grade.checks[0].message)
    0.0 2.0 line 1 (`assert x == 42`): AssertionError
    """
    _check_options(timeout, max_output_bytes, notebook_timeout, 1)
    if not isinstance(source, NotebookNode):
        source = _read_notebook(_as_path(source, name="source"))
    name = "notebook"
    if not isinstance(submission, NotebookNode):
        path = _as_path(submission, name="submission")
        name = path.name
        try:
            submission = _read_notebook(path)
        except ValueError as error:
            submission = str(error)
    return _run(_grade_one(submission, source, student=student, notebook=name, timeout=timeout,
                           max_output_bytes=max_output_bytes, notebook_timeout=notebook_timeout,
                           kernel_name=kernel_name, check_outputs=check_outputs,
                           sanitize_patterns=DEFAULT_SANITIZE_PATTERNS))


def _find_submission(folder: Path, name: str) -> Path | None:
    """``folder/name``, or the one ``name`` below it (nbgrader's ``student/assignment/`` layout)."""
    direct = folder / name
    if direct.is_file():
        return direct
    found = [p for p in folder.rglob(name) if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    return found[0] if len(found) == 1 else None


def grade_submissions(
    submissions_dir: str | os.PathLike[str],
    *,
    source_dir: str | os.PathLike[str],
    out_csv: str | os.PathLike[str],
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    feedback_dir: str | os.PathLike[str] | None = None,
    notebooks: Sequence[str] | None = None,
    workers: int = 1,
    notebook_timeout: float | None = None,
    kernel_name: str = "python3",
) -> list[NotebookGrade]:
    """Grade every student folder of ``submissions_dir``; write a CSV gradebook and HTML feedback.

    Each subfolder of ``submissions_dir`` is one student (its name is the
    student's name) holding the submitted notebooks, either directly or one
    level down as nbgrader's ``submitted/<student>/<assignment>/`` layout has
    them.  Every source notebook with test cells is graded for every student
    by :func:`grade_notebook`: a fresh kernel, working directory a new empty
    temporary folder, hidden tests and test cells put back from the source, a
    per-cell ``timeout`` and output cap.  A notebook that is missing, is not
    valid JSON, has a syntax error, loops forever, prints too much or kills
    its kernel loses its own points only.

    The submissions are copied to a private staging folder before any code
    runs and are never written; see the module notes on the limits of this
    isolation (it is not a security sandbox).

    Parameters
    ----------
    submissions_dir : str or os.PathLike
        Folder with one subfolder per student.
    source_dir : str or os.PathLike
        Folder of source notebooks (with solutions and hidden tests).
    out_csv : str or os.PathLike
        Gradebook to write (``.csv``): one row per student and notebook with
        ``student, notebook, points, max_points, tests_failed,
        output_checks_failed, problem``.
    timeout : float, optional
        Seconds per cell.
    max_output_bytes : int, optional
        Output kept per cell.
    feedback_dir : str or os.PathLike, optional
        Where to write ``<student>.html`` (default: ``feedback`` beside
        ``out_csv``).
    notebooks : sequence of str, optional
        Names of the source notebooks to grade (default: all with test cells).
    workers : int, optional
        Notebooks run at once (one kernel each).
    notebook_timeout : float or None, optional
        Seconds per notebook; see :func:`grade_notebook`.
    kernel_name : str, optional
        Jupyter kernel to run the notebooks in.

    Returns
    -------
    list of NotebookGrade
        Sorted by student, then notebook.

    Raises
    ------
    TypeError
        If a folder or option has the wrong type.
    ValueError
        If a folder does not exist, holds nothing to grade, ``out_csv`` does
        not end in ``.csv``, an option is out of range, or the source markup
        is broken.
    """
    _check_options(timeout, max_output_bytes, notebook_timeout, workers)
    submissions = _as_path(submissions_dir, name="submissions_dir")
    source_folder = _as_path(source_dir, name="source_dir")
    out = _as_path(out_csv, name="out_csv")
    if out.suffix.lower() != ".csv":
        raise ValueError(f"out_csv must end in .csv, got {str(out)!r}")
    if not submissions.is_dir():
        raise ValueError(f"submissions_dir must be an existing folder, got {str(submissions)!r}")
    if not source_folder.is_dir():
        raise ValueError(f"source_dir must be an existing folder, got {str(source_folder)!r}")
    problems = check_markup(source_folder)
    if problems:
        raise ValueError("source_dir has broken exercise markup:\n  " + "\n  ".join(problems))
    sources = {path.name: _read_notebook(path) for path in _notebook_paths(source_folder, name="source_dir")}
    sources = {name: nb for name, nb in sources.items() if any(_is_test(cell) for cell in nb.cells)}
    if notebooks is not None:
        if isinstance(notebooks, str):
            raise TypeError(f"notebooks must be a sequence of notebook names, got the string {notebooks!r}")
        unknown = sorted(set(notebooks) - set(sources))
        if unknown:
            raise ValueError(f"notebooks must name source notebooks with tests {sorted(sources)}, got {unknown}")
        sources = {name: sources[name] for name in sorted(set(notebooks))}
    if not sources:
        raise ValueError(f"source_dir {str(source_folder)!r} has no notebooks with test cells")
    students = sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise ValueError(f"submissions_dir {str(submissions)!r} has no student folders")

    with tempfile.TemporaryDirectory(prefix="course-staging-") as staging:
        jobs = []
        for student in students:
            for name, source in sources.items():
                found = _find_submission(submissions / student, name)
                if found is None:
                    jobs.append((student, name, source, f"{name} is missing from the submission"))
                    continue
                staged = Path(staging) / str(len(jobs)) / name
                staged.parent.mkdir()
                shutil.copyfile(found, staged)
                jobs.append((student, name, source, staged))

        async def grade_all() -> list[NotebookGrade]:
            gate = asyncio.Semaphore(workers)

            async def one(student: str, name: str, source: NotebookNode, item: Path | str) -> NotebookGrade:
                async with gate:
                    if isinstance(item, Path):  # read only now: one notebook in memory per worker
                        try:
                            item = _read_notebook(item)
                        except ValueError as error:
                            item = str(error)
                    return await _grade_one(
                        item, source, student=student, notebook=name, timeout=timeout,
                        max_output_bytes=max_output_bytes, notebook_timeout=notebook_timeout,
                        kernel_name=kernel_name, check_outputs=True,
                        sanitize_patterns=DEFAULT_SANITIZE_PATTERNS)

            return list(await asyncio.gather(*(one(*job) for job in jobs)))

        grades = _run(grade_all())
    grades.sort(key=lambda grade: (grade.student, grade.notebook))
    _write_gradebook(grades, out)
    feedback = _as_path(feedback_dir, name="feedback_dir") if feedback_dir is not None else out.parent / "feedback"
    _write_feedback(grades, feedback, timeout=timeout)
    return grades


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------

def _write_gradebook(grades: Iterable[NotebookGrade], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "notebook", "points", "max_points", "tests_failed",
                         "output_checks_failed", "problem"])
        for grade in grades:
            writer.writerow([grade.student, grade.notebook, f"{grade.points:g}", f"{grade.max_points:g}",
                             "; ".join(check.name for check in grade.failed("test")),
                             "; ".join(check.name for check in grade.failed("output")),
                             grade.problem])


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {student}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .6rem; text-align: left; vertical-align: top; }}
.pass {{ color: #1a7f37; }} .fail {{ color: #b42318; }}
pre {{ white-space: pre-wrap; margin: 0; font-size: .9em; }}
</style></head><body>
<h1>Feedback for {student}</h1>
<p>Total: <strong>{points:g} / {max_points:g}</strong> points. Each test cell is worth the points
shown; it passes when it runs without an error. Your notebooks were run top to bottom in a fresh
kernel, with each cell stopped after {timeout:g} s.</p>
{sections}
</body></html>
"""


def _feedback_section(grade: NotebookGrade) -> str:
    rows = []
    for check in grade.checks:
        if check.kind == "output" and check.passed:
            continue  # summarised below the table
        if check.kind == "test":
            verdict = "pass" if check.passed else "fail"
            label = f"{check.points:g} / {check.max_points:g}"
        elif check.kind == "output":
            verdict, label = ("pass" if check.passed else "fail"), "output check"
        else:
            verdict, label = "fail", "raised an error (no points of its own)"
        rows.append(f"<tr><td class='{verdict}'>{'&#10003;' if check.passed else '&#10007;'} "
                    f"{html.escape(check.name)}</td><td>{label}</td>"
                    f"<td><pre>{html.escape(check.message)}</pre></td></tr>")
    problem = f"<p class='fail'>{html.escape(grade.problem)}</p>" if grade.problem else ""
    outputs = [check for check in grade.checks if check.kind == "output"]
    summary = (f"<p>{sum(c.passed for c in outputs)} of {len(outputs)} printed results marked "
               "<code>NBVAL_CHECK_OUTPUT</code> match the course notebook.</p>") if outputs else ""
    return (f"<h2>{html.escape(grade.notebook)}: {grade.points:g} / {grade.max_points:g}</h2>{problem}"
            "<table><tr><th>exercise or cell</th><th>points</th><th>message</th></tr>"
            + "".join(rows) + "</table>" + summary)


def _write_feedback(grades: list[NotebookGrade], folder: Path, *, timeout: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[NotebookGrade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    for student, own in by_student.items():
        page = _PAGE.format(
            student=html.escape(student), points=sum(g.points for g in own),
            max_points=sum(g.max_points for g in own), timeout=timeout,
            sections="\n".join(_feedback_section(g) for g in own))
        (folder / f"{student}.html").write_text(page, encoding="utf-8")


def progress(
    folder: str | os.PathLike[str] = ".",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
) -> list[NotebookGrade]:
    """Print which exercises pass in the notebooks of ``folder`` (your own copies).

    Each notebook with test cells is run headless, top to bottom, in a fresh
    kernel (a temporary copy: your files are not touched); a test cell passes
    when it runs without an error.  Only the tests in your copy run, so the
    instructor's hidden tests may still find something.  Inside a notebook
    that this function or the grader runs, it does nothing.

    Parameters
    ----------
    folder : str or os.PathLike, optional
        Folder of notebooks (or one notebook); default the working directory.
    timeout : float, optional
        Seconds per cell.
    max_output_bytes : int, optional
        Output kept per cell.

    Returns
    -------
    list of NotebookGrade
        One per notebook run, in name order.

    Raises
    ------
    TypeError, ValueError
        If ``folder`` is not an existing notebook or folder, or an option is
        out of range.
    """
    _check_options(timeout, max_output_bytes, None, 1)
    if os.environ.get(_HEADLESS_ENV):
        print("course_lib.progress() does nothing inside a notebook run by progress() or the grader")
        return []
    paths = _notebook_paths(_as_path(folder, name="folder"), name="folder")
    grades = []
    for path in paths:
        try:
            nb = _read_notebook(path)
        except ValueError as error:
            print(f"{path.name}: {error}")
            continue
        if not any(_is_test(cell) for cell in nb.cells):
            continue
        grade = grade_notebook(nb, nb, timeout=timeout, max_output_bytes=max_output_bytes,
                               check_outputs=False)
        grade.notebook = path.name
        grades.append(grade)
        print(f"{path.name}: {grade.points:g} / {grade.max_points:g} points"
              + (f"  ({grade.problem})" if grade.problem else ""))
        for check in grade.checks:
            if check.kind == "test":
                status = "PASS" if check.passed else "FAIL"
                line = f"  {status}  {check.name:<32s} {check.points:g}/{check.max_points:g}"
                print(line + (f"  {check.message.splitlines()[0]}" if check.message else ""))
    if not grades:
        print(f"no notebooks with exercises in {str(folder)!r}")
    else:
        passed = sum(check.passed for g in grades for check in g.checks if check.kind == "test")
        total = sum(check.kind == "test" for g in grades for check in g.checks)
        print(f"{passed} of {total} exercise tests pass")
    return grades
