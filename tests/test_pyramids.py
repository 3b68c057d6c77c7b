"""Tests of course_lib.pyramids: Gaussian/Laplacian pyramids and the across-scale operators.

Itti, Koch & Niebur (1998), §2.1 (notebook 01): 9 scales, 640×480 → 40×30 at
σ = 4 with cv2.pyrDown's ⌈n/2⌉ sizes; a cross-check against cv2.pyrDown and an
independent scipy implementation of the [1 4 6 4 1]/16 reduce, and exact
Laplacian reconstruction.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy import ndimage

from conftest import ATOL_F32, ATOL_F64, RTOL_F32, RTOL_F64
from course_lib import pyramids


def _reduce_by_definition(image: np.ndarray) -> np.ndarray:
    """[1 4 6 4 1]/16 along rows and columns, mirrored borders, keep even samples (oracle)."""
    kernel = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    blurred = ndimage.convolve1d(image.astype(np.float64), kernel, axis=0, mode="mirror")
    blurred = ndimage.convolve1d(blurred, kernel, axis=1, mode="mirror")
    return blurred[::2, ::2]


# --------------------------------------------------------------------------
# shapes and conventions
# --------------------------------------------------------------------------
def test_default_is_nine_levels_and_640x480_gives_40x30_at_scale_4():
    pyramid = pyramids.gaussian_pyramid(np.zeros((480, 640), np.float32))
    assert len(pyramid) == 9
    assert [level.shape for level in pyramid] == [
        (480, 640), (240, 320), (120, 160), (60, 80), (30, 40), (15, 20), (8, 10), (4, 5), (2, 3)
    ]
    assert pyramid[4].shape == pyramids.level_shape((480, 640), 4) == (30, 40)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (3, 2), (5, 9), (17, 4)])
def test_tiny_images_give_all_levels_never_below_one_pixel(shape):
    image = np.random.default_rng(0).random(shape)
    pyramid = pyramids.gaussian_pyramid(image)
    assert len(pyramid) == 9
    for level, array in enumerate(pyramid):
        assert array.shape == pyramids.level_shape(shape, level)
        assert min(array.shape) >= 1 and np.all(np.isfinite(array))
    assert pyramid[-1].shape == (1, 1)


def test_constant_image_stays_exactly_constant():
    for level in pyramids.gaussian_pyramid(np.full((37, 23), 0.25), levels=6):
        assert np.all(level == 0.25)


def test_level_shape_rounds_up():
    assert pyramids.level_shape((5, 3), 1) == (3, 2)
    assert pyramids.level_shape((480, 640, 3), 8) == (2, 3)
    assert pyramids.level_shape((9, 9), 0) == (9, 9)


# --------------------------------------------------------------------------
# cross-implementation
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(64, 48), (37, 53), (2, 9)])
def test_gaussian_pyramid_matches_cv2_pyrdown_and_the_binomial_definition(shape):
    image = np.random.default_rng(1).random(shape).astype(np.float32)
    pyramid = pyramids.gaussian_pyramid(image, levels=4)
    expected_cv2 = image
    expected_def = image.astype(np.float64)
    for level in pyramid[1:]:
        expected_cv2 = cv2.pyrDown(expected_cv2)
        expected_def = _reduce_by_definition(expected_def)
        np.testing.assert_allclose(level, expected_cv2, rtol=RTOL_F32, atol=ATOL_F32)
        np.testing.assert_allclose(level, expected_def, rtol=RTOL_F32, atol=ATOL_F32)


def test_reduce_is_one_pyramid_step_and_hand_computed():
    image = np.random.default_rng(2).random((11, 8))
    np.testing.assert_array_equal(pyramids.reduce(image), pyramids.gaussian_pyramid(image, 2)[1])
    # [0, 0, 16, 0]: sample 0 reads x2, x1, x0, x1, x2 (mirrored) -> 16/16 + 16/16
    assert pyramids.reduce(np.array([[0.0, 0.0, 16.0, 0.0]])).tolist() == [[2.0, 7.0]]
    assert pyramids.BINOMIAL_5.sum() == 1.0


def test_channels_are_filtered_independently_and_axis_kept():
    rng = np.random.default_rng(3)
    stack = rng.random((40, 30, 5)).astype(np.float32)
    pyramid = pyramids.gaussian_pyramid(stack, levels=4)
    for k in range(5):
        single = pyramids.gaussian_pyramid(stack[:, :, k], levels=4)
        for level, expected in zip(pyramid, single):  # SIMD paths differ by an ulp
            np.testing.assert_allclose(level[:, :, k], expected, rtol=RTOL_F32, atol=ATOL_F32)
    one_channel = pyramids.gaussian_pyramid(stack[:, :, :1], levels=3)
    assert [level.ndim for level in one_channel] == [3, 3, 3]
    assert pyramids.reduce(stack[:, :, :1]).shape == (20, 15, 1)


def test_dtypes_kept_and_integers_become_float32():
    assert pyramids.gaussian_pyramid(np.zeros((8, 8)), 3)[2].dtype == np.float64
    assert pyramids.gaussian_pyramid(np.zeros((8, 8), np.float32), 3)[2].dtype == np.float32
    assert pyramids.gaussian_pyramid(np.zeros((8, 8), np.uint8), 3)[2].dtype == np.float32


def test_input_is_not_modified_nor_aliased_and_views_work():
    image = np.random.default_rng(4).random((30, 40, 3)).astype(np.float32)
    before = image.copy()
    pyramid = pyramids.gaussian_pyramid(image, 3)
    pyramid[0][:] = -1
    np.testing.assert_array_equal(image, before)
    view = image[::2, ::-1]  # non-contiguous, negative strides
    for got, expected in zip(pyramids.gaussian_pyramid(view, 3), pyramids.gaussian_pyramid(view.copy(), 3)):
        np.testing.assert_array_equal(got, expected)


# --------------------------------------------------------------------------
# expand and the Laplacian pyramid
# --------------------------------------------------------------------------
def test_expand_gives_the_finer_shape_and_keeps_constants():
    coarse = np.full((3, 5), 2.0)
    for shape in [(6, 10), (5, 9), (6, 9)]:
        expanded = pyramids.expand(coarse, shape)
        assert expanded.shape == shape
        np.testing.assert_allclose(expanded, 2.0, rtol=RTOL_F64)


@pytest.mark.parametrize("shape", [(64, 64), (37, 53), (1, 1), (3, 2), (20, 31, 3)])
def test_laplacian_reconstruction_is_exact(shape):
    image = np.random.default_rng(5).random(shape)
    bands = pyramids.laplacian_pyramid(image, levels=6)
    assert len(bands) == 6
    assert [b.shape[:2] for b in bands] == [pyramids.level_shape(shape, k) for k in range(6)]
    np.testing.assert_allclose(pyramids.reconstruct_laplacian(bands), image, rtol=RTOL_F64, atol=ATOL_F64)
    single = image.astype(np.float32)
    np.testing.assert_allclose(
        pyramids.reconstruct_laplacian(pyramids.laplacian_pyramid(single, levels=6)),
        single, rtol=RTOL_F32, atol=ATOL_F32,
    )


def test_laplacian_bands_of_a_constant_are_zero_except_the_top():
    bands = pyramids.laplacian_pyramid(np.full((16, 12), 0.5), levels=4)
    for band in bands[:-1]:
        assert np.abs(band).max() < 1e-12
    np.testing.assert_allclose(bands[-1], 0.5)


# --------------------------------------------------------------------------
# across-scale operators
# --------------------------------------------------------------------------
def test_across_scale_difference_is_pyramid_aligned_bilinear():
    # surround sample j sits on centre pixel 2^δ j: centre pixel i reads S(i / 2^δ)
    row = pyramids.across_scale_difference(np.zeros((1, 8)), np.array([[0.0, 8.0, 16.0, 24.0]]))
    np.testing.assert_allclose(-row[0], [0, 4, 8, 12, 16, 20, 24, 24])
    surround = np.random.default_rng(6).random((4, 5))
    diff = pyramids.across_scale_difference(np.zeros((13, 17)), surround)  # δ = 2
    for i, j in [(0, 0), (4, 8), (5, 6), (12, 16)]:
        y, x = min(i / 4, 3), min(j / 4, 4)
        y0, x0 = int(np.floor(y)), int(np.floor(x))
        y1, x1 = min(y0 + 1, 3), min(x0 + 1, 4)
        fy, fx = y - y0, x - x0
        expected = ((1 - fy) * (1 - fx) * surround[y0, x0] + (1 - fy) * fx * surround[y0, x1]
                    + fy * (1 - fx) * surround[y1, x0] + fy * fx * surround[y1, x1])
        assert -diff[i, j] == pytest.approx(expected, rel=1e-6)


def test_across_scale_difference_on_pyramid_levels_and_stacks():
    stack = np.random.default_rng(7).random((48, 40, 3)).astype(np.float32)
    pyramid = pyramids.gaussian_pyramid(stack, levels=5)
    diff = pyramids.across_scale_difference(pyramid[1], pyramid[4])
    assert diff.shape == pyramid[1].shape
    for k in range(3):
        np.testing.assert_allclose(
            diff[:, :, k],
            pyramids.across_scale_difference(pyramid[1][:, :, k], pyramid[4][:, :, k]),
            rtol=RTOL_F32, atol=ATOL_F32,
        )
    np.testing.assert_array_equal(pyramids.across_scale_difference(pyramid[2], pyramid[2]), 0)


def test_across_scale_add_reduces_with_the_pyramid_and_adds():
    image = np.random.default_rng(8).random((64, 48)).astype(np.float32)
    pyramid = pyramids.gaussian_pyramid(image, levels=5)
    total = pyramids.across_scale_add([pyramid[2], pyramid[3], pyramid[4]], pyramid[4].shape)
    expected = cv2.pyrDown(cv2.pyrDown(pyramid[2])) + cv2.pyrDown(pyramid[3]) + pyramid[4]
    np.testing.assert_allclose(total, expected, rtol=RTOL_F32, atol=ATOL_F32)
    # a size no reduce step reaches is resized (area average when shrinking)
    odd = pyramids.across_scale_add([np.ones((10, 10)), np.ones((2, 2))], (3, 3))
    np.testing.assert_allclose(odd, 2.0)
    stacked = pyramids.across_scale_add([np.ones((8, 8, 2)), np.ones((4, 4, 2))], (4, 4))
    assert stacked.shape == (4, 4, 2)


# --------------------------------------------------------------------------
# bad input: every raise
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: pyramids.gaussian_pyramid(np.zeros((4, 4)), levels=0), ValueError, "levels must be an integer >= 1, got 0"),
        (lambda: pyramids.gaussian_pyramid(np.zeros((4, 4)), levels=10**12), ValueError, "levels must be an integer >= 1 and <= 64, got 1000000000000"),
        (lambda: pyramids.level_shape((480, 640), -1), ValueError, "level must be an integer >= 0"),
        (lambda: pyramids.level_shape(5, 1), TypeError, "shape must be a sequence"),
        (lambda: pyramids.gaussian_pyramid(np.zeros((4, 4)), levels=2.5), TypeError, "levels must be an integer"),
        (lambda: pyramids.gaussian_pyramid(np.zeros((4, 4)), levels=True), TypeError, "levels must be an integer"),
        (lambda: pyramids.gaussian_pyramid([[0.0, 1.0]]), TypeError, "image must be a numpy array"),
        (lambda: pyramids.gaussian_pyramid(np.zeros((0, 4))), ValueError, "image must not be empty"),
        (lambda: pyramids.gaussian_pyramid(np.zeros((2, 2, 2, 2))), ValueError, "image must have shape"),
        (lambda: pyramids.gaussian_pyramid(np.array([[np.nan]])), ValueError, "image must not contain NaN"),
        (lambda: pyramids.gaussian_pyramid(np.zeros((2, 2, 513))), ValueError, "at most 512 channels"),
        (lambda: pyramids.expand(np.zeros((3, 3)), (7, 6)), ValueError, "rows must be 6 or 5"),
        (lambda: pyramids.expand(np.zeros((3, 3)), (6, 4)), ValueError, "cols must be 6 or 5"),
        (lambda: pyramids.expand(np.zeros((3, 3)), "big"), TypeError, "shape must be a pair of integers"),
        (lambda: pyramids.expand(np.zeros((3, 3)), (6, 0)), ValueError, "shape must be an integer >= 1"),
        (lambda: pyramids.expand(np.zeros((3, 3)), (6.5, 6)), TypeError, "shape must be an integer, got float"),
        (lambda: pyramids.reconstruct_laplacian([]), TypeError, "pyramid must be a non-empty list"),
        (lambda: pyramids.reconstruct_laplacian([np.zeros((8, 8)), np.zeros((3, 3))]), ValueError,
         r"pyramid\[1\] must have shape \(4, 4\)"),
        (lambda: pyramids.across_scale_difference(np.zeros((8, 8)), np.zeros((3, 3))), ValueError,
         "surround must be a coarser level"),
        (lambda: pyramids.across_scale_difference(np.zeros((8, 8, 2)), np.zeros((4, 4, 3))), ValueError,
         "surround must be a coarser level"),
        (lambda: pyramids.across_scale_add([], (2, 2)), TypeError, "maps must be a non-empty list"),
        (lambda: pyramids.across_scale_add([np.zeros((4, 4)), np.zeros((2, 2, 2))], (2, 2)), ValueError,
         "maps must all have the same channels"),
        (lambda: pyramids.across_scale_add([np.zeros((4, 4))], (2,)), ValueError, "scale_shape must be a pair"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_level_shape_is_bounded_for_huge_levels_and_takes_numpy_integers():
    # a 1×1 level is a fixed point, so a huge level returns at once
    assert pyramids.level_shape((480, 640), 10**12) == (1, 1)
    assert pyramids.level_shape((np.int64(480), np.int64(640)), np.int64(4)) == (30, 40)
