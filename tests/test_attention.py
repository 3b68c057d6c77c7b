"""Tests of winner-take-all, inhibition of return and the search experiment."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import attention, stimuli


def _random_map(seed: int, shape=(30, 40)) -> np.ndarray:
    import cv2

    noise = np.random.default_rng(seed).random(shape).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 2.0)


@pytest.mark.parametrize("seed", range(4))
def test_fixations_are_distinct_and_outside_earlier_ior_disks(seed):
    saliency = _random_map(seed)
    radius = attention.default_ior_radius(saliency.shape)
    fixations = attention.scanpath(saliency, 10)
    assert len(fixations) >= 2
    for i in range(1, len(fixations)):
        distances = np.linalg.norm(fixations[:i] - fixations[i], axis=1)
        assert distances.min() > radius


@pytest.mark.parametrize("seed", range(4))
def test_simple_scanpath_visits_in_non_increasing_saliency(seed):
    saliency = _random_map(seed)
    fixations = attention.scanpath(saliency, 8, ior_radius=3)
    values = saliency[fixations[:, 0], fixations[:, 1]]
    assert np.all(np.diff(values) <= 0)
    assert values[0] == saliency.max()


def test_default_radius_is_min_side_over_six_and_input_untouched():
    saliency = _random_map(0, shape=(60, 90))
    before = saliency.copy()
    assert attention.default_ior_radius(saliency.shape) == 10.0
    np.testing.assert_array_equal(attention.scanpath(saliency, 5), attention.scanpath(saliency, 5, ior_radius=10.0))
    np.testing.assert_array_equal(saliency, before)


def test_scanpath_stops_when_nothing_salient_is_left():
    assert attention.scanpath(np.zeros((10, 10)), 3).shape == (0, 2)
    single = np.zeros((10, 10))
    single[5, 5] = 1.0
    assert attention.scanpath(single, 5, ior_radius=20).tolist() == [[5, 5]]


def test_dynamic_first_winner_is_the_global_maximum_of_one_peak():
    saliency = np.full((24, 32), 0.1)
    saliency += np.exp(-((np.arange(24)[:, None] - 7) ** 2 + (np.arange(32)[None] - 20) ** 2) / 8.0)
    trace = attention.simulate_attention(saliency, 3)
    assert trace.fixations[0].tolist() == [7, 20]
    assert np.all(np.diff(trace.times_ms) > 0)
    assert 20 < trace.times_ms[0] < 100  # the paper's shifts take tens of ms


def test_dynamic_fixations_never_return_while_ior_lasts():
    saliency = _random_map(5)
    trace = attention.simulate_attention(saliency, 6, ior_radius=4, ior_decay_ms=10_000)
    assert len(trace.fixations) == 6
    for i in range(1, 6):
        assert np.linalg.norm(trace.fixations[:i] - trace.fixations[i], axis=1).min() > 4


def test_dynamic_model_is_reproducible_and_respects_time_limit():
    saliency = _random_map(6)
    a = attention.simulate_attention(saliency, 4, seed=1)
    b = attention.simulate_attention(saliency, 4, seed=1)
    np.testing.assert_array_equal(a.fixations, b.fixations)
    short = attention.simulate_attention(saliency, 50, max_time_ms=60)
    assert len(short.fixations) < 50 and np.all(short.times_ms <= 60)
    assert attention.simulate_attention(np.zeros((5, 5)), 2).fixations.shape == (0, 2)


def test_wta_step_functions_match_the_scanpath():
    saliency = _random_map(7)
    first = attention.winner_take_all(saliency)
    inhibited = attention.inhibit_return(saliency, first, 4.0)
    second = attention.winner_take_all(inhibited)
    assert attention.scanpath(saliency, 2, ior_radius=4.0).tolist() == [list(first), list(second)]
    assert np.isfinite(saliency).all()  # the input keeps its values


def test_coordinate_conversion_and_attended_items():
    display = stimuli.search_array("orientation", 9, seed=0)
    centre = display.item_centres[display.target_index]
    assert attention.attended_items(centre[None], display).tolist() == [display.target_index]
    back = attention.map_to_image_coords(np.array([[0, 0]]), (32, 32), (512, 512))
    np.testing.assert_allclose(back, [[7.5, 7.5]])


def test_search_trial_with_an_oracle_map_finds_the_target_first():
    display = stimuli.search_array("conjunction", 25, seed=4)
    oracle = np.zeros(display.image.shape[:2], np.float32)
    r0, c0, r1, c1 = display.target_box
    oracle[r0:r1, c0:c1] = 1.0
    assert attention.search_trial(display, oracle)[0] == 1
    count, time_ms = attention.search_trial(display, oracle, model="dynamic")
    assert count == 1 and time_ms > 0



@pytest.mark.parametrize(
    ("kind", "set_size", "seed"), [("conjunction", 25, 0), ("conjunction", 49, 1), ("colour", 16, 2)]
)
def test_items_before_target_is_the_scan_that_search_trial_counts(kind, set_size, seed):
    from course_lib import itti_koch

    display = stimuli.search_array(kind, set_size, seed=seed)
    saliency = itti_koch.saliency_map(display.image)
    before = attention.items_before_target(display, saliency)
    assert before.dtype == np.int64 and display.target_index not in before.tolist()
    assert len(np.unique(before)) == len(before)  # IOR of half the pitch: no item twice
    assert len(before) + 1 == attention.search_trial(display, saliency)[0]
    small = attention.downsample_map(saliency, 4)  # any map size: coordinates are rescaled
    assert len(attention.items_before_target(display, small)) + 1 == attention.search_trial(display, small)[0]


def test_items_before_target_follows_the_saliency_order_and_reports_a_miss():
    display = stimuli.search_array("orientation", 16, seed=3)
    order = [i for i in range(16) if i != display.target_index]
    oracle = np.zeros((512, 512))
    for rank, index in enumerate(order[:5] + [display.target_index]):
        row, col = display.item_centres[index].round().astype(int)
        oracle[row - 2 : row + 3, col - 2 : col + 3] = 10.0 - rank
    assert attention.items_before_target(display, oracle).tolist() == order[:5]
    # the target is not reached in 3 fixations: the 3 attended items are returned
    assert attention.items_before_target(display, oracle, max_fixations=3).tolist() == order[:3]
    with pytest.raises(ValueError, match="max_fixations must be"):
        attention.items_before_target(display, oracle, max_fixations=0)

def test_search_experiment_with_random_maps_is_serial():
    def random_saliency(image):
        return np.random.default_rng(int(image.sum() * 1000) % 2**32).random(image.shape[:2]).astype(np.float32)

    result = attention.search_experiment("conjunction", [4, 16, 36], n_trials=6, saliency_fn=random_saliency)
    assert result.fixations.shape == (3, 6) and result.found.all()
    slope, _ = attention.fit_slope(result.set_sizes, result.fixations)
    assert slope > 0.15  # chance search: about (N + 1) / 2 fixations


def test_fit_slope_exact_and_errors():
    assert attention.fit_slope([1, 2, 3], [3.0, 5.0, 7.0]) == (2.0, 1.0)
    with pytest.raises(ValueError, match="one mean per set size"):
        attention.fit_slope([1, 2], [1.0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: attention.scanpath(np.ones((4, 4)), 0), "n_fixations must be an integer >= 1"),
        (lambda: attention.scanpath(np.ones((4, 4)), 2, ior_radius=-1), "ior_radius must be"),
        (lambda: attention.scanpath(np.ones((4, 4, 3)), 2), "saliency must have shape"),
        (lambda: attention.simulate_attention(np.ones((4, 4)), 2, dt_ms=0), "dt_ms must be"),
        (lambda: attention.search_trial(stimuli.search_array("colour", 4), np.ones((512, 512)), model="x"), "model must be one of"),
        (lambda: attention.search_experiment("colour", [], n_trials=1), "set_sizes must be"),
        (lambda: attention.search_experiment("colour", [4], n_trials=0), "n_trials must be"),
    ],
)
def test_bad_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------
# robustness (issue 19): NaN, hangs, numpy scalars
# --------------------------------------------------------------------------
def test_simulate_attention_refuses_a_step_that_would_never_end():
    with pytest.raises(ValueError, match="dt_ms must be at least max_time_ms"):
        attention.simulate_attention(np.ones((4, 4)), 2, dt_ms=1e-300)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: attention.winner_take_all(np.array([[np.nan, 1.0]])), ValueError, "saliency must not contain NaN or \\+inf"),
        (lambda: attention.winner_take_all(np.array([[np.inf, 1.0]])), ValueError, "saliency must not contain NaN or \\+inf"),
        (lambda: attention.scanpath(np.array([[np.nan, 1.0]]), 1), ValueError, "saliency must not contain NaN"),
        (lambda: attention.fit_slope([4, 8], [np.nan, 1.0]), ValueError, "values must not contain NaN"),
        (lambda: attention.fit_slope([4, 4], [1.0, 2.0]), ValueError, "at least two different sizes"),
        (lambda: attention.fit_slope(["a", "b"], [1.0, 2.0]), TypeError, "set_sizes must hold real numbers"),
        (lambda: attention.disk_mask((3, 3), (1, np.nan), 1.0), ValueError, "centre must be a finite number"),
        (lambda: attention.disk_mask((3, 3), (1, 1), -1.0), ValueError, "radius must be a finite number >= 0"),
        (lambda: attention.inhibit_return(np.ones((2, 2)), (0,), 1.0), ValueError, r"fixation must be a pair"),
        (lambda: attention.default_ior_radius(5), TypeError, "shape must be a sequence"),
        (lambda: attention.map_to_image_coords(np.array([[0, 1]]), (0, 2), (4, 4)), ValueError, "map_shape must be an integer >= 1"),
        (lambda: attention.map_to_image_coords(np.array([0, 1]), (2, 2), (4, 4)), ValueError, r"fixations must have shape \(k, 2\)"),
        (lambda: attention.search_experiment("colour", [3], n_trials=1), ValueError, "set_sizes must be an integer >= 4"),
        (lambda: attention.search_experiment("colour", [4], n_trials=1, saliency_fn=3), TypeError, "saliency_fn must be a callable"),
        (lambda: attention.search_trial("display", np.ones((4, 4))), TypeError, "display must be a SearchArray"),
    ],
)
def test_bad_values_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_scalars_are_accepted():
    saliency = np.random.default_rng(0).random((12, 16))
    np.testing.assert_array_equal(attention.scanpath(saliency, np.int64(3), np.float32(2.0)),
                                  attention.scanpath(saliency, 3, 2.0))
