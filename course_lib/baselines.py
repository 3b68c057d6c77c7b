"""Fast classic saliency baselines.

Used in notebook 00 (§2–§4: LC histogram contrast) and notebook 05 (the other
fast methods).  Every method takes a course image (float (H, W, 3) RGB or
(H, W) grey in [0, 1]) and returns a float32 (H, W) map in [0, 1].
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import (
    check_array,
    check_choice,
    check_image,
    MAX_IMAGE_PIXELS,
    check_count,
    check_map,
    check_numbers,
    check_shape,
    check_positive,
)
from course_lib.images import to_grey, to_opencv, to_uint8

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
    values = check_numbers(values, name="values")
    if values.size == 0:
        raise ValueError(f"values must not be empty, got shape {values.shape}")
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


MAX_SIGMA = 1000.0
"""Largest blur σ in pixels (a 6001-tap kernel); larger ones are refused, not slow."""

MAX_WIDTH = 4096
"""Largest working width of :func:`spectral_residual` (the paper uses 64)."""


def _check_sigma(sigma: object) -> float:
    value = check_positive(sigma, name="sigma", allow_zero=True)
    if value > MAX_SIGMA:
        raise ValueError(f"sigma must be a finite number >= 0 and <= {MAX_SIGMA:g} (pixels), got {sigma!r}")
    return value


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
    checked = check_map(saliency_map, name="saliency_map")
    sigma = _check_sigma(sigma)
    if sigma == 0:
        return checked.astype(np.float32, copy=True)
    size = int(np.ceil(6 * sigma)) | 1
    return cv2.GaussianBlur(checked.astype(np.float32), (size, size), sigmaX=sigma, sigmaY=sigma)


# --------------------------------------------------------------------------
# notebook 05: spectral residual, frequency-tuned, OpenCV's cv2.saliency
# --------------------------------------------------------------------------
# Achanta et al. (2009): 5×5 separable binomial kernel, (1, 4, 6, 4, 1) / 16.
_BINOMIAL_5 = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0

# moving_blob_video: grey levels of the background and the blob.
_VIDEO_BACKGROUND = 0.3
_VIDEO_FOREGROUND = 0.9


def _checked_unit_image(image: npt.ArrayLike) -> np.ndarray:
    checked = check_image(image, ndim=(2, 3))
    return checked


def _is_constant(image: np.ndarray) -> bool:
    """True when every pixel equals the first one (each channel on its own)."""
    return bool(np.all(image == image[0, 0]))


def spectral_residual(
    image: npt.ArrayLike,
    *,
    width: int = 64,
    sigma: float = 8.0,
) -> npt.NDArray[np.float32]:
    """Spectral-residual saliency (Hou & Zhang 2007), as in the paper.

    With :math:`\\mathcal{F}` the 2-D Fourier transform of the grey image
    shrunk to ``width`` pixels:

    .. math::

        L(f) = \\log |\\mathcal{F}[I](f)|, \\qquad
        P(f) = \\arg \\mathcal{F}[I](f), \\qquad
        R(f) = L(f) - h_3 * L(f),

        S(x) = g_\\sigma * \\left| \\mathcal{F}^{-1}\\left[
               \\exp\\left(R(f) + i P(f)\\right)\\right] \\right|^2

    (Hou & Zhang 2007, eqs. 5–9; :math:`h_3` is the 3×3 mean filter,
    :math:`g_\\sigma` a Gaussian).  S is then resized to the input's H×W and
    min–max rescaled to [0, 1].

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB or grey image, float in [0, 1].
    width : int
        Width in pixels the grey image is resized to before the transform,
        keeping the aspect ratio (height ``round(width · H / W)``, at least 1).
        The paper's 64.
    sigma : float
        Standard deviation of :math:`g_\\sigma`, in pixels *of the resized
        image*; the paper's 8 (0 skips the blur).

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]

    Raises
    ------
    TypeError, ValueError
        For a bad ``image`` (see :func:`lc_saliency`), a ``width`` that is
        not an integer >= 1, or a negative ``sigma``.

    Notes
    -----
    Convention: grey is ITU-R BT.601 luma (:func:`course_lib.images.to_grey`);
    the resize uses ``cv2.INTER_AREA`` when shrinking and ``cv2.INTER_LINEAR``
    otherwise (also for the way back to H×W); the 3×3 mean of L replicates
    the spectrum's border (as the authors' Matlab ``imfilter(…, 'replicate')``);
    the Gaussian is :func:`blur_map` (kernel ⌈6σ⌉ rounded to odd) with
    **zero padding** outside the image, as Matlab's ``imfilter`` default in
    the authors' code.  With σ = 8 on a 64-pixel image a reflected border
    would move the peak of an object near the edge onto the edge; zero
    padding instead lowers the map near the borders (a mild centre bias).

    Departures and choices:

    * :math:`L = \\log(1 + |\\mathcal{F}|)` (``np.log1p``, as OpenCV), not
      the paper's :math:`\\log |\\mathcal{F}|`, which is −inf where the
      spectrum is exactly zero.  Such zeros are common in the course's
      generated stimuli (a 4×4 square in a 64-pixel image, bar arrays), and
      with :math:`\\log(|\\mathcal{F}| + \\varepsilon)`, ε tiny, they dominate
      the residual and move the peak away from the odd item.  On the
      photographs of :data:`course_lib.images.SAMPLES` the two logs give maps
      that correlate at ≥ 0.998 (grey values in [0, 1], 64 pixels wide).
    * σ = 8 is the paper's value at the 64-pixel scale, i.e. an eighth of
      the image width: a very smooth map.  The widely copied Matlab code
      blurs with a 10×10 Gaussian of σ = 2.5 instead; pass ``sigma=2.5`` for
      it.
    * A constant image has all its energy at f = 0 and no residual to speak
      of; it returns all zeros (the course convention) rather than the
      border pattern the formula would give.
    * Unlike :func:`opencv_spectral_residual`, the aspect ratio is kept
      (OpenCV squashes every image to 64×64), the blur comes after squaring
      (OpenCV blurs the magnitude, then squares), and the range is min–max
      rather than divided by the maximum.

    References
    ----------
    X. Hou and L. Zhang, "Saliency detection: a spectral residual approach",
    CVPR 2007, doi:10.1109/CVPR.2007.383267.

    Examples
    --------
    >>> image = np.zeros((48, 64)); image[20:24, 40:44] = 1.0
    >>> saliency = spectral_residual(image)
    >>> saliency.shape, saliency.dtype, float(saliency.max())
    ((48, 64), dtype('float32'), 1.0)
    >>> [int(v) for v in np.unravel_index(np.argmax(saliency), saliency.shape)]
    [21, 42]
    >>> float(spectral_residual(np.full((8, 8), 0.5)).max())
    0.0
    """
    checked = _checked_unit_image(image)
    width = check_count(width, name="width", minimum=1, maximum=MAX_WIDTH)
    sigma = _check_sigma(sigma)
    height_in, width_in = checked.shape[:2]
    if _is_constant(checked):
        return np.zeros((height_in, width_in), dtype=np.float32)
    grey = to_grey(checked)
    width = int(width)
    height = max(1, int(np.floor(width * height_in / width_in + 0.5)))
    shrinking = width * height < width_in * height_in
    small = cv2.resize(
        grey, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    ).astype(np.float64)
    spectrum = np.fft.fft2(small)  # (h, w) complex
    log_amplitude = np.log1p(np.abs(spectrum))  # L = log A, as log(1 + A) (Notes)
    phase = np.angle(spectrum)  # P
    # R = L - h_3 * L, 3×3 mean with replicated border.
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3), borderType=cv2.BORDER_REPLICATE)
    energy = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2  # |F^-1[exp(R + iP)]|^2
    # S = g * |…|², zero padding outside the image (see Notes)
    radius = (int(np.ceil(6 * sigma)) | 1) // 2 if sigma > 0 else 0
    padded = np.pad(energy.astype(np.float32), radius)
    smooth = blur_map(padded, sigma)[radius : radius + height, radius : radius + width]
    full = cv2.resize(smooth, (width_in, height_in), interpolation=cv2.INTER_LINEAR)
    return normalize_range(full)


def frequency_tuned(image: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Frequency-tuned saliency (Achanta et al. 2009) in CIE Lab.

    .. math:: S(x, y) = \\lVert I_\\mu - I_{\\omega hc}(x, y) \\rVert_2

    (Achanta, Hemami, Estrada & Süsstrunk 2009, their final saliency formula), with
    :math:`I_\\mu` the mean Lab colour of the image and
    :math:`I_{\\omega hc}` the Lab image blurred with the 5×5 separable
    binomial kernel :math:`(1, 4, 6, 4, 1)/16`, at full resolution.  S is
    then min–max rescaled to [0, 1].

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB image (sRGB, D65) or grey image, float in [0, 1]; a grey image is
        treated as R = G = B, so only Lab's L differs from pixel to pixel.

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]

    Raises
    ------
    TypeError, ValueError
        For a bad ``image`` (see :func:`lc_saliency`).

    Notes
    -----
    Convention: Lab comes from ``skimage.color.rgb2lab`` (sRGB gamma, D65,
    float64).  ``cv2.cvtColor(…, COLOR_RGB2Lab)`` on float32 is faster but
    differs by up to about 0.6 Lab units, so it is not used.  The blur
    reflects at the borders (``cv2.BORDER_REFLECT_101``).  The paper's text
    describes pixels as Lab vectors and the blur as a 5×5
    binomial kernel without fixing the order of blur and conversion, and
    published implementations differ (some blur RGB first, some use a 3×3
    Gaussian); we convert first and blur the Lab channels with the paper's
    kernel.  The distance is the L2 norm of the paper, not its square.  A
    constant image gives all zeros.

    References
    ----------
    R. Achanta, S. Hemami, F. Estrada and S. Süsstrunk, "Frequency-tuned
    salient region detection", CVPR 2009, doi:10.1109/CVPR.2009.5206596.

    Examples
    --------
    >>> image = np.zeros((9, 9, 3)); image[3:6, 3:6] = (1.0, 0.0, 0.0)
    >>> saliency = frequency_tuned(image)
    >>> [int(v) for v in np.unravel_index(np.argmax(saliency), saliency.shape)]
    [4, 4]
    >>> float(saliency.min()), float(saliency.max())
    (0.0, 1.0)
    >>> float(frequency_tuned(np.full((4, 4, 3), 0.3)).max())
    0.0
    """
    from skimage.color import rgb2lab

    checked = _checked_unit_image(image)
    height, width = checked.shape[:2]
    if _is_constant(checked):
        return np.zeros((height, width), dtype=np.float32)
    rgb = checked if checked.ndim == 3 else np.repeat(checked[:, :, None], 3, axis=2)
    lab = rgb2lab(rgb.astype(np.float64))  # (H, W, 3): L in [0, 100], a, b
    mean = lab.reshape(-1, 3).mean(axis=0)  # I_mu, (3,)
    blurred = cv2.sepFilter2D(lab, -1, _BINOMIAL_5, _BINOMIAL_5, borderType=cv2.BORDER_REFLECT_101)
    distance = np.sqrt(((blurred - mean) ** 2).sum(axis=2))  # S = ||I_mu - I_whc||_2
    return normalize_range(distance)


def _opencv_static(algorithm: object, image: npt.ArrayLike) -> npt.NDArray[np.float32]:
    checked = _checked_unit_image(image)
    height, width = checked.shape[:2]
    if _is_constant(checked):
        return np.zeros((height, width), dtype=np.float32)
    ok, saliency = algorithm.computeSaliency(to_opencv(checked))  # type: ignore[attr-defined]
    if not ok or saliency is None:  # OpenCV reports no failure for valid input; kept as a guard
        raise ValueError(f"OpenCV could not compute a saliency map of an image of shape {checked.shape}")
    saliency = np.asarray(saliency, dtype=np.float32)
    if saliency.shape != (height, width):  # OpenCV resizes back itself; kept as a guard
        saliency = cv2.resize(saliency, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(np.nan_to_num(saliency, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)


def opencv_spectral_residual(image: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """OpenCV's spectral residual, ``cv2.saliency.StaticSaliencySpectralResidual``.

    .. math::

        S = \\frac{\\left(g * \\left|\\mathcal{F}^{-1}\\left[
            \\exp(R + iP)\\right]\\right|\\right)^2}{\\max(\\cdot)},
        \\qquad R = \\log(|\\mathcal{F}| + 1) - h_3 * \\log(|\\mathcal{F}| + 1)

    (OpenCV's variant of Hou & Zhang 2007, eqs. 5–9; see
    :func:`spectral_residual` for the paper's form).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        Course image: RGB or grey, float in [0, 1].

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]
        OpenCV's map as it comes (divided by its maximum, so usually
        min > 0), except for a constant image, which gives all zeros.

    Raises
    ------
    TypeError, ValueError
        For a bad ``image`` (see :func:`lc_saliency`).

    Notes
    -----
    Convention: the image is converted to OpenCV's uint8 BGR at the boundary
    (:func:`course_lib.images.to_opencv`, ``round(255 · x)``).  OpenCV then
    converts to grey and resizes to **64×64 whatever the aspect ratio**
    (``INTER_LINEAR_EXACT``), uses log(|F| + 1) (since 2018, to avoid NaN on
    zero images), blurs the magnitude with a 5×5 Gaussian of σ = 8 *before*
    squaring, divides by the maximum and resizes back.  On a constant image
    it returns a flat map of rounding noise near 1; the course convention
    (all zeros) is returned instead.

    References
    ----------
    X. Hou and L. Zhang, "Saliency detection: a spectral residual approach",
    CVPR 2007, doi:10.1109/CVPR.2007.383267; OpenCV contrib
    ``modules/saliency/src/staticSaliencySpectralResidual.cpp``.

    Examples
    --------
    >>> image = np.zeros((48, 64, 3)); image[20:26, 40:46] = 1.0
    >>> saliency = opencv_spectral_residual(image)
    >>> saliency.shape, saliency.dtype, bool(0.0 <= saliency.min() <= saliency.max() <= 1.0)
    ((48, 64), dtype('float32'), True)
    """
    return _opencv_static(cv2.saliency.StaticSaliencySpectralResidual_create(), image)


def opencv_fine_grained(image: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """OpenCV's fine-grained saliency (Montabone & Soto 2010).

    .. math::

        S = \\mathrm{on}(I) + \\mathrm{off}(I), \\qquad
        \\mathrm{on}(I)(x) = \\sum_{\\sigma}
            \\max\\left(0, I(x) - \\mathrm{mean}_{\\sigma}(I)(x)\\right)

    (Montabone & Soto 2010: centre–surround differences of the
    pixel against box means of surround radius σ ∈ {12, 24, 48, 28, 56, 112}
    in OpenCV, off-centre with the sign flipped).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        Course image: RGB or grey, float in [0, 1].

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]
        All zeros on a constant image.

    Raises
    ------
    TypeError, ValueError
        For a bad ``image`` (see :func:`lc_saliency`).

    Notes
    -----
    Convention: uint8 BGR at the boundary (:func:`course_lib.images.to_opencv`);
    OpenCV converts to grey, blurs twice with a 3×3 Gaussian, works on an
    integral image at full resolution, rescales the on and off maps to 255
    each and returns float32 in [0, 1] (it returned uint8 before OpenCV
    contrib PR #1736).  OpenCV itself returns zeros on a constant image.

    References
    ----------
    S. Montabone and A. Soto, "Human detection using a mobile platform and
    novel features derived from a visual saliency mechanism", Image and
    Vision Computing 28(3), 2010, doi:10.1016/j.imavis.2009.06.006.

    Examples
    --------
    >>> image = np.zeros((48, 64, 3)); image[20:26, 40:46] = 1.0
    >>> saliency = opencv_fine_grained(image)
    >>> saliency.shape, saliency.dtype, float(saliency.max())
    ((48, 64), dtype('float32'), 1.0)
    >>> bool(saliency[20:26, 40:46].mean() > saliency.mean())
    True
    """
    return _opencv_static(cv2.saliency.StaticSaliencyFineGrained_create(), image)


def _check_frames(frames: object) -> np.ndarray:
    array = check_array(frames, name="frames")
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[3] != 3):
        raise ValueError(f"frames must have shape (T, H, W) or (T, H, W, 3), got shape {array.shape}")
    checked = check_image(array, ndim=(3, 4), name="frames", channels=None)
    return checked


def opencv_motion_saliency(frames: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Motion saliency of a video, OpenCV's ``MotionSaliencyBinWangApr2014``.

    A per-pixel background model of K = 3 templates is learnt over time; a
    pixel is salient (1) when its grey level matches none of the templates
    that have been stable long enough:

    .. math::

        S_t(x) = \\begin{cases} 0 & \\text{if } \\exists k:\\;
            |I_t(x) - T_k(x)| < \\varepsilon(x) \\text{ and } C_k(x) > \\theta_A \\\\
            1 & \\text{otherwise} \\end{cases}

    (Wang & Dudek 2014, simplified: ε is adapted per pixel within
    [18, 80], θ_A = 200, θ_L = 250, α = 0.01, 4×4 blocks for the second pass).

    Parameters
    ----------
    frames : ndarray, shape (T, H, W, 3) or (T, H, W)
        RGB or grey video, float in [0, 1], frames in time order.

    Returns
    -------
    ndarray of float32, shape (T, H, W), values in {0, 1}
        One binary foreground map per frame.

    Raises
    ------
    TypeError, ValueError
        For a non-array, a wrong shape, NaN/inf or values outside [0, 1].

    Notes
    -----
    Convention: each frame is converted to grey uint8 (BT.601 luma,
    ``round(255 · x)``) because the model accepts single-channel 8-bit input
    only (it raises ``cv2.error`` on colour).  The model is created fresh,
    ``setImagesize(W, H)`` and ``init()`` are called, and the frames are fed
    in order.  **Warm-up:** until the templates are confirmed, *every* pixel
    is 1; on a static scene the map becomes all 0 after about 50 frames
    (frame index 51 with OpenCV 5.0 at the default thresholds), and only
    then do moving objects stand out.  Videos shorter than that give
    all-ones maps.  OpenCV returns uint8 {0, 1}; it is returned as float32.

    References
    ----------
    B. Wang and P. Dudek, "A fast self-tuning background subtraction
    algorithm", CVPR Workshops 2014, doi:10.1109/CVPRW.2014.64.

    Examples
    --------
    >>> frames, masks = moving_blob_video(60, start=55)
    >>> maps = opencv_motion_saliency(frames)
    >>> maps.shape, maps.dtype, float(maps[10].mean()), float(maps[54].max())
    ((60, 96, 128), dtype('float32'), 1.0, 0.0)
    >>> bool(maps[59][masks[59]].mean() > 0.5)
    True
    """
    checked = _check_frames(frames)
    n_frames, height, width = checked.shape[:3]
    model = cv2.saliency.MotionSaliencyBinWangApr2014_create()
    model.setImagesize(width, height)
    model.init()
    out = np.empty((n_frames, height, width), dtype=np.float32)
    for t in range(n_frames):
        grey = to_uint8(to_grey(checked[t]))  # (H, W) uint8: the model's only input type
        ok, foreground = model.computeSaliency(grey)
        if not ok:  # OpenCV reports no failure for valid input; kept as a guard
            raise ValueError(f"OpenCV motion saliency failed on frame {t}")
        out[t] = np.asarray(foreground, dtype=np.float32)
    return out


def moving_blob_video(
    n_frames: int,
    *,
    shape: tuple[int, int] = (96, 128),
    radius: int = 6,
    start: int = 55,
    speed: float = 2.0,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """A generated test video: a bright disk moving over a static grey scene.

    The background is grey 0.3 everywhere; from frame ``start`` on a disk of
    grey 0.9 and the given ``radius`` moves to the right along the middle
    row, ``speed`` pixels a frame, starting at the left edge and jumping back
    to it when it reaches the right edge:

    .. math:: c_t = r + \\left(v\\,(t - t_0) \\bmod (W - 2r - 1)\\right)

    (centre column c_t for t ≥ t_0; a course construction, no paper).

    Parameters
    ----------
    n_frames : int
        Number of frames T, >= 1.
    shape : tuple of int
        Frame size (H, W); both at least ``2 · radius + 2``.
    radius : int
        Disk radius in pixels, >= 1; pixels with distance <= radius are in.
    start : int
        First frame with the disk, >= 0.  The default 55 leaves OpenCV's
        motion model (:func:`opencv_motion_saliency`) its ~50 warm-up frames.
    speed : float
        Pixels per frame, >= 0.

    Returns
    -------
    frames : ndarray of float32, shape (T, H, W, 3), values in [0, 1]
    masks : ndarray of bool, shape (T, H, W)
        Where the disk is: the ground truth for the pointing game.

    Raises
    ------
    TypeError, ValueError
        For a non-integer or out-of-range ``n_frames``, ``shape``,
        ``radius``, ``start``, or a negative ``speed``.

    Examples
    --------
    >>> frames, masks = moving_blob_video(3, shape=(16, 20), radius=2, start=1)
    >>> frames.shape, int(masks[0].sum()), int(masks[1].sum())
    ((3, 16, 20, 3), 0, 13)
    >>> np.argwhere(masks[2]).mean(axis=0).tolist()
    [8.0, 4.0]
    """
    n_frames = check_count(n_frames, name="n_frames", minimum=1)
    radius = check_count(radius, name="radius", minimum=1)
    start = check_count(start, name="start", minimum=0)
    speed = check_positive(speed, name="speed", allow_zero=True)
    height, width = check_shape(shape, name="shape")
    if min(height, width) < 2 * radius + 2:
        raise ValueError(
            f"shape must be a tuple (H, W) of integers >= 2 * radius + 2 = {2 * radius + 2}, got {shape!r}"
        )
    if n_frames * height * width > MAX_IMAGE_PIXELS:
        raise ValueError(f"n_frames · H · W must be at most {MAX_IMAGE_PIXELS}, got {n_frames} · {height} · {width}")
    rows, cols = np.mgrid[0:height, 0:width]
    masks = np.zeros((n_frames, height, width), dtype=bool)
    centre_row = height // 2
    for t in range(start, n_frames):
        centre_col = radius + (speed * (t - start)) % (width - 2 * radius - 1)
        masks[t] = (rows - centre_row) ** 2 + (cols - centre_col) ** 2 <= radius**2
    grey = np.where(masks, np.float32(_VIDEO_FOREGROUND), np.float32(_VIDEO_BACKGROUND))
    frames = np.repeat(grey[..., None], 3, axis=3).astype(np.float32)
    return frames, masks


METHODS: dict[str, Callable[[npt.ArrayLike], npt.NDArray[np.float32]]] = {
    "lc": lc_saliency,
    "spectral_residual": spectral_residual,
    "frequency_tuned": frequency_tuned,
    "opencv_spectral_residual": opencv_spectral_residual,
    "opencv_fine_grained": opencv_fine_grained,
}
"""Image → map saliency methods of this module, by name (one registry for the
CLI's ``--method`` and notebook 05).  Each takes a course image (float (H, W, 3)
RGB or (H, W) grey in [0, 1]) and returns a float32 (H, W) map in [0, 1] with
its defaults; motion saliency takes a video and is not listed.

Examples
--------
>>> sorted(METHODS)[:3]
['frequency_tuned', 'lc', 'opencv_fine_grained']
"""
