"""Weakly supervised object localisation from a saliency map (GraphCut).

Used in notebook 07 (§1–§3).  Simonyan, Vedaldi & Zisserman (2013), §3.2,
turn an image-specific class saliency map into an object box with no box
supervision at all:

1. **seeds** (:func:`saliency_seeds`): pixels whose saliency is above the
   95 % quantile of the image's map are foreground, those below the 30 %
   quantile background;
2. **GraphCut colour segmentation** (:func:`graphcut_segmentation`): a
   Gaussian-mixture colour model for each side, fitted to its seeds, and a
   min-cut of the Boykov–Jolly energy propagate the labels to the rest of
   the object (saliency often marks only its most discriminative part);
3. **largest connected component** (:func:`largest_component`) of the
   foreground, and its bounding box.

:func:`localize` runs the three steps; :func:`mask_iou` and :func:`box_iou`
score the result against the true mask and box.  Boxes are
(row0, col0, row1, col1) with exclusive ends, as in
:mod:`course_lib.datasets`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import check_count, check_image, check_map, check_positive, check_same_shape
from course_lib.baselines import blur_map
from course_lib.datasets import mask_boxes

FOREGROUND = 1
"""Value of a foreground seed in a seed map."""
BACKGROUND = -1
"""Value of a background seed in a seed map (0 marks unlabelled pixels)."""


@dataclass(frozen=True)
class Localization:
    """The result of :func:`localize`.

    Attributes
    ----------
    seeds : ndarray of int8, shape (H, W)
        :data:`FOREGROUND` (1), :data:`BACKGROUND` (-1) or 0 (unlabelled).
    segmentation : ndarray of bool, shape (H, W)
        The GraphCut foreground, before keeping one component.
    mask : ndarray of bool, shape (H, W)
        Its largest connected component: the object mask.
    box : ndarray of int64, shape (4,)
        The mask's tight box (row0, col0, row1, col1), ends exclusive;
        (0, 0, 0, 0) when the mask is empty.
    """

    seeds: npt.NDArray[np.int8]
    segmentation: npt.NDArray[np.bool_]
    mask: npt.NDArray[np.bool_]
    box: npt.NDArray[np.int64]


MAX_ITERATIONS = 1000
"""Most GrabCut iterations (the paper's GraphCut converges in a few)."""

_MAX_CV_SEED = 2**31 - 1
"""OpenCV's ``setRNGSeed`` takes a C int."""


def _check_quantiles(foreground_quantile: float, background_quantile: float) -> tuple[float, float]:
    fg = check_positive(foreground_quantile, name="foreground_quantile")
    bg = check_positive(background_quantile, name="background_quantile")
    if not 0 < bg < fg < 1:
        raise ValueError(
            "quantiles must satisfy 0 < background_quantile < foreground_quantile < 1, "
            f"got background_quantile={background_quantile!r}, foreground_quantile={foreground_quantile!r}"
        )
    return fg, bg


def saliency_seeds(
    saliency: npt.ArrayLike,
    *,
    foreground_quantile: float = 0.95,
    background_quantile: float = 0.30,
) -> npt.NDArray[np.int8]:
    """Foreground and background seeds from the quantiles of a saliency map.

    .. math::

        \\mathrm{seed}(p) = \\begin{cases}
          +1 & M_p \\ge q_{0.95}(M) \\\\
          -1 & M_p \\le q_{0.30}(M) \\\\
           0 & \\text{otherwise}
        \\end{cases}

    Simonyan, Vedaldi & Zisserman (2013), §3.2: the foreground colour model
    is estimated from the pixels above the 95 % quantile of the image's
    saliency, the background model from those below the 30 % quantile.

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Saliency map M, any real finite values.
    foreground_quantile, background_quantile : float
        The quantiles, 0 < background_quantile < foreground_quantile < 1.

    Returns
    -------
    ndarray of int8, shape (H, W)
        1 for foreground seeds, -1 for background seeds, 0 elsewhere.
        About 5 % and 30 % of the pixels with the defaults.

    Raises
    ------
    TypeError
        If ``saliency`` is not a numeric array.
    ValueError
        If it is not 2-D, holds NaN or inf, or the quantiles are out of
        order or range.

    Notes
    -----
    Convention: quantiles are ``np.quantile``'s linear interpolation, and
    pixels tied with a quantile join its seed set, so ties can make either
    set larger (a map that is zero on half the image gives 50 %
    background seeds).  A pixel at the map's minimum is never a foreground
    seed and one at its maximum never a background seed, so a constant map
    gives no seeds at all.

    Examples
    --------
    >>> saliency = np.arange(20, dtype=float).reshape(4, 5)
    >>> seeds = saliency_seeds(saliency)
    >>> int((seeds == 1).sum()), int((seeds == -1).sum())  # 5 % and 30 % of 20
    (1, 6)
    >>> int(np.abs(saliency_seeds(np.ones((4, 5)))).sum())
    0
    """
    values = check_map(saliency, name="saliency")
    fg_q, bg_q = _check_quantiles(foreground_quantile, background_quantile)
    high, low = np.quantile(values, [fg_q, bg_q])
    lowest, highest = values.min(), values.max()
    foreground = (values >= high) & (values > lowest)  # above the 95 % quantile
    background = (values <= low) & (values < highest) & ~foreground  # below the 30 % quantile
    seeds = np.zeros(values.shape, dtype=np.int8)
    seeds[foreground] = FOREGROUND
    seeds[background] = BACKGROUND
    return seeds


def graphcut_segmentation(
    image: npt.ArrayLike,
    seeds: npt.ArrayLike,
    *,
    iterations: int = 5,
    seed: int = 0,
) -> npt.NDArray[np.bool_]:
    """GraphCut colour segmentation from hard seeds (OpenCV's GrabCut).

    .. math::

        E(\\alpha) = \\sum_p -\\log p(z_p \\mid \\alpha_p, \\theta_{\\alpha_p})
          + \\gamma \\sum_{(p, q)} [\\alpha_p \\ne \\alpha_q]
            \\, e^{-\\beta \\lVert z_p - z_q \\rVert^2}

    Boykov & Jolly (2001) with Gaussian-mixture colour models θ (Rother,
    Kolmogorov & Blake 2004), as used by Simonyan, Vedaldi & Zisserman
    (2013), §3.2.  The labelling α minimising E is found by a min-cut; the
    mixtures are refitted to the new labels and the cut repeated.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        RGB image, float in [0, 1].
    seeds : ndarray of int, shape (H, W)
        1 foreground seed, -1 background seed, 0 unlabelled (as from
        :func:`saliency_seeds`); both kinds must be present.
    iterations : int
        GrabCut iterations (fit mixtures, cut), >= 1.
    seed : int
        Seed of OpenCV's random generator, used by the k-means that
        initialises the mixtures (>= 0).

    Returns
    -------
    ndarray of bool, shape (H, W)
        True for the pixels labelled foreground.

    Raises
    ------
    TypeError, ValueError
        If ``image`` is not an RGB image in [0, 1], ``seeds`` is not an
        integer map of the same size with values in {-1, 0, 1} holding
        both seed kinds, or a count is out of range.

    Notes
    -----
    * The seeds are hard constraints (``GC_FGD``, ``GC_BGD``).  OpenCV
      cannot leave a pixel unlabelled: the others start as probable
      background (``GC_PR_BGD``), so OpenCV's first background mixture is
      fitted to them as well as to the background seeds, where the paper
      fits it to the seeds alone.  Objects cover a minority of the image,
      so "probably background" is the better prior (probable foreground
      gave lower IoU on the course data).
    * ``cv2.setRNGSeed(seed)`` sets OpenCV's global generator of the
      calling thread, for reproducible results.
    * Convention: the image is converted to 8-bit BGR (round half up) at
      the OpenCV boundary; GrabCut uses 5 components per mixture and the
      8-neighbourhood.

    References
    ----------
    Y. Boykov, M.-P. Jolly, "Interactive graph cuts for optimal boundary &
    region segmentation of objects in N-D images", ICCV 2001,
    doi:10.1109/ICCV.2001.937505.
    C. Rother, V. Kolmogorov, A. Blake, "GrabCut: interactive foreground
    extraction using iterated graph cuts", SIGGRAPH 2004,
    doi:10.1145/1015706.1015720.
    K. Simonyan, A. Vedaldi, A. Zisserman, arXiv:1312.6034 (2013), §3.2.

    Examples
    --------
    >>> image = np.zeros((20, 20, 3)); image[5:15, 5:15] = (1.0, 0.2, 0.2)
    >>> seeds = np.zeros((20, 20), np.int8); seeds[9:11, 9:11] = 1; seeds[:2] = -1
    >>> int(graphcut_segmentation(image, seeds).sum())  # the 10×10 red square
    100
    """
    rgb = check_image(image, ndim=(3,), name="image")
    labels = _check_seeds(seeds, like=rgb)
    iterations = check_count(iterations, name="iterations", minimum=1, maximum=MAX_ITERATIONS)
    seed = check_count(seed, name="seed", minimum=0, maximum=_MAX_CV_SEED)
    if not (labels == FOREGROUND).any() or not (labels == BACKGROUND).any():
        raise ValueError(
            "seeds must hold both foreground (1) and background (-1) seeds, got "
            f"{int((labels == FOREGROUND).sum())} foreground and {int((labels == BACKGROUND).sum())} background"
        )
    bgr = cv2.cvtColor(np.floor(rgb * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)  # RGB [0, 1] -> BGR uint8
    mask = np.full(labels.shape, cv2.GC_PR_BGD, dtype=np.uint8)
    mask[labels == FOREGROUND] = cv2.GC_FGD
    mask[labels == BACKGROUND] = cv2.GC_BGD
    background_model = np.zeros((1, 65), np.float64)  # OpenCV's 5-component GMM buffers
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(seed)
    cv2.grabCut(bgr, mask, None, background_model, foreground_model, iterations, cv2.GC_INIT_WITH_MASK)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def _check_seeds(seeds: object, *, like: np.ndarray) -> np.ndarray:
    if not isinstance(seeds, np.ndarray):
        raise TypeError(f"seeds must be a numpy array, got {type(seeds).__name__}")
    if seeds.dtype == bool or not np.issubdtype(seeds.dtype, np.integer):
        raise TypeError(f"seeds must have an integer dtype (values -1, 0, 1), got {seeds.dtype}")
    if seeds.ndim != 2:
        raise ValueError(f"seeds must have shape (H, W), got shape {seeds.shape}")
    check_same_shape(like, seeds, names=("image", "seeds"))
    if not np.isin(seeds, (BACKGROUND, 0, FOREGROUND)).all():
        raise ValueError(f"seeds must hold only -1, 0 and 1, got values {np.unique(seeds)[:6].tolist()}")
    return seeds


def _check_connectivity(connectivity: object) -> int:
    if not isinstance(connectivity, (int, np.integer)) or isinstance(connectivity, (bool, np.bool_)):
        raise TypeError(f"connectivity must be the integer 4 or 8, got {type(connectivity).__name__}")
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    return int(connectivity)  # type: ignore[call-overload]


def largest_component(mask: npt.ArrayLike, *, connectivity: int = 8) -> npt.NDArray[np.bool_]:
    """The largest connected component of a binary mask.

    Simonyan, Vedaldi & Zisserman (2013), §3.2: "the object mask is the
    largest connected component of the GraphCut foreground".

    Parameters
    ----------
    mask : ndarray of bool, shape (H, W)
    connectivity : {4, 8}
        Pixel neighbourhood.

    Returns
    -------
    ndarray of bool, shape (H, W)
        All False when ``mask`` is empty.

    Raises
    ------
    TypeError
        If ``mask`` is not a boolean array.
    ValueError
        If it is not 2-D or ``connectivity`` is not 4 or 8.

    Notes
    -----
    Convention: of equally large components the first in row-major order
    (OpenCV's lowest label) is kept.  The paper does not state the
    connectivity; 8 is the default here.

    Examples
    --------
    >>> mask = np.zeros((5, 7), bool); mask[0, 0] = True; mask[2:4, 3:6] = True
    >>> int(largest_component(mask).sum()), bool(largest_component(mask)[0, 0])
    (6, False)
    """
    if not isinstance(mask, np.ndarray) or mask.dtype != bool:
        got = getattr(mask, "dtype", type(mask).__name__)
        raise TypeError(f"mask must be a boolean numpy array, got {got}")
    if mask.ndim != 2:
        raise ValueError(f"mask must have shape (H, W), got shape {mask.shape}")
    if mask.size == 0:  # OpenCV's connectedComponents crashes the interpreter on it
        raise ValueError(f"mask must not be empty, got shape {mask.shape}")
    _check_connectivity(connectivity)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=connectivity)
    if count <= 1:
        return np.zeros(mask.shape, dtype=bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))  # label 0 is the background
    return labels == largest


def localize(
    image: npt.ArrayLike,
    saliency: npt.ArrayLike,
    *,
    foreground_quantile: float = 0.95,
    background_quantile: float = 0.30,
    sigma: float = 0.0,
    iterations: int = 5,
    connectivity: int = 8,
    seed: int = 0,
) -> Localization:
    """Weakly supervised localisation: saliency seeds, GraphCut, largest component, box.

    .. math::

        \\text{mask} = \\mathrm{LCC}\\big(\\mathrm{GraphCut}(I;\\,
          \\{M \\ge q_{0.95}\\}, \\{M \\le q_{0.30}\\})\\big),
        \\qquad \\text{box} = \\mathrm{bbox}(\\text{mask})

    Simonyan, Vedaldi & Zisserman (2013), §3.2; see
    :func:`saliency_seeds`, :func:`graphcut_segmentation` and
    :func:`largest_component` for each step.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        RGB image, float in [0, 1].
    saliency : ndarray, shape (H, W)
        Its class saliency map (e.g. ``gradients.vanilla_saliency`` of the
        top-1 class), any finite real values.
    foreground_quantile, background_quantile : float
        Seed quantiles, 0 < background < foreground < 1 (paper: 0.95, 0.30).
    sigma : float
        Gaussian smoothing of the map, in pixels, before the quantiles
        (``baselines.blur_map``); 0 (default, the paper) for none.
    iterations : int
        GrabCut iterations (>= 1).
    connectivity : {4, 8}
        Neighbourhood of the connected components.
    seed : int
        Seed of OpenCV's generator (>= 0).

    Returns
    -------
    Localization
        ``seeds``, ``segmentation``, ``mask`` and ``box``.  When the map
        yields no foreground or no background seeds (a constant map), there
        is nothing to propagate: the segmentation and mask are empty and
        the box is (0, 0, 0, 0).

    Raises
    ------
    TypeError, ValueError
        For a bad image or map, maps of different size, or options out of
        range (see the step functions).

    Notes
    -----
    The paper repeats this for each of the top-5 predicted classes (an
    ILSVRC prediction is five boxes); course images hold one object, so
    callers pass the top-1 map.  ``sigma`` is not in the paper; the paper's
    maps were averaged over ten crops and flips, which smooths them too.

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps",
    ICLR workshop 2014, arXiv:1312.6034.

    Examples
    --------
    >>> image = np.full((32, 32, 3), 0.2); image[8:24, 10:22] = (0.9, 0.8, 0.1)
    >>> rows, cols = np.mgrid[0:32, 0:32]
    >>> saliency = np.exp(-((rows - 16) ** 2 + (cols - 16) ** 2) / 20.0)
    >>> result = localize(image, saliency)
    >>> result.box.tolist(), int(result.mask.sum())
    ([8, 10, 24, 22], 192)
    """
    rgb = check_image(image, ndim=(3,), name="image")
    values = check_map(saliency, name="saliency")
    check_same_shape(rgb, values, names=("image", "saliency"))
    sigma = check_positive(sigma, name="sigma", allow_zero=True)
    iterations = check_count(iterations, name="iterations", minimum=1, maximum=MAX_ITERATIONS)
    connectivity = _check_connectivity(connectivity)
    seed = check_count(seed, name="seed", minimum=0, maximum=_MAX_CV_SEED)
    smoothed = blur_map(values, sigma) if sigma > 0 else values
    seeds = saliency_seeds(
        smoothed, foreground_quantile=foreground_quantile, background_quantile=background_quantile
    )
    if not (seeds == FOREGROUND).any() or not (seeds == BACKGROUND).any():
        empty = np.zeros(values.shape, dtype=bool)
        return Localization(seeds, empty, empty.copy(), np.zeros(4, dtype=np.int64))
    segmentation = graphcut_segmentation(rgb, seeds, iterations=iterations, seed=seed)
    mask = largest_component(segmentation, connectivity=connectivity)
    return Localization(seeds, segmentation, mask, mask_boxes(mask))


def mask_iou(mask: npt.ArrayLike, true_mask: npt.ArrayLike) -> float:
    """Intersection over union of two boolean masks.

    .. math:: \\mathrm{IoU}(A, B) = \\frac{|A \\cap B|}{|A \\cup B|}

    Parameters
    ----------
    mask, true_mask : ndarray of bool, shape (H, W)

    Returns
    -------
    float
        In [0, 1]; 0 when both masks are empty (nothing was matched).

    Raises
    ------
    TypeError
        If either is not a boolean array.
    ValueError
        If their shapes differ.

    Examples
    --------
    >>> a = np.zeros((4, 4), bool); a[:2] = True
    >>> b = np.zeros((4, 4), bool); b[1:3] = True
    >>> round(mask_iou(a, b), 4)  # 4 shared of 12 covered
    0.3333
    """
    for value, name in ((mask, "mask"), (true_mask, "true_mask")):
        if not isinstance(value, np.ndarray) or value.dtype != bool:
            got = getattr(value, "dtype", type(value).__name__)
            raise TypeError(f"{name} must be a boolean numpy array, got {got}")
    if mask.shape != true_mask.shape:
        raise ValueError(f"mask and true_mask must have the same shape, got {mask.shape} and {true_mask.shape}")
    union = int(np.count_nonzero(mask | true_mask))
    return float(np.count_nonzero(mask & true_mask)) / union if union else 0.0


def _check_box(box: object, *, name: str) -> np.ndarray:
    array = np.asarray(box)
    if array.shape != (4,) or array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be 4 numbers (row0, col0, row1, col1), got {box!r}")
    if not np.all(np.isfinite(array)) or array[2] < array[0] or array[3] < array[1]:
        raise ValueError(f"{name} must be finite with row1 >= row0 and col1 >= col0, got {array.tolist()}")
    return array.astype(np.float64)


def box_iou(box: npt.ArrayLike, true_box: npt.ArrayLike) -> float:
    """Intersection over union of two boxes (row0, col0, row1, col1), ends exclusive.

    .. math:: \\mathrm{IoU} = \\frac{|A \\cap B|}{|A| + |B| - |A \\cap B|},
              \\qquad |A| = (r_1 - r_0)(c_1 - c_0)

    The ILSVRC localisation criterion counts a box as correct when its IoU
    with the true box is at least 0.5 (the measure behind the paper's
    46.4 % top-5 error).

    Parameters
    ----------
    box, true_box : array-like of 4 numbers
        (row0, col0, row1, col1) with row1 >= row0 and col1 >= col0.

    Returns
    -------
    float
        In [0, 1]; 0 when both boxes are empty.

    Raises
    ------
    ValueError
        If a box is not 4 finite numbers in that order.

    Examples
    --------
    >>> box_iou((0, 0, 10, 10), (5, 0, 15, 10))  # 50 shared of 150
    0.3333333333333333
    >>> box_iou((0, 0, 4, 4), (0, 0, 4, 4))
    1.0
    """
    a = _check_box(box, name="box")
    b = _check_box(true_box, name="true_box")
    height = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    width = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    intersection = height * width
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - intersection
    return float(intersection / union) if union > 0 else 0.0
