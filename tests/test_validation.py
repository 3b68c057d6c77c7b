"""Tests of the shared input checks in course_lib._validation.

The dtype rule follows scikit-image's ``img_as_float`` (notebook 00, loading
images): uint8 /255, uint16 /65535, bool 0/1, floats in [0, 1].
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import _validation as v


def test_check_image_scales_integers_by_dtype_and_keeps_floats():
    np.testing.assert_array_equal(v.check_image(np.array([[0, 255]], np.uint8)), [[0.0, 1.0]])
    np.testing.assert_array_equal(v.check_image(np.array([[0, 65535]], np.uint16)), [[0.0, 1.0]])
    np.testing.assert_array_equal(v.check_image(np.array([[True, False]])), [[1.0, 0.0]])
    assert v.check_image(np.zeros((2, 2), np.uint8)).dtype == np.float32
    assert v.check_image(np.zeros((2, 2), np.float16)).dtype == np.float32
    floats = np.zeros((2, 2), np.float64)
    assert v.check_image(floats) is floats


def test_uint8_of_zeros_and_ones_is_no_longer_read_as_intensities():
    # the old check cast integers without scaling, so 1 meant white
    assert float(v.check_image(np.ones((2, 2), np.uint8)).max()) == pytest.approx(1 / 255)


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        (np.zeros((2, 2), complex), {}, TypeError, "image must be real"),
        (np.zeros((2, 2), object), {}, TypeError, "image must have a numeric dtype"),
        (np.zeros((2, 2), np.int64), {}, TypeError, "image must be uint8, uint16, bool or floating point"),
        (np.zeros((2, 2), np.int8), {"name": "frames"}, TypeError, "frames must be uint8"),
        ([[0.0]], {}, TypeError, "image must be a numpy array, got list"),
        (np.zeros((2, 2, 3)), {"ndim": (2,), "name": "saliency_map"}, ValueError, r"saliency_map must have shape \(H, W\)"),
        (np.zeros((2, 2, 5)), {"channels": 3}, ValueError, "image must have 3 channels"),
        (np.zeros((0, 3)), {}, ValueError, "image must not be empty"),
        (np.array([[np.inf]]), {}, ValueError, "NaN or inf"),
        (np.array([[np.nan]]), {"unit_range": False}, ValueError, "image must not contain NaN or inf"),
        (np.array([[0.0, 255.0]]), {}, ValueError, r"image must have values in \[0, 1\], got range \[0, 255\]; use course_lib.images.load_image"),
    ],
)
def test_check_image_errors(value, kwargs, error, match):
    with pytest.raises(error, match=match):
        v.check_image(value, **kwargs)


def test_check_image_without_unit_range_takes_any_finite_float_and_still_scales_integers():
    values = np.array([[-2.0, 300.0]])
    assert v.check_image(values, unit_range=False) is values
    np.testing.assert_array_equal(v.check_image(np.array([[255]], np.uint8), unit_range=False), [[1.0]])


def test_check_map_keeps_values():
    np.testing.assert_array_equal(v.check_map(np.array([[0, 3]], np.int64)), [[0.0, 3.0]])
    np.testing.assert_array_equal(v.check_map(np.array([[True, False]])), [[1.0, 0.0]])
    values = np.array([[-1.5, 7.0]])
    assert v.check_map(values) is values
    with pytest.raises(ValueError, match="density must not contain NaN or inf"):
        v.check_map(np.array([[np.nan, 1.0]]), name="density")
    with pytest.raises(TypeError, match="density must be real"):
        v.check_map(np.zeros((2, 2), complex), name="density")
    with pytest.raises(ValueError, match=r"density must have shape \(H, W\)"):
        v.check_map(np.zeros(3), name="density")


def test_scalar_and_choice_checks():
    assert v.check_positive(2, name="sigma") == 2.0
    assert v.check_positive(np.float32(2), name="sigma") == 2.0
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        v.check_positive(0, name="sigma")
    with pytest.raises(ValueError, match="finite"):
        v.check_positive(float("nan"), name="sigma")
    with pytest.raises(TypeError, match="sigma must be a number"):
        v.check_positive(True, name="sigma")
    assert v.check_choice("a", ("a", "b"), name="mode") == "a"
    with pytest.raises(ValueError, match="mode must be one of"):
        v.check_choice("c", ("a", "b"), name="mode")
    with pytest.raises(ValueError, match="mode must be one of"):
        v.check_choice(np.zeros(2), ("a", "b"), name="mode")


def test_check_number_and_probability():
    assert v.check_number(np.int64(-3), name="theta") == -3.0
    with pytest.raises(TypeError, match="theta must be a number, got str"):
        v.check_number("1", name="theta")
    with pytest.raises(ValueError, match="theta must be a finite number, got inf"):
        v.check_number(float("inf"), name="theta")
    with pytest.raises(ValueError, match="q must be a finite number > 0 and <= 1, got 0"):
        v.check_probability(0, name="q", open_low=True)
    with pytest.raises(ValueError, match="q must be a finite number >= 0 and <= 1, got 1.5"):
        v.check_probability(1.5, name="q")
    with pytest.raises(ValueError, match="step must be a finite number >= 1"):
        v.check_number(0.5, name="step", minimum=1)
    with pytest.raises(ValueError, match="step must be a finite number < 1"):
        v.check_number(1, name="step", maximum=1, open_maximum=True)


def test_shape_and_range_checks():
    v.check_same_shape(np.zeros((2, 3)), np.zeros((2, 3, 3)), names=("a", "b"))
    with pytest.raises(ValueError, match="a and b must have the same height and width"):
        v.check_same_shape(np.zeros((2, 3)), np.zeros((3, 2)), names=("a", "b"))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        v.check_unit_range(np.array([1.5]))


def test_check_shape():
    assert v.check_shape([np.int32(3), 4]) == (3, 4)
    assert v.check_shape(np.array([3, 4])) == (3, 4)
    with pytest.raises(TypeError, match="shape must be a pair of integers"):
        v.check_shape(5)
    with pytest.raises(ValueError, match="shape must be a pair of integers"):
        v.check_shape((1, 2, 3))
    with pytest.raises(TypeError, match="shape must be an integer, got float"):
        v.check_shape((1.0, 2))
    with pytest.raises(ValueError, match="shape must be an integer >= 1, got 0"):
        v.check_shape((0, 2))
    with pytest.raises(ValueError, match="shape must have at most"):
        v.check_shape((10**6, 10**6))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.array([[0.5, np.nan]]), "NaN or inf"),
        (np.array([[np.inf, 0.5]]), "NaN or inf"),
        (np.array([[-np.inf, 0.5]]), "NaN or inf"),
        (np.array([[0.5, 1.5]]), r"image must have values in \[0, 1\], got range \[0.5, 1.5\]"),
        (np.array([[-0.25, 0.5]], np.float32), r"values in \[0, 1\]"),
    ],
)
def test_check_image_refuses_what_both_checks_refuse(value, match):
    with pytest.raises(ValueError, match=match):
        v.check_image(value)


def test_check_image_accepts_the_closed_interval_without_copying():
    image = np.array([[0.0, 1.0], [0.5, 0.25]], np.float32)
    assert v.check_image(image) is image


def test_check_count():
    assert v.check_count(3, name="n", minimum=1) == 3
    assert v.check_count(np.uint8(3), name="n") == 3
    with pytest.raises(TypeError, match="n must be an integer, got float"):
        v.check_count(3.0, name="n")
    with pytest.raises(TypeError, match="n must be an integer, got bool"):
        v.check_count(True, name="n")
    with pytest.raises(TypeError, match="n must be an integer, got bool"):
        v.check_count(np.bool_(True), name="n")
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        v.check_count(0, name="n", minimum=1)
    with pytest.raises(ValueError, match="n must be an integer >= 1 and <= 9, got 10"):
        v.check_count(10, name="n", minimum=1, maximum=9)


def test_check_seed_and_as_generator():
    generator = np.random.default_rng(0)
    assert v.check_seed(generator) is generator
    assert v.as_generator(generator) is generator
    assert v.check_seed(np.int64(3)) == 3
    assert isinstance(v.as_generator(np.random.SeedSequence(1)), np.random.Generator)
    assert v.check_seed(None, allow_none=True) is None
    with pytest.raises(TypeError, match="seed must be an integer >= 0, a numpy Generator or SeedSequence, got NoneType"):
        v.check_seed(None)
    with pytest.raises(TypeError, match="or None, got float"):
        v.check_seed(1.5, allow_none=True)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        v.as_generator(-1)


def test_check_tensor():
    import torch

    x = torch.zeros(1, 3, 2, 2, dtype=torch.float64)
    assert v.check_tensor(x) is x
    with pytest.raises(TypeError, match="x must be a torch.Tensor.*to_tensor"):
        v.check_tensor(np.zeros((1, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(B, C, H, W\)"):
        v.check_tensor(torch.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="x must hold at least one example"):
        v.check_tensor(torch.zeros(0, 3, 2, 2))
    with pytest.raises(ValueError, match="x must not be empty"):
        v.check_tensor(torch.zeros(1, 0, 2, 2))
    with pytest.raises(TypeError, match="x must have a floating-point dtype"):
        v.check_tensor(torch.zeros(1, 3, 2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="x must not contain NaN or inf"):
        v.check_tensor(torch.full((1, 1, 1, 1), float("nan")))


def test_written_into_never_leaves_dst_unwritten():
    from course_lib._validation import written_into

    dst = np.full((2, 2), np.nan, np.float32)
    assert written_into(dst, dst, call="max") is dst  # cv2 wrote in place
    fresh = np.arange(4, dtype=np.float32).reshape(2, 2)
    assert written_into(fresh, dst, call="max") is dst  # cv2 allocated: copied in
    np.testing.assert_array_equal(dst, fresh)
    # OpenCV 5.1's answer for a 1×1 array beside a Python scalar: a 4×1 "scalar"
    with pytest.raises(RuntimeError, match=r"cv2\.max returned a \(4, 1\) array"):
        written_into(np.zeros((4, 1), np.float32), np.empty((1, 1), np.float32), call="max")
