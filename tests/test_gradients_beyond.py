"""Tests of the notebook-07 gradient methods in course_lib.gradients.

SmoothGrad, Integrated Gradients, guided backprop, DeconvNet, Grad-CAM and
occlusion (notebook 07).  Oracles: a linear and a quadratic model; IG
completeness (Sundararajan, Taly & Yan 2017, arXiv:1703.01365, prop. 1);
DeconvNet / guided backprop without ReLU (Springenberg et al. 2015,
arXiv:1412.6806; functional ReLU is not hooked); batch independence and
per-example targets; SmoothGrad limits (Smilkov et al. 2017,
arXiv:1706.03825); occlusion on a linear model and its forward-pass count
(Zeiler & Fergus 2014, arXiv:1311.2901); Grad-CAM = CAM/hw (Selvaraju et al.
2017, arXiv:1610.02391, eq. 1–2) and where Captum's Grad-CAM defaults differ;
plus cross-checks against Captum on the shipped model and on a small random
ReLU CNN.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_lib import datasets, gradients, images, models
from course_lib import quadtree as qt
from conftest import ATOL_F32, ATOL_F64, RTOL_F32, RTOL_F64

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# Oracle 3: the IG paper's "within 5 %" for 20–300 steps.
COMPLETENESS_RTOL = 0.05
# Captum computes Riemann nodes with float32 linspace, we round the exact
# nodes: on a piecewise-linear net these agree to float32 precision unless a
# node straddles a kink, which the random-input CNN below avoids.
CAPTUM_RTOL, CAPTUM_ATOL = 1e-4, 1e-6


# --------------------------------------------------------------------------
# tiny models
# --------------------------------------------------------------------------
def _linear_model(n_classes: int = 3, shape: tuple[int, int, int] = (3, 4, 4), seed: int = 0, dtype=torch.float64):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), n_classes)).to(dtype)
    return model, model[1].weight.detach().reshape(n_classes, *shape)  # (K, C, H, W)


def _relu_cnn(seed: int = 0, *, inplace: bool = False, dtype=torch.float64) -> nn.Sequential:
    """3×12×12 → 5 classes; conv, ReLU, max-pool, conv, ReLU, linear, ReLU, linear."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(inplace=inplace), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(inplace=inplace),
        nn.Flatten(), nn.Linear(8 * 6 * 6, 16), nn.ReLU(inplace=inplace), nn.Linear(16, 5),
    ).to(dtype)  # fmt: skip


class _FunctionalReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)


def _no_relu_net(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, padding=1),
        nn.Flatten(), nn.Linear(4 * 6 * 6, 5),
    ).double()  # fmt: skip


def _gap_net(seed: int = 0) -> nn.Sequential:
    """conv → (Grad-CAM layer: ReLU output) → global average pool → linear: the CAM architecture."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5)
    ).double()


def _mixed_mode_cnn(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(4), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 6 * 6, 5),
    )  # fmt: skip


def _rand(*shape: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# Every method with a (model, x, target) signature, cheap settings; grad_cam's
# layer is module "3" (a conv) of the test CNNs.
METHODS = {
    "smoothgrad": lambda m, x, t: gradients.smoothgrad(gradients.gradient, m, x, t, n_samples=3),
    "integrated_gradients": lambda m, x, t: gradients.integrated_gradients(m, x, t, n_steps=5),
    "guided_backprop": gradients.guided_backprop,
    "deconvnet": gradients.deconvnet,
    "grad_cam": lambda m, x, t: gradients.grad_cam(m, x, t, layer="3"),
    "occlusion": lambda m, x, t: gradients.occlusion(m, x, t, window=3, stride=2),
}


# --------------------------------------------------------------------------
# Integrated Gradients: analytic oracles 1–3
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", gradients.IG_METHODS)
@pytest.mark.parametrize("n_steps", [2, 7, 50])
def test_ig_of_a_linear_model_is_difference_times_weight_with_zero_delta(method, n_steps):
    model, weight = _linear_model()
    x, baseline = _rand(2, 3, 4, 4, seed=1), _rand(2, 3, 4, 4, seed=2)
    attr, delta = gradients.integrated_gradients(
        model, x, [0, 2], baseline=baseline, n_steps=n_steps, method=method, return_delta=True
    )
    expected = (x - baseline) * weight[[0, 2]]  # (B, C, H, W)
    torch.testing.assert_close(attr, expected, rtol=RTOL_F64, atol=1e-12)
    assert attr.shape == x.shape and attr.dtype == x.dtype and delta.shape == (2,)
    torch.testing.assert_close(delta, torch.zeros(2, dtype=torch.float64), rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", gradients.IG_METHODS)
def test_every_quadrature_rule_has_weights_summing_to_one_and_nodes_in_the_unit_interval(method):
    nodes, weights = gradients._ig_quadrature(method, 9)
    assert nodes.shape == weights.shape == (9,)
    assert math.isclose(weights.sum(), 1.0, rel_tol=1e-14)
    assert nodes.min() >= 0.0 and nodes.max() <= 1.0 and (np.diff(nodes) > 0).all()


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_middle"])
def test_ig_of_a_quadratic_is_a_x_squared_half_of_input_x_gradient(method):
    """Oracle 2: F = Σ a_i x_i², zero baseline ⇒ IG = a x² exactly, I×G = 2 a x²."""

    class Quadratic(nn.Module):
        def __init__(self, a: torch.Tensor) -> None:
            super().__init__()
            self.a = nn.Parameter(a)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (self.a * x**2).flatten(1).sum(1, keepdim=True)  # (B, 1)

    a = _rand(1, 3, 4, 4, seed=3) - 0.5
    model, x = Quadratic(a), _rand(2, 3, 4, 4, seed=4)
    ig = gradients.integrated_gradients(model, x, 0, n_steps=3, method=method)
    torch.testing.assert_close(ig, a * x**2, rtol=RTOL_F64, atol=ATOL_F64)
    torch.testing.assert_close(gradients.input_x_gradient(model, x, 0), 2 * ig, rtol=RTOL_F64, atol=ATOL_F64)


@pytest.mark.parametrize("n_steps", [50, 300])
def test_ig_completeness_within_five_percent_on_a_small_relu_cnn(n_steps):
    """Oracle 3 (not asserted monotone in n, captum#1334)."""
    model, x = _relu_cnn(), _rand(4, 3, 12, 12, seed=10)
    with torch.no_grad():
        target = (model(x) - model(torch.zeros_like(x))).abs().argmax(1)  # classes whose score moves
    attr, delta = gradients.integrated_gradients(model, x, target, n_steps=n_steps, return_delta=True)
    scores = model(x).gather(1, target[:, None])[:, 0] - model(torch.zeros_like(x)).gather(1, target[:, None])[:, 0]
    torch.testing.assert_close(attr.sum((1, 2, 3)) - delta, scores.detach(), rtol=RTOL_F64, atol=ATOL_F64)
    assert float((delta.abs() / scores.detach().abs()).max()) < COMPLETENESS_RTOL


@pytest.mark.parametrize(
    "baseline", [0.25, torch.tensor([0.1, 0.5, 0.9]).double().view(3, 1, 1), None], ids=["number", "per-channel", "none"]
)
def test_ig_baselines_broadcast(baseline):
    model, x = _relu_cnn(), _rand(2, 3, 12, 12, seed=11)
    full = torch.zeros_like(x) if baseline is None else torch.broadcast_to(torch.as_tensor(baseline, dtype=x.dtype), x.shape)
    torch.testing.assert_close(
        gradients.integrated_gradients(model, x, 1, baseline=baseline, n_steps=4),
        gradients.integrated_gradients(model, x, 1, baseline=full.clone(), n_steps=4),
        rtol=RTOL_F64, atol=ATOL_F64,
    )  # fmt: skip


def test_ig_chunking_does_not_change_the_result():
    model, x = _relu_cnn(), _rand(3, 3, 12, 12, seed=12)
    one_batch = gradients.integrated_gradients(model, x, [0, 1, 2], n_steps=6)
    for batch_size in (1, 4, 7):
        chunked = gradients.integrated_gradients(model, x, [0, 1, 2], n_steps=6, batch_size=batch_size)
        torch.testing.assert_close(chunked, one_batch, rtol=RTOL_F64, atol=ATOL_F64)


def test_ig_default_settings_are_captums():
    """Convention test: 50 Gauss–Legendre steps, zero baseline, no delta."""
    model, x = _relu_cnn(), _rand(1, 3, 12, 12, seed=13)
    result = gradients.integrated_gradients(model, x, 0)
    assert isinstance(result, torch.Tensor)
    explicit = gradients.integrated_gradients(
        model, x, 0, baseline=torch.zeros_like(x), n_steps=50, method="gausslegendre"
    )
    torch.testing.assert_close(result, explicit, rtol=0, atol=0)


# --------------------------------------------------------------------------
# guided backprop and DeconvNet (oracle 7)
# --------------------------------------------------------------------------
def test_without_relu_deconvnet_and_guided_backprop_equal_the_signed_gradient():
    model, x = _no_relu_net(), _rand(2, 3, 12, 12, seed=20)
    expected = gradients.gradient(model, x, [1, 3])
    with pytest.warns(UserWarning, match="model has no nn.ReLU or nn.ReLU6 modules"):
        guided = gradients.guided_backprop(model, x, [1, 3])
    with pytest.warns(UserWarning, match="model has no nn.ReLU or nn.ReLU6 modules"):
        deconv = gradients.deconvnet(model, x, [1, 3])
    torch.testing.assert_close(guided, expected, rtol=RTOL_F64, atol=ATOL_F64)
    torch.testing.assert_close(deconv, expected, rtol=RTOL_F64, atol=ATOL_F64)


def test_functional_relu_is_not_hooked_so_guided_backprop_changes():
    model, x = _relu_cnn(), _rand(2, 3, 12, 12, seed=21)
    functional = _relu_cnn()
    for index in (1, 4, 7):
        functional[index] = _FunctionalReLU()
    torch.testing.assert_close(gradients.gradient(functional, x, 0), gradients.gradient(model, x, 0))
    with pytest.warns(UserWarning, match="no nn.ReLU"):
        unhooked = gradients.guided_backprop(functional, x, 0)
    torch.testing.assert_close(unhooked, gradients.gradient(model, x, 0))
    hooked = gradients.guided_backprop(model, x, 0)
    assert not torch.allclose(hooked, unhooked)


def test_guided_backprop_and_deconvnet_match_hand_rules_on_one_hidden_layer():
    """x → W1 → ReLU → w2: gradient w2·1(h>0)·W1, GB relu(w2)·1(h>0)·W1, deconv relu(w2)·W1."""
    torch.manual_seed(22)
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1)).double()
    x = _rand(3, 1, 2, 3, seed=23) - 0.5
    w1, w2 = model[1].weight.detach(), model[3].weight.detach()[0]  # (8, 6), (8,)
    on = (x.flatten(1) @ w1.T + model[1].bias.detach() > 0).double()  # (B, 8)
    expected = {
        gradients.gradient: (on * w2) @ w1,
        gradients.guided_backprop: (on * w2.clamp(min=0)) @ w1,
        gradients.deconvnet: w2.clamp(min=0).expand(3, -1) @ w1,
    }
    for method, value in expected.items():
        torch.testing.assert_close(method(model, x, 0).flatten(1), value, rtol=RTOL_F64, atol=ATOL_F64)


@pytest.mark.parametrize("method", [gradients.guided_backprop, gradients.deconvnet])
def test_in_place_relu_works_and_gives_the_same_result(method):
    x = _rand(2, 3, 12, 12, seed=24)
    torch.testing.assert_close(
        method(_relu_cnn(inplace=True), x, [0, 4]), method(_relu_cnn(inplace=False), x, [0, 4]),
        rtol=RTOL_F64, atol=ATOL_F64,
    )  # fmt: skip


@pytest.mark.parametrize("method", [gradients.guided_backprop, gradients.deconvnet])
def test_a_relu_module_called_twice_is_modified_at_both_calls(method):
    class Shared(nn.Module):
        def __init__(self, relus: list[nn.Module]) -> None:
            super().__init__()
            torch.manual_seed(27)
            self.conv1, self.conv2 = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)
            self.relus = nn.ModuleList(relus)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 36, 3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.relus[0](self.conv1(x))
            return self.head(self.relus[-1](self.conv2(x)))

    relu = nn.ReLU()
    x = _rand(2, 3, 6, 6, seed=28)
    torch.testing.assert_close(
        method(Shared([relu]).double(), x, [0, 2]), method(Shared([nn.ReLU(), nn.ReLU()]).double(), x, [0, 2]),
        rtol=RTOL_F64, atol=ATOL_F64,
    )  # fmt: skip


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())


@pytest.mark.parametrize("method", [gradients.guided_backprop, gradients.deconvnet])
def test_relu_hooks_are_removed_also_after_an_error(method):
    model = _relu_cnn()
    method(model, _rand(1, 3, 12, 12, seed=25), 0)
    assert _hook_count(model) == 0
    with pytest.raises(RuntimeError):  # 12×12 expected: the linear layer fails after the ReLUs ran
        method(model, _rand(1, 3, 10, 10, seed=26), 0)
    assert _hook_count(model) == 0
    torch.testing.assert_close(gradients.gradient(model, _rand(1, 3, 12, 12, seed=25), 0),
                               gradients.gradient(_relu_cnn(), _rand(1, 3, 12, 12, seed=25), 0))


# --------------------------------------------------------------------------
# Grad-CAM (oracle 11)
# --------------------------------------------------------------------------
def test_grad_cam_on_a_gap_linear_head_is_cam_over_hw():
    model, x = _gap_net(), _rand(3, 3, 5, 7, seed=30) - 0.5
    target = [0, 3, 4]
    activation = model[1](model[0](x)).detach()  # (B, K, h, w)
    weight = model[4].weight.detach()[target]  # (B, K)
    cam = (weight[:, :, None, None] * activation).sum(1)  # (B, h, w): Zhou et al.'s CAM
    raw = gradients.grad_cam(model, x, target, layer=model[1], relu=False, upsample=None)
    torch.testing.assert_close(raw, cam / (5 * 7), rtol=RTOL_F64, atol=ATOL_F64)
    torch.testing.assert_close(
        gradients.grad_cam(model, x, target, layer="1", upsample=None), (cam / 35).clamp(min=0),
        rtol=RTOL_F64, atol=ATOL_F64,
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grad_cam_upsampling_is_f_interpolate_of_the_layer_map(mode):
    model, x = _relu_cnn(), _rand(2, 3, 12, 12, seed=31)
    low = gradients.grad_cam(model, x, 2, layer="3", upsample=None)  # (B, 6, 6)
    high = gradients.grad_cam(model, x, 2, layer="3", upsample=mode)
    align = False if mode == "bilinear" else None
    expected = F.interpolate(low[:, None], size=(12, 12), mode=mode, align_corners=align)[:, 0]
    assert low.shape == (2, 6, 6) and high.shape == (2, 12, 12) and bool((high >= 0).all())
    torch.testing.assert_close(high, expected, rtol=RTOL_F64, atol=ATOL_F64)
    assert gradients.grad_cam(model, x, 2, layer=model[3]).shape == (2, 12, 12)


def test_grad_cam_default_is_relu_and_bilinear():
    model, x = _relu_cnn(), _rand(1, 3, 12, 12, seed=32)
    torch.testing.assert_close(
        gradients.grad_cam(model, x, 0, layer="3"),
        gradients.grad_cam(model, x, 0, layer="3", relu=True, upsample="bilinear"), rtol=0, atol=0,
    )  # fmt: skip


def test_grad_cam_all_negative_evidence_gives_zeros_not_nan():
    model, x = _gap_net(), _rand(1, 3, 4, 4, seed=33)
    with torch.no_grad():
        model[4].weight.fill_(-1.0)  # every channel now counts against every class
    cam = gradients.grad_cam(model, x, 0, layer="1")
    assert bool((cam == 0).all())


# --------------------------------------------------------------------------
# occlusion (oracle 10)
# --------------------------------------------------------------------------
def test_occlusion_of_a_linear_model_with_one_pixel_windows():
    model, weight = _linear_model()
    x = _rand(2, 3, 4, 4, seed=40)
    contribution = x * weight[[1, 2]]  # (B, C, H, W): x ⊙ w
    per_element = gradients.occlusion(model, x, [1, 2], window=(1, 1, 1), stride=1)
    torch.testing.assert_close(per_element, contribution, rtol=RTOL_F64, atol=ATOL_F64)
    per_pixel = gradients.occlusion(model, x, [1, 2], window=1, stride=1)  # (C, 1, 1): all channels
    torch.testing.assert_close(
        per_pixel, contribution.sum(1, keepdim=True).expand_as(x), rtol=RTOL_F64, atol=ATOL_F64
    )


@pytest.mark.parametrize(("window", "stride"), [(2, 1), (3, 2), ((1, 2, 3), (1, 2, 1))])
def test_occlusion_is_the_mean_over_covering_windows_of_the_window_sum(window, stride):
    """Brute force, clipped last windows included (4 − 3 not divisible by 2)."""
    model, weight = _linear_model(shape=(2, 4, 5))
    x = _rand(1, 2, 4, 5, seed=41)
    contribution = (x * weight[0])[0]  # (C, H, W)
    win = (2, window, window) if isinstance(window, int) else window
    step = (2, stride, stride) if isinstance(stride, int) else stride
    total, count = torch.zeros_like(contribution), torch.zeros_like(contribution)
    starts = [range(0, d - w + s, s) if (d - w) % s else range(0, d - w + 1, s) for d, w, s in zip((2, 4, 5), win, step)]
    n_windows = 0
    for c in starts[0]:
        for r in starts[1]:
            for k in starts[2]:
                region = (slice(c, c + win[0]), slice(r, r + win[1]), slice(k, k + win[2]))
                total[region] += contribution[region].sum()
                count[region] += 1
                n_windows += 1
    result = gradients.occlusion(model, x, 0, window=window, stride=stride)
    torch.testing.assert_close(result[0], total / count, rtol=RTOL_F64, atol=ATOL_F64)
    assert gradients.occlusion_passes(x.shape, window=window, stride=stride) == 1 + n_windows


@pytest.mark.parametrize(("size", "window", "stride", "passes"), [(8, 3, 2, 1 + 4 * 4), (7, 3, 2, 1 + 3 * 3), (8, 8, 8, 2)])
def test_occlusion_forward_pass_count(size, window, stride, passes):
    """Cost (§4): 1 + ∏_d (⌈(D − w)/s⌉ + 1) forward passes per example, batched."""
    model, _ = _linear_model(shape=(3, size, size))
    seen = []
    model.register_forward_pre_hook(lambda module, args: seen.append(args[0].shape[0]))
    gradients.occlusion(model, _rand(2, 3, size, size, seed=42), 0, window=window, stride=stride, batch_size=5)
    assert sum(seen) == 2 * passes == 2 * gradients.occlusion_passes((2, 3, size, size), window=window, stride=stride)
    assert max(seen) <= 5


def test_dense_quadtree_occlusion_is_occlusion_with_stride_equal_to_window():
    """quadtree.dense_occlusion (square cells, mean-colour occluder) is a special case."""
    model = _relu_cnn(dtype=torch.float32)
    x = _rand(1, 3, 12, 12, seed=43, dtype=torch.float32)
    dense, passes = qt.dense_occlusion(model, x, 3, cell_size=4)
    ours = gradients.occlusion(model, x, 3, window=4, stride=4, baseline=x.mean((2, 3), keepdim=True))
    np.testing.assert_allclose(ours[0, 0].numpy(), dense, rtol=1e-5, atol=1e-5)
    assert passes == gradients.occlusion_passes(x.shape, window=4, stride=4)
    torch.testing.assert_close(ours[0, 1], ours[0, 0])  # every channel holds the pixel's window drop


# --------------------------------------------------------------------------
# SmoothGrad (oracle 9)
# --------------------------------------------------------------------------
def test_signed_smoothgrad_of_a_linear_model_is_the_weight():
    model, weight = _linear_model()
    x = _rand(2, 3, 4, 4, seed=50)
    result = gradients.smoothgrad(gradients.gradient, model, x, [0, 1], n_samples=8, noise_level=0.5)
    torch.testing.assert_close(result, weight[[0, 1]], rtol=RTOL_F64, atol=ATOL_F64)
    squared = gradients.smoothgrad(gradients.gradient, model, x, [0, 1], n_samples=8, squared=True)
    torch.testing.assert_close(squared, weight[[0, 1]] ** 2, rtol=RTOL_F64, atol=ATOL_F64)


def test_smoothgrad_tends_to_the_base_method_as_noise_vanishes():
    model = _relu_cnn()
    x = _rand(2, 3, 12, 12, seed=51)
    base = gradients.vanilla_saliency(model, x, [1, 2])
    exact = gradients.smoothgrad(gradients.vanilla_saliency, model, x, [1, 2], n_samples=3, noise_level=0.0)
    torch.testing.assert_close(exact, base, rtol=RTOL_F64, atol=ATOL_F64)  # the mean of 3 equal maps
    tiny = gradients.smoothgrad(gradients.vanilla_saliency, model, x, [1, 2], n_samples=3, noise_level=1e-9)
    torch.testing.assert_close(tiny, base, rtol=1e-6, atol=1e-9)
    noisy = gradients.smoothgrad(gradients.vanilla_saliency, model, x, [1, 2], n_samples=3)
    assert not torch.allclose(noisy, base)


def test_smoothgrad_noise_is_relative_to_each_images_range():
    """Convention: σ = noise_level · (max − min) per example (PAIR), seen by a probe."""
    x = torch.cat([_rand(1, 3, 4, 4, seed=52), 10 * _rand(1, 3, 4, 4, seed=53)])
    span = x.flatten(1).amax(1) - x.flatten(1).amin(1)  # (B,)
    noises = []

    def probe(model, noisy, target):
        noises.append(noisy - x.repeat_interleave(400, dim=0))  # example-major copies
        return noisy

    model, _ = _linear_model()
    gradients.smoothgrad(probe, model, x, 0, n_samples=400, noise_level=0.2, batch_size=800)
    noise = noises[0].reshape(2, -1)
    torch.testing.assert_close(noise.std(1), 0.2 * span, rtol=0.05, atol=0)


def test_smoothgrad_seed_reproducible_and_batch_size_free():
    x = _rand(2, 3, 4, 4, seed=54)
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    run = functools.partial(gradients.smoothgrad, gradients.gradient, model, x, 1, n_samples=6)
    torch.testing.assert_close(run(seed=3), run(seed=3), rtol=0, atol=0)
    assert not torch.equal(run(seed=3), run(seed=4))
    torch.testing.assert_close(run(seed=3, batch_size=1), run(seed=3), rtol=RTOL_F64, atol=ATOL_F64)  # 48 values a row
    torch.testing.assert_close(run(seed=torch.Generator().manual_seed(3)), run(seed=3), rtol=0, atol=0)
    numpy_seeded = run(seed=np.random.default_rng(0))
    torch.testing.assert_close(numpy_seeded, run(seed=np.random.default_rng(0)), rtol=0, atol=0)
    assert run(seed=None).shape == x.shape


def test_smoothgrad_default_target_is_the_clean_top1_and_composes_with_other_methods():
    model, x = _relu_cnn(), _rand(2, 3, 12, 12, seed=55)
    top1 = model(x).argmax(1)
    torch.testing.assert_close(
        gradients.smoothgrad(gradients.gradient, model, x, None, n_samples=4),
        gradients.smoothgrad(gradients.gradient, model, x, top1, n_samples=4), rtol=0, atol=0,
    )  # fmt: skip
    ig = functools.partial(gradients.integrated_gradients, n_steps=3)
    assert gradients.smoothgrad(ig, model, x, 0, n_samples=2).shape == x.shape
    cam = functools.partial(gradients.grad_cam, layer="3")
    assert gradients.smoothgrad(cam, model, x, 0, n_samples=2).shape == (2, 12, 12)


def test_smoothgrad_defaults_are_pairs():
    """Convention test: 25 samples, σ = 0.15 of the range, plain mean, seed 0."""
    model, x = _linear_model(n_classes=2, shape=(3, 2, 2))[0], _rand(1, 3, 2, 2, seed=56)
    calls = []

    def probe(model, noisy, target):
        calls.append(noisy.shape[0])
        return noisy

    default = gradients.smoothgrad(probe, model, x, 0)
    explicit = gradients.smoothgrad(probe, model, x, 0, n_samples=25, noise_level=0.15, squared=False, seed=0)
    torch.testing.assert_close(default, explicit, rtol=0, atol=0)
    assert calls == [25, 25]


# --------------------------------------------------------------------------
# shared conventions: side effects, batches, targets (oracle 8)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(METHODS))
def test_eval_mode_used_and_every_flag_restored(name):
    method = METHODS[name]
    model = _mixed_mode_cnn()
    model.train()
    model[2].eval()
    flags = [m.training for m in model.modules()]
    x = _rand(2, 3, 6, 6, seed=60, dtype=torch.float32)
    first, second = method(model, x, 1), method(model, x, 1)
    torch.testing.assert_close(first, second)  # dropout off, batch norm on running statistics
    assert [m.training for m in model.modules()] == flags


@pytest.mark.parametrize("name", list(METHODS))
def test_no_parameter_grad_and_input_and_its_grad_untouched(name):
    method = METHODS[name]
    model = _mixed_mode_cnn().eval()
    x = _rand(2, 3, 6, 6, seed=61, dtype=torch.float32).requires_grad_(True)
    x.grad = torch.full_like(x, 7.0)
    before = x.detach().clone()
    result = method(model, x, 0)
    assert all(p.grad is None for p in model.parameters())
    torch.testing.assert_close(x.grad, torch.full_like(x, 7.0))
    torch.testing.assert_close(x.detach(), before)
    assert not result.requires_grad and bool(torch.isfinite(result).all())
    assert _hook_count(model) == 0


@pytest.mark.parametrize("name", list(METHODS))
def test_works_under_no_grad_and_inference_mode(name):
    method = METHODS[name]
    model = _relu_cnn()
    x = _rand(2, 3, 12, 12, seed=62)
    expected = method(model, x, 3)
    with torch.no_grad():
        torch.testing.assert_close(method(model, x, 3), expected)
    with torch.inference_mode():
        frozen = x.clone()
        torch.testing.assert_close(method(model, frozen, 3), expected)
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("name", list(METHODS))
def test_per_example_targets_equal_separate_calls(name):
    method = METHODS[name]
    model = _relu_cnn()
    x = _rand(3, 3, 12, 12, seed=63)
    classes = [4, 0, 2]
    batched = method(model, x, torch.tensor(classes))
    if name == "smoothgrad":  # example b's noise is the b-th block of draws: only the first is shared
        torch.testing.assert_close(batched[:1], method(model, x[:1], classes[0]), rtol=RTOL_F64, atol=ATOL_F64)
        return
    separate = torch.cat([method(model, x[i : i + 1], c) for i, c in enumerate(classes)])
    torch.testing.assert_close(batched, separate, rtol=RTOL_F64, atol=ATOL_F64)


def test_smoothgrad_examples_do_not_influence_each_other_beyond_their_noise():
    """With zero noise every example's SmoothGrad is its own base map, whatever the batch."""
    model, x = _relu_cnn(), _rand(3, 3, 12, 12, seed=64)
    together = gradients.smoothgrad(gradients.gradient, model, x, [0, 1, 2], n_samples=2, noise_level=0.0)
    first = gradients.smoothgrad(gradients.gradient, model, x[:1], 0, n_samples=2, noise_level=0.0)
    torch.testing.assert_close(together[:1], first, rtol=RTOL_F64, atol=ATOL_F64)


# --------------------------------------------------------------------------
# errors: every raise added for notebook 07
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "simpson"}, ValueError, "method must be one of"),
        ({"n_steps": 0}, ValueError, "n_steps must be an integer >= 1, got 0"),
        ({"n_steps": 1, "method": "riemann_trapezoid"}, ValueError, "n_steps must be an integer >= 2, got 1"),
        ({"n_steps": 2.0}, TypeError, "n_steps must be an integer, got float"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1, got 0"),
        ({"baseline": "black"}, TypeError, "baseline must be None, a number or a tensor, got str"),
        ({"baseline": True}, TypeError, "baseline must be None, a number or a tensor, got bool"),
        ({"baseline": float("nan")}, ValueError, "baseline must be finite, got nan"),
        ({"baseline": torch.zeros(3, 1, 1, dtype=torch.int64)}, TypeError, "baseline must have a floating-point dtype"),
        ({"baseline": torch.zeros(2, 1, 1, dtype=torch.float64)}, ValueError, r"baseline must broadcast to x's shape \(1, 3, 12, 12\)"),
        ({"baseline": torch.full((3, 1, 1), float("inf"))}, ValueError, "baseline must not contain NaN or inf"),
    ],
)
def test_integrated_gradients_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        gradients.integrated_gradients(_relu_cnn(), _rand(1, 3, 12, 12, seed=70), 0, **kwargs)


def test_smoothgrad_argument_errors():
    model, x = _relu_cnn(), _rand(1, 3, 12, 12, seed=71)
    with pytest.raises(TypeError, match="attribution_fn must be callable"):
        gradients.smoothgrad("gradient", model, x, 0)
    with pytest.raises(TypeError, match="attribution_fn must return a tensor, got tuple"):
        gradients.smoothgrad(functools.partial(gradients.integrated_gradients, n_steps=2, return_delta=True), model, x, 0, n_samples=2)
    with pytest.raises(ValueError, match=r"first axis holds the 2 inputs it was given, got shape \(12, 12\)"):
        gradients.smoothgrad(lambda m, noisy, t: gradients.vanilla_saliency(m, noisy, t).sum(0), model, x, 0, n_samples=2)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1, got 0"):
        gradients.smoothgrad(gradients.gradient, model, x, 0, n_samples=0)
    with pytest.raises(ValueError, match=r"noise_level must be a finite number >= 0, got -0.1"):
        gradients.smoothgrad(gradients.gradient, model, x, 0, noise_level=-0.1)
    with pytest.raises(ValueError, match="noise_level must be a finite number >= 0, got inf"):
        gradients.smoothgrad(gradients.gradient, model, x, 0, noise_level=float("inf"))
    with pytest.raises(TypeError, match="noise_level must be a number, got bool"):
        gradients.smoothgrad(gradients.gradient, model, x, 0, noise_level=True)
    with pytest.raises(TypeError, match="seed must be an int, a numpy or torch Generator, or None, got str"):
        gradients.smoothgrad(gradients.gradient, model, x, 0, seed="zero")


def test_grad_cam_argument_errors():
    model, x = _relu_cnn(), _rand(1, 3, 12, 12, seed=72)
    with pytest.raises(ValueError, match="layer must name a submodule of model, got 'conv9'"):
        gradients.grad_cam(model, x, 0, layer="conv9")
    with pytest.raises(TypeError, match="layer must be a submodule of model or its name, got int"):
        gradients.grad_cam(model, x, 0, layer=3)
    with pytest.raises(ValueError, match="layer must be a submodule of model, got Conv2d not in it"):
        gradients.grad_cam(model, x, 0, layer=nn.Conv2d(3, 3, 1))
    with pytest.raises(ValueError, match="upsample must be one of"):
        gradients.grad_cam(model, x, 0, layer="3", upsample="bicubic")
    with pytest.raises(ValueError, match=r"layer must output feature maps \(B, K, h, w\), got shape \(1, 288\)"):
        gradients.grad_cam(model, x, 0, layer="5")
    shared = nn.Conv2d(3, 3, 1)
    twice = nn.Sequential(shared, shared, nn.Flatten(), nn.Linear(3 * 144, 2)).double()
    with pytest.raises(ValueError, match="layer must run exactly once in model's forward pass, it ran 2 times"):
        gradients.grad_cam(twice, x, 0, layer=shared)

    class WithSpare(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(432, 2))
            self.spare = nn.Conv2d(3, 3, 1)  # registered, never called

        def forward(self, t: torch.Tensor) -> torch.Tensor:
            return self.head(t)

    with pytest.raises(ValueError, match="layer must run exactly once in model's forward pass, it ran 0 times"):
        gradients.grad_cam(WithSpare().double(), x, 0, layer="spare")
    in_place = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(200, 2)).double()
    with pytest.raises(ValueError, match="changed in place later in the forward pass"):
        gradients.grad_cam(in_place, x, 0, layer="0")
    assert gradients.grad_cam(in_place, x, 0, layer="1").shape == (1, 12, 12)

    class Pair(nn.Module):
        def forward(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return t, t

    class First(nn.Module):
        def forward(self, pair: tuple) -> torch.Tensor:
            return pair[0]

    tupled = nn.Sequential(Pair(), First(), nn.Flatten(), nn.Linear(432, 2)).double()
    with pytest.raises(TypeError, match="layer must output a tensor, got tuple"):
        gradients.grad_cam(tupled, x, 0, layer="0")

    class Constant(nn.Module):
        def forward(self, t: torch.Tensor) -> torch.Tensor:
            return torch.ones(t.shape[0], 2, 3, 3, dtype=t.dtype)

    constant = nn.Sequential(Constant(), nn.Flatten(), nn.Linear(18, 2)).double()
    with pytest.raises(ValueError, match="layer's output must depend on x or on trainable parameters"):
        gradients.grad_cam(constant, x, 0, layer="0")
    assert _hook_count(constant) == 0 and _hook_count(twice) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window": 13, "stride": 1}, ValueError, r"window must fit in x's \(C, H, W\) = \(3, 12, 12\), got \(3, 13, 13\)"),
        ({"window": 3, "stride": 4}, ValueError, "stride must not exceed the window where the window does not fill x"),
        ({"window": 0, "stride": 1}, ValueError, "window must be >= 1 in every dimension, got 0"),
        ({"window": (3, 0), "stride": 1}, ValueError, r"window must be >= 1 in every dimension, got \(3, 0\)"),
        ({"window": 3, "stride": (1, 1.5)}, TypeError, r"stride must hold integers, got \(1, 1.5\)"),
        ({"window": 2.0, "stride": 1}, TypeError, r"window must be an int, \(h, w\) or \(c, h, w\), got 2.0"),
        ({"window": (1, 2, 3, 4), "stride": 1}, TypeError, "window must be an int, \\(h, w\\) or \\(c, h, w\\)"),
        ({"window": 3, "stride": 3, "baseline": [0.5]}, TypeError, "baseline must be None, a number or a tensor, got list"),
    ],
)
def test_occlusion_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        gradients.occlusion(_relu_cnn(), _rand(1, 3, 12, 12, seed=73), 0, **kwargs)


def test_occlusion_passes_refuses_a_shape_without_three_axes():
    with pytest.raises(ValueError, match=r"shape must be \(B, C, H, W\) or \(C, H, W\), got \(12, 12\)"):
        gradients.occlusion_passes((12, 12), window=3, stride=3)


# --------------------------------------------------------------------------
# cross-checks against Captum
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def captum_attr():
    return pytest.importorskip("captum.attr")


@pytest.fixture(scope="module")
def shipped():
    model = models.load_model("shapes-cnn")
    batch = datasets.make_batch(2, seed=5)
    return model, images.to_tensor(batch.images), torch.as_tensor(batch.labels)


def _small(dtype=torch.float32):
    return _relu_cnn(seed=1, inplace=False, dtype=dtype), _rand(3, 3, 12, 12, seed=80, dtype=dtype), torch.tensor([0, 3, 4])


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("where", ["shipped", "small"])
def test_gradient_backprop_variants_match_captum(captum_attr, shipped, where):
    model, x, target = shipped if where == "shipped" else _small()
    torch.testing.assert_close(
        gradients.gradient(model, x, target),
        captum_attr.Saliency(model).attribute(x, target=target, abs=False), rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip
    torch.testing.assert_close(
        gradients.vanilla_saliency(model, x, target),
        captum_attr.Saliency(model).attribute(x, target=target).amax(1), rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip
    torch.testing.assert_close(
        gradients.guided_backprop(model, x, target),
        captum_attr.GuidedBackprop(model).attribute(x, target=target), rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip
    torch.testing.assert_close(
        gradients.deconvnet(model, x, target),
        captum_attr.Deconvolution(model).attribute(x, target=target), rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("method", gradients.IG_METHODS)
def test_integrated_gradients_matches_captum_on_a_small_cnn(captum_attr, method):
    model, x, target = _small(torch.float64)
    ours, delta = gradients.integrated_gradients(model, x, target, n_steps=20, method=method, return_delta=True)
    theirs, their_delta = captum_attr.IntegratedGradients(model).attribute(
        x, target=target, n_steps=20, method=method, return_convergence_delta=True
    )
    if method == "riemann_trapezoid":  # Captum's trapezoid weights sum to 1 − 1/n (Notes)
        torch.testing.assert_close(ours * (1 - 1 / 20), theirs, rtol=CAPTUM_RTOL, atol=CAPTUM_ATOL)
        return
    torch.testing.assert_close(ours, theirs, rtol=CAPTUM_RTOL, atol=CAPTUM_ATOL)
    torch.testing.assert_close(delta, their_delta, rtol=CAPTUM_RTOL, atol=CAPTUM_ATOL)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_integrated_gradients_matches_captum_on_the_shipped_model(captum_attr, shipped):
    model, x, target = shipped
    ours, delta = gradients.integrated_gradients(model, x, target, return_delta=True)
    # course_lib differentiates in channels-last layout (faster convolutions); Captum given
    # the same layout does the same arithmetic
    same_layout = x.contiguous(memory_format=torch.channels_last)
    theirs, their_delta = captum_attr.IntegratedGradients(model).attribute(
        same_layout, target=target, return_convergence_delta=True
    )
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(delta, their_delta, rtol=1e-4, atol=1e-4)
    # in the default layout only near-ties of max-pooling windows (the dark start of the
    # path) are routed to another input: a rounding-size change, 0.05 % of the largest value
    theirs_default = captum_attr.IntegratedGradients(model).attribute(x, target=target)
    torch.testing.assert_close(ours, theirs_default, rtol=0, atol=1e-3 * float(theirs_default.abs().max()))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_captum_trapezoid_is_scaled_by_one_minus_one_over_n_on_a_linear_model(captum_attr):
    """Oracle 1: Captum's riemann_trapezoid gives (1 − 1/n)(x − x')⊙w, delta −ΔF/n; ours the exact value."""
    model, weight = _linear_model()
    x = _rand(2, 3, 4, 4, seed=81)
    theirs, their_delta = captum_attr.IntegratedGradients(model).attribute(
        x, target=1, n_steps=10, method="riemann_trapezoid", return_convergence_delta=True
    )
    torch.testing.assert_close(theirs, 0.9 * x * weight[1], rtol=1e-6, atol=1e-9)
    change = (x * weight[1]).sum((1, 2, 3))  # ΔF, zero baseline
    torch.testing.assert_close(their_delta, -change / 10, rtol=1e-6, atol=1e-9)
    ours = gradients.integrated_gradients(model, x, 1, n_steps=10, method="riemann_trapezoid")
    torch.testing.assert_close(ours, x * weight[1], rtol=RTOL_F64, atol=1e-12)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("where", ["shipped", "small"])
def test_grad_cam_matches_captum_with_relu_and_bilinear_but_not_captums_defaults(captum_attr, shipped, where):
    model, x, target = shipped if where == "shipped" else _small()
    layer = model.features if where == "shipped" else model[4]
    cam = captum_attr.LayerGradCam(model, layer)
    theirs = cam.attribute(x, target=target, relu_attributions=True)  # (B, 1, h, w)
    ours = gradients.grad_cam(model, x, target, layer=layer)
    torch.testing.assert_close(
        ours, captum_attr.LayerAttribution.interpolate(theirs, tuple(x.shape[2:]), "bilinear")[:, 0],
        rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip
    torch.testing.assert_close(gradients.grad_cam(model, x, target, layer=layer, upsample=None), theirs[:, 0],
                               rtol=RTOL_F32, atol=ATOL_F32)
    defaults = captum_attr.LayerAttribution.interpolate(cam.attribute(x, target=target), tuple(x.shape[2:]))[:, 0]
    assert not torch.allclose(ours, defaults, rtol=RTOL_F32, atol=ATOL_F32)  # oracle 12: no ReLU, nearest


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("where", "window", "stride"), [("shipped", (3, 8, 8), (3, 8, 8)), ("small", (3, 5, 5), (3, 2, 2)), ("small", (1, 3, 4), (1, 2, 3))]
)
def test_occlusion_matches_captum(captum_attr, shipped, where, window, stride):
    model, x, target = shipped if where == "shipped" else _small()
    theirs = captum_attr.Occlusion(model).attribute(
        x, target=target, sliding_window_shapes=window, strides=stride, perturbations_per_eval=16
    )
    ours = gradients.occlusion(model, x, target, window=window, stride=stride)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("where", ["shipped", "small"])
def test_smoothgrad_matches_captum_noise_tunnel_with_the_same_noise(captum_attr, where, shipped):
    """One example, σ = 0.15·range given to Captum as its absolute stdev, the same seed:
    Captum draws torch.normal(0, σ) for its example-major copies, as we do."""
    model, x, target = shipped if where == "shipped" else _small()
    x, target = x[:1], int(target[0])
    sigma = float(0.15 * (x.max() - x.min()))
    torch.manual_seed(7)
    theirs = captum_attr.NoiseTunnel(captum_attr.Saliency(model)).attribute(
        x, target=target, nt_type="smoothgrad_sq", nt_samples=6, stdevs=sigma, abs=False
    )
    ours = gradients.smoothgrad(gradients.gradient, model, x, target, n_samples=6, squared=True, seed=7)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def _tiny():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gradients.integrated_gradients(_tiny(), torch.rand(1, 3, 4, 4), 0, n_steps=5000), ValueError,
         "n_steps must be an integer >= 1 and <= 1000"),
        (lambda: gradients.smoothgrad(gradients.vanilla_saliency, _tiny(), torch.rand(1, 3, 4, 4), 0, noise_level=1e300),
         ValueError, "noise_level must be a finite number <= 1000"),
        (lambda: gradients.smoothgrad(gradients.vanilla_saliency, _tiny(), torch.rand(1, 3, 4, 4), 0, n_samples=10**9),
         ValueError, "n_samples must be an integer >= 1 and <= 100000"),
        (lambda: gradients.occlusion_passes(None, window=1, stride=1), TypeError, "shape must be"),
        (lambda: gradients.occlusion_passes((3, 4), window=1, stride=1), ValueError, r"shape must be \(B, C, H, W\)"),
        (lambda: gradients.guided_backprop(lambda v: v, torch.rand(1, 3, 4, 4), 0), TypeError, "model must be a torch.nn.Module"),
        (lambda: gradients.grad_cam(lambda v: v, torch.rand(1, 3, 4, 4), 0, layer="0"), TypeError, "model must be a torch.nn.Module"),
    ],
)
def test_bounded_and_typed_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_guided_backprop_and_deconvnet_treat_relu6_as_a_rectifier_with_a_ceiling():
    """Hidden units 3, 9 → 6 (at the ceiling) and 1.5 with output weights 1, 1, −1 at x = 3.

    gradient: 1 + 0 (ReLU6 is flat above 6) − 0.5 = 0.5; guided: the ceiling unit is masked
    forward and the third by its negative signal, 1.0; DeconvNet: only the signal's sign
    counts, 1 + 3 = 4.0.  The in-place ReLU6 of timm's networks works the same.
    """
    for inplace in (False, True):
        model = nn.Sequential(nn.Flatten(), nn.Linear(1, 3, bias=False), nn.ReLU6(inplace=inplace),
                              nn.Linear(3, 1, bias=False))
        with torch.no_grad():
            model[1].weight.copy_(torch.tensor([[1.0], [3.0], [0.5]]))
            model[3].weight.copy_(torch.tensor([[1.0, 1.0, -1.0]]))
        x = torch.full((1, 1, 1, 1), 3.0)
        assert gradients.gradient(model, x, 0).item() == pytest.approx(0.5)
        assert gradients.guided_backprop(model, x, 0).item() == pytest.approx(1.0)
        assert gradients.deconvnet(model, x, 0).item() == pytest.approx(4.0)
