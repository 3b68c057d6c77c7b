"""Tests of course_lib.classroom.trials: an answer against an exercise's test cells, in this process."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_lib.classroom import check_markup, trials

_META = {"schema_version": 3, "locked": False, "task": False}
SOLUTION = "def double(values):\n    ### BEGIN SOLUTION\n    return 2 * np.asarray(values, float)\n    ### END SOLUTION"
MAIN = """import numpy as np
from course_lib.classroom import forbid
assert np.allclose(double([1, 2]), [2, 4]), "double must multiply by 2"
### BEGIN HIDDEN TESTS
assert np.allclose(double([-3.5]), [-7.0]), "negative values"
### END HIDDEN TESTS"""
EDGES = """import numpy as np
values = np.array([1.0, 2.0])
double(values)
assert values.tolist() == [1.0, 2.0], "double must not change its argument"
### BEGIN HIDDEN TESTS
assert np.asarray(double([])).shape == (0,), "an empty list gives an empty array"
### END HIDDEN TESTS"""


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    path = tmp_path_factory.mktemp("trials") / "01_tiny.ipynb"
    solution = {**_META, "solution": True, "grade": False, "grade_id": "nb01_double"}
    test = {**_META, "solution": False, "grade": True, "locked": True}
    nb = new_notebook(cells=[
        new_code_cell("import numpy as np"),
        new_markdown_cell("Write `double`."),
        new_code_cell(SOLUTION, metadata={"nbgrader": solution}),
        new_code_cell(MAIN, metadata={"nbgrader": {**test, "grade_id": "nb01_double_tests", "points": 2}}),
        new_code_cell(EDGES, metadata={"nbgrader": {**test, "grade_id": "nb01_double_edges_tests", "points": 1}}),
    ])
    nbformat.write(nb, path)
    assert check_markup(path, require_hidden=True) == []
    return path


def test_an_exercise_is_its_solution_and_the_test_cells_after_it(notebook):
    (found,) = trials.exercises(notebook)
    assert found.grade_id == "nb01_double" and found.names == ("double",) and found.points == 3
    assert [part for part, _, _ in found.parts] == ["nb01_double_tests", "nb01_double_edges_tests"]
    assert found.imports == "import numpy as np"
    assert trials.try_answer(found, source=found.solution).full_marks


@pytest.mark.parametrize("source, passed, caught_by", [
    ("def double(values):\n    return [2 * v for v in values]", ("nb01_double_tests", "nb01_double_edges_tests"), None),
    ("def double(values):\n    return np.abs(2 * np.asarray(values, float))", ("nb01_double_edges_tests",), "hidden"),
    ("def double(values):\n    return np.asarray(values, float) + 2", ("nb01_double_edges_tests",), "visible"),
    ("def double(values):\n    values = np.asarray(values, float)\n    values *= 2\n    return values",
     ("nb01_double_tests",), "visible"),
])
def test_each_part_is_judged_and_the_first_failure_says_where(notebook, source, passed, caught_by):
    result = trials.try_answer(notebook, "nb01_double", source)
    assert result.passed == passed and result.caught_by == caught_by
    assert set(result.errors) == set(result.failed)


def test_in_place_changes_reach_the_test_and_results_come_back_as_plain_data(notebook):
    result = trials.try_answer(notebook, "nb01_double", "def double(values):\n    values[0] = 9\n    return 2 * values")
    assert "must not change its argument" in result.errors["nb01_double_edges_tests"]
    result = trials.try_answer(notebook, "nb01_double", "def double(values):\n    return object()")
    assert result.failed and all("TypeError" in error for error in result.errors.values())


@pytest.mark.parametrize("source, match", [
    ("def double(values)\n    return 2", "does not run"),
    ("def triple(values):\n    return 3", "does not define double"),
    ("import time\ndef double(values):\n    time.sleep(5)\n    return 2", "longer than 1 s"),
])
def test_an_answer_that_cannot_be_tried_is_an_error_not_a_verdict(notebook, source, match):
    with pytest.raises(trials.TrialError, match=match):
        trials.try_answer(notebook, "nb01_double", source, time_limit=1)


def test_bad_arguments_are_named(notebook):
    with pytest.raises(ValueError, match="exercise_id 'nb01_nothing'"):
        trials.try_answer(notebook, "nb01_nothing", "x = 1")
    with pytest.raises(ValueError, match="time_limit"):
        trials.try_answer(notebook, "nb01_double", SOLUTION, time_limit=0)
    with pytest.raises(TypeError, match="notebook must be a path"):
        trials.exercises(3)
