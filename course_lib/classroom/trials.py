"""Try an answer against an exercise's test cells: does the visible part catch it, or only the hidden?

Used by the mutant catalogue of ``make test`` (``tests/exercise_mutants``: for
every exercise, the wrong solutions students write must fail and the
legitimate alternatives must pass) and by instructors writing a new exercise::

    trial = try_answer("notebooks/05_fast_baselines_and_evaluation.ipynb", "nb05_nss",
                       "def my_nss(saliency, fixations):\\n    return 0.0\\n")
    trial.caught_by     # "visible": the student sees it before submitting

Everything runs in this process, as the grader runs it in two: the answer's
source in a namespace that has the notebook's imports (the student's kernel),
each test cell in a namespace of its own that sees only the solution names,
through a stand-in that passes copies of the arguments, copies back in-place
changes and brings the result back as plain data (:mod:`pristine`'s
encoding).  A trial is a check of the *tests*, not a grade: the grader's
verdicts come from :mod:`course_lib.classroom.scoring` alone.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from course_lib.classroom import guard, pristine
from course_lib.classroom.markup import (
    BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, as_path, grade_id, is_solution, is_test, read_notebook,
)

__all__ = ["Exercise", "Trial", "TrialError", "exercise", "exercises", "try_answer"]

TIME_LIMIT_S = 300
"""Longest a trial may run (every part together) before it is stopped with :class:`TrialError`."""


class TrialError(Exception):
    """The answer could not be tried: it does not compile, lacks a solution name, or runs too long."""


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a notebook: its solution cell and the test cells (parts) after it."""

    notebook: Path
    grade_id: str
    solution: str
    """The instructor's solution cell source."""
    names: tuple[str, ...]
    """The names the solution cell defines (what the test cells may use)."""
    parts: tuple[tuple[str, float, str], ...]
    """``(grade_id, points, source)`` of each test cell, in order."""
    imports: str
    """The notebook's import statements before the solution cell (what the answer may rely on)."""

    @property
    def points(self) -> float:
        return sum(points for _, points, _ in self.parts)


@dataclass(frozen=True)
class Trial:
    """What the test cells made of one answer."""

    passed: tuple[str, ...]
    """Grade ids of the parts the answer passed (visible and hidden tests)."""
    failed: tuple[str, ...]
    """Grade ids of the parts it failed."""
    caught_by: str | None
    """``"visible"`` if some part's visible tests fail, ``"hidden"`` if only hidden tests do, else None."""
    errors: dict[str, str] = field(default_factory=dict)
    """Per failed part, ``"Type: message"`` of the first failure."""

    @property
    def full_marks(self) -> bool:
        return not self.failed


def _imports(cells: list[NotebookNode]) -> str:
    lines: list[str] = []
    for cell in cells:
        if cell.cell_type != "code" or is_test(cell) or is_solution(cell):
            continue
        try:
            tree = pristine.parse_source(cell.source)
        except SyntaxError:
            continue
        lines.extend(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
    return "\n".join(dict.fromkeys(lines))


def exercises(notebook: str | os.PathLike[str]) -> list[Exercise]:
    """Every graded exercise of ``notebook``, in order."""
    path = as_path(notebook, name="notebook")
    nb = read_notebook(path)
    found: list[Exercise] = []
    for index, cell in enumerate(nb.cells):
        if not is_solution(cell) or cell.cell_type != "code":
            continue
        parts = []
        for later in nb.cells[index + 1:]:
            if is_solution(later):
                break
            if is_test(later) and later.cell_type == "code":
                parts.append((grade_id(later) or "", float(later.metadata.nbgrader.get("points", 0)), later.source))
        found.append(Exercise(path, grade_id(cell) or "", cell.source, tuple(pristine.defined_names(cell.source)),
                              tuple(parts), _imports(nb.cells[:index])))
    return found


def exercise(notebook: str | os.PathLike[str], exercise_id: str) -> Exercise:
    """The exercise whose solution cell has grade id ``exercise_id``; ``ValueError`` naming it if none."""
    for found in exercises(notebook):
        if found.grade_id == exercise_id:
            return found
    raise ValueError(f"exercise_id {exercise_id!r} is not a solution cell of {Path(notebook).name}")


def _split(source: str) -> tuple[str, str | None]:
    """(visible part, hidden part) when the hidden tests close the cell; (visible, None) otherwise."""
    lines = source.split("\n")
    begin = next((i for i, line in enumerate(lines) if BEGIN_HIDDEN_TESTS in line), None)
    if begin is None:
        return source, ""
    end = max(i for i, line in enumerate(lines) if END_HIDDEN_TESTS in line)
    if any(line.strip() for line in lines[end + 1:]) or sum(BEGIN_HIDDEN_TESTS in line for line in lines) > 1:
        return "\n".join(line for i, line in enumerate(lines) if not (begin <= i <= end)), None
    return "\n".join(lines[:begin]), "\n".join(lines[begin:end + 1])


def _stand_in(function: Any) -> Any:
    """The pristine kernel's proxy, in-process: copies in, in-place changes back, plain data out."""

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        with guard._grader_work():
            copied_args, copied_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        result = function(*copied_args, **copied_kwargs)
        with guard._grader_work():
            pristine._write_back([*args, *kwargs.values()], pristine._after(copied_args, copied_kwargs))
            return pristine.decode(pristine.encode(result))

    stand_in.__name__ = getattr(function, "__name__", "answer")
    return stand_in


@contextlib.contextmanager
def _time_limit(seconds: int) -> Any:
    if not hasattr(signal, "SIGALRM") or os.name != "posix":
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TrialError(f"the trial ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _test_namespace(found: Exercise, student: dict[str, Any]) -> dict[str, Any]:
    """What a test cell starts with in the pristine kernel: the solution names, nothing else."""
    tests: dict[str, Any] = {"__name__": "__main__"}
    for name in found.names:
        value = student[name]
        tests[name] = _stand_in(value) if callable(value) and not isinstance(value, type) \
            else pristine.decode(pristine.encode(value))
    return tests


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:300]}"


def try_answer(notebook: str | os.PathLike[str] | Exercise, exercise_id: str | None = None,
               source: str = "", *, time_limit: int = TIME_LIMIT_S) -> Trial:
    """Run the test cells of one exercise against the answer ``source``.

    Parameters
    ----------
    notebook : path or Exercise
        The notebook holding the exercise, or an :class:`Exercise` (then
        ``exercise_id`` is not needed).
    exercise_id : str
        Grade id of the exercise's solution cell, e.g. ``"nb05_nss"``.
    source : str
        A full solution cell (it may use the notebook's imports).
    time_limit : int
        Seconds the whole trial may take (POSIX; elsewhere unlimited).

    Returns
    -------
    Trial
        Which parts passed, which failed, and whether a visible test caught it.

    Raises
    ------
    TrialError
        If ``source`` does not run, leaves a solution name undefined, or the
        trial takes longer than ``time_limit`` seconds.
    """
    found = notebook if isinstance(notebook, Exercise) else exercise(notebook, str(exercise_id))
    student: dict[str, Any] = {"__name__": "__main__"}
    if not isinstance(time_limit, int) or isinstance(time_limit, bool) or time_limit < 1:
        raise ValueError(f"time_limit must be a whole number of seconds >= 1, got {time_limit!r}")
    with _time_limit(time_limit), contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(found.imports, "<imports>", "exec"), student)  # noqa: S102 - the course's own cells
            exec(compile(source, "<answer>", "exec"), student)  # noqa: S102 - a catalogue entry, trusted
        except Exception as error:
            raise TrialError(f"the answer does not run: {_describe(error)}") from error
        missing = [name for name in found.names if name not in student]
        if missing:
            raise TrialError(f"the answer does not define {', '.join(missing)}")
        passed, failed, errors = [], [], {}
        caught_by: str | None = None
        for part_id, _, part_source in found.parts:
            tests = _test_namespace(found, student)
            visible, hidden = _split(part_source)
            stage = "visible"
            try:
                exec(compile(visible, f"<{part_id}>", "exec"), tests)  # noqa: S102
                stage = "hidden"
                if hidden is None:
                    exec(compile(part_source, f"<{part_id}>", "exec"), _test_namespace(found, student))  # noqa: S102
                elif hidden:
                    exec(compile(hidden, f"<{part_id}>", "exec"), tests)  # noqa: S102
            except TrialError:
                raise
            except Exception as error:  # noqa: BLE001 - every failure of a test cell is a verdict
                failed.append(part_id)
                errors[part_id] = _describe(error)
                caught_by = "visible" if stage == "visible" or caught_by == "visible" else "hidden"
                continue
            passed.append(part_id)
    return Trial(tuple(passed), tuple(failed), caught_by, errors)
