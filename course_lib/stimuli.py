"""Visual-search arrays: feature singletons and conjunctions.

Used in notebook 04 (§3, pop-out versus conjunction search) and as ground
truth in notebooks 05 and 09.  Items sit on a jittered grid; one of them, the
target, differs from the distractors by one feature (a *feature* search) or
only by a combination of two (a *conjunction* search, Treisman & Gelade 1980).
Everything is generated from a seed, so a trial can be reproduced exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import as_generator, check_choice, check_count, check_probability

KINDS = ("colour", "intensity", "orientation", "size", "conjunction")
"""Search types: four feature singletons and the colour × orientation conjunction."""

RED = (0.9, 0.1, 0.1)
GREEN = (0.1, 0.7, 0.1)
DIM_GREY = (1 / 3, 1 / 3, 1 / 3)
WHITE = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class SearchArray:
    """One search display.

    Attributes
    ----------
    image : ndarray of float32, shape (H, W, 3)
        The display, RGB in [0, 1], black background.
    item_boxes : ndarray of int, shape (n, 4)
        Every item's bounding box as (row0, col0, row1, col1), ends exclusive.
    target_index : int
        Row of ``item_boxes`` that holds the target.
    kind : str
        One of :data:`KINDS`.
    """

    image: npt.NDArray[np.float32]
    item_boxes: npt.NDArray[np.int64]
    target_index: int
    kind: str

    @property
    def target_box(self) -> npt.NDArray[np.int64]:
        """The target's (row0, col0, row1, col1) box."""
        return self.item_boxes[self.target_index]

    @property
    def item_centres(self) -> npt.NDArray[np.float64]:
        """(n, 2) centres (row, col) of the item boxes."""
        boxes = self.item_boxes.astype(np.float64)
        return np.stack([(boxes[:, 0] + boxes[:, 2] - 1) / 2, (boxes[:, 1] + boxes[:, 3] - 1) / 2], axis=1)


def _item_features(kind: str, is_target: bool, rng: np.random.Generator) -> tuple[tuple, float, float]:
    """Colour, orientation (degrees, 0 = horizontal) and size factor of one item."""
    if kind == "colour":
        return (RED if is_target else GREEN), 90.0, 1.0
    if kind == "intensity":
        return (WHITE if is_target else DIM_GREY), 90.0, 1.0
    if kind == "orientation":
        return WHITE, (0.0 if is_target else 90.0), 1.0
    if kind == "size":
        return WHITE, 90.0, (1.6 if is_target else 1.0)
    # conjunction: red-horizontal among red-vertical and green-horizontal
    if is_target:
        return RED, 0.0, 1.0
    return (RED, 90.0, 1.0) if rng.random() < 0.5 else (GREEN, 0.0, 1.0)


MAX_IMAGE_SIZE = 4096
"""Largest ``image_size`` of a search array (a 4096² RGB float32 image is 200 MB)."""


def search_array(
    kind: str,
    set_size: int,
    *,
    seed: int | np.random.Generator = 0,
    image_size: int = 512,
    bar_length: int = 28,
    bar_width: int = 7,
    jitter: float = 0.5,
) -> SearchArray:
    """Draw a search array with one target among ``set_size − 1`` distractors.

    Items are bars of ``bar_length`` × ``bar_width`` pixels on a black
    background, one per cell of a jittered square grid (the smallest grid
    with at least ``set_size`` cells; the cells used are chosen at random).

    ========== ============================== ==============================
    kind       target                         distractors
    ========== ============================== ==============================
    colour     red vertical bar               green vertical bars
    intensity  white vertical bar             grey (1/3) vertical bars
    orientation white horizontal bar          white vertical bars
    size       white vertical bar, 1.6× size  white vertical bars
    conjunction red horizontal bar            red vertical and green horizontal
    ========== ============================== ==============================

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    set_size : int
        Number of items, 4 to 100.
    seed : int or numpy.random.Generator
        Reproducibility: the same seed gives the same display.
    image_size : int
        Side of the square image in pixels (≥ 128).
    bar_length, bar_width : int
        Item size in pixels (the size target is 1.6× larger).
    jitter : float
        Random shift of each item inside its cell, as a fraction (0–1) of the
        free space around it.

    Returns
    -------
    SearchArray

    Raises
    ------
    ValueError
        For an unknown kind, a set size outside 4–100, or items that do not
        fit in their grid cells.

    Examples
    --------
    >>> display = search_array("orientation", 9, seed=1)
    >>> display.image.shape, display.item_boxes.shape
    ((512, 512, 3), (9, 4))
    >>> row0, col0, row1, col1 = display.target_box
    >>> int(col1 - col0) > int(row1 - row0)  # the target is the horizontal bar
    True
    """
    check_choice(kind, KINDS, name="kind")
    set_size = check_count(set_size, name="set_size", minimum=4, maximum=100)
    image_size = check_count(image_size, name="image_size", minimum=128, maximum=MAX_IMAGE_SIZE)
    bar_length = check_count(bar_length, name="bar_length", minimum=1)
    bar_width = check_count(bar_width, name="bar_width", minimum=1)
    if isinstance(jitter, (int, float, np.integer, np.floating)) and not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must lie in [0, 1], got {jitter!r}")
    jitter = check_probability(jitter, name="jitter")
    rng = as_generator(seed)
    grid = math.ceil(math.sqrt(set_size))
    cell = image_size / grid
    largest = max(bar_length, bar_width) * (1.6 if kind == "size" else 1.0)  # bars are horizontal or vertical
    if largest > cell - 2:
        raise ValueError(
            f"items of bar_length {bar_length} and bar_width {bar_width} do not fit the {cell:.0f}-px cells of a "
            f"{grid}×{grid} grid in a {image_size}-px image; use a larger image_size"
        )
    cells = rng.choice(grid * grid, size=set_size, replace=False)
    target_index = int(rng.integers(set_size))
    image = np.zeros((image_size, image_size, 3), dtype=np.float32)
    boxes = np.zeros((set_size, 4), dtype=np.int64)
    for index, cell_index in enumerate(cells):
        colour, angle, scale = _item_features(kind, index == target_index, rng)
        length, width = bar_length * scale, bar_width * scale
        extent = max(length, width)
        free = (cell - extent) / 2
        row = (cell_index // grid + 0.5) * cell + rng.uniform(-1, 1) * free * jitter
        col = (cell_index % grid + 0.5) * cell + rng.uniform(-1, 1) * free * jitter
        # cv2 angles are clockwise degrees in (x, y); 0 = long side horizontal.
        corners = cv2.boxPoints(((col, row), (length, width), -angle))
        cv2.fillConvexPoly(image, np.round(corners).astype(np.int32), colour)
        col0, row0 = np.floor(corners.min(axis=0)).astype(int)
        col1, row1 = np.ceil(corners.max(axis=0)).astype(int) + 1
        boxes[index] = (max(row0, 0), max(col0, 0), min(row1, image_size), min(col1, image_size))
    return SearchArray(image=image, item_boxes=boxes, target_index=target_index, kind=kind)
