"""Grading throughput: notebooks graded per minute, one and two kernels at a time.

Run with ``make bench`` (or ``python benchmarks/bench_grading.py``).  Builds fake
submissions in a temporary folder and grades them with
``course_lib.classroom.grade_submissions`` exactly as ``saliency-course grade``
does (fresh kernel per notebook, hidden tests put back, output checks, CSV and
feedback pages written):

* **course**: every source notebook of ``notebooks/`` that has exercises, submitted by
  ``--students`` students, half with the reference answers and half unanswered
  (the student build), so both passing and failing tests are timed;
* **tiny**: a one-exercise notebook, which measures the fixed cost per notebook
  (kernel start, shutdown, bookkeeping).

Prints one table: case, notebooks graded, workers (notebooks run at once),
wall-clock seconds, notebooks per minute, and the speed-up over one worker
measured in the same run.  The machine this course targets has 2 cores, so
``--workers`` defaults to 1 and 2.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course_lib import classroom

ROOT = Path(__file__).resolve().parents[1]


def _tiny_source() -> nbformat.NotebookNode:
    solution = {"grade": False, "grade_id": "add", "locked": False, "schema_version": 3,
                "solution": True, "task": False}
    test = {"grade": True, "grade_id": "add_tests", "locked": True, "points": 1, "schema_version": 3,
            "solution": False, "task": False}
    return new_notebook(cells=[
        new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                      metadata={"nbgrader": solution}),
        new_code_cell("assert add(2, 3) == 5", metadata={"nbgrader": test}),
    ])


def _make_case(root: Path, sources: dict[str, nbformat.NotebookNode], students: int) -> tuple[Path, Path]:
    source_dir, submissions = root / "source", root / "submitted"
    source_dir.mkdir(parents=True)
    for name, nb in sources.items():
        nbformat.write(nb, source_dir / name)
    for number in range(students):
        folder = submissions / f"student{number:02d}"
        folder.mkdir(parents=True)
        for name, nb in sources.items():
            submitted = nb if number % 2 == 0 else classroom.student_notebook(nb)
            nbformat.write(submitted, folder / name)
    return source_dir, submissions


def _grade(source_dir: Path, submissions: Path, workers: int, timeout: float) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        grades = classroom.grade_submissions(submissions, source_dir=source_dir, out_csv=Path(out) / "g.csv",
                                           timeout=timeout, workers=workers)
        seconds = time.perf_counter() - start
    broken = [g for g in grades if g.problem]
    if broken:
        raise RuntimeError(f"benchmark submissions failed to run: {broken[0].problem}")
    return len(grades), seconds, sum(g.points for g in grades)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4, help="fake students per case (default: 4)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="worker counts to compare, the first is the baseline (default: 1 2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per cell (default: 120)")
    args = parser.parse_args()

    course = {p.name: nbformat.read(p, as_version=4) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    course = {name: nb for name, nb in course.items()
              if any(c.metadata.get("nbgrader", {}).get("grade") for c in nb.cells)}
    cases = {"course": course, "tiny": {"tiny.ipynb": _tiny_source()}}

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for case, sources in cases.items():
            source_dir, submissions = _make_case(Path(tmp) / case, sources, args.students)
            baseline = None
            for workers in args.workers:
                count, seconds, _ = _grade(source_dir, submissions, workers, args.timeout)
                per_minute = 60 * count / seconds
                baseline = baseline or per_minute
                rows.append((case, len(sources), count, workers, seconds, per_minute, per_minute / baseline))

    print(f"{'case':8s} {'nb/student':>10s} {'graded':>7s} {'workers':>8s} {'wall s':>8s} "
          f"{'notebooks/min':>14s} {'vs 1 worker':>12s}")
    for case, per_student, count, workers, seconds, per_minute, ratio in rows:
        print(f"{case:8s} {per_student:10d} {count:7d} {workers:8d} {seconds:8.1f} {per_minute:14.1f} {ratio:11.2f}x")
    print(f"\n{os.cpu_count()} CPU cores seen; one wall-clock run per row (kernel start-up included); "
          "course = notebooks/ with exercises, half answered, half unanswered.")


if __name__ == "__main__":
    main()
