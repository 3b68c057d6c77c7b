"""Grade a whole class: every student's notebooks, a gradebook, feedback and answer pages.

Used by ``saliency-course grade`` and ``make grade`` (README, "Grade").
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from nbformat import NotebookNode

from course_lib.classroom import reports, runner
from course_lib.classroom.markup import as_path, check_markup, is_test, notebook_paths, read_notebook
from course_lib.classroom.scoring import (
    DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT, NotebookGrade, check_options, grade_one,
)


def find_submission(folder: Path, name: str) -> Path | None:
    """``folder/name``, or the one ``name`` below it (nbgrader's ``student/assignment/`` layout)."""
    direct = folder / name
    if direct.is_file():
        return direct
    found = [p for p in folder.rglob(name) if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    return found[0] if len(found) == 1 else None


def _sources(source_folder: Path, notebooks: Sequence[str] | None) -> dict[str, NotebookNode]:
    problems = check_markup(source_folder)
    if problems:
        raise ValueError("source_dir has broken exercise markup:\n  " + "\n  ".join(problems))
    sources = {path.name: read_notebook(path) for path in notebook_paths(source_folder, name="source_dir")}
    sources = {name: nb for name, nb in sources.items() if any(is_test(cell) for cell in nb.cells)}
    if notebooks is not None:
        if isinstance(notebooks, str):
            raise TypeError(f"notebooks must be a sequence of notebook names, got the string {notebooks!r}")
        unknown = sorted(set(notebooks) - set(sources))
        if unknown:
            raise ValueError(f"notebooks must name source notebooks with tests {sorted(sources)}, got {unknown}")
        sources = {name: sources[name] for name in sorted(set(notebooks))}
    if not sources:
        raise ValueError(f"source_dir {str(source_folder)!r} has no notebooks with test cells")
    return sources


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
    workers: int = 1,
    notebook_timeout: float | None = None,
    kernel_name: str = "python3",
) -> list[NotebookGrade]:
    """Grade every student folder of ``submissions_dir``; write the gradebook and the pages.

    Each subfolder of ``submissions_dir`` is one student (its name is the
    student's name) holding the submitted notebooks, either directly or one
    level down as nbgrader's ``submitted/<student>/<assignment>/`` layout has
    them.  Every source notebook with test cells is graded for every student
    by :func:`~course_lib.classroom.scoring.grade_notebook`'s rules.  A
    notebook that is missing, is not valid JSON, has a syntax error, loops
    forever, prints too much or kills its kernel loses its own points only.
    The submissions are copied to a private staging folder before any code
    runs and are never written.

    Parameters
    ----------
    submissions_dir : str or os.PathLike
        Folder with one subfolder per student.
    source_dir : str or os.PathLike
        Folder of source notebooks (with solutions and hidden tests).
    out_csv : str or os.PathLike
        Gradebook to write (``.csv``), columns
        :data:`~course_lib.classroom.reports.GRADEBOOK_COLUMNS`.
    timeout : float, optional
        Seconds per cell.
    max_output_bytes : int, optional
        Output kept per cell.
    feedback_dir, answers_dir : str or os.PathLike, optional
        Where to write ``<student>.html`` and ``<grade_id>.html`` (default:
        ``feedback/`` and ``answers/`` beside ``out_csv``).
    manual_scores : str or os.PathLike, optional
        The instructor's scores of written answers (default:
        ``manual_scores.csv`` beside ``out_csv``, read when it exists); a
        template to fill in is written as ``manual_scores_template.csv``.
    notebooks : sequence of str, optional
        Names of the source notebooks to grade (default: all with test cells).
    workers : int, optional
        Notebooks run at once (one kernel each).
    notebook_timeout : float or None, optional
        Seconds per notebook.
    kernel_name : str, optional
        Jupyter kernel to run the notebooks in.

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
        not end in ``.csv``, an option is out of range, the source markup is
        broken, or the manual scores cannot be read.
    """
    check_options(timeout, max_output_bytes, notebook_timeout, workers)
    submissions = as_path(submissions_dir, name="submissions_dir")
    source_folder = as_path(source_dir, name="source_dir")
    out = as_path(out_csv, name="out_csv")
    if out.suffix.lower() != ".csv":
        raise ValueError(f"out_csv must end in .csv, got {str(out)!r}")
    if not submissions.is_dir():
        raise ValueError(f"submissions_dir must be an existing folder, got {str(submissions)!r}")
    if not source_folder.is_dir():
        raise ValueError(f"source_dir must be an existing folder, got {str(source_folder)!r}")
    manual = as_path(manual_scores, name="manual_scores") if manual_scores is not None \
        else out.parent / "manual_scores.csv"
    if manual_scores is not None and not manual.is_file():
        raise ValueError(f"manual_scores must be an existing CSV file, got {str(manual)!r}")
    scores = reports.read_manual_scores(manual) if manual.is_file() else {}
    sources = _sources(source_folder, notebooks)
    students = sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise ValueError(f"submissions_dir {str(submissions)!r} has no student folders")

    with tempfile.TemporaryDirectory(prefix="course-staging-") as staging:
        jobs = []
        for student in students:
            for name, source in sources.items():
                found = find_submission(submissions / student, name)
                if found is None:
                    jobs.append((student, name, source, f"{name} is missing from the submission"))
                    continue
                staged = Path(staging) / str(len(jobs)) / name
                staged.parent.mkdir()
                shutil.copyfile(found, staged)
                jobs.append((student, name, source, staged))

        async def grade_all() -> list[NotebookGrade]:
            gate = asyncio.Semaphore(workers)

            async def one(student: str, name: str, source: NotebookNode, item: Path | str) -> NotebookGrade:
                async with gate:
                    if isinstance(item, Path):  # read only now: one notebook in memory per worker
                        try:
                            item = read_notebook(item)
                        except ValueError as error:
                            item = str(error)
                    return await grade_one(item, source, student=student, notebook=name, timeout=timeout,
                                           max_output_bytes=max_output_bytes, notebook_timeout=notebook_timeout,
                                           kernel_name=kernel_name, check_outputs=True)

            return list(await asyncio.gather(*(one(*job) for job in jobs)))

        grades = runner.run_coroutine(grade_all())
    grades.sort(key=lambda grade: (grade.student, grade.notebook))
    reports.apply_manual_scores(grades, scores)
    reports.write_gradebook(grades, out)
    feedback = as_path(feedback_dir, name="feedback_dir") if feedback_dir is not None else out.parent / "feedback"
    reports.write_feedback(grades, feedback, timeout=timeout)
    answers = as_path(answers_dir, name="answers_dir") if answers_dir is not None else out.parent / "answers"
    reports.write_answer_pages(grades, answers)
    reports.write_manual_template(grades, manual.parent / "manual_scores_template.csv")
    return grades
