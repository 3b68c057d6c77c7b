"""Real eye-tracking data sets read from their own on-disk layout (course_lib.eye_tracking).

The fixtures are written here as the data sets' authors lay them out: MIT1003's
``ALLSTIMULI/*.jpeg`` with ``ALLFIXATIONMAPS/*_fixPts.jpg`` (JPEG, so the reader
must survive compression), CAT2000's ``Stimuli/<category>/*.jpg`` with MATLAB
``FIXATIONLOCS/<category>/*.mat`` files; pysaliency's objects are stood in for
by plain objects with the attributes its ``FileStimuli`` and ``Fixations`` have.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from scipy.io import savemat

from course_lib import eye_tracking, fixations, metrics

# (x, y) fixations of each fixture image: isolated pixels, two of them neighbours, one on the border
POINTS = {"i05june05_static_street_boston": [(3, 4), (40, 20), (41, 20), (63, 47), (0, 0)],
          "istatic_indoor_kitchen": [(10, 30), (50, 5)]}
SHAPE = (48, 64)


def _photo(seed: int, shape=SHAPE) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def _binary(points, shape=SHAPE) -> np.ndarray:
    found = np.zeros(shape, dtype=np.uint8)
    for x, y in points:
        found[y, x] = 255
    return found


@pytest.fixture
def mit1003(tmp_path) -> Path:
    (tmp_path / "ALLSTIMULI").mkdir()
    (tmp_path / "ALLFIXATIONMAPS").mkdir()
    for seed, (name, points) in enumerate(POINTS.items()):
        cv2.imwrite(str(tmp_path / "ALLSTIMULI" / f"{name}.jpeg"), _photo(seed))
        cv2.imwrite(str(tmp_path / "ALLFIXATIONMAPS" / f"{name}_fixPts.jpg"), _binary(points),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        # the blurred fixation map the data set also ships: never read as fixations
        cv2.imwrite(str(tmp_path / "ALLFIXATIONMAPS" / f"{name}_fixMap.jpg"),
                    cv2.GaussianBlur(_binary(points), (0, 0), 5) * 50)
    cv2.imwrite(str(tmp_path / "ALLSTIMULI" / "no_map.jpeg"), _photo(9))
    return tmp_path


def _points(recording: fixations.Clicks) -> list[tuple[int, int]]:
    return sorted((int(x), int(y)) for x, y, _ in recording.points)


def test_mit1003_fixations_survive_jpeg_exactly(mit1003):
    data = eye_tracking.read_mit1003(mit1003)
    assert sorted(data.images) == sorted(POINTS)
    assert {r.image: _points(r) for r in data.recordings} == {k: sorted(v) for k, v in POINTS.items()}
    assert all(r.viewer == eye_tracking.POOLED and (r.points[:, 2] == 0).all() for r in data.recordings)
    assert data.skipped == ["no_map.jpeg: no no_map_fixPts.jpg"]
    assert data.images["istatic_indoor_kitchen"] == mit1003 / "ALLSTIMULI" / "istatic_indoor_kitchen.jpeg"


def test_mit1003_fixations_read_as_load_fixations_reads_them(mit1003):
    data = eye_tracking.read_mit1003(mit1003, limit=1)
    (recording,) = data.recordings
    table = [(recording.image, x, y) for x, y in POINTS[recording.image]]
    expected = metrics.load_fixations(table, shapes={recording.image: SHAPE})[recording.image]
    assert np.array_equal(fixations.clicks_map(recording.points, SHAPE), expected)


def test_mit1003_refuses_a_folder_that_is_not_the_data_set(tmp_path, mit1003):
    with pytest.raises(ValueError, match="folder has no ALLSTIMULI/"):
        eye_tracking.read_mit1003(tmp_path / "ALLSTIMULI")
    with pytest.raises(ValueError, match="folder must be an existing folder"):
        eye_tracking.read_mit1003(tmp_path / "absent")
    with pytest.raises(TypeError, match="folder must be a folder path"):
        eye_tracking.read_mit1003(3)
    with pytest.raises(ValueError, match="threshold"):
        eye_tracking.read_mit1003(mit1003, threshold=300)
    with pytest.raises(ValueError, match="limit"):
        eye_tracking.read_mit1003(mit1003, limit=0)


def test_an_unreadable_fixation_image_is_skipped_and_named(mit1003):
    (mit1003 / "ALLFIXATIONMAPS" / "istatic_indoor_kitchen_fixPts.jpg").write_bytes(b"not a jpeg")
    data = eye_tracking.read_mit1003(mit1003)
    assert "istatic_indoor_kitchen_fixPts.jpg: not an image OpenCV can read" in data.skipped
    assert sorted(data.images) == ["i05june05_static_street_boston"]


@pytest.fixture
def cat2000(tmp_path) -> Path:
    root = tmp_path / "trainSet"
    for category, names in {"Action": ["001", "002"], "Indoor": ["001"]}.items():
        (root / "Stimuli" / category).mkdir(parents=True)
        (root / "FIXATIONLOCS" / category).mkdir(parents=True)
        for k, name in enumerate(names):
            cv2.imwrite(str(root / "Stimuli" / category / f"{name}.jpg"), _photo(k))
            points = [(5 + k, 6), (60, 40 - k)]
            # MATLAB saves a logical matrix; scipy writes bool as uint8, which MATLAB reads back as numbers
            savemat(root / "FIXATIONLOCS" / category / f"{name}.mat", {"fixLocs": _binary(points) > 0})
    return root


def test_cat2000_reads_each_category_with_its_fixation_locations(cat2000):
    data = eye_tracking.read_cat2000(cat2000)
    assert sorted(data.images) == ["Action/001", "Action/002", "Indoor/001"]
    found = {r.image: _points(r) for r in data.recordings}
    assert found == {"Action/001": [(5, 6), (60, 40)], "Action/002": [(6, 6), (60, 39)],
                     "Indoor/001": [(5, 6), (60, 40)]}
    only = eye_tracking.read_cat2000(cat2000, categories=["Indoor"])
    assert list(only.images) == ["Indoor/001"]
    assert list(eye_tracking.read_cat2000(cat2000, limit=1).images) == ["Action/001", "Indoor/001"]


def test_cat2000_names_unknown_categories_and_skips_broken_files(cat2000):
    with pytest.raises(ValueError, match=r"categories \['Outdoor'\] are not in"):
        eye_tracking.read_cat2000(cat2000, categories=["Outdoor"])
    with pytest.raises(TypeError, match="categories"):
        eye_tracking.read_cat2000(cat2000, categories="Action")
    (cat2000 / "FIXATIONLOCS" / "Action" / "002.mat").write_bytes(b"MATLAB? no")
    savemat(cat2000 / "FIXATIONLOCS" / "Indoor" / "001.mat", {"other": np.ones(3)})
    data = eye_tracking.read_cat2000(cat2000)
    assert list(data.images) == ["Action/001"]
    assert data.skipped[0].startswith("Action/002: 002.mat cannot be read")
    assert data.skipped[1] == "Indoor/001: 001.mat has no 2-D fixLocs matrix"


def _pysaliency_like(tmp_path):
    stimuli = SimpleNamespace(filenames=[str(tmp_path / "a.png"), str(tmp_path / "b.png")])
    recorded = SimpleNamespace(x=np.array([5.0, 1.0, 2.0, 7.5, 3.0]), y=np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
                               t=np.array([0.2, 0.5, 0.1, 0.3, np.nan]), n=np.array([0, 0, 0, 1, 1]),
                               subject=np.array([1, 0, 1, 0, 0]))
    return stimuli, recorded


def test_from_pysaliency_groups_fixations_by_image_and_subject_in_time_order(tmp_path):
    data = eye_tracking.from_pysaliency(*_pysaliency_like(tmp_path))
    rows = [(r.image, r.viewer, r.points.tolist()) for r in data.recordings]
    assert rows == [("a", "subject-0", [[1.0, 2.0, 500.0]]),
                    ("a", "subject-1", [[2.0, 3.0, 100.0], [5.0, 1.0, 200.0]]),
                    ("b", "subject-0", [[3.0, 5.0, 0.0], [7.5, 4.0, 300.0]])]  # no time: 0, first
    assert data.images == {"a": tmp_path / "a.png", "b": tmp_path / "b.png"}


def test_from_pysaliency_accepts_older_subjects_and_refuses_other_objects(tmp_path):
    stimuli, recorded = _pysaliency_like(tmp_path)
    older = SimpleNamespace(**{k: v for k, v in vars(recorded).items() if k != "subject"}, subjects=recorded.subject)
    assert len(eye_tracking.from_pysaliency(stimuli, older).recordings) == 3
    with pytest.raises(TypeError, match="stimuli must be pysaliency FileStimuli"):
        eye_tracking.from_pysaliency(object(), recorded)
    with pytest.raises(TypeError, match=r"recorded must be pysaliency Fixations \(with .n\)"):
        eye_tracking.from_pysaliency(stimuli, SimpleNamespace(x=[1], y=[1], t=[0]))
    bad = SimpleNamespace(**{**vars(recorded), "n": np.array([0, 0, 0, 1, 2])})
    with pytest.raises(ValueError, match="n must index the 2 stimuli"):
        eye_tracking.from_pysaliency(stimuli, bad)
    short = SimpleNamespace(**{**vars(recorded), "x": np.array([1.0])})
    with pytest.raises(ValueError, match="one length"):
        eye_tracking.from_pysaliency(stimuli, short)


def test_load_pysaliency_says_what_to_install(tmp_path):
    with pytest.raises(ValueError, match="dataset must be one of"):
        eye_tracking.load_pysaliency("MIT300", tmp_path)
    try:
        import pysaliency  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="setuptools<81"):
            eye_tracking.load_pysaliency("MIT1003", tmp_path)


def test_score_data_scores_each_method_on_the_fixations(mit1003):
    data = eye_tracking.read_mit1003(mit1003)
    consistency, scores = eye_tracking.score_data(data, methods=["spectral_residual"], sigma=2.0)
    assert [row["image"] for row in consistency] == list(POINTS)
    assert [row["clicks"] for row in consistency] == [len(v) for v in POINTS.values()]
    assert all(row["viewers"] == 1 and row["inter_observer_auc"] == "" for row in consistency)  # pooled: no ceiling
    assert [(row["image"], row["method"]) for row in scores] == [
        (image, method) for image in POINTS for method in ("spectral_residual", fixations.CENTRE_PRIOR)]
    # at full size, the same numbers as scoring the maps by hand
    photo = cv2.cvtColor(cv2.imread(str(data.images["istatic_indoor_kitchen"])), cv2.COLOR_BGR2RGB) / 255.0
    centre = metrics.centre_gaussian(SHAPE, sigma=min(SHAPE) / 4)
    truth = _binary(POINTS["istatic_indoor_kitchen"]) > 0
    row = next(r for r in scores if r["image"] == "istatic_indoor_kitchen" and r["method"] == fixations.CENTRE_PRIOR)
    assert row["auc_judd"] == pytest.approx(metrics.auc_judd(centre, truth))
    assert row["nss"] == pytest.approx(metrics.nss(centre, truth))
    assert photo.shape[:2] == SHAPE


def test_score_data_shrinks_large_images_and_their_fixations_together(tmp_path):
    (tmp_path / "ALLSTIMULI").mkdir()
    (tmp_path / "ALLFIXATIONMAPS").mkdir()
    big = (96, 128)
    cv2.imwrite(str(tmp_path / "ALLSTIMULI" / "big.jpeg"), _photo(1, big))
    cv2.imwrite(str(tmp_path / "ALLFIXATIONMAPS" / "big_fixPts.jpg"), _binary([(10, 20), (127, 95)], big),
                [cv2.IMWRITE_JPEG_QUALITY, 95])
    data = eye_tracking.read_mit1003(tmp_path)
    out = tmp_path / "scores"
    consistency, scores = eye_tracking.score_data(data, out, max_side=64, methods=[])
    # pixel centres scale as (i + 0.5) / 2 - 0.5: 10 -> 4.75 -> 5, 20 -> 9.75 -> 10, 127 -> 63.25 -> 63
    expected = np.zeros((48, 64), dtype=bool)
    expected[10, 5] = expected[47, 63] = True
    centre = metrics.centre_gaussian((48, 64), sigma=12.0)
    assert consistency[0]["clicks"] == 2
    assert scores[0]["nss"] == pytest.approx(metrics.nss(centre, expected))
    assert (out / "scores.csv").read_text().splitlines()[0] == ",".join(fixations.SCORE_COLUMNS)
    assert (out / "consistency.csv").is_file()
    assert data.recordings[0].points[:, :2].tolist() == [[10.0, 20.0], [127.0, 95.0]]  # not changed in place


def test_score_data_with_pysaliency_subjects_has_an_inter_observer_ceiling(tmp_path):
    for name, seed in (("a", 1), ("b", 2)):
        cv2.imwrite(str(tmp_path / f"{name}.png"), _photo(seed))
    stimuli, recorded = _pysaliency_like(tmp_path)
    consistency, _ = eye_tracking.score_data(eye_tracking.from_pysaliency(stimuli, recorded), methods=[], sigma=3.0)
    first = consistency[0]
    assert (first["image"], first["viewers"]) == ("a", 2)
    a0 = fixations.clicks_map([[1.0, 2.0]], SHAPE)
    a1 = fixations.clicks_map([[2.0, 3.0], [5.0, 1.0]], SHAPE)
    expected = np.mean(list(fixations.inter_observer({"0": a0, "1": a1}, sigma=3.0).values()))
    assert first["inter_observer_auc"] == pytest.approx(expected)
    with pytest.raises(TypeError, match="data must be EyeTrackingData"):
        eye_tracking.score_data(recorded)


def test_course_metrics_agree_with_pysaliency_where_it_is_installed(tmp_path):
    """pysaliency is optional (not in the lock; 0.2.22 needs setuptools<81 and numpy<2.4): where it
    is importable, its NSS and its AUC with unfixated pixels as negatives and every threshold equal
    the course's NSS and AUC-Judd; its AUC at the fixated values only (MIT's AUC_Judd.m) is higher
    by at most 1/(2 N+), as metrics.auc_judd's notes say; and its objects convert."""
    pysaliency = pytest.importorskip("pysaliency")
    rng = np.random.default_rng(3)
    for _ in range(5):
        saliency = rng.random(SHAPE)
        truth = np.zeros(SHAPE, dtype=bool)
        truth[rng.integers(0, SHAPE[0], 30), rng.integers(0, SHAPE[1], 30)] = True
        ys, xs = np.nonzero(truth)

        class Fixed(pysaliency.SaliencyMapModel):
            def _saliency_map(self, stimulus):
                return saliency

        stimuli = pysaliency.Stimuli([np.zeros((*SHAPE, 3), dtype=np.uint8)])
        found = pysaliency.Fixations.create_without_history(xs.astype(float), ys.astype(float), np.zeros(len(xs), int))
        model = Fixed()
        assert model.NSS(stimuli, found) == pytest.approx(metrics.nss(saliency, truth), rel=1e-9)
        exact = model.AUC(stimuli, found, nonfixations="unfixated")
        assert exact == pytest.approx(metrics.auc_judd(saliency, truth), rel=1e-9)
        at_fixations = model.AUC(stimuli, found, nonfixations="unfixated", thresholds="fixations")
        assert 0 <= at_fixations - exact <= 1 / (2 * truth.sum())
    paths = []
    for k in range(2):
        paths.append(str(tmp_path / f"im{k}.png"))
        cv2.imwrite(paths[-1], _photo(k))
    recorded = pysaliency.Fixations.create_without_history(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]),
                                                           np.array([0, 1, 1]), subjects=np.array([0, 1, 0]))
    data = eye_tracking.from_pysaliency(pysaliency.FileStimuli(paths), recorded)
    assert [(r.image, r.viewer, r.points[:, :2].tolist()) for r in data.recordings] == [
        ("im0", "subject-0", [[1.0, 4.0]]), ("im1", "subject-0", [[3.0, 6.0]]), ("im1", "subject-1", [[2.0, 5.0]])]


def test_the_command_line_scores_a_data_set_and_names_its_flags(mit1003, tmp_path, capsys):
    from course_lib import cli

    out = tmp_path / "scored"
    assert cli.main(["eye-tracking", "--mit1003", str(mit1003), "--out", str(out), "--method", "spectral_residual",
                     "--limit", "1"]) == 0
    printed = capsys.readouterr().out
    assert "1 image(s) scored, 1 viewer(s)" in printed and "n/a (the files pool every viewer)" in printed
    assert "spectral_residual" in printed and fixations.CENTRE_PRIOR in printed
    with open(out / "scores.csv", encoding="utf-8") as handle:
        assert len(handle.read().splitlines()) == 3  # header, the method, the centre prior
    assert cli.main(["eye-tracking", "--cat2000", str(mit1003), "--out", str(out)]) == 1
    assert "--cat2000 has no Stimuli/ folder" in capsys.readouterr().err
    assert cli.main(["eye-tracking", "--mit1003", str(mit1003), "--limit", "0", "--out", str(out)]) == 1
    assert "--limit must be an integer >= 1" in capsys.readouterr().err
    assert cli.main(["eye-tracking", "--pysaliency", "MIT1003", "--out", str(out)]) == 1
    assert "--pysaliency needs --location" in capsys.readouterr().err


def test_the_command_line_refuses_options_that_would_be_ignored(mit1003, tmp_path, capsys):
    from course_lib import cli

    assert cli.main(["eye-tracking", "--mit1003", str(mit1003), "--category", "Action"]) == 1
    assert "--category selects CAT2000 categories" in capsys.readouterr().err
    assert cli.main(["eye-tracking", "--pysaliency", "MIT1003", "--location", str(tmp_path), "--limit", "3"]) == 1
    assert "--limit reads part of a data set's own files" in capsys.readouterr().err


def test_from_pysaliency_names_images_under_their_common_folder(tmp_path):
    stimuli = SimpleNamespace(filenames=[str(tmp_path / "Stimuli" / "Action" / "001.jpg"),
                                         str(tmp_path / "Stimuli" / "Indoor" / "001.jpg")])
    recorded = SimpleNamespace(x=np.array([1.0, 2.0]), y=np.array([3.0, 4.0]), t=np.array([1.0, 2.0]),
                               n=np.array([0, 1]), subjects=np.array([0, 0]))
    data = eye_tracking.from_pysaliency(stimuli, recorded)
    assert [r.image for r in data.recordings] == ["Action/001", "Indoor/001"]  # as read_cat2000 names them
