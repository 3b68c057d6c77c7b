"""The ``saliency-course`` command line.

``saliency-course map IMAGE --method lc -o out.png`` writes a saliency map of
an image file or sample as an 8-bit grey PNG.  Methods are looked up in
:data:`course_lib.methods.METHODS` (re-exported here as ``METHODS``).  An
image file is decoded only when its header declares at most
:data:`MAX_MAP_PIXELS`.

``saliency-course init DIR [--force]`` copies the course notebooks and the
app notebook into DIR (:mod:`course_lib.course_files`), keeping any that were
changed there unless ``--force``.

``saliency-course student [--out DIR] [--self-study]`` builds the student
versions of the notebooks and ``saliency-course grade SUBMISSIONS [--out
gradebook.csv] [--timeout S]`` grades submitted notebooks and ``saliency-course
similarity SUBMISSIONS [--out DIR]`` reports solutions that look copied and
``saliency-course collect ZIP --out submitted [--lms canvas|moodle]`` imports
an LMS's bulk download into the folder ``grade`` reads and ``saliency-course
export --lms canvas|moodle --roster EXPORT.csv --out import.csv`` fills the
LMS's gradebook export with the totals and ``saliency-course
progress [NOTEBOOK...] [--folder DIR]`` checks a learner's own notebooks; they
call :mod:`course_lib.classroom`, imported only when used.  Their source
notebooks are ``./notebooks`` when it exists (a clone), else the ones
installed with the package.

Errors name the flag or positional argument the user typed (``--out``,
``SUBMISSIONS``), not the library's parameter: :data:`FLAGS` maps one to the
other in the message of a ``ValueError`` or ``TypeError`` the library raises.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

import course_lib
# The registry lives in course_lib.methods; re-exported so that cli.METHODS and
# cli.resolve_method keep working.
from course_lib.methods import METHODS, resolve_method

__all__ = ["FLAGS", "MAX_MAP_PIXELS", "METHODS", "main", "resolve_method"]

MAX_MAP_PIXELS = 50_000_000
"""Most pixels (width x height) ``map`` decodes: 50 megapixels, about 600 MiB as the float32 RGB the
methods take.  The size is read from the file's header before any decoding, so a small file declaring a
huge image (a 389 KB PNG of 20000 x 20000 zeros) is refused without allocating it."""

FLAGS = {
    "src": "IMAGE", "directory": "DIR", "submissions_dir": "SUBMISSIONS", "archive": "ZIP",
    "source_dir": "--source", "src_dir": "--source", "out_csv": "--out", "out_dir": "--out", "out": "--out",
    "feedback_dir": "--feedback", "notebooks": "--notebook", "folder": "--folder", "timeout": "--timeout",
    "max_output_bytes": "--max-output-bytes", "workers": "--workers", "manual_scores": "--manual-scores",
    "scheduler": "--scheduler", "sandbox": "--sandbox", "seed": "--seed", "extra_tests": "--extra-tests",
    "threshold": "--threshold", "top": "--top", "lms": "--lms", "force": "--force",
}
"""The library's parameter -> the flag or positional argument that sets it, named in the command line's errors.
``memory`` is not here: the library counts bytes and ``--memory`` GiB, so ``grade`` checks it itself."""

_POSITIONALS = {"image": "IMAGE", "directory": "DIR", "submissions": "SUBMISSIONS", "archive": "ZIP",
                "notebooks": "NOTEBOOK"}
"""The parsed arguments that are positional (the rest are ``--dest-with-dashes``), for errors about their paths."""


def _check_declared_size(image: str) -> None:
    """Refuse an image file whose header declares more than :data:`MAX_MAP_PIXELS`, before decoding it.

    Pillow's ``Image.open`` reads the header only (OpenCV cannot).  A file
    Pillow does not recognise (OpenEXR, Radiance HDR) is left to OpenCV and
    its own limit of 2**30 pixels.
    """
    if not Path(image).is_file():
        return  # a sample name, or no file: load_image says which
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    # Pillow's decompression-bomb check refuses sizes above twice its limit with a pixel count only; it is
    # lifted while the header is read (this command runs one thread) so that the error can give width x height
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(image) as opened:
            width, height = opened.size
    except OSError:  # UnidentifiedImageError is one
        return
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    if width * height > MAX_MAP_PIXELS:
        raise ValueError(f"IMAGE {image!r} declares {width}x{height} pixels ({width * height / 1e6:.0f} megapixels), "
                         f"more than the {MAX_MAP_PIXELS / 1e6:.0f} megapixels that map decodes: scale it down first")


def _map_command(args: argparse.Namespace) -> int:
    import cv2

    from course_lib import images

    _check_declared_size(args.image)
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
    from course_lib.classroom import grade_submissions
    from course_lib.classroom.term import ENVIRONMENT_VARIABLE

    seed = args.seed if args.seed is not None else (os.environ.get(ENVIRONMENT_VARIABLE) or None)
    if seed is not None and not seed.strip():
        raise ValueError("--seed must not be empty: choose a secret for the term (any text)")
    # checked here, in the flags' own terms: the library counts memory in bytes and takes None, not 'none'
    if not (math.isfinite(args.memory) and args.memory >= 0.125):
        raise ValueError(f"--memory must be at least 0.125 (GiB, that is 128 MiB), got {args.memory:g}")
    if args.scheduler not in ("local", "none") and "://" not in args.scheduler:
        raise ValueError(f"--scheduler must be 'local', 'none' or an address like tcp://host:8786, "
                         f"got {args.scheduler!r}")
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


def _print_lists(sections: Sequence[tuple[Sequence[Any], str, Callable[[Any], str]]]) -> None:
    """Each non-empty ``(rows, title, line)``: "N title:", then one indented line per row."""
    for rows, title, line in sections:
        if rows:
            print(f"{len(rows)} {title}:")
            for row in rows:
                print(f"  {line(row)}")


def _collect_command(args: argparse.Namespace) -> int:
    from course_lib.classroom.collect import LATE_NAME, collect_submissions

    names = None
    if args.source is not None:  # the names to restore are those of these source notebooks
        folder = Path(args.source)
        if not folder.is_dir():
            raise ValueError(f"--source must be a folder of notebooks, got {args.source!r}")
        names = sorted(path.name for path in folder.glob("*.ipynb"))
    report = collect_submissions(args.archive, args.out, lms=args.lms, force=args.force, notebooks=names)
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
    _print_lists(sections)
    return 0


def _progress_command(args: argparse.Namespace) -> int:
    from course_lib.classroom.progress import progress

    progress(*args.notebooks, folder=args.folder, timeout=args.timeout, use_cache=not args.no_cache)
    return 0


def _export_command(args: argparse.Namespace) -> int:
    from course_lib.classroom.export import export_grades

    report = export_grades(args.gradebook, args.roster, args.out, lms=args.lms, assignment=args.assignment)
    new = f" (a new column: {report.lms.capitalize()} creates it on import)" if report.created else ""
    print(f"wrote {args.out}: {len(report.written)} student(s) in column {report.column!r}{new}")
    sections = [
        (report.unmatched_students, f"student(s) of {args.gradebook} not written",
         lambda row: f"{row[0]}: {row[1]}"),
        (report.unmatched_roster, f"student(s) of {args.roster} with no grade (not written)", str),
        (report.pending, "student(s) written with written answers not scored yet (their total will rise)", str),
    ]
    _print_lists(sections)
    return 0


def _similarity_command(args: argparse.Namespace) -> int:
    from course_lib.classroom.similarity import REFERENCE, similarity_report

    matches = similarity_report(args.submissions, source_dir=_source_folder(args.source), out_dir=args.out,
                                threshold=args.threshold, top=args.top)
    pairs = sum(m.student_b != REFERENCE for m in matches)
    print(f"wrote {Path(args.out) / 'similarity.csv'} ({pairs} pair(s) of students scoring >= {args.threshold:g}, "
          f"{len(matches) - pairs} row(s) against the reference) and {Path(args.out) / 'similarity.html'}")
    return 0


def _fixations_command(args: argparse.Namespace) -> int:
    from course_lib.fixations import class_dataset

    report = class_dataset(args.submissions, args.out, sigma=args.sigma, keep_names=args.names,
                           methods=args.method)
    print(f"{len(report.viewers)} student folder(s) -> {args.out}/fixations.csv, consistency.csv, scores.csv")
    for row in report.consistency:
        ceiling = row["inter_observer_auc"]
        print(f"{row['image']}: {row['viewers']} viewer(s), {row['clicks']} fixated pixel(s), inter-observer AUC "
              + (f"{ceiling:.3f}" if isinstance(ceiling, float) else "n/a (fewer than two viewers)"))
        for score in (s for s in report.scores if s["image"] == row["image"]):
            if isinstance(score["auc_judd"], float):
                print(f"  {score['method']:<26} AUC-Judd {score['auc_judd']:.3f}  NSS {score['nss']:.2f}")
    for line in report.skipped:
        print(f"skipped {line}")
    return 0


def _eye_tracking_command(args: argparse.Namespace) -> int:
    from course_lib import eye_tracking

    args.flags["folder"] = "--mit1003" if args.mit1003 else "--cat2000"  # the reader's errors name its folder
    if args.pysaliency and not args.location:
        raise ValueError("--pysaliency needs --location, the folder pysaliency caches the data set in")
    if args.category and not args.cat2000:
        raise ValueError("--category selects CAT2000 categories: give it with --cat2000")
    if args.limit is not None and args.pysaliency:
        raise ValueError("--limit reads part of a data set's own files: not with --pysaliency")
    if args.mit1003:
        data = eye_tracking.read_mit1003(args.mit1003, limit=args.limit)
    elif args.cat2000:
        data = eye_tracking.read_cat2000(args.cat2000, categories=args.category, limit=args.limit)
    else:
        data = eye_tracking.load_pysaliency(args.pysaliency, args.location)
    consistency, scores = eye_tracking.score_data(data, args.out, max_side=args.max_side, sigma=args.sigma,
                                                  methods=args.method)
    viewers = sorted({r.viewer for r in data.recordings})
    print(f"{data.source}: {len(consistency)} image(s) scored, {len(viewers)} viewer(s) "
          f"-> {args.out}/consistency.csv, scores.csv")
    ceilings = [row["inter_observer_auc"] for row in consistency if isinstance(row["inter_observer_auc"], float)]
    print(f"inter-observer AUC-Judd (the ceiling): {np.mean(ceilings):.3f} over {len(ceilings)} image(s)" if ceilings
          else "inter-observer AUC-Judd: n/a (the files pool every viewer)")
    print(f"{'method':<26} {'AUC-Judd':>8} {'NSS':>6}  images")
    for method in dict.fromkeys(row["method"] for row in scores):
        rows = [row for row in scores if row["method"] == method and isinstance(row["auc_judd"], float)]
        if rows:
            print(f"{method:<26} {np.mean([r['auc_judd'] for r in rows]):8.3f} "
                  f"{np.mean([r['nss'] for r in rows]):6.2f}  {len(rows)}")
    for line in data.skipped:
        print(f"skipped {line}")
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
                              help="grade only this source notebook, by number (00, 05b) or file name "
                                   "(repeatable; default: all with tests); the gradebook, totals and pages "
                                   "then cover these alone")
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
    collect_parser.add_argument("--source", default=None,
                                help="folder of source notebooks whose names are restored (default: the course's)")
    collect_parser.set_defaults(run=_collect_command)

    export_parser = commands.add_parser(
        "export", help="write the grades as a CSV the LMS imports, from the LMS's own gradebook export",
        description="Fill the LMS's gradebook export (--roster) with each student's total from "
                    "gradebook_by_student.csv and write it to --out, ready for the LMS's grade import: the "
                    "columns that identify students, Canvas's Points Possible row, and one grade column "
                    "(--assignment, or a new 'saliency-course' column). Students are matched by the Canvas "
                    "user id that ends the folder name (Canvas) or by name, email address or username "
                    "(Moodle); those matched by nothing are listed and never written.",
    )
    export_parser.add_argument("--lms", required=True, choices=["canvas", "moodle"],
                               help="the LMS that made --roster")
    export_parser.add_argument("--roster", required=True, metavar="EXPORT.csv",
                               help="the LMS's gradebook export (Canvas: Grades > Export; Moodle: Grades > "
                                    "Export > Plain text file)")
    export_parser.add_argument("--gradebook", default="grading/gradebook_by_student.csv", metavar="CSV",
                               help="the grader's per-student table (default: grading/gradebook_by_student.csv)")
    export_parser.add_argument("--assignment", default=None, metavar="NAME",
                               help="the grade column to fill: its name or a part of it (default: the column "
                                    "named saliency-course, created when the export has none)")
    export_parser.add_argument("--out", required=True, metavar="CSV", help="the CSV to import into the LMS")
    export_parser.set_defaults(run=_export_command, flags={
        "gradebook_by_student": "--gradebook", "roster": "--roster", "assignment": "--assignment"})

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

    progress_parser = commands.add_parser(
        "progress", help="check which exercises of your notebooks pass (a learner's self-check)",
        description="Run your notebooks headless in fresh kernels, each with the tests it holds (the "
                    "instructor's hidden tests may still find something), and print which exercises pass. "
                    "The notebooks are checked as saved on disk: save them first. Only notebooks changed "
                    "since the last check run again (the cache is .course_progress.json in --folder).",
    )
    progress_parser.add_argument("notebooks", metavar="NOTEBOOK", nargs="*",
                                 help="a notebook's number (00, 05b), name or file (default: every notebook "
                                      "of --folder)")
    progress_parser.add_argument("--folder", default=".", metavar="DIR",
                                 help="folder of your notebooks (default: the current folder)")
    progress_parser.add_argument("--timeout", type=float, default=120.0,
                                 help="seconds one cell may run (default: 120)")
    progress_parser.add_argument("--no-cache", action="store_true",
                                 help="run every notebook again, changed or not")
    progress_parser.set_defaults(run=_progress_command, flags={"notebooks": "NOTEBOOK"})

    fixations_parser = commands.add_parser(
        "fixations", help="gather the class's BubbleView clicks into one data set and score the methods on it",
        description="Pool the BubbleView recordings of each student folder of SUBMISSIONS (kept in the outputs of "
                    "the submitted notebooks, and any clicks CSV: image, viewer, x, y, t_ms), anonymised, into "
                    "OUT/fixations.csv; write OUT/consistency.csv (per image: viewers and the leave-one-out "
                    "inter-observer AUC-Judd and NSS) and OUT/scores.csv (per image, method and the centre prior: "
                    "AUC-Judd and NSS on each viewer's clicks, averaged).",
    )
    fixations_parser.add_argument("submissions", metavar="SUBMISSIONS", help="folder with one subfolder per student")
    fixations_parser.add_argument("--out", default="fixations", help="output folder (default: fixations)")
    fixations_parser.add_argument("--sigma", type=float, default=None,
                                  help="blur in pixels of the other viewers' clicks in the inter-observer baseline "
                                       "(default: 1/16 of the image's shorter side)")
    fixations_parser.add_argument("--names", action="store_true",
                                  help="keep the student folder names instead of viewer-01, viewer-02, ...")
    fixations_parser.add_argument("--method", action="append", default=None, choices=sorted(METHODS),
                                  help="score only this method (repeatable; default: all)")
    fixations_parser.set_defaults(run=_fixations_command)

    eye_parser = commands.add_parser(
        "eye-tracking", help="score the course's methods on a real eye-tracking data set you have on disk",
        description="Read MIT1003 (ALLSTIMULI/ and ALLFIXATIONMAPS/) or the CAT2000 training set (Stimuli/ and "
                    "FIXATIONLOCS/) from their own files, or a data set through pysaliency (optional, not "
                    "installed by the course), and write OUT/consistency.csv (per image: viewers, fixated "
                    "pixels, and the inter-observer AUC-Judd and NSS when there are several viewers) and "
                    "OUT/scores.csv (per image and method, the centre prior included: AUC-Judd and NSS); "
                    "prints each method's mean.",
    )
    source = eye_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--mit1003", metavar="DIR", help="MIT1003's folder")
    source.add_argument("--cat2000", metavar="DIR", help="CAT2000's trainSet folder")
    source.add_argument("--pysaliency", choices=["MIT1003", "CAT2000_train"],
                        help="load this data set through pysaliency (needs --location)")
    eye_parser.add_argument("--location", metavar="DIR",
                            help="pysaliency's cache folder (downloaded there on first use; needs MATLAB or Octave)")
    eye_parser.add_argument("--category", action="append", default=None,
                            help="CAT2000 category to read (repeatable; default: all; --cat2000 only)")
    eye_parser.add_argument("--limit", type=int, default=None,
                            help="read at most this many images (per category for CAT2000; not with --pysaliency)")
    eye_parser.add_argument("--max-side", type=int, default=512,
                            help="score images shrunk to at most this many pixels a side (default: 512)")
    eye_parser.add_argument("--out", default="eye-tracking", help="output folder (default: eye-tracking)")
    eye_parser.add_argument("--sigma", type=float, default=None,
                            help="blur in pixels of the other viewers' fixations in the inter-observer baseline "
                                 "(default: 1/16 of the shrunk image's shorter side; no effect on MIT1003's and "
                                 "CAT2000's own files, which merge their viewers)")
    eye_parser.add_argument("--method", action="append", default=None, choices=sorted(METHODS),
                            help="score only this method (repeatable; default: all)")
    eye_parser.set_defaults(run=_eye_tracking_command,
                            flags={"limit": "--limit", "max_side": "--max-side", "categories": "--category",
                                   "sigma": "--sigma", "location": "--location", "dataset": "--pysaliency"})
    return parser


def _name_flags(message: str, flags: dict[str, str]) -> str:
    """``message`` with the library's parameter names written as the command line's flags.

    A name with an underscore (``out_csv``) is no English word: it is
    replaced wherever it stands outside a path or a quote.  A plain one
    (``out``, ``timeout``) only where the message opens with it, as the
    library's messages do.  ``name (--flag)``, as some messages already
    say, becomes the flag alone.
    """
    named = r"(?: \((?:--[a-z-]+|[A-Z]+)\))?"

    def flag(found: re.Match[str]) -> str:
        return flags.get(found[1], found[0])

    message = re.sub(rf"(?<![\w/\\.'\"-])([a-z]+_[a-z_]+)\b{named}", flag, message)
    return re.sub(rf"^([a-z]+)\b{named}(?=[\s:=,]|$)", flag, message)


def _path_flag(error: OSError, args: argparse.Namespace) -> str:
    """``error`` as ``--feedback 'grading/feedback': File exists`` when its file is a path the user gave, is
    inside it, or is beside a file the user gave (``--out grading/gradebook.csv``: ``grading/.results``)."""
    if error.filename is None:
        return str(error)
    failed = Path(os.fsdecode(error.filename)).absolute()
    for dest, value in vars(args).items():
        if not isinstance(value, str) or not value or dest == "seed":  # the term's secret is never printed
            continue
        given = Path(value).absolute()
        folders = {given} | ({given.parent} - {Path.cwd()} if given.suffix else set())
        if failed in folders or folders & set(failed.parents):
            where = "" if failed == given else f" ({os.fsdecode(error.filename)})"
            return f"{_POSITIONALS.get(dest, '--' + dest.replace('_', '-'))} {value!r}: {error.strerror}{where}"
    return str(error)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as error:
        flags = {**FLAGS, **getattr(args, "flags", {})}
        message = _path_flag(error, args) if isinstance(error, OSError) else _name_flags(str(error), flags)
        print(f"saliency-course: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
