"""Tests of course_lib.applications: saliency crop, seam carving, ROI JPEG (notebook 09)."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import applications, images, stimuli, viz, widgets

# ROI JPEG: the uniform file may be at most this much larger than the ROI file
# ("equal size" up to one quality step), and the ROI file must win inside the
# region by at least this margin (measured: 1.9–3.3 dB on the samples).
SIZE_SLACK = 0.05
PSNR_MARGIN_DB = 1.0


def _contains(box, inner) -> bool:
    row0, col0, row1, col1 = box
    return row0 <= inner[0] and col0 <= inner[1] and row1 >= inner[2] and col1 >= inner[3]


def _disk_on_noise(height: int = 96, width: int = 128, radius: int = 20):
    """A flat red disk (no gradient inside) on grey noise (high gradient everywhere)."""
    rng = np.random.default_rng(0)
    image = np.repeat(rng.uniform(0.3, 0.7, (height, width))[:, :, None], 3, axis=2).astype(np.float32)
    rows, cols = np.mgrid[:height, :width]
    disk = (rows - height // 2) ** 2 + (cols - width // 2) ** 2 <= radius**2
    image[disk] = (0.9, 0.1, 0.1)
    return image, disk


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return images.load_image("astronaut")[::2, ::2]  # 256×256 keeps the JPEG tests quick


# --------------------------------------------------------------------------
# saliency source
# --------------------------------------------------------------------------
def test_compute_saliency_takes_names_and_callables_and_resizes_coarse_maps():
    image = images.load_image("colour_pop_out")
    by_name = applications.compute_saliency(image, "lc")
    from course_lib import baselines

    np.testing.assert_array_equal(by_name, baselines.lc_saliency(image))
    coarse = applications.compute_saliency(image, lambda img: np.ones((img.shape[0] // 4, img.shape[1] // 4)))
    assert coarse.shape == image.shape[:2] and coarse.dtype == np.float32
    np.testing.assert_allclose(coarse, 1.0)


def test_compute_saliency_refuses_bad_methods_and_maps():
    image = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(ValueError, match="method must be one of"):
        applications.compute_saliency(image, "no_such_method")
    with pytest.raises(TypeError, match="method must be a method name or a callable"):
        applications.compute_saliency(image, 3)
    with pytest.raises(ValueError, match="map of method .* must be >= 0"):
        applications.compute_saliency(image, lambda img: -np.ones(img.shape[:2]))
    with pytest.raises(ValueError, match="map of method .* must have shape"):
        applications.compute_saliency(image, lambda img: img)
    with pytest.raises(ValueError, match="image must have values in"):
        applications.compute_saliency(image + 2, "lc")


# --------------------------------------------------------------------------
# §1 cropping
# --------------------------------------------------------------------------
def test_crop_size_defaults_to_the_largest_window_of_the_ratio():
    assert applications.crop_size((300, 400), 1.0) == (300, 300)  # convention: scale 1 fills one side
    assert applications.crop_size((300, 400), 2.0) == (200, 400)
    assert applications.crop_size((300, 400, 3), 4 / 3) == (300, 400)
    assert applications.crop_size((300, 400), 1.0, scale=0.1) == (30, 30)
    assert applications.crop_size((5, 5), 1000.0) == (1, 5)  # never below one pixel


def test_window_sums_match_brute_force():
    saliency = np.random.default_rng(0).random((9, 13))
    sums = applications.window_sums(saliency, 4, 6)
    expected = [[saliency[r : r + 4, c : c + 6].sum() for c in range(8)] for r in range(6)]
    np.testing.assert_allclose(sums, expected, rtol=1e-12)


@pytest.mark.parametrize("aspect_ratio", [1.0, 16 / 9, 9 / 16])
def test_crop_contains_the_target_marked_by_the_map(aspect_ratio):
    display = stimuli.search_array("colour", 16, seed=3)
    marked = np.zeros(display.image.shape[:2], np.float32)
    row0, col0, row1, col1 = display.target_box
    marked[row0:row1, col0:col1] = 1.0
    box = applications.saliency_crop(marked, aspect_ratio, scale=0.3)
    assert _contains(box, display.target_box)
    assert applications.kept_fraction(marked, box) == 1.0
    height, width = box[2] - box[0], box[3] - box[1]
    assert abs(width / height - aspect_ratio) < 0.02


@pytest.mark.parametrize(("kind", "seed"), [("intensity", 0), ("orientation", 1)])
def test_crop_contains_the_target_with_a_real_method(kind, seed):
    display = stimuli.search_array(kind, 16, seed=seed)
    saliency = applications.compute_saliency(display.image, "spectral_residual")
    assert _contains(applications.saliency_crop(saliency, 1.0, scale=0.25), display.target_box)


def test_crop_is_the_exact_maximum_and_centred_without_saliency():
    saliency = np.random.default_rng(1).random((20, 30))
    row0, col0, row1, col1 = applications.saliency_crop(saliency, 1.5, scale=0.5)
    sums = applications.window_sums(saliency, row1 - row0, col1 - col0)
    assert sums[row0, col0] == sums.max()
    assert applications.saliency_crop(np.zeros((20, 30)), 1.0, scale=0.5) == (5, 10, 15, 20)
    assert applications.kept_fraction(np.zeros((4, 4)), (0, 0, 2, 2)) == 0.0


def test_crop_refuses_bad_arguments():
    saliency = np.ones((10, 10))
    with pytest.raises(ValueError, match="aspect_ratio must be a finite number > 0"):
        applications.saliency_crop(saliency, 0.0)
    with pytest.raises(TypeError, match="aspect_ratio must be a number"):
        applications.saliency_crop(saliency, "16:9")
    with pytest.raises(ValueError, match=r"scale must be in \(0, 1\]"):
        applications.saliency_crop(saliency, 1.0, scale=1.5)
    with pytest.raises(ValueError, match="saliency_map must be >= 0"):
        applications.saliency_crop(-saliency, 1.0)
    with pytest.raises(ValueError, match="saliency_map must have shape"):
        applications.saliency_crop(np.ones((4, 4, 3)), 1.0)
    with pytest.raises(ValueError, match="shape must be an integer >= 1, got 0"):
        applications.crop_size((0, 4), 1.0)
    with pytest.raises(ValueError, match="shape must start with a positive height"):
        applications.crop_size((4,), 1.0)
    with pytest.raises(TypeError, match="box must be an integer, got float"):
        applications.kept_fraction(saliency, (0.5, 0, 2, 2))
    with pytest.raises(ValueError, match=r"height and width \(the window \(11, 2\)\) must fit"):
        applications.window_sums(saliency, 11, 2)
    with pytest.raises(ValueError, match="height must be an integer >= 1"):
        applications.window_sums(saliency, 0, 2)
    with pytest.raises(ValueError, match="box must lie inside"):
        applications.kept_fraction(saliency, (0, 0, 11, 5))
    with pytest.raises(ValueError, match=r"box must be \(row0, col0, row1, col1\)"):
        applications.kept_fraction(saliency, (0, 0, 5))


# --------------------------------------------------------------------------
# §2 seam carving
# --------------------------------------------------------------------------
def test_vertical_seam_is_the_least_energy_path_by_enumeration():
    rng = np.random.default_rng(2)
    for _ in range(5):
        energy = rng.random((4, 5))
        paths = [np.cumsum((start, *steps)) for start in range(5) for steps in itertools.product((-1, 0, 1), repeat=3)]
        best = min(energy[np.arange(4), path].sum() for path in paths if np.all((path >= 0) & (path < 5)))
        seam = applications.vertical_seam(energy)
        assert np.all(np.abs(np.diff(seam)) <= 1) and np.all((seam >= 0) & (seam < 5))
        assert energy[np.arange(4), seam].sum() == pytest.approx(best, rel=1e-12)


def test_seam_energy_sees_thin_lines_and_adds_weighted_saliency():
    line = np.zeros((3, 5))
    line[:, 2] = 1.0
    assert applications.seam_energy(line)[1].tolist() == [0.0, 0.5, 1.0, 0.5, 0.0]  # central differences would give 0 at the line
    saliency = np.zeros((3, 5))
    saliency[1, 0] = 4.0  # normalised by its maximum, then times λ
    assert applications.seam_energy(line, saliency, weight=3.0)[1, 0] == pytest.approx(3.0)
    assert applications.seam_energy(np.full((4, 4, 3), 0.5)).max() == 0.0


def test_removing_seams_keeps_the_salient_objects_pixels():
    image, disk = _disk_on_noise()
    original = image.copy()
    carved = applications.carve_seams(image, 48, saliency_map=disk.astype(np.float32))
    assert carved.kept[disk].all()
    assert carved.image.shape == (96, 80, 3) and carved.saliency_map.shape == (96, 80)
    assert carved.kept.sum() == 96 * 80 and np.all(carved.kept.sum(axis=1) == 80)
    np.testing.assert_array_equal(carved.image, image[carved.kept].reshape(96, 80, 3))  # pixels move, never change
    np.testing.assert_array_equal(image, original)  # input not modified
    # Without the saliency term the flat (gradient-free) disk is the cheapest way through.
    gradient_only = applications.carve_seams(image, 48)
    assert not gradient_only.kept[disk].all()


def test_removing_seams_with_a_real_method_and_horizontal_seams():
    image, disk = _disk_on_noise()
    saliency = applications.compute_saliency(image, "frequency_tuned")
    assert applications.carve_seams(image, 48, saliency_map=saliency).kept[disk].all()
    lower = applications.carve_seams(image, 30, saliency_map=disk.astype(np.float32), direction="horizontal")
    assert lower.image.shape == (66, 128, 3) and lower.kept[disk].all()
    assert np.all(lower.kept.sum(axis=0) == 66)


def test_carving_refuses_bad_arguments():
    image, disk = _disk_on_noise(16, 12, 3)
    with pytest.raises(ValueError, match="n_seams must be smaller than the image's width 12"):
        applications.carve_seams(image, 12)
    with pytest.raises(ValueError, match="n_seams must be smaller than the image's height 16"):
        applications.carve_seams(image, 16, direction="horizontal")
    with pytest.raises(ValueError, match="n_seams must be an integer >= 0"):
        applications.carve_seams(image, -1)
    with pytest.raises(TypeError, match="n_seams must be an integer"):
        applications.carve_seams(image, 2.5)
    with pytest.raises(ValueError, match="direction must be one of"):
        applications.carve_seams(image, 2, direction="diagonal")
    with pytest.raises(ValueError, match="weight must be a finite number >= 0"):
        applications.carve_seams(image, 2, weight=-1.0)
    with pytest.raises(ValueError, match="image and saliency_map must have the same height and width"):
        applications.carve_seams(image, 2, saliency_map=np.ones((8, 8)))
    with pytest.raises(ValueError, match="image must have shape"):
        applications.carve_seams(image[..., 0], 2)
    with pytest.raises(ValueError, match="energy must be >= 0"):
        applications.vertical_seam(-np.ones((3, 3)))


# --------------------------------------------------------------------------
# §3 region-of-interest JPEG
# --------------------------------------------------------------------------
def test_salient_blocks_follow_the_jpeg_macroblock_grid():
    saliency = np.zeros((40, 50))
    saliency[20:22, 35:37] = 1.0
    region = applications.salient_blocks(saliency)
    expected = np.zeros((40, 50), bool)
    expected[16:32, 32:48] = True
    np.testing.assert_array_equal(region, expected)
    assert not applications.salient_blocks(np.zeros((40, 50))).any()
    assert applications.salient_blocks(saliency, threshold=0.01, block=8).sum() == 64


def test_uniform_quality_is_the_smallest_with_enough_bytes(astronaut):
    target = len(applications.jpeg_encode(astronaut, 57)) + 1
    quality, data = applications.uniform_quality_for_size(astronaut, target)
    assert len(data) >= target > len(applications.jpeg_encode(astronaut, quality - 1))
    assert data == applications.jpeg_encode(astronaut, quality)
    assert applications.uniform_quality_for_size(astronaut, 10**9)[0] == 100


@pytest.mark.parametrize("source", ["face", "spectral_residual"])
def test_roi_jpeg_beats_uniform_jpeg_inside_the_region_at_equal_size(astronaut, source):
    if source == "face":
        saliency = np.zeros(astronaut.shape[:2], np.float32)
        saliency[16:112, 64:160] = 1.0
    else:
        saliency = applications.compute_saliency(astronaut, source)
    result = applications.compare_roi_jpeg(astronaut, saliency)
    roi_bytes, uniform_bytes = len(result.data), len(result.uniform_data)
    assert roi_bytes <= uniform_bytes <= (1 + SIZE_SLACK) * roi_bytes
    assert result.psnr_inside > result.uniform_psnr_inside + PSNR_MARGIN_DB
    assert result.uniform_psnr_outside > result.psnr_outside  # the bits went somewhere
    assert 0 < result.region.mean() < 1
    np.testing.assert_array_equal(result.decoded, applications.jpeg_decode(result.data))


def test_roi_jpeg_refuses_bad_arguments(astronaut):
    saliency = np.ones(astronaut.shape[:2])
    with pytest.raises(ValueError, match="quality_inside must be an integer from 1 to 100"):
        applications.roi_jpeg(astronaut, saliency, quality_inside=101)
    with pytest.raises(ValueError, match="quality_outside must be an integer >= 1"):
        applications.roi_jpeg(astronaut, saliency, quality_outside=0)
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\]"):
        applications.roi_jpeg(astronaut, saliency, threshold=2.0)
    with pytest.raises(ValueError, match="image and saliency_map must have the same height and width"):
        applications.roi_jpeg(astronaut, saliency[:10])
    with pytest.raises(ValueError, match="n_bytes must be an integer >= 1"):
        applications.uniform_quality_for_size(astronaut, 0)
    with pytest.raises(ValueError, match="block must be an integer >= 1"):
        applications.salient_blocks(saliency, block=0)
    with pytest.raises(TypeError, match="data must be bytes"):
        applications.jpeg_decode("not bytes")
    with pytest.raises(ValueError, match="could not be decoded"):
        applications.jpeg_decode(b"not a jpeg")


# --------------------------------------------------------------------------
# plots and explorers (constructed, never run)
# --------------------------------------------------------------------------
def test_show_mask_tints_or_outlines():
    mask = np.zeros((8, 8), bool)
    mask[2:5, 2:5] = True
    assert len(viz.show_mask(np.zeros((8, 8, 3)), mask).images) == 2
    outlined = viz.show_mask(np.zeros((8, 8, 3)), mask, outline=True, title="region")
    assert outlined.get_title() == "region" and len(outlined.images) == 1
    plt.close("all")


def test_application_explorers_draw_their_results():
    crop = widgets.crop_explorer("colour_pop_out", "lc")
    assert "of the saliency" in crop.figure.axes[0].get_title()
    assert crop.figure.axes[2].get_title().startswith("crop ")
    seams = widgets.seam_explorer("textured_square", "lc")
    seams.children[2].value = 20  # the seams slider redraws the same figure
    assert seams.figure.axes[1].get_title() == "carved to 236×256 px"
    roi = widgets.roi_jpeg_explorer("colour_pop_out", "lc")
    assert "PSNR inside" in roi.figure.axes[1].get_title() and "uniform q" in roi.figure.axes[2].get_title()
    plt.close("all")


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def test_seam_weight_is_bounded_and_huge_blocks_are_one_block():
    image = np.random.default_rng(0).random((6, 8, 3))
    with pytest.raises(ValueError, match="weight must be a finite number <= 1e\\+06"):
        applications.seam_energy(image, np.ones((6, 8)), weight=1e300)
    saliency = np.random.default_rng(1).random((6, 8))
    np.testing.assert_array_equal(applications.salient_blocks(saliency, block=2**40),
                                  applications.salient_blocks(saliency, block=8))
