"""A synthetic shapes dataset whose object masks are known exactly.

Used in notebook 06 (§1, the data the course CNN is trained on) and notebook
07 (§1–§2, scoring saliency maps against the true mask: localisation IoU and
the pointing game).  Saliency maps of natural images have no ground truth;
these images do.  Each image holds exactly one object, one of ten shape
classes (:data:`CLASSES`) with a random colour, size, position and rotation,
on a cluttered background: a smooth colour field, a grating texture, pixel
noise and thin distractor strokes.  The object is drawn last, so its mask is
exactly the set of pixels it covers.

Everything is generated, vectorised over the batch, from a seed: the same
seed gives the same images (bit for bit with the same numpy build; up to
float rounding elsewhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Union

import numpy as np
import numpy.typing as npt
import torch
from torch.utils.data import Dataset

from course_lib._validation import MAX_IMAGE_PIXELS, as_generator, check_choice, check_count, check_seed
from course_lib.images import to_tensor

CLASSES: tuple[str, ...] = (
    "disk",
    "square",
    "triangle",
    "cross",
    "star",
    "ring",
    "crescent",
    "arrow",
    "l_shape",
    "heart",
)
"""Shape class names; a label is an index into this tuple."""

SPLITS: dict[str, int] = {"train": 0, "test": 1, "val": 2}
"""Split names and the code mixed into their seeds, so splits never share images."""

IMAGE_SIZE = 64
"""Default image side in pixels (the shipped model's input size)."""

CHUNK_SIZE = 256
"""Images per generated chunk of a split (see :func:`make_split`)."""

Seed = Union[int, np.random.Generator, np.random.SeedSequence]

# Object radius range as a fraction of the image side (9–18 px at 64 px).
_RADIUS_RANGE = (0.14, 0.28)
# Objects are rendered at _SUPERSAMPLE² points per pixel for smooth edges.
_SUPERSAMPLE = 2
# Distractor strokes per image and their geometry (fractions of the side).
_MAX_STROKES = 8
_MIN_STROKES = 4
_STROKE_LENGTH = (0.15, 0.6)
_STROKE_WIDTH = (1.0, 2.5)  # pixels
# Minimum RGB distance between the object and the background under it.
_MIN_CONTRAST = 0.4
_COLOUR_CANDIDATES = 8


@dataclass(frozen=True)
class ShapesBatch:
    """A batch of generated images with their ground truth.

    Attributes
    ----------
    images : ndarray of float32, shape (N, H, W, 3)
        RGB images in [0, 1].
    labels : ndarray of int64, shape (N,)
        Class indices into :data:`CLASSES`.
    masks : ndarray of bool, shape (N, H, W)
        True where the object covers at least half of the pixel.
    boxes : ndarray of int64, shape (N, 4)
        Tight box of each mask as (row0, col0, row1, col1), ends exclusive,
        so ``masks[i, r0:r1, c0:c1]`` holds every object pixel.
    """

    images: npt.NDArray[np.float32]
    labels: npt.NDArray[np.int64]
    masks: npt.NDArray[np.bool_]
    boxes: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.labels.shape[0])


# --------------------------------------------------------------------------
# shapes: each is a predicate on local coordinates (u, v), radius about 1
# --------------------------------------------------------------------------
def _regular_polygon(u: np.ndarray, v: np.ndarray, sides: int, inradius: float) -> np.ndarray:
    inside = np.ones(u.shape, dtype=bool)
    for j in range(sides):
        angle = 2 * math.pi * j / sides
        inside &= u * math.cos(angle) + v * math.sin(angle) <= inradius
    return inside


def _star(u: np.ndarray, v: np.ndarray, points: int = 5, inner: float = 0.45) -> np.ndarray:
    # Fold the angle into one sector: an outer vertex at (1, 0), the next
    # inner vertex at angle pi/points; inside = on the origin's side of that edge.
    sector = 2 * math.pi / points
    rho = np.hypot(u, v)
    phi = np.mod(np.arctan2(v, u) + sector / 2, sector) - sector / 2
    x, y = rho * np.cos(phi), rho * np.abs(np.sin(phi))
    x1, y1 = 1.0, 0.0
    x2, y2 = inner * math.cos(sector / 2), inner * math.sin(sector / 2)
    side = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    origin_side = (x2 - x1) * (0 - y1) - (y2 - y1) * (0 - x1)
    return side * origin_side >= 0


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    au, av = np.abs(u), np.abs(v)
    return ((au <= 0.3) & (av <= 0.95)) | ((av <= 0.3) & (au <= 0.95))


def _crescent(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (u * u + v * v <= 0.95**2) & ((u - 0.45) ** 2 + v * v > 0.75**2)


def _arrow(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    shaft = (u >= -0.95) & (u <= 0.15) & (np.abs(v) <= 0.2)
    head = (u >= 0.15) & (u <= 0.95) & (np.abs(v) <= 0.65 * (0.95 - u) / 0.8)
    return shaft | head


def _l_shape(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    upright = (u >= -0.65) & (u <= -0.15) & (np.abs(v) <= 0.9)
    foot = (u >= -0.65) & (u <= 0.65) & (v >= 0.4) & (v <= 0.9)
    return upright | foot


def _heart(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    # (x² + y² − 1)³ − x² y³ ≤ 0, scaled and shifted to fit the unit disk.
    x, y = 1.15 * u, -1.15 * v + 0.15
    return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0


_SHAPES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "disk": lambda u, v: u * u + v * v <= 0.9**2,
    "square": lambda u, v: (np.abs(u) <= 0.72) & (np.abs(v) <= 0.72),
    "triangle": lambda u, v: _regular_polygon(u, v, 3, 0.5),
    "cross": _cross,
    "star": _star,
    "ring": lambda u, v: (u * u + v * v <= 0.95**2) & (u * u + v * v >= 0.55**2),
    "crescent": _crescent,
    "arrow": _arrow,
    "l_shape": _l_shape,
    "heart": _heart,
}


# --------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------
def _rng(seed: Seed, name: str = "seed") -> np.random.Generator:
    return as_generator(seed, name=name)


MAX_SIZE = 1024
"""Largest image side of the synthetic dataset (the course uses 64)."""


def _check_size(size: object) -> int:
    size = check_count(size, name="size")
    if size < 32:
        raise ValueError(f"size must be an integer >= 32 (pixels), got {size}")
    if size > MAX_SIZE:
        raise ValueError(f"size must be an integer >= 32 and <= {MAX_SIZE} (pixels), got {size}")
    return size


def _check_n(n: object, size: int) -> int:
    n = check_count(n, name="n")
    if n * size * size > MAX_IMAGE_PIXELS:
        raise ValueError(f"n must be at most {MAX_IMAGE_PIXELS // (size * size)} images of {size}×{size}, got {n}")
    return n


def _bilinear_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) matrix that linearly interpolates n_in knots over n_out samples."""
    position = np.linspace(0, n_in - 1, n_out)
    low = np.minimum(np.floor(position).astype(int), n_in - 2)
    frac = position - low
    matrix = np.zeros((n_out, n_in), dtype=np.float32)
    matrix[np.arange(n_out), low] = 1 - frac
    matrix[np.arange(n_out), low + 1] = frac
    return matrix


def _background(rng: np.random.Generator, n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Cluttered backgrounds (N, H, W, 3) and the smooth colour field under them."""
    knots = 5
    grid = rng.uniform(0.15, 0.85, (n, knots, knots, 3)).astype(np.float32)
    interp = _bilinear_matrix(size, knots)
    # (N, k, k, 3) -> (N, H, W, 3): separable linear interpolation
    field = np.einsum("hk,nklc,wl->nhwc", interp, grid, interp, optimize=True)

    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    texture = np.zeros((n, size, size), dtype=np.float32)
    for _ in range(2):  # two gratings of random orientation and frequency
        theta = rng.uniform(0, math.pi, (n, 1, 1)).astype(np.float32)
        frequency = rng.uniform(0.08, 0.3, (n, 1, 1)).astype(np.float32)  # cycles/pixel
        phase = rng.uniform(0, 2 * math.pi, (n, 1, 1)).astype(np.float32)
        amplitude = rng.uniform(0.02, 0.08, (n, 1, 1)).astype(np.float32)
        along = cols * np.cos(theta) + rows * np.sin(theta)  # (N, H, W)
        texture += amplitude * np.sin(2 * math.pi * frequency * along + phase)
    noise = rng.normal(0.0, 0.03, (n, size, size, 3)).astype(np.float32)
    image = field + texture[..., None] + noise
    image = _draw_strokes(rng, image, size)
    return image, field


def _draw_strokes(rng: np.random.Generator, image: np.ndarray, size: int) -> np.ndarray:
    """Blend thin anti-aliased line segments of random colour over ``image``."""
    n = image.shape[0]
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    count = rng.integers(_MIN_STROKES, _MAX_STROKES + 1, n)
    start = rng.uniform(0, size, (n, _MAX_STROKES, 2)).astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi, (n, _MAX_STROKES)).astype(np.float32)
    length = (rng.uniform(*_STROKE_LENGTH, (n, _MAX_STROKES)) * size).astype(np.float32)
    width = rng.uniform(*_STROKE_WIDTH, (n, _MAX_STROKES)).astype(np.float32)
    colour = rng.uniform(0, 1, (n, _MAX_STROKES, 3)).astype(np.float32)
    # A missing stroke (s >= count) gets width -1, hence alpha 0 everywhere.
    width = np.where(np.arange(_MAX_STROKES)[None, :] < count[:, None], width, -1.0)
    sin_a, cos_a = np.sin(angle), np.cos(angle)  # direction as (row, col)
    image = image.copy()
    for s in range(_MAX_STROKES):
        d_row = rows - start[:, s, 0, None, None]  # (N, H, W)
        d_col = cols - start[:, s, 1, None, None]
        dr, dc = sin_a[:, s, None, None], cos_a[:, s, None, None]
        along = np.clip(d_row * dr + d_col * dc, 0, length[:, s, None, None])
        d_row -= along * dr
        d_col -= along * dc
        dist = np.hypot(d_row, d_col)  # distance to the segment
        alpha = np.clip(width[:, s, None, None] / 2 + 0.5 - dist, 0, 1)[..., None]  # (N, H, W, 1)
        image += alpha * (colour[:, s, None, None, :] - image)  # over-composite, in place
    return image


def _coverage(
    labels: np.ndarray, centre: np.ndarray, radius: np.ndarray, theta: np.ndarray, size: int
) -> np.ndarray:
    """Fraction (N, H, W) of each pixel covered by the object, from supersampling."""
    n, k = labels.shape[0], _SUPERSAMPLE
    offsets = (np.arange(k, dtype=np.float32) + 0.5) / k  # sub-pixel sample points
    axis = (np.arange(size, dtype=np.float32)[:, None] + offsets[None, :]).ravel()  # (H*k,)
    fine = np.zeros((n, size * k, size * k), dtype=np.float32)
    for label, name in enumerate(CLASSES):
        idx = np.flatnonzero(labels == label)
        if idx.size == 0:
            continue
        d_row = axis[None, :, None] - centre[idx, 0, None, None]  # (m, Hk, 1)
        d_col = axis[None, None, :] - centre[idx, 1, None, None]  # (m, 1, Wk)
        cos_t, sin_t = np.cos(theta[idx])[:, None, None], np.sin(theta[idx])[:, None, None]
        r = radius[idx, None, None]
        u = (d_col * cos_t + d_row * sin_t) / r  # (m, Hk, Wk): rotated, unit radius
        v = (-d_col * sin_t + d_row * cos_t) / r
        fine[idx] = _SHAPES[name](u, v)
    # (N, Hk, Wk) -> (N, H, W): mean over each k×k block
    return fine.reshape(n, size, k, size, k).mean(axis=(2, 4))


def make_batch(n: int, *, seed: Seed, size: int = IMAGE_SIZE) -> ShapesBatch:
    """Generate ``n`` images, each with one shape on a cluttered background.

    Each image is composed back to front:

    .. math:: I = (1 - \\alpha) \\, B + \\alpha \\, O, \\qquad
              B = F + T + \\varepsilon + \\text{strokes}

    where :math:`F` is a smooth colour field (a 5×5 grid of random colours,
    bilinearly interpolated), :math:`T` two sinusoidal gratings,
    :math:`\\varepsilon \\sim N(0, 0.03^2)` pixel noise, strokes 4–8 thin
    line segments of random colour, :math:`O` the object's colour with a mild
    linear shading, and :math:`\\alpha` the fraction of the pixel the object
    covers (2×2 supersampling).

    Parameters
    ----------
    n : int
        Number of images (>= 0).
    seed : int, numpy SeedSequence or Generator
        Source of all randomness; the same seed gives the same batch.
    size : int
        Image side in pixels (>= 32); the shipped model takes 64.

    Returns
    -------
    ShapesBatch
        ``images`` float32 (n, size, size, 3) in [0, 1]; ``labels`` int64
        (n,); ``masks`` bool (n, size, size); ``boxes`` int64 (n, 4) as
        (row0, col0, row1, col1), ends exclusive.

    Raises
    ------
    TypeError
        If ``n``, ``size`` or ``seed`` has the wrong type.
    ValueError
        If ``n`` < 0, ``size`` < 32 or ``seed`` < 0.

    Notes
    -----
    Labels are balanced: ``n`` labels cycle through the classes and are then
    shuffled, so each class appears ⌊n/10⌋ or ⌈n/10⌉ times.  The object
    radius is 14–28 % of the side, its rotation uniform in [0, 2π), and it
    lies wholly inside the image.  Its colour is at RGB distance >= 0.4 from
    the mean background colour under it where one of eight random candidates
    allows, otherwise the farthest candidate is used.

    Convention: pixel (row, col) covers [row, row + 1) × [col, col + 1); the
    mask marks pixels at least half covered, and the image is clipped to
    [0, 1] after composition.

    Examples
    --------
    >>> batch = make_batch(20, seed=0)
    >>> batch.images.shape, batch.images.dtype, batch.masks.shape
    ((20, 64, 64, 3), dtype('float32'), (20, 64, 64))
    >>> np.bincount(batch.labels).tolist()
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    >>> bool(np.array_equal(make_batch(3, seed=7).images, make_batch(3, seed=7).images))
    True
    """
    size = _check_size(size)
    n = _check_n(n, size)
    rng = _rng(seed)

    labels = rng.permutation(np.arange(n) % len(CLASSES)).astype(np.int64)
    radius = (rng.uniform(*_RADIUS_RANGE, n) * size).astype(np.float32)
    margin = radius + 1.0
    centre = np.stack(
        [rng.uniform(margin, size - margin), rng.uniform(margin, size - margin)], axis=1
    ).astype(np.float32)  # (N, 2) as (row, col)
    theta = rng.uniform(0, 2 * math.pi, n).astype(np.float32)

    background, field = _background(rng, n, size)  # (N, H, W, 3) each
    alpha = _coverage(labels, centre, radius, theta, size)  # (N, H, W)
    masks = alpha >= 0.5

    # Object colour: the first of several candidates far enough from the field under it.
    weight = alpha / np.maximum(alpha.sum(axis=(1, 2), keepdims=True), 1e-6)
    under = np.einsum("nhw,nhwc->nc", weight, field)  # (N, 3)
    candidates = rng.uniform(0, 1, (n, _COLOUR_CANDIDATES, 3)).astype(np.float32)
    distance = np.linalg.norm(candidates - under[:, None, :], axis=2)  # (N, K)
    far = distance >= _MIN_CONTRAST
    choice = np.where(far.any(axis=1), far.argmax(axis=1), distance.argmax(axis=1))
    colour = candidates[np.arange(n), choice]  # (N, 3)

    # Mild shading: a linear ramp of ±12 % across the object in a random direction.
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    shade_angle = rng.uniform(0, 2 * math.pi, n).astype(np.float32)[:, None, None]
    ramp = ((cols - centre[:, 1, None, None]) * np.cos(shade_angle)
            + (rows - centre[:, 0, None, None]) * np.sin(shade_angle)) / radius[:, None, None]
    shading = 1.0 + 0.12 * np.clip(ramp, -1, 1)  # (N, H, W)
    obj = colour[:, None, None, :] * shading[..., None]  # (N, H, W, 3)

    images = background * (1 - alpha[..., None]) + obj * alpha[..., None]
    images = np.clip(images, 0.0, 1.0).astype(np.float32)
    return ShapesBatch(images=images, labels=labels, masks=masks, boxes=mask_boxes(masks))


def mask_boxes(masks: np.ndarray) -> npt.NDArray[np.int64]:
    """Tight boxes (row0, col0, row1, col1), ends exclusive, of boolean masks.

    Parameters
    ----------
    masks : ndarray of bool, shape (N, H, W) or (H, W)

    Returns
    -------
    ndarray of int64, shape (N, 4) or (4,)
        An empty mask gets the empty box (0, 0, 0, 0).

    Raises
    ------
    TypeError
        If ``masks`` is not a boolean array.
    ValueError
        If ``masks`` is not 2-D or 3-D.

    Examples
    --------
    >>> mask = np.zeros((5, 6), bool); mask[1:3, 2:5] = True
    >>> mask_boxes(mask).tolist()
    [1, 2, 3, 5]
    """
    if not isinstance(masks, np.ndarray) or masks.dtype != bool:
        got = getattr(masks, "dtype", type(masks).__name__)
        raise TypeError(f"masks must be a boolean numpy array, got {got}")
    if masks.ndim not in (2, 3):
        raise ValueError(f"masks must have shape (H, W) or (N, H, W), got shape {masks.shape}")
    if masks.shape[-1] == 0 or masks.shape[-2] == 0:
        raise ValueError(f"masks must not be empty, got shape {masks.shape}")
    single = masks.ndim == 2
    stack = masks[None] if single else masks
    any_row, any_col = stack.any(axis=2), stack.any(axis=1)  # (N, H), (N, W)
    present = any_row.any(axis=1)
    height, width = stack.shape[1:]
    row0 = any_row.argmax(axis=1)
    row1 = height - any_row[:, ::-1].argmax(axis=1)
    col0 = any_col.argmax(axis=1)
    col1 = width - any_col[:, ::-1].argmax(axis=1)
    boxes = np.stack([row0, col0, row1, col1], axis=1).astype(np.int64)
    boxes[~present] = 0
    return boxes[0] if single else boxes


def _chunk_seed(seed: int, split: str, chunk: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, SPLITS[split], chunk])


def iter_split(
    *, split: str = "train", seed: int = 0, size: int = IMAGE_SIZE, start_chunk: int = 0
) -> Iterator[ShapesBatch]:
    """Yield a split's images forever, :data:`CHUNK_SIZE` at a time.

    Chunk ``j`` of a split is ``make_batch(CHUNK_SIZE, seed=SeedSequence([seed,
    SPLITS[split], j]))``, so the training loop can stream as many images as
    it needs while :func:`make_split` returns a prefix of the same stream.

    Parameters
    ----------
    split : {"train", "test", "val"}
    seed : int
        Non-negative base seed; each split mixes in its own code.
    size : int
        Image side in pixels.
    start_chunk : int
        Index of the first chunk (>= 0).

    Yields
    ------
    ShapesBatch
        ``CHUNK_SIZE`` images.

    Raises
    ------
    ValueError
        If ``split`` is unknown or a number is out of range.

    Examples
    --------
    >>> stream = iter_split(split="test", seed=0)
    >>> len(next(stream))
    256
    """
    check_choice(split, SPLITS, name="split")
    seed = check_seed(seed)
    if not isinstance(seed, int):
        raise TypeError(f"seed must be an integer >= 0, got {type(seed).__name__}")
    size = _check_size(size)
    chunk = check_count(start_chunk, name="start_chunk")
    while True:
        yield make_batch(CHUNK_SIZE, seed=_chunk_seed(seed, split, chunk), size=size)
        chunk += 1


def make_split(n: int, *, split: str = "train", seed: int = 0, size: int = IMAGE_SIZE) -> ShapesBatch:
    """The first ``n`` images of a split (the same for every ``n`` that covers them).

    Parameters
    ----------
    n : int
        Number of images (>= 0).
    split : {"train", "test", "val"}
        Splits are generated from different seeds, so they share no image.
    seed : int
        Non-negative base seed.
    size : int
        Image side in pixels (>= 32).

    Returns
    -------
    ShapesBatch

    Raises
    ------
    ValueError
        If ``split`` is unknown or a number is out of range.

    Examples
    --------
    >>> small, large = make_split(2, split="test"), make_split(5, split="test")
    >>> bool(np.array_equal(small.images, large.images[:2]))
    True
    """
    n = _check_n(n, _check_size(size))
    stream = iter_split(split=split, seed=seed, size=size)
    chunks = [next(stream) for _ in range(-(-n // CHUNK_SIZE))]
    if not chunks:
        return make_batch(0, seed=0, size=size)
    return ShapesBatch(
        images=np.concatenate([c.images for c in chunks])[:n],
        labels=np.concatenate([c.labels for c in chunks])[:n],
        masks=np.concatenate([c.masks for c in chunks])[:n],
        boxes=np.concatenate([c.boxes for c in chunks])[:n],
    )


class ShapesDataset(Dataset):
    """A ``torch.utils.data.Dataset`` over the first ``n`` images of a split.

    ``dataset[i]`` is ``(image, label)``: a float32 tensor (3, H, W) in [0, 1]
    and an int.  The full ground truth stays available as numpy arrays:
    ``dataset.images`` (N, H, W, 3), ``dataset.labels``, ``dataset.masks``
    and ``dataset.boxes`` (see :class:`ShapesBatch`).

    Parameters
    ----------
    n : int
        Number of images; they are generated once, up front (48 KiB each
        at 64 px).
    split : {"train", "test", "val"}
    seed : int
        Non-negative base seed.
    size : int
        Image side in pixels.

    Examples
    --------
    >>> dataset = ShapesDataset(4, split="test", seed=0)
    >>> image, label = dataset[0]
    >>> len(dataset), tuple(image.shape), image.dtype, CLASSES[label] in CLASSES
    (4, (3, 64, 64), torch.float32, True)
    """

    def __init__(self, n: int, *, split: str = "train", seed: int = 0, size: int = IMAGE_SIZE) -> None:
        batch = make_split(n, split=split, seed=seed, size=size)
        self.split, self.seed, self.size = split, seed, size
        self.images, self.labels = batch.images, batch.labels
        self.masks, self.boxes = batch.masks, batch.boxes
        self.classes = CLASSES

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = to_tensor(self.images[index])[0]  # (H, W, 3) -> (3, H, W)
        return image, int(self.labels[index])

    def batch(self) -> ShapesBatch:
        """All samples as a :class:`ShapesBatch` (arrays shared, not copied)."""
        return ShapesBatch(self.images, self.labels, self.masks, self.boxes)
