"""Tests of course_lib.classroom.collect: an LMS's bulk download into ``submitted/<student>/``.

The downloads are fake, built here with ``zipfile`` in the two LMSs' naming
schemes (Canvas: ``name_[LATE_]userid_submissionid_file[-N].ext``; Moodle:
``Full Name_id_assignsubmission_file_/file``); the course notebook names are
the real ones.
"""

from __future__ import annotations

import csv
import os
import stat
import zipfile
from pathlib import Path

import pytest

from course_lib import cli
from course_lib.classroom import collect, collect_submissions

NB00 = "00_what_is_saliency.ipynb"
NB05 = "05_fast_baselines_and_evaluation.ipynb"
NB05B = "05b_video_saliency.ipynb"


def _notebook(text: str) -> bytes:
    """Distinct bytes per file, so that the output shows which entry was kept."""
    return ('{"cells": [], "metadata": {"who": "%s"}, "nbformat": 4, "nbformat_minor": 5}\n' % text).encode()


CANVAS = [  # (entry, bytes, zip date): the order of the zip is not the order of submission
    ("smithalice_101_5003_00_what_is_saliency-1.ipynb", _notebook("alice 00 second"), (2026, 12, 2, 10, 0, 0)),
    ("smithalice_101_5001_00_what_is_saliency.ipynb", _notebook("alice 00 first"), (2026, 12, 3, 10, 0, 0)),
    ("smithalice_LATE_101_5007_05b_video-1.ipynb", _notebook("alice 05b"), (2026, 12, 9, 10, 0, 0)),
    ("jonesbob_LATE_202_6001_00_What_Is_Saliency.ipynb", _notebook("bob 00"), (2026, 12, 8, 10, 0, 0)),
    ("jonesbob_202_6002_report.pdf", b"%PDF-1.4", (2026, 12, 8, 10, 0, 0)),
    ("jonesbob_202_6003_homework.ipynb", _notebook("bob homework"), (2026, 12, 8, 10, 0, 0)),
    ("leecarol_303_7002_00_what_is_saliency-1.ipynb", _notebook("carol -1"), (2026, 12, 1, 9, 0, 0)),
    ("leecarol_303_7009_00_what_is_saliency-2.ipynb", _notebook("carol -2"), (2026, 12, 1, 9, 0, 0)),
    ("leecarol_303_7001_00_what_is_saliency.ipynb", _notebook("carol first"), (2026, 12, 1, 9, 0, 0)),
    ("leecarol_303_7010_5_fast_baselines (1).ipynb", _notebook("carol 05"), (2026, 12, 1, 9, 0, 0)),
    ("../evil_404_8001_00_what_is_saliency.ipynb", _notebook("escape"), (2026, 12, 1, 9, 0, 0)),
    ("/abs_405_8002_00_what_is_saliency.ipynb", _notebook("absolute"), (2026, 12, 1, 9, 0, 0)),
    ("__MACOSX/._smithalice_101_5009_00_what_is_saliency.ipynb", b"\x00\x05\x16\x07", (2026, 12, 1, 9, 0, 0)),
]

CANVAS_TREE = {
    f"smithalice_101/{NB00}": _notebook("alice 00 second"),  # submission id 5003 > 5001, although dated earlier
    f"smithalice_101/{NB05B}": _notebook("alice 05b"),
    f"jonesbob_202/{NB00}": _notebook("bob 00"),
    f"leecarol_303/{NB00}": _notebook("carol -2"),
    f"leecarol_303/{NB05}": _notebook("carol 05"),
}

CANVAS_LATE = (f"student,notebook,late\njonesbob_202,{NB00},1\nleecarol_303,{NB00},0\nleecarol_303,{NB05},0\n"
               f"smithalice_101,{NB00},0\nsmithalice_101,{NB05B},1\n")

MOODLE = [
    ("Alice Smith_4242_assignsubmission_file_/00_what_is_saliency.ipynb", _notebook("alice old"),
     (2026, 12, 1, 10, 0, 0)),
    ("Alice Smith_4242_assignsubmission_file_/00_what_is_saliency (1).ipynb", _notebook("alice new"),
     (2026, 12, 2, 10, 0, 0)),
    ("Alice Smith_4242_assignsubmission_onlinetext_/onlinetext.html", b"<p>hello</p>", (2026, 12, 2, 10, 0, 0)),
    ("José Núñez_4343_assignsubmission_file_/05b video saliency.ipynb", _notebook("jose 05b"),
     (2026, 12, 2, 10, 0, 0)),
    ("José Núñez_4343_assignsubmission_file_/Copy of 00-what-is-saliency.ipynb", _notebook("jose 00"),
     (2026, 12, 2, 10, 0, 0)),
    ("Sam Lee_4444_assignsubmission_file_/00_what_is_saliency.ipynb", _notebook("sam a"), (2026, 12, 2, 10, 0, 0)),
    ("Sam Lee_4545_assignsubmission_file_/00_what_is_saliency.ipynb", _notebook("sam b"), (2026, 12, 2, 10, 0, 0)),
    ("Sam Lee_4545_assignsubmission_file_/05_video_saliency.ipynb", _notebook("ambiguous"), (2026, 12, 2, 10, 0, 0)),
]

MOODLE_TREE = {
    f"Alice_Smith/{NB00}": _notebook("alice new"),
    f"Jose_Nunez/{NB05B}": _notebook("jose 05b"),
    f"Jose_Nunez/{NB00}": _notebook("jose 00"),
    f"Sam_Lee_4444/{NB00}": _notebook("sam a"),  # two students named Sam Lee: the ids tell them apart
    f"Sam_Lee_4545/{NB00}": _notebook("sam b"),
}


def _zip(path: Path, entries, links=()) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, date in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=date), data)
        for name, target in links:
            info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0))
            info.create_system = 3  # Unix, so that the mode bits below are read
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _tree(folder: Path) -> dict[str, bytes]:
    """Every notebook under ``folder`` (``late.csv`` aside), by relative path."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != "late.csv"}


@pytest.fixture
def canvas_zip(tmp_path):
    return _zip(tmp_path / "canvas.zip", CANVAS,
                links=[("smithalice_101_5011_00_what_is_saliency.ipynb", "/etc/passwd")])


@pytest.fixture
def moodle_zip(tmp_path):
    return _zip(tmp_path / "moodle.zip", MOODLE)


def test_canvas_download_becomes_the_submitted_layout(canvas_zip, tmp_path):
    out = tmp_path / "submitted"
    report = collect_submissions(canvas_zip, out)
    assert report.lms == "canvas"
    assert _tree(out) == CANVAS_TREE
    assert (out / "late.csv").read_text(encoding="utf-8") == CANVAS_LATE
    assert report.late == [("jonesbob_202", NB00), ("smithalice_101", NB05B)]
    assert sorted((student, notebook) for student, notebook, _ in report.copied) == sorted(
        tuple(path.split("/")) for path in CANVAS_TREE)
    assert ("smithalice_101", NB00, "smithalice_101_5003_00_what_is_saliency-1.ipynb") in report.copied
    assert report.unchanged == [] and report.skipped == []
    assert report.superseded == [
        ("leecarol_303_7001_00_what_is_saliency.ipynb", "leecarol_303_7009_00_what_is_saliency-2.ipynb"),
        ("leecarol_303_7002_00_what_is_saliency-1.ipynb", "leecarol_303_7009_00_what_is_saliency-2.ipynb"),
        ("smithalice_101_5001_00_what_is_saliency.ipynb", "smithalice_101_5003_00_what_is_saliency-1.ipynb"),
    ]
    reasons = dict(report.unmatched)
    assert reasons == {
        "../evil_404_8001_00_what_is_saliency.ipynb": "'..' in its path, which is refused",
        "/abs_405_8002_00_what_is_saliency.ipynb": "an absolute path, which is refused",
        "__MACOSX/._smithalice_101_5009_00_what_is_saliency.ipynb": "a hidden or macOS metadata file",
        "jonesbob_202_6002_report.pdf": "not a notebook (.pdf)",
        "jonesbob_202_6003_homework.ipynb": "no course notebook matches 'homework' (by number prefix or name)",
        "smithalice_101_5011_00_what_is_saliency.ipynb": "a symbolic link, which is refused",
    }
    # nothing was written outside out, and no link was made
    assert sorted(path.name for path in tmp_path.iterdir()) == ["canvas.zip", "submitted"]
    assert not any(path.is_symlink() for path in out.rglob("*"))


def test_moodle_download_becomes_the_submitted_layout(moodle_zip, tmp_path):
    out = tmp_path / "submitted"
    report = collect_submissions(moodle_zip, out)
    assert report.lms == "moodle"
    assert _tree(out) == MOODLE_TREE
    # Moodle's download does not say what was late: the column is left empty, never a guessed 0
    with open(out / "late.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {(row["student"], row["notebook"]): row["late"] for row in rows} == {
        tuple(path.split("/")): "" for path in MOODLE_TREE}
    assert report.late == []
    assert report.superseded == [("Alice Smith_4242_assignsubmission_file_/00_what_is_saliency.ipynb",
                                  "Alice Smith_4242_assignsubmission_file_/00_what_is_saliency (1).ipynb")]
    assert report.unmatched == [
        ("Alice Smith_4242_assignsubmission_onlinetext_/onlinetext.html", "a Moodle onlinetext submission, not a file"),
        ("Sam Lee_4545_assignsubmission_file_/05_video_saliency.ipynb",
         f"ambiguous: its number says {NB05}, its name {NB05B}"),
    ]


def test_moodle_flat_names_and_the_latest_date_win(tmp_path):
    entries = [("Ann Bo_7_assignsubmission_file_00_what_is_saliency.ipynb", _notebook("later"), (2026, 12, 5, 0, 0, 0)),
               ("Ann Bo_7_assignsubmission_file_00.ipynb", _notebook("earlier"), (2026, 12, 4, 0, 0, 0))]
    report = collect_submissions(_zip(tmp_path / "flat.zip", entries), tmp_path / "out")
    assert report.lms == "moodle"
    assert _tree(tmp_path / "out") == {f"Ann_Bo/{NB00}": _notebook("later")}


def test_a_name_twice_in_the_zip_keeps_the_later_and_dot_slash_is_plain(tmp_path):
    entries = [("./doejane_9_10_00.ipynb", _notebook("later"), (2026, 12, 5, 0, 0, 0)),
               ("./doejane_9_10_00.ipynb", _notebook("earlier"), (2026, 12, 4, 0, 0, 0))]
    with pytest.warns(UserWarning, match="Duplicate name"):
        download = _zip(tmp_path / "twice.zip", entries)
    report = collect_submissions(download, tmp_path / "out")
    assert _tree(tmp_path / "out") == {f"doejane_9/{NB00}": _notebook("later")}
    assert report.superseded == [("./doejane_9_10_00.ipynb", "./doejane_9_10_00.ipynb")]


@pytest.mark.parametrize("uploaded, expected", [
    ("00_what_is_saliency.ipynb", NB00),
    ("00.ipynb", NB00),
    ("0-What-Is-Saliency (2).IPYNB", NB00),
    ("what is saliency.ipynb", NB00),
    ("Copy of 05b_video-1.ipynb", NB05B),
    ("05B.ipynb", NB05B),
    ("5_baselines.ipynb", NB05),
    ("video_saliency.ipynb", NB05B),
])
def test_submitted_names_are_restored_to_the_course_s(tmp_path, uploaded, expected):
    download = _zip(tmp_path / "d.zip", [(f"doejane_9_10_{uploaded}", b"{}", (2026, 1, 1, 0, 0, 0))])
    report = collect_submissions(download, tmp_path / "out")
    assert [notebook for _, notebook, _ in report.copied] == [expected]


@pytest.mark.parametrize("uploaded, reason", [
    ("10_extra.ipynb", "its number 10 is no course notebook's"),
    ("saliency.ipynb", "no course notebook matches 'saliency'"),
    ("00_what_is_saliency.py", "not a notebook (.py)"),
    ("README", "not a notebook (no extension)"),
])
def test_files_that_are_no_course_notebook_are_listed_with_the_reason(tmp_path, uploaded, reason):
    download = _zip(tmp_path / "d.zip", [(f"doejane_9_10_{uploaded}", b"{}", (2026, 1, 1, 0, 0, 0))])
    report = collect_submissions(download, tmp_path / "out")
    assert report.copied == [] and len(report.unmatched) == 1
    assert report.unmatched[0][1].startswith(reason)


def test_the_notebooks_argument_replaces_the_course_s_names(canvas_zip, tmp_path):
    report = collect_submissions(canvas_zip, tmp_path / "out", notebooks=[NB00])
    assert sorted(path.split("/")[1] for path in _tree(tmp_path / "out")) == [NB00] * 3
    assert ("smithalice_LATE_101_5007_05b_video-1.ipynb", "its number 05b is no course notebook's") in report.unmatched


def test_course_names_of_a_number_alone_are_told_apart(tmp_path):
    download = _zip(tmp_path / "d.zip", [("doejane_9_10_1-1.ipynb", b"{}", (2026, 1, 1, 0, 0, 0))])
    report = collect_submissions(download, tmp_path / "out", notebooks=["00.ipynb", "01.ipynb"])
    assert [notebook for _, notebook, _ in report.copied] == ["01.ipynb"]


def test_an_extracted_folder_gives_the_same_tree(canvas_zip, tmp_path):
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(canvas_zip) as archive:
        for name, data, _ in CANVAS:
            if not name.startswith(("/", "..")):
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
        assert archive.namelist()  # the zip itself is not needed further
    os.symlink("/etc/passwd", folder / "smithalice_101_5011_00_what_is_saliency.ipynb")
    report = collect_submissions(folder, tmp_path / "out")
    assert _tree(tmp_path / "out") == CANVAS_TREE
    assert (tmp_path / "out" / "late.csv").read_text(encoding="utf-8") == CANVAS_LATE
    assert ("smithalice_101_5011_00_what_is_saliency.ipynb", "a symbolic link, which is refused") in report.unmatched


def test_a_second_run_changes_nothing(canvas_zip, tmp_path):
    out = tmp_path / "submitted"
    first = collect_submissions(canvas_zip, out)
    times = {path: path.stat().st_mtime_ns for path in out.rglob("*")}
    os.utime(out / "late.csv", ns=(1, 1))  # any rewrite would move it
    times[out / "late.csv"] = 1
    again = collect_submissions(canvas_zip, out)
    assert again.copied == [] and again.skipped == []
    assert sorted(again.unchanged) == sorted(first.copied)
    assert again.unmatched == first.unmatched and again.superseded == first.superseded
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*")} == times
    assert _tree(out) == CANVAS_TREE


def test_files_that_differ_are_kept_unless_force(canvas_zip, tmp_path):
    out = tmp_path / "submitted"
    collect_submissions(canvas_zip, out)
    edited = out / "jonesbob_202" / NB00
    edited.write_bytes(b"the TA's repair")
    report = collect_submissions(canvas_zip, out)
    assert edited.read_bytes() == b"the TA's repair"
    assert report.skipped == [("jonesbob_202", NB00,
                               "differs from the file already there; --force (force=True) overwrites it")]
    forced = collect_submissions(canvas_zip, out, force=True)
    assert edited.read_bytes() == CANVAS_TREE[f"jonesbob_202/{NB00}"]
    assert [(student, notebook) for student, notebook, _ in forced.copied] == [("jonesbob_202", NB00)]
    assert not list(out.rglob("*.partial"))


def test_other_notebooks_late_rows_are_kept(canvas_zip, tmp_path):
    out = tmp_path / "submitted"
    out.mkdir()
    (out / "late.csv").write_text(f"student,notebook,late\nsmithalice_101,{NB05},1\n", encoding="utf-8")
    collect_submissions(canvas_zip, out)
    assert f"smithalice_101,{NB05},1\n" in (out / "late.csv").read_text(encoding="utf-8")


def test_a_link_in_out_is_never_written_through(canvas_zip, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "submitted"
    out.mkdir()
    os.symlink(elsewhere, out / "jonesbob_202")
    report = collect_submissions(canvas_zip, out, force=True)
    assert list(elsewhere.iterdir()) == []
    assert [row[:2] for row in report.skipped] == [("jonesbob_202", NB00)]
    assert "symbolic link" in report.skipped[0][2]


def test_zip_bombs_are_refused(canvas_zip, tmp_path, monkeypatch):
    monkeypatch.setattr(collect, "MAX_TOTAL_BYTES", 200)
    with pytest.raises(ValueError, match=r"declare \d+ bytes uncompressed, more than the 200 bytes .*nothing"):
        collect_submissions(canvas_zip, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(collect, "MAX_TOTAL_BYTES", 2 * 2**30)
    monkeypatch.setattr(collect, "MAX_FILE_BYTES", 80)
    big = _zip(tmp_path / "big.zip", [("doejane_9_10_00.ipynb", b" " * 81, (2026, 1, 1, 0, 0, 0)),
                                      ("doejane_9_11_05.ipynb", b" " * 80, (2026, 1, 1, 0, 0, 0))])
    report = collect_submissions(big, tmp_path / "out")
    assert report.unmatched == [("doejane_9_10_00.ipynb", "larger than 80 bytes uncompressed, which is refused")]
    assert _tree(tmp_path / "out") == {f"doejane_9/{NB05}": b" " * 80}


def test_an_unreadable_entry_is_listed_and_the_rest_collected(tmp_path):
    path = _zip(tmp_path / "d.zip", [("doejane_9_10_00.ipynb", b"x" * 100, (2026, 1, 1, 0, 0, 0)),
                                     ("doejane_9_11_05.ipynb", b"y" * 100, (2026, 1, 1, 0, 0, 0))])
    data = path.read_bytes()
    path.write_bytes(data.replace(b"x" * 100, b"z" * 100, 1))  # the CRC no longer matches
    report = collect_submissions(path, tmp_path / "out")
    assert [entry for entry, _ in report.unmatched] == ["doejane_9_10_00.ipynb"]
    assert "cannot be read from the zip" in report.unmatched[0][1]
    assert _tree(tmp_path / "out") == {f"doejane_9/{NB05}": b"y" * 100}


def test_the_lms_is_recognised_or_named(canvas_zip, moodle_zip, tmp_path):
    assert collect_submissions(canvas_zip, tmp_path / "a", lms="canvas").lms == "canvas"
    report = collect_submissions(moodle_zip, tmp_path / "b", lms="canvas")  # told wrong: nothing matches
    assert report.copied == [] and all("not a Canvas submission" in reason for _, reason in report.unmatched)
    other = _zip(tmp_path / "other.zip", [("00_what_is_saliency.ipynb", b"{}", (2026, 1, 1, 0, 0, 0))])
    with pytest.raises(ValueError, match=r"cannot tell the LMS .*--lms"):
        collect_submissions(other, tmp_path / "c")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lms": "blackboard"}, ValueError, r"lms \(--lms\) must be 'canvas', 'moodle'"),
    ({"force": "yes"}, TypeError, r"force \(--force\) must be True or False"),
    ({"notebooks": NB00}, TypeError, "notebooks must be a sequence"),
    ({"notebooks": 5}, TypeError, "notebooks must be a sequence"),
    ({"notebooks": ["00_what_is_saliency"]}, ValueError, "notebooks must be notebook file names"),
    ({"notebooks": ["../00.ipynb"]}, ValueError, "notebooks must be notebook file names"),
    ({"notebooks": []}, ValueError, "notebooks must be notebook file names"),
    ({"notebooks": ["05_a.ipynb", "5_b.ipynb"]}, ValueError, "cannot be told apart"),
])
def test_bad_options_are_refused_clearly(canvas_zip, tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        collect_submissions(canvas_zip, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_bad_paths_are_refused_clearly(canvas_zip, tmp_path):
    with pytest.raises(ValueError, match=r"archive \(ZIP\) must be an LMS download .* does not exist"):
        collect_submissions(tmp_path / "missing.zip", tmp_path / "out")
    (tmp_path / "notes.txt").write_text("not a zip")
    with pytest.raises(ValueError, match=r"archive \(ZIP\) .* is not a zip file"):
        collect_submissions(tmp_path / "notes.txt", tmp_path / "out")
    with pytest.raises(ValueError, match=r"out \(--out\) must be a folder"):
        collect_submissions(canvas_zip, tmp_path / "notes.txt")
    with pytest.raises(TypeError, match=r"archive \(ZIP\) must be a path"):
        collect_submissions(3, tmp_path / "out")
    (tmp_path / "download").mkdir()
    with pytest.raises(ValueError, match=r"must not be inside one another"):
        collect_submissions(tmp_path / "download", tmp_path / "download" / "submitted")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "late.csv").write_text("who,when\n")
    with pytest.raises(ValueError, match=r"out \(--out\) has a late.csv whose header"):
        collect_submissions(canvas_zip, tmp_path / "out")


def test_the_command_line_collects_and_lists_what_it_could_not_match(canvas_zip, tmp_path, capsys):
    out = tmp_path / "submitted"
    assert cli.main(["collect", str(canvas_zip), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert _tree(out) == CANVAS_TREE
    assert printed.startswith(f"canvas download: 5 notebook(s) written to {out} (3 student(s)); 2 submitted late")
    assert "3 earlier submission(s) not collected:" in printed
    assert "6 file(s) not collected:\n" in printed
    assert "  jonesbob_202_6002_report.pdf: not a notebook (.pdf)\n" in printed
    assert cli.main(["collect", str(canvas_zip), "--out", str(out), "--lms", "canvas"]) == 0
    printed = capsys.readouterr().out
    assert "0 notebook(s) written" in printed and "5 already there and identical" in printed
    assert cli.main(["collect", str(tmp_path / "missing.zip"), "--out", str(out)]) == 1
    assert "error: ZIP must be an LMS download" in capsys.readouterr().err  # the argument, as the user typed it
    with pytest.raises(SystemExit):
        cli.main(["collect", str(canvas_zip), "--lms", "blackboard"])
    assert "--lms" in capsys.readouterr().err
