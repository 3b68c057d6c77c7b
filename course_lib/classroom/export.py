"""Fill an LMS's own gradebook export with the course's totals, ready to import back.

Used by ``saliency-course export`` (README, "Export to the LMS"), after
``saliency-course grade`` has written ``gradebook_by_student.csv``
(:func:`~course_lib.classroom.reports.write_gradebook_by_student`).

The LMS's export is the roster: it already holds the columns the LMS needs
to recognise each student on import, so :func:`export_grades` keeps those and
writes one grade column beside them.

* **Canvas** (Grades, Export): ``Student, ID, SIS User ID, SIS Login ID,
  [Integration ID,] Section``, then ``<assignment> (<id>)`` columns and
  read-only totals, and a second row ``Points Possible``.  The import keeps
  the identity columns, the ``Points Possible`` row and one assignment
  column; a column Canvas does not know yet (``saliency-course``) becomes a
  new assignment on import.
* **Moodle** (Grades, Export, Plain text file): ``First name, Last name, ID
  number, Institution, Department, Email address``, then ``<grade item>
  (Real)`` columns.  The import keeps those identity columns (and
  ``Username`` when the export has it) and one grade item column; Moodle's
  import page maps ``Email address`` (or ``Username``) to the user and the
  column to a grade item, or to a new one.

Students are the folder names ``saliency-course collect`` made: Canvas
``<name>_<Canvas user id>`` is matched by the trailing id to the ``ID``
column; Moodle ``<Full_Name>`` by name (case, accents, spaces and
underscores ignored; first-last or last-first), or by ``Email address`` /
``Username`` when the folder is named by one.  A student who matches no row,
or not exactly one, is listed and never written; so is a roster row no
student matches.
"""

from __future__ import annotations

import csv
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from course_lib.classroom.markup import as_path
from course_lib.classroom.reports import format_points, read_table, table_cells, table_number

LMS_NAMES = ("canvas", "moodle")
"""The gradebook exports :func:`export_grades` fills."""

DEFAULT_ASSIGNMENT = "saliency-course"
"""The column written when ``assignment`` is not given and the roster has none by this name."""

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
"""Canvas's leading columns that identify a student: those present are kept, in the export's order."""

MOODLE_IDENTITY = ("First name", "Last name", "ID number", "Institution", "Department", "Email address", "Username")
"""Moodle's columns that identify a student: those present are kept, in the export's order."""

_CANVAS_ASSIGNMENT = re.compile(r"^(?P<name>.+) \((?P<id>\d+)\)$")  # "Problem set 1 (4711)"
_MOODLE_ITEM = re.compile(r"^(?P<name>.+) \(Real\)$")  # "Assignment: Problem set 1 (Real)"
_TRAILING_ID = re.compile(r"_(\d+)$")  # collect's "<name>_<user id>"


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_grades` wrote, and whom it could not match."""

    lms: str
    """``"canvas"`` or ``"moodle"``."""
    column: str
    """The grade column written, as the roster names it (or the new one's name)."""
    created: bool
    """Whether ``column`` is new: the LMS creates the assignment (Canvas) or offers a new grade item (Moodle)."""
    written: list[tuple[str, str, str]]
    """``(student, name in the roster, points as written)``, in the roster's order."""
    unmatched_students: list[tuple[str, str]]
    """``(student, why)``: students of the gradebook with no row written."""
    unmatched_roster: list[str]
    """Names of the roster's students that no student of the gradebook matched (not written)."""
    pending: list[str]
    """Students written whose total still lacks written answers not scored yet."""


def _key(text: str) -> str:
    """Letters and digits only, lower case, accents dropped: "José_Smith" and "jose smith" are "josesmith"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def _student_keys(student: str, lms: str) -> set[str]:
    """What a student folder can match: Canvas's user id when the folder ends in one, else its name (and,
    for Moodle, its name without collect's ``_<id>``, which is the assignment's, not the student's)."""
    found = _TRAILING_ID.search(student)
    if lms == "canvas" and found:
        return {f"id:{found[1]}"}
    keys = {_key(student), _key(_TRAILING_ID.sub("", student)) if lms == "moodle" else ""}
    return keys - {""}


def _roster_keys(cells: dict[str, str], lms: str) -> set[str]:
    """What a roster row can be matched by: ids and logins, and the name in both orders."""
    if lms == "canvas":
        last, _, first = cells["student"].partition(",")  # Canvas writes "Smith, Alice"
        keys = {f"id:{cells['id']}" if cells["id"] else "", _key(cells["sis login id"]), _key(cells["sis user id"]),
                _key(last + first), _key(first + last)}
    else:
        first, last = cells["first name"], cells["last name"]
        keys = {_key(cells["email address"]), _key(cells["username"]), _key(first + last), _key(last + first)}
    return keys - {""}


def _roster_name(cells: dict[str, str], lms: str) -> str:
    return cells["student"] if lms == "canvas" else f"{cells['first name']} {cells['last name']}".strip()


def _match(students: Sequence[str], rows: list[dict[str, str]], lms: str
           ) -> tuple[dict[int, str], list[tuple[str, str]]]:
    """``{roster row index: student}`` for the students that match exactly one row that no other student
    matches, and ``(student, why)`` for the others."""
    keys = [_roster_keys(cells, lms) for cells in rows]
    claims: dict[int, list[str]] = {}
    unmatched = []
    for student in students:
        own = _student_keys(student, lms)
        found = [index for index, row_keys in enumerate(keys) if own & row_keys]
        if len(found) == 1:
            claims.setdefault(found[0], []).append(student)
        elif found:
            names = ", ".join(_roster_name(rows[index], lms) for index in found)
            unmatched.append((student, f"matches {len(found)} rows of the roster ({names})"))
        elif lms == "canvas" and _TRAILING_ID.search(student):
            unmatched.append((student, "no row has the Canvas ID that ends the folder name"))
        else:
            unmatched.append((student, "no row has this name, " + ("email address or username" if lms == "moodle"
                                                                   else "SIS Login ID or SIS User ID")))
    matched = {}
    for index, claimants in claims.items():
        if len(claimants) == 1:
            matched[index] = claimants[0]
        else:  # two folders for one student (a name shared, or a copy): never guess which is graded
            unmatched += [(student, f"shares the roster row of {_roster_name(rows[index], lms)} with "
                                    f"{', '.join(other for other in claimants if other != student)}")
                          for student in claimants]
    return matched, sorted(unmatched)


def _choose_column(candidates: dict[str, str], assignment: str | None, roster: Path) -> tuple[str, bool]:
    """The grade column (of ``{column: its name without the LMS's suffix}``) that ``assignment`` names, and
    whether it is new: a whole name first (with or without the suffix), then a part of one; without
    ``assignment``, the one named :data:`DEFAULT_ASSIGNMENT`, else a new one of that name."""
    wanted = (assignment if assignment is not None else DEFAULT_ASSIGNMENT).strip().casefold()
    found = ([column for column, name in candidates.items() if wanted in (name.casefold(), column.casefold())]
             or [column for column in candidates if wanted in column.casefold()])
    if len(found) == 1:
        return found[0], False
    if found:
        raise ValueError(f"assignment (--assignment) {assignment!r} is part of {len(found)} columns of the roster "
                         f"(--roster) {str(roster)!r}: {found}; give more of the name")
    if assignment is None:
        return DEFAULT_ASSIGNMENT, True
    raise ValueError(f"assignment (--assignment) {assignment!r} names no grade column of the roster (--roster) "
                     f"{str(roster)!r} ({list(candidates) or 'it has none'}); leave --assignment out to add a new "
                     f"column {DEFAULT_ASSIGNMENT!r}")


def _read_totals(path: Path) -> dict[str, tuple[float, float, int]]:
    """``{student: (total, max_total, pending)}`` from ``gradebook_by_student.csv``."""
    name = "gradebook_by_student (--gradebook)"
    header, rows = read_table(path, name=name, required=("student", "total", "max_total", "pending"))
    where = {column.lower(): index for index, column in enumerate(header)}
    totals = {}
    for line, row in rows:
        student, *numbers = table_cells(row, where, ("student", "total", "max_total", "pending"))
        total, max_total, pending = (table_number(number) for number in numbers)
        if not student or not all(math.isfinite(value) and value >= 0 for value in (total, max_total, pending)):
            raise ValueError(f"{name} {str(path)!r} line {line}: needs a student and numbers >= 0 for total, "
                             f"max_total and pending, got {row}")
        totals[student] = (total, max_total, int(pending))
    return totals


def _check_arguments(gradebook_by_student: object, roster: object, out: object, lms: object,
                     assignment: object) -> tuple[Path, Path, Path]:
    if lms not in LMS_NAMES:
        raise ValueError(f"lms (--lms) must be one of {list(LMS_NAMES)}, got {lms!r}")
    if assignment is not None and (not isinstance(assignment, str) or not assignment.strip()):
        raise ValueError(f"assignment (--assignment) must be a non-empty name or None, got {assignment!r}")
    gradebook = as_path(gradebook_by_student, name="gradebook_by_student (--gradebook)")
    roster_path = as_path(roster, name="roster (--roster)")
    target = as_path(out, name="out (--out)")
    for path, name in ((gradebook, "gradebook_by_student (--gradebook)"), (roster_path, "roster (--roster)")):
        if not path.is_file():
            raise ValueError(f"{name} must be an existing CSV file, got {str(path)!r}")
    if target.suffix.lower() != ".csv":
        raise ValueError(f"out (--out) must end in .csv, got {str(target)!r}")
    if target.exists() and any(os.path.samefile(target, path) for path in (gradebook, roster_path)):
        raise ValueError(f"out (--out) must be a new file, not the gradebook or the roster, got {str(target)!r}")
    return gradebook, roster_path, target


def export_grades(
    gradebook_by_student: str | os.PathLike[str],
    roster: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    lms: str,
    assignment: str | None = None,
) -> ExportReport:
    """Write ``out``: the LMS's gradebook export ``roster`` with each student's total, ready to import.

    Parameters
    ----------
    gradebook_by_student : str or os.PathLike
        The grader's ``gradebook_by_student.csv``; its ``total`` is written.
    roster : str or os.PathLike
        The LMS's own gradebook export (CSV; a BOM, ``;`` or tabs are fine).
    out : str or os.PathLike
        The CSV to write (UTF-8, ``,``-separated, ``.`` as decimal point).
    lms : {"canvas", "moodle"}
        Which LMS made ``roster``.
    assignment : str, optional
        The roster's grade column to fill: its name or a part of it (``"Problem
        set 1"`` for Canvas's ``Problem set 1 (4711)``).  Default: the column
        named :data:`DEFAULT_ASSIGNMENT`, or a new column of that name.

    Returns
    -------
    ExportReport
        The column written, the rows written, and the students and roster
        rows that matched nothing.

    Raises
    ------
    ValueError
        If ``lms`` is not one of :data:`LMS_NAMES`; a file is missing or is
        not the expected table (the message names the flag and the columns
        looked for); ``assignment`` names no grade column or several;
        ``out`` does not end in ``.csv`` or is one of the inputs.

    Notes
    -----
    Only matched students get a row, so an import never touches another
    student's grade; the LMS's import page shows the changes before it
    saves them.  Canvas's ``Points Possible`` row is kept as exported; for a
    new column it carries the highest ``max_total``, the points of the
    graded notebooks.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = Path(tmp)
    ...     _ = (folder / "by_student.csv").write_text("student,total,max_total,pending\\n"
    ...                                                "smithalice_101,7.5,9,0\\njonesbob_102,4,9,1\\n")
    ...     _ = (folder / "canvas.csv").write_text("Student,ID,SIS User ID,SIS Login ID,Section,Final Score\\n"
    ...                                            "    Points Possible,,,,,(read only)\\n"
    ...                                            '"Smith, Alice",101,s1,asmith,A,80\\n')
    ...     report = export_grades(folder / "by_student.csv", folder / "canvas.csv", folder / "import.csv",
    ...                            lms="canvas")
    ...     print((folder / "import.csv").read_text(), end="")
    Student,ID,SIS User ID,SIS Login ID,Section,saliency-course
        Points Possible,,,,,9
    "Smith, Alice",101,s1,asmith,A,7.5
    >>> report.written
    [('smithalice_101', 'Smith, Alice', '7.5')]
    >>> report.unmatched_students
    [('jonesbob_102', 'no row has the Canvas ID that ends the folder name')]
    """
    gradebook, roster_path, target = _check_arguments(gradebook_by_student, roster, out, lms, assignment)
    totals = _read_totals(gradebook)
    identity = CANVAS_IDENTITY if lms == "canvas" else MOODLE_IDENTITY
    required = ("Student", "ID") if lms == "canvas" else ("First name", "Last name")
    header, rows = read_table(roster_path, name="roster (--roster)", required=required)
    where = {column.lower(): index for index, column in enumerate(header)}
    if lms == "canvas":  # the identity columns lead; what follows them is grades
        end = next((index for index, column in enumerate(header) if column not in CANVAS_IDENTITY), len(header))
        kept = header[:end]
        candidates = {column: found["name"] for column in header[end:] if (found := _CANVAS_ASSIGNMENT.match(column))}
    else:
        kept = [column for column in header if column in MOODLE_IDENTITY]
        candidates = {column: found["name"] for column in header if (found := _MOODLE_ITEM.match(column))
                      and not column.lower().startswith("course total")}
    column, created = _choose_column(candidates, assignment, roster_path)
    wanted = [name.lower() for name in identity]
    cells = [dict(zip(wanted, table_cells(row, where, wanted))) for _, row in rows]
    # Canvas's "Points Possible" (and, in old exports, "Muted") rows have no ID: kept, never matched
    students_rows = [index for index, row in enumerate(cells) if lms == "moodle" or row["id"]]
    is_student = set(students_rows)
    matched, unmatched = _match(sorted(totals), [cells[index] for index in students_rows], lms)
    by_row = {students_rows[index]: student for index, student in matched.items()}
    max_total = max((value[1] for value in totals.values()), default=0.0)
    kept_at = [where[name.lower()] for name in kept]
    written, lines = [], [[*kept, column]]
    for index, (_, row) in enumerate(rows):
        identity_cells = [row[position] if position < len(row) else "" for position in kept_at]
        if index not in is_student:
            previous = "" if created else table_cells(row, where, [column.lower()])[0]
            lines.append([*identity_cells, format_points(max_total) if created else previous])
        elif index in by_row:
            student = by_row[index]
            points = format_points(totals[student][0])
            lines.append([*identity_cells, points])
            written.append((student, _roster_name(cells[index], lms), points))
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(lines)
    unmatched_roster = [_roster_name(cells[index], lms) for index in students_rows if index not in by_row]
    return ExportReport(lms, column, created, written, unmatched, unmatched_roster,
                        [student for student, _, _ in written if totals[student][2]])
