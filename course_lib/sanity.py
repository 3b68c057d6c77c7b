"""Sanity checks and faithfulness curves for saliency maps.

Used in notebook 07 (the second part: do the maps depend on the model, and
do they point at the pixels the model uses?).

* The model-parameter randomisation test of Adebayo et al. (2018):
  re-initialise the network from the logits down, layer by layer, and
  measure how much each method's map changes (Spearman rank correlation with
  the trained model's map, with and without absolute value).  A method whose
  map survives the randomisation of the whole network cannot be explaining
  the network.
* Deletion and insertion curves of Petsiuk et al. (2018, RISE): remove (or
  add) pixels in decreasing saliency order and follow the class
  probability; summarised by the area under the curve.

Every function takes the same ``model`` / ``x`` / ``target`` as
:mod:`course_lib.gradients` and composes with its methods by being passed
one (``attribution_fn(model, x, target) -> Tensor``).  The trained model is
never changed: randomisation works on deep copies.

Warning (Tomsett et al. 2020, "Sanity Checks for Saliency Metrics",
AAAI): these metrics depend on their settings (substrate, step, softmax)
and rank methods inconsistently; read them as diagnostics, not as scores.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from scipy.stats import rankdata
from torch import nn

from course_lib._attribution import (
    Target,
    check_baseline,
    check_input,
    check_scores,
    chunk_rows,
    clean_scores,
    eval_mode,
    forward,
    gaussian_blur2d,
    target_indices,
)
from course_lib._validation import MAX_SIGMA, check_count, check_number, check_numbers, check_positive
from course_lib.gradients import AttributionFn


# --------------------------------------------------------------------------
# model-parameter randomisation (Adebayo et al. 2018)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RandomizationResult:
    """Outcome of :func:`parameter_randomization`.

    Attributes
    ----------
    layers : tuple of str or of tuple of str
        The stages, in the order they were randomised (from the logits
        down): a module name, or a tuple of the names re-initialised
        together in one stage (a block); stage i has ``layers[:i + 1]``
        randomised (cascading) or only ``layers[i]`` (independent).
    original : torch.Tensor
        The trained model's maps, as ``attribution_fn`` returns them.
    maps : tuple of torch.Tensor
        The maps after each stage, same shape as ``original``.
    spearman : ndarray of float64, shape (n_stages, B)
        Rank correlation of each stage's map with the original, per example.
    spearman_abs : ndarray of float64, shape (n_stages, B)
        The same on absolute values (equal to ``spearman`` for maps >= 0).
    """

    layers: tuple[str | tuple[str, ...], ...]
    original: torch.Tensor
    maps: tuple[torch.Tensor, ...]
    spearman: npt.NDArray[np.float64]
    spearman_abs: npt.NDArray[np.float64]


def randomizable_layers(model: nn.Module) -> list[str]:
    """Names of the modules with their own parameters and a ``reset_parameters``, logits first.

    The order is the reverse of registration, which is the top-down order
    (logits first) for networks that register modules in forward order, as
    ``nn.Sequential`` and the course's ``ShapesCNN`` do.

    Examples
    --------
    >>> randomizable_layers(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2, 3)))
    ['3', '0']
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names = [
        name
        for name, module in model.named_modules()
        if callable(getattr(module, "reset_parameters", None))
        and any(True for _ in module.parameters(recurse=False))
    ]
    return names[::-1]


def spearman(
    a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray, *, absolute: bool = False
) -> npt.NDArray[np.float64]:
    """Spearman rank correlation between two batches of maps, one value per example.

    .. math:: \\rho = \\mathrm{corr}\\big(\\mathrm{rank}(a), \\mathrm{rank}(b)\\big)

    Pearson correlation of the ranks (ties get their average rank), over
    all elements of each example's map (Adebayo et al. 2018 compare maps
    with it, with and without the absolute value).

    Parameters
    ----------
    a, b : tensor or ndarray, same shape (B, ...)
        Maps; each example is flattened.
    absolute : bool
        Rank :math:`|a|` and :math:`|b|` (ignore the sign).

    Returns
    -------
    ndarray of float64, shape (B,)
        In [−1, 1]; 0 where either map is constant (it has no ranking), so
        the result is never NaN.

    Raises
    ------
    ValueError
        If the shapes differ, there is no batch axis, or a map holds NaN/inf.

    Examples
    --------
    >>> spearman(np.array([[1.0, 2.0, 3.0]]), np.array([[30.0, 20.0, 10.0]])).tolist()
    [-1.0]
    >>> spearman(np.array([[-3.0, 1.0, 2.0]]), np.array([[3.0, 1.0, 2.0]]), absolute=True).tolist()
    [1.0]
    """
    first, second = (
        check_numbers(m.detach().cpu().numpy() if isinstance(m, torch.Tensor) else m, name=name)
        for m, name in ((a, "a"), (b, "b"))
    )
    if first.shape != second.shape or first.ndim < 2:
        raise ValueError(f"a and b must have the same shape (B, ...), got {first.shape} and {second.shape}")
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        raise ValueError("a and b must not contain NaN or inf")
    first, second = first.reshape(len(first), -1), second.reshape(len(second), -1)
    if absolute:
        first, second = np.abs(first), np.abs(second)
    ranks = [rankdata(m, axis=1) for m in (first, second)]  # (B, N) each, average ranks for ties
    centred = [r - r.mean(axis=1, keepdims=True) for r in ranks]
    norms = np.sqrt((centred[0] ** 2).sum(1) * (centred[1] ** 2).sum(1))  # (B,)
    products = (centred[0] * centred[1]).sum(1)
    return np.where(norms > 0, products / np.where(norms > 0, norms, 1.0), 0.0).clip(-1.0, 1.0)


def parameter_randomization(
    attribution_fn: AttributionFn,
    model: nn.Module,
    x: torch.Tensor,
    target: Target,
    *,
    layers: Sequence[str] | None = None,
    cascading: bool = True,
    seed: int = 0,
) -> RandomizationResult:
    """Model-parameter randomisation test: re-initialise layers, compare the maps.

    .. math:: \\rho_i = \\mathrm{Spearman}\\big(E(x; \\theta), \\; E(x; \\theta^{(i)})\\big),
              \\qquad \\theta^{(i)} = \\theta \\text{ with layers } L_1 \\ldots L_i
              \\text{ re-initialised}

    Adebayo et al. (2018), the model-parameter randomization test
    ("cascading": from the top layer down, successively; "independent":
    one layer at a time, the rest trained).  An explanation E that passes changes as the layers it should
    depend on are destroyed (ρ falls); one that fails stays similar, so it
    cannot be explaining what the model learnt.

    Parameters
    ----------
    attribution_fn : callable ``(model, x, target) -> Tensor``
        A method of :mod:`course_lib.gradients`, e.g.
        :func:`~course_lib.gradients.vanilla_saliency` or
        ``functools.partial(grad_cam, layer="features")`` (a ``layer`` given
        by name is looked up in each copy; a module object would point into
        the trained model, so pass names).
    model : torch.nn.Module
        The trained classifier (left unchanged).
    x : torch.Tensor, shape (B, C, H, W)
        Input images.
    target : int, sequence of int, tensor of shape (B,), or None
        Class per example; ``None`` is the trained model's top-1 class,
        kept for every randomised model.
    layers : sequence of str or of sequences of str, optional
        The stages, in order: each a module name, or a list of names
        re-initialised together in one stage (a block of a deep network,
        as the paper's 17 blocks of Inception v3); by default
        :func:`randomizable_layers` (every module with parameters, logits
        first, one stage each).
    cascading : bool
        True: stage i randomises ``layers[:i + 1]`` cumulatively (the
        paper's main test).  False: stage i randomises only ``layers[i]``.
    seed : int
        Stage i re-initialises with ``torch.manual_seed(seed + i)`` inside
        ``torch.random.fork_rng`` (the caller's RNG is left alone); a stage
        of several modules resets them in the order given, after that one
        seed.

    Returns
    -------
    RandomizationResult
        Stage names, the original and per-stage maps, and the Spearman
        correlations (n_stages, B) with and without absolute value.

    Raises
    ------
    TypeError
        If ``attribution_fn`` is not callable or returns no tensor; and as
        :func:`course_lib.gradients.gradient`.
    ValueError
        If ``layers`` is empty or names a module that is missing or cannot
        be re-initialised, or ``attribution_fn`` returns maps of another
        shape after randomisation.

    Notes
    -----
    * By default a stage is one module with parameters (each conv, batch
      norm and linear layer of the shipped model: 14 stages), where the
      paper used Inception v3's 17 blocks; pass lists of names to randomise
      a block per stage (notebook 07, §9a, groups EfficientNet-Lite0's 99
      modules into ten stages: classifier, head, seven blocks, stem).
    * Re-initialisation is each module's own ``reset_parameters()``
      (PyTorch's default initialisation: Kaiming-uniform for convolutions
      and linear layers; batch norm back to the identity with reset running
      statistics), as Quantus's ``MPRT`` does; the paper drew from a
      truncated normal.
    * Only the rank-correlation similarity is computed; the paper also
      reports SSIM and the Pearson correlation of HOG features.
    * Expected outcome (paper, and reference oracle 14): the gradient and
      Grad-CAM fall towards 0; guided backprop stays high.
    * Cost: (1 + n_stages) calls of ``attribution_fn``, one deep copy of the
      model (one per stage when independent).

    References
    ----------
    J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt, B. Kim,
    "Sanity Checks for Saliency Maps", NeurIPS 2018, arXiv:1810.03292.

    Examples
    --------
    >>> from course_lib.gradients import gradient
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    >>> result = parameter_randomization(gradient, model, torch.rand(2, 1, 2, 2), 0)
    >>> result.layers, result.spearman.shape, result.maps[0].shape
    (('1',), (1, 2), torch.Size([2, 1, 2, 2]))
    >>> deeper = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    >>> parameter_randomization(gradient, deeper, torch.rand(2, 1, 2, 2), 0, layers=[["3", "1"]]).layers  # one block
    (('3', '1'),)
    """
    if not callable(attribution_fn):
        raise TypeError(
            f"attribution_fn must be callable (model, x, target) -> Tensor, got {type(attribution_fn).__name__}"
        )
    check_input(x)
    if layers is not None and (isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__")):
        raise TypeError(f"layers must be a list of submodule names or None, got {type(layers).__name__}")
    names = randomizable_layers(model) if layers is None else list(layers)
    if not names:
        raise ValueError("layers must name at least one module with parameters to re-initialise, got none")
    stages = [_stage(stage) for stage in names]  # each stage as a tuple of module names
    for stage in stages:
        for name in stage:
            try:
                module = model.get_submodule(name) if isinstance(name, str) else None
            except AttributeError:
                module = None
            if module is None or not callable(getattr(module, "reset_parameters", None)):
                raise ValueError(f"layers must name submodules of model with a reset_parameters method, got {name!r}")
    seed = check_count(seed, name="seed", minimum=0, maximum=2**62)  # seed + stage stays a valid torch seed
    indices = target_indices(target, clean_scores(model, x))  # (B,): fixed by the trained model
    original = _maps(attribution_fn, model, x, indices, None)
    devices = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})
    maps = []
    working = copy.deepcopy(model)
    for stage, modules in enumerate(stages):
        if not cascading:
            working = copy.deepcopy(model)
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            torch.manual_seed(seed + stage)
            for name in modules:  # one module, or a block's modules in the order given
                working.get_submodule(name).reset_parameters()
        maps.append(_maps(attribution_fn, working, x, indices, original.shape))
    return RandomizationResult(
        layers=tuple(name if isinstance(name, str) else modules for name, modules in zip(names, stages)),
        original=original,
        maps=tuple(maps),
        spearman=np.stack([spearman(original, m) for m in maps]),
        spearman_abs=np.stack([spearman(original, m, absolute=True) for m in maps]),
    )


def _stage(stage: object) -> tuple[object, ...]:
    """One stage of ``layers`` as a tuple of names: a name alone, or a non-empty list of names."""
    if isinstance(stage, str) or isinstance(stage, bytes) or not hasattr(stage, "__iter__"):
        return (stage,)
    modules = tuple(stage)
    if not modules:
        raise ValueError("layers must name at least one module in each stage, got an empty stage")
    return modules


def _maps(
    attribution_fn: AttributionFn,
    model: nn.Module,
    x: torch.Tensor,
    indices: torch.Tensor,
    shape: torch.Size | None,
) -> torch.Tensor:
    """Call ``attribution_fn`` and check it gave a tensor (of the original maps' shape)."""
    maps = attribution_fn(model, x, indices)
    if not isinstance(maps, torch.Tensor):
        raise TypeError(f"attribution_fn must return a tensor, got {type(maps).__name__}")
    if shape is not None and maps.shape != shape:
        raise ValueError(
            f"attribution_fn must return maps of shape {tuple(shape)} for every model, got {tuple(maps.shape)}"
        )
    return maps.detach()


# --------------------------------------------------------------------------
# deletion and insertion (Petsiuk et al. 2018)
# --------------------------------------------------------------------------
def blur(x: torch.Tensor, *, kernel_size: int = 11, sigma: float = 5.0) -> torch.Tensor:
    """Gaussian blur of each channel: RISE's insertion substrate.

    .. math:: g(u) \\propto \\exp\\big(-u^2 / 2\\sigma^2\\big), \\quad
              |u| \\le \\lfloor k/2 \\rfloor, \\qquad \\tilde x = g \\ast_{rows} g \\ast_{cols} x

    A separable, normalised k-tap Gaussian (RISE's ``gkern(klen=11,
    nsig=5)``).

    Parameters
    ----------
    x : torch.Tensor, shape (B, C, H, W)
    kernel_size : int
        k, odd, >= 1.
    sigma : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    torch.Tensor, shape and dtype of ``x``

    Raises
    ------
    TypeError
        If ``kernel_size`` or ``sigma`` is not a number.
    ValueError
        If ``kernel_size`` is even or < 1, or ``sigma`` is not > 0.

    Notes
    -----
    Convention: borders are padded by repeating the edge pixel
    (``"replicate"``), so a constant image stays constant.  RISE pads with
    zeros, which darkens a k/2-pixel frame of the substrate.

    Examples
    --------
    >>> round(float(blur(torch.full((1, 3, 8, 8), 0.5)).max()), 6)
    0.5
    """
    check_input(x)
    kernel_size = check_count(kernel_size, name="kernel_size", minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd, got {kernel_size}")
    sigma = check_positive(sigma, name="sigma")
    sigma = check_number(sigma, name="sigma", minimum=1e-3, maximum=MAX_SIGMA)
    return gaussian_blur2d(x.detach(), sigma, radius=kernel_size // 2, border_type="replicate")


def _check_saliency(saliency: object, x: torch.Tensor) -> torch.Tensor:
    if isinstance(saliency, np.ndarray):
        if saliency.dtype == bool or not np.issubdtype(saliency.dtype, np.number) or np.iscomplexobj(saliency):
            raise TypeError(f"saliency must hold real numbers, got dtype {saliency.dtype}")
        saliency = torch.from_numpy(saliency)
    if not isinstance(saliency, torch.Tensor):
        raise TypeError(f"saliency must be a tensor or ndarray of shape (B, H, W), got {type(saliency).__name__}")
    expected = (x.shape[0], *x.shape[2:])
    if tuple(saliency.shape) != expected:
        raise ValueError(
            f"saliency must have shape (B, H, W) = {expected} to match x, got {tuple(saliency.shape)}; "
            "reduce channel attributions first, e.g. attr.abs().amax(1)"
        )
    if saliency.dtype == torch.bool or saliency.is_complex() or not bool(torch.isfinite(saliency.double()).all()):
        raise ValueError("saliency must hold finite real numbers")
    return saliency.detach().to(x.device)


def _causal_curve(
    model: nn.Module,
    x: torch.Tensor,
    saliency: object,
    *,
    start: torch.Tensor,
    finish: torch.Tensor,
    step: int | None,
    target: Target,
    batch_size: int | None,
) -> npt.NDArray[np.float64]:
    """p_c of ``start`` with the top k·step pixels (by saliency) taken from ``finish``, k = 0…n."""
    batch, _, height, width = x.shape
    ranking = _check_saliency(saliency, x).reshape(batch, -1)  # (B, HW)
    n_pixels = height * width
    # a step of n_pixels or more moves every pixel at once: the same 2-point curve, kept free of overflow
    step = width if step is None else min(check_count(step, name="step", minimum=1), n_pixels)
    n_points = math.ceil(n_pixels / step) + 1
    chunk = chunk_rows(batch_size, x)
    order = torch.argsort(ranking, dim=1, descending=True, stable=True)  # (B, HW): most salient first
    rank = torch.empty_like(order)
    positions = torch.arange(n_pixels, device=x.device).expand(batch, -1)  # (B, HW)
    rank.scatter_(1, order, positions)  # (B, HW): each pixel's place in the order
    rank = rank.view(batch, 1, height, width)
    taken = torch.clamp(torch.arange(n_points, device=x.device) * step, max=n_pixels)  # (n_points,): pixels moved
    curve = torch.empty(batch * n_points, dtype=torch.float64)
    with eval_mode(model), torch.inference_mode(False), torch.no_grad():
        indices = target_indices(target, check_scores(forward(model, x.detach()), batch))  # (B,): clean top-1 by default
        for first in range(0, batch * n_points, chunk):
            row = torch.arange(first, min(first + chunk, batch * n_points), device=x.device)  # example-major rows
            example, point = row // n_points, row % n_points  # (m,), (m,)
            moved = rank[example] < taken[point].view(-1, 1, 1, 1)  # (m, 1, H, W): all channels together
            images = torch.where(moved, finish[example], start[example])  # (m, C, H, W)
            probabilities = F.softmax(check_scores(forward(model, images), row.numel()), dim=1)  # (m, K)
            p_c = probabilities.gather(1, indices[example][:, None]).squeeze(1)  # (m,)
            curve[first : first + row.numel()] = p_c.double().cpu()
    return curve.view(batch, n_points).numpy()


def deletion_curve(
    model: nn.Module,
    x: torch.Tensor,
    saliency: torch.Tensor | np.ndarray,
    *,
    step: int | None = None,
    target: Target = None,
    substrate: float | torch.Tensor | None = None,
    batch_size: int | None = None,
) -> npt.NDArray[np.float64]:
    """Deletion curve: the class probability as the most salient pixels are removed.

    .. math:: d_k = p_c\\big(x \\text{ with its } \\min(k s, HW) \\text{ most salient pixels set to } 0\\big),
              \\qquad k = 0, \\ldots, \\lceil HW / s \\rceil

    Petsiuk, Das & Saenko (2018), the deletion metric, as in their
    ``evaluation.py`` (``CausalMetric``): pixels
    in decreasing saliency, all channels at once, s per step, replaced by
    zeros; :math:`p_c` is the softmax probability of the clean image's top
    class.  A faithful map makes the curve fall fast: **lower** :func:`auc`
    is better.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier mapping (B, C, H, W) to pre-softmax scores (B, K).
    x : torch.Tensor, shape (B, C, H, W)
        Input images.
    saliency : tensor or ndarray, shape (B, H, W)
        One map per example (reduce channel attributions first).
    step : int, optional
        Pixels removed per step; default W (one image row's worth, RISE's
        224 at 224×224).
    target : int, sequence of int, tensor of shape (B,), or None
        Class c; ``None`` (RISE) is each example's top-1 class on the clean x.
    substrate : float, tensor or None
        What removed pixels become; ``None`` is 0 (black in [0, 1] inputs).
        A tensor must broadcast to x.
    batch_size : int, optional
        Images per forward pass; default bounded by
        :data:`course_lib.gradients.MAX_CHUNK_ELEMENTS`.

    Returns
    -------
    ndarray of float64, shape (B, ⌈HW/s⌉ + 1)
        :math:`d_0` (the clean image) to the fully deleted image, in [0, 1].

    Raises
    ------
    TypeError, ValueError
        For a bad ``saliency`` (type, shape, NaN), ``step``, ``substrate``,
        and as :func:`course_lib.gradients.gradient`.

    Notes
    -----
    Ties in the saliency are broken by pixel index (row-major, first
    first; a stable sort), where RISE's ``np.argsort`` + flip leaves them
    unspecified.  Cost: ⌈HW/s⌉ + 2 forward passes per example, no backward.

    References
    ----------
    V. Petsiuk, A. Das, K. Saenko, "RISE: Randomized Input Sampling for
    Explanation of Black-box Models", BMVC 2018, arXiv:1806.07421.

    Examples
    --------
    A two-class linear model, the first score 1·x₁ + 2·x₂ + 3·x₃ + 4·x₄, the
    second 0: removing two pixels per step, most contributing first.

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, bias=False))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]]))
    >>> x = torch.ones(1, 1, 2, 2)
    >>> deletion_curve(model, x, torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]), step=2).round(4).tolist()
    [[1.0, 0.9526, 0.5]]
    """
    check_input(x)
    return _causal_curve(
        model, x, saliency, start=x.detach(), finish=check_baseline(substrate, x, name="substrate"),
        step=step, target=target, batch_size=batch_size,
    )  # fmt: skip


def insertion_curve(
    model: nn.Module,
    x: torch.Tensor,
    saliency: torch.Tensor | np.ndarray,
    *,
    step: int | None = None,
    target: Target = None,
    substrate: float | torch.Tensor | None = None,
    batch_size: int | None = None,
) -> npt.NDArray[np.float64]:
    """Insertion curve: the class probability as the most salient pixels are put back.

    .. math:: i_k = p_c\\big(\\tilde x \\text{ with its } \\min(k s, HW)
              \\text{ most salient pixels taken from } x\\big),
              \\qquad k = 0, \\ldots, \\lceil HW / s \\rceil

    Petsiuk, Das & Saenko (2018), the insertion metric: start from a blurred copy
    :math:`\\tilde x` (:func:`blur`, 11 taps, σ = 5) and insert the original
    pixels in decreasing saliency.  A faithful map makes the curve rise
    fast: **higher** :func:`auc` is better.

    Parameters
    ----------
    model, x, saliency, step, target, batch_size
        As :func:`deletion_curve`.
    substrate : float, tensor or None
        The starting image :math:`\\tilde x`; ``None`` is ``blur(x)``.

    Returns
    -------
    ndarray of float64, shape (B, ⌈HW/s⌉ + 1)
        :math:`i_0` (the substrate) to the clean image, in [0, 1].

    Raises
    ------
    TypeError, ValueError
        As :func:`deletion_curve`.

    Notes
    -----
    The blur pads by replicating the edge (see :func:`blur`); RISE's pads
    with zeros.  Ties are broken as in :func:`deletion_curve`.

    References
    ----------
    V. Petsiuk, A. Das, K. Saenko, "RISE: Randomized Input Sampling for
    Explanation of Black-box Models", BMVC 2018, arXiv:1806.07421.

    Examples
    --------
    The model of :func:`deletion_curve`'s example, inserting into black:

    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, bias=False))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.copy_(torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]]))
    >>> x = torch.ones(1, 1, 2, 2)
    >>> saliency = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    >>> insertion_curve(model, x, saliency, step=2, substrate=0.0).round(4).tolist()
    [[0.5, 0.9991, 1.0]]
    """
    check_input(x)
    start = blur(x) if substrate is None else check_baseline(substrate, x, name="substrate")
    return _causal_curve(
        model, x, saliency, start=start, finish=x.detach(), step=step, target=target, batch_size=batch_size
    )


def auc(curve: npt.ArrayLike) -> float | npt.NDArray[np.float64]:
    """Area under a deletion or insertion curve on [0, 1]: RISE's trapezoid rule.

    .. math:: \\mathrm{AUC} = \\frac{1}{n - 1}
              \\Big(\\sum_{k=0}^{n-1} a_k - \\frac{a_0}{2} - \\frac{a_{n-1}}{2}\\Big)

    (``auc`` in RISE's ``evaluation.py``): the points are taken as equally
    spaced on [0, 1], the last step counted in full even when it moves
    fewer than ``step`` pixels.

    Parameters
    ----------
    curve : array_like, shape (n,) or (B, n)
        n >= 2 points per curve.

    Returns
    -------
    float, or ndarray of float64 of shape (B,)

    Raises
    ------
    ValueError
        If a curve has fewer than 2 points, more than 2 dimensions, or NaN/inf.

    Examples
    --------
    >>> auc([1.0, 0.5, 0.0])
    0.5
    >>> auc([[1.0, 1.0], [0.0, 1.0]]).tolist()
    [1.0, 0.5]
    """
    values = check_numbers(curve, name="curve")
    if values.ndim not in (1, 2) or values.shape[-1] < 2:
        raise ValueError(f"curve must have shape (n,) or (B, n) with n >= 2, got {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("curve must not contain NaN or inf")
    area = (values.sum(-1) - values[..., 0] / 2 - values[..., -1] / 2) / (values.shape[-1] - 1)
    return float(area) if values.ndim == 1 else area
