"""Tests of LC saliency and the shared map helpers in course_lib.baselines."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import baselines, images


def _brute_force_by_definition(levels: np.ndarray) -> np.ndarray:
    """SalS(I_k) = Σ_i |I_k − I_i|, written as plainly as possible (test oracle)."""
    flat = levels.astype(np.int64).ravel()
    return np.array([np.abs(value - flat).sum() for value in flat]).reshape(levels.shape)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lut_equals_brute_force_exactly_on_grey(seed):
    levels = np.random.default_rng(seed).integers(0, 256, (9, 13), dtype=np.uint8)
    image = images.load_image(levels)
    expected = _brute_force_by_definition(levels)
    np.testing.assert_array_equal(baselines.lc_saliency(image, normalize=False), expected)
    np.testing.assert_array_equal(
        baselines.lc_saliency(image, method="brute_force", normalize=False), expected
    )


def test_rgb_variant_is_the_sum_of_per_channel_maps():
    levels = np.random.default_rng(3).integers(0, 256, (7, 8, 3), dtype=np.uint8)
    expected = sum(_brute_force_by_definition(levels[..., k]) for k in range(3))
    image = images.load_image(levels)
    for method in ("lut", "brute_force"):
        result = baselines.lc_saliency(image, channels="rgb", method=method, normalize=False)
        np.testing.assert_array_equal(result, expected)


def test_brute_force_crosses_chunk_boundaries():
    levels = np.random.default_rng(4).integers(0, 256, (23, 29), dtype=np.uint8)  # 667 px > 2 chunks
    image = images.load_image(levels)
    np.testing.assert_array_equal(
        baselines.lc_saliency(image, method="brute_force", normalize=False),
        _brute_force_by_definition(levels),
    )


def test_distance_table_hand_computed():
    table = baselines.lc_distance_table(np.array([[10, 10], [20, 40]], np.uint8))
    # D[n] = 2|n−10| + |n−20| + |n−40|
    assert table[10] == 0 + 10 + 30
    assert table[0] == 20 + 20 + 40
    assert table[255] == 2 * 245 + 235 + 215
    with pytest.raises(TypeError, match="levels must be a uint8 array"):
        baselines.lc_distance_table(np.zeros(3, np.float32))


def test_output_contract_float32_unit_range_and_shape():
    image = images.load_image("astronaut")[::4, ::4]
    for channels in ("grey", "rgb"):
        saliency = baselines.lc_saliency(image, channels=channels)
        assert saliency.dtype == np.float32
        assert saliency.shape == image.shape[:2]
        assert saliency.min() == 0.0 and saliency.max() == 1.0
        assert np.all(np.isfinite(saliency))


@pytest.mark.parametrize("value", [0.0, 0.37, 1.0])
def test_constant_image_gives_all_zero_map(value):
    image = np.full((6, 5, 3), value, np.float32)
    assert not baselines.lc_saliency(image).any()
    assert not baselines.lc_saliency(image, channels="rgb").any()


def test_rare_level_is_most_salient():
    image = np.full((10, 10), 0.2, np.float32)
    image[4, 4] = 0.9
    saliency = baselines.lc_saliency(image)
    assert np.unravel_index(saliency.argmax(), saliency.shape) == (4, 4)


def test_grey_two_dimensional_input_and_input_untouched():
    image = np.random.default_rng(5).random((6, 7)).astype(np.float32)
    before = image.copy()
    saliency = baselines.lc_saliency(image)
    assert saliency.shape == (6, 7)
    np.testing.assert_array_equal(image, before)


def test_one_pixel_image():
    assert baselines.lc_saliency(np.zeros((1, 1, 3), np.float32)).tolist() == [[0.0]]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"image": np.zeros((3, 3, 3)), "channels": "hsv"}, ValueError, "channels must be one of"),
        ({"image": np.zeros((3, 3, 3)), "method": "fast"}, ValueError, "method must be one of"),
        ({"image": np.full((3, 3), 2.0)}, ValueError, r"\[0, 1\]"),
        ({"image": np.zeros((3, 3, 4))}, ValueError, "3 channels"),
        ({"image": np.zeros(5)}, ValueError, "shape"),
        ({"image": "astronaut"}, TypeError, "numpy array"),
    ],
)
def test_lc_refuses_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        baselines.lc_saliency(**kwargs)


def test_normalize_range_contract():
    np.testing.assert_allclose(baselines.normalize_range(np.array([[1.0, 3.0]])), [[0.0, 1.0]])
    assert baselines.normalize_range(np.full((2, 2), 5.0)).dtype == np.float32


def test_blur_map_preserves_mass_and_range_and_sigma_zero_copies():
    rng = np.random.default_rng(6)
    saliency = rng.random((32, 32)).astype(np.float32)
    blurred = baselines.blur_map(saliency, 2.0)
    assert blurred.shape == saliency.shape and blurred.dtype == np.float32
    assert 0.0 <= blurred.min() and blurred.max() <= 1.0
    assert blurred.std() < saliency.std()
    copy = baselines.blur_map(saliency, 0)
    np.testing.assert_array_equal(copy, saliency)
    assert copy is not saliency
    with pytest.raises(ValueError, match="sigma must be a finite number >= 0"):
        baselines.blur_map(saliency, -1.0)
    with pytest.raises(TypeError, match="sigma must be a number"):
        baselines.blur_map(saliency, "2")
