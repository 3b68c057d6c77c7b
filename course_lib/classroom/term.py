"""What a term keeps to itself: the secret behind the hidden tests' inputs, and private extra tests.

The course is public, hidden tests included (the instructor notebooks are in
the repository), so a student could run them beforehand and hard-code what
they check.  Two things an instructor keeps off the repository close that door:

* **A term secret** (``saliency-course grade --seed SECRET`` or the
  ``SALIENCY_COURSE_SEED`` environment variable).  Hidden tests draw their
  random inputs through :func:`hidden_rng` and :func:`hidden_seed`; without a
  secret these give what ``numpy.random.default_rng(n)`` and ``n`` give (the
  committed notebooks, a learner's self-check), with one they give other
  inputs, derived from the secret with SHA-256.  The secret reaches only the
  grader's test kernel, as a digest (:func:`term_key`), in a cell the grader
  adds; never the student's kernel, the gradebook or the feedback.
* **Extra tests** (``--extra-tests DIR``): private hidden tests per
  ``grade_id``, appended to that exercise's test cell at grading time
  (:func:`read_extra_tests`, :func:`add_extra_tests`), inside a hidden-tests
  region, so that feedback never quotes them.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from nbformat import NotebookNode

__all__ = ["ENVIRONMENT_VARIABLE", "add_extra_tests", "hidden_rng", "hidden_seed", "read_extra_tests",
           "term_key", "use_term_key"]

ENVIRONMENT_VARIABLE = "SALIENCY_COURSE_SEED"
"""Where ``saliency-course grade`` looks for the term secret when ``--seed`` is not given."""

_KEY = re.compile(r"[0-9a-f]{64}")
_term_key = ""  # set in the grader's test kernel only, by use_term_key


def term_key(secret: str) -> str:
    """The digest of a term secret that the grader's test kernel receives (64 hex digits).

    Parameters
    ----------
    secret : str
        The instructor's secret: any non-empty text (a passphrase).

    Examples
    --------
    >>> term_key("spring 2027")[:12]
    '0cdf5ff95a17'
    """
    if not isinstance(secret, str):
        raise TypeError(f"seed must be text (the term's secret), got {type(secret).__name__}")
    if not secret.strip():
        raise ValueError("seed must not be empty: choose a secret for the term (any text)")
    return hashlib.sha256(b"saliency-course hidden inputs\0" + secret.encode("utf-8")).hexdigest()


def use_term_key(key: str) -> None:
    """Make this kernel's :func:`hidden_rng` and :func:`hidden_seed` follow ``key`` ("" for none).

    Called by the grader in its test kernel (a cell it adds before the tests);
    a call in the student's own kernel changes nothing the grader sees.
    """
    global _term_key
    if not isinstance(key, str) or not (key == "" or _KEY.fullmatch(key)):
        raise ValueError("key must be a digest made by term_key(secret), or '' for none")
    _term_key = key


def hidden_seed(stream: int) -> int:
    """Seed number ``stream`` of this term: ``stream`` itself without a term secret, else a number
    in [0, 2**31) drawn from the secret (SHA-256 of the key and ``stream``).

    Hidden tests pass it where a course function takes a seed (``stimuli.search_array(...,
    seed=hidden_seed(7))``, ``torch.manual_seed(hidden_seed(2))``).

    Examples
    --------
    >>> hidden_seed(7)
    7
    """
    if isinstance(stream, bool) or not isinstance(stream, int) or stream < 0:
        raise ValueError(f"stream must be an integer >= 0, got {stream!r}")
    if not _term_key:
        return stream
    digest = hashlib.sha256(f"{_term_key}:{stream}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF  # 31 bits: every seed argument accepts it


def hidden_rng(stream: int) -> "np.random.Generator":
    """The random generator number ``stream`` of this term: ``numpy.random.default_rng(hidden_seed(stream))``.

    Without a term secret it is ``numpy.random.default_rng(stream)``, so a hidden
    test written with it checks the same inputs as before it used it.

    Examples
    --------
    >>> int(hidden_rng(3).integers(0, 1000)) == int(__import__("numpy").random.default_rng(3).integers(0, 1000))
    True
    """
    import numpy as np

    return np.random.default_rng(hidden_seed(stream))


def read_extra_tests(folder: str | os.PathLike[str]) -> dict[str, str]:
    """An instructor's private tests, by ``grade_id``, from ``folder``.

    ``folder`` holds ``<grade_id>.py`` files (the code to append to that test
    cell) and/or notebooks whose code cells carry nbgrader metadata with the
    ``grade_id`` of the test cell they extend (the course's own markup).  The
    code may use everything the test cell defined (its proxies, helpers).

    Raises
    ------
    ValueError
        If ``folder`` is not a folder, holds no tests, names a ``grade_id`` twice,
        or a file is not UTF-8 text.
    """
    from course_lib.classroom.markup import grade_id, read_notebook

    path = Path(os.fspath(folder))
    if not path.is_dir():
        raise ValueError(f"--extra-tests must be a folder, got {str(path)!r}")
    extras: dict[str, str] = {}

    def add(identifier: str, code: str, where: str) -> None:
        if identifier in extras:
            raise ValueError(f"--extra-tests names grade_id {identifier!r} twice (again in {where})")
        extras[identifier] = code

    for file in sorted(path.iterdir()):
        if file.suffix == ".py" and file.is_file():
            try:
                add(file.stem, file.read_text(encoding="utf-8"), file.name)
            except UnicodeDecodeError:
                raise ValueError(f"--extra-tests file {file.name!r} is not UTF-8 text") from None
        elif file.suffix == ".ipynb" and file.is_file():
            for cell in read_notebook(file).cells:
                if cell.cell_type == "code" and grade_id(cell):
                    add(grade_id(cell), cell.source, file.name)
    if not extras:
        raise ValueError(f"--extra-tests folder {str(path)!r} holds no <grade_id>.py file and no notebook "
                         "with tests")
    return extras


def add_extra_tests(source: "NotebookNode", extras: dict[str, str]) -> tuple["NotebookNode", list[str]]:
    """A copy of ``source`` with each extra test appended to the test cell of its ``grade_id``.

    The extra code goes inside a hidden-tests region of its own (markers already
    in it are dropped), so feedback never quotes it and student builds never
    hold it.  Returns the copy and the ``grade_id`` s of ``extras`` that are not
    test cells of ``source`` (for another notebook, or misspelt).
    """
    from course_lib.classroom.markup import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, grade_id, is_test

    extended = copy.deepcopy(source)
    used = set()
    for cell in extended.cells:
        identifier = grade_id(cell)
        if is_test(cell) and cell.cell_type == "code" and identifier in extras:
            code = "\n".join(line for line in extras[identifier].split("\n")
                             if BEGIN_HIDDEN_TESTS not in line and END_HIDDEN_TESTS not in line)
            cell.source = f"{cell.source.rstrip()}\n### {BEGIN_HIDDEN_TESTS}\n{code.strip()}\n### {END_HIDDEN_TESTS}"
            used.add(identifier)
    return extended, sorted(set(extras) - used)
