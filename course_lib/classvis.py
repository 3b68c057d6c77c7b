"""Class-model visualisation: the image a network scores highest for a class.

Used in notebook 06 (§7).  Simonyan, Vedaldi & Zisserman (2013), §2, look
for the L2-regularised image that maximises the pre-softmax score of a class,

.. math:: I^* = \\arg\\max_I \\; S_c(I) - \\lambda \\lVert I \\rVert_2^2 ,

by gradient ascent from the zero image, with the network's weights frozen;
the training-set mean image is added to the result for display.

**The space the image lives in.**  The paper's network was trained on
zero-centred images (the mean image subtracted), so its "zero image" is the
mean image and ‖I‖² measures the distance from it.  Course models take
images in [0, 1] and standardise them in their first module
(:class:`course_lib.models.Normalize`, ``z = (x - mean) / std``).  We
optimise that standardised input ``z``, the one the first convolution sees:

* the zero image ``z = 0`` is the dataset mean, as in the paper, not black
  (the zero of [0, 1] space, an image the network never saw);
* ‖z‖² measures the distance from the mean in units of the training data's
  spread, the same in every channel;
* the score is evaluated as ``S_c(mean + std * z)`` through the whole model,
  so nothing has to reach inside it; the chain rule gives
  ``∂S_c/∂z = std · ∂S_c/∂x``.

At the end the mean is added back, ``x = mean + std * z``, and clipped to
[0, 1] for display.  A model without a ``normalize`` module is optimised in
its own input space (mean 0, std 1), which is how the linear-model oracle
``I* = w / (2λ)`` is tested.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from course_lib._validation import MAX_IMAGE_PIXELS, MAX_ITERATIONS, check_count, check_positive, check_seed
from course_lib._attribution import gaussian_blur2d, score_gradient


@dataclass(frozen=True)
class ClassVisualization:
    """The result of :func:`visualize_class`.

    With an int ``target`` the arrays have no batch axis; with a sequence of
    B targets each gains a leading axis of length B (scores a trailing one).

    Attributes
    ----------
    image : ndarray of float32, shape (H, W, C) or (B, H, W, C)
        ``mean + std * z`` clipped to [0, 1]: the paper's display, the
        optimum with the dataset mean added back.
    stretched : ndarray of float32, shape (H, W, C) or (B, H, W, C)
        ``0.5 + 0.5 * z / max|z|`` per image: the deviation from the mean
        stretched to fill [0, 1], for faint optima (large λ).  Grey (0.5)
        where ``z`` is all zero.
    normalized_image : ndarray of float32, shape (C, H, W) or (B, C, H, W)
        The optimum ``z`` itself, in the model's standardised input space.
    scores : ndarray of float64, shape (n_steps + 1,) or (n_steps + 1, B)
        S_c at every step: entry k is the score of the (jittered) input at
        step k, the last one the score of the final ``z``, unjittered.
    objective : ndarray of float64, same shape as ``scores``
        ``scores - lam * ||z_k||²``, the quantity being maximised.
    target : tuple of int
        The class of each image.
    lam : float
        The regularisation weight λ used.
    """

    image: npt.NDArray[np.float32]
    stretched: npt.NDArray[np.float32]
    normalized_image: npt.NDArray[np.float32]
    scores: npt.NDArray[np.float64]
    objective: npt.NDArray[np.float64]
    target: tuple[int, ...]
    lam: float


def input_normalization(model: nn.Module, *, channels: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """The per-channel ``(mean, std)`` a model standardises its input with.

    Course models (:func:`course_lib.models.load_model`) hold them in their
    first module, ``model.normalize`` (buffers ``mean`` and ``std`` of shape
    (1, C, 1, 1)).  A model without one gets mean 0 and std 1.

    Parameters
    ----------
    model : torch.nn.Module
    channels : int
        Number of input channels, for the default (>= 1).

    Returns
    -------
    (torch.Tensor, torch.Tensor)
        ``mean`` and ``std``, float32, shape (1, C, 1, 1), detached copies.

    Examples
    --------
    >>> mean, std = input_normalization(nn.Linear(2, 2), channels=1)
    >>> mean.flatten().tolist(), std.flatten().tolist()
    ([0.0], [1.0])
    """
    channels = check_count(channels, name="channels", minimum=1, maximum=4096)
    normalize = getattr(model, "normalize", None)
    mean = getattr(normalize, "mean", None)
    std = getattr(normalize, "std", None)
    if isinstance(mean, torch.Tensor) and isinstance(std, torch.Tensor):
        shape = (1, -1, 1, 1)
        return (mean.detach().float().reshape(shape).clone(), std.detach().float().reshape(shape).clone())
    return torch.zeros(1, channels, 1, 1), torch.ones(1, channels, 1, 1)


def _gaussian_blur(z: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (B, C, H, W), radius ⌈3σ⌉, reflected borders."""
    return gaussian_blur2d(z, sigma, radius=max(1, int(np.ceil(3 * sigma))), border_type="reflect")


def _check_targets(target: object) -> list[int]:
    if isinstance(target, (bool, np.bool_)):
        raise TypeError(f"target must be an int or a sequence of ints, got {target!r}")
    if isinstance(target, (int, np.integer)):
        return [check_count(target, name="target", maximum=2**62)]
    if isinstance(target, (list, tuple, np.ndarray, torch.Tensor)):
        values = list(np.asarray(target.detach().cpu() if isinstance(target, torch.Tensor) else target).reshape(-1))
        if not values:
            raise ValueError("target must name at least one class, got an empty sequence")
        if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) for v in values):
            raise TypeError(f"target must hold integers, got {list(values)}")
        return [check_count(v, name="target", maximum=2**62) for v in values]
    raise TypeError(f"target must be an int or a sequence of ints, got {type(target).__name__}")


def visualize_class(
    model: nn.Module,
    target: int | Sequence[int],
    *,
    lam: float = 0.01,
    n_steps: int = 200,
    step_size: float = 1.0,
    image_shape: tuple[int, int, int] = (3, 64, 64),
    jitter: int = 0,
    blur_sigma: float = 0.0,
    seed: int = 0,
) -> ClassVisualization:
    """Class-model visualisation by gradient ascent on the regularised score.

    .. math::

        z^* = \\arg\\max_z \\; S_c(\\mu + \\sigma z) - \\lambda \\lVert z \\rVert_2^2,
        \\qquad
        z_{k+1} = z_k + \\eta \\left( \\nabla_z S_c - 2 \\lambda z_k \\right),
        \\quad z_0 = 0

    Simonyan, Vedaldi & Zisserman (2013), §2, eq. 1 (written there for the
    zero-centred image I); the result shown is :math:`\\mu + \\sigma z^*`,
    the mean added back.  For a linear score :math:`S = w^T z + b` the
    optimum is :math:`z^* = w / (2 \\lambda)`.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier of (B, C, H, W) images returning pre-softmax scores
        (B, K).  Its weights are not changed; it runs in eval mode and its
        mode is restored.
    target : int or sequence of int
        Class c to visualise; a sequence visualises several classes in one
        batch (one image each).
    lam : float
        λ > 0, the weight of the L2 penalty, in the standardised space.
    n_steps : int
        Number of ascent steps (>= 1).
    step_size : float
        η > 0.  The penalty alone contracts z by (1 - 2λη) per step, so
        λη must be < 1 for the ascent to converge.
    image_shape : (C, H, W)
        Shape of the image to optimise (the course model takes (3, 64, 64)).
    jitter : int
        Largest random shift, in pixels, applied (circularly) before each
        gradient evaluation and undone after; 0 (default, the paper) for none.
    blur_sigma : float
        σ in pixels of a Gaussian blur applied to z after every step; 0
        (default, the paper) for none.
    seed : int
        Seed of the jitter shifts (>= 0).

    Returns
    -------
    ClassVisualization
        ``image`` (H, W, C) in [0, 1], ``stretched``, ``normalized_image``,
        the score trajectory ``scores`` (n_steps + 1,) and ``objective``;
        with a sequence of targets each array has a batch axis.

    Raises
    ------
    TypeError
        If ``model`` is not a module or ``target`` not integer.
    ValueError
        If a target is out of range, ``lam``, ``step_size`` or ``n_steps``
        is not positive, ``lam * step_size >= 1``, ``image_shape`` is not
        three positive sizes, or ``jitter``/``blur_sigma`` is negative.

    Notes
    -----
    * Space: the ascent runs on the model's standardised input
      ``z = (x - mean) / std`` (see the module docstring), whose zero is the
      dataset mean, as the paper's zero-centred I.  The paper's network
      only subtracted the mean; dividing by the std (≈ 0.17 in every channel
      for the course model) rescales its λ: λ_z = λ_I · std².
    * The paper adds the mean *image*; course models store a per-channel
      mean colour.  Objects lie anywhere in the course images, so the mean
      image is nearly that constant colour.
    * The paper gives neither λ, η nor the number of steps; the defaults
      here (λ = 0.01, η = 1, 200 steps of plain gradient ascent) give
      recognisable patterns for the course model.
    * Jitter and blur are the regularisers of later work (Mordvintsev et
      al. 2015; Yosinski et al. 2015), off by default.  With them the
      iteration no longer converges to the plain optimum.
    * Convention: blur radius ⌈3σ⌉ with reflected borders; jitter shifts
      are uniform integers in [-jitter, jitter] on each axis, wrapped
      around (``torch.roll``).

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps",
    ICLR workshop 2014, arXiv:1312.6034.
    J. Yosinski, J. Clune, A. Nguyen, T. Fuchs, H. Lipson, "Understanding
    Neural Networks Through Deep Visualization", ICML workshop 2015,
    arXiv:1506.06579.
    A. Mordvintsev, C. Olah, M. Tyka, "Inceptionism: Going Deeper into
    Neural Networks", Google Research blog, June 2015.

    Examples
    --------
    For a linear score the ascent converges to w / (2λ):

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, -2.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    >>> result = visualize_class(model, 0, lam=0.25, n_steps=60, image_shape=(1, 2, 2))
    >>> result.normalized_image.flatten().tolist()  # w / (2 * 0.25)
    [2.0, -4.0, 1.0, 0.0]
    >>> result.image.shape, result.scores.shape
    ((2, 2, 1), (61,))
    """
    targets = _check_targets(target)
    lam = check_positive(lam, name="lam")
    step_size = check_positive(step_size, name="step_size")
    if lam * step_size >= 1:
        raise ValueError(
            f"lam * step_size must be < 1 for the ascent to converge, got {lam!r} * {step_size!r}; "
            "lower the step size"
        )
    n_steps = check_count(n_steps, name="n_steps", minimum=1, maximum=MAX_ITERATIONS)
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in image_shape)
    ):
        raise ValueError(f"image_shape must be three positive ints (C, H, W), got {image_shape!r}")
    if len(targets) * math.prod(int(s) for s in image_shape) > MAX_IMAGE_PIXELS:
        raise ValueError(f"image_shape must have at most {MAX_IMAGE_PIXELS} values per class, got {image_shape!r}")
    jitter = check_count(jitter, name="jitter", maximum=max(int(s) for s in image_shape[1:]))
    blur_sigma = check_positive(blur_sigma, name="blur_sigma", allow_zero=True)
    if blur_sigma > max(int(s) for s in image_shape[1:]):
        raise ValueError(f"blur_sigma must be at most the image side {max(image_shape[1:])}, got {blur_sigma!r}")
    seed = check_seed(seed)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")

    channels, height, width = (int(s) for s in image_shape)
    mean, std = input_normalization(model, channels=channels)  # (1, C, 1, 1) each
    if mean.shape[1] != channels:
        raise ValueError(
            f"image_shape has {channels} channels but the model normalises {mean.shape[1]}, got {image_shape!r}"
        )
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    mean, std = mean.to(device), std.to(device)
    rng = np.random.default_rng(seed)

    z = torch.zeros(len(targets), channels, height, width, device=device)  # (B, C, H, W): the zero image
    classes = torch.tensor(targets, dtype=torch.long)
    scores, objective = [], []
    with torch.inference_mode(False), torch.no_grad():
        for step in range(n_steps + 1):
            shift = (0, 0)
            if jitter and step < n_steps:
                shift = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
            shifted = torch.roll(z, shift, dims=(2, 3))  # (B, C, H, W)
            grad_x, score, _ = score_gradient(model, mean + std * shifted, classes)
            scores.append(score.double().cpu())
            objective.append(score.double().cpu() - lam * z.double().pow(2).sum(dim=(1, 2, 3)).cpu())
            if step == n_steps:
                break
            grad_z = torch.roll(std * grad_x, (-shift[0], -shift[1]), dims=(2, 3))  # chain rule: x = μ + σz
            z = z + step_size * (grad_z - 2 * lam * z)  # ascent on S_c − λ‖z‖² (eq. 1)
            if blur_sigma > 0:
                z = _gaussian_blur(z, blur_sigma)

    z_np = z.cpu().numpy().astype(np.float32)  # (B, C, H, W)
    image = np.clip((mean + std * z).cpu().numpy(), 0.0, 1.0).astype(np.float32)  # the mean added back
    peak = np.abs(z_np).max(axis=(1, 2, 3), keepdims=True)
    stretched = (0.5 + 0.5 * z_np / np.where(peak > 0, peak, 1.0)).astype(np.float32)
    image, stretched = image.transpose(0, 2, 3, 1), stretched.transpose(0, 2, 3, 1)  # -> (B, H, W, C)
    score_array = torch.stack(scores).numpy()  # (n_steps + 1, B)
    objective_array = torch.stack(objective).numpy()
    if isinstance(target, (int, np.integer)):
        image, stretched, z_np = image[0], stretched[0], z_np[0]
        score_array, objective_array = score_array[:, 0], objective_array[:, 0]
    return ClassVisualization(
        image=np.ascontiguousarray(image),
        stretched=np.ascontiguousarray(stretched),
        normalized_image=z_np,
        scores=score_array,
        objective=objective_array,
        target=tuple(targets),
        lam=lam,
    )
