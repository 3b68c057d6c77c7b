"""Tests of course_lib.classroom: markup, student versions, the grader, guards and progress().

The grader is exercised on a tiny generated course (two notebooks, three
exercises, 6 points) and generated fake submissions, graded once per module;
the real notebooks are only checked for markup and, for notebook 00, run twice
(instructor and student build) for the consistency check.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import course_lib
from course_lib import cli
from course_lib import classroom
from course_lib.classroom import build, markup, progress as progress_module, runner, scoring

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REAL_NOTEBOOKS = sorted(NOTEBOOKS.glob("*.ipynb"))
HAS_NBGRADER = importlib.util.find_spec("nbgrader") is not None
HAS_NBVAL = importlib.util.find_spec("nbval") is not None
TIMEOUT = 15  # seconds per cell in the fake course: cells take milliseconds, but a first import on a busy machine seconds

_SOLUTION = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
_TEST = {"grade": True, "locked": True, "schema_version": 3, "solution": False, "task": False}


# ---------------------------------------------------------------------------
# The tiny course and its fake submissions
# ---------------------------------------------------------------------------

def _solution_cell(grade_id: str, source: str) -> nbformat.NotebookNode:
    return new_code_cell(source, metadata={"nbgrader": {**_SOLUTION, "grade_id": grade_id}})


def _test_cell(grade_id: str, points: float, source: str) -> nbformat.NotebookNode:
    return new_code_cell(source, metadata={"nbgrader": {**_TEST, "grade_id": grade_id, "points": points}})


def _answer_cell(grade_id: str, points: float, source: str) -> nbformat.NotebookNode:
    meta = {**_SOLUTION, "grade": True, "grade_id": grade_id, "points": points}
    return new_markdown_cell(source, metadata={"nbgrader": meta})


def _tiny_course() -> dict[str, nbformat.NotebookNode]:
    checked = new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(sum(range(5)))", execution_count=1,
                            outputs=[new_output("stream", name="stdout", text="10\n")])
    first = new_notebook(cells=[
        new_markdown_cell("# Tiny notebook"),
        new_code_cell("import math"),
        _solution_cell("double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        _test_cell("double_tests", 2, "assert double(2) == 4, 'double(2) should be 4'\n"
                   "### BEGIN HIDDEN TESTS\nassert double(-3) == -6, 'double(-3) should be -6'\n"
                   "### END HIDDEN TESTS"),
        _solution_cell("square", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"),
        _test_cell("square_tests", 3, "assert square(3) == 9, f'square(3) should be 9, got {square(3)}'"),
        checked,
        new_code_cell("print('the rest of the notebook runs')"),
    ])
    second = new_notebook(cells=[
        _solution_cell("negate", "def negate(x):\n    ### BEGIN SOLUTION\n    return -x\n    ### END SOLUTION"),
        _test_cell("negate_tests", 1, "assert negate(1) == -1"),
    ])
    reference = new_notebook(cells=[
        new_code_cell("import numpy as np\nfrom course_lib import metrics"),
        _solution_cell("my_nss", "def my_nss(saliency, fixations):\n    ### BEGIN SOLUTION\n"
                       "    z = (saliency - saliency.mean()) / saliency.std()\n"
                       "    return float(z[fixations].mean())\n    ### END SOLUTION"),
        _test_cell("my_nss_tests", 2, NSS_TEST),
        new_code_cell("print('the notebook goes on with', metrics.nss.__name__)"),
    ])
    first.cells[6:6] = [new_markdown_cell("**Think!** Why is doubling linear?"),
                        _answer_cell("explain", 1, "Because 2(x + y) = 2x + 2y.\n\n#### Rubric\n"
                                     "- **1 point**: names distributivity: 2(a + b) = 2a + 2b.\n"
                                     "- *Common wrong answers*: \"because it is a multiplication\" (0).")]
    for nb in (first, second, reference):
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"01_tiny.ipynb": first, "02_tiny.ipynb": second, "03_ref.ipynb": reference}


NSS_TEST = """import numpy as np
from course_lib import metrics
from course_lib.classroom import forbid
student_nss = forbid(metrics.nss)(my_nss)
rng = np.random.default_rng(0)
saliency, fixations = rng.random((20, 30)), rng.random((20, 30)) < 0.1
assert np.isclose(student_nss(saliency, fixations), metrics.nss(saliency, fixations)), "my_nss differs from metrics.nss"
### BEGIN HIDDEN TESTS
assert np.isclose(student_nss(2 * saliency + 1, fixations), metrics.nss(saliency, fixations)), "scaling changed my_nss"
### END HIDDEN TESTS"""


CORRECT = {"double": "def double(x):\n    return 2 * x", "square": "def square(x):\n    return x * x",
           "negate": "def negate(x):\n    return -x", "explain": "Doubling distributes over sums.",
           "my_nss": "def my_nss(saliency, fixations):\n    saliency = np.asarray(saliency, float)\n"
                     "    return float(((saliency - saliency.mean()) / saliency.std())[fixations].mean())"}

# Tries what a submission can do through relative paths and the environment; it only
# touches files inside the test's own "grading-sentinel" folder, so a failure cannot
# damage anything else.  Absolute-path scans are out of scope (the sandbox's job).
ATTACK = '''import glob, os
assert os.listdir(".") == [], f"working folder not fresh: {os.listdir('.')}"
assert os.environ.get("PWD") == os.getcwd() and "OLDPWD" not in os.environ
reached = []
patterns = ["../*.ipynb", "../*/*.ipynb", "../*/*/*.ipynb", "../../*/*/*.ipynb", "../../../*/*/*/*.ipynb"]
for name in ["source/01_tiny.ipynb", "alice/01_tiny.ipynb", "submissions/alice/01_tiny.ipynb"]:
    patterns += [os.path.join(*[".."] * up, name) for up in range(1, 6)]
    patterns.append(os.path.join(os.environ.get("PWD", "."), name))
for pattern in patterns:
    for path in glob.glob(pattern):
        if "grading-sentinel" in os.path.abspath(path):
            reached.append(path)
            with open(path, "w") as handle:
                handle.write("{}")
with open("../escaped-by-mallory.txt", "w") as handle:  # outside its folder, in the temp dir
    handle.write("x")
os.remove("../escaped-by-mallory.txt")
assert not reached, f"reached {reached}"
'''

STUDENTS = {  # name -> ({grade_id: answer}, changes, expected points out of 6)
    "alice": ({}, {}, 6),
    "bob": ({"square": "def square(x):\n    return 2 * x"}, {"nbval": True}, 3),
    "carol": ({"double": "def double(x):\n    return 4"}, {"tamper": True}, 4),
    "dave": ({"square": "def square(x)\n    return x * x"}, {}, 3),
    "erin": ({"double": "while True:\n    pass"}, {}, 4),
    "frank": ({"square": "print('x' * 10_000_000)\ndef square(x):\n    return x * x"}, {}, 6),
    "grace": ({}, {"corrupt": "01_tiny.ipynb"}, 1),
    "heidi": ({}, {"missing": "02_tiny.ipynb", "nested": True}, 5),
    "ivan": ({"negate": "import os\nos._exit(1)"}, {}, 5),
    "mallory": ({"double": ATTACK + CORRECT["double"]}, {}, 6),
}
# Every student above also answers 03_ref honestly (2 points).  The ones below submit only
# 03_ref.ipynb and try to get its 2 points without the work, or lose a test cell.
ONLY_REF = {"only": "03_ref.ipynb"}
CHEATS = {
    "ref_direct": ({"my_nss": "def my_nss(s, f):\n    return metrics.nss(s, f)"}, ONLY_REF, 0),
    "ref_alias": ({"my_nss": "from course_lib.metrics import nss as z_mean\ndef my_nss(s, f):\n"
                             "    return z_mean(s, f)"}, ONLY_REF, 0),
    "ref_reimport": ({"my_nss": "def my_nss(s, f):\n    import importlib\n"
                                "    return importlib.import_module('course_lib.metrics').nss(s, f)"}, ONLY_REF, 0),
    "ref_sys_modules": ({"my_nss": "import sys\ndef my_nss(s, f):\n"
                                   "    return sys.modules['course_lib.metrics'].nss(s, f)"}, ONLY_REF, 0),
    "ref_caught": ({"my_nss": "def my_nss(s, f):\n    try:\n        return metrics.nss(s, f)\n"
                              "    except Exception:\n        return metrics.nss(s, f)"}, ONLY_REF, 0),
    "patch_numpy": ({"my_nss": "np.isclose = lambda *args, **kwargs: True\ndef my_nss(s, f):\n    return 0.0"},
                    ONLY_REF, 0),
    "patch_course": ({"my_nss": "metrics.nss = lambda s, f: 0.0\ndef my_nss(s, f):\n    return 0.0"}, ONLY_REF, 0),
    "patch_code": ({"my_nss": "metrics.nss.__code__ = (lambda saliency, fixations: 0.0).__code__\n"
                              "def my_nss(s, f):\n    return 0.0"}, ONLY_REF, 0),
    "patch_builtins": ({"my_nss": "import builtins\nbuiltins.all = lambda *args: True\n"
                                  + CORRECT["my_nss"]}, ONLY_REF, 0),
    "undo_hook": ({"my_nss": "def _undo(*args):\n    pass\nget_ipython().events.register('post_run_cell', _undo)\n"
                             + CORRECT["my_nss"]}, ONLY_REF, 0),
    "deleted_test": ({}, {**ONLY_REF, "delete_tests": True}, 2),
    "markdown_test": ({}, {**ONLY_REF, "markdown_tests": True}, 2),
}
STUDENTS = {name: (answers, changes, total + 2) for name, (answers, changes, total) in STUDENTS.items()}
STUDENTS.update(CHEATS)
MAX_POINTS = 8  # auto-graded; the written answer (1 point) is pending


def _answered(student_nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id:
            cell.source = answers.get(grade_id, CORRECT[grade_id])
    return nb


def _write_submissions(root: Path, sources: dict[str, nbformat.NotebookNode]) -> None:
    for student, (answers, changes, _) in STUDENTS.items():
        folder = root / student / ("ps1" if changes.get("nested") else "")
        folder.mkdir(parents=True)
        for name, source in sources.items():
            if changes.get("missing") == name or changes.get("only", name) != name:
                continue
            if changes.get("corrupt") == name:
                (folder / name).write_text('{"cells": [ this is not JSON', encoding="utf-8")
                continue
            nb = _answered(build.student_notebook(source), answers)
            for cell in nb.cells:
                if changes.get("nbval") and "NBVAL_CHECK_OUTPUT" in cell.source:
                    cell.source = "# NBVAL_CHECK_OUTPUT\nprint(sum(range(6)))"
                if changes.get("tamper") and markup.is_test(cell):
                    cell.source = "pass  # tests? what tests?"
                    cell.metadata["nbgrader"]["points"] = 100
                if changes.get("markdown_tests") and markup.is_test(cell):
                    cell.cell_type = "markdown"
                    del cell["outputs"], cell["execution_count"]
            if changes.get("delete_tests"):
                nb.cells = [cell for cell in nb.cells if not markup.is_test(cell)]
            nbformat.write(nb, folder / name)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading-sentinel")
    sources = _tiny_course()
    (root / "source").mkdir()
    for name, nb in sources.items():
        nbformat.write(nb, root / "source" / name)
    _write_submissions(root / "submissions", sources)
    return root


@pytest.fixture(scope="module")
def graded(course):
    """Grade all fake submissions once, from inside the course folder as an instructor would."""
    before = {"source": _digests(course / "source"), "submissions": _digests(course / "submissions")}
    old_cwd, old_pwd = os.getcwd(), os.environ.get("PWD")
    os.chdir(course)
    os.environ["PWD"] = str(course)
    try:
        grades = classroom.grade_submissions(
            course / "submissions", source_dir=course / "source", out_csv=course / "out" / "gradebook.csv",
            timeout=TIMEOUT, max_output_bytes=100_000, workers=2, scheduler="local", sandbox="auto")
    finally:
        os.chdir(old_cwd)
        if old_pwd is None:
            os.environ.pop("PWD", None)
        else:
            os.environ["PWD"] = old_pwd
    return grades, before


def _grades_of(grades, student):
    return {grade.notebook: grade for grade in grades if grade.student == student}


# ---------------------------------------------------------------------------
# The grader on fake submissions
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_each_submission_loses_exactly_the_points_of_what_is_wrong(graded, student):
    grades, _ = graded
    own = _grades_of(grades, student)
    assert set(own) == {"01_tiny.ipynb", "02_tiny.ipynb", "03_ref.ipynb"}
    assert sum(g.max_points for g in own.values()) == MAX_POINTS + 1
    assert sum(g.points for g in own.values()) == STUDENTS[student][2]


def test_failing_tests_say_why(graded):
    grades, _ = graded
    by_test = {(g.student, c.name): c for g in grades for c in g.checks if c.kind == "test"}
    bob = by_test[("bob", "square_tests")]
    assert not bob.passed and "square(3) should be 9, got 6" in bob.message
    assert by_test[("carol", "double_tests")].message.startswith("line 3 (a hidden test): AssertionError")
    assert "SyntaxError" in _grades_of(grades, "dave")["01_tiny.ipynb"].failed("error")[0].message
    erin = _grades_of(grades, "erin")["01_tiny.ipynb"]
    assert "TimeoutError" in erin.failed("error")[0].message
    assert "NameError" in by_test[("erin", "double_tests")].message
    assert by_test[("erin", "square_tests")].passed  # the rest still graded after the timeout
    assert "not a valid notebook" in _grades_of(grades, "grace")["01_tiny.ipynb"].problem
    assert "missing" in _grades_of(grades, "heidi")["02_tiny.ipynb"].problem
    assert "kernel died" in _grades_of(grades, "ivan")["02_tiny.ipynb"].problem
    assert by_test[("ivan", "negate_tests")].message.startswith("not run")


def test_tests_and_points_are_restored_from_the_source(graded):
    grades, _ = graded
    carol = _grades_of(grades, "carol")["01_tiny.ipynb"]
    assert carol.max_points == 6 and carol.points == 3  # tampered test cells and points are ignored


@pytest.mark.skipif(not HAS_NBVAL, reason="output checks use nbval")
def test_output_checks_follow_nbval(graded):
    grades, _ = graded
    bob = _grades_of(grades, "bob")["01_tiny.ipynb"]
    (failed,) = bob.failed("output")
    assert "15" in failed.message and "10" in failed.message
    assert not _grades_of(grades, "alice")["01_tiny.ipynb"].failed("output")


def test_submissions_and_sources_are_untouched(graded, course):
    grades, before = graded
    assert _digests(course / "source") == before["source"]
    assert _digests(course / "submissions") == before["submissions"]
    mallory = _grades_of(grades, "mallory")["01_tiny.ipynb"]
    assert mallory.points == 5 and not mallory.failed("error"), mallory.checks


def test_gradebook_csv_and_feedback_pages(graded, course):
    grades, _ = graded
    with open(course / "out" / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:4] == ["student", "notebook", "points", "max_points"]
    assert len(rows) == 3 * len(STUDENTS)
    assert {(r["student"], r["notebook"], r["points"], r["max_points"]) for r in rows} >= {
        ("bob", "01_tiny.ipynb", "2", "6"), ("alice", "02_tiny.ipynb", "1", "1")}
    pages = sorted(p.stem for p in (course / "out" / "feedback").glob("*.html"))
    assert pages == sorted(STUDENTS)
    bob = (course / "out" / "feedback" / "bob.html").read_text(encoding="utf-8")
    assert "square_tests" in bob and "should be 9, got 6" in bob and "5 / 9" in bob
    assert "BEGIN HIDDEN" not in (course / "out" / "feedback" / "carol.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("student", [name for name in CHEATS if name.startswith("ref_")])
def test_calling_the_reference_earns_nothing_and_says_so(graded, student):
    grades, _ = graded
    check = next(c for g in grades for c in g.checks if g.student == student and c.name == "my_nss_tests")
    assert not check.passed and "this exercise must not call metrics.nss" in check.message


@pytest.mark.parametrize("student, what", [
    ("patch_numpy", "np.isclose was replaced"), ("patch_course", "metrics.nss was replaced"),
    ("patch_code", "metrics.nss was replaced"), ("patch_builtins", "builtins.all was replaced"),
    ("undo_hook", "'post_run_cell' callback was registered"),
])
def test_tampering_earns_nothing_and_is_flagged(graded, student, what):
    grades, _ = graded
    (grade,) = [g for g in grades if g.student == student and g.notebook == "03_ref.ipynb"]
    assert grade.points == 0
    assert grade.problem.startswith("tampering suspected") and what in grade.problem, grade.problem
    assert all(check.message.startswith("tampering suspected") for check in grade.failed("test"))


def test_honest_submissions_never_trip_the_guards(graded):
    grades, _ = graded
    for grade in grades:
        if grade.student not in CHEATS or grade.student.endswith("_test"):
            assert "tampering" not in grade.problem, (grade.student, grade.problem)


@pytest.mark.parametrize("student, note", [
    ("deleted_test", "test cell my_nss_tests was deleted; restored"),
    ("markdown_test", "test cell my_nss_tests was turned into markdown; restored"),
    ("carol", "test cell double_tests was edited; restored"),
])
def test_missing_or_altered_test_cells_are_restored_and_noted(graded, course, student, note):
    grades, _ = graded
    assert any(note in grade.notes for grade in grades if grade.student == student)
    page = (course / "out" / "feedback" / f"{student}.html").read_text(encoding="utf-8")
    assert note in page


def test_a_deleted_test_goes_back_after_its_solution_cell():
    source = _tiny_course()["01_tiny.ipynb"]
    submission = build.student_notebook(source)
    submission.cells = [cell for cell in submission.cells if markup.grade_id(cell) != "square_tests"]
    restored, notes = scoring.restore_tests(submission, source)
    ids = [markup.grade_id(cell) for cell in restored.cells]
    assert ids.index("square_tests") == ids.index("square") + 1
    assert notes == ["test cell square_tests was deleted; restored"]
    assert "BEGIN HIDDEN TESTS" in restored.cells[ids.index("double_tests")].source


def test_written_answers_are_collected_and_pending(graded, course):
    grades, _ = graded
    page = (course / "out" / "answers" / "explain.html").read_text(encoding="utf-8")
    assert "Doubling distributes over sums." in page and "alice" in page and "bob" in page
    with open(course / "out" / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = {(r["student"], r["notebook"]): r for r in csv.DictReader(handle)}
    first, second = rows[("alice", "01_tiny.ipynb")], rows[("alice", "02_tiny.ipynb")]
    assert (first["manual_points"], first["pending"]) == ("0", "1")  # a number; the answer waits for a score
    assert second["manual_points"] == second["pending"] == ""  # no written question in that notebook
    assert "Why is doubling linear?" in page and "Rubric" in page and "names distributivity" in page  # beside the answers
    with open(course / "out" / "manual_scores_template.csv", newline="", encoding="utf-8") as handle:
        template = list(csv.DictReader(handle))
    row = next(r for r in template if (r["student"], r["grade_id"]) == ("alice", "explain"))
    assert row["points"] == row["comment"] == "" and row["max_points"] == "1"
    assert row["rubric"] == "[1] names distributivity: 2(a + b) = 2a + 2b."


def test_manual_scores_are_read_back_on_the_next_run(tmp_path, course):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    shutil.copy(course / "submissions" / "alice" / "01_tiny.ipynb", tmp_path / "subs" / "alice")
    (tmp_path / "manual_scores.csv").write_text("student,grade_id,points,comment\nalice,explain,0.5,too short\n")
    (grade,) = classroom.grade_submissions(tmp_path / "subs", source_dir=course / "source",
                                           out_csv=tmp_path / "gradebook.csv", timeout=TIMEOUT,
                                           notebooks=["01_tiny.ipynb"])
    assert grade.points == 5.5 and grade.pending == []
    with open(tmp_path / "gradebook.csv", newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["points"] == "5.5" and row["manual_points"] == "0.5" and row["pending"] == "0"
    assert "too short" in (tmp_path / "answers" / "explain.html").read_text(encoding="utf-8")
    (tmp_path / "bad.csv").write_text("student,grade_id,points\nalice,explain,lots\n")
    with pytest.raises(ValueError, match="line 2: points must be a number"):
        classroom.grade_submissions(tmp_path / "subs", source_dir=course / "source", out_csv=tmp_path / "g.csv",
                                    manual_scores=tmp_path / "bad.csv", notebooks=["01_tiny.ipynb"])


def test_output_beyond_the_cap_is_dropped():
    nb = new_notebook(cells=[new_code_cell("print('x' * 10_000_000)"), new_code_cell("1 / 0")])
    run = runner.run_coroutine(runner.execute(nb, timeout=30, max_output_bytes=10_000))
    kept = sum(len(out.get("text", "")) for out in run.nb.cells[0].outputs)
    assert 10_000 <= kept < 10_200
    assert "output beyond 10000 bytes" in run.nb.cells[0].outputs[-1].text
    assert run.nb.cells[1].outputs[0].ename == "ZeroDivisionError"


def test_code_that_ignores_interrupts_is_stopped(course):
    source = nbformat.read(course / "source" / "02_tiny.ipynb", as_version=4)
    stubborn = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    grade = scoring.grade_notebook(_answered(build.student_notebook(source), {"negate": stubborn}), source,
                                   timeout=1)
    assert "ignored the interrupt" in grade.problem and grade.points == 0


def test_whole_notebook_time_limit_kills_the_kernel(course):
    source = nbformat.read(course / "source" / "02_tiny.ipynb", as_version=4)
    sleepy = _answered(build.student_notebook(source), {"negate": "import time\ntime.sleep(60)"})
    grade = scoring.grade_notebook(sleepy, source, timeout=30, notebook_timeout=3)
    assert grade.problem == "the notebook ran longer than 3 s in all and was stopped"
    assert grade.points == 0 and grade.checks[-1].message.startswith("not run")
    if shutil.which("pgrep"):  # no kernel left behind (Dask's multiprocessing helpers may stay)
        children = subprocess.run(["pgrep", "-a", "-P", str(os.getpid())], capture_output=True, text=True).stdout
        assert "ipykernel" not in children, children


# ---------------------------------------------------------------------------
# Student versions
# ---------------------------------------------------------------------------

def _split_secret_lines(nb: nbformat.NotebookNode) -> tuple[set[str], str]:
    """(lines inside solution and hidden-test regions, the rest of the notebook's sources)."""
    secret, public, inside = set(), [], False
    for cell in nb.cells:
        for line in cell.source.split("\n"):
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                secret.add(line.strip())
            else:
                public.append(line)
    return secret, "\n".join(public)


def test_student_build_has_no_solution_text(tmp_path, course):
    for src in (NOTEBOOKS, course / "source"):
        out = tmp_path / src.name
        written = build.build_student_version(src, out)
        assert [p.name for p in written] == sorted(p.name for p in src.glob("*.ipynb"))
        for path in written:
            text = path.read_text(encoding="utf-8")
            source = nbformat.read(src / path.name, as_version=4)
            student = nbformat.reads(text, as_version=4)
            secret, public = _split_secret_lines(source)
            # a secret line may also appear, legitimately, outside the regions
            leaked = {line for line in secret
                      if line not in public and any(line in cell.source for cell in student.cells)}
            assert not leaked, f"{path.name} still holds {leaked}"
            for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
                assert marker not in text
            for cell in student.cells:
                meta = cell.metadata.get("nbgrader", {})
                if markup.is_answer(cell):
                    assert cell.source == "YOUR ANSWER HERE" and cell.cell_type == "markdown"
                elif meta.get("solution"):
                    assert "# YOUR CODE HERE\n" in cell.source and "raise NotImplementedError()" in cell.source
                if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
                    assert cell.outputs == [] and cell.execution_count is None
                if markup.is_test(cell):
                    assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
                if markup.is_answer(cell):
                    assert cell.metadata["deletable"] is False


def test_self_study_build_adds_a_collapsed_solution_after_each_stub(tmp_path, course):
    (written,) = [p for p in build.build_student_version(course / "source", tmp_path, self_study=True)
                  if p.name == "01_tiny.ipynb"]
    cells = nbformat.read(written, as_version=4).cells
    stubs = [i for i, c in enumerate(cells) if markup.is_solution(c)]
    assert len(stubs) == 2
    for index in stubs:
        assert "raise NotImplementedError()" in cells[index].source
        shown = cells[index + 1]
        assert shown.cell_type == "markdown"  # text: running the notebook never overwrites an answer
        assert shown.metadata["jupyter"]["source_hidden"] is True
        assert shown.source.startswith("Show solution")
        assert "BEGIN SOLUTION" not in shown.source
    assert "return x * x" in cells[stubs[1] + 1].source
    (answer,) = [i for i, c in enumerate(cells) if markup.is_answer(c)]
    assert cells[answer].source == "YOUR ANSWER HERE"
    assert cells[answer + 1].source.startswith("Sample answer") and "2(x + y)" in cells[answer + 1].source
    assert cells[answer + 1].metadata["jupyter"]["source_hidden"] is True
    assert markup.check_markup(written) == []


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=[p.stem.split("_")[0] for p in REAL_NOTEBOOKS])
def test_the_student_build_fails_exactly_its_exercise_tests(tmp_path, path):
    """Every notebook: the student build (stubs) fails each test cell and nothing else.

    The instructor notebooks pass every cell under nbval in `make test`, and
    earn full points through the grader (below).
    """
    source = nbformat.read(path, as_version=4)
    tests = {markup.grade_id(c) for c in source.cells if markup.is_test(c)}
    solutions = {markup.grade_id(c) for c in source.cells if markup.is_solution(c)}
    student = scoring.grade_notebook(build.student_notebook(source), source, timeout=300)
    assert student.problem == ""
    assert {c.name for c in student.failed("test")} == tests
    assert student.points == 0
    # only the stubs themselves may raise: "cell 7 (my_nss)" names the cell and its exercise
    assert {c.name.rpartition(" (")[2].rstrip(")") for c in student.failed("error")} <= solutions
    assert not student.failed("output")
    for check in student.failed("test"):
        assert "not answered yet" in check.message


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=[p.stem.split("_")[0] for p in REAL_NOTEBOOKS])
def test_the_instructor_notebook_earns_every_automatic_point(path):
    """Every notebook, through the real grader (two kernels, proxies): the reference answers earn
    every point.  In-process trials (tests/test_exercise_mutants.py) cannot see what only the
    kernels' transport refuses: notebook 03's {(c, s): map} answer once scored 0 here.  Graded under
    a term secret (`grade --seed`), so the hidden tests draw other inputs than the notebooks show
    (nbval runs them with the shown ones): an honest answer earns every point under any secret."""
    source = nbformat.read(path, as_version=4)
    instructor = scoring.grade_notebook(path, path, timeout=300, seed="make test: a term secret")
    assert instructor.problem == ""
    assert {c.name for c in instructor.checks if c.kind == "test" and c.passed} == {
        markup.grade_id(c) for c in source.cells if markup.is_test(c)}
    automatic = sum(markup.points(c) for c in source.cells if markup.is_test(c))
    assert instructor.points == automatic > 0 and instructor.pending  # written answers wait for a person
    assert not instructor.failed("error")
    assert not instructor.failed("output"), instructor.failed("output")


# ---------------------------------------------------------------------------
# Markup
# ---------------------------------------------------------------------------

def test_markup_of_all_course_notebooks():
    assert REAL_NOTEBOOKS
    assert markup.check_markup(NOTEBOOKS, require_hidden=True) == []


def _write(folder: Path, name: str, cells: list) -> None:
    folder.mkdir(exist_ok=True)
    nbformat.write(new_notebook(cells=cells), folder / name)


_GOOD_SOLUTION = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"


@pytest.mark.parametrize("cells, expected", [
    ([_solution_cell("a", _GOOD_SOLUTION), _test_cell("a", 1, "assert f()")], "is also used"),
    ([_solution_cell("a", _GOOD_SOLUTION), _test_cell("t", 0, "assert f()")], "points > 0"),
    ([_solution_cell("a", _GOOD_SOLUTION), _solution_cell("b", _GOOD_SOLUTION), _test_cell("t", 1, "")],
     "cell 1 (a): solution cell is not followed by a test cell"),
    ([_solution_cell("a", _GOOD_SOLUTION)], "not followed by a test cell"),
    ([_solution_cell("a", "### BEGIN SOLUTION\nx = 1"), _test_cell("t", 1, "")], "never closed"),
    ([_solution_cell("a", "x = 1\n### END SOLUTION"), _test_cell("t", 1, "")], "without 'BEGIN SOLUTION'"),
    ([new_code_cell("### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS")], "hidden-test delimiters outside"),
    ([new_code_cell(_GOOD_SOLUTION)], "solution delimiters outside a solution cell"),
    ([_solution_cell("a bad id!", _GOOD_SOLUTION), _test_cell("t", 1, "")], "grade_id must be"),
    ([new_code_cell("assert 1", metadata={"nbgrader": {**_TEST, "grade_id": "t", "points": 1,
                                                        "locked": False}})], "must be locked"),
])
def test_markup_problems_are_reported(tmp_path, cells, expected):
    _write(tmp_path, "a.ipynb", cells)
    problems = markup.check_markup(tmp_path)
    assert any(expected in problem for problem in problems), problems


def test_written_answers_must_be_markdown_with_points(tmp_path):
    _write(tmp_path, "a.ipynb", [new_code_cell("x", metadata={"nbgrader": {**_SOLUTION, "grade": True,
                                                                             "grade_id": "w", "points": 1}}),
                                 _answer_cell("w2", 0, "text")])
    problems = markup.check_markup(tmp_path)
    assert any("written answers (grade and solution) must be markdown" in p for p in problems)
    assert any("(w2): graded cells need points > 0" in p for p in problems)


def test_hidden_tests_can_be_required(tmp_path):
    _write(tmp_path, "a.ipynb", [_solution_cell("s", _GOOD_SOLUTION), _test_cell("t", 1, "assert f()")])
    assert markup.check_markup(tmp_path) == []
    assert markup.check_markup(tmp_path, require_hidden=True) == [
        "a.ipynb: cell 2 (t): test cell has no hidden tests (### BEGIN HIDDEN TESTS)"]


def test_grade_ids_must_be_unique_across_notebooks(tmp_path):
    _write(tmp_path, "a.ipynb", [_solution_cell("s", _GOOD_SOLUTION), _test_cell("t", 1, "")])
    _write(tmp_path, "b.ipynb", [_solution_cell("s2", _GOOD_SOLUTION), _test_cell("t", 1, "")])
    assert markup.check_markup(tmp_path) == ["b.ipynb: cell 2 (t): grade_id 't' is also used in a.ipynb cell 2"]


def test_default_sanitize_patterns_match_the_nbval_file():
    from nbval.plugin import get_sanitize_patterns

    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    assert tuple(get_sanitize_patterns(text)) == scoring.DEFAULT_SANITIZE_PATTERNS


# ---------------------------------------------------------------------------
# nbgrader itself, progress() and the command line
# ---------------------------------------------------------------------------

@pytest.mark.skipif(not HAS_NBGRADER, reason="nbgrader is in the optional 'grading' extra")
def test_nbgrader_generate_assignment_accepts_the_sources(tmp_path, course):
    assignment = tmp_path / "source" / "ps1"
    assignment.mkdir(parents=True)
    for path in [*REAL_NOTEBOOKS, *sorted((course / "source").glob("*.ipynb"))]:
        (assignment / path.name).write_bytes(path.read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--force",
         f"--CourseDirectory.root={tmp_path}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
        # nbgrader runs `alembic` from PATH: put this environment's scripts first.
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert result.returncode == 0, result.stdout + result.stderr
    released = sorted(p.name for p in (tmp_path / "release" / "ps1").glob("*.ipynb"))
    assert released == sorted(p.name for p in assignment.glob("*.ipynb"))
    assert "BEGIN SOLUTION" not in (tmp_path / "release" / "ps1" / "01_tiny.ipynb").read_text()


def _nbgrader(args: list[str], root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"],
        cwd=root, capture_output=True, text=True, timeout=600,
        # nbgrader runs `alembic` from PATH: put this environment's scripts first.
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.skipif(not HAS_NBGRADER, reason="nbgrader is in the optional 'grading' extra")
def test_nbgrader_autograde_and_the_grader_give_the_same_points(tmp_path):
    """Notebook 00 in a fresh nbgrader course: generate_assignment, two students, autograde."""
    name = "00_what_is_saliency.ipynb"
    source = nbformat.read(NOTEBOOKS / name, as_version=4)
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    nbformat.write(source, tmp_path / "source" / "ps1" / name)
    _nbgrader(["generate_assignment", "ps1", "--force"], tmp_path)
    released = nbformat.read(tmp_path / "release" / "ps1" / name, as_version=4)
    answers = {markup.grade_id(cell): cell.source for cell in source.cells if markup.is_solution(cell)}
    right = copy.deepcopy(released)
    for cell in right.cells:
        if markup.is_solution(cell):
            cell.source = answers[markup.grade_id(cell)]
    submissions = {"right": right, "stub": released}
    for student, nb in submissions.items():
        folder = tmp_path / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / name)
    _nbgrader(["autograde", "ps1", "--create", "--force", "--ExecutePreprocessor.timeout=120"], tmp_path)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        nbgrader_points = {student: gradebook.find_submission_notebook(name[:-6], "ps1", student).code_score
                           for student in submissions}
    ours = {student: sum(check.points for check in scoring.grade_notebook(nb, source, timeout=120).checks
                         if check.kind == "test") for student, nb in submissions.items()}
    assert ours == nbgrader_points
    assert ours["right"] == sum(markup.points(c) for c in source.cells if markup.is_test(c)) and ours["stub"] == 0


def test_progress_reruns_only_changed_notebooks_and_takes_names(tmp_path, course, capsys):
    source = nbformat.read(course / "source" / "02_tiny.ipynb", as_version=4)
    for name in ("02_tiny.ipynb", "04_other.ipynb"):
        nbformat.write(_answered(build.student_notebook(source), {}), tmp_path / name)
    course_lib.progress(folder=tmp_path, timeout=TIMEOUT)
    first = capsys.readouterr().out
    assert "2 of 2 exercise tests pass" in first and "unchanged" not in first
    assert (tmp_path / progress_module.CACHE_NAME).is_file()
    nbformat.write(_answered(build.student_notebook(source), {"negate": "def negate(x):\n    return x"}),
                   tmp_path / "04_other.ipynb")
    grades = course_lib.progress(folder=tmp_path, timeout=TIMEOUT)
    second = capsys.readouterr().out
    assert "02_tiny.ipynb: 1 / 1 points  (unchanged since the last check)" in second
    assert "04_other.ipynb: 0 / 1 points" in second and "04_other.ipynb: 0 / 1 points  (unchanged" not in second
    assert [g.points for g in grades] == [1, 0]
    (only,) = course_lib.progress("04", folder=tmp_path, timeout=TIMEOUT)
    assert only.notebook == "04_other.ipynb" and "(unchanged since the last check)" in capsys.readouterr().out
    with pytest.raises(ValueError, match="notebooks '99' names no notebook"):
        course_lib.progress("99", folder=tmp_path)


def test_progress_prints_which_exercises_pass(tmp_path, course, capsys):
    source = nbformat.read(course / "source" / "01_tiny.ipynb", as_version=4)
    nbformat.write(_answered(build.student_notebook(source), {"square": "def square(x):\n    return 0"}),
                   tmp_path / "mine.ipynb")
    (tmp_path / "notes.ipynb").write_text("not a notebook", encoding="utf-8")
    before = (tmp_path / "mine.ipynb").read_bytes()
    assert course_lib.progress is progress_module.progress
    (grade,) = course_lib.progress(tmp_path, timeout=TIMEOUT)
    printed = capsys.readouterr().out
    assert "mine.ipynb: 2 / 6 points" in printed
    assert "PASS  double_tests" in printed and "FAIL  square_tests" in printed
    assert "notes.ipynb" in printed and "not a valid notebook" in printed
    assert grade.points == 2 and (tmp_path / "mine.ipynb").read_bytes() == before


def test_progress_does_nothing_inside_a_graded_kernel(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(runner.HEADLESS_ENV, "1")
    assert progress_module.progress(tmp_path) == []
    assert "does nothing" in capsys.readouterr().out


def test_cli_student_and_grade(tmp_path, course, capsys):
    assert cli.main(["student", "--source", str(course / "source"), "--out", str(tmp_path / "st")]) == 0
    assert cli.main(["student", "--self-study", "--source", str(course / "source"),
                     "--out", str(tmp_path / "ss")]) == 0
    assert "wrote 3 self-study notebook(s)" in capsys.readouterr().out
    submissions = tmp_path / "submitted" / "zoe"
    submissions.mkdir(parents=True)
    (submissions / "02_tiny.ipynb").write_bytes((tmp_path / "st" / "02_tiny.ipynb").read_bytes())
    out = tmp_path / "grades" / "book.csv"
    assert cli.main(["grade", str(tmp_path / "submitted"), "--source", str(course / "source"),
                     "--out", str(out), "--timeout", str(TIMEOUT), "--notebook", "02_tiny.ipynb"]) == 0
    printed = capsys.readouterr().out
    assert "zoe" in printed and "0 / 1" in printed
    assert (tmp_path / "grades" / "feedback" / "zoe.html").is_file()
    assert cli.main(["grade", str(tmp_path / "nowhere"), "--source", str(course / "source")]) == 1
    assert "SUBMISSIONS must be an existing folder" in capsys.readouterr().err


def test_cli_help_lists_student_and_grade():
    result = subprocess.run([sys.executable, "-m", "course_lib.cli", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "student" in result.stdout and "grade" in result.stdout


# ---------------------------------------------------------------------------
# Refused input
# ---------------------------------------------------------------------------

def test_build_refuses_bad_folders_and_broken_markup(tmp_path, course):
    with pytest.raises(ValueError, match="out_dir must differ from src_dir"):
        build.build_student_version(course / "source", course / "source")
    with pytest.raises(ValueError, match="src_dir must be a folder"):
        build.build_student_version(tmp_path / "nope", tmp_path / "out")
    with pytest.raises(ValueError, match="holds no .ipynb"):
        build.build_student_version(tmp_path, tmp_path / "out")
    _write(tmp_path / "broken", "a.ipynb", [_solution_cell("a", _GOOD_SOLUTION)])
    with pytest.raises(ValueError, match="broken exercise markup"):
        build.build_student_version(tmp_path / "broken", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(TypeError, match="src_dir must be a path"):
        build.build_student_version(3, tmp_path)
    with pytest.raises(TypeError, match="nb must be a notebook"):
        build.student_notebook({"cells": []})
    with pytest.raises(TypeError, match="path must be a path"):
        markup.check_markup(None)
    with pytest.raises(ValueError, match="path must be an existing notebook or folder"):
        markup.check_markup(tmp_path / "missing")
    with pytest.raises(ValueError, match=r"path must be a notebook \(.ipynb\)"):
        (tmp_path / "x.txt").write_text("x")
        markup.check_markup(tmp_path / "x.txt")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"out_csv": "grades.txt"}, ValueError, "out_csv must end in .csv"),
    ({"timeout": 0}, ValueError, "timeout must be > 0"),
    ({"timeout": "10"}, TypeError, "timeout must be a number"),
    ({"max_output_bytes": -1}, ValueError, "max_output_bytes must be > 0"),
    ({"workers": 0}, ValueError, "workers must be an integer >= 1"),
    ({"notebook_timeout": -5}, ValueError, "notebook_timeout must be > 0"),
    ({"notebooks": "01_tiny.ipynb"}, TypeError, "notebooks must be a sequence"),
    ({"notebooks": ["99.ipynb"]}, ValueError, "notebooks '99.ipynb' names no notebook"),
    ({"notebooks": ["0"]}, ValueError, r"notebooks '0' is ambiguous: it starts 3 names"),
    ({"notebooks": []}, ValueError, "notebooks must name at least one notebook"),
    ({"source_dir": "/nonexistent/source"}, ValueError, "source_dir must be an existing folder"),
])
def test_grade_submissions_refuses_bad_options(tmp_path, course, kwargs, error, match):
    options = {"source_dir": course / "source", "out_csv": tmp_path / "g.csv", **kwargs}
    with pytest.raises(error, match=match):
        classroom.grade_submissions(course / "submissions", **options)
    assert not (tmp_path / "g.csv").exists()


def test_grade_submissions_needs_student_folders_and_tests(tmp_path, course):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="has no student folders"):
        classroom.grade_submissions(tmp_path / "empty", source_dir=course / "source", out_csv=tmp_path / "g.csv")
    _write(tmp_path / "plain", "a.ipynb", [new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="has no notebooks with test cells"):
        classroom.grade_submissions(course / "submissions", source_dir=tmp_path / "plain",
                                  out_csv=tmp_path / "g.csv")


def _solution_names(source: str) -> set[str]:
    """Names a solution cell defines at top level (functions, classes, assignments)."""
    import ast

    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _used_names(source: str) -> set[str]:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics; none of the course's cells use them
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=[p.stem.split("_")[0] for p in REAL_NOTEBOOKS])
def test_no_cell_but_its_tests_depends_on_an_exercise_answer(path):
    """Every notebook, statically: what a solution cell defines is used only by the test cells
    that follow it, so an unanswered exercise fails its own tests and nothing else."""
    notebook = nbformat.read(path, as_version=4)
    answers: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers |= _solution_names(cell.source)
        elif not meta.get("grade"):
            leaked = _used_names(cell.source) & answers
            assert not leaked, f"{path.name}: a non-test cell uses the exercise answer(s) {sorted(leaked)}"


# ---------------------------------------------------------------------------
# A whole class: Dask, resuming, the sandbox
# ---------------------------------------------------------------------------

HAS_BWRAP = importlib.util.find_spec("distributed") is not None and shutil.which("bwrap") is not None
SOME = ("alice", "bob", "erin", "ivan", "ref_direct", "patch_course")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted(csv.DictReader(handle), key=lambda row: (row["student"], row["notebook"]))


def _some_students(course: Path, target: Path) -> Path:
    for student in SOME:
        shutil.copytree(course / "submissions" / student, target / student)
    return target


def _serial(course: Path, tmp_path: Path) -> list[dict[str, str]]:
    submissions = _some_students(course, tmp_path / "some")
    classroom.grade_submissions(submissions, source_dir=course / "source", out_csv=tmp_path / "serial" / "g.csv",
                                timeout=TIMEOUT, max_output_bytes=100_000, workers=1, scheduler=None,
                                sandbox="auto")
    return _rows(tmp_path / "serial" / "g.csv")


def test_a_local_cluster_and_a_serial_run_give_the_same_gradebook(graded, course, tmp_path):
    clustered = [row for row in _rows(course / "out" / "gradebook.csv") if row["student"] in SOME]
    assert _serial(course, tmp_path) == clustered


def test_a_rerun_grades_only_what_is_missing_and_writes_the_same_gradebook(graded, course, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(course / "out", out)
    before = (out / "gradebook.csv").read_bytes()
    results = sorted((out / ".results").rglob("*.json"))
    assert len(results) == 3 * len(STUDENTS)
    for lost in results[:2]:  # as if the run had been interrupted before these two
        lost.unlink()
    classroom.grade_submissions(course / "submissions", source_dir=course / "source", out_csv=out / "gradebook.csv",
                                timeout=TIMEOUT, max_output_bytes=100_000, workers=1, scheduler=None,
                                show_progress=True)
    assert "graded 2 notebook(s)" in capsys.readouterr().out
    assert (out / "gradebook.csv").read_bytes() == before
    classroom.grade_submissions(course / "submissions", source_dir=course / "source", out_csv=out / "gradebook.csv",
                                timeout=TIMEOUT, max_output_bytes=100_000, scheduler=None, show_progress=True)
    assert "graded 0 notebook(s)" in capsys.readouterr().out


_PLAIN_SCRIPT = """\
from course_lib.classroom import grade_submissions
grade_submissions({submissions!r}, source_dir={source!r}, out_csv={out!r}, timeout={timeout}, workers=2)
"""


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="dask.distributed is in 'grading'")
@pytest.mark.parametrize("how", ["script", "notebook", "cli"])
def test_the_default_local_cluster_works_from_a_plain_script_a_notebook_and_the_cli(course, tmp_path, how):
    """The README's two lines, default scheduler ("local"), with no `if __name__ == "__main__"` guard."""
    expected = _serial(course, tmp_path)
    out = tmp_path / how / "gradebook.csv"
    code = _PLAIN_SCRIPT.format(submissions=str(tmp_path / "some"), source=str(course / "source"),
                                out=str(out), timeout=TIMEOUT)
    if how == "script":
        (tmp_path / "grade.py").write_text(code)
        command = [sys.executable, "grade.py"]
    elif how == "notebook":
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbformat.write(notebook, tmp_path / "grade.ipynb")
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                   "--ExecutePreprocessor.timeout=600", "--output", "graded.ipynb", "grade.ipynb"]
    else:
        command = [sys.executable, "-m", "course_lib.cli", "grade", str(tmp_path / "some"), "--source",
                   str(course / "source"), "--out", str(out), "--timeout", str(TIMEOUT), "--workers", "2"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "Traceback" not in result.stderr and "Nanny failed" not in result.stderr, result.stderr[-3000:]
    assert _rows(out) == expected


def _wait_for(predicate, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="dask.distributed is in 'grading'")
def test_an_external_scheduler_grades_and_survives_a_killed_worker(graded, course, tmp_path):
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1; one worker is killed mid-run."""
    import signal

    from conftest import free_port, running

    expected = _serial(course, tmp_path)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    log = open(tmp_path / "dask.log", "w")
    with running([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                 cwd=tmp_path, log=log), \
            running([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
                    cwd=tmp_path, log=log) as first, \
            running([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
                    cwd=tmp_path, log=log):
        from distributed import Client

        with Client(address, timeout=60) as client:
            assert _wait_for(lambda: len(client.scheduler_info()["workers"]) == 2, 60)
        out = tmp_path / "cluster" / "g.csv"
        grader = subprocess.Popen([sys.executable, "-m", "course_lib.cli", "grade", str(tmp_path / "some"),
                                   "--source", str(course / "source"), "--out", str(out), "--timeout", str(TIMEOUT),
                                   "--scheduler", address], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        assert _wait_for(lambda: len(list((out.parent / ".results").rglob("*.json"))) >= 1, 180)
        in_flight = _sandboxed_kernels()
        os.killpg(first.pid, signal.SIGKILL)  # its notebooks in flight go to the other worker
        assert grader.wait(timeout=600) == 0, (tmp_path / "dask.log").read_text()[-3000:]
        # the killed worker's sandboxed kernels died with it (bwrap --die-with-parent: the kernel is
        # in its own session, so the signal to the worker's process group does not reach it), and
        # the other worker shut its own down: nothing is left while the workers still run
        assert _wait_for(lambda: not _sandboxed_kernels(), 30), (in_flight, _sandboxed_kernels())
    assert _rows(out) == expected


def _running_commands() -> list[str]:
    """The command line of every process running now."""
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()


def _sandboxed_kernels() -> list[str]:
    """Command lines of the kernels running inside bubblewrap now."""
    return [line for line in _running_commands() if line.startswith("bwrap ") and "ipykernel" in line]


@pytest.mark.skipif(not HAS_BWRAP, reason="the sandbox needs bubblewrap (apt-get install bubblewrap)")
def test_hostile_submissions_are_stopped_by_the_sandbox(course, tmp_path):
    """Each attack is observed from outside: no file, no connection, no process, no source bytes."""
    import socket
    import uuid

    token = uuid.uuid4().hex[:12]
    home_file = Path.home() / f".hostile-{token}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    source_path = course / "source" / "02_tiny.ipynb"
    attacks = {
        "reads_source": f"print(open({str(source_path)!r}).read())",
        "writes_home": f"open({str(home_file)!r}, 'w').write('x')",
        "connects": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)",
        "orphan": f"import subprocess\nsubprocess.Popen(['sleep', '{3000 + int(token[:4], 16) % 1000}.{token[:3]}'], "
                  "start_new_session=True)",
        "memory": "hog = bytearray(6 * 2**30)",
    }
    source = nbformat.read(source_path, as_version=4)
    for student, attack in [*attacks.items(), ("honest", "")]:
        folder = tmp_path / "subs" / student
        folder.mkdir(parents=True)
        nbformat.write(_answered(build.student_notebook(source), {"negate": attack + "\n" + CORRECT["negate"]}),
                       folder / "02_tiny.ipynb")
    grades = classroom.grade_submissions(tmp_path / "subs", source_dir=course / "source",
                                         out_csv=tmp_path / "out" / "g.csv", timeout=TIMEOUT, scheduler=None,
                                         workers=2, sandbox="bwrap", memory=2**31, notebooks=["02_tiny.ipynb"])
    by_student = {grade.student: grade for grade in grades}
    orphan = token[:3]
    assert not home_file.exists()
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()
    assert not any(orphan in line for line in _running_commands())
    pages = "".join(page.read_text(encoding="utf-8") for page in (tmp_path / "out").rglob("*.html"))
    assert "BEGIN SOLUTION" not in pages  # nothing of the source notebook came out
    assert "FileNotFoundError" in by_student["reads_source"].failed("error")[0].message
    assert "the sandbox refused" in by_student["connects"].problem
    assert "MemoryError" in by_student["memory"].problem
    for student in ("reads_source", "connects", "memory"):  # refused before defining negate: its test fails
        assert by_student[student].points == 0, (student, by_student[student].checks)
    for student in ("writes_home", "orphan", "honest"):  # harmless inside: graded as usual
        assert by_student[student].points == 1, (student, by_student[student].checks)
    for grade in grades:
        assert "tampering" not in grade.problem
