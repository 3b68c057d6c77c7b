"""Tests of course_lib.classroom.term: a term's secret inputs and private extra tests (issue 32, part 3).

The hidden tests of the course are public (the instructor notebooks are in the repository), so a
student can learn the inputs they check and hard-code the outputs.  Under a term secret
(`grade --seed`) the hidden tests draw other inputs, which the student cannot know; an honest answer
earns every point under any secret (tests/test_classroom.py grades every course notebook under one).
"""

from __future__ import annotations

import csv
import re
import subprocess

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_lib import cli
from course_lib.classroom import hidden_rng, hidden_seed, scoring, submissions, term
from course_lib.classroom.markup import grade_id

TIMEOUT = 120  # s per cell, and for a kernel to start (a loaded machine)

_SOLUTION = {"grade": False, "grade_id": "double", "locked": False, "schema_version": 3, "solution": True,
             "task": False}
_TEST = {"grade": True, "grade_id": "double_tests", "locked": True, "points": 2, "schema_version": 3,
         "solution": False, "task": False}

# The hidden test checks my_double on an input drawn from this term's generator 0.
_HIDDEN_TEST = """\
assert my_double(3) == 6, "my_double(3) must be 6"
### BEGIN HIDDEN TESTS
from course_lib.classroom import hidden_rng
x = int(hidden_rng(0).integers(10**6))
assert my_double(x) == 2 * x, "my_double is wrong on a hidden input"
### END HIDDEN TESTS
"""


def _course(solution: str = "def my_double(x):\n    return 2 * x") -> nbformat.NotebookNode:
    return new_notebook(cells=[new_code_cell(solution, metadata={"nbgrader": dict(_SOLUTION)}),
                               new_code_cell(_HIDDEN_TEST, metadata={"nbgrader": dict(_TEST)})])


def _hard_coded(x: int) -> str:
    """A submission that passes the visible test and knows the hidden input ``x`` by heart."""
    return f"def my_double(x):\n    return {{3: 6, {x}: {2 * x}}}[x]"


def _hidden_input(secret: str | None) -> int:
    """The hidden test's input under ``secret``, as a student who knew the secret would compute it."""
    term.use_term_key(term.term_key(secret) if secret is not None else "")
    try:
        return int(hidden_rng(0).integers(10**6))
    finally:
        term.use_term_key("")


def _points(submission: nbformat.NotebookNode, secret: str | None) -> float:
    return scoring.grade_notebook(submission, _course(), timeout=TIMEOUT, seed=secret).points


# ---------------------------------------------------------------------------
# The generators
# ---------------------------------------------------------------------------

def test_without_a_secret_the_hidden_inputs_are_the_ones_the_notebooks_show():
    assert [hidden_seed(n) for n in (0, 7, 2026)] == [0, 7, 2026]
    assert np.array_equal(hidden_rng(5).random(20), np.random.default_rng(5).random(20))


def test_a_secret_gives_other_inputs_and_two_secrets_differ():
    try:
        term.use_term_key(term.term_key("spring"))
        spring = [hidden_seed(n) for n in range(50)]
        spring_values = hidden_rng(0).random(5)
        term.use_term_key(term.term_key("autumn"))
        autumn = [hidden_seed(n) for n in range(50)]
    finally:
        term.use_term_key("")
    assert spring != autumn and spring != list(range(50))
    assert len(set(spring)) == 50 and all(0 <= seed < 2**31 for seed in spring + autumn)
    assert not np.allclose(spring_values, np.random.default_rng(0).random(5))


def test_the_key_is_a_digest_and_bad_values_are_refused():
    key = term.term_key("winter")
    assert len(key) == 64 and "winter" not in key and key == term.term_key("winter") != term.term_key("winter ")
    with pytest.raises(ValueError, match="seed must not be empty"):
        term.term_key("  ")
    with pytest.raises(TypeError, match="seed must be text"):
        term.term_key(7)
    with pytest.raises(ValueError, match="key must be a digest"):
        term.use_term_key("winter")
    for stream in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="stream must be an integer >= 0"):
            hidden_seed(stream)


# ---------------------------------------------------------------------------
# Through the grader
# ---------------------------------------------------------------------------

def test_hard_coded_outputs_pass_only_under_the_secret_they_were_made_for():
    honest = _course()
    known = _course(_hard_coded(_hidden_input(None)))      # learned from the public hidden test
    leaked = _course(_hard_coded(_hidden_input("term A")))  # as if the secret of term A had leaked
    assert _hidden_input(None) != _hidden_input("term A") != _hidden_input("term B")
    assert [_points(honest, secret) for secret in (None, "term A", "term B")] == [2, 2, 2]
    assert [_points(known, secret) for secret in (None, "term A", "term B")] == [2, 0, 0]
    assert [_points(leaked, secret) for secret in (None, "term A", "term B")] == [0, 2, 0]


def test_the_students_kernel_never_sees_the_secret():
    """The key reaches the test kernel only: the student's code, called by the test, looks for it
    in its module, its environment and its globals, and finds nothing."""
    snooping = ("import os\nfrom course_lib.classroom import term\n"
                "def my_double(x):\n"
                "    assert term._term_key == '', 'the key is in the student kernel'\n"
                "    assert not any(term.term_key('term A') in value for value in os.environ.values())\n"
                "    assert not any(term.term_key('term A') in repr(value) for value in list(globals().values()))\n"
                "    return 2 * x")
    grade = scoring.grade_notebook(_course(snooping), _course(), timeout=TIMEOUT, seed="term A")
    assert grade.points == 2, grade.checks
    assert "term A" not in repr(grade) and term.term_key("term A") not in repr(grade)


def _class(tmp_path, answers: dict[str, str]):
    (tmp_path / "source").mkdir()
    nbformat.write(_course(), tmp_path / "source" / "01_double.ipynb")
    for student, solution in answers.items():
        (tmp_path / "submitted" / student).mkdir(parents=True)
        nbformat.write(_course(solution), tmp_path / "submitted" / student / "01_double.ipynb")


def test_extra_tests_are_applied_and_never_shown(tmp_path):
    """An instructor's private test catches what the public ones miss (odd inputs here), costs the
    points of its test cell, and its code appears in no feedback page, gradebook or answer page
    (its assertion's message does, as the course's hidden tests' do: it is written for the student)."""
    _class(tmp_path, {"honest": "def my_double(x):\n    return 2 * x",
                      "even_only": "def my_double(x):\n    return 2 * x if x % 2 == 0 or x == 3 else 0"})
    (tmp_path / "private").mkdir()
    secret_check = 'assert my_double(12345) == 24690, "my_double is wrong on an input of the instructor\'s"'
    (tmp_path / "private" / "double_tests.py").write_text(secret_check + "\n", encoding="utf-8")
    grades = submissions.grade_submissions(
        tmp_path / "submitted", source_dir=tmp_path / "source", out_csv=tmp_path / "out" / "gradebook.csv",
        timeout=TIMEOUT, scheduler=None, sandbox="none", workers=1, extra_tests=tmp_path / "private",
        seed="term A", similarity=True)
    points = {grade.student: grade.points for grade in grades}
    even = _hidden_input("term A") % 2 == 0
    assert points == {"honest": 2, "even_only": 0}, (points, even)
    shown = "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "out").rglob("*")
                    if path.is_file() and path.suffix in (".csv", ".html"))
    assert "12345" not in shown and "24690" not in shown and "term A" not in shown  # the code never
    failed = next(check for grade in grades if grade.student == "even_only" for check in grade.checks
                  if check.kind == "test")
    # its message, as the course's hidden tests' messages, is written for the student
    assert failed.message.endswith("(a hidden test): AssertionError: my_double is wrong on an input of the "
                                   "instructor's"), failed.message
    assert (tmp_path / "source" / "01_double.ipynb").read_text(encoding="utf-8").count("12345") == 0
    with open(tmp_path / "out" / "similarity" / "similarity.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))  # --similarity: the report after grading
    assert {(row["student_a"], row["student_b"]) for row in rows} >= {("honest", "reference"), ("even_only", "reference")}
    assert (tmp_path / "out" / "similarity" / "similarity.html").is_file()


def test_the_seed_and_extra_tests_enter_the_results_cache_key(tmp_path):
    options = submissions.GradingOptions()
    keyed = submissions.GradingOptions(term_key=term.term_key("term A"))
    assert options.fingerprint() != keyed.fingerprint()
    assert term.term_key("term A") not in keyed.fingerprint() and term.term_key("term A") not in repr(keyed)


def test_extra_tests_folder_errors_name_the_flag(tmp_path):
    with pytest.raises(ValueError, match="--extra-tests must be a folder"):
        term.read_extra_tests(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no <grade_id>.py file"):
        term.read_extra_tests(tmp_path / "empty")
    (tmp_path / "both").mkdir()
    (tmp_path / "both" / "double_tests.py").write_text("assert True\n")
    nbformat.write(new_notebook(cells=[new_code_cell("assert 1", metadata={"nbgrader": dict(_TEST)})]),
                   tmp_path / "both" / "more.ipynb")
    with pytest.raises(ValueError, match="names grade_id 'double_tests' twice"):
        term.read_extra_tests(tmp_path / "both")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "nb99_nothing_tests.py").write_text("assert False\n")
    _class(tmp_path, {"honest": "def my_double(x):\n    return 2 * x"})
    with pytest.raises(ValueError, match=r"extra_tests names no test cell of the source notebooks: \['nb99_nothing_tests'\]"):
        submissions.grade_submissions(tmp_path / "submitted", source_dir=tmp_path / "source",
                                      out_csv=tmp_path / "out" / "g.csv", scheduler=None, sandbox="none",
                                      extra_tests=tmp_path / "bad")


def test_extra_tests_from_a_notebook_go_into_a_hidden_region():
    extended, unused = term.add_extra_tests(_course(), {"double_tests": "### BEGIN HIDDEN TESTS\nassert my_double(0) == 0\n"
                                                                        "### END HIDDEN TESTS", "elsewhere": "pass"})
    cell = next(c for c in extended.cells if grade_id(c) == "double_tests")
    assert cell.source.endswith("### BEGIN HIDDEN TESTS\nassert my_double(0) == 0\n### END HIDDEN TESTS")
    assert cell.source.count("BEGIN HIDDEN TESTS") == 2 and unused == ["elsewhere"]
    assert "my_double(0)" not in _course().cells[1].source  # the source itself is untouched
    assert "my_double(0)" not in scoring.student_part(extended).cells[1].source


def test_the_command_line_takes_the_secret_from_the_environment(tmp_path, monkeypatch, capsys):
    _class(tmp_path, {"known": _hard_coded(_hidden_input(None))})
    common = ["grade", str(tmp_path / "submitted"), "--source", str(tmp_path / "source"), "--out",
              str(tmp_path / "out" / "gradebook.csv"), "--scheduler", "none", "--sandbox", "none",
              "--timeout", str(TIMEOUT)]
    monkeypatch.delenv(term.ENVIRONMENT_VARIABLE, raising=False)
    assert cli.main(common) == 0
    assert re.search(r"^known +2 / 2$", capsys.readouterr().out, re.M)
    monkeypatch.setenv(term.ENVIRONMENT_VARIABLE, "term B")
    assert cli.main(common) == 0
    out = capsys.readouterr().out
    assert re.search(r"^known +0 / 2$", out, re.M) and "term B" not in out
    with open(tmp_path / "out" / "gradebook.csv", newline="", encoding="utf-8") as handle:
        assert [row["points"] for row in csv.DictReader(handle)] == ["0"]
    assert cli.main([*common, "--seed", ""]) == 1
    assert "--seed must not be empty" in capsys.readouterr().err


def test_the_secret_is_not_on_the_command_line_of_the_kernels(tmp_path):
    """`ps` shows every process's arguments to every user of the machine: the kernels get the key in a
    cell, never as an argument or an environment variable (checked on the key's digest)."""
    probe = ("import subprocess, sys\n"
             "def my_double(x):\n"
             "    listing = subprocess.run(['ps', '-eww', '-o', 'args'], capture_output=True, text=True).stdout\n"
             f"    assert {term.term_key('term A')!r} not in listing\n"
             "    return 2 * x")
    if subprocess.run(["ps", "-o", "args"], capture_output=True).returncode != 0:
        pytest.skip("no ps here")
    assert scoring.grade_notebook(_course(probe), _course(), timeout=TIMEOUT, seed="term A").points == 2


LITERAL_SEED = re.compile(r"default_rng\(\s*\d|manual_seed\(\s*\d|\bseed\s*=\s*\d|random\.seed\(")


def test_the_course_hidden_tests_draw_their_inputs_from_the_term():
    """A literal seed in a hidden test would give the same input under every secret: refused."""
    from pathlib import Path

    from course_lib.classroom.markup import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, in_region, is_test

    found = []
    for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_test(cell):
                lines = cell.source.split("\n")
                found += [f"{grade_id(cell)}: {line.strip()}" for number, line in enumerate(lines, start=1)
                          if in_region(lines, number, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
                          and LITERAL_SEED.search(line)]
    assert found == []
    assert LITERAL_SEED.search("rng = np.random.default_rng(3)") and not LITERAL_SEED.search("hidden_rng(3)")
