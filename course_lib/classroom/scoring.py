"""Score one submitted notebook: test cells restored, tamper checks, points and messages.

Used by :func:`~course_lib.classroom.submissions.grade_submissions` (a whole
class), :func:`~course_lib.classroom.progress.progress` (a learner's
self-check) and directly through :func:`grade_notebook`.

What happens to a submission, in order:

1. **Test cells restored** from the source notebook, as nbgrader's
   ``OverwriteCells`` does for locked cells (with ``add_missing_cells``): a
   test cell that was edited, turned into markdown or raw text, or deleted
   gets the source's code back (hidden tests included), at its place or, if
   deleted, right after the solution cell it tests; the feedback says which.
2. **Split in two** (:func:`student_part`, :func:`pristine_notebook`): the
   student's kernel gets the notebook with each test cell replaced by an
   empty placeholder; the pristine kernel gets the test cells
   (:mod:`course_lib.classroom.pristine`).
3. **Guard cells added** to the student's part (never shown to the student):
   one at the top that snapshots what the calls rely on
   (:func:`course_lib.classroom.guard.snapshot`) and one after every test
   placeholder that compares (:func:`~course_lib.classroom.guard.verify`),
   with a fresh random nonce each, so printed text cannot imitate a passing check.
4. **Run** in two fresh kernels (:mod:`course_lib.classroom.runner`): when the
   student's run reaches a placeholder, its test runs in the pristine kernel
   (:class:`PristineRun`), whose proxies call the student's functions.
5. **Scored**: a test cell earns its points when the pristine kernel's reply
   says it ran without an error.  From the first guard check that finds
   tampering (or cannot run), that test cell and every later one earn
   nothing, and ``problem`` says "tampering suspected: ...".  Written answers
   are collected for manual grading.  Cells marked ``NBVAL_CHECK_OUTPUT`` are
   compared with the source by nbval's rules (reported, not scored).
"""

from __future__ import annotations

import ast
import asyncio
import copy
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Sequence

import nbformat
from nbformat import NotebookNode

from course_lib.classroom import pristine, runner, term
from course_lib.classroom.guard import GUARD_MARKER
from course_lib.classroom.sandbox import Sandbox
from course_lib.classroom.markup import (
    BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, as_path, grade_id, in_region, is_answer, is_solution, is_test,
    points, read_notebook,
)

DEFAULT_SANITIZE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"0x[0-9a-fA-F]+", "0xADDRESS"),
    (r"(?<![\d.])\d+(\.\d+)?\s?ms", "TIME-ms"),
    (r"(?<![\d.])\d+(\.\d+)?\s?s\b", "TIME-s"),
)
"""The (regex, replacement) pairs of ``tests/nbval_sanitize.cfg``, applied before comparing outputs.

Each number pattern starts only where a number starts (the look-behind): without it a
run of n digits that is not a time costs n² steps (20,000 digits: 10 s)."""

MAX_ERROR_ENTRIES = 20
"""Errors of cells other than tests listed per notebook in the feedback; the rest are counted."""

DEFAULT_TIMEOUT = 120.0
"""Seconds one cell may run before the grader interrupts it."""

DEFAULT_MAX_OUTPUT_BYTES = 1_000_000
"""Output kept per cell; the rest is dropped (errors are always kept)."""

TAMPERING = "tampering suspected"
"""How ``problem`` and the messages of voided tests begin."""

# nbval's keys to ignore when comparing outputs: IPyNbFile.skip_compare
# without --nbdime (so images are skipped), as in nbval 0.11.
_NBVAL_SKIP_COMPARE = (
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
)
_GRADER_KEY = "course_grader"  # cell metadata of the cells the grader adds
_RESTORED_KEY = "course_grader_restored"  # cell metadata of a deleted test cell the grader put back
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_GUARD_MESSAGE = re.compile(r"this exercise must not call [A-Za-z_][\w.]{0,100}|sys\.setprofile was replaced: "
                            r"the test cannot check this exercise|the profiler that checks this exercise was "
                            r"removed while it ran")
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_KERNEL_FILE = re.compile(r" \(\d+\.py, line \d+\)")


@dataclass(frozen=True)
class CheckResult:
    """One graded item of a notebook.

    ``kind`` is ``"test"`` (a test cell, worth ``max_points``), ``"answer"``
    (a written answer, scored by hand: ``points`` is None until scored),
    ``"output"`` (an ``NBVAL_CHECK_OUTPUT`` cell compared with the source,
    worth nothing) or ``"error"`` (another cell that raised, worth nothing:
    reported so the student can find the cause of a failing test; ``name`` is
    ``"cell 12"`` or ``"cell 12 (my_nss)"``, numbered as in the student's own
    notebook, and the ``NameError`` errors that an earlier failure explains share one
    ``"later cells"`` row).
    """

    kind: str
    name: str
    passed: bool
    points: float | None
    max_points: float
    message: str = ""


@dataclass
class NotebookGrade:
    """The grade of one submitted notebook.

    ``problem`` says why it could not be run fully or was not trusted;
    ``notes`` what the grader repaired (restored test cells) or chose (which
    copy of the notebook it read); ``answers`` the text of each written
    answer by ``grade_id``.
    """

    student: str
    notebook: str
    max_points: float
    checks: list[CheckResult] = field(default_factory=list)
    problem: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def points(self) -> float:
        """Points earned: tests passed plus written answers scored so far."""
        return sum(check.points or 0.0 for check in self.checks if check.kind in ("test", "answer"))

    @property
    def pending(self) -> list[str]:
        """Written answers not scored yet."""
        return [check.name for check in self.checks if check.kind == "answer" and check.points is None]

    @classmethod
    def from_dict(cls, data: dict) -> "NotebookGrade":
        """The grade ``dataclasses.asdict`` stored (results folder, progress cache)."""
        grade = cls(**{key: value for key, value in data.items() if key != "checks"})
        grade.checks = [CheckResult(**check) for check in data.get("checks", [])]
        return grade

    def failed(self, kind: str) -> list[CheckResult]:
        """The checks of ``kind`` ("test", "output" or "error") that did not pass."""
        return [check for check in self.checks if check.kind == kind and not check.passed]


# ---------------------------------------------------------------------------
# 1. Restoring test cells
# ---------------------------------------------------------------------------

def _visible(source: str) -> list[str]:
    """The lines a student sees of a test cell (hidden region dropped), blank lines ignored."""
    lines = source.split("\n")
    return [line.strip() for number, line in enumerate(lines, start=1)
            if line.strip() and not in_region(lines, number, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
            and BEGIN_HIDDEN_TESTS not in line and END_HIDDEN_TESTS not in line]


def restore_tests(submission: NotebookNode, source: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """A copy of ``submission`` with every test cell put back from ``source``.

    A test cell found by its ``grade_id`` gets the source's code and metadata
    (hidden tests, points); one that is missing is inserted after the cell
    that precedes it in the source (its solution cell), found by ``grade_id``
    or cell id, or at the end.  Returns the copy and one note per repair
    ("test cell nb05_nss_tests was deleted; restored", "... was edited ...",
    "... was turned into markdown ...").
    """
    restored = copy.deepcopy(submission)
    notes = []
    positions = {}  # grade_id or cell id -> the cell object in `restored`
    for cell in restored.cells:
        for key in (grade_id(cell), cell.get("id")):
            if key:
                positions.setdefault(key, cell)
    previous_keys: list[str] = []
    for cell in source.cells:
        identifier = grade_id(cell)
        if is_test(cell):
            fresh = nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
            found = positions.get(identifier)
            if found is not None:
                index = next(i for i, c in enumerate(restored.cells) if c is found)
                if found.cell_type != "code":
                    notes.append(f"test cell {identifier} was turned into {found.cell_type}; restored")
                elif _visible(found.source) != _visible(cell.source):
                    notes.append(f"test cell {identifier} was edited; restored")
                fresh["id"] = found.get("id", fresh["id"])
                restored.cells[index] = fresh
            else:
                anchor = next((positions[key] for key in reversed(previous_keys) if key in positions), None)
                index = (next(i for i, c in enumerate(restored.cells) if c is anchor) + 1
                         if anchor is not None else len(restored.cells))
                fresh.metadata[_RESTORED_KEY] = True  # not counted when the feedback numbers the student's cells
                restored.cells.insert(index, fresh)
                notes.append(f"test cell {identifier} was deleted; restored")
            positions[identifier] = fresh
        previous_keys.extend(key for key in (identifier, cell.get("id")) if key)
    return restored, notes


# ---------------------------------------------------------------------------
# 2. Guard cells
# ---------------------------------------------------------------------------

def _grader_cell(source: str, role: str, nonce: str = "") -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata={_GRADER_KEY: {"role": role, "nonce": nonce}})
    cell["id"] = re.sub(r"[^A-Za-z0-9_-]", "-", f"grader-{role}-{nonce or 'setup'}")[:64]
    return cell


def student_part(restored: NotebookNode) -> NotebookNode:
    """The notebook the student's kernel runs: every test cell replaced by an empty placeholder.

    The placeholder keeps the test's ``grade_id`` and is handed to the pristine
    kernel (:mod:`course_lib.classroom.pristine`) when the run reaches it, so
    the test runs at its place in the notebook but never in this kernel.
    """
    part = copy.deepcopy(restored)
    for index, cell in enumerate(part.cells):
        if is_test(cell) and cell.cell_type == "code":
            placeholder = nbformat.v4.new_code_cell("", metadata=copy.deepcopy(cell.metadata))
            placeholder.metadata[runner.DELEGATE_KEY] = grade_id(cell)
            placeholder["id"] = cell.get("id", placeholder["id"])
            part.cells[index] = placeholder
    return part


def pristine_notebook(source: NotebookNode, *, term_key: str = "") -> NotebookNode:
    """The notebook the pristine kernel runs: a warm-up cell, then per test cell the proxies and the test.

    ``term_key`` (:func:`course_lib.classroom.term.term_key`) is handed to this kernel only, in the
    warm-up cell, so that the hidden tests' :func:`~course_lib.classroom.term.hidden_rng` draws this
    term's inputs; the student's kernel never sees it.
    """
    names = [name for cell in source.cells if is_solution(cell) and cell.cell_type == "code"
             for name in pristine.defined_names(cell.source)]
    module = "__import__('course_lib.classroom.pristine', fromlist=['install'])"
    warm_up = f"{module}\nimport numpy"
    if term_key:
        warm_up += f"\n__import__('course_lib.classroom.term', fromlist=['use_term_key']).use_term_key({term_key!r})"
    cells = [_grader_cell(warm_up, "warm-up")]
    for cell in source.cells:
        if is_test(cell) and cell.cell_type == "code":
            identifier = grade_id(cell)
            setup = _grader_cell(f"{module}.install(globals(), {list(dict.fromkeys(names))!r})", "proxies",
                                 identifier)
            test = nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
            for step in (setup, test):
                step.metadata[runner.DELEGATE_KEY] = identifier
            cells += [setup, test]
    return nbformat.v4.new_notebook(cells=cells)


class PristineRun:
    """The pristine kernel's side of one submission: its tests, run one by one when the student's run
    reaches them, each call of a student's function answered by the student's kernel."""

    def __init__(self, tests: NotebookNode, *, timeout: float) -> None:
        self.tests = tests
        self.timeout = timeout
        self.student = None  # the student's kernel client, known from the first test on
        self.gates: dict[str, asyncio.Event] = {}
        self.done: dict[str, asyncio.Event] = {}
        self.go: dict[str, bool] = {}
        self.ran: set[str] = set()
        for cell in tests.cells:
            key = cell.metadata.get(runner.DELEGATE_KEY)
            if key:
                self.gates.setdefault(key, asyncio.Event())
                self.done.setdefault(key, asyncio.Event())

    async def in_student_run(self, client: Any, cell: NotebookNode, index: int) -> None:
        """The student's kernel reached test ``cell``: run it over there, and wait."""
        key = cell.metadata[runner.DELEGATE_KEY]
        self.student = client
        if key in self.gates and not self.gates[key].is_set():
            self.go[key] = True
            self.gates[key].set()
            await self.done[key].wait()

    async def in_test_run(self, client: Any, cell: NotebookNode, index: int) -> None:
        """The pristine kernel reached ``cell``: run it once its test is due, or skip it."""
        key = cell.metadata[runner.DELEGATE_KEY]
        await self.gates[key].wait()
        if self.go.get(key):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            self.ran.add(key)
        if cell.metadata.get(_GRADER_KEY) is None:  # the test itself, after its proxies: done
            self.done[key].set()

    def finish(self) -> None:
        """No more tests will be asked for: the pristine kernel skips the rest and stops."""
        for key, gate in self.gates.items():
            gate.set()
            self.done[key].set()

    async def answer(self, prompt: str) -> str:
        """A proxy's question, answered by running :func:`pristine.serve` in the student's kernel."""
        if not prompt.startswith(pristine.REQUEST + " ") or self.student is None:
            return ""
        request = prompt[len(pristine.REQUEST) + 1:]
        expression = f"__import__('course_lib.classroom.pristine', fromlist=['serve']).serve(globals(), {request!r})"
        return await _ask_kernel(self.student, expression, timeout=self.timeout)


async def _ask_kernel(client: Any, expression: str, *, timeout: float) -> str:
    """Evaluate ``expression`` silently in ``client``'s kernel and return the string it gives.

    The expression travels as a user expression of an empty cell: IPython
    evaluates it without the input transformers a cell's code goes through
    (which took ~0.2 s per MB of arguments).  The kernel is the student's, so
    its answer is only a string: the caller (a proxy in the pristine kernel)
    parses it as plain data or refuses it.  A call that runs longer than
    ``timeout`` is interrupted.
    """
    import ast
    import queue

    kc = client.kc
    msg_id = kc.execute("", silent=True, store_history=False, user_expressions={"reply": expression},
                        allow_stdin=False)
    deadline = time.monotonic() + timeout
    reply = None
    interrupted = False
    while reply is None:
        left = deadline - time.monotonic()
        if left <= 0:
            if interrupted:
                break
            interrupted = True
            await client.km.interrupt_kernel()
            deadline = time.monotonic() + 5.0
            continue
        try:
            msg = await kc.shell_channel.get_msg(timeout=min(left, 1.0))
        except queue.Empty:
            if not await client.km.is_alive():
                return json.dumps({"error": "RuntimeError", "message": "the student's kernel died"})
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            reply = msg
    for _ in range(10_000):  # what the call printed: nobody reads it
        try:
            await kc.iopub_channel.get_msg(timeout=0)
        except queue.Empty:
            break
    if interrupted or reply is None:
        return json.dumps({"error": "TimeoutError", "message": f"the call ran longer than {timeout:g} s"})
    content = reply.get("content", {})
    result = content.get("user_expressions", {}).get("reply", {}) if content.get("status") == "ok" else content
    if not isinstance(result, dict) or result.get("status", "ok") != "ok":
        ename = result.get("ename", "Error") if isinstance(result, dict) else "Error"
        return json.dumps({"error": str(ename)[:100], "message": ""})
    text = result.get("data", {}).get("text/plain", "")
    try:
        value = ast.literal_eval(text) if isinstance(text, str) and len(text) <= pristine.MAX_REPLY_CHARS else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    return value if isinstance(value, str) else json.dumps({"error": "RuntimeError", "message": "no reply"})


def add_guard_cells(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with the snapshot cell first and a verify cell after every test cell."""
    guarded = copy.deepcopy(nb)
    module = "__import__('course_lib.classroom.guard', fromlist=['guard'])"
    cells = [_grader_cell(f"{module}.snapshot()", "snapshot")]
    for cell in guarded.cells:
        cells.append(cell)
        if is_test(cell) and cell.cell_type == "code":
            nonce = secrets.token_hex(8)
            cells.append(_grader_cell(f"{module}.verify({nonce!r})", "verify", nonce))
    guarded.cells = cells
    return guarded


def _grader_role(cell: NotebookNode) -> dict[str, str] | None:
    meta = cell.get("metadata", {}).get(_GRADER_KEY)
    return meta if isinstance(meta, dict) else None


def _guard_verdict(cell: NotebookNode, executed: bool, reply: dict[str, str]) -> list[str] | None:
    """What a verify cell found: None when it did not run, [] when clean."""
    if not executed:
        return None
    nonce = _grader_role(cell)["nonce"]
    error = first_error(cell)
    if error is not None or reply.get("status") != "ok":
        ename = (error or reply).get("ename") or reply.get("status", "error")
        return [f"the grader's check could not run ({ename})"]
    text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == GUARD_MARKER and parts[1] == nonce:
            try:
                found = json.loads(parts[2])
            except ValueError:
                break
            if isinstance(found, list) and all(isinstance(item, str) for item in found):
                return found
            break
    return ["the grader's check printed no verdict (was stdout replaced?)"]


# ---------------------------------------------------------------------------
# 4. Scoring
# ---------------------------------------------------------------------------

def first_error(cell: NotebookNode) -> NotebookNode | None:
    """The first error output of a code cell, or None."""
    return next((out for out in cell.get("outputs", []) if out.get("output_type") == "error"), None)


def _hidden_lines(source: str) -> list[str]:
    """The lines of a cell's hidden tests long enough to recognise in a message."""
    lines = source.split("\n")
    return [line.strip() for number, line in enumerate(lines, start=1)
            if in_region(lines, number, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS) and len(line.strip()) >= 12]


def error_message(cell: NotebookNode, error: NotebookNode | dict, *, timeout: float, timed_out: bool,
                  own_message: bool = True, secrets: Sequence[str] = ()) -> str:
    """One line for the feedback: the failing line (unless hidden) and what went wrong.

    The error's text (``evalue``) is shown only when ``own_message`` is true
    (the caller decided that an assert of the test cell itself raised it, see
    :func:`_raised_by_the_cell`) and it quotes none of ``secrets`` (hidden
    test lines); otherwise the exception type alone: code the student wrote
    chooses its messages, and could make them carry the hidden tests.
    """
    if timed_out:
        return f"TimeoutError: the cell ran longer than {timeout:g} s and was stopped"
    ename = _ANSI.sub("", str(error.get("ename") or "Error"))[:100]
    evalue = _KERNEL_FILE.sub("", _ANSI.sub("", str(error.get("evalue") or ""))).strip()
    known = ename == "ReferenceUsedError" and _GUARD_MESSAGE.fullmatch(evalue)  # names only: nothing to smuggle
    if evalue and (not (own_message or known) or any(secret in evalue for secret in secrets)):
        evalue = ""
    if ename == "NotImplementedError" and not evalue:
        message = "NotImplementedError: the exercise is not answered yet"
    else:
        message = f"{ename}: {evalue}" if evalue else ename
    number = _failing_line(cell, error)
    if number is not None:
        lines = cell.source.split("\n")
        hidden = in_region(lines, number, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
        where = "a hidden test" if hidden else f"`{lines[number - 1].strip()}`"
        message = f"line {number} ({where}): {message}"
    return message[:runner.MESSAGE_CHARS]


def _cell_frames(error: NotebookNode | dict) -> list[tuple[int, int]]:
    """(execution count, line) of every notebook-cell frame of a traceback, outermost first."""
    traceback = _ANSI.sub("", "\n".join(str(line) for line in error.get("traceback", []) or []))
    return [(int(count), int(line)) for count, line in _CELL_FRAME.findall(traceback)]


def _failing_line(cell: NotebookNode, error: NotebookNode | dict) -> int | None:
    """The line of ``cell`` where its error came from (its own frame), if the traceback says."""
    count = cell.get("execution_count")
    lines = cell.source.split("\n")
    for frame_count, number in _cell_frames(error):
        if (count is None or frame_count == count) and 1 <= number <= len(lines):
            return number
    return None


def _raised_by_the_cell(cell: NotebookNode, error: NotebookNode | dict) -> bool:
    """Whether an assert of ``cell`` itself raised ``error``: an AssertionError whose innermost
    notebook frame is this cell's (a helper such as ``np.testing`` may sit below it), not a cell
    of the student's."""
    frames = _cell_frames(error)
    count = cell.get("execution_count")
    return (error.get("ename") == "AssertionError" and bool(frames) and count is not None
            and frames[-1][0] == count)


def _reply_error(reply: dict[str, str]) -> dict[str, str]:
    """An error-output-like dict from a reply: for a cell whose error was never published."""
    status = reply.get("status", "missing")
    ename = reply.get("ename") or ("KernelReply" if status == "missing" else "Error")
    if status != "error":
        return {"ename": ename, "evalue": f"the kernel's reply says {status!r}, not 'ok'"}
    return {"ename": ename, "evalue": reply.get("evalue", "")}


def output_checked(cell: NotebookNode) -> bool:
    """nbval --nbval-lax: is this cell's output compared (NBVAL_CHECK_OUTPUT comment or tag)?"""
    from nbval.plugin import find_comment_markers, find_metadata_tags

    options = dict(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return bool(options.get("check", False)) and not options.get("skip", False)


def compare_outputs(test: list, reference: list, patterns: Sequence[tuple[str, str]]) -> tuple[bool, str]:
    """nbval's comparison of two output lists (sanitized), and its explanation."""
    from nbval import plugin

    class NbvalCell:  # just enough of nbval's IPyNbCell to call its comparison methods outside pytest
        colors = plugin.nocolors
        parent = type("Parent", (), {"skip_compare": _NBVAL_SKIP_COMPARE, "sanitize_patterns": dict(patterns)})()
        ihook = type("Hook", (), {"pytest_assertrepr_compare": staticmethod(lambda **_: [])})()
        config = None
        compare_outputs = plugin.IPyNbCell.compare_outputs
        format_output_compare = plugin.IPyNbCell.format_output_compare
        sanitize = plugin.IPyNbCell.sanitize

    cell = NbvalCell()
    same = cell.compare_outputs(plugin.coalesce_streams(copy.deepcopy(test)),
                                plugin.coalesce_streams(copy.deepcopy(reference)))
    return same, "\n".join(cell.comparison_traceback).strip()


def _nbval_available() -> bool:
    try:
        import nbval.plugin  # noqa: F401
    except ImportError:
        return False
    return True


def student_cell_number(nb: NotebookNode, index: int) -> int:
    """Cell ``index`` of the graded notebook numbered as in the student's own notebook: the grader's
    cells and the test cells it restored are not counted (feedback names cells by this number)."""
    return sum(_grader_role(cell) is None and not cell.metadata.get(_RESTORED_KEY)
               for cell in nb.cells[:index + 1])


def _output_checks(execution: runner.Execution, source: NotebookNode,
                   patterns: Sequence[tuple[str, str]]) -> list[CheckResult]:
    if not _nbval_available():
        return []
    by_id = {cell.get("id"): (index, cell) for index, cell in enumerate(execution.nb.cells) if cell.get("id")}
    by_source = {}
    for index, cell in enumerate(execution.nb.cells):
        by_source.setdefault(cell.source, (index, cell))
    checks = []
    for course_number, reference in enumerate(source.cells, start=1):
        if reference.cell_type != "code" or reference.get("execution_count") is None \
                or not output_checked(reference):
            continue
        index, cell = by_id.get(reference.get("id")) or by_source.get(reference.source, (None, None))
        if cell is None:
            # not in the student's notebook, so only the course's numbering can name it
            checks.append(CheckResult("output", f"course notebook's cell {course_number}", False, 0.0, 0.0,
                                      "cell missing from the submission"))
            continue
        name = f"cell {student_cell_number(execution.nb, index)}"
        if index not in execution.executed:
            checks.append(CheckResult("output", name, False, 0.0, 0.0, "cell not run"))
        elif first_error(cell) is not None:
            checks.append(CheckResult("output", name, False, 0.0, 0.0, "cell raised an error"))
        else:
            same, message = compare_outputs(cell.outputs, reference.outputs, patterns)
            checks.append(CheckResult("output", name, same, 0.0, 0.0, message[:runner.MESSAGE_CHARS]))
    return checks


def answers_of(submission: NotebookNode, source: NotebookNode) -> dict[str, str]:
    """The student's text of every written answer of ``source``, by ``grade_id`` ("" if missing)."""
    found = {grade_id(cell): cell.source for cell in submission.cells if grade_id(cell)}
    return {grade_id(cell): found.get(grade_id(cell), "") for cell in source.cells if is_answer(cell)}


_NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _undefined_name(error: NotebookNode | dict) -> str | None:
    """The name of a ``NameError`` ("name 'double' is not defined"), None for any other error."""
    if error.get("ename") != "NameError":
        return None
    found = _NAME_ERROR.search(_ANSI.sub("", str(error.get("evalue") or "")))
    return found[1] if found else None


def _should_define(source: str) -> set[str]:
    """The names a cell binds at its top level (functions, classes, variables, imports): when it fails, a
    later ``NameError`` for one of them is a consequence, not a second mistake.  A cell that does not
    parse (a syntax error, an IPython magic) ran no line, so every identifier in it counts."""
    try:
        tree = pristine.parse_source(source)
    except SyntaxError:
        return set(_IDENTIFIER.findall(source))
    names = set(pristine.defined_names(source))
    names.update((alias.asname or alias.name).split(".")[0] for node in tree.body
                 if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names)
    return names


def _knock_on_entry(knock_on: Sequence[tuple[int, str]]) -> CheckResult:
    """One feedback row for the ``(cell number, name)`` NameErrors that an earlier failed cell caused."""
    count = len(knock_on)
    names = ", ".join(dict.fromkeys(name for _, name in knock_on))
    cells = ", ".join(str(number) for number, _ in knock_on)
    message = (f"{count} later cell{'s' * (count > 1)} failed because an earlier cell did: NameError for {names} "
               f"(cell{'s' * (count > 1)} {cells}); fix the first error above and these run again")
    return CheckResult("error", "later cells", False, 0.0, 0.0, message[:runner.MESSAGE_CHARS])


def score(
    execution: runner.Execution,
    tests_run: runner.Execution,
    ran: set[str],
    source: NotebookNode,
    *,
    student: str,
    notebook: str,
    timeout: float,
    check_outputs: bool,
    sanitize_patterns: Sequence[tuple[str, str]] = DEFAULT_SANITIZE_PATTERNS,
) -> NotebookGrade:
    """Score a submission from its two runs: the student's kernel (``execution``: the student's part,
    guarded, with test placeholders) and the pristine kernel (``tests_run``; ``ran``: the tests it ran)."""
    tests = {grade_id(cell): points(cell) for cell in source.cells if is_test(cell)}
    written = {grade_id(cell): points(cell) for cell in source.cells if is_answer(cell)}
    grade = NotebookGrade(student, notebook, sum(tests.values()) + sum(written.values()),
                          problem=execution.problem, seconds=execution.seconds)
    not_run = "not run: " + (execution.problem or tests_run.problem or "an earlier cell stopped the notebook")
    test_cells = {cell.metadata[runner.DELEGATE_KEY]: (index, cell) for index, cell in enumerate(tests_run.nb.cells)
                  if cell.metadata.get(runner.DELEGATE_KEY) and _grader_role(cell) is None}
    tampering: list[str] = []
    results: dict[str, CheckResult] = {}
    order: list[str] = []
    broken: set[str] = set()  # names that cells which failed should have defined
    knock_on: list[tuple[int, str]] = []  # (cell number, name): NameErrors that an earlier failure explains
    for index, cell in enumerate(execution.nb.cells):
        role = _grader_role(cell)
        number = student_cell_number(execution.nb, index)
        if role is not None:
            if role.get("role") == "verify" and not tampering:
                found = _guard_verdict(cell, index in execution.executed, execution.replies.get(index, {}))
                if found:
                    tampering = found
                    if order:  # the test this check follows is void too: the change may have helped it
                        last = results[order[-1]]
                        results[last.name] = CheckResult("test", last.name, False, 0.0, last.max_points,
                                                         f"{TAMPERING}: {'; '.join(found)}")
            continue
        if cell.cell_type != "code":
            continue
        identifier = grade_id(cell)
        if identifier in tests:
            if identifier in results or not runner.delegated(cell):
                continue  # a test's verdict is the pristine kernel's, never this kernel's (a copy is ignored)
            # the test ran in the pristine kernel: its verdict is that kernel's reply
            order.append(identifier)
            test_index, test_cell = test_cells.get(identifier, (-1, cell))
            test_timed_out = test_index in tests_run.timed_out
            failed = not tests_run.completed(test_index) or first_error(test_cell) is not None
            error = first_error(test_cell) or _reply_error(tests_run.replies.get(test_index, {}))
            if tampering:
                passed, message = False, f"{TAMPERING}: {'; '.join(tampering)}"
            elif identifier not in ran or (test_index not in tests_run.executed and not test_timed_out):
                passed, message = False, not_run
            elif failed or test_timed_out:
                passed = False
                message = error_message(test_cell, error, timeout=timeout, timed_out=test_timed_out,
                                        own_message=_raised_by_the_cell(test_cell, error),
                                        secrets=_hidden_lines(test_cell.source))
            else:
                passed, message = True, ""
            results[identifier] = CheckResult("test", identifier, passed, tests[identifier] if passed else 0.0,
                                              tests[identifier], message)
            continue
        timed_out = index in execution.timed_out
        # A cell passes only when the kernel's reply says "ok" and it published no error: an error
        # output alone can be hidden (custom handlers, cleared output), the reply's status cannot
        failed = index in execution.executed and not execution.completed(index) or first_error(cell) is not None
        error = first_error(cell) or _reply_error(execution.replies.get(index, {}))
        if failed or timed_out:
            missing = None if timed_out else _undefined_name(error)
            if missing in broken:  # one real error, not twelve: the rest are listed on one line below
                knock_on.append((number, missing))
            else:
                # a cell of the student's: its message is the student's own text, so only its type
                grade.checks.append(CheckResult("error", f"cell {number}" + (f" ({identifier})" if identifier else ""),
                                                False, 0.0, 0.0, error_message(cell, error, timeout=timeout,
                                                                               timed_out=timed_out, own_message=False)))
            broken.update(_should_define(cell.source))
    for identifier, max_points in tests.items():
        if identifier not in results:  # cannot happen after restore_tests, kept for hand-made inputs
            results[identifier] = CheckResult("test", identifier, False, 0.0, max_points,
                                              "this test cell is missing from the submission")
    if len(grade.checks) > MAX_ERROR_ENTRIES:
        more = len(grade.checks) - MAX_ERROR_ENTRIES
        grade.checks = grade.checks[:MAX_ERROR_ENTRIES] + [
            CheckResult("error", "more errors", False, 0.0, 0.0, f"{more} more cells raised an error")]
    if knock_on:
        grade.checks.append(_knock_on_entry(knock_on))
    grade.checks = [results[name] for name in tests] + grade.checks
    grade.checks.extend(CheckResult("answer", name, False, None, value, "awaiting the instructor's score")
                        for name, value in written.items())
    if tampering:
        grade.problem = "; ".join(filter(None, [f"{TAMPERING}: {'; '.join(tampering)}", grade.problem]))
    if check_outputs:
        grade.checks.extend(_output_checks(execution, source, sanitize_patterns))
    return grade


def ungraded(reason: str, source: NotebookNode, *, student: str, notebook: str) -> NotebookGrade:
    """The grade of a submission that could not be graded: every test and answer at 0, ``reason`` as ``problem``."""
    tests = [cell for cell in source.cells if is_test(cell)]
    written = [cell for cell in source.cells if is_answer(cell)]
    grade = NotebookGrade(student, notebook, sum(map(points, tests + written)), problem=reason)
    grade.checks = [CheckResult("test", grade_id(c), False, 0.0, points(c), f"not graded: {reason}")
                    for c in tests]
    grade.checks += [CheckResult("answer", grade_id(c), False, 0.0, points(c), "no answer submitted")
                     for c in written]
    return grade


async def grade_one(
    submission: NotebookNode | str,
    source: NotebookNode,
    *,
    student: str,
    notebook: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    notebook_timeout: float | None = None,
    kernel_name: str = "python3",
    check_outputs: bool = True,
    sanitize_patterns: Sequence[tuple[str, str]] = DEFAULT_SANITIZE_PATTERNS,
    sandbox: Sandbox | None = None,
    term_key: str = "",
) -> NotebookGrade:
    """Restore, guard, run and score one submission (a notebook, or the reason it could not be read);
    ``term_key`` seeds the hidden tests' inputs (:func:`pristine_notebook`)."""
    if isinstance(submission, str):
        return ungraded(submission, source, student=student, notebook=notebook)
    restored, notes = restore_tests(submission, source)
    if notebook_timeout is None:  # the source's cells set the budget: cells a student adds do not extend it
        notebook_timeout = timeout * (sum(cell.cell_type == "code" for cell in source.cells) + 2)
    run = PristineRun(pristine_notebook(source, term_key=term_key), timeout=timeout)
    test_task = asyncio.ensure_future(runner.execute(
        run.tests, timeout=timeout, max_output_bytes=max_output_bytes, notebook_timeout=notebook_timeout + 60,
        kernel_name=kernel_name, sandbox=sandbox, answer_input=run.answer, delegate=run.in_test_run))
    test_task.add_done_callback(lambda _: run.finish())  # a test kernel that stopped early holds up nothing
    try:
        execution = await runner.execute(add_guard_cells(student_part(restored)), timeout=timeout,
                                         max_output_bytes=max_output_bytes, notebook_timeout=notebook_timeout,
                                         kernel_name=kernel_name, sandbox=sandbox, delegate=run.in_student_run)
    finally:
        run.finish()
        tests = await test_task
    grade = score(execution, tests, run.ran, source, student=student, notebook=notebook, timeout=timeout,
                  check_outputs=check_outputs, sanitize_patterns=sanitize_patterns)
    if tests.problem and not execution.problem:
        grade.problem = "; ".join(filter(None, [grade.problem, f"the test kernel: {tests.problem}"]))
    grade.notes = notes
    grade.answers = answers_of(submission, source)
    if sandbox is not None:
        refused = sandbox_refusals(execution.nb)
        if refused:
            grade.problem = "; ".join(filter(None, [grade.problem, "the sandbox refused: " + "; ".join(refused)]))
    return grade


_REFUSALS = ("Read-only file system", "Network is unreachable", "Connection refused", "Permission denied",
             "Operation not permitted")


def sandbox_refusals(nb: NotebookNode) -> list[str]:
    """The errors of ``nb`` that the sandbox caused (a write, a connection, memory), each once."""
    found: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            ename, evalue = out.get("ename", ""), _ANSI.sub("", out.get("evalue", ""))
            if ename == "MemoryError":
                text = "MemoryError (the memory limit per kernel)"
            elif any(reason in evalue for reason in _REFUSALS):
                text = f"{ename}: {evalue}"[:200]
            else:
                continue
            if text not in found:
                found.append(text)
    return found


def check_options(timeout: float, max_output_bytes: int, notebook_timeout: float | None, workers: int) -> None:
    """``TypeError``/``ValueError`` naming the first grading option that is out of range."""
    for value, name in ((timeout, "timeout"), (max_output_bytes, "max_output_bytes")):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value!r}")
    if notebook_timeout is not None and not notebook_timeout > 0:
        raise ValueError(f"notebook_timeout must be > 0 or None, got {notebook_timeout!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")


def grade_notebook(
    submission: str | os.PathLike[str] | NotebookNode,
    source: str | os.PathLike[str] | NotebookNode,
    *,
    student: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    notebook_timeout: float | None = None,
    kernel_name: str = "python3",
    check_outputs: bool = True,
    seed: str | None = None,
) -> NotebookGrade:
    """Grade one submitted notebook against its source notebook.

    The test cells (hidden tests and points included) are put back from
    ``source`` (:func:`restore_tests`), guard cells are added
    (:func:`add_guard_cells`), and the notebook runs top to bottom in a fresh
    kernel in an empty temporary folder (:func:`course_lib.classroom.runner.execute`).
    A test cell earns its points when it runs without an error and no
    tampering was seen before its guard check.

    Parameters
    ----------
    submission : str, os.PathLike or NotebookNode
        The student's notebook (a file is read; an unreadable one scores 0
        with the reason in ``problem``).
    source : str, os.PathLike or NotebookNode
        The instructor's notebook, with solutions and hidden tests.
    student : str, optional
        Name recorded in the grade.
    timeout : float, optional
        Seconds per cell.
    max_output_bytes : int, optional
        Output kept per cell.
    notebook_timeout : float or None, optional
        Seconds for the whole notebook (default: ``timeout`` per code cell).
    kernel_name : str, optional
        Jupyter kernel to run in.
    check_outputs : bool, optional
        Compare ``NBVAL_CHECK_OUTPUT`` cells with the source.
    seed : str or None, optional
        The term's secret: hidden tests draw their inputs from it
        (:mod:`course_lib.classroom.term`); None, the inputs the notebooks show.

    Returns
    -------
    NotebookGrade

    Raises
    ------
    TypeError, ValueError
        If an option is invalid, or ``source`` cannot be read.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> solution = {"grade": False, "grade_id": "s1", "locked": False,
    ...             "schema_version": 3, "solution": True, "task": False}
    >>> test = {"grade": True, "grade_id": "t1", "locked": True, "points": 2,
    ...         "schema_version": 3, "solution": False, "task": False}
    >>> source = new_notebook(cells=[
    ...     new_code_cell("def answer(): return 41", metadata={"nbgrader": solution}),
    ...     new_code_cell("assert answer() == 42", metadata={"nbgrader": test})])
    >>> grade = grade_notebook(source, source, timeout=30)
    >>> print(grade.points, grade.max_points, grade.checks[0].message)
    0.0 2.0 line 1 (`assert answer() == 42`): AssertionError
    """
    check_options(timeout, max_output_bytes, notebook_timeout, 1)
    key = term.term_key(seed) if seed is not None else ""
    if not isinstance(source, NotebookNode):
        source = read_notebook(as_path(source, name="source"))
    name = "notebook"
    if not isinstance(submission, NotebookNode):
        path = as_path(submission, name="submission")
        name = path.name
        try:
            submission = read_notebook(path)
        except ValueError as error:
            submission = str(error)
    return runner.run_coroutine(grade_one(
        submission, source, student=student, notebook=name, timeout=timeout,
        max_output_bytes=max_output_bytes, notebook_timeout=notebook_timeout,
        kernel_name=kernel_name, check_outputs=check_outputs, term_key=key))
