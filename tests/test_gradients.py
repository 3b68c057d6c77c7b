"""Tests of vanilla gradient saliency and the finite-difference checker (course_lib.gradients).

Oracles (Simonyan, Vedaldi & Zisserman 2013, §3.1; notebook 06): a linear
model, whose gradient is its weight; central differences on a float64 tanh
CNN; invariances (batch independence, per-example targets).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from course_lib import gradients
from conftest import ATOL_F32, ATOL_F64, RTOL_F32, RTOL_F64

# Oracle 4: central differences (eps = 1e-4) agree with autograd to ~1e-6 relative
# in float64 (truncation error eps² ≈ 1e-8, rounding 1e-16/eps ≈ 1e-12).
FD_RTOL = 1e-6
FD_ATOL = 1e-9


def _linear_model(n_classes: int = 3, shape: tuple[int, int, int] = (3, 4, 5), seed: int = 0) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(shape)), n_classes))
    return model, model[1].weight.detach().reshape(n_classes, *shape)  # (K, C, H, W)


def _tanh_cnn(dtype: torch.dtype = torch.float64, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(4, 4, 3, padding=1), nn.Tanh(),
        nn.Flatten(), nn.Linear(4 * 3 * 3, 5),
    )  # fmt: skip
    return model.to(dtype)


def _dropout_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(4),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 6 * 6, 5),
    )  # fmt: skip


# --------------------------------------------------------------------------
# analytic oracle: linear model
# --------------------------------------------------------------------------
@pytest.mark.parametrize("target", [0, 2])
def test_linear_model_gradient_is_the_weight_and_saliency_its_channel_max(target):
    model, weight = _linear_model()
    x = torch.rand(4, 3, 4, 5, generator=torch.Generator().manual_seed(1))
    expected = weight[target].expand(4, -1, -1, -1)  # (B, C, H, W)
    torch.testing.assert_close(gradients.gradient(model, x, target), expected, rtol=RTOL_F32, atol=ATOL_F32)
    torch.testing.assert_close(
        gradients.vanilla_saliency(model, x, target), expected.abs().amax(1), rtol=RTOL_F32, atol=ATOL_F32
    )
    torch.testing.assert_close(
        gradients.input_x_gradient(model, x, target), x * expected, rtol=RTOL_F32, atol=ATOL_F32
    )


def test_saliency_shape_dtype_sign_and_no_nan():
    model = _tanh_cnn(torch.float32)
    x = torch.rand(3, 3, 6, 6, generator=torch.Generator().manual_seed(2))
    saliency = gradients.vanilla_saliency(model, x, None)
    assert saliency.shape == (3, 6, 6) and saliency.dtype == torch.float32
    assert not saliency.requires_grad
    assert bool(torch.isfinite(saliency).all()) and bool((saliency >= 0).all())
    assert gradients.gradient(model, x, 1).shape == x.shape
    assert gradients.vanilla_saliency(model.double(), x.double(), 1).dtype == torch.float64


def test_saliency_of_negated_and_scaled_scores():
    """Oracle 8: gradient(−F) = −gradient(F), and scaling F by c scales it by c."""
    model = _tanh_cnn()
    x = torch.rand(2, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    base = gradients.gradient(model, x, 2)
    scaled = nn.Sequential(model, nn.Linear(5, 5, bias=False).double())
    with torch.no_grad():
        scaled[1].weight.copy_(-2.5 * torch.eye(5, dtype=torch.float64))
    torch.testing.assert_close(gradients.gradient(scaled, x, 2), -2.5 * base, rtol=RTOL_F64, atol=ATOL_F64)
    torch.testing.assert_close(
        gradients.vanilla_saliency(scaled, x, 2), 2.5 * base.abs().amax(1), rtol=RTOL_F64, atol=ATOL_F64
    )


def test_default_target_none_is_the_top1_class():
    model = _tanh_cnn()
    x = torch.rand(3, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    top1 = model(x).argmax(1)
    torch.testing.assert_close(gradients.gradient(model, x, None), gradients.gradient(model, x, top1))


# --------------------------------------------------------------------------
# finite differences (oracle 4)
# --------------------------------------------------------------------------
def test_gradient_agrees_with_central_differences_float64():
    model = _tanh_cnn()
    x = torch.rand(2, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    target = [1, 3]
    analytic = gradients.gradient(model, x, target)
    numeric = gradients.finite_difference_gradient(model, x, target, eps=1e-4)
    assert numeric.dtype == torch.float64 and numeric.shape == x.shape
    torch.testing.assert_close(analytic, numeric, rtol=FD_RTOL, atol=FD_ATOL)
    relative = float((analytic - numeric).norm() / analytic.norm())
    assert relative < FD_RTOL


def test_finite_difference_selected_elements_and_float32_model():
    model32 = _tanh_cnn(torch.float32)
    x = torch.rand(1, 3, 6, 6, generator=torch.Generator().manual_seed(6))
    elements = [(0, 0, 0), (2, 5, 3), (1, 2, 4)]
    numeric = gradients.finite_difference_gradient(model32, x, 0, elements=elements)
    assert numeric.shape == (1, 3) and numeric.dtype == torch.float64
    assert next(model32.parameters()).dtype == torch.float32  # the caller's model is not converted
    full = gradients.gradient(model32.double(), x.double(), 0)
    expected = torch.stack([full[0, c, r, k] for c, r, k in elements])[None]
    torch.testing.assert_close(numeric, expected, rtol=FD_RTOL, atol=FD_ATOL)


def test_finite_difference_small_batches_match_one_batch():
    model = _tanh_cnn()
    x = torch.rand(1, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    one = gradients.finite_difference_gradient(model, x, 2)
    several = gradients.finite_difference_gradient(model, x, 2, batch_size=10)
    torch.testing.assert_close(one, several, rtol=RTOL_F64, atol=ATOL_F64)


# --------------------------------------------------------------------------
# side effects: mode, parameter grads, input grad, no_grad
# --------------------------------------------------------------------------
def test_eval_mode_is_used_and_every_flag_restored():
    model = _dropout_cnn()
    model.train()
    model[2].eval()  # a mixed state must come back exactly
    flags = [m.training for m in model.modules()]
    x = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(8))
    first = gradients.vanilla_saliency(model, x, 1)
    second = gradients.vanilla_saliency(model, x, 1)
    torch.testing.assert_close(first, second)  # dropout off: deterministic
    assert [m.training for m in model.modules()] == flags
    model.eval()
    torch.testing.assert_close(gradients.vanilla_saliency(model, x, 1), first)
    assert not model.training


def test_parameters_get_no_grad_and_existing_grads_are_kept():
    model = _tanh_cnn(torch.float32)
    x = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(9))
    gradients.vanilla_saliency(model, x, 0)
    assert all(p.grad is None for p in model.parameters())
    model[0].weight.grad = torch.ones_like(model[0].weight)
    gradients.gradient(model, x, 0)
    torch.testing.assert_close(model[0].weight.grad, torch.ones_like(model[0].weight))
    assert all(p.grad is None for name, p in model.named_parameters() if name != "0.weight")


def test_input_and_its_grad_are_left_unchanged():
    model = _tanh_cnn(torch.float32)
    x = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(10)).requires_grad_(True)
    x.grad = torch.full_like(x, 7.0)
    before = x.detach().clone()
    gradients.vanilla_saliency(model, x, 0)
    gradients.input_x_gradient(model, x, 0)
    torch.testing.assert_close(x.grad, torch.full_like(x, 7.0))
    torch.testing.assert_close(x.detach(), before)
    assert x.requires_grad and x.is_leaf
    plain = torch.rand(1, 3, 6, 6)
    gradients.gradient(model, plain, 0)
    assert plain.grad is None and not plain.requires_grad


def test_works_under_no_grad_and_inference_mode():
    model = _tanh_cnn()
    x = torch.rand(2, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(11))
    expected = gradients.vanilla_saliency(model, x, 3)
    with torch.no_grad():
        torch.testing.assert_close(gradients.vanilla_saliency(model, x, 3), expected)
    with torch.inference_mode():
        frozen = x.clone()  # an inference tensor
        torch.testing.assert_close(gradients.vanilla_saliency(model, frozen, 3), expected)
    assert torch.is_grad_enabled()


# --------------------------------------------------------------------------
# targets and batches (oracle 8)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["list", "tuple", "tensor", "numpy"])
def test_per_example_targets_equal_separate_calls(kind):
    model = _tanh_cnn()
    x = torch.rand(3, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(12))
    classes = [4, 0, 2]
    target = {"list": classes, "tuple": tuple(classes), "tensor": torch.tensor(classes),
              "numpy": np.array(classes)}[kind]
    batched = gradients.vanilla_saliency(model, x, target)
    separate = torch.cat([gradients.vanilla_saliency(model, x[i : i + 1], c) for i, c in enumerate(classes)])
    torch.testing.assert_close(batched, separate, rtol=RTOL_F64, atol=ATOL_F64)


def test_an_int_target_applies_to_the_whole_batch():
    model = _tanh_cnn()
    x = torch.rand(2, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(13))
    torch.testing.assert_close(gradients.gradient(model, x, 1), gradients.gradient(model, x, [1, 1]))
    torch.testing.assert_close(gradients.gradient(model, x, np.int64(1)), gradients.gradient(model, x, torch.tensor(1)))


# --------------------------------------------------------------------------
# errors: every raise in gradients.py
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((1, 3, 6, 6), np.float32), TypeError, "x must be a torch.Tensor.*to_tensor"),
        (torch.zeros(3, 6, 6), ValueError, r"x must have shape \(B, C, H, W\), got shape \(3, 6, 6\)"),
        (torch.zeros(0, 3, 6, 6), ValueError, "x must hold at least one example"),
        (torch.zeros(1, 3, 6, 6, dtype=torch.int64), TypeError, "x must have a floating-point dtype"),
        (torch.full((1, 3, 6, 6), float("nan")), ValueError, "x must not contain NaN or inf"),
    ],
)
def test_bad_inputs_are_refused(x, error, match):
    with pytest.raises(error, match=match):
        gradients.vanilla_saliency(_tanh_cnn(torch.float32), x, 0)


@pytest.mark.parametrize(
    ("target", "error", "match"),
    [
        (True, TypeError, "target must be an int, a sequence of ints, a tensor or None, got True"),
        ("cat", TypeError, "target must be an int, a sequence of ints, a tensor or None, got str"),
        (torch.tensor([0.0, 1.0]), TypeError, "target must hold integers, got dtype torch.float32"),
        ([0, 1, 2], ValueError, r"target must be an int or hold one class per example \(2\)"),
        (5, ValueError, r"target must lie in \[0, 4\]"),
        ([0, -1], ValueError, r"target must lie in \[0, 4\], got \[0, -1\]"),
    ],
)
def test_bad_targets_are_refused(target, error, match):
    x = torch.rand(2, 3, 6, 6)
    with pytest.raises(error, match=match):
        gradients.gradient(_tanh_cnn(torch.float32), x, target)


def test_bad_model_and_model_output_are_refused():
    x = torch.rand(2, 3, 6, 6)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got function"):
        gradients.vanilla_saliency(lambda t: t, x, 0)
    with pytest.raises(ValueError, match=r"model must return scores of shape \(B, n_classes\)"):
        gradients.vanilla_saliency(nn.Identity(), x, 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"eps": 0.0}, "eps must be a finite number > 0, got 0.0"),
        ({"elements": [(3, 0, 0)]}, r"elements must be non-empty \(channel, row, col\) triples within x's \(C, H, W\) = \(3, 6, 6\)"),
        ({"elements": []}, "elements must be non-empty"),
        ({"max_evaluations": 100}, "needs 216 forward passes, more than max_evaluations=100"),
    ],
)
def test_finite_difference_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gradients.finite_difference_gradient(_tanh_cnn(), torch.rand(1, 3, 6, 6), 0, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"eps": True}, "eps must be a number, got bool"),
        ({"elements": "abc"}, "elements must be a sequence of"),
        ({"elements": [(0.5, 0, 0)]}, "elements must hold integer"),
        ({"batch_size": 2.0}, "batch_size must be an integer, got float"),
    ],
)
def test_finite_difference_argument_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        gradients.finite_difference_gradient(_tanh_cnn(), torch.rand(1, 3, 6, 6), 0, **kwargs)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        gradients.finite_difference_gradient(lambda v: v, torch.rand(1, 3, 6, 6), 0)


def test_float64_input_works_with_a_float32_model_and_keeps_its_dtype():
    # the docstrings allow any floating x; the forward pass runs in the model's dtype
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 5)
    )
    x = torch.rand(2, 3, 6, 6)
    methods = {
        "vanilla": gradients.vanilla_saliency,
        "gradient": gradients.gradient,
        "guided": gradients.guided_backprop,
        "ig": lambda m, v, t: gradients.integrated_gradients(m, v, t, n_steps=4),
        "smoothgrad": lambda m, v, t: gradients.smoothgrad(gradients.vanilla_saliency, m, v, t, n_samples=2),
        "grad_cam": lambda m, v, t: gradients.grad_cam(m, v, t, layer=m[0]),
        "occlusion": lambda m, v, t: gradients.occlusion(m, v, t, window=3, stride=3),
    }
    for name, method in methods.items():
        single = method(model, x, 1)
        double = method(model, x.double(), 1)
        assert double.dtype == torch.float64, name
        assert next(model.parameters()).dtype == torch.float32, name
        assert bool(torch.isfinite(double).all()), name
        if name != "smoothgrad":  # its noise is drawn in x's dtype, so other samples
            torch.testing.assert_close(double.float(), single, rtol=1e-4, atol=1e-5, msg=name)
