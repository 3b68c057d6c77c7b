"""Applications of saliency: cropping, seam carving and region-of-interest JPEG.

Used in notebook 09 (§1 cropping, §2 retargeting, §3 compression).  Every
function takes a saliency map that the caller computed with any method of the
course; :func:`compute_saliency` gets one from a method *name* of the command
line's registry (:data:`course_lib.methods.METHODS`: ``"lc"``,
``"spectral_residual"``, ``"frequency_tuned"``, the OpenCV methods and the
models that later notebooks register) or from any callable, at the image's
size.

The three applications:

* :func:`saliency_crop`: the window of a given aspect ratio and size that
  holds the most saliency, found exactly over every position with a
  summed-area table (:func:`window_sums`).
* :func:`carve_seams`: Avidan & Shamir's seam carving with the saliency map
  added to the gradient energy (:func:`seam_energy`), so seams go around
  salient objects.
* :func:`roi_jpeg`: one JPEG file whose salient blocks were coded at a high
  quality and the rest at a low one, compared with a uniform-quality JPEG of
  the same byte count (:func:`compare_roi_jpeg`).
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Union

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import (
    check_choice,
    check_count,
    check_image,
    check_map,
    check_number,
    check_shape,
    check_positive,
    check_same_shape,
)
from course_lib.images import from_opencv, to_grey, to_opencv
from course_lib.quadtree import psnr

SaliencySource = Union[str, Callable[[np.ndarray], np.ndarray]]

# JPEG codes colour images as 16×16 macroblocks (8×8 DCT blocks, chroma
# subsampled 2:1 both ways, OpenCV's default 4:2:0), so a region whose
# border follows this grid never shares a block between two qualities.
JPEG_BLOCK = 16

__all__ = [
    "Carving",
    "JPEG_BLOCK",
    "RoiJpeg",
    "carve_seams",
    "compare_roi_jpeg",
    "compute_saliency",
    "crop_size",
    "jpeg_decode",
    "jpeg_encode",
    "kept_fraction",
    "roi_jpeg",
    "saliency_crop",
    "salient_blocks",
    "seam_energy",
    "uniform_quality_for_size",
    "vertical_seam",
    "window_sums",
]


# --------------------------------------------------------------------------
# the saliency source
# --------------------------------------------------------------------------
MAX_WEIGHT = 1e6
"""Largest saliency weight λ of the seam energy (the energy stays finite in float32)."""


def compute_saliency(image: npt.ArrayLike, method: SaliencySource = "spectral_residual") -> npt.NDArray[np.float32]:
    """Saliency map of ``image`` at the image's own height and width.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        Course image, float RGB in [0, 1].
    method : str or callable
        A name in :data:`course_lib.methods.METHODS` (the registry of the
        ``saliency-course map --method`` command) or a function
        ``image -> map``.

    Returns
    -------
    ndarray of float32, shape (H, W), values >= 0
        The method's map; a coarser map (e.g. at Itti–Koch's scale 4) is
        resized to H×W.

    Raises
    ------
    TypeError
        If ``method`` is neither a string nor callable, or its map is not
        numeric.
    ValueError
        For an unknown method name, a bad ``image``, or a map that is not
        2-D, or holds NaN, inf or negative values.

    Notes
    -----
    Convention: a map of another size is resized with ``cv2.INTER_LINEAR``,
    as the command line does.  Names are looked up when called, so methods
    registered after import (a later notebook's model) are found too.

    Examples
    --------
    >>> from course_lib import images
    >>> saliency = compute_saliency(images.load_image("colour_pop_out"), "lc")
    >>> saliency.shape, saliency.dtype
    ((320, 320), dtype('float32'))
    """
    checked = check_image(image, ndim=(3,))
    function = _resolve(method)
    saliency = np.asarray(function(checked))
    saliency = check_map(saliency, name=f"the map of method {_label(method)}").astype(np.float32)
    if float(saliency.min()) < 0:
        raise ValueError(
            f"the map of method {_label(method)} must be >= 0, got minimum {float(saliency.min()):.4g}"
        )
    if saliency.shape != checked.shape[:2]:
        # linear interpolation of values >= 0 stays >= 0
        saliency = cv2.resize(saliency, checked.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    return saliency


def _resolve(method: SaliencySource) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(method, str):
        # Imported here, not at the top: the registry imports itti_koch and
        # baselines, and may register the later notebooks' models.
        from course_lib import methods

        return methods.resolve_method(method)
    if callable(method):
        return method
    raise TypeError(f"method must be a method name or a callable, got {type(method).__name__}")


def _label(method: SaliencySource) -> str:
    return repr(method) if isinstance(method, str) else getattr(method, "__name__", type(method).__name__)


def _check_map(saliency_map: object, name: str = "saliency_map") -> np.ndarray:
    checked = check_map(saliency_map, name=name)
    if float(checked.min()) < 0:
        raise ValueError(f"{name} must be >= 0, got minimum {float(checked.min()):.4g}")
    return checked


# --------------------------------------------------------------------------
# §1 cropping
# --------------------------------------------------------------------------
def crop_size(shape: tuple[int, ...], aspect_ratio: float, *, scale: float = 1.0) -> tuple[int, int]:
    """Height and width of the crop: the largest window of ``aspect_ratio`` that fits, times ``scale``.

    .. math::

        (h_0, w_0) = \\begin{cases} (H, \\; a H) & a \\le W / H \\\\
                                    (W / a, \\; W) & a > W / H \\end{cases},
        \\qquad (h, w) = (s h_0, \\; s w_0)

    with :math:`a` = width / height and :math:`s` the scale.

    Parameters
    ----------
    shape : tuple of int
        The image's shape; its first two entries are H and W.
    aspect_ratio : float
        Width divided by height of the crop, > 0 (16/9 for wide, 1 square).
    scale : float
        Side of the crop relative to the largest window, in (0, 1].

    Returns
    -------
    (h, w) : tuple of int
        Each at least 1 and at most the image's side.

    Raises
    ------
    TypeError, ValueError
        If ``aspect_ratio`` is not a positive number or ``scale`` is not in (0, 1].

    Notes
    -----
    Convention: sides are rounded half to even (Python's ``round``), so the
    crop's ratio matches ``aspect_ratio`` to within one pixel.

    Examples
    --------
    >>> crop_size((300, 400), 1.0)
    (300, 300)
    >>> crop_size((300, 400), 16 / 9, scale=0.5)
    (112, 200)
    """
    ratio = check_positive(aspect_ratio, name="aspect_ratio")
    factor = check_positive(scale, name="scale")
    if factor > 1:
        raise ValueError(f"scale must be in (0, 1], got {scale!r}")
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__"):
        raise TypeError(f"shape must be a sequence (H, W, ...) of integers, got {type(shape).__name__}")
    if len(shape) < 2:
        raise ValueError(f"shape must start with a positive height and width, got {tuple(shape)}")
    height, width = check_shape(tuple(shape[:2]), name="shape")
    if ratio <= width / height:
        full_h, full_w = height, height * ratio
    else:
        full_h, full_w = width / ratio, width
    crop_h = min(height, max(1, round(full_h * factor)))
    crop_w = min(width, max(1, round(full_w * factor)))
    return crop_h, crop_w


def window_sums(saliency_map: npt.ArrayLike, height: int, width: int) -> npt.NDArray[np.float64]:
    """Saliency summed over every ``height`` × ``width`` window, from a summed-area table.

    .. math::

        T_{i,j} = \\sum_{i' < i} \\sum_{j' < j} S_{i'j'}, \\qquad
        \\Sigma(r, c) = T_{r+h,\\,c+w} - T_{r,\\,c+w} - T_{r+h,\\,c} + T_{r,c}

    (the summed-area table of Crow 1984, the "integral image" of Viola &
    Jones 2001, §2.1): one pass builds T, then every window's sum costs four
    look-ups, so all :math:`(H-h+1)(W-w+1)` positions cost O(HW) together.

    Parameters
    ----------
    saliency_map : ndarray, shape (H, W)
        Non-negative map.
    height, width : int
        Window size in pixels, 1 ≤ height ≤ H and 1 ≤ width ≤ W.

    Returns
    -------
    ndarray of float64, shape (H - height + 1, W - width + 1)
        Entry (r, c) is the sum over rows r … r+height−1 and columns
        c … c+width−1.

    Raises
    ------
    TypeError, ValueError
        For a bad map or a window that does not fit.

    Notes
    -----
    Convention: the table is accumulated in float64 with a zero first row and
    column, so no window needs a special case at the border.

    References
    ----------
    .. [1] F. C. Crow, "Summed-area tables for texture mapping", SIGGRAPH
       1984, Computer Graphics 18(3), 207–212. doi:10.1145/800031.808600
    .. [2] P. Viola and M. Jones, "Rapid object detection using a boosted
       cascade of simple features", CVPR 2001. doi:10.1109/CVPR.2001.990517

    Examples
    --------
    >>> window_sums(np.arange(12.0).reshape(3, 4), 2, 2)
    array([[10., 14., 18.],
           [26., 30., 34.]])
    """
    checked = _check_map(saliency_map)
    height = check_count(height, name="height", minimum=1)
    width = check_count(width, name="width", minimum=1)
    if height > checked.shape[0] or width > checked.shape[1]:
        raise ValueError(
            f"height and width (the window ({height}, {width})) must fit in saliency_map of shape {checked.shape}"
        )
    table = np.zeros((checked.shape[0] + 1, checked.shape[1] + 1), dtype=np.float64)
    table[1:, 1:] = checked.astype(np.float64).cumsum(axis=0).cumsum(axis=1)
    return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]


def saliency_crop(
    saliency_map: npt.ArrayLike, aspect_ratio: float, *, scale: float = 1.0
) -> tuple[int, int, int, int]:
    """The crop of a given aspect ratio that keeps the most saliency.

    .. math::

        (r^*, c^*) = \\arg\\max_{r, c} \\sum_{i=r}^{r+h-1} \\sum_{j=c}^{c+w-1} S_{ij}

    over every position of the :math:`h \\times w` window of
    :func:`crop_size` — an exact search, each sum from the summed-area table
    of :func:`window_sums`.  This is the brute-force search over windows of
    Suh, Ling, Bederson & Jacobs (2003) made O(HW) per scale.

    Parameters
    ----------
    saliency_map : ndarray, shape (H, W)
        Non-negative map at the image's size.
    aspect_ratio : float
        Width / height of the crop, > 0.
    scale : float
        Crop size relative to the largest window of that ratio, in (0, 1].

    Returns
    -------
    (row0, col0, row1, col1) : tuple of int
        The box, ends exclusive: ``image[row0:row1, col0:col1]`` is the crop.

    Raises
    ------
    TypeError, ValueError
        For a bad map, ratio or scale.

    Notes
    -----
    Convention: ties (windows whose sums differ by less than 1e-9 of the
    map's total, e.g. every window of an all-zero map) go to the window whose
    centre is nearest the image's centre, then to the first in row-major
    order.  Suh et al. also search over sizes, for the smallest window that
    keeps a chosen share of the saliency; here the size is the caller's
    (``scale``) and only the position is optimised.

    References
    ----------
    .. [1] B. Suh, H. Ling, B. B. Bederson and D. W. Jacobs, "Automatic
       thumbnail cropping and its effectiveness", UIST 2003.
       doi:10.1145/964696.964707

    Examples
    --------
    >>> saliency = np.zeros((6, 8)); saliency[1:3, 5:7] = 1
    >>> saliency_crop(saliency, 1.0, scale=0.5)
    (1, 4, 4, 7)
    >>> saliency_crop(np.zeros((6, 8)), 1.0, scale=0.5)  # no saliency: centred
    (1, 2, 4, 5)
    """
    checked = _check_map(saliency_map)
    crop_h, crop_w = crop_size(checked.shape, aspect_ratio, scale=scale)
    sums = window_sums(checked, crop_h, crop_w)
    tolerance = 1e-9 * max(float(checked.sum(dtype=np.float64)), np.finfo(np.float64).tiny)
    rows, cols = np.nonzero(sums >= sums.max() - tolerance)
    centre_rows = rows + (crop_h - 1) / 2 - (checked.shape[0] - 1) / 2
    centre_cols = cols + (crop_w - 1) / 2 - (checked.shape[1] - 1) / 2
    best = int(np.argmin(centre_rows**2 + centre_cols**2))  # argmin keeps the first of equal distances
    row0, col0 = int(rows[best]), int(cols[best])
    return row0, col0, row0 + crop_h, col0 + crop_w


def kept_fraction(saliency_map: npt.ArrayLike, box: tuple[int, int, int, int]) -> float:
    """Share of the map's total saliency inside ``box`` (row0, col0, row1, col1), in [0, 1].

    An all-zero map gives 0.

    Examples
    --------
    >>> saliency = np.zeros((4, 4)); saliency[0, 0] = 3; saliency[3, 3] = 1
    >>> kept_fraction(saliency, (0, 0, 2, 2))
    0.75
    """
    checked = _check_map(saliency_map)
    if isinstance(box, (str, bytes)) or not hasattr(box, "__len__"):
        raise TypeError(f"box must be (row0, col0, row1, col1), got {type(box).__name__}")
    if len(box) != 4:
        raise ValueError(f"box must be (row0, col0, row1, col1), got {box!r}")
    row0, col0, row1, col1 = (check_count(value, name="box") for value in box)
    if not (0 <= row0 < row1 <= checked.shape[0] and 0 <= col0 < col1 <= checked.shape[1]):
        raise ValueError(f"box must lie inside saliency_map of shape {checked.shape}, got {box!r}")
    total = float(checked.sum(dtype=np.float64))
    if total == 0:
        return 0.0
    return float(checked[row0:row1, col0:col1].sum(dtype=np.float64)) / total


# --------------------------------------------------------------------------
# §2 seam carving
# --------------------------------------------------------------------------
class Carving(NamedTuple):
    """Result of :func:`carve_seams`.

    Attributes
    ----------
    image : ndarray of float32, shape (H, W - n, 3) or (H - n, W, 3)
        The retargeted image.
    saliency_map : ndarray of float32, same height and width as ``image``
        The saliency map carved along with it (zeros when none was given).
    kept : ndarray of bool, shape (H, W)
        True at the pixels of the *original* image that survive.
    """

    image: npt.NDArray[np.float32]
    saliency_map: npt.NDArray[np.float32]
    kept: npt.NDArray[np.bool_]


def _gradient_energy(grey: np.ndarray) -> np.ndarray:
    # eq. 1 of Avidan & Shamir, e1 = |dI/dx| + |dI/dy|, with each derivative
    # taken as the mean absolute difference to the two neighbours (edge
    # replicated): central differences would give a one-pixel line zero energy.
    padded = np.pad(grey, 1, mode="edge")
    rows = np.abs(np.diff(padded[:, 1:-1], axis=0))  # (H + 1, W) differences between rows
    cols = np.abs(np.diff(padded[1:-1, :], axis=1))  # (H, W + 1) differences between columns
    return (rows[:-1] + rows[1:] + cols[:, :-1] + cols[:, 1:]) / 2


def seam_energy(
    image: npt.ArrayLike, saliency_map: npt.ArrayLike | None = None, *, weight: float = 1.0
) -> npt.NDArray[np.float32]:
    """Seam-carving energy: gradient magnitude plus weighted saliency.

    .. math::

        E(i, j) = \\left|\\frac{\\partial I}{\\partial x}\\right|
                + \\left|\\frac{\\partial I}{\\partial y}\\right|
                + \\lambda \\, \\frac{S(i, j)}{\\max S}

    The first two terms are :math:`e_1` of Avidan & Shamir (2007), eq. 1, on
    the grey image I; the last adds a saliency map, scaled to [0, λ] (the
    paper compares a visual-saliency energy with :math:`e_1` among its
    energy functions; here the two are summed).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        Course image, float in [0, 1].
    saliency_map : ndarray, shape (H, W), optional
        Non-negative map; None (or all zeros) leaves only :math:`e_1`.
    weight : float
        λ ≥ 0, the energy of the most salient pixel.  A grey edge from 0
        to 1 has :math:`e_1` = 0.5 on each side, so λ = 1 (default) makes
        the most salient pixel cost as much as two such edge pixels.

    Returns
    -------
    ndarray of float32, shape (H, W), values >= 0

    Raises
    ------
    TypeError, ValueError
        For a bad image or map, maps of different sizes, or a negative weight.

    Notes
    -----
    Convention: I is ITU-R BT.601 luma; each derivative is the mean of the
    absolute differences to the two neighbours along its axis,
    :math:`|\\partial I / \\partial x| \\approx (|I_{i,j+1} - I_{ij}| + |I_{ij} - I_{i,j-1}|)/2`,
    with the border replicated.  Central differences,
    :math:`|I_{i,j+1} - I_{i,j-1}|/2`, would give the middle of a one-pixel
    line zero energy, so seams would cut straight through thin lines.

    References
    ----------
    .. [1] S. Avidan and A. Shamir, "Seam carving for content-aware image
       resizing", ACM Transactions on Graphics 26(3), 10, 2007 (SIGGRAPH).
       doi:10.1145/1276377.1276390

    Examples
    --------
    >>> step = np.zeros((2, 4)); step[:, 2:] = 1
    >>> seam_energy(step).tolist()
    [[0.0, 0.5, 0.5, 0.0], [0.0, 0.5, 0.5, 0.0]]
    >>> seam_energy(step, np.eye(2, 4), weight=2.0)[0].tolist()
    [2.0, 0.5, 0.5, 0.0]
    """
    checked = check_image(image, ndim=(2, 3))
    lam = check_number(check_positive(weight, name="weight", allow_zero=True), name="weight", maximum=MAX_WEIGHT)
    energy = _gradient_energy(to_grey(checked).astype(np.float64))
    if saliency_map is not None:
        saliency = _check_map(saliency_map)
        check_same_shape(checked, saliency, names=("image", "saliency_map"))
        energy = energy + lam * _unit_peak(saliency)
    return np.asarray(energy, dtype=np.float32)


def _unit_peak(saliency: np.ndarray) -> np.ndarray:
    peak = float(saliency.max())
    return saliency.astype(np.float64) / peak if peak > 0 else np.zeros(saliency.shape)


def vertical_seam(energy: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The 8-connected top-to-bottom path of least total energy, by dynamic programming.

    .. math::

        M(i, j) = E(i, j) + \\min\\big(M(i-1, j-1),\\, M(i-1, j),\\, M(i-1, j+1)\\big)

    then back-tracking from :math:`\\arg\\min_j M(H-1, j)` (Avidan & Shamir
    2007, §3).  Each row is one vectorised step over all columns.

    Parameters
    ----------
    energy : ndarray, shape (H, W)
        Non-negative energy.

    Returns
    -------
    ndarray of int64, shape (H,)
        The seam's column in every row; neighbouring rows differ by at most 1.

    Raises
    ------
    TypeError, ValueError
        For an energy that is not a finite, non-negative 2-D array.

    Notes
    -----
    Convention: on ties the path goes straight down, then left, then right;
    the end column is the leftmost of equal minima.

    Examples
    --------
    >>> energy = np.array([[1, 9, 9], [9, 1, 9], [9, 9, 1]], float)
    >>> vertical_seam(energy).tolist()
    [0, 1, 2]
    """
    checked = _check_map(energy, name="energy").astype(np.float64)
    height, width = checked.shape
    cost = checked.copy()
    step = np.zeros((height, width), dtype=np.int8)
    columns = np.arange(width)
    for i in range(1, height):
        previous = cost[i - 1]
        # (3, W) candidates, ordered straight, left, right so that argmin breaks ties that way
        options = np.full((3, width), np.inf)
        options[0] = previous
        options[1, 1:] = previous[:-1]
        options[2, :-1] = previous[1:]
        choice = options.argmin(axis=0)
        cost[i] += options[choice, columns]
        step[i] = np.array([0, -1, 1], dtype=np.int8)[choice]
    seam = np.empty(height, dtype=np.int64)
    seam[-1] = int(np.argmin(cost[-1]))
    for i in range(height - 1, 0, -1):
        seam[i - 1] = seam[i] + step[i, seam[i]]
    return seam


def _remove(array: np.ndarray, seam: np.ndarray) -> np.ndarray:
    keep = np.ones(array.shape[:2], dtype=bool)
    keep[np.arange(array.shape[0]), seam] = False
    return array[keep].reshape(array.shape[0], array.shape[1] - 1, *array.shape[2:])


def carve_seams(
    image: npt.ArrayLike,
    n_seams: int,
    *,
    saliency_map: npt.ArrayLike | None = None,
    weight: float = 1.0,
    direction: str = "vertical",
) -> Carving:
    """Retarget an image by removing ``n_seams`` seams of least energy, one at a time.

    Each step finds the least-energy seam of :func:`seam_energy` with
    :func:`vertical_seam`, removes it from the image and the saliency map,
    and recomputes the gradient term on the carved image, as Avidan & Shamir
    (2007) do between seams.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        Course image, float RGB in [0, 1]; not modified.
    n_seams : int
        Seams to remove, 0 ≤ n_seams < W (vertical) or < H (horizontal).
    saliency_map : ndarray, shape (H, W), optional
        Non-negative map added to the energy with weight λ; None carves on
        the gradient alone, as the paper's :math:`e_1`.
    weight : float
        λ of :func:`seam_energy`.
    direction : {"vertical", "horizontal"}
        Vertical seams (top to bottom) make the image narrower; horizontal
        ones make it lower.

    Returns
    -------
    Carving
        The carved image and map, and a mask of the original pixels kept.

    Raises
    ------
    TypeError, ValueError
        For a bad image, map, count, weight or direction.

    Notes
    -----
    Departure from the paper: the saliency term is carved along with the
    image, not recomputed after each seam (recomputing a saliency model per
    seam would cost a full model run each time; removing a seam barely
    changes which object is salient).  The saliency term is normalised once,
    by the maximum of the input map.  Cost: O(n_seams · H · W).

    Examples
    --------
    >>> image = np.zeros((4, 5, 3), np.float32); image[:, 2] = 1.0
    >>> carved = carve_seams(image, 2)
    >>> carved.image.shape, carved.kept[0].tolist()
    ((4, 3, 3), [False, True, True, True, False])
    """
    checked = check_image(image, ndim=(3,))
    check_choice(direction, ("vertical", "horizontal"), name="direction")
    check_positive(weight, name="weight", allow_zero=True)
    if saliency_map is None:
        saliency = np.zeros(checked.shape[:2], dtype=np.float32)
    else:
        saliency = _check_map(saliency_map)
        check_same_shape(checked, saliency, names=("image", "saliency_map"))
    count = check_count(n_seams, name="n_seams", minimum=0)
    horizontal = direction == "horizontal"
    if horizontal:  # carve the transposed arrays with vertical seams
        checked, saliency = checked.transpose(1, 0, 2), saliency.T
    height, width = saliency.shape
    if count >= width:
        side = "height" if horizontal else "width"
        raise ValueError(f"n_seams must be smaller than the image's {side} {width}, got {count}")
    carved = np.array(checked, dtype=np.float32)
    grey = to_grey(carved).astype(np.float64)
    scaled = _unit_peak(saliency) * float(weight)
    kept_saliency = np.array(saliency, dtype=np.float32)
    positions = np.broadcast_to(np.arange(width), (height, width)).copy()  # original column of each pixel
    for _ in range(count):
        seam = vertical_seam(_gradient_energy(grey) + scaled)
        carved, grey, scaled = _remove(carved, seam), _remove(grey, seam), _remove(scaled, seam)
        kept_saliency, positions = _remove(kept_saliency, seam), _remove(positions, seam)
    kept = np.zeros((height, width), dtype=bool)
    kept[np.arange(height)[:, None], positions] = True
    if horizontal:
        carved, kept_saliency, kept = carved.transpose(1, 0, 2), kept_saliency.T, kept.T
    return Carving(
        image=np.ascontiguousarray(carved), saliency_map=np.ascontiguousarray(kept_saliency), kept=np.ascontiguousarray(kept)
    )


# --------------------------------------------------------------------------
# §3 region-of-interest JPEG
# --------------------------------------------------------------------------
def _check_quality(quality: object, name: str) -> int:
    value = check_count(quality, name=name, minimum=1)
    if value > 100:
        raise ValueError(f"{name} must be an integer from 1 to 100, got {value}")
    return value


def jpeg_encode(image: npt.ArrayLike, quality: int) -> bytes:
    """Encode a course image as a baseline JPEG file (OpenCV / libjpeg) and return its bytes.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        Course image, float RGB in [0, 1] (quantised to 8 bits first).
    quality : int
        libjpeg quality, 1 (smallest) to 100.

    Returns
    -------
    bytes
        The complete file; ``len()`` is its size.

    Notes
    -----
    Convention: OpenCV's defaults: 4:2:0 chroma subsampling, baseline,
    standard IJG tables scaled by ``quality``, no optimised Huffman tables.

    Examples
    --------
    >>> data = jpeg_encode(np.zeros((16, 16, 3)), 90)
    >>> data[:2], data[-2:]
    (b'\\xff\\xd8', b'\\xff\\xd9')
    """
    checked = check_image(image, ndim=(3,))
    level = _check_quality(quality, "quality")
    ok, encoded = cv2.imencode(".jpg", to_opencv(checked), [cv2.IMWRITE_JPEG_QUALITY, level])
    if not ok:  # pragma: no cover - libjpeg accepts every uint8 BGR image
        raise ValueError(f"image of shape {checked.shape} could not be encoded as JPEG")
    return encoded.tobytes()


def jpeg_decode(data: bytes) -> npt.NDArray[np.float32]:
    """Decode JPEG bytes into a course image (float32 RGB in [0, 1]).

    Examples
    --------
    >>> jpeg_decode(jpeg_encode(np.ones((8, 8, 3)), 95)).shape
    (8, 8, 3)
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if decoded is None:
        raise ValueError(f"data ({len(data)} bytes) could not be decoded as an image")
    return from_opencv(decoded)


def salient_blocks(
    saliency_map: npt.ArrayLike, *, threshold: float = 0.5, block: int = JPEG_BLOCK
) -> npt.NDArray[np.bool_]:
    """The salient region as whole JPEG blocks: blocks whose mean saliency reaches ``threshold`` × the largest.

    .. math::

        R = \\bigcup \\{ b : \\bar S_b \\ge \\tau \\max_{b'} \\bar S_{b'} \\}

    where :math:`\\bar S_b` is the mean of the map over block b of
    ``block`` × ``block`` pixels on the grid that starts at (0, 0).

    Parameters
    ----------
    saliency_map : ndarray, shape (H, W)
        Non-negative map.
    threshold : float
        τ in (0, 1]: 1 keeps only the most salient block(s), smaller values
        grow the region.
    block : int
        Block side in pixels, ≥ 1 (16: a JPEG macroblock with 4:2:0 chroma).

    Returns
    -------
    ndarray of bool, shape (H, W)
        True inside the region.  An all-zero map gives an empty region.

    Raises
    ------
    TypeError, ValueError
        For a bad map, a threshold outside (0, 1] or a block < 1.

    Notes
    -----
    Convention: blocks cut by the right or bottom border average over the
    pixels they have.

    Examples
    --------
    >>> saliency = np.zeros((32, 32)); saliency[2:6, 20:24] = 1
    >>> region = salient_blocks(saliency)
    >>> int(region.sum()), region[0, 16], region[0, 15]
    (256, np.True_, np.False_)
    """
    checked = _check_map(saliency_map)
    tau = check_positive(threshold, name="threshold")
    if tau > 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    # one block of side >= max(H, W) covers the map, whatever its size: cap it (same result, bounded memory)
    side = min(check_count(block, name="block", minimum=1), max(checked.shape))
    height, width = checked.shape
    rows, cols = -(-height // side), -(-width // side)
    padded = np.zeros((rows * side, cols * side), dtype=np.float64)
    padded[:height, :width] = checked
    counts = np.zeros_like(padded)
    counts[:height, :width] = 1
    # (rows·side, cols·side) -> (rows, cols) block sums
    sums = padded.reshape(rows, side, cols, side).sum(axis=(1, 3))
    means = sums / counts.reshape(rows, side, cols, side).sum(axis=(1, 3))
    peak = float(means.max())
    if peak <= 0:
        return np.zeros((height, width), dtype=bool)
    chosen = means >= tau * peak
    return np.repeat(np.repeat(chosen, side, axis=0), side, axis=1)[:height, :width]


class RoiJpeg(NamedTuple):
    """Result of :func:`roi_jpeg` and :func:`compare_roi_jpeg`.

    Attributes
    ----------
    data : bytes
        The region-of-interest JPEG file.
    decoded : ndarray of float32, shape (H, W, 3)
        ``data`` decoded.
    region : ndarray of bool, shape (H, W)
        The salient region (whole blocks) coded at ``quality_inside``.
    psnr_inside, psnr_outside : float
        PSNR (dB) of ``decoded`` against the original inside and outside the
        region (100 dB where a part is empty or exact).
    uniform_quality : int or None
        The uniform quality of the same byte count (:func:`compare_roi_jpeg`).
    uniform_data : bytes or None
        That uniform JPEG file.
    uniform_psnr_inside, uniform_psnr_outside : float or None
        Its PSNR inside and outside the region.
    """

    data: bytes
    decoded: npt.NDArray[np.float32]
    region: npt.NDArray[np.bool_]
    psnr_inside: float
    psnr_outside: float
    uniform_quality: int | None = None
    uniform_data: bytes | None = None
    uniform_psnr_inside: float | None = None
    uniform_psnr_outside: float | None = None


def _region_psnr(reference: np.ndarray, decoded: np.ndarray, region: np.ndarray) -> tuple[float, float]:
    inside = psnr(reference[region], decoded[region]) if region.any() else 100.0
    outside = psnr(reference[~region], decoded[~region]) if (~region).any() else 100.0
    return inside, outside


def roi_jpeg(
    image: npt.ArrayLike,
    saliency_map: npt.ArrayLike,
    *,
    quality_inside: int = 90,
    quality_outside: int = 10,
    threshold: float = 0.5,
) -> RoiJpeg:
    """One JPEG file with the salient blocks at a high quality and the rest at a low one.

    Baseline JPEG has one quantisation table per colour component for the
    whole file, so the two qualities are composed before the last encoding:

    .. math::

        \\tilde I = \\mathbb{1}_R \\, I + (1 - \\mathbb{1}_R)\\,
                    D\\big(J_{q_{out}}(I)\\big), \\qquad
        \\text{file} = J_{q_{in}}(\\tilde I)

    with :math:`J_q` the JPEG encoder at quality q, D the decoder and R the
    block-aligned region of :func:`salient_blocks`.  Outside R the coarse
    encoding has already set most DCT coefficients to zero; re-encoding at
    :math:`q_{in}` on the same block grid keeps them near zero, so those
    blocks stay cheap.  This is the two-level form of saliency-based
    foveation (Itti 2004), which blurs the periphery instead.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        Course image, float RGB in [0, 1].
    saliency_map : ndarray, shape (H, W)
        Non-negative map at the image's size.
    quality_inside, quality_outside : int
        JPEG qualities (1–100) of the salient region and of the rest.
    threshold : float
        τ of :func:`salient_blocks`.

    Returns
    -------
    RoiJpeg
        The file, its decoding, the region and the PSNR inside and outside
        it (the ``uniform_*`` fields are None; see :func:`compare_roi_jpeg`).

    Raises
    ------
    TypeError, ValueError
        For a bad image or map, maps of different sizes, or a quality or
        threshold out of range.

    Notes
    -----
    Convention: the region follows the 16-pixel macroblock grid (4:2:0), so
    no 8×8 block mixes the two qualities; the outside is coded twice
    (generation loss), which the PSNR outside includes.

    References
    ----------
    .. [1] L. Itti, "Automatic foveation for video compression using a
       neurobiological model of visual attention", IEEE Transactions on
       Image Processing 13(10), 1304–1318, 2004. doi:10.1109/TIP.2004.834657

    Examples
    --------
    >>> from course_lib import images
    >>> image = images.load_image("colour_pop_out")
    >>> saliency = np.zeros(image.shape[:2]); saliency[80:112, 208:240] = 1
    >>> result = roi_jpeg(image, saliency)
    >>> int(result.region.sum()), result.psnr_inside > result.psnr_outside
    (1024, True)
    """
    checked = check_image(image, ndim=(3,))
    saliency = _check_map(saliency_map)
    check_same_shape(checked, saliency, names=("image", "saliency_map"))
    inside = _check_quality(quality_inside, "quality_inside")
    outside = _check_quality(quality_outside, "quality_outside")
    region = salient_blocks(saliency, threshold=threshold)
    coarse = jpeg_decode(jpeg_encode(checked, outside))
    composed = np.where(region[:, :, None], checked, coarse)
    data = jpeg_encode(composed, inside)
    decoded = jpeg_decode(data)
    psnr_in, psnr_out = _region_psnr(checked, decoded, region)
    return RoiJpeg(data=data, decoded=decoded, region=region, psnr_inside=psnr_in, psnr_outside=psnr_out)


def uniform_quality_for_size(image: npt.ArrayLike, n_bytes: int) -> tuple[int, bytes]:
    """The lowest uniform JPEG quality whose file has at least ``n_bytes``, by bisection.

    Finds the smallest q in 1 … 100 with :math:`|J_q(I)| \\ge n` in about
    seven encodings, so a uniform JPEG compared with another file of n bytes
    gets at least as many bytes (the comparison favours the uniform file).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        Course image, float RGB in [0, 1].
    n_bytes : int
        Target file size, ≥ 1.

    Returns
    -------
    (quality, data) : tuple of int and bytes
        Quality 100 if even that file is smaller than ``n_bytes``.

    Notes
    -----
    Convention: bisection assumes the file size grows with the quality,
    which holds for libjpeg's scaled tables up to rare one-step exceptions;
    there the returned quality is still one whose file has ≥ ``n_bytes``.

    Examples
    --------
    >>> from course_lib import images
    >>> image = images.load_image("colour_pop_out")
    >>> quality, data = uniform_quality_for_size(image, len(jpeg_encode(image, 50)))
    >>> quality <= 50 and len(data) >= len(jpeg_encode(image, 50))
    True
    """
    checked = check_image(image, ndim=(3,))
    target = check_count(n_bytes, name="n_bytes", minimum=1)
    low, high = 1, 100
    best = jpeg_encode(checked, high)
    if len(best) < target:
        return high, best
    while low < high:  # invariant: size(high) >= target
        middle = (low + high) // 2
        data = jpeg_encode(checked, middle)
        if len(data) >= target:
            high, best = middle, data
        else:
            low = middle + 1
    return high, best  # best is always the encoding at quality `high`


def compare_roi_jpeg(
    image: npt.ArrayLike,
    saliency_map: npt.ArrayLike,
    *,
    quality_inside: int = 90,
    quality_outside: int = 10,
    threshold: float = 0.5,
) -> RoiJpeg:
    """Region-of-interest JPEG against a uniform JPEG of the same byte count.

    Runs :func:`roi_jpeg`, then :func:`uniform_quality_for_size` with the ROI
    file's size, and reports the PSNR of both inside and outside the salient
    region:

    .. math:: \\mathrm{PSNR}_R = 10 \\log_{10} \\frac{1}{\\frac{1}{3|R|}\\sum_{p \\in R} \\lVert \\hat I_p - I_p \\rVert^2}

    Parameters and Raises are those of :func:`roi_jpeg`.

    Returns
    -------
    RoiJpeg
        With every field filled in; ``len(result.uniform_data) >=
        len(result.data)``.

    Examples
    --------
    >>> from course_lib import images
    >>> image = images.load_image("astronaut")[::2, ::2]
    >>> saliency = np.zeros(image.shape[:2]); saliency[16:112, 64:160] = 1  # the face
    >>> result = compare_roi_jpeg(image, saliency)
    >>> len(result.uniform_data) >= len(result.data), result.psnr_inside > result.uniform_psnr_inside
    (True, True)
    """
    result = roi_jpeg(
        image, saliency_map, quality_inside=quality_inside, quality_outside=quality_outside, threshold=threshold
    )
    reference = check_image(image, ndim=(3,))
    quality, data = uniform_quality_for_size(reference, len(result.data))
    uniform_in, uniform_out = _region_psnr(reference, jpeg_decode(data), result.region)
    return result._replace(
        uniform_quality=quality, uniform_data=data, uniform_psnr_inside=uniform_in, uniform_psnr_outside=uniform_out
    )
