"""Quadtrees: decompose an image, and compute only where it has detail.

Used in notebook 08 (§1–§5).  A region quadtree splits a square image into
four quadrants, again and again, while a block is not homogeneous; the
leaves are the blocks that stay whole.  The source claim of this part of the
course is that a convolution then costs M²N'C (N' leaves) instead of M²N²C.
The notebook shows what is true in that: evaluating the kernel once per leaf
is *not* a convolution (its output is piecewise constant), while an exact
leaf-aware convolution also pays for the halo around detailed cells, the
plan and writing the dense output.  Everything here is vectorised: per-level
max/min pyramids, never Python recursion over pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from course_lib._attribution import check_input, check_scores, eval_mode, forward, target_indices
from course_lib._validation import (
    MAX_IMAGE_PIXELS,
    check_choice,
    check_count,
    check_image,
    check_map,
    check_number,
    check_positive,
    check_probability,
    check_seed,
    check_shape,
)


class Leaf(NamedTuple):
    """A square leaf: top-left corner (row, col) and side ``size`` in pixels."""

    row: int
    col: int
    size: int


MAX_CHANNELS = 4096
"""Most channels of the synthetic scenes and timed convolutions."""

MAX_KERNEL_SIZE = 257
"""Largest convolution kernel side the cost model and the timing accept."""


# --------------------------------------------------------------------------
# decomposition
# --------------------------------------------------------------------------
def _power_of_two(value: object, *, name: str) -> int:
    """An integer (Python or numpy) that is a power of two >= 1."""
    number = check_count(value, name=name)
    if number < 1 or number & (number - 1):
        raise ValueError(f"{name} must be a power of two >= 1, got {value!r}")
    return number


def _as_square_stack(image: np.ndarray, pad: bool) -> tuple[np.ndarray, int]:
    """(H, W[, C]) → (N, N, C) float64 with N a power of two (edge-padded)."""
    array = check_image(image, ndim=(2, 3), channels=None, unit_range=False).astype(np.float64)
    if array.shape[0] * array.shape[1] > MAX_IMAGE_PIXELS:
        raise ValueError(f"image must have at most {MAX_IMAGE_PIXELS} pixels, got shape {array.shape}")
    if array.ndim == 2:
        array = array[:, :, None]
    height, width = array.shape[:2]
    side = 1 << max(0, math.ceil(math.log2(max(height, width))))
    if (height, width) != (side, side):
        if not pad:
            raise ValueError(
                f"image must be square with a power-of-two side when pad=False, got {height}×{width}"
            )
        array = np.pad(array, ((0, side - height), (0, side - width), (0, 0)), mode="edge")
    return array, side


def _level_statistics(stack: np.ndarray, criterion: str) -> list[np.ndarray]:
    """Homogeneity statistic of every block, per level (level l: blocks of 2^l px).

    Range: max − min; std: population standard deviation; both reduced over
    channels with the maximum, so one channel with detail is enough to split.
    """
    stats = []
    if criterion == "range":
        high, low = stack, stack
        while True:
            stats.append((high - low).max(axis=-1))
            n = high.shape[0]
            if n == 1:
                return stats
            high = high.reshape(n // 2, 2, n // 2, 2, -1).max(axis=(1, 3))
            low = low.reshape(n // 2, 2, n // 2, 2, -1).min(axis=(1, 3))
    total, total_sq, count = stack, stack**2, 1
    while True:
        variance = np.maximum(total_sq / count - (total / count) ** 2, 0.0)
        stats.append(np.sqrt(variance).max(axis=-1))
        n = total.shape[0]
        if n == 1:
            return stats
        total = total.reshape(n // 2, 2, n // 2, 2, -1).sum(axis=(1, 3))
        total_sq = total_sq.reshape(n // 2, 2, n // 2, 2, -1).sum(axis=(1, 3))
        count *= 4


def decompose_array(
    image: npt.ArrayLike,
    threshold: float,
    min_size: int = 1,
    *,
    max_size: int | None = None,
    criterion: str = "range",
    pad: bool = True,
) -> npt.NDArray[np.int64]:
    """:func:`decompose` as an int64 array of shape (N', 3): rows (row, col, size)."""
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise TypeError(f"threshold must be a number (inf allowed), got {type(threshold).__name__}")
    if math.isnan(threshold):
        raise ValueError(f"threshold must be a number (inf allowed), got {threshold!r}")
    check_choice(criterion, ("range", "std"), name="criterion")
    stack, side = _as_square_stack(image, pad)
    min_size = _power_of_two(min_size, name="min_size")
    max_size = side if max_size is None else min(_power_of_two(max_size, name="max_size"), side)
    if max_size < min_size:
        raise ValueError(
            f"max_size ({max_size}) must be >= min_size ({min_size}); max_size is at most the image's padded side {side}"
        )
    stats = _level_statistics(stack, criterion)
    top = len(stats) - 1
    leaves = []
    rows = np.zeros(1, dtype=np.int64)
    cols = np.zeros(1, dtype=np.int64)
    for level in range(top, -1, -1):
        size = 1 << level
        if size > max_size:
            split = np.ones(rows.size, dtype=bool)
        elif size <= min_size:
            split = np.zeros(rows.size, dtype=bool)
        else:
            split = stats[level][rows, cols] > threshold
        keep = ~split
        leaves.append(np.stack([rows[keep] * size, cols[keep] * size, np.full(keep.sum(), size)], axis=1))
        rows, cols = rows[split], cols[split]
        if rows.size == 0:
            break
        # Each split block's four children at the next finer level.
        rows = (2 * rows[:, None] + np.array([0, 0, 1, 1])).ravel()
        cols = (2 * cols[:, None] + np.array([0, 1, 0, 1])).ravel()
    result = np.concatenate(leaves).astype(np.int64)
    height, width = np.shape(image)[:2]
    inside = (result[:, 0] < height) & (result[:, 1] < width)
    return result[inside]


def decompose(
    image: npt.ArrayLike,
    threshold: float,
    min_size: int = 1,
    *,
    max_size: int | None = None,
    criterion: str = "range",
    pad: bool = True,
) -> list[Leaf]:
    """Region-quadtree decomposition of an image (or a saliency map).

    A square block is split into four while it is not homogeneous and its
    side exceeds ``min_size``:

    .. math::

        \\text{split}(B) \\iff h(B) > \\tau \\;\\wedge\\; |B| > s_{min}
        \\quad\\text{or}\\quad |B| > s_{max}, \\qquad
        h(B) = \\max_c \\big(\\max_{B} x_c - \\min_{B} x_c\\big)

    (the range test of MATLAB's ``qtdecomp``; ``criterion="std"`` uses the
    standard deviation instead).  Cost: the per-level statistics pyramid is
    O(N²), the top-down walk O(#nodes) ≤ 4/3 N².

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        Image or map; values in any range (a map is often in [0, 1]).
    threshold : float
        τ: largest range (or std) a leaf may have; ``inf`` keeps the whole
        image one leaf, a negative value splits down to ``min_size``.
    min_size, max_size : int
        Powers of two: leaves are never smaller than ``min_size`` nor larger
        than ``max_size`` (default: the padded side).
    criterion : {"range", "std"}
        Homogeneity statistic, maximised over channels.
    pad : bool
        If the image is not square with a power-of-two side, pad it at the
        bottom and right by repeating the last row/column (``np.pad`` mode
        ``"edge"``) up to the next power of two; ``False`` refuses it.

    Returns
    -------
    list of Leaf
        (row, col, size) of each leaf, largest first, row-major within a
        size.  With padding, leaves lying wholly in the padding are
        dropped; leaves crossing the border are kept (clip them to the image
        if needed).

    Raises
    ------
    ValueError
        For NaN/inf pixels, a NaN threshold, sizes that are not powers of
        two, or a non-square image with ``pad=False``.

    References
    ----------
    S. L. Tanimoto and T. Pavlidis, "A hierarchical data structure for
    picture processing", CGIP 4(2):104–119, 1975; H. Samet, "The quadtree and
    related hierarchical data structures", ACM Computing Surveys 16(2), 1984.

    Examples
    --------
    >>> image = np.zeros((4, 4)); image[0, 0] = 1.0
    >>> [tuple(leaf) for leaf in decompose(image, 0.5)]
    [(0, 2, 2), (2, 0, 2), (2, 2, 2), (0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1)]
    """
    return [Leaf(*map(int, row)) for row in decompose_array(
        image, threshold, min_size, max_size=max_size, criterion=criterion, pad=pad
    )]


def _leaves_array(leaves: object, name: str = "leaves") -> np.ndarray:
    if isinstance(leaves, (str, bytes)) or not hasattr(leaves, "__len__"):
        raise TypeError(f"{name} must be a list of (row, col, size) or an (N', 3) array, got {type(leaves).__name__}")
    try:
        raw = np.asarray(leaves)
        if raw.dtype.kind not in "iu" and not (raw.size == 0 and raw.dtype.kind == "f"):
            raise TypeError
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must hold integer triples (row, col, size), got {str(leaves)[:80]}") from None
    if raw.ndim not in (1, 2) or (raw.ndim == 2 and raw.shape[1] != 3) or (raw.ndim == 1 and raw.size not in (0, 3)):
        raise ValueError(f"{name} must have shape (N', 3), got shape {raw.shape}")
    array = raw.astype(np.int64).reshape(-1, 3)
    if array.size and (array[:, 2].min() < 1 or array[:, :2].min() < 0):
        raise ValueError(f"{name} must hold (row, col, size) with row, col >= 0 and size >= 1")
    return array


def leaf_map(leaves: object, shape: tuple[int, int]) -> npt.NDArray[np.int64]:
    """Label image: each pixel holds the index of the leaf covering it (−1 if none).

    Examples
    --------
    >>> leaf_map([(0, 0, 2), (0, 2, 1), (0, 3, 1), (1, 2, 1), (1, 3, 1)], (2, 4)).tolist()
    [[0, 0, 1, 2], [0, 0, 3, 4]]
    """
    array = _leaves_array(leaves)
    shape = check_shape(shape, name="shape")
    labels = np.full(shape, -1, dtype=np.int64)
    for size in np.unique(array[:, 2]):
        index = np.flatnonzero(array[:, 2] == size)
        offsets = np.arange(min(int(size), max(shape)))  # rows past the image are dropped anyway
        rows = (array[index, 0, None] + offsets)[:, :, None]  # (n, size, 1)
        cols = (array[index, 1, None] + offsets)[:, None, :]  # (n, 1, size)
        valid = (rows < shape[0]) & (cols < shape[1])
        rows, cols = np.broadcast_arrays(rows, cols)
        labels[rows[valid], cols[valid]] = np.broadcast_to(index[:, None, None], valid.shape)[valid]
    return labels


def coverage(leaves: object, shape: tuple[int, int]) -> npt.NDArray[np.int64]:
    """How many leaves cover each pixel: all ones for a partition.

    Uses a 2-D difference array, O(N' + H·W).

    Examples
    --------
    >>> coverage([(0, 0, 2), (1, 1, 1)], (2, 2)).tolist()
    [[1, 1], [1, 2]]
    """
    array = _leaves_array(leaves)
    shape = check_shape(shape, name="shape")
    diff = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    r0, c0 = np.minimum(array[:, 0], shape[0]), np.minimum(array[:, 1], shape[1])
    r1, c1 = np.minimum(array[:, 0] + array[:, 2], shape[0]), np.minimum(array[:, 1] + array[:, 2], shape[1])
    np.add.at(diff, (r0, c0), 1)
    np.add.at(diff, (r0, c1), -1)
    np.add.at(diff, (r1, c0), -1)
    np.add.at(diff, (r1, c1), 1)
    return diff.cumsum(axis=0).cumsum(axis=1)[: shape[0], : shape[1]]


def reconstruct(image: npt.ArrayLike, leaves: object, *, fill: str = "mean") -> npt.NDArray[np.float32]:
    """Fill every leaf with one value: the image's mean or mid-range over it.

    .. math:: \\tilde x(p) = \\operatorname{mean}_{B(p)} x \\quad\\text{or}\\quad
              \\tfrac12\\big(\\max_{B(p)} x + \\min_{B(p)} x\\big)

    With the range criterion at threshold τ, every leaf larger than
    ``min_size`` has :math:`|x - \\tilde x| \\le \\tau` (mean) or
    :math:`\\le \\tau/2` (mid-range).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
    leaves : list of Leaf or (N', 3) array
        A partition of the image, e.g. from :func:`decompose`.
    fill : {"mean", "midrange"}

    Returns
    -------
    ndarray of float32, the image's shape

    Examples
    --------
    >>> image = np.array([[0.0, 1.0], [0.0, 1.0]])
    >>> reconstruct(image, [(0, 0, 2)]).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    check_choice(fill, ("mean", "midrange"), name="fill")
    array = check_image(image, ndim=(2, 3), channels=None, unit_range=False).astype(np.float64)
    stack = array[:, :, None] if array.ndim == 2 else array
    labels = leaf_map(leaves, stack.shape[:2])
    if (labels < 0).any():
        raise ValueError("leaves must cover the whole image to reconstruct it")
    n_leaves = len(_leaves_array(leaves))
    flat_labels = labels.ravel()
    values = np.empty((n_leaves, stack.shape[2]))
    for channel in range(stack.shape[2]):
        pixels = stack[:, :, channel].ravel()
        if fill == "mean":
            sums = np.bincount(flat_labels, weights=pixels, minlength=n_leaves)
            counts = np.bincount(flat_labels, minlength=n_leaves)
            values[:, channel] = sums / np.maximum(counts, 1)
        else:
            high = np.full(n_leaves, -np.inf)
            low = np.full(n_leaves, np.inf)
            np.maximum.at(high, flat_labels, pixels)
            np.minimum.at(low, flat_labels, pixels)
            values[:, channel] = (high + low) / 2
    filled = values[labels].astype(np.float32)
    return filled[:, :, 0] if array.ndim == 2 else filled


def psnr(
    reference: npt.ArrayLike, approximation: npt.ArrayLike, *, data_range: float = 1.0, max_db: float = 100.0
) -> float:
    """Peak signal-to-noise ratio in dB, 10 log10(range² / MSE), capped at ``max_db``.

    Computed by :func:`skimage.metrics.peak_signal_noise_ratio`.  Identical
    arrays would give +∞; the cap keeps every return value finite (100 dB is
    far beyond any visible difference).  NaN or inf in either input is
    refused (it used to pass as an MSE of NaN, and so as ``max_db``).

    Examples
    --------
    >>> round(psnr(np.zeros(4), np.full(4, 0.1)), 6)
    20.0
    >>> psnr(np.zeros(4), np.zeros(4))
    100.0
    """
    from skimage.metrics import peak_signal_noise_ratio

    a = check_map(reference, ndim=(1, 2, 3), name="reference").astype(np.float64)
    b = check_map(approximation, ndim=(1, 2, 3), name="approximation").astype(np.float64)
    data_range = check_number(check_positive(data_range, name="data_range"), name="data_range", maximum=1e100)
    max_db = check_number(check_positive(max_db, name="max_db"), name="max_db", maximum=1e6)
    if a.shape != b.shape:
        raise ValueError(f"reference and approximation must have the same shape, got {a.shape} and {b.shape}")
    if np.array_equal(a, b):
        return float(max_db)
    with np.errstate(divide="ignore", over="ignore"):
        value = float(peak_signal_noise_ratio(a, b, data_range=data_range))
    if math.isnan(value) or value > max_db:  # an MSE that underflows to 0
        return float(max_db)
    return max(value, -max_db) if math.isinf(value) else value


@dataclass(frozen=True)
class DecompositionSummary:
    """What a decomposition costs and loses (the numbers notebook 08 reports).

    Attributes
    ----------
    n_leaves : int
        N'.
    leaf_fraction : float
        N' / (H·W): the cost of one evaluation per leaf relative to per pixel.
    min_size_area : float
        Fraction of the image covered by leaves of the smallest allowed size
        (where the quadtree saved nothing).
    psnr_db : float
        PSNR of the mean-filled reconstruction, in dB (capped at 100).
    """

    n_leaves: int
    leaf_fraction: float
    min_size_area: float
    psnr_db: float


def summarize(image: npt.ArrayLike, leaves: object, *, min_size: int = 1) -> DecompositionSummary:
    """Leaf count, N'/N², area left in ``min_size`` leaves and reconstruction PSNR.

    Examples
    --------
    >>> image = np.zeros((4, 4)); image[0, 0] = 1.0
    >>> summary = summarize(image, decompose(image, 0.5))
    >>> summary.n_leaves, summary.leaf_fraction, summary.min_size_area, summary.psnr_db
    (7, 0.4375, 0.25, 100.0)
    """
    array = check_image(image, ndim=(2, 3), channels=None, unit_range=False)
    leaf_array = _leaves_array(leaves)
    min_size = check_count(min_size, name="min_size", minimum=1)
    height, width = array.shape[:2]
    smallest = leaf_array[:, 2] <= min_size
    return DecompositionSummary(
        n_leaves=len(leaf_array),
        leaf_fraction=len(leaf_array) / (height * width),
        min_size_area=float((leaf_array[smallest, 2] ** 2).sum() / (height * width)),
        psnr_db=psnr(array, reconstruct(array, leaf_array)),
    )


# --------------------------------------------------------------------------
# convolution on leaves
# --------------------------------------------------------------------------
def _check_4d(x: object, *, name: str) -> torch.Tensor:
    """A non-empty floating tensor of shape (B, C, H, W); NaN is checked by the caller."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, C, H, W), got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{name} must be a tensor of shape (B, C, H, W), got {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    return x


def _check_conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> int:
    """Validate a stride-1, 'same'-padded convolution; return its radius r = k // 2."""
    _check_4d(x, name="x")
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"weight must be a torch.Tensor of shape (C_out, C_in, k, k), got {type(weight).__name__}")
    if weight.ndim != 4 or weight.numel() == 0:
        raise ValueError(f"weight must be a tensor of shape (C_out, C_in, k, k), got {tuple(weight.shape)}")
    if weight.dtype != x.dtype:
        raise TypeError(f"weight must have x's dtype {x.dtype}, got {weight.dtype}")
    if not bool(torch.isfinite(weight).all()):
        raise ValueError("weight must not contain NaN or inf")
    if bias is not None:
        if not isinstance(bias, torch.Tensor):
            raise TypeError(f"bias must be a torch.Tensor or None, got {type(bias).__name__}")
        if bias.dtype != x.dtype:
            raise TypeError(f"bias must have x's dtype {x.dtype}, got {bias.dtype}")
        if not bool(torch.isfinite(bias).all()):
            raise ValueError("bias must not contain NaN or inf")
    c_out, c_in, kh, kw = weight.shape
    if kh != kw or kh % 2 == 0:
        raise ValueError(f"weight must have a square, odd k×k kernel, got {kh}×{kw}")
    if c_in != x.shape[1]:
        raise ValueError(f"weight expects {c_in} input channels but x has {x.shape[1]}")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},), got {tuple(bias.shape)}")
    # One cheap reduction first: NaN and inf propagate into the sum; only a
    # non-finite sum (or a huge finite input overflowing it) needs the full check.
    if not torch.isfinite(x.sum()) and not torch.isfinite(x).all():
        raise ValueError("x must not contain NaN or inf")
    return kh // 2


def conv2d_dense(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """The reference: ``F.conv2d`` with stride 1 and zero 'same' padding k // 2.

    Cost: :math:`k^2 C_{in} C_{out} H W` multiply–adds (the course's M²N²C).
    """
    radius = _check_conv(x, weight, bias)
    return F.conv2d(x, weight, bias, padding=radius)


def conv2d_leaves_naive(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, leaves: object
) -> torch.Tensor:
    """Evaluate the kernel once per leaf, at its centre, and fill the leaf.

    This is the literal "M²N'C" of the complexity claim: :math:`k^2 C_{in}
    C_{out} N'` multiply–adds.  It is **not** a convolution: the output is
    piecewise constant on the leaves, so wherever the true output varies
    inside a leaf (always near edges, and for any kernel that responds to
    texture) it is wrong.  Notebook 08 measures how wrong.

    Parameters
    ----------
    x : Tensor, shape (B, C_in, H, W)
    weight : Tensor, shape (C_out, C_in, k, k)
    bias : Tensor, shape (C_out,), or None
    leaves : list of Leaf or (N', 3) array
        A partition of the H×W image.

    Returns
    -------
    Tensor, shape (B, C_out, H, W)
    """
    radius = _check_conv(x, weight, bias)
    array = _leaves_array(leaves)
    height, width = x.shape[2:]
    labels = torch.from_numpy(leaf_map(array, (height, width)))
    if (labels < 0).any():
        raise ValueError("leaves must cover the whole image")
    centre_rows = torch.from_numpy(np.minimum(array[:, 0] + array[:, 2] // 2, height - 1))
    centre_cols = torch.from_numpy(np.minimum(array[:, 1] + array[:, 2] // 2, width - 1))
    taps = torch.arange(2 * radius + 1)
    padded = F.pad(x, (radius, radius, radius, radius))
    rows = (centre_rows[:, None] + taps)[:, :, None]  # (N', k, 1)
    cols = (centre_cols[:, None] + taps)[:, None, :]  # (N', 1, k)
    patches = padded[:, :, rows, cols]  # (B, C_in, N', k, k)
    values = torch.einsum("bcnij,ocij->bon", patches, weight)  # (B, C_out, N')
    if bias is not None:
        values = values + bias[None, :, None]
    return values[:, :, labels]  # (B, C_out, H, W)


@dataclass(frozen=True)
class ConvPlan:
    """Which ``cell_size`` cells of an image hold detail.

    Attributes
    ----------
    cell_size : int
        S: side of the cells; cells whose range is ≤ the threshold are
        treated as constant.
    grid : (int, int)
        Number of cell rows and columns.
    active_rows, active_cols : Tensor of int64, shape (n_active,)
        Cell indices of the active (detailed) cells.
    """

    cell_size: int
    grid: tuple[int, int]
    active_rows: torch.Tensor
    active_cols: torch.Tensor

    @property
    def active_fraction(self) -> float:
        """f: the fraction of cells that are active (the detailed area)."""
        return len(self.active_rows) / (self.grid[0] * self.grid[1])


def conv_plan(x: torch.Tensor, cell_size: int, *, threshold: float = 0.0) -> ConvPlan:
    """Find the active cells: those whose range (max over channels and batch) exceeds τ.

    Equivalently: the ``cell_size`` cells that a quadtree with that τ and
    ``min_size`` ≤ ``cell_size`` splits (tested against :func:`decompose`).
    Two ``max_pool2d`` calls, O(C·H·W).
    """
    _check_4d(x, name="x")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x must not contain NaN or inf")
    cell_size = check_count(cell_size, name="cell_size", minimum=1)
    threshold = check_number(threshold, name="threshold")
    height, width = x.shape[2:]
    if height % cell_size or width % cell_size:
        raise ValueError(f"x's height and width ({height}, {width}) must be multiples of cell_size {cell_size}")
    with torch.no_grad():
        high = F.max_pool2d(x, cell_size)
        low = -F.max_pool2d(-x, cell_size)
        cell_range = (high - low).amax(dim=(0, 1))  # (n_rows, n_cols)
    active = torch.nonzero(cell_range > threshold)
    return ConvPlan(cell_size, (height // cell_size, width // cell_size), active[:, 0], active[:, 1])


def _phase_classes(cell_size: int, radius: int) -> list[tuple[slice, np.ndarray]]:
    """Group the in-cell phases i by which neighbour cell each kernel tap reads.

    Tap a of a pixel at phase i reads cell offset floor((i + a − r) / S) ∈
    {−1, 0, 1}; phases with the same offsets share one 3×3 cell-level kernel.
    For S ≥ 2r there are 2r + 1 classes: r edge phases at each end and one
    interior class.  Returns (phase slice, (3, k) tap→offset one-hot).
    """
    taps = np.arange(2 * radius + 1)
    classes: list[tuple[slice, np.ndarray]] = []
    previous = None
    for phase in range(cell_size):
        offsets = np.floor_divide(phase + taps - radius, cell_size)
        key = tuple(offsets)
        if key == previous:
            start = classes[-1][0].start
            classes[-1] = (slice(start, phase + 1), classes[-1][1])
            continue
        one_hot = np.zeros((3, len(taps)))
        one_hot[offsets + 1, taps] = 1.0
        classes.append((slice(phase, phase + 1), one_hot))
        previous = key
    return classes


def conv2d_quadtree(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    plan: ConvPlan,
    approximate: bool = False,
) -> torch.Tensor:
    """Convolution that does full work only on the active cells of a plan.

    Split the input into a cell-constant part and a residual,

    .. math::

        x = \\mathrm{up}_S(X) + (x - \\mathrm{up}_S(X)), \\qquad
        W * x = W * \\mathrm{up}_S(X) + W * (x - \\mathrm{up}_S(X)),

    with :math:`X` one value per S×S cell.  The first term is computed at
    cell resolution: a pixel at in-cell phase (i, j) sees at most the 3×3
    neighbouring cells, so summing W's taps by the cell they fall in gives
    one 3×3 kernel per phase class, (2r + 1)² of them, applied in **one**
    ``conv2d`` on the (H/S)×(W/S) grid.  The residual is zero on inactive
    cells, so it is convolved only on the active cells' tiles, batched in
    **one** ``conv2d`` with a halo of r, and scatter-added back.

    Parameters
    ----------
    x : Tensor, shape (B, C_in, H, W)
    weight : Tensor, shape (C_out, C_in, k, k)
        Odd k with radius r = k // 2 ≤ ``plan.cell_size``.
    bias : Tensor, shape (C_out,), or None
    plan : ConvPlan
        From :func:`conv_plan` on this ``x``.
    approximate : bool
        False: X is each cell's top-left pixel, exact (up to float rounding)
        when inactive cells are constant, i.e. for a plan with threshold 0.
        True: X is each cell's mean, and the error of treating an inactive
        cell of range ≤ τ as constant is bounded by
        :math:`|\\Delta y_o| \\le \\lVert W_o \\rVert_1 \\, \\tau`.

    Returns
    -------
    Tensor, shape (B, C_out, H, W)
        Same shape, dtype and zero padding as :func:`conv2d_dense`.

    Notes
    -----
    Cost: :math:`n_{active} (S + 2r)^2 k^2 C_{in} C_{out}` for the residual
    plus :math:`9 (2r+1)^2 C_{in} C_{out} (HW/S^2)` for the cell part, plus
    writing the dense output — see :func:`conv_macs`.  Sums run in another
    order than ``F.conv2d``, so results agree to ~1e-6 relative, not
    bitwise.
    """
    radius = _check_conv(x, weight, bias)
    if not isinstance(plan, ConvPlan):
        raise TypeError(f"plan must be a ConvPlan from conv_plan, got {type(plan).__name__}")
    size = plan.cell_size
    batch, _, height, width = x.shape
    n_rows, n_cols = plan.grid
    if (n_rows * size, n_cols * size) != (height, width):
        raise ValueError(f"plan was made for a {n_rows * size}×{n_cols * size} image, x is {height}×{width}")
    if radius > size:
        raise ValueError(f"kernel radius {radius} must be <= plan.cell_size {size}")
    c_out = weight.shape[0]

    # Cell-constant part, at cell resolution.
    coarse = F.avg_pool2d(x, size) if approximate else x[:, :, ::size, ::size]  # (B, C_in, n_r, n_c)
    classes = _phase_classes(size, radius)
    one_hots = torch.as_tensor(np.stack([one_hot for _, one_hot in classes]), dtype=weight.dtype)  # (n, 3, k)
    kernels = torch.einsum("pya,ocab,qxb->pqocyx", one_hots, weight, one_hots)  # (n, n, C_out, C_in, 3, 3)
    kernels = kernels.reshape(-1, weight.shape[1], 3, 3)  # (n² · C_out, C_in, 3, 3)
    coarse_out = F.conv2d(coarse, kernels, padding=1)  # (B, n² · C_out, n_r, n_c)
    if bias is not None:
        coarse_out = coarse_out + bias.repeat(len(classes) ** 2)[None, :, None, None]
    out = x.new_empty(batch, c_out, height, width)
    view = out.view(batch, c_out, n_rows, size, n_cols, size)
    index = 0
    for row_slice, _ in classes:
        for col_slice, _ in classes:
            block = coarse_out[:, index * c_out : (index + 1) * c_out]  # (B, C_out, n_r, n_c)
            view[:, :, :, row_slice, :, col_slice] = block[:, :, :, None, :, None]
            index += 1

    # Residual part, on the active tiles only.
    n_active = len(plan.active_rows)
    if n_active:
        rows, cols = plan.active_rows, plan.active_cols
        tiles = x.view(batch, -1, n_rows, size, n_cols, size)[:, :, rows, :, cols, :]  # (n_a, B, C_in, S, S)
        tiles = tiles - coarse[:, :, rows, cols].permute(2, 0, 1)[..., None, None]
        tile_out = F.conv2d(tiles.reshape(n_active * batch, -1, size, size), weight, padding=2 * radius)
        side = size + 2 * radius  # tile outputs are (n_a·B, C_out, S + 2r, S + 2r)
        span = torch.arange(side) - radius
        out_rows = (rows[:, None] * size + span)[:, :, None]  # (n_a, side, 1)
        out_cols = (cols[:, None] * size + span)[:, None, :]  # (n_a, 1, side)
        inside = ((out_rows >= 0) & (out_rows < height) & (out_cols >= 0) & (out_cols < width))
        flat_index = (out_rows * width + out_cols)[inside]  # halo pixels outside the image dropped
        values = tile_out.reshape(n_active, batch, c_out, side, side).permute(1, 2, 0, 3, 4)
        # Halos of neighbouring active tiles overlap, hence an accumulating scatter.
        out.view(batch * c_out, height * width).index_add_(
            1, flat_index, values[:, :, inside].reshape(batch * c_out, -1)
        )
    return out


def synthetic_scene(channels: int, side: int, *, cell_size: int, fraction: float, seed: int = 0) -> torch.Tensor:
    """A (1, C, side, side) test input: flat 64-px blocks, a ``fraction`` of textured cells.

    The blocks hold random constant values; ``round(fraction · cells)``
    randomly chosen ``cell_size`` cells hold uniform noise instead, so the
    detailed area f is known exactly.  Used by notebook 08, the tests and
    ``benchmarks/bench_quadtree.py``.
    """
    channels = check_count(channels, name="channels", minimum=1, maximum=MAX_CHANNELS)
    side = check_count(side, name="side", minimum=64)
    cell_size = check_count(cell_size, name="cell_size", minimum=1)
    if isinstance(fraction, (int, float, np.integer, np.floating)) and not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction!r}")
    fraction = check_probability(fraction, name="fraction")
    seed = check_count(seed, name="seed", minimum=0, maximum=2**63 - 1)
    if channels * side * side > MAX_IMAGE_PIXELS:
        raise ValueError(f"channels · side² must be at most {MAX_IMAGE_PIXELS}, got {channels} · {side}²")
    if side % 64 or side % cell_size:
        raise ValueError(f"side must be a multiple of 64 and of cell_size, got side={side}, cell_size={cell_size}")
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, channels, side // 64, side // 64, generator=generator)
    x = F.interpolate(coarse, scale_factor=64, mode="nearest")
    n = side // cell_size
    active = torch.zeros(n * n, dtype=torch.bool)
    active[torch.randperm(n * n, generator=generator)[: round(fraction * n * n)]] = True
    mask = active.view(n, n).repeat_interleave(cell_size, 0).repeat_interleave(cell_size, 1)
    return torch.where(mask, torch.rand(1, channels, side, side, generator=generator), x).contiguous()


@dataclass(frozen=True)
class ConvTiming:
    """One row of :func:`measure_conv_speedup`."""

    channels: int
    kernel_size: int
    fraction: float
    dense_ms: float
    quadtree_ms: float
    plan_ms: float
    flop_ideal: float
    relative_error: float

    @property
    def speedup(self) -> float:
        """Dense time / quadtree time (plan made once, outside the timing)."""
        return self.dense_ms / self.quadtree_ms

    @property
    def speedup_with_plan(self) -> float:
        """Dense time / (quadtree + plan) time: the plan paid on every call."""
        return self.dense_ms / (self.quadtree_ms + self.plan_ms)


def measure_conv_speedup(
    channels: int,
    kernel_size: int,
    fractions: tuple[float, ...] | list[float],
    *,
    side: int = 512,
    cell_size: int = 64,
    repeat: int = 5,
    seed: int = 0,
    block: int = 1,
    warmup: int = 1,
) -> list[ConvTiming]:
    """Time dense vs exact quadtree convolution on :func:`synthetic_scene` inputs.

    For each detailed-area fraction f: the dense convolution, the quadtree
    convolution and the plan are timed in alternating blocks
    (:func:`course_lib.timing.interleaved_median_ms` with ``rounds=repeat``,
    ``block`` timed calls after ``warmup`` untimed ones per block), under
    ``torch.inference_mode``; each time is the median of its
    ``repeat · block`` calls.  Also the FLOP-ideal ratio from
    :func:`conv_macs` and the relative L2 error.  Wall-clock numbers depend
    on the machine and its load; compare ratios within a run.
    """
    from course_lib.timing import interleaved_median_ms

    channels = check_count(channels, name="channels", minimum=1, maximum=MAX_CHANNELS)
    kernel_size = check_count(kernel_size, name="kernel_size", minimum=1, maximum=MAX_KERNEL_SIZE)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd, got {kernel_size}")
    if isinstance(fractions, (str, bytes)) or not hasattr(fractions, "__iter__"):
        raise TypeError(f"fractions must be a sequence of numbers in [0, 1], got {type(fractions).__name__}")
    fractions = [check_probability(f, name="fractions") for f in fractions]
    repeat = check_count(repeat, name="repeat", minimum=1, maximum=1000)
    seed = check_count(seed, name="seed", minimum=0, maximum=2**62)
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(channels, channels, kernel_size, kernel_size, generator=generator) / (kernel_size * channels**0.5)
    bias = torch.randn(channels, generator=generator)
    rows = []
    for fraction in fractions:
        x = synthetic_scene(channels, side, cell_size=cell_size, fraction=fraction, seed=seed + 1)
        with torch.inference_mode():
            plan = conv_plan(x, cell_size)
            calls = {
                "dense": lambda: conv2d_dense(x, weight, bias),
                "quadtree": lambda: conv2d_quadtree(x, weight, bias, plan=plan),
                "plan": lambda: conv_plan(x, cell_size),
            }
            times = interleaved_median_ms(calls, rounds=repeat, block=block, warmup=warmup)
            dense = conv2d_dense(x, weight, bias)
            error = float((conv2d_quadtree(x, weight, bias, plan=plan) - dense).norm() / dense.norm())
        macs = conv_macs(tuple(x.shape), kernel_size, channels, plan=plan)
        rows.append(ConvTiming(
            channels, kernel_size, plan.active_fraction, times["dense"], times["quadtree"], times["plan"],
            macs["dense"] / macs["exact"], error,
        ))
    return rows


def conv_macs(
    shape: tuple[int, int, int, int], kernel_size: int, c_out: int, *, plan: ConvPlan | None = None, n_leaves: int | None = None
) -> dict[str, int]:
    """Multiply–adds of the dense, exact-quadtree and naive per-leaf convolutions.

    .. math::

        \\text{dense} = k^2 C_{in} C_{out} H W, \\quad
        \\text{exact} = n_{active}(S + 2r)^2 k^2 C_{in} C_{out} + 9(2r+1)^2 C_{in} C_{out} \\tfrac{HW}{S^2}, \\quad
        \\text{naive} = k^2 C_{in} C_{out} N'

    Examples
    --------
    >>> conv_macs((1, 1, 8, 8), 3, 1, n_leaves=4)
    {'dense': 576, 'naive': 36}
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 4:
        raise ValueError(f"shape must be (B, C_in, H, W), got {shape!r}")
    batch, c_in, height, width = (check_count(v, name="shape", minimum=1) for v in shape)
    kernel_size = check_count(kernel_size, name="kernel_size", minimum=1, maximum=MAX_KERNEL_SIZE)
    c_out = check_count(c_out, name="c_out", minimum=1)
    if plan is not None and not isinstance(plan, ConvPlan):
        raise TypeError(f"plan must be a ConvPlan or None, got {type(plan).__name__}")
    if n_leaves is not None:
        n_leaves = check_count(n_leaves, name="n_leaves", minimum=0)
    per_position = kernel_size**2 * c_in * c_out * batch
    macs = {"dense": per_position * height * width}
    if plan is not None:
        radius, size = kernel_size // 2, plan.cell_size
        if radius > size:
            raise ValueError(f"kernel_size {kernel_size} has radius {radius}, which must be <= plan.cell_size {size}")
        n_classes = len(_phase_classes(size, radius))
        macs["exact"] = (
            len(plan.active_rows) * (size + 2 * radius) ** 2 * per_position
            + 9 * n_classes**2 * c_in * c_out * batch * plan.grid[0] * plan.grid[1]
        )
    if n_leaves is not None:
        macs["naive"] = per_position * n_leaves
    return macs


# --------------------------------------------------------------------------
# quadtree-accelerated (coarse-to-fine) occlusion saliency
# --------------------------------------------------------------------------
def _class_scores(model: torch.nn.Module, batch: torch.Tensor, target: int) -> torch.Tensor:
    return check_scores(forward(model, batch), len(batch))[:, target]  # pre-softmax score S_c, (n,)


def _check_occlusion(
    model: object, x: object, target: object, baseline: object, batch_size: object
) -> tuple[torch.Tensor, int, torch.Tensor, int, float]:
    """Validate the shared arguments; return (x, target, fill (1, C, 1, 1), batch_size, clean S_c).

    Runs the clean forward pass (in eval mode, restored afterwards) to check
    ``target`` against the model's number of classes.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_input(x)
    if x.shape[0] != 1:  # type: ignore[union-attr]
        raise ValueError(f"x must be a tensor of shape (1, C, H, W), got {tuple(x.shape)}")  # type: ignore[union-attr]
    target = check_count(target, name="target", minimum=0)
    batch_size = check_count(batch_size, name="batch_size", minimum=1)
    if isinstance(baseline, str):
        check_choice(baseline, ("mean",), name="baseline")
        fill = x.mean(dim=(2, 3), keepdim=True)  # type: ignore[union-attr]
    else:
        fill = torch.full_like(x[:, :, :1, :1], check_number(baseline, name="baseline"))  # type: ignore[index]
    with eval_mode(model), torch.no_grad():
        scores = check_scores(forward(model, x), 1)  # type: ignore[arg-type]
        target_indices(target, scores)  # refuses a class the model does not have
        clean = float(scores[0, target])
    if not math.isfinite(clean):
        raise ValueError(f"model must return finite scores for x, got S_c = {clean}")
    return x, target, fill, batch_size, clean  # type: ignore[return-value]


def occlusion_drops(
    model: torch.nn.Module,
    x: torch.Tensor,
    target: int,
    boxes: npt.ArrayLike,
    *,
    baseline: str | float = "mean",
    batch_size: int = 64,
) -> npt.NDArray[np.float64]:
    """Score drop S_c(x) − S_c(x with the box replaced by the baseline), per box.

    .. math:: \\Delta_b = S_c(x) - S_c(x \\odot (1 - m_b) + x_0 \\, m_b)

    (Zeiler & Fergus 2014's occlusion sensitivity with square patches; S_c
    is the pre-softmax class score, as in Simonyan et al. 2013).

    Parameters
    ----------
    model : torch.nn.Module
        Classifier returning (n, classes) scores; run in eval mode, no grad.
    x : Tensor, shape (1, C, H, W)
    target : int
        Class index c.
    boxes : (n, 3) array of (row, col, size)
        Square occluders (e.g. quadtree leaves).
    baseline : "mean" or float
        Occluder value: the image's per-channel mean (default), or a constant.
    batch_size : int
        Occluded images per forward call.

    Returns
    -------
    ndarray of float64, shape (n,)
        Costs n forward passes, plus one for the clean image.
    """
    x, target, fill, batch_size, clean = _check_occlusion(model, x, target, baseline, batch_size)
    array = _leaves_array(boxes, name="boxes")
    height, width = x.shape[2:]
    if len(array) and ((array[:, 0] >= height).any() or (array[:, 1] >= width).any()):
        raise ValueError(f"boxes must start inside x's {height}×{width} image, got {array.tolist()!r:.80}")
    drops = np.empty(len(array))
    with eval_mode(model), torch.no_grad():  # every submodule's mode restored, also on error
        for start in range(0, len(array), batch_size):
            chunk = array[start : start + batch_size]
            batch = x.repeat(len(chunk), 1, 1, 1)  # (n, C, H, W)
            for i, (row, col, size) in enumerate(chunk):
                batch[i, :, row : row + size, col : col + size] = fill[0]
            drops[start : start + len(chunk)] = clean - _class_scores(model, batch, target).double().cpu().numpy()
    if not np.isfinite(drops).all():
        raise ValueError("model must return finite scores for the occluded images, got NaN or inf")
    return drops


def _grid_boxes(height: int, width: int, size: int) -> np.ndarray:
    rows, cols = np.meshgrid(np.arange(0, height, size), np.arange(0, width, size), indexing="ij")
    return np.stack([rows.ravel(), cols.ravel(), np.full(rows.size, size)], axis=1)


def _paint(boxes: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    canvas = np.zeros(shape)
    for (row, col, size), value in zip(boxes, values):
        canvas[row : row + size, col : col + size] = value
    return canvas


def dense_occlusion(
    model: torch.nn.Module, x: torch.Tensor, target: int, *, cell_size: int, baseline: str | float = "mean", batch_size: int = 64
) -> tuple[npt.NDArray[np.float32], int]:
    """Occlusion map on the grid of ``cell_size`` cells: (map (H, W), forward passes).

    Each cell holds its own score drop; (H/s)(W/s) + 1 forward passes.
    """
    check_input(x)
    cell_size = check_count(cell_size, name="cell_size", minimum=1)
    height, width = x.shape[2:]
    if height % cell_size or width % cell_size:
        raise ValueError(f"x's height and width ({height}, {width}) must be multiples of cell_size {cell_size}")
    boxes = _grid_boxes(height, width, cell_size)
    drops = occlusion_drops(model, x, target, boxes, baseline=baseline, batch_size=batch_size)
    return _paint(boxes, drops, (height, width)).astype(np.float32), len(boxes) + 1


@dataclass(frozen=True)
class CoarseToFineResult:
    """Outcome of :func:`coarse_to_fine_occlusion`.

    Attributes
    ----------
    saliency_map : ndarray of float32, shape (H, W)
        Each leaf holds the score drop measured at its own size.
    leaves : ndarray of int64, shape (N', 3)
        The final cells (row, col, size).
    n_passes : int
        Forward passes used, the clean image included.
    """

    saliency_map: npt.NDArray[np.float32]
    leaves: npt.NDArray[np.int64]
    n_passes: int


def coarse_to_fine_occlusion(
    model: torch.nn.Module,
    x: torch.Tensor,
    target: int,
    *,
    start_size: int,
    min_size: int,
    policy: str = "absolute",
    threshold: float = 0.02,
    baseline: str | float = "mean",
    batch_size: int = 64,
) -> CoarseToFineResult:
    """Occlusion saliency refined like a quadtree: split only the cells that matter.

    Occlude every ``start_size`` cell; split the cells whose drop passes the
    policy into four and occlude those; repeat down to ``min_size``.

    Policies (applied to the drops of the current level):

    * ``"absolute"``: drop > ``threshold`` · |S_c(x)| (e.g. 2 % of the score);
    * ``"midrange"``: drop ≥ (max + min)/2 of the level (HiPe's rule, Cooper
      et al. 2022);
    * ``"top"``: the top ``threshold`` fraction of the level's cells;
    * ``"all"``: every cell — then the result equals :func:`dense_occlusion`
      at ``min_size``, at a cost of Σ_l (H/s_l)(W/s_l) + 1 passes.

    Expected cost with salient area fraction a at ``min_size``:
    ≈ (s_min/s₀)² + (4/3)·a of the dense passes, plus a boundary term.

    Returns
    -------
    CoarseToFineResult
    """
    check_choice(policy, ("absolute", "midrange", "top", "all"), name="policy")
    start_size = _power_of_two(start_size, name="start_size")
    min_size = _power_of_two(min_size, name="min_size")
    threshold = check_number(threshold, name="threshold")
    if min_size > start_size:
        raise ValueError(f"min_size ({min_size}) must be <= start_size ({start_size})")
    x, target, _, batch_size, clean = _check_occlusion(model, x, target, baseline, batch_size)
    height, width = x.shape[2:]
    if height % start_size or width % start_size:
        raise ValueError(f"x's height and width ({height}, {width}) must be multiples of start_size {start_size}")
    cells = _grid_boxes(height, width, start_size)
    final_boxes, final_drops = [], []
    n_passes = 1
    while len(cells):
        drops = occlusion_drops(model, x, target, cells, baseline=baseline, batch_size=batch_size)
        n_passes += len(cells)
        size = int(cells[0, 2])
        if size <= min_size:
            refine = np.zeros(len(cells), dtype=bool)
        elif policy == "all":
            refine = np.ones(len(cells), dtype=bool)
        elif policy == "absolute":
            refine = drops > threshold * abs(clean)
        elif policy == "midrange":
            refine = drops >= (drops.max() + drops.min()) / 2
        else:
            n_top = max(1, int(np.ceil(threshold * len(cells))))
            refine = np.zeros(len(cells), dtype=bool)
            refine[np.argsort(-drops, kind="stable")[:n_top]] = True
        final_boxes.append(cells[~refine])
        final_drops.append(drops[~refine])
        parents = cells[refine]
        half = size // 2
        cells = np.concatenate([
            parents + np.array([dr, dc, 0]) for dr in (0, half) for dc in (0, half)
        ]) if len(parents) else np.zeros((0, 3), np.int64)
        cells[:, 2] = half
    leaves = np.concatenate(final_boxes).astype(np.int64)
    saliency = _paint(leaves, np.concatenate(final_drops), (height, width)).astype(np.float32)
    return CoarseToFineResult(saliency, leaves, n_passes)


def compare_to_dense(
    result: CoarseToFineResult, dense_map: np.ndarray, dense_passes: int
) -> tuple[float, float]:
    """(fraction of the dense forward passes used, Pearson correlation with the dense map).

    Examples
    --------
    >>> result = CoarseToFineResult(np.array([[1.0, 0.0]], np.float32), np.zeros((0, 3), np.int64), 5)
    >>> compare_to_dense(result, np.array([[2.0, 0.0]]), 10)
    (0.5, 1.0)
    """
    if not isinstance(result, CoarseToFineResult):
        raise TypeError(f"result must be a CoarseToFineResult, got {type(result).__name__}")
    dense_passes = check_count(dense_passes, name="dense_passes", minimum=1)
    a = np.asarray(result.saliency_map, dtype=np.float64).ravel()
    b = check_map(dense_map, ndim=(1, 2), name="dense_map").astype(np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"dense_map must have the result's shape {result.saliency_map.shape}, got {np.shape(dense_map)}")
    if a.std() == 0 or b.std() == 0:
        correlation = 0.0  # a flat map carries no ranking; 0 rather than NaN
    else:
        correlation = float(np.corrcoef(a, b)[0, 1])
    return result.n_passes / dense_passes, round(correlation, 12)
