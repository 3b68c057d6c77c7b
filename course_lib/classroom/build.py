"""Student and self-study versions of the course notebooks, with nbgrader's own preprocessors.

Used by ``saliency-course student`` and ``make student`` (README, "Release").
nbgrader is a dependency of the ``grading`` extra (included in ``dev``); its
``ClearSolutions``, ``ClearHiddenTests``, ``ClearOutput`` and ``LockCells``
preprocessors do the work, so a notebook built here equals what
``nbgrader generate_assignment`` releases, cell for cell.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from course_lib.classroom.markup import (
    BEGIN_SOLUTION, CODE_STUB, END_SOLUTION, TEXT_STUB, as_path, check_markup, grade_id, is_answer,
    is_solution, is_test, notebook_paths, read_notebook,
)


def _nbgrader_preprocessors() -> dict[str, Any]:
    try:
        from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, LockCells
    except ImportError as error:  # pragma: no cover - nbgrader is in the grading extra
        raise ImportError("building student versions needs nbgrader: pip install 'saliency-course[grading]'") \
            from error
    return {"solutions": ClearSolutions(code_stub={"python": CODE_STUB}, text_stub=TEXT_STUB),
            "hidden": ClearHiddenTests(), "output": ClearOutput(),
            "lock": LockCells(lock_solution_cells=True, lock_grade_cells=True)}


def _shown_solution(cell: NotebookNode, index: int) -> NotebookNode:
    """A collapsed markdown cell with the answer of ``cell`` (delimiter lines removed)."""
    identifier = grade_id(cell) or f"cell{index}"
    if is_answer(cell):
        source = (f"Sample answer to `{identifier}` (click to expand). Write your own first; "
                  f"a good answer need not use these words.\n\n{cell.source}")
    else:
        code = "\n".join(line for line in cell.source.split("\n")
                         if BEGIN_SOLUTION not in line and END_SOLUTION not in line)
        source = (f"Show solution (click to expand): one answer to exercise `{identifier}`. "
                  "Try it yourself first; this cell is text, so running the notebook never "
                  f"replaces your answer.\n\n```python\n{code}\n```")
    shown = nbformat.v4.new_markdown_cell(source, metadata={"jupyter": {"source_hidden": True},
                                                            "tags": ["solution"]})
    shown["id"] = f"solution-{identifier}"[:64]
    return shown


def student_notebook(nb: NotebookNode, *, self_study: bool = False) -> NotebookNode:
    """Return the student version of a source notebook (the input is not modified).

    Solution regions become nbgrader's stub (``# YOUR CODE HERE`` then
    ``raise NotImplementedError()``, at the indentation of the
    ``### BEGIN SOLUTION`` line), written answers become "YOUR ANSWER HERE",
    hidden tests are removed, the outputs of solution and test cells are
    cleared, and exercise cells are locked as nbgrader's ``LockCells`` does
    (test cells neither editable nor deletable, answers not deletable).
    Other cells keep their outputs, so the figures are there before the
    student runs anything.

    Parameters
    ----------
    nb : NotebookNode
        A source notebook (nbformat 4) with nbgrader markup.
    self_study : bool, optional
        Also add, after each exercise stub and written answer, a collapsed
        markdown cell (``jupyter.source_hidden``) with the solution or sample
        answer.  It is markdown, so "Run all" never overwrites the learner's
        own answer.

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
    course_meta = student.get("metadata", {}).get("saliency_course")
    if isinstance(course_meta, dict):  # built from the public build or the instructor's: the same student build
        course_meta.pop("build", None)
    # a public build (the installed notebooks) has no sample answers to show, only solutions
    shown = {i: _shown_solution(cell, i) for i, cell in enumerate(student.cells)
             if is_solution(cell) or is_answer(cell) and cell.source.strip() != TEXT_STUB}
    exercise_cells = [i for i, cell in enumerate(student.cells) if is_solution(cell) or is_test(cell)]
    steps, resources = _nbgrader_preprocessors(), {}
    steps["solutions"].preprocess(student, resources)
    steps["hidden"].preprocess(student, resources)
    for index in exercise_cells:
        steps["output"].preprocess_cell(student.cells[index], resources, index)
    steps["lock"].preprocess(student, resources)
    if self_study:
        cells = []
        for index, cell in enumerate(student.cells):
            cells.append(cell)
            if index in shown:
                cells.append(shown[index])
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
    notebooks is checked first (:func:`~course_lib.classroom.markup.check_markup`);
    nothing is written if it is broken.

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
    src = as_path(src_dir, name="src_dir")
    out = as_path(out_dir, name="out_dir")
    if not src.is_dir():
        raise ValueError(f"src_dir must be a folder of notebooks, got {str(src)!r}")
    paths = notebook_paths(src, name="src_dir")
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
        nbformat.write(student_notebook(read_notebook(path), self_study=self_study), target)
        written.append(target)
    return written
