"""No course function answers an exercise by itself: every one-line delegation loses points.

For each exercise, the arguments of the first call its tests make are recorded
from the instructor's solution; then every function of ``course_lib`` whose
signature accepts those arguments (public names, in ``__all__`` or not) stands
in for the student's function as ``return function(*args, **kwargs)``.  Each
must fail some test cell: either the exercise's ``forbid`` list blocks it, or
it does not compute the answer.  A new course function that does an
exercise's job shows up here until the exercise forbids it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import matplotlib.pyplot as plt
import pytest

import course_lib
from course_lib.classroom import trials
from exercise_mutants import CALLS, NOTEBOOKS, delegating, recording

# Modules that compute nothing an exercise asks for: the grader itself, the command line, files.
_SKIPPED = ("course_lib.classroom", "course_lib.cli", "course_lib.course_files", "course_lib.widgets")
TIME_LIMIT_S = 60


def _course_functions() -> list[tuple[str, str, types.FunctionType]]:
    found = []
    for info in pkgutil.iter_modules(course_lib.__path__, "course_lib."):
        if info.name.startswith(_SKIPPED) or info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == info.name and not name.startswith("_"):
                found.append((info.name, name, value))
    return found


FUNCTIONS = _course_functions()
EXERCISES = [found for path in sorted(NOTEBOOKS.glob("*.ipynb")) for found in trials.exercises(path)]


def _first_calls(found: trials.Exercise) -> dict[str, tuple[tuple, dict]]:
    names = [n for n in found.names if f"def {n}(" in found.solution]
    calls = {}
    for name in names:
        CALLS.pop(name, None)
        trials.try_answer(found, source=recording(found.solution, name))
        if name in CALLS:
            calls[name] = CALLS.pop(name)
    return calls


def _fits(function: types.FunctionType, args: tuple, kwargs: dict) -> bool:
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return False
    return True


def test_the_course_has_functions_to_try():
    assert len(FUNCTIONS) > 100


@pytest.mark.parametrize("found", EXERCISES, ids=[f.grade_id for f in EXERCISES])
def test_no_course_function_passes_as_the_answer(found):
    calls = _first_calls(found)
    if not any(f"def {n}(" in found.solution for n in found.names):
        pytest.skip(f"{found.grade_id} asks for a value, not a function")
    assert calls, f"the tests of {found.grade_id} never call its function"
    passing = []
    for name, (args, kwargs) in calls.items():
        for module, function_name, function in FUNCTIONS:
            if not _fits(function, args, kwargs):
                continue
            source = delegating(found.solution, name, module, function_name)
            try:
                result = trials.try_answer(found, source=source, time_limit=TIME_LIMIT_S)
            except trials.TrialError:
                continue  # ran out of time: a test cell would not pass it either
            finally:
                plt.close("all")  # the course's plotting functions fit some signatures too
            if result.full_marks:
                passing.append(f"{module}.{function_name}")
    assert not passing, f"{found.grade_id} passes as a one-line call of {passing}: forbid them in its test cells"
