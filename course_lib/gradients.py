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
* they work inside a caller's ``torch.no_grad()`` or ``torch.inference_mode()``.

The private helpers ``_eval_mode``, ``_check_input``, ``_target_indices`` and
``_score_gradient`` hold that plumbing, for the later methods of this module.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Iterator, Sequence, Union

import numpy as np
import torch
from torch import nn

Target = Union[int, Sequence[int], torch.Tensor, np.ndarray, None]


# --------------------------------------------------------------------------
# shared plumbing
# --------------------------------------------------------------------------
@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put every submodule in eval mode, then restore each one's own flag."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    flags = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, flag in flags:
            module.training = flag


def _check_input(x: object, *, name: str = "x") -> torch.Tensor:
    """Check a (B, C, H, W) finite floating-point tensor and return it."""
    if not isinstance(x, torch.Tensor):
        hint = "; convert images with course_lib.images.to_tensor" if isinstance(x, np.ndarray) else ""
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, C, H, W), got {type(x).__name__}{hint}")
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (B, C, H, W), got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one example, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must not contain NaN or inf")
    return x


def _target_indices(target: Target, scores: torch.Tensor) -> torch.Tensor:
    """Class index per example, a LongTensor (B,), from ``target`` and scores (B, K)."""
    batch, n_classes = scores.shape
    if target is None:
        return scores.detach().argmax(dim=1)  # (B, K) -> (B,): top-1 class
    if isinstance(target, (bool, np.bool_)):
        raise TypeError(f"target must be an int, a sequence of ints, a tensor or None, got {target!r}")
    if isinstance(target, (int, np.integer)):
        indices = torch.full((batch,), int(target), dtype=torch.long)
    else:
        if isinstance(target, torch.Tensor):
            values = target.detach().cpu()
        elif isinstance(target, (np.ndarray, list, tuple)):
            values = torch.as_tensor(np.asarray(target))
        else:
            raise TypeError(
                f"target must be an int, a sequence of ints, a tensor or None, got {type(target).__name__}"
            )
        if values.dtype == torch.bool or values.is_floating_point() or values.is_complex():
            raise TypeError(f"target must hold integers, got dtype {values.dtype}")
        if values.ndim == 0:
            values = values.expand(batch)
        if values.shape != (batch,):
            raise ValueError(
                f"target must be an int or hold one class per example ({batch}), "
                f"got shape {tuple(values.shape)}"
            )
        indices = values.to(torch.long)
    if bool(((indices < 0) | (indices >= n_classes)).any()):
        raise ValueError(f"target must lie in [0, {n_classes - 1}], got {indices.tolist()}")
    return indices.to(scores.device)


def _score_gradient(
    model: nn.Module, x: torch.Tensor, target: Target
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """∂S_c/∂x for each example's target class c, in eval mode.

    Returns ``(gradient, scores, indices)``: the gradient (B, C, H, W) with
    x's dtype, the selected pre-softmax scores S_c (B,) and the class
    indices (B,), all detached.  Examples are independent in eval mode, so
    the gradient of Σ_b S_{c_b}(x_b) is each example's own gradient.
    """
    _check_input(x)
    with _eval_mode(model), torch.inference_mode(False), torch.enable_grad():
        inputs = x.detach().clone().requires_grad_(True)  # a fresh leaf: x.grad stays untouched
        scores = model(inputs)
        if not isinstance(scores, torch.Tensor) or scores.ndim != 2 or scores.shape[0] != x.shape[0]:
            shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
            raise ValueError(
                f"model must return scores of shape (B, n_classes) = ({x.shape[0]}, K), got {shape}"
            )
        indices = _target_indices(target, scores)
        selected = scores.gather(1, indices[:, None]).squeeze(1)  # (B, K) -> (B,): S_c per example
        (grad,) = torch.autograd.grad(selected.sum(), inputs)  # (B, C, H, W)
    return grad.detach(), selected.detach(), indices


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
    grad, _, _ = _score_gradient(model, x, target)
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
    grad, _, _ = _score_gradient(model, x, target)
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
    grad, _, _ = _score_gradient(model, x, target)
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
    _check_input(x)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    batch, channels, height, width = x.shape
    if elements is None:
        flat = torch.arange(channels * height * width)
    else:
        coords = torch.as_tensor(np.asarray(elements, dtype=np.int64).reshape(-1, 3))
        upper = torch.tensor([channels, height, width])
        if coords.shape[0] == 0 or bool(((coords < 0) | (coords >= upper)).any()):
            raise ValueError(
                f"elements must be non-empty (channel, row, col) triples within "
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
    with _eval_mode(double), torch.inference_mode(False), torch.no_grad():
        point = x.detach().to(device=device, dtype=torch.float64).reshape(batch, -1)  # (B, CHW)
        indices = _target_indices(target, double(point.reshape(x.shape)))  # (B,)
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
