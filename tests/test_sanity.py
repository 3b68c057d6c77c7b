"""Tests of course_lib.sanity: model-parameter randomisation and deletion/insertion.

Oracles (notebook 07): randomising the shipped model lowers the Spearman
correlation of the gradient and Grad-CAM maps below 0.3 (Adebayo et al. 2018,
arXiv:1810.03292); RISE's AUC with ⌈HW/step⌉ + 1 points, and on a linear score
the Σ_c x⊙w ordering bounds every other ordering's curves (Petsiuk, Das &
Saenko 2018, arXiv:1806.07421).
"""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats
from torch import nn

from course_lib import datasets, gradients, images, models, sanity
from conftest import ATOL_F64, RTOL_F64

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# Oracle 14's threshold for a fully randomised network (reference §3).
RANDOMIZED_SPEARMAN_MAX = 0.3


def _rand(*shape: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 4)).double()


def _two_class_linear(shape: tuple[int, int, int], seed: int) -> tuple[nn.Module, torch.Tensor]:
    """Class 0: a random linear score; class 1: always 0, so p_0 = sigmoid(S_0)."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), 2, bias=False)).double()
    with torch.no_grad():
        model[1].weight[1].zero_()
    return model, model[1].weight.detach()[0].reshape(shape)


# --------------------------------------------------------------------------
# Spearman rank correlation
# --------------------------------------------------------------------------
def test_spearman_matches_scipy_with_ties_and_absolute_values():
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 4, size=(3, 40)).astype(float)  # many ties
    b = a + rng.normal(scale=2.0, size=a.shape)
    expected = [stats.spearmanr(a[i], b[i]).statistic for i in range(3)]
    np.testing.assert_allclose(sanity.spearman(a, b), expected, rtol=1e-12)
    expected_abs = [stats.spearmanr(np.abs(a[i]), np.abs(b[i])).statistic for i in range(3)]
    np.testing.assert_allclose(sanity.spearman(torch.from_numpy(a), torch.from_numpy(b), absolute=True), expected_abs, rtol=1e-12)


def test_spearman_of_maps_flattens_each_example_and_gives_zero_for_constant_maps():
    a = _rand(2, 3, 4, 4, seed=1)
    assert sanity.spearman(a, a).tolist() == [1.0, 1.0]
    assert sanity.spearman(a, -a).tolist() == [-1.0, -1.0]
    assert sanity.spearman(a, torch.zeros_like(a)).tolist() == [0.0, 0.0]  # no ranking: 0, not NaN


def test_spearman_errors():
    with pytest.raises(ValueError, match=r"a and b must have the same shape \(B, \.\.\.\), got \(2, 3\) and \(2, 4\)"):
        sanity.spearman(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"a and b must have the same shape \(B, \.\.\.\), got \(3,\)"):
        sanity.spearman(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="(a|b) must not contain NaN or inf"):
        sanity.spearman(np.array([[1.0, np.nan]]), np.ones((1, 2)))


# --------------------------------------------------------------------------
# model-parameter randomisation
# --------------------------------------------------------------------------
def test_randomizable_layers_run_from_the_logits_down():
    assert sanity.randomizable_layers(_mlp()) == ["3", "1"]
    names = sanity.randomizable_layers(models.ShapesCNN())
    assert names[:2] == ["classifier.3", "classifier.1"] and names[-2:] == ["features.1", "features.0"]
    assert len(names) == 14  # 6 conv + 6 batch norm + 2 linear; Normalize has no parameters


@pytest.mark.parametrize("cascading", [True, False])
def test_stages_equal_manual_reinitialisation_and_the_model_is_untouched(cascading):
    model, x = _mlp(), _rand(3, 1, 3, 4, seed=2)
    state = copy.deepcopy(model.state_dict())
    result = sanity.parameter_randomization(gradients.gradient, model, x, [0, 1, 3], cascading=cascading, seed=5)
    assert result.layers == ("3", "1")
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    torch.testing.assert_close(result.original, gradients.gradient(model, x, [0, 1, 3]))
    manual = copy.deepcopy(model)
    for stage, name in enumerate(result.layers):
        if not cascading:
            manual = copy.deepcopy(model)
        torch.manual_seed(5 + stage)
        manual.get_submodule(name).reset_parameters()
        torch.testing.assert_close(result.maps[stage], gradients.gradient(manual, x, [0, 1, 3]), rtol=0, atol=0)
    assert result.spearman.shape == result.spearman_abs.shape == (2, 3)
    np.testing.assert_allclose(result.spearman[1], sanity.spearman(result.original, result.maps[1]))
    np.testing.assert_allclose(result.spearman_abs[0], sanity.spearman(result.original, result.maps[0], absolute=True))


@pytest.mark.parametrize("cascading", [True, False])
def test_a_stage_of_several_modules_resets_them_together_after_one_seed(cascading):
    model, x = _mlp(), _rand(2, 1, 3, 4, seed=6)
    result = sanity.parameter_randomization(gradients.gradient, model, x, 1, layers=[["3", "1"], "1"],
                                            cascading=cascading, seed=2)
    assert result.layers == (("3", "1"), "1") and result.spearman.shape == (2, 2)
    manual = copy.deepcopy(model)
    torch.manual_seed(2)
    manual.get_submodule("3").reset_parameters()
    manual.get_submodule("1").reset_parameters()  # same seed, in the order given
    torch.testing.assert_close(result.maps[0], gradients.gradient(manual, x, 1), rtol=0, atol=0)
    if not cascading:
        manual = copy.deepcopy(model)
    torch.manual_seed(3)
    manual.get_submodule("1").reset_parameters()
    torch.testing.assert_close(result.maps[1], gradients.gradient(manual, x, 1), rtol=0, atol=0)
    single = sanity.parameter_randomization(gradients.gradient, model, x, 1, layers=["3", "1"], seed=2)
    grouped = sanity.parameter_randomization(gradients.gradient, model, x, 1, layers=[["3"], ("1",)], seed=2)
    np.testing.assert_array_equal(single.spearman, grouped.spearman)  # a block of one module is that module


def test_randomisation_keeps_the_trained_models_class_and_the_callers_rng():
    model, x = _mlp(), _rand(2, 1, 3, 4, seed=3)
    seen = []

    def recording(m, inputs, target):
        seen.append(target.tolist())
        return gradients.vanilla_saliency(m, inputs, target)

    torch.manual_seed(123)
    sanity.parameter_randomization(recording, model, x, None, layers=["3"])
    after = torch.rand(3)
    torch.manual_seed(123)
    torch.testing.assert_close(after, torch.rand(3))  # fork_rng: the caller's stream is unchanged
    top1 = model(x).argmax(1).tolist()
    assert seen == [top1, top1]


def test_randomising_the_shipped_model_decorrelates_gradient_and_grad_cam():
    """Oracle 14.  Guided backprop and the |gradient| channel max are reported, not asserted."""
    model = models.load_model("shapes-cnn")
    batch = datasets.make_batch(4, seed=3)
    x, target = images.to_tensor(batch.images), torch.as_tensor(batch.labels)
    signed = sanity.parameter_randomization(gradients.gradient, model, x, target)
    cam = sanity.parameter_randomization(functools.partial(gradients.grad_cam, layer="features"), model, x, target)
    assert len(signed.layers) == 14
    assert float(signed.spearman[-1].mean()) < RANDOMIZED_SPEARMAN_MAX
    assert float(signed.spearman_abs[-1].mean()) < RANDOMIZED_SPEARMAN_MAX
    assert float(cam.spearman[-1].mean()) < RANDOMIZED_SPEARMAN_MAX
    assert float(signed.spearman_abs[-1].mean()) < float(signed.spearman_abs[0].mean())
    assert not model.training and all(p.grad is None for p in model.parameters())


def test_parameter_randomization_errors():
    model, x = _mlp(), _rand(1, 1, 3, 4, seed=4)
    with pytest.raises(TypeError, match="attribution_fn must be callable"):
        sanity.parameter_randomization(None, model, x, 0)
    with pytest.raises(ValueError, match="layers must name at least one module with parameters"):
        sanity.parameter_randomization(gradients.gradient, model, x, 0, layers=[])
    with pytest.raises(ValueError, match="layers must name submodules of model with a reset_parameters method, got 'head'"):
        sanity.parameter_randomization(gradients.gradient, model, x, 0, layers=["head"])
    with pytest.raises(ValueError, match="with a reset_parameters method, got '0'"):
        sanity.parameter_randomization(gradients.gradient, model, x, 0, layers=["0"])  # Flatten
    with pytest.raises(ValueError, match="with a reset_parameters method, got 3"):
        sanity.parameter_randomization(gradients.gradient, model, x, 0, layers=[3])
    with pytest.raises(ValueError, match="with a reset_parameters method, got 'head'"):
        sanity.parameter_randomization(gradients.gradient, model, x, 0, layers=[["3", "head"]])
    with pytest.raises(ValueError, match="layers must name at least one module in each stage, got an empty stage"):
        sanity.parameter_randomization(gradients.gradient, model, x, 0, layers=["3", []])
    with pytest.raises(TypeError, match="attribution_fn must return a tensor, got ndarray"):
        sanity.parameter_randomization(lambda m, i, t: np.zeros(3), model, x, 0)

    def shape_changes(m, inputs, target):
        grad = gradients.gradient(m, inputs, target)
        return grad if m is model else grad[:, :, :1]

    with pytest.raises(ValueError, match=r"attribution_fn must return maps of shape \(1, 1, 3, 4\) for every model"):
        sanity.parameter_randomization(shape_changes, model, x, 0)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got str"):
        sanity.randomizable_layers("model")


# --------------------------------------------------------------------------
# blur
# --------------------------------------------------------------------------
def test_blur_is_a_normalised_separable_gaussian_with_replicated_borders():
    x = _rand(2, 3, 9, 10, seed=10)
    taps = torch.arange(-2, 3, dtype=torch.float64)
    kernel = torch.exp(-(taps**2) / (2 * 1.5**2))
    kernel = kernel / kernel.sum()
    kernel2d = (kernel[:, None] * kernel[None, :]).expand(3, 1, 5, 5)
    expected = F.conv2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), kernel2d, groups=3)
    torch.testing.assert_close(sanity.blur(x, kernel_size=5, sigma=1.5), expected, rtol=RTOL_F64, atol=ATOL_F64)
    torch.testing.assert_close(sanity.blur(x, kernel_size=1), x)
    constant = torch.full((1, 3, 6, 6), 0.3, dtype=torch.float64)
    torch.testing.assert_close(sanity.blur(constant), constant, rtol=RTOL_F64, atol=ATOL_F64)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"kernel_size": 4}, ValueError, "kernel_size must be odd, got 4"),
        ({"kernel_size": 0}, ValueError, "kernel_size must be an integer >= 1, got 0"),
        ({"sigma": 0.0}, ValueError, "sigma must be a finite number > 0, got 0.0"),
        ({"sigma": True}, TypeError, "sigma must be a number, got bool"),
        ({"kernel_size": 3.0}, TypeError, "kernel_size must be an integer, got float"),
    ],
)
def test_blur_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        sanity.blur(_rand(1, 3, 6, 6, seed=11), **kwargs)


# --------------------------------------------------------------------------
# deletion and insertion (oracle 15)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("step", [1, 3, 7, 20, 25])
def test_curves_have_ceil_hw_over_step_plus_one_points_from_start_to_finish(step):
    model, x = _mlp(), _rand(2, 1, 3, 4, seed=20) * 3  # HW = 12
    saliency = _rand(2, 3, 4, seed=21)
    probabilities = lambda images: F.softmax(model(images), dim=1).gather(1, top1[:, None])[:, 0].detach().numpy()
    top1 = model(x).argmax(1)
    deletion = sanity.deletion_curve(model, x, saliency, step=step)
    insertion = sanity.insertion_curve(model, x, saliency, step=step)
    assert deletion.shape == insertion.shape == (2, math.ceil(12 / step) + 1)
    assert deletion.dtype == np.float64 and ((deletion >= 0) & (deletion <= 1)).all()
    np.testing.assert_allclose(deletion[:, 0], probabilities(x), rtol=1e-12)
    np.testing.assert_allclose(deletion[:, -1], probabilities(torch.zeros_like(x)), rtol=1e-12)
    np.testing.assert_allclose(insertion[:, 0], probabilities(sanity.blur(x)), rtol=1e-12)
    np.testing.assert_allclose(insertion[:, -1], probabilities(x), rtol=1e-12)


def test_curves_remove_pixels_in_decreasing_saliency_across_channels():
    """Brute force on one image: step k sets the k·s most salient pixels (all channels) to the substrate."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 2 * 3, 3)).double()
    x, saliency = _rand(1, 3, 2, 3, seed=22), torch.tensor([[[0.5, 0.9, 0.1], [0.7, 0.2, 0.3]]], dtype=torch.float64)
    order = torch.argsort(saliency.flatten(), descending=True, stable=True)
    curve = sanity.deletion_curve(model, x, saliency, step=2, substrate=0.25, target=2)
    for k in range(4):
        image = x.clone().reshape(1, 3, 6)
        image[:, :, order[: 2 * k]] = 0.25
        expected = F.softmax(model(image.reshape(1, 3, 2, 3)), dim=1)[0, 2].item()
        assert math.isclose(curve[0, k], expected, rel_tol=1e-12)


def test_linear_score_ordering_by_contribution_bounds_every_other_ordering():
    """Oracle 15: zero substrate, p = sigmoid(S_0): Σ_c x⊙w deletes (inserts) the most score first."""
    model, weight = _two_class_linear((3, 4, 5), seed=23)
    x = _rand(1, 3, 4, 5, seed=24)
    with torch.no_grad():
        model[1].weight[0] += 0.5 - (x[0] * model[1].weight[0].reshape(3, 4, 5)).sum() / x.sum()  # S_0(x) > 0
    weight = model[1].weight.detach()[0].reshape(3, 4, 5)
    best = (x * weight).sum(1)  # (1, H, W)
    assert model(x)[0].argmax().item() == 0
    deletion = sanity.deletion_curve(model, x, best, step=3)
    insertion = sanity.insertion_curve(model, x, best, step=3, substrate=0.0)
    for seed in range(5):
        other = _rand(1, 4, 5, seed=100 + seed)
        assert (deletion <= sanity.deletion_curve(model, x, other, step=3) + 1e-12).all()
        assert (insertion >= sanity.insertion_curve(model, x, other, step=3, substrate=0.0) - 1e-12).all()
    assert sanity.auc(deletion)[0] < sanity.auc(insertion)[0]


def test_curve_defaults_chunking_targets_and_side_effects():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(4), nn.Flatten(),
                          nn.Dropout(0.5), nn.Linear(4 * 5 * 6, 3)).double()
    model.train()
    x, saliency = _rand(2, 3, 5, 6, seed=25), _rand(2, 5, 6, seed=26).numpy()
    curve = sanity.deletion_curve(model, x, saliency)
    assert curve.shape == (2, 5 + 1)  # default step = W: one row's worth per step
    assert model.training and all(m.training for m in model.modules())
    np.testing.assert_allclose(sanity.deletion_curve(model, x, saliency, batch_size=1), curve, rtol=1e-12)
    np.testing.assert_allclose(sanity.deletion_curve(model, x, saliency, step=6), curve, rtol=1e-12)
    model.eval()
    top1 = model(x).argmax(1)
    np.testing.assert_allclose(sanity.insertion_curve(model, x, saliency, target=top1),
                               sanity.insertion_curve(model, x, saliency), rtol=1e-12)
    other = sanity.deletion_curve(model, x, saliency, target=[(c + 1) % 3 for c in top1.tolist()])
    assert not np.allclose(other, curve)
    assert all(p.grad is None for p in model.parameters())


def test_auc_is_rises_trapezoid():
    rng = np.random.default_rng(30)
    curves = rng.random((3, 9))
    expected = [np.trapezoid(c, np.linspace(0, 1, 9)) for c in curves]
    np.testing.assert_allclose(sanity.auc(curves), expected, rtol=1e-12)
    rise = lambda arr: (arr.sum() - arr[0] / 2 - arr[-1] / 2) / (arr.shape[0] - 1)  # eclique/RISE evaluation.py
    assert math.isclose(sanity.auc(curves[0]), rise(curves[0]), rel_tol=1e-12)
    assert isinstance(sanity.auc(curves[0].tolist()), float)


@pytest.mark.parametrize(
    ("curve", "match"),
    [
        ([1.0], r"curve must have shape \(n,\) or \(B, n\) with n >= 2, got \(1,\)"),
        (np.zeros((2, 2, 2)), r"curve must have shape \(n,\) or \(B, n\) with n >= 2, got \(2, 2, 2\)"),
        ([0.5, np.nan], "curve must not contain NaN or inf"),
    ],
)
def test_auc_errors(curve, match):
    with pytest.raises(ValueError, match=match):
        sanity.auc(curve)


@pytest.mark.parametrize(
    ("saliency", "kwargs", "error", "match"),
    [
        ([[0.0]], {}, TypeError, "saliency must be a tensor or ndarray of shape"),
        (np.zeros((2, 3, 3, 4)), {}, ValueError, r"saliency must have shape \(B, H, W\) = \(2, 3, 4\) to match x, got \(2, 3, 3, 4\)"),
        (np.full((2, 3, 4), np.nan), {}, ValueError, "saliency must hold finite real numbers"),
        (torch.zeros(2, 3, 4, dtype=torch.bool), {}, ValueError, "saliency must hold finite real numbers"),
        (np.zeros((2, 3, 4)), {"step": 0}, ValueError, "step must be an integer >= 1, got 0"),
        (np.zeros((2, 3, 4)), {"substrate": "grey"}, TypeError, "substrate must be None, a number or a tensor, got str"),
        (np.zeros((2, 3, 4)), {"substrate": torch.zeros(5)}, ValueError, "substrate must broadcast to x's shape"),
    ],
)
@pytest.mark.parametrize("curve", [sanity.deletion_curve, sanity.insertion_curve])
def test_curve_errors(curve, saliency, kwargs, error, match):
    with pytest.raises(error, match=match):
        curve(_mlp(), _rand(2, 1, 3, 4, seed=31), saliency, **kwargs)


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sanity.blur(torch.zeros(1, 1, 4, 4), sigma=1e300), ValueError, "sigma must be a finite number >= 0.001"),
        (lambda: sanity.spearman(np.ones((1, 2), complex), np.ones((1, 2))), TypeError, "a must hold real numbers"),
        (lambda: sanity.auc("abc"), TypeError, "curve must be a number, list or array"),
        (lambda: sanity.parameter_randomization(gradients.vanilla_saliency, nn.Linear(4, 2), torch.zeros(1, 1, 2, 2), 0,
                                                layers=3), TypeError, "layers must be a list of submodule names"),
        (lambda: sanity.deletion_curve(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.zeros(1, 1, 2, 2),
                                       np.array([[["a", "b"], ["c", "d"]]]), target=0), TypeError, "saliency must hold real numbers"),
        (lambda: sanity.deletion_curve(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.zeros(1, 1, 2, 2),
                                       torch.zeros(1, 2, 2), step=0, target=0), ValueError, "step must be an integer >= 1"),
    ],
)
def test_bounded_and_typed_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_huge_step_is_the_two_point_curve():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    x, saliency = torch.rand(1, 1, 2, 2), torch.rand(1, 2, 2)
    np.testing.assert_array_equal(sanity.deletion_curve(model, x, saliency, step=2**70, target=0),
                                  sanity.deletion_curve(model, x, saliency, step=4, target=0))
