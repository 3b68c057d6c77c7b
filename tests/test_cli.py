"""Tests of the saliency-course command line (run in a subprocess, as a user would)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from course_lib import cli, course_files

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "course_lib.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_subcommands():
    result = _run("--help")
    assert result.returncode == 0
    assert "map" in result.stdout


def test_version_is_the_installed_distribution_s():
    import importlib.metadata

    import course_lib

    expected = importlib.metadata.version("saliency-course")
    assert course_lib.__version__ == expected
    result = _run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"saliency-course {expected}"


def test_map_writes_a_png_of_the_input_size(tmp_path):
    output = tmp_path / "out.png"
    result = _run("map", "colour_pop_out", "--method", "lc", "-o", str(output))
    assert result.returncode == 0, result.stderr
    written = cv2.imread(str(output), cv2.IMREAD_UNCHANGED)
    assert written.shape == (320, 320) and written.dtype == np.uint8
    assert written.max() == 255


def test_missing_file_gives_one_line_error_and_nonzero_exit(tmp_path):
    result = _run("map", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "x.png"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("saliency-course: error:")
    assert not (tmp_path / "x.png").exists()


def test_unknown_method_is_refused_by_the_parser(tmp_path):
    result = _run("map", "astronaut", "--method", "nope", "-o", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_in_process_errors_for_bad_output_paths(tmp_path, capsys):
    assert cli.main(["map", "colour_pop_out", "-o", str(tmp_path / "out.jpg")]) == 1
    assert "--output must end in .png" in capsys.readouterr().err
    assert cli.main(["map", "colour_pop_out", "-o", str(tmp_path / "no" / "out.png")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_every_registered_method_resolves_to_a_callable():
    for name in cli.METHODS:
        assert callable(cli.resolve_method(name))
    with pytest.raises(ValueError, match="method must be one of"):
        cli.resolve_method("nope")


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("saliency-course")
    if not script.exists():
        pytest.skip("package not installed with its console script in this environment")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "map" in result.stdout


# --------------------------------------------------------------------------
# init: the course notebooks copied into a folder of the user's own
# --------------------------------------------------------------------------
COURSE = sorted([*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "apps").glob("*.ipynb")])


def test_init_creates_the_folder_and_copies_the_course(tmp_path, capsys):
    target = tmp_path / "new" / "course"
    assert cli.main(["init", str(target)]) == 0
    count = len(course_files.course_notebooks())
    assert f"copied {count} notebook(s) to {target}" in capsys.readouterr().out
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in COURSE)
    for source in COURSE:
        assert (target / source.name).read_bytes() == source.read_bytes()


def test_init_leaves_identical_files_alone_and_keeps_changed_ones(tmp_path, capsys):
    target = tmp_path / "course"
    assert cli.main(["init", str(target)]) == 0
    capsys.readouterr()
    changed = target / "00_what_is_saliency.ipynb"
    changed.write_text("my work")
    identical = target / "01_gaussian_pyramids.ipynb"
    os.utime(identical, (1_000_000_000, 1_000_000_000))
    assert cli.main(["init", str(target)]) == 0
    out = capsys.readouterr().out
    count = len(course_files.course_notebooks())
    assert "copied 0 notebook(s)" in out and f"{count - 1} already up to date" in out
    assert "kept 1 notebook(s) that differ from the course's (--force overwrites them): 00_what_is_saliency.ipynb" in out
    assert changed.read_text() == "my work"
    assert identical.stat().st_mtime == 1_000_000_000  # not rewritten
    (target / "explorers.ipynb").unlink()
    assert cli.main(["init", str(target)]) == 0
    assert "copied 1 notebook(s)" in capsys.readouterr().out
    assert cli.main(["init", str(target), "--force"]) == 0
    out = capsys.readouterr().out
    assert "copied 1 notebook(s)" in out and "kept" not in out
    assert changed.read_bytes() == (ROOT / "notebooks" / changed.name).read_bytes()
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in COURSE)  # no partial files left


def test_init_says_the_default_copies_hold_the_solutions(tmp_path, capsys):
    assert cli.main(["init", str(tmp_path / "course")]) == 0
    assert "reference solutions, hidden tests and sample answers" in capsys.readouterr().out
    assert cli.main(["init", str(tmp_path / "class"), "--student"]) == 0
    assert "reference solutions" not in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--student", "--self-study"])
def test_init_student_copies_no_solution_hidden_test_sample_answer_or_rubric(tmp_path, capsys, flag):
    """A graded class's copies: stubs, visible tests only, "YOUR ANSWER HERE" (self-study: solutions collapsed)."""
    import nbformat

    from course_lib.classroom import markup

    target = tmp_path / "class"
    assert cli.main(["init", str(target), flag]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in COURSE)
    copies = {path.name: nbformat.read(path, as_version=4) for path in sorted(target.glob("*.ipynb"))}
    exercises = 0
    for name, nb in copies.items():
        for cell in nb.cells:
            hidden_in_self_study = flag == "--self-study" and cell.get("metadata", {}).get("jupyter", {}).get("source_hidden")
            if markup.is_solution(cell) and cell.cell_type == "code":
                exercises += 1
                assert "BEGIN SOLUTION" not in cell.source and "raise NotImplementedError()" in cell.source, name
            elif markup.is_answer(cell):
                assert cell.source.strip() == "YOUR ANSWER HERE", (name, cell.source[:80])
            elif not hidden_in_self_study:
                assert "BEGIN HIDDEN TESTS" not in cell.source and "#### Rubric" not in cell.source, name
                assert "### BEGIN SOLUTION" not in cell.source, name
    assert exercises >= 30
    # running init again leaves the student's copies alone
    capsys.readouterr()
    assert cli.main(["init", str(target), flag]) == 0
    assert "copied 0 notebook(s)" in capsys.readouterr().out


def test_init_keeps_other_files_in_the_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(["init", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_init_errors_name_the_argument(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert cli.main(["init", str(a_file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("saliency-course: error: DIR must be a folder") and repr(str(a_file)) in err
    assert a_file.read_text() == "x"
    assert cli.main(["init", ""]) == 1
    assert "DIR must name a folder, got an empty path" in capsys.readouterr().err
    (tmp_path / "course" / "03_center_surround_and_normalization.ipynb").mkdir(parents=True)
    assert cli.main(["init", str(tmp_path / "course")]) == 1
    assert "DIR has a folder where the notebook '03_center_surround_and_normalization.ipynb' goes" in (
        capsys.readouterr().err)
    assert sorted(p.name for p in (tmp_path / "course").iterdir()) == ["03_center_surround_and_normalization.ipynb"]


def test_init_without_dir_is_refused_by_the_parser():
    result = _run("init")
    assert result.returncode == 2 and "DIR" in result.stderr


# --------------------------------------------------------------------------
# student / grade: ./notebooks in a clone, the installed notebooks elsewhere
# --------------------------------------------------------------------------
def test_source_folder_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli._source_folder("elsewhere") == "elsewhere"
    assert Path(cli._source_folder(None)) == course_files.course_folder("notebooks")
    (tmp_path / "notebooks").mkdir()
    assert cli._source_folder(None) == "notebooks"


def test_student_outside_a_clone_builds_from_the_installed_notebooks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["student", "--out", "student"]) == 0
    count = len([p for p in course_files.course_notebooks() if p.parent.name != "apps"])
    assert f"wrote {count} student notebook(s) to student" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "student").glob("*.ipynb")) == [
        p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
