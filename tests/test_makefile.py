"""What the Makefile's housekeeping targets do, read from `make -n` (nothing is run)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _dry_run(*args: str) -> list[str]:
    result = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _grading_folder(grading: str | None = None) -> Path:
    """The folder `make grade` writes to, from its own command line."""
    extra = [f"GRADING={grading}"] if grading else []
    for line in _dry_run("grade", *extra):
        if "saliency-course grade" in line:
            out = shlex.split(line)[shlex.split(line).index("--out") + 1]
            return (ROOT / out).resolve().parent
    raise AssertionError("make -n grade shows no `saliency-course grade` command")


@pytest.mark.parametrize("grading", [None, "term-2027"])
def test_make_clean_never_touches_the_grading_output(grading):
    folder = _grading_folder(grading)
    assert folder != ROOT and not (ROOT / "build").resolve() in (folder, *folder.parents)
    removed = []
    for line in _dry_run("clean", *([f"GRADING={grading}"] if grading else [])):
        words = shlex.split(line)
        if words[:1] == ["rm"]:
            removed += [word for word in words[1:] if not word.startswith("-")]
    assert removed, "make -n clean removes nothing?"
    for pattern in removed:
        for path in [ROOT / pattern, *ROOT.glob(pattern)]:
            path = path.resolve()
            assert path != folder and path not in folder.parents, f"make clean removes {pattern}, which holds the grading"
    assert "submitted" not in " ".join(removed)


def test_student_work_and_grading_are_ignored_by_git():
    ignored = subprocess.run(["git", "check-ignore", "submitted/alice/00.ipynb", "grading/gradebook.csv"],
                             cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == ["submitted/alice/00.ipynb", "grading/gradebook.csv"]
