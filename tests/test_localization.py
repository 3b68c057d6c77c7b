"""Tests of GraphCut localisation from saliency seeds (course_lib.localization).

Oracle (Simonyan, Vedaldi & Zisserman 2013, §3.2; notebook 07): the foreground
and background seeds are 5 % and 30 % of the pixels (up to ties), and the mask is
a single connected component.  Plus the issue's check: a clean synthetic image
with a centred object is localised with IoU > 0.7.
"""

from __future__ import annotations

import inspect

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import datasets, gradients, images, localization, models, viz, widgets

FG, BG = localization.FOREGROUND, localization.BACKGROUND


def _centred_object(size: int = 64, radius: int = 14) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red disk centred on a smooth green-grey background, a map peaked on its middle only."""
    rows, cols = np.mgrid[0:size, 0:size]
    mask = (rows - size / 2 + 0.5) ** 2 + (cols - size / 2 + 0.5) ** 2 <= radius**2
    rng = np.random.default_rng(0)
    image = np.stack([np.full((size, size), 0.35), 0.5 + 0.2 * cols / size, np.full((size, size), 0.4)], axis=-1)
    image += rng.normal(0, 0.02, image.shape)
    image[mask] = (0.85, 0.15, 0.1)
    # saliency marks only the object's core (radius/2): GraphCut must propagate the colour
    saliency = np.exp(-((rows - size / 2) ** 2 + (cols - size / 2) ** 2) / (2 * (radius / 2) ** 2))
    saliency += rng.uniform(0, 0.02, saliency.shape)
    return np.clip(image, 0, 1), mask, saliency


@pytest.mark.parametrize(("fg_q", "bg_q"), [(0.95, 0.30), (0.9, 0.5), (0.99, 0.05)])
def test_seed_fractions_match_the_quantiles_for_a_continuous_map(fg_q, bg_q):
    saliency = np.random.default_rng(0).random((64, 64))
    seeds = localization.saliency_seeds(saliency, foreground_quantile=fg_q, background_quantile=bg_q)
    n = saliency.size
    assert seeds.dtype == np.int8 and set(np.unique(seeds)) <= {-1, 0, 1}
    assert abs((seeds == FG).sum() - (1 - fg_q) * n) <= 1
    assert abs((seeds == BG).sum() - bg_q * n) <= 1
    assert saliency[seeds == FG].min() > saliency[seeds == 0].max() > saliency[seeds == BG].max()


def test_tied_values_join_one_set_and_a_constant_map_gives_no_seeds():
    rng = np.random.default_rng(1)
    saliency = np.where(rng.random((40, 40)) < 0.5, 0.0, rng.random((40, 40)))  # half exact zeros
    seeds = localization.saliency_seeds(saliency)
    assert np.all(seeds[saliency == 0] == BG)  # every tied zero is background: 50 % > 30 %
    assert (seeds == BG).mean() == pytest.approx((saliency == 0).mean())
    assert abs((seeds == FG).sum() - 0.05 * saliency.size) <= 1
    levels = np.repeat(np.arange(10.0), 10).reshape(10, 10)  # ten levels, ten pixels each
    tied = localization.saliency_seeds(levels)
    for level in range(10):
        assert len(np.unique(tied[levels == level])) == 1
    assert not localization.saliency_seeds(np.full((8, 8), 0.3)).any()


def test_graphcut_mask_is_one_connected_component_and_reproducible():
    batch = datasets.make_split(6, split="test")
    model = models.load_model()
    maps = gradients.vanilla_saliency(model, images.to_tensor(batch.images), None).numpy()
    for image, saliency in zip(batch.images, maps):
        result = localization.localize(image, saliency)
        count, _ = cv2.connectedComponents(result.mask.astype(np.uint8), connectivity=8)
        assert count == 2  # the background label and one component
        assert np.all(result.mask <= result.segmentation)  # a component of the GraphCut foreground
        assert result.box.tolist() == datasets.mask_boxes(result.mask).tolist()
        assert np.all(result.segmentation[result.seeds == FG]) and not result.segmentation[result.seeds == BG].any()
    again = localization.localize(batch.images[-1], maps[-1])
    np.testing.assert_array_equal(again.mask, result.mask)


def test_clean_centred_object_is_localised_with_iou_above_0_7():
    image, mask, saliency = _centred_object()
    result = localization.localize(image, saliency)
    assert (result.seeds == FG).sum() < mask.sum() / 2  # the seeds cover only part of the object
    assert localization.mask_iou(result.mask, mask) > 0.7
    assert localization.box_iou(result.box, datasets.mask_boxes(mask)) > 0.7


def test_held_out_images_are_mostly_localised():
    batch = datasets.make_split(20, split="val")
    maps = gradients.vanilla_saliency(models.load_model(), images.to_tensor(batch.images), None).numpy()
    ious = [localization.box_iou(localization.localize(i, m, sigma=1.0).box, b)
            for i, m, b in zip(batch.images, maps, batch.boxes)]
    assert np.mean(np.asarray(ious) >= 0.5) >= 0.75  # 93 % on 100 test images (notebook 07)


def test_largest_component_keeps_the_biggest_blob_and_handles_empty_masks():
    mask = np.zeros((10, 10), bool)
    mask[0:2, 0:2] = True  # 4 pixels
    mask[5:9, 5:8] = True  # 12 pixels
    mask[8, 0] = mask[9, 1] = True  # a diagonal pair, apart from the rest
    kept = localization.largest_component(mask)
    assert kept.sum() == 12 and kept[5, 5]
    assert localization.largest_component(np.zeros((4, 4), bool)).sum() == 0
    diagonal = np.eye(3, dtype=bool)
    assert localization.largest_component(diagonal, connectivity=8).sum() == 3
    assert localization.largest_component(diagonal, connectivity=4).sum() == 1


def test_constant_map_localises_nothing():
    image, _, _ = _centred_object(size=32)
    result = localization.localize(image, np.zeros((32, 32)))
    assert not result.seeds.any() and not result.mask.any() and result.box.tolist() == [0, 0, 0, 0]


def test_smoothing_option_and_defaults_pin_the_paper():
    params = inspect.signature(localization.localize).parameters
    defaults = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}
    assert defaults == {"foreground_quantile": 0.95, "background_quantile": 0.30, "sigma": 0.0,
                        "iterations": 5, "connectivity": 8, "seed": 0}
    image, _, saliency = _centred_object(size=32, radius=7)
    plain, smoothed = localization.localize(image, saliency), localization.localize(image, saliency, sigma=2.0)
    expected = localization.saliency_seeds(cv2.GaussianBlur(saliency.astype(np.float32), (13, 13), 2.0))
    np.testing.assert_array_equal(smoothed.seeds, expected)
    assert not np.array_equal(plain.seeds, smoothed.seeds)


def test_iou_values():
    a = np.zeros((4, 4), bool)
    a[:2] = True
    b = np.zeros((4, 4), bool)
    b[1:3] = True
    assert localization.mask_iou(a, b) == pytest.approx(4 / 12)
    assert localization.mask_iou(a, a) == 1.0 and localization.mask_iou(a, ~a) == 0.0
    assert localization.mask_iou(np.zeros((2, 2), bool), np.zeros((2, 2), bool)) == 0.0
    assert localization.box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)
    assert localization.box_iou((5, 0, 15, 10), (0, 0, 10, 10)) == pytest.approx(1 / 3)
    assert localization.box_iou((0, 0, 2, 2), (2, 2, 4, 4)) == 0.0  # ends are exclusive: touching boxes
    assert localization.box_iou(np.array([1, 1, 3, 3]), [1, 1, 3, 3]) == 1.0
    assert localization.box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: localization.saliency_seeds(np.ones((4, 4)), foreground_quantile=0.2), ValueError,
         "0 < background_quantile < foreground_quantile < 1"),
        (lambda: localization.saliency_seeds(np.ones((4, 4)), background_quantile=1.5), ValueError,
         "background_quantile=1.5"),
        (lambda: localization.saliency_seeds(np.ones((4, 4, 3))), ValueError, r"saliency must have shape \(H, W\)"),
        (lambda: localization.saliency_seeds([[1.0]]), TypeError, "saliency must be a numpy array"),
        (lambda: localization.saliency_seeds(np.array([[np.nan, 1.0]])), ValueError, "saliency must not contain NaN"),
        (lambda: localization.localize(np.full((8, 8, 3), 2.0), np.ones((8, 8))), ValueError,
         r"image must have values in \[0, 1\]"),
        (lambda: localization.localize(np.zeros((8, 8, 3)), np.ones((8, 9))), ValueError,
         "image and saliency must have the same height and width"),
        (lambda: localization.localize(np.zeros((8, 8, 3)), np.ones((8, 8)), sigma=-1), ValueError,
         "sigma must be a finite number >= 0"),
        (lambda: localization.localize(np.zeros((8, 8)), np.ones((8, 8))), ValueError, "image must have shape"),
        (lambda: localization.graphcut_segmentation(np.zeros((4, 4, 3)), np.zeros((4, 4), np.int8)), ValueError,
         "seeds must hold both foreground"),
        (lambda: localization.graphcut_segmentation(np.zeros((4, 4, 3)), np.full((4, 4), 2)), ValueError,
         "seeds must hold only -1, 0 and 1"),
        (lambda: localization.graphcut_segmentation(np.zeros((4, 4, 3)), np.zeros((4, 4), bool)), TypeError,
         "seeds must have an integer dtype"),
        (lambda: localization.graphcut_segmentation(np.zeros((4, 4, 3)), np.zeros((4, 5), np.int8)), ValueError,
         "image and seeds must have the same height and width"),
        (lambda: localization.largest_component(np.ones((3, 3))), TypeError, "mask must be a boolean numpy array"),
        (lambda: localization.largest_component(np.ones((3, 3), bool), connectivity=6), ValueError,
         "connectivity must be 4 or 8"),
        (lambda: localization.mask_iou(np.ones((2, 2), bool), np.ones((2, 3), bool)), ValueError,
         "mask and true_mask must have the same shape"),
        (lambda: localization.mask_iou(np.ones((2, 2), bool), np.ones((2, 2))), TypeError, "true_mask must be a boolean"),
        (lambda: localization.box_iou((0, 0, 1), (0, 0, 1, 1)), ValueError, r"box must be 4 numbers"),
        (lambda: localization.box_iou((0, 0, 1, 1), (3, 0, 1, 1)), ValueError, "true_box must be finite with row1 >= row0"),
    ],
)
def test_bad_inputs_are_refused_with_a_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_iterations_must_be_positive():
    seeds = np.zeros((8, 8), np.int8)
    seeds[3:5, 3:5], seeds[0] = FG, BG
    with pytest.raises(ValueError, match="iterations must be an integer >= 1"):
        localization.graphcut_segmentation(np.zeros((8, 8, 3)), seeds, iterations=0)


def test_viz_helpers_and_the_localization_explorer():
    image, mask, saliency = _centred_object(size=32, radius=7)
    seeds = localization.saliency_seeds(saliency)
    ax = viz.show_seeds(image, seeds)
    assert ax.get_title() == "saliency seeds" and len(ax.images) == 2
    ax = viz.show_boxes(image, {"true": (1, 2, 10, 12), "found": (0, 0, 5, 5)}, title="boxes")
    assert len(ax.patches) == 2 and ax.patches[0].get_width() == 10 and ax.patches[0].get_xy() == (1.5, 0.5)
    batch = datasets.make_split(3, split="test")
    explorer = widgets.localization_explorer(models.load_model(), batch)
    figure = explorer.figure
    assert figure.axes[3].get_title().startswith("box IoU")
    explorer.children[3].value = 1.0  # the smoothing slider
    assert explorer.figure is figure and len(figure.axes[3].patches) == 2
    plt.close("all")


def test_class_saliency_explorer_switches_class():
    batch = datasets.make_split(2, split="test")
    explorer = widgets.class_saliency_explorer(models.load_model(), batch.images)
    figure = explorer.figure
    name = models.load_model().classes[4]
    explorer.children[1].value = 4
    assert f"class {name}" in figure.axes[1].get_title()
    plt.close("all")


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0)])
def test_largest_component_refuses_an_empty_mask_instead_of_crashing(shape):
    # OpenCV's connectedComponentsWithStats segfaults on a 0-pixel image
    with pytest.raises(ValueError, match="mask must not be empty"):
        localization.largest_component(np.zeros(shape, bool))


def test_graphcut_seed_must_fit_opencv():
    image = np.zeros((8, 8, 3))
    seeds = np.zeros((8, 8), np.int8)
    seeds[0], seeds[-1] = 1, -1
    with pytest.raises(ValueError, match="seed must be an integer >= 0 and <= 2147483647"):
        localization.graphcut_segmentation(image, seeds, seed=2**40)


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def test_connectivity_must_be_an_integer_and_iterations_are_bounded():
    with pytest.raises(TypeError, match="connectivity must be the integer 4 or 8, got float"):
        localization.largest_component(np.ones((3, 3), bool), connectivity=8.0)
    image = np.zeros((8, 8, 3))
    seeds = np.zeros((8, 8), np.int8)
    seeds[0], seeds[-1] = 1, -1
    with pytest.raises(ValueError, match="iterations must be an integer >= 1 and <= 1000"):
        localization.graphcut_segmentation(image, seeds, iterations=2**40)
