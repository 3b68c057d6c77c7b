"""Saliency evaluation metrics: AUCs, NSS, CC, KL, SIM, IG and the pointing game.

Used in notebook 05 (the evaluation sections: scoring the fast baselines and
Itti–Koch against fixations, search-array targets and object masks, and the
metric pitfalls).

Conventions shared by every metric, following the MIT saliency benchmark
(Bylinskii et al.) unless a docstring says otherwise:

* ``saliency`` is a real (H, W) map; ``fixations`` a binary (H, W) map in which
  every pixel with a value > 0 is fixated (a pixel fixated twice counts once,
  as in MIT's binary fixation maps); ``density`` a non-negative (H, W) map
  with a positive sum (e.g. :func:`fixation_density`).
* Maps are **never resized**: a map of another height or width is refused
  with a ``ValueError`` (resizing changes scores, so it is the caller's
  choice, made explicitly).
* Scores are computed in float64 and returned as Python floats (bools for the
  pointing game); no NaN or inf is ever returned.  Degenerate maps get a
  documented value instead (a constant map has NSS 0, CC 0, AUC 0.5).

References
----------
Z. Bylinskii, T. Judd, A. Oliva, A. Torralba and F. Durand, "What do different
evaluation metrics tell us about saliency models?", IEEE TPAMI 41(3), 2019,
doi:10.1109/TPAMI.2018.2815601.
"""

from __future__ import annotations

import csv
import os
from typing import Iterable, Mapping, Union

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from course_lib._validation import (
    MAX_SIGMA,
    as_generator,
    check_count,
    check_shape,
    check_array,
    check_choice,
    check_map,
    check_number,
    check_positive,
    check_same_shape,
)
from course_lib.baselines import blur_map, normalize_range

EPS = float(np.finfo(np.float64).eps)
"""ε = 2.2204e-16 of MIT's ``KLdiv.m`` and ``InfoGain.m`` (``eps`` in Matlab)."""

SeedLike = Union[int, np.random.Generator, None]

MIN_STEP = 1e-4
"""Smallest threshold step of the stepped AUCs (10 000 thresholds)."""

MAX_SPLITS = 10_000
"""Most random splits of the stepped AUCs (each costs a pass over the fixations)."""
FixationTable = Union[str, "os.PathLike[str]", Iterable[object]]


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------
def _check_saliency(saliency: object, *, name: str = "saliency") -> np.ndarray:
    return check_map(saliency, name=name).astype(np.float64)


def _check_non_negative(values: np.ndarray, *, name: str) -> None:
    low = float(values.min())
    if low < 0:
        raise ValueError(f"{name} must be non-negative, got minimum {low:.4g}")


def _check_binary(
    fixations: object,
    *,
    name: str = "fixations",
    like: np.ndarray | None = None,
    like_name: str = "saliency",
) -> npt.NDArray[np.bool_]:
    """Binary (H, W) map → bool mask of the pixels > 0 (at least one)."""
    array = check_array(fixations, name=name)
    if array.ndim != 2:
        raise ValueError(f"{name} must have shape (H, W), got shape {array.shape}")
    if array.dtype != bool:
        array = check_map(array, name=name)
        _check_non_negative(array, name=name)
    if like is not None:
        check_same_shape(like, array, names=(like_name, name))
    mask = array > 0
    if not mask.any():
        raise ValueError(f"{name} must contain at least one pixel > 0, got none")
    return mask


def _check_density(density: object, *, like: np.ndarray, name: str = "density") -> np.ndarray:
    checked = _check_saliency(density, name=name)
    check_same_shape(like, checked, names=("saliency", name))
    _check_non_negative(checked, name=name)
    if float(checked.sum()) <= 0:
        raise ValueError(f"{name} must have a positive sum, got an all-zero map")
    return checked


def _as_probability(values: np.ndarray) -> np.ndarray:
    """Normalise a non-negative map to sum 1; an all-zero map becomes uniform."""
    total = float(values.sum())
    if total <= 0:
        return np.full(values.shape, 1.0 / values.size)
    return values / total


def _is_constant(values: np.ndarray) -> bool:
    return bool(values.max() == values.min())


def _rng(seed: SeedLike) -> np.random.Generator:
    return as_generator(seed, allow_none=True)


# --------------------------------------------------------------------------
# location-based metrics: AUCs, NSS, IG
# --------------------------------------------------------------------------
def _auc_exact(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Area under the full ROC curve, ties counted one half (Mann–Whitney U / n₁n₀)."""
    n_pos, n_neg = positives.size, negatives.size
    ranks = rankdata(np.concatenate([positives, negatives]), method="average")
    u_statistic = float(ranks[:n_pos].sum()) - n_pos * (n_pos + 1) / 2.0
    return u_statistic / (n_pos * n_neg)


def auc_judd(saliency: npt.ArrayLike, fixations: npt.ArrayLike) -> float:
    """AUC-Judd: area under the ROC curve of fixated vs. unfixated pixels.

    .. math::

        \\mathrm{AUC} = \\frac{1}{N_+ N_-} \\sum_{i \\in +} \\sum_{j \\in -}
            \\left( [S_i > S_j] + \\tfrac12 [S_i = S_j] \\right)

    the probability that a fixated pixel is more salient than an unfixated
    one, which is the exact area under the ROC curve traced by thresholding
    S at every value (Judd et al. 2009; Bylinskii et al. 2019).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Any real map; only the order of its values matters.
    fixations : ndarray, shape (H, W)
        Binary fixation map; pixels > 0 are the N₊ positives.

    Returns
    -------
    float
        In [0, 1]; 0.5 is chance, and exactly 0.5 for a constant map.

    Raises
    ------
    TypeError, ValueError
        For a non-array, wrong shape, NaN/inf, shapes that differ, negative
        or no fixations, or fixations on every pixel (no negatives).

    Notes
    -----
    Negatives: every unfixated pixel (N₋ = H·W − N₊), as MIT's
    ``AUC_Judd.m``.  Ties are handled exactly (one half each, via average
    ranks); MIT adds U(0, 1)·1e-7 noise instead, so its constant-map AUC is
    random around 0.5.  MIT also samples the curve only at the fixated
    values and joins them with straight lines; with distinct values its
    result is higher than ours by FPR(t_min)/(2 N₊) ≤ 1/(2 N₊), where
    t_min is the lowest fixated value.  The score is invariant to every
    strictly increasing transform of S.

    References
    ----------
    T. Judd, K. Ehinger, F. Durand and A. Torralba, "Learning to predict where
    humans look", ICCV 2009, doi:10.1109/ICCV.2009.5459462.

    Examples
    --------
    >>> saliency = np.arange(9.0).reshape(3, 3)
    >>> fixations = np.zeros((3, 3)); fixations[1, 1] = fixations[2, 2] = 1
    >>> round(auc_judd(saliency, fixations), 4)   # (4 + 7) / (2 · 7)
    0.7857
    >>> auc_judd(np.ones((3, 3)), fixations)
    0.5
    """
    values = _check_saliency(saliency)
    mask = _check_binary(fixations, like=values)
    if mask.all():
        raise ValueError("fixations must leave at least one pixel unfixated, got every pixel fixated")
    return _auc_exact(values[mask], values[~mask])


def _trapezoid(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))


def _roc_at_steps(
    positives: np.ndarray, negative_splits: list[np.ndarray], step: float
) -> float:
    """MIT's stepped ROC: thresholds 0, step, 2·step, … ≤ 1; mean AUC over splits."""
    n_steps = int(np.floor(1.0 / step + 1e-9))
    thresholds = (np.arange(n_steps + 1) * step)[::-1]  # descending, ends at 0
    positives = np.sort(positives)
    # fraction of values >= t, by binary search in the sorted values
    tp = (positives.size - np.searchsorted(positives, thresholds, side="left")) / positives.size
    tp = np.concatenate([[0.0], tp, [1.0]])
    areas = []
    for negatives in negative_splits:
        negatives = np.sort(negatives)
        fp = (negatives.size - np.searchsorted(negatives, thresholds, side="left")) / negatives.size
        areas.append(_trapezoid(np.concatenate([[0.0], fp, [1.0]]), tp))
    return float(np.mean(areas))


def _check_split_options(n_splits: object, step: object) -> tuple[int, float]:
    n_splits = check_count(n_splits, name="n_splits", minimum=1, maximum=MAX_SPLITS)
    step = check_positive(step, name="step")  # type: ignore[arg-type]
    if step > 1 or step < MIN_STEP:
        raise ValueError(f"step must be in (0, 1], at least {MIN_STEP:g}, got {step!r}")
    return n_splits, step


def auc_borji(
    saliency: npt.ArrayLike,
    fixations: npt.ArrayLike,
    *,
    n_splits: int = 100,
    step: float = 0.1,
    seed: SeedLike = 0,
) -> float:
    """AUC-Borji: fixated pixels vs. uniformly random pixels, stepped thresholds.

    .. math::

        \\mathrm{AUC} = \\frac{1}{K} \\sum_{k=1}^{K}
            \\int_0^1 \\mathrm{TPR}\\, d\\,\\mathrm{FPR}_k, \\quad
        \\mathrm{TPR}(t) = \\frac{\\#\\{i \\in + : \\hat S_i \\ge t\\}}{N_+},\\;
        \\mathrm{FPR}_k(t) = \\frac{\\#\\{j \\in R_k : \\hat S_j \\ge t\\}}{N_+}

    with :math:`\\hat S` the map min–max rescaled to [0, 1], thresholds
    t = 0, step, 2·step, …, and :math:`R_k` a split of N₊ pixels drawn
    uniformly with replacement from the whole image (Borji, Sihite & Itti
    2013; MIT ``AUC_Borji.m``), the curve closed by (0, 0) and (1, 1) and
    integrated with the trapezoid rule.

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Any real map.
    fixations : ndarray, shape (H, W)
        Binary fixation map; pixels > 0 are positives.
    n_splits : int
        Number K of random negative sets (MIT: 100).
    step : float
        Threshold spacing on the rescaled map, in (0, 1] (MIT: 0.1).
    seed : int, numpy Generator or None
        Seeds the draw of negatives.

    Returns
    -------
    float
        In [0, 1]; exactly 0.5 for a constant map.

    Raises
    ------
    TypeError, ValueError
        For bad maps (see :func:`auc_judd`), ``n_splits`` < 1, ``step``
        outside (0, 1], or a ``seed`` of another type.

    Notes
    -----
    Negatives may include fixated pixels (MIT draws from all pixels).  Ties
    with a threshold count as above it; with steps of 0.1 the score is
    *not* invariant to monotonic transforms, unlike :func:`auc_judd`.  A
    constant map rescales to all zeros (:func:`~course_lib.baselines.normalize_range`),
    so every threshold gives TPR = FPR and the score is 0.5.

    References
    ----------
    A. Borji, H. R. Tavakoli, D. N. Sihite and L. Itti, "Analysis of scores,
    datasets, and models in visual saliency prediction", ICCV 2013,
    doi:10.1109/ICCV.2013.118.

    Examples
    --------
    >>> saliency = np.zeros((10, 10)); saliency[2, 3] = 1.0
    >>> fixations = np.zeros((10, 10)); fixations[2, 3] = 1
    >>> auc_borji(saliency, fixations)   # no split drew the one fixated pixel
    1.0
    >>> auc_borji(np.ones((10, 10)), fixations)
    0.5
    """
    values = _check_saliency(saliency)
    mask = _check_binary(fixations, like=values)
    n_splits, step = _check_split_options(n_splits, step)
    generator = _rng(seed)
    scaled = normalize_range(values).astype(np.float64).ravel()
    positives = scaled[mask.ravel()]
    draws = generator.integers(0, scaled.size, size=(n_splits, positives.size))
    return _roc_at_steps(positives, [scaled[row] for row in draws], step)


def shuffled_auc(
    saliency: npt.ArrayLike,
    fixations: npt.ArrayLike,
    other_fixations: npt.ArrayLike,
    *,
    n_splits: int = 100,
    step: float = 0.1,
    seed: SeedLike = 0,
) -> float:
    """Shuffled AUC: fixated pixels vs. pixels fixated on *other* images.

    The AUC-Borji curve of :func:`auc_borji`, with each negative split
    :math:`R_k` drawn from the fixation locations of other images instead of
    uniformly, so that a centre bias shared by all images scores nothing:

    .. math::

        \\mathrm{sAUC} = \\frac{1}{K} \\sum_{k=1}^{K}
            \\int_0^1 \\mathrm{TPR}\\, d\\,\\mathrm{FPR}_k, \\quad
        R_k \\subset \\{x : \\mathrm{other}(x) > 0\\},\\;
        |R_k| = \\min(N_+, N_{\\mathrm{other}})

    (Zhang et al. 2008; Borji, Sihite & Itti 2013; MIT ``AUC_shuffled.m``).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Any real map.
    fixations : ndarray, shape (H, W)
        Binary fixation map of this image; pixels > 0 are positives.
    other_fixations : ndarray, shape (H, W)
        Binary map of the fixations of other images (e.g. the union over 10
        random other images, Borji's M = 10), already at this image's size.
    n_splits, step, seed
        As in :func:`auc_borji`.

    Returns
    -------
    float
        In [0, 1]; exactly 0.5 for a constant map, about 0.5 for a pure
        centre-bias map when the other images share the centre bias.

    Raises
    ------
    TypeError, ValueError
        As :func:`auc_borji`, and for a bad ``other_fixations``.

    Notes
    -----
    Each split draws min(N₊, N_other) distinct pixels of ``other_fixations``
    without replacement (as MIT).  pysaliency instead uses all fixations of
    all other images at once.  Rescaling other images' fixations to this
    image's size is the caller's choice; maps of another size are refused.
    Being a binary map, ``other_fixations`` counts a pixel fixated on several
    other images once; on a small map with many fixations near the centre
    this flattens the negatives and leaves a pure centre-bias map above 0.5
    (mean sAUC ≈ 0.54 over 20 draws of 40 + 10 × 40 fixations with σ = 10 px
    on 60×80; ≈ 0.52 at 240×320 with σ = 40 px).  Use maps at image
    resolution, where coinciding fixations are rare.

    References
    ----------
    L. Zhang, M. H. Tong, T. K. Marks, H. Shan and G. W. Cottrell, "SUN: a
    Bayesian framework for saliency using natural statistics", Journal of
    Vision 8(7):32, 2008, doi:10.1167/8.7.32.

    Examples
    --------
    >>> saliency = np.zeros((10, 10)); saliency[2, 3] = 1.0
    >>> fixations = np.zeros((10, 10)); fixations[2, 3] = 1
    >>> others = np.zeros((10, 10)); others[5, 5] = others[6, 6] = 1
    >>> shuffled_auc(saliency, fixations, others)
    1.0
    """
    values = _check_saliency(saliency)
    mask = _check_binary(fixations, like=values)
    other = _check_binary(other_fixations, name="other_fixations", like=values)
    n_splits, step = _check_split_options(n_splits, step)
    generator = _rng(seed)
    scaled = normalize_range(values).astype(np.float64)
    positives = scaled[mask]
    pool = scaled[other]
    n_negatives = min(positives.size, pool.size)
    splits = [pool[generator.choice(pool.size, n_negatives, replace=False)] for _ in range(n_splits)]
    return _roc_at_steps(positives, splits, step)


def nss(saliency: npt.ArrayLike, fixations: npt.ArrayLike) -> float:
    """Normalized scanpath saliency: the mean z-scored saliency at fixations.

    .. math::

        \\mathrm{NSS} = \\frac{1}{N_+} \\sum_{i \\in +}
            \\frac{S_i - \\mu_S}{\\sigma_S}

    (Peters, Iyer, Itti & Koch 2005; Bylinskii et al. 2019), with
    :math:`\\mu_S, \\sigma_S` the mean and standard deviation over all pixels.

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Any real map.
    fixations : ndarray, shape (H, W)
        Binary fixation map; pixels > 0 are the N₊ fixations.

    Returns
    -------
    float
        0 is chance; 0.0 for a constant map (σ = 0).

    Raises
    ------
    TypeError, ValueError
        For bad maps (see :func:`auc_judd`).

    Notes
    -----
    :math:`\\sigma_S` is the population standard deviation (divisor H·W,
    numpy's default); MIT's ``NSS.m`` uses Matlab's ``std`` (divisor
    H·W − 1), a relative difference of 1/(2HW).  A pixel fixated twice
    counts once (binary map).  Invariant to S → aS + b for a > 0.

    References
    ----------
    R. J. Peters, A. Iyer, L. Itti and C. Koch, "Components of bottom-up gaze
    allocation in natural images", Vision Research 45(18), 2005,
    doi:10.1016/j.visres.2005.03.019.

    Examples
    --------
    >>> saliency = np.arange(9.0).reshape(3, 3)   # mean 4, std √(60/9)
    >>> fixations = np.zeros((3, 3)); fixations[2, 2] = 1
    >>> round(nss(saliency, fixations), 4)        # 4 / 2.582
    1.5492
    >>> nss(np.ones((3, 3)), fixations)
    0.0
    """
    values = _check_saliency(saliency)
    mask = _check_binary(fixations, like=values)
    if _is_constant(values):
        return 0.0
    z_scores = (values - values.mean()) / values.std()
    return float(z_scores[mask].mean())


def information_gain(
    saliency: npt.ArrayLike,
    fixations: npt.ArrayLike,
    *,
    baseline: npt.ArrayLike | None = None,
) -> float:
    """Information gain of a density over a baseline, in bits per fixation.

    .. math::

        \\mathrm{IG} = \\frac{1}{N_+} \\sum_{i \\in +}
            \\left[ \\log_2(\\varepsilon + P_i) - \\log_2(\\varepsilon + B_i) \\right]

    with P the saliency map and B the baseline, each normalised to sum 1
    (Kümmerer, Wallis & Bethge 2015; MIT ``InfoGain.m``).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Non-negative map, read as a probability per pixel after sum
        normalisation; an all-zero map is read as uniform.
    fixations : ndarray, shape (H, W)
        Binary fixation map; pixels > 0 are the N₊ fixations.
    baseline : ndarray, shape (H, W), optional
        Non-negative baseline density (e.g. a centre bias); default uniform,
        :math:`B_i = 1/(HW)`.

    Returns
    -------
    float
        Bits per fixation; 0 when the map equals the baseline, > 0 when it
        puts more mass where people looked.

    Raises
    ------
    TypeError, ValueError
        For bad maps (see :func:`auc_judd`) or negative values in
        ``saliency`` or ``baseline``.

    Notes
    -----
    ε = 2.2204e-16 (Matlab's ``eps``, :data:`EPS`) keeps the log finite where
    P = 0.  MIT's ``InfoGain.m`` min–max normalises the maps before the sum
    normalisation; we do not, since that changes a density (its minimum
    becomes 0).  IG is meant for probabilistic models: for an arbitrary
    saliency map the score depends on its (arbitrary) scale and offset,
    which is why the Tübingen benchmark leaves IG blank for map models.

    References
    ----------
    M. Kümmerer, T. S. A. Wallis and M. Bethge, "Information-theoretic model
    comparison unifies saliency metrics", PNAS 112(52), 2015,
    doi:10.1073/pnas.1510393112.

    Examples
    --------
    >>> saliency = np.array([[3.0, 1.0], [0.0, 0.0]])   # P = (.75, .25, 0, 0)
    >>> fixations = np.array([[1, 0], [0, 0]])
    >>> round(information_gain(saliency, fixations), 4)   # log2(.75 / .25)
    1.585
    """
    values = _check_saliency(saliency)
    mask = _check_binary(fixations, like=values)
    _check_non_negative(values, name="saliency")
    model = _as_probability(values)
    if baseline is None:
        base = np.full(values.shape, 1.0 / values.size)
    else:
        base_values = _check_saliency(baseline, name="baseline")
        check_same_shape(values, base_values, names=("saliency", "baseline"))
        _check_non_negative(base_values, name="baseline")
        base = _as_probability(base_values)
    gains = np.log2(EPS + model[mask]) - np.log2(EPS + base[mask])
    return float(gains.mean())


# --------------------------------------------------------------------------
# distribution-based metrics: CC, KL, SIM
# --------------------------------------------------------------------------
def cc(saliency: npt.ArrayLike, density: npt.ArrayLike) -> float:
    """Pearson's linear correlation coefficient between a map and a density.

    .. math::

        \\mathrm{CC} = \\frac{\\sum_x (S_x - \\mu_S)(Q_x - \\mu_Q)}
            {\\sqrt{\\sum_x (S_x - \\mu_S)^2 \\sum_x (Q_x - \\mu_Q)^2}}

    (Le Meur, Le Callet & Barba 2007; Bylinskii et al. 2019).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Any real map.
    density : ndarray, shape (H, W)
        Non-negative ground-truth density with a positive sum, e.g.
        :func:`fixation_density`.

    Returns
    -------
    float
        In [−1, 1]; 0.0 when either map is constant.

    Raises
    ------
    TypeError, ValueError
        For a bad map, shapes that differ, a negative or all-zero density.

    Notes
    -----
    Over all pixels, no resizing.  Invariant to S → aS + b, a > 0, and
    symmetric.  Rounding is clipped so that CC(S, S) is at most 1.

    References
    ----------
    O. Le Meur, P. Le Callet and D. Barba, "Predicting visual fixations on
    video based on low-level visual features", Vision Research 47(19), 2007,
    doi:10.1016/j.visres.2007.06.015.

    Examples
    --------
    >>> density = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> cc(2 * density + 1, density), cc(-density, density), cc(np.ones((2, 2)), density)
    (1.0, -1.0, 0.0)
    """
    values = _check_saliency(saliency)
    target = _check_density(density, like=values)
    if _is_constant(values) or _is_constant(target):
        return 0.0
    a = values - values.mean()
    b = target - target.mean()
    r = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))
    return float(np.clip(r, -1.0, 1.0))


def kl_div(saliency: npt.ArrayLike, density: npt.ArrayLike) -> float:
    """Kullback–Leibler divergence of the map from the ground-truth density.

    .. math::

        \\mathrm{KL}(Q \\,\\|\\, P) = \\sum_x Q_x
            \\log\\left(\\varepsilon + \\frac{Q_x}{P_x + \\varepsilon}\\right)

    with Q the density and P the saliency map, each normalised to sum 1
    (Bylinskii et al. 2019; MIT ``KLdiv.m``).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Non-negative map (an all-zero map is read as uniform).
    density : ndarray, shape (H, W)
        Non-negative ground-truth density with a positive sum.

    Returns
    -------
    float
        In nats (natural log); 0 for identical distributions, lower is
        better; finite but large (up to about 36 per unit of mass) where the
        map is 0 and people looked.

    Raises
    ------
    TypeError, ValueError
        For bad maps, shapes that differ, or negative values.

    Notes
    -----
    ε = 2.2204e-16 (:data:`EPS`, MIT's value) in both places of the formula.
    Asymmetric: the density is the reference.  Pixels with Q = 0 add
    nothing.  Because of ε, KL(P, P) is 0 only to about 1e-12, and may be a
    hair below 0.

    Examples
    --------
    >>> density = np.array([[1.0, 1.0], [0.0, 0.0]])     # Q = (.5, .5, 0, 0)
    >>> round(kl_div(np.ones((2, 2)), density), 4)        # log 2
    0.6931
    >>> abs(kl_div(density, density)) < 1e-12
    True
    """
    values = _check_saliency(saliency)
    target = _check_density(density, like=values)
    _check_non_negative(values, name="saliency")
    p = _as_probability(values)
    q = target / target.sum()
    return float(np.sum(q * np.log(EPS + q / (p + EPS))))


def similarity(saliency: npt.ArrayLike, density: npt.ArrayLike) -> float:
    """Similarity (histogram intersection) of two distributions.

    .. math:: \\mathrm{SIM} = \\sum_x \\min(P_x, Q_x)

    with P the saliency map and Q the density, each normalised to sum 1
    (Swain & Ballard 1991; Judd, Durand & Torralba 2012; Bylinskii et al.
    2019).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Non-negative map (an all-zero map is read as uniform).
    density : ndarray, shape (H, W)
        Non-negative ground-truth density with a positive sum.

    Returns
    -------
    float
        In [0, 1]; 1 for identical distributions.

    Raises
    ------
    TypeError, ValueError
        For bad maps, shapes that differ, or negative values.

    Notes
    -----
    MIT's ``similarity.m`` min–max normalises both maps before the sum
    normalisation; we follow the definition and the Tübingen benchmark and
    only sum-normalise, so that SIM(P, P) = 1 for every density and adding a
    constant to a map changes its score.  Rounding is clipped to 1.

    References
    ----------
    M. J. Swain and D. H. Ballard, "Color indexing", IJCV 7(1), 1991,
    doi:10.1007/BF00130487.

    Examples
    --------
    >>> density = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> similarity(np.ones((2, 2)), density), similarity(density, density)
    (0.5, 1.0)
    """
    values = _check_saliency(saliency)
    target = _check_density(density, like=values)
    _check_non_negative(values, name="saliency")
    p = _as_probability(values)
    q = target / target.sum()
    return float(min(1.0, np.minimum(p, q).sum()))


# --------------------------------------------------------------------------
# object masks: the pointing game
# --------------------------------------------------------------------------
def pointing_game(saliency: npt.ArrayLike, mask: npt.ArrayLike, tolerance: float = 15) -> bool:
    """Pointing game: does the map's maximum fall on (or near) the object?

    .. math::

        \\mathrm{hit} = \\left[\\, p^* \\in M \\;\\lor\\;
            \\min_{q \\in M} \\lVert p^* - q \\rVert_2 < \\tau \\,\\right],
        \\qquad p^* = \\arg\\max_p S_p

    (Zhang et al. 2016/2018; τ = 15 pixels as in their TorchRay
    code).  The hit rate over a data set is the mean of the hits.

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Any real map.
    mask : ndarray, shape (H, W)
        Object mask M: pixels > 0 belong to the object (at least one).
    tolerance : float
        τ, in pixels of the map, >= 0.

    Returns
    -------
    bool
        True for a hit.  A constant map points nowhere and misses.

    Raises
    ------
    TypeError, ValueError
        For bad maps (see :func:`auc_judd`) or a negative ``tolerance``.

    Notes
    -----
    Convention: TorchRay's strict ``<`` disk — a maximum at exactly τ pixels
    from the nearest mask pixel misses.  A maximum inside the mask always
    hits, also for τ = 0 (TorchRay's disk is empty at τ = 0, so there every
    point misses).  Ties: when several pixels share the maximum, the first in
    row-major order is used (``np.argmax``, as TorchRay).  Distances are
    between pixel centres, (row, col).

    References
    ----------
    J. Zhang, S. A. Bargal, Z. Lin, J. Brandt, X. Shen and S. Sclaroff,
    "Top-down neural attention by excitation backprop", IJCV 126, 2018,
    doi:10.1007/s11263-017-1059-x (ECCV 2016); TorchRay,
    ``torchray/benchmark/pointing_game.py``.

    Examples
    --------
    >>> mask = np.zeros((40, 40), bool); mask[10:20, 10:20] = True
    >>> saliency = np.zeros((40, 40)); saliency[19, 33] = 1.0   # 14 px right of the mask
    >>> pointing_game(saliency, mask), pointing_game(saliency, mask, tolerance=0)
    (True, False)
    """
    values = _check_saliency(saliency)
    target = _check_binary(mask, name="mask", like=values)
    tolerance = check_positive(tolerance, name="tolerance", allow_zero=True)
    if _is_constant(values):
        return False
    row, col = np.unravel_index(int(np.argmax(values)), values.shape)
    if target[row, col]:
        return True
    rows, cols = np.nonzero(target)
    nearest_squared = int(np.min((rows - row) ** 2 + (cols - col) ** 2))
    return bool(nearest_squared < tolerance**2)


# --------------------------------------------------------------------------
# ground truth: fixation maps and densities
# --------------------------------------------------------------------------
def fixation_density(fixations: npt.ArrayLike, *, sigma: float) -> npt.NDArray[np.float32]:
    """Blurred fixation map: the empirical fixation density, summing to 1.

    .. math:: Q = \\frac{G_\\sigma * F}{\\sum_x (G_\\sigma * F)_x}

    with F the binary fixation map (Bylinskii et al. 2019: the
    "continuous fixation map" used by CC, KL and SIM).

    Parameters
    ----------
    fixations : ndarray, shape (H, W)
        Binary fixation map; pixels > 0 count once each.
    sigma : float
        Gaussian standard deviation in pixels, >= 0 (0: no blur).  Choose
        about one degree of visual angle; the MIT benchmark's blur is about
        35 pixels at 1024×768.

    Returns
    -------
    ndarray of float32, shape (H, W)
        Non-negative, summing to 1 up to float32 rounding.

    Raises
    ------
    TypeError, ValueError
        For a bad ``fixations`` map or a negative ``sigma``.

    Notes
    -----
    Convention: the blur is :func:`~course_lib.baselines.blur_map`
    (``cv2.GaussianBlur``, reflected borders), so mass near a border is
    reflected back rather than lost; the result is then sum-normalised.

    Examples
    --------
    >>> fixations = np.zeros((5, 5)); fixations[2, 2] = 1
    >>> density = fixation_density(fixations, sigma=1.0)
    >>> round(float(density.sum()), 6), bool(density[2, 2] == density.max())
    (1.0, True)
    """
    mask = _check_binary(fixations)
    sigma = check_positive(sigma, name="sigma", allow_zero=True)
    blurred = blur_map(mask.astype(np.float32), sigma).astype(np.float64)
    return (blurred / blurred.sum()).astype(np.float32)


def _read_rows(path_or_table: FixationTable) -> list[tuple[str, object, object]]:
    """Rows (image, x, y) from a CSV path or an iterable of rows."""
    if isinstance(path_or_table, (str, os.PathLike)):
        path = os.fspath(path_or_table)
        if not os.path.isfile(path):
            raise ValueError(f"path_or_table must be an existing CSV file, got {path!r}")
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [name for name in ("image", "x", "y") if name not in header]
            if missing:
                raise ValueError(
                    f"path_or_table {path!r} must have a header row with columns image, x, y; "
                    f"missing {missing}, got {header}"
                )
            columns = [header.index(name) for name in ("image", "x", "y")]
            return [
                tuple(row[k] for k in columns)  # type: ignore[misc]
                for row in reader
                if row and any(cell.strip() for cell in row)
            ]
    if isinstance(path_or_table, (bytes, np.ndarray)) or not isinstance(path_or_table, Iterable):
        raise TypeError(
            "path_or_table must be a CSV path or an iterable of (image, x, y) rows, "
            f"got {type(path_or_table).__name__}"
        )
    rows = []
    for number, row in enumerate(path_or_table):
        if isinstance(row, Mapping):
            if not all(key in row for key in ("image", "x", "y")):
                raise ValueError(f"row {number} of path_or_table must have keys image, x, y, got {sorted(row)}")
            rows.append((row["image"], row["x"], row["y"]))
        elif isinstance(row, (tuple, list)) and len(row) == 3:
            rows.append((row[0], row[1], row[2]))
        else:
            raise ValueError(f"row {number} of path_or_table must be (image, x, y), got {row!r}")
    return rows  # type: ignore[return-value]


def _shape_of(name: str, value: object) -> tuple[int, int]:
    shape = value.shape[:2] if isinstance(value, np.ndarray) else value
    if (
        not isinstance(shape, tuple)
        or len(shape) < 2
        or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in shape[:2])
    ):
        raise ValueError(f"shapes[{name!r}] must be an (H, W) tuple of integers >= 1 or an image, got {value!r}")
    return int(shape[0]), int(shape[1])


def load_fixations(
    path_or_table: FixationTable,
    *,
    shapes: Mapping[str, tuple[int, int] | np.ndarray],
    one_based: bool = False,
    out_of_bounds: str = "raise",
) -> dict[str, npt.NDArray[np.bool_]]:
    """Read a fixation table (image, x, y) into one binary fixation map per image.

    .. math:: F_I(\\mathrm{round}(y), \\mathrm{round}(x)) = 1
              \\quad \\text{for every row } (I, x, y)

    (the MIT benchmark's binary fixation maps, Judd et al. 2009).

    Parameters
    ----------
    path_or_table : str, path or iterable of rows
        A CSV file with a header row naming the columns ``image``, ``x`` and
        ``y`` (any order and case; other columns are ignored), or an iterable
        of rows, each an ``(image, x, y)`` tuple or a mapping with those keys
        (e.g. ``csv.DictReader`` rows or ``DataFrame.to_dict("records")``).
        ``x`` is the column and ``y`` the row, in pixels.
    shapes : mapping of str to (H, W) or ndarray
        The images to build maps for, by name, with their (H, W) (or the
        image itself, whose first two axes are used).
    one_based : bool
        True when the coordinates count from 1 (Matlab data such as MIT's);
        default False, pixel centres at 0, 1, …
    out_of_bounds : {"raise", "drop"}
        What to do with a fixation outside its image: raise a ``ValueError``
        or skip it (eye trackers record off-screen gaze).

    Returns
    -------
    dict of str to ndarray of bool, shape (H, W)
        One map per key of ``shapes``, in the same order; an image with no
        row in the table gets an all-False map.

    Raises
    ------
    TypeError, ValueError
        For a missing file or column, a malformed row or coordinate, a bad
        shape, an unknown ``out_of_bounds``, or (with "raise") a fixation
        outside its image.

    Notes
    -----
    Convention: coordinates are rounded half up to the nearest pixel; rows
    naming images that are not in ``shapes`` are ignored; two fixations on
    the same pixel give one fixated pixel (a binary map, as MIT).

    Examples
    --------
    >>> rows = [("a", 1, 0), ("a", 2.4, 1.6), ("b", 0, 0), ("c", 9, 9)]
    >>> maps = load_fixations(rows, shapes={"a": (3, 4), "b": (2, 2)})
    >>> maps["a"].astype(int).tolist()
    [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]]
    >>> int(maps["b"].sum())
    1
    """
    check_choice(out_of_bounds, ("raise", "drop"), name="out_of_bounds")
    if not isinstance(shapes, Mapping):
        raise TypeError(f"shapes must be a mapping from image name to (H, W), got {type(shapes).__name__}")
    sizes = {str(name): _shape_of(str(name), value) for name, value in shapes.items()}
    maps = {name: np.zeros(size, dtype=bool) for name, size in sizes.items()}
    offset = 1.0 if one_based else 0.0
    for number, (image, x, y) in enumerate(_read_rows(path_or_table)):
        name = str(image).strip()
        if name not in maps:
            continue
        try:
            col_f, row_f = float(x) - offset, float(y) - offset  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"row {number} of path_or_table must have numeric x and y, got {x!r}, {y!r}") from None
        if not (np.isfinite(col_f) and np.isfinite(row_f)):
            raise ValueError(f"row {number} of path_or_table must have finite x and y, got {x!r}, {y!r}")
        row, col = int(np.floor(row_f + 0.5)), int(np.floor(col_f + 0.5))
        height, width = sizes[name]
        if not (0 <= row < height and 0 <= col < width):
            if out_of_bounds == "drop":
                continue
            raise ValueError(
                f"row {number} of path_or_table: fixation (x={x}, y={y}) lies outside image "
                f"{name!r} of shape {(height, width)}; pass out_of_bounds='drop' to skip it"
            )
        maps[name][row, col] = True
    return maps


# --------------------------------------------------------------------------
# notebook 05: scoring a map against a ground-truth region, the centre prior
# --------------------------------------------------------------------------
EVALUATION_METRICS = ("pointing", "auc_judd", "nss", "cc", "sim", "kl")
"""Keys of :func:`evaluate_map`, in its order.  Higher is better for all but
``"kl"`` (0 is best)."""

# Default density blur and pointing tolerance, as a fraction of the shorter side.
_REGION_SCALE = 1.0 / 32.0


def _check_hw(shape: object) -> tuple[int, int]:
    return check_shape(shape, name="shape")


def box_mask(shape: tuple[int, int], box: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Binary (H, W) mask of a box (row0, col0, row1, col1), ends exclusive.

    .. math:: M_{rc} = [\\, r_0 \\le r < r_1 \\;\\land\\; c_0 \\le c < c_1 \\,]

    (the ground truth of a search-array target, whose box is
    ``stimuli.SearchArray.target_box``).

    Parameters
    ----------
    shape : tuple of int
        (H, W) of the mask, both >= 1.
    box : sequence of 4 int
        (row0, col0, row1, col1) with 0 <= row0 < row1 <= H and
        0 <= col0 < col1 <= W: the convention of ``stimuli`` and ``datasets``.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    ValueError
        For a bad ``shape``, or a ``box`` that is empty or leaves the image.

    Examples
    --------
    >>> box_mask((3, 4), (1, 1, 3, 3)).astype(int).tolist()
    [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0]]
    """
    height, width = _check_hw(shape)
    values = np.asarray(box)
    if values.shape != (4,) or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"box must be 4 integers (row0, col0, row1, col1), got {box!r}")
    row0, col0, row1, col1 = (int(v) for v in values)
    if not (0 <= row0 < row1 <= height and 0 <= col0 < col1 <= width):
        raise ValueError(
            f"box must satisfy 0 <= row0 < row1 <= {height} and 0 <= col0 < col1 <= {width}, "
            f"got {(row0, col0, row1, col1)}"
        )
    mask = np.zeros((height, width), dtype=bool)
    mask[row0:row1, col0:col1] = True
    return mask


def evaluate_map(
    saliency: npt.ArrayLike,
    mask: npt.ArrayLike,
    *,
    sigma: float | None = None,
    tolerance: float | None = None,
) -> dict[str, float]:
    """Score one map against a ground-truth region with every metric at once.

    The region M (an object mask, or :func:`box_mask` of a search target)
    stands in for the fixations: every pixel of M is a fixated pixel, and
    the fixation density is :func:`fixation_density` of M,

    .. math:: F = M, \\qquad Q = \\frac{G_\\sigma * M}{\\sum_x (G_\\sigma * M)_x}

    (Bylinskii et al. 2019 for the metrics; treating an object region as
    fixations is a course convention, for ground truth without eye
    tracking).

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Non-negative map (every course method gives [0, 1]).
    mask : ndarray, shape (H, W)
        Ground-truth region: pixels > 0 (at least one, and not all).
    sigma : float, optional
        Blur of the density Q in pixels, >= 0; default min(H, W) / 32.
    tolerance : float, optional
        Pointing-game τ in pixels, >= 0; default min(H, W) / 32.

    Returns
    -------
    dict of str to float
        Keys :data:`EVALUATION_METRICS`, in that order: ``"pointing"`` (1.0
        hit, 0.0 miss, so a mean is a hit rate, :func:`pointing_game`),
        ``"auc_judd"`` (:func:`auc_judd`), ``"nss"`` (:func:`nss`) against F;
        ``"cc"`` (:func:`cc`), ``"sim"`` (:func:`similarity`) and ``"kl"``
        (:func:`kl_div`) against Q.

    Raises
    ------
    TypeError, ValueError
        As the metrics: maps of different shapes, an empty or full mask, a
        negative map, a negative ``sigma`` or ``tolerance``.

    Notes
    -----
    Convention: the default σ = τ = min(H, W)/32 is 16 px on the 512-px
    search arrays (close to TorchRay's τ = 15 px) and 2 px on the 64-px
    synthetic shapes; the MIT benchmark's density blur, about one degree of
    visual angle, is about min(H, W)/22 at 1024×768.  A region is not a
    set of fixations: every pixel of a large object counts, so AUC and NSS
    reward maps that cover the whole object, not only its most looked-at
    part.  Maps are never resized.

    Examples
    --------
    >>> mask = box_mask((64, 64), (20, 20, 30, 30))
    >>> scores = evaluate_map(mask.astype(float), mask)
    >>> list(scores) == list(EVALUATION_METRICS), scores["pointing"], scores["auc_judd"]
    (True, 1.0, 1.0)
    >>> flat = evaluate_map(np.ones((64, 64)), mask)
    >>> flat["pointing"], flat["auc_judd"], flat["nss"], flat["cc"]
    (0.0, 0.5, 0.0, 0.0)
    """
    values = _check_saliency(saliency)
    region = _check_binary(mask, name="mask", like=values)
    if region.all():
        raise ValueError("mask must leave at least one pixel outside the region, got every pixel inside")
    scale = min(values.shape) * _REGION_SCALE
    sigma = scale if sigma is None else check_positive(sigma, name="sigma", allow_zero=True)
    tolerance = scale if tolerance is None else check_positive(tolerance, name="tolerance", allow_zero=True)
    density = fixation_density(region, sigma=sigma)
    return {
        "pointing": float(pointing_game(values, region, tolerance=tolerance)),
        "auc_judd": auc_judd(values, region),
        "nss": nss(values, region),
        "cc": cc(values, density),
        "sim": similarity(values, density),
        "kl": kl_div(values, density),
    }


def centre_gaussian(shape: tuple[int, int], *, sigma: float) -> npt.NDArray[np.float32]:
    """The centre-bias baseline: an isotropic Gaussian at the image centre.

    .. math::

        C(r, c) = \\exp\\left(-\\frac{(r - r_0)^2 + (c - c_0)^2}{2\\sigma^2}\\right),
        \\qquad r_0 = \\frac{H - 1}{2},\\; c_0 = \\frac{W - 1}{2}

    It knows nothing about the image, yet scores well wherever the
    ground truth lies near the centre (Tatler 2007; the "center prior"
    row of the MIT benchmark); :func:`shuffled_auc` is the metric that
    discounts it.

    Parameters
    ----------
    shape : tuple of int
        (H, W), both >= 1.
    sigma : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    ndarray of float32, shape (H, W), values in (0, 1]
        1 at the centre pixel when H and W are odd (just below 1 otherwise).

    Raises
    ------
    ValueError
        For a bad ``shape`` or a ``sigma`` that is not > 0.

    Notes
    -----
    Convention: pixel centres at integer (row, col); the centre lies between
    pixels for even sizes, so the map is symmetric under flips.  The MIT
    benchmark's centre prior is a Gaussian stretched to the image's aspect
    ratio; this one is round.

    References
    ----------
    B. W. Tatler, "The central fixation bias in scene viewing", Journal of
    Vision 7(14):4, 2007, doi:10.1167/7.14.4.

    Examples
    --------
    >>> np.round(centre_gaussian((3, 3), sigma=1.0).astype(float), 3).tolist()
    [[0.368, 0.607, 0.368], [0.607, 1.0, 0.607], [0.368, 0.607, 0.368]]
    """
    height, width = _check_hw(shape)
    sigma = check_positive(sigma, name="sigma")
    sigma = check_number(sigma, name="sigma", minimum=1e-3, maximum=MAX_SIGMA)
    rows = np.arange(height, dtype=np.float64) - (height - 1) / 2.0
    cols = np.arange(width, dtype=np.float64) - (width - 1) / 2.0
    squared = rows[:, None] ** 2 + cols[None, :] ** 2  # (H, W) squared distance to the centre
    return np.exp(-squared / (2.0 * sigma**2)).astype(np.float32)


def mean_scores(scores: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Average per-image scores metric by metric (the benchmarks' convention).

    .. math:: \\bar m = \\frac{1}{n} \\sum_{k=1}^{n} m_k

    for every metric m over the n images (MIT and Tübingen benchmarks:
    each score is computed per image, then averaged).

    Parameters
    ----------
    scores : iterable of mappings of str to float
        One mapping per image, e.g. from :func:`evaluate_map`, all with the
        same keys.

    Returns
    -------
    dict of str to float
        Same keys, in the first mapping's order.

    Raises
    ------
    ValueError
        For no mappings, or mappings whose keys differ.

    Examples
    --------
    >>> mean_scores([{"nss": 1.0, "pointing": 1.0}, {"nss": 2.0, "pointing": 0.0}])
    {'nss': 1.5, 'pointing': 0.5}
    """
    if isinstance(scores, (str, bytes, Mapping)) or not hasattr(scores, "__iter__"):
        raise TypeError(f"scores must be an iterable of mappings (metric name -> value), got {type(scores).__name__}")
    rows = list(scores)
    for number, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"scores must hold mappings, got {type(row).__name__} in position {number}")
        for key, value in row.items():
            check_number(value, name=f"scores[{number}][{key!r}]")
    rows = [dict(row) for row in rows]
    if not rows:
        raise ValueError("scores must hold at least one mapping of metric names to values, got none")
    keys = list(rows[0])
    for number, row in enumerate(rows):
        if set(row) != set(keys):
            raise ValueError(f"scores must all have the keys {keys}, got {sorted(row)} in mapping {number}")
    return {key: float(np.mean([row[key] for row in rows])) for key in keys}
