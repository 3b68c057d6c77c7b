"""Tests of the visual-search arrays in course_lib.stimuli."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import stimuli


@pytest.mark.parametrize("kind", stimuli.KINDS)
@pytest.mark.parametrize("set_size", [4, 9, 30, 100])
def test_shapes_counts_and_range(kind, set_size):
    display = stimuli.search_array(kind, set_size, seed=set_size)
    assert display.image.shape == (512, 512, 3) and display.image.dtype == np.float32
    assert 0.0 <= display.image.min() and display.image.max() <= 1.0
    assert display.item_boxes.shape == (set_size, 4)
    assert 0 <= display.target_index < set_size
    rows0, cols0, rows1, cols1 = display.item_boxes.T
    assert np.all(rows1 > rows0) and np.all(cols1 > cols0)
    assert np.all(rows0 >= 0) and np.all(rows1 <= 512)


def test_same_seed_same_display_other_seed_other_display():
    first = stimuli.search_array("conjunction", 25, seed=7)
    again = stimuli.search_array("conjunction", 25, seed=7)
    other = stimuli.search_array("conjunction", 25, seed=8)
    np.testing.assert_array_equal(first.image, again.image)
    np.testing.assert_array_equal(first.item_boxes, again.item_boxes)
    assert not np.array_equal(first.image, other.image)


def test_items_do_not_overlap():
    display = stimuli.search_array("size", 100, seed=3)
    boxes = display.item_boxes
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def _box_pixels(display, index):
    r0, c0, r1, c1 = display.item_boxes[index]
    patch = display.image[r0:r1, c0:c1]
    return patch[patch.max(axis=2) > 0]


@pytest.mark.parametrize("seed", range(3))
def test_target_box_holds_the_odd_item(seed):
    colour = stimuli.search_array("colour", 16, seed=seed)
    assert _box_pixels(colour, colour.target_index)[:, 0].mean() > 0.8  # red
    intensity = stimuli.search_array("intensity", 16, seed=seed)
    assert _box_pixels(intensity, intensity.target_index).mean() > 0.9
    others = [i for i in range(16) if i != intensity.target_index]
    assert all(_box_pixels(intensity, i).mean() < 0.4 for i in others)
    orientation = stimuli.search_array("orientation", 16, seed=seed)
    widths = orientation.item_boxes[:, 3] - orientation.item_boxes[:, 1]
    heights = orientation.item_boxes[:, 2] - orientation.item_boxes[:, 0]
    assert np.flatnonzero(widths > heights).tolist() == [orientation.target_index]
    size = stimuli.search_array("size", 16, seed=seed)
    areas = np.prod(size.item_boxes[:, 2:] - size.item_boxes[:, :2], axis=1)
    assert int(areas.argmax()) == size.target_index


def test_conjunction_target_is_unique_red_horizontal():
    display = stimuli.search_array("conjunction", 36, seed=2)
    widths = display.item_boxes[:, 3] - display.item_boxes[:, 1]
    heights = display.item_boxes[:, 2] - display.item_boxes[:, 0]
    red = np.array([_box_pixels(display, i)[:, 0].mean() > 0.5 for i in range(36)])
    red_horizontal = np.flatnonzero(red & (widths > heights))
    assert red_horizontal.tolist() == [display.target_index]
    assert red.sum() > 1 and (widths > heights).sum() > 1  # each feature alone is shared


def test_item_centres_lie_inside_boxes():
    display = stimuli.search_array("orientation", 9, seed=0)
    centres = display.item_centres
    boxes = display.item_boxes
    assert np.all((centres[:, 0] >= boxes[:, 0]) & (centres[:, 0] < boxes[:, 2]))
    assert np.all((centres[:, 1] >= boxes[:, 1]) & (centres[:, 1] < boxes[:, 3]))


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("shape", 9), {}, "kind must be one of"),
        (("colour", 3), {}, "set_size must be an integer >= 4, got 3"),
        (("colour", 101), {}, "set_size must be an integer >= 4 and <= 100, got 101"),
        (("colour", 101), {}, "set_size must be"),
        (("colour", 9), {"image_size": 10**9}, "image_size must be an integer >= 128 and <= 4096"),
        (("colour", 9), {"seed": -1}, "seed must be an integer >= 0"),
        (("colour", 9), {"jitter": float("nan")}, "jitter must"),
        (("colour", 9), {"image_size": 64}, "image_size must be"),
        (("colour", 9), {"jitter": 2.0}, "jitter must lie"),
        (("colour", 100), {"image_size": 256}, "do not fit"),
    ],
)
def test_bad_arguments_are_refused(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        stimuli.search_array(*args, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"set_size": 9.0}, "set_size must be an integer, got float"),
        ({"jitter": "0.5"}, "jitter must be a number, got str"),
        ({"seed": "0"}, "seed must be an integer >= 0, a numpy Generator or SeedSequence, got str"),
        ({"bar_length": None}, "bar_length must be an integer, got NoneType"),
    ],
)
def test_bad_argument_types_are_refused(kwargs, match):
    arguments = {"kind": "colour", "set_size": 9, **kwargs}
    with pytest.raises(TypeError, match=match):
        stimuli.search_array(**arguments)
