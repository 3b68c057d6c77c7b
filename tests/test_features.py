"""Tests of course_lib.features: intensity, colour channels, opponency and Gabor filters.

Itti, Koch & Niebur (1998), §2.1 (notebook 02): the colour formula values on
pure red and pure yellow and the relative hue threshold; Gabor properties (zero mean,
|g(θ)| = |g(θ + π)|), a cross-check against skimage.filters.gabor_kernel and
the exactness of the fast (demodulated, strip-wise) paths.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from skimage.filters import gabor_kernel as skimage_gabor_kernel

from conftest import ATOL_F32, ATOL_F64, RTOL_F32, RTOL_F64
from course_lib import features, images


def _pixels(*colours: tuple[float, float, float]) -> np.ndarray:
    return np.array([colours], dtype=np.float32)  # (1, n, 3)


def _random_image(shape=(24, 31, 3), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).random(shape).astype(np.float32)


# --------------------------------------------------------------------------
# intensity and hue normalisation
# --------------------------------------------------------------------------
def test_intensity_is_the_plain_mean_and_grey_passes_through():
    image = _random_image()
    np.testing.assert_allclose(features.intensity(image), image.mean(axis=2), rtol=RTOL_F32, atol=ATOL_F32)
    np.testing.assert_allclose(
        features.intensity(image), images.to_grey(image, weights="mean"), rtol=RTOL_F32, atol=ATOL_F32
    )
    grey = image[:, :, 0]
    out = features.intensity(grey)
    np.testing.assert_array_equal(out, grey)
    assert out.dtype == np.float32 and out is not grey


def test_hue_normalisation_oracle_values_and_threshold_default():
    assert features.HUE_THRESHOLD == 0.1
    normalised = features.normalize_hue(_pixels((1, 0, 0), (1, 1, 0), (0.5, 0.5, 0.5)))
    np.testing.assert_allclose(normalised[0, 0], [3, 0, 0], rtol=RTOL_F32)  # r' = 1 / (1/3)
    np.testing.assert_allclose(normalised[0, 1], [1.5, 1.5, 0], rtol=RTOL_F32)
    np.testing.assert_allclose(normalised[0, 2], [1, 1, 1], rtol=RTOL_F32)


def test_hue_is_zero_where_intensity_is_at_most_a_tenth_of_its_maximum():
    # I = 1, 0.09 (below max/10: masked), 0.11 (kept), 0
    image = _pixels((1, 1, 1), (0.27, 0, 0), (0.33, 0, 0), (0, 0, 0))
    normalised = features.normalize_hue(image)
    assert np.all(normalised[0, 1] == 0) and np.all(normalised[0, 3] == 0)
    assert normalised[0, 2, 0] == pytest.approx(3.0, rel=1e-6)
    assert features.normalize_hue(image, threshold=0.0)[0, 1, 0] == pytest.approx(3.0, rel=1e-6)
    assert not features.normalize_hue(np.zeros((2, 2, 3), np.float32)).any()


def test_relative_threshold_makes_hue_gain_invariant():
    image = _random_image()
    for gain in (0.5, 0.01):
        np.testing.assert_allclose(
            features.normalize_hue(gain * image), features.normalize_hue(image), rtol=1e-5, atol=1e-5
        )


# --------------------------------------------------------------------------
# broadly tuned colours and opponency (oracle 6)
# --------------------------------------------------------------------------
def test_broadly_tuned_colours_on_pure_red_and_pure_yellow():
    colours = features.broadly_tuned_colours(_pixels((1, 0, 0), (1, 1, 0)))
    red = [float(c[0, 0]) for c in (colours.red, colours.green, colours.blue, colours.yellow)]
    yellow = [float(c[0, 1]) for c in (colours.red, colours.green, colours.blue, colours.yellow)]
    np.testing.assert_allclose(red, [3, 0, 0, 0], rtol=RTOL_F32, atol=ATOL_F32)
    np.testing.assert_allclose(yellow, [0.75, 0.75, 0, 1.5], rtol=RTOL_F32, atol=ATOL_F32)
    rg, by = features.opponency(_pixels((1, 0, 0), (1, 1, 0)))
    np.testing.assert_allclose(rg[0], [3, 0], rtol=RTOL_F32, atol=ATOL_F32)
    np.testing.assert_allclose(by[0], [0, -1.5], rtol=RTOL_F32, atol=ATOL_F32)


def test_colours_are_zero_on_grey_black_and_dark_pixels_and_never_negative():
    image = _pixels((0.5, 0.5, 0.5), (0, 0, 0), (0.05, 0, 0), (1, 1, 1))
    colours = features.broadly_tuned_colours(image)
    for channel in (colours.red, colours.green, colours.blue, colours.yellow):
        np.testing.assert_allclose(channel, 0, atol=ATOL_F32)
    for channel in vars(features.broadly_tuned_colours(_random_image())).values():
        assert channel.dtype == np.float32 and channel.min() >= 0
    grey = features.broadly_tuned_colours(np.full((3, 4), 0.7, np.float32))
    assert grey.red.shape == (3, 4) and np.abs(grey.yellow).max() < ATOL_F32


def test_opponency_equals_the_literal_formulas_r_minus_g_and_b_minus_y():
    image = _random_image(seed=1)
    colours = features.broadly_tuned_colours(image)
    rg, by = features.opponency(image)
    np.testing.assert_allclose(rg, colours.red - colours.green, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(by, colours.blue - colours.yellow, rtol=1e-5, atol=1e-5)
    rg_grey, by_grey = features.opponency(image[:, :, 1])
    assert not rg_grey.any() and not by_grey.any()


def test_opponency_signs():
    rg, by = features.opponency(_pixels((0.9, 0.1, 0.1), (0.1, 0.9, 0.1), (0.1, 0.1, 0.9), (0.9, 0.9, 0.1)))
    assert rg[0, 0] > 0 > rg[0, 1]
    assert by[0, 2] > 0 > by[0, 3]


@pytest.mark.parametrize("shape", [(480, 640, 3), (37, 21, 3), (1, 1, 3), (2, 5, 3), (131, 7, 3), (9, 4)])
@pytest.mark.parametrize("strip_rows", [64, 2])
@pytest.mark.parametrize("given_mean", [False, True])
def test_strip_wise_reduced_colour_maps_equal_the_full_resolution_ones(shape, strip_rows, given_mean):
    image = _random_image(shape, seed=2)
    full = features.intensity_opponency(image, 0.1)
    expected = cv2.pyrDown(full).reshape(((shape[0] + 1) // 2, (shape[1] + 1) // 2, 3))
    mean = features.intensity(image) if given_mean else None
    got = features.reduced_intensity_opponency(image, 0.1, strip_rows=strip_rows, mean=mean)
    np.testing.assert_allclose(got, expected, rtol=RTOL_F32, atol=ATOL_F32)  # exact for RGB


def _oracle_pixels() -> np.ndarray:
    """(n, 3) float32: random colours, greys, saturated and near-black corners of the cube."""
    rng = np.random.default_rng(11)
    corners = np.array(np.meshgrid([0.0, 1.0], [0.0, 1.0], [0.0, 1.0])).reshape(3, -1).T
    greys = np.repeat(np.linspace(0.0, 1.0, 11)[:, None], 3, axis=1)
    dark = rng.random((20, 3)) * 1e-3
    return np.concatenate([rng.random((300, 3)), corners, greys, dark, [[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]]]).astype(np.float32)


PER_PIXEL_FUNCTIONS = {
    "intensity": features.intensity,
    "mean_rgb": features.mean_rgb,
    "normalize_hue": features.normalize_hue,
    "broadly_tuned_colours": lambda rgb: np.stack(dataclasses.astuple(features.broadly_tuned_colours(rgb)), axis=-1),
    "opponency": lambda rgb: np.stack(features.opponency(rgb), axis=-1),
    "intensity_opponency": lambda rgb: features.intensity_opponency(rgb, features.HUE_THRESHOLD),
    "to_grey": images.to_grey,
    "to_uint8": images.to_uint8,
    "rgb_to_bgr": images.rgb_to_bgr,
}


@pytest.mark.parametrize("name", sorted(PER_PIXEL_FUNCTIONS))
def test_per_pixel_functions_give_on_one_pixel_exactly_their_value_on_a_uniform_2x2(name):
    # No formula needed: a per-pixel function (whose only image-wide input, max I, is the
    # pixel's own on a uniform image) cannot depend on the image's size. Catches output
    # left unwritten by a library call on a tiny shape (cv2 5.1 and a 1×1 array beside a scalar).
    function = PER_PIXEL_FUNCTIONS[name]
    for pixel in _oracle_pixels():
        one = np.asarray(function(pixel.reshape(1, 1, 3).copy()))
        four = np.asarray(function(np.broadcast_to(pixel, (2, 2, 3)).copy()))
        assert np.isfinite(one.astype(np.float64)).all(), (name, pixel)
        np.testing.assert_array_equal(one, four[:1, :1], err_msg=f"{name} on pixel {pixel.tolist()}")


def test_colour_functions_do_not_modify_their_input():
    image = _random_image(seed=3)
    before = image.copy()
    features.normalize_hue(image)
    features.broadly_tuned_colours(image)
    features.opponency(image)
    features.intensity(image)
    np.testing.assert_array_equal(image, before)


def test_non_contiguous_and_float64_images_are_accepted():
    image = _random_image(seed=4).astype(np.float64)
    view = image[::2, ::-1]
    for function in (features.intensity, features.normalize_hue):
        np.testing.assert_allclose(function(view), function(view.copy()), rtol=RTOL_F32, atol=ATOL_F32)
    np.testing.assert_allclose(features.opponency(view)[0], features.opponency(view.copy())[0], rtol=RTOL_F32)


# --------------------------------------------------------------------------
# Gabor kernels
# --------------------------------------------------------------------------
@pytest.mark.parametrize("theta", [0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, 0.3])
@pytest.mark.parametrize("gamma", [1.0, 0.5, 2.0])
def test_gabor_kernel_is_zero_mean_and_periodic_in_pi(theta, gamma):
    kernel = features.gabor_kernel(2.0, theta, 0.25, gamma=gamma)
    assert abs(kernel.real.sum()) < 1e-12 and abs(kernel.imag.sum()) < 1e-12
    flipped = features.gabor_kernel(2.0, theta + np.pi, 0.25, gamma=gamma)
    np.testing.assert_allclose(np.abs(flipped), np.abs(kernel), rtol=RTOL_F64, atol=ATOL_F64)
    np.testing.assert_allclose(flipped, np.conj(kernel), rtol=1e-9, atol=1e-12)


def test_gabor_kernel_default_radius_and_shape():
    assert features.gabor_kernel(2.0, 0.0, 0.25).shape == (13, 13)  # ⌈3σ⌉ = 6
    assert features.gabor_kernel(2.0, 0.0, 0.25, gamma=0.5).shape == (25, 25)  # σ/γ = 4
    assert features.gabor_kernel(0.1, 0.0, 0.25).shape == (3, 3)
    assert features.gabor_kernel(2.0, 0.0, 0.25, radius=2).shape == (5, 5)
    assert (features.GABOR_SIGMA, features.GABOR_FREQUENCY) == (2.0, 0.25)
    assert features.ORIENTATIONS == (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


@pytest.mark.parametrize("theta, gamma", [(0.0, 1.0), (np.pi / 4, 1.0), (np.pi / 4, 2.0), (1.0, 1.0)])
def test_gabor_kernel_is_skimage_minus_its_dc_term(theta, gamma):
    reference = skimage_gabor_kernel(0.25, theta=theta, sigma_x=2.0, sigma_y=2.0 / gamma)
    radius = reference.shape[0] // 2
    assert reference.shape == (2 * radius + 1,) * 2
    kernel = features.gabor_kernel(2.0, theta, 0.25, gamma=gamma, radius=radius)
    difference = reference - kernel  # = κ · envelope, and the envelope is |reference|
    np.testing.assert_allclose(difference.imag, 0, atol=1e-15)
    kappa = difference.real / np.abs(reference)
    np.testing.assert_allclose(kappa, kappa[radius, radius], rtol=1e-9)


def test_orientation_pyramid_equals_filtering_with_the_kernel():
    rng = np.random.default_rng(5)
    levels = [rng.random((37, 23)).astype(np.float32), rng.random((5, 3)).astype(np.float32),
              np.full((1, 1), 0.5, np.float32)]
    for theta in (*features.ORIENTATIONS, 0.3):
        kernel = features.gabor_kernel(features.GABOR_SIGMA, theta, features.GABOR_FREQUENCY)
        got = features.orientation_pyramid(levels, theta)
        for level, response in zip(levels, got):
            as_f64 = level.astype(np.float64)
            even = cv2.filter2D(as_f64, -1, kernel.real, borderType=cv2.BORDER_REFLECT_101)
            odd = cv2.filter2D(as_f64, -1, kernel.imag, borderType=cv2.BORDER_REFLECT_101)
            assert response.shape == level.shape and response.dtype == np.float32
            np.testing.assert_allclose(response, np.hypot(even, odd), rtol=1e-4, atol=1e-6)


def test_orientation_pyramid_prefers_the_grating_orientation_and_ignores_constants():
    stripes = np.tile(np.array([0.0, 0.0, 1.0, 1.0], np.float32), (16, 8))  # varies along x
    vertical = features.orientation_pyramid([stripes], 0.0, frequency=0.25)[0]
    horizontal = features.orientation_pyramid([stripes], np.pi / 2, frequency=0.25)[0]
    assert vertical.mean() > 10 * horizontal.mean()
    transposed = features.orientation_pyramid([stripes.T.copy()], np.pi / 2, frequency=0.25)[0]
    np.testing.assert_allclose(transposed, vertical.T, rtol=1e-4, atol=1e-6)
    flat = features.orientation_pyramid([np.full((20, 20), 0.8, np.float32)], np.pi / 4)[0]
    assert flat.max() < 1e-6


# --------------------------------------------------------------------------
# bad input: every raise
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: features.intensity(np.zeros((4, 4, 4), np.float32)), ValueError, "image must have 3 channels"),
        (lambda: features.intensity(np.full((4, 4, 3), 255.0)), ValueError,
         r"image must have values in \[0, 1\].*load_image"),
        (lambda: features.intensity(np.full((4, 4, 3), 3, np.int64)), TypeError, "image must be uint8, uint16"),
        (lambda: features.intensity(np.full((2, 2, 3), np.nan)), ValueError, "image must not contain NaN"),
        (lambda: features.intensity("red"), TypeError, "image must be a numpy array"),
        (lambda: features.normalize_hue(np.zeros((2, 2, 3)), threshold=1.0), ValueError,
         r"threshold must be a fraction in \[0, 1\)"),
        (lambda: features.normalize_hue(np.zeros((2, 2, 3)), threshold=-0.1), ValueError,
         "threshold must be a finite number >= 0"),
        (lambda: features.opponency(np.zeros((2, 2, 3)), threshold="a"), TypeError, "threshold must be a number"),
        (lambda: features.gabor_kernel(0.0, 0.0, 0.25), ValueError, "sigma must be a finite number > 0"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.6), ValueError, "frequency must be at most 0.5"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.0), ValueError, "frequency must be a finite number > 0"),
        (lambda: features.gabor_kernel(2.0, np.inf, 0.25), ValueError, "theta must be finite"),
        (lambda: features.gabor_kernel(2.0, "45", 0.25), TypeError, "theta must be a number"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.25, gamma=0), ValueError, "gamma must be a finite number > 0"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.25, radius=0), ValueError, "radius must be an integer >= 1"),
        (lambda: features.orientation_pyramid(np.zeros((4, 4)), 0.0), TypeError,
         "intensity_pyramid must be a non-empty list"),
        (lambda: features.orientation_pyramid([], 0.0), TypeError, "intensity_pyramid must be a non-empty list"),
        (lambda: features.orientation_pyramid([np.zeros((4, 4, 3))], 0.0), ValueError,
         r"intensity_pyramid\[0\] must have shape \(H, W\)"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_images_are_scaled_by_their_dtype_range():
    # uint8 /255 and uint16 /65535, as scikit-image's img_as_float (notebook 00)
    np.testing.assert_allclose(features.intensity(np.full((2, 2, 3), 255, np.uint8)), 1.0)
    np.testing.assert_allclose(features.intensity(np.full((2, 2, 3), 65535, np.uint16)), 1.0)


def test_uint16_and_rgba_sources_go_through_load_image():
    rgba = np.zeros((4, 4, 4), np.uint16)
    rgba[..., 0] = 65535
    rgba[..., 3] = 1000
    rg, _ = features.opponency(images.load_image(rgba))  # alpha dropped, scaled to [0, 1]
    np.testing.assert_allclose(rg, 3.0, rtol=RTOL_F32)


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: features.gabor_kernel(1e-300, 0.0, 0.25), ValueError, r"sigma must be a finite number > 0 in \[0.001, 1024\]"),
        (lambda: features.gabor_kernel(1e300, 0.0, 0.25), ValueError, "sigma must be a finite number > 0 in"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.25, gamma=1e-9), ValueError, "sigma and gamma must give a kernel radius"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.25, radius=2.0), TypeError, "radius must be an integer >= 1 or None"),
        (lambda: features.gabor_kernel(2.0, 0.0, 0.25, radius=10**6), ValueError, "radius must be an integer >= 1 and <= 1024"),
        (lambda: features.orientation_pyramid([np.zeros((8, 8))], 0.0, sigma=1e-300), ValueError, "sigma must be a finite number > 0 in"),
    ],
)
def test_gabor_sizes_are_bounded(call, error, match):
    with pytest.raises(error, match=match):
        call()
