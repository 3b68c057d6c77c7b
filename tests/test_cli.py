"""Tests of the saliency-course command line (run in a subprocess, as a user would)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from course_lib import cli


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "course_lib.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_subcommands():
    result = _run("--help")
    assert result.returncode == 0
    assert "map" in result.stdout


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
