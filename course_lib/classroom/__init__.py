"""The classroom machinery: markup checks, student builds, the notebook runner, scoring, reports.

Used by the README's "For instructors" guide, by ``saliency-course student``
and ``saliency-course grade``, and in every exercise's test cell
(:func:`forbid`).  One module a job:

* :mod:`~course_lib.classroom.guard` -- in-kernel: :func:`forbid` keeps the
  reference from standing in for an answer; tamper snapshots for the grader
  (standard library only, cheap to import in a test cell);
* :mod:`~course_lib.classroom.markup` -- nbgrader markup: reading notebooks,
  :func:`check_markup`;
* :mod:`~course_lib.classroom.build` -- student and self-study versions
  (:func:`build_student_version`, nbgrader's preprocessors);
* :mod:`~course_lib.classroom.runner` -- runs one notebook in a fresh kernel
  (nbclient);
* :mod:`~course_lib.classroom.scoring` -- test cells restored, tamper checks,
  points (:func:`grade_notebook`);
* :mod:`~course_lib.classroom.reports` -- gradebook CSVs (per notebook, per
  student), feedback and answer pages, manual scores;
* :mod:`~course_lib.classroom.export` -- the totals written into an LMS's own
  gradebook export, ready to import (:func:`export_grades`);
* :mod:`~course_lib.classroom.collect` -- an LMS's bulk download into the
  ``submitted/<student>/`` layout (:func:`collect_submissions`);
* :mod:`~course_lib.classroom.submissions` -- a whole class
  (:func:`grade_submissions`);
* :mod:`~course_lib.classroom.progress` -- a learner's self-check
  (:func:`progress`, also ``course_lib.progress``);
* :mod:`~course_lib.classroom.term` -- what a term keeps private: the secret
  behind hidden tests' inputs (:func:`hidden_rng`, :func:`hidden_seed`) and
  extra private tests.

This package never imports the course's science modules: it runs notebooks,
it does not know what is in them.  Everything but :mod:`guard` is imported
when first used, so a test cell's ``from course_lib.classroom import forbid``
stays light.
"""

from __future__ import annotations

from importlib import import_module

from course_lib.classroom.guard import ReferenceUsedError, forbid

_LAZY = {
    "check_markup": "markup",
    "build_student_version": "build",
    "student_notebook": "build",
    "grade_notebook": "scoring",
    "NotebookGrade": "scoring",
    "CheckResult": "scoring",
    "collect_submissions": "collect",
    "CollectReport": "collect",
    "export_grades": "export",
    "ExportReport": "export",
    "grade_submissions": "submissions",
    "progress": "progress",
    "hidden_rng": "term",
    "hidden_seed": "term",
}

__all__ = ["ReferenceUsedError", "forbid", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(f"course_lib.classroom.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'course_lib.classroom' has no attribute {name!r}")
