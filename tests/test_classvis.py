"""Tests of class-model visualisation (course_lib.classvis) and its explorer.

Oracle (Simonyan, Vedaldi & Zisserman 2013, §2, eq. 1; notebook 06): for a
linear score S = w·z + b, gradient ascent on S - λ‖z‖² from the zero image
converges to w / (2λ); adding the mean back is a separate final step.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from course_lib import classvis, models, viz, widgets
from conftest import ATOL_F32, RTOL_F32

SHAPE = (3, 4, 5)


def _linear(n_classes: int = 3, seed: int = 0, normalize: models.Normalize | None = None) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(seed)
    layers = OrderedDict()
    if normalize is not None:
        layers["normalize"] = normalize
    layers["flatten"] = nn.Flatten()
    layers["fc"] = nn.Linear(int(np.prod(SHAPE)), n_classes)
    model = nn.Sequential(layers)
    return model, model.fc.weight.detach().reshape(n_classes, *SHAPE)  # (K, C, H, W)


@pytest.fixture(scope="module")
def shapes_cnn() -> nn.Module:
    return models.load_model()


@pytest.mark.parametrize("lam", [0.05, 0.2, 0.45])
@pytest.mark.parametrize("target", [0, 2])
def test_linear_score_converges_to_w_over_2_lambda(lam, target):
    model, weight = _linear()
    result = classvis.visualize_class(model, target, lam=lam, n_steps=300, image_shape=SHAPE)
    expected = (weight[target] / (2 * lam)).numpy()
    np.testing.assert_allclose(result.normalized_image, expected, rtol=RTOL_F32, atol=ATOL_F32)
    # no normalisation module: the display is the optimum itself, clipped to [0, 1]
    np.testing.assert_allclose(result.image, np.clip(expected, 0, 1).transpose(1, 2, 0), atol=ATOL_F32)


def test_mean_is_added_back_after_optimising_in_the_standardised_space():
    mean, std = (0.2, 0.5, 0.7), (0.1, 0.2, 0.3)
    model, weight = _linear(normalize=models.Normalize(mean, std))
    lam = 0.3
    result = classvis.visualize_class(model, 1, lam=lam, n_steps=300, image_shape=SHAPE)
    z = (weight[1] / (2 * lam)).numpy()  # S(μ + σz) = w·z + b: the optimum in z is still w/(2λ)
    np.testing.assert_allclose(result.normalized_image, z, rtol=1e-4, atol=1e-5)
    shown = np.clip(np.asarray(mean)[:, None, None] + np.asarray(std)[:, None, None] * z, 0, 1)
    np.testing.assert_allclose(result.image, shown.transpose(1, 2, 0), atol=1e-5)


def test_trajectory_starts_at_the_zero_image_and_the_objective_rises():
    model, weight = _linear()
    result = classvis.visualize_class(model, 0, lam=0.1, n_steps=20, image_shape=SHAPE)
    assert result.scores.shape == result.objective.shape == (21,)
    assert result.scores.dtype == np.float64
    assert result.scores[0] == pytest.approx(float(model.fc.bias[0].detach()), abs=1e-6)  # S(0) = b
    assert np.all(np.diff(result.objective) > -1e-6)  # concave objective, small step: ascent
    assert result.target == (0,) and result.lam == 0.1
    peak = np.abs(result.normalized_image).max()
    np.testing.assert_allclose(result.stretched, 0.5 + 0.5 * result.normalized_image.transpose(1, 2, 0) / peak, atol=1e-6)


def test_input_normalization_reads_the_model_or_defaults(shapes_cnn):
    mean, std = classvis.input_normalization(shapes_cnn)
    assert mean.shape == std.shape == (1, 3, 1, 1)
    np.testing.assert_allclose(mean.flatten(), shapes_cnn.metadata["normalization"]["mean"], rtol=1e-6)
    plain_mean, plain_std = classvis.input_normalization(nn.Linear(2, 2), channels=2)
    assert plain_mean.flatten().tolist() == [0.0, 0.0] and plain_std.flatten().tolist() == [1.0, 1.0]


def test_shipped_model_scores_rise_in_range_and_the_model_is_left_alone(shapes_cnn):
    shapes_cnn.train()
    with torch.no_grad():  # a caller's no_grad must not break the ascent
        result = classvis.visualize_class(shapes_cnn, 3, n_steps=15)
    assert shapes_cnn.training and all(m.training for m in shapes_cnn.modules())
    shapes_cnn.eval()
    assert all(p.grad is None for p in shapes_cnn.parameters())
    assert result.image.shape == (64, 64, 3) and result.image.dtype == np.float32
    assert 0.0 <= result.image.min() and result.image.max() <= 1.0
    assert np.isfinite(result.scores).all() and result.scores[-1] > result.scores[0] + 1.0


def test_several_targets_give_a_batch_equal_to_separate_calls(shapes_cnn):
    both = classvis.visualize_class(shapes_cnn, [1, 5], n_steps=4)
    assert both.image.shape == (2, 64, 64, 3) and both.scores.shape == (5, 2)
    assert both.normalized_image.shape == (2, 3, 64, 64) and both.target == (1, 5)
    alone = classvis.visualize_class(shapes_cnn, 5, n_steps=4)
    np.testing.assert_allclose(both.normalized_image[1], alone.normalized_image, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(both.scores[:, 1], alone.scores, rtol=1e-4, atol=1e-4)


def test_jitter_is_seeded_and_blur_smooths():
    model, _ = _linear()
    plain = classvis.visualize_class(model, 0, lam=0.1, n_steps=30, image_shape=SHAPE)
    jitter_a = classvis.visualize_class(model, 0, lam=0.1, n_steps=30, image_shape=SHAPE, jitter=1, seed=1)
    jitter_b = classvis.visualize_class(model, 0, lam=0.1, n_steps=30, image_shape=SHAPE, jitter=1, seed=1)
    jitter_c = classvis.visualize_class(model, 0, lam=0.1, n_steps=30, image_shape=SHAPE, jitter=1, seed=2)
    np.testing.assert_array_equal(jitter_a.normalized_image, jitter_b.normalized_image)
    assert not np.allclose(jitter_a.normalized_image, jitter_c.normalized_image)
    assert not np.allclose(jitter_a.normalized_image, plain.normalized_image)
    blurred = classvis.visualize_class(model, 0, lam=0.1, n_steps=30, image_shape=SHAPE, blur_sigma=0.8)

    def roughness(z: np.ndarray) -> float:
        return float(np.abs(np.diff(z, axis=1)).mean() + np.abs(np.diff(z, axis=2)).mean())

    assert roughness(blurred.normalized_image) < 0.5 * roughness(plain.normalized_image)


def test_defaults_follow_the_paper_without_extra_regularisers():
    defaults = {k: p.default for k, p in inspect.signature(classvis.visualize_class).parameters.items()}
    assert defaults["jitter"] == 0 and defaults["blur_sigma"] == 0.0  # plain ascent, as in §2
    assert (defaults["lam"], defaults["n_steps"], defaults["step_size"]) == (0.01, 200, 1.0)
    assert defaults["image_shape"] == (3, 64, 64)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"target": None}, TypeError, "target must be an int or a sequence"),
        ({"target": True}, TypeError, "target must be an int"),
        ({"target": [0.5]}, TypeError, "target must hold integers"),
        ({"target": []}, ValueError, "target must name at least one class"),
        ({"target": 7}, ValueError, r"target must lie in \[0, 2\]"),
        ({"lam": 0.0}, ValueError, "lam must be a finite number > 0"),
        ({"lam": "big"}, TypeError, "lam must be a number"),
        ({"lam": 0.5, "step_size": 2.0}, ValueError, r"lam \* step_size must be < 1"),
        ({"n_steps": 0}, ValueError, "n_steps must be an integer >= 1"),
        ({"image_shape": (4, 5)}, ValueError, "image_shape must be three positive ints"),
        ({"image_shape": (1, 4, 5)}, ValueError, "image_shape has 1 channels"),
        ({"jitter": -1}, ValueError, "jitter must be an integer >= 0"),
        ({"blur_sigma": -0.5}, ValueError, "blur_sigma must be a finite number >= 0"),
        ({"seed": -3}, ValueError, "seed must be an integer >= 0"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(kwargs, error, match):
    model, _ = _linear(normalize=models.Normalize((0.5,) * 3, (0.2,) * 3))
    arguments = {"target": 0, "image_shape": SHAPE, "n_steps": 2} | kwargs
    target = arguments.pop("target")
    with pytest.raises(error, match=match):
        classvis.visualize_class(model, target, **arguments)


def test_model_must_be_a_module():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        classvis.visualize_class(lambda x: x, 0)


def test_plot_curves_and_the_explorer_redraw_one_figure(shapes_cnn):
    ax = viz.plot_curves({"S_c": [0.0, 1.0, 1.5], "objective": [0.0, 0.9]}, title="ascent")
    assert ax.get_title() == "ascent" and len(ax.lines) == 2 and ax.get_xlabel() == "step"
    explorer = widgets.class_visualization_explorer(shapes_cnn, target=5, n_steps=3)
    figure = explorer.figure
    assert figure.axes[0].get_title().startswith("ring, λ = 0.01")
    explorer.children[1].value = 0.1  # the λ slider
    assert explorer.figure is figure and figure.axes[0].get_title().startswith("ring, λ = 0.1")
    assert len(figure.axes[0].images) == 1
    plt.close("all")


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def _linear_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 3))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_steps": 10**9}, ValueError, "n_steps must be an integer >= 1 and <= 100000"),
        ({"jitter": 5}, ValueError, "jitter must be an integer >= 0 and <= 4"),
        ({"blur_sigma": 100.0}, ValueError, "blur_sigma must be at most the image side 4"),
        ({"image_shape": (3, 10**5, 10**5)}, ValueError, "image_shape must have at most"),
        ({"target": 2**70}, ValueError, "target must be an integer >= 0 and <= "),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
    ],
)
def test_visualize_class_bounds(kwargs, error, match):
    arguments = {"target": 0, "n_steps": 1, "image_shape": (3, 4, 4), **kwargs}
    with pytest.raises(error, match=match):
        classvis.visualize_class(_linear_model(), **arguments)


def test_input_normalization_bounds_channels():
    with pytest.raises(ValueError, match="channels must be an integer >= 1 and <= 4096"):
        classvis.input_normalization(_linear_model(), channels=10**9)
