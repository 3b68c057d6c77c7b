"""Shared plumbing of the gradient methods (notebooks 06–08), one private module.

:mod:`course_lib.gradients`, :mod:`course_lib.sanity`, :mod:`course_lib.classvis`
and :mod:`course_lib.quadtree` evaluate a classifier the same way; the helpers
that do it live here under public names (as Captum keeps ``compute_gradients``
in ``captum/_utils/gradient.py``), so no private name crosses a module border.

Conventions (those of :mod:`course_lib.gradients`):

* the model runs in eval mode for the call, and every submodule's own mode is
  restored afterwards, also when the model raises (:func:`eval_mode`);
* inputs may be float16/32/64: :func:`forward` casts them to the model's
  floating dtype and the scores back to the input's, so a float64 ``x`` works
  with a float32 model and results keep ``x``'s dtype;
* gradients are taken with respect to a fresh detached leaf, so the caller's
  ``x`` and its ``.grad`` are left alone.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator, Sequence, Union

import numpy as np
import torch
from torch import nn

from course_lib._validation import check_count, check_tensor

Target = Union[int, Sequence[int], torch.Tensor, np.ndarray, None]

MAX_CHUNK_ELEMENTS = 2**19
"""Default memory bound of the batched methods: input values per model call.

Rows (noisy copies, path points, occluded images) are stacked up to
``MAX_CHUNK_ELEMENTS // (C·H·W)`` per forward/backward pass: 42 images of
3×64×64 (2 MiB of float32 input, roughly 0.1 GiB of activations kept for
the backward pass of the shipped model), 3 of 3×224×224.  On a CPU these
batches were also faster per image than larger ones (about 30 % faster than
170 rows for IG on the shipped model, the activations staying in cache); on
a GPU pass a larger ``batch_size``.
"""


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
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


def check_model(model: object) -> nn.Module:
    """Return ``model`` if it is a ``torch.nn.Module``, else raise ``TypeError``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def check_input(x: object, *, name: str = "x") -> torch.Tensor:
    """Check a (B, C, H, W) finite floating-point tensor and return it (any float dtype)."""
    return check_tensor(x, name=name, ndim=4)


def model_dtype(model: nn.Module) -> torch.dtype | None:
    """The floating dtype of the model's first floating parameter or buffer (None if none)."""
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return None


def forward(model: nn.Module, inputs: torch.Tensor) -> object:
    """``model(inputs)`` with inputs cast to the model's dtype and float scores cast back.

    Images (B, C, H, W) reach the model in channels-last memory layout: oneDNN's
    CPU convolutions and their backward run about a quarter faster on it
    (bench_gradients: 1.37 -> 1.06 ms per image for the shipped model), and every
    value is the same up to float rounding.  The casts and the layout change are
    differentiable, so a gradient with respect to ``inputs`` has ``inputs``' dtype
    (its layout may be channels-last: callers make it contiguous).
    """
    if inputs.ndim == 4:
        inputs = inputs.contiguous(memory_format=torch.channels_last)  # no copy when it already is
    dtype = model_dtype(model)
    out = model(inputs if dtype is None or dtype == inputs.dtype else inputs.to(dtype))
    if isinstance(out, torch.Tensor) and out.is_floating_point() and out.dtype != inputs.dtype:
        out = out.to(inputs.dtype)
    return out


def target_indices(target: Target, scores: torch.Tensor) -> torch.Tensor:
    """Class index per example, a LongTensor (B,), from ``target`` and scores (B, K)."""
    batch, n_classes = scores.shape
    if target is None:
        return scores.detach().argmax(dim=1)  # (B, K) -> (B,): top-1 class
    if isinstance(target, (bool, np.bool_)):
        raise TypeError(f"target must be an int, a sequence of ints, a tensor or None, got {target!r}")
    if isinstance(target, (int, np.integer)):
        if not 0 <= int(target) < n_classes:
            raise ValueError(f"target must lie in [0, {n_classes - 1}], got {int(target)}")
        indices = torch.full((batch,), int(target), dtype=torch.long)
    else:
        if isinstance(target, torch.Tensor):
            values = target.detach().cpu()
        elif isinstance(target, (np.ndarray, list, tuple)):
            try:
                values = torch.as_tensor(np.asarray(target))
            except (TypeError, ValueError, RuntimeError, OverflowError):
                raise TypeError(f"target must hold integers of one class per example, got {target!r}") from None
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


def check_scores(scores: object, batch: int) -> torch.Tensor:
    """Return the model's output if it is a (B, K) tensor, else raise ``ValueError``."""
    if not isinstance(scores, torch.Tensor) or scores.ndim != 2 or scores.shape[0] != batch:
        shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(f"model must return scores of shape (B, n_classes) = ({batch}, K), got {shape}")
    return scores


def score_gradient(
    model: nn.Module, x: torch.Tensor, target: Target
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """∂S_c/∂x for each example's target class c, in eval mode.

    Returns ``(gradient, scores, indices)``: the gradient (B, C, H, W) with
    x's dtype, the selected pre-softmax scores S_c (B,) and the class
    indices (B,), all detached.  Examples are independent in eval mode, so
    the gradient of Σ_b S_{c_b}(x_b) is each example's own gradient.
    """
    check_input(x)
    with eval_mode(model), torch.inference_mode(False), torch.enable_grad():
        # a fresh leaf, so x.grad stays untouched; in forward's layout, so it is not copied again
        inputs = x.detach().clone(memory_format=torch.channels_last).requires_grad_(True)
        scores = check_scores(forward(model, inputs), x.shape[0])
        indices = target_indices(target, scores)
        selected = scores.gather(1, indices[:, None]).squeeze(1)  # (B, K) -> (B,): S_c per example
        (grad,) = torch.autograd.grad(selected.sum(), inputs)  # (B, C, H, W), channels-last
    return grad.detach().contiguous(), selected.detach(), indices



def chunk_rows(batch_size: int | None, x: torch.Tensor) -> int:
    """Rows per model call: ``batch_size``, or the :data:`MAX_CHUNK_ELEMENTS` bound."""
    if batch_size is None:
        return max(1, MAX_CHUNK_ELEMENTS // math.prod(x.shape[1:]))
    return check_count(batch_size, name="batch_size", minimum=1)


def check_baseline(baseline: object, x: torch.Tensor, *, name: str = "baseline") -> torch.Tensor:
    """The baseline as a detached tensor broadcast to x's shape (B, C, H, W) (None: zeros)."""
    if baseline is None:
        return torch.zeros_like(x)
    if isinstance(baseline, (bool, np.bool_)) or not isinstance(baseline, (int, float, np.number, torch.Tensor)):
        raise TypeError(f"{name} must be None, a number or a tensor, got {type(baseline).__name__}")
    if not isinstance(baseline, torch.Tensor):
        if not math.isfinite(float(baseline)):
            raise ValueError(f"{name} must be finite, got {baseline!r}")
        return torch.full_like(x, float(baseline))
    if not baseline.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {baseline.dtype}")
    try:
        expanded = torch.broadcast_to(baseline.detach(), x.shape)
    except RuntimeError:
        raise ValueError(
            f"{name} must broadcast to x's shape {tuple(x.shape)}, got shape {tuple(baseline.shape)}"
        ) from None
    if not bool(torch.isfinite(baseline).all()):
        raise ValueError(f"{name} must not contain NaN or inf")
    return expanded.to(device=x.device, dtype=x.dtype)


def clean_scores(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Pre-softmax scores (B, K) of the clean x, without gradient, in eval mode."""
    with eval_mode(model), torch.inference_mode(False), torch.no_grad():
        return check_scores(forward(model, x.detach()), x.shape[0]).detach()


def torch_generator(seed: object, device: torch.device) -> torch.Generator:
    """A torch generator on ``device`` from an int, a numpy or torch generator, or None."""
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    elif isinstance(seed, np.random.Generator):
        generator.manual_seed(int(seed.integers(2**63 - 1)))
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        generator.manual_seed(check_count(seed, name="seed", minimum=-(2**63), maximum=2**64 - 1))
    else:
        raise TypeError(
            f"seed must be an int, a numpy or torch Generator, or None, got {type(seed).__name__}"
        )
    return generator




BORDER_TYPES = ("replicate", "reflect", "constant")
"""Padding modes of :func:`gaussian_blur2d` (``torch.nn.functional.pad``'s names)."""


def gaussian_blur2d(x: torch.Tensor, sigma: float, *, radius: int, border_type: str = "replicate") -> torch.Tensor:
    """Separable Gaussian blur of each channel of (B, C, H, W): the one torch blur of course_lib.

    .. math:: g(u) \\propto \\exp\\big(-u^2 / 2\\sigma^2\\big), \\quad |u| \\le r, \\qquad
              \\tilde x = g \\ast_{cols} (g \\ast_{rows} x)

    The kernel is computed in float64, normalised to sum 1 and cast to x's
    dtype; rows are filtered first, then columns.

    Convention (kornia's ``gaussian_blur2d(border_type=...)``): ``"replicate"``
    repeats the edge pixel, so a constant image stays constant (the default;
    RISE pads with zeros, ``"constant"``); ``"reflect"`` mirrors without
    repeating the edge and, as it needs a pad smaller than the side, uses
    ``min(r, side − 1)`` taps each side on short axes, the kernel truncated
    and renormalised.
    """
    if border_type not in BORDER_TYPES:
        raise ValueError(f"border_type must be one of {BORDER_TYPES}, got {border_type!r}")
    taps = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))  # (k,), unnormalised
    channels = x.shape[1]
    out = x
    for axis in (2, 3):  # rows (H), then columns (W)
        pad = min(radius, x.shape[axis] - 1) if border_type == "reflect" else radius
        if pad <= 0:
            continue
        weight = kernel[radius - pad : radius + pad + 1]
        weight = (weight / weight.sum()).to(device=x.device, dtype=x.dtype)  # sums to 1
        if axis == 2:
            padded = torch.nn.functional.pad(out, (0, 0, pad, pad), mode=border_type)  # (B, C, H + 2p, W)
            weight = weight.view(1, 1, -1, 1).expand(channels, 1, -1, 1)  # (C, 1, k, 1)
        else:
            padded = torch.nn.functional.pad(out, (pad, pad, 0, 0), mode=border_type)  # (B, C, H, W + 2p)
            weight = weight.view(1, 1, 1, -1).expand(channels, 1, 1, -1)  # (C, 1, 1, k)
        out = torch.nn.functional.conv2d(padded, weight, groups=channels)  # back to (B, C, H, W)
    return out
