"""Tests of course_lib.itti_koch: centre–surround, N(·), conspicuity and saliency maps.

Oracles from Itti, Koch & Niebur (1998), doi:10.1109/34.730558 (notebook 03):
shapes and counts (42 maps, 40×30 at scale 4 for 640×480), uniform input →
zero maps without NaN, gain invariance, background-grey invariance, the unit
cases of N(·), and the opponency sign test (difference form, not the literal
"sum" of eqs. 2–3).  The colour formula values are in test_features.py.
Exact flip equivariance is *not* required (decimation phase breaks it).
"""

from __future__ import annotations

import dataclasses
import os

import cv2
import numpy as np
import pytest
from scipy import ndimage

from conftest import RTOL_F32
from course_lib import features, images, itti_koch, pyramids
from course_lib.itti_koch import FeatureKey, IttiKochParams


def _photo(size: tuple[int, int] = (160, 128)) -> np.ndarray:
    """The astronaut photograph, shrunk (W, H) for speed."""
    return cv2.resize(images.load_image("astronaut"), size, interpolation=cv2.INTER_AREA)


def _grid_display(values: dict, *, background, size: int = 256, cells: int = 5, half: int = 10) -> np.ndarray:
    """Squares on a uniform background; ``values[(i, j)]`` or ``values['other']`` colours them."""
    image = np.empty((size, size, 3), np.float32)
    image[:] = background
    pitch = size // cells
    for i in range(cells):
        for j in range(cells):
            r, c = pitch * i + pitch // 2, pitch * j + pitch // 2
            image[r - half : r + half, c - half : c + half] = values.get((i, j), values["other"])
    return image


def _argmax(saliency: np.ndarray) -> tuple[int, int]:
    return tuple(int(v) for v in np.unravel_index(np.argmax(saliency), saliency.shape))


# --------------------------------------------------------------------------
# oracle 1: shapes and counts
# --------------------------------------------------------------------------
def test_640x480_gives_42_feature_maps_3_conspicuity_maps_and_40x30_saliency():
    image = np.random.default_rng(0).random((480, 640, 3)).astype(np.float32)
    result = itti_koch.itti_koch(image)
    assert len(result.feature_maps) == 42
    counts = {channel: len(result.maps(channel)) for channel in itti_koch.FEATURE_CHANNELS}
    assert counts == {"intensity": 6, "rg": 6, "by": 6, "orientation": 24}
    assert len(result.maps("orientation", theta=np.deg2rad(45))) == 6
    assert set(result.maps(c=2)) == {k for k in result.feature_maps if k.s in (5, 6) and k.c == 2}
    for key, feature_map in result.feature_maps.items():
        assert feature_map.shape == pyramids.level_shape((480, 640), key.c)
        assert key.s - key.c in (3, 4) and key.c in (2, 3, 4)
        assert feature_map.dtype == np.float32 and feature_map.min() >= 0
    assert sorted(result.conspicuity_maps) == ["colour", "intensity", "orientation"]
    assert all(m.shape == (30, 40) for m in result.conspicuity_maps.values())
    assert result.saliency.shape == (30, 40) and result.saliency.dtype == np.float32
    assert result.params == IttiKochParams()
    saliency = itti_koch.saliency_map(image)
    assert saliency.shape == (480, 640) and saliency.dtype == np.float32
    assert saliency.min() >= 0 and 0.9 < saliency.max() <= 1


def test_feature_map_keys_label_channel_scales_and_theta():
    result = itti_koch.itti_koch(_photo((64, 48)))
    assert FeatureKey("intensity", 2, 5) in result.feature_maps
    assert FeatureKey("orientation", 4, 8, np.pi / 2) in result.feature_maps
    thetas = {k.theta for k in result.maps("orientation")}
    assert thetas == set(features.ORIENTATIONS)
    assert {k.theta for k in result.maps("rg")} == {None}


def test_params_defaults_are_the_papers():
    params = IttiKochParams()
    assert params.levels == 9
    assert params.center_levels == (2, 3, 4) and params.deltas == (3, 4)
    assert params.map_level == 4
    assert params.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert params.normalization == "paper" and params.n_iterations == 3
    assert params.hue_threshold == 0.1 and params.colour_level == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.levels = 5  # type: ignore[misc]


# --------------------------------------------------------------------------
# oracle 2: uniform input
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "image",
    [
        np.full((480, 640, 3), 0.5, np.float32),
        np.zeros((64, 80, 3), np.float32),
        np.ones((50, 70, 3), np.float32),
        np.full((97, 131, 3), (0.2, 0.5, 0.7), np.float32),
        np.full((64, 64), 0.3, np.float32),
    ],
)
@pytest.mark.parametrize("normalization", ["paper", "iterative", "none"])
def test_uniform_image_gives_zero_maps_and_no_nan(image, normalization):
    result = itti_koch.itti_koch(image, normalization=normalization)
    for feature_map in result.feature_maps.values():
        assert np.all(feature_map == 0)
    for conspicuity in result.conspicuity_maps.values():
        assert np.all(conspicuity == 0)
    assert np.all(result.saliency == 0)
    saliency = itti_koch.saliency_map(image, normalization=normalization)
    assert saliency.shape == image.shape[:2] and np.all(saliency == 0)


# --------------------------------------------------------------------------
# oracles 3 and 4: gain and background invariance
# --------------------------------------------------------------------------
def test_global_gain_leaves_the_saliency_map_unchanged():
    image = _photo()
    reference = itti_koch.saliency_map(image)
    darker = itti_koch.saliency_map(0.5 * image)
    assert np.corrcoef(reference.ravel(), darker.ravel())[0, 1] > 0.999
    # with uint8 rounding, as in the reference measurement (corr 0.9997 there)
    rounded = images.load_image(np.rint(0.5 * image * 255).astype(np.uint8))
    assert np.corrcoef(reference.ravel(), itti_koch.saliency_map(rounded).ravel())[0, 1] > 0.99


def test_background_grey_does_not_change_the_map_of_achromatic_items():
    shape_values = {(1, 3): None, "other": None}
    on_black = _grid_display({**shape_values, (1, 3): 0.5, "other": 0.3}, background=0.0)
    on_grey = _grid_display({**shape_values, (1, 3): 1.0, "other": 0.8}, background=0.5)  # +0.5 offset
    on_black_bright = _grid_display({**shape_values, (1, 3): 1.0, "other": 0.6}, background=0.0)  # ×2 gain
    reference = itti_koch.saliency_map(on_black)
    # the gain changes nothing; the offset changes float rounding, which on this
    # symmetric display flips a few exact ties between local maxima inside N(·)
    np.testing.assert_allclose(itti_koch.saliency_map(on_black_bright), reference, atol=1e-5)
    saliency = itti_koch.saliency_map(on_grey)
    np.testing.assert_allclose(saliency, reference, atol=0.02)
    assert np.corrcoef(saliency.ravel(), reference.ravel())[0, 1] > 0.999
    assert _argmax(saliency) == _argmax(reference)


# --------------------------------------------------------------------------
# oracle 5: N(·)
# --------------------------------------------------------------------------
def _peaks(*peaks: tuple[int, int, float], shape=(9, 9)) -> np.ndarray:
    feature_map = np.zeros(shape)
    for row, col, value in peaks:
        feature_map[row, col] = value
    return feature_map


def test_normalize_single_peak_is_multiplied_by_m_squared():
    out = itti_koch.normalize_map(_peaks((4, 4, 3.0)))
    assert out.max() == pytest.approx(10 * 10**2)  # rescaled to M = 10, then × (M − 0)²
    assert itti_koch.normalize_map(_peaks((4, 4, 3.0)), max_value=1.0).max() == pytest.approx(1.0)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_normalize_equal_peaks_give_zero(k):
    positions = [(1, 1), (1, 7), (7, 1), (7, 7), (4, 4)][:k]
    out = itti_koch.normalize_map(_peaks(*[(r, c, 2.0) for r, c in positions]))
    assert np.all(out == 0)


def test_normalize_mean_of_the_other_maxima_excludes_the_global_one():
    assert itti_koch.normalize_map(_peaks((2, 2, 10.0), (6, 6, 5.0))).max() == pytest.approx(10 * 5**2)
    three = _peaks((2, 2, 10.0), (6, 6, 5.0), (6, 2, 3.0))  # m̄ = (5 + 3)/2 = 4
    assert itti_koch.normalize_map(three).max() == pytest.approx(10 * 6**2)
    # maxima below 1/10 of the range do not count
    assert itti_koch.normalize_map(_peaks((2, 2, 10.0), (6, 6, 0.5))).max() == pytest.approx(1000)


def test_normalize_flat_topped_peak_counts_once_and_border_peaks_count():
    flat_top = _peaks((4, 4, 2.0), (4, 5, 2.0), (5, 4, 2.0), (5, 5, 2.0))
    assert itti_koch.normalize_map(flat_top).max() == pytest.approx(1000)
    assert np.all(itti_koch.normalize_map(_peaks((0, 0, 3.0), (5, 5, 3.0))) == 0)
    assert np.all(itti_koch.normalize_map(_peaks((0, 8, 3.0), (8, 0, 3.0))) == 0)


def test_normalize_is_scale_and_offset_invariant_non_negative_and_finite():
    rng = np.random.default_rng(1)
    feature_map = cv2.GaussianBlur(rng.random((40, 50)), (0, 0), 2.0)
    reference = itti_koch.normalize_map(feature_map)
    for a, b in [(0.01, 0.0), (7.0, 0.0), (3.0, 5.0)]:
        np.testing.assert_allclose(itti_koch.normalize_map(a * feature_map + b), reference, rtol=1e-6, atol=1e-6)
    assert reference.min() >= 0 and np.all(np.isfinite(reference))
    assert reference.dtype == np.float64
    assert itti_koch.normalize_map(feature_map.astype(np.float32)).dtype == np.float32


def test_normalize_constant_maps_give_zeros():
    for value in (0.0, 7.0):
        for function in (itti_koch.normalize_map, itti_koch.normalize_iterative):
            out = function(np.full((6, 5), value))
            assert out.shape == (6, 5) and np.all(out == 0)
    assert np.all(itti_koch.normalize_map(np.zeros((1, 1))) == 0)


def test_normalize_a_stack_normalises_each_map_on_its_own():
    rng = np.random.default_rng(2)
    stack = cv2.GaussianBlur(rng.random((30, 40, 5)).astype(np.float32), (0, 0), 2.0)
    stack[:, :, 3] = 0.25  # a constant member
    for function in (itti_koch.normalize_map, itti_koch.normalize_iterative):
        together = function(stack)
        assert together.shape == stack.shape
        for k in range(5):
            np.testing.assert_allclose(together[:, :, k], function(stack[:, :, k]), rtol=RTOL_F32, atol=1e-4)


def test_normalize_iterative_suppresses_noise_and_weaker_peaks_over_iterations():
    y, x = np.mgrid[:48, :48]
    blobs = np.exp(-((y - 12) ** 2 + (x - 12) ** 2) / 18) + 0.6 * np.exp(-((y - 34) ** 2 + (x - 32) ** 2) / 18)
    noisy = blobs + 0.3 * np.random.default_rng(3).random((48, 48))
    ratios, active = [], []
    for n in (1, 5, 20):
        out = itti_koch.normalize_iterative(noisy, n_iterations=n)
        assert out.min() >= 0 and np.all(np.isfinite(out))
        ratios.append(out[34, 32] / out[12, 12])
        active.append((out > 0).mean())
    assert ratios[0] > ratios[1] > ratios[2] and active[0] > active[1] > active[2]
    np.testing.assert_allclose(
        itti_koch.normalize_iterative(5 * blobs), itti_koch.normalize_iterative(blobs), rtol=1e-6, atol=1e-9
    )


def test_normalize_inputs_are_not_modified():
    feature_map = np.random.default_rng(4).random((12, 12))
    before = feature_map.copy()
    itti_koch.normalize_map(feature_map)
    itti_koch.normalize_iterative(feature_map)
    np.testing.assert_array_equal(feature_map, before)


# --------------------------------------------------------------------------
# oracle 7: opponency is a difference, not the literal sum of eqs. 2-3
# --------------------------------------------------------------------------
def _red_disk(field: tuple[float, float, float], size: int = 128) -> np.ndarray:
    image = np.empty((size, size, 3), np.float32)
    image[:] = field
    rows, cols = np.mgrid[:size, :size]
    image[(rows - size // 2) ** 2 + (cols - size // 2) ** 2 <= 12**2] = (1.0, 0.0, 0.0)
    return image


def test_red_disk_on_green_has_more_red_green_contrast_than_on_black():
    model = {field: itti_koch.itti_koch(_red_disk(field)) for field in ((0.0, 1.0, 0.0), (0.0, 0.0, 0.0))}
    key = FeatureKey("rg", 2, 5)
    on_green, on_black = (model[f].feature_maps[key] for f in ((0.0, 1.0, 0.0), (0.0, 0.0, 0.0)))
    centre = (16, 16)  # the disk's centre at scale 2
    assert on_green[centre] > 1.5 * on_black[centre]
    # the literal reading |RG(c) + RG(s)| ranks them the other way round
    literal = {}
    for field in ((0.0, 1.0, 0.0), (0.0, 0.0, 0.0)):
        rg, _ = features.opponency(_red_disk(field))
        pyramid = pyramids.gaussian_pyramid(rg, levels=6)
        literal[field] = np.abs(pyramid[2] + (pyramid[2] - pyramids.across_scale_difference(pyramid[2], pyramid[5])))
    assert literal[(0.0, 1.0, 0.0)][centre] < literal[(0.0, 0.0, 0.0)][centre]


# --------------------------------------------------------------------------
# the pieces compose into the model
# --------------------------------------------------------------------------
def test_center_surround_pairs_shapes_and_constant_input():
    pyramid = pyramids.gaussian_pyramid(np.random.default_rng(5).random((96, 128)), levels=9)
    maps = itti_koch.center_surround(pyramid)
    assert list(maps) == [(2, 5), (2, 6), (3, 6), (3, 7), (4, 7), (4, 8)]
    for (c, s), feature_map in maps.items():
        assert feature_map.shape == pyramid[c].shape and feature_map.min() >= 0
        np.testing.assert_allclose(
            feature_map, np.abs(pyramids.across_scale_difference(pyramid[c], pyramid[s])), rtol=1e-12, atol=1e-12
        )
    assert feature_map.dtype == np.float64
    only = itti_koch.center_surround(pyramid, center_levels=[1], deltas=[2])
    assert list(only) == [(1, 3)]


def test_model_equals_the_public_steps_composed():
    image = _photo((128, 96))
    result = itti_koch.itti_koch(image)
    grey = pyramids.gaussian_pyramid(features.intensity(image))
    red_green, blue_yellow = (pyramids.gaussian_pyramid(m) for m in features.opponency(image))
    channels = {"intensity": grey, "rg": red_green, "by": blue_yellow}
    for theta in features.ORIENTATIONS:
        channels[theta] = features.orientation_pyramid(grey, theta)
    maps = {name: itti_koch.center_surround(pyramid) for name, pyramid in channels.items()}
    for key, feature_map in result.feature_maps.items():
        expected = maps[key.theta if key.channel == "orientation" else key.channel][(key.c, key.s)]
        np.testing.assert_allclose(feature_map, expected, rtol=1e-4, atol=1e-5)

    shape = grey[4].shape

    def combined(name):  # ⊕_c Σ_δ N(F(c, s))
        by_center = [sum(itti_koch.normalize_map(maps[name][(c, c + d)]) for d in (3, 4)) for c in (2, 3, 4)]
        return pyramids.across_scale_add(by_center, shape)

    intensity_bar = combined("intensity")
    colour_bar = combined("rg") + combined("by")
    orientation_bar = sum(itti_koch.normalize_map(combined(theta)) for theta in features.ORIENTATIONS)
    for name, expected in (("intensity", intensity_bar), ("colour", colour_bar), ("orientation", orientation_bar)):
        np.testing.assert_allclose(result.conspicuity_maps[name], expected, rtol=1e-3, atol=1e-3 * expected.max())
    saliency = sum(itti_koch.normalize_map(m) for m in (intensity_bar, colour_bar, orientation_bar)) / 3
    np.testing.assert_allclose(result.saliency, saliency, rtol=1e-3, atol=1e-3 * saliency.max())
    # saliency_map: S / max S, bilinear at (i/16 + 1/32, j/16 + 1/32): aligned to half a pixel
    rows, cols = np.mgrid[: image.shape[0], : image.shape[1]] / 16 + 1 / 32
    upsampled = ndimage.map_coordinates(result.saliency / result.saliency.max(), [rows, cols], order=1, mode="nearest")
    np.testing.assert_allclose(itti_koch.saliency_map(image), upsampled, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("source", ["photo", "search array", "random 200x300"])
def test_conspicuity_maps_recombine_the_models_own_feature_maps(source):
    # oracle: the conspicuity maps itti_koch computes internally, without storing N(F)
    from course_lib import stimuli

    image = {
        "photo": lambda: _photo((160, 128)),
        "search array": lambda: stimuli.search_array("conjunction", 25, seed=1).image,
        "random 200x300": lambda: np.random.default_rng(0).random((200, 300, 3)).astype(np.float32),
    }[source]()
    result = itti_koch.itti_koch(image)
    maps = itti_koch.conspicuity_maps(result.feature_maps, result.saliency.shape)
    assert list(maps) == list(itti_koch.CONSPICUITY)
    for name, expected in result.conspicuity_maps.items():
        assert maps[name].shape == expected.shape and maps[name].dtype == np.float32
        assert np.all(maps[name] >= 0)
        np.testing.assert_allclose(maps[name], expected, rtol=1e-3, atol=1e-3 * float(expected.max()))


def test_conspicuity_maps_ignore_the_gain_of_each_map_and_accept_plain_tuple_keys():
    result = itti_koch.itti_koch(_photo((128, 96)))
    shape = result.saliency.shape
    reference = itti_koch.conspicuity_maps(result.feature_maps, shape)
    scaled = {tuple(key): (50.0 if key.channel in ("intensity", "orientation") else 0.1) * m
              for key, m in result.feature_maps.items()}
    for name, m in itti_koch.conspicuity_maps(scaled, shape).items():
        np.testing.assert_allclose(m, reference[name], rtol=1e-3, atol=1e-3 * float(reference[name].max()))


def test_conspicuity_maps_of_a_one_map_per_channel_stack():
    # one (c, s) pair and one theta: eq. 5-7 reduce to N of each map, resized
    peak = np.zeros((16, 16), np.float64)
    peak[5, 9] = 1.0
    maps = {FeatureKey("intensity", 2, 5): peak, FeatureKey("rg", 2, 5): peak, FeatureKey("by", 2, 5): 2 * peak,
            FeatureKey("orientation", 2, 5, 0.0): peak}
    out = itti_koch.conspicuity_maps(maps, (16, 16))
    expected = itti_koch.normalize_map(peak)  # 10 · 10² at the peak
    np.testing.assert_allclose(out["intensity"], expected)
    np.testing.assert_allclose(out["colour"], 2 * expected)
    np.testing.assert_allclose(out["orientation"], itti_koch.normalize_map(expected))
    assert out["intensity"].dtype == np.float64


@pytest.mark.parametrize(
    ("maps", "error", "match"),
    [
        ([np.zeros((4, 4))], TypeError, "feature_maps must be a non-empty mapping"),
        ({}, TypeError, "feature_maps must be a non-empty mapping"),
        ({("intensity", 2): np.zeros((4, 4))}, TypeError, "keys must be FeatureKey"),
        ({("texture", 2, 5, None): np.zeros((4, 4))}, ValueError, "unknown channel"),
        ({("intensity", 2, 5, None): np.zeros((4, 4))}, ValueError, "has no rg, by, orientation maps"),
        ({("intensity", 2, 5, None): np.zeros((4, 4)), ("rg", 2, 5, None): np.zeros((4, 4)),
          ("by", 2, 6, None): np.zeros((4, 4)), ("orientation", 2, 5, 0.0): np.zeros((4, 4))},
         ValueError, "same \\(c, s\\) pairs"),
    ],
)
def test_conspicuity_maps_bad_input(maps, error, match):
    with pytest.raises(error, match=match):
        itti_koch.conspicuity_maps(maps, (4, 4))


@pytest.mark.parametrize("normalization", ["paper", "iterative"])
def test_the_worker_thread_gives_exactly_the_single_thread_result(monkeypatch, normalization):
    image = _photo()
    threaded = itti_koch.itti_koch(image, normalization=normalization)
    monkeypatch.setattr(itti_koch, "_CORES", 1)  # every step inline, in this thread
    inline = itti_koch.itti_koch(image, normalization=normalization)
    np.testing.assert_array_equal(threaded.saliency, inline.saliency)
    assert threaded.feature_maps.keys() == inline.feature_maps.keys()
    for key, feature_map in threaded.feature_maps.items():
        np.testing.assert_array_equal(feature_map, inline.feature_maps[key])


def _saliency_peak_in_child(image):
    return float(itti_koch.saliency_map(image).max())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_working_thread_of_its_own():
    import multiprocessing
    import warnings

    image = _photo((64, 48))
    expected = float(itti_koch.saliency_map(image).max())  # the parent now owns a worker thread
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process (3.12+)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            # the child inherits the executor but not its thread: it must make its own
            peak = pool.apply_async(_saliency_peak_in_child, (image,)).get(timeout=60)
    assert peak == expected


def test_weights_and_normalisation_choices():
    image = _photo((96, 80))
    result = itti_koch.itti_koch(image, weights=(1, 0, 0))
    expected = itti_koch.normalize_map(result.conspicuity_maps["intensity"])
    np.testing.assert_allclose(result.saliency, expected, rtol=1e-5, atol=1e-6 * expected.max())
    plain = itti_koch.itti_koch(image, normalization="none")
    bars = plain.conspicuity_maps
    np.testing.assert_allclose(
        plain.saliency, (bars["intensity"] + bars["colour"] + bars["orientation"]) / 3, rtol=1e-5, atol=1e-6
    )
    for normalization in ("iterative", "none"):
        saliency = itti_koch.saliency_map(image, normalization=normalization, n_iterations=2)
        assert saliency.shape == image.shape[:2] and 0 <= saliency.min() and 0.8 < saliency.max() <= 1


def test_colour_level_one_is_close_to_the_paper_and_leaves_intensity_and_orientation_alone():
    image = _photo()
    paper, fast = itti_koch.itti_koch(image), itti_koch.itti_koch(image, colour_level=1)
    for name in ("intensity", "orientation"):
        np.testing.assert_allclose(fast.conspicuity_maps[name], paper.conspicuity_maps[name], rtol=1e-3, atol=1e-2)
    exact, approximate = itti_koch.saliency_map(image), itti_koch.saliency_map(image, colour_level=1)
    assert np.corrcoef(exact.ravel(), approximate.ravel())[0, 1] > 0.99


# --------------------------------------------------------------------------
# pop-out sanity (oracle 8 lives with the attention tests; two quick cases)
# --------------------------------------------------------------------------
def test_bright_and_red_singletons_are_the_most_salient():
    bright = _grid_display({(1, 3): (1.0, 1.0, 1.0), "other": (0.4, 0.4, 0.4)}, background=0.0)
    red = _grid_display({(3, 1): (0.9, 0.1, 0.1), "other": (0.367, 0.367, 0.367)}, background=0.0)
    for image, (i, j) in ((bright, (1, 3)), (red, (3, 1))):
        row, col = _argmax(itti_koch.saliency_map(image))
        pitch = 256 // 5
        assert abs(row - (pitch * i + pitch // 2)) <= 16 and abs(col - (pitch * j + pitch // 2)) <= 16


# --------------------------------------------------------------------------
# bad and unusual input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 1), (2, 3, 3), (5, 7, 3), (1, 50, 3), (16, 16, 3), (33, 17)])
def test_tiny_images_give_a_valid_map(shape):
    image = np.random.default_rng(6).random(shape).astype(np.float32)
    saliency = itti_koch.saliency_map(image)
    assert saliency.shape == shape[:2] and saliency.dtype == np.float32
    assert np.all(np.isfinite(saliency)) and saliency.min() >= 0 and saliency.max() <= 1
    assert len(itti_koch.itti_koch(image).feature_maps) == 42


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 2, 3), (2, 1, 3), (3, 1, 3), (1, 1), (3, 1)])
def test_tiny_images_are_finite_and_the_same_on_every_call(shape):
    # Unwritten scratch memory shows up as a value that changes from call to call.
    rng = np.random.default_rng(9)
    for _ in range(10):
        image = rng.random(shape).astype(np.float32)
        first, second = itti_koch.itti_koch(image), itti_koch.itti_koch(image.copy())
        assert np.isfinite(first.saliency).all(), shape
        np.testing.assert_array_equal(first.saliency, second.saliency, err_msg=f"saliency of a {shape} image")
        for name, conspicuity in first.conspicuity_maps.items():
            assert np.isfinite(conspicuity).all(), (shape, name)
            np.testing.assert_array_equal(conspicuity, second.conspicuity_maps[name], err_msg=f"{name}, {shape}")
        for key, feature in first.feature_maps.items():
            assert np.isfinite(feature).all(), (shape, key)
            np.testing.assert_array_equal(feature, second.feature_maps[key])
        np.testing.assert_array_equal(itti_koch.saliency_map(image), itti_koch.saliency_map(image))


def test_grey_images_equal_their_rgb_copies():
    grey = _photo((64, 48)).mean(axis=2)
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    np.testing.assert_allclose(itti_koch.saliency_map(grey), itti_koch.saliency_map(rgb), atol=1e-4)


def test_non_contiguous_float64_and_uint16_sources():
    image = _photo((96, 64))
    reference = itti_koch.saliency_map(image)
    fortran = np.asfortranarray(image)
    np.testing.assert_allclose(itti_koch.saliency_map(fortran), reference, atol=1e-6)
    np.testing.assert_allclose(itti_koch.saliency_map(image.astype(np.float64)), reference, atol=1e-6)
    bgr_view = image[:, :, ::-1][:, :, ::-1]  # negative-stride view of the same pixels
    np.testing.assert_allclose(itti_koch.saliency_map(bgr_view), reference, atol=1e-6)
    strided = image[::2, ::2]
    np.testing.assert_allclose(itti_koch.saliency_map(strided), itti_koch.saliency_map(strided.copy()), atol=1e-6)
    as_uint16 = np.rint(image * 65535).astype(np.uint16)
    np.testing.assert_allclose(itti_koch.saliency_map(images.load_image(as_uint16)), reference, atol=1e-3)


def test_the_input_is_not_modified():
    image = _photo((64, 48))
    before = image.copy()
    itti_koch.itti_koch(image)
    itti_koch.saliency_map(image, normalization="iterative")
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: itti_koch.saliency_map(np.zeros((8, 8, 4), np.float32)), ValueError, "image must have 3 channels"),
        (lambda: itti_koch.saliency_map(np.full((8, 8, 3), 1000.0)), ValueError, r"values in \[0, 1\].*load_image"),
        (lambda: itti_koch.saliency_map(np.full((8, 8, 3), np.nan)), ValueError, "image must not contain NaN"),
        (lambda: itti_koch.saliency_map(np.full((8, 8), np.inf)), ValueError, "image must not contain NaN or inf"),
        (lambda: itti_koch.saliency_map(np.zeros((8, 8, 3), np.int32)), TypeError, "image must be uint8, uint16, bool or floating point"),
            (lambda: itti_koch.saliency_map(np.zeros((8, 8, 3), object)), TypeError, "image must have a numeric dtype"),
        (lambda: itti_koch.saliency_map(np.zeros((2, 8, 8, 3))), ValueError, "image must have shape"),
        (lambda: itti_koch.itti_koch([[0.0]]), TypeError, "image must be a numpy array"),
        (lambda: itti_koch.saliency_map(np.zeros((8, 8)), sigma=2), TypeError, "unknown parameter.*sigma"),
        (lambda: itti_koch.itti_koch(np.zeros((8, 8)), levels=8), ValueError, "levels must exceed"),
        (lambda: itti_koch.itti_koch(np.zeros((8, 8)), levels=0), ValueError, "levels must be an integer >= 1"),
        (lambda: IttiKochParams(center_levels=()), ValueError, "center_levels must be a non-empty sequence"),
        (lambda: IttiKochParams(center_levels=3), TypeError, "center_levels must be a sequence of integers"),
        (lambda: IttiKochParams(deltas=(3, 3)), ValueError, "deltas must not repeat"),
        (lambda: IttiKochParams(deltas=(0,)), ValueError, "deltas must be a non-empty sequence of integers >= 1"),
        (lambda: IttiKochParams(map_level=9), ValueError, r"map_level must be an integer in \[0, 8\]"),
        (lambda: IttiKochParams(weights=(1, 1)), ValueError, "weights must be three finite numbers"),
        (lambda: IttiKochParams(weights=(0, 0, 0)), ValueError, "not all 0"),
        (lambda: IttiKochParams(weights="abc"), TypeError, "weights must be three numbers"),
        (lambda: IttiKochParams(normalization="max"), ValueError, "normalization must be one of"),
        (lambda: IttiKochParams(n_iterations=0), ValueError, "n_iterations must be an integer >= 1"),
        (lambda: IttiKochParams(hue_threshold=1.0), ValueError, r"hue_threshold must be in \[0, 1\)"),
        (lambda: IttiKochParams(colour_level=2), ValueError, "colour_level must be 0"),
        (lambda: IttiKochParams(center_levels=(0, 2), colour_level=1), ValueError, "colour_level must not exceed"),
        (lambda: itti_koch.center_surround(np.zeros((4, 4))), TypeError, "pyramid must be a list"),
        (lambda: itti_koch.center_surround([np.zeros((4, 4))] * 5), ValueError, "pyramid has 5 levels"),
        (lambda: itti_koch.center_surround([np.zeros((8, 8))] * 9), ValueError, r"pyramid\[5\] must have shape"),
        (lambda: itti_koch.normalize_map(np.zeros((4, 4)), max_value=0), ValueError, "max_value must be"),
        (lambda: itti_koch.normalize_map(np.zeros((4, 4)), threshold=1), ValueError, r"threshold must be in \[0, 1\)"),
        (lambda: itti_koch.normalize_map(np.zeros((4,))), ValueError, "feature_map must have shape"),
        (lambda: itti_koch.normalize_iterative(np.zeros((4, 4)), n_iterations=0), ValueError,
         "n_iterations must be an integer >= 1"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_uint8_image_gives_the_same_map_as_its_float_version():
    # uint8 is scaled by 1/255 at the boundary, as scikit-image's img_as_float (notebook 00)
    levels = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    np.testing.assert_array_equal(
        itti_koch.saliency_map(levels), itti_koch.saliency_map(levels.astype(np.float32) / np.float32(255))
    )


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: itti_koch.normalize_iterative(np.zeros((4, 4)), n_iterations=10**6), ValueError,
         "n_iterations must be an integer >= 1 and <= 1000"),
        (lambda: itti_koch.normalize_iterative(np.zeros((4, 4)), n_iterations=2.0), TypeError,
         "n_iterations must be an integer, got float"),
        (lambda: IttiKochParams(levels=10**9), ValueError, "levels must be an integer >= 1 and <= 64"),
        (lambda: itti_koch.normalize_map(np.zeros((4, 4)), max_value=1e300), ValueError,
         "max_value must be a finite number <= 1e\\+100"),
        (lambda: itti_koch.normalize_map(np.full((4, 4), np.nan)), ValueError, "feature_map must not contain NaN"),
    ],
)
def test_bounded_and_typed_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
