"""Tests of the synthetic shapes dataset (course_lib.datasets)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import datasets


@pytest.fixture(scope="module")
def batch() -> datasets.ShapesBatch:
    return datasets.make_batch(60, seed=3)


def test_shapes_dtypes_and_ranges(batch):
    assert batch.images.shape == (60, 64, 64, 3) and batch.images.dtype == np.float32
    assert batch.labels.shape == (60,) and batch.labels.dtype == np.int64
    assert batch.masks.shape == (60, 64, 64) and batch.masks.dtype == bool
    assert batch.boxes.shape == (60, 4) and batch.boxes.dtype == np.int64
    assert float(batch.images.min()) >= 0.0 and float(batch.images.max()) <= 1.0
    assert np.isfinite(batch.images).all()
    assert set(batch.labels.tolist()) <= set(range(len(datasets.CLASSES)))
    assert len(batch) == 60


def test_same_seed_same_batch_other_seed_other_batch():
    first, again = datasets.make_batch(5, seed=11), datasets.make_batch(5, seed=11)
    for name in ("images", "labels", "masks", "boxes"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    other = datasets.make_batch(5, seed=12)
    assert not np.array_equal(first.images, other.images)
    from_generator = datasets.make_batch(5, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(from_generator.images, first.images)


def test_labels_are_balanced():
    counts = np.bincount(datasets.make_batch(53, seed=0).labels, minlength=10)
    assert counts.min() == 5 and counts.max() == 6  # 53 = 10·5 + 3


def test_each_image_has_one_object_and_its_box_is_tight(batch):
    for mask, box in zip(batch.masks, batch.boxes):
        r0, c0, r1, c1 = box.tolist()
        assert mask.sum() >= 30  # radius >= 9 px: never a speck
        assert 0 <= r0 < r1 <= 64 and 0 <= c0 < c1 <= 64
        inside = np.zeros_like(mask)
        inside[r0:r1, c0:c1] = True
        assert not (mask & ~inside).any()  # nothing outside the box
        assert mask[r0].any() and mask[r1 - 1].any() and mask[:, c0].any() and mask[:, c1 - 1].any()
        assert not mask[0].all() and not mask[:, 0].all()  # the object lies inside the image


def test_object_pixels_carry_the_object_colour(batch):
    """The object is drawn last: inside its mask the colour is nearly uniform."""
    for image, mask in zip(batch.images[:10], batch.masks[:10]):
        spread = image[mask].std(axis=0)  # shading (±12 %) only
        assert float(spread.max()) < 0.12
        contrast = np.linalg.norm(image[mask].mean(0) - image[~mask].mean(0))
        assert contrast > 0.05


def test_every_class_has_a_distinct_silhouette():
    # All ten classes at one pose (centre, radius 20 px, no rotation): pairwise IoU < 0.85 (disk vs square: 0.81).
    labels = np.arange(10)
    centre = np.full((10, 2), 32.0, np.float32)
    radius = np.full(10, 20.0, np.float32)
    masks = datasets._coverage(labels, centre, radius, np.zeros(10, np.float32), 64) >= 0.5
    areas = masks.sum(axis=(1, 2))
    assert areas.min() > 300  # every shape is a sizeable blob
    for i in range(10):
        for j in range(i + 1, 10):
            iou = (masks[i] & masks[j]).sum() / (masks[i] | masks[j]).sum()
            assert iou < 0.85, (datasets.CLASSES[i], datasets.CLASSES[j], iou)
    assert len(datasets.CLASSES) == 10 and len(set(datasets.CLASSES)) == 10


def test_other_sizes_and_empty_batches():
    small = datasets.make_batch(2, seed=0, size=32)
    assert small.images.shape == (2, 32, 32, 3) and small.masks.any(axis=(1, 2)).all()
    empty = datasets.make_batch(0, seed=0)
    assert empty.images.shape == (0, 64, 64, 3) and empty.boxes.shape == (0, 4)
    assert len(datasets.make_split(0)) == 0


def test_splits_are_prefix_stable_and_distinct():
    test_small = datasets.make_split(5, split="test", seed=0)
    test_large = datasets.make_split(datasets.CHUNK_SIZE + 5, split="test", seed=0)
    np.testing.assert_array_equal(test_small.images, test_large.images[:5])
    assert len(test_large) == datasets.CHUNK_SIZE + 5
    train = datasets.make_split(5, split="train", seed=0)
    assert not np.array_equal(train.images, test_small.images)
    assert not np.array_equal(datasets.make_split(5, split="test", seed=1).images, test_small.images)
    stream = datasets.iter_split(split="test", seed=0, start_chunk=1)
    np.testing.assert_array_equal(next(stream).images[:5], test_large.images[datasets.CHUNK_SIZE :])


def test_torch_dataset_and_dataloader():
    dataset = datasets.ShapesDataset(6, split="val", seed=2)
    image, label = dataset[1]
    assert image.shape == (3, 64, 64) and image.dtype == torch.float32 and isinstance(label, int)
    np.testing.assert_array_equal(image.permute(1, 2, 0).numpy(), dataset.images[1])
    loader = torch.utils.data.DataLoader(dataset, batch_size=4)
    images, labels = next(iter(loader))
    assert images.shape == (4, 3, 64, 64) and labels.tolist() == dataset.labels[:4].tolist()
    assert dataset.batch().masks is dataset.masks and dataset.classes == datasets.CLASSES


def test_mask_boxes_of_an_empty_mask_and_a_single_mask():
    masks = np.zeros((2, 4, 5), bool)
    masks[1, 1:3, 4] = True
    assert datasets.mask_boxes(masks).tolist() == [[0, 0, 0, 0], [1, 4, 3, 5]]
    assert datasets.mask_boxes(masks[1]).tolist() == [1, 4, 3, 5]


# --------------------------------------------------------------------------
# errors: every raise in datasets.py
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 2.0, "seed": 0}, TypeError, "n must be an integer, got float"),
        ({"n": -1, "seed": 0}, ValueError, "n must be an integer >= 0, got -1"),
        ({"n": 1, "seed": 0, "size": 16}, ValueError, r"size must be an integer >= 32 \(pixels\), got 16"),
        ({"n": 1, "seed": "a"}, TypeError, "seed must be an integer >= 0, a numpy Generator or SeedSequence, got str"),
        ({"n": 1, "seed": True}, TypeError, "seed must be an integer >= 0"),
        ({"n": 1, "seed": -3}, ValueError, "seed must be an integer >= 0, got -3"),
    ],
)
def test_make_batch_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        datasets.make_batch(**kwargs)


def test_split_and_mask_errors():
    with pytest.raises(ValueError, match="split must be one of"):
        datasets.make_split(2, split="validation")
    with pytest.raises(TypeError, match="masks must be a boolean numpy array"):
        datasets.mask_boxes(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"masks must have shape \(H, W\) or \(N, H, W\)"):
        datasets.mask_boxes(np.zeros(3, bool))


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: datasets.make_batch(2, seed=0, size=10**6), ValueError, "size must be an integer >= 32 and <= 1024"),
        (lambda: datasets.make_batch(10**9, seed=0), ValueError, "n must be at most"),
        (lambda: datasets.make_split(10**12, split="test"), ValueError, "n must be at most"),
        (lambda: datasets.mask_boxes(np.zeros((0, 5), bool)), ValueError, "masks must not be empty"),
        (lambda: datasets.make_split(2, split="test", seed=1.5), TypeError, "seed must be an integer >= 0"),
    ],
)
def test_sizes_are_bounded(call, error, match):
    with pytest.raises(error, match=match):
        call()
