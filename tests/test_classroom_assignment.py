"""Grading one assignment (issue 33, items 2 and 6): notebooks chosen by number, copies of a notebook, the summary.

A TA who collects notebooks 00 and 05 grades them with ``--notebook 00 --notebook 05``: the gradebook,
the totals, the feedback pages and the manual-scores template then cover those two alone, even where
``.results/`` holds results of other notebooks from an earlier run.  A student folder with two copies
of a notebook is graded from the one with the course's exact name, with a note.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_lib import cli
from course_lib.classroom import grade_submissions, student_notebook
from course_lib.classroom.markup import select_notebooks
from course_lib.classroom.sandbox import DEFAULT_MEMORY_BYTES
from course_lib.classroom.submissions import RESULTS_NAME, find_submission

TIMEOUT = 60  # seconds per cell: the cells take milliseconds, a kernel's first import on a busy machine seconds
NAMES = ["00_what.ipynb", "05_fast.ipynb", "05b_video.ipynb"]

_NBGRADER = {"locked": False, "schema_version": 3, "task": False}


def _notebook(grade_id: str, points: float, *, question: bool = False) -> nbformat.NotebookNode:
    cells = [
        new_code_cell(f"def {grade_id}(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION",
                      metadata={"nbgrader": {**_NBGRADER, "grade": False, "solution": True, "grade_id": grade_id}}),
        new_code_cell(f"assert {grade_id}(3) == 3",
                      metadata={"nbgrader": {**_NBGRADER, "grade": True, "solution": False, "locked": True,
                                             "grade_id": f"{grade_id}_tests", "points": points}}),
    ]
    if question:
        cells.append(new_markdown_cell("Because.\n\n#### Rubric\n- **1 point**: says why.", metadata={
            "nbgrader": {**_NBGRADER, "grade": True, "solution": True, "grade_id": f"{grade_id}_why", "points": 1}}))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


SOURCES = {"00_what.ipynb": _notebook("first", 2, question=True), "05_fast.ipynb": _notebook("second", 1),
           "05b_video.ipynb": _notebook("third", 1)}


def _answered(name: str) -> nbformat.NotebookNode:
    nb = student_notebook(SOURCES[name])
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source = cell.source.split("(x):")[0] + "(x):\n    return x"
    return nb


# ---------------------------------------------------------------------------
# Choosing notebooks: one rule for grade --notebook and progress
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("requested, expected", [
    (["00"], ["00_what.ipynb"]),
    (["05"], ["05_fast.ipynb"]),  # a number: 05 is not 05b
    (["05b", "05B"], ["05b_video.ipynb"]),
    (["05b_video.ipynb", "00_what"], ["00_what.ipynb", "05b_video.ipynb"]),
    (["05_f"], ["05_fast.ipynb"]),  # the start of one name
    (("00", "00_what.ipynb"), ["00_what.ipynb"]),
])
def test_select_notebooks_takes_numbers_names_and_starts(requested, expected):
    assert select_notebooks(requested, NAMES, name="notebooks") == expected


@pytest.mark.parametrize("requested, names, error, match", [
    (["0"], NAMES, ValueError, r"notebooks '0' is ambiguous: it starts 3 names; .* of \['00_what.ipynb', "),
    (["05_"], ["05_fast.ipynb", "05_slow.ipynb"], ValueError,
     r"notebooks '05_' is ambiguous: it starts 2 names; .* of \['05_fast.ipynb', '05_slow.ipynb'\]$"),
    (["99"], NAMES, ValueError, r"notebooks '99' names no notebook; .* of \['00_what.ipynb', '05_fast.ipynb', "),
    ([], NAMES, ValueError, "notebooks must name at least one notebook"),
    ("00", NAMES, TypeError, "notebooks must be a sequence"),
    ([0], NAMES, TypeError, "notebooks must be a sequence"),
])
def test_select_notebooks_refuses_unknown_and_ambiguous_items(requested, names, error, match):
    with pytest.raises(error, match=match):
        select_notebooks(requested, names, name="notebooks")


# ---------------------------------------------------------------------------
# Copies of a notebook in a student's folder
# ---------------------------------------------------------------------------

def _touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_exact_name_is_graded_and_its_copies_named_in_the_note(tmp_path):
    exact = _touch(tmp_path / "00_what.ipynb")
    _touch(tmp_path / "00_what (1).ipynb")
    _touch(tmp_path / "old" / "00_what.ipynb")
    _touch(tmp_path / "05_fast.ipynb")  # another notebook: not a copy
    found, note = find_submission(tmp_path, "00_what.ipynb")
    assert found == exact
    assert note == "00_what.ipynb was graded; other copies ignored: 00_what (1).ipynb, old/00_what.ipynb"


def test_the_one_exact_name_below_the_folder_is_graded_without_a_note(tmp_path):
    nested = _touch(tmp_path / "ps1" / "00_what.ipynb")  # nbgrader's student/assignment/ layout
    _touch(tmp_path / ".ipynb_checkpoints" / "00_what (1).ipynb")  # Jupyter's, never the student's
    assert find_submission(tmp_path, "00_what.ipynb") == (nested, "")


@pytest.mark.parametrize("copy", ["00_what (1).ipynb", "00_what-2.ipynb", "Copy of 00_what.ipynb",
                                  "sub/00_WHAT (3).ipynb"])
def test_a_lone_copy_is_graded_with_a_note(tmp_path, copy):
    lone = _touch(tmp_path / copy)
    found, note = find_submission(tmp_path, "00_what.ipynb")
    assert found == lone and note == f"{copy} was graded as 00_what.ipynb, which the submission lacks"


@pytest.mark.parametrize("files", [["00_what (1).ipynb", "00_what (2).ipynb"],
                                   ["a/00_what.ipynb", "b/00_what.ipynb"]])
def test_copies_that_no_rule_tells_apart_are_a_problem_naming_them(tmp_path, files):
    for file in files:
        _touch(tmp_path / file)
    found, reason = find_submission(tmp_path, "00_what.ipynb")
    assert found is None
    assert reason == (f"00_what.ipynb is not graded: the submission holds 2 files that could be it "
                      f"({', '.join(files)}); put the one to grade at the top of the student's folder as "
                      "00_what.ipynb")


def test_no_copy_is_missing_and_a_link_is_refused(tmp_path):
    _touch(tmp_path / "00_whatever.ipynb")  # starts like the name, but is no copy of it
    assert find_submission(tmp_path, "00_what.ipynb") == (None, "00_what.ipynb is missing from the submission")
    os.symlink(_touch(tmp_path / "elsewhere.ipynb"), tmp_path / "00_what.ipynb")
    assert find_submission(tmp_path, "00_what.ipynb") == (None, "00_what.ipynb is a symbolic link, which is refused")


# ---------------------------------------------------------------------------
# Grading two notebooks of three, after a run that graded all three
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """ann submits 00 and 05 (and a stub copy of 05), ben a lone copy of 00; neither submits 05b.

    The first run grades every notebook, as ``make grade`` did before ``NOTEBOOKS=``: its results of
    05b ("missing") stay in ``.results/``.  The second, through the command line, grades 00 and 05,
    reusing the first's results (its ``timeout=60`` and the command line's ``--timeout 60.0`` are one key).
    """
    root = tmp_path_factory.mktemp("assignment")
    for name, nb in SOURCES.items():
        nbformat.write(nb, _touch(root / "source" / name))
    for student in ("ann", "ben", "carl"):
        (root / "submitted" / student).mkdir(parents=True)
    nbformat.write(_answered("00_what.ipynb"), root / "submitted" / "ann" / "00_what.ipynb")
    nbformat.write(_answered("05_fast.ipynb"), root / "submitted" / "ann" / "05_fast.ipynb")
    nbformat.write(student_notebook(SOURCES["05_fast.ipynb"]), root / "submitted" / "ann" / "05_fast (1).ipynb")
    nbformat.write(_answered("00_what.ipynb"), root / "submitted" / "ben" / "00_what (1).ipynb")
    (root / "submitted" / "carl" / "05_fast.ipynb").write_text('{"cells": [ not JSON')
    options = ["--source", str(root / "source"), "--out", str(root / "grading" / "gradebook.csv"),
               "--timeout", str(TIMEOUT), "--max-output-bytes", "100000", "--workers", "1",
               "--scheduler", "none", "--sandbox", "none", "--memory", str(DEFAULT_MEMORY_BYTES / 2**30)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        grades = grade_submissions(root / "submitted", source_dir=root / "source",
                                   out_csv=root / "grading" / "gradebook.csv", timeout=TIMEOUT,
                                   max_output_bytes=100_000, workers=1, scheduler=None, sandbox="none",
                                   show_progress=True)
    return root, options, grades, printed.getvalue()


def test_the_first_run_s_summary_counts_its_problems(term):
    _, _, grades, printed = term
    assert len(grades) == 9  # 3 students x 3 notebooks
    assert ("graded 9 notebook(s) in this process" in printed and "0 reused from an earlier run; 6 of the "
            "gradebook's 9 row(s) with a problem (6 of them graded now)" in printed)


def test_two_notebooks_make_the_whole_gradebook_totals_and_pages(term, capsys):
    root, options, _, _ = term
    stale = sorted(path.name for path in (root / "grading" / RESULTS_NAME).rglob("*.json"))
    assert "05b_video.ipynb.json" in stale  # the first run's, for notebook 05b: not this run's
    capsys.readouterr()
    assert cli.main(["grade", str(root / "submitted"), "--notebook", "00", "--notebook", "05", *options]) == 0
    printed = capsys.readouterr().out
    # every result reused (nothing changed), and problems counted over the whole gradebook, not the 0 run now
    assert ("graded 0 notebook(s) in this process" in printed and "6 reused from an earlier run; 3 of the "
            "gradebook's 6 row(s) with a problem (0 of them graded now)" in printed)
    assert "ann      3 / 4" in printed and "ben      2 / 4" in printed and "carl     0 / 4" in printed
    with open(root / "grading" / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((row["student"], row["notebook"]) for row in rows) == [
        (student, name) for student in ("ann", "ben", "carl") for name in ("00_what.ipynb", "05_fast.ipynb")]
    problems = {(row["student"], row["notebook"]): row["problem"] for row in rows if row["problem"]}
    assert set(problems) == {("ben", "05_fast.ipynb"), ("carl", "00_what.ipynb"), ("carl", "05_fast.ipynb")}
    assert problems[("ben", "05_fast.ipynb")] == "05_fast.ipynb is missing from the submission"
    for student in ("ann", "ben", "carl"):
        page = (root / "grading" / "feedback" / f"{student}.html").read_text()
        assert "05b_video" not in page and "00_what.ipynb" in page and "05_fast.ipynb" in page
    template = (root / "grading" / "manual_scores_template.csv").read_text()
    assert "first_why" in template and "third" not in template


def test_a_copy_graded_or_ignored_is_said_on_the_feedback_page(term):
    root, _, _, _ = term
    ann = (root / "grading" / "feedback" / "ann.html").read_text()
    ben = (root / "grading" / "feedback" / "ben.html").read_text()
    assert "From the grader: 05_fast.ipynb was graded; other copies ignored: 05_fast (1).ipynb." in ann
    assert "From the grader: 00_what (1).ipynb was graded as 00_what.ipynb, which the submission lacks." in ben


def test_a_rerun_of_all_notebooks_counts_the_reused_problems(term, capsys):
    root, options, _, _ = term
    capsys.readouterr()
    assert cli.main(["grade", str(root / "submitted"), *options]) == 0
    printed = capsys.readouterr().out
    assert ("graded 0 notebook(s) in this process" in printed and "9 reused from an earlier run; 6 of the "
            "gradebook's 9 row(s) with a problem (0 of them graded now)" in printed)
    assert "ann      3 / 5" in printed  # all three notebooks: 05b is missing, out of 5


def test_make_grade_passes_one_notebook_flag_per_word():
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("needs make")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(["make", "-n", "--no-print-directory", "grade", "NOTEBOOKS=00 05b"], cwd=root,
                            capture_output=True, text=True, timeout=60)
    (line,) = [line for line in result.stdout.splitlines() if "saliency-course grade" in line]
    assert line.endswith("--notebook 00 --notebook 05b")
    result = subprocess.run(["make", "-n", "--no-print-directory", "grade"], cwd=root, capture_output=True,
                            text=True, timeout=60)
    assert "--notebook" not in result.stdout


@pytest.mark.parametrize("where, match", [
    ({"out_csv": "afile/g.csv"}, r"out_csv must be in a folder \(created when missing\), but '.*afile' is a file"),
    ({"feedback_dir": "afile/pages"}, r"feedback_dir must be a folder \(created when missing\), but '.*afile' is"),
    ({"answers_dir": "afile"}, r"answers_dir must be a folder \(created when missing\), but '.*afile' is a file"),
])
def test_a_folder_to_write_that_is_a_file_is_refused_before_any_grading(tmp_path, where, match):
    for name, nb in SOURCES.items():
        nbformat.write(nb, _touch(tmp_path / "source" / name))
    _touch(tmp_path / "submitted" / "ann" / "00_what.ipynb")
    (tmp_path / "afile").write_text("x")
    options = {"out_csv": tmp_path / "grading" / "g.csv", **{key: tmp_path / value for key, value in where.items()}}
    with pytest.raises(ValueError, match=match):
        grade_submissions(tmp_path / "submitted", source_dir=tmp_path / "source", scheduler=None, **options)
    assert not list(tmp_path.rglob(RESULTS_NAME))
