"""The saliency model of Itti, Koch & Niebur (1998): from feature maps to S.

Used in notebook 03 (§1–§5), and by notebook 04 for attention.  The steps,
one public function each:

1. :func:`center_surround`: feature maps |P(c) ⊖ P(s)| for centre scales
   c ∈ {2, 3, 4} and surround scales s = c + δ, δ ∈ {3, 4}; over the seven
   pyramids I, RG, BY and O(θ) for four θ these are the paper's 42 maps.
2. :func:`normalize_map`: the map normalisation operator N(·) of 1998, or
   :func:`normalize_iterative`, the iterative difference-of-Gaussians
   competition of Itti & Koch (2000).
3. :func:`conspicuity_maps`: Ī, C̄, Ō from the 42 feature maps (eqs. 5–7);
   :func:`itti_koch`: conspicuity maps Ī, C̄, Ō by across-scale addition and
   the saliency map S at scale 4; :func:`saliency_map` returns S at the
   input's size, in [0, 1].

Parameters live in one frozen dataclass, :class:`IttiKochParams`, whose
defaults are the paper's; the keyword arguments of :func:`itti_koch` and
:func:`saliency_map` are its fields.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import (
    check_choice, check_count, check_image, check_map, check_number, check_positive, check_shape,
    written_into,
)
from course_lib.features import (
    GABOR_FREQUENCY,
    GABOR_SIGMA,
    HUE_THRESHOLD,
    ORIENTATIONS,
    gabor_levels,
    intensity_opponency,
    mean_rgb,
    reduced_intensity_opponency,
)
from course_lib.pyramids import (
    MAX_LEVELS, across_scale_add, add_across_scales, build_pyramid, enlarge_level, level_shape, upsample_level,
)

__all__ = [
    "CONSPICUITY",
    "FEATURE_CHANNELS",
    "FeatureKey",
    "IttiKochParams",
    "IttiKochResult",
    "center_surround",
    "conspicuity_maps",
    "itti_koch",
    "normalize_iterative",
    "normalize_map",
    "saliency_map",
]

FEATURE_CHANNELS = ("intensity", "rg", "by", "orientation")
"""Channel names of the feature maps: I, RG, BY and O (one per θ)."""

CONSPICUITY = ("intensity", "colour", "orientation")
"""Names of the three conspicuity maps Ī, C̄, Ō (also the order of ``weights``)."""

NORMALIZATIONS = ("paper", "iterative", "none")

# Iterative normalisation constants, Itti & Koch (2000) / SaliencyToolbox
# maxNormalizeIterative: σ_ex, σ_inh in % of the map's larger side, c_ex, c_inh,
# global inhibition as a fraction of the current maximum.
_ITER_SIGMA_EX = 0.02
_ITER_SIGMA_INH = 0.25
_ITER_C_EX = 0.5
_ITER_C_INH = 1.5
_ITER_GLOBAL_INH = 0.02
_ITER_RANGE = 10.0

# Feature-map values below this fraction of their channel's natural scale are
# float32 rounding of an exactly zero difference (e.g. bilinear weights that
# sum to 1 ± 1 ulp on a constant level, or a zero-mean Gabor on a flat level);
# N(·) treats maps spanning less as constant, and itti_koch reports them as 0.
_ROUNDING_FLOOR = 1e-5


# --------------------------------------------------------------------------
# parameters and result
# --------------------------------------------------------------------------
def _int_tuple(value: object, *, name: str, minimum: int) -> tuple[int, ...]:
    try:
        items = tuple(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be a sequence of integers, got {value!r}") from None
    if not items or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum for v in items
    ):
        raise ValueError(f"{name} must be a non-empty sequence of integers >= {minimum}, got {value!r}")
    if len(set(items)) != len(items):
        raise ValueError(f"{name} must not repeat a value, got {value!r}")
    return tuple(int(v) for v in items)


MAX_ITERATIONS = 1000
"""Most iterations of the DoG normalisation accepted (Itti & Koch 2001 use a few)."""


@dataclass(frozen=True)
class IttiKochParams:
    """Parameters of the Itti–Koch model; the defaults are the 1998 paper's.

    Parameters
    ----------
    levels : int
        Pyramid scales σ = 0 … levels − 1 (9); must exceed max(c) + max(δ),
        and only the scales up to that one are computed.
    center_levels : tuple of int
        Centre scales c (2, 3, 4).
    deltas : tuple of int
        Surround offsets δ, s = c + δ (3, 4); max(c) + max(δ) < levels.
    map_level : int
        Scale of the conspicuity and saliency maps (4).
    weights : tuple of 3 floats
        Weights of N(Ī), N(C̄), N(Ō) in S (1/3 each: S is their mean);
        ≥ 0, not all 0.
    normalization : {"paper", "iterative", "none"}
        N(·) of 1998 (:func:`normalize_map`), the iterative DoG of 2000
        (:func:`normalize_iterative`), or no normalisation (plain sums).
    n_iterations : int
        Iterations of the iterative normalisation (3, as the SaliencyToolbox).
    hue_threshold : float
        Colour is computed where I > hue_threshold · max(I) (1/10).
    colour_level : {0, 1}
        Scale at which r, g, b become R, G, B, Y.  0 is the paper (full
        resolution).  1 applies the colour formulas after one reduce step,
        a faster approximation (see Notes of :func:`itti_koch`); intensity
        and orientation are identical either way.

    Raises
    ------
    TypeError, ValueError
        Naming the field, for any invalid value.

    Examples
    --------
    >>> params = IttiKochParams()
    >>> params.center_levels, params.deltas, params.map_level, params.normalization
    ((2, 3, 4), (3, 4), 4, 'paper')
    >>> IttiKochParams(deltas=[3]).deltas
    (3,)
    """

    levels: int = 9
    center_levels: tuple[int, ...] = (2, 3, 4)
    deltas: tuple[int, ...] = (3, 4)
    map_level: int = 4
    weights: tuple[float, float, float] = (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0)
    normalization: str = "paper"
    n_iterations: int = 3
    hue_threshold: float = HUE_THRESHOLD
    colour_level: int = 0

    def __post_init__(self) -> None:
        levels = check_count(self.levels, name="levels", minimum=1, maximum=MAX_LEVELS)
        centers = _int_tuple(self.center_levels, name="center_levels", minimum=0)
        deltas = _int_tuple(self.deltas, name="deltas", minimum=1)
        if max(centers) + max(deltas) > levels - 1:
            raise ValueError(
                f"levels must exceed max(center_levels) + max(deltas) = "
                f"{max(centers)} + {max(deltas)}, got levels={levels}"
            )
        map_level = self.map_level
        if isinstance(map_level, bool) or not isinstance(map_level, (int, np.integer)) or not (
            0 <= map_level < levels
        ):
            raise ValueError(f"map_level must be an integer in [0, {levels - 1}], got {map_level!r}")
        try:
            weights = tuple(float(w) for w in self.weights)
        except (TypeError, ValueError):
            raise TypeError(f"weights must be three numbers, got {self.weights!r}") from None
        if len(weights) != 3 or not all(np.isfinite(w) and w >= 0 for w in weights) or sum(weights) == 0:
            raise ValueError(
                "weights must be three finite numbers >= 0, not all 0 "
                f"(intensity, colour, orientation), got {self.weights!r}"
            )
        check_choice(self.normalization, NORMALIZATIONS, name="normalization")
        n_iterations = check_count(self.n_iterations, name="n_iterations", minimum=1, maximum=MAX_ITERATIONS)
        threshold = check_positive(self.hue_threshold, name="hue_threshold", allow_zero=True)
        if threshold >= 1:
            raise ValueError(f"hue_threshold must be in [0, 1), got {self.hue_threshold!r}")
        if self.colour_level not in (0, 1) or isinstance(self.colour_level, bool):
            raise ValueError(f"colour_level must be 0 (the paper) or 1, got {self.colour_level!r}")
        if self.colour_level > min(centers) or self.colour_level > map_level:
            raise ValueError(
                "colour_level must not exceed min(center_levels) and map_level, "
                f"got colour_level={self.colour_level}"
            )
        for name, value in (
            ("levels", levels),
            ("center_levels", centers),
            ("deltas", deltas),
            ("map_level", int(map_level)),
            ("weights", weights),
            ("n_iterations", n_iterations),
            ("hue_threshold", threshold),
            ("colour_level", int(self.colour_level)),
        ):
            object.__setattr__(self, name, value)


def _params_from(params: dict[str, Any]) -> IttiKochParams:
    known = {f.name for f in dataclasses.fields(IttiKochParams)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise TypeError(
            f"unknown parameter(s) {', '.join(unknown)}; the parameters are {', '.join(sorted(known))}"
        )
    return IttiKochParams(**params)


class FeatureKey(NamedTuple):
    """Label of one feature map: channel, centre c, surround s, θ (radians or None)."""

    channel: str
    c: int
    s: int
    theta: float | None = None


@dataclass(frozen=True)
class IttiKochResult:
    """Everything :func:`itti_koch` computes.

    Attributes
    ----------
    feature_maps : dict of FeatureKey → ndarray of float32
        The rectified centre–surround maps |P(c) ⊖ P(s)|, each at scale c,
        before normalisation: 42 with the default parameters (6 intensity,
        6 ``"rg"``, 6 ``"by"``, 24 ``"orientation"``).
    conspicuity_maps : dict of str → ndarray of float32
        Ī, C̄, Ō at ``params.map_level`` under the keys of :data:`CONSPICUITY`
        (before their own N(·)).
    saliency : ndarray of float32
        S = Σ weights · N(conspicuity), at ``params.map_level``, ≥ 0, not
        rescaled (:func:`saliency_map` rescales it to [0, 1]).
    params : IttiKochParams
    """

    feature_maps: dict[FeatureKey, npt.NDArray[np.float32]]
    conspicuity_maps: dict[str, npt.NDArray[np.float32]]
    saliency: npt.NDArray[np.float32]
    params: IttiKochParams = field(default_factory=IttiKochParams)

    def maps(
        self, channel: str | None = None, *, c: int | None = None, s: int | None = None,
        theta: float | None = None,
    ) -> dict[FeatureKey, npt.NDArray[np.float32]]:
        """The feature maps whose labels match every given field (θ up to 1e-9 rad)."""
        return {
            key: value
            for key, value in self.feature_maps.items()
            if (channel is None or key.channel == channel)
            and (c is None or key.c == c)
            and (s is None or key.s == s)
            and (theta is None or (key.theta is not None and abs(key.theta - theta) < 1e-9))
        }


# --------------------------------------------------------------------------
# centre–surround
# --------------------------------------------------------------------------
def center_surround(
    pyramid: Sequence[npt.ArrayLike],
    *,
    center_levels: Sequence[int] = (2, 3, 4),
    deltas: Sequence[int] = (3, 4),
) -> dict[tuple[int, int], npt.NDArray[np.floating]]:
    """Centre–surround feature maps |P(c) ⊖ P(s)| for s = c + δ.

    .. math:: \\mathcal{F}(c, s) = |P(c) \\ominus P(s)|, \\quad
              c \\in \\{2, 3, 4\\},\\; s = c + \\delta,\\; \\delta \\in \\{3, 4\\}

    (Itti, Koch & Niebur 1998, eqs. 1–4; ⊖ is
    :func:`course_lib.pyramids.across_scale_difference`).

    Parameters
    ----------
    pyramid : sequence of ndarray, each (h_σ, w_σ) or (h_σ, w_σ, C)
        A Gaussian (or Gabor) pyramid, finest first; ``len(pyramid)`` must
        exceed max(c) + max(δ).  Channels of a stack are handled independently.
    center_levels : sequence of int
        Centre scales c.
    deltas : sequence of int
        Surround offsets δ ≥ 1.

    Returns
    -------
    dict of (c, s) → ndarray
        ``len(center_levels) · len(deltas)`` maps ≥ 0, each of the shape of
        ``pyramid[c]``, ordered by c then δ.

    Raises
    ------
    TypeError
        If ``pyramid`` is not a list or tuple of arrays.
    ValueError
        If a needed level is missing or the levels are not finite arrays.

    Notes
    -----
    The surround is upsampled bilinearly (see
    :func:`~course_lib.pyramids.across_scale_difference`); the result lives
    at the centre's scale and borders are not attenuated (iNVT and the
    SaliencyToolbox fade the outer 1/20 of every map to zero).

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> from course_lib.pyramids import gaussian_pyramid
    >>> maps = center_surround(gaussian_pyramid(np.full((64, 64), 0.5)))
    >>> sorted(maps), max(float(m.max()) for m in maps.values())
    ([(2, 5), (2, 6), (3, 6), (3, 7), (4, 7), (4, 8)], 0.0)
    """
    if not isinstance(pyramid, (list, tuple)):
        raise TypeError(f"pyramid must be a list of arrays, got {type(pyramid).__name__}")
    centers = _int_tuple(center_levels, name="center_levels", minimum=0)
    offsets = _int_tuple(deltas, name="deltas", minimum=1)
    if max(centers) + max(offsets) >= len(pyramid):
        raise ValueError(
            f"pyramid has {len(pyramid)} levels but center_levels={centers} and "
            f"deltas={offsets} need level {max(centers) + max(offsets)}"
        )
    needed = sorted(set(centers) | {c + d for c in centers for d in offsets})
    checked = {
        index: check_map(pyramid[index], ndim=(2, 3), name=f"pyramid[{index}]")
        for index in needed
    }
    dtype = np.float64 if any(a.dtype == np.float64 for a in checked.values()) else np.float32
    levels = {index: np.ascontiguousarray(a, dtype=dtype) for index, a in checked.items()}
    return _center_surround(levels, centers, offsets)


def _center_surround(
    levels: dict[int, np.ndarray], centers: Sequence[int], deltas: Sequence[int]
) -> dict[tuple[int, int], np.ndarray]:
    maps = {}
    for c in centers:
        for delta in deltas:
            center, surround = levels[c], levels[c + delta]
            expected = level_shape(center.shape, delta)
            if expected != surround.shape[:2] or center.shape[2:] != surround.shape[2:]:
                raise ValueError(
                    f"pyramid[{c + delta}] must have shape {expected} "
                    f"(pyramid[{c}] {center.shape} reduced {delta} times), got {surround.shape}"
                )
            # eq. 1: I(c, s) = |I(c) ⊖ I(s)|
            maps[(c, c + delta)] = cv2.absdiff(center, upsample_level(surround, center.shape[:2], delta))
    return maps


# --------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------
def _check_map(feature_map: object) -> np.ndarray:
    array = check_map(feature_map, ndim=(2, 3), name="feature_map")
    dtype = np.float64 if array.dtype == np.float64 else np.float32
    return np.ascontiguousarray(array, dtype=dtype)


def _to_khw(array: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, K) → C-contiguous (K, H, W): per-map reductions are fast."""
    if array.ndim == 2:
        return array[None]
    return np.ascontiguousarray(array.transpose(2, 0, 1))


def _from_khw(stack: np.ndarray, like: np.ndarray) -> np.ndarray:
    if like.ndim == 2:
        return stack[0]
    return np.ascontiguousarray(stack.transpose(1, 2, 0))


def normalize_map(
    feature_map: npt.ArrayLike, *, max_value: float = 10.0, threshold: float = 0.1
) -> npt.NDArray[np.floating]:
    """Map normalisation operator N(·) of 1998.

    .. math::

        \\mathcal{N}(M) = M' \\, (M_{\\max} - \\bar m)^2, \\qquad
        M' = M_{\\max} \\frac{M - \\min M}{\\max M - \\min M}

    where :math:`\\bar m` is the mean of the local maxima of M' other than
    the global one (Itti, Koch & Niebur 1998, §2.2: "(1) normalizing the
    values in the map to a fixed range [0..M] …; (2) finding the location
    of the map's global maximum M and computing the average m̄ of all its
    other local maxima; and (3) globally multiplying the map by (M − m̄)²").

    Parameters
    ----------
    feature_map : ndarray, shape (H, W) or (H, W, K)
        One map, or K maps stacked on the last axis (each normalised on
        its own).  Any finite real values.
    max_value : float
        The range maximum M (10, as iNVT and the SaliencyToolbox).
    threshold : float
        Local maxima below ``threshold · max_value`` are ignored (0.1).

    Returns
    -------
    ndarray, shape of ``feature_map``, values in [0, max_value³]
        float64 for float64 input, else float32.

    Raises
    ------
    TypeError, ValueError
        Bad ``feature_map``; ``max_value`` not > 0; ``threshold`` not in [0, 1).

    Notes
    -----
    Local-maximum convention (the paper leaves it open): a pixel of M' is a
    local maximum when it is ≥ its 4-neighbours that exist (border pixels
    count), strictly > its upper and left neighbours, and
    ≥ ``threshold · max_value``.

    * 4-neighbours and the 1/10 threshold are iNVT's and the
      SaliencyToolbox's (the threshold keeps flat zero regions and noise
      from counting as maxima);
    * the strict comparison with the upper and left neighbours makes a
      flat-topped peak (two equal neighbouring pixels, common on the
      symmetric synthetic stimuli of the course) one maximum instead of
      two, which would otherwise set M − m̄ = 0 and erase the map;
    * "other" is the paper's word: the global maximum (its first pixel in
      row-major order, always a local maximum under this rule) is excluded
      from m̄.  iNVT and the SaliencyToolbox include it, which divides the
      factor by about 4 when there are two peaks.  When there is no other
      maximum, m̄ = 0 and the factor is M²; k ≥ 2 equal peaks give 0.

    A constant map (max = min, including all-zero maps) returns zeros, not
    NaN (the SaliencyToolbox returns a constant 125 there).  N is
    invariant to a·map + b for a > 0.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558
    .. [2] Walther, D. & Koch, C. (2006). Modeling attention to salient
       proto-objects. Neural Networks 19(9), 1395–1407.
       doi:10.1016/j.neunet.2006.10.001

    Examples
    --------
    >>> one_peak = np.zeros((5, 5)); one_peak[2, 2] = 3.0
    >>> round(float(normalize_map(one_peak).max()), 6)   # 10 · (10 - 0)²
    1000.0
    >>> two_peaks = np.zeros((5, 5)); two_peaks[1, 1] = two_peaks[3, 3] = 3.0
    >>> float(normalize_map(two_peaks).max())  # 10 · (10 - 10)²
    0.0
    >>> float(normalize_map(np.full((3, 3), 7.0)).max())
    0.0
    """
    array = _check_map(feature_map)
    max_value = check_number(check_positive(max_value, name="max_value"), name="max_value", maximum=1e100)
    threshold = check_positive(threshold, name="threshold", allow_zero=True)
    if threshold >= 1:
        raise ValueError(f"threshold must be in [0, 1), got {threshold!r}")
    result = _normalize_paper(_to_khw(array), max_value=max_value, threshold=threshold)
    return _from_khw(result, array)


def _rises_into_not_out_of(flat: np.ndarray, step: int) -> np.ndarray:
    """x[p] > x[p − step] and x[p] ≥ x[p + step] along a flat array (missing ends pass).

    ``rises[p]`` says x[p] > x[p − step]; a pixel rises into itself and not out
    of it, i.e. rises[p] > rises[p + step].  One contiguous comparison.
    """
    size = flat.size
    rises = np.empty(size + step, bool)
    rises[:step], rises[size:] = True, False
    np.greater(flat[step:], flat[:-step], out=rises[step:size])
    return np.greater(rises[:size], rises[step:])


def _local_maxima(maps: np.ndarray) -> np.ndarray:
    """Bool (K, H, W): ≥ every existing 4-neighbour, > the upper and left ones.

    Compared on the flattened stack so that every numpy call runs over
    contiguous memory (3× faster than slicing the last axis); the first and
    last column (row), which the flat comparison pairs across a row (map)
    edge, are then redone.
    """
    count, rows, cols = maps.shape
    flat = maps.reshape(-1)
    across = _rises_into_not_out_of(flat, 1).reshape(count * rows, cols)  # left / right
    lines = maps.reshape(count * rows, cols)
    if cols > 1:
        across[:, 0] = lines[:, 0] >= lines[:, 1]
        across[:, -1] = lines[:, -1] > lines[:, -2]
    else:
        across[:] = True
    down = _rises_into_not_out_of(flat, cols).reshape(count, rows, cols)  # up / down
    if rows > 1:
        down[:, 0] = maps[:, 0] >= maps[:, 1]
        down[:, -1] = maps[:, -1] > maps[:, -2]
    else:
        down[:] = True
    return across.reshape(maps.shape) & down


def _normalize_paper(
    maps: np.ndarray,
    *,
    max_value: float = 10.0,
    threshold: float = 0.1,
    floor: np.ndarray | float = 0.0,
) -> np.ndarray:
    """N(·) of every map of a (K, H, W) stack; maps spanning ≤ ``floor`` give zeros."""
    low, gain = _paper_gains(maps, max_value=max_value, threshold=threshold, floor=floor)
    normalised = maps - low[:, None, None]
    normalised *= gain[:, None, None]
    return normalised


def _paper_gains(
    maps: np.ndarray,
    *,
    max_value: float = 10.0,
    threshold: float = 0.1,
    floor: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """N(·) as an affine map per map of a (K, H, W) stack: N(M) = (M − low) · gain.

    Returns ``low`` (the map minima) and ``gain`` = (M/span) (M − m̄)², 0 for
    maps spanning ≤ ``floor``; both of the maps' dtype, shape (K,).
    """
    count, rows, cols = maps.shape
    flat = maps.reshape(count, -1)
    low, high = flat.min(axis=1), flat.max(axis=1)
    span = high - low
    varying = span > floor
    # (2) local maxima, found on the raw map (the rescaling of (1) is monotonic)
    is_max = _local_maxima(maps)
    is_max &= maps >= (low + threshold * span)[:, None, None]
    index = np.flatnonzero(is_max)  # maxima are sparse: gather them
    which = index // (rows * cols)
    n_maxima = np.bincount(which, minlength=count)
    total = np.bincount(which, weights=flat.ravel()[index], minlength=count)
    to_range = max_value / np.where(varying, span, 1.0).astype(np.float64)
    # m̄: mean of the local maxima other than the global one, in [0, M] units
    others = np.maximum(n_maxima - 1, 1)
    mean_others = np.where(n_maxima > 1, (total - high) / others - low, 0.0) * to_range
    # (1) M' = (map - min) M / span and (3) N(map) = M' (M - m̄)^2
    gain = np.where(varying, to_range * (max_value - mean_others) ** 2, 0.0).astype(maps.dtype)
    return low, gain


def normalize_iterative(
    feature_map: npt.ArrayLike, *, n_iterations: int = 3
) -> npt.NDArray[np.floating]:
    """Iterative within-map competition of Itti & Koch (2000).

    .. math::

        M \\leftarrow \\left| M + M * \\mathrm{DoG} - C_{\\mathrm{inh}} \\right|_{\\ge 0},
        \\quad
        \\mathrm{DoG}(x, y) = \\frac{c_{ex}^2}{2\\pi\\sigma_{ex}^2} e^{-\\frac{x^2 + y^2}{2\\sigma_{ex}^2}}
        - \\frac{c_{inh}^2}{2\\pi\\sigma_{inh}^2} e^{-\\frac{x^2 + y^2}{2\\sigma_{inh}^2}}

    with σ_ex = 2 % and σ_inh = 25 % of the map's larger side, c_ex = 0.5,
    c_inh = 1.5 and C_inh = 0.02 · max M, after rescaling M to [0, 10]
    (Itti & Koch 2000, §2.2, eq. 2; Itti & Koch 2001, J. Electron. Imaging,
    eq. 5; constants of the SaliencyToolbox's ``maxNormalizeIterative``).

    Parameters
    ----------
    feature_map : ndarray, shape (H, W) or (H, W, K)
        One map or K stacked maps (each on its own); negatives are set to 0.
    n_iterations : int
        Number of iterations, ≥ 1 (3 in the SaliencyToolbox; 1 is iNVT's
        "FancyOne").

    Returns
    -------
    ndarray, shape of ``feature_map``, values ≥ 0
        float64 for float64 input, else float32.

    Raises
    ------
    TypeError, ValueError
        Bad ``feature_map`` or ``n_iterations``.

    Notes
    -----
    Convention: each Gaussian is truncated at 1 % of its peak and at half
    the map's smaller side (as the SaliencyToolbox), renormalised to total
    weight c², and borders preserve energy (the kernel is renormalised over
    the part inside the map, as the SaliencyToolbox's
    ``sepConv2PreserveEnergy``).  A constant map returns zeros (the
    SaliencyToolbox rescales it to a constant 5 first).

    References
    ----------
    .. [1] Itti, L. & Koch, C. (2000). A saliency-based search mechanism for overt
       and covert shifts of visual attention. Vision Research 40(10–12),
       1489–1506. doi:10.1016/S0042-6989(99)00163-7
    .. [2] Itti, L. & Koch, C. (2001). Feature combination strategies for
       saliency-based visual attention systems. J. Electronic Imaging 10(1),
       161–169. doi:10.1117/1.1333677
    .. [3] Walther, D. & Koch, C. (2006). Modeling attention to salient
       proto-objects. Neural Networks 19(9), 1395–1407.
       doi:10.1016/j.neunet.2006.10.001

    Examples
    --------
    Two blobs, the second at 0.6 of the first: iterating lowers it further.

    >>> y, x = np.mgrid[:48, :48]
    >>> blob = lambda row, col: np.exp(-((y - row) ** 2 + (x - col) ** 2) / 18)
    >>> blobs = blob(12, 12) + 0.6 * blob(34, 32)
    >>> [round(float(out[34, 32] / out[12, 12]), 2)
    ...  for out in (normalize_iterative(blobs, n_iterations=n) for n in (1, 10, 20))]
    [0.6, 0.55, 0.45]
    """
    array = _check_map(feature_map)
    n_iterations = check_count(n_iterations, name="n_iterations", minimum=1, maximum=MAX_ITERATIONS)
    return _from_khw(_normalize_iterative(_to_khw(array), n_iterations=n_iterations), array)


def _blur_radius(sigma: float, limit: int) -> int:
    # half-width where the Gaussian falls to 1 % of its peak, capped by the map
    return max(0, min(int(sigma * math.sqrt(2 * math.log(100))), limit))


def _gaussian_blur(maps: np.ndarray, sigma: float, radius: int) -> np.ndarray:
    """Blur each map of a (H, W, K) stack, zero outside (BORDER_CONSTANT)."""
    blurred = cv2.GaussianBlur(maps, (2 * radius + 1,) * 2, sigma, borderType=cv2.BORDER_CONSTANT)
    return blurred.reshape(maps.shape)


def _normalize_iterative(
    maps: np.ndarray, *, n_iterations: int = 3, floor: np.ndarray | float = 0.0
) -> np.ndarray:
    """Iterative DoG normalisation of every map of a (K, H, W) stack."""
    count, rows, cols = maps.shape
    clamped = np.maximum(maps, 0).reshape(count, -1)
    low, high = clamped.min(axis=1), clamped.max(axis=1)
    span = high - low
    varying = span > floor
    scale = np.where(varying, _ITER_RANGE / np.where(varying, span, 1.0), 0.0).astype(maps.dtype)
    # rescale to [0, 10] (constant maps become 0); cv2 blurs (H, W, K) stacks
    current = np.ascontiguousarray(((clamped - low[:, None]) * scale[:, None]).T).reshape(rows, cols, count)
    limit = max(0, min(rows, cols) // 2 - 1)
    kernels = []
    for sigma_fraction, coefficient in ((_ITER_SIGMA_EX, _ITER_C_EX), (_ITER_SIGMA_INH, _ITER_C_INH)):
        sigma = sigma_fraction * max(rows, cols)
        radius = _blur_radius(sigma, limit)
        if radius:
            # energy-preserving borders: divide by the kernel mass inside the map
            inside = _gaussian_blur(np.ones((rows, cols, 1), maps.dtype), sigma, radius)
            kernels.append((sigma, radius, (coefficient**2 / inside).astype(maps.dtype)))
        else:
            kernels.append((sigma, 0, np.full((1, 1, 1), coefficient**2, maps.dtype)))
    for _ in range(n_iterations):
        peak = current.reshape(-1, count).max(axis=0)
        excitation, inhibition = (
            (_gaussian_blur(current, sigma, radius) if radius else current) * weight
            for sigma, radius, weight in kernels
        )
        # Itti & Koch (2000), eq. 2: M <- |M + M * DoG - C_inh|_{>=0}
        current = np.maximum(current + excitation - inhibition - _ITER_GLOBAL_INH * peak, 0)
    return np.ascontiguousarray(current.transpose(2, 0, 1))


# --------------------------------------------------------------------------
# conspicuity maps from feature maps
# --------------------------------------------------------------------------
def conspicuity_maps(
    feature_maps: Mapping[tuple, npt.ArrayLike], shape: tuple[int, int]
) -> dict[str, npt.NDArray[np.floating]]:
    """The conspicuity maps Ī, C̄, Ō from labelled feature maps.

    .. math::

        \\bar I = \\bigoplus_{c} \\bigoplus_{s} \\mathcal N(\\mathcal I(c, s)), \\quad
        \\bar C = \\bigoplus_{c} \\bigoplus_{s}
        [\\mathcal N(\\mathcal{RG}(c, s)) + \\mathcal N(\\mathcal{BY}(c, s))], \\quad
        \\bar O = \\sum_{\\theta} \\mathcal N\\Big(\\bigoplus_{c} \\bigoplus_{s}
        \\mathcal N(\\mathcal O(c, s, \\theta))\\Big)

    (Itti, Koch & Niebur 1998, eqs. 5–7), with N(·) of 1998
    (:func:`normalize_map`) and ⊕ the across-scale addition
    (:func:`course_lib.pyramids.across_scale_add`).  Used in notebook 03 (§4).

    Parameters
    ----------
    feature_maps : mapping of FeatureKey (or (channel, c, s, theta) tuple) → ndarray (h_c, w_c)
        The feature maps of :attr:`IttiKochResult.feature_maps`: channels
        ``"intensity"``, ``"rg"``, ``"by"`` (with the same (c, s) pairs as
        ``"rg"``) and ``"orientation"`` (θ in radians), any (c, s) pairs.
    shape : (int, int)
        (rows, cols) of the conspicuity maps, e.g. the shape of scale 4.

    Returns
    -------
    dict of str → ndarray, shape ``shape``
        Keys ``"intensity"``, ``"colour"``, ``"orientation"`` (:data:`CONSPICUITY`),
        values ≥ 0, before their own N(·); float64 if any map is float64,
        else float32.

    Raises
    ------
    TypeError
        If ``feature_maps`` is not a non-empty mapping with 4-field keys, or
        ``shape`` is not a pair of integers.
    ValueError
        If a channel is missing or unknown, or ``"rg"`` and ``"by"`` have
        different (c, s) pairs.

    Notes
    -----
    The same steps :func:`itti_koch` runs internally (it never stores the
    normalised maps); the two agree to float32 rounding (relative 1e-3),
    except where a feature map is a rounding residue of an exact zero, which
    :func:`itti_koch` has already set to 0 in the maps it returns.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> result = itti_koch(np.random.default_rng(0).random((96, 128, 3)).astype(np.float32))
    >>> maps = conspicuity_maps(result.feature_maps, result.saliency.shape)
    >>> list(maps), maps["orientation"].shape
    (['intensity', 'colour', 'orientation'], (6, 8))
    >>> all(np.allclose(maps[name], expected, rtol=1e-3, atol=1e-3 * float(expected.max()))
    ...     for name, expected in result.conspicuity_maps.items())
    True
    """
    if not isinstance(feature_maps, Mapping) or not feature_maps:
        raise TypeError(
            f"feature_maps must be a non-empty mapping of FeatureKey to arrays, got {type(feature_maps).__name__}"
        )
    try:
        labels = {FeatureKey(*key): key for key in feature_maps}
    except TypeError:
        raise TypeError(
            "feature_maps keys must be FeatureKey or (channel, c, s, theta) tuples, "
            f"got {next(iter(feature_maps))!r}"
        ) from None
    unknown = sorted({key.channel for key in labels} - set(FEATURE_CHANNELS))
    if unknown:
        raise ValueError(f"feature_maps has unknown channel(s) {unknown}; the channels are {list(FEATURE_CHANNELS)}")
    by_channel = {channel: [key for key in labels if key.channel == channel] for channel in FEATURE_CHANNELS}
    missing = [channel for channel, keys in by_channel.items() if not keys]
    if missing:
        raise ValueError(f"feature_maps has no {', '.join(missing)} maps; it needs all of {list(FEATURE_CHANNELS)}")
    colour_pairs = sorted((key.c, key.s) for key in by_channel["rg"])
    if colour_pairs != sorted((key.c, key.s) for key in by_channel["by"]):
        raise ValueError("feature_maps must hold 'rg' and 'by' maps for the same (c, s) pairs")
    for key in by_channel["orientation"]:
        if key.theta is not None:
            check_number(key.theta, name=f"feature_maps key {tuple(key)!r}: theta")
    shape = check_shape(shape, name="shape")
    checked = {key: check_map(feature_maps[label], name=f"feature_maps[{tuple(key)!r}]")
               for key, label in labels.items()}

    def normalized(key: FeatureKey) -> np.ndarray:
        return normalize_map(checked[key])

    by_pair = {(key.c, key.s): key for key in by_channel["by"]}
    # eq. 5: Ī = ⊕ N(I(c, s))
    intensity_bar = across_scale_add([normalized(key) for key in by_channel["intensity"]], shape)
    # eq. 6: C̄ = ⊕ [N(RG(c, s)) + N(BY(c, s))]
    colour_bar = across_scale_add(
        [normalized(key) + normalized(by_pair[(key.c, key.s)]) for key in by_channel["rg"]], shape
    )
    # eq. 7: Ō = Σ_θ N(⊕ N(O(c, s, θ))); θ compared to 1e-9 rad, as IttiKochResult.maps
    thetas: list[float] = []
    for key in by_channel["orientation"]:
        theta = float(key.theta if key.theta is not None else 0.0)
        if not any(abs(theta - known) < 1e-9 for known in thetas):
            thetas.append(theta)
    orientation_bar = sum(
        normalize_map(across_scale_add(
            [normalized(key) for key in by_channel["orientation"]
             if abs(float(key.theta if key.theta is not None else 0.0) - theta) < 1e-9], shape))
        for theta in thetas
    )
    return dict(zip(CONSPICUITY, (intensity_bar, colour_bar, orientation_bar)))


# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------
def _check_input(image: object) -> np.ndarray:
    array = check_image(image, ndim=(2, 3), name="image")
    return np.ascontiguousarray(array, dtype=np.float32)


def _normalize(maps: np.ndarray, params: IttiKochParams, floor: np.ndarray | float = 0.0) -> np.ndarray:
    """N(·) of a (K, H, W) stack as ``params.normalization`` says.

    Maps whose values span no more than ``floor`` (per map) count as constant,
    i.e. as the exact zero their rounding residue stands for.
    """
    if params.normalization == "paper":
        return _normalize_paper(maps, floor=floor)
    if params.normalization == "iterative":
        return _normalize_iterative(maps, n_iterations=params.n_iterations, floor=floor)
    floor = np.broadcast_to(np.asarray(floor, maps.dtype), maps.shape[:1])
    return np.where(maps > floor[:, None, None], maps, np.float32(0))


def _sum_normalized(
    group: np.ndarray, params: IttiKochParams, floor: np.ndarray, n_deltas: int
) -> list[np.ndarray]:
    """Σ_δ N(F_δ) for a (n_deltas · K, H, W) stack, δ-major: K planes (H, W).

    The paper's N(·) is affine per map, (M − low) · gain, so the sum over δ is
    one weighted sum per plane (``cv2.addWeighted``) and the normalised maps
    themselves are never stored.
    """
    n_maps = group.shape[0] // n_deltas
    if params.normalization != "paper":
        normalised = _normalize(group, params, floor)
        stacked = normalised.reshape((n_deltas, n_maps) + group.shape[1:]).sum(axis=0)
        return list(stacked)
    low, gain = _paper_gains(group, floor=floor)
    offset = -(low * gain).astype(np.float64)
    planes = []
    for k in range(n_maps):
        plane = cv2.addWeighted(group[k], float(gain[k]), group[k], 0.0, float(offset[k]))
        for j in range(1, n_deltas):
            m = j * n_maps + k
            plane = cv2.addWeighted(plane, 1.0, group[m], float(gain[m]), float(offset[m]))
        planes.append(plane)
    return planes


_N_ORIENT = len(ORIENTATIONS)


def _normalized_sums(
    families: Sequence[dict[tuple[int, int], np.ndarray]],
    params: IttiKochParams,
    floor: np.ndarray,
) -> tuple[dict[int, list[np.ndarray]], dict[int, np.ndarray]]:
    """Σ_δ N(F(c, c + δ)) for every centre c, from (h_c, w_c, K_f) feature-map stacks.

    ``families`` are dicts (c, s) → stack, e.g. [I, RG, BY] and the four O(θ);
    their channels, in order, are the K = Σ K_f maps of each (c, s).  Returns,
    per c, the K planes (h_c, w_c) of the sum and the stack
    (len(deltas) · K, h_c, w_c) of the raw maps, δ-major.  ``floor`` (K,) is
    the rounding floor of each of the K channels (see ``_ROUNDING_FLOOR``).
    All maps of one c are normalised in one call: N(·) is many small numpy
    calls, whose overhead grows with the number of calls, not of maps.
    """
    centers, deltas = params.center_levels, params.deltas
    n_maps = floor.size
    group_floor = np.tile(floor, len(deltas))
    sums, stacks = {}, {}
    for c in centers:
        # written plane by plane: cv2.split into the planes is several times faster
        # than a transposing copy
        group = np.empty((len(deltas) * n_maps,) + families[0][(c, c + deltas[0])].shape[:2], np.float32)
        for j, d in enumerate(deltas):
            index = j * n_maps
            for maps in families:
                stack = maps[(c, c + d)]
                planes = list(group[index : index + stack.shape[2]])
                for plane, written in zip(planes, cv2.split(stack, planes)):
                    written_into(written, plane, call="split")
                index += stack.shape[2]
        sums[c] = _sum_normalized(group, params, group_floor, len(deltas))
        stacks[c] = group
    return sums, stacks


def _orientation_maps(intensity: np.ndarray, params: IttiKochParams) -> dict[tuple[int, int], np.ndarray]:
    """O(c, c + δ, θ) = |O(c, θ) ⊖ O(s, θ)| as (h_c, w_c, 4) stacks.

    Gabor magnitudes (h_σ, w_σ, 4) for 0°, 45°, 90°, 135° are computed only
    where σ ≥ min(c), from the full-resolution I reduced here; the intensity
    channel's I(σ) comes out of the colour stack's pyramid and may differ
    from it by float32 rounding (I is linear in r, g, b).  Nearly all the
    time is spent inside OpenCV, which releases the GIL: this runs on the
    worker thread.
    """
    centers, deltas = params.center_levels, params.deltas
    first, top = min(centers), max(centers) + max(deltas)
    intensities = build_pyramid(intensity, top + 1)[first:]
    gabor = gabor_levels(intensities, ORIENTATIONS, GABOR_SIGMA, GABOR_FREQUENCY)
    return _center_surround(dict(zip(range(first, top + 1), gabor)), centers, deltas)


_WORKER: tuple[int, concurrent.futures.ThreadPoolExecutor] | None = None
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _submit(function: Any, *args: Any) -> concurrent.futures.Future:
    """Run ``function(*args)`` on one persistent worker thread; ``.result()`` waits.

    OpenCV releases the GIL, so on two or more cores the worker's filtering
    overlaps the caller's.  The thread is kept (a fresh thread's first
    allocations cost more than the overlap saves) and re-created after a
    fork, whose child inherits the executor but not its thread.  On one core
    the function simply runs now.
    """
    global _WORKER
    if _CORES < 2:
        done: concurrent.futures.Future = concurrent.futures.Future()
        done.set_result(function(*args))
        return done
    if _WORKER is None or _WORKER[0] != os.getpid():
        _WORKER = (os.getpid(), concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="itti-koch"))
    return _WORKER[1].submit(function, *args)


def _run(rgb: np.ndarray, params: IttiKochParams, *, keep: bool) -> tuple[np.ndarray, dict, dict]:
    """The whole model on a checked float32 image; returns S at the map level."""
    centers, deltas = params.center_levels, params.deltas
    top = max(centers) + max(deltas)
    first = min(centers)
    n_levels = max(top, params.map_level) + 1
    # the orientation channel needs only I: a second thread filters it and takes
    # its centre-surround differences while this one computes the colour maps
    intensity = rgb if rgb.ndim == 2 else mean_rgb(rgb)
    orientation_job = _submit(_orientation_maps, intensity, params)
    # pyramid of the (H, W, 3) stack [I, RG, BY]: the colour maps are computed at
    # full resolution but reduced strip by strip, as nothing uses scale 0 itself
    if params.colour_level == 1:
        # colour formulas on reduce(rgb): exact for I (linear), approximate for RG, BY
        reduced = cv2.pyrDown(rgb).reshape(level_shape(rgb.shape, 1) + rgb.shape[2:])
        pyramid = [None] + build_pyramid(intensity_opponency(reduced, params.hue_threshold), n_levels - 1)
    elif first >= 1 and params.map_level >= 1:
        colour = reduced_intensity_opponency(rgb, params.hue_threshold, mean=intensity)
        pyramid = [None] + build_pyramid(colour, n_levels - 1)
    else:
        pyramid = build_pyramid(intensity_opponency(rgb, params.hue_threshold), n_levels)
    # (c, s) -> |P(c) ⊖ P(s)|, (h_c, w_c, 3) for [I, RG, BY]
    colour_maps = _center_surround({s: pyramid[s] for s in range(first, top + 1)}, centers, deltas)
    # differences smaller than this are rounding of an exact 0 (see _ROUNDING_FLOOR)
    intensity_scale = max(float(pyramid[first][:, :, 0].max()), 1e-30)
    # (7,): I, RG, BY, O(0°), …, O(135°); intensity and orientation scale with max I
    floor = _ROUNDING_FLOOR * np.array([intensity_scale, 1.0, 1.0] + [intensity_scale] * _N_ORIENT)
    sums, stacks = _normalized_sums([colour_maps, orientation_job.result()], params, floor)
    # eqs. 5-7: ⊕ over c of Σ_δ N(F(c, c + δ)) at the map level; the 3 planes
    # [I, RG, BY] and the 4 O(θ) are merged and reduced apart (cv2 is 2-3× faster
    # on 3 + 4 channels than on 7)
    shape = pyramid[params.map_level].shape[:2]
    colour_summed = add_across_scales([cv2.merge(sums[c][:3]) for c in centers], shape)
    orientation_summed = add_across_scales([cv2.merge(sums[c][3:]) for c in centers], shape)
    intensity_bar = colour_summed[:, :, 0]
    colour_bar = colour_summed[:, :, 1] + colour_summed[:, :, 2]  # eq. 6: ⊕ [N(RG) + N(BY)]
    # eq. 7: Ō = Σ_θ N(⊕ N(O(c, s, θ)))
    orientation_bar = _normalize(_to_khw(orientation_summed), params).sum(axis=0)
    conspicuity = np.stack([intensity_bar, colour_bar, orientation_bar])  # (3, h_4, w_4)
    # eq. 8: S = (N(Ī) + N(C̄) + N(Ō)) / 3, with weights (1/3, 1/3, 1/3)
    weights = np.array(params.weights, dtype=np.float32)[:, None, None]
    saliency = (_normalize(conspicuity, params) * weights).sum(axis=0, dtype=np.float32)
    if not keep:
        return saliency, {}, {}

    # rounding residue is the exact 0 it stands for (a uniform image gives zero maps)
    labels = [("intensity", None), ("rg", None), ("by", None)] + [("orientation", theta) for theta in ORIENTATIONS]
    group_floor = np.tile(floor, len(deltas))[:, None, None]
    labelled = {}
    for c, stack in stacks.items():
        stack = np.where(stack > group_floor, stack, np.float32(0))
        for j, d in enumerate(deltas):
            for k, (channel, theta) in enumerate(labels):
                labelled[FeatureKey(channel, c, c + d, theta)] = stack[j * len(labels) + k]
    labelled = dict(sorted(labelled.items(), key=lambda item: (
        FEATURE_CHANNELS.index(item[0].channel), item[0].theta or 0.0, item[0].c, item[0].s)))
    return saliency, labelled, dict(zip(CONSPICUITY, conspicuity))


def itti_koch(image: npt.ArrayLike, **params: Any) -> IttiKochResult:
    """Run the Itti–Koch–Niebur model and return every intermediate map.

    .. math::

        \\bar I = \\bigoplus_{c=2}^{4} \\bigoplus_{s=c+3}^{c+4} \\mathcal N(I(c, s)), \\quad
        \\bar C = \\bigoplus_{c} \\bigoplus_{s} [\\mathcal N(RG(c, s)) + \\mathcal N(BY(c, s))],

    .. math::

        \\bar O = \\sum_{\\theta} \\mathcal N\\Big(\\bigoplus_{c} \\bigoplus_{s}
        \\mathcal N(O(c, s, \\theta))\\Big), \\quad
        S = \\tfrac13 \\left(\\mathcal N(\\bar I) + \\mathcal N(\\bar C) + \\mathcal N(\\bar O)\\right)

    (Itti, Koch & Niebur 1998, eqs. 1–8).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB (or grey) float in [0, 1], the course format; integer, RGBA
        or other images go through :func:`course_lib.images.load_image`.
    **params
        Fields of :class:`IttiKochParams` (``levels``, ``center_levels``,
        ``deltas``, ``map_level``, ``weights``, ``normalization``,
        ``n_iterations``, ``hue_threshold``, ``colour_level``).

    Returns
    -------
    IttiKochResult
        42 feature maps, 3 conspicuity maps and S, at the scales above;
        for 640×480 the conspicuity and saliency maps are 40×30.

    Raises
    ------
    TypeError
        For an unknown parameter name or a non-array ``image``.
    ValueError
        For an invalid parameter value, or an image of another shape
        (e.g. RGBA), with NaN/inf or values outside [0, 1].

    Notes
    -----
    Deviations from the paper, each a choice the paper leaves open or a
    stated fix:

    * colour opponency in the difference form |RG(c) ⊖ RG(s)| (eqs. 2–3
      have a typo, see :func:`course_lib.features.opponency`);
    * ⊖ interpolates bilinearly at the surround's own sample positions;
      ⊕ reduces with the pyramid's binomial reduce (the paper names
      neither; see :mod:`course_lib.pyramids`);
    * Gabor filter σ = 2 px, period 4 px on every level, quadrature
      magnitude (the paper gives no values; see
      :func:`course_lib.features.orientation_pyramid`);
    * N(·) uses the local-maximum convention of :func:`normalize_map`;
      each feature map is normalised at its own scale c, as the paper's
      ⊕ N(·) reads (iNVT first resizes it to scale 4);
    * feature-map values below 1e-5 of their channel's scale (max I for
      intensity and orientation, 1 for RG and BY) are float32 rounding of
      an exact zero (e.g. interpolating a uniform level): N(·) treats such
      a map as constant and the returned feature maps hold 0 there, so a
      uniform image gives zero feature maps and S ≡ 0 exactly;
    * no border attenuation and no final blur (both are iNVT/STB additions);
      on grid-like synthetic images the mirrored borders of the coarse
      levels can then make a corner salient;
    * ``colour_level=1`` (not the default) applies the colour formulas to
      the image reduced once, which is about 1.5 ms faster at 640×480 and
      changes S little (correlation > 0.999 on the course's photographs),
      but is not the paper: hue normalisation and rectification do not
      commute with the low-pass filter.

    Convention: only the scales that enter centre–surround (σ ≥ min(c)) are
    built and filtered for orientation.  The colour features are computed
    at full resolution, strip by strip, and reduced at once (no full-size
    map is kept), exactly as computing and reducing the whole image.  On
    two or more cores the orientation channel's filtering (its own I
    pyramid, Gabor filters and centre–surround, all inside OpenCV, which
    releases the GIL) runs in a second thread while the caller's thread
    computes the colour maps; the result is bit-for-bit the single-thread one.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> result = itti_koch(np.random.default_rng(0).random((480, 640, 3)).astype(np.float32))
    >>> len(result.feature_maps), result.saliency.shape, sorted(result.conspicuity_maps)
    (42, (30, 40), ['colour', 'intensity', 'orientation'])
    >>> len(result.maps("orientation", c=2)), result.feature_maps[("intensity", 4, 8, None)].shape
    (8, (30, 40))
    """
    settings = _params_from(params)
    rgb = _check_input(image)
    saliency, feature_maps, conspicuity = _run(rgb, settings, keep=True)
    return IttiKochResult(feature_maps, conspicuity, saliency, settings)


def saliency_map(image: npt.ArrayLike, **params: Any) -> npt.NDArray[np.float32]:
    """Itti–Koch saliency map at the input's size, rescaled to [0, 1].

    .. math:: \\hat S = \\mathrm{upsample}_{H \\times W}\\left(S / \\max S\\right)

    with S of :func:`itti_koch` (Itti, Koch & Niebur 1998, eq. 8).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB (or grey) float in [0, 1].
    **params
        Fields of :class:`IttiKochParams`.

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]
        The maximum is 1 at scale 4 (slightly less after enlargement, see
        Convention); all zeros when S ≡ 0 (e.g. a constant image).

    Raises
    ------
    TypeError, ValueError
        As :func:`itti_koch`.

    Notes
    -----
    Convention: S (at scale 4, 1/16 of the side) is divided by its maximum,
    not min–max stretched, so its zero level is kept.  It is enlarged
    bilinearly and pyramid-aligned (scale-4 pixel j sits on image pixel
    16 j, see :func:`course_lib.pyramids.across_scale_difference`) to within
    half an image pixel: image pixel i shows S at i/16 + 1/32, which lets
    ``cv2.resize`` do it (5× faster than exact alignment).  A plain
    ``cv2.resize`` of S would shift the map by 7.5 pixels.  The result may
    be a view with padded rows (not C-contiguous), to avoid a copy.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> image = np.zeros((64, 96, 3), np.float32); image[20:30, 40:50] = 1.0  # a white square
    >>> sal = saliency_map(image)
    >>> peak = [int(i) for i in np.unravel_index(sal.argmax(), sal.shape)]
    >>> sal.shape, sal.dtype, round(float(sal.max()), 3), peak
    ((64, 96), dtype('float32'), 0.985, [31, 47])
    >>> float(saliency_map(np.full((32, 32), 0.5)).max())
    0.0
    """
    settings = _params_from(params)
    rgb = _check_input(image)
    saliency, _, _ = _run(rgb, settings, keep=False)
    peak = float(saliency.max())
    rows, cols = rgb.shape[:2]
    if not peak > 0:
        return np.zeros((rows, cols), np.float32)
    scaled = saliency * np.float32(1.0 / peak)
    # S ≥ 0 and bilinear weights are ≥ 0, but their rounding may pass 1 by an ulp
    return enlarge_level(scaled, (rows, cols), settings.map_level, at_most=1.0).reshape(rows, cols)
