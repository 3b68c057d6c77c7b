"""Tests of course_lib.metrics.

Oracles: hand-computed 3×3 cases, independent computations written here
(brute-force pairwise AUC, scipy's Mann–Whitney U, MIT's stepped-threshold ROC
transcribed literally, scipy's entropy, numpy's corrcoef), and the properties
stated by Bylinskii et al. (2019), "What do different evaluation metrics tell
us about saliency models?", IEEE TPAMI 41(3), doi:10.1109/TPAMI.2018.2815601
(notebook 05, evaluation).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy.stats import entropy, mannwhitneyu

from course_lib import metrics
from course_lib.baselines import normalize_range

from conftest import ATOL_F32, ATOL_F64, RTOL_F32, RTOL_F64

RAMP = np.arange(9.0).reshape(3, 3)
CENTRE_AND_CORNER = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 1]])


def _random_case(seed, shape=(20, 30), n_fixations=25, *, levels=None):
    rng = np.random.default_rng(seed)
    saliency = rng.random(shape)
    if levels is not None:  # quantise to create many ties
        saliency = np.floor(saliency * levels) / levels
    fixations = np.zeros(shape, bool)
    fixations.flat[rng.choice(saliency.size, n_fixations, replace=False)] = True
    return saliency, fixations


def _centre_gaussian(shape, sd):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return np.exp(-((rows - (shape[0] - 1) / 2) ** 2 + (cols - (shape[1] - 1) / 2) ** 2) / (2 * sd**2))


def _centre_biased_fixations(rng, shape, n, sd):
    points = rng.normal([(shape[0] - 1) / 2, (shape[1] - 1) / 2], sd, size=(n, 2))
    points = np.clip(np.rint(points), 0, np.array(shape) - 1).astype(int)
    fixations = np.zeros(shape, bool)
    fixations[points[:, 0], points[:, 1]] = True
    return fixations


# --------------------------------------------------------------------------
# AUC-Judd
# --------------------------------------------------------------------------
def test_auc_judd_hand_computed():
    # negatives {0,1,2,3,5,6,7}: 4 beats 4 of them, 8 beats all 7 -> 11 / 14
    assert metrics.auc_judd(RAMP, CENTRE_AND_CORNER) == 11 / 14


def test_auc_judd_hand_computed_with_ties():
    saliency = np.array([[1.0, 1.0], [0.0, 2.0]])
    fixations = np.array([[1, 0], [0, 0]])
    # positive 1 vs negatives {1, 0, 2}: tie (1/2) + win (1) + loss (0) = 1.5 / 3
    assert metrics.auc_judd(saliency, fixations) == 0.5
    fixations = np.array([[0, 0], [0, 1]])
    assert metrics.auc_judd(saliency, fixations) == 1.0


@pytest.mark.parametrize("levels", [None, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_judd_equals_pairwise_brute_force_and_mann_whitney(seed, levels):
    saliency, fixations = _random_case(seed, levels=levels)
    positives, negatives = saliency[fixations], saliency[~fixations]
    difference = positives[:, None] - negatives[None, :]
    brute_force = ((difference > 0) + 0.5 * (difference == 0)).mean()
    u_statistic = mannwhitneyu(positives, negatives).statistic
    result = metrics.auc_judd(saliency, fixations)
    assert result == pytest.approx(brute_force, rel=RTOL_F64, abs=ATOL_F64)
    assert result == pytest.approx(u_statistic / (positives.size * negatives.size), rel=RTOL_F64, abs=ATOL_F64)


def _mit_auc_judd_without_jitter(saliency, fixations):
    """MIT AUC_Judd.m transcribed (distinct values, so no jitter needed)."""
    values = normalize_range(saliency).astype(np.float64)
    at_fixations = np.sort(values[fixations])[::-1]
    n_fix, n_pix = at_fixations.size, values.size
    tp, fp = [0.0], [0.0]
    for i, threshold in enumerate(at_fixations, start=1):
        above = np.sum(values >= threshold)
        tp.append(i / n_fix)
        fp.append((above - i) / (n_pix - n_fix))
    tp.append(1.0)
    fp.append(1.0)
    tp, fp = np.array(tp), np.array(fp)
    return float(np.sum(np.diff(fp) * (tp[1:] + tp[:-1]) / 2)), fp[-2]


@pytest.mark.parametrize("seed", [3, 4])
def test_auc_judd_differs_from_mit_sampling_by_the_documented_amount(seed):
    saliency, fixations = _random_case(seed)
    mit, fpr_at_lowest_fixation = _mit_auc_judd_without_jitter(saliency, fixations)
    n_fix = int(fixations.sum())
    assert mit - metrics.auc_judd(saliency, fixations) == pytest.approx(fpr_at_lowest_fixation / (2 * n_fix), abs=1e-12)


@pytest.mark.parametrize("value", [0.0, 0.3, 7.0])
def test_auc_of_constant_map_is_exactly_one_half(value):
    saliency = np.full((20, 30), value)
    _, fixations = _random_case(5)
    others = _random_case(6)[1]
    assert metrics.auc_judd(saliency, fixations) == 0.5
    assert metrics.auc_borji(saliency, fixations) == 0.5
    assert metrics.shuffled_auc(saliency, fixations, others) == 0.5


@pytest.mark.parametrize(
    "transform",
    [np.exp, lambda s: s**3, lambda s: 5 * s - 2, np.log1p, lambda s: np.arctan(10 * s)],
)
def test_auc_judd_invariant_to_strictly_monotonic_transforms(transform):
    saliency, fixations = _random_case(7)
    assert metrics.auc_judd(transform(saliency), fixations) == metrics.auc_judd(saliency, fixations)


def test_auc_judd_perfect_and_worst_maps():
    _, fixations = _random_case(8)
    assert metrics.auc_judd(fixations.astype(float), fixations) == 1.0
    assert metrics.auc_judd(1.0 - fixations, fixations) == 0.0


def test_auc_judd_counts_a_pixel_fixated_twice_once():
    counts = CENTRE_AND_CORNER * np.array([[1, 1, 1], [1, 3, 1], [1, 1, 1]])
    assert metrics.auc_judd(RAMP, counts) == metrics.auc_judd(RAMP, CENTRE_AND_CORNER)


# --------------------------------------------------------------------------
# AUC-Borji and shuffled AUC
# --------------------------------------------------------------------------
def _mit_stepped_auc(positives, negatives, step):
    """MIT AUC_Borji.m / AUC_shuffled.m inner loop for one split, transcribed."""
    thresholds = np.arange(0.0, max(positives.max(), negatives.max()) + 1e-12, step)[::-1]
    tp = [0.0] + [np.sum(positives >= t) / positives.size for t in thresholds] + [1.0]
    fp = [0.0] + [np.sum(negatives >= t) / negatives.size for t in thresholds] + [1.0]
    return float(np.trapezoid(tp, fp))


@pytest.mark.parametrize("seed", [0, 1])
def test_auc_borji_matches_transcribed_mit_loop_with_same_draws(seed):
    saliency, fixations = _random_case(seed)
    scaled = normalize_range(saliency).astype(np.float64).ravel()
    positives = scaled[fixations.ravel()]
    draws = np.random.default_rng(seed).integers(0, scaled.size, size=(10, positives.size))
    expected = np.mean([_mit_stepped_auc(positives, scaled[row], 0.1) for row in draws])
    result = metrics.auc_borji(saliency, fixations, n_splits=10, seed=seed)
    assert result == pytest.approx(expected, abs=1e-12)


def test_shuffled_auc_matches_transcribed_mit_loop_with_same_draws():
    saliency, fixations = _random_case(2)
    others = _random_case(3, n_fixations=12)[1]  # fewer than the 25 positives: min(N, N_other)
    scaled = normalize_range(saliency).astype(np.float64)
    pool = scaled[others]
    rng = np.random.default_rng(4)
    expected = np.mean(
        [_mit_stepped_auc(scaled[fixations], pool[rng.choice(pool.size, 12, replace=False)], 0.1) for _ in range(7)]
    )
    assert metrics.shuffled_auc(saliency, fixations, others, n_splits=7, seed=4) == pytest.approx(expected, abs=1e-12)


def test_auc_borji_close_to_auc_judd_on_random_data_and_seeded():
    saliency, fixations = _random_case(9, shape=(40, 40), n_fixations=60)
    borji = metrics.auc_borji(saliency, fixations, step=0.01)
    assert borji == pytest.approx(metrics.auc_judd(saliency, fixations), abs=0.05)
    assert metrics.auc_borji(saliency, fixations, seed=3) == metrics.auc_borji(saliency, fixations, seed=3)
    generator = np.random.default_rng(3)
    assert metrics.auc_borji(saliency, fixations, seed=generator) == metrics.auc_borji(saliency, fixations, seed=3)


def test_centre_bias_map_high_auc_judd_but_chance_shuffled_auc():
    # Oracle 12.  Sparse fixations on a large map, so that few coincide: binary
    # maps merge duplicates, which flattens the pool of other fixations (Notes).
    shape, sd, n_fixations = (240, 320), 40.0, 200
    rng = np.random.default_rng(10)
    saliency = _centre_gaussian(shape, sd)
    scores = []
    for _ in range(4):  # benchmarks average over images
        fixations = _centre_biased_fixations(rng, shape, n_fixations, sd)
        others = np.zeros(shape, bool)
        for _ in range(10):  # Borji's M = 10 other images, same centre bias
            others |= _centre_biased_fixations(rng, shape, n_fixations, sd)
        scores.append(
            (metrics.auc_judd(saliency, fixations), metrics.shuffled_auc(saliency, fixations, others, n_splits=20))
        )
    judd, shuffled = np.mean(scores, axis=0)
    assert judd > 0.85
    assert shuffled == pytest.approx(0.5, abs=0.04)
    assert metrics.auc_borji(saliency, fixations) > 0.8  # coarser: thresholds every 0.1
    assert metrics.nss(saliency, fixations) > 1.0


def test_stepped_aucs_pin_their_defaults():
    for function in (metrics.auc_borji, metrics.shuffled_auc):
        parameters = inspect.signature(function).parameters
        assert parameters["n_splits"].default == 100
        assert parameters["step"].default == 0.1
        assert parameters["seed"].default == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_splits": 0}, ValueError, "n_splits must be an integer >= 1"),
        ({"n_splits": 2.5}, TypeError, "n_splits must be an integer, got float"),
        ({"n_splits": 10**9}, ValueError, "n_splits must be an integer >= 1 and <= 10000"),
        ({"step": 0.0}, ValueError, "step must be a finite number > 0"),
        ({"step": 1.5}, ValueError, r"step must be in \(0, 1\]"),
        ({"seed": "abc"}, TypeError, "seed must be an integer >= 0, a numpy Generator or SeedSequence, or None"),
        ({"seed": 1.5}, TypeError, "seed must be an integer >= 0, a numpy Generator or SeedSequence, or None"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0, got -1"),
    ],
)
def test_stepped_aucs_reject_bad_options(kwargs, error, match):
    for call in (
        lambda: metrics.auc_borji(RAMP, CENTRE_AND_CORNER, **kwargs),
        lambda: metrics.shuffled_auc(RAMP, CENTRE_AND_CORNER, CENTRE_AND_CORNER, **kwargs),
    ):
        with pytest.raises(error, match=match):
            call()


# --------------------------------------------------------------------------
# NSS, IG
# --------------------------------------------------------------------------
def test_nss_hand_computed():
    # mean 4, population std sqrt(60 / 9); fixations at 4 and 8 -> (0 + 4 / std) / 2
    assert metrics.nss(RAMP, CENTRE_AND_CORNER) == pytest.approx(2 / np.sqrt(60 / 9), rel=RTOL_F64)


@pytest.mark.parametrize(("scale", "offset"), [(2.0, 0.0), (0.01, 5.0), (300.0, -7.0)])
def test_nss_and_cc_invariant_to_positive_affine_maps(scale, offset):
    saliency, fixations = _random_case(11)
    density = metrics.fixation_density(fixations, sigma=2.0)
    assert metrics.nss(scale * saliency + offset, fixations) == pytest.approx(metrics.nss(saliency, fixations), rel=1e-9)
    assert metrics.cc(scale * saliency + offset, density) == pytest.approx(metrics.cc(saliency, density), rel=1e-9)


def test_nss_of_constant_map_is_zero_and_of_density_is_positive():
    _, fixations = _random_case(12)
    assert metrics.nss(np.full((20, 30), 0.1), fixations) == 0.0
    assert metrics.nss(metrics.fixation_density(fixations, sigma=1.5), fixations) > 0


def test_information_gain_hand_computed_and_uniform_cases():
    saliency = np.array([[3.0, 1.0], [0.0, 0.0]])
    fixations = np.array([[1, 0], [0, 1]])
    # fixation 1: log2(.75 / .25); fixation 2: log2(eps) - log2(.25)
    expected = (np.log2(3.0) + np.log2(metrics.EPS + 0.0) - np.log2(metrics.EPS + 0.25)) / 2
    assert metrics.information_gain(saliency, fixations) == pytest.approx(expected, rel=RTOL_F64)
    assert np.isfinite(metrics.information_gain(saliency, fixations))
    _, fixations = _random_case(13)
    assert metrics.information_gain(np.ones((20, 30)), fixations) == pytest.approx(0.0, abs=1e-12)
    assert metrics.information_gain(np.zeros((20, 30)), fixations) == pytest.approx(0.0, abs=1e-12)
    uniform = np.full((20, 30), 0.25)
    assert metrics.information_gain(uniform, fixations, baseline=uniform) == 0.0


def test_information_gain_with_a_baseline():
    saliency, fixations = _random_case(14)
    assert metrics.information_gain(saliency, fixations, baseline=3 * saliency) == pytest.approx(0.0, abs=1e-12)
    density = metrics.fixation_density(fixations, sigma=1.0)
    assert metrics.information_gain(density, fixations) > 0
    assert metrics.information_gain(np.ones((20, 30)), fixations, baseline=density) < 0


def test_information_gain_rejects_bad_baseline():
    with pytest.raises(ValueError, match="baseline must be non-negative"):
        metrics.information_gain(RAMP, CENTRE_AND_CORNER, baseline=-RAMP)
    with pytest.raises(ValueError, match="saliency and baseline must have the same height and width"):
        metrics.information_gain(RAMP, CENTRE_AND_CORNER, baseline=np.ones((4, 4)))
    with pytest.raises(ValueError, match="saliency must be non-negative"):
        metrics.information_gain(RAMP - 1, CENTRE_AND_CORNER)


# --------------------------------------------------------------------------
# CC, KL, SIM
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_cc_equals_numpy_corrcoef_and_is_symmetric(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.random((15, 20)), rng.random((15, 20))
    assert metrics.cc(a, b) == pytest.approx(np.corrcoef(a.ravel(), b.ravel())[0, 1], rel=1e-12)
    assert metrics.cc(a, b) == pytest.approx(metrics.cc(b, a), rel=1e-12)


def test_cc_self_is_one_and_constant_is_zero():
    density = np.random.default_rng(15).random((10, 10))
    assert metrics.cc(density, density) == pytest.approx(1.0, abs=1e-12)
    assert metrics.cc(density, density) <= 1.0
    assert metrics.cc(np.full((10, 10), 3.0), density) == 0.0
    assert metrics.cc(density, np.full((10, 10), 3.0)) == 0.0


def test_kl_hand_computed_and_self_zero():
    density = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert metrics.kl_div(np.ones((2, 2)), density) == pytest.approx(np.log(2), rel=1e-12)
    assert metrics.kl_div(np.zeros((2, 2)), density) == pytest.approx(np.log(2), rel=1e-12)  # zeros read as uniform
    p = np.random.default_rng(16).random((10, 10))
    assert metrics.kl_div(p, p) == pytest.approx(0.0, abs=1e-12)
    assert metrics.kl_div(7 * p, p) == pytest.approx(0.0, abs=1e-12)


def test_kl_equals_scipy_entropy_without_zeros_and_is_finite_with_them():
    rng = np.random.default_rng(17)
    p, q = rng.random((10, 10)) + 0.1, rng.random((10, 10)) + 0.1
    assert metrics.kl_div(p, q) == pytest.approx(entropy(q.ravel(), p.ravel()), rel=1e-9)
    zero_map = np.zeros((10, 10)); zero_map[0, 0] = 1.0
    kl = metrics.kl_div(zero_map, q)
    assert np.isfinite(kl) and kl > 10


def test_similarity_hand_computed_range_and_self():
    density = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert metrics.similarity(np.ones((2, 2)), density) == 0.5
    assert metrics.similarity(np.array([[0.0, 0.0], [1.0, 1.0]]), density) == 0.0
    rng = np.random.default_rng(18)
    for _ in range(5):
        a, b = rng.random((8, 8)) ** 4, rng.random((8, 8))
        assert 0.0 <= metrics.similarity(a, b) <= 1.0
        assert metrics.similarity(a, a) == pytest.approx(1.0, abs=1e-12)
        assert metrics.similarity(a, b) == pytest.approx(metrics.similarity(b, a), abs=1e-12)


@pytest.mark.parametrize("function", [metrics.kl_div, metrics.similarity])
def test_distribution_metrics_reject_negative_saliency(function):
    with pytest.raises(ValueError, match="saliency must be non-negative"):
        function(RAMP - 1, RAMP)


@pytest.mark.parametrize("function", [metrics.cc, metrics.kl_div, metrics.similarity])
def test_distribution_metrics_reject_bad_density(function):
    with pytest.raises(ValueError, match="density must be non-negative"):
        function(RAMP, RAMP - 1)
    with pytest.raises(ValueError, match="density must have a positive sum"):
        function(RAMP, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="saliency and density must have the same height and width"):
        function(RAMP, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"density must have shape \(H, W\)"):
        function(RAMP, np.ones((3, 3, 3)))


# --------------------------------------------------------------------------
# no NaN, shapes refused, inputs unchanged
# --------------------------------------------------------------------------
LOCATION_METRICS = [
    metrics.auc_judd,
    metrics.auc_borji,
    metrics.nss,
    metrics.information_gain,
    lambda s, f: metrics.shuffled_auc(s, f, f),
    metrics.pointing_game,
]
DISTRIBUTION_METRICS = [metrics.cc, metrics.kl_div, metrics.similarity]


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_no_nan_on_constant_maps(value):
    saliency = np.full((6, 7), value)
    fixations = np.zeros((6, 7)); fixations[2, 3] = 1
    for function in LOCATION_METRICS:
        assert np.isfinite(float(function(saliency, fixations)))
    for function in DISTRIBUTION_METRICS:
        assert np.isfinite(function(saliency, np.ones((6, 7))))
        assert np.isfinite(function(saliency, fixations.astype(float)))


@pytest.mark.parametrize("function", LOCATION_METRICS)
def test_location_metrics_refuse_other_sizes_and_bad_fixations(function):
    with pytest.raises(ValueError, match="must have the same height and width"):
        function(RAMP, np.ones((4, 3)))
    with pytest.raises(ValueError, match="must contain at least one pixel > 0"):
        function(RAMP, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="must be non-negative"):
        function(RAMP, -CENTRE_AND_CORNER)
    with pytest.raises(ValueError, match=r"must have shape \(H, W\)"):
        function(RAMP, np.ones((3, 3, 1)))
    with pytest.raises(TypeError, match="must be a numpy array"):
        function(RAMP, [[1, 0, 0]] * 3)
    with pytest.raises(ValueError, match=r"saliency must have shape \(H, W\)"):
        function(np.ones((3, 3, 3)), CENTRE_AND_CORNER)
    with pytest.raises(ValueError, match="saliency must not contain NaN or inf"):
        function(np.full((3, 3), np.nan), CENTRE_AND_CORNER)


def test_shuffled_auc_checks_other_fixations():
    with pytest.raises(ValueError, match="other_fixations must contain at least one pixel > 0"):
        metrics.shuffled_auc(RAMP, CENTRE_AND_CORNER, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="saliency and other_fixations must have the same height and width"):
        metrics.shuffled_auc(RAMP, CENTRE_AND_CORNER, np.ones((2, 3)))


def test_auc_judd_needs_an_unfixated_pixel():
    with pytest.raises(ValueError, match="fixations must leave at least one pixel unfixated"):
        metrics.auc_judd(RAMP, np.ones((3, 3), bool))


def test_metrics_accept_bool_int_and_float_fixations_and_do_not_mutate():
    saliency, fixations = _random_case(19)
    saliency_copy, fixations_copy = saliency.copy(), fixations.copy()
    expected = metrics.nss(saliency, fixations)
    assert metrics.nss(saliency, fixations.astype(np.uint8)) == expected
    assert metrics.nss(saliency, fixations.astype(np.float32)) == expected
    metrics.auc_judd(saliency, fixations)
    metrics.kl_div(saliency, saliency)
    np.testing.assert_array_equal(saliency, saliency_copy)
    np.testing.assert_array_equal(fixations, fixations_copy)


def test_metrics_return_python_scalars():
    saliency, fixations = _random_case(20)
    for function in LOCATION_METRICS[:-1]:
        assert type(function(saliency, fixations)) is float
    assert type(metrics.pointing_game(saliency, fixations)) is bool
    for function in DISTRIBUTION_METRICS:
        assert type(function(saliency, saliency)) is float


# --------------------------------------------------------------------------
# pointing game
# --------------------------------------------------------------------------
def _square_mask():
    mask = np.zeros((40, 40), bool)
    mask[10:20, 10:20] = True
    return mask


def _spike(row, col, shape=(40, 40)):
    saliency = np.zeros(shape)
    saliency[row, col] = 1.0
    return saliency


def test_pointing_game_14_pixels_outside():
    saliency = _spike(15, 33)  # nearest mask pixel (15, 19): 14 px
    assert metrics.pointing_game(saliency, _square_mask(), tolerance=15) is True
    assert metrics.pointing_game(saliency, _square_mask()) is True  # default 15
    assert metrics.pointing_game(saliency, _square_mask(), tolerance=0) is False
    assert metrics.pointing_game(saliency, _square_mask(), 14) is False  # strict: 14 < 14 is false


def test_pointing_game_strict_disk_and_euclidean_distance():
    assert metrics.pointing_game(_spike(15, 34), _square_mask(), tolerance=15) is False  # exactly 15
    assert metrics.pointing_game(_spike(29, 29), _square_mask(), tolerance=15) is True  # 10√2 ≈ 14.1
    assert metrics.pointing_game(_spike(30, 30), _square_mask(), tolerance=15) is False  # 11√2 ≈ 15.6
    assert metrics.pointing_game(_spike(30, 30), _square_mask(), tolerance=15.6) is True


def test_pointing_game_inside_mask_hits_even_with_zero_tolerance():
    assert metrics.pointing_game(_spike(12, 18), _square_mask(), tolerance=0) is True


def test_pointing_game_ties_use_first_maximum_and_constant_map_misses():
    saliency = _spike(39, 39)
    saliency[12, 12] = 1.0  # first in row-major order, inside the mask
    assert metrics.pointing_game(saliency, _square_mask(), tolerance=0) is True
    saliency = _spike(12, 12)
    saliency[0, 39] = saliency[39, 39] = 1.0  # (0, 39) comes first: outside
    assert metrics.pointing_game(saliency, _square_mask(), tolerance=0) is False
    assert metrics.pointing_game(np.ones((40, 40)), np.ones((40, 40), bool)) is False


def test_pointing_game_default_and_bad_tolerance():
    assert inspect.signature(metrics.pointing_game).parameters["tolerance"].default == 15
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        metrics.pointing_game(_spike(1, 1), _square_mask(), tolerance=-1)
    with pytest.raises(ValueError, match="mask must contain at least one pixel > 0"):
        metrics.pointing_game(_spike(1, 1), np.zeros((40, 40), bool))


# --------------------------------------------------------------------------
# fixation density and the fixation-table loader
# --------------------------------------------------------------------------
def test_fixation_density_sums_to_one_and_is_symmetric():
    fixations = np.zeros((21, 21)); fixations[10, 10] = 1
    density = metrics.fixation_density(fixations, sigma=3.0)
    assert density.dtype == np.float32 and density.shape == (21, 21)
    assert float(density.sum(dtype=np.float64)) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(density, density.T, atol=1e-9)
    np.testing.assert_allclose(density, density[::-1, ::-1], atol=1e-9)
    assert density.min() >= 0 and np.unravel_index(np.argmax(density), density.shape) == (10, 10)


def test_fixation_density_sigma_zero_is_normalised_binary_map():
    density = metrics.fixation_density(CENTRE_AND_CORNER * 5, sigma=0.0)
    np.testing.assert_array_equal(density, CENTRE_AND_CORNER / 2)


def test_fixation_density_rejects_bad_input():
    with pytest.raises(ValueError, match="sigma must be a finite number >= 0"):
        metrics.fixation_density(CENTRE_AND_CORNER, sigma=-1.0)
    with pytest.raises(ValueError, match="fixations must contain at least one pixel > 0"):
        metrics.fixation_density(np.zeros((3, 3)), sigma=1.0)


def test_load_fixations_from_csv(tmp_path):
    path = tmp_path / "fixations.csv"
    path.write_text(
        "subject,Y,X,Image\n"
        "s1,0,1,a.png\n"
        "s1,1.6,2.4,a.png\n"
        "s2,1.6,2.4,a.png\n"  # same pixel again: counted once
        "s1,0.5,0.5,b.png\n"  # rounds half up to (1, 1)
        "\n"
        "s1,5,5,unknown.png\n"
    )
    maps = metrics.load_fixations(path, shapes={"a.png": (3, 4), "b.png": np.zeros((2, 2, 3))})
    assert list(maps) == ["a.png", "b.png"]
    assert maps["a.png"].astype(int).tolist() == [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]]
    assert maps["b.png"].astype(int).tolist() == [[0, 0], [0, 1]]
    assert metrics.load_fixations(str(path), shapes={"c.png": (2, 2)})["c.png"].dtype == bool


def test_load_fixations_from_rows_one_based_and_out_of_bounds():
    rows = [{"image": "a", "x": 1, "y": 1}, ("a", 4, 3), ["a", 9, 9]]
    maps = metrics.load_fixations(rows, shapes={"a": (3, 4)}, one_based=True, out_of_bounds="drop")
    assert np.argwhere(maps["a"]).tolist() == [[0, 0], [2, 3]]
    with pytest.raises(ValueError, match=r"fixation \(x=9, y=9\) lies outside image 'a'"):
        metrics.load_fixations(rows, shapes={"a": (3, 4)}, one_based=True)
    with pytest.raises(ValueError, match="lies outside image"):
        metrics.load_fixations([("a", -1, 0)], shapes={"a": (3, 4)})


def test_load_fixations_maps_work_with_metrics():
    maps = metrics.load_fixations([("a", 1, 2)], shapes={"a": (3, 3)})
    assert metrics.auc_judd(RAMP, maps["a"]) == 7 / 8  # RAMP[2, 1] = 7 beats 7 of the 8 others


@pytest.mark.parametrize(
    ("table", "kwargs", "error", "match"),
    [
        ([("a", "left", 0)], {}, ValueError, "row 0 of path_or_table must have numeric x and y"),
        ([("a", 0, None)], {}, ValueError, "row 0 of path_or_table must have numeric x and y"),
        ([("a", float("nan"), 0)], {}, ValueError, "row 0 of path_or_table must have finite x and y"),
        ([("a", 0)], {}, ValueError, r"row 0 of path_or_table must be \(image, x, y\)"),
        ([{"image": "a", "x": 0}], {}, ValueError, "row 0 of path_or_table must have keys image, x, y"),
        (42, {}, TypeError, "path_or_table must be a CSV path or an iterable"),
        (np.zeros((2, 3)), {}, TypeError, "path_or_table must be a CSV path or an iterable"),
        ([], {"out_of_bounds": "clip"}, ValueError, "out_of_bounds must be one of"),
    ],
)
def test_load_fixations_rejects_bad_tables(table, kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.load_fixations(table, shapes={"a": (3, 3)}, **kwargs)


@pytest.mark.parametrize("shape", [(3,), (0, 3), (3.0, 3), "3x3", (True, 3)])
def test_load_fixations_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match=r"shapes\['a'\] must be an \(H, W\) tuple"):
        metrics.load_fixations([], shapes={"a": shape})


def test_load_fixations_rejects_bad_files_and_shapes_type(tmp_path):
    with pytest.raises(ValueError, match="path_or_table must be an existing CSV file"):
        metrics.load_fixations(tmp_path / "missing.csv", shapes={})
    path = tmp_path / "bad.csv"
    path.write_text("image,col,row\na,1,2\n")
    with pytest.raises(ValueError, match=r"must have a header row with columns image, x, y; missing \['x', 'y'\]"):
        metrics.load_fixations(path, shapes={})
    with pytest.raises(TypeError, match="shapes must be a mapping"):
        metrics.load_fixations([], shapes=[(3, 3)])



# --------------------------------------------------------------------------
# notebook 05: evaluate_map, box_mask, centre_gaussian
# --------------------------------------------------------------------------
def _region_case(seed, shape=(40, 56)):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, bool)
    mask[10:18, 20:31] = True
    return rng.random(shape), mask


@pytest.mark.parametrize("seed", [0, 1])
def test_evaluate_map_equals_each_metric_with_the_region_as_fixations(seed):
    saliency, mask = _region_case(seed)
    density = metrics.fixation_density(mask, sigma=2.5)
    scores = metrics.evaluate_map(saliency, mask, sigma=2.5, tolerance=4.0)
    assert tuple(scores) == metrics.EVALUATION_METRICS
    assert all(isinstance(value, float) for value in scores.values())
    assert scores["pointing"] == float(metrics.pointing_game(saliency, mask, tolerance=4.0))
    assert scores["auc_judd"] == metrics.auc_judd(saliency, mask)
    assert scores["nss"] == metrics.nss(saliency, mask)
    assert scores["cc"] == metrics.cc(saliency, density)
    assert scores["sim"] == metrics.similarity(saliency, density)
    assert scores["kl"] == metrics.kl_div(saliency, density)


def test_evaluate_map_defaults_are_a_32nd_of_the_shorter_side():
    saliency, mask = _region_case(2, shape=(48, 96))  # min side 48 -> sigma = tolerance = 1.5 px
    assert metrics.evaluate_map(saliency, mask) == metrics.evaluate_map(saliency, mask, sigma=1.5, tolerance=1.5)
    point = np.zeros((48, 96), bool)
    point[20, 20] = True
    near, far = np.zeros((48, 96)), np.zeros((48, 96))
    near[21, 21] = 1.0  # sqrt(2) = 1.41 px from the region: inside tau = 1.5
    far[22, 20] = 1.0  # 2 px away: outside
    assert metrics.evaluate_map(near, point)["pointing"] == 1.0
    assert metrics.evaluate_map(far, point)["pointing"] == 0.0


def test_evaluate_map_of_the_density_itself_is_perfect_on_distribution_metrics():
    _, mask = _region_case(3)
    density = metrics.fixation_density(mask, sigma=2.0)
    scores = metrics.evaluate_map(density, mask, sigma=2.0)
    assert scores["pointing"] == 1.0
    assert scores["cc"] == pytest.approx(1.0, abs=1e-6)
    assert scores["sim"] == pytest.approx(1.0, abs=1e-6)
    assert abs(scores["kl"]) < 1e-6


def test_evaluate_map_refuses_bad_input():
    saliency, mask = _region_case(4)
    with pytest.raises(ValueError, match="mask must leave at least one pixel"):
        metrics.evaluate_map(saliency, np.ones_like(mask))
    with pytest.raises(ValueError, match="mask must contain at least one pixel"):
        metrics.evaluate_map(saliency, np.zeros_like(mask))
    with pytest.raises(ValueError, match="saliency.*mask|shape"):
        metrics.evaluate_map(saliency[:, :-1], mask)
    with pytest.raises(ValueError, match="sigma must be a finite number >= 0"):
        metrics.evaluate_map(saliency, mask, sigma=-1.0)
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        metrics.evaluate_map(saliency, mask, tolerance=-1.0)
    with pytest.raises(ValueError, match="saliency must be non-negative"):
        metrics.evaluate_map(saliency - 0.5, mask)


def test_box_mask_is_the_box_slice_ends_exclusive():
    mask = metrics.box_mask((10, 12), np.array([2, 3, 5, 9]))
    expected = np.zeros((10, 12), bool)
    expected[2:5, 3:9] = True
    np.testing.assert_array_equal(mask, expected)
    assert mask.dtype == bool
    assert metrics.box_mask((4, 4), (0, 0, 4, 4)).all()


@pytest.mark.parametrize(
    ("shape", "box", "match"),
    [
        ((10, 12), (2, 3, 2, 9), "box must satisfy"),  # empty
        ((10, 12), (2, 3, 11, 9), "box must satisfy"),  # past the bottom
        ((10, 12), (-1, 3, 5, 9), "box must satisfy"),
        ((10, 12), (2, 3, 5), "box must be 4 integers"),
        ((10, 12), (2.0, 3.0, 5.0, 9.0), "box must be 4 integers"),
        ((10,), (0, 0, 1, 1), "shape must be a"),
        ((0, 12), (0, 0, 1, 1), "shape must be a"),
    ],
)
def test_box_mask_refuses_bad_boxes_and_shapes(shape, box, match):
    with pytest.raises(ValueError, match=match):
        metrics.box_mask(shape, box)


@pytest.mark.parametrize("shape", [(7, 9), (8, 12)])
def test_centre_gaussian_matches_the_formula_and_is_flip_symmetric(shape):
    centre = metrics.centre_gaussian(shape, sigma=3.0)
    assert centre.dtype == np.float32 and centre.shape == shape
    np.testing.assert_allclose(centre, _centre_gaussian(shape, 3.0), rtol=RTOL_F32, atol=ATOL_F32)
    np.testing.assert_array_equal(centre, centre[::-1, ::-1])
    assert 0 < centre.min() and centre.max() <= 1


def test_centre_gaussian_convention_peak_one_on_odd_sizes_and_exp_half_at_sigma():
    centre = metrics.centre_gaussian((9, 9), sigma=2.0)
    assert centre[4, 4] == 1.0
    assert centre[4, 6] == pytest.approx(np.exp(-0.5), rel=RTOL_F32)


def test_centre_gaussian_refuses_bad_arguments():
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        metrics.centre_gaussian((4, 4), sigma=0.0)
    with pytest.raises(ValueError, match="shape must be a"):
        metrics.centre_gaussian((4, 4, 3), sigma=1.0)



def test_mean_scores_averages_each_metric_over_images():
    rows = [metrics.evaluate_map(*_region_case(seed)) for seed in (5, 6, 7)]
    means = metrics.mean_scores(iter(rows))
    assert tuple(means) == metrics.EVALUATION_METRICS
    for key in metrics.EVALUATION_METRICS:
        assert means[key] == pytest.approx(np.mean([row[key] for row in rows]), rel=RTOL_F64)


def test_mean_scores_refuses_empty_input_and_different_keys():
    with pytest.raises(ValueError, match="at least one mapping"):
        metrics.mean_scores([])
    with pytest.raises(ValueError, match="must all have the keys"):
        metrics.mean_scores([{"nss": 1.0}, {"cc": 1.0}])


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: metrics.auc_borji(RAMP, CENTRE_AND_CORNER, step=1e-300), ValueError, r"step must be in \(0, 1\], at least 0.0001"),
        (lambda: metrics.centre_gaussian((4, 4), sigma=1e-300), ValueError, "sigma must be a finite number >= 0.001"),
        (lambda: metrics.centre_gaussian((4, 4), sigma=1e300), ValueError, "sigma must be a finite number >= 0.001 and <= 1e\\+06"),
        (lambda: metrics.mean_scores(None), TypeError, "scores must be an iterable of mappings"),
        (lambda: metrics.mean_scores([3]), TypeError, "scores must hold mappings, got int in position 0"),
        (lambda: metrics.mean_scores([{"a": "x"}]), TypeError, r"scores\[0\]\['a'\] must be a number"),
        (lambda: metrics.mean_scores([{"a": float("nan")}]), ValueError, r"scores\[0\]\['a'\] must be a finite number"),
        (lambda: metrics.box_mask([10, 12.5], (0, 0, 1, 1)), TypeError, "shape must be an integer, got float"),
    ],
)
def test_bounded_and_typed_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
