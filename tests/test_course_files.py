"""Tests of course_lib.course_files: where the course's notebooks are, and copying them.

The command line's use of it (``saliency-course init``) is tested in test_cli.py, a wheel
install in test_packaging.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course_lib import course_files

ROOT = Path(__file__).resolve().parents[1]


def test_in_a_clone_the_folders_are_the_repository_s_own():
    assert course_files.course_folder("notebooks") == ROOT / "notebooks"
    assert course_files.course_folder("apps") == ROOT / "apps"
    names = [path.name for path in course_files.course_notebooks()]
    assert names == [*sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")), "explorers.ipynb"]
    assert len(names) == len(list((ROOT / "notebooks").glob("*.ipynb"))) + 1


def test_packaged_folders_come_first(tmp_path, monkeypatch):
    package = tmp_path / "site" / "course_lib"
    (package / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(course_files.resources, "files", lambda name: package)
    assert course_files.course_folder("notebooks") == package / "notebooks"


def test_missing_course_files_are_reported(tmp_path, monkeypatch):
    package = tmp_path / "site" / "course_lib"
    package.mkdir(parents=True)
    monkeypatch.setattr(course_files.resources, "files", lambda name: package)
    with pytest.raises(FileNotFoundError, match="the course's apps are not installed with course_lib"):
        course_files.course_folder("apps")


def test_copy_course_report(tmp_path):
    first = course_files.copy_course(tmp_path / "a" / "b")
    count = len(course_files.course_notebooks())
    assert len(first.written) == count and first.unchanged == first.skipped == []
    (tmp_path / "a" / "b" / "explorers.ipynb").write_text("{}")
    again = course_files.copy_course(tmp_path / "a" / "b")
    assert again.written == [] and again.skipped == ["explorers.ipynb"] and len(again.unchanged) == count - 1
    forced = course_files.copy_course(str(tmp_path / "a" / "b"), force=True)
    assert forced.written == ["explorers.ipynb"] and forced.skipped == []


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: course_files.course_folder("data"), ValueError, r"kind must be one of \('notebooks', 'apps'\), got 'data'"),
    (lambda: course_files.copy_course(3), TypeError, r"directory must be a path \(str or os.PathLike\), got int"),
    (lambda: course_files.copy_course(""), ValueError, "directory must name a folder, got an empty path"),
    (lambda: course_files.copy_course(".", force="yes"), TypeError, "force must be True or False, got 'yes'"),
    (lambda: course_files.copy_course(Path(__file__)), ValueError, "directory must be a folder .*, which is a file"),
])
def test_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_every_notebook_starts_with_the_set_up_cell_and_the_repository_agrees_everywhere():
    import tomllib

    import nbformat

    root = Path(__file__).resolve().parents[1]
    for path in sorted(course_files.course_folder("notebooks").glob("*.ipynb")):  # not the voila app
        cells = nbformat.read(path, as_version=4).cells
        first_code = next(cell for cell in cells if cell.cell_type == "code")
        assert first_code.source == course_files.SETUP_CELL, path.name
    readme = (root / "README.md").read_text()
    assert f"```python\n{course_files.SETUP_CELL}\n```" in readme
    repository = course_files.REPOSITORY
    assert f"https://mybinder.org/v2/gh/{repository}/HEAD" in readme
    assert f"https://colab.research.google.com/github/{repository}/blob/main/notebooks/" in readme
    assert f"git+https://github.com/{repository}\"" in readme
    assert f"<{course_files.SITE}>" in readme
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Repository"] == f"https://github.com/{repository}"


def test_every_stored_widget_view_has_its_stored_state():
    """A widget output renders in a notebook viewer only from the state saved beside it."""
    import nbformat

    for path in sorted(course_files.course_folder("notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        views = [output.data["application/vnd.jupyter.widget-view+json"]["model_id"]
                 for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
                 if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
        missing = [model for model in views if model not in state]
        assert not missing, f"{path.name}: widget views without their state (re-execute with the runner)"


def test_every_cell_that_draws_stores_its_figure():
    """Notebooks are committed with their figures, explorers with a static picture of their frame
    (re-executed with course_lib.classroom.runner)."""
    import re

    import nbformat

    draws = re.compile(r"plt\.subplots\(|plt\.show\(|viz\.show|viz\.plot_|imshow\(|widgets\.\w+_explorer\(")
    for path in sorted(course_files.course_folder("notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        drawing = [index for index, cell in enumerate(cells) if cell.cell_type == "code" and draws.search(cell.source)]
        assert drawing, f"{path.name}: no cell draws a figure"
        bare = [index for index in drawing
                if not any("image/png" in output.get("data", {}) for output in cells[index].outputs)]
        assert not bare, f"{path.name}: cells {bare} draw but hold no figure"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem.split("_")[0])
def test_every_written_question_has_a_rubric_worth_its_points(path):
    """A TA grades against the rubric: items that add up to the question's points, and common wrong answers."""
    import nbformat

    from course_lib.classroom import markup

    problems = [f"{markup.grade_id(cell)}: {markup.rubric_problem(cell)}"
                for cell in nbformat.read(path, as_version=4).cells
                if markup.is_answer(cell) and markup.rubric_problem(cell)]
    assert not problems, problems


def test_study_and_run_times_in_headers_and_readme_come_from_one_source():
    """Each header's time paragraph is course_files.time_paragraph (the study estimate from the notebook's
    own text and exercises, the run time the runner measured); the README's table repeats both."""
    import re

    import nbformat

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    total = 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        measured = course_files.measured_seconds(nb)
        assert measured is not None, f"{path.name}: no recorded run time (re-execute it with the runner)"
        paragraph = course_files.time_paragraph(nb)
        assert paragraph in nb.cells[0].source, (
            f"{path.name}: the header's time paragraph should read {paragraph!r} "
            f"(python -m course_lib.classroom.runner --times-only {path.relative_to(ROOT)})")
        row = re.search(rf"^\| \[[^]]*\]\(notebooks/{re.escape(path.name)}\) \|.*$", readme, re.M)
        assert row, f"README: no row for {path.name}"
        cells = [cell.strip() for cell in row.group(0).strip("|").split(" | ")]
        expected = [f"{course_files.study_minutes(nb)} min", f"{measured[0]:.0f} s"]
        assert cells[-2:] == expected, f"README row of {path.name}: {cells[-2:]} should be {expected}"
        total += course_files.study_minutes(nb)
    assert f"about {total / 60:.0f} hours of study in all" in readme


def test_the_time_paragraph_replaces_only_its_first_sentence():
    header = "# Title\n\n**Time:** about 60 minutes of reading; runs in 10 s. No training here.\n\nMore."
    assert course_files.with_time_paragraph(header, "**Time:** about 95 minutes of study.") == (
        "# Title\n\n**Time:** about 95 minutes of study. No training here.\n\nMore.")
    again = course_files.with_time_paragraph(
        course_files.with_time_paragraph(header, "**Time:** about 95 minutes of study."), "**Time:** about 90 minutes of study.")
    assert again == "# Title\n\n**Time:** about 90 minutes of study. No training here.\n\nMore."
    assert course_files.with_time_paragraph("# No times", "**Time:** x.") == "# No times"


def test_the_readme_lists_the_modules_in_notebook_order():
    """The README's module tables are course_files.module_table() as it is now: a module that a new
    notebook imports, a new module or a changed docstring must show there (paste the printed table)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- module table: start -->\n", 1)[1].split("\n<!-- module table: end -->", 1)[0]
    expected = course_files.module_table()
    assert shown == expected, f"README's module tables are out of date; they should read:\n{expected}"
