"""Similarity report for a graded class: which solutions look copied, and from where.

Used by ``saliency-course similarity`` (README, "For instructors", "Similarity").

**Method** (the one MOSS uses): Schleimer, Wilkerson & Aiken (2003), "Winnowing:
local algorithms for document fingerprinting", SIGMOD, doi:10.1145/872757.872770.

1. *Normalise.* Each solution cell is split into tokens with Python's
   :mod:`tokenize`; comments, docstrings (a statement that is only a string),
   blank lines and indentation are dropped; identifiers become ``ID`` except
   keywords, builtins and attribute names (``.astype``, ``.ravel``: renaming
   a variable changes none of them); numbers become ``NUM``, strings ``STR``.
2. *k-grams and winnowing.* The hashes of the k-grams of :data:`KGRAM` tokens
   are winnowed with a window of :data:`WINDOW` k-grams (the rightmost
   minimum of each window is kept), so any match of ``KGRAM + WINDOW - 1``
   tokens or more is found.  **Departure from the paper:** k-grams never cross
   a logical line, and each line is winnowed on its own, so the fingerprint
   set does not change when statements are reordered (the issue asks for a
   score of 1 up to "the order of independent statements"); a line shorter
   than ``KGRAM`` tokens is one k-gram when it has at least
   :data:`MIN_SHORT_LINE` tokens.
3. *Exclusions.* The fingerprints of the student version of the cell (the
   ``def`` line and nbgrader's stub) and of the code the student notebook
   shows elsewhere (its other cells and visible tests: MOSS's ``-b`` base
   file) are removed, so two untouched stubs do not match; so are fingerprints that more than :data:`COMMON_SHARE` of the
   students share (MOSS's ``-m``): code everyone writes is no evidence.
4. *Score.* ``|A ∩ B| / max(min(|A|, |B|), MIN_FINGERPRINTS)`` (containment of
   the smaller set, not Jaccard: a copy padded with extra code still scores
   near 1; the floor keeps a two-fingerprint solution from scoring 1 by
   chance).  Only pairs that share a fingerprint are scored, through an
   inverted index from fingerprint to students.

Each student's solution is also compared with the *reference* (``student_b``
is ``reference``): the instructor solution of the source notebook, and the
source of each ``course_lib`` function the exercise's test cells block with
``forbid(...)`` (read from the module file with :mod:`ast`, not imported; the
classroom never imports the science).  The row has the best of these scores.

Written answers are compared as text: word 5-gram shingles (lower-cased),
Jaccard similarity, the stub "YOUR ANSWER HERE" removed; the reference is the
sample answer.
"""

from __future__ import annotations

import ast
import builtins
import csv
import hashlib
import html
import importlib.util
import io
import json
import keyword
import os
import re
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable

from course_lib.classroom.markup import (
    TEXT_STUB, as_path, grade_id, is_answer, is_solution, is_test, notebook_paths, split_rubric,
)
from course_lib.classroom.pristine import parse_source
from course_lib.classroom.submissions import read_submission

KGRAM = 5
"""Tokens per k-gram (the paper's k)."""
WINDOW = 4
"""k-grams per winnowing window (the paper's w); matches of KGRAM + WINDOW - 1 = 8 tokens are always found."""
MIN_SHORT_LINE = 3
"""A line shorter than KGRAM tokens counts as one k-gram when it has at least this many tokens."""
MIN_FINGERPRINTS = 4
"""Floor of the score's denominator."""
COMMON_SHARE = 0.2
"""Fingerprints held by more than this share of the students (and by more than 10) are ignored."""
SHINGLE = 5
"""Words per shingle of a written answer."""
THRESHOLD = 0.3
"""Pairs of students scoring at least this are reported (reference rows always are)."""
TOP_PAIRS = 50
"""Pairs shown side by side in the HTML page."""
REFERENCE = "reference"
COLUMNS = ("notebook", "grade_id", "student_a", "student_b", "score")

_BUILTINS = frozenset(dir(builtins))
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
         tokenize.ENDMARKER}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------
# Code fingerprints
# ---------------------------------------------------------------------------

def _hash(text: str) -> int:
    # a stable hash (Python's hash() of str is salted per process)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def normalized_lines(code: str) -> list[tuple[int, list[str]]]:
    """``(line number, normalised tokens)`` for each logical line of ``code`` (1-based line numbers).

    Code that does not tokenise (a syntax error) is read up to the error.

    Examples
    --------
    >>> normalized_lines("total = len(xs)  # count\\nmean = total / xs.size")
    [(1, ['ID', '=', 'len', '(', 'ID', ')']), (2, ['ID', '=', 'ID', '/', 'ID', '.', 'size'])]
    """
    lines: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    previous = ""
    fstring_depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            kind, text = token.type, token.string
            if _FSTRING_START is not None and kind == _FSTRING_START:
                fstring_depth += 1
                continue
            if _FSTRING_END is not None and kind == _FSTRING_END:
                fstring_depth -= 1
                if fstring_depth == 0:
                    current.append("STR")
                    start = start or token.start[0]
                continue
            if fstring_depth or kind in _SKIP:
                continue
            if kind == tokenize.NEWLINE:
                if current and current != ["STR"]:  # a line that is only a string is a docstring
                    lines.append((start, current))
                current, previous = [], ""
                continue
            if not current:
                start = token.start[0]
            if kind == tokenize.NAME:
                normal = text if (keyword.iskeyword(text) or text in _BUILTINS or previous == ".") else "ID"
            elif kind == tokenize.NUMBER:
                normal = "NUM"
            elif kind == tokenize.STRING:
                normal = "STR"
            else:
                normal = text
            current.append(normal)
            previous = text
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if current and current != ["STR"]:
        lines.append((start, current))
    return lines


def fingerprints(code: str) -> dict[int, set[int]]:
    """The winnowed fingerprints of ``code``: ``{hash: source line numbers}``.

    Each logical line is winnowed on its own (see the module notes), so the
    result does not depend on the order of the lines.

    Examples
    --------
    >>> a = fingerprints("x = np.abs(a - b).sum(axis=1)\\ny = x.reshape(shape)")
    >>> b = fingerprints("out = img.reshape(s)\\nd = np.abs(p - q).sum(axis=1)")
    >>> set(a) == set(b)
    True
    """
    found: dict[int, set[int]] = defaultdict(set)
    for number, tokens in normalized_lines(code):
        if len(tokens) < KGRAM:
            if len(tokens) >= MIN_SHORT_LINE:
                found[_hash(" ".join(tokens))].add(number)
            continue
        grams = [_hash(" ".join(tokens[i:i + KGRAM])) for i in range(len(tokens) - KGRAM + 1)]
        if len(grams) <= WINDOW:
            found[min(grams)].add(number)
            continue
        for i in range(len(grams) - WINDOW + 1):
            window = grams[i:i + WINDOW]
            found[min(window)].add(number)  # the set of hashes: which of equal minima is kept does not matter
    return dict(found)


def shingles(text: str) -> set[int]:
    """Hashes of the word ``SHINGLE``-grams of ``text`` (lower-cased), without the answer stub's.

    >>> len(shingles("one two three four five six"))
    2
    """
    words = _WORD.findall(text.lower())
    found = {_hash(" ".join(words[i:i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)}
    if len(words) < SHINGLE and len(words) >= 2:
        found = {_hash(" ".join(words))}
    return found - _STUB_SHINGLES


_STUB_SHINGLES: set[int] = set()
_STUB_SHINGLES = shingles(TEXT_STUB)


def containment(a: Iterable[int], b: Iterable[int]) -> float:
    """``|A ∩ B| / max(min(|A|, |B|), MIN_FINGERPRINTS)``, in [0, 1]."""
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / max(min(len(a), len(b)), MIN_FINGERPRINTS)


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    """``|A ∩ B| / |A ∪ B|``, 0 for two empty sets."""
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


# ---------------------------------------------------------------------------
# Reading the exercises
# ---------------------------------------------------------------------------

def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _light_cells(data: bytes | str) -> list[dict[str, Any]]:
    """The cells of a notebook: plain JSON (no nbformat validation, which is slow on 300 × N files)."""
    nb = json.loads(data)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook: it has no list of cells")
    return [cell for cell in cells if isinstance(cell, dict)]


def _exercise_texts(cells: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """``({grade_id: solution cell source}, {grade_id: written answer text})``."""
    code, text = {}, {}
    for cell in cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if is_solution(cell) and cell.get("cell_type") == "code":
            code[gid] = _cell_source(cell)
        elif is_answer(cell):
            text[gid] = _cell_source(cell)
    return code, text


def _student_version(path: Path) -> tuple[set[int], dict[str, str]]:
    """What the student version of a source notebook shows (:func:`~course_lib.classroom.build.student_notebook`).

    Returns the fingerprints of all its code (MOSS's ``-b`` base file: code the
    notebook hands out, a visible test's ``start = time.perf_counter()``, is no
    evidence of copying) and each exercise's stub by grade id.
    """
    import nbformat

    from course_lib.classroom.build import student_notebook

    handed_out = student_notebook(nbformat.read(path, as_version=4))
    base: set[int] = set()
    stubs: dict[str, str] = {}
    for cell in handed_out.cells:
        if cell.cell_type != "code":
            continue
        base |= set(fingerprints(cell.source))
        if is_solution(cell) and grade_id(cell):
            stubs[grade_id(cell)] = cell.source
    return base, stubs


def _forbidden_functions(cells: list[dict[str, Any]]) -> dict[str, list[str]]:
    """``{solution grade_id: ["module.function", ...]}`` from the ``forbid(...)`` calls of its test cells."""
    found: dict[str, list[str]] = {}
    current = None
    for cell in cells:
        if is_solution(cell):
            current = grade_id(cell)
            found.setdefault(current, [])
        elif is_test(cell) and current is not None:
            try:
                tree = parse_source(_cell_source(cell))
            except SyntaxError:
                continue
            modules = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "course_lib":
                    modules.update({alias.asname or alias.name: alias.name for alias in node.names})
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "forbid":
                    for arg in node.args:
                        if (isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                                and arg.value.id in modules):
                            name = f"{modules[arg.value.id]}.{arg.attr}"
                            if name not in found[current]:
                                found[current].append(name)
    return found


_MODULE_TREES: dict[str, tuple[str, ast.Module] | None] = {}


def function_source(qualified: str) -> str | None:
    """The source of ``course_lib.<module>.<function>`` read from its file (not imported), or None."""
    module, _, name = qualified.rpartition(".")
    if module not in _MODULE_TREES:
        try:
            spec = importlib.util.find_spec(f"course_lib.{module}")
            text = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else None
            _MODULE_TREES[module] = (text, parse_source(text)) if text else None
        except (ImportError, OSError, SyntaxError, ValueError):
            _MODULE_TREES[module] = None
    entry = _MODULE_TREES[module]
    if entry is None:
        return None
    text, tree = entry
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return ast.get_source_segment(text, node)
    return None


@dataclass
class _Exercise:
    notebook: str
    grade_id: str
    kind: str  # "code" or "text"
    stub: set[int] = field(default_factory=set)
    references: dict[str, str] = field(default_factory=dict)  # label -> text
    sources: dict[str, str] = field(default_factory=dict)  # student -> text


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """One row of the report, with what the HTML page needs."""

    notebook: str
    grade_id: str
    student_a: str
    student_b: str
    score: float
    kind: str
    text_a: str
    text_b: str
    label_b: str
    lines_a: frozenset[int]
    lines_b: frozenset[int]


def _features(text: str, kind: str) -> dict[int, set[int]]:
    if kind == "code":
        return fingerprints(text)
    return {h: set() for h in shingles(text)}


def _score(a: set[int], b: set[int], kind: str) -> float:
    return containment(a, b) if kind == "code" else jaccard(a, b)


def _match(exercise: _Exercise, a: str, b: str, text_b: str, label_b: str, fa: dict[int, set[int]],
           fb: dict[int, set[int]], score: float) -> Match:
    shared = set(fa) & set(fb)
    return Match(exercise.notebook, exercise.grade_id, a, b, round(score, 4), exercise.kind,
                 exercise.sources[a], text_b, label_b,
                 frozenset(n for h in shared for n in fa[h]), frozenset(n for h in shared for n in fb[h]))


def _compare(exercise: _Exercise, threshold: float) -> list[Match]:
    kind = exercise.kind
    features = {s: _features(t, kind) for s, t in exercise.sources.items()}
    for fp in features.values():
        for h in exercise.stub:
            fp.pop(h, None)
    sets = {s: set(fp) for s, fp in features.items()}
    matches = []
    # reference rows, on the sets before the common-code filter (what everyone copies from the
    # reference is exactly what this row is for)
    references = {label: _features(text, kind) for label, text in exercise.references.items()}
    for fp in references.values():
        for h in exercise.stub:
            fp.pop(h, None)
    for student, own in sets.items():
        if not own:
            continue
        best = max(((_score(own, set(fp), kind), label) for label, fp in references.items()), default=None)
        if best is not None:
            score, label = best
            matches.append(_match(exercise, student, REFERENCE, exercise.references[label], label,
                                  features[student], references[label], score))
    # the inverted index: fingerprint -> students, without the code most students share
    index: dict[int, list[str]] = defaultdict(list)
    for student, own in sets.items():
        for h in own:
            index[h].append(student)
    limit = max(10, COMMON_SHARE * len(sets))
    common = {h for h, holders in index.items() if len(holders) > limit}
    if common:
        sets = {s: own - common for s, own in sets.items()}
    shared: Counter[tuple[str, str]] = Counter()
    for h, holders in index.items():
        if h in common or len(holders) < 2:
            continue
        for pair in combinations(sorted(holders), 2):
            shared[pair] += 1
    for (a, b), count in shared.items():
        if kind == "code":
            score = count / max(min(len(sets[a]), len(sets[b])), MIN_FINGERPRINTS)
        else:
            score = count / len(sets[a] | sets[b])
        if score >= threshold:
            fa = {h: v for h, v in features[a].items() if h not in common}
            fb = {h: v for h, v in features[b].items() if h not in common}
            matches.append(_match(exercise, a, b, exercise.sources[b], b, fa, fb, score))
    return matches


def _exercises(submissions: Path, source_folder: Path) -> list[_Exercise]:
    sources = notebook_paths(source_folder, name="source_dir")
    students = sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        raise ValueError(f"submissions_dir {str(submissions)!r} has no student folders")
    exercises: list[_Exercise] = []
    for path in sources:
        try:
            cells = _light_cells(path.read_bytes())
        except (ValueError, OSError) as error:
            raise ValueError(f"source_dir notebook {path.name} cannot be read: {error}") from error
        code, text = _exercise_texts(cells)
        if not code and not text:
            continue
        forbidden = _forbidden_functions(cells)
        base, stubs = _student_version(path)
        found: dict[str, _Exercise] = {}
        for gid, source in code.items():
            exercise = _Exercise(path.name, gid, "code", base | set(fingerprints(stubs.get(gid, ""))))
            exercise.references["instructor solution"] = source
            for qualified in forbidden.get(gid, []):
                body = function_source(qualified)
                if body is not None:
                    exercise.references[f"course_lib.{qualified}"] = body
            found[gid] = exercise
        for gid, source in text.items():
            sample, _ = split_rubric(source)
            found[gid] = _Exercise(path.name, gid, "text", shingles(TEXT_STUB), {"sample answer": sample})
        for student in students:
            data = read_submission(submissions / student, path.name)
            if isinstance(data, str):  # missing or refused: nothing to compare
                continue
            try:
                theirs_code, theirs_text = _exercise_texts(_light_cells(data))
            except ValueError:
                continue
            for gid, exercise in found.items():
                theirs = (theirs_code if exercise.kind == "code" else theirs_text).get(gid)
                if theirs is not None:
                    exercise.sources[student] = theirs
        exercises.extend(found.values())
    return exercises


def similarity_report(
    submissions_dir: str | os.PathLike[str],
    *,
    source_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    threshold: float = THRESHOLD,
    top: int = TOP_PAIRS,
) -> list[Match]:
    """Compare every pair of students' solutions and written answers; write the CSV and HTML reports.

    Parameters
    ----------
    submissions_dir : str or os.PathLike
        One folder per student holding the submitted notebooks (directly or
        one level down, as the grader reads them).
    source_dir : str or os.PathLike
        The instructor notebooks (solutions, sample answers, test cells).
    out_dir : str or os.PathLike
        Folder for ``similarity.csv`` (columns :data:`COLUMNS`, sorted by
        score, descending) and ``similarity.html`` (the ``top`` pairs of
        students and the top matches with the reference, side by side).
    threshold : float, optional
        Pairs of students scoring at least this are reported; every reference
        row is.
    top : int, optional
        Rows of each section shown in the HTML page.

    Returns
    -------
    list of Match
        The rows of the CSV, in its order.

    Raises
    ------
    TypeError
        If a folder is not a path.
    ValueError
        If a folder does not exist, there are no student folders, or
        ``threshold`` is not in [0, 1].
    """
    submissions = as_path(submissions_dir, name="submissions_dir")
    source_folder = as_path(source_dir, name="source_dir")
    out = as_path(out_dir, name="out_dir")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a number in [0, 1], got {threshold!r}")
    if not isinstance(top, int) or isinstance(top, bool) or top < 0:
        raise ValueError(f"top must be an integer >= 0, got {top!r}")
    if not submissions.is_dir():
        raise ValueError(f"submissions_dir must be an existing folder, got {str(submissions)!r}")
    if not source_folder.is_dir():
        raise ValueError(f"source_dir must be an existing folder, got {str(source_folder)!r}")
    matches: list[Match] = []
    for exercise in _exercises(submissions, source_folder):
        matches.extend(_compare(exercise, threshold))
    matches.sort(key=lambda m: (-m.score, m.notebook, m.grade_id, m.student_a, m.student_b))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "similarity.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for m in matches:
            writer.writerow([m.notebook, m.grade_id, m.student_a, m.student_b, f"{m.score:.4f}"])
    (out / "similarity.html").write_text(_html(matches, top), encoding="utf-8")
    return matches


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_STYLE = """body{font-family:sans-serif;margin:1.5em}table.pair{width:100%;table-layout:fixed;border-collapse:collapse}
td{vertical-align:top;padding:4px;border:1px solid #ccc}pre{margin:0;white-space:pre-wrap;font-size:12px}
mark{background:#ffd54f}h3{margin-top:1.6em;font-size:1em}.text mark{background:#9be7a7}"""


def _highlight(text: str, lines: frozenset[int]) -> str:
    return "\n".join(f"<mark>{html.escape(line)}</mark>" if number in lines else html.escape(line)
                     for number, line in enumerate(text.split("\n"), start=1))


def _highlight_words(text: str, other: str) -> str:
    """Mark the words of ``text`` inside a shingle it shares with ``other``."""
    words = list(_WORD.finditer(text))
    theirs = shingles(other)
    marked = [False] * len(words)
    lower = [w.group().lower() for w in words]
    for i in range(len(words) - SHINGLE + 1):
        if _hash(" ".join(lower[i:i + SHINGLE])) in theirs:
            marked[i:i + SHINGLE] = [True] * SHINGLE
    out, last = [], 0
    for word, mark in zip(words, marked):
        out.append(html.escape(text[last:word.start()]))
        out.append(f"<mark>{html.escape(word.group())}</mark>" if mark else html.escape(word.group()))
        last = word.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _pair_html(m: Match) -> str:
    if m.kind == "code":
        left, right = _highlight(m.text_a, m.lines_a), _highlight(m.text_b, m.lines_b)
    else:
        left, right = _highlight_words(m.text_a, m.text_b), _highlight_words(m.text_b, m.text_a)
    title = (f"{html.escape(m.notebook)} · {html.escape(m.grade_id)} · score {m.score:.2f}: "
             f"{html.escape(m.student_a)} and {html.escape(m.label_b)}")
    return (f'<h3>{title}</h3><table class="pair {m.kind}"><tr><th>{html.escape(m.student_a)}</th>'
            f"<th>{html.escape(m.label_b)}</th></tr><tr><td><pre>{left}</pre></td><td><pre>{right}</pre></td>"
            "</tr></table>")


def _html(matches: list[Match], top: int) -> str:
    sections = [
        ("Code: pairs of students", [m for m in matches if m.kind == "code" and m.student_b != REFERENCE]),
        ("Code: students and the reference (instructor solution or course_lib source)",
         [m for m in matches if m.kind == "code" and m.student_b == REFERENCE]),
        ("Written answers: pairs of students", [m for m in matches if m.kind == "text" and m.student_b != REFERENCE]),
        ("Written answers: students and the sample answer",
         [m for m in matches if m.kind == "text" and m.student_b == REFERENCE]),
    ]
    body = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Similarity report</title>",
            f"<style>{_STYLE}</style></head><body><h1>Similarity report</h1>",
            "<p>Code: winnowed k-gram fingerprints of normalised tokens (Schleimer, Wilkerson &amp; Aiken "
            "2003, the MOSS method), score = shared fingerprints / the smaller set. Written answers: word "
            "5-gram shingles, Jaccard. Highlighted: the lines (words) that share fingerprints (shingles). A "
            "high score is a reason to look, not a verdict.</p>"]
    for title, rows in sections:
        body.append(f"<h2>{html.escape(title)}</h2>")
        if not rows:
            body.append("<p>None.</p>")
        body.extend(_pair_html(m) for m in rows[:top])
    body.append("</body></html>")
    return "\n".join(body)
