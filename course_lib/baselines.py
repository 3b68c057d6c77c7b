"""Fast classic saliency baselines.

Used in notebook 00 (§2–§4: LC histogram contrast) and notebook 05 (the other
fast methods).  Every method takes a course image (float (H, W, 3) RGB or
(H, W) grey in [0, 1]) and returns a float32 (H, W) map in [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import check_choice, check_image, check_positive, check_unit_range
from course_lib.images import to_grey, to_uint8

_LEVELS = 256
# Pixels compared at once in the O(N²) version: bounds memory to about
# _BRUTE_FORCE_CHUNK × N int16 values (~160 MB at 640×480).
_BRUTE_FORCE_CHUNK = 256


def normalize_range(values: np.ndarray) -> npt.NDArray[np.float32]:
    """Min–max rescale to [0, 1]; a constant array becomes all zeros.

    .. math:: S' = (S - \\min S) / (\\max S - \\min S)

    Examples
    --------
    >>> normalize_range(np.array([2.0, 4.0, 6.0])).tolist()
    [0.0, 0.5, 1.0]
    >>> normalize_range(np.full(3, 7.0)).tolist()
    [0.0, 0.0, 0.0]
    """
    values = np.asarray(values, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    if high - low <= 0 or not np.isfinite(high - low):
        return np.zeros(values.shape, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def lc_distance_table(levels: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Histogram-contrast table D[n] = Σ_m F_m |n − m| for every grey level n.

    .. math:: D[n] = \\sum_{m=0}^{255} F_m \\, |n - m|

    where :math:`F_m` is the number of pixels with level m (Zhai & Shah 2006,
    the O(N) form of eq. 1).  Building it costs O(N + 256²); the saliency of
    a pixel is then one table look-up, ``D[I_k]``.

    Parameters
    ----------
    levels : ndarray of uint8
        Quantised grey levels, any shape.

    Returns
    -------
    ndarray of int64, shape (256,)
        Exact integer sums (no rounding anywhere).

    Examples
    --------
    >>> lc_distance_table(np.array([0, 0, 255], np.uint8))[[0, 128, 255]].tolist()
    [255, 383, 510]
    """
    if not isinstance(levels, np.ndarray) or levels.dtype != np.uint8:
        raise TypeError(f"levels must be a uint8 array, got {getattr(levels, 'dtype', type(levels))}")
    counts = np.bincount(levels.ravel(), minlength=_LEVELS).astype(np.int64)
    grey = np.arange(_LEVELS, dtype=np.int64)
    distances = np.abs(grey[:, None] - grey[None, :])  # (256, 256): |n - m|
    return distances @ counts


def _lc_channel_lut(levels: np.ndarray) -> np.ndarray:
    return lc_distance_table(levels)[levels]


def _lc_channel_brute_force(levels: np.ndarray) -> np.ndarray:
    flat = levels.ravel().astype(np.int16)
    out = np.empty(flat.size, dtype=np.int64)
    for start in range(0, flat.size, _BRUTE_FORCE_CHUNK):
        block = flat[start : start + _BRUTE_FORCE_CHUNK]
        # (chunk, N) differences |I_k - I_i|; int16 holds ±255 exactly.
        out[start : start + block.size] = np.abs(block[:, None] - flat[None, :]).sum(axis=1, dtype=np.int64)
    return out.reshape(levels.shape)


def lc_saliency(
    image: npt.ArrayLike,
    *,
    channels: str = "grey",
    method: str = "lut",
    normalize: bool = True,
) -> npt.NDArray[np.float32]:
    """LC histogram-contrast saliency (Zhai & Shah 2006).

    The saliency of pixel k is its summed grey-level distance to every pixel
    of the image, which only depends on its own level :math:`I_k`:

    .. math::

        \\mathrm{SalS}(I_k) = \\sum_{i=1}^{N} |I_k - I_i|
                            = \\sum_{n=0}^{255} F_n \\, |I_k - n|

    (Zhai & Shah 2006, eq. 1 and its histogram form; :math:`F_n` is the
    number of pixels at level n).  The left side costs O(N²), the right side
    O(N) once the 256-entry table :func:`lc_distance_table` is built.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB or grey image, float in [0, 1].
    channels : {"grey", "rgb"}
        ``"grey"``: one map on the luma image (ITU-R BT.601, see
        :func:`course_lib.images.to_grey`).  ``"rgb"``: the paper's colour
        variant, :math:`S = S_R + S_G + S_B`, each channel on its own.
    method : {"lut", "brute_force"}
        ``"lut"`` is the O(N) table look-up; ``"brute_force"`` the O(N²)
        pairwise sum, kept as the reference the exercise is checked against
        (seconds at 320×240, about a minute at 640×480).
    normalize : bool
        If True (default) min–max rescale to [0, 1] (a constant image gives
        all zeros).  If False return the raw sums in grey-level units.

    Returns
    -------
    ndarray of float32, shape (H, W)

    Raises
    ------
    TypeError, ValueError
        For a non-array, wrong shape, NaN/inf or values outside [0, 1], or an
        unknown ``channels`` / ``method``.

    Notes
    -----
    Convention: levels are ``round(255 · x)``.  Both methods return the same
    integers exactly.  Zhai & Shah work on the grey image; the per-channel
    sum is their colour extension.  Wikipedia's restructured formula writes
    :math:`|I_m - I_n|` where :math:`|I_k - n|` is meant.

    References
    ----------
    Y. Zhai and M. Shah, "Visual attention detection in video sequences using
    spatiotemporal cues", ACM Multimedia 2006, doi:10.1145/1180639.1180824.

    Examples
    --------
    >>> image = np.array([[0.0, 0.0, 1.0]])
    >>> lc_saliency(image, normalize=False).tolist()
    [[255.0, 255.0, 510.0]]
    >>> lc_saliency(image).tolist()
    [[0.0, 0.0, 1.0]]
    """
    checked = check_image(image, ndim=(2, 3))
    check_unit_range(checked)
    check_choice(channels, ("grey", "rgb"), name="channels")
    compute = {"lut": _lc_channel_lut, "brute_force": _lc_channel_brute_force}[
        check_choice(method, ("lut", "brute_force"), name="method")
    ]
    if channels == "grey" or checked.ndim == 2:
        grey = checked if checked.ndim == 2 else to_grey(checked)
        raw = compute(to_uint8(grey))
    else:
        levels = to_uint8(checked)
        raw = sum(compute(np.ascontiguousarray(levels[:, :, k])) for k in range(3))
    if normalize:
        return normalize_range(raw)
    return raw.astype(np.float32)


def blur_map(saliency_map: npt.ArrayLike, sigma: float) -> npt.NDArray[np.float32]:
    """Gaussian-smooth a saliency map (a common post-processing step).

    .. math:: S_\\sigma = G_\\sigma * S

    Parameters
    ----------
    saliency_map : ndarray, shape (H, W)
        Map to smooth; not modified.
    sigma : float
        Standard deviation in pixels, >= 0; 0 returns an unchanged copy.

    Returns
    -------
    ndarray of float32, shape (H, W)

    Notes
    -----
    Convention: ``cv2.GaussianBlur`` with kernel size ⌈6σ⌉ rounded to odd and
    reflected borders (``BORDER_REFLECT_101``), so a map in [0, 1] stays in
    [0, 1].

    Examples
    --------
    >>> spike = np.zeros((15, 15), np.float32); spike[7, 7] = 1
    >>> smooth = blur_map(spike, 1.0)
    >>> bool(smooth[7, 7] < 1), round(float(smooth.sum()), 3)
    (True, 1.0)
    """
    checked = check_image(saliency_map, ndim=(2,), name="saliency_map")
    sigma = check_positive(sigma, name="sigma", allow_zero=True)
    if sigma == 0:
        return checked.astype(np.float32, copy=True)
    size = int(np.ceil(6 * sigma)) | 1
    return cv2.GaussianBlur(checked.astype(np.float32), (size, size), sigmaX=sigma, sigmaY=sigma)
