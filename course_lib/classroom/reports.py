"""What the grader writes: the gradebook, feedback pages, answer pages, and manual scores read back.

Used by :func:`~course_lib.classroom.submissions.grade_submissions`
(README, "Grade" and "Feedback").

* ``gradebook.csv``: one row per student and notebook.
* ``feedback/<student>.html``: every exercise's verdict and message, the
  repairs the grader made, errors in other cells, output checks.
* ``answers/<grade_id>.html``: every student's written answer to one
  question, side by side, with the score given so far.
* ``manual_scores.csv`` (written by the instructor, read on the next run):
  ``student, grade_id, points, comment``; a template with one empty row per
  answer is written beside it as ``manual_scores_template.csv``, with two more
  columns to grade by: the question's ``max_points`` and its ``rubric`` items.
"""

from __future__ import annotations

import csv
import html
import math
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from course_lib.classroom.scoring import CheckResult, NotebookGrade

GRADEBOOK_COLUMNS = ("student", "notebook", "points", "max_points", "manual_points", "tests_failed",
                     "output_checks_failed", "problem")
"""Columns of the gradebook CSV, in order."""

MANUAL_COLUMNS = ("student", "grade_id", "points", "comment")
"""Columns of the manual-scores CSV the instructor fills in."""

TEMPLATE_COLUMNS = (*MANUAL_COLUMNS, "max_points", "rubric")
"""Columns of the template: the ones read back, then the question's maximum and rubric items (not read)."""


def _manual_cell(grade: NotebookGrade) -> str:
    answers = [check for check in grade.checks if check.kind == "answer"]
    if not answers:
        return ""
    pending = grade.pending
    if pending:
        return f"pending ({len(pending)} of {len(answers)})"
    return f"{sum(check.points or 0.0 for check in answers):g}"


def write_gradebook(grades: Iterable[NotebookGrade], path: Path) -> None:
    """Write the gradebook CSV; ``points`` counts scored written answers, never pending ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADEBOOK_COLUMNS)
        for grade in grades:
            writer.writerow([grade.student, grade.notebook, f"{grade.points:g}", f"{grade.max_points:g}",
                             _manual_cell(grade),
                             "; ".join(check.name for check in grade.failed("test")),
                             "; ".join(check.name for check in grade.failed("output")),
                             grade.problem])


def read_manual_scores(path: Path) -> dict[tuple[str, str], tuple[float, str]]:
    """Read ``student, grade_id, points, comment`` rows; rows with an empty ``points`` are skipped.

    Raises
    ------
    ValueError
        If the header lacks a column, or a row's points are not a finite
        number >= 0 (the message names the line).
    """
    scores: dict[tuple[str, str], tuple[float, str]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in MANUAL_COLUMNS[:3] if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"manual_scores {str(path)!r} needs the columns {list(MANUAL_COLUMNS)}, "
                             f"missing {missing}")
        for line, row in enumerate(reader, start=2):
            text = (row.get("points") or "").strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"manual_scores line {line}: points must be a number >= 0, got {text!r}")
            scores[(row["student"].strip(), row["grade_id"].strip())] = (value, (row.get("comment") or "").strip())
    return scores


def apply_manual_scores(grades: list[NotebookGrade], scores: dict[tuple[str, str], tuple[float, str]]) -> None:
    """Put the instructor's scores into the written-answer checks (in place), capped at their points."""
    for grade in grades:
        for index, check in enumerate(grade.checks):
            if check.kind == "answer" and (grade.student, check.name) in scores:
                value, comment = scores[(grade.student, check.name)]
                if value > check.max_points:
                    raise ValueError(f"manual_scores: {grade.student}/{check.name} has {value:g} points, "
                                     f"more than the {check.max_points:g} the question is worth")
                grade.checks[index] = replace(check, points=value, passed=value >= check.max_points,
                                              message=comment or "scored")


def _rubric_line(question: dict | None) -> str:
    """The rubric as one cell: ``[1] what earns it | [1] ...``."""
    if not question or not question.get("rubric_items"):
        return ""
    return " | ".join(f"[{value:g}] {text}" for value, text in question["rubric_items"])


def write_manual_template(grades: list[NotebookGrade], path: Path,
                          questions: dict[str, dict] | None = None) -> None:
    """One row per student and written answer, points empty: the sheet the instructor fills in.

    ``questions`` (from :func:`course_lib.classroom.markup.written_questions`
    of the source notebooks) fills the ``rubric`` column.
    """
    rows = [(grade.student, check) for grade in grades for check in grade.checks if check.kind == "answer"]
    if not rows:
        return
    questions = questions or {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows([student, check.name, "", "", f"{check.max_points:g}",
                          _rubric_line(questions.get(check.name))] for student, check in rows)


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
    notes = "".join(f"<p class='note'>The grader repaired your notebook: {html.escape(note)}.</p>"
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
