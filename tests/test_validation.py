"""Tests of the shared input checks in course_lib._validation."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import _validation as v


def test_check_image_converts_integers_and_keeps_floats():
    ints = np.zeros((2, 2), np.uint8)
    assert v.check_image(ints).dtype == np.float32
    floats = np.zeros((2, 2), np.float64)
    assert v.check_image(floats) is floats


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        (np.zeros((2, 2), bool), {}, TypeError, "numeric dtype"),
        (np.zeros((2, 2), complex), {}, TypeError, "must be real"),
        (np.zeros((2, 2, 3)), {"ndim": (2,), "name": "saliency_map"}, ValueError, r"saliency_map must have shape \(H, W\)"),
        (np.zeros((2, 2, 5)), {"channels": 3}, ValueError, "3 channels"),
        (np.array([[np.inf]]), {}, ValueError, "NaN or inf"),
    ],
)
def test_check_image_errors(value, kwargs, error, match):
    with pytest.raises(error, match=match):
        v.check_image(value, **kwargs)


def test_scalar_and_choice_checks():
    assert v.check_positive(2, name="sigma") == 2.0
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        v.check_positive(0, name="sigma")
    with pytest.raises(ValueError, match="finite"):
        v.check_positive(float("nan"), name="sigma")
    with pytest.raises(TypeError, match="sigma must be a number"):
        v.check_positive(True, name="sigma")
    assert v.check_choice("a", ("a", "b"), name="mode") == "a"
    with pytest.raises(ValueError, match="mode must be one of"):
        v.check_choice("c", ("a", "b"), name="mode")


def test_shape_and_range_checks():
    v.check_same_shape(np.zeros((2, 3)), np.zeros((2, 3, 3)), names=("a", "b"))
    with pytest.raises(ValueError, match="a and b must have the same height and width"):
        v.check_same_shape(np.zeros((2, 3)), np.zeros((3, 2)), names=("a", "b"))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        v.check_unit_range(np.array([1.5]))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.array([[0.5, np.nan]]), "NaN or inf"),
        (np.array([[np.inf, 0.5]]), "NaN or inf"),
        (np.array([[-np.inf, 0.5]]), "NaN or inf"),
        (np.array([[0.5, 1.5]]), r"image must have values in \[0, 1\], got range \[0.5, 1.5\]"),
        (np.array([[-0.25, 0.5]], np.float32), r"values in \[0, 1\]"),
        (np.array([[0, 2]], np.uint8), r"values in \[0, 1\]"),
    ],
)
def test_check_image_unit_range_refuses_what_both_checks_refuse(value, match):
    with pytest.raises(ValueError, match=match):
        v.check_image(value, unit_range=True)
    with pytest.raises(ValueError, match=match):  # the two-step checks say the same
        v.check_unit_range(v.check_image(value))


def test_check_image_unit_range_accepts_the_closed_interval_without_copying():
    image = np.array([[0.0, 1.0], [0.5, 0.25]], np.float32)
    assert v.check_image(image, unit_range=True) is image


def test_check_count():
    assert v.check_count(3, name="n", minimum=1) == 3
    with pytest.raises(TypeError, match="n must be an integer, got float"):
        v.check_count(3.0, name="n")
    with pytest.raises(TypeError, match="n must be an integer, got bool"):
        v.check_count(True, name="n")
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        v.check_count(0, name="n", minimum=1)
