"""Tests of the saliency-course command line (run in a subprocess, as a user would)."""

from __future__ import annotations

import os
import re
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


# --------------------------------------------------------------------------
# map: the image's declared size is checked before anything is decoded
# --------------------------------------------------------------------------
def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR declares ``width`` x ``height`` grey pixels (its IDAT holds a few bytes)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [20000, 40000])
def test_map_refuses_a_declared_size_above_the_cap_before_decoding(tmp_path, monkeypatch, capsys, side):
    import tracemalloc

    from course_lib import images

    forged = tmp_path / "forged.png"
    forged.write_bytes(_png_header(side, side))
    assert forged.stat().st_size < 200

    def decoded(*args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(cv2, "imdecode", decoded)
    monkeypatch.setattr(images, "load_image", decoded)
    tracemalloc.start()
    try:
        assert cli.main(["map", str(forged), "-o", str(tmp_path / "out.png")]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # numpy's buffers are traced: no 400-megapixel array was made
    err = capsys.readouterr().err
    assert err == (f"saliency-course: error: IMAGE {str(forged)!r} declares {side}x{side} pixels "
                   f"({side * side // 10**6} megapixels), more than the 50 megapixels that map decodes: "
                   "scale it down first\n")
    assert not (tmp_path / "out.png").exists()


def test_map_cap_lets_sizes_up_to_the_limit_through_and_leaves_pillow_s_own_limit_alone(tmp_path):
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    at_cap = tmp_path / "at_cap.png"
    at_cap.write_bytes(_png_header(10000, cli.MAX_MAP_PIXELS // 10000))
    cli._check_declared_size(str(at_cap))  # not refused here (decoding then says the data are short)
    (tmp_path / "not_an_image.png").write_text("hello")
    cli._check_declared_size(str(tmp_path / "not_an_image.png"))  # left to load_image, which says so
    cli._check_declared_size("astronaut")  # a sample
    with pytest.raises(ValueError, match="declares 10000x5001 pixels"):
        (tmp_path / "over.png").write_bytes(_png_header(10000, cli.MAX_MAP_PIXELS // 10000 + 1))
        cli._check_declared_size(str(tmp_path / "over.png"))
    assert Image.MAX_IMAGE_PIXELS == limit


def test_map_of_a_real_image_file_still_works(tmp_path):
    image = tmp_path / "small.png"
    cv2.imwrite(str(image), np.full((40, 60, 3), 128, np.uint8))
    assert cli.main(["map", str(image), "-o", str(tmp_path / "out.png")]) == 0
    assert cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_UNCHANGED).shape == (40, 60)


def test_load_image_turns_opencv_s_own_refusal_into_a_value_error(tmp_path):
    from course_lib import images

    forged = tmp_path / "huge.png"
    forged.write_bytes(_png_header(40000, 40000))  # above OpenCV's 2**30 pixels: cv2.error before
    with pytest.raises(ValueError, match="could not be read as an image"):
        images.load_image(forged)


# --------------------------------------------------------------------------
# Every sub-command's errors name the flag the user typed, not a Python parameter
# --------------------------------------------------------------------------
_META = {"locked": True, "schema_version": 3, "solution": False, "task": False, "grade": True,
         "grade_id": "t1", "points": 1}


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A tiny source folder (one notebook with a test), a submissions folder, a plain file; cwd is tmp_path."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("assert True", metadata={"nbgrader": _META})]),
                   tmp_path / "src" / "00_a.ipynb")
    (tmp_path / "sub" / "alice").mkdir(parents=True)
    (tmp_path / "afile").write_text("x")
    return tmp_path


GRADE = ["grade", "sub", "--source", "src", "--scheduler", "none", "--sandbox", "none"]


@pytest.mark.parametrize("argv, expected", [
    (["map", "nope.png"], "IMAGE 'nope.png' is neither a sample name"),
    (["student", "--source", "nope", "--out", "x"], "--source must be a folder of notebooks, got 'nope'"),
    (["student", "--source", "src", "--out", "src"], "--out must differ from --source (it would overwrite"),
    (["grade", "nope", "--source", "src"], "SUBMISSIONS must be an existing folder, got 'nope'"),
    ([*GRADE, "--out", "g.txt"], "--out must end in .csv, got 'g.txt'"),
    ([*GRADE, "--timeout", "-1"], "--timeout must be > 0, got -1.0"),
    ([*GRADE, "--max-output-bytes", "0"], "--max-output-bytes must be > 0, got 0"),
    ([*GRADE, "--workers", "0"], "--workers must be an integer >= 1, got 0"),
    ([*GRADE, "--memory", "0.1"], "--memory must be at least 0.125 (GiB, that is 128 MiB), got 0.1"),
    ([*GRADE, "--memory", "nan"], "--memory must be at least 0.125 (GiB, that is 128 MiB), got nan"),
    ([*GRADE, "--memory", "inf"], "--memory must be at least 0.125 (GiB, that is 128 MiB), got inf"),
    ([*GRADE[:-4], "--scheduler", "foo"], "--scheduler must be 'local', 'none' or an address like tcp://"),
    (["grade", "sub", "--source", "nope"], "--source must be an existing folder, got 'nope'"),
    ([*GRADE, "--manual-scores", "nope.csv"], "--manual-scores must be an existing CSV file, got 'nope.csv'"),
    ([*GRADE, "--notebook", "99"], "--notebook '99' names no notebook; give a number such as '00' or '05b', or "
                                   "a name, of ['00_a.ipynb']"),
    ([*GRADE, "--extra-tests", "nope"], "--extra-tests must be a folder, got 'nope'"),
    ([*GRADE, "--feedback", "afile"], "--feedback must be a folder (created when missing), but 'afile' is a file"),
    ([*GRADE, "--feedback", "afile/f"], "--feedback must be a folder (created when missing), but 'afile' is a file"),
    ([*GRADE, "--out", "afile/g.csv"], "--out must be in a folder (created when missing), but 'afile' is a file"),
    (["collect", "nope.zip"], "ZIP must be an LMS download (a .zip file or the folder it was extracted to)"),
    (["collect", "afile"], "ZIP 'afile' is not a zip file"),
    (["similarity", "nope"], "SUBMISSIONS must be an existing folder, got 'nope'"),
    (["similarity", "sub", "--source", "src", "--threshold", "2"], "--threshold must be a number in [0, 1], got 2.0"),
    (["similarity", "sub", "--source", "src", "--top", "-1"], "--top must be an integer >= 0, got -1"),
    (["similarity", "sub", "--source", "src", "--out", "afile"], "--out 'afile': File exists"),
    (["progress", "--folder", "nope"], "--folder must be an existing folder, got 'nope'"),
    (["progress", "99", "--folder", "src"], "NOTEBOOK '99' names no notebook"),
    (["progress", "0", "--folder", "src", "--timeout", "0"], "--timeout must be > 0, got 0.0"),
    (["progress", "afile"], "NOTEBOOK must be a notebook (.ipynb) or a folder, got 'afile'"),
])
def test_errors_name_the_flag_not_the_python_parameter(folders, capsys, argv, expected):
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("saliency-course: error: ") and expected in err
    named = [name for name in cli.FLAGS if re.search(rf"(?<![\w-]){name}(?![\w-])", err.split(": ", 1)[1])
             and "_" in name]
    assert not named, f"{err!r} names Python parameters {named}"


def test_name_flags_rewrites_only_parameter_names():
    flags = {**cli.FLAGS, "notebooks": "NOTEBOOK"}
    assert cli._name_flags("out (--out) must be a folder", flags) == "--out must be a folder"
    assert cli._name_flags("manual_scores line 3: points must be a number", flags) == (
        "--manual-scores line 3: points must be a number")
    assert cli._name_flags("out_dir must differ from src_dir (it would overwrite)", flags) == (
        "--out must differ from --source (it would overwrite)")
    # a plain word is a parameter only where the message opens with it; paths and quotes are left alone
    assert cli._name_flags("the top of the timeout", flags) == "the top of the timeout"
    assert cli._name_flags("cannot read '/data/source_dir/out_csv.ipynb'", flags) == (
        "cannot read '/data/source_dir/out_csv.ipynb'")
    assert cli._name_flags("notebooks '9' names no notebook", flags) == "NOTEBOOK '9' names no notebook"


def test_errors_about_a_path_name_the_flag_that_gave_it_never_the_seed(tmp_path, monkeypatch):
    import argparse

    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(seed="elsewhere", submissions="submitted", out="grading/gradebook.csv", method="lc")
    error = PermissionError(13, "Permission denied", "grading/.results/alice")
    assert cli._path_flag(error, args) == ("--out 'grading/gradebook.csv': Permission denied "
                                           "(grading/.results/alice)")
    assert cli._path_flag(FileNotFoundError(2, "No such file", "submitted"), args) == (
        "SUBMISSIONS 'submitted': No such file")
    assert cli._path_flag(FileNotFoundError(2, "No such file", "grading"), args) == (
        "--out 'grading/gradebook.csv': No such file (grading)")  # the folder the gradebook goes in
    assert cli._path_flag(FileNotFoundError(2, "No such file", "elsewhere"), args) == (
        "[Errno 2] No such file: 'elsewhere'")  # the seed's value, but never called --seed
    assert cli._path_flag(OSError("no file"), args) == "no file"


# --------------------------------------------------------------------------
# progress: each notebook named as its check starts, the result when it ends
# --------------------------------------------------------------------------
def test_progress_command_prints_each_notebook_as_it_is_checked(folders, capsys):
    notebook = (folders / "src" / "00_a.ipynb").read_bytes()
    (folders / "mine").mkdir()
    (folders / "mine" / "00_a.ipynb").write_bytes(notebook)
    (folders / "mine" / "01_b.ipynb").write_bytes(notebook)  # not asked for: not checked
    assert cli.main(["progress", "00", "--folder", "mine", "--timeout", "60"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("checking 1 notebook(s) of 'mine' as saved on disk (save a notebook open in Jupyter "
                        "first: unsaved changes are not seen)")
    assert lines[1:3] == ["00_a.ipynb: running its tests ...", "00_a.ipynb: 1 / 1 points"]
    assert lines[-1] == "1 of 1 exercise tests pass"
    # unchanged: from the cache, not run again
    assert cli.main(["progress", "00", "--folder", "mine", "--timeout", "60"]) == 0
    assert "00_a.ipynb: 1 / 1 points  (unchanged since the last check)" in capsys.readouterr().out
    assert cli.main(["progress", "00", "--folder", "mine", "--no-cache"]) == 0
    assert "running its tests" in capsys.readouterr().out
