"""The wheel, and the course run from a regular (non-editable) install outside the clone.

A student on Colab or an instructor building a JupyterHub image installs the package with
pip, not from a clone.  These tests build the wheel as pip does, check what it carries, install
it without its dependencies (they come from this environment) into a temporary folder, and from
another temporary folder run ``saliency-course init`` and notebooks 00 and 06 (the shipped model)
against that copy.  About 60 s on 2 cores, most of it the two notebooks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib import course_files
from course_lib.classroom import build, markup, runner, submissions

ROOT = Path(__file__).resolve().parents[1]
RUN_NOTEBOOKS = ("00_what_is_saliency.ipynb", "06_gradient_saliency_simonyan.ipynb")
# s per cell: notebook 06 imports torch and loads the model, and its CS231n class models (two ascents of
# 100 steps on EfficientNet-Lite0) run on one thread here; on a busy 2-core machine that passed 120 s
CELL_TIMEOUT = 300
# The build copies the tree without these (a clone's own environment and build outputs).
NOT_SOURCES = (".git", ".venv", ".venv-latest", ".venv-lock", "grading", "submitted", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
               ".ipynb_checkpoints")


def _course_files() -> dict[str, Path]:
    """What the wheel must carry, by its path inside the wheel."""
    package = ROOT / "course_lib"
    expected = {f"course_lib/{path.relative_to(package).as_posix()}": path
                for pattern in ("*.py", "*.js") for path in package.rglob(pattern) if "__pycache__" not in path.parts}
    expected.update({f"course_lib/data/models/{path.name}": path
                     for path in (package / "data" / "models").iterdir()})
    for folder in ("notebooks", "apps"):
        expected.update({f"course_lib/{folder}/{path.name}": path for path in (ROOT / folder).glob("*.ipynb")})
    return expected


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from this tree (built from a copy: no build/ or egg-info left here)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--wheel-dir", str(work / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = (work / "dist").glob("saliency_course-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A non-editable install of the wheel, without dependencies: its ``--target`` folder."""
    site = tmp_path_factory.mktemp("site")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return site


def _environment(site: Path) -> dict[str, str]:
    # PYTHONPATH puts the installed copy before this environment's site-packages (which may hold an
    # editable install of the clone); the dependencies still come from this environment.  One torch
    # thread: on a busy 2-core machine the second one spin-waits (notebook 06 took 90 s of CPU and
    # 290 s with two threads, 22 s of CPU and 63 s with one, at a load average of 8).
    return {**os.environ, "PYTHONPATH": str(site), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}


def test_wheel_carries_the_package_the_model_and_the_notebooks(wheel):
    """Everything as in the tree, except the course notebooks: their public build (setup.py)."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        expected = _course_files()
        assert sorted(set(expected) - names) == []  # a sub-package missing from pyproject shows here
        for name, path in expected.items():
            if name.startswith("course_lib/notebooks/"):
                public = json.loads(archive.read(name))
                nb = json.loads(path.read_text(encoding="utf-8"))
                for cell in nb["cells"]:
                    cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                assert public == markup.public_notebook(nb), name
            else:
                assert archive.read(name) == path.read_bytes(), name
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "saliency-course = course_lib.cli:main" in archive.read(entry_points).decode()
    (metadata,) = {name.split("/")[0] for name in names} - {"course_lib"}  # nothing else at the top
    assert metadata.endswith(".dist-info")
    assert len([n for n in names if n.startswith("course_lib/notebooks/")]) == 11


def test_installing_the_course_hands_out_no_hidden_test_and_no_sample_answer(wheel, tmp_path):
    """A graded class's students can install the course: its notebooks hold the visible tests and the
    reference solutions (in course_lib anyway), never a hidden test or a sample answer; the grader refuses
    them as sources, and the student build made from them is the one made from the instructor notebooks."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "wheel", [n for n in archive.namelist() if n.startswith("course_lib/notebooks/")])
    installed_notebooks = tmp_path / "wheel" / "course_lib" / "notebooks"
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = nbformat.read(path, as_version=4)
        public = nbformat.read(installed_notebooks / path.name, as_version=4)
        text = (installed_notebooks / path.name).read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in text and markup.is_public(public)
        shown = "\n".join(cell.source for cell in public.cells)
        # what a student may see, computed apart from public_notebook: hidden regions cut out, answers dropped
        visible = "\n".join(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
                            for cell in source.cells if not markup.is_answer(cell))
        for cell in source.cells:
            if markup.is_test(cell) and "BEGIN HIDDEN TESTS" in cell.source:
                hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                for line in (line.strip() for line in hidden.split("\n") if len(line.strip()) > 30):
                    # a line that is also a visible test's (a helper call, say) may be shown as often as it is visible
                    assert (sum(own.strip() == line for own in shown.split("\n"))
                            == sum(own.strip() == line for own in visible.split("\n"))), line
            if markup.is_answer(cell):
                sample, rubric = markup.split_rubric(cell.source)
                assert sample[:60] not in text and (not rubric or rubric[:60] not in text)
        assert nbformat.writes(build.student_notebook(public)) == nbformat.writes(build.student_notebook(source))
    assert markup.check_markup(installed_notebooks) == []
    with pytest.raises(ValueError, match="carry no hidden tests and no sample answers"):
        submissions._sources(installed_notebooks, None)


def test_installed_copy_finds_its_model_and_notebooks(installed, tmp_path):
    assert not tmp_path.resolve().is_relative_to(ROOT)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import course_lib\n"
         "from course_lib import course_files, models\n"
         "print(course_lib.__file__)\n"
         "print(course_files.course_folder('notebooks'))\n"
         "print(models.load_model().classes[0])\n"],
        cwd=tmp_path, env=_environment(installed), capture_output=True, text=True, timeout=300,
    )
    assert probe.returncode == 0, probe.stderr
    package_file, notebooks, first_class = probe.stdout.split("\n")[:3]
    assert package_file == str(installed / "course_lib" / "__init__.py")
    assert notebooks == str(installed / "course_lib" / "notebooks")
    assert first_class == "disk"


class _CurrentPythonManager(runner.kernel_manager_class()):
    """The grader's kernel manager (no idle wait after widget cells); kernels run this interpreter
    (the dependencies' environment), whatever kernelspec is found."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, *command[1:]]


def _execute(path: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import course_lib\nprint(course_lib.__file__)"))
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            kernel_manager_class=_CurrentPythonManager,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    return notebook


def test_init_and_notebooks_run_from_the_installed_copy(installed, tmp_path):
    env = _environment(installed)
    script = installed / "bin" / "saliency-course"
    init = subprocess.run([str(script), "init", "course"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert init.returncode == 0, init.stderr
    assert "copied 12 notebook(s) to course" in init.stdout
    assert "no hidden tests or sample answers" in init.stdout
    course = tmp_path / "course"
    packaged = installed / "course_lib"
    expected = sorted([*packaged.joinpath("notebooks").glob("*.ipynb"), *packaged.joinpath("apps").glob("*.ipynb")])
    assert sorted(p.name for p in course.iterdir()) == sorted(p.name for p in expected)
    for name in RUN_NOTEBOOKS:
        executed = _execute(course / name, env)  # a cell's error raises CellExecutionError
        last = executed.cells[-1].outputs
        assert last[0]["text"].strip() == str(packaged / "__init__.py"), name



def test_setup_cell_installs_the_package_only_where_it_is_missing(wheel, tmp_path):
    """Every notebook's first code cell, run where ``course_lib`` is missing (as on Colab)."""
    site_packages = Path(pytest.__file__).resolve().parents[1]  # this environment's dependencies
    target = tmp_path / "site"
    target.mkdir()
    cell = course_files.SETUP_CELL + "\nprint(course_lib.__file__)"
    env = {**os.environ, "SALIENCY_COURSE_SOURCE": str(wheel), "PIP_TARGET": str(target),
           "PIP_NO_DEPS": "1", "PIP_NO_INDEX": "1", "PYTHONPATH": f"{target}{os.pathsep}{site_packages}"}
    # -S skips the .pth files, so the clone's editable install is invisible and the import fails
    missing = subprocess.run([sys.executable, "-S", "-c", "import course_lib"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "No module named 'course_lib'" in missing.stderr
    run = subprocess.run([sys.executable, "-S", "-c", cell], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(target / "course_lib" / "__init__.py")
    # where course_lib imports, the cell installs nothing (a source that cannot exist is never read)
    present = subprocess.run([sys.executable, "-c", cell], cwd=ROOT,
                             env={**env, "SALIENCY_COURSE_SOURCE": str(tmp_path / "no-such.whl")},
                             capture_output=True, text=True, timeout=60)
    assert present.returncode == 0, present.stderr
    assert present.stdout.strip() == str(ROOT / "course_lib" / "__init__.py")
