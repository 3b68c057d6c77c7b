"""Tests of course_lib.images: loading, validation and conversions."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from course_lib import images


@pytest.mark.parametrize("name", list(images.SAMPLES))
def test_every_sample_loads_offline_in_course_format(name):
    image = images.load_image(name)
    assert image.dtype == np.float32
    assert image.ndim == 3 and image.shape[2] == 3
    assert 0.0 <= image.min() <= image.max() <= 1.0
    assert image.flags.c_contiguous


def test_samples_include_photographs_and_patterns():
    assert {"astronaut", "cat", "coffee"} <= set(images.SAMPLES)
    assert {"colour_pop_out", "orientation_pop_out"} <= set(images.SAMPLES)


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([[0, 255]], np.uint8), [0.0, 1.0]),
        (np.array([[0, 65535]], np.uint16), [0.0, 1.0]),
        (np.array([[0.0, 0.25]], np.float64), [0.0, 0.25]),
    ],
)
def test_grey_arrays_of_each_dtype_scale_to_unit_range(array, expected):
    image = images.load_image(array)
    assert image.shape == (1, 2, 3)
    np.testing.assert_allclose(image[0, :, 0], expected)
    np.testing.assert_array_equal(image[..., 0], image[..., 2])


def test_rgba_drops_alpha_and_single_channel_is_repeated():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 7
    image = images.load_image(rgba)
    np.testing.assert_array_equal(image[0, 0], [1.0, 0.0, 0.0])
    single = images.load_image(np.full((2, 3, 1), 0.5, np.float32))
    assert single.shape == (2, 3, 3)


def test_load_image_copies_and_never_modifies_input():
    source = np.random.default_rng(0).random((4, 5, 3)).astype(np.float32)
    before = source.copy()
    image = images.load_image(source)
    image[:] = 0
    np.testing.assert_array_equal(source, before)


def test_non_contiguous_input_is_accepted():
    source = np.random.default_rng(1).random((8, 10, 3))[::2, ::-1]
    image = images.load_image(source)
    np.testing.assert_allclose(image, source.astype(np.float32))


def test_file_round_trip_keeps_rgb_order(tmp_path):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 200  # red only
    path = tmp_path / "red.png"
    cv2.imwrite(str(path), rgb[..., ::-1])  # OpenCV writes BGR
    image = images.load_image(path)
    np.testing.assert_allclose(image[0, 0], [200 / 255, 0, 0], rtol=1e-6)
    assert images.load_image(str(path)).shape == (4, 6, 3)


def test_sixteen_bit_png_file(tmp_path):
    grey = np.full((3, 3), 65535, np.uint16)
    path = tmp_path / "grey16.png"
    cv2.imwrite(str(path), grey)
    np.testing.assert_allclose(images.load_image(path), 1.0)


@pytest.mark.parametrize(
    ("src", "error", "match"),
    [
        (np.zeros((2, 2, 2)), ValueError, "shape"),
        (np.zeros((2, 2, 3, 1)), ValueError, "shape"),
        (np.zeros((0, 3)), ValueError, "empty"),
        (np.array([[np.nan, 0.0]]), ValueError, "NaN"),
        (np.array([[2.0, 0.0]]), ValueError, r"\[0, 1\]"),
        (np.array([[-0.5, 0.0]]), ValueError, r"\[0, 1\]"),
        (np.zeros((2, 2), np.int32), TypeError, "uint8, uint16"),
        ([[0.0, 1.0]], TypeError, "numpy array"),
        ("no_such_sample", ValueError, "neither a sample name"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(src, error, match):
    with pytest.raises(error, match=match):
        images.load_image(src)


def test_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="could not be read as an image"):
        images.load_image(path)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="could not be read"):
        images.load_image(empty)


def test_to_grey_luma_matches_opencv():
    image = np.random.default_rng(2).random((16, 12, 3)).astype(np.float32)
    expected = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    np.testing.assert_allclose(images.to_grey(image), expected, atol=1e-6)


def test_to_grey_mean_is_itti_intensity_and_grey_passes_through():
    image = np.random.default_rng(3).random((5, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(images.to_grey(image, weights="mean"), image.mean(axis=2), rtol=1e-6)
    grey = image[..., 0]
    np.testing.assert_array_equal(images.to_grey(grey), grey)
    with pytest.raises(ValueError, match="weights must be"):
        images.to_grey(image, weights="max")


def test_opencv_round_trip_is_exact_on_uint8_levels():
    levels = np.random.default_rng(4).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    image = images.load_image(levels)
    bgr = images.to_opencv(image)
    np.testing.assert_array_equal(bgr, levels[..., ::-1])
    np.testing.assert_array_equal(images.from_opencv(bgr), image)


def test_rgb_to_bgr_refuses_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(H, W, 3\)"):
        images.rgb_to_bgr(np.zeros((2, 2)))


def test_tensor_round_trip():
    image = np.random.default_rng(5).random((2, 4, 5, 3)).astype(np.float32)
    tensor = images.to_tensor(image)
    assert tuple(tensor.shape) == (2, 3, 4, 5)
    np.testing.assert_array_equal(images.to_numpy(tensor), image)
    with pytest.raises(ValueError, match="image must have shape"):
        images.to_tensor(np.zeros((4, 5)))


@pytest.mark.parametrize("shape", [(1, 1, 3), (4, 5, 1), (2, 1, 1, 3), (3, 4, 3)])
def test_to_tensor_never_aliases_the_callers_array(shape):
    source = np.random.default_rng(6).random(shape).astype(np.float32)
    before = source.copy()
    tensor = images.to_tensor(source)
    tensor.fill_(7.0)
    np.testing.assert_array_equal(source, before)


def test_to_tensor_scales_integer_images_and_refuses_bad_ones():
    tensor = images.to_tensor(np.full((1, 2, 3), 255, np.uint8))
    assert tensor.dtype.is_floating_point and float(tensor.max()) == 1.0
    with pytest.raises(ValueError, match="image must not contain NaN or inf"):
        images.to_tensor(np.full((2, 2, 3), np.nan))
    with pytest.raises(TypeError, match="image must be uint8, uint16"):
        images.to_tensor(np.zeros((2, 2, 3), np.int64))


def test_to_numpy_refuses_what_is_not_a_real_tensor():
    import torch

    with pytest.raises(TypeError, match="tensor must be a torch.Tensor, got ndarray"):
        images.to_numpy(np.zeros((1, 3, 2, 2)))
    with pytest.raises(TypeError, match="tensor must be real and numeric"):
        images.to_numpy(torch.zeros(2, dtype=torch.bool))


def test_load_image_takes_bool_as_zero_one_and_refuses_float_in_0_255():
    np.testing.assert_array_equal(images.load_image(np.array([[True, False]]))[0, :, 0], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"src must have values in \[0, 1\], got range \[0, 255\]; use course_lib.images.load_image"):
        images.load_image(np.array([[0.0, 255.0]]))


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def test_rgb_to_bgr_refuses_nan_and_non_numeric_and_to_numpy_refuses_nan():
    import torch

    with pytest.raises(ValueError, match="image must not contain NaN or inf"):
        images.rgb_to_bgr(np.full((1, 1, 3), np.nan))
    with pytest.raises(TypeError, match="image must have a real numeric dtype"):
        images.rgb_to_bgr(np.zeros((1, 1, 3), bool))
    with pytest.raises(ValueError, match="tensor must not contain NaN or inf"):
        images.to_numpy(torch.full((1, 3, 1, 1), float("nan")))
    assert images.rgb_to_bgr(np.array([[[1, 2, 3]]], np.uint8)).dtype == np.uint8


# --------------------------------------------------------------------------
# photographs for ImageNet networks (issue 30)
# --------------------------------------------------------------------------
def _refuse(*args, **kwargs):
    raise OSError("network access refused by the test")


@pytest.mark.parametrize("name", images.PHOTOGRAPHS)
def test_every_photograph_loads_offline_as_a_224_square_in_course_format(monkeypatch, name):
    import socket

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    photo = images.photograph(name)
    assert photo.shape == (224, 224, 3) and photo.dtype == np.float32 and photo.flags.c_contiguous
    assert 0.0 <= photo.min() < photo.max() <= 1.0
    assert float(np.ptp(photo, axis=(0, 1)).min()) > 0.5  # colour photographs, not grey or flat


def test_photograph_is_the_shorter_side_at_256_then_the_centre_224():
    """Convention: INTER_AREA to 256 on the shorter side, crop at ⌊(side − 224)/2⌋."""
    full = images.load_image("cat")  # 300×451
    rows, cols = 256, round(451 * 256 / 300)
    resized = cv2.resize(full, (cols, rows), interpolation=cv2.INTER_AREA)
    top, left = (rows - 224) // 2, (cols - 224) // 2
    np.testing.assert_array_equal(images.photograph("cat"), resized[top : top + 224, left : left + 224])
    assert images.photograph("coffee", size=112).shape == (112, 112, 3)
    big = images.photograph("coffee", size=600)  # 400×600: enlarged (INTER_LINEAR) to 686 on the short side
    assert big.shape == (600, 600, 3) and 0.0 <= big.min() <= big.max() <= 1.0


def test_photograph_returns_a_new_array_each_time():
    first = images.photograph("rocket", size=32)
    first[:] = 0
    assert images.photograph("rocket", size=32).max() > 0


def test_photographs_are_samples_under_the_same_names_where_both_exist():
    for name in set(images.PHOTOGRAPHS) & set(images.SAMPLES):
        assert images.SAMPLES[name] is images._PHOTOGRAPH_SOURCES[name]
    assert {"astronaut", "cat", "coffee", "rocket"} <= set(images.PHOTOGRAPHS)


def test_photograph_refuses_bad_names_and_sizes():
    with pytest.raises(ValueError, match=r"name must be one of \('astronaut', 'cat'.*got 'chelsea'"):
        images.photograph("chelsea")
    with pytest.raises(TypeError, match="name must be a string.*got int"):
        images.photograph(3)
    with pytest.raises(ValueError, match="size must be an integer >= 1"):
        images.photograph("cat", size=0)
    with pytest.raises(TypeError, match="size must be an integer, got float"):
        images.photograph("cat", size=224.0)
    with pytest.raises(ValueError, match="size must be an integer .*4096"):
        images.photograph("cat", size=5000)
