"""Import an LMS bulk download into the grader's ``submitted/<student>/<notebook>.ipynb`` layout.

Used by ``saliency-course collect ZIP --out submitted`` (README, "Collect"),
before ``saliency-course grade submitted``.

Two downloads are understood, recognised from their file names:

* **Canvas** "Download Submissions": one flat zip, a file per attachment named
  ``name_[LATE_]userid_submissionid_original-file-name[-N].ext``, e.g.
  ``smithalice_LATE_101_5003_00_what_is_saliency-1.ipynb`` (``name`` is the
  student's last and first names run together; ``-N`` is Canvas's suffix for a
  file name the student had already uploaded).
* **Moodle** "Download all submissions": one folder per student and plugin,
  ``Full Name_12345_assignsubmission_file_/00_what_is_saliency.ipynb`` (or,
  without "download submissions in folders", the same prefix on the file
  name); ``assignsubmission_onlinetext_`` folders hold online text, not files.

What is written, and only that: ``out/<student>/<course notebook name>``, and
``out/late.csv`` (``student, notebook, late``).  Nothing in the archive names a
path of the output: the student folder is made from the LMS's name and id and
the file name is the course's own, so an entry with ``..`` or an absolute path
could not escape ``out`` even if it were not refused (it is).
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, NamedTuple, Sequence

from course_lib.classroom.markup import as_path
from course_lib.classroom.reports import LATE_COLUMNS, LATE_NAME, read_late
from course_lib.classroom.submissions import MAX_SUBMISSION_BYTES, read_submission
from course_lib.course_files import course_folder, write_atomically

LMS_NAMES = ("canvas", "moodle")
"""The downloads :func:`collect_submissions` understands."""

MAX_FILE_BYTES = MAX_SUBMISSION_BYTES
"""Largest notebook collected (uncompressed): the grader's own cap, since it would refuse a larger one."""

MAX_TOTAL_BYTES = 2 * 2**30
"""Most bytes collected from one archive (2 GiB, uncompressed): more is refused as a likely zip bomb."""

_CANVAS = re.compile(r"^(?P<name>.+?)_(?:(?P<late>late)_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
                     re.IGNORECASE)
# The name is the shortest prefix followed by [LATE_]digits_digits_, so underscores inside a group's name
# do not shift the ids.
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<rest>.*)$",
                     re.IGNORECASE)
_COPY_SUFFIX = re.compile(r"(?:-(\d+)|\s*\((\d+)\))$")  # Canvas's "-1", a browser's or a desktop's " (1)"
_PREFIX = re.compile(r"^(\d+)([a-z]?)(?:_|$)")  # "05b_video" -> ("05", "b")


@dataclass(frozen=True)
class CollectReport:
    """What :func:`collect_submissions` did with each file of the archive.

    ``student`` is the folder name in ``out``, ``notebook`` the course's file
    name, ``entry`` the path of the file in the archive.
    """

    lms: str
    """``"canvas"`` or ``"moodle"``."""
    copied: list[tuple[str, str, str]]
    """``(student, notebook, entry)`` written to ``out``: new, or changed and ``force=True``."""
    unchanged: list[tuple[str, str, str]]
    """``(student, notebook, entry)`` already in ``out`` with the same bytes, left alone."""
    skipped: list[tuple[str, str, str]]
    """``(student, notebook, reason)`` not written: the file in ``out`` differs (``force=True`` overwrites it), or
    the place in ``out`` is a link or a folder."""
    superseded: list[tuple[str, str]]
    """``(entry, kept entry)``: an earlier submission of the same notebook by the same student, not collected."""
    late: list[tuple[str, str]]
    """``(student, notebook)`` whose collected file the LMS marked late (Canvas only)."""
    unmatched: list[tuple[str, str]]
    """``(entry, reason)``: files that are not a course notebook or were refused, never written."""


class _Entry(NamedTuple):
    """One file of the archive, as listed (nothing read yet)."""

    name: str
    """Its path in the archive, ``/``-separated."""
    size: int
    """Uncompressed bytes, as declared (a zip) or as on disk (a folder)."""
    date: tuple[int, ...]
    """The zip entry's date and time, or the file's modification time in ns (a folder)."""
    refused: str
    """Why it is never read (an unsafe path, a link), or empty."""
    index: int = -1
    """Its place in the zip's list (a zip may hold one name twice), -1 in a folder."""


class _Submitted(NamedTuple):
    """A file the LMS's name says a student submitted."""

    name: str
    user: str
    late: bool | None
    """None where the LMS does not record lateness."""
    submission: int
    """Canvas's submission id (0 for Moodle)."""
    file: str
    """The file's own name, as the student uploaded it (Canvas's ``-N`` kept)."""


class _Chosen(NamedTuple):
    """A (student, notebook) and the entry kept for it."""

    student: str
    notebook: str
    entry: _Entry
    late: bool | None


# ---------------------------------------------------------------------------
# Listing the archive (a zip, or a folder it was extracted to)
# ---------------------------------------------------------------------------

def _unsafe(name: str) -> str:
    """Why an entry's path is refused, or ''."""
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path, which is refused"
    if ".." in parts:
        return "'..' in its path, which is refused"
    if any((part.startswith(".") and part != ".") or part == "__MACOSX" for part in parts):  # "./x" is plain x
        return "a hidden or macOS metadata file"
    return ""


def _zip_entries(archive: zipfile.ZipFile) -> list[_Entry]:
    entries = []
    for index, info in enumerate(archive.infolist()):
        if info.is_dir():
            continue
        refused = _unsafe(info.filename)
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0  # 3: made on Unix
        if not refused and kind == stat.S_IFLNK:
            refused = "a symbolic link, which is refused"
        elif not refused and kind not in (0, stat.S_IFREG):
            refused = "not a regular file, which is refused"
        entries.append(_Entry(info.filename, info.file_size, info.date_time, refused, index))
    return entries


def _folder_entries(folder: Path) -> list[_Entry]:
    entries = []
    for parent, folders, files in os.walk(folder, followlinks=False):
        for name in sorted(folders + files):
            path = Path(parent) / name
            relative = path.relative_to(folder).as_posix()
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode):
                continue
            refused = _unsafe(relative)
            if not refused and stat.S_ISLNK(info.st_mode):
                refused = "a symbolic link, which is refused"
            elif not refused and not stat.S_ISREG(info.st_mode):
                refused = "not a regular file, which is refused"
            entries.append(_Entry(relative, info.st_size, (info.st_mtime_ns,), refused))
    return sorted(entries)


def _size(count: float) -> str:
    """A byte count as people read it: ``512 bytes``, ``64 MiB``, ``2.5 GiB``."""
    if count < 2**20:
        return f"{count:g} bytes"
    return f"{count / 2**20:.4g} MiB" if count < 2**30 else f"{count / 2**30:.4g} GiB"


def _too_large() -> str:
    return f"larger than {_size(MAX_FILE_BYTES)} uncompressed, which is refused"


def _read_entry(source: zipfile.ZipFile | Path, entry: _Entry) -> bytes | str:
    """The entry's bytes (at most :data:`MAX_FILE_BYTES`), or why they cannot be read."""
    if isinstance(source, Path):
        path = source / entry.name
        return read_submission(path.parent, path.name)  # lstat + O_NOFOLLOW: a link swapped in is refused
    try:
        with source.open(source.infolist()[entry.index]) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError) as error:
        return f"cannot be read from the zip: {error}"  # a bad CRC, an encrypted entry, an unknown compression
    if len(data) > MAX_FILE_BYTES:
        return _too_large()
    return data


# ---------------------------------------------------------------------------
# What the LMS's names say
# ---------------------------------------------------------------------------

def _parse(lms: str, name: str) -> _Submitted | str:
    """Who submitted the entry ``name`` and under which file name, or why it is not a submission."""
    parts = re.split(r"[\\/]", name)  # zips made on Windows may use backslashes
    if lms == "canvas":
        found = _CANVAS.match(parts[-1])
        if found is None:
            return "not a Canvas submission file name (name_[LATE_]userid_submissionid_file)"
        return _Submitted(found["name"], found["user"], found["late"] is not None, int(found["submission"]),
                          found["file"])
    for index, part in enumerate(parts):
        found = _MOODLE.match(part)
        if found is None:
            continue
        plugin = found["plugin"].lower()
        if plugin != "file":
            return f"a Moodle {plugin} submission, not a file"
        if found["rest"] and index == len(parts) - 1:  # flat: "Full Name_12_assignsubmission_file_00.ipynb"
            file = found["rest"]
        elif not found["rest"] and index < len(parts) - 1:  # a folder per student
            file = parts[-1]
        else:
            break
        return _Submitted(found["name"], found["user"], None, 0, file)
    return "not a Moodle submission (Full Name_id_assignsubmission_file_/file)"


def _detect(entries: list[_Entry], archive: Path) -> str:
    """The LMS whose names most entries have."""
    counts = {lms: sum(isinstance(_parse(lms, entry.name), _Submitted) for entry in entries if not entry.refused)
              for lms in LMS_NAMES}
    if counts["canvas"] == counts["moodle"]:  # none of either (or, oddly, as many)
        raise ValueError(f"archive (ZIP) {str(archive)!r}: cannot tell the LMS from its file names "
                         f"({counts['canvas']} look like Canvas's, {counts['moodle']} like Moodle's); "
                         "pass lms= (--lms) canvas or moodle")
    return max(counts, key=counts.__getitem__)


def _safe_name(text: str) -> str:
    """``text`` in ``[A-Za-z0-9_.-]``: accents dropped (José -> Jose), other runs of characters -> ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_text)[:80].strip("_.-")


def _student_folders(lms: str, students: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The folder name of each (LMS name, LMS id).

    Canvas: ``<name>_<userid>``, stable from one assignment's download to the
    next.  Moodle: ``<Full_Name>``, since the number in Moodle's names is the
    assignment's own participant id (a student has a different one in each
    assignment); ``<Full_Name>_<id>`` only where two students of the download
    share a name or the name is hidden (blind marking: "Participant").
    """
    taken: dict[str, int] = {}
    for name, _ in students:  # case folded: "alice_smith" and "Alice_Smith" are one folder on macOS and Windows
        taken[_safe_name(name).lower()] = taken.get(_safe_name(name).lower(), 0) + 1
    folders = {}
    for name, user in students:
        safe = _safe_name(name)
        alone = lms == "moodle" and safe and taken[safe.lower()] == 1 and safe.lower() != "participant"
        folders[(name, user)] = safe if alone else f"{safe or 'student'}_{user}"
    return folders


# ---------------------------------------------------------------------------
# Matching a submitted file name to a course notebook
# ---------------------------------------------------------------------------

def _simplify(text: str) -> str:
    """Lower case, every run of other characters -> ``_``, Colab's "Copy of " dropped."""
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return re.sub(r"^(?:copy_of_)+", "", text)


def _without_copies(stem: str) -> tuple[str, int]:
    """``stem`` less its ``-N`` and `` (N)`` suffixes, and the outermost N (0 if none)."""
    copy = None
    while (found := _COPY_SUFFIX.search(stem)) is not None and found.start() > 0:
        copy = int(found[1] or found[2]) if copy is None else copy
        stem = stem[:found.start()]
    return stem, copy or 0


def _prefix(simple: str) -> tuple[tuple[int, str], str] | None:
    """The number prefix as ``(5, "b")`` and the rest of the name, or None."""
    found = _PREFIX.match(simple)
    return None if found is None else ((int(found[1]), found[2]), simple[found.end():])


class _Index(NamedTuple):
    stems: dict[str, str]
    numbers: dict[tuple[int, str], str]
    names: dict[str, str | None]
    """The stems without their number prefix (None: a name two notebooks share, which decides nothing)."""


def _index(notebooks: Sequence[str]) -> _Index:
    index = _Index({}, {}, {})
    for notebook in notebooks:
        simple = _simplify(notebook[:-len(".ipynb")])
        prefix = _prefix(simple)
        keys = [(index.stems, simple)]
        if prefix is not None:
            keys += [(index.numbers, prefix[0])] + [(index.names, prefix[1])] * bool(prefix[1])  # "00.ipynb": no name
        for table, key in keys:
            if table is index.names and key in table:  # "01_tiny", "02_tiny": the name alone says nothing
                table[key] = None
            elif key in table:
                raise ValueError(f"notebooks: {table[key]!r} and {notebook!r} cannot be told apart by their "
                                 "number prefix or name")
            else:
                table[key] = notebook
    return index


def _match(file: str, index: _Index) -> tuple[str, str]:
    """``(course notebook, "")`` for the submitted ``file``, or ``("", why it is none)``."""
    stem, dot, suffix = file.rpartition(".")
    if not dot or suffix.lower() != "ipynb":
        return "", f"not a notebook ({'.' + suffix if dot else 'no extension'})"
    whole = _simplify(stem)
    simple = _simplify(_without_copies(stem)[0])
    for key in (whole, simple):  # the whole stem first: a course name may itself end in "-2"
        if key in index.stems:
            return index.stems[key], ""
    prefix = _prefix(simple)
    if prefix is None:
        if index.names.get(simple):
            return index.names[simple], ""
        return "", f"no course notebook matches {stem!r} (by number prefix or name)"
    by_number = index.numbers.get(prefix[0])
    if by_number is None:
        return "", f"its number {prefix[0][0]:02d}{prefix[0][1]} is no course notebook's"
    by_name = index.names.get(prefix[1]) or by_number  # a name two notebooks share decides nothing
    if by_name != by_number:
        return "", f"ambiguous: its number says {by_number}, its name {by_name}"
    return by_number, ""


def _course_notebooks(notebooks: Sequence[str] | None) -> list[str]:
    if notebooks is None:
        return sorted(path.name for path in course_folder("notebooks").glob("*.ipynb"))
    if isinstance(notebooks, (str, bytes)) or not isinstance(notebooks, Iterable):
        raise TypeError(f"notebooks must be a sequence of notebook file names, got {notebooks!r}")
    names = list(notebooks)
    bad = [name for name in names if not isinstance(name, str) or not name.endswith(".ipynb")
           or re.search(r"[\\/]", name) or name.startswith(".")]
    if bad or not names:
        raise ValueError(f"notebooks must be notebook file names such as '00_what_is_saliency.ipynb', "
                         f"got {bad or names}")
    return names


# ---------------------------------------------------------------------------
# Writing into out
# ---------------------------------------------------------------------------

def _place(out: Path, chosen: _Chosen, data: bytes, force: bool) -> str:
    """Write ``data`` as ``out/student/notebook``: "copied", "unchanged", or why it was skipped."""
    folder = out / chosen.student
    target = folder / chosen.notebook
    if os.path.lexists(folder) and (os.path.islink(folder) or not folder.is_dir()):
        return f"{folder} is a symbolic link or a file, which is refused"
    if os.path.lexists(target):
        if os.path.islink(target) or not target.is_file():
            return f"{target} is a symbolic link or a folder, which is refused"
        if target.read_bytes() == data:
            return "unchanged"
        if not force:
            return "differs from the file already there; --force (force=True) overwrites it"
    folder.mkdir(exist_ok=True)
    write_atomically(target, data)
    return "copied"


def _write_late(path: Path, rows: dict[tuple[str, str], str]) -> None:
    """Write ``late.csv`` sorted, unless it already holds exactly these rows."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(LATE_COLUMNS)
    writer.writerows([student, notebook, late] for (student, notebook), late in sorted(rows.items()))
    content = text.getvalue().encode("utf-8")
    if not path.exists() or path.read_bytes() != content:
        write_atomically(path, content)


# ---------------------------------------------------------------------------
# The public function
# ---------------------------------------------------------------------------

def _check_arguments(archive: object, out: object, lms: object, force: object) -> tuple[Path, Path]:
    source = as_path(archive, name="archive (ZIP)")
    target = as_path(out, name="out (--out)")
    if lms is not None and lms not in LMS_NAMES:
        raise ValueError(f"lms (--lms) must be 'canvas', 'moodle' or None (recognised from the file names), "
                         f"got {lms!r}")
    if not isinstance(force, bool):
        raise TypeError(f"force (--force) must be True or False, got {force!r}")
    if not source.exists():
        raise ValueError(f"archive (ZIP) must be an LMS download (a .zip file or the folder it was extracted to), "
                         f"got {str(source)!r}, which does not exist")
    if source.is_file() and not zipfile.is_zipfile(source):
        raise ValueError(f"archive (ZIP) {str(source)!r} is not a zip file")
    if target.exists() and not target.is_dir():
        raise ValueError(f"out (--out) must be a folder (created when missing), got {str(target)!r}, a file")
    if source.is_dir():
        inner, outer = source.resolve(), target.resolve()
        if outer == inner or inner in outer.parents or outer in inner.parents:
            raise ValueError(f"out (--out) {str(target)!r} and archive (ZIP) {str(source)!r} must not be inside one "
                             "another (the grader would take the download for a student's folder)")
    return source, target


def collect_submissions(
    archive: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    lms: str | None = None,
    notebooks: Sequence[str] | None = None,
    force: bool = False,
) -> CollectReport:
    """Import an LMS bulk download into ``out/<student>/<notebook>.ipynb``, ready for grading.

    Each file of the download is attributed to a student by the LMS's file
    name (see the module notes), then matched to a course notebook by its own
    name; the match is copied byte for byte to ``out/<student>/<notebook>``
    under the course's file name, and everything else is listed with the
    reason.  Submitted notebooks are not parsed: a corrupt one is the
    grader's to report.

    **Student folders** (:func:`_student_folders`): Canvas ``<name>_<userid>``
    (``smithalice_101``), the same in every assignment's download; Moodle
    ``<Full_Name>`` (``Alice_Smith``; ``_<id>`` is added only where two
    students share a name, since Moodle's number is per assignment).  Names
    keep ``[A-Za-z0-9_.-]`` only, accents dropped.

    **Notebook names**: a file matches a course notebook when, ignoring case,
    a leading "Copy of ", trailing ``-N`` and `` (N)`` copy suffixes, and
    spaces, dashes and underscores alike, its stem equals the notebook's, or
    starts with the same number prefix (``5b``, ``05b``, ``05B_`` for
    ``05b_video_saliency.ipynb``), or, without a number, equals the
    notebook's name after its number (``what_is_saliency``).  A file whose
    number and name point to two different notebooks is listed, not copied.

    **Resubmissions**: when a student has several files for one notebook, the
    one kept has the highest Canvas submission id (Canvas numbers uploads in
    order; 0 in Moodle), then the highest ``-N`` / `` (N)`` copy number, then
    the latest date in the zip (modification time in a folder); the others are
    listed in ``superseded``.

    **Safety**: entries with an absolute path or ``..``, links, other
    non-regular files, hidden and ``__MACOSX`` files, and notebooks larger
    than :data:`MAX_FILE_BYTES` are listed, never read; if the notebooks to
    collect declare more than :data:`MAX_TOTAL_BYTES` together, nothing is
    written.  A file already in ``out`` is left alone when identical, and
    kept when it differs unless ``force=True``; writes go through a temporary
    file and ``os.replace``.

    Parameters
    ----------
    archive : str or os.PathLike
        The LMS's zip, or the folder it was extracted to.
    out : str or os.PathLike
        The submissions folder (``submitted``), created when missing.  Folders
        of other assignments already there are kept.
    lms : {"canvas", "moodle"} or None, optional
        Which LMS made ``archive``; None: recognised from the file names.
    notebooks : sequence of str, optional
        The course notebook file names to match against (default: every
        ``*.ipynb`` of :func:`course_lib.course_files.course_folder`).
    force : bool, optional
        Overwrite files in ``out`` that differ from the download's.

    Returns
    -------
    CollectReport
        What was copied, left alone, skipped, superseded, marked late and not
        matched.  ``out/late.csv`` (:data:`LATE_COLUMNS`) gets one row per
        (student, notebook) whose collected file is in ``out``: ``late`` is 1 or
        0 for Canvas, empty for Moodle (its download does not say); rows of
        other notebooks already there are kept.

    Raises
    ------
    TypeError
        If ``archive`` or ``out`` is not a path, ``notebooks`` not a sequence
        of names, or ``force`` not a bool.
    ValueError
        If ``archive`` does not exist or is not a zip, ``out`` is a file or
        inside the archive's folder (or around it), ``lms`` is not one of
        :data:`LMS_NAMES` or cannot be recognised, ``notebooks`` holds other
        than notebook file names (or two it cannot tell apart), the notebooks
        exceed :data:`MAX_TOTAL_BYTES`, or ``out/late.csv`` has other columns.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with zipfile.ZipFile(Path(tmp) / "canvas.zip", "w") as download:
    ...         download.writestr("smithalice_LATE_101_5003_00_what_is_saliency-1.ipynb", "{}")
    ...         download.writestr("smithalice_101_5004_notes.pdf", "%PDF")
    ...     report = collect_submissions(Path(tmp) / "canvas.zip", Path(tmp) / "submitted")
    ...     print((Path(tmp) / "submitted" / "late.csv").read_text(), end="")
    student,notebook,late
    smithalice_101,00_what_is_saliency.ipynb,1
    >>> report.lms, [student + "/" + notebook for student, notebook, _ in report.copied]
    ('canvas', ['smithalice_101/00_what_is_saliency.ipynb'])
    >>> report.unmatched
    [('smithalice_101_5004_notes.pdf', 'not a notebook (.pdf)')]
    """
    source, target = _check_arguments(archive, out, lms, force)
    index = _index(_course_notebooks(notebooks))
    # a late.csv of other columns is refused before any write
    late_rows = read_late(target / LATE_NAME, name="out (--out)")
    try:
        opened: zipfile.ZipFile | Path = zipfile.ZipFile(source) if source.is_file() else source
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"archive (ZIP) {str(source)!r} cannot be read as a zip: {error}") from error
    try:
        return _collect(opened, source, target, lms, index, force, late_rows)
    finally:
        if isinstance(opened, zipfile.ZipFile):
            opened.close()


def _collect(opened: zipfile.ZipFile | Path, source: Path, out: Path, lms: str | None, index: _Index,
             force: bool, late_rows: dict[tuple[str, str], str]) -> CollectReport:
    entries = _zip_entries(opened) if isinstance(opened, zipfile.ZipFile) else _folder_entries(opened)
    lms = lms or _detect(entries, source)
    unmatched: list[tuple[str, str]] = []
    found: list[tuple[_Submitted, str, _Entry]] = []
    for entry in entries:
        submitted = _parse(lms, entry.name) if not entry.refused else entry.refused
        if isinstance(submitted, str):
            unmatched.append((entry.name, submitted))
            continue
        notebook, reason = _match(submitted.file, index)
        if reason:
            unmatched.append((entry.name, reason))
        elif entry.size > MAX_FILE_BYTES:
            unmatched.append((entry.name, _too_large()))
        else:
            found.append((submitted, notebook, entry))

    folders = _student_folders(lms, {(submitted.name, submitted.user) for submitted, _, _ in found})
    groups: dict[tuple[str, str], list[tuple[_Submitted, _Entry]]] = {}
    for submitted, notebook, entry in found:
        groups.setdefault((folders[(submitted.name, submitted.user)], notebook), []).append((submitted, entry))
    chosen: list[_Chosen] = []
    superseded: list[tuple[str, str]] = []
    for (student, notebook), candidates in sorted(groups.items()):
        # the latest upload: Canvas's submission id, then the -N / (N) copy number, then the date
        ranked = sorted(candidates, key=lambda item: (item[0].submission,
                                                      _without_copies(item[0].file.rpartition(".")[0])[1],
                                                      item[1].date, item[1].name))
        kept_submitted, kept = ranked[-1]
        superseded += [(entry.name, kept.name) for _, entry in ranked[:-1]]
        chosen.append(_Chosen(student, notebook, kept, kept_submitted.late))

    total = sum(item.entry.size for item in chosen)
    if total > MAX_TOTAL_BYTES:
        raise ValueError(f"archive (ZIP) {str(source)!r}: its notebooks declare {_size(total)} uncompressed, "
                         f"more than the {_size(MAX_TOTAL_BYTES)} collected at most (a zip bomb?); "
                         "nothing was written")

    out.mkdir(parents=True, exist_ok=True)
    copied, unchanged, skipped = [], [], []
    for item in chosen:
        data = _read_entry(opened, item.entry)
        if isinstance(data, str):
            unmatched.append((item.entry.name, data))
            continue
        outcome = _place(out, item, data, force)
        if outcome in ("copied", "unchanged"):
            (copied if outcome == "copied" else unchanged).append((item.student, item.notebook, item.entry.name))
            late_rows[(item.student, item.notebook)] = "" if item.late is None else str(int(item.late))
        else:
            skipped.append((item.student, item.notebook, outcome))
    if late_rows:
        _write_late(out / LATE_NAME, late_rows)
    return CollectReport(
        lms=lms, copied=copied, unchanged=unchanged, skipped=skipped, superseded=sorted(superseded),
        late=[(item.student, item.notebook) for item in chosen if item.late],
        unmatched=sorted(unmatched))
