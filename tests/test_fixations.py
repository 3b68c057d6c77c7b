"""Tests of course_lib.fixations and the BubbleView recorder's Python side (issue 31).

The browser side (clicks in image pixels at two display sizes, the keyboard) is
tests/browser/test_bubble_view.py.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from course_lib import fixations, metrics, widgets


def test_clean_clicks_keeps_what_a_person_could_have_clicked():
    sent = [[5, 2, 300], [1, 1, 100], [20, 0, 50], [-0.1, 3, 10], [3, 9.5, 10], [2, 2, -1], [2, 2, 6001],
            [1, 1, float("nan")], ["a", 1, 2], [1, 2], None, [19, 9, 6000]]
    kept = fixations.clean_clicks(sent, shape=(10, 20), time_limit=6)
    assert kept.tolist() == [[1, 1, 100], [5, 2, 300], [19, 9, 6000]]
    assert kept.dtype == np.float64 and sent[0] == [5, 2, 300]  # the input is not modified
    assert fixations.clean_clicks([], shape=(4, 4)).shape == (0, 3)
    with pytest.raises(TypeError, match="clicks must be a sequence"):
        fixations.clean_clicks("1,2,3", shape=(4, 4))


def test_a_flood_of_clicks_is_capped(monkeypatch):
    monkeypatch.setattr(fixations, "MAX_CLICKS", 5)
    flood = [[1, 1, t] for t in range(1000)]
    assert len(fixations.clean_clicks(flood, shape=(4, 4))) == 5


def test_clicks_csv_round_trip_keeps_every_recording(tmp_path):
    path = tmp_path / "clicks.csv"
    fixations.append_clicks(path, [[10.25, 4.0, 120], [3, 7, 800]], image="astronaut", viewer="ana")
    fixations.append_clicks(path, [[1, 2, 10]], image="astronaut", viewer="ben")
    fixations.append_clicks(path, [[5, 5, 20]], image="astronaut", viewer="ana")  # a second recording is added
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(fixations.CLICK_COLUMNS) and len(rows) == 5
    found = {(c.image, c.viewer): c.points.tolist() for c in fixations.read_clicks(path)}
    assert found == {("astronaut", "ana"): [[10.2, 4.0, 120.0], [3.0, 7.0, 800.0], [5.0, 5.0, 20.0]],
                     ("astronaut", "ben"): [[1.0, 2.0, 10.0]]}
    # the course's fixation format: load_fixations reads the same file (other columns ignored)
    fixation_map = metrics.load_fixations(path, shapes={"astronaut": (10, 12)})["astronaut"]
    assert sorted(zip(*np.nonzero(fixation_map))) == [(2, 1), (4, 10), (5, 5), (7, 3)]


def test_saving_refuses_what_is_not_a_clicks_table_and_keeps_it(tmp_path):
    other = tmp_path / "notes.csv"
    other.write_text("name,score\nana,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs the columns"):
        fixations.append_clicks(other, [[1, 1, 1]], image="a", viewer="b")
    assert other.read_text(encoding="utf-8") == "name,score\nana,3\n"
    with pytest.raises(ValueError, match="viewer must be a non-empty name"):
        fixations.append_clicks(tmp_path / "c.csv", [[1, 1, 1]], image="a", viewer=" ")
    with pytest.raises(ValueError, match="points must be finite"):
        fixations.append_clicks(tmp_path / "c.csv", [[1, np.inf, 1]], image="a", viewer="b")
    (tmp_path / "bad.csv").write_text("image,viewer,x,y,t_ms\na,b,1,two,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv line 2: x, y and t_ms must be numbers"):
        fixations.read_clicks(tmp_path / "bad.csv")


def test_viewer_maps_pool_each_viewers_recordings():
    recordings = [fixations.Clicks("a", "ana", np.array([[1, 2, 0], [50, 50, 5]], float)),
                  fixations.Clicks("a", "ana", np.array([[3, 0, 0]], float)),
                  fixations.Clicks("a", "ben", np.array([[0, 0, 0]], float)),
                  fixations.Clicks("b", "cat", np.array([[0, 0, 0]], float))]
    maps = fixations.viewer_maps(recordings, image="a", shape=(4, 5))
    assert sorted(maps) == ["ana", "ben"]
    assert sorted(zip(*np.nonzero(maps["ana"]))) == [(0, 3), (2, 1)]  # (50, 50) is outside: dropped


def test_inter_observer_by_hand():
    """Three viewers on a 1×5 strip, no blur: each viewer's AUC on the others' pooled map by hand."""
    strip = {name: np.zeros((1, 5), bool) for name in ("a", "b", "c")}
    strip["a"][0, 0] = strip["b"][0, 0] = strip["c"][0, 4] = True
    auc = fixations.inter_observer(strip, sigma=0)
    # a: the others' density is 0.5 at pixels 0 and 4; a's fixation (pixel 0, 0.5) beats the negatives
    # 1, 2, 3 and ties with 4: (3 + 0.5) / 4, a tie counting one half (Mann-Whitney, as metrics.auc_judd)
    assert auc["a"] == pytest.approx(3.5 / 4) and auc["b"] == pytest.approx(3.5 / 4)
    # c: the others looked only at pixel 0; c's pixel 4 (0) beats no negative, ties with 1, 2, 3
    assert auc["c"] == pytest.approx(1.5 / 4)
    nss = fixations.inter_observer(strip, sigma=0, metric="nss")
    density = np.array([[1.0, 0, 0, 0, 0]])
    assert nss["c"] == pytest.approx((0 - density.mean()) / density.std())
    with pytest.raises(ValueError, match="at least two viewers"):
        fixations.inter_observer({"a": strip["a"]}, sigma=1)
    with pytest.raises(ValueError, match="metric"):
        fixations.inter_observer(strip, sigma=1, metric="cc")


def test_the_recorder_widget_checks_what_the_browser_sends(tmp_path):
    recorder = widgets.bubble_view(np.zeros((30, 40, 3)), radius=5, blur=3, time_limit=2, display_width=80)
    assert (recorder.image_width, recorder.image_height, recorder.display_width) == (40, 30, 80)
    assert recorder.sharp.startswith("data:image/png;base64,") and recorder.blurred.startswith("data:image/png")
    recorder.clicks = [[39, 29, 1999], [40, 0, 10], [0, 0, 2001], [10, 5, 100]]
    assert recorder.points().tolist() == [[10, 5, 100], [39, 29, 1999]]
    assert int(recorder.fixation_map().sum()) == 2 and recorder.fixation_map()[29, 39]
    saved = recorder.save(tmp_path / "clicks.csv", image="dark", viewer="me")
    assert [c.viewer for c in fixations.read_clicks(saved)] == ["me"]
    bundle = recorder._repr_mimebundle_()
    assert "image/png" in bundle and "application/vnd.jupyter.widget-view+json" in bundle
    for bad in ({"radius": 0}, {"blur": -1}, {"time_limit": float("nan")}, {"display_width": -5}):
        with pytest.raises(ValueError):
            widgets.bubble_view(np.zeros((30, 40, 3)), **bad)


def _fake_class(root, rng):
    """Five students who clicked near the astronaut's face (around x=260, y=150), one with a stray click,
    one folder with no recording and a CSV that is not a clicks table."""
    for number in range(5):
        student = root / f"student{number}"
        points = np.column_stack([rng.normal(260, 12, 8), rng.normal(150, 12, 8), np.arange(8) * 400.0])
        if number == 4:
            points = np.vstack([points, [[20, 500, 3500]]])
        fixations.append_clicks(student / "fixations.csv", points, image="astronaut", viewer="me")
        fixations.append_clicks(student / "notebooks" / "more.csv", [[10, 10, 5]], image="not-a-sample", viewer="me")
    (root / "nobody").mkdir()
    stale = root / "student1" / ".ipynb_checkpoints"  # a stale copy the notebook server keeps: never pooled
    fixations.append_clicks(stale / "fixations-checkpoint.csv", [[400, 400, 1]], image="astronaut", viewer="me")
    (root / "student0" / "grades.csv").write_text("a,b\n1,2\n", encoding="utf-8")


def test_a_class_data_set_from_five_students(tmp_path):
    _fake_class(tmp_path / "submitted", np.random.default_rng(0))
    report = fixations.class_dataset(tmp_path / "submitted", tmp_path / "out", methods=["lc", "spectral_residual"])
    assert sorted(report.viewers.values()) == [f"viewer-{n:02d}" for n in range(1, 7)]
    assert [report.viewers[f"student{n}"] for n in range(5)] != [f"viewer-{n:02d}" for n in range(1, 6)]  # not A-Z
    pooled = fixations.read_clicks(tmp_path / "out" / "fixations.csv")
    assert {c.viewer for c in pooled if c.image == "astronaut"} == {report.viewers[f"student{n}"] for n in range(5)}
    assert "student" not in (tmp_path / "out" / "fixations.csv").read_text(encoding="utf-8")  # anonymised
    assert not any((c.points[:, :2] == [400, 400]).all(axis=1).any() for c in pooled)  # no checkpoint copy
    (row,) = report.consistency
    assert row["image"] == "astronaut" and row["viewers"] == 5 and row["clicks"] <= 41
    assert row["inter_observer_auc"] > 0.95  # they all looked at the face
    assert [s["method"] for s in report.scores] == ["lc", "spectral_residual", "centre prior"]
    assert all(0 <= s["auc_judd"] <= 1 for s in report.scores)
    assert report.skipped == ["image 'not-a-sample': not a course sample, so not scored"]
    with open(tmp_path / "out" / "scores.csv", newline="", encoding="utf-8") as handle:
        assert [r["method"] for r in csv.DictReader(handle)] == ["lc", "spectral_residual", "centre prior"]
    named = fixations.class_dataset(tmp_path / "submitted", tmp_path / "named", keep_names=True, methods=["lc"])
    assert named.viewers["student3"] == "student3"


def test_the_command_line_prints_the_class_benchmark(tmp_path, capsys):
    from course_lib import cli

    _fake_class(tmp_path / "submitted", np.random.default_rng(1))
    assert cli.main(["fixations", str(tmp_path / "submitted"), "--out", str(tmp_path / "out"), "--method", "lc"]) == 0
    out = capsys.readouterr().out
    assert "astronaut: 5 viewer(s)" in out and "inter-observer AUC 0.9" in out and "lc " in out
    assert (tmp_path / "out" / "consistency.csv").is_file()


def test_recordings_travel_in_the_notebook_and_reach_the_class_data_set(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    bundle = fixations.clicks_output([[260, 150, 10], [262, 148, 400]], image="astronaut")
    cell = new_code_cell("recorder.keep_in_notebook(image='astronaut')",
                         outputs=[new_output("display_data", data=bundle)])
    hostile = new_code_cell("", outputs=[new_output("display_data", data={fixations.CLICKS_MIME: {
        "image": "astronaut", "clicks": [[1, 2, "x"], [float("nan"), 1, 1], [3, 4, 5], "junk"]}})])
    for student in ("ana", "ben"):
        (tmp_path / "submitted" / student).mkdir(parents=True)
        nbformat.write(new_notebook(cells=[cell, hostile]), tmp_path / "submitted" / student / "05.ipynb")
    (tmp_path / "submitted" / "ben" / "broken.ipynb").write_text("{not json", encoding="utf-8")
    found = fixations.notebook_clicks(tmp_path / "submitted" / "ana" / "05.ipynb")
    assert [c.points.tolist() for c in found] == [[[260, 150, 10], [262, 148, 400]], [[3, 4, 5]]]
    assert fixations.notebook_clicks(tmp_path / "submitted" / "ben" / "broken.ipynb") == []
    report = fixations.class_dataset(tmp_path / "submitted", tmp_path / "out", methods=["lc"])
    assert report.consistency[0]["viewers"] == 2 and report.consistency[0]["clicks"] == 6
