"""A whole term on fake data, as a TA runs it (issue 33): the LMS's download to the LMS's gradebook.

Canvas "Download Submissions" zip (a late submission, a resubmission, an unrelated file) ->
``saliency-course collect`` -> ``grade`` two of the notebooks (by number prefix) -> manual scores
saved by "Excel" (a BOM, ``;`` separators, a decimal comma) -> ``grade`` again -> ``export`` for
Canvas and for Moodle, checked field by field.  The course is test_classroom.py's tiny one, so
the whole walk takes seconds.
"""

from __future__ import annotations

import csv
import zipfile

import nbformat

from course_lib import cli
from test_classroom import CORRECT, _answered, _tiny_course
from course_lib.classroom import build

TIMEOUT = "60"


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_a_term_from_the_canvas_download_to_canvas_and_moodle_gradebooks(tmp_path, capsys):
    course = _tiny_course()
    source = tmp_path / "notebooks"
    source.mkdir()
    for name, nb in course.items():
        nbformat.write(nb, source / name)

    def submission(name: str, answers: dict[str, str]) -> bytes:
        return nbformat.writes(_answered(build.student_notebook(course[name]), answers)).encode("utf-8")

    wrong_square = {**CORRECT, "square": "def square(x):\n    return 2 * x"}
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as archive:
        # Alice: on time, everything right
        archive.writestr("smithalice_101_5001_01_tiny.ipynb", submission("01_tiny.ipynb", CORRECT))
        archive.writestr("smithalice_101_5002_02_tiny.ipynb", submission("02_tiny.ipynb", CORRECT))
        # Bob: late, resubmitted 01 (the second upload, -1, fixes nothing; the later one counts)
        archive.writestr("jonesbob_LATE_202_6001_01_tiny.ipynb", submission("01_tiny.ipynb", CORRECT))
        archive.writestr("jonesbob_LATE_202_6009_01_tiny-1.ipynb", submission("01_tiny.ipynb", wrong_square))
        archive.writestr("jonesbob_LATE_202_6003_02_tiny.ipynb", submission("02_tiny.ipynb", CORRECT))
        archive.writestr("jonesbob_202_6004_notes.pdf", b"%PDF-1.4 not a notebook")
    submitted = tmp_path / "submitted"
    grading = tmp_path / "grading"

    # 1. collect
    assert cli.main(["collect", str(download), "--out", str(submitted), "--source", str(source)]) == 0
    out = capsys.readouterr().out
    assert "notes.pdf" in out  # listed, not collected
    students = sorted(p.name for p in submitted.iterdir() if p.is_dir())
    assert len(students) == 2
    alice, bob = (next(s for s in students if s.startswith(prefix)) for prefix in ("smithalice", "jonesbob"))
    assert sorted(p.name for p in (submitted / bob).iterdir()) == ["01_tiny.ipynb", "02_tiny.ipynb"]
    late = {(row["student"], row["notebook"]): row["late"] for row in _rows(submitted / "late.csv")}
    assert late[(bob, "01_tiny.ipynb")] == "1" and late[(alice, "01_tiny.ipynb")] == "0"

    # 2. grade two notebooks by their number prefix
    grade = ["grade", str(submitted), "--source", str(source), "--out", str(grading / "gradebook.csv"),
             "--scheduler", "none", "--sandbox", "none", "--timeout", TIMEOUT, "--notebook", "01", "--notebook", "02"]
    assert cli.main(grade) == 0
    capsys.readouterr()
    book = {(row["student"], row["notebook"]): row for row in _rows(grading / "gradebook.csv")}
    assert sorted(book) == sorted((s, n) for s in (alice, bob) for n in ("01_tiny.ipynb", "02_tiny.ipynb"))
    assert book[(alice, "01_tiny.ipynb")]["points"] == "5" and book[(bob, "01_tiny.ipynb")]["points"] == "2"
    assert book[(bob, "01_tiny.ipynb")]["late"] == "1"
    template = _rows(grading / "manual_scores_template.csv")
    assert {(row["student"], row["grade_id"]) for row in template} == {(alice, "explain"), (bob, "explain")}

    # 3. the TA's scores, saved by a European Excel: a BOM, ';' and a decimal comma
    (grading / "manual_scores.csv").write_bytes(
        "\ufeffstudent;grade_id;points;comment\n".encode("utf-8")
        + f"{alice};explain;1;distributivity named\n{bob};explain;0,5;half of it\n".encode("utf-8"))
    assert cli.main(grade) == 0
    capsys.readouterr()
    by_student = {row["student"]: row for row in _rows(grading / "gradebook_by_student.csv")}
    assert float(by_student[alice]["total"]) == 7 and float(by_student[bob]["total"]) == 3.5
    assert float(by_student[alice]["max_total"]) == 7

    # 4. export for Canvas: the LMS's own gradebook export with its "Points Possible" row
    canvas = tmp_path / "canvas_export.csv"
    canvas.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Problem set 1 (4711)\n"
        "    Points Possible,,,,,7.00\n"
        "\"Smith, Alice\",101,S101,asmith,Sec A,\n"
        "\"Jones, Bob\",202,S202,bjones,Sec A,\n"
        "\"Doe, Carol\",303,S303,cdoe,Sec B,\n", encoding="utf-8")
    assert cli.main(["export", "--lms", "canvas", "--roster", str(canvas), "--gradebook",
                     str(grading / "gradebook_by_student.csv"), "--assignment", "Problem set 1",
                     "--out", str(tmp_path / "canvas_import.csv")]) == 0
    printed = capsys.readouterr().out
    assert "Doe, Carol" in printed or "303" in printed  # no submission: listed as unmatched
    with open(tmp_path / "canvas_import.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Problem set 1 (4711)"]
    assert table[1][0].strip() == "Points Possible"
    written = {row[1]: row for row in table[2:]}
    assert written["101"] == ["Smith, Alice", "101", "S101", "asmith", "Sec A", "7"]
    assert written["202"] == ["Jones, Bob", "202", "S202", "bjones", "Sec A", "3.5"]
    assert "303" not in written

    # 5. the same term on Moodle: its "Download all submissions" zip, one folder per student, then
    # the Moodle gradebook export (matched by name, as the folders are named)
    moodle_zip = tmp_path / "moodle.zip"
    with zipfile.ZipFile(moodle_zip, "w") as archive:
        archive.writestr("Alice Smith_4242_assignsubmission_file_/01_tiny.ipynb", submission("01_tiny.ipynb", CORRECT))
        archive.writestr("Alice Smith_4242_assignsubmission_file_/02_tiny.ipynb", submission("02_tiny.ipynb", CORRECT))
        archive.writestr("Bob Jones_4243_assignsubmission_file_/01_tiny.ipynb", submission("01_tiny.ipynb", wrong_square))
        archive.writestr("Bob Jones_4243_assignsubmission_onlinetext_/onlinetext.html", "<p>see file</p>")
    moodle_submitted, moodle_grading = tmp_path / "moodle_submitted", tmp_path / "moodle_grading"
    assert cli.main(["collect", str(moodle_zip), "--out", str(moodle_submitted), "--source", str(source)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in moodle_submitted.iterdir() if p.is_dir()) == ["Alice_Smith", "Bob_Jones"]
    moodle_grade = ["grade", str(moodle_submitted), "--source", str(source), "--out", str(moodle_grading / "gradebook.csv"),
                    *grade[6:]]
    assert cli.main(moodle_grade) == 0
    capsys.readouterr()
    moodle = tmp_path / "moodle_export.csv"
    moodle.write_text(
        "First name,Last name,ID number,Institution,Department,Email address,Assignment: Problem set 1 (Real)\n"
        "Alice,Smith,,,,alice@example.org,-\n"
        "Bob,Jones,,,,bob@example.org,-\n"
        "Carol,Doe,,,,carol@example.org,-\n", encoding="utf-8")
    assert cli.main(["export", "--lms", "moodle", "--roster", str(moodle), "--gradebook",
                     str(moodle_grading / "gradebook_by_student.csv"), "--assignment", "Problem set 1",
                     "--out", str(tmp_path / "moodle_import.csv")]) == 0
    printed = capsys.readouterr().out
    assert "Carol" in printed or "carol@example.org" in printed  # no submission: listed as unmatched
    rows = {row["Email address"]: row for row in _rows(tmp_path / "moodle_import.csv")}
    assert sorted(rows) == ["alice@example.org", "bob@example.org"]
    # Alice: 5 + 1 automatic (the written answer is not scored in this run: pending); Bob: 2, and 02 missing
    assert float(rows["alice@example.org"]["Assignment: Problem set 1 (Real)"]) == 6
    assert float(rows["bob@example.org"]["Assignment: Problem set 1 (Real)"]) == 2
    for table in (grading / "gradebook_by_student.csv", tmp_path / "canvas_import.csv", tmp_path / "moodle_import.csv"):
        print(f"--- {table.name}\n{table.read_text(encoding='utf-8')}")  # shown with pytest -s
