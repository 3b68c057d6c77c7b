"""The grader against a hostile class: one class run of attack submissions, sandbox on.

Every student below submits the student build of one tiny notebook (one exercise, 3 points:
``f()`` must return one) with an attack in it, and the class is graded once, as an instructor
would (``grade_submissions``, bubblewrap, two kernels at a time).  What each test asserts is
seen from outside the students' processes:

* **no undeserved point**: an unanswered stub stays at 0 whatever it does to the kernel;
  a capability attack ("oracle") answers 1 only when the capability exists (a remount, a read
  of a secret, a connection), so a point would prove the hole;
* **the problem column names what happened**, where the grader can know it;
* **others are unaffected**: honest students get exactly their points, in the same run;
* **nothing leaks**: no feedback page, gradebook row or answer page holds a hidden test, the
  grader's environment or a secret file.

Attack classes: verdict forging inside the kernel, tampering with what tests rely on, secrets
(hidden tests, environment, files through links), the sandbox as root, and a class run that
must survive any one submission.  Without the sandbox the same machinery runs one more class
(fresh home per kernel).
"""

from __future__ import annotations

import copy
import csv
import os
import shutil
import socket
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_lib import classroom
from course_lib.classroom import build, sandbox

NAME = "00_attack.ipynb"
POINTS = 3.0
HIDDEN_SENTINEL = "HIDDEN-SENTINEL-7f3a"
ENV_SECRET = f"grader-token-{uuid.uuid4().hex}"
TIMEOUT = 10

_SOLUTION = {"grade": False, "grade_id": "f", "locked": False, "schema_version": 3, "solution": True,
             "task": False}
_TEST = {"grade": True, "grade_id": "f_tests", "locked": True, "points": POINTS, "schema_version": 3,
         "solution": False, "task": False}

HAS_SANDBOX = shutil.which("bwrap") is not None and not sandbox.bwrap_problem()
pytestmark = pytest.mark.skipif(not HAS_SANDBOX, reason="the attack suite needs bubblewrap (apt-get install "
                                "bubblewrap) that can drop privileges here")


def _source() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_code_cell("import numpy as np"),
        new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1.0\n    ### END SOLUTION", metadata={"nbgrader": _SOLUTION}),
        new_code_cell(
            "import numpy as np\n"
            "# coerced to a float array: an object that equals everything is not a number\n"
            "value = np.asarray(f(), dtype=np.float64)\n"
            "assert value.shape == () and float(value) == 1.0, 'f() should return one'\n"
            "### BEGIN HIDDEN TESTS\n"
            f"assert float(np.asarray(f(), dtype=np.float64)) + 0.0 == 1.0, '{HIDDEN_SENTINEL} hidden check'\n"
            "### END HIDDEN TESTS", metadata={"nbgrader": _TEST}),
        new_code_cell("print('the rest of the notebook')"),
    ])


STUB = "def f():\n    raise NotImplementedError()"
WRONG = "def f():\n    return 0.0"  # what an attack that forges a verdict pairs with (a stub fails anyway)


def _oracle(condition: str, setup: str = "") -> str:
    """A solution that answers 1 only where ``condition`` (a capability the sandbox denies) holds."""
    body = "\n".join("    " + line for line in setup.splitlines())
    return f"def f():\n{body}\n    try:\n        ok = bool({condition})\n    except BaseException:\n" \
           "        ok = False\n    return 1.0 if ok else 0.0"


def _package_marker(marker: Path) -> Path:
    """Where ``write_host`` tries to write: beside the installed package, named after ``marker``."""
    return Path(classroom.__file__).parent / f"attack-{marker.parent.name}-{marker.name}"


def _attacks(course: Path, listener_port: int, socket_path: str, marker: Path) -> dict[str, dict]:
    """student -> {"cell": code in the solution cell, "before": code of a cell before it, "problem": ...}."""
    source_path = course / "source" / NAME
    return {
        # --- verdict forging inside the kernel (an unanswered stub each) -------------------------
        "forge_exceptiongroup": {"cell": "def f():\n    raise ExceptionGroup('not done', [NotImplementedError()])"},
        "forge_custom_exc": {"before": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
                             "problem": "custom exception handler"},
        "forge_showtraceback": {"before": "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
                                          "ip._showtraceback = lambda *a, **k: None", "problem": "shadowed"},
        "forge_render_traceback": {"cell": "class Quiet(Exception):\n    def _render_traceback_(self):\n"
                                           "        raise RuntimeError('no traceback')\n"
                                           "def f():\n    raise Quiet()"},
        "forge_clear_output": {"before": "from IPython.display import clear_output\n"
                                         "get_ipython().events.register('post_run_cell', lambda *a: clear_output())",
                               "problem": "printed no verdict"},
        "forge_run_cell": {"before": "import IPython\nshell = get_ipython()\nreal = type(shell).run_cell\n"
                                     "def run_cell(self, raw_cell, *args, **kwargs):\n"
                                     "    return real(self, 'pass', *args, **kwargs)\n"
                                     "type(shell).run_cell = run_cell", "problem": "tampering suspected"},
        "forge_do_execute": {"before": "kernel = get_ipython().kernel\nreal = kernel.do_execute\n"
                                       "async def do_execute(code, *args, **kwargs):\n"
                                       "    return await real('pass', *args, **kwargs)\n"
                                       "kernel.do_execute = do_execute", "problem": "tampering suspected"},
        "forge_input_transformer": {"before": "get_ipython().input_transformers_cleanup.append("
                                              "lambda lines: ['pass\\n'] if any('assert' in l for l in lines) else lines)",
                                    "problem": "input_transformers_cleanup"},
        "forge_flood_then_error": {"cell": "def f():\n    print('x' * 200_000)\n    raise NotImplementedError()"},
        "forge_guard_line": {"before": "print('course-guard 0000000000000000 []')"},
        # --- tampering with what the test relies on --------------------------------------------
        "tamper_object_equal": {"cell": "class Anything:\n    def __eq__(self, other):\n        return True\n"
                                        "    __float__ = lambda self: 1.0\n"
                                        "def f():\n    import numpy\n    return numpy.array([Anything()], dtype=object)"},
        "tamper_numpy_asarray": {"before": "import numpy\nnumpy.asarray = lambda *a, **k: numpy.float64(1.0)",
                                 "problem": "np.asarray was replaced"},
        "tamper_numpy_submodule": {"before": "import numpy.core.numeric as numeric\n"
                                             "numeric.asarray = lambda *a, **k: 1.0"},
        "tamper_builtins_float": {"before": "import builtins\nbuiltins.float = lambda *a: 1.0",
                                  "problem": "builtins.float was replaced"},
        "tamper_builtins_import": {"before": "import builtins\nreal = builtins.__import__\n"
                                             "builtins.__import__ = lambda *a, **k: real(*a, **k)",
                                   "problem": "builtins.__import__ was replaced"},
        "tamper_serve": {"before": "import json\nimport course_lib.classroom.pristine as pristine\n"
                                   "pristine.serve = lambda namespace, request: json.dumps({'result': 1.0, 'after': []})",
                         "problem": "pristine.serve was replaced"},
        "return_object": {"cell": "class One(float):\n    def __eq__(self, other):\n        return True\n"
                                  "def f():\n    return [One(1.0)]"},
        "return_nested": {"cell": "def f():\n    value = []\n    for _ in range(100_000):\n        value = [value]\n"
                                  "    return value"},
        "tamper_settrace": {"before": "import sys\nsys.settrace(lambda *a: None)"},
        "tamper_profile": {"before": "import sys\nsys.setprofile = lambda *a: None", "problem": "sys.setprofile was replaced"},
        # --- secrets -----------------------------------------------------------------------------
        "leak_hidden_in_later_cell": {"cell": STUB, "after": "raise RuntimeError([c for c in In if 'HIDDEN' in c])"},
        "leak_hidden_in_message": {"cell": "def f():\n    raise AssertionError(str([c for c in In if 'HIDDEN' in c]))"},
        "leak_hidden_as_assert_text": {"cell": "def f():\n    import sys\n"
                                               "    raise AssertionError(''.join(c for c in In if 'HIDDEN' in c))"},
        "leak_environment": {"cell": _oracle(f"any({ENV_SECRET!r} in value for value in __import__('os').environ.values())"),
                             "after": "raise ValueError(str(dict(__import__('os').environ)))"},
        "read_source_notebook": {"cell": _oracle(f"'BEGIN SOLUTION' in open({str(source_path)!r}).read()")},
        "read_shadow": {"cell": _oracle("len(open('/etc/shadow').read()) > 0")},
        "read_git": {"cell": _oracle(f"__import__('os').path.exists({str(Path(__file__).resolve().parents[1] / '.git')!r})")},
        # --- the sandbox -------------------------------------------------------------------------
        "root_remount": {"cell": _oracle("r.returncode == 0", "import subprocess\n"
                                         "r = subprocess.run(['mount', '-o', 'remount,rw', '/'], capture_output=True)")},
        "root_uid": {"cell": _oracle("__import__('os').getuid() == 0 or 'CapEff:\\t0000000000000000' "
                                     "not in open('/proc/self/status').read()")},
        # the package's own folder is visible (read-only) inside the sandbox, so a write there that
        # succeeds is a write to the host; a path under /tmp only ever reaches the sandbox's tmpfs
        "write_host": {"cell": _oracle(f"open({str(_package_marker(marker))!r}, 'w').write('x') == 1")},
        "write_host_tmp": {"before": f"open({str(marker)!r}, 'w').write('x')"},
        "connect_tcp": {"cell": _oracle(f"__import__('socket').create_connection(('127.0.0.1', {listener_port}), 2)")},
        "connect_unix_socket": {"cell": _oracle("s.connect_ex(" + repr(socket_path) + ") == 0",
                                                "import socket\ns = socket.socket(socket.AF_UNIX)")},
        "fork_bomb": {"cell": _oracle("n > 5000", "import os, time\nn = 0\ntry:\n    for _ in range(20000):\n"
                                      "        if os.fork() == 0:\n            time.sleep(60)\n            os._exit(0)\n"
                                      "        n += 1\nexcept OSError:\n    pass")},
        "fill_disk": {"cell": _oracle("False", "try:\n    with open('big', 'wb') as h:\n"
                                      "        for _ in range(4096):\n            h.write(b'x' * 2**20)\n"
                                      "except OSError:\n    pass")},
        "memory_hog": {"cell": "def f():\n    hog = bytearray(8 * 2**30)\n    return 1.0"},
        # --- a class run that survives any one submission -------------------------------------
        "loop_forever": {"cell": "def f():\n    while True:\n        pass", "problem": "TimeoutError"},
        "ignore_interrupt": {"before": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)",
                             "cell": "def f():\n    while True:\n        try:\n            pass\n"
                                     "        except KeyboardInterrupt:\n            pass"},
        "output_flood": {"before": "import sys\nfor _ in range(300):\n    sys.stdout.write('y' * 1_000_000)\n"
                                   "    sys.stdout.flush()", "problem": "bytes of output"},
        "display_flood": {"before": "from IPython.display import display, update_display\n"
                                    "display('x', display_id='d')\nfor _ in range(1000):\n"
                                    "    update_display('z' * 100_000, display_id='d')", "problem": "bytes of output"},
        "many_cells": {"many": 400},
        "exit_kernel": {"before": "import os\nos._exit(0)", "problem": "the kernel died"},
    }


HONEST = {"honest": ("def f():\n    return 1.0", POINTS), "honest_unanswered": (STUB, 0.0)}


def _submission(student_nb: nbformat.NotebookNode, attack: dict) -> nbformat.NotebookNode:
    nb = copy.deepcopy(student_nb)
    index = next(i for i, cell in enumerate(nb.cells) if cell.metadata.get("nbgrader", {}).get("solution"))
    if "cell" in attack or "before" in attack:
        nb.cells[index].source = attack.get("cell", WRONG)
    if "after" in attack:
        nb.cells.append(new_code_cell(attack["after"]))
    if "before" in attack:
        nb.cells.insert(index, new_code_cell(attack["before"]))
    for number in range(attack.get("many", 0)):
        nb.cells.insert(index, new_code_cell(f"raise ValueError({number})"))
    return nb


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    (root / "source").mkdir()
    source = _source()
    nbformat.write(source, root / "source" / NAME)
    student_nb = build.student_notebook(source)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    unix_dir = Path("/run") if os.access("/run", os.W_OK) else root
    socket_path = str(unix_dir / f"attack-{uuid.uuid4().hex[:8]}.sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(socket_path)
    unix.listen()
    unix.settimeout(0.5)
    marker = root / "host-marker"
    attacks = _attacks(root, listener.getsockname()[1], socket_path, marker)
    submissions = root / "submitted"
    for student, attack in attacks.items():
        (submissions / student).mkdir(parents=True)
        nbformat.write(_submission(student_nb, attack), submissions / student / NAME)
    for student, (code, _) in HONEST.items():
        (submissions / student).mkdir(parents=True)
        nbformat.write(_submission(student_nb, {"cell": code}), submissions / student / NAME)
    # links: to the source notebook (with the solutions), and to a classmate's work
    (submissions / "link_to_source").mkdir()
    (submissions / "link_to_source" / NAME).symlink_to(root / "source" / NAME)
    (submissions / "link_to_classmate").mkdir()
    (submissions / "link_to_classmate" / NAME).symlink_to(submissions / "honest" / NAME)
    (submissions / "link_folder").symlink_to(submissions / "honest")
    secret_file = root / "secret.txt"
    secret_file.write_text("SECRET-FILE-CONTENT-91c2 not a notebook")
    (submissions / "hardlink_secret").mkdir()
    os.link(secret_file, submissions / "hardlink_secret" / NAME)
    (submissions / "not_a_notebook").mkdir()
    (submissions / "not_a_notebook" / NAME).write_text("SECRET-FILE-CONTENT-91c2 {\"cells\": 3")
    os.environ["GRADER_API_TOKEN"] = ENV_SECRET
    try:
        grades = classroom.grade_submissions(submissions, source_dir=root / "source", out_csv=root / "out" / "g.csv",
                                             timeout=TIMEOUT, workers=2, scheduler=None, sandbox="bwrap",
                                             memory=2**30, max_output_bytes=100_000)
    finally:
        os.environ.pop("GRADER_API_TOKEN", None)
    with pytest.raises(OSError):  # socket.timeout: nobody connected
        listener.accept()
    with pytest.raises(OSError):
        unix.accept()
    listener.close()
    unix.close()
    os.unlink(socket_path)
    return root, {grade.student: grade for grade in grades}, attacks, marker


def test_honest_students_get_exactly_their_points(attacked):
    _, grades, _, _ = attacked
    for student, (_, points) in HONEST.items():
        assert grades[student].points == points, (student, grades[student])
        assert grades[student].problem == "", (student, grades[student].problem)


@pytest.mark.parametrize("student", sorted(_attacks(Path("/x"), 1, "/x", Path("/x"))))
def test_no_attack_earns_a_point(attacked, student):
    _, grades, attacks, _ = attacked
    grade = grades[student]
    assert grade.points == 0.0, (student, grade.problem, [check.message for check in grade.checks])
    expected = attacks[student].get("problem")
    if expected:
        seen = grade.problem + " ".join(check.message for check in grade.checks)
        assert expected in seen, (student, grade.problem, [check.message for check in grade.checks])


@pytest.mark.parametrize("student", ["link_to_source", "link_to_classmate", "link_folder"])
def test_links_are_refused_and_named(attacked, student):
    _, grades, _, _ = attacked
    assert grades[student].points == 0.0
    assert "symbolic link" in grades[student].problem


def test_hard_links_and_non_notebooks_are_refused_without_quoting_them(attacked):
    root, grades, _, _ = attacked
    assert grades["hardlink_secret"].points == 0.0 and "hard links" in grades["hardlink_secret"].problem
    assert grades["not_a_notebook"].points == 0.0 and "not a valid notebook" in grades["not_a_notebook"].problem


def test_nothing_secret_reaches_a_page_or_the_gradebook(attacked):
    root, _, _, _ = attacked
    out = root / "out"
    pages = [path for path in out.rglob("*") if path.is_file() and path.suffix in (".html", ".csv")]
    assert any(path.name == "g.csv" for path in pages) and any(path.suffix == ".html" for path in pages)
    for path in pages:
        text = path.read_text(encoding="utf-8")
        for secret in (HIDDEN_SENTINEL, ENV_SECRET, "SECRET-FILE-CONTENT-91c2", "BEGIN HIDDEN TESTS"):
            assert secret not in text, f"{secret!r} in {path.name}"


def test_the_host_was_not_touched(attacked):
    _, _, _, marker = attacked
    package_marker = _package_marker(marker)
    written = package_marker.exists()
    package_marker.unlink(missing_ok=True)
    assert not written and not marker.exists()
    leftover = [line for line in os.popen("ps -eo args").read().splitlines() if "ipykernel" in line and "bwrap" in line]
    assert not leftover, leftover
    # every bubblewrap the grader started was reaped: none is left a zombie child of this process
    children = os.popen(f"ps -o stat=,comm= --ppid {os.getpid()}").read().splitlines()
    assert not [line for line in children if line.lstrip().startswith("Z")], children


def test_the_gradebook_has_a_row_for_everyone(attacked):
    root, grades, attacks, _ = attacked
    with open(root / "out" / "g.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["student"] for row in rows} == set(grades) == set(attacks) | set(HONEST) | {
        "link_to_source", "link_to_classmate", "link_folder", "hardlink_secret", "not_a_notebook"}


def test_without_the_sandbox_one_kernel_leaves_nothing_for_the_next(tmp_path):
    """A startup file and a user site .pth written by one student never run in the next one's kernel."""
    source = _source()
    (tmp_path / "source").mkdir()
    nbformat.write(source, tmp_path / "source" / NAME)
    student_nb = build.student_notebook(source)
    token = uuid.uuid4().hex[:12]
    startup = ("import os, site\n"
               "for home in {os.path.expanduser('~'), os.environ.get('IPYTHONDIR', '')}:\n"
               "    if home:\n"
               "        folder = os.path.join(home, '.ipython', 'profile_default', 'startup')\n"
               "        os.makedirs(folder, exist_ok=True)\n"
               f"        open(os.path.join(folder, '00-{token}.py'), 'w').write('import builtins; builtins.PWNED = 1')\n"
               "os.makedirs(site.getusersitepackages(), exist_ok=True)\n"
               f"open(os.path.join(site.getusersitepackages(), '{token}.pth'), 'w').write('import builtins; builtins.PWNED = 1')\n")
    victim = _oracle("getattr(__import__('builtins'), 'PWNED', 0) == 1")
    for student, attack in {"a_writes": {"before": startup, "cell": STUB}, "b_victim": {"cell": victim}}.items():
        (tmp_path / "submitted" / student).mkdir(parents=True)
        nbformat.write(_submission(student_nb, attack), tmp_path / "submitted" / student / NAME)
    real_home = Path(os.path.expanduser("~"))
    try:
        grades = classroom.grade_submissions(tmp_path / "submitted", source_dir=tmp_path / "source",
                                             out_csv=tmp_path / "out" / "g.csv", timeout=TIMEOUT, workers=1,
                                             scheduler=None, sandbox="none")
    finally:  # the real home may have been written: this test runs as the grader would, unprotected
        for path in [*real_home.glob(f".ipython/profile_default/startup/00-{token}.py"),
                     *real_home.glob(f".local/lib/python*/site-packages/{token}.pth")]:
            path.unlink()
    assert {grade.student: grade.points for grade in grades} == {"a_writes": 0.0, "b_victim": 0.0}
