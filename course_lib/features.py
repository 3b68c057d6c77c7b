"""Early visual features of the Itti–Koch model: intensity, colour, orientation.

Used in notebook 02 (§1–§4).  Itti, Koch & Niebur (1998), §2.1, extract
three kinds of features from an RGB image with r, g, b channels:

* intensity I = (r + g + b)/3;
* four broadly tuned colour channels R, G, B, Y from hue-normalised r, g, b,
  combined into the red–green and blue–yellow opponency maps RG and BY;
* orientation: Gabor filter responses of the intensity pyramid at 0°, 45°,
  90° and 135°.

Images are the course format: float (H, W, 3) RGB in [0, 1], or (H, W) grey
(treated as r = g = b).  Use :func:`course_lib.images.load_image` for other
formats (integer dtypes, RGBA, files).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import check_image, check_map, check_positive, written_into

__all__ = [
    "GABOR_FREQUENCY",
    "GABOR_SIGMA",
    "HUE_THRESHOLD",
    "ORIENTATIONS",
    "ColourChannels",
    "broadly_tuned_colours",
    "gabor_kernel",
    "intensity",
    "normalize_hue",
    "opponency",
    "orientation_pyramid",
]

ORIENTATIONS = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)
"""The paper's four preferred orientations θ ∈ {0°, 45°, 90°, 135°}, in radians."""

HUE_THRESHOLD = 0.1
"""Hue is normalised only where I > HUE_THRESHOLD · max(I) (the paper's 1/10)."""

GABOR_SIGMA = 2.0
"""Gabor envelope σ in pixels of each pyramid level (σ·f = 0.5: about one octave of bandwidth)."""

GABOR_FREQUENCY = 0.25
"""Gabor carrier frequency in cycles/pixel of each pyramid level (period 4 px)."""


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------
def _rgb_image(image: object) -> np.ndarray:
    """Validated course image as C-contiguous float32 (H, W) or (H, W, 3)."""
    array = check_image(image, ndim=(2, 3), name="image")
    return np.ascontiguousarray(array, dtype=np.float32)


def _check_threshold(threshold: object) -> float:
    value = check_positive(threshold, name="threshold", allow_zero=True)
    if value >= 1.0:
        raise ValueError(f"threshold must be a fraction in [0, 1), got {threshold!r}")
    return value


# --------------------------------------------------------------------------
# intensity and colour
# --------------------------------------------------------------------------
def intensity(image: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Intensity channel I = (r + g + b)/3.

    .. math:: I = (r + g + b) / 3

    (Itti, Koch & Niebur 1998, §2.1).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB in [0, 1]; a grey image is its own intensity.

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]

    Raises
    ------
    TypeError, ValueError
        If ``image`` is not a finite (H, W, 3) or (H, W) array in [0, 1]
        (an RGBA image is refused: drop alpha with ``load_image`` first).

    Notes
    -----
    The plain mean, as the paper and iNVT; the SaliencyToolbox uses luma
    weights (0.299, 0.587, 0.114) and GBVS max(r, g, b).

    Examples
    --------
    >>> round(float(intensity(np.array([[[0.3, 0.6, 0.9]]]))[0, 0]), 6)
    0.6
    """
    rgb = _rgb_image(image)
    if rgb.ndim == 2:
        return rgb.copy()
    return mean_rgb(rgb)


def mean_rgb(rgb: np.ndarray) -> np.ndarray:
    """(R + G + B)/3 of a checked float32 (H, W, 3) image; no input checks (used by itti_koch)."""
    # cv2.transform is one pass over interleaved pixels (numpy's mean over a
    # length-3 last axis is about 50× slower).
    return cv2.transform(rgb, np.full((1, 3), 1.0 / 3.0, np.float32))


def _inverse_intensity(value: np.ndarray, limit: float) -> np.ndarray:
    """1/I where I > limit, else 0 (the paper's hue mask, limit = t · max I)."""
    inverse = np.zeros_like(value)
    np.divide(np.float32(1.0), value, out=inverse, where=value > limit)
    return inverse


def normalize_hue(
    image: npt.ArrayLike, *, threshold: float = HUE_THRESHOLD
) -> npt.NDArray[np.float32]:
    """Hue-normalised r, g, b: divided by I where I is not too small, else 0.

    .. math::

        (r', g', b') = \\begin{cases} (r, g, b) / I & I > t \\max I \\\\
        (0, 0, 0) & \\text{otherwise} \\end{cases}

    with t = 1/10 (Itti, Koch & Niebur 1998, §2.1: "only at the locations
    where I is larger than 1/10 of its maximum over the entire image").

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB in [0, 1] (grey counts as r = g = b).
    threshold : float
        The fraction t in [0, 1) of the image's maximum intensity.

    Returns
    -------
    ndarray of float32, shape (H, W, 3)
        r', g', b' ≥ 0, with r' + g' + b' = 3 where unmasked.

    Raises
    ------
    TypeError, ValueError
        Bad ``image`` (see :func:`intensity`) or ``threshold`` outside [0, 1).

    Notes
    -----
    The threshold is *relative* to the image's maximum, as in the paper,
    so multiplying the image by a gain k > 0 changes nothing.  iNVT and the
    SaliencyToolbox use absolute thresholds (25.5/255 and 0.1), which make
    dark images lose their colour.  The test is strict: I = t·max(I) is
    masked, and an all-black image gives all zeros.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> pixels = np.array([[[1.0, 0.0, 0.0], [0.02, 0.01, 0.0]]])
    >>> normalize_hue(pixels).round(4).tolist()
    [[[3.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]
    """
    rgb = _rgb_image(image)
    threshold = _check_threshold(threshold)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    mean = mean_rgb(rgb)
    inverse = _inverse_intensity(mean, threshold * float(mean.max()))
    return rgb * inverse[:, :, None]


@dataclass(frozen=True)
class ColourChannels:
    """The four broadly tuned colour channels, each float32 (H, W), ≥ 0."""

    red: npt.NDArray[np.float32]
    green: npt.NDArray[np.float32]
    blue: npt.NDArray[np.float32]
    yellow: npt.NDArray[np.float32]


def broadly_tuned_colours(
    image: npt.ArrayLike, *, threshold: float = HUE_THRESHOLD
) -> ColourChannels:
    """Broadly tuned colour channels R, G, B, Y, negatives set to zero.

    .. math::

        R = r' - \\tfrac{g' + b'}{2}, \\quad
        G = g' - \\tfrac{r' + b'}{2}, \\quad
        B = b' - \\tfrac{r' + g'}{2}, \\quad
        Y = \\tfrac{r' + g'}{2} - \\tfrac{|r' - g'|}{2} - b'

    each then clipped at 0, with r', g', b' from :func:`normalize_hue`
    (Itti, Koch & Niebur 1998, §2.1).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB in [0, 1].
    threshold : float
        Hue-normalisation threshold, see :func:`normalize_hue`.

    Returns
    -------
    ColourChannels
        ``red``, ``green``, ``blue``, ``yellow``: float32 (H, W), ≥ 0.
        All zero where I ≤ threshold · max(I) and on grey pixels.

    Raises
    ------
    TypeError, ValueError
        As :func:`normalize_hue`.

    Notes
    -----
    Literal paper formulas (no ×2 on yellow, half of |r − g|, as the paper;
    iNVT doubles Y and uses the full |r − g|).  Mind the precedence:
    R = r − (g + b)/2, not (r − (g + b))/2, a bug seen in public ports.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> yellow = broadly_tuned_colours(np.array([[[1.0, 1.0, 0.0]]]))
    >>> [round(float(c[0, 0]), 4) for c in (yellow.red, yellow.green, yellow.blue, yellow.yellow)]
    [0.75, 0.75, 0.0, 1.5]
    """
    normalised = normalize_hue(image, threshold=threshold)
    r, g, b = (normalised[:, :, k] for k in range(3))
    clip = functools.partial(np.maximum, 0.0)
    return ColourChannels(
        red=clip(r - (g + b) / 2).astype(np.float32),
        green=clip(g - (r + b) / 2).astype(np.float32),
        blue=clip(b - (r + g) / 2).astype(np.float32),
        yellow=clip((r + g) / 2 - np.abs(r - g) / 2 - b).astype(np.float32),
    )


def opponency(
    image: npt.ArrayLike, *, threshold: float = HUE_THRESHOLD
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Red–green and blue–yellow opponency maps RG = R − G and BY = B − Y.

    .. math:: RG = R - G, \\qquad BY = B - Y

    These are the maps whose pyramids enter the colour feature maps

    .. math::

        \\mathcal{RG}(c, s) = |RG(c) \\ominus RG(s)|, \\qquad
        \\mathcal{BY}(c, s) = |BY(c) \\ominus BY(s)|

    (Itti, Koch & Niebur 1998, eqs. 2–3, difference form; see Notes).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB in [0, 1].
    threshold : float
        Hue-normalisation threshold, see :func:`normalize_hue`.

    Returns
    -------
    (rg, by) : tuple of ndarray of float32, shape (H, W)
        Signed: rg > 0 on red, < 0 on green; by > 0 on blue, < 0 on yellow.

    Raises
    ------
    TypeError, ValueError
        As :func:`normalize_hue`.

    Notes
    -----
    The paper prints eq. 2 as RG(c, s) = |(R(c) − G(c)) ⊖ (G(s) − R(s))|.
    Taken literally, ⊖ of (G − R) *adds* (R − G)(c) + (R − G)(s), which is
    not a centre–surround contrast (a red disk on a green field would score
    less than on black).  The iNVT source calls this a typo; like iNVT we
    compute the difference |RG(c) ⊖ RG(s)| of the single signed map
    RG = R − G.  The rectification happens after ⊖: taking |R − G| before
    the pyramid (GBVS and several ports) would destroy double opponency.

    Convention: computed from the identities R = 1.5 max(r − I, 0)/I,
    G = 1.5 max(g − I, 0)/I, B = 1.5 max(b − I, 0)/I and
    Y = max(min(r, g) − b, 0)/I (algebraically the formulas of
    :func:`broadly_tuned_colours`), which take a third of the operations.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> rg, by = opponency(np.array([[[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]]))
    >>> rg.round(4).tolist(), by.round(4).tolist()
    ([[3.0, 0.0]], [[0.0, -1.5]])
    """
    rgb = _rgb_image(image)
    threshold = _check_threshold(threshold)
    stack = intensity_opponency(rgb, threshold)
    return stack[:, :, 1].copy(), stack[:, :, 2].copy()


def intensity_opponency(rgb: np.ndarray, threshold: float) -> np.ndarray:
    """(H, W, 3) float32 stack [I, RG, BY] of a checked float32 image (no input checks)."""
    if rgb.ndim == 2:  # grey: r = g = b, so RG = BY = 0 exactly
        zeros = np.zeros_like(rgb)
        return cv2.merge([rgb, zeros, zeros])
    mean = mean_rgb(rgb)
    limit = threshold * float(mean.max())
    return cv2.merge(_opponency_block(rgb, mean, limit, _OpponencyWorkspace(rgb.shape[:2])))


class _OpponencyWorkspace:
    """Scratch maps for :func:`_opponency_block`, reused from strip to strip.

    Writing every intermediate into these (``dst=``) instead of fresh arrays
    saves about a quarter of the time: each new 250 kB array costs the
    allocator more than the arithmetic that fills it.
    """

    _NAMES = ("red", "green", "blue", "mask", "inverse", "red_green", "green_tuned", "blue_yellow", "yellow")

    def __init__(self, shape: tuple[int, int]) -> None:
        for name in self._NAMES:
            setattr(self, name, np.empty(shape, np.float32))

    def rows(self, count: int) -> list[np.ndarray]:
        """The first ``count`` rows of every scratch map."""
        return [getattr(self, name)[:count] for name in self._NAMES]


def _opponency_block(
    rgb: np.ndarray, mean: np.ndarray, limit: float, workspace: _OpponencyWorkspace
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I, RG, BY of a C-contiguous block of rows, given its I and the hue limit t · max I.

    Returns ``mean`` and views of the workspace.  cv2 element-wise calls
    into preallocated maps rather than numpy: about 2× faster at this size.
    """
    red, green, blue, mask, inverse, red_green, green_tuned, blue_yellow, yellow = workspace.rows(rgb.shape[0])
    # Array–scalar operations go through numpy: cv2 reads a 1×1 array beside a
    # Python scalar as two scalars and never writes ``dst`` (OpenCV 5.1).
    for plane, written in zip((red, green, blue), cv2.split(rgb, [red, green, blue])):
        written_into(written, plane, call="split")
    # 1.5 / I where I > limit, else 0 (0 / max(I, limit), never 0 / 0)
    written_into(cv2.threshold(mean, limit, 1.5, cv2.THRESH_BINARY, dst=mask)[1], mask, call="threshold")
    np.maximum(mean, max(limit, 1e-30), out=inverse)
    written_into(cv2.divide(mask, inverse, dst=inverse), inverse, call="divide")
    # r - (g + b)/2 = 1.5 (r - I): the broadly tuned channels are 1.5 max(x - I, 0);
    # R - G ∝ max(r - I, 0) - max(g - I, 0) = max(r, I) - max(g, I)
    written_into(cv2.max(red, mean, dst=red_green), red_green, call="max")
    written_into(cv2.max(green, mean, dst=green_tuned), green_tuned, call="max")
    written_into(cv2.subtract(red_green, green_tuned, dst=red_green), red_green, call="subtract")
    written_into(cv2.multiply(red_green, inverse, dst=red_green), red_green, call="multiply")
    # (r + g)/2 - |r - g|/2 - b = min(r, g) - b
    written_into(cv2.min(red, green, dst=yellow), yellow, call="min")
    written_into(cv2.subtract(yellow, blue, dst=yellow), yellow, call="subtract")
    np.maximum(yellow, 0.0, out=yellow)
    written_into(cv2.subtract(blue, mean, dst=blue_yellow), blue_yellow, call="subtract")
    np.maximum(blue_yellow, 0.0, out=blue_yellow)
    written_into(cv2.addWeighted(blue_yellow, 1.0, yellow, -1.0 / 1.5, 0.0, dst=blue_yellow), blue_yellow, call="addWeighted")
    written_into(cv2.multiply(blue_yellow, inverse, dst=blue_yellow), blue_yellow, call="multiply")
    return mean, red_green, blue_yellow


def reduced_intensity_opponency(
    rgb: np.ndarray,
    threshold: float,
    *,
    strip_rows: int | None = None,
    mean: np.ndarray | None = None,
) -> np.ndarray:
    """``reduce(intensity_opponency(rgb))``, i.e. pyramid scale 1 of [I, RG, BY].

    Computed in strips of ``strip_rows`` image rows (plus the 2 + 1 rows of
    context the 5-tap reduce reads), so no full-resolution colour map is
    ever allocated: the temporaries stay in cache and are reused from strip
    to strip (fresh large allocations cost page faults, which dominate on
    some VMs).  Equal to the one-shot computation: each kept output row reads
    only rows of its strip, or the true image border, mirrored the same way.
    The default strip holds about 60 000 pixels (96 rows at 640 px).
    ``mean``, if given, is I = (r + g + b)/3 of the whole image (the Itti–Koch
    model computes it once for the colour and orientation channels).
    """
    if rgb.ndim == 2:
        grey = cv2.pyrDown(rgb)
        zeros = np.zeros_like(grey)
        return cv2.merge([grey, zeros, zeros])
    rows, cols = rgb.shape[:2]
    if strip_rows is None:
        strip_rows = max(2, (61_440 // cols) // 2 * 2)
    if mean is None:
        mean = mean_rgb(rgb)
    workspace = _OpponencyWorkspace((min(strip_rows + 3, rows), cols))
    limit = threshold * float(mean.max())
    # pass 2: colour maps of each strip and its reduce
    reduced = np.empty(((rows + 1) // 2, (cols + 1) // 2, 3), np.float32)
    for start in range(0, rows, strip_rows):  # start and strip_rows are even
        stop = min(start + strip_rows, rows)
        first, last = max(start - 2, 0), min(stop + 1, rows)  # input rows the reduce reads
        planes = _opponency_block(rgb[first:last], mean[first:last], limit, workspace)
        keep_from, keep_to = start // 2, (stop + 1) // 2
        offset = first // 2
        # three 1-channel reduces and a merge at half size beat a full-size merge
        halves = [cv2.pyrDown(plane)[keep_from - offset : keep_to - offset] for plane in planes]
        rows_out = reduced[keep_from:keep_to]
        written_into(cv2.merge(halves, dst=rows_out), rows_out, call="merge")
    return reduced


# --------------------------------------------------------------------------
# orientation
# --------------------------------------------------------------------------
def _default_radius(sigma: float, gamma: float = 1.0) -> int:
    return max(1, math.ceil(3.0 * sigma * max(1.0, 1.0 / gamma)))


MIN_SIGMA = 1e-3
"""Smallest Gabor σ in pixels (below it σ² underflows the envelope)."""

MAX_RADIUS = 1024
"""Largest Gabor kernel radius: a (2·1024 + 1)² kernel."""


def _check_gabor_sigma(sigma: object) -> float:
    value = check_positive(sigma, name="sigma")
    if not MIN_SIGMA <= value <= MAX_RADIUS:
        raise ValueError(f"sigma must be a finite number > 0 in [{MIN_SIGMA:g}, {MAX_RADIUS}] (pixels), got {sigma!r}")
    return value


def _check_radius(radius: object, sigma: float, gamma: float) -> int:
    if radius is None:
        value = _default_radius(sigma, gamma)
        if value > MAX_RADIUS:
            raise ValueError(
                f"sigma and gamma must give a kernel radius 3·sigma·max(1, 1/gamma) <= {MAX_RADIUS}, "
                f"got sigma={sigma!r}, gamma={gamma!r} (radius {value})"
            )
        return value
    if isinstance(radius, (bool, np.bool_)) or not isinstance(radius, (int, np.integer)):
        raise TypeError(f"radius must be an integer >= 1 or None, got {type(radius).__name__}")
    if not 1 <= radius <= MAX_RADIUS:
        raise ValueError(f"radius must be an integer >= 1 and <= {MAX_RADIUS}, or None, got {radius!r}")
    return int(radius)


def _check_frequency(frequency: object) -> float:
    value = check_positive(frequency, name="frequency")
    if value > 0.5:
        raise ValueError(
            f"frequency must be at most 0.5 cycles/pixel (the Nyquist limit), got {frequency!r}"
        )
    return value


def _check_theta(theta: object) -> float:
    if isinstance(theta, bool) or not isinstance(theta, (int, float, np.integer, np.floating)):
        raise TypeError(f"theta must be a number (radians), got {type(theta).__name__}")
    if not np.isfinite(theta):
        raise ValueError(f"theta must be finite (radians), got {theta!r}")
    return float(theta)


def gabor_kernel(
    sigma: float,
    theta: float,
    frequency: float,
    *,
    gamma: float = 1.0,
    radius: int | None = None,
) -> npt.NDArray[np.complex128]:
    """Complex, zero-mean Gabor kernel: Gaussian envelope times a complex carrier.

    .. math::

        g(x, y) = \\frac{\\gamma}{2\\pi\\sigma^2}
        \\exp\\left(-\\frac{x'^2 + \\gamma^2 y'^2}{2\\sigma^2}\\right)
        \\left(e^{i 2\\pi f x'} - \\kappa\\right), \\quad
        x' = x\\cos\\theta + y\\sin\\theta, \\;
        y' = -x\\sin\\theta + y\\cos\\theta

    with κ chosen so that Σ g = 0 (Daugman 1985; the orientation filters
    of Itti, Koch & Niebur 1998, §2.1, after Greenspan et al. 1994).

    Parameters
    ----------
    sigma : float
        Envelope standard deviation along the carrier, in pixels (> 0).
    theta : float
        Direction of the carrier's wave vector, in radians, from the x
        (column) axis towards the y (row, downwards) axis.  θ = 0 varies
        along x, so it responds most to vertical edges and bars.
    frequency : float
        Carrier frequency f in cycles/pixel, in (0, 0.5].
    gamma : float
        Spatial aspect ratio (> 0): envelope σ across the carrier is σ/γ.
    radius : int or None
        Half-width; the kernel is (2·radius + 1)². Default ⌈3σ·max(1, 1/γ)⌉.

    Returns
    -------
    ndarray of complex128, shape (2·radius + 1, 2·radius + 1)
        Row index = y, column index = x, centre at [radius, radius].
        The real part is the even (cosine) filter, the imaginary part the
        odd (sine) filter; both sum to zero.

    Raises
    ------
    TypeError, ValueError
        If ``sigma``, ``gamma`` are not > 0, ``frequency`` not in (0, 0.5],
        ``theta`` not a finite number or ``radius`` not an integer ≥ 1.

    Notes
    -----
    κ = Σ G e^{i2πf x'} / Σ G (G the envelope) removes the DC response of
    the cosine part, which a truncated or low-frequency Gabor otherwise has
    (a Morlet-style correction; the SaliencyToolbox subtracts the mean of
    each real kernel instead).  Without it, the orientation maps would
    respond to plain brightness.  Because κ is real and the envelope is
    symmetric, g(θ + π) is the complex conjugate of g(θ), hence
    |g(θ)| = |g(θ + π)|: orientations are defined modulo 180°.

    Convention: the same x', y' and the 1/(2πσ_xσ_y) scale as
    ``skimage.filters.gabor_kernel`` (which has no κ term).

    References
    ----------
    .. [1] Daugman, J. G. (1985). Uncertainty relation for resolution in space,
       spatial frequency, and orientation optimized by two-dimensional visual
       cortical filters. JOSA A 2(7), 1160–1169. doi:10.1364/JOSAA.2.001160

    Examples
    --------
    >>> kernel = gabor_kernel(2.0, 0.0, 0.25)
    >>> kernel.shape, abs(complex(kernel.sum())) < 1e-12
    ((13, 13), True)
    >>> round(float(kernel.real[6, 6]), 4), round(float(kernel.imag[6, 7]), 4)
    (0.0395, 0.0351)
    """
    sigma = _check_gabor_sigma(sigma)
    theta = _check_theta(theta)
    frequency = _check_frequency(frequency)
    gamma = check_positive(gamma, name="gamma")
    radius = _check_radius(radius, sigma, gamma)
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(np.float64)
    x_rot = x * np.cos(theta) + y * np.sin(theta)
    y_rot = -x * np.sin(theta) + y * np.cos(theta)
    envelope = np.exp(-(x_rot**2 + (gamma * y_rot) ** 2) / (2 * sigma**2))
    envelope *= gamma / (2 * np.pi * sigma**2)
    carrier = np.exp(2j * np.pi * frequency * x_rot)
    kappa = (envelope * carrier).sum().real / envelope.sum()  # imaginary part is 0 by symmetry
    return envelope * (carrier - kappa)


def orientation_pyramid(
    intensity_pyramid: Sequence[npt.ArrayLike],
    theta: float,
    *,
    sigma: float = GABOR_SIGMA,
    frequency: float = GABOR_FREQUENCY,
) -> list[npt.NDArray[np.float32]]:
    """Gabor pyramid O(σ, θ): the Gabor magnitude of every intensity level.

    .. math:: O(\\sigma, \\theta) = \\left| I(\\sigma) * g_\\theta \\right|

    with :math:`g_\\theta` the zero-mean complex Gabor kernel of
    :func:`gabor_kernel` (γ = 1), i.e. the quadrature energy
    :math:`\\sqrt{(I * \\Re g)^2 + (I * \\Im g)^2}` (Itti, Koch & Niebur
    1998, §2.1: "oriented Gabor pyramids O(σ, θ)").

    Parameters
    ----------
    intensity_pyramid : sequence of ndarray, each (h, w)
        e.g. ``gaussian_pyramid(intensity(image))``.
    theta : float
        Preferred orientation in radians (see :func:`gabor_kernel`); the
        model uses :data:`ORIENTATIONS`.
    sigma : float
        Envelope σ in pixels of each level (default 2).
    frequency : float
        Carrier frequency in cycles/pixel of each level (default 1/4).

    Returns
    -------
    list of ndarray of float32
        One map ≥ 0 per level, same shapes as the input levels.

    Raises
    ------
    TypeError, ValueError
        If the pyramid is not a non-empty list of finite 2-D arrays, or a
        filter parameter is invalid.

    Notes
    -----
    The paper builds Gabor pyramids after Greenspan et al. (1994) without
    giving the filter's σ or frequency.  We filter each Gaussian level with
    one fixed zero-mean kernel, whose zero mean makes it band-pass like a
    Laplacian level: period 4 px (f = 1/4, the lower edge of the octave
    [1/4, 1/2] cycles/px a level adds over the next one, and the highest
    frequency with four samples per period, so the odd part stays well
    sampled), σ = 2 px (σ·f = 0.5, a bandwidth of about one octave, the
    classic V1 estimate, which straddles that edge), γ = 1.  The SaliencyToolbox's period
    7 px, σ = 7/3 px tunes each level an octave lower; with it the course's
    ``"orientation_pop_out"`` sample and search arrays of 49 bars lose
    their orientation pop-out, which these values keep.  Responses are the
    complex magnitude (the SaliencyToolbox adds |even| + |odd| instead).

    Convention: borders are mirrored (``BORDER_REFLECT_101``, as
    :func:`course_lib.pyramids.reduce`).  The result equals
    ``abs(cv2.filter2D(level, -1, kernel))`` evaluated with the real and
    imaginary parts, but is computed by demodulation (multiply by the
    carrier, blur with the separable envelope), which costs 2·(2r + 1)
    instead of 2·(2r + 1)² operations per pixel.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558
    .. [2] Greenspan, H., Belongie, S., Goodman, R., Perona, P., Rakshit, S. &
       Anderson, C. H. (1994). Overcomplete steerable pyramid filters and
       rotation invariance. Proc. IEEE CVPR, 222–228.
    .. [3] Walther, D. & Koch, C. (2006). Modeling attention to salient
       proto-objects. Neural Networks 19(9), 1395–1407.
       doi:10.1016/j.neunet.2006.10.001

    Examples
    --------
    >>> stripes = np.tile([0.0, 0.0, 1.0, 1.0], (8, 4))  # vertical stripes, period 4
    >>> vertical, horizontal = (orientation_pyramid([stripes], t, frequency=0.25)[0]
    ...                         for t in (0.0, np.pi / 2))
    >>> bool(vertical.mean() > 10 * horizontal.mean()), float(horizontal.max()) < 1e-6
    (True, True)
    """
    theta = _check_theta(theta)
    sigma = _check_gabor_sigma(sigma)
    frequency = _check_frequency(frequency)
    if not isinstance(intensity_pyramid, (list, tuple)) or len(intensity_pyramid) == 0:
        raise TypeError(
            "intensity_pyramid must be a non-empty list of 2-D arrays, "
            f"got {type(intensity_pyramid).__name__}"
        )
    levels = [
        np.ascontiguousarray(
            check_map(level, name=f"intensity_pyramid[{k}]"), dtype=np.float32
        )
        for k, level in enumerate(intensity_pyramid)
    ]
    return [np.ascontiguousarray(m[:, :, 0]) for m in gabor_levels(levels, (theta,), sigma, frequency)]


def _pack_columns(
    shapes: Sequence[tuple[int, int]], height: int
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """Top-left corners that stack blocks in columns of ``height`` rows; canvas shape."""
    corners, x, y, column_width = [], 0, 0, 0
    for rows, cols in shapes:
        if y and y + rows > height:  # start a new column
            x, y, column_width = x + column_width, 0, 0
        corners.append((y, x))
        y, column_width = y + rows, max(column_width, cols)
    return (height, x + column_width), corners


@functools.lru_cache(maxsize=4)  # a few MB per image size: keep only recent sizes
def _gabor_plan(
    shapes: tuple[tuple[int, int], ...], thetas: tuple[float, ...], sigma: float, frequency: float
) -> tuple[int, np.ndarray, list[tuple]]:
    """How :func:`gabor_levels` filters levels of these shapes (cached).

    The first (largest) level is filtered alone; the others, each padded by
    the kernel radius r, share one canvas, so small levels cost one set of
    calls instead of one each.  Returns r, the 1-D envelope factor and, per
    canvas, (canvas shape, level indices, their corners, then float32 read-only
    tables of shape (canvas, K): cos ω·q, sin ω·q, κ cos ω·q, κ sin ω·q), with
    ω·q = 2πf (x cos θ + y sin θ) in canvas coordinates.  The phase origin of a
    block does not matter: it cancels in the modulus.
    """
    radius = _default_radius(sigma)
    u = np.arange(-radius, radius + 1, dtype=np.float64)
    factor = np.exp(-(u**2) / (2 * sigma**2)) / (np.sqrt(2 * np.pi) * sigma)
    kappas = []
    for theta in thetas:
        # κ = Σ G e^{iω·u} / Σ G factorises into 1-D sums for a separable envelope
        along_x = (factor * np.exp(2j * np.pi * frequency * np.cos(theta) * u)).sum()
        along_y = (factor * np.exp(2j * np.pi * frequency * np.sin(theta) * u)).sum()
        kappas.append((along_x * along_y).real / factor.sum() ** 2)
    padded = [(rows + 2 * radius, cols + 2 * radius) for rows, cols in shapes]
    groups = [[0], list(range(1, len(shapes)))] if len(shapes) > 1 else [[0]]
    canvases = []
    for members in groups:
        canvas, corners = _pack_columns([padded[k] for k in members], max(padded[k][0] for k in members))
        y, x = np.mgrid[: canvas[0], : canvas[1]].astype(np.float64)
        phases = np.stack([2 * np.pi * frequency * (x * np.cos(t) + y * np.sin(t)) for t in thetas], axis=2)
        waves = [np.cos(phases), np.sin(phases)]
        waves += [np.array(kappas) * wave for wave in waves]
        tables = [np.ascontiguousarray(t, dtype=np.float32) for t in waves]
        for table in tables:
            table.setflags(write=False)
        canvases.append((canvas, members, corners, *tables))
    return radius, factor.astype(np.float32), canvases


def gabor_levels(
    levels: Sequence[np.ndarray], thetas: tuple[float, ...], sigma: float, frequency: float
) -> list[np.ndarray]:
    """|level ⋆ g_θ| for every level and θ: float32 (h, w, K) each, by demodulation.

    With A + iB = G ⋆ (level · e^{iω·q}) and L = G ⋆ level (G the envelope),
    level ⋆ g_θ at p equals e^{-iω·p} (A + iB) − κ L, so its modulus is
    |A − κ L cos ω·p + i (B − κ L sin ω·p)|.  Each level is padded by the
    kernel radius first (mirrored, as BORDER_REFLECT_101), which makes this
    exact at the borders and keeps levels sharing a canvas independent.
    Results may be views into a canvas.
    """
    count = len(thetas)
    shapes = tuple(level.shape for level in levels)
    radius, factor, canvases = _gabor_plan(shapes, tuple(thetas), sigma, frequency)
    results: list[np.ndarray] = [np.empty(0)] * len(levels)
    for shape, members, corners, cos_wave, sin_wave, kappa_cos, kappa_sin in canvases:
        if len(members) == 1:
            canvas = cv2.copyMakeBorder(levels[members[0]], *(radius,) * 4, cv2.BORDER_REFLECT_101)
        else:
            canvas = np.zeros(shape, np.float32)
            for k, (y, x) in zip(members, corners):
                block = cv2.copyMakeBorder(levels[k], *(radius,) * 4, cv2.BORDER_REFLECT_101)
                canvas[y : y + block.shape[0], x : x + block.shape[1]] = block
        # cv2 element-wise calls on K-channel copies beat numpy broadcasting of (h, w, 1)
        spread = cv2.merge([canvas] * count)  # (canvas, K)
        real = cv2.sepFilter2D(cv2.multiply(spread, cos_wave), -1, factor, factor).reshape(cos_wave.shape)
        imag = cv2.sepFilter2D(cv2.multiply(spread, sin_wave), -1, factor, factor).reshape(sin_wave.shape)
        low = cv2.merge([cv2.sepFilter2D(canvas, -1, factor, factor)] * count)  # L, (canvas, K)
        real = cv2.subtract(real, cv2.multiply(low, kappa_cos))
        imag = cv2.subtract(imag, cv2.multiply(low, kappa_sin))
        magnitude = cv2.magnitude(real, imag).reshape(shape + (count,))
        for k, (y, x) in zip(members, corners):
            rows, cols = levels[k].shape
            results[k] = magnitude[y + radius : y + radius + rows, x + radius : x + radius + cols]
    return results
