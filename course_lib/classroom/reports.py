"""What the grader writes: the gradebook, feedback pages, answer pages, and manual scores read back.

Used by :func:`~course_lib.classroom.submissions.grade_submissions`
(README, "Grade" and "Feedback").

* ``gradebook.csv``: one row per student and notebook; ``late`` comes from
  the ``late.csv`` that ``saliency-course collect`` wrote into the
  submissions folder.
* ``gradebook_by_student.csv`` (:func:`by_student_path`): one row per
  student, each notebook's automatic and manual points and the total, what
  ``saliency-course export`` turns into an LMS's import.
* ``feedback/<student>.html``: every exercise's verdict and message, the
  repairs the grader made, errors in other cells, output checks.
* ``answers/<grade_id>.html``: the question, its sample answer and rubric,
  then every student's written answer to it, side by side, with the score
  given so far.
* ``manual_scores.csv`` (written by the instructor, read on the next run):
  ``student, grade_id, points, comment``, as Excel saves it (a BOM, ``;`` or
  tabs); a template with one empty row per answer is written beside it as
  ``manual_scores_template.csv``, with two more columns to grade by: the
  question's ``max_points`` and its ``rubric`` items.  A template that holds
  anything typed into it is never overwritten.  An answer left as the
  student build's stub scores 0 without anyone scoring it.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Collection, Iterable, Mapping, Sequence

from course_lib.classroom.markup import TEXT_STUB
from course_lib.classroom.scoring import CheckResult, NotebookGrade

GRADEBOOK_COLUMNS = ("student", "notebook", "points", "max_points", "manual_points", "pending", "late",
                     "tests_failed", "output_checks_failed", "problem")
"""Columns of the gradebook CSV, in order.

``points`` counts the tests passed and the written answers scored so far;
``manual_points`` the written answers scored so far (a number, empty for a
notebook without written questions); ``pending`` how many written answers
still wait for a score; ``late`` 1 or 0 from ``late.csv``, empty when unknown."""

BY_STUDENT_TOTALS = ("total", "max_total", "pending", "late", "problems")
"""The last columns of ``gradebook_by_student.csv``, after ``student`` and each notebook's
``<notebook> auto`` and ``<notebook> manual``."""

LATE_NAME = "late.csv"
"""File in the submissions folder, written by ``saliency-course collect``: ``student, notebook, late``."""

LATE_COLUMNS = ("student", "notebook", "late")
"""Columns of :data:`LATE_NAME`; ``late`` is 1 or 0 (Canvas), empty where the LMS does not say (Moodle)."""

TABLE_DELIMITERS = ",;\t"
"""The separators a CSV read here may have: Excel writes ``;`` where the decimal point is a comma."""

UNANSWERED = "no answer written"
"""The comment of a written answer scored 0 because it is still the stub (or empty)."""

MANUAL_COLUMNS = ("student", "grade_id", "points", "comment")
"""Columns of the manual-scores CSV the instructor fills in."""

TEMPLATE_COLUMNS = (*MANUAL_COLUMNS, "max_points", "rubric")
"""Columns of the template: the ones read back, then the question's maximum and rubric items (not read)."""


def format_points(value: float) -> str:
    """A number as a CSV cell: ``.`` as decimal point whatever the locale, no exponent, no trailing zeros,
    at most four decimals (``5.5``, ``12``, ``0.125``), so that every LMS and spreadsheet reads it."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _manual_points(grade: NotebookGrade) -> tuple[str, str]:
    """``(manual_points, pending)`` cells: the written answers' points scored so far and how many wait, or
    two empty cells for a notebook without written questions."""
    answers = [check for check in grade.checks if check.kind == "answer"]
    if not answers:
        return "", ""
    return format_points(sum(check.points or 0.0 for check in answers)), str(len(grade.pending))


def write_gradebook(grades: Iterable[NotebookGrade], path: Path, *,
                    late: Mapping[tuple[str, str], str] | None = None) -> None:
    """Write the gradebook CSV (:data:`GRADEBOOK_COLUMNS`); ``points`` counts scored written answers, never
    pending ones; ``late`` maps (student, notebook) to ``late.csv``'s 1 or 0 (:func:`read_late`)."""
    late = late or {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADEBOOK_COLUMNS)
        for grade in grades:
            writer.writerow([grade.student, grade.notebook, format_points(grade.points),
                             format_points(grade.max_points), *_manual_points(grade),
                             late.get((grade.student, grade.notebook), ""),
                             "; ".join(check.name for check in grade.failed("test")),
                             "; ".join(check.name for check in grade.failed("output")),
                             grade.problem])


def by_student_path(gradebook: Path) -> Path:
    """Where the per-student table of ``gradebook`` goes: ``gradebook_by_student.csv`` beside ``gradebook.csv``."""
    return gradebook.with_name(f"{gradebook.stem}_by_student.csv")


def write_gradebook_by_student(grades: Iterable[NotebookGrade], path: Path, *,
                               late: Mapping[tuple[str, str], str] | None = None) -> None:
    """One row per student: ``student``, ``<notebook> auto`` and ``<notebook> manual`` for each graded
    notebook, then :data:`BY_STUDENT_TOTALS`.

    ``auto`` is the points of the test cells, ``manual`` those of the written
    answers scored so far (empty for a notebook without written questions);
    ``total`` and ``max_total`` add up every graded notebook; ``pending``
    counts the written answers still waiting for a score; ``late`` counts the
    notebooks ``late.csv`` marks late (empty when it says nothing of this
    student's graded notebooks); ``problems`` is each notebook's problem,
    ``notebook: problem; ...``.
    """
    late = late or {}
    by_student: dict[str, dict[str, NotebookGrade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, {})[grade.notebook] = grade
    notebooks = sorted({notebook for own in by_student.values() for notebook in own})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *(f"{notebook} {part}" for notebook in notebooks for part in ("auto", "manual")),
                         *BY_STUDENT_TOTALS])
        for student, own in sorted(by_student.items()):
            cells = []
            for notebook in notebooks:
                grade = own.get(notebook)
                auto = None if grade is None else sum(c.points or 0.0 for c in grade.checks if c.kind == "test")
                cells += ["" if auto is None else format_points(auto), "" if grade is None else _manual_points(grade)[0]]
            known = [late[(student, notebook)] for notebook in own if late.get((student, notebook), "") != ""]
            writer.writerow([student, *cells, format_points(sum(g.points for g in own.values())),
                             format_points(sum(g.max_points for g in own.values())),
                             str(sum(len(g.pending) for g in own.values())),
                             str(known.count("1")) if known else "",
                             "; ".join(f"{notebook}: {g.problem}" for notebook, g in sorted(own.items()) if g.problem)])


def read_late(path: Path, *, name: str) -> dict[tuple[str, str], str]:
    """``late.csv`` (:data:`LATE_COLUMNS`) as ``{(student, notebook): "1" | "0" | ""}``; ``{}`` when absent.

    ``name`` says where the file is, in the words of the caller's argument
    and flag (``"out (--out)"``), for the error.

    Raises
    ------
    ValueError
        If its header is not :data:`LATE_COLUMNS`.
    """
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != LATE_COLUMNS:
        raise ValueError(f"{name} has a {LATE_NAME} whose header is {rows[0] if rows else 'empty'}, "
                         f"not {list(LATE_COLUMNS)}; move it away")
    return {(row[0], row[1]): row[2] for row in rows[1:] if len(row) == 3}


def read_table(path: Path, *, name: str, required: Sequence[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A CSV file as Excel or an LMS saves it: its header and its non-blank rows, each with its line number.

    A UTF-8 byte-order mark is dropped (Excel's "CSV UTF-8").  The separator
    is the one of :data:`TABLE_DELIMITERS` that :class:`csv.Sniffer` finds
    in the header line, else the first of them that splits the header into
    the ``required`` columns (found case-insensitively, surrounding spaces
    ignored).  ``name`` is the argument and its flag, for the errors
    (``"manual_scores (--manual-scores)"``).

    Raises
    ------
    ValueError
        If the file is not UTF-8 text, or no separator gives the ``required``
        columns (the message names the file, the separators tried and the
        header as read).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{name} {str(path)!r} is not UTF-8 text (byte {error.start}): save it as "
                         "'CSV UTF-8' (Excel) or with the encoding UTF-8") from None
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        sniffed = csv.Sniffer().sniff(first, delimiters=TABLE_DELIMITERS).delimiter
    except csv.Error:  # one column, or a header the sniffer cannot decide on: try each
        sniffed = TABLE_DELIMITERS[0]
    wanted = {column.lower() for column in required}
    for delimiter in dict.fromkeys(sniffed + TABLE_DELIMITERS):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [column.strip() for column in next(reader, [])]
        if wanted <= {column.lower() for column in header}:
            rows, line = [], reader.line_num
            for row in reader:
                if any(cell.strip() for cell in row):
                    rows.append((line + 1, row))
                line = reader.line_num  # a quoted cell may span lines: the next row starts after this one
            return header, rows
    tried = ", ".join(repr(d) for d in dict.fromkeys(sniffed + TABLE_DELIMITERS))
    raise ValueError(f"{name} {str(path)!r} needs the columns {list(required)}; its header line "
                     f"{first[:200]!r} does not give them with any of the separators {tried}")


def table_cells(row: Sequence[str], where: Mapping[str, int], columns: Sequence[str]) -> list[str]:
    """The cells of ``row`` under ``columns`` (keys of ``where``, lower case), stripped; "" where the column
    is absent or the row is short (Excel drops trailing empty cells)."""
    return [row[where[column]].strip() if where.get(column, len(row)) < len(row) else "" for column in columns]


def table_number(text: str) -> float:
    """A cell's number: ``0.5``, or ``0,5`` as European Excel writes it; NaN when it is not one."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return math.nan


def read_manual_scores(path: Path, *, students: Collection[str] | None = None,
                       questions: Mapping[str, float] | None = None,
                       name: str = "manual_scores (--manual-scores)") -> dict[tuple[str, str], tuple[float, str]]:
    """The instructor's scores of written answers: ``{(student, grade_id): (points, comment)}``.

    The file has the columns :data:`MANUAL_COLUMNS` (``comment`` may be
    left out, other columns are ignored), read by :func:`read_table`: a BOM,
    ``;`` or tabs as Excel saves them; ``0,5`` is 0.5.  Rows whose
    ``points`` are empty are skipped.

    Parameters
    ----------
    path : Path
        The CSV file.
    students : collection of str, optional
        The students graded: a row naming another is an error.
    questions : mapping of str to float, optional
        Every written question's ``grade_id`` and its points: a row naming
        another, or giving more points than its question is worth, is an
        error.
    name : str, optional
        The argument and flag the file came from, for the errors.

    Returns
    -------
    dict
        ``(student, grade_id) -> (points, comment)``.

    Raises
    ------
    ValueError
        If the file cannot be read as a table with these columns, or rows
        have points that are not a number in ``[0, max_points]``, name an
        unknown student or ``grade_id``, or score one answer twice; the
        message names the file and lists every such row by line.
    """
    header, rows = read_table(path, name=name, required=MANUAL_COLUMNS[:3])
    where = {column.lower(): index for index, column in enumerate(header)}
    problems: list[str] = []
    scores: dict[tuple[str, str], tuple[float, str]] = {}
    lines: dict[tuple[str, str], int] = {}
    for line, row in rows:
        student, grade_id, text, comment = table_cells(row, where, MANUAL_COLUMNS)
        if not text and not comment:
            continue
        unknown = []
        if students is not None and student not in students:
            unknown.append(f"unknown student {student!r}")
        if questions is not None and grade_id not in questions:
            unknown.append(f"unknown grade_id {grade_id!r}")
        value = table_number(text)
        if unknown:  # a misspelt name would otherwise drop the score without a word
            problems.append(f"line {line}: {' and '.join(unknown)}")
        elif not text:
            continue  # a comment alone: the answer stays pending until it has points
        elif not math.isfinite(value) or value < 0:
            problems.append(f"line {line}: points must be a number >= 0, got {text!r}")
        elif questions is not None and value > questions[grade_id]:
            problems.append(f"line {line}: {student}/{grade_id} has {text} points, more than the "
                            f"{questions[grade_id]:g} the question is worth")
        elif (student, grade_id) in scores:
            problems.append(f"line {line}: {student}/{grade_id} is scored again (first on line "
                            f"{lines[(student, grade_id)]})")
        else:
            scores[(student, grade_id)] = (value, comment)
            lines[(student, grade_id)] = line
    if problems:
        hints = []
        if any("unknown student" in problem for problem in problems):
            hints.append("the students are the folder names of the submissions folder")
        if questions is not None and any("unknown grade_id" in problem for problem in problems):
            hints.append(f"the written questions are {', '.join(sorted(questions))}")
        raise ValueError(f"{name} {str(path)!r}: {'; '.join(problems[:20])}"
                         + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
                         + (f" ({'; '.join(hints)})" if hints else ""))
    return scores


def unanswered(text: str) -> bool:
    """Whether a written answer was left as the student build's stub (:data:`~course_lib.classroom.markup.TEXT_STUB`)
    or empty."""
    return text.strip().casefold() in ("", TEXT_STUB.casefold())


def apply_manual_scores(grades: list[NotebookGrade], scores: Mapping[tuple[str, str], tuple[float, str]]) -> None:
    """Put the instructor's scores into the written-answer checks (in place); an answer nobody scored that
    is still the stub or empty (:func:`unanswered`) gets 0 points, with the comment :data:`UNANSWERED`."""
    for grade in grades:
        for index, check in enumerate(grade.checks):
            if check.kind != "answer":
                continue
            if (grade.student, check.name) in scores:
                value, comment = scores[(grade.student, check.name)]
                if value > check.max_points:
                    raise ValueError(f"manual_scores: {grade.student}/{check.name} has {value:g} points, "
                                     f"more than the {check.max_points:g} the question is worth")
                grade.checks[index] = replace(check, points=value, passed=value >= check.max_points,
                                              message=comment or "scored")
            elif check.points is None and unanswered(grade.answers.get(check.name, "")):
                grade.checks[index] = replace(check, points=0.0, passed=False, message=UNANSWERED)


def _rubric_line(question: dict | None) -> str:
    """The rubric as one cell: ``[1] what earns it | [1] ...``."""
    if not question or not question.get("rubric_items"):
        return ""
    return " | ".join(f"[{value:g}] {text}" for value, text in question["rubric_items"])


def holds_typed_scores(path: Path) -> bool:
    """Whether a manual-scores template holds what a person typed, which must not be overwritten.

    The grader writes every ``points`` and ``comment`` cell empty, so any
    filled one differs from what it would write; a file that cannot be read
    as a template at all (another format, another encoding) counts as typed,
    since nothing tells what is in it.  False when ``path`` does not exist.
    """
    if not path.exists():
        return False
    try:
        header, rows = read_table(path, name="manual_scores_template", required=MANUAL_COLUMNS[:3])
    except ValueError:
        return path.stat().st_size > 0
    where = {column.lower(): index for index, column in enumerate(header)}
    return any(any(table_cells(row, where, ("points", "comment"))) for _, row in rows)


def write_manual_template(grades: list[NotebookGrade], path: Path,
                          questions: dict[str, dict] | None = None) -> Path | None:
    """One row per student and written answer, points empty: the sheet the instructor fills in.

    ``questions`` (from :func:`course_lib.classroom.markup.written_questions`
    of the source notebooks) fills the ``rubric`` column.  A file that holds
    typed scores or comments (:func:`holds_typed_scores`) is never
    overwritten: the template then goes to ``<stem>.new.csv`` beside it
    (``manual_scores_template.new.csv``), unless that one holds typed scores
    too.

    Returns
    -------
    Path or None
        The file written: ``path`` or the ``.new.csv`` one; None when there
        is no written answer, or both files hold typed scores.
    """
    rows = [(grade.student, check) for grade in grades for check in grade.checks if check.kind == "answer"]
    if not rows:
        return None
    questions = questions or {}
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows([student, check.name, "", "", f"{check.max_points:g}",
                      _rubric_line(questions.get(check.name))] for student, check in rows)
    for target in (path, path.with_name(f"{path.stem}.new{path.suffix}")):
        if not holds_typed_scores(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", newline="", encoding="utf-8") as handle:
                handle.write(text.getvalue())
            return target
    return None


_STYLE = """<style>
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { border: 1px solid #ccc; padding: .35rem .6rem; text-align: left; vertical-align: top; }
.pass { color: #1a7f37; } .fail { color: #b42318; } .note { color: #7a4a00; }
pre { white-space: pre-wrap; margin: 0; font-size: .9em; }
</style>"""


def _feedback_section(grade: NotebookGrade) -> str:
    rows = []
    for check in grade.checks:
        if check.kind == "output" and check.passed:
            continue  # summarised below the table
        if check.kind == "test":
            verdict, mark = ("pass", "&#10003;") if check.passed else ("fail", "&#10007;")
            label = f"{check.points:g} / {check.max_points:g}"
        elif check.kind == "answer":
            verdict, mark = "note", "&#9998;"
            label = (f"written answer, {check.max_points:g} points: awaiting the instructor's score"
                     if check.points is None else f"written answer: {check.points:g} / {check.max_points:g}")
        elif check.kind == "output":
            verdict, mark, label = "fail", "&#10007;", "output check"
        else:
            verdict, mark, label = "fail", "&#10007;", "raised an error (no points of its own)"
        rows.append(f"<tr><td class='{verdict}'>{mark} {html.escape(check.name)}</td><td>{label}</td>"
                    f"<td><pre>{html.escape(check.message)}</pre></td></tr>")
    problem = f"<p class='fail'>{html.escape(grade.problem)}</p>" if grade.problem else ""
    notes = "".join(f"<p class='note'>From the grader: {html.escape(note)}.</p>"
                    for note in grade.notes)
    outputs = [check for check in grade.checks if check.kind == "output"]
    summary = (f"<p>{sum(c.passed for c in outputs)} of {len(outputs)} printed results marked "
               "<code>NBVAL_CHECK_OUTPUT</code> match the course notebook.</p>") if outputs else ""
    return (f"<h2>{html.escape(grade.notebook)}: {grade.points:g} / {grade.max_points:g}</h2>{problem}{notes}"
            "<table><tr><th>exercise or cell</th><th>points</th><th>message</th></tr>"
            + "".join(rows) + "</table>" + summary)


def write_feedback(grades: list[NotebookGrade], folder: Path, *, timeout: float) -> None:
    """One HTML page per student: ``folder/<student>.html``."""
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[NotebookGrade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    for student, own in by_student.items():
        points = sum(g.points for g in own)
        max_points = sum(g.max_points for g in own)
        pending = sum(len(g.pending) for g in own)
        waiting = f" ({pending} written answer(s) not scored yet)" if pending else ""
        page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                f"<title>Feedback: {html.escape(student)}</title>{_STYLE}</head><body>"
                f"<h1>Feedback for {html.escape(student)}</h1>"
                f"<p>Total: <strong>{points:g} / {max_points:g}</strong> points{waiting}. Each test cell is "
                "worth the points shown; it passes when it runs without an error. A failing hidden test "
                "shows only its message. Your notebooks were run top to bottom in a fresh kernel, with "
                f"each cell stopped after {timeout:g} s.</p>"
                + "\n".join(_feedback_section(g) for g in own) + "</body></html>\n")
        (folder / f"{student}.html").write_text(page, encoding="utf-8")


def _question_block(question: dict | None) -> str:
    """The question, the sample answer and the rubric, above the students' answers."""
    if not question:
        return ""
    sections = (("Question", question.get("question", "")), ("Sample answer", question.get("sample_answer", "")),
                ("Rubric", question.get("rubric", "") or "(no rubric)"))
    return "".join(f"<h2>{title}</h2><pre>{html.escape(text)}</pre>" for title, text in sections) + "<h2>Answers</h2>"


def write_answer_pages(grades: list[NotebookGrade], folder: Path,
                       questions: dict[str, dict] | None = None) -> list[Path]:
    """One page per written question with every student's answer: ``folder/<grade_id>.html``.

    With ``questions`` (:func:`course_lib.classroom.markup.written_questions`
    of the source notebooks) the page starts with the question, the sample
    answer and the rubric, so that whoever scores sees them beside the answers.
    """
    questions = questions or {}
    by_question: dict[str, list[tuple[NotebookGrade, CheckResult]]] = {}
    for grade in grades:
        for check in grade.checks:
            if check.kind == "answer":
                by_question.setdefault(check.name, []).append((grade, check))
    written = []
    if by_question:
        folder.mkdir(parents=True, exist_ok=True)
    for name, entries in sorted(by_question.items()):
        rows = []
        for grade, check in sorted(entries, key=lambda entry: entry[0].student):
            text = grade.answers.get(name, "").strip()
            score = "not scored" if check.points is None else f"{check.points:g} / {check.max_points:g}"
            comment = "" if check.points is None else html.escape(check.message)
            rows.append(f"<tr><td>{html.escape(grade.student)}</td>"
                        f"<td><pre>{html.escape(text) if text else '<em>(no answer)</em>'}</pre></td>"
                        f"<td>{score}<br>{comment}</td></tr>")
        notebook = entries[0][0].notebook
        page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Answers: {html.escape(name)}"
                f"</title>{_STYLE}</head><body><h1>Written question <code>{html.escape(name)}</code></h1>"
                f"<p>{html.escape(notebook)}, worth {entries[0][1].max_points:g} points. Score in "
                "<code>manual_scores.csv</code> (<code>student, grade_id, points, comment</code>; "
                "<code>manual_scores_template.csv</code> has a row per answer); the next "
                "grading run reads it.</p>" + _question_block(questions.get(name))
                + "<table><tr><th>student</th><th>answer</th><th>score</th></tr>"
                + "".join(rows) + "</table></body></html>\n")
        path = folder / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written
