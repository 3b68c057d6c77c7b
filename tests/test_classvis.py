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
# visualize_class_in_range: the CS231n-style ascent in [0, 1], clamped
# --------------------------------------------------------------------------
@pytest.mark.parametrize("lam", [0.25, 1.0])
def test_clamped_ascent_on_a_linear_score_reaches_the_clipped_optimum(lam):
    # Oracle: S = w·I + b, penalty λ‖I − μ‖² with μ = 0 (no normalize module); the
    # objective is separable, so the box-constrained optimum is clip(w / (2λ), 0, 1).
    model, weight = _linear()
    result = classvis.visualize_class_in_range(model, 1, lam=lam, n_steps=400, step_size=0.2,
                                               image_shape=SHAPE, jitter=0)
    expected = np.clip((weight[1] / (2 * lam)).numpy(), 0, 1).transpose(1, 2, 0)
    np.testing.assert_allclose(result.image, expected, rtol=RTOL_F32, atol=1e-5)
    assert np.all(np.diff(result.objective) > -1e-6)  # projected ascent on a concave objective


def test_clamped_ascent_starts_at_the_mean_colour_and_stays_in_range(shapes_cnn):
    mean, _ = classvis.input_normalization(shapes_cnn)
    result = classvis.visualize_class_in_range(shapes_cnn, [3, 5], n_steps=20)
    start = torch.as_tensor(mean).expand(1, 3, 64, 64)
    with torch.no_grad():
        first = shapes_cnn(start)[0, [3, 5]].double().numpy()
    np.testing.assert_allclose(result.scores[0], first, rtol=1e-5, atol=1e-5)  # I_0 = μ
    assert result.image.shape == (2, 64, 64, 3) and result.image.dtype == np.float32
    assert result.image.min() >= 0.0 and result.image.max() <= 1.0
    assert np.all(result.scores[-1] > result.scores[0] + 3.0)  # the class score rises by a margin
    assert all(p.grad is None for p in shapes_cnn.parameters())


def test_clamped_ascent_larger_lambda_stays_nearer_the_mean(shapes_cnn):
    mean = classvis.input_normalization(shapes_cnn)[0].numpy().reshape(1, 1, 3)
    distance = {lam: float(np.linalg.norm(classvis.visualize_class_in_range(shapes_cnn, 3, lam=lam, n_steps=20).image - mean))
                for lam in (0.01, 10.0)}
    assert distance[10.0] < 0.7 * distance[0.01]


def test_clamped_ascent_defaults_and_bad_arguments():
    defaults = {k: p.default for k, p in inspect.signature(classvis.visualize_class_in_range).parameters.items()}
    assert (defaults["lam"], defaults["n_steps"], defaults["step_size"], defaults["jitter"]) == (0.05, 40, 0.01, 1)
    assert defaults["blur_sigma"] == 0.0
    model, _ = _linear()
    with pytest.raises(ValueError, match=r"2 \* lam \* step_size must be < 1"):
        classvis.visualize_class_in_range(model, 0, lam=5.0, step_size=0.1, image_shape=SHAPE)
    with pytest.raises(ValueError, match="image_shape must be three positive ints"):
        classvis.visualize_class_in_range(model, 0, image_shape=(4, 5))
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        classvis.visualize_class_in_range(lambda x: x, 0)


# --------------------------------------------------------------------------
# fooling_image
# --------------------------------------------------------------------------
def _one_pixel_model() -> nn.Module:
    model = nn.Sequential(nn.Flatten(), nn.Linear(1, 2))
    with torch.no_grad():  # S_0 = 0, S_1 = 2x − 1: class 1 wins once x > 0.5
        model[1].weight.copy_(torch.tensor([[0.0], [2.0]]))
        model[1].bias.copy_(torch.tensor([0.0, -1.0]))
    return model


def test_fooling_a_linear_model_takes_the_predicted_number_of_steps():
    # Oracle: the normalised gradient of S_1 is +1, so from x = 0.2 steps of 0.1 reach
    # 0.3, 0.4, 0.5 (a tie: argmax keeps class 0), 0.6: four steps, perturbation 0.4.
    original = torch.full((1, 1, 1, 1), 0.2)
    result = classvis.fooling_image(_one_pixel_model(), original, 1, step_size=0.1)
    assert (result.original_class, result.predicted, result.fooled, result.n_steps) == (0, 1, True, 4)
    assert result.norm == pytest.approx(0.4, abs=1e-6) and result.max_change == pytest.approx(0.4, abs=1e-6)
    assert original.item() == pytest.approx(0.2)  # the input is not modified
    torch.testing.assert_close(result.perturbation, result.image - original)


def test_fooling_stops_at_the_box_and_reports_failure():
    # S_1 needs x > 0.5, but from 0.2 with steps of 0.1 and at most 2 steps it cannot get there
    result = classvis.fooling_image(_one_pixel_model(), torch.full((1, 1, 1, 1), 0.2), 1, max_steps=2)
    assert not result.fooled and result.n_steps == 2 and result.predicted == 0
    # class 1 → 0: S_0 has a zero gradient, so there is no direction to move in
    flat = classvis.fooling_image(_one_pixel_model(), torch.full((1, 1, 1, 1), 0.95), 0, step_size=0.5)
    assert flat.original_class == 1 and not flat.fooled and flat.n_steps == 0 and flat.norm == 0.0
    # a step that would leave [0, 1] is clamped back into the box
    boxed = classvis.fooling_image(_one_pixel_model(), torch.full((1, 1, 1, 1), 0.2), 1, step_size=5.0)
    assert boxed.fooled and boxed.n_steps == 1 and boxed.image.item() == 1.0


def test_fooling_with_an_linf_bound_never_moves_a_value_further_than_the_bound(shapes_cnn):
    # one pixel: class 1 needs x > 0.5; within 0.2 of 0.2 it cannot get there, and says so
    bounded = classvis.fooling_image(_one_pixel_model(), torch.full((1, 1, 1, 1), 0.2), 1, max_change=0.2, max_steps=10)
    assert not bounded.fooled and bounded.n_steps == 10 and bounded.image.item() == pytest.approx(0.4)
    assert classvis.fooling_image(_one_pixel_model(), torch.full((1, 1, 1, 1), 0.2), 1, max_change=0.4).fooled
    x = images_to_tensor_first_shapes()
    result = classvis.fooling_image(shapes_cnn, x, 4, step_size=0.5, max_change=4 / 255, max_steps=100)
    assert result.max_change <= 4 / 255 + 1e-7
    assert float((result.image - x).abs().max()) <= 4 / 255 + 1e-7 and 0 <= float(result.image.min())
    with pytest.raises(ValueError, match="max_change"):
        classvis.fooling_image(shapes_cnn, x, 4, max_change=0.0)


def images_to_tensor_first_shapes() -> torch.Tensor:
    from course_lib import datasets, images

    return images.to_tensor(datasets.make_batch(1, seed=5).images)


@pytest.mark.parametrize(("index", "target"), [(0, 4), (1, 9), (3, 0)])
def test_fooling_the_shipped_cnn_flips_the_prediction_with_a_small_change(shapes_cnn, index, target):
    from course_lib import datasets, images

    batch = datasets.make_split(4, split="test")
    x = images.to_tensor(batch.images[index : index + 1])
    before = x.clone()
    result = classvis.fooling_image(shapes_cnn, x, target)
    assert result.fooled and result.original_class == int(batch.labels[index])
    with torch.no_grad():
        assert int(shapes_cnn(result.image).argmax(1)) == target  # the prediction really flips
    assert result.image.min() >= 0 and result.image.max() <= 1
    assert 0 < result.norm <= result.n_steps * 0.1 + 1e-5  # each step has L2 length ≤ η
    assert result.max_change < 0.25 and result.norm < 0.02 * float(x.norm())  # small next to the image
    torch.testing.assert_close(x, before)


def test_an_image_already_of_the_target_class_is_returned_unchanged(shapes_cnn):
    from course_lib import datasets, images

    batch = datasets.make_split(1, split="test")
    x = images.to_tensor(batch.images)
    result = classvis.fooling_image(shapes_cnn, x, int(batch.labels[0]))
    assert result.n_steps == 0 and result.norm == 0.0 and result.fooled
    torch.testing.assert_close(result.image, x)


@pytest.mark.parametrize(
    ("image", "target", "kwargs", "error", "match"),
    [
        (np.zeros((1, 1, 1, 1)), 0, {}, TypeError, "image must be a floating-point torch.Tensor"),
        (torch.zeros(2, 1, 1, 1), 0, {}, ValueError, r"image must have shape \(1, C, H, W\)"),
        (torch.full((1, 1, 1, 1), 2.0), 0, {}, ValueError, r"values in \[0, 1\]"),
        (torch.zeros(1, 1, 1, 1), 1.0, {}, TypeError, "target must be an int"),
        (torch.zeros(1, 1, 1, 1), 2, {}, ValueError, r"target must be a class index in \[0, 2\)"),
        (torch.zeros(1, 1, 1, 1), 1, {"step_size": 0.0}, ValueError, "step_size must be a finite number > 0"),
        (torch.zeros(1, 1, 1, 1), 1, {"max_steps": 0}, ValueError, "max_steps must be an integer >= 1"),
    ],
)
def test_fooling_image_refuses_bad_arguments(image, target, kwargs, error, match):
    with pytest.raises(error, match=match):
        classvis.fooling_image(_one_pixel_model(), image, target, **kwargs)


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


def test_regularized_ascent_takes_steps_of_length_eta_and_stays_an_image():
    """With no clamp active, no jitter and no blur, every step moves z by exactly η (CS231n's normalised step)."""
    linear = nn.Linear(4, 2)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, -2.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]))
        linear.bias.zero_()
    # std 0.01: the box [0, 1] is z ∈ [-50, 50], so the clamp never acts on the N(0, 1) start
    wide = nn.Sequential(OrderedDict(normalize=models.Normalize((0.5,), (0.01,)), flatten=nn.Flatten(), linear=linear))
    settings = dict(lam=1e-3, image_shape=(1, 2, 2), max_jitter=0, blur_sigma=0.0, seed=3)
    one = classvis.visualize_class_regularized(wide, 0, n_steps=1, step_size=0.5, **settings)
    start = classvis.visualize_class_regularized(wide, 0, n_steps=1, step_size=1e-9, **settings)
    assert np.linalg.norm(one.normalized_image - start.normalized_image) == pytest.approx(0.5, rel=1e-4)
    # in [0, 1] space (mean 0, std 1) the box binds: the optimum of w·x is 1 where w > 0, 0 where w < 0
    narrow = nn.Sequential(nn.Flatten(), linear)
    long = classvis.visualize_class_regularized(narrow, 0, n_steps=200, step_size=0.1, image_shape=(1, 2, 2),
                                                max_jitter=0, blur_sigma=0.0)
    np.testing.assert_allclose(long.image.flatten()[[0, 1, 2]], [1.0, 0.0, 1.0], atol=0.06)


def test_regularized_ascent_is_seeded_raises_the_score_of_the_shapes_cnn_and_refuses_bad_arguments(shapes_cnn):
    kwargs = dict(n_steps=25, step_size=2.0, image_shape=(3, 64, 64), max_jitter=4, blur_every=5)
    first = classvis.visualize_class_regularized(shapes_cnn, [1, 4], seed=7, **kwargs)
    again = classvis.visualize_class_regularized(shapes_cnn, [1, 4], seed=7, **kwargs)
    other = classvis.visualize_class_regularized(shapes_cnn, [1, 4], seed=8, **kwargs)
    np.testing.assert_array_equal(first.image, again.image)
    assert not np.array_equal(first.image, other.image)
    assert first.image.shape == (2, 64, 64, 3) and 0.0 <= first.image.min() and first.image.max() <= 1.0
    assert np.all(first.scores[-1] > first.scores[0] + 1)  # from noise towards the class
    assert (models.predict(shapes_cnn, first.image) == np.array([1, 4])).all()
    with pytest.raises(ValueError, match="blur_every"):
        classvis.visualize_class_regularized(shapes_cnn, 1, blur_every=0, image_shape=(3, 64, 64))
    with pytest.raises(ValueError, match="step_size"):
        classvis.visualize_class_regularized(shapes_cnn, 1, step_size=0.0, image_shape=(3, 64, 64))
    with pytest.raises(ValueError, match="jitter"):
        classvis.visualize_class_regularized(shapes_cnn, 1, max_jitter=65, image_shape=(3, 64, 64))
