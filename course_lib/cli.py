"""The ``saliency-course`` command line.

``saliency-course map IMAGE --method lc -o out.png`` writes a saliency map of
an image file or sample as an 8-bit grey PNG.  Methods are looked up in
:data:`course_lib.methods.METHODS` (re-exported here as ``METHODS``).

``saliency-course init DIR [--force]`` copies the course notebooks and the
app notebook into DIR (:mod:`course_lib.course_files`), keeping any that were
changed there unless ``--force``.

``saliency-course student [--out DIR] [--self-study]`` builds the student
versions of the notebooks and ``saliency-course grade SUBMISSIONS [--out
gradebook.csv] [--timeout S]`` grades submitted notebooks and ``saliency-course
similarity SUBMISSIONS [--out DIR]`` reports solutions that look copied and
``saliency-course collect ZIP --out submitted [--lms canvas|moodle]`` imports
an LMS's bulk download into the folder ``grade`` reads; they call
:mod:`course_lib.classroom`, imported only when used.  Their source notebooks
are ``./notebooks`` when it exists (a clone), else the ones installed with
the package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

import course_lib
# The registry lives in course_lib.methods; re-exported so that cli.METHODS and
# cli.resolve_method keep working.
from course_lib.methods import METHODS, resolve_method

__all__ = ["METHODS", "main", "resolve_method"]


def _map_command(args: argparse.Namespace) -> int:
    import cv2

    from course_lib import images

    image = images.load_image(args.image)
    saliency = resolve_method(args.method)(image)
    if saliency.shape != image.shape[:2]:
        saliency = cv2.resize(saliency, image.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    output = Path(args.output)
    if output.suffix.lower() != ".png":
        raise ValueError(f"--output must end in .png, got {str(output)!r}")
    if not output.parent.is_dir():
        raise ValueError(f"--output folder {str(output.parent)!r} does not exist")
    ok, encoded = cv2.imencode(".png", images.to_uint8(np.clip(saliency, 0, 1)))
    if not ok:
        raise ValueError(f"could not encode the map of {args.image!r} as PNG")
    output.write_bytes(encoded.tobytes())
    print(f"wrote {output} ({saliency.shape[1]}x{saliency.shape[0]}, method {args.method})")
    return 0


def _init_command(args: argparse.Namespace) -> int:
    from course_lib import course_files

    version = "student" if args.student else "self-study" if args.self_study else "instructor"
    report = course_files.copy_course(args.directory, force=args.force, name="DIR", version=version)
    folder = args.directory
    if version == "instructor" and course_files.installed_build() == "public":
        print("these are the notebooks installed with the package: reference solutions and visible tests, no "
              "hidden tests or sample answers (those stay in the repository); a graded class's students get: "
              "saliency-course init DIR --student")
    elif version == "instructor":
        print("these are the instructor notebooks, with the reference solutions, hidden tests and sample "
              "answers (self-study); a graded class's students get: saliency-course init DIR --student")
    print(f"copied {len(report.written)} notebook(s) to {folder}"
          + (f"; {len(report.unchanged)} already up to date" if report.unchanged else ""))
    if report.skipped:
        print(f"kept {len(report.skipped)} notebook(s) that differ from the course's "
              f"(--force overwrites them): {', '.join(report.skipped)}")
    print(f"start with: jupyter lab {folder}")
    return 0


def _source_folder(source: str | None) -> str:
    """``--source``, or ``./notebooks`` in a clone, or the notebooks installed with the package."""
    if source is not None:
        return source
    if Path("notebooks").is_dir():
        return "notebooks"
    from course_lib import course_files

    return str(course_files.course_folder("notebooks"))


def _student_command(args: argparse.Namespace) -> int:
    from course_lib.classroom import build_student_version

    out = args.out or ("build/self-study" if args.self_study else "build/student")
    written = build_student_version(_source_folder(args.source), out, self_study=args.self_study)
    kind = "self-study" if args.self_study else "student"
    print(f"wrote {len(written)} {kind} notebook(s) to {out}")
    return 0


def _grade_command(args: argparse.Namespace) -> int:
    import os

    from course_lib.classroom import grade_submissions
    from course_lib.classroom.term import ENVIRONMENT_VARIABLE

    seed = args.seed if args.seed is not None else (os.environ.get(ENVIRONMENT_VARIABLE) or None)
    if seed is not None and not seed.strip():
        raise ValueError("--seed must not be empty: choose a secret for the term (any text)")
    feedback = args.feedback or str(Path(args.out).parent / "feedback")
    grades = grade_submissions(
        args.submissions, source_dir=_source_folder(args.source), out_csv=args.out, timeout=args.timeout,
        max_output_bytes=args.max_output_bytes, feedback_dir=feedback, notebooks=args.notebook,
        workers=args.workers, scheduler=None if args.scheduler == "none" else args.scheduler,
        manual_scores=args.manual_scores,
        sandbox=args.sandbox, memory=int(args.memory * 2**30), show_progress=True,
        seed=seed, extra_tests=args.extra_tests, similarity=args.similarity,
    )
    totals: dict[str, list[float]] = {}
    for grade in grades:
        total = totals.setdefault(grade.student, [0.0, 0.0])
        total[0] += grade.points
        total[1] += grade.max_points
    width = max(len("student"), *(len(name) for name in totals))
    print(f"{'student':<{width}}  points")
    for student, (points, max_points) in totals.items():
        print(f"{student:<{width}}  {points:g} / {max_points:g}")
    print(f"wrote {args.out}, {len(totals)} feedback page(s) in {feedback} and the written answers in "
          f"{Path(args.out).parent / 'answers'}")
    return 0


def _collect_command(args: argparse.Namespace) -> int:
    from course_lib.classroom.collect import LATE_NAME, collect_submissions

    report = collect_submissions(args.archive, args.out, lms=args.lms, force=args.force)
    students = {student for student, _, _ in report.copied + report.unchanged + report.skipped}
    late = (f"{len(report.late)} submitted late" if report.lms == "canvas"
            else "Moodle's download does not say which were late")
    print(f"{report.lms} download: {len(report.copied)} notebook(s) written to {args.out}"
          + (f", {len(report.unchanged)} already there and identical" if report.unchanged else "")
          + f" ({len(students)} student(s)); {late}"
          + f" ({Path(args.out) / LATE_NAME})" * bool(report.copied or report.unchanged))
    sections = [
        (report.skipped, "kept in --out, not overwritten (--force overwrites files that differ)",
         lambda row: f"{row[0]}/{row[1]}: {row[2]}"),
        (report.superseded, "earlier submission(s) not collected", lambda row: f"{row[0]}: {row[1]} is later"),
        (report.unmatched, "file(s) not collected", lambda row: f"{row[0]}: {row[1]}"),
    ]
    for rows, title, line in sections:
        if rows:
            print(f"{len(rows)} {title}:")
            for row in rows:
                print(f"  {line(row)}")
    return 0


def _similarity_command(args: argparse.Namespace) -> int:
    from course_lib.classroom.similarity import REFERENCE, similarity_report

    matches = similarity_report(args.submissions, source_dir=_source_folder(args.source), out_dir=args.out,
                                threshold=args.threshold, top=args.top)
    pairs = sum(m.student_b != REFERENCE for m in matches)
    print(f"wrote {Path(args.out) / 'similarity.csv'} ({pairs} pair(s) of students scoring >= {args.threshold:g}, "
          f"{len(matches) - pairs} row(s) against the reference) and {Path(args.out) / 'similarity.html'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="saliency-course",
        description="Saliency maps and course tools from the saliency-course package.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {course_lib.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    map_parser = commands.add_parser(
        "map", help="write the saliency map of an image as a grey PNG",
        description="Compute a saliency map of IMAGE (a file or a sample name) and save it as PNG.",
    )
    map_parser.add_argument("image", metavar="IMAGE", help="image file or sample name (e.g. astronaut)")
    map_parser.add_argument("--method", default="lc", choices=sorted(METHODS), help="saliency method (default: lc)")
    map_parser.add_argument("-o", "--output", default="saliency.png", help="output PNG path (default: saliency.png)")
    map_parser.set_defaults(run=_map_command)

    init_parser = commands.add_parser(
        "init", help="copy the course notebooks into a folder of your own",
        description="Copy the eleven course notebooks and the app notebook (explorers.ipynb) into DIR, "
                    "creating it. Notebooks already there are kept when they differ from the "
                    "course's (your work) unless --force, and left alone when identical. Without "
                    "--student the copies hold the reference solutions, hidden tests and sample answers.",
    )
    init_parser.add_argument("directory", metavar="DIR", help="folder to copy the course into")
    init_parser.add_argument("--force", action="store_true",
                             help="overwrite notebooks in DIR that differ from the course's")
    init_version = init_parser.add_mutually_exclusive_group()
    init_version.add_argument("--student", action="store_true",
                              help="copy the student versions: stubs, visible tests only, no sample answers "
                                   "(for a graded class)")
    init_version.add_argument("--self-study", action="store_true",
                              help="copy the student versions with each solution in a collapsed cell")
    init_parser.set_defaults(run=_init_command)

    student_parser = commands.add_parser(
        "student", help="build the student versions of the notebooks",
        description="Write the notebooks with solutions replaced by stubs, hidden tests removed "
                    "and exercise outputs cleared (nbgrader's rules).",
    )
    student_parser.add_argument("--out", default=None,
                                help="output folder (default: build/student, or build/self-study)")
    student_parser.add_argument("--self-study", action="store_true",
                                help="add a collapsed 'show solution' cell after each exercise")
    student_parser.add_argument("--source", default=None,
                                help="folder of source notebooks (default: ./notebooks if present, "
                                     "else the notebooks installed with the package)")
    student_parser.set_defaults(run=_student_command)

    grade_parser = commands.add_parser(
        "grade", help="grade submitted notebooks into a CSV gradebook and feedback pages",
        description="Run every student's notebooks in fresh kernels with the hidden tests put back, "
                    "score the test cells, and write a CSV gradebook and one HTML feedback page per "
                    "student. SUBMISSIONS holds one folder per student.",
    )
    grade_parser.add_argument("submissions", metavar="SUBMISSIONS", help="folder with one subfolder per student")
    grade_parser.add_argument("--out", default="gradebook.csv", help="gradebook CSV (default: gradebook.csv)")
    grade_parser.add_argument("--timeout", type=float, default=120.0,
                              help="seconds one cell may run (default: 120)")
    grade_parser.add_argument("--source", default=None,
                              help="folder of source notebooks (default: ./notebooks if present, "
                                   "else the notebooks installed with the package)")
    grade_parser.add_argument("--feedback", default=None,
                              help="folder for the HTML feedback pages (default: feedback/ beside --out)")
    grade_parser.add_argument("--notebook", action="append", default=None, metavar="NAME",
                              help="grade only this source notebook (repeatable; default: all with tests)")
    grade_parser.add_argument("--workers", type=int, default=None,
                              help="notebooks run at once, one worker process and kernel each "
                                   "(default: the number of cores)")
    grade_parser.add_argument("--manual-scores", default=None, metavar="CSV",
                              help="scores of the written answers: student, grade_id, points, comment "
                                   "(default: manual_scores.csv beside --out, when it exists)")
    grade_parser.add_argument("--scheduler", default="local", metavar="ADDR",
                              help="'local' (a Dask LocalCluster, the default), a Dask scheduler address "
                                   "such as tcp://host:8786, or 'none' (no Dask)")
    grade_parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "none"],
                              help="run each kernel in a bubblewrap sandbox: where available (auto, the "
                                   "default), always (bwrap), or never (none)")
    grade_parser.add_argument("--memory", type=float, default=4.0, metavar="GIB",
                              help="memory limit per sandboxed kernel in GiB (default: 4)")
    grade_parser.add_argument("--max-output-bytes", type=int, default=1_000_000,
                              help="output kept per cell (default: 1000000)")
    grade_parser.add_argument("--seed", default=None, metavar="SECRET",
                              help="the term's secret: hidden tests draw their random inputs from it, so "
                                   "inputs known from the public notebooks are not the ones graded (default: "
                                   "the SALIENCY_COURSE_SEED environment variable, which keeps it out of the "
                                   "process list; unset: the inputs the notebooks show)")
    grade_parser.add_argument("--extra-tests", default=None, metavar="DIR",
                              help="folder of private hidden tests: <grade_id>.py files (or notebooks with "
                                   "the course's markup) appended to those test cells for this run")
    grade_parser.add_argument("--similarity", action="store_true",
                              help="after grading, write the similarity report into similarity/ beside --out")
    grade_parser.set_defaults(run=_grade_command)

    collect_parser = commands.add_parser(
        "collect", help="import an LMS's bulk download of submissions into SUBMISSIONS/<student>/",
        description="Copy the notebooks of a Canvas 'Download Submissions' or Moodle 'Download all "
                    "submissions' zip (or the folder it was extracted to) into OUT/<student>/<notebook>.ipynb "
                    "under the course's notebook names, keeping each student's latest resubmission, and write "
                    "OUT/late.csv (student, notebook, late). Files that match no course notebook are listed, "
                    "never copied; files already in OUT that differ are kept unless --force.",
    )
    collect_parser.add_argument("archive", metavar="ZIP", help="the LMS's zip, or the folder it was extracted to")
    collect_parser.add_argument("--out", default="submitted",
                                help="submissions folder, one subfolder per student (default: submitted)")
    collect_parser.add_argument("--lms", default=None, choices=["canvas", "moodle"],
                                help="the LMS that made ZIP (default: recognised from the file names)")
    collect_parser.add_argument("--force", action="store_true",
                                help="overwrite notebooks in --out that differ from the download's")
    collect_parser.set_defaults(run=_collect_command)

    similarity_parser = commands.add_parser(
        "similarity", help="report solutions and written answers that look copied",
        description="Compare every pair of students' solution cells (winnowed token fingerprints, the MOSS "
                    "method) and written answers (word 5-gram shingles), and each student with the reference "
                    "(the instructor solution and the course_lib function the exercise re-implements); write "
                    "OUT/similarity.csv and OUT/similarity.html. SUBMISSIONS holds one folder per student.",
    )
    similarity_parser.add_argument("submissions", metavar="SUBMISSIONS", help="folder with one subfolder per student")
    similarity_parser.add_argument("--source", default=None,
                                   help="folder of source notebooks (default: ./notebooks if present, "
                                        "else the notebooks installed with the package)")
    similarity_parser.add_argument("--out", default="similarity", help="output folder (default: similarity)")
    similarity_parser.add_argument("--threshold", type=float, default=0.3,
                                   help="report pairs of students scoring at least this (default: 0.3)")
    similarity_parser.add_argument("--top", type=int, default=50,
                                   help="matches shown side by side per section of the HTML page (default: 50)")
    similarity_parser.set_defaults(run=_similarity_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as error:
        print(f"saliency-course: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
