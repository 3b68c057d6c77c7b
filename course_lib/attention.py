"""Where attention goes next: winner-take-all with inhibition of return.

Used in notebook 04 (§1–§4).  Itti, Koch & Niebur (1998) feed the saliency
map into a winner-take-all (WTA) network: the most active location wins and
attention (the focus of attention, FOA) jumps there; the winner is then
inhibited (inhibition of return, IOR), so the next most salient location
wins, and so on.  Two versions:

* :func:`scanpath` — the algorithmic shortcut most ports use: repeated
  argmax, each winner's disk set to zero.
* :func:`simulate_attention` — the paper's dynamics: leaky integrate-and-fire
  saliency units drive integrate-and-fire WTA units, simulated with explicit
  Euler steps, so fixations come with simulated times in milliseconds.

And the visual-search experiment of the paper's §3: :func:`search_experiment`
counts the fixations until attention lands on the target, over set sizes.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import (
    as_generator,
    check_array,
    check_choice,
    check_count,
    check_map,
    check_number,
    check_numbers,
    check_positive,
    check_shape,
)
from course_lib.stimuli import SearchArray, search_array


MAX_STEPS = 1_000_000
"""Most time steps of :func:`simulate_attention` (max_time_ms / dt_ms): bounds its loop."""


def default_ior_radius(shape: tuple[int, ...]) -> float:
    """The paper's FOA radius: min(H, W) / 6 of the map.

    Notes
    -----
    SaliencyToolbox uses max(H, W) / 6 instead (``foaSize``); for 4:3
    images its disk is a third larger.

    Examples
    --------
    >>> default_ior_radius((30, 40))
    5.0
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) < 2:
        raise TypeError(f"shape must be a sequence (H, W, ...) of integers, got {shape!r}")
    return min(check_shape(tuple(shape[:2]), name="shape")) / 6


def disk_mask(shape: tuple[int, int], centre: tuple[float, float], radius: float) -> npt.NDArray[np.bool_]:
    """Boolean (H, W) mask of the pixels within ``radius`` of ``centre`` (row, col).

    Examples
    --------
    >>> disk_mask((3, 3), (1, 1), 1.0).astype(int).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    """
    shape = check_shape(shape, name="shape")
    centre = _check_point(centre, name="centre")
    radius = check_positive(radius, name="radius", allow_zero=True)
    return _disk(shape, centre, radius)


def _check_point(point: object, *, name: str) -> tuple[float, float]:
    if isinstance(point, (str, bytes)) or not hasattr(point, "__len__"):
        raise TypeError(f"{name} must be a pair of numbers (row, col), got {type(point).__name__}")
    if len(point) != 2:
        raise ValueError(f"{name} must be a pair of numbers (row, col), got {point!r}")
    return check_number(point[0], name=name), check_number(point[1], name=name)


def _disk(shape: tuple[int, int], centre: tuple[float, float], radius: float) -> np.ndarray:
    # a radius beyond the map's diagonal from the centre covers it all; capping keeps radius² finite
    reach = math.hypot(shape[0], shape[1]) + abs(centre[0]) + abs(centre[1])
    radius = min(radius, reach)
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2


def winner_take_all(saliency: np.ndarray) -> tuple[int, int]:
    """The location (row, col) of the map's maximum: the WTA network's winner.

    Ties go to the first location in row-major order, as SaliencyToolbox's
    "first unit to spike" does.

    Examples
    --------
    >>> winner_take_all(np.array([[0.0, 2.0], [2.0, 1.0]]))
    (0, 1)
    """
    return _argmax(check_map(saliency, name="saliency", allow_minus_inf=True))


def _argmax(values: np.ndarray) -> tuple[int, int]:
    flat_index = int(np.argmax(values))
    row, col = divmod(flat_index, values.shape[1])
    return row, col


def inhibit_return(saliency: np.ndarray, fixation: tuple[int, int], radius: float) -> npt.NDArray[np.float64]:
    """Inhibition of return: a copy of the map with the FOA disk set to −inf.

    −inf, rather than 0, keeps inhibited locations below every location that
    was never visited, even where the map is 0 or negative.

    Examples
    --------
    >>> inhibit_return(np.ones((1, 4)), (0, 0), 1.0).tolist()
    [[-inf, -inf, 1.0, 1.0]]
    """
    inhibited = np.array(check_map(saliency, name="saliency", allow_minus_inf=True), dtype=np.float64, copy=True)
    fixation = _check_point(fixation, name="fixation")
    radius = check_positive(radius, name="radius", allow_zero=True)
    inhibited[_disk(inhibited.shape, fixation, radius)] = -np.inf
    return inhibited


def scanpath(saliency: npt.ArrayLike, n_fixations: int, ior_radius: float | None = None) -> npt.NDArray[np.int64]:
    """Successive fixations by winner-take-all with inhibition of return.

    .. math::

        x_{t} = \\arg\\max_x S_t(x), \\qquad
        S_{t+1}(x) = \\begin{cases} -\\infty & \\lVert x - x_t \\rVert \\le r \\\\
                                     S_t(x) & \\text{otherwise} \\end{cases}

    the algorithmic reading of Itti, Koch & Niebur (1998), §2.3, with a disk
    FOA of radius r = min(H, W)/6.

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Saliency map; not modified.
    n_fixations : int
        Maximum number of fixations (>= 1).
    ior_radius : float, optional
        IOR disk radius in map pixels; default :func:`default_ior_radius`.

    Returns
    -------
    ndarray of int64, shape (k, 2)
        Fixations (row, col) in the map's own pixel coordinates, k ≤
        ``n_fixations``: the scan stops early once every location left is
        inhibited or has saliency ≤ 0 (nothing salient remains; an all-zero
        map gives no fixation).

    Notes
    -----
    Fixations come in non-increasing order of saliency, and none lies
    within ``ior_radius`` of an earlier one: IOR here never wears off,
    unlike the decaying IOR of :func:`simulate_attention`.

    References
    ----------
    L. Itti, C. Koch and E. Niebur, "A model of saliency-based visual
    attention for rapid scene analysis", IEEE TPAMI 20(11):1254–1259, 1998,
    doi:10.1109/34.730558.

    Examples
    --------
    >>> saliency = np.zeros((20, 20)); saliency[2, 3] = 1.0; saliency[15, 15] = 0.5
    >>> scanpath(saliency, 5, ior_radius=3).tolist()
    [[2, 3], [15, 15]]
    """
    checked = check_map(saliency, name="saliency")
    n_fixations = check_count(n_fixations, name="n_fixations", minimum=1)
    radius = default_ior_radius(checked.shape) if ior_radius is None else check_positive(ior_radius, name="ior_radius")
    working = np.array(checked, dtype=np.float64, copy=True)
    fixations: list[tuple[int, int]] = []
    for _ in range(n_fixations):
        fixation = _argmax(working)  # winner_take_all on the checked map
        if not working[fixation] > 0:  # every pixel inhibited or <= 0: at most H·W rounds
            break
        fixations.append(fixation)
        working[_disk(working.shape, fixation, radius)] = -np.inf
    return np.array(fixations, dtype=np.int64).reshape(-1, 2)


@dataclass(frozen=True)
class AttentionTrace:
    """Fixations of the dynamical model with their simulated times.

    Attributes
    ----------
    fixations : ndarray of int64, shape (k, 2)
        (row, col) in the map's pixel coordinates.
    times_ms : ndarray of float64, shape (k,)
        Simulated time of each attention shift, in milliseconds.
    """

    fixations: npt.NDArray[np.int64]
    times_ms: npt.NDArray[np.float64]


# SaliencyToolbox constants (SI units), Walther & Koch 2006, after Itti et al. 1998.
_SM_CAPACITANCE = 5e-8  # F
_SM_LEAK = 1e-7  # S: time constant 0.5 s
_SM_INPUT_SCALE = 1e-9  # A per unit of saliency
_WTA_CAPACITANCE = 1e-9  # F
_WTA_LEAK = 1e-8  # S: time constant 0.1 s
_WTA_INPUT_GAIN = 5e-8  # S: WTA input current = V_SM * gain
_WTA_THRESHOLD = 1e-3  # V


def simulate_attention(
    saliency: npt.ArrayLike,
    n_fixations: int,
    *,
    ior_radius: float | None = None,
    ior_conductance: float = 1e-5,
    ior_decay_ms: float = 700.0,
    dt_ms: float = 1.0,
    max_time_ms: float = 5000.0,
    seed: int | np.random.Generator = 0,
) -> AttentionTrace:
    """Attention shifts from the saliency map as a network of spiking units.

    Each location has a saliency-map (SM) unit, a leaky integrator of its
    saliency, and a winner-take-all (WTA) integrate-and-fire unit driven by
    the SM unit's potential.  Explicit Euler steps of

    .. math::

        C_{SM} \\dot V_{SM} = I_0 S - G_{leak} V_{SM} - G_{IOR} V_{SM}, \\qquad
        C_{W} \\dot V_{W} = g V_{SM} - G_{W} V_{W}

    run until a WTA unit reaches threshold: attention shifts to it, every
    WTA unit is reset (global inhibition), and a shunting IOR conductance
    :math:`G_{IOR}` is switched on over the FOA disk in the SM; it decays
    with time constant ``ior_decay_ms`` (Itti, Koch & Niebur 1998, §2.3).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Saliency map (scaled by its maximum inside); keep it small, e.g. the
        scale-4 map (40×30 for 640×480): every Euler step updates every unit.
    n_fixations : int
        Stop after this many shifts (>= 1).
    ior_radius : float, optional
        FOA disk radius in map pixels; default min(H, W)/6.
    ior_conductance : float
        Peak IOR conductance in siemens (100× the SM leak by default).
    ior_decay_ms : float
        IOR time constant; the paper's IOR lasts about 500–900 ms.
    dt_ms : float
        Euler step in milliseconds.
    max_time_ms : float
        Simulated time limit; fewer fixations are returned if it is reached.
    seed : int or numpy.random.Generator
        Seeds the tiny input noise that breaks ties (SaliencyToolbox adds
        1e-17·U(0, 1) A).

    Returns
    -------
    AttentionTrace

    Notes
    -----
    Constants are SaliencyToolbox's (``defaultLeakyIntFire``): SM
    C = 5·10⁻⁸ F, G_leak = 10⁻⁷ S, input 10⁻⁹ A per unit saliency; WTA
    C = 10⁻⁹ F, G_leak = 10⁻⁸ S, input V_SM·5·10⁻⁸ S, threshold 1 mV, so
    shifts come every few tens of ms as in the paper.  Deviations: the step
    is 1 ms instead of 0.1 ms (both time constants are ≥ 100 ms, so Euler
    is stable and the times agree to within a step); the WTA reset is
    immediate; the IOR is the paper's disk, not SaliencyToolbox's
    proto-object shape; the paper's transient excitation near the FOA
    (proximity preference) is left out.  An all-zero map never fires.

    Examples
    --------
    >>> saliency = np.zeros((12, 12)); saliency[3, 3] = 1.0; saliency[9, 8] = 0.8
    >>> trace = simulate_attention(saliency, 2, ior_radius=2)
    >>> trace.fixations.tolist()
    [[3, 3], [9, 8]]
    >>> bool(0 < trace.times_ms[0] < trace.times_ms[1])
    True
    """
    checked = check_map(saliency, name="saliency")
    n_fixations = check_count(n_fixations, name="n_fixations", minimum=1)
    radius = default_ior_radius(checked.shape) if ior_radius is None else check_positive(ior_radius, name="ior_radius")
    dt = check_positive(dt_ms, name="dt_ms") * 1e-3
    tau_ior = check_positive(ior_decay_ms, name="ior_decay_ms") * 1e-3
    check_positive(ior_conductance, name="ior_conductance")
    steps = check_positive(max_time_ms, name="max_time_ms") * 1e-3 / dt
    if steps > MAX_STEPS:
        raise ValueError(
            f"dt_ms must be at least max_time_ms / {MAX_STEPS} = {max_time_ms / MAX_STEPS:.3g} "
            f"(at most {MAX_STEPS} time steps), got dt_ms={dt_ms!r}"
        )
    n_steps = int(steps)
    rng = as_generator(seed)

    peak = float(np.max(checked))
    if peak <= 0:
        return AttentionTrace(np.zeros((0, 2), np.int64), np.zeros(0))
    input_current = np.clip(checked / peak, 0, None) * _SM_INPUT_SCALE
    input_current = input_current + 1e-17 * rng.random(checked.shape)
    v_sm = np.zeros(checked.shape)
    v_wta = np.zeros(checked.shape)
    g_ior = np.zeros(checked.shape)
    ior_decay = np.exp(-dt / tau_ior)
    fixations, times = [], []
    for step in range(1, n_steps + 1):
        v_sm += dt / _SM_CAPACITANCE * (input_current - (_SM_LEAK + g_ior) * v_sm)
        v_wta += dt / _WTA_CAPACITANCE * (_WTA_INPUT_GAIN * v_sm - _WTA_LEAK * v_wta)
        g_ior *= ior_decay
        if v_wta.max() >= _WTA_THRESHOLD:
            winner = _argmax(v_wta)
            fixations.append(winner)
            times.append(step * dt * 1e3)
            if len(fixations) == n_fixations:
                break
            v_wta[:] = 0.0  # global inhibition resets the WTA network
            g_ior[_disk(checked.shape, winner, radius)] += ior_conductance
    return AttentionTrace(np.array(fixations, np.int64).reshape(-1, 2), np.array(times, np.float64))


# --------------------------------------------------------------------------
# visual search
# --------------------------------------------------------------------------
def downsample_map(saliency: npt.ArrayLike, cell: int = 16) -> npt.NDArray[np.float32]:
    """Average a full-resolution map over ``cell``×``cell`` blocks (area interpolation).

    With ``cell = 16`` this gives the paper's scale-4 saliency map (40×30 for
    640×480), the size the spiking WTA of :func:`simulate_attention` is
    meant to run at.

    Examples
    --------
    >>> downsample_map(np.ones((64, 48)), 16).shape
    (4, 3)
    """
    checked = check_map(saliency, name="saliency")
    cell = check_count(cell, name="cell", minimum=1)
    height, width = checked.shape
    size = (max(1, width // cell), max(1, height // cell))
    return cv2.resize(checked.astype(np.float32), size, interpolation=cv2.INTER_AREA)


def map_to_image_coords(
    fixations: np.ndarray, map_shape: tuple[int, int], image_shape: tuple[int, ...]
) -> npt.NDArray[np.float64]:
    """Convert (row, col) in a map of ``map_shape`` to image pixel coordinates.

    Pixel centres are aligned, as ``cv2.resize`` aligns them.

    Examples
    --------
    >>> map_to_image_coords(np.array([[0, 1]]), (2, 2), (32, 32)).tolist()
    [[7.5, 23.5]]
    """
    points = _check_points(fixations, name="fixations")
    map_rows, map_cols = check_shape(map_shape, name="map_shape")
    if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__") or len(image_shape) < 2:
        raise TypeError(f"image_shape must be a sequence (H, W, ...) of integers, got {image_shape!r}")
    image_rows, image_cols = check_shape(tuple(image_shape[:2]), name="image_shape")
    scale = np.array([image_rows / map_rows, image_cols / map_cols])
    return (points + 0.5) * scale - 0.5


def _check_points(points: object, *, name: str) -> np.ndarray:
    """(k, 2) finite real coordinates as float64 (k may be 0)."""
    array = check_array(points, name=name)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{name} must have shape (k, 2), got shape {array.shape}")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    values = array.astype(np.float64)
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return values


def attended_items(fixations_image: np.ndarray, display: SearchArray) -> npt.NDArray[np.int64]:
    """Index of the item nearest each fixation (image coordinates): what was attended."""
    fixations_image = _check_points(fixations_image, name="fixations_image")
    if not isinstance(display, SearchArray):
        raise TypeError(f"display must be a SearchArray, got {type(display).__name__}")
    if len(fixations_image) == 0:
        return np.zeros(0, dtype=np.int64)
    distances = np.linalg.norm(fixations_image[:, None, :] - display.item_centres[None, :, :], axis=2)
    return distances.argmin(axis=1)


@dataclass(frozen=True)
class SearchResult:
    """Outcome of :func:`search_experiment` for one search kind.

    Attributes
    ----------
    kind : str
    set_sizes : ndarray of int, shape (n_sizes,)
    fixations : ndarray of float, shape (n_sizes, n_trials)
        Number of fixations until the target was attended (1 = first).
        Trials where it never was within ``max_fixations`` count as
        ``max_fixations + 1`` (censored) and are flagged in ``found``.
    times_ms : ndarray of float, shape (n_sizes, n_trials)
        Simulated time of that fixation (dynamical model), else 0.
    found : ndarray of bool, shape (n_sizes, n_trials)
    """

    kind: str
    set_sizes: npt.NDArray[np.int64]
    fixations: npt.NDArray[np.float64]
    times_ms: npt.NDArray[np.float64]
    found: npt.NDArray[np.bool_]

    @property
    def first_fixation_hit_rate(self) -> npt.NDArray[np.float64]:
        """Fraction of trials, per set size, whose first fixation was the target."""
        return (self.fixations == 1).mean(axis=1)


def _default_saliency(image: np.ndarray) -> np.ndarray:
    from course_lib.itti_koch import saliency_map

    return saliency_map(image)


def search_trial(
    display: SearchArray,
    saliency: np.ndarray,
    *,
    model: str = "simple",
    max_fixations: int = 100,
    ior_radius: float | None = None,
    map_cell: int = 16,
    seed: int = 0,
) -> tuple[int, float]:
    """Fixations (and simulated ms) until attention first lands on the target.

    The saliency map (any size) drives :func:`scanpath` (``model="simple"``)
    or :func:`simulate_attention` (``"dynamic"``, on the map averaged into
    ``map_cell``-pixel cells, i.e. scale 4 for 16).  Each fixation attends
    the nearest item.  ``ior_radius`` is in image pixels; by default half
    the grid pitch, so that IOR covers the attended item and not its
    neighbours (the paper's min(H, W)/6 disk would cover several items of a
    dense display and inhibit the target unseen).

    Returns
    -------
    (int, float)
        1-based fixation count (``max_fixations + 1`` if never found) and
        the simulated time in ms (0 for the simple model, or if not found).
    """
    check_choice(model, ("simple", "dynamic"), name="model")
    if not isinstance(display, SearchArray):
        raise TypeError(f"display must be a SearchArray, got {type(display).__name__}")
    saliency = check_map(saliency, name="saliency")
    max_fixations = check_count(max_fixations, name="max_fixations", minimum=1)
    map_cell = check_count(map_cell, name="map_cell", minimum=1)
    height, width = display.image.shape[:2]
    if ior_radius is None:
        grid = int(np.ceil(np.sqrt(len(display.item_boxes))))
        ior_radius = 0.5 * min(height, width) / grid
    ior_radius = check_positive(ior_radius, name="ior_radius")
    if model == "simple":
        sal = np.asarray(saliency, dtype=np.float64)
        scale = sal.shape[0] / height
        fixations = scanpath(sal, max_fixations, ior_radius=ior_radius * scale)
        times = np.zeros(len(fixations))
    else:
        small = downsample_map(saliency, map_cell)
        scale = small.shape[0] / height
        trace = simulate_attention(small, max_fixations, ior_radius=ior_radius * scale, seed=seed)
        fixations, times = trace.fixations, trace.times_ms
        sal = small
    attended = attended_items(map_to_image_coords(fixations, sal.shape, (height, width)), display)
    hits = np.flatnonzero(attended == display.target_index)
    if hits.size == 0:
        return max_fixations + 1, 0.0
    return int(hits[0]) + 1, float(times[hits[0]])


def items_before_target(
    display: SearchArray,
    saliency: npt.ArrayLike,
    *,
    ior_radius: float | None = None,
    max_fixations: int = 100,
) -> npt.NDArray[np.int64]:
    """The items attended before the target, in the order attention visits them.

    The scan of :func:`search_trial` with ``model="simple"``: :func:`scanpath`
    on ``saliency`` (WTA + IOR, any map size), each fixation attends the
    nearest item.  Used in notebook 04 (§3) to see *which* items a search
    visits, e.g. whether a conjunction search runs over one colour first.

    Parameters
    ----------
    display : SearchArray
    saliency : ndarray, shape (h, w)
        Saliency map of ``display.image`` (any size; rescaled coordinates).
    ior_radius : float, optional
        IOR disk radius in image pixels; default half the grid pitch, as
        :func:`search_trial`, so that IOR covers the attended item only.
    max_fixations : int
        Length of the scan (>= 1).

    Returns
    -------
    ndarray of int64, shape (k,)
        Indices into ``display.item_boxes`` of the items attended before the
        target's first fixation (every attended item if the target is not
        reached within ``max_fixations``).  When the target is reached,
        ``k + 1`` is the fixation count of :func:`search_trial`.

    Examples
    --------
    >>> display = search_array("conjunction", 9, seed=0)
    >>> oracle = np.zeros((512, 512))
    >>> for rank, index in enumerate([3, display.target_index, 5]):
    ...     row, col = display.item_centres[index].round().astype(int)
    ...     oracle[row, col] = 3 - rank          # item 3 first, then the target
    >>> items_before_target(display, oracle).tolist()
    [3]
    """
    if not isinstance(display, SearchArray):
        raise TypeError(f"display must be a SearchArray, got {type(display).__name__}")
    checked = check_map(saliency, name="saliency")
    max_fixations = check_count(max_fixations, name="max_fixations", minimum=1, maximum=MAX_STEPS)
    height, width = display.image.shape[:2]
    if ior_radius is None:
        grid = int(np.ceil(np.sqrt(len(display.item_boxes))))
        ior_radius = 0.5 * min(height, width) / grid
    radius = check_positive(ior_radius, name="ior_radius")
    scale = checked.shape[0] / height
    fixations = scanpath(np.asarray(checked, dtype=np.float64), max_fixations, ior_radius=radius * scale)
    attended = attended_items(map_to_image_coords(fixations, checked.shape, (height, width)), display)
    hits = np.flatnonzero(attended == display.target_index)
    return attended[: hits[0]] if hits.size else attended

def search_experiment(
    kind: str,
    set_sizes: list[int] | tuple[int, ...],
    *,
    n_trials: int = 10,
    seed: int = 0,
    model: str = "simple",
    saliency_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    max_fixations: int = 100,
) -> SearchResult:
    """Run the paper's visual-search experiment for one kind of display.

    For every set size, ``n_trials`` displays (seeds ``seed``, ``seed + 1``,
    …) are drawn with :func:`course_lib.stimuli.search_array`, their
    saliency computed (Itti–Koch :func:`course_lib.itti_koch.saliency_map`
    by default) and attention simulated by :func:`search_trial`.

    Returns
    -------
    SearchResult
    """
    n_trials = check_count(n_trials, name="n_trials", minimum=1)
    seed = check_count(seed, name="seed", minimum=0)
    check_choice(model, ("simple", "dynamic"), name="model")
    max_fixations = check_count(max_fixations, name="max_fixations", minimum=1)
    if saliency_fn is not None and not callable(saliency_fn):
        raise TypeError(f"saliency_fn must be a callable or None, got {type(saliency_fn).__name__}")
    saliency_fn = _default_saliency if saliency_fn is None else saliency_fn
    if isinstance(set_sizes, (str, bytes)) or not hasattr(set_sizes, "__len__"):
        raise TypeError(f"set_sizes must be a non-empty list of integers, got {type(set_sizes).__name__}")
    if len(set_sizes) == 0 or np.ndim(set_sizes) != 1:
        raise ValueError(f"set_sizes must be a non-empty list of integers, got {set_sizes!r}")
    sizes = np.array([check_count(v, name="set_sizes", minimum=4, maximum=100) for v in set_sizes], dtype=np.int64)
    fixations = np.zeros((sizes.size, n_trials))
    times = np.zeros((sizes.size, n_trials))
    for i, set_size in enumerate(sizes):
        for trial in range(n_trials):
            display = search_array(kind, int(set_size), seed=seed + 1000 * i + trial)
            saliency = check_map(saliency_fn(display.image), name="the map returned by saliency_fn")
            count, time_ms = search_trial(
                display, saliency, model=model, max_fixations=max_fixations, seed=seed + trial
            )
            fixations[i, trial], times[i, trial] = count, time_ms
    return SearchResult(kind, sizes, fixations, times, fixations <= max_fixations)


def fit_slope(set_sizes: npt.ArrayLike, values: npt.ArrayLike) -> tuple[float, float]:
    """Least-squares line through (set size, mean value): (slope, intercept).

    ``values`` may be (n_sizes,) or (n_sizes, n_trials); trials are averaged.
    The slope is the search cost per item: ≈ 0 for pop-out, > 0 for serial
    (conjunction) search.

    Examples
    --------
    >>> fit_slope([4, 8, 16], [[2.0, 4.0], [5.0, 5.0], [9.0, 9.0]])
    (0.5, 1.0)
    """
    sizes = _finite_array(set_sizes, name="set_sizes")
    means = _finite_array(values, name="values")
    if means.ndim == 2 and means.shape[1] == 0:
        raise ValueError(f"values must hold at least one trial per set size, got shape {means.shape}")
    if means.ndim == 2:
        means = means.mean(axis=1)
    if sizes.shape != means.shape or sizes.size < 2:
        raise ValueError(
            f"set_sizes and values must give one mean per set size (at least 2), got {sizes.shape} and {means.shape}"
        )
    if np.unique(sizes).size < 2:
        raise ValueError(f"set_sizes must hold at least two different sizes, got {sizes.tolist()}")
    slope, intercept = np.polyfit(sizes, means, 1)
    return round(float(slope), 12), round(float(intercept), 12)


def _finite_array(values: object, *, name: str) -> np.ndarray:
    """A list or array of finite real numbers as float64."""
    return check_numbers(values, name=name)
