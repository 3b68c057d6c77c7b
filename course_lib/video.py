"""Saliency for video: superpixel frame contrast and frame differencing.

Used in notebook 05b (§1: the method made correct, §2: beside OpenCV's
BinWang motion saliency and frame differencing on the generated video of
``baselines.moving_blob_video``, §3: scores and ms per frame).  Sits after
``baselines`` and ``metrics`` in notebook order and imports only those and
``images``.

Every function takes frames in the course format: (H, W, 3) RGB, float in
[0, 1] (uint8 and uint16 frames are scaled by their dtype's range).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from skimage.color import rgb2lab
from skimage.segmentation import slic

from course_lib import metrics
from course_lib._validation import (
    MAX_SIGMA,
    check_array,
    check_choice,
    check_count,
    check_image,
    check_map,
    check_positive,
)

# The article's SLIC settings (vl_slic regionSize = 10).
DEFAULT_REGION_SIZE = 10
# skimage's default compactness (Lab units); see superpixel_contrast, Notes.
DEFAULT_COMPACTNESS = 10.0
# Superpixels larger than this cover a whole 640x480 frame in a handful of regions.
MAX_REGION_SIZE = 1024
# The spatial Gaussian is cut at this many sigmas (as a Gaussian filter kernel is).
TRUNCATE = 3.0
# Bounds of the spatial sigma in pixels (as metrics.centre_gaussian): below 1e-3 px the
# Gaussian keeps only the nearest region anyway, and 2 sigma^2 must neither underflow
# to 0 nor overflow (a Python float sigma**2 raises OverflowError past ~1e154).
MIN_SIGMA = 1e-3
# Smallest SLIC compactness m: skimage's slic turns 1/m into float32, and m below ~1e-17
# gives labels 0 or corrupts memory (below ~1e-39 it warns of overflow); its docs
# suggest m from 0.01 up.  Large m only makes the superpixels square.
MIN_COMPACTNESS = 1e-3


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------
def _check_frame(frame: object, *, name: str) -> npt.NDArray[np.float32]:
    """One RGB frame as float32 in [0, 1], decided by dtype (uint8 /255, uint16 /65535)."""
    return check_image(frame, ndim=(3,), name=name, channels=3).astype(np.float32, copy=False)


def _check_pair(previous: object, current: object) -> tuple[np.ndarray, np.ndarray]:
    prev = _check_frame(previous, name="previous")
    cur = _check_frame(current, name="current")
    if prev.shape != cur.shape:
        raise ValueError(
            f"previous and current must have the same shape, got {prev.shape} and {cur.shape}"
        )
    return prev, cur


def _check_labels(labels: object, *, name: str, shape: tuple[int, ...]) -> np.ndarray:
    array = check_array(labels, name=name)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must be an integer label image, got dtype {array.dtype}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (the frame's H, W), got shape {array.shape}")
    if array.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0, got minimum {array.min()}")
    return array


def _check_region_size(region_size: object) -> int:
    return check_count(region_size, name="region_size", minimum=2, maximum=MAX_REGION_SIZE)


def _check_sigma(sigma: object) -> float:
    """σ in pixels, in [MIN_SIGMA, MAX_SIGMA] (a bad type or a value <= 0 as check_positive says)."""
    value = check_positive(sigma, name="sigma")
    if not MIN_SIGMA <= value <= MAX_SIGMA:
        raise ValueError(
            f"sigma must be a finite number > 0 in [{MIN_SIGMA:g}, {MAX_SIGMA:g}] (pixels), got {sigma!r}"
        )
    return value


def _check_compactness(compactness: object) -> float:
    """SLIC's m, >= MIN_COMPACTNESS (a bad type or a value <= 0 as check_positive says)."""
    value = check_positive(compactness, name="compactness")
    if value < MIN_COMPACTNESS:
        raise ValueError(f"compactness must be a finite number >= {MIN_COMPACTNESS:g}, got {compactness!r}")
    return value


def _compact_labels(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0 … K − 1 when their values would make ``np.bincount`` huge or fail.

    Only the grouping of pixels matters to :func:`segment_contrast`, so the
    result is the same; the usual labels (at most one per pixel, as SLIC's)
    are returned as they are.
    """
    if labels.dtype != np.uint64 and int(labels.max()) <= labels.size:  # bincount cannot take uint64
        return labels
    return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)


def _check_video(frames: object) -> np.ndarray:
    """A (T, H, W, 3) RGB video, checked once as a whole (dtype, NaN/inf, range); returned as it is.

    Float frames are checked in place (no copy); uint8, uint16 and bool
    frames are always in range, so only their dtype is checked here and each
    frame is converted when it is used (:func:`_check_frame`), not the whole
    stack at once.
    """
    video = check_array(frames, name="frames")
    if video.ndim != 4 or video.shape[3] != 3:
        raise ValueError(f"frames must have shape (T, H, W, 3), got shape {video.shape}")
    checked = video if video.dtype.kind == "f" or video.size == 0 else video[:1, :1, :1]
    check_image(checked, ndim=(4,), name="frames", channels=None)
    return video


def _check_frame_indices(frame_indices: object, *, first: int, n_frames: int) -> list[int]:
    """Frame numbers as a list of ints in ``first`` … ``n_frames`` − 1 (order and repeats kept)."""
    if isinstance(frame_indices, (str, bytes, dict)) or not isinstance(frame_indices, Iterable):
        raise TypeError(f"frame_indices must be an iterable of integers, got {type(frame_indices).__name__}")
    try:
        items = list(frame_indices)
    except TypeError:  # a 0-d array
        raise TypeError(f"frame_indices must be an iterable of integers, got {frame_indices!r:.60}") from None
    allowed = f"integers in {first} … {n_frames - 1} (the video has {n_frames} frames)"
    for t in items:
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer)):
            raise TypeError(f"frame_indices must hold {allowed}, got {t!r:.60} ({type(t).__name__})")
        if not first <= t < n_frames:
            raise ValueError(f"frame_indices must hold {allowed}, got {t!r}")
    return [int(t) for t in items]


def _check_masks(masks: object, *, like: np.ndarray, like_name: str = "maps") -> npt.NDArray[np.bool_]:
    """Object masks of the shape of ``like`` as bool: True or a value > 0 marks the object."""
    array = check_array(masks, name="masks")
    if array.shape != like.shape:
        raise ValueError(f"masks must have the shape of {like_name} {like.shape}, got {array.shape}")
    if array.dtype == bool:
        return array
    values = check_map(array, ndim=(3,), name="masks")  # real and finite
    low = float(values.min())
    if low < 0:
        raise ValueError(
            f"masks must be boolean or non-negative (pixels > 0 mark the object), got minimum {low:.4g}"
        )
    return values > 0


# --------------------------------------------------------------------------
# superpixels
# --------------------------------------------------------------------------
def segment_superpixels(
    frame: npt.ArrayLike,
    *,
    region_size: int = DEFAULT_REGION_SIZE,
    compactness: float = DEFAULT_COMPACTNESS,
) -> npt.NDArray[np.int64]:
    """SLIC superpixels of one frame (scikit-image's ``slic``), about ``region_size`` px wide.

    .. math:: K = \\max\\bigl(1, \\operatorname{round}(H W / s^2)\\bigr)

    seeds on a grid of step :math:`s` = ``region_size``, clustered in
    (L, a, b, x, y) with distance :math:`\\sqrt{d_{lab}^2 + (d_{xy} / s)^2 m^2}`,
    :math:`m` = ``compactness`` (Achanta et al. 2012, eq. 3).

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3)
        RGB, float in [0, 1], or uint8/uint16 (scaled by the dtype's range).
    region_size : int
        Nominal superpixel side s in pixels, >= 2 (vl_slic's ``regionSize``).
    compactness : float
        m >= 1e-3 (``MIN_COMPACTNESS``; smaller values break skimage's
        ``slic``), the weight of position against Lab colour (skimage's units).

    Returns
    -------
    ndarray of int64, shape (H, W)
        Labels 1, 2, …, each superpixel connected.

    Raises
    ------
    TypeError, ValueError
        For a frame that is not an (H, W, 3) RGB frame in [0, 1], a
        non-integer or too small ``region_size``, a ``compactness`` below 1e-3.

    Notes
    -----
    Convention: skimage's ``slic`` with ``n_segments = K``, ``start_label=1``,
    ``enforce_connectivity=True``, no pre-smoothing (``sigma=0``); the
    number of superpixels it returns can differ a little from K.

    References
    ----------
    R. Achanta, A. Shaji, K. Smith, A. Lucchi, P. Fua and S. Süsstrunk, "SLIC
    superpixels compared to state-of-the-art superpixel methods", IEEE TPAMI
    34(11), 2012, doi:10.1109/TPAMI.2012.120.

    Examples
    --------
    >>> labels = segment_superpixels(np.zeros((40, 60, 3)), region_size=10)
    >>> labels.shape, int(labels.min()), int(labels.max())
    ((40, 60), 1, 24)
    """
    image = _check_frame(frame, name="frame")
    size = _check_region_size(region_size)
    compactness = _check_compactness(compactness)
    height, width = image.shape[:2]
    n_segments = max(1, round(height * width / size**2))
    labels = slic(image, n_segments=n_segments, compactness=compactness, sigma=0,
                  start_label=1, enforce_connectivity=True, channel_axis=-1, convert2lab=True)
    return labels.astype(np.int64)


def _region_stats(lab: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, centroids (K, 2) as (row, col), mean Lab (K, 3)) of every label present.

    The same numbers as ``skimage.measure.regionprops(labels + 1, lab)``'s
    ``label - 1``, ``centroid`` and ``intensity_mean`` (tested), from
    ``np.bincount``: regionprops loops over the regions in Python (280 ms
    for the ~3,000 superpixels of a 640×480 frame, this takes ~10 ms).
    """
    flat = labels.ravel()
    counts = np.bincount(flat)
    present = np.flatnonzero(counts)  # (K,)
    rows, cols = np.indices(labels.shape)
    sums = [np.bincount(flat, weights=values.ravel())[present] for values in
            (rows, cols, lab[..., 0], lab[..., 1], lab[..., 2])]
    stats = np.stack(sums, axis=1) / counts[present, None]  # (K, 5): row, col, L, a, b
    return present, stats[:, :2], stats[:, 2:]


# --------------------------------------------------------------------------
# superpixel frame contrast
# --------------------------------------------------------------------------
def segment_contrast(
    previous_lab: npt.ArrayLike,
    current_lab: npt.ArrayLike,
    previous_labels: npt.ArrayLike,
    current_labels: npt.ArrayLike,
    *,
    sigma: float,
) -> npt.NDArray[np.float32]:
    """Frame contrast of every region of the current frame, given both segmentations.

    For a region i of the current frame (mean Lab colour :math:`c_i`,
    centroid :math:`p_i`) and the regions j of the previous frame
    (:math:`c'_j`, :math:`p'_j`):

    .. math::

        S_i = \\frac{\\sum_{j \\in N_i} w_{ij}\\, \\lVert c_i - c'_j \\rVert_2}
                   {\\sum_{j \\in N_i} w_{ij}}, \\qquad
        w_{ij} = \\exp\\!\\left(-\\frac{\\lVert p_i - p'_j \\rVert_2^2}{2\\sigma^2}\\right),

    with :math:`N_i` the previous regions whose centroid lies within
    :math:`3\\sigma` of :math:`p_i`, plus the nearest one (so that
    :math:`N_i` is never empty).  :math:`\\lVert c_i - c'_j \\rVert_2` is the
    CIE 1976 colour difference ΔE*ab.  Every pixel of region i gets
    :math:`S_i`.  This is the superpixel spatiotemporal saliency of the
    saliency-map article, with its distance terms defined (see
    :func:`superpixel_contrast`, Notes).

    Parameters
    ----------
    previous_lab, current_lab : ndarray, shape (H, W, 3)
        The two frames in CIE Lab (``skimage.color.rgb2lab``), finite.
    previous_labels, current_labels : ndarray of int, shape (H, W)
        A segmentation of each frame: labels >= 0, any numbering (gaps
        allowed); a region need not be connected.
    sigma : float
        Spatial scale σ of the Gaussian, in pixels, in [``MIN_SIGMA``,
        ``_validation.MAX_SIGMA``] = [1e-3, 1e6]: below 1e-3 px only the
        nearest region counts anyway, and the bounds keep 2σ² finite and > 0.

    Returns
    -------
    ndarray of float32, shape (H, W)
        ΔE*ab units (0 = the region's colour is the colour of everything
        that was around it), >= 0, finite; two frames of one constant
        colour give all zeros.

    Raises
    ------
    TypeError, ValueError
        For arrays of the wrong type or shape, NaN/inf, negative labels or a
        ``sigma`` that is not a number in [1e-3, 1e6].

    Notes
    -----
    Convention: centroids in (row, col) pixel coordinates; the weights are
    normalised per region (a weighted *mean* of ΔE, so the number of
    previous regions near i does not matter); the Gaussian is computed
    relative to the nearest region, :math:`\\exp(-(d_{ij}^2 - d_{i,min}^2)/2\\sigma^2)`,
    which the normalisation cancels exactly and which cannot underflow.

    Examples
    --------
    >>> grey = rgb2lab(np.full((4, 6, 3), 0.5)); white = rgb2lab(np.ones((4, 6, 3)))
    >>> labels = np.zeros((4, 6), dtype=int)
    >>> contrast = segment_contrast(grey, white, labels, labels, sigma=5.0)
    >>> contrast.shape, round(float(contrast[0, 0]), 2)
    ((4, 6), 46.61)
    """
    prev_lab = check_map(previous_lab, ndim=(3,), name="previous_lab", channels=3)
    cur_lab = check_map(current_lab, ndim=(3,), name="current_lab", channels=3)
    if prev_lab.shape != cur_lab.shape:
        raise ValueError(
            f"previous_lab and current_lab must have the same shape, got {prev_lab.shape} and {cur_lab.shape}"
        )
    shape = cur_lab.shape[:2]
    prev_labels = _compact_labels(_check_labels(previous_labels, name="previous_labels", shape=shape))
    cur_labels = _compact_labels(_check_labels(current_labels, name="current_labels", shape=shape))
    sigma = _check_sigma(sigma)

    _, prev_xy, prev_colour = _region_stats(np.asarray(prev_lab, np.float64), prev_labels)  # (M, 2), (M, 3)
    cur_ids, cur_xy, cur_colour = _region_stats(np.asarray(cur_lab, np.float64), cur_labels)  # (N, 2), (N, 3)
    n_current = len(cur_ids)

    prev_tree = cKDTree(prev_xy)
    pairs = cKDTree(cur_xy).sparse_distance_matrix(prev_tree, TRUNCATE * sigma, output_type="ndarray")
    nearest_d, nearest_j = prev_tree.query(cur_xy)  # (N,), (N,)
    rows = np.concatenate([pairs["i"], np.arange(n_current)])  # current region index
    cols = np.concatenate([pairs["j"], nearest_j])  # previous region index
    dist = np.concatenate([pairs["v"], nearest_d])
    _, first = np.unique(rows * len(prev_xy) + cols, return_index=True)  # the nearest may be listed twice
    rows, cols, dist = rows[first], cols[first], dist[first]

    weight = np.exp(-(dist**2 - nearest_d[rows] ** 2) / (2.0 * sigma**2))  # 1 for the nearest region
    delta_e = np.linalg.norm(cur_colour[rows] - prev_colour[cols], axis=1)  # CIE76 ΔE*ab per pair
    region_value = np.bincount(rows, weight * delta_e, n_current) / np.bincount(rows, weight, n_current)

    lookup = np.zeros(int(cur_ids.max()) + 1)
    lookup[cur_ids] = region_value
    return lookup[cur_labels].astype(np.float32)


def superpixel_contrast(
    previous: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    region_size: int = DEFAULT_REGION_SIZE,
    compactness: float = DEFAULT_COMPACTNESS,
    sigma: float | None = None,
    normalize: bool = False,
) -> npt.NDArray[np.float32]:
    """Superpixel frame-contrast saliency of the current frame against the previous one.

    Both frames are cut into SLIC superpixels (:func:`segment_superpixels`)
    and every superpixel i of the current frame is scored by its CIE76 colour
    distance to the superpixels j of the previous frame, weighted by a
    Gaussian of the distance between their centroids
    (:func:`segment_contrast`):

    .. math::

        S_i = \\frac{\\sum_j w_{ij}\\, \\Delta E_{76}(c_i, c'_j)}{\\sum_j w_{ij}},
        \\qquad w_{ij} = \\exp\\!\\left(-\\frac{\\lVert p_i - p'_j \\rVert^2}{2\\sigma^2}\\right)

    (the saliency-map article's "spatiotemporal saliency" example, with the
    distances defined; the sum runs over the previous superpixels within 3σ,
    and the nearest one).

    Parameters
    ----------
    previous, current : ndarray, shape (H, W, 3)
        Two frames, RGB, float in [0, 1] (uint8/uint16 scaled by the dtype's
        range).  Not modified.
    region_size : int
        Superpixel side s in pixels, >= 2; the article's 10 by default.
    compactness : float
        SLIC's m, >= 1e-3 (skimage's units); 10 by default.
    sigma : float or None
        Spatial scale σ of the Gaussian in pixels, in [1e-3, 1e6] (see
        :func:`segment_contrast`); ``None`` means ``region_size`` (about one
        superpixel).
    normalize : bool
        Divide by the maximum, giving [0, 1] (an all-zero map stays zero).

    Returns
    -------
    ndarray of float32, shape (H, W)
        ΔE*ab units, >= 0, finite (or [0, 1] with ``normalize=True``).  A
        pair of constant frames of one colour gives all zeros.

    Raises
    ------
    TypeError, ValueError
        If a frame is not an (H, W, 3) RGB array in [0, 1] (or uint8/uint16),
        the two shapes differ, or a parameter is out of range; the message
        names the argument.

    Notes
    -----
    What the map measures: how much a region's colour differs from what was
    *around that place* in the previous frame.  A region that moved onto a
    background of another colour scores high, and a static region scores
    zero only where its surround has its colour: a static object that
    differs from its surround is salient too (it is a spatiotemporal
    contrast, not a motion detector), which frame differencing and BinWang
    are not.

    The article's MATLAB pseudo-code does not run as printed, and we
    depart from it as follows:

    * ``centredist(i:j) = sum(center(i) - center(j))`` indexes a *range*
      ``i:j`` instead of the pair ``(i, j)``, and sums *signed* coordinate
      differences, so two centroids 5 px apart along a diagonal (+5, -5)
      have distance 0.  We use the Euclidean centroid distance
      :math:`\\lVert p_i - p'_j \\rVert_2`.
    * ``posdiff`` subtracts a colour mean from a centroid (a position), two
      quantities in different units.  We compare colours with colours
      (mean CIE Lab, ΔE*ab) and positions with positions.
    * The loops say "pixel" where they run over superpixels; we score
      superpixels and paint each score on its pixels.
    * How the two distances combine is not stated; we weight the colour
      distance by a Gaussian of the centroid distance, as the spatially
      weighted region contrast of Cheng et al. (2015) does within one
      image, and normalise the weights (a weighted mean, so that the
      number of previous superpixels near i does not matter).
    * vl_slic's ``regularizer = 1`` acts on the image's own values (RGB in
      [0, 1]); skimage's ``compactness`` acts on Lab (0–100), so the two are
      not the same number.  We keep ``region_size = 10`` and skimage's
      default m = 10.

    Convention: Lab with skimage's ``rgb2lab`` (D65); the first frame of a
    video has no previous frame (see :func:`video_saliency`).

    References
    ----------
    "Saliency map", Wikipedia, section "Example implementation"
    (the article the course is built on; pseudo-code of this method).
    R. Achanta et al., "SLIC superpixels compared to state-of-the-art
    superpixel methods", IEEE TPAMI 34(11), 2012, doi:10.1109/TPAMI.2012.120.
    M.-M. Cheng, N. J. Mitra, X. Huang, P. H. S. Torr and S.-M. Hu, "Global
    contrast based salient region detection", IEEE TPAMI 37(3), 2015,
    doi:10.1109/TPAMI.2014.2345401.

    Examples
    --------
    >>> previous = np.full((40, 60, 3), 0.3, dtype=np.float32)
    >>> current = previous.copy(); current[15:25, 20:30] = 0.9   # a square appears
    >>> saliency = superpixel_contrast(previous, current)
    >>> saliency.shape, saliency.dtype
    ((40, 60), dtype('float32'))
    >>> bool(saliency[20, 25] == saliency.max()), float(saliency[2, 2])
    (True, 0.0)
    >>> float(superpixel_contrast(previous, previous).max())
    0.0
    """
    prev, cur = _check_pair(previous, current)
    size = _check_region_size(region_size)
    compactness = _check_compactness(compactness)
    sigma = float(size) if sigma is None else _check_sigma(sigma)
    prev_labels = segment_superpixels(prev, region_size=size, compactness=compactness)
    cur_labels = segment_superpixels(cur, region_size=size, compactness=compactness)
    saliency = segment_contrast(rgb2lab(prev), rgb2lab(cur), prev_labels, cur_labels, sigma=sigma)
    return _maybe_normalize(saliency, normalize)


def _maybe_normalize(saliency: np.ndarray, normalize: bool) -> np.ndarray:
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False, got {type(normalize).__name__}")
    peak = float(saliency.max())
    if normalize and peak > 0:
        return (saliency / peak).astype(np.float32)
    return saliency


def frame_difference(
    previous: npt.ArrayLike, current: npt.ArrayLike, *, normalize: bool = False
) -> npt.NDArray[np.float32]:
    """Per-pixel colour change between two frames, the CIE76 ΔE*ab.

    .. math:: D(x) = \\lVert \\mathrm{Lab}_t(x) - \\mathrm{Lab}_{t-1}(x) \\rVert_2

    The simplest motion cue (temporal differencing), in the same units as
    :func:`superpixel_contrast` so that the two can be compared.

    Parameters
    ----------
    previous, current : ndarray, shape (H, W, 3)
        RGB, float in [0, 1] (uint8/uint16 scaled by the dtype's range).
    normalize : bool
        Divide by the maximum, giving [0, 1].

    Returns
    -------
    ndarray of float32, shape (H, W)
        >= 0, zero wherever the pixel did not change.

    Raises
    ------
    TypeError, ValueError
        As :func:`superpixel_contrast`.

    Notes
    -----
    Convention: Lab with skimage's ``rgb2lab`` (D65), so this equals
    ``skimage.color.deltaE_cie76(rgb2lab(previous), rgb2lab(current))``.

    Examples
    --------
    >>> previous = np.zeros((2, 3, 3)); current = previous.copy(); current[0, 1] = 1
    >>> frame_difference(previous, current).round(1).tolist()
    [[0.0, 100.0, 0.0], [0.0, 0.0, 0.0]]
    """
    prev, cur = _check_pair(previous, current)
    difference = np.linalg.norm(rgb2lab(cur) - rgb2lab(prev), axis=2).astype(np.float32)  # (H, W)
    return _maybe_normalize(difference, normalize)


VIDEO_METHODS = ("superpixel", "difference")


def video_saliency(
    frames: npt.ArrayLike, *, method: str = "superpixel", frame_indices: Iterable[int] | None = None, **params: object
) -> npt.NDArray[np.float32]:
    """Apply a two-frame method to every frame of a video (frame t against t − 1).

    .. math:: S_t = f(I_{t-1}, I_t), \\qquad S_0 = 0

    Parameters
    ----------
    frames : ndarray, shape (T, H, W, 3)
        RGB video, float in [0, 1] (or uint8/uint16), frames in time order.
    method : {"superpixel", "difference"}
        :func:`superpixel_contrast` or :func:`frame_difference`.
    frame_indices : iterable of int or None
        Frames to compute (each an integer in 1 … T − 1); the others stay
        zero.  ``None`` means all of 1 … T − 1.
    **params
        Passed to the method (e.g. ``region_size=``, ``sigma=`` in
        [1e-3, 1e6] for ``"superpixel"``).

    Returns
    -------
    ndarray of float32, shape (T, H, W)
        Frame 0 (no previous frame) and frames not asked for are all zero.

    Raises
    ------
    TypeError, ValueError
        For a video that is not (T, H, W, 3) RGB in [0, 1] (or uint8/uint16;
        the message names ``frames``), an unknown ``method``, or
        ``frame_indices`` that are not integers in 1 … T − 1.

    Examples
    --------
    >>> from course_lib.baselines import moving_blob_video
    >>> frames, masks = moving_blob_video(4, shape=(30, 40), radius=4, start=1)
    >>> maps = video_saliency(frames, method="difference")
    >>> maps.shape, float(maps[0].max()), bool(maps[2][masks[2]].max() > 0)
    ((4, 30, 40), 0.0, True)
    """
    video = _check_video(frames)
    check_choice(method, VIDEO_METHODS, name="method")
    n_frames = video.shape[0]
    if frame_indices is None:
        indices: Iterable[int] = range(1, n_frames)
    else:
        indices = _check_frame_indices(frame_indices, first=1, n_frames=n_frames)
    out = np.zeros(video.shape[:3], dtype=np.float32)
    if method == "difference":
        for t in indices:
            previous, current = (_check_frame(video[s], name=f"frames[{s}]") for s in (t - 1, t))
            out[t] = frame_difference(previous, current, **params)  # type: ignore[arg-type]
        return out
    # Each frame is segmented once and reused as the next pair's previous frame:
    # the same maps as superpixel_contrast(video[t - 1], video[t]), half the SLIC calls.
    normalize = params.pop("normalize", False)
    segmented: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def lab_and_labels(t: int) -> tuple[np.ndarray, np.ndarray]:
        if t not in segmented:
            frame = _check_frame(video[t], name=f"frames[{t}]")
            segmented[t] = rgb2lab(frame), segment_superpixels(frame, **params)  # type: ignore[arg-type]
        return segmented[t]

    size = _check_region_size(params.get("region_size", DEFAULT_REGION_SIZE))
    sigma = params.pop("sigma", None)
    sigma = float(size) if sigma is None else _check_sigma(sigma)
    for t in indices:
        (prev_lab, prev_labels), (cur_lab, cur_labels) = lab_and_labels(t - 1), lab_and_labels(t)
        saliency = segment_contrast(prev_lab, cur_lab, prev_labels, cur_labels, sigma=sigma)
        out[t] = _maybe_normalize(saliency, normalize)  # type: ignore[arg-type]
        segmented.pop(t - 1)  # frame t - 1 is not needed again when indices increase
    return out


def score_video(
    maps: npt.ArrayLike, masks: npt.ArrayLike, frame_indices: Iterable[int]
) -> dict[str, float]:
    """Mean pointing game (tolerance 0), NSS and AUC-Judd of maps against object masks.

    .. math:: \\bar m = \\frac{1}{|\\mathcal T|} \\sum_{t \\in \\mathcal T} m(S_t, M_t)

    for m in ``metrics.pointing_game(…, tolerance=0)``, ``metrics.nss``,
    ``metrics.auc_judd``, the mask used as the fixation map.

    Parameters
    ----------
    maps : ndarray, shape (T, H, W)
        One saliency map per frame.
    masks : ndarray of bool, shape (T, H, W)
        Where the object is (e.g. from ``baselines.moving_blob_video``);
        numbers are accepted too, pixels > 0 marking the object (as
        ``metrics`` reads a fixation map).
    frame_indices : iterable of int
        Frames to score, each an integer in 0 … T − 1 whose mask marks at
        least one pixel and leaves at least one pixel unmarked.

    Returns
    -------
    dict
        ``{"pointing": …, "nss": …, "auc_judd": …}``, means over the frames.

    Raises
    ------
    TypeError, ValueError
        If ``maps`` is not a (T, H, W) array of finite numbers, ``masks`` is
        not boolean (or non-negative finite numbers) of the same shape,
        ``frame_indices`` is empty or holds anything but integers in
        0 … T − 1, or a scored frame's mask is empty or marks every pixel;
        the message names the argument.

    Examples
    --------
    >>> masks = np.zeros((2, 4, 4), dtype=bool); masks[:, 1, 1] = True
    >>> {name: round(value, 3) for name, value in score_video(masks.astype(float), masks, [0, 1]).items()}
    {'pointing': 1.0, 'nss': 3.873, 'auc_judd': 1.0}
    """
    maps_array = check_map(maps, ndim=(3,), name="maps")
    masks_array = _check_masks(masks, like=maps_array)
    indices = _check_frame_indices(frame_indices, first=0, n_frames=maps_array.shape[0])
    if not indices:
        raise ValueError("frame_indices must name at least one frame, got none")
    for t in indices:
        if not masks_array[t].any():
            raise ValueError(f"masks[{t}] is empty: frame {t} has no object to score against")
        if masks_array[t].all():
            raise ValueError(f"masks[{t}] marks every pixel: frame {t} has no background to score against")
    scores: dict[str, list[float]] = {"pointing": [], "nss": [], "auc_judd": []}
    for t in indices:
        scores["pointing"].append(float(metrics.pointing_game(maps_array[t], masks_array[t], tolerance=0)))
        scores["nss"].append(metrics.nss(maps_array[t], masks_array[t]))
        scores["auc_judd"].append(metrics.auc_judd(maps_array[t], masks_array[t]))
    return {name: float(np.mean(values)) for name, values in scores.items()}


def absorption_frame(motion: npt.ArrayLike, masks: npt.ArrayLike, start: int) -> int | None:
    """First frame, from ``start`` on, at which a motion map shows none of the object.

    .. math:: t^\\ast = \\min \\{\\, t \\ge t_0 : M_t \\ne \\emptyset,\\ S_t(x) = 0 \\ \\forall x \\in M_t \\,\\}

    A background-subtraction model such as BinWang (``baselines.opencv_motion_saliency``)
    learns whatever stays still: an object that stops is absorbed into the background
    after some frames (notebook 05b, §3).  This finds that frame.

    Parameters
    ----------
    motion : ndarray, shape (T, H, W)
        One map per frame, 0 where the model sees background.
    masks : ndarray of bool, shape (T, H, W)
        Where the object is (numbers > 0 mark it too).
    start : int
        t₀, in 0 … T − 1: the first frame to look at (e.g. the one where the
        object appears or stops).

    Returns
    -------
    int or None
        t*, or None if the object is foreground (somewhere) in every frame from
        ``start`` on.  Frames whose mask is empty (no object) are skipped.

    Raises
    ------
    TypeError, ValueError
        If ``motion`` is not a (T, H, W) array of finite numbers, ``masks`` is not
        boolean (or non-negative numbers) of the same shape, or ``start`` is not an
        integer in 0 … T − 1; the message names the argument.

    Examples
    --------
    >>> masks = np.zeros((4, 1, 3), dtype=bool); masks[1:, 0, 1] = True
    >>> motion = np.zeros((4, 1, 3)); motion[1:3, 0, 1] = 1.0  # foreground in frames 1 and 2
    >>> absorption_frame(motion, masks, start=1), absorption_frame(motion[:3], masks[:3], start=1)
    (3, None)
    """
    maps = check_map(motion, ndim=(3,), name="motion")
    object_masks = _check_masks(masks, like=maps, like_name="motion")
    first = check_count(start, name="start", minimum=0, maximum=maps.shape[0] - 1)
    for t in range(first, maps.shape[0]):
        if object_masks[t].any() and not maps[t][object_masks[t]].any():
            return t
    return None
