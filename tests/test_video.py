"""Tests of course_lib.video: superpixel frame contrast and frame differencing (notebook 05b)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.color import deltaE_cie76, rgb2lab

from course_lib import baselines, images, video
from tests.conftest import ATOL_F32, RTOL_F32


def _blob_pair(shift: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames 60 and 60 + shift/2 of the course video (the disk moved `shift` px), and the mask."""
    frames, masks = baselines.moving_blob_video(62, start=55)
    return frames[60], frames[60 + shift // 2], masks[60 + shift // 2]


def _brute_force(prev_lab, cur_lab, prev_labels, cur_labels, sigma):
    """Direct transcription of the docstring's equation, one region at a time."""
    def stats(lab, labels):
        out = {}
        for value in np.unique(labels):
            rows, cols = np.nonzero(labels == value)
            out[value] = (np.array([rows.mean(), cols.mean()]), lab[rows, cols].mean(axis=0))
        return out

    prev, cur = stats(prev_lab, prev_labels), stats(cur_lab, cur_labels)
    result = np.zeros(cur_labels.shape)
    for value, (p_i, c_i) in cur.items():
        d = {j: np.linalg.norm(p_i - p_j) for j, (p_j, _) in prev.items()}
        nearest = min(d.values())
        keep = [j for j in prev if d[j] <= 3 * sigma or d[j] == nearest]
        w = np.array([np.exp(-d[j] ** 2 / (2 * sigma**2)) for j in keep])
        e = np.array([np.linalg.norm(c_i - prev[j][1]) for j in keep])
        result[cur_labels == value] = (w * e).sum() / w.sum()
    return result


# --------------------------------------------------------------------------
# segment_contrast: the equation
# --------------------------------------------------------------------------
def test_segment_contrast_matches_the_equation_transcribed_directly():
    rng = np.random.default_rng(0)
    prev_lab = rgb2lab(rng.random((18, 24, 3)))
    cur_lab = rgb2lab(rng.random((18, 24, 3)))
    prev_labels = rng.integers(0, 7, (18, 24))
    cur_labels = (np.arange(18)[:, None] // 6) * 4 + np.arange(24)[None, :] // 6  # 3 x 4 blocks
    for sigma in (1.0, 4.0, 50.0):
        got = video.segment_contrast(prev_lab, cur_lab, prev_labels, cur_labels, sigma=sigma)
        expected = _brute_force(prev_lab, cur_lab, prev_labels, cur_labels, sigma)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=RTOL_F32, atol=1e-4)


def test_colour_distance_is_cie76_delta_e():
    """One region per frame: the map is skimage's deltaE_cie76 between the two colours."""
    rng = np.random.default_rng(1)
    labels = np.zeros((5, 7), dtype=int)
    for _ in range(5):
        a, b = rng.random(3), rng.random(3)
        prev_lab, cur_lab = rgb2lab(np.broadcast_to(a, (5, 7, 3))), rgb2lab(np.broadcast_to(b, (5, 7, 3)))
        got = video.segment_contrast(prev_lab, cur_lab, labels, labels, sigma=3.0)
        expected = deltaE_cie76(rgb2lab(a[None, None]), rgb2lab(b[None, None]))[0, 0]
        np.testing.assert_allclose(got, expected, rtol=RTOL_F32)


def test_segment_contrast_is_a_gaussian_weighted_mean_of_delta_e():
    """Two previous regions at known distances: the weights are exp(-d^2 / 2 sigma^2), normalised."""
    prev_lab = np.zeros((1, 40, 3)); prev_lab[0, 20:, 0] = 30.0  # L = 0 left half, L = 30 right half
    cur_lab = np.zeros((1, 40, 3)); cur_lab[0, :, 0] = 10.0      # one region, L = 10
    prev_labels = (np.arange(40) >= 20).astype(int)[None]          # centroids at col 9.5 and 29.5
    cur_labels = np.zeros((1, 40), dtype=int)                      # centroid at col 19.5
    sigma = 8.0
    w = np.exp(-(10.0**2) / (2 * sigma**2))  # both previous centroids 10 px away: equal weights
    got = video.segment_contrast(prev_lab, cur_lab, prev_labels, cur_labels, sigma=sigma)
    np.testing.assert_allclose(got, (w * 10 + w * 20) / (2 * w), rtol=RTOL_F32)


def test_far_regions_are_cut_at_three_sigma_but_the_nearest_is_always_kept():
    prev_lab = np.zeros((1, 100, 3)); prev_lab[0, 50:, 0] = 50.0
    prev_labels = (np.arange(100) >= 50).astype(int)[None]  # centroids at 24.5 and 74.5
    cur_lab = np.zeros((1, 100, 3)); cur_labels = np.zeros((1, 100), dtype=int)
    cur_labels[0, :10] = 1  # region 1 centroid at 4.5: 20 px from the first, 70 px from the second
    # sigma = 5: only the nearest (20 px > 3 sigma, kept anyway) -> region 1 sees L = 0 only
    got = video.segment_contrast(prev_lab, cur_lab, prev_labels, cur_labels, sigma=5.0)
    assert np.all(np.isfinite(got))
    assert got[0, 0] == 0.0
    # sigma = 30: both within 3 sigma -> a positive weighted mean
    assert video.segment_contrast(prev_lab, cur_lab, prev_labels, cur_labels, sigma=30.0)[0, 0] > 0


def test_segment_contrast_ignores_label_numbering_and_commutes_with_flips():
    rng = np.random.default_rng(2)
    prev_lab, cur_lab = rgb2lab(rng.random((20, 16, 3))), rgb2lab(rng.random((20, 16, 3)))
    prev_labels, cur_labels = rng.integers(0, 5, (20, 16)), rng.integers(0, 6, (20, 16))
    base = video.segment_contrast(prev_lab, cur_lab, prev_labels, cur_labels, sigma=4.0)
    renamed = video.segment_contrast(prev_lab, cur_lab, 3 * prev_labels + 11, (cur_labels * 7) % 41, sigma=4.0)
    np.testing.assert_allclose(renamed, base, rtol=RTOL_F32, atol=ATOL_F32)
    flipped = video.segment_contrast(prev_lab[::-1, ::-1], cur_lab[::-1, ::-1], prev_labels[::-1, ::-1],
                                     cur_labels[::-1, ::-1], sigma=4.0)
    np.testing.assert_allclose(flipped, base[::-1, ::-1], rtol=RTOL_F32, atol=1e-4)
    transposed = video.segment_contrast(prev_lab.transpose(1, 0, 2), cur_lab.transpose(1, 0, 2),
                                        prev_labels.T, cur_labels.T, sigma=4.0)
    np.testing.assert_allclose(transposed, base.T, rtol=RTOL_F32, atol=1e-4)


# --------------------------------------------------------------------------
# superpixel_contrast on frames
# --------------------------------------------------------------------------
def test_constant_pair_gives_all_zero_map():
    for value in (0.0, 0.4, 1.0):
        frame = np.full((30, 40, 3), value, dtype=np.float32)
        saliency = video.superpixel_contrast(frame, frame.copy())
        assert saliency.shape == (30, 40) and saliency.dtype == np.float32
        assert np.all(saliency == 0)
        assert np.all(video.superpixel_contrast(frame, frame, normalize=True) == 0)
        assert np.all(video.frame_difference(frame, frame) == 0)


def test_static_pair_is_zero_where_nothing_is_near_the_object():
    """Nothing moved and the background is uniform: zero beyond 3 sigma (+ a superpixel) of the disk."""
    frame, _, mask = _blob_pair(0)
    saliency = video.superpixel_contrast(frame, frame.copy())
    rows, cols = np.nonzero(mask)
    far = np.hypot(*np.mgrid[0:96, 0:128] - np.array([rows.mean(), cols.mean()])[:, None, None]) > 3 * 10 + 20
    assert np.all(saliency[far] == 0)
    assert np.all(np.isfinite(saliency)) and saliency.min() >= 0


def test_a_moved_object_gets_the_highest_contrast():
    previous, current, mask = _blob_pair(2)
    saliency = video.superpixel_contrast(previous, current)
    assert saliency[mask].max() == saliency.max() > 0
    assert mask[np.unravel_index(np.argmax(saliency), saliency.shape)]  # pointing game, tolerance 0
    assert saliency[mask].mean() > 5 * saliency[~mask].mean()


def test_an_object_that_appears_is_salient_and_the_background_is_not():
    previous = np.full((48, 64, 3), 0.3, dtype=np.float32)
    current = previous.copy(); current[20:30, 30:40] = (0.9, 0.2, 0.2)
    saliency = video.superpixel_contrast(previous, current)
    assert saliency[20:30, 30:40].min() > 0
    assert saliency[:, :10].max() == 0  # 20+ px from the square, uniform before and after


def test_superpixel_contrast_matches_segment_contrast_on_the_slic_labels():
    previous, current, _ = _blob_pair(2)
    labels = [video.segment_superpixels(f, region_size=8) for f in (previous, current)]
    expected = video.segment_contrast(rgb2lab(previous), rgb2lab(current), *labels, sigma=5.0)
    got = video.superpixel_contrast(previous, current, region_size=8, sigma=5.0)
    np.testing.assert_array_equal(got, expected)


def test_integer_frames_are_scaled_by_their_dtype():
    rng = np.random.default_rng(3)
    frames8 = rng.integers(0, 256, (2, 24, 32, 3)).astype(np.uint8)
    as_float = frames8.astype(np.float32) / 255
    np.testing.assert_allclose(video.superpixel_contrast(*frames8), video.superpixel_contrast(*as_float),
                               rtol=1e-4, atol=1e-3)
    frames16 = frames8.astype(np.uint16) * 257  # the same values in 16 bits
    np.testing.assert_allclose(video.frame_difference(*frames16), video.frame_difference(*frames8),
                               rtol=1e-4, atol=1e-3)


def test_frames_are_not_modified():
    previous, current, _ = _blob_pair(2)
    before = previous.copy(), current.copy()
    video.superpixel_contrast(previous, current)
    video.frame_difference(previous, current)
    np.testing.assert_array_equal(previous, before[0])
    np.testing.assert_array_equal(current, before[1])


def test_no_nan_on_noise_and_normalize_gives_unit_range():
    rng = np.random.default_rng(4)
    previous, current = rng.random((2, 30, 30, 3)).astype(np.float32)
    for saliency in (video.superpixel_contrast(previous, current, region_size=3, sigma=0.5),
                     video.superpixel_contrast(previous, current, normalize=True)):
        assert np.all(np.isfinite(saliency)) and saliency.min() >= 0
    normalised = video.superpixel_contrast(previous, current, normalize=True)
    assert normalised.max() == pytest.approx(1.0)


def test_defaults_are_the_articles_region_size_and_sigma_one_superpixel():
    previous, current, _ = _blob_pair(2)
    np.testing.assert_array_equal(video.superpixel_contrast(previous, current),
                                  video.superpixel_contrast(previous, current, region_size=10,
                                                            compactness=10.0, sigma=10.0))
    assert video.DEFAULT_REGION_SIZE == 10 and video.TRUNCATE == 3.0


def test_segment_superpixels_uses_skimage_slic_with_about_hw_over_s2_regions():
    labels = video.segment_superpixels(np.zeros((40, 60, 3)), region_size=10)
    assert labels.min() == 1 and labels.max() == 24
    photo = images.load_image("astronaut")[:240:4, :320:4]  # 60 x 80: about 48 superpixels of 10 x 10
    count = len(np.unique(video.segment_superpixels(photo, region_size=10)))
    assert 0.5 * 48 <= count <= 1.5 * 48


# --------------------------------------------------------------------------
# frame_difference, video_saliency, score_video
# --------------------------------------------------------------------------
def test_frame_difference_is_skimage_delta_e_cie76():
    rng = np.random.default_rng(6)
    previous, current = rng.random((2, 12, 14, 3))
    expected = deltaE_cie76(rgb2lab(previous), rgb2lab(current))
    np.testing.assert_allclose(video.frame_difference(previous, current), expected, rtol=1e-5, atol=1e-4)


def test_video_saliency_applies_the_pair_method_frame_by_frame():
    frames, masks = baselines.moving_blob_video(5, shape=(32, 40), radius=4, start=1)
    maps = video.video_saliency(frames, method="superpixel", region_size=8)
    assert maps.shape == (5, 32, 40) and np.all(maps[0] == 0)
    np.testing.assert_array_equal(maps[3], video.superpixel_contrast(frames[2], frames[3], region_size=8))
    only = video.video_saliency(frames, method="difference", frame_indices=[2])
    assert np.all(only[[0, 1, 3, 4]] == 0)
    np.testing.assert_array_equal(only[2], video.frame_difference(frames[1], frames[2]))


def test_score_video_on_a_perfect_and_an_empty_map():
    frames, masks = baselines.moving_blob_video(4, shape=(32, 40), radius=4, start=1)
    perfect = video.score_video(masks.astype(np.float32), masks, [1, 2, 3])
    assert perfect["pointing"] == 1.0 and perfect["auc_judd"] == 1.0 and perfect["nss"] > 0
    empty = video.score_video(np.zeros(masks.shape), masks, [1, 2, 3])
    assert empty == {"pointing": pytest.approx(empty["pointing"]), "nss": 0.0, "auc_judd": 0.5}


# --------------------------------------------------------------------------
# input validation: each message names the argument
# --------------------------------------------------------------------------
GOOD = np.zeros((16, 16, 3), dtype=np.float32)


@pytest.mark.parametrize(
    ("previous", "current", "error", "match"),
    [
        ([[0.0]], GOOD, TypeError, "previous must be a numpy array"),
        (GOOD, np.zeros((16, 16)), ValueError, r"current must have shape \(H, W, C\)"),
        (GOOD, np.zeros((16, 16, 4)), ValueError, "current must have 3 channels in its last axis"),
        (np.full((16, 16, 3), 2.0), GOOD, ValueError, r"previous must have values in \[0, 1\]"),
        (np.full((16, 16, 3), np.nan), GOOD, ValueError, "previous must not contain NaN"),
        (np.zeros((16, 16, 3), dtype=np.int32), GOOD, TypeError, "previous must be uint8, uint16, bool or floating"),
        (np.zeros((16, 16, 3), dtype=np.complex64), GOOD, TypeError, "previous must be real"),
        (np.zeros((16, 20, 3)), GOOD, ValueError, "previous and current must have the same shape"),
    ],
)
def test_frames_are_validated(previous, current, error, match):
    with pytest.raises(error, match=match):
        video.superpixel_contrast(previous, current)
    with pytest.raises(error, match=match):
        video.frame_difference(previous, current)


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="region_size must be an integer >= 2"):
        video.superpixel_contrast(GOOD, GOOD, region_size=1)
    with pytest.raises(TypeError, match="region_size must be an integer"):
        video.superpixel_contrast(GOOD, GOOD, region_size=10.0)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        video.superpixel_contrast(GOOD, GOOD, sigma=0)
    with pytest.raises(ValueError, match="compactness must be a finite number > 0"):
        video.segment_superpixels(GOOD, compactness=-1)
    with pytest.raises(TypeError, match="normalize must be True or False"):
        video.superpixel_contrast(GOOD, GOOD, normalize="yes")
    with pytest.raises(TypeError, match="frame must be a numpy array"):
        video.segment_superpixels("frame.png")


def test_segment_contrast_inputs_are_validated():
    lab, labels = np.zeros((6, 8, 3)), np.zeros((6, 8), dtype=int)
    with pytest.raises(ValueError, match="previous_lab and current_lab must have the same shape"):
        video.segment_contrast(lab, np.zeros((6, 9, 3)), labels, labels, sigma=1.0)
    with pytest.raises(TypeError, match="current_labels must be an integer label image"):
        video.segment_contrast(lab, lab, labels, labels.astype(float), sigma=1.0)
    with pytest.raises(ValueError, match=r"previous_labels must have shape \(6, 8\)"):
        video.segment_contrast(lab, lab, labels[:3], labels, sigma=1.0)
    with pytest.raises(ValueError, match="previous_labels must hold labels >= 0"):
        video.segment_contrast(lab, lab, labels - 1, labels, sigma=1.0)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        video.segment_contrast(lab, lab, labels, labels, sigma=-2.0)


def test_video_inputs_are_validated():
    frames, masks = baselines.moving_blob_video(3, shape=(16, 20), radius=2, start=1)
    with pytest.raises(ValueError, match=r"frames must have shape \(T, H, W, 3\)"):
        video.video_saliency(frames[..., 0])
    with pytest.raises(ValueError, match="method must be one of"):
        video.video_saliency(frames, method="optical_flow")
    with pytest.raises(ValueError, match="frame_indices must hold integers in 1"):
        video.video_saliency(frames, frame_indices=[0])
    with pytest.raises(ValueError, match="masks must have the shape of maps"):
        video.score_video(np.zeros((3, 16, 20)), masks[:2], [1])
    with pytest.raises(ValueError, match="frame_indices must name at least one frame"):
        video.score_video(np.zeros((3, 16, 20)), masks, [])
    with pytest.raises(ValueError, match=r"masks\[0\] is empty"):
        video.score_video(np.zeros((3, 16, 20)), masks, [0])


def test_region_stats_match_skimage_regionprops():
    from skimage.measure import regionprops

    rng = np.random.default_rng(7)
    lab = rgb2lab(rng.random((15, 21, 3)))
    labels = rng.integers(0, 9, (15, 21)) * 2  # gaps in the numbering
    present, centroids, colours = video._region_stats(lab, labels)
    props = regionprops(labels + 1, intensity_image=lab)
    np.testing.assert_array_equal(present, [p.label - 1 for p in props])
    np.testing.assert_allclose(centroids, [p.centroid for p in props], rtol=RTOL_F32)
    np.testing.assert_allclose(colours, [p.intensity_mean for p in props], rtol=RTOL_F32)


def test_video_saliency_reuses_segmentations_but_gives_the_pairwise_maps():
    frames, _ = baselines.moving_blob_video(6, shape=(32, 40), radius=4, start=1)
    maps = video.video_saliency(frames, frame_indices=[1, 2, 4, 5], region_size=6, sigma=4.0, normalize=True)
    for t in (1, 2, 4, 5):
        np.testing.assert_array_equal(
            maps[t], video.superpixel_contrast(frames[t - 1], frames[t], region_size=6, sigma=4.0, normalize=True))
    assert np.all(maps[[0, 3]] == 0)


def test_bool_frames_are_read_as_zero_and_one():
    """As everywhere in course_lib (_validation's dtype table): bool frames are 0 and 1."""
    rng = np.random.default_rng(8)
    previous, current = rng.random((2, 16, 20, 3)) > 0.5
    np.testing.assert_array_equal(video.frame_difference(previous, current),
                                  video.frame_difference(previous.astype(np.float32), current.astype(np.float32)))


def test_sigma_and_compactness_are_bounded():
    """σ in [1e-3, 1e6] px keeps 2σ² finite and > 0; compactness >= 1e-3 keeps skimage's slic sane."""
    lab, labels = np.zeros((6, 8, 3)), np.zeros((6, 8), dtype=int)
    for sigma in (1e-300, 1e-4, 1e6 * 1.01, 1e300):
        with pytest.raises(ValueError, match=r"sigma must be a finite number > 0 in \[0.001, 1e\+06\]"):
            video.segment_contrast(lab, lab, labels, labels, sigma=sigma)
        with pytest.raises(ValueError, match=r"sigma must be a finite number > 0 in \[0.001, 1e\+06\]"):
            video.superpixel_contrast(GOOD, GOOD, sigma=sigma)
    frames, _ = baselines.moving_blob_video(3, shape=(16, 20), radius=2, start=1)
    with pytest.raises(ValueError, match=r"sigma must be a finite number > 0 in \[0.001, 1e\+06\]"):
        video.video_saliency(frames, sigma=1e300)
    for sigma in (video.MIN_SIGMA, 1e6):  # the bounds themselves are accepted
        assert np.all(np.isfinite(video.segment_contrast(lab, lab + 1, labels, labels, sigma=sigma)))
    for compactness in (1e-300, 1e-20, 5e-4):
        with pytest.raises(ValueError, match="compactness must be a finite number >= 0.001"):
            video.segment_superpixels(GOOD, compactness=compactness)
        with pytest.raises(ValueError, match="compactness must be a finite number >= 0.001"):
            video.superpixel_contrast(GOOD, GOOD, compactness=compactness)
    assert video.segment_superpixels(GOOD, compactness=video.MIN_COMPACTNESS).min() == 1


def test_segment_contrast_takes_any_label_values():
    """Huge or uint64 labels give the maps of the same grouping numbered 0, 1, … (no giant bincount)."""
    rng = np.random.default_rng(9)
    prev_lab, cur_lab = rgb2lab(rng.random((12, 14, 3))), rgb2lab(rng.random((12, 14, 3)))
    labels = rng.integers(0, 6, (12, 14))
    expected = video.segment_contrast(prev_lab, cur_lab, labels, labels, sigma=3.0)
    huge = labels.astype(np.int64) << 50
    as_uint64 = labels.astype(np.uint64) + np.uint64(2**63)
    np.testing.assert_array_equal(video.segment_contrast(prev_lab, cur_lab, huge, as_uint64, sigma=3.0), expected)


def test_video_frames_are_checked_once_and_named_frames():
    frames, _ = baselines.moving_blob_video(3, shape=(16, 20), radius=2, start=1)
    nan = frames.copy(); nan[0, 0, 0, 0] = np.nan  # frame 0 is not even computed, but it is checked
    for method in video.VIDEO_METHODS:
        with pytest.raises(ValueError, match="frames must not contain NaN or inf"):
            video.video_saliency(nan, method=method, frame_indices=[2])
        with pytest.raises(ValueError, match=r"frames must have values in \[0, 1\]"):
            video.video_saliency(frames * 255, method=method)
        with pytest.raises(TypeError, match="frames must be uint8, uint16, bool or floating"):
            video.video_saliency(frames.astype(np.int64), method=method)
        with pytest.raises(TypeError, match="frames must have a numeric dtype"):
            video.video_saliency(np.full(frames.shape, "a"), method=method)
        with pytest.raises(ValueError, match="frames must not be empty"):
            video.video_saliency(frames[:0], method=method)
        with pytest.raises(TypeError, match="frames must be a numpy array"):
            video.video_saliency(frames.tolist(), method=method)
    as_uint8 = np.round(frames * 255).astype(np.uint8)  # integer frames: scaled by their dtype, frame by frame
    np.testing.assert_array_equal(video.video_saliency(as_uint8, method="difference"),
                                  video.video_saliency(as_uint8.astype(np.float32) / 255, method="difference"))


def test_video_frame_indices_are_integers_in_range():
    frames, _ = baselines.moving_blob_video(3, shape=(16, 20), radius=2, start=1)
    in_range = r"frame_indices must hold integers in 1 … 2 \(the video has 3 frames\)"
    with pytest.raises(ValueError, match=in_range + ", got 3"):
        video.video_saliency(frames, frame_indices=[3])
    with pytest.raises(ValueError, match=r"frame_indices must hold integers in 1 … 2 .*got -1"):
        video.video_saliency(frames, frame_indices=[-1])
    for bad in ([1.0], [float("nan")], [True], ["1"], np.array([1.5])):
        with pytest.raises(TypeError, match="frame_indices must hold integers in 1 … 2"):
            video.video_saliency(frames, frame_indices=bad)
    for bad in (3, np.int64(2), 2.5, "12", b"12", {1: 2}, object(), np.array(2)):
        with pytest.raises(TypeError, match="frame_indices must be an iterable of integers"):
            video.video_saliency(frames, frame_indices=bad)
    expected = video.video_saliency(frames, method="difference", frame_indices=[1, 2])
    for same in ((1, 2), np.array([1, 2]), iter([2, 1]), range(1, 3), [np.int32(1), np.uint8(2)]):
        np.testing.assert_array_equal(video.video_saliency(frames, method="difference", frame_indices=same), expected)


def test_score_video_checks_masks_and_frame_indices_before_the_metrics():
    frames, masks = baselines.moving_blob_video(3, shape=(16, 20), radius=2, start=1)
    maps = np.zeros((3, 16, 20))
    with pytest.raises(TypeError, match="masks must be a numpy array"):
        video.score_video(maps, masks.tolist(), [1])
    with pytest.raises(ValueError, match=r"masks must be boolean or non-negative \(pixels > 0 mark the object\)"):
        video.score_video(maps, -1.0 * masks, [1])
    with pytest.raises(ValueError, match="masks must not contain NaN or inf"):
        video.score_video(maps, np.where(masks, np.nan, 0.0), [1])
    with pytest.raises(TypeError, match="masks must be real"):
        video.score_video(maps, masks.astype(complex), [1])
    with pytest.raises(ValueError, match=r"masks\[1\] marks every pixel"):
        video.score_video(maps, np.ones_like(masks), [1])
    with pytest.raises(ValueError, match=r"frame_indices must hold integers in 0 … 2 .*got 3"):
        video.score_video(maps, masks, [3])
    with pytest.raises(ValueError, match=r"frame_indices must hold integers in 0 … 2 .*got -1"):
        video.score_video(maps, masks, [-1])
    with pytest.raises(TypeError, match=r"frame_indices must hold integers in 0 … 2 .*got nan"):
        video.score_video(maps, masks, [float("nan")])
    with pytest.raises(TypeError, match="frame_indices must be an iterable of integers, got NoneType"):
        video.score_video(maps, masks, None)
    # numbers > 0 mark the object, as metrics reads a fixation map: the scores of the bool mask
    expected = video.score_video(frames[..., 0], masks, [1, 2])
    assert video.score_video(frames[..., 0], masks.astype(np.uint8) * 255, np.array([1, 2])) == expected
    assert video.score_video(frames[..., 0], masks * 0.5, (1, 2)) == expected


def test_absorption_frame_finds_when_binwang_learns_a_still_disk():
    """Notebook 05b §3: BinWang absorbs a disk that stops; the moving one is never absorbed."""
    still, still_masks = baselines.moving_blob_video(200, speed=0.0)
    motion = baselines.opencv_motion_saliency(still)
    absorbed = video.absorption_frame(motion, still_masks, start=55)
    assert absorbed is not None and absorbed > 55
    assert motion[absorbed][still_masks[absorbed]].max() == 0  # nothing of the disk left at t*
    assert all(motion[t][still_masks[t]].any() for t in range(55, absorbed))  # some of it before
    moving, moving_masks = baselines.moving_blob_video(80)
    assert video.absorption_frame(baselines.opencv_motion_saliency(moving), moving_masks, start=55) is None


def test_absorption_frame_small_cases_and_errors():
    masks = np.zeros((5, 2, 2), dtype=bool)
    masks[2:, 0, 0] = True  # the object exists from frame 2
    motion = np.zeros((5, 2, 2))
    assert video.absorption_frame(motion, masks, start=0) == 2  # frames 0, 1 have no object: skipped
    motion[2:4, 0, 0] = 0.3
    assert video.absorption_frame(motion, masks, start=0) == 4
    assert video.absorption_frame(motion, masks.astype(float), start=4) == 4  # numbers mark the object too
    motion[1, 1, 1] = 1.0  # foreground away from the object does not matter
    assert video.absorption_frame(motion[:4], masks[:4], start=1) is None
    with pytest.raises(ValueError, match="start"):
        video.absorption_frame(motion, masks, start=5)
    with pytest.raises(TypeError, match="start"):
        video.absorption_frame(motion, masks, start=1.5)
    with pytest.raises(ValueError, match="motion"):
        video.absorption_frame(motion[0], masks, start=0)
    with pytest.raises(ValueError, match="masks"):
        video.absorption_frame(motion, masks[:, :1], start=0)
