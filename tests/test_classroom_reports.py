"""Tests of what the grader writes and reads back (course_lib.classroom.reports) and of the LMS export.

Issue 33, items 3 to 5: manual scores as Excel saves them, never losing what a TA typed; answers
left as the stub scored 0; the per-student table; the Canvas and Moodle imports, field by field;
feedback that names cells as the student's own notebook numbers them, with knock-on errors folded.

One tiny course (one notebook, three students) is graded once, with ``scheduler=None`` and
``sandbox="none"``; the rest works on files and grades made by hand.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_lib import cli
from course_lib.classroom import build, export_grades, grade_submissions, markup, reports
from course_lib.classroom.scoring import CheckResult, NotebookGrade

TIMEOUT = 15  # seconds per cell: cells take milliseconds, a first import on a busy machine seconds
NAME = "01_tiny.ipynb"
_SOLUTION = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
_TEST = {"grade": True, "locked": True, "schema_version": 3, "solution": False, "task": False}
QUESTION = "**Think!** Why is doubling linear?"
SAMPLE = "Because 2(x + y) = 2x + 2y."
RUBRIC_ITEM = "names distributivity: 2(a + b) = 2a + 2b."


def _source() -> nbformat.NotebookNode:
    answer = {**_SOLUTION, "grade": True, "grade_id": "explain", "points": 1}
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny notebook"),
        new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                      metadata={"nbgrader": {**_SOLUTION, "grade_id": "double"}}),
        new_code_cell("assert double(2) == 4, 'double(2) should be 4'",
                      metadata={"nbgrader": {**_TEST, "grade_id": "double_tests", "points": 2}}),
        new_markdown_cell(QUESTION),
        new_markdown_cell(f"{SAMPLE}\n\n#### Rubric\n- **1 point**: {RUBRIC_ITEM}\n"
                          "- *Common wrong answers*: \"because it is a multiplication\" (0).",
                          metadata={"nbgrader": answer}),
        new_code_cell("y = double(3)"),
        new_code_cell("print(y + 1)"),
        new_code_cell("z = y * 2"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _submission(source: nbformat.NotebookNode, *, double: str, explain: str,
                before: list | None = None, after: list | None = None) -> nbformat.NotebookNode:
    nb = build.student_notebook(source)
    for cell in nb.cells:
        if markup.grade_id(cell) == "double":
            cell.source = double
        elif markup.grade_id(cell) == "explain":
            cell.source = explain
    nb.cells = (before or []) + nb.cells + (after or [])
    return nb


CORRECT = "def double(x):\n    return 2 * x"
# bob: a note of his own on top, a syntax error in the exercise, the stub left as the answer, and a
# real error at the end; the three cells that use double() and y fail only because of the first
BOB = {"double": "def double(x)\n    return 2 * x", "explain": markup.TEXT_STUB,
       "before": [new_markdown_cell("my notes")], "after": [new_code_cell("1 / 0")]}
STUDENTS = {"smithalice_101": {"double": CORRECT, "explain": "Doubling distributes over sums."},
            "jonesbob_102": BOB,
            "leecarol_103": {"double": CORRECT, "explain": ""}}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The tiny course graded once: ``(root, grades)``; ``root/out`` holds what the grader wrote."""
    root = tmp_path_factory.mktemp("reports")
    source = _source()
    (root / "source").mkdir()
    nbformat.write(source, root / "source" / NAME)
    for student, parts in STUDENTS.items():
        (root / "submitted" / student).mkdir(parents=True)
        nbformat.write(_submission(source, **parts), root / "submitted" / student / NAME)
    # as `saliency-course collect` writes it; carol's lateness is unknown
    (root / "submitted" / "late.csv").write_text(f"student,notebook,late\nsmithalice_101,{NAME},1\n"
                                                 f"jonesbob_102,{NAME},0\n", encoding="utf-8")
    grades = grade_submissions(root / "submitted", source_dir=root / "source", out_csv=root / "out" / "gradebook.csv",
                               timeout=TIMEOUT, workers=2, scheduler=None, sandbox="none")
    return root, grades


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _regrade(root: Path, out: Path, **kwargs) -> list[NotebookGrade]:
    """Grade again into ``out`` from the results of the first run (no kernel runs)."""
    if not out.exists():
        shutil.copytree(root / "out", out)
    return grade_submissions(root / "submitted", source_dir=root / "source", out_csv=out / "gradebook.csv",
                             timeout=TIMEOUT, scheduler=None, sandbox="none", **kwargs)


# ---------------------------------------------------------------------------
# Item 5: feedback a student can act on
# ---------------------------------------------------------------------------

def test_feedback_numbers_cells_as_the_students_own_notebook_does(term):
    root, grades = term
    bob = next(g for g in grades if g.student == "jonesbob_102")
    own = nbformat.read(root / "submitted" / "jonesbob_102" / NAME, as_version=4)
    solution = next(n for n, c in enumerate(own.cells, start=1) if markup.grade_id(c) == "double")
    last = len(own.cells)  # the "1 / 0" cell
    errors = bob.failed("error")
    assert [c.name for c in errors[:2]] == [f"cell {solution} (double)", f"cell {last}"]
    assert "SyntaxError" in errors[0].message and "ZeroDivisionError" in errors[1].message
    page = (root / "out" / "feedback" / "jonesbob_102.html").read_text(encoding="utf-8")
    assert f"cell {solution} (double)" in page and f"cell {last}</td>" in page


def test_knock_on_name_errors_are_folded_into_one_line(term):
    root, grades = term
    bob = next(g for g in grades if g.student == "jonesbob_102")
    own = nbformat.read(root / "submitted" / "jonesbob_102" / NAME, as_version=4)
    uses = [n for n, c in enumerate(own.cells, start=1) if c.source in ("y = double(3)", "print(y + 1)", "z = y * 2")]
    (folded,) = [c for c in bob.failed("error") if c.name == "later cells"]
    assert len(bob.failed("error")) == 3  # the syntax error, 1 / 0, and the one folded line
    assert folded.message.startswith("3 later cells failed because an earlier cell did: NameError for double, y")
    assert f"(cells {', '.join(map(str, uses))})" in folded.message
    page = (root / "out" / "feedback" / "jonesbob_102.html").read_text(encoding="utf-8")
    assert "3 later cells failed" in page


def test_output_checks_name_cells_as_the_students_own_notebook_does():
    """An NBVAL_CHECK_OUTPUT cell is named by its place in the student's notebook (the grader's
    cells and a restored test not counted); one the student deleted by the course's number."""
    from course_lib.classroom import runner, scoring

    checked = new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(2)", execution_count=1,
                            outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")])
    gone = new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(3)", execution_count=2,
                         outputs=[nbformat.v4.new_output("stream", name="stdout", text="3\n")])
    source = new_notebook(cells=[new_markdown_cell("# course"), checked, gone])
    def guard():
        return new_code_cell("pass", metadata={scoring._GRADER_KEY: {"role": "verify"}})

    restored = new_code_cell("assert True", metadata={scoring._RESTORED_KEY: True})
    student_copy = new_code_cell(checked.source, outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                                                 text="5\n")])
    graded = new_notebook(cells=[guard(), new_markdown_cell("mine"), new_markdown_cell("# course"), restored,
                                 guard(), student_copy])
    execution = runner.Execution(graded, executed={5}, replies={5: {"status": "ok"}})
    checks = scoring._output_checks(execution, source, ())
    assert [(c.name, c.passed) for c in checks] == [("cell 3", False), ("course notebook's cell 3", False)]
    assert checks[1].message == "cell missing from the submission"


def test_what_counts_as_a_knock_on_name_error():
    """A NameError is folded only when its name is one that a failed cell binds (or, not parsing, holds)."""
    from course_lib.classroom import scoring

    assert scoring._undefined_name({"ename": "NameError", "evalue": "name 'y' is not defined"}) == "y"
    assert scoring._undefined_name({"ename": "TypeError", "evalue": "name 'y' is not defined"}) is None
    assert scoring._should_define("import numpy as np\nfrom math import pi as PI\ndef f():\n    g = 1\nx, y = 1, 2") \
        == {"np", "PI", "f", "x", "y"}
    assert {"square", "x"} <= scoring._should_define("def square(x)\n    return x")  # a syntax error: every name


# ---------------------------------------------------------------------------
# Item 4: manual scores
# ---------------------------------------------------------------------------

def test_an_answer_left_as_the_stub_or_empty_scores_zero_with_a_note(term):
    root, grades = term
    answers = {g.student: next(c for c in g.checks if c.kind == "answer") for g in grades}
    for student in ("jonesbob_102", "leecarol_103"):  # the stub, and an emptied cell
        assert (answers[student].points, answers[student].message) == (0.0, reports.UNANSWERED)
    assert answers["smithalice_101"].points is None  # a real answer waits for a person
    page = (root / "out" / "answers" / "explain.html").read_text(encoding="utf-8")
    assert reports.UNANSWERED in page


def test_the_answer_page_shows_question_sample_answer_and_rubric_above_the_answers(term):
    root, _ = term
    page = (root / "out" / "answers" / "explain.html").read_text(encoding="utf-8")
    positions = [page.find(text) for text in ("Why is doubling linear?", SAMPLE, RUBRIC_ITEM,
                                              "Doubling distributes over sums.")]
    assert -1 not in positions and positions == sorted(positions), positions


def test_manual_scores_saved_by_excel_with_a_bom_and_semicolons(term, tmp_path):
    root, _ = term
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    # Excel's "CSV UTF-8" in a comma-decimal locale: BOM, ";" and 0,5; CRLF line ends
    (out / "manual_scores.csv").write_bytes("\ufeffstudent;grade_id;points;comment\r\n"
                                            "smithalice_101;explain;0,5;\"too short; no example\"\r\n"
                                            "leecarol_103;explain;1;answered on paper\r\n;;;\r\n".encode("utf-8"))
    grades = _regrade(root, out)
    answers = {g.student: next(c for c in g.checks if c.kind == "answer") for g in grades}
    assert (answers["smithalice_101"].points, answers["smithalice_101"].message) == (0.5, "too short; no example")
    assert answers["leecarol_103"].points == 1.0  # a score given overrides the stub's 0
    assert answers["jonesbob_102"].points == 0.0
    rows = {row["student"]: row for row in _rows(out / "gradebook.csv")}
    assert [(rows[s]["points"], rows[s]["manual_points"], rows[s]["pending"]) for s in sorted(rows)] == [
        ("0", "0", "0"), ("3", "1", "0"), ("2.5", "0.5", "0")]


def test_tab_separated_and_multi_line_comments_keep_their_line_numbers(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text('student\tgrade_id\tpoints\tcomment\nalice\texplain\t1\t"two\nlines"\nbob\texplain\t9\t\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 4: bob/explain has 9 points, more than the 1 the question is worth"):
        reports.read_manual_scores(path, students={"alice", "bob"}, questions={"explain": 1.0})
    path.write_text('student\tgrade_id\tpoints\tcomment\nalice\texplain\t1\t"two\nlines"\n', encoding="utf-8")
    assert reports.read_manual_scores(path) == {("alice", "explain"): (1.0, "two\nlines")}


def test_unknown_students_and_questions_are_errors_naming_each(term, tmp_path):
    root, _ = term
    scores = tmp_path / "scores.csv"
    scores.write_text("student,grade_id,points,comment\nsmithalice_101,explain,1,\nalcie,explain,1,\n"
                      "jonesbob_102,explian,1,\nsmithalice_101,explain,0,again\n", encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        grade_submissions(root / "submitted", source_dir=root / "source", out_csv=tmp_path / "g.csv",
                          manual_scores=scores, scheduler=None, sandbox="none")
    message = str(raised.value)
    assert message.startswith(f"manual_scores (--manual-scores) {str(scores)!r}: ")
    for part in ("line 3: unknown student 'alcie'", "line 4: unknown grade_id 'explian'",
                 "line 5: smithalice_101/explain is scored again (first on line 2)",
                 "the written questions are explain"):
        assert part in message
    assert not (tmp_path / "g.csv").exists()  # refused before anything was graded
    scores.write_text("student,grade_id,points\nsmithalice_101,explain,-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2: points must be a number >= 0, got '-1'"):
        reports.read_manual_scores(scores)


def test_a_file_whose_columns_no_separator_gives_is_refused_clearly(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("name|question|score\nalice|explain|1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"scores\.csv' needs the columns \['student', 'grade_id', 'points'\]; its "
                                         r"header line 'name\|question\|score' does not give them with any of the "
                                         r"separators ',', ';', '\\t'"):
        reports.read_manual_scores(path)
    path.write_bytes("student,grade_id,points,comment\nalice,explain,1,tr\xe8s bien\n".encode("cp1252"))
    with pytest.raises(ValueError, match=r"is not UTF-8 text \(byte \d+\): save it as 'CSV UTF-8'"):
        reports.read_manual_scores(path)


def _grade(student: str, points: float | None = None) -> NotebookGrade:
    answer = CheckResult("answer", "explain", False, points, 1.0, "")
    return NotebookGrade(student, NAME, 3.0, checks=[CheckResult("test", "double_tests", True, 2.0, 2.0), answer],
                         answers={"explain": "an answer"})


def test_a_template_with_typed_scores_is_never_overwritten(tmp_path):
    template = tmp_path / "manual_scores_template.csv"
    grades = [_grade("alice"), _grade("bob")]
    assert reports.write_manual_template(grades, template) == template
    fresh = template.read_bytes()
    assert reports.write_manual_template(grades, template) == template  # untouched by hand: rewritten
    typed = fresh.decode().replace("alice,explain,,,", "alice,explain,1,good,")
    template.write_text(typed, encoding="utf-8", newline="")
    kept = tmp_path / "manual_scores_template.new.csv"
    assert reports.write_manual_template(grades + [_grade("carol")], template) == kept
    assert template.read_bytes() == typed.encode() and "carol" in kept.read_text(encoding="utf-8")
    kept.write_text(kept.read_text(encoding="utf-8").replace("bob,explain,,,", "bob,explain,,see me,"),
                    encoding="utf-8")
    before = kept.read_bytes()
    assert reports.write_manual_template(grades, template) is None  # both typed into: neither touched
    assert template.read_bytes() == typed.encode() and kept.read_bytes() == before
    assert reports.holds_typed_scores(template) and not reports.holds_typed_scores(tmp_path / "absent.csv")


def test_the_grader_keeps_a_typed_template_and_says_so(term, tmp_path):
    root, _ = term
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    template = out / "manual_scores_template.csv"
    typed = template.read_text(encoding="utf-8").replace("smithalice_101,explain,,,", "smithalice_101,explain,1,,")
    template.write_text(typed, encoding="utf-8", newline="")
    with pytest.warns(UserWarning, match="holds scores typed into it and was kept; the new template is .*"
                                         r"manual_scores_template\.new\.csv"):
        _regrade(root, out)
    assert template.read_text(encoding="utf-8") == typed
    assert (out / "manual_scores_template.new.csv").exists()


# ---------------------------------------------------------------------------
# Item 3: the per-student table and the long gradebook's new columns
# ---------------------------------------------------------------------------

def test_the_gradebook_has_late_and_pending_columns(term):
    root, _ = term
    rows = {row["student"]: row for row in _rows(root / "out" / "gradebook.csv")}
    assert list(next(iter(rows.values()))) == list(reports.GRADEBOOK_COLUMNS)
    assert {s: (r["late"], r["manual_points"], r["pending"]) for s, r in rows.items()} == {
        "smithalice_101": ("1", "0", "1"), "jonesbob_102": ("0", "0", "0"), "leecarol_103": ("", "0", "0")}


def test_gradebook_by_student_has_one_row_per_student(term):
    root, _ = term
    path = root / "out" / "gradebook_by_student.csv"
    assert path == reports.by_student_path(root / "out" / "gradebook.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student", f"{NAME} auto", f"{NAME} manual", "total", "max_total", "pending", "late",
                       "problems"]
    assert rows[1:] == [["jonesbob_102", "0", "0", "0", "3", "0", "0", ""],
                        ["leecarol_103", "2", "0", "2", "3", "0", "", ""],
                        ["smithalice_101", "2", "0", "2", "3", "1", "1", ""]]


def test_gradebook_by_student_adds_notebooks_and_lists_problems(tmp_path):
    other = NotebookGrade("alice", "02_more.ipynb", 4.0, checks=[CheckResult("test", "t", True, 1.5, 4.0)],
                          problem="02_more.ipynb is missing from the submission")
    path = tmp_path / "by_student.csv"
    reports.write_gradebook_by_student([_grade("alice", 0.5), other], path,
                                       late={("alice", NAME): "1", ("alice", "02_more.ipynb"): "1"})
    assert _rows(path) == [{"student": "alice", f"{NAME} auto": "2", f"{NAME} manual": "0.5",
                            "02_more.ipynb auto": "1.5", "02_more.ipynb manual": "", "total": "4",
                            "max_total": "7", "pending": "0", "late": "2",
                            "problems": "02_more.ipynb: 02_more.ipynb is missing from the submission"}]


# ---------------------------------------------------------------------------
# Item 3: export to the LMS
# ---------------------------------------------------------------------------

BY_STUDENT = ("student,01_tiny.ipynb auto,01_tiny.ipynb manual,total,max_total,pending,late,problems\n"
              "smithalice_101,2,0.5,2.5,3,0,1,\njonesbob_102,0,0,0,3,0,0,\nleecarol_103,2,,2,3,1,,\n"
              "nobody_999,1,0,1,3,0,,\n")
# Canvas: Grades > Export, as Canvas writes it (a BOM, the Points Possible row, read-only totals)
CANVAS = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Problem set 1 (4711),Problem set 10 (4712),"
          "Current Score,Final Score\n"
          "    Points Possible,,,,,9.00,10.00,(read only),(read only)\n"
          '"Smith, Alice",101,S001,asmith,Section A,,,80.00,80.00\n'
          '"Jones, Bob",102,S002,bjones,Section A,,,70.00,70.00\n'
          '"Lee, Carol",103,S003,clee,Section B,,,0.00,0.00\n'
          '"Doe, Dan",104,S004,ddoe,Section B,,,,\n')


def _files(tmp_path: Path, by_student: str, roster: str) -> tuple[Path, Path]:
    (tmp_path / "by_student.csv").write_text(by_student, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    return tmp_path / "by_student.csv", tmp_path / "roster.csv"


def _table(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_canvas_export_field_by_field(tmp_path):
    gradebook, roster = _files(tmp_path, BY_STUDENT, CANVAS)
    report = export_grades(gradebook, roster, tmp_path / "import.csv", lms="canvas", assignment="problem set 1")
    assert (report.column, report.created) == ("Problem set 1 (4711)", False)  # exact, not "Problem set 10"
    assert _table(tmp_path / "import.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Problem set 1 (4711)"],
        ["    Points Possible", "", "", "", "", "9.00"],
        ["Smith, Alice", "101", "S001", "asmith", "Section A", "2.5"],
        ["Jones, Bob", "102", "S002", "bjones", "Section A", "0"],
        ["Lee, Carol", "103", "S003", "clee", "Section B", "2"]]
    assert report.written == [("smithalice_101", "Smith, Alice", "2.5"), ("jonesbob_102", "Jones, Bob", "0"),
                              ("leecarol_103", "Lee, Carol", "2")]
    assert report.unmatched_students == [("nobody_999", "no row has the Canvas ID that ends the folder name")]
    assert report.unmatched_roster == ["Doe, Dan"] and report.pending == ["leecarol_103"]


def test_canvas_export_adds_a_new_column_and_picks_columns_by_name(tmp_path):
    gradebook, roster = _files(tmp_path, BY_STUDENT, CANVAS)
    report = export_grades(gradebook, roster, tmp_path / "import.csv", lms="canvas")
    table = _table(tmp_path / "import.csv")
    assert (report.column, report.created) == ("saliency-course", True)
    assert table[0][-1] == "saliency-course" and table[1][-1] == "3" and table[2][-1] == "2.5"
    with pytest.raises(ValueError, match=r"assignment \(--assignment\) 'Problem set' is part of 2 columns"):
        export_grades(gradebook, roster, tmp_path / "import.csv", lms="canvas", assignment="Problem set")
    with pytest.raises(ValueError, match=r"'Quiz' names no grade column of the roster \(--roster\) .*"
                                         r"\['Problem set 1 \(4711\)', 'Problem set 10 \(4712\)'\]"):
        export_grades(gradebook, roster, tmp_path / "import.csv", lms="canvas", assignment="Quiz")
    # the new column, once Canvas created it, is found again
    (tmp_path / "roster.csv").write_text(CANVAS.replace("Final Score\n", "Final Score,saliency-course (4800)\n"),
                                         encoding="utf-8")
    report = export_grades(gradebook, roster, tmp_path / "import.csv", lms="canvas")
    assert (report.column, report.created) == ("saliency-course (4800)", False)


MOODLE_BY_STUDENT = ("student,total,max_total,pending\nAlice_Smith,2.5,3,0\njose_nunez,1.25,3,0\n"
                     "bob_uni.edu,3,3,0\nParticipant_17,1,3,0\nDan_Doe,1,3,0\ndan_doe_12,2,3,0\n")
# Moodle: Grades > Export > Plain text file, comma-separated
MOODLE = ("First name,Last name,ID number,Institution,Department,Email address,"
          "Assignment: Problem set 1 (Real),Course total (Real),Last downloaded from this course\n"
          "Alice,Smith,,Uni,Physics,alice@uni.edu,-,-,1765000000\n"
          "José,Núñez,,Uni,Physics,jose@uni.edu,-,-,1765000000\n"
          "Bob,Jones,,Uni,Physics,bob@uni.edu,-,-,1765000000\n"
          "Dan,Doe,,Uni,Physics,dan@uni.edu,-,-,1765000000\n"
          "Eve,Stone,,Uni,Physics,eve@uni.edu,-,-,1765000000\n")


def test_moodle_export_field_by_field(tmp_path):
    gradebook, roster = _files(tmp_path, MOODLE_BY_STUDENT, MOODLE)
    report = export_grades(gradebook, roster, tmp_path / "import.csv", lms="moodle", assignment="Problem set 1")
    assert (report.column, report.created) == ("Assignment: Problem set 1 (Real)", False)
    assert _table(tmp_path / "import.csv") == [
        ["First name", "Last name", "ID number", "Institution", "Department", "Email address",
         "Assignment: Problem set 1 (Real)"],
        ["Alice", "Smith", "", "Uni", "Physics", "alice@uni.edu", "2.5"],  # by name
        ["José", "Núñez", "", "Uni", "Physics", "jose@uni.edu", "1.25"],  # by name: case and accents ignored
        ["Bob", "Jones", "", "Uni", "Physics", "bob@uni.edu", "3"]]  # by email
    assert dict(report.unmatched_students) == {
        "Participant_17": "no row has this name, email address or username",
        "Dan_Doe": "shares the roster row of Dan Doe with dan_doe_12",  # two folders, one student: no guess
        "dan_doe_12": "shares the roster row of Dan Doe with Dan_Doe"}
    assert report.unmatched_roster == ["Dan Doe", "Eve Stone"] and report.pending == []


def test_export_refuses_bad_arguments(tmp_path):
    gradebook, roster = _files(tmp_path, BY_STUDENT, CANVAS)
    with pytest.raises(ValueError, match=r"lms \(--lms\) must be one of \['canvas', 'moodle'\], got 'blackboard'"):
        export_grades(gradebook, roster, tmp_path / "i.csv", lms="blackboard")
    with pytest.raises(ValueError, match=r"out \(--out\) must be a new file, not the gradebook or the roster"):
        export_grades(gradebook, roster, roster, lms="canvas")
    with pytest.raises(ValueError, match=r"roster \(--roster\) must be an existing CSV file"):
        export_grades(gradebook, tmp_path / "absent.csv", tmp_path / "i.csv", lms="canvas")
    with pytest.raises(ValueError, match=r"roster \(--roster\) .* needs the columns \['First name', 'Last name'\]"):
        export_grades(gradebook, roster, tmp_path / "i.csv", lms="moodle")


def test_cli_export_lists_the_unmatched_and_names_flags(tmp_path, capsys):
    gradebook, roster = _files(tmp_path, BY_STUDENT, CANVAS)
    common = ["export", "--lms", "canvas", "--roster", str(roster), "--gradebook", str(gradebook),
              "--out", str(tmp_path / "import.csv")]
    assert cli.main(common) == 0
    out = capsys.readouterr().out
    assert "3 student(s) in column 'saliency-course' (a new column: Canvas creates it on import)" in out
    assert re.search(r"1 student\(s\) of .*by_student\.csv not written:\n  nobody_999: no row", out)
    assert re.search(r"1 student\(s\) of .*roster\.csv with no grade \(not written\):\n  Doe, Dan", out)
    assert cli.main([*common, "--assignment", "Quiz"]) == 1
    assert "--assignment 'Quiz' names no grade column" in capsys.readouterr().err


def test_the_graded_course_exports_to_canvas(term, tmp_path):
    root, _ = term
    (tmp_path / "roster.csv").write_text(CANVAS, encoding="utf-8")
    report = export_grades(root / "out" / "gradebook_by_student.csv", tmp_path / "roster.csv",
                           tmp_path / "import.csv", lms="canvas", assignment="Problem set 1 (4711)")
    assert report.written == [("smithalice_101", "Smith, Alice", "2"), ("jonesbob_102", "Jones, Bob", "0"),
                              ("leecarol_103", "Lee, Carol", "2")]
    assert report.pending == ["smithalice_101"] and report.unmatched_students == []
