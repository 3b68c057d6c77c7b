"""Gradient-based saliency: the derivative of a class score with respect to the image.

Used in notebook 06 (§3–§5: the image-specific class saliency of Simonyan,
Vedaldi & Zisserman 2013, its derivation from a linear model and a
first-order Taylor expansion, and the finite-difference check) and notebook
07 (the gradient methods that followed it).

Every function here takes ``model`` (a classifier returning pre-softmax
scores of shape (B, n_classes)), ``x`` (a float tensor (B, C, H, W), usually
in [0, 1], see :func:`course_lib.images.to_tensor`) and ``target`` (the class
whose score is explained: an int for the whole batch, one int per example
as a list or tensor, or ``None`` for each example's top-1 class).

Conventions shared by all of them, as in Captum's ``Saliency``:

* the score is the pre-softmax S_c, never the softmax probability
  (Simonyan §2: P_c can also rise by lowering the other classes);
* the model is put in eval mode for the call and its previous mode (of
  every submodule) is restored afterwards;
* gradients come from ``torch.autograd.grad`` with respect to a detached copy
  of ``x``, so no parameter ``.grad`` is created or changed and the caller's
  ``x`` (and its ``.grad``) is left alone;
* they work inside a caller's ``torch.no_grad()`` or ``torch.inference_mode()``;
* the model sees its input in channels-last memory layout
  (``torch.channels_last``, set in ``_attribution.forward``): oneDNN's CPU convolutions and their backward run
  about a quarter faster on it (``benchmarks/bench_gradients.py``, where this
  put SmoothGrad and IG ahead of Captum).  Results are returned contiguous and
  equal those of the default layout up to float rounding, except where a
  max-pooling window holds values equal up to rounding: its gradient may then
  go to another of them (0.05 % of the largest IG value on the shipped model).
  Captum given a channels-last input computes the same values.

``course_lib._attribution`` (``eval_mode``, ``check_input``, ``target_indices``,
``score_gradient``) holds that plumbing, shared with the later modules.

The methods of notebook 07 (:func:`smoothgrad`, :func:`integrated_gradients`,
:func:`guided_backprop`, :func:`deconvnet`, :func:`grad_cam`,
:func:`occlusion`) follow the same conventions.  Those that evaluate the model
on many modified copies of ``x`` (noisy samples, path points, occluded
images) stack the copies into batches of at most ``batch_size`` rows, so a
call costs a few Python iterations; by default a batch holds at most
:data:`MAX_CHUNK_ELEMENTS` input values, which bounds the memory.  An
``int`` or ``None`` target is resolved once, on the clean ``x``.
"""

from __future__ import annotations

import contextlib
import copy
import math
import warnings
from typing import Callable, Iterator, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_lib._attribution import (
    MAX_CHUNK_ELEMENTS,
    Target,
    check_baseline,
    check_input,
    check_model,
    check_scores,
    chunk_rows,
    clean_scores,
    eval_mode,
    forward,
    score_gradient,
    target_indices,
    torch_generator,
)
from course_lib._validation import MAX_ITERATIONS, check_choice, check_count, check_number, check_positive



# --------------------------------------------------------------------------
# public methods
# --------------------------------------------------------------------------
def gradient(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """The signed gradient of the class score, w = ∂S_c/∂I at I = x.

    .. math:: w = \\left. \\frac{\\partial S_c}{\\partial I} \\right|_{I_0}

    Simonyan, Vedaldi & Zisserman (2013), §3.1: the weights of the
    first-order Taylor expansion :math:`S_c(I) \\approx w^T I + b` around
    the image :math:`I_0`.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier mapping (B, C, H, W) to pre-softmax scores (B, K).
    x : torch.Tensor, shape (B, C, H, W), floating point
        Input images (the model's input space, [0, 1] for course models).
    target : int, sequence of int, tensor of shape (B,), or None
        Class c per example; ``None`` takes each example's top-1 class.

    Returns
    -------
    torch.Tensor, shape (B, C, H, W), dtype of ``x``
        Detached, on ``x``'s device.

    Raises
    ------
    TypeError
        If ``model`` is not a module, ``x`` not a floating tensor, or
        ``target`` not integer.
    ValueError
        If ``x`` is not (B, C, H, W), empty or not finite, the model's output
        is not (B, K), or ``target`` has the wrong length or is out of range.

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps",
    ICLR workshop 2014, arXiv:1312.6034.

    Examples
    --------
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, -2.0, 3.0, -4.0], [0.5, 0.5, 0.5, 0.5]]))
    >>> gradient(model, torch.zeros(1, 1, 2, 2), 0).flatten().tolist()
    [1.0, -2.0, 3.0, -4.0]
    """
    grad, _, _ = score_gradient(model, x, target)
    return grad


def vanilla_saliency(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """Image-specific class saliency: the largest absolute gradient over channels.

    .. math:: M_{ij} = \\max_c \\left| w_{h(i, j, c)} \\right|, \\qquad
              w = \\left. \\frac{\\partial S_c}{\\partial I} \\right|_{I_0}

    Simonyan, Vedaldi & Zisserman (2013), §3.1: the magnitude of the
    derivative of the pre-softmax class score :math:`S_c` with respect to
    each pixel, reduced over the colour channels by the maximum of the
    absolute values.  One backward pass per batch.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier mapping (B, C, H, W) to pre-softmax scores (B, K).
    x : torch.Tensor, shape (B, C, H, W), floating point
        Input images.
    target : int, sequence of int, tensor of shape (B,), or None
        Class c per example; ``None`` takes each example's top-1 class, as
        in the paper's figures.

    Returns
    -------
    torch.Tensor, shape (B, H, W), dtype of ``x``
        Saliency map M >= 0, unnormalised, detached.

    Raises
    ------
    TypeError, ValueError
        As :func:`gradient`.

    Notes
    -----
    The map is the paper's: channel max of |gradient|.  Captum's
    ``Saliency`` returns the per-channel |gradient| (reduce with
    ``.amax(1)`` to get this map); PAIR-code's display sums |gradient| over
    channels.  The paper averages maps over 10 crops and flips of the image
    (reported only in summaries); we do not.

    References
    ----------
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps",
    ICLR workshop 2014, arXiv:1312.6034.

    Examples
    --------
    For a linear score the saliency is max over channels of |w|:

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, -4.0, 2.0], [0.0, 0.0, 0.0]]))
    >>> vanilla_saliency(model, torch.rand(1, 3, 1, 1), 0).flatten().tolist()
    [4.0]
    """
    grad, _, _ = score_gradient(model, x, target)
    return grad.abs().amax(dim=1)  # (B, C, H, W) -> (B, H, W): max_c |w|


def input_x_gradient(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """Input × gradient, x ⊙ ∂S_c/∂x (signed, per channel).

    .. math:: A = x \\odot \\left. \\frac{\\partial S_c}{\\partial I} \\right|_{x}

    Shrikumar et al. (2016), "gradient * input"; for a linear score
    :math:`S_c = w^T x + b` it is the contribution :math:`w_i x_i` of each
    input to the score.

    Parameters
    ----------
    model, x, target
        As :func:`gradient`.

    Returns
    -------
    torch.Tensor, shape (B, C, H, W), dtype of ``x``
        Detached.

    Raises
    ------
    TypeError, ValueError
        As :func:`gradient`.

    Notes
    -----
    With inputs in [0, 1] a black pixel always gets zero attribution; the
    result depends on the input's origin (here the [0, 1] image, before the
    model's own normalisation).

    References
    ----------
    A. Shrikumar, P. Greenside, A. Shcherbina, A. Kundaje, "Not Just a Black
    Box: Learning Important Features Through Propagating Activation
    Differences", arXiv:1605.01713 (2016).

    Examples
    --------
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[3.0, -1.0]]))
    >>> input_x_gradient(model, torch.tensor([[[[0.5, 2.0]]]]), 0).flatten().tolist()
    [1.5, -2.0]
    """
    grad, _, _ = score_gradient(model, x, target)
    return x.detach() * grad  # (B, C, H, W)


def finite_difference_gradient(
    model: nn.Module,
    x: torch.Tensor,
    target: Target,
    *,
    eps: float = 1e-4,
    elements: Sequence[tuple[int, int, int]] | None = None,
    batch_size: int = 512,
    max_evaluations: int = 200_000,
) -> torch.Tensor:
    """Central-difference estimate of ∂S_c/∂x in float64, to check :func:`gradient`.

    .. math:: \\frac{\\partial S_c}{\\partial x_k} \\approx
              \\frac{S_c(x + \\varepsilon e_k) - S_c(x - \\varepsilon e_k)}{2 \\varepsilon}

    The error is :math:`O(\\varepsilon^2)` from truncation plus
    :math:`O(\\delta/\\varepsilon)` from rounding (δ ≈ 1e-16 in float64), so
    ε ≈ 1e-4 gives about 1e-8 relative error for smooth networks.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier; a float64 copy of it is used (``model`` is not changed).
    x : torch.Tensor, shape (B, C, H, W)
        Point at which to differentiate (converted to float64).
    target : int, sequence of int, tensor of shape (B,), or None
        Class per example, as in :func:`gradient` (``None``: top-1 at ``x``).
    eps : float
        Step ε (> 0), in the input's units.
    elements : sequence of (channel, row, col), optional
        Only these input elements (the same for every example); by default
        every element, which costs 2·C·H·W forward passes per example.
    batch_size : int
        Perturbed inputs per forward pass.
    max_evaluations : int
        Refuse calls needing more forward passes than this (guards against
        a forgotten ``elements`` on a large image).

    Returns
    -------
    torch.Tensor of float64
        Shape (B, C, H, W) without ``elements``, else (B, len(elements)).

    Raises
    ------
    ValueError
        If ``eps`` is not positive, an element is out of range, or the call
        would need more than ``max_evaluations`` forward passes.

    Notes
    -----
    ReLU and max-pooling make a network only piecewise smooth: where a
    perturbation of ±ε crosses a kink the central difference differs from
    the gradient.  Check on a smooth network (tanh) for a tight tolerance.

    Examples
    --------
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(2, 1), nn.Tanh())
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, 2.0]])); _ = model[1].bias.zero_()
    >>> fd = finite_difference_gradient(model, torch.zeros(1, 1, 1, 2), 0)
    >>> [round(v, 6) for v in fd.flatten().tolist()]  # tanh'(0) = 1, so the weights
    [1.0, 2.0]
    """
    check_model(model)
    check_input(x)
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"eps must be a number, got {type(eps).__name__}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    batch_size = check_count(batch_size, name="batch_size", minimum=1)
    max_evaluations = check_count(max_evaluations, name="max_evaluations", minimum=1)
    batch, channels, height, width = x.shape
    if elements is None:
        flat = torch.arange(channels * height * width)
    else:
        if isinstance(elements, (str, bytes)) or not hasattr(elements, "__len__"):
            raise TypeError(f"elements must be a sequence of (channel, row, col) triples, got {type(elements).__name__}")
        raw = np.asarray(elements)
        if raw.dtype.kind not in "iu" and raw.size:
            raise TypeError(f"elements must hold integer (channel, row, col) triples, got {str(elements)[:80]}")
        coords = torch.as_tensor(raw.astype(np.int64).reshape(-1, 3) if raw.size % 3 == 0 else raw.astype(np.int64))
        if coords.ndim != 2:
            raise ValueError(f"elements must be (channel, row, col) triples, got shape {raw.shape}")
        upper = torch.tensor([channels, height, width])
        if coords.shape[0] == 0 or bool(((coords < 0) | (coords >= upper)).any()):
            raise ValueError(
                f"elements must be non-empty (channel, row, col) triples within x's (C, H, W) = "
                f"({channels}, {height}, {width}), got {np.asarray(elements).tolist()}"
            )
        flat = (coords[:, 0] * height + coords[:, 1]) * width + coords[:, 2]  # (K,)
    if 2 * batch * flat.numel() > max_evaluations:
        raise ValueError(
            f"this check needs {2 * batch * flat.numel()} forward passes, more than "
            f"max_evaluations={max_evaluations}; pass elements=[(channel, row, col), ...] "
            "to check a few inputs, or a smaller x"
        )
    double = copy.deepcopy(model).double()
    device = next((p.device for p in double.parameters()), x.device)
    with eval_mode(double), torch.inference_mode(False), torch.no_grad():
        point = x.detach().to(device=device, dtype=torch.float64).reshape(batch, -1)  # (B, CHW)
        indices = target_indices(target, check_scores(double(point.reshape(x.shape)), batch))  # (B,)
        result = torch.empty(batch, flat.numel(), dtype=torch.float64)
        step = max(1, batch_size // 2)
        for b in range(batch):
            for begin in range(0, flat.numel(), step):
                chunk = flat[begin : begin + step].to(device)  # (k,)
                k = chunk.numel()
                shifted = point[b].repeat(2 * k, 1)  # (2k, CHW)
                rows = torch.arange(k, device=device)
                shifted[rows, chunk] += eps  # x + ε e_k
                shifted[rows + k, chunk] -= eps  # x − ε e_k
                scores = double(shifted.reshape(2 * k, channels, height, width))[:, indices[b]]  # (2k,)
                result[b, begin : begin + k] = ((scores[:k] - scores[k:]) / (2 * eps)).cpu()
    if elements is None:
        return result.reshape(batch, channels, height, width)
    return result


# --------------------------------------------------------------------------
# notebook 07: the methods that followed the plain gradient
# --------------------------------------------------------------------------
MAX_NOISE_LEVEL = 1e3
"""Largest SmoothGrad noise level (σ / (max − min)); the paper uses 0.1–0.2."""

MAX_GAUSS_LEGENDRE = 1000
"""Most Gauss–Legendre nodes (numpy's leggauss costs O(n³); Riemann rules take more)."""

IG_METHODS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")
"""Quadrature rules :func:`integrated_gradients` accepts (Captum's names)."""

AttributionFn = Callable[[nn.Module, torch.Tensor, Target], torch.Tensor]


def smoothgrad(
    attribution_fn: AttributionFn,
    model: nn.Module,
    x: torch.Tensor,
    target: Target,
    *,
    n_samples: int = 25,
    noise_level: float = 0.15,
    squared: bool = False,
    seed: int | np.random.Generator | torch.Generator | None = 0,
    batch_size: int | None = None,
) -> torch.Tensor:
    """SmoothGrad: the mean of an attribution over Gaussian-noised copies of x.

    .. math:: \\hat M_c(x) = \\frac{1}{n} \\sum_{i=1}^{n} M_c\\big(x + \\mathcal N(0, \\sigma^2)\\big),
              \\qquad \\sigma = \\text{noise\\_level} \\cdot (x_{max} - x_{min})

    Smilkov et al. (2017): the SmoothGrad average, with the noise level
    given as :math:`\\sigma / (x_{max} - x_{min})` (10–20 % works best).
    With ``squared=True`` the mean of :math:`M_c^2` (PAIR's
    ``magnitude=True``, Captum's ``smoothgrad_sq``).

    Parameters
    ----------
    attribution_fn : callable ``(model, x, target) -> Tensor``
        Any method of this module with that signature, e.g.
        :func:`vanilla_saliency`, :func:`gradient`, or
        ``functools.partial(integrated_gradients, n_steps=20)``.  It is
        called on batches of noisy copies with one class index per copy and
        must return a tensor whose first axis is that batch.
    model : torch.nn.Module
        Classifier mapping (B, C, H, W) to pre-softmax scores (B, K).
    x : torch.Tensor, shape (B, C, H, W), floating point
        Input images.
    target : int, sequence of int, tensor of shape (B,), or None
        Class per example; ``None`` takes each example's top-1 class **on
        the clean x**, kept for all its noisy copies.
    n_samples : int
        n >= 1, noisy copies per example (PAIR's default 25; the paper
        suggests about 50).
    noise_level : float
        σ as a fraction (>= 0) of each example's own range
        :math:`x_{max} - x_{min}` over all its channels and pixels.
    squared : bool
        Average :math:`M_c^2` instead of :math:`M_c`.
    seed : int, numpy Generator, torch Generator or None
        Source of the noise; the same seed gives the same result.
    batch_size : int, optional
        Noisy copies per call of ``attribution_fn``; by default
        :data:`MAX_CHUNK_ELEMENTS` bounds it.

    Returns
    -------
    torch.Tensor
        The shape ``attribution_fn`` gives for the whole batch, e.g.
        (B, H, W) for :func:`vanilla_saliency`, (B, C, H, W) for
        :func:`gradient`; detached.

    Raises
    ------
    TypeError
        If ``attribution_fn`` is not callable or does not return a tensor,
        or ``n_samples``, ``noise_level``, ``batch_size`` or ``seed`` has a
        wrong type; and as :func:`gradient`.
    ValueError
        If ``n_samples`` < 1, ``noise_level`` < 0 or not finite, or
        ``attribution_fn`` returns a tensor whose first axis is not the
        number of copies it was given; and as :func:`gradient`.

    Notes
    -----
    * σ is relative to each image's own range, as in the paper and PAIR's
      ``stdev_spread=0.15``; Captum's ``NoiseTunnel(stdevs=1.0)`` is an
      absolute standard deviation.  A constant image has σ = 0, so its
      SmoothGrad is the base method's map.
    * Copies are laid out example-major (copy i of example b is row
      b·n + i), as in Captum's ``NoiseTunnel``, and their noise is drawn
      from ``seed`` in that order.  On the CPU, when C·H·W is a multiple of
      16 (torch draws normals in blocks of 16), chunks give exactly the
      draws of one big batch, so ``batch_size`` does not change the result.
    * The noisy image is not clipped to [0, 1] (the paper does not clip).
    * Cost: n_samples × the base method, plus one forward pass for the
      targets.

    References
    ----------
    D. Smilkov, N. Thorat, B. Kim, F. Viégas, M. Wattenberg, "SmoothGrad:
    removing noise by adding noise", ICML workshop 2017, arXiv:1706.03825.

    Examples
    --------
    A linear score has gradient w everywhere, so its signed SmoothGrad is w:

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[3.0, -1.0]]))
    >>> smoothgrad(gradient, model, torch.tensor([[[[0.0, 1.0]]]]), 0, n_samples=4).flatten().tolist()
    [3.0, -1.0]
    """
    if not callable(attribution_fn):
        raise TypeError(
            f"attribution_fn must be callable (model, x, target) -> Tensor, got {type(attribution_fn).__name__}"
        )
    check_input(x)
    n_samples = check_count(n_samples, name="n_samples", minimum=1, maximum=MAX_ITERATIONS)
    noise_level = check_number(check_positive(noise_level, name="noise_level", allow_zero=True), name="noise_level",
                               maximum=MAX_NOISE_LEVEL)
    chunk = chunk_rows(batch_size, x)
    generator = torch_generator(seed, x.device)
    indices = target_indices(target, clean_scores(model, x))  # (B,), resolved on the clean x
    batch = x.shape[0]
    flat = x.detach().reshape(batch, -1)
    sigma = noise_level * (flat.amax(1) - flat.amin(1))  # (B,): σ per example, a fraction of its range
    total: torch.Tensor | None = None
    rows = batch * n_samples
    with torch.inference_mode(False):
        for start in range(0, rows, chunk):
            example = torch.arange(start, min(start + chunk, rows), device=x.device) // n_samples  # (m,)
            noise = torch.randn(
                (example.numel(), *x.shape[1:]), generator=generator, device=x.device, dtype=x.dtype
            )  # (m, C, H, W)
            noisy = x.detach()[example] + noise * sigma[example].view(-1, 1, 1, 1)  # (m, C, H, W)
            maps = attribution_fn(model, noisy, indices[example])
            if not isinstance(maps, torch.Tensor):
                raise TypeError(f"attribution_fn must return a tensor, got {type(maps).__name__}")
            if maps.ndim == 0 or maps.shape[0] != example.numel():
                raise ValueError(
                    f"attribution_fn must return a tensor whose first axis holds the {example.numel()} "
                    f"inputs it was given, got shape {tuple(maps.shape)}"
                )
            maps = maps.detach()
            if squared:
                maps = maps * maps
            if total is None:
                total = torch.zeros((batch, *maps.shape[1:]), dtype=maps.dtype, device=maps.device)
            total.index_add_(0, example.to(maps.device), maps)  # Σ over each example's copies
    return total / n_samples  # type: ignore[operator]  # rows >= 1, so total was set


def _ig_quadrature(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes α_k in [0, 1] and weights w_k (summing to 1) of an IG rule, float64."""
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return 0.5 * (1.0 + nodes), 0.5 * weights  # [-1, 1] -> [0, 1]
    if method == "riemann_trapezoid":
        weights = np.full(n_steps, 1.0 / (n_steps - 1))
        weights[[0, -1]] /= 2  # the trapezoid rule on n equally spaced nodes: Σw = 1
        return np.linspace(0.0, 1.0, n_steps), weights
    offset = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}[method]
    return (np.arange(n_steps) + offset) / n_steps, np.full(n_steps, 1.0 / n_steps)


def integrated_gradients(
    model: nn.Module,
    x: torch.Tensor,
    target: Target,
    *,
    baseline: float | torch.Tensor | None = None,
    n_steps: int = 50,
    method: str = "gausslegendre",
    batch_size: int | None = None,
    return_delta: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Integrated Gradients along the straight path from a baseline x' to x.

    .. math:: \\mathrm{IG}_i(x) = (x_i - x'_i) \\int_0^1
              \\frac{\\partial S_c\\big(x' + \\alpha (x - x')\\big)}{\\partial x_i} \\, d\\alpha
              \\approx (x_i - x'_i) \\sum_{k=1}^{n} w_k
              \\frac{\\partial S_c\\big(x' + \\alpha_k (x - x')\\big)}{\\partial x_i}

    Sundararajan, Taly & Yan (2017), eq. 1 (the integral) and eq. 3 (its
    Riemann sum).  Completeness (their Proposition 1):
    :math:`\\sum_i \\mathrm{IG}_i = S_c(x) - S_c(x')`, up to the quadrature
    error, which ``return_delta`` reports.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier mapping (B, C, H, W) to pre-softmax scores (B, K).
    x : torch.Tensor, shape (B, C, H, W), floating point
        Input images.
    target : int, sequence of int, tensor of shape (B,), or None
        Class per example; ``None`` takes each example's top-1 class at x.
    baseline : float, tensor or None
        x'; ``None`` is the zero (black) image; a number fills every
        element; a tensor must broadcast to x's shape (e.g. (C, 1, 1) for a
        per-channel colour, (B, C, H, W) for one baseline per example).
    n_steps : int
        n >= 1 nodes of the quadrature (>= 2 for ``"riemann_trapezoid"``).
        The paper finds 20–300 enough for completeness within 5 %.
    method : {"gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"}
        Quadrature rule on [0, 1]: Gauss–Legendre nodes and weights, or n
        equally spaced nodes (left, right or middle of n equal cells with
        weight 1/n; the trapezoid rule with nodes 0, 1/(n−1), …, 1).
    batch_size : int, optional
        Path points per forward/backward pass; by default
        :data:`MAX_CHUNK_ELEMENTS` bounds it.
    return_delta : bool
        Also return the completeness error per example.

    Returns
    -------
    torch.Tensor, shape (B, C, H, W), dtype of ``x``
        Signed attributions, detached.  With ``return_delta=True`` a pair
        ``(attributions, delta)``, delta of shape (B,):
        :math:`\\sum_i \\mathrm{IG}_i - (S_c(x) - S_c(x'))`.

    Raises
    ------
    TypeError
        If ``baseline`` is neither None, a number nor a floating tensor, or
        ``n_steps`` or ``batch_size`` is not an integer; and as
        :func:`gradient`.
    ValueError
        If ``method`` is unknown, ``n_steps`` is too small, or ``baseline``
        does not broadcast to x or is not finite; and as :func:`gradient`.

    Notes
    -----
    * Captum's ``riemann_trapezoid`` uses nodes ``linspace(0, 1, n)`` with
      weights 1/n and halved ends, which sum to 1 − 1/n, so its
      attributions are the trapezoid's scaled by 1 − 1/n (delta ≈ −ΔS/n
      even for a linear model).  We use the trapezoid rule itself, weights
      1/(n−1) with halved ends; the other four rules are Captum's.
    * The default rule is Gauss–Legendre (Captum's default; exact for a
      score polynomial of degree ≤ 2n along the path).  The paper's eq. 3
      is ``"riemann_right"``.
    * The zero baseline is the black image in the model's input space
      ([0, 1] for course models, whose normalisation is the first layer);
      in a normalised input space zero would be the mean colour.
    * Cost: n_steps forward and backward passes per example, plus one
      forward pass for the targets, plus one more (the baseline) with
      ``return_delta``.  Path points are stacked step-major in batches of
      ``batch_size``.

    References
    ----------
    M. Sundararajan, A. Taly, Q. Yan, "Axiomatic Attribution for Deep
    Networks", ICML 2017, arXiv:1703.01365.

    Examples
    --------
    For a linear score the integrand is constant: IG = (x − x') ⊙ w and the
    delta is zero.

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[3.0, -1.0]]))
    >>> attr, delta = integrated_gradients(model, torch.tensor([[[[0.5, 2.0]]]]), 0, return_delta=True)
    >>> [round(v, 4) for v in attr.flatten().tolist()], abs(delta.item()) < 1e-5
    ([1.5, -2.0], True)
    """
    check_input(x)
    check_choice(method, IG_METHODS, name="method")
    n_steps = check_count(n_steps, name="n_steps", minimum=2 if method == "riemann_trapezoid" else 1,
                          maximum=MAX_GAUSS_LEGENDRE if method == "gausslegendre" else MAX_ITERATIONS)
    base = check_baseline(baseline, x)  # (B, C, H, W)
    chunk = chunk_rows(batch_size, x)
    batch = x.shape[0]
    if return_delta:
        scores, end_scores = clean_scores(model, torch.cat([x.detach(), base])).split(batch)  # (B, K) each
    else:
        scores = clean_scores(model, x)
    indices = target_indices(target, scores)  # (B,)
    nodes, weights = _ig_quadrature(method, n_steps)
    alphas = torch.as_tensor(nodes, dtype=x.dtype, device=x.device)  # (n,)
    step_weights = torch.as_tensor(weights, dtype=x.dtype, device=x.device)  # (n,)
    with torch.inference_mode(False):
        source = x.detach().clone()
        direction = source - base  # (B, C, H, W): x − x'
        total = torch.zeros_like(source)  # Σ_k w_k ∂S_c/∂x at the path points
        rows = n_steps * batch
        for start in range(0, rows, chunk):
            row = torch.arange(start, min(start + chunk, rows), device=x.device)  # step-major rows
            step, example = row // batch, row % batch  # (m,), (m,)
            points = base[example] + alphas[step].view(-1, 1, 1, 1) * direction[example]  # (m, C, H, W)
            grad, _, _ = score_gradient(model, points, indices[example])  # (m, C, H, W)
            total.index_add_(0, example, grad * step_weights[step].view(-1, 1, 1, 1))
        attributions = direction * total  # (B, C, H, W): eq. 3
    if not return_delta:
        return attributions
    selected = scores.gather(1, indices[:, None]).squeeze(1)  # (B,): S_c(x)
    at_baseline = end_scores.gather(1, indices[:, None]).squeeze(1)  # (B,): S_c(x')
    delta = attributions.reshape(batch, -1).sum(1) - (selected - at_baseline)  # (B,)
    return attributions, delta


_RECTIFIERS = (nn.ReLU, nn.ReLU6)
"""The activations whose backward rule guided backprop and the DeconvNet change.  ReLU6
(min(max(x, 0), 6): MobileNet, EfficientNet-Lite) is a ReLU with a ceiling; its own
backward mask is 1(0 < x < 6)."""


def _positive_part(grad: torch.Tensor) -> torch.Tensor:
    return grad.clamp(min=0)  # 1(g > 0) g: the backward signal's own ReLU


@contextlib.contextmanager
def _relu_backward_rule(model: nn.Module, rule: str) -> Iterator[None]:
    """Change the backward pass of every ``nn.ReLU`` and ``nn.ReLU6`` module of ``model`` for a block.

    ``"guided"``: a forward hook registers a tensor hook on the ReLU's
    output that keeps the positive part of the gradient; ReLU's own backward
    then applies 1(x > 0) (ReLU6: 1(0 < x < 6)), so the input gets
    1(x > 0) 1(g > 0) g.

    ``"deconv"``: a forward pre-hook keeps the ReLU's input x (and gives an
    in-place ReLU a copy to overwrite); the forward hook returns
    ``relu(x).detach() + (x − x.detach())`` — the same values, with a
    gradient that reaches x unmasked — with a tensor hook keeping its
    positive part: the input gets 1(g > 0) g.

    Tensor hooks, not module backward hooks, so in-place ReLUs work
    (pytorch#61519).  Every hook is removed on exit, also after an error.
    """
    check_model(model)
    handles = []
    inputs_seen: dict[int, list[torch.Tensor]] = {}

    def guided(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        if isinstance(output, torch.Tensor) and output.requires_grad:
            output.register_hook(_positive_part)

    def keep_input(module: nn.Module, inputs: tuple) -> tuple | None:
        inputs_seen.setdefault(id(module), []).append(inputs[0])
        return (inputs[0].clone(), *inputs[1:]) if module.inplace else None  # keep x from relu_

    def deconv(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor | None:
        pre = inputs_seen[id(module)].pop()
        if not (isinstance(pre, torch.Tensor) and pre.requires_grad):
            return None
        routed = output.detach() + (pre - pre.detach())  # values relu(x); ∂routed/∂x = 1
        routed.register_hook(_positive_part)
        return routed

    try:
        for module in model.modules():
            if isinstance(module, _RECTIFIERS):
                if rule == "guided":
                    handles.append(module.register_forward_hook(guided))
                else:
                    handles.append(module.register_forward_pre_hook(keep_input))
                    handles.append(module.register_forward_hook(deconv))
        if not handles:
            warnings.warn(
                "model has no nn.ReLU or nn.ReLU6 modules, so the modified backward rule changes nothing and the "
                "result is the plain gradient (functional F.relu and other activations are not hooked)",
                UserWarning,
                stacklevel=4,
            )
        yield
    finally:
        for handle in handles:
            handle.remove()


def guided_backprop(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """Guided backpropagation: the gradient with both ReLU masks applied going back.

    .. math:: R_l = \\mathbb 1(x_l > 0) \\, \\mathbb 1(R_{l+1} > 0) \\, R_{l+1}

    Springenberg et al. (2015), Fig. 1 (b)–(c): at each ReLU with input
    :math:`x_l`, the backward signal :math:`R_{l+1}` is masked by the
    forward activation (as the gradient is) and by its own sign (as in the
    DeconvNet, Simonyan et al. 2013 §4).  Elsewhere it is back-propagation
    of :math:`S_c`.

    Parameters
    ----------
    model, x, target
        As :func:`gradient`.

    Returns
    -------
    torch.Tensor, shape (B, C, H, W), dtype of ``x``
        Signed, per channel (Captum's ``GuidedBackprop``), detached.

    Raises
    ------
    TypeError, ValueError
        As :func:`gradient`.

    Warns
    -----
    UserWarning
        If ``model`` has no ``nn.ReLU`` or ``nn.ReLU6`` module (the result is
        then the plain gradient).

    Notes
    -----
    Only ``nn.ReLU`` and ``nn.ReLU6`` modules are modified (Captum: only
    ``nn.ReLU``, so on a ReLU6 network such as the course's ImageNet
    EfficientNet-Lite0 its ``GuidedBackprop`` returns the plain gradient):
    functional ``F.relu`` calls, GELU, SiLU… keep their ordinary gradient.
    At a ReLU6 the forward mask is its own, 1(0 < x < 6).  In-place ReLUs work (tensor hooks, see
    :func:`_relu_backward_rule`), and every hook is removed afterwards,
    even after an error.  Adebayo et al. (2018) show the result barely
    depends on the top layers' weights (see :mod:`course_lib.sanity`).

    References
    ----------
    J. T. Springenberg, A. Dosovitskiy, T. Brox, M. Riedmiller, "Striving
    for Simplicity: The All Convolutional Net", ICLR workshop 2015,
    arXiv:1412.6806.

    Examples
    --------
    Two hidden units that cancel: the gradient is 0, guided backprop keeps
    only the positive path.

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(1, 2, bias=False), nn.ReLU(), nn.Linear(2, 1, bias=False))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.fill_(1.0); _ = model[3].weight.copy_(torch.tensor([[1.0, -1.0]]))
    >>> x = torch.ones(1, 1, 1, 1)
    >>> gradient(model, x, 0).item(), guided_backprop(model, x, 0).item()
    (0.0, 1.0)
    """
    check_input(x)
    with _relu_backward_rule(model, "guided"):
        grad, _, _ = score_gradient(model, x, target)
    return grad


def deconvnet(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """DeconvNet reconstruction: back-propagation with ReLU masked by the signal's sign.

    .. math:: R_l = \\mathbb 1(R_{l+1} > 0) \\, R_{l+1}
              \\qquad \\text{instead of} \\qquad
              \\frac{\\partial f}{\\partial x_l} = \\mathbb 1(x_l > 0) \\frac{\\partial f}{\\partial x_{l+1}}

    Simonyan, Vedaldi & Zisserman (2013), §4: convolutions go back through
    their transposed (flipped) kernels and max-pooling through its argmax
    "switches", exactly as in the gradient; only the ReLU differs, applied
    to the backward signal instead of masking by the forward activation
    (Zeiler & Fergus 2014).

    Parameters
    ----------
    model, x, target
        As :func:`gradient`.

    Returns
    -------
    torch.Tensor, shape (B, C, H, W), dtype of ``x``
        Signed, per channel (Captum's ``Deconvolution``), detached.

    Raises
    ------
    TypeError, ValueError
        As :func:`gradient`.

    Warns
    -----
    UserWarning
        If ``model`` has no ``nn.ReLU`` or ``nn.ReLU6`` module.

    Notes
    -----
    Only ``nn.ReLU`` and ``nn.ReLU6`` modules are changed (Captum's
    ``Deconvolution``: ``nn.ReLU`` only); at a ReLU6 the signal passes
    whatever x was, ceiling included;
    Zeiler & Fergus start from a chosen feature map, we start from the
    pre-softmax score :math:`S_c`, as Simonyan et al. and Captum do.  On a
    network without ReLU it equals the gradient and guided backprop.

    References
    ----------
    M. D. Zeiler, R. Fergus, "Visualizing and Understanding Convolutional
    Networks", ECCV 2014, arXiv:1311.2901.
    K. Simonyan, A. Vedaldi, A. Zisserman, "Deep Inside Convolutional
    Networks", ICLR workshop 2014, arXiv:1312.6034, §4.

    Examples
    --------
    The second hidden unit is off (its input is −1): the gradient ignores it,
    the DeconvNet sends the signal back through it anyway.

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(1, 2, bias=False), nn.ReLU(), nn.Linear(2, 1, bias=False))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0], [-1.0]])); _ = model[3].weight.fill_(1.0)
    >>> x = torch.ones(1, 1, 1, 1)
    >>> gradient(model, x, 0).item(), deconvnet(model, x, 0).item()
    (1.0, 0.0)
    """
    check_input(x)
    with _relu_backward_rule(model, "deconv"):
        grad, _, _ = score_gradient(model, x, target)
    return grad


def _resolve_layer(model: nn.Module, layer: object) -> nn.Module:
    """``layer`` as a submodule of ``model`` (given as a module or a dotted name)."""
    check_model(model)
    if isinstance(layer, str):
        try:
            return model.get_submodule(layer)
        except AttributeError:
            raise ValueError(f"layer must name a submodule of model, got {layer!r}") from None
    if not isinstance(layer, nn.Module):
        raise TypeError(f"layer must be a submodule of model or its name, got {type(layer).__name__}")
    if not any(module is layer for module in model.modules()):
        raise ValueError(f"layer must be a submodule of model, got {type(layer).__name__} not in it")
    return layer


def grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    target: Target,
    *,
    layer: nn.Module | str,
    relu: bool = True,
    upsample: str | None = "bilinear",
) -> torch.Tensor:
    """Grad-CAM: the layer's feature maps weighted by their mean gradient.

    .. math:: \\alpha_k^c = \\frac{1}{Z} \\sum_{i,j} \\frac{\\partial S_c}{\\partial A^k_{ij}},
              \\qquad L^c = \\mathrm{ReLU}\\Big(\\sum_k \\alpha_k^c A^k\\Big)

    Selvaraju et al. (2017), eq. 1 (the weights, Z = h·w positions) and
    eq. 2 (the map), then upsampled to the input size.

    Parameters
    ----------
    model, x, target
        As :func:`gradient`.
    layer : torch.nn.Module or str
        The module whose output :math:`A` (B, K, h, w) is used, or its
        dotted name (``"features"`` for the shipped model, 8×8;
        ``"net.layer4"`` for an ImageNet ResNet).  It must run once per
        forward pass.
    relu : bool
        Apply eq. 2's ReLU (keep the evidence *for* class c).
    upsample : {"bilinear", "nearest"} or None
        Resize to (H, W) with ``F.interpolate`` (``align_corners=False``);
        ``None`` returns the layer's (h, w) map.

    Returns
    -------
    torch.Tensor, shape (B, H, W) (or (B, h, w)), dtype of ``x``
        Unnormalised, detached; >= 0 with ``relu=True``.

    Raises
    ------
    TypeError
        If ``layer`` is neither a module nor a name, or its output is not a
        tensor; and as :func:`gradient`.
    ValueError
        If ``layer`` is not in ``model``, does not run exactly once, does
        not output (B, K, h, w), does not depend on x or the parameters, or
        its output is changed in place later (an in-place ReLU after it:
        choose that ReLU as ``layer``); if ``upsample`` is unknown; and as
        :func:`gradient`.

    Notes
    -----
    * Defaults differ between libraries (reference §2): Captum's
      ``LayerGradCam`` has no ReLU and upsamples with ``"nearest"`` in
      ``LayerAttribution.interpolate``; pytorch-grad-cam applies the ReLU,
      min–max normalises and resizes with ``cv2.resize`` (bilinear).  We
      follow the paper (ReLU) with bilinear upsampling and no
      normalisation, so maps of different images keep their scale.
    * The gradient is taken only down to the layer (``torch.autograd.grad``
      with respect to A), as in Captum; the model is not changed and no
      hook stays registered.
    * When every :math:`\\sum_k \\alpha_k A^k` is negative the map is all
      zero, never NaN.

    References
    ----------
    R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh, D. Batra,
    "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
    Localization", ICCV 2017, arXiv:1610.02391.

    Examples
    --------
    With global average pooling and a linear head, Grad-CAM is the class
    activation map divided by h·w (here w_c = 2, h·w = 4):

    >>> model = nn.Sequential(nn.Identity(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1, 1, bias=False))
    >>> with torch.no_grad():
    ...     _ = model[3].weight.fill_(2.0)
    >>> x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> grad_cam(model, x, 0, layer=model[0], upsample=None).tolist()
    [[[0.5, 1.0], [1.5, 2.0]]]
    """
    check_input(x)
    module = _resolve_layer(model, layer)
    if upsample is not None:
        check_choice(upsample, ("bilinear", "nearest"), name="upsample")
    captured: list[tuple[object, int]] = []

    def keep_output(_module: nn.Module, _inputs: tuple, output: object) -> None:
        captured.append((output, output._version if isinstance(output, torch.Tensor) else 0))

    handle = module.register_forward_hook(keep_output)
    try:
        with eval_mode(model), torch.inference_mode(False), torch.enable_grad():
            inputs = x.detach().clone().requires_grad_(True)  # a fresh leaf: x.grad stays untouched
            scores = check_scores(forward(model, inputs), x.shape[0])
            if len(captured) != 1:
                raise ValueError(
                    f"layer must run exactly once in model's forward pass, it ran {len(captured)} times"
                )
            activation, version = captured[0]
            if not isinstance(activation, torch.Tensor):
                raise TypeError(f"layer must output a tensor, got {type(activation).__name__}")
            if activation.ndim != 4 or activation.shape[0] != x.shape[0]:
                raise ValueError(
                    f"layer must output feature maps (B, K, h, w), got shape {tuple(activation.shape)}"
                )
            if activation._version != version:
                raise ValueError(
                    "layer's output was changed in place later in the forward pass (e.g. by "
                    "nn.ReLU(inplace=True)); choose that later module as layer"
                )
            if not activation.requires_grad:
                raise ValueError("layer's output must depend on x or on trainable parameters")
            indices = target_indices(target, scores)
            selected = scores.gather(1, indices[:, None]).squeeze(1)  # (B,): S_c per example
            (grad,) = torch.autograd.grad(selected.sum(), activation)  # (B, K, h, w), only down to A
    finally:
        handle.remove()
    weights = grad.mean(dim=(2, 3), keepdim=True)  # (B, K, h, w) -> (B, K, 1, 1): eq. 1
    cam = (weights * activation.detach()).sum(dim=1)  # (B, K, h, w) -> (B, h, w): eq. 2
    cam = cam.to(x.dtype)  # the model's dtype -> x's
    if relu:
        cam = cam.clamp(min=0)
    if upsample is None:
        return cam
    align = False if upsample == "bilinear" else None
    return F.interpolate(cam[:, None], size=x.shape[2:], mode=upsample, align_corners=align)[:, 0]  # (B, H, W)


def _window_shape(value: object, channels: int, *, name: str) -> tuple[int, int, int]:
    """An int k → (C, k, k); (h, w) → (C, h, w); (c, h, w) as given; all >= 1."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        dims = (channels, int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) in (2, 3):
        dims = tuple(value) if len(value) == 3 else (channels, *value)
        if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) for v in dims):
            raise TypeError(f"{name} must hold integers, got {value!r}")
    else:
        raise TypeError(f"{name} must be an int, (h, w) or (c, h, w), got {value!r}")
    if min(dims) < 1:
        raise ValueError(f"{name} must be >= 1 in every dimension, got {value!r}")
    return tuple(int(v) for v in dims)  # type: ignore[return-value]


def _occlusion_geometry(
    sizes: tuple[int, int, int], window: object, stride: object
) -> list[list[int]]:
    """Window starts along C, H and W: 0, s, 2s, … (⌈(D − w)/s⌉ + 1 of them each)."""
    windows = _window_shape(window, sizes[0], name="window")
    strides = _window_shape(stride, windows[0], name="stride")  # channels tiled by the window
    if any(w > d for w, d in zip(windows, sizes)):
        raise ValueError(f"window must fit in x's (C, H, W) = {sizes}, got {windows}")
    if any(s > w and w < d for s, w, d in zip(strides, windows, sizes)):
        raise ValueError(
            f"stride must not exceed the window where the window does not fill x, got stride {strides} "
            f"for window {windows} on (C, H, W) = {sizes}"
        )
    return [
        [i * s for i in range(math.ceil((d - w) / s) + 1)]  # the last window is clipped at the border
        for d, w, s in zip(sizes, windows, strides)
    ]


def occlusion_passes(shape: Sequence[int], *, window: object, stride: object) -> int:
    """Forward passes :func:`occlusion` makes per example: 1 + ∏_d (⌈(D_d − w_d)/s_d⌉ + 1).

    ``shape`` is x's (B, C, H, W) (or (C, H, W)); ``window`` and ``stride``
    as in :func:`occlusion`, whose errors this raises too.

    Examples
    --------
    >>> occlusion_passes((1, 3, 64, 64), window=(3, 8, 8), stride=(3, 4, 4))
    226
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__"):
        raise TypeError(f"shape must be (B, C, H, W) or (C, H, W), got {type(shape).__name__}")
    if len(shape) not in (3, 4):
        raise ValueError(f"shape must be (B, C, H, W) or (C, H, W), got {tuple(shape)}")
    sizes = tuple(check_count(d, name="shape", minimum=1) for d in shape)[-3:]
    starts = _occlusion_geometry(sizes, window, stride)  # type: ignore[arg-type]
    return 1 + math.prod(len(axis) for axis in starts)


def occlusion(
    model: nn.Module,
    x: torch.Tensor,
    target: Target,
    *,
    window: int | Sequence[int],
    stride: int | Sequence[int],
    baseline: float | torch.Tensor = 0.0,
    batch_size: int | None = None,
) -> torch.Tensor:
    """Occlusion sensitivity: the score drop when a sliding window is replaced by a baseline.

    .. math:: A_i = \\frac{1}{|W(i)|} \\sum_{m \\in W(i)}
              \\Big( S_c(x) - S_c\\big(x \\odot (1 - m) + x' \\odot m\\big) \\Big)

    Zeiler & Fergus (2014), §4.2 (grey squares slid over the image), in
    Captum's form: :math:`W(i)` is the set of window positions m covering
    element i, and each element gets the **mean** drop of those windows.

    Parameters
    ----------
    model, x, target
        As :func:`gradient` (``None``: top-1 class on the clean x).
    window : int, (h, w) or (c, h, w)
        Occluder size; an int k is (C, k, k) and (h, w) is (C, h, w): the
        window covers every channel unless ``c`` < C.
    stride : int, (h, w) or (c, h, w)
        Shift between windows; an int s is (c_w, s, s) and (h, w) is
        (c_w, h, w), with c_w the window's channel size (channels are tiled,
        not overlapped).  At most the window in each dimension the window
        does not fill.
    baseline : float or tensor
        x', the occluder's values: a number, or a tensor that broadcasts to
        x (e.g. ``x.mean((2, 3), keepdim=True)`` for each image's mean
        colour).
    batch_size : int, optional
        Occluded images per forward pass; by default
        :data:`MAX_CHUNK_ELEMENTS` bounds it.

    Returns
    -------
    torch.Tensor, shape (B, C, H, W), dtype of ``x``
        Signed score drops (positive: occluding hurt class c).

    Raises
    ------
    TypeError
        If ``window``, ``stride`` or ``baseline`` has a wrong type; and as
        :func:`gradient`.
    ValueError
        If the window is larger than x, a size or stride is < 1, a stride
        exceeds the window where the window does not fill the dimension, or
        ``baseline`` does not broadcast to x; and as :func:`gradient`.

    Notes
    -----
    * Convention (Captum's ``Occlusion``): windows start at 0, 0 and step by
      the stride, ⌈(D − w)/s⌉ + 1 positions per dimension; the last one is
      clipped at the border when s does not divide D − w.  The cost is
      :func:`occlusion_passes` = 1 + ∏_d (⌈(D_d − w_d)/s_d⌉ + 1) forward
      passes per example (e.g. (3, 8, 8) windows at stride 4 on 64×64:
      226), no backward pass.
    * PAIR-code's occlusion sums (rather than averages) the covering
      windows; with stride = window (non-overlapping) both are the drop of
      the one window covering i.  Zeiler & Fergus plot the class
      probability, we use the pre-softmax score, as everywhere here.

    References
    ----------
    M. D. Zeiler, R. Fergus, "Visualizing and Understanding Convolutional
    Networks", ECCV 2014, arXiv:1311.2901.

    Examples
    --------
    For a linear score and a zero baseline, a window of one pixel gives
    x ⊙ w; one window over everything gives S(x) − S(0) everywhere.

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1, bias=False))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> x = torch.ones(1, 1, 2, 2)
    >>> occlusion(model, x, 0, window=1, stride=1).flatten().tolist()
    [1.0, 2.0, 3.0, 4.0]
    >>> occlusion(model, x, 0, window=2, stride=1).flatten().tolist()
    [10.0, 10.0, 10.0, 10.0]
    """
    check_input(x)
    sizes = tuple(x.shape[1:])
    windows = _window_shape(window, sizes[0], name="window")
    all_starts = _occlusion_geometry(sizes, window, stride)  # type: ignore[arg-type]
    base = check_baseline(baseline, x)  # (B, C, H, W)
    chunk = chunk_rows(batch_size, x)
    # One 0/1 mask per axis and window position: (n_d, D) each.
    axis_masks = []
    for size, width, starts in zip(sizes, windows, all_starts):
        first = torch.tensor(starts, device=x.device)[:, None]  # (n_d, 1)
        span = torch.arange(size, device=x.device)[None]  # (1, D)
        axis_masks.append(((span >= first) & (span < first + width)).to(x.dtype))  # (n_d, D)
    mask_c, mask_h, mask_w = axis_masks
    counts = (mask_c.shape[0], mask_h.shape[0], mask_w.shape[0])
    n_windows = math.prod(counts)
    # Windows covering each element: a product of per-axis counts, (C, H, W), all >= 1.
    coverage = mask_c.sum(0)[:, None, None] * mask_h.sum(0)[None, :, None] * mask_w.sum(0)[None, None, :]
    batch = x.shape[0]
    with eval_mode(model), torch.inference_mode(False), torch.no_grad():
        source = x.detach()
        scores = check_scores(forward(model, source), batch)  # (B, K): the clean pass
        indices = target_indices(target, scores)  # (B,)
        clean = scores.gather(1, indices[:, None]).squeeze(1)  # (B,)
        total = torch.zeros_like(source)  # Σ over covering windows of the drop
        rows = n_windows * batch
        for start in range(0, rows, chunk):
            row = torch.arange(start, min(start + chunk, rows), device=x.device)  # window-major rows
            position, example = row // batch, row % batch  # (m,), (m,)
            ic, rest = position // (counts[1] * counts[2]), position % (counts[1] * counts[2])
            ih, iw = rest // counts[2], rest % counts[2]
            masks = (
                mask_c[ic][:, :, None, None] * mask_h[ih][:, None, :, None] * mask_w[iw][:, None, None, :]
            )  # (m, C, H, W): the windows of these rows
            occluded = source[example] * (1 - masks) + base[example] * masks  # (m, C, H, W)
            out = check_scores(forward(model, occluded), row.numel())
            drop = clean[example] - out.gather(1, indices[example][:, None]).squeeze(1)  # (m,)
            total.index_add_(0, example, drop.view(-1, 1, 1, 1) * masks)
    return total / coverage  # mean over the covering windows
