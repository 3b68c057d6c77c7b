"""The mutant catalogue (tests/exercise_mutants): wrong answers lose points, right ones earn them all.

For every graded exercise of the course: at least 4 wrong solutions students
write, each failing some test cell of the exercise, at least half of them in the
visible tests (a student sees the mistake before submitting); at least one
legitimate alternative, earning every part; and the instructor's own solution
earning every part.  Trials run in this process
(:func:`course_lib.classroom.trials.try_answer`); the real grader's two kernels
grade the instructor notebooks in tests/test_classroom.py.
"""

from __future__ import annotations

import contextlib
import functools
import math
import multiprocessing
import os

import pytest

from course_lib.classroom import trials
from exercise_mutants import NOTEBOOKS, catalogue, notebook_of, timed

MIN_MUTANTS = 4
MIN_ALTERNATIVES = 1

EXERCISES = {found.grade_id: found for path in sorted(NOTEBOOKS.glob("*.ipynb")) for found in trials.exercises(path)}
CATALOGUE = catalogue()
MUTANT_CASES = [(e, m) for e, (mutants, _) in sorted(CATALOGUE.items()) for m in mutants]
ALTERNATIVE_CASES = [(e, a) for e, (_, alternatives) in sorted(CATALOGUE.items()) for a in alternatives]


@functools.lru_cache(maxsize=None)
def trial(exercise_id: str, kind: str, name: str) -> trials.Trial:
    mutants, alternatives = CATALOGUE[exercise_id]
    source = {"mutant": mutants, "alternative": alternatives}[kind][name]
    return trials.try_answer(EXERCISES[exercise_id], source=source)


def test_every_exercise_has_a_catalogue_entry_and_every_entry_an_exercise():
    assert EXERCISES and set(CATALOGUE) <= set(EXERCISES), sorted(set(CATALOGUE) - set(EXERCISES))
    missing = sorted(set(EXERCISES) - set(CATALOGUE))
    assert not missing, f"exercises without wrong solutions in tests/exercise_mutants: {missing}"
    for exercise_id in CATALOGUE:
        assert notebook_of(exercise_id) == EXERCISES[exercise_id].notebook


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_instructor_solution_earns_every_part(exercise_id):
    found = EXERCISES[exercise_id]
    result = trials.try_answer(found, source=found.solution)
    assert result.full_marks, result.errors


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_each_exercise_has_enough_wrong_and_right_answers(exercise_id):
    mutants, alternatives = CATALOGUE.get(exercise_id, ({}, {}))
    assert len(mutants) >= MIN_MUTANTS, f"{exercise_id}: {len(mutants)} wrong solutions, need {MIN_MUTANTS}"
    assert len(alternatives) >= MIN_ALTERNATIVES, f"{exercise_id}: no legitimate alternative"


@pytest.mark.parametrize("exercise_id, mistake", MUTANT_CASES)
def test_a_wrong_solution_loses_points(exercise_id, mistake):
    result = trial(exercise_id, "mutant", mistake)
    assert not result.full_marks, f"{exercise_id}: the wrong solution '{mistake}' earns full marks"


@pytest.mark.parametrize("exercise_id, approach", ALTERNATIVE_CASES)
def test_a_legitimate_alternative_earns_every_part(exercise_id, approach):
    result = trial(exercise_id, "alternative", approach)
    assert result.full_marks, f"{exercise_id}: the correct alternative '{approach}' fails: {result.errors}"


@pytest.mark.parametrize("exercise_id", sorted(CATALOGUE))
def test_most_mistakes_show_in_the_visible_tests(exercise_id):
    mutants, _ = CATALOGUE[exercise_id]
    visible = [m for m in mutants if trial(exercise_id, "mutant", m).caught_by == "visible"]
    assert len(visible) >= math.ceil(len(mutants) / 2), (
        f"{exercise_id}: only {len(visible)} of {len(mutants)} wrong solutions fail the visible tests; "
        f"the others pass them: {sorted(set(mutants) - set(visible))}")


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_exercises_of_three_points_or_more_are_graded_in_parts(exercise_id):
    found = EXERCISES[exercise_id]
    if found.points >= 3:
        assert len(found.parts) >= 2, f"{exercise_id} is worth {found.points:g} points in one test cell"


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextlib.contextmanager
def busy_processes(per_core: int = 4):
    """``per_core`` processes per CPU core that do nothing but compute, for the ``with`` block."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    stop = context.Event()
    workers = [context.Process(target=_spin, args=(stop,), daemon=True) for _ in range(per_core * (os.cpu_count() or 1))]
    for worker in workers:
        worker.start()
    try:
        yield len(workers)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()


@pytest.mark.parametrize("exercise_id", sorted(timed()))
def test_timed_exercises_give_full_points_to_right_answers_on_a_busy_machine(exercise_id):
    """No grade depends on timing noise: four busy processes per core do not cost a right answer a point."""
    found = EXERCISES[exercise_id]
    _, alternatives = CATALOGUE[exercise_id]
    with busy_processes(per_core=4) as count:
        assert count >= 4
        for name, source in {"instructor": found.solution, **alternatives}.items():
            result = trials.try_answer(found, source=source)
            assert result.full_marks, f"{exercise_id}, {name}, beside {count} busy processes: {result.errors}"
