"""Class-model visualisation and fooling images: what a network scores highest for a class.

Used in notebook 06 (§7 :func:`visualize_class`, §7.1 :func:`visualize_class_in_range`,
§8 :func:`fooling_image`; exercises 2–4).  Simonyan, Vedaldi & Zisserman (2013), §2, look
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

**Two variants in the image's own space**, as Stanford CS231n's assignment 3
("Network Visualization") runs them: :func:`visualize_class_in_range`
ascends on the [0, 1] image and clamps it after every step (with jitter), and
:func:`fooling_image` ascends on another class's score from a real image, in
steps of fixed L2 length, until the prediction flips (Szegedy et al. 2014).
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
from course_lib._attribution import check_scores, eval_mode, forward, gaussian_blur2d, score_gradient


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


def _ascent_setup(model: nn.Module, target: int | Sequence[int], *, lam: float, step_size: float, n_steps: int,
                  image_shape: tuple[int, int, int], jitter: int, blur_sigma: float, seed: int,
                  curvature: float) -> tuple:
    """Checked arguments of a class-model ascent, the model's input normalisation, device and generator.

    ``curvature`` is the factor of λ in the objective's second derivative
    (1 for the score-space ascent, 2 for the ascent in [0, 1]): the step is
    refused when ``curvature * lam * step_size >= 1``, where gradient ascent
    on the L2 penalty alone would overshoot.
    """
    targets = _check_targets(target)
    lam = check_positive(lam, name="lam")
    step_size = check_positive(step_size, name="step_size")
    if curvature * lam * step_size >= 1:
        factor = "" if curvature == 1 else f"{curvature:g} * "
        raise ValueError(
            f"{factor}lam * step_size must be < 1 for the ascent to converge, got {factor}{lam!r} * {step_size!r}; "
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
    if 0 < blur_sigma < 0.01:
        raise ValueError(f"blur_sigma must be 0 (no blur) or at least 0.01 pixels, got {blur_sigma!r}")
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
    return targets, lam, step_size, n_steps, jitter, (channels, height, width), mean, std, device, rng


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
    targets, lam, step_size, n_steps, jitter, (channels, height, width), mean, std, device, rng = _ascent_setup(
        model, target, lam=lam, step_size=step_size, n_steps=n_steps, image_shape=image_shape, jitter=jitter,
        blur_sigma=blur_sigma, seed=seed, curvature=1.0)

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

    return _visualization(mean + std * z, z, scores, objective, target, targets, lam)  # the mean added back


def visualize_class_in_range(
    model: nn.Module,
    target: int | Sequence[int],
    *,
    lam: float = 0.05,
    n_steps: int = 40,
    step_size: float = 0.01,
    image_shape: tuple[int, int, int] = (3, 64, 64),
    jitter: int = 1,
    blur_sigma: float = 0.0,
    seed: int = 0,
) -> ClassVisualization:
    """Class-model visualisation in the image's own space, clamped to [0, 1].

    .. math::

        I^* = \\arg\\max_{I \\in [0, 1]^n} \\; S_c(I) - \\lambda \\lVert I - \\mu \\rVert_2^2,
        \\qquad
        I_{k+1} = \\operatorname{clip}_{[0, 1]}\\!\\left(
            I_k + \\eta \\left( \\nabla_I S_c - 2 \\lambda (I_k - \\mu) \\right) \\right),
        \\quad I_0 = \\mu

    Simonyan, Vedaldi & Zisserman (2013), §2, eq. 1, as CS231n's assignment 3
    ("class visualization") runs it: projected gradient ascent on the image,
    with a random jitter before each gradient and the image clamped to the
    valid range after each step.  ``μ`` is the model's per-channel mean
    colour (:func:`input_normalization`); the ascent starts there, so the
    penalty measures the distance from the image the network finds most
    ordinary.  Notebook 06 (§7, exercise 3).

    Parameters
    ----------
    model : torch.nn.Module
        Classifier of (B, C, H, W) images in [0, 1] returning pre-softmax
        scores (B, K).  Its weights are not changed.
    target : int or sequence of int
        Class c; a sequence visualises several classes in one batch.
    lam : float
        λ > 0, the weight of the L2 penalty, in [0, 1] image units.
    n_steps : int
        Number of ascent steps (>= 1).
    step_size : float
        η > 0; ``2 * lam * step_size`` must be < 1.
    image_shape : (C, H, W)
        Shape of the image to optimise.
    jitter : int
        Largest random circular shift, in pixels, before each gradient
        (undone after); 0 for none.
    blur_sigma : float
        σ in pixels of a Gaussian blur of ``I - μ`` after every step; 0 for
        none.
    seed : int
        Seed of the jitter shifts (>= 0).

    Returns
    -------
    ClassVisualization
        ``image`` is the optimum itself, (H, W, C) in [0, 1];
        ``normalized_image`` is ``(I - μ) / σ``; ``stretched`` that deviation
        stretched as in :func:`visualize_class`; ``scores`` (n_steps + 1,)
        holds S_c of the unjittered image before each step and at the end;
        ``objective`` is ``scores - lam * ||I - μ||²``.

    Raises
    ------
    TypeError, ValueError
        As :func:`visualize_class`, and if ``2 * lam * step_size >= 1``.

    Notes
    -----
    * Differences from :func:`visualize_class` (the paper's ascent): the
      image lives in [0, 1] and is clamped after every step, so every
      iterate is an image the camera could have taken; the penalty is in
      image units, not in units of the data's spread; jitter is on by
      default (1 px) and the score is recorded on the unjittered image.
    * The clamp is a projection onto the box [0, 1]^n: the iteration is
      projected gradient ascent.  With clamping the linear-score optimum is
      ``clip(μ + w / (2λ), 0, 1)``, the box's point closest to the free one.
    * Convention: as :func:`visualize_class` (jitter shifts uniform in
      [-jitter, jitter], wrapped; blur radius ⌈3σ⌉, reflected borders).

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps",
    ICLR workshop 2014, arXiv:1312.6034.
    Stanford CS231n, assignment 3, "Network Visualization" (class
    visualization with L2 regularisation, jitter, blur and clamping).

    Examples
    --------
    A linear score: the clamped ascent reaches clip(μ + w / (2λ), 0, 1).

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, -2.0, 0.05, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    >>> result = visualize_class_in_range(model, 0, lam=1.0, n_steps=200, step_size=0.2,
    ...                                   image_shape=(1, 2, 2), jitter=0)
    >>> [round(float(v), 3) for v in result.image.flatten()]  # μ = 0 here: clip(w / 2, 0, 1)
    [0.5, 0.0, 0.025, 0.0]
    """
    targets, lam, step_size, n_steps, jitter, (channels, height, width), mean, std, device, rng = _ascent_setup(
        model, target, lam=lam, step_size=step_size, n_steps=n_steps, image_shape=image_shape, jitter=jitter,
        blur_sigma=blur_sigma, seed=seed, curvature=2.0)

    image = mean.expand(len(targets), channels, height, width).clone()  # (B, C, H, W): I_0 = μ
    classes = torch.tensor(targets, dtype=torch.long)
    scores, objective = [], []
    with torch.inference_mode(False), torch.no_grad():
        for step in range(n_steps + 1):
            shift = (0, 0)
            if jitter and step < n_steps:
                shift = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
            score = _unjittered_scores(model, image, classes)  # (B,): S_c of the image itself
            distance = (image - mean).double().pow(2).sum(dim=(1, 2, 3)).cpu()  # ‖I − μ‖² per image
            scores.append(score.double().cpu())
            objective.append(score.double().cpu() - lam * distance)
            if step == n_steps:
                break
            grad, _, _ = score_gradient(model, torch.roll(image, shift, dims=(2, 3)), classes)  # jittered
            grad = torch.roll(grad, (-shift[0], -shift[1]), dims=(2, 3))  # back to the image's frame
            image = image + step_size * (grad - 2 * lam * (image - mean))  # ascent on S_c − λ‖I − μ‖²
            if blur_sigma > 0:
                image = mean + _gaussian_blur(image - mean, blur_sigma)
            image = image.clamp(0.0, 1.0)  # projection onto the valid images

    return _visualization(image, (image - mean) / std, scores, objective, target, targets, lam)


def visualize_class_regularized(
    model: nn.Module,
    target: int | Sequence[int],
    *,
    lam: float = 1e-3,
    n_steps: int = 100,
    step_size: float = 25.0,
    image_shape: tuple[int, int, int] = (3, 224, 224),
    max_jitter: int = 16,
    blur_every: int = 10,
    blur_sigma: float = 0.5,
    seed: int = 0,
) -> ClassVisualization:
    r"""Class-model visualisation from random noise, as CS231n's assignment runs it on ImageNet networks.

    .. math::

        z_{k+1} = \operatorname{clip}\!\left( z_k + \eta \,
            \frac{g_k}{\lVert g_k \rVert_2} \right),
        \qquad g_k = \nabla_z S_c(\mu + \sigma z_k) - 2 \lambda z_k ,
        \qquad z_0 \sim \mathcal{N}(0, 1)

    The objective is the paper's, :math:`S_c - \lambda \lVert z \rVert_2^2`
    (Simonyan, Vedaldi & Zisserman 2013, §2, eq. 1), in the model's
    standardised input ``z = (x - μ) / σ``; what differs is the recipe that
    makes the optimum of a large network look like something (Stanford
    CS231n, assignment 3, "class visualization"): the ascent starts from
    Gaussian noise, each gradient is taken at a copy shifted by up to
    ``max_jitter`` pixels (circularly, and shifted back), each step has the
    fixed length η in the direction of the gradient, after each step ``z`` is
    clamped so that ``μ + σ z`` stays in [0, 1], and every ``blur_every``
    steps it is blurred with a Gaussian of σ = ``blur_sigma`` pixels.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier of (B, C, H, W) images in [0, 1] returning pre-softmax
        scores (B, K), with its input normalisation inside (as
        :func:`course_lib.models.load_model` returns them).  Not changed.
    target : int or sequence of int
        Class c; a sequence visualises several classes in one batch.
    lam : float
        λ > 0, the weight of the L2 penalty in the standardised space.
    n_steps : int
        Number of ascent steps (>= 1).
    step_size : float
        η > 0, the L2 length of every step in the standardised space.
    image_shape : (C, H, W)
        Shape of the image to optimise.
    max_jitter : int
        Largest shift in pixels on each axis before each gradient; 0 for none.
    blur_every : int
        Blur after every this many steps (>= 1).
    blur_sigma : float
        σ in pixels of that blur; 0 for none.
    seed : int
        Seed of the starting noise and the jitter shifts (>= 0).

    Returns
    -------
    ClassVisualization
        As :func:`visualize_class`: ``image`` is ``μ + σ z`` (it is already in
        [0, 1]), ``scores`` holds S_c of the jittered input at each step and,
        last, of the final image unjittered.

    Raises
    ------
    TypeError, ValueError
        As :func:`visualize_class`, and if ``blur_every`` is not a positive int.

    Notes
    -----
    * CS231n's settings for ImageNet networks at 224 px are the defaults:
      λ = 10⁻³, η = 25, 16 px of jitter, a blur of σ = 0.5 px every 10
      steps, 100 steps (their assignment allows more).
    * CS231n's class-visualisation code leaves the update itself to the
      student (its learning rate is 25); here it is a step of fixed length
      (the gradient divided by its norm), as in its fooling images, which
      makes η independent of the network's score scale.  The clamp replaces
      the paper's mean-image display, as every iterate is an image already.
    * CS231n blurs at steps 0, 10, 20, … (``t % 10 == 0``, before its
      update); here the blur follows steps ``blur_every``, 2 ``blur_every``, …
    * The shapes CNN of the course is better served by
      :func:`visualize_class_in_range` (64 px images: 16 px of jitter is a
      quarter of the image).

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps",
    ICLR workshop 2014, arXiv:1312.6034.
    Stanford CS231n, assignment 3, "Network Visualization" (class
    visualization from random noise with L2 regularisation, jitter, periodic
    blur and clamping).

    Examples
    --------
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    >>> result = visualize_class_regularized(model, [0, 2], n_steps=5, step_size=0.5,
    ...                                      image_shape=(1, 4, 4), max_jitter=0, blur_every=2)
    >>> result.image.shape, result.scores.shape, bool(result.scores[-1, 0] > result.scores[0, 0])
    ((2, 4, 4, 1), (6, 2), True)
    """
    targets, lam, step_size, n_steps, _, (channels, height, width), mean, std, device, rng = _ascent_setup(
        model, target, lam=lam, step_size=step_size, n_steps=n_steps, image_shape=image_shape, jitter=0,
        blur_sigma=blur_sigma, seed=seed, curvature=0.0)
    max_jitter = check_count(max_jitter, name="max_jitter", maximum=max(height, width))
    blur_every = check_count(blur_every, name="blur_every", minimum=1, maximum=MAX_ITERATIONS)

    low, high = (0.0 - mean) / std, (1.0 - mean) / std  # the z of black and white, per channel
    generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
    z = torch.randn(len(targets), channels, height, width, generator=generator).to(device)  # (B, C, H, W)
    z = torch.maximum(torch.minimum(z, high), low)
    classes = torch.tensor(targets, dtype=torch.long)
    scores, objective = [], []
    with torch.inference_mode(False), torch.no_grad():
        for step in range(n_steps):
            shift = tuple(int(s) for s in rng.integers(-max_jitter, max_jitter + 1, size=2)) if max_jitter else (0, 0)
            grad_x, score, _ = score_gradient(model, mean + std * torch.roll(z, shift, dims=(2, 3)), classes)
            scores.append(score.double().cpu())
            objective.append(score.double().cpu() - lam * z.double().pow(2).sum(dim=(1, 2, 3)).cpu())
            grad = torch.roll(std * grad_x, (-shift[0], -shift[1]), dims=(2, 3)) - 2 * lam * z  # ∇ of S_c − λ‖z‖²
            length = grad.flatten(1).norm(dim=1).clamp_min(torch.finfo(grad.dtype).tiny)[:, None, None, None]
            z = z + step_size * grad / length  # a step of length η, as CS231n's
            z = torch.maximum(torch.minimum(z, high), low)  # μ + σz stays an image in [0, 1]
            if blur_sigma > 0 and (step + 1) % blur_every == 0:
                z = _gaussian_blur(z, blur_sigma)
        final = _unjittered_scores(model, mean + std * z, classes)
        scores.append(final.double().cpu())
        objective.append(final.double().cpu() - lam * z.double().pow(2).sum(dim=(1, 2, 3)).cpu())

    return _visualization(mean + std * z, z, scores, objective, target, targets, lam)


def _visualization(image: torch.Tensor, z: torch.Tensor, scores: list[torch.Tensor], objective: list[torch.Tensor],
                   target: int | Sequence[int], targets: list[int], lam: float) -> ClassVisualization:
    """The result of an ascent: the final image (B, C, H, W), clipped to [0, 1] for display, its
    standardised ``z``, ``z`` stretched to fill [0, 1], and the per-step scores; an int ``target``
    drops the batch axis."""
    z_np = z.cpu().numpy().astype(np.float32)  # (B, C, H, W)
    shown = image.clamp(0.0, 1.0).cpu().numpy().astype(np.float32).transpose(0, 2, 3, 1)  # -> (B, H, W, C)
    peak = np.abs(z_np).max(axis=(1, 2, 3), keepdims=True)
    stretched = (0.5 + 0.5 * z_np / np.where(peak > 0, peak, 1.0)).astype(np.float32).transpose(0, 2, 3, 1)
    score_array = torch.stack(scores).numpy()  # (n_steps + 1, B)
    objective_array = torch.stack(objective).numpy()
    if isinstance(target, (int, np.integer)):
        shown, stretched, z_np = shown[0], stretched[0], z_np[0]
        score_array, objective_array = score_array[:, 0], objective_array[:, 0]
    return ClassVisualization(
        image=np.ascontiguousarray(shown),
        stretched=np.ascontiguousarray(stretched),
        normalized_image=z_np,
        scores=score_array,
        objective=objective_array,
        target=tuple(targets),
        lam=lam,
    )


def _unjittered_scores(model: nn.Module, image: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    """S_c of ``image`` (B, C, H, W) for each example's class, in eval mode, no gradient."""
    return _eval_scores(model, image).gather(1, classes[:, None].to(image.device)).squeeze(1)  # (B, K) -> (B,)


@dataclass(frozen=True)
class FoolingImage:
    """The result of :func:`fooling_image`.

    Attributes
    ----------
    image : torch.Tensor, shape (1, C, H, W)
        The changed image, in [0, 1], detached.
    perturbation : torch.Tensor, shape (1, C, H, W)
        ``image - original``.
    n_steps : int
        Number of gradient steps taken (0 if the model already predicted
        ``target``).
    norm : float
        ‖perturbation‖₂ over all pixels and channels.
    max_change : float
        ‖perturbation‖∞, the largest change of one pixel value.
    original_class : int
        The model's prediction for the original image.
    predicted : int
        The model's prediction for ``image``.
    fooled : bool
        ``predicted == target``.
    """

    image: torch.Tensor
    perturbation: torch.Tensor
    n_steps: int
    norm: float
    max_change: float
    original_class: int
    predicted: int
    fooled: bool


def fooling_image(
    model: nn.Module,
    image: torch.Tensor,
    target: int,
    *,
    step_size: float = 0.1,
    max_steps: int = 100,
    max_change: float | None = None,
) -> FoolingImage:
    """Change an image a little until the model predicts ``target``.

    .. math::

        I_{k+1} = \\operatorname{clip}_{[0, 1]}\\!\\left( I_k + \\eta
            \\frac{g_k}{\\lVert g_k \\rVert_2} \\right), \\qquad
        g_k = \\left. \\frac{\\partial S_t}{\\partial I} \\right|_{I_k},
        \\quad I_0 = I,

    stopping at the first :math:`I_k` whose top-1 class is :math:`t`.
    Gradient ascent on the target's pre-softmax score with steps of fixed
    L2 length η: the fooling images of Szegedy et al. (2014), in the simple
    form of Stanford CS231n's assignment 3 ("Network Visualization"), plus a
    clamp that keeps every iterate a valid image.  Notebook 06 (§8).

    Parameters
    ----------
    model : torch.nn.Module
        Classifier of (1, C, H, W) images in [0, 1] returning pre-softmax
        scores (1, K); run in eval mode, its weights are not changed.
    image : torch.Tensor, shape (1, C, H, W), floating point, in [0, 1]
        The image to change; it is not modified.
    target : int
        The class the model should predict, 0 <= target < K.
    step_size : float
        η > 0, the L2 length of each step (before the clamp).
    max_steps : int
        Largest number of steps (>= 1); the result says whether it was
        enough (``fooled``).
    max_change : float, optional
        The largest change allowed of any value (an L∞ bound on δ, e.g.
        ``2 / 255``, two grey levels): after each step δ is clipped to
        [-max_change, max_change].  None (default): no bound.

    Returns
    -------
    FoolingImage
        The image, the perturbation, its L2 and L∞ norms, the number of
        steps and the predictions before and after.

    Raises
    ------
    TypeError
        If ``model`` is not a module, ``image`` not a floating tensor or
        ``target`` not an int.
    ValueError
        If ``image`` is not (1, C, H, W), not finite or outside [0, 1],
        ``target`` is out of range, or ``step_size``/``max_steps``/
        ``max_change`` not positive.

    Notes
    -----
    * With ``max_change`` the iteration is projected gradient ascent on the
      L∞ ball around the image (Madry et al. 2018 project onto it the same
      way, with sign steps): the clip is the projection.  A bound of 2/255
      keeps every 8-bit value within two grey levels of the original, a
      change nobody sees.
    * The step is normalised (fixed L2 length), as in CS231n, so η sets the
      resolution of the search: the final norm is at most ``n_steps * η``
      and overshoots the smallest sufficient change by less than one step
      along the path.  Szegedy et al. instead minimise ``c‖r‖ + loss`` with
      box-constrained L-BFGS, which finds smaller perturbations, slower.
    * The score, not the softmax probability, is ascended: raising
      :math:`P_t` could also be done by lowering the other classes.

    References
    ----------
    C. Szegedy, W. Zaremba, I. Sutskever, J. Bruna, D. Erhan, I. Goodfellow,
    R. Fergus, "Intriguing properties of neural networks", ICLR 2014,
    arXiv:1312.6199.
    Stanford CS231n, assignment 3, "Network Visualization" (fooling images).
    A. Madry, A. Makelov, L. Schmidt, D. Tsipras, A. Vladu, "Towards Deep
    Learning Models Resistant to Adversarial Attacks", ICLR 2018,
    arXiv:1706.06083.

    Examples
    --------
    A linear two-class model of one pixel: class 1 wins once x > 0.5.

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(1, 2))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[0.0], [2.0]]))
    ...     _ = model[1].bias.copy_(torch.tensor([0.0, -1.0]))
    >>> result = fooling_image(model, torch.full((1, 1, 1, 1), 0.2), 1, step_size=0.1)
    >>> result.original_class, result.predicted, result.n_steps, round(result.norm, 3)
    (0, 1, 4, 0.4)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(image, torch.Tensor) or not image.is_floating_point():
        raise TypeError(f"image must be a floating-point torch.Tensor, got {type(image).__name__}")
    if image.ndim != 4 or image.shape[0] != 1:
        raise ValueError(f"image must have shape (1, C, H, W), got {tuple(image.shape)}")
    if not bool(torch.isfinite(image).all()) or float(image.min()) < 0 or float(image.max()) > 1:
        raise ValueError("image must be finite with values in [0, 1]; convert with images.to_tensor")
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, np.integer)):
        raise TypeError(f"target must be an int, got {type(target).__name__}")
    step_size = check_positive(step_size, name="step_size")
    max_steps = check_count(max_steps, name="max_steps", minimum=1)
    if max_change is not None:
        max_change = check_positive(max_change, name="max_change")

    original = image.detach().clone()
    first_scores = _eval_scores(model, original)  # (1, K)
    if not 0 <= int(target) < first_scores.shape[1]:
        raise ValueError(f"target must be a class index in [0, {first_scores.shape[1]}), got {target}")
    classes = torch.tensor([int(target)], dtype=torch.long)
    original_class = predicted = int(first_scores.argmax(1)[0])
    current, n_steps = original.clone(), 0  # (1, C, H, W)
    with torch.inference_mode(False), torch.no_grad():
        while predicted != target and n_steps < max_steps:
            grad, _, _ = score_gradient(model, current, classes)  # ∂S_t/∂I at I_k
            norm = grad.norm()
            if norm == 0:
                break  # a flat score: no direction to move in
            current = current + step_size * grad / norm  # a step of fixed length
            if max_change is not None:  # back into the L∞ ball around the original (a projection)
                current = original + (current - original).clamp(-max_change, max_change)
            current = current.clamp(0.0, 1.0)  # and into the box of valid images
            n_steps += 1
            predicted = int(_eval_scores(model, current).argmax(1)[0])
    perturbation = current - original
    return FoolingImage(
        image=current,
        perturbation=perturbation,
        n_steps=n_steps,
        norm=float(perturbation.double().norm()),
        max_change=float(perturbation.abs().max()),
        original_class=original_class,
        predicted=predicted,
        fooled=predicted == int(target),
    )


def _eval_scores(model: nn.Module, image: torch.Tensor) -> torch.Tensor:
    """All pre-softmax scores (B, K) of ``image`` in eval mode, no gradient."""
    with eval_mode(model), torch.no_grad():
        return check_scores(forward(model, image), image.shape[0]).detach()
