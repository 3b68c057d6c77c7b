"""Tests of course_lib._attribution, the plumbing shared by the gradient methods (notebooks 06–08)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import _attribution as attribution


@pytest.mark.parametrize("border_type", attribution.BORDER_TYPES[:2])
def test_gaussian_blur2d_keeps_a_constant_image_and_the_mean_of_a_delta(border_type):
    flat = torch.full((1, 2, 5, 9), 0.25, dtype=torch.float64)
    torch.testing.assert_close(attribution.gaussian_blur2d(flat, 1.0, radius=3, border_type=border_type), flat)
    delta = torch.zeros(1, 1, 15, 15, dtype=torch.float64)
    delta[0, 0, 7, 7] = 1.0
    assert float(attribution.gaussian_blur2d(delta, 1.0, radius=3, border_type=border_type).sum()) == pytest.approx(1.0)


def test_gaussian_blur2d_matches_scipy_on_the_interior():
    from scipy.ndimage import gaussian_filter

    x = torch.rand(1, 1, 20, 20, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    got = attribution.gaussian_blur2d(x, 1.5, radius=6, border_type="reflect")[0, 0].numpy()
    expected = gaussian_filter(x[0, 0].numpy(), 1.5, truncate=4.0, mode="mirror")
    np.testing.assert_allclose(got[6:-6, 6:-6], expected[6:-6, 6:-6], rtol=1e-10)


def test_gaussian_blur2d_refuses_an_unknown_border():
    with pytest.raises(ValueError, match="border_type must be one of"):
        attribution.gaussian_blur2d(torch.zeros(1, 1, 4, 4), 1.0, radius=1, border_type="wrap")


def test_eval_mode_restores_every_submodule_also_on_error():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())
    model.train()
    model[1].eval()
    with pytest.raises(RuntimeError, match="inside"):
        with attribution.eval_mode(model):
            assert not model.training
            raise RuntimeError("inside")
    assert model.training and model[0].training and not model[1].training
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        with attribution.eval_mode("model"):
            pass


def test_forward_casts_to_the_model_dtype_and_back():
    model = torch.nn.Linear(3, 2)
    x = torch.rand(4, 3, dtype=torch.float64, requires_grad=True)
    out = attribution.forward(model, x)
    assert out.dtype == torch.float64
    (grad,) = torch.autograd.grad(out.sum(), x)
    assert grad.dtype == torch.float64


@pytest.mark.parametrize(
    ("target", "error", "match"),
    [
        (5, ValueError, r"target must lie in \[0, 2\], got 5"),
        (2**70, ValueError, "target must lie in"),
        ([2**70, 1], TypeError, "target must hold integers"),
        ([0.5, 1.0], TypeError, "target must hold integers"),
        ("a", TypeError, "target must be an int"),
    ],
)
def test_target_indices_refuses_bad_targets(target, error, match):
    with pytest.raises(error, match=match):
        attribution.target_indices(target, torch.zeros(2, 3))


def test_torch_generator_refuses_seeds_torch_cannot_take():
    with pytest.raises(ValueError, match="seed must be an integer"):
        attribution.torch_generator(2**70, torch.device("cpu"))
