"""Grade a whole class: every student's notebooks, a gradebook, feedback and answer pages.

Used by ``saliency-course grade`` and ``make grade`` (README, "Grade").

A run is four stages, each a function here: :func:`plan` (which (student,
notebook) pairs need grading: a :class:`Job` each, the rest reused from the
results cache), :func:`grade_job` (one job, where it runs: the two kernels of
:func:`course_lib.classroom.scoring.grade_one`), :func:`run_jobs` (the
schedule) and :func:`write_reports` (every file).  :func:`grade_submissions`
checks its arguments and composes them.

The unit of work is one (student, notebook).  Each runs as a task on a Dask
cluster (``scheduler="local"``: a ``LocalCluster`` with one single-threaded
worker process per core; ``"tcp://host:8786"``: an existing ``dask
scheduler``, whose workers need only the course installed) or, with
``scheduler=None``, in this process.  A task carries the submission's and the
source's bytes, so workers need no shared file system, and it returns the
grade; this process writes every file.

**Resumable.**  Each result is stored as soon as it arrives, in
``.results/<student>/<notebook>.json`` beside the gradebook, with a key made of
the SHA-256 of the submission, of the source notebook and of the grading
options.  A later run grades only what is missing or changed, and writes the
same gradebook as a run from scratch; an interrupted run loses at most the
notebooks in flight.  Delete ``.results`` to grade everything again.  With
``notebooks=`` only those notebooks' results make the run's reports: results of
others stored by earlier runs stay in the cache, unread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import stat
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import nbformat
from nbformat import NotebookNode

from course_lib.classroom import reports, runner, sandbox as sandboxes, term
from course_lib.classroom.cluster import local_cluster
from course_lib.classroom.markup import (
    as_path, check_markup, is_public, is_test, notebook_paths, parse_notebook, select_notebooks,
    written_questions,
)
from course_lib.classroom.scoring import (
    DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT, NotebookGrade, check_options, grade_one, ungraded,
)

RESULTS_NAME = ".results"
"""Folder beside the gradebook where each (student, notebook) result is kept."""


MAX_SUBMISSION_BYTES = 64 * 2**20
"""Largest submitted notebook read (64 MiB): a bigger file is refused, not loaded."""


def find_submission(folder: Path, name: str) -> tuple[Path | None, str]:
    """The file of student ``folder`` to grade as notebook ``name``, and a note (why it, or why none).

    ``folder/name`` first; else the one file called ``name`` below it
    (nbgrader's ``student/assignment/`` layout); else, when no file has the
    exact name, the one copy of it that a download or an editor left: ``name
    (1).ipynb``, ``name-2.ipynb`` or ``Copy of name.ipynb``, anywhere below.
    The note names the copies that were ignored, or says that a copy is
    graded; with no file, or several that none of these rules tells apart,
    the path is None and the note says why (it goes into the gradebook as
    the problem).  Symbolic links are never followed, to folders or to files
    (a link is not a submission: it could name the source notebook or a
    classmate's file).
    """
    stem, suffix = os.path.splitext(name)
    copy = re.compile(rf"(?:copy of )?{re.escape(stem)}(?:\s*\(\d+\)|-\d+)?{re.escape(suffix)}", re.IGNORECASE)
    exact: list[Path] = []
    copies: list[Path] = []
    links: list[Path] = []
    for parent, folders, files in os.walk(folder, followlinks=False):
        folders[:] = sorted(entry for entry in folders if entry != ".ipynb_checkpoints")
        for file in sorted(files):
            path = Path(parent) / file
            if not copy.fullmatch(file):
                continue
            if _is_regular(path):
                (exact if file == name else copies).append(path)
            else:
                links.append(path)  # or a pipe, a device: refused, never read
    direct = folder / name
    chosen = (direct if direct in exact else exact[0] if len(exact) == 1
              else copies[0] if not exact and len(copies) == 1 else None)
    others = sorted(path.relative_to(folder).as_posix() for path in exact + copies if path != chosen)
    if chosen is None and not others:
        refused = any(path.name == name and path.is_symlink() for path in links)
        return None, (f"{name} is a symbolic link, which is refused" if refused
                      else f"{name} is missing from the submission")
    if chosen is None:
        return None, (f"{name} is not graded: the submission holds {len(others)} files that could be it "
                      f"({', '.join(others)}); put the one to grade at the top of the student's folder as {name}")
    graded = chosen.relative_to(folder).as_posix()
    note = f"{graded} was graded as {name}, which the submission lacks" if chosen.name != name else ""
    if others:
        note = "; ".join(filter(None, [note or f"{graded} was graded",
                                       f"other copies ignored: {', '.join(others)}"]))
    return chosen, note


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def open_submission(folder: Path, name: str) -> tuple[bytes | str, str]:
    """The bytes of student ``folder``'s notebook ``name`` (or why there are none), and the note of
    :func:`find_submission` on which copy was read.

    The student's folder and the file are checked with ``lstat`` and opened
    with ``O_NOFOLLOW``: a symbolic link (or a file with other hard links) is
    refused and its target never read.  Reasons never quote the file.
    """
    if os.path.islink(folder):
        return f"{name}: the student's folder is a symbolic link, which is refused", ""
    found, note = find_submission(folder, name)
    if found is None:
        return note, ""
    try:
        descriptor = os.open(found, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        return f"cannot read {name}: {error.strerror}", note
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return f"{name} is not a regular file, which is refused", note
        if info.st_nlink > 1:
            return f"{name} has other hard links (a link to another file?), which is refused", note
        if info.st_size > MAX_SUBMISSION_BYTES:
            return f"{name} is larger than {MAX_SUBMISSION_BYTES // 2**20} MiB, which is refused", note
        return handle.read(MAX_SUBMISSION_BYTES + 1), note


def read_submission(folder: Path, name: str) -> bytes | str:
    """The bytes of student ``folder``'s notebook ``name``, or why there are none (:func:`open_submission`)."""
    return open_submission(folder, name)[0]


def _check_folder(folder: Path, *, name: str) -> None:
    """``ValueError`` naming ``name`` when ``folder`` is a file, or cannot be created because a file is in its path."""
    for existing in (folder, *folder.parents):
        if existing.exists():
            if not existing.is_dir():
                where = "must be in a folder" if name == "out_csv" else "must be a folder"
                raise ValueError(f"{name} {where} (created when missing), but {str(existing)!r} is a file")
            return


def _sources(source_folder: Path, notebooks: Sequence[str] | None,
             extra_tests: dict[str, str] | None = None) -> dict[str, bytes]:
    problems = check_markup(source_folder)
    if problems:
        raise ValueError("source_dir has broken exercise markup:\n  " + "\n  ".join(problems))
    raw = {path.name: path.read_bytes() for path in notebook_paths(source_folder, name="source_dir")}
    parsed = {name: parse_notebook(data, name=name) for name, data in raw.items()}  # each parsed once
    parsed = {name: nb for name, nb in parsed.items() if any(is_test(cell) for cell in nb.cells)}
    sources = {name: raw[name] for name in parsed}
    public = sorted(name for name, nb in parsed.items() if is_public(nb))
    if public:
        raise ValueError(f"source_dir {str(source_folder)!r} holds the notebooks installed with the package "
                         f"({', '.join(public[:2])}...), which carry no hidden tests and no sample answers: grade "
                         "with the instructor notebooks of a clone of the course (--source CLONE/notebooks)")
    if extra_tests:  # appended to the sources before anything is keyed or graded, for every notebook
        unused = set(extra_tests)
        for name, nb in parsed.items():
            extended, left = term.add_extra_tests(nb, extra_tests)
            if len(left) < len(extra_tests):
                sources[name] = nbformat.writes(extended).encode("utf-8")
            unused &= set(left)
        if unused:
            raise ValueError(f"extra_tests names no test cell of the source notebooks: {sorted(unused)}")
    if notebooks is not None:  # only these: the gradebook, totals and pages are over them alone
        sources = {name: sources[name] for name in select_notebooks(notebooks, sorted(sources), name="notebooks")}
    if not sources:
        raise ValueError(f"source_dir {str(source_folder)!r} has no notebooks with test cells")
    return sources


@dataclass(frozen=True)
class GradingOptions:
    """How every notebook of a run is graded; part of each result's cache key."""

    timeout: float = DEFAULT_TIMEOUT
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    notebook_timeout: float | None = None
    kernel_name: str = "python3"
    sandbox: str = "auto"
    memory: int = sandboxes.DEFAULT_MEMORY_BYTES
    hide: tuple[str, ...] = ()
    """Folders the sandbox hides from the kernel (the sources, the submissions, the outputs)."""
    term_key: str = field(default="", repr=False)
    """Digest of the term's secret (:func:`course_lib.classroom.term.term_key`), "" for none."""

    def fingerprint(self) -> str:
        """The options that change a grade (not ``hide``, which only moves with the folders); the
        term key enters hashed again, so a stored result's key does not carry it."""
        # float(): timeout=60 from Python and --timeout 60 (60.0) from the command line are one option
        notebook_timeout = None if self.notebook_timeout is None else float(self.notebook_timeout)
        return json.dumps({"timeout": float(self.timeout), "max_output_bytes": self.max_output_bytes,
                           "notebook_timeout": notebook_timeout, "kernel_name": self.kernel_name,
                           "sandbox": self.sandbox, "memory": self.memory,
                           "term": _digest(self.term_key) if self.term_key else ""}, sort_keys=True)


@dataclass(frozen=True)
class Job:
    """One (student, notebook) to grade: what travels to a worker, and where its result is kept."""

    student: str
    notebook: str
    submission: bytes | str
    """The submitted notebook's bytes, or why there are none (:func:`read_submission`)."""
    source: bytes
    key: str
    """SHA-256 of submission, source, options and note: a stored result with this key is reused."""
    result_path: Path
    note: str = ""
    """Which copy of the notebook was read (:func:`find_submission`), for the grade's notes."""


# ---------------------------------------------------------------------------
# Stage 1: plan (what to grade, what is already graded)
# ---------------------------------------------------------------------------

def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def _read_result(path: Path, key: str) -> dict[str, Any] | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) and stored.get("key") == key and "grade" in stored else None


def _write_result(path: Path, key: str, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"key": key, **result}), encoding="utf-8")
    os.replace(partial, path)  # never a half-written result, even when interrupted


def plan(submissions: Path, students: Sequence[str], sources: dict[str, bytes], options: GradingOptions,
         results_dir: Path) -> tuple[dict[tuple[str, str], dict[str, Any]], list[Job]]:
    """Results stored by an earlier run with the same key, and the jobs still to run."""
    stored: dict[tuple[str, str], dict[str, Any]] = {}
    jobs: list[Job] = []
    fingerprint = options.fingerprint()
    for student in students:
        for name, source in sources.items():
            submission, note = open_submission(submissions / student, name)
            # the note enters the key only when there is one, so results stored before notes existed still count
            key = _digest(_digest(submission) + _digest(source) + fingerprint + note)
            job = Job(student, name, submission, source, key, results_dir / student / f"{name}.json", note)
            result = _read_result(job.result_path, job.key)
            if result is not None:
                stored[(student, name)] = result
            else:
                jobs.append(job)
    return stored, jobs


# ---------------------------------------------------------------------------
# Stage 2: grade one job, where it runs (a Dask worker, or here)
# ---------------------------------------------------------------------------

def grade_job(job: Job, options: GradingOptions) -> dict[str, Any]:
    """Grade one (student, notebook); a plain dict comes back (``{"grade": ..., "sandbox": ...}``).

    The sandbox is chosen on the worker, since bubblewrap may work on one
    machine and not on another; the dict says which was used.
    """
    box, sandbox_line = sandboxes.resolve(options.sandbox, hide=options.hide, memory_bytes=options.memory)
    source_nb = parse_notebook(job.source, name=job.notebook)
    if isinstance(job.submission, bytes):
        try:
            item: NotebookNode | str = parse_notebook(job.submission, name=job.notebook)
        except ValueError as error:
            item = str(error)
    else:
        item = job.submission
    grade = runner.run_coroutine(grade_one(
        item, source_nb, student=job.student, notebook=job.notebook, sandbox=box, check_outputs=True,
        timeout=options.timeout, max_output_bytes=options.max_output_bytes,
        notebook_timeout=options.notebook_timeout, kernel_name=options.kernel_name, term_key=options.term_key))
    if job.note:
        grade.notes.insert(0, job.note)
    return {"grade": asdict(grade), "sandbox": sandbox_line}


def _failed(job: Job, reason: str) -> dict[str, Any]:
    """The result of a job whose task failed (its worker died twice, say): zero, with the reason."""
    source = parse_notebook(job.source, name=job.notebook)
    return {"grade": asdict(ungraded(reason, source, student=job.student, notebook=job.notebook)), "sandbox": ""}


# ---------------------------------------------------------------------------
# Stage 3: schedule the jobs (in this process, or on Dask); each result is handed to ``store``
# ---------------------------------------------------------------------------

Store = Callable[[Job, dict[str, Any], bool], None]
"""Called with each job's result as it arrives; the flag says whether to keep it (False: grading failed)."""


def _run_local(jobs: list[Job], options: GradingOptions, workers: int, store: Store) -> None:
    async def run_all() -> None:
        gate = asyncio.Semaphore(workers)
        loop = asyncio.get_running_loop()

        async def one(job: Job) -> None:
            async with gate:
                try:
                    result = await loop.run_in_executor(None, grade_job, job, options)
                except Exception as error:  # noqa: BLE001 - one submission's failure is that student's only
                    store(job, _failed(job, f"grading failed: {type(error).__name__}"), False)
                else:
                    store(job, result, True)

        await asyncio.gather(*(one(job) for job in jobs))

    runner.run_coroutine(run_all())


def _run_dask(jobs: list[Job], options: GradingOptions, scheduler: str, workers: int, store: Store) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as error:  # pragma: no cover - distributed is in the grading extra
        raise ImportError("scheduler= needs dask.distributed: pip install 'saliency-course[grading]'") from error
    cluster = local_cluster(workers) if scheduler == "local" else None
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = {client.submit(grade_job, job, options, pure=False, retries=1,
                                     key=f"grade-{job.key[:16]}-{index}"): job for index, job in enumerate(jobs)}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - one submission's failure is that student's only
                    store(job, _failed(job, f"grading failed: {type(error).__name__}"), False)
                else:
                    store(job, result, True)
    finally:
        if cluster is not None:
            cluster.close()


def run_jobs(jobs: list[Job], options: GradingOptions, *, scheduler: str | None, workers: int,
             store: Store) -> None:
    """Grade ``jobs`` in this process (``scheduler=None``) or on a Dask cluster; results go to ``store``."""
    if not jobs:
        return
    if scheduler is None:
        _run_local(jobs, options, workers, store)
    else:
        _run_dask(jobs, options, scheduler, workers, store)


# ---------------------------------------------------------------------------
# Stage 4: the reports (every file the run writes)
# ---------------------------------------------------------------------------

def _written_points(source_folder: Path) -> dict[str, float]:
    """Every written question of the course's notebooks and its points, graded in this run or not: one
    manual-scores file serves the whole term, and a run may grade one notebook."""
    return {grade_id: question["points"] for path in notebook_paths(source_folder, name="source_dir")
            for grade_id, question in written_questions(parse_notebook(path.read_bytes(), name=path.name)).items()}


def write_reports(grades: list[NotebookGrade], sources: dict[str, bytes], *, out: Path, feedback: Path,
                  answers: Path, manual: Path, scores: dict[tuple[str, str], tuple[float, str]],
                  timeout: float, late: dict[tuple[str, str], str] | None = None) -> list[str]:
    """The gradebook and the per-student table, feedback pages, answer pages (question, sample answer,
    rubric) and scores template; returns what the instructor must be told (a template kept)."""
    reports.apply_manual_scores(grades, scores)
    reports.write_gradebook(grades, out, late=late)
    reports.write_gradebook_by_student(grades, reports.by_student_path(out), late=late)
    reports.write_feedback(grades, feedback, timeout=timeout)
    questions: dict[str, dict[str, Any]] = {}
    for name, source in sources.items():
        questions.update(written_questions(parse_notebook(source, name=name)))
    reports.write_answer_pages(grades, answers, questions)
    template = manual.parent / "manual_scores_template.csv"
    written = reports.write_manual_template(grades, template, questions)
    if written == template or not any(check.kind == "answer" for grade in grades for check in grade.checks):
        return []
    instead = (f"the new template is {written}" if written is not None
               else f"{template.stem}.new.csv holds typed scores too, so no new template was written")
    return [f"{template} holds scores typed into it and was kept; {instead}. The grader reads scores only "
            f"from {manual} (--manual-scores): save the typed ones there"]


def grade_submissions(
    submissions_dir: str | os.PathLike[str],
    *,
    source_dir: str | os.PathLike[str],
    out_csv: str | os.PathLike[str],
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    feedback_dir: str | os.PathLike[str] | None = None,
    answers_dir: str | os.PathLike[str] | None = None,
    manual_scores: str | os.PathLike[str] | None = None,
    notebooks: Sequence[str] | None = None,
    workers: int | None = None,
    notebook_timeout: float | None = None,
    kernel_name: str = "python3",
    scheduler: str | None = "local",
    sandbox: str = "auto",
    memory: int = sandboxes.DEFAULT_MEMORY_BYTES,
    show_progress: bool = False,
    seed: str | None = None,
    extra_tests: str | os.PathLike[str] | None = None,
    similarity: bool = False,
) -> list[NotebookGrade]:
    """Grade every student folder of ``submissions_dir``; write the gradebook and the pages.

    Each subfolder of ``submissions_dir`` is one student (its name is the
    student's name) holding the submitted notebooks, either directly or one
    level down as nbgrader's ``submitted/<student>/<assignment>/`` layout has
    them (a lone copy such as ``00_what_is_saliency (1).ipynb`` is graded,
    and copies beside the exact name are ignored, each with a note:
    :func:`find_submission`).  Every source notebook with test cells is graded for every student
    by :func:`~course_lib.classroom.scoring.grade_notebook`'s rules, in a
    sandbox where bubblewrap works (:mod:`course_lib.classroom.sandbox`).  A
    notebook that is missing, is not valid JSON, has a syntax error, loops
    forever, prints too much, kills its kernel or is refused by the sandbox
    loses its own points only.  Submitted files are read once, never written.

    Parameters
    ----------
    submissions_dir : str or os.PathLike
        Folder with one subfolder per student.
    source_dir : str or os.PathLike
        Folder of source notebooks (with solutions and hidden tests).
    out_csv : str or os.PathLike
        Gradebook to write (``.csv``), columns
        :data:`~course_lib.classroom.reports.GRADEBOOK_COLUMNS`, and
        ``<name>_by_student.csv`` beside it, one row per student
        (:func:`~course_lib.classroom.reports.write_gradebook_by_student`);
        results are kept in ``.results/`` beside it (see the module notes).
        A ``late.csv`` in ``submissions_dir`` (``saliency-course collect``)
        fills the ``late`` columns.
    timeout : float, optional
        Seconds per cell.
    max_output_bytes : int, optional
        Output kept per cell.
    feedback_dir, answers_dir : str or os.PathLike, optional
        Where to write ``<student>.html`` and ``<grade_id>.html`` (default:
        ``feedback/`` and ``answers/`` beside ``out_csv``).
    manual_scores : str or os.PathLike, optional
        The instructor's scores of written answers (default:
        ``manual_scores.csv`` beside ``out_csv``, read when it exists), as
        Excel saves it (:func:`~course_lib.classroom.reports.read_manual_scores`),
        checked before grading; a template to fill in is written as
        ``manual_scores_template.csv``, or as ``manual_scores_template.new.csv``
        when the template holds typed scores (which are never overwritten; a
        ``UserWarning``, or a printed line with ``show_progress``, says so).
        An answer left as the stub scores 0 unless a score is given.
    notebooks : sequence of str, optional
        The source notebooks to grade, by file name or number (``"00"``,
        ``"05b"``: :func:`~course_lib.classroom.markup.select_notebooks`);
        default: all with test cells.  The gradebook, totals, feedback,
        answer pages and template then cover these alone.
    workers : int or None, optional
        Notebooks run at once: local worker processes, or kernels with
        ``scheduler=None`` (default: the number of cores).  Ignored with a
        scheduler address (the cluster has its own workers).
    notebook_timeout : float or None, optional
        Seconds per notebook.
    kernel_name : str, optional
        Jupyter kernel to run the notebooks in.
    scheduler : None, "local" or str, optional
        ``"local"``: a Dask ``LocalCluster`` of ``workers`` processes; an
        address such as ``"tcp://host:8786"``: that Dask scheduler; None: no
        Dask, kernels run from this process.
    sandbox : {"auto", "bwrap", "none"}, optional
        Run each kernel in a bubblewrap sandbox: where it works ("auto", else
        none, said in the summary), always ("bwrap": an error where it does
        not work), or never.
    memory : int, optional
        Memory limit per sandboxed kernel, in bytes.
    show_progress : bool, optional
        Show a progress bar and print a summary at the end: notebooks graded
        now and reused, and the gradebook's rows with a problem (all of them,
        reused ones included).
    seed : str or None, optional
        The term's secret: hidden tests draw their random inputs from it
        (:mod:`course_lib.classroom.term`), so inputs known from the public
        notebooks are not the ones graded.  Never written anywhere.
    extra_tests : str or os.PathLike, optional
        Folder of the instructor's private hidden tests, ``<grade_id>.py``
        files or notebooks (:func:`course_lib.classroom.term.read_extra_tests`),
        added to those test cells for this run.
    similarity : bool, optional
        After grading, write the similarity report
        (:func:`course_lib.classroom.similarity.similarity_report`) into
        ``similarity/`` beside ``out_csv``.

    Returns
    -------
    list of NotebookGrade
        Sorted by student, then notebook.

    Raises
    ------
    TypeError
        If a folder or option has the wrong type.
    ValueError
        If a folder does not exist, holds nothing to grade, ``out_csv`` does
        not end in ``.csv``, a folder to write is a file, an option is out of range, the source markup is
        broken, the manual scores cannot be read or name a student or
        ``grade_id`` that does not exist, or ``sandbox="bwrap"`` where
        bubblewrap does not work.
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    check_options(timeout, max_output_bytes, notebook_timeout, workers)
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be None, 'local' or an address, got {type(scheduler).__name__}")
    if isinstance(scheduler, str) and scheduler != "local" and "://" not in scheduler:
        raise ValueError(f"scheduler must be None, 'local' or an address like 'tcp://host:8786', got {scheduler!r}")
    submissions = as_path(submissions_dir, name="submissions_dir")
    source_folder = as_path(source_dir, name="source_dir")
    out = as_path(out_csv, name="out_csv")
    if out.suffix.lower() != ".csv":
        raise ValueError(f"out_csv must end in .csv, got {str(out)!r}")
    if not submissions.is_dir():
        raise ValueError(f"submissions_dir must be an existing folder, got {str(submissions)!r}")
    if not source_folder.is_dir():
        raise ValueError(f"source_dir must be an existing folder, got {str(source_folder)!r}")
    _, sandbox_line = sandboxes.resolve(sandbox, memory_bytes=memory)  # refuses bad values before any work
    manual = as_path(manual_scores, name="manual_scores") if manual_scores is not None \
        else out.parent / "manual_scores.csv"
    if manual_scores is not None and not manual.is_file():
        raise ValueError(f"manual_scores must be an existing CSV file, got {str(manual)!r}")
    if not isinstance(similarity, bool):
        raise TypeError(f"similarity must be True or False, got {similarity!r}")
    key = term.term_key(seed) if seed is not None else ""
    extras = term.read_extra_tests(as_path(extra_tests, name="extra_tests")) if extra_tests is not None else None
    sources = _sources(source_folder, notebooks, extras)
    # a link to a folder is listed here and refused, notebook by notebook, by read_submission
    students = sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise ValueError(f"submissions_dir {str(submissions)!r} has no student folders")
    # read before any grading: a misspelt name stops the run now, rather than losing a score after it
    scores = (reports.read_manual_scores(manual, students=students, questions=_written_points(source_folder))
              if manual.is_file() else {})
    late = reports.read_late(submissions / reports.LATE_NAME, name="submissions_dir (SUBMISSIONS)")
    feedback = as_path(feedback_dir, name="feedback_dir") if feedback_dir is not None else out.parent / "feedback"
    answers = as_path(answers_dir, name="answers_dir") if answers_dir is not None else out.parent / "answers"
    for folder, name in ((out.parent, "out_csv"), (feedback, "feedback_dir"), (answers, "answers_dir")):
        _check_folder(folder, name=name)  # before any grading: a run of hours must not die writing its reports
    hide = tuple(str(path.resolve()) for path in (source_folder, submissions, out.parent, feedback, answers))
    if extra_tests is not None:
        hide += (str(Path(os.fspath(extra_tests)).resolve()),)
    options = GradingOptions(timeout, max_output_bytes, notebook_timeout, kernel_name, sandbox, memory, hide,
                             term_key=key)

    results, jobs = plan(submissions, students, sources, options, out.parent / RESULTS_NAME)
    start = time.perf_counter()
    bar = None
    if show_progress and jobs:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), unit="notebook", desc="grading")

    def store(job: Job, result: dict[str, Any], keep: bool) -> None:
        if keep:  # a failure of the grading itself is not kept: the next run tries again
            _write_result(job.result_path, job.key, result)
        results[(job.student, job.notebook)] = result
        if bar is not None:
            bar.update(1)

    try:
        run_jobs(jobs, options, scheduler=scheduler, workers=workers, store=store)
    finally:
        if bar is not None:
            bar.close()
    grades = sorted((NotebookGrade.from_dict(result["grade"]) for result in results.values()),
                    key=lambda grade: (grade.student, grade.notebook))
    notices = write_reports(grades, sources, out=out, feedback=feedback, answers=answers, manual=manual,
                            scores=scores, timeout=timeout, late=late)
    for notice in notices:  # told even without progress output: work someone typed is at stake
        if show_progress:
            print(notice)
        else:
            warnings.warn(notice, UserWarning, stacklevel=2)
    if show_progress:
        # problems over the whole gradebook: a resumed run reuses broken notebooks as well as good ones
        ran = {(job.student, job.notebook) for job in jobs}
        problems = [(grade.student, grade.notebook) for grade in grades if grade.problem]
        lines = sorted({result["sandbox"] for result in results.values() if "sandbox" in result} or {sandbox_line})
        where = "in this process" if scheduler is None else ("on a local Dask cluster" if scheduler == "local"
                                                              else f"on {scheduler}")
        print(f"graded {len(jobs)} notebook(s) {where} in {time.perf_counter() - start:.1f} s, "
              f"{len(grades) - len(jobs)} reused from an earlier run; {len(problems)} of the gradebook's "
              f"{len(grades)} row(s) with a problem ({len(ran.intersection(problems))} of them graded now)")
        for line in lines:
            print(line)
    if similarity:
        from course_lib.classroom.similarity import similarity_report

        matches = similarity_report(submissions, source_dir=source_folder, out_dir=out.parent / "similarity")
        if show_progress:
            print(f"similarity report: {len(matches)} row(s) in {out.parent / 'similarity' / 'similarity.html'}")
    return grades
