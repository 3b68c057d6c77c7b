"""Tests of course_lib.quadtree: reference oracles 1–19 (decomposition and convolution)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import quadtree as qt

RTOL_CONV = 1e-5  # relative L2 error allowed between quadtree and dense conv (float32)


def _leaves(image, threshold, min_size=1, **kwargs) -> np.ndarray:
    return qt.decompose_array(image, threshold, min_size, **kwargs)


def _checkerboard(side: int, block: int) -> np.ndarray:
    index = np.arange(side) // block
    return ((index[:, None] + index[None, :]) % 2).astype(np.float64)


# ---------------------------------------------------------------- decomposition
def test_constant_image_is_one_leaf():  # oracle 1
    assert qt.decompose(np.full((64, 64), 0.3), 0.0) == [qt.Leaf(0, 0, 64)]


@pytest.mark.parametrize("block", [1, 4, 16, 64])
def test_checkerboard_gives_its_blocks(block):  # oracle 2
    leaves = _leaves(_checkerboard(128, block), 0.5)
    assert len(leaves) == (128 // block) ** 2
    assert set(leaves[:, 2]) == {block}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("threshold", "min_size"), [(0.1, 1), (0.3, 2), (0.6, 8), (-1, 4)])
def test_leaves_partition_the_image(seed, threshold, min_size):  # oracle 3
    image = np.random.default_rng(seed).random((64, 64)) ** 3
    leaves = _leaves(image, threshold, min_size)
    assert (leaves[:, 2] ** 2).sum() == 64 * 64
    np.testing.assert_array_equal(qt.coverage(leaves, (64, 64)), 1)
    assert (qt.leaf_map(leaves, (64, 64)) >= 0).all()


def test_infinite_and_negative_thresholds():  # oracle 4
    image = np.random.default_rng(0).random((32, 32))
    assert len(_leaves(image, np.inf)) == 1
    assert len(_leaves(image, -1, 4)) == (32 // 4) ** 2


def test_leaf_count_non_increasing_in_threshold():  # oracle 5
    image = np.random.default_rng(1).random((64, 64))
    counts = [len(_leaves(image, t)) for t in np.linspace(0, 1, 11)]
    assert all(a >= b for a, b in zip(counts, counts[1:]))


@pytest.mark.parametrize("threshold", [0.05, 0.1, 0.3])
def test_reconstruction_error_bounds(threshold):  # oracle 6
    import cv2

    image = cv2.GaussianBlur(np.random.default_rng(2).random((128, 128)), (0, 0), 3)
    leaves = _leaves(image, threshold)
    assert np.abs(image - qt.reconstruct(image, leaves)).max() <= threshold + 1e-6
    assert np.abs(image - qt.reconstruct(image, leaves, fill="midrange")).max() <= threshold / 2 + 1e-6


@pytest.mark.parametrize("position", [(0, 0), (17, 40), (63, 63), (31, 32)])
def test_single_impulse_gives_3L_plus_1_leaves(position):  # oracle 7
    image = np.zeros((64, 64))
    image[position] = 1.0
    assert len(_leaves(image, 0.5)) == 3 * 6 + 1


def test_aligned_step_edges():  # oracle 8
    half = np.zeros((64, 64))
    half[:, 32:] = 1
    assert len(_leaves(half, 0.5)) == 4
    quarter = np.zeros((64, 64))
    quarter[:, 16:] = 1
    assert len(_leaves(quarter, 0.5)) == 10


def _leaf_set(leaves) -> set[tuple[int, int, int]]:
    return {tuple(map(int, leaf)) for leaf in leaves}


def test_transpose_and_flip_map_the_leaf_set():  # oracle 9
    image = np.random.default_rng(3).random((64, 64)) ** 4
    leaves = _leaves(image, 0.4)
    transposed = _leaf_set(_leaves(image.T, 0.4))
    assert transposed == {(c, r, s) for r, c, s in leaves}
    flipped = _leaf_set(_leaves(image[:, ::-1], 0.4))
    assert flipped == {(r, 64 - c - s, s) for r, c, s in leaves}


def test_disk_leaf_count_grows_with_perimeter():  # oracle 10
    rows, cols = np.mgrid[:512, :512]
    counts = []
    for radius in (32, 64, 128):
        disk = ((rows - 256.3) ** 2 + (cols - 255.7) ** 2 <= radius**2).astype(float)
        counts.append(len(_leaves(disk, 0.5)))
    ratios = np.array(counts[1:]) / np.array(counts[:-1])
    assert np.all((ratios > 1.6) & (ratios < 2.4)), counts


def test_one_channel_with_an_edge_splits():  # oracle 11
    image = np.zeros((32, 32, 3))
    image[:, 16:, 2] = 1.0
    assert len(_leaves(image, 0.5)) == 4
    assert len(_leaves(image[:, :, :2], 0.5)) == 1


def test_std_and_range_agree_on_piecewise_constant_at_zero():  # oracle 12
    image = np.kron(np.random.default_rng(4).integers(0, 3, (8, 8)), np.ones((8, 8))).astype(float)
    assert _leaf_set(_leaves(image, 0.0)) == _leaf_set(_leaves(image, 0.0, criterion="std"))


def test_min_and_max_size_are_respected():
    image = np.random.default_rng(5).random((64, 64))
    leaves = _leaves(image, 0.0, 4, max_size=16)
    assert leaves[:, 2].min() >= 4 and leaves[:, 2].max() <= 16
    assert len(_leaves(np.zeros((64, 64)), 0.0, max_size=16)) == 16


def test_non_square_images_are_edge_padded_or_refused():
    image = np.random.default_rng(6).random((40, 70))
    leaves = _leaves(image, 0.2)
    assert (leaves[:, 0] < 40).all() and (leaves[:, 1] < 70).all()
    np.testing.assert_array_equal(qt.coverage(leaves, (40, 70)), 1)
    with pytest.raises(ValueError, match="power-of-two side when pad=False"):
        qt.decompose(image, 0.2, pad=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"image": np.full((4, 4), np.nan), "threshold": 0.1}, "NaN"),
        ({"image": np.zeros((4, 4)), "threshold": float("nan")}, "threshold must be a number"),
        ({"image": np.zeros((4, 4)), "threshold": 0.1, "min_size": 3}, "min_size must be a power of two"),
        ({"image": np.zeros((4, 4)), "threshold": 0.1, "max_size": 0}, "max_size must be a power of two"),
        ({"image": np.zeros((8, 8)), "threshold": 0.1, "min_size": 4, "max_size": 2}, "must be >= min_size"),
        ({"image": np.zeros((8, 8)), "threshold": 0.1, "criterion": "var"}, "criterion must be one of"),
        ({"image": np.zeros(8), "threshold": 0.1}, "shape"),
    ],
)
def test_bad_decomposition_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        qt.decompose(**kwargs)


def test_reconstruct_and_helpers_refuse_bad_input():
    with pytest.raises(ValueError, match="cover the whole image"):
        qt.reconstruct(np.zeros((4, 4)), [(0, 0, 2)])
    with pytest.raises(ValueError, match="fill must be one of"):
        qt.reconstruct(np.zeros((4, 4)), [(0, 0, 4)], fill="median")
    with pytest.raises(ValueError, match="row, col >= 0 and size >= 1"):
        qt.leaf_map([(0, 0, 0)], (2, 2))
    with pytest.raises(ValueError, match="same shape"):
        qt.psnr(np.zeros(3), np.zeros(4))


def test_reconstruct_keeps_channels_and_psnr_is_finite():
    import cv2

    image = cv2.GaussianBlur(np.random.default_rng(7).random((32, 32, 3)), (0, 0), 3)
    filled = qt.reconstruct(image, _leaves(image, 0.1))
    assert filled.shape == image.shape and filled.dtype == np.float32
    assert qt.psnr(image, image) == 100.0
    assert 0 < qt.psnr(image, filled) < 100


# ---------------------------------------------------------------- convolution
def _scene(channels: int, side: int, cell: int, fraction: float, seed: int) -> torch.Tensor:
    return qt.synthetic_scene(channels, side, cell_size=cell, fraction=fraction, seed=seed)


def _weights(c_in: int, c_out: int, k: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(c_out, c_in, k, k, generator=generator) * 0.2, torch.randn(c_out, generator=generator)


def _relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize(("channels", "k", "cell"), [(3, 3, 8), (8, 5, 16), (4, 7, 8), (2, 3, 2)])
def test_exact_conv_all_active_equals_dense(channels, k, cell):  # oracle 13
    x = torch.rand(2, channels, 32, 48, generator=torch.Generator().manual_seed(1))
    weight, bias = _weights(channels, 5, k)
    plan = qt.conv_plan(x, cell)
    assert plan.active_fraction == 1.0
    result = qt.conv2d_quadtree(x, weight, bias, plan=plan)
    assert _relative_error(result, qt.conv2d_dense(x, weight, bias)) < RTOL_CONV


def test_piecewise_constant_input_needs_no_residual_and_is_exact():  # oracle 14
    x = _scene(4, 128, 16, 0.0, seed=2)
    weight, bias = _weights(4, 6, 5)
    plan = qt.conv_plan(x, 16)
    assert len(plan.active_rows) == 0
    assert _relative_error(qt.conv2d_quadtree(x, weight, bias, plan=plan), qt.conv2d_dense(x, weight, bias)) < RTOL_CONV


@pytest.mark.parametrize("fraction", [0.05, 0.3])
def test_exact_conv_on_partly_detailed_scenes(fraction):  # oracles 13–14
    x = _scene(6, 128, 16, fraction, seed=3)
    weight, bias = _weights(6, 4, 7)
    plan = qt.conv_plan(x, 16)
    assert 0 < plan.active_fraction < 1
    assert _relative_error(qt.conv2d_quadtree(x, weight, bias, plan=plan), qt.conv2d_dense(x, weight, bias)) < RTOL_CONV


def test_zero_and_delta_kernels():  # oracle 15
    x = _scene(3, 64, 8, 0.3, seed=4)
    plan = qt.conv_plan(x, 8)
    bias = torch.tensor([0.5, -1.0, 2.0])
    zero = qt.conv2d_quadtree(x, torch.zeros(3, 3, 3, 3), bias, plan=plan)
    torch.testing.assert_close(zero, bias[None, :, None, None].expand_as(zero))
    delta = torch.zeros(3, 3, 5, 5)
    delta[torch.arange(3), torch.arange(3), 2, 2] = 1.0
    torch.testing.assert_close(qt.conv2d_quadtree(x, delta, None, plan=plan), x, rtol=0, atol=1e-6)


def test_linearity_with_a_shared_plan():  # oracle 16
    a, b = _scene(2, 64, 8, 0.2, seed=5), _scene(2, 64, 8, 0.2, seed=6)
    plan = qt.conv_plan(torch.cat([a, b]), 8)  # union of both active sets
    weight, _ = _weights(2, 3, 3)
    total = qt.conv2d_quadtree(a + b, weight, None, plan=plan)
    parts = qt.conv2d_quadtree(a, weight, None, plan=plan) + qt.conv2d_quadtree(b, weight, None, plan=plan)
    torch.testing.assert_close(total, parts, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("tau", [0.05, 0.2])
def test_approximate_conv_error_bound(tau):  # oracle 17
    import cv2

    smooth = cv2.GaussianBlur(np.random.default_rng(7).random((64, 64, 3)).astype(np.float32), (0, 0), 4)
    x = torch.from_numpy(smooth).permute(2, 0, 1)[None].contiguous()
    weight, bias = _weights(3, 4, 5)
    plan = qt.conv_plan(x, 8, threshold=tau)
    approx = qt.conv2d_quadtree(x, weight, bias, plan=plan, approximate=True)
    dense = qt.conv2d_dense(x, weight, bias)
    bound = weight.abs().sum(dim=(1, 2, 3)) * tau  # ‖W_o‖₁ τ per output channel
    assert torch.all((approx - dense).abs().amax(dim=(0, 2, 3)) <= bound + 1e-5)
    assert plan.active_fraction < 1


@pytest.mark.parametrize("tau", [0.0, 0.3])
def test_plan_matches_the_quadtree(tau):  # oracle 18
    image = np.random.default_rng(8).random((64, 64)) ** 6
    x = torch.from_numpy(image.astype(np.float32))[None, None]
    plan = qt.conv_plan(x, 8, threshold=tau)
    leaves = _leaves(image.astype(np.float32), tau)
    split_cells = {(r // 8, c // 8) for r, c, s in leaves if s < 8}
    assert set(zip(plan.active_rows.tolist(), plan.active_cols.tolist())) == split_cells


def test_output_shape_dtype_and_borders_match_conv2d():  # oracle 19
    x = _scene(2, 64, 8, 0.5, seed=9).double()
    weight, bias = (t.double() for t in _weights(2, 3, 7))
    result = qt.conv2d_quadtree(x, weight, bias, plan=qt.conv_plan(x, 8))
    expected = F.conv2d(x, weight, bias, padding=3)
    assert result.shape == expected.shape and result.dtype == torch.float64
    torch.testing.assert_close(result, expected, rtol=1e-10, atol=1e-10)


def test_naive_per_leaf_conv_is_piecewise_constant_and_wrong_near_edges():
    x = _scene(1, 64, 8, 0.0, seed=10)
    leaves = _leaves(x[0, 0].numpy(), 0.0)
    weight, bias = _weights(1, 1, 3)
    naive = qt.conv2d_leaves_naive(x, weight, bias, leaves)
    labels = torch.from_numpy(qt.leaf_map(leaves, (64, 64)))
    for index in range(len(leaves)):
        assert naive[0, 0][labels == index].unique().numel() == 1
    assert _relative_error(naive, qt.conv2d_dense(x, weight, bias)) > 0.01
    one_pixel_leaves = [(r, c, 1) for r in range(64) for c in range(64)]
    torch.testing.assert_close(
        qt.conv2d_leaves_naive(x, weight, bias, one_pixel_leaves), qt.conv2d_dense(x, weight, bias), rtol=1e-5, atol=1e-5
    )


def test_mac_counts():
    x = _scene(4, 64, 8, 0.25, seed=11)
    plan = qt.conv_plan(x, 8)
    macs = qt.conv_macs(tuple(x.shape), 3, 5, plan=plan, n_leaves=100)
    assert macs["dense"] == 9 * 4 * 5 * 64 * 64
    assert macs["naive"] == 9 * 4 * 5 * 100
    n_active = len(plan.active_rows)
    assert macs["exact"] == n_active * 10**2 * 9 * 20 + 9 * 9 * 20 * 64


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: qt.conv_plan(torch.zeros(1, 1, 10, 10), 4), "multiples of cell_size"),
        (lambda: qt.conv_plan(torch.zeros(1, 10, 10), 2), "x must be a tensor of shape"),
        (lambda: qt.conv_plan(torch.zeros(1, 1, 8, 8), 0), "cell_size must be an integer"),
        (lambda: qt.conv2d_dense(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 2, 2)), "odd"),
        (lambda: qt.conv2d_dense(torch.zeros(1, 2, 8, 8), torch.zeros(1, 3, 3, 3)), "input channels"),
        (lambda: qt.conv2d_dense(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 3, 3), torch.zeros(2)), "bias must have shape"),
        (lambda: qt.conv2d_dense(torch.full((1, 1, 4, 4), float("nan")), torch.zeros(1, 1, 3, 3)), "NaN"),
        (lambda: qt.conv2d_quadtree(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 7, 7), plan=qt.conv_plan(torch.zeros(1, 1, 8, 8), 2)), "radius 3 must be"),
        (lambda: qt.conv2d_quadtree(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3), plan=qt.conv_plan(torch.zeros(1, 1, 16, 16), 4)), "plan was made for"),
    ],
)
def test_bad_conv_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------- occlusion
class _RegionModel(torch.nn.Module):
    """Class 0 scores the summed red channel inside one 8×8 square; the rest is ignored."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        score = x[:, 0, 40:48, 8:16].sum(dim=(1, 2))
        return torch.stack([score, -score], dim=1)


def _region_input() -> torch.Tensor:
    return torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(12))


def test_refine_all_equals_dense_and_counts_passes():  # oracle 20
    model, x = _RegionModel(), _region_input()
    dense, dense_passes = qt.dense_occlusion(model, x, 0, cell_size=4)
    result = qt.coarse_to_fine_occlusion(model, x, 0, start_size=16, min_size=4, policy="all")
    np.testing.assert_allclose(result.saliency_map, dense, atol=1e-5)
    assert dense_passes == 16 * 16 + 1
    assert result.n_passes == 4**2 + 8**2 + 16**2 + 1


@pytest.mark.parametrize("policy", ["absolute", "midrange", "top"])
def test_pass_count_is_bounded(policy):  # oracle 21
    model, x = _RegionModel(), _region_input()
    result = qt.coarse_to_fine_occlusion(model, x, 0, start_size=16, min_size=4, policy=policy, threshold=0.1)
    assert result.n_passes <= 4**2 + 8**2 + 16**2 + 1
    np.testing.assert_array_equal(qt.coverage(result.leaves, (64, 64)), 1)


@pytest.mark.parametrize("policy", ["absolute", "midrange"])
def test_ignored_regions_are_not_refined(policy):  # oracle 22 (the "top" policy always refines a fixed share)
    model, x = _RegionModel(), _region_input()
    result = qt.coarse_to_fine_occlusion(model, x, 0, start_size=16, min_size=4, policy=policy, threshold=0.1, baseline=0.0)
    small = result.leaves[result.leaves[:, 2] < 16]
    # Every refined cell overlaps the 16-px cell holding the region the model reads.
    assert len(small) > 0
    assert np.all((small[:, 0] // 16 == 2) & (small[:, 1] // 16 == 0))


def test_single_target_argmax_cell_matches_dense():  # oracle 23
    model, x = _RegionModel(), _region_input()
    dense, _ = qt.dense_occlusion(model, x, 0, cell_size=4, baseline=0.0)
    result = qt.coarse_to_fine_occlusion(model, x, 0, start_size=16, min_size=4, threshold=0.02, baseline=0.0)
    assert np.unravel_index(result.saliency_map.argmax(), (64, 64)) == np.unravel_index(dense.argmax(), (64, 64))
    assert result.n_passes < 0.25 * (16 * 16 + 1)


def test_occlusion_leaves_model_mode_and_input_untouched():
    model, x = _RegionModel(), _region_input()
    before = x.clone()
    model.train()
    qt.occlusion_drops(model, x, 0, [(0, 0, 8)], baseline=0.0)
    assert model.training
    torch.testing.assert_close(x, before, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start_size": 12, "min_size": 4}, "start_size must be a power of two"),
        ({"start_size": 16, "min_size": 32}, "must be <= start_size"),
        ({"start_size": 16, "min_size": 4, "policy": "best"}, "policy must be one of"),
        ({"start_size": 128, "min_size": 4}, "multiples of start_size"),
    ],
)
def test_bad_occlusion_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        qt.coarse_to_fine_occlusion(_RegionModel(), _region_input(), 0, **kwargs)
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(1, C, H, W\)"):
        qt.occlusion_drops(_RegionModel(), torch.zeros(2, 3, 8, 8), 0, [(0, 0, 4)])


def test_synthetic_scene_has_the_requested_detailed_fraction():
    x = qt.synthetic_scene(2, 128, cell_size=16, fraction=0.25, seed=0)
    assert qt.conv_plan(x, 16).active_fraction == 0.25
    with pytest.raises(ValueError, match="fraction must lie"):
        qt.synthetic_scene(2, 128, cell_size=16, fraction=1.5)
    with pytest.raises(ValueError, match="multiple of 64"):
        qt.synthetic_scene(2, 96, cell_size=16, fraction=0.5)


def test_measure_conv_speedup_reports_consistent_rows():
    rows = qt.measure_conv_speedup(4, 3, [0.0, 0.5], side=64, cell_size=16, repeat=1)
    assert [row.fraction for row in rows] == [0.0, 0.5]
    assert all(row.relative_error < RTOL_CONV and row.dense_ms > 0 and row.flop_ideal > 0 for row in rows)
    assert rows[0].flop_ideal > rows[1].flop_ideal
    assert rows[1].speedup == rows[1].dense_ms / rows[1].quadtree_ms


def test_measure_conv_speedup_times_in_interleaved_blocks():
    rows = qt.measure_conv_speedup(2, 3, [0.25], side=64, cell_size=16, repeat=2, block=2, warmup=0)
    assert len(rows) == 1 and rows[0].quadtree_ms > 0 and rows[0].plan_ms > 0
    with pytest.raises(ValueError, match="block must be an integer"):
        qt.measure_conv_speedup(2, 3, [0.25], side=64, cell_size=16, block=0)


def test_compare_to_dense_and_its_errors():
    model, x = _RegionModel(), _region_input()
    dense, passes = qt.dense_occlusion(model, x, 0, cell_size=4)
    result = qt.coarse_to_fine_occlusion(model, x, 0, start_size=16, min_size=4, policy="all")
    assert qt.compare_to_dense(result, dense, passes) == (337 / 257, 1.0)
    with pytest.raises(ValueError, match="dense_map must have"):
        qt.compare_to_dense(result, dense[:8], passes)


# --------------------------------------------------------------------------
# robustness (issue 19): numpy sizes, NaN, the caller's model and objects
# --------------------------------------------------------------------------
class _FailingModel(torch.nn.Module):
    """Raises on its second forward call (the first is the clean pass)."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 2)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("boom")
        return self.linear(x.mean(dim=(1, 2, 3))[:, None])


def test_coarse_to_fine_occlusion_restores_train_mode_when_the_model_raises():
    model = _FailingModel()
    model.train()
    with pytest.raises(RuntimeError, match="boom"):
        qt.coarse_to_fine_occlusion(model, torch.rand(1, 1, 8, 8), 0, start_size=4, min_size=2)
    assert model.training and model.linear.training


def test_numpy_integer_sizes_are_accepted():
    x = _region_input()
    expected = qt.coarse_to_fine_occlusion(_RegionModel(), x, 0, start_size=16, min_size=4)
    got = qt.coarse_to_fine_occlusion(_RegionModel(), x, np.int64(0), start_size=np.int64(16), min_size=np.int32(4),
                                      batch_size=np.int64(8))
    np.testing.assert_array_equal(got.saliency_map, expected.saliency_map)
    assert qt.conv_plan(torch.zeros(1, 1, 8, 8), np.int64(4)).grid == (2, 2)
    assert tuple(qt.synthetic_scene(np.int64(1), np.int64(64), cell_size=np.int64(16), fraction=0.5).shape) == (1, 1, 64, 64)


def test_psnr_is_skimage_and_refuses_nan():
    from skimage.metrics import peak_signal_noise_ratio

    rng = np.random.default_rng(0)
    a, b = rng.random((8, 8)), rng.random((8, 8))
    assert qt.psnr(a, b) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=1.0), rel=1e-12)
    with pytest.raises(ValueError, match="approximation must not contain NaN or inf"):
        qt.psnr(a, np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="data_range must be a finite number > 0"):
        qt.psnr(a, b, data_range=0)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: qt.occlusion_drops(_RegionModel(), torch.full((1, 3, 8, 8), float("nan")), 0, [(0, 0, 4)]),
         ValueError, "x must not contain NaN or inf"),
        (lambda: qt.occlusion_drops(_RegionModel(), _region_input(), 99, [(0, 0, 4)]), ValueError, "target must lie in"),
        (lambda: qt.occlusion_drops(_RegionModel(), _region_input(), 0, [(0, 0, 4)], baseline="zero"), ValueError,
         "baseline must be one of"),
        (lambda: qt.occlusion_drops(_RegionModel(), _region_input(), 0, [(0, 0, 4)], baseline=float("nan")),
         ValueError, "baseline must be a finite number"),
        (lambda: qt.occlusion_drops(_RegionModel(), _region_input(), 0, [(0, 0, 4)], batch_size=0), ValueError,
         "batch_size must be an integer >= 1"),
        (lambda: qt.occlusion_drops(_RegionModel(), _region_input(), 0, [(999, 0, 4)]), ValueError,
         "boxes must start inside"),
        (lambda: qt.occlusion_drops("model", _region_input(), 0, [(0, 0, 4)]), TypeError, "model must be a torch.nn.Module"),
        (lambda: qt.dense_occlusion(_RegionModel(), _region_input(), 0, cell_size=0), ValueError, "cell_size must be"),
        (lambda: qt.leaf_map("abc", (2, 2)), TypeError, "leaves must be a list"),
        (lambda: qt.leaf_map([(0.5, 0, 1)], (2, 2)), TypeError, "leaves must hold integer triples"),
        (lambda: qt.leaf_map([(0, 0, 1, 1)], (2, 2)), ValueError, r"leaves must have shape \(N', 3\)"),
        (lambda: qt.leaf_map([(0, 0, 1)], (0, 2)), ValueError, "shape must be an integer >= 1"),
        (lambda: qt.conv2d_dense("x", torch.zeros(1, 1, 3, 3)), TypeError, "x must be a torch.Tensor"),
        (lambda: qt.conv2d_dense(torch.zeros(1, 1, 4, 4, dtype=torch.float64), torch.zeros(1, 1, 3, 3)), TypeError,
         "weight must have x's dtype"),
        (lambda: qt.conv2d_quadtree(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3), plan=None), TypeError,
         "plan must be a ConvPlan"),
        (lambda: qt.conv_macs((1, 1, 8), 3, 1), ValueError, r"shape must be \(B, C_in, H, W\)"),
        (lambda: qt.compare_to_dense(None, np.zeros((2, 2)), 1), TypeError, "result must be a CoarseToFineResult"),
        (lambda: qt.synthetic_scene(1, 64, cell_size=16, fraction=0.5, seed=-1), ValueError, "seed must be an integer >= 0"),
        (lambda: qt.measure_conv_speedup(1, 2, [0.5]), ValueError, "kernel_size must be odd"),
        (lambda: qt.decompose(np.zeros((4, 4)), "0.1"), TypeError, "threshold must be a number"),
    ],
)
def test_bad_arguments_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: qt.conv_macs((1, 1, 8, 8), 9, 1, plan=qt.conv_plan(torch.zeros(1, 1, 8, 8), 2)), ValueError,
         "kernel_size 9 has radius 4, which must be <= plan.cell_size 2"),
        (lambda: qt.conv_macs((1, 1, 8, 8), 10**6, 1), ValueError, "kernel_size must be an integer >= 1 and <= 257"),
        (lambda: qt.synthetic_scene(10**9, 64, cell_size=16, fraction=0.5), ValueError, "channels must be an integer >= 1 and <= 4096"),
        (lambda: qt.synthetic_scene(1, 64, cell_size=16, fraction=0.5, seed=2**70), ValueError, "seed must be an integer >= 0 and <="),
        (lambda: qt.decompose_array(np.zeros((1, 1)), 0.1, min_size=2), ValueError, "max_size is at most the image's padded side 1"),
        (lambda: qt.psnr(np.zeros(2), np.ones(2), data_range=1e300), ValueError, "data_range must be a finite number <= 1e\\+100"),
    ],
)
def test_sizes_are_bounded(call, error, match):
    with pytest.raises(error, match=match):
        call()
