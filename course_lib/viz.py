"""Plotting helpers: pure matplotlib, no computation.

Used in every notebook.  Each function draws arrays it is given onto an Axes
(a new one when ``ax`` is None) and returns it; nothing here computes a map,
resizes one or normalises one — that is the algorithms' job, so what a figure
shows is exactly what a tested function returned.  Colour maps are
perceptually uniform (magma for maps, viridis for curves), never jet.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_lib._validation import (
    check_count,
    check_image,
    check_map,
    check_number,
    check_numbers,
    check_positive,
    check_probability,
)

MAP_CMAP = "magma"

MAX_PANELS = 400
"""Most panels (or pyramid levels, figure rows) one call draws: bounds the figure."""


# --------------------------------------------------------------------------
# input checks: every function checks what it draws before it draws anything
# --------------------------------------------------------------------------
def _axes(ax: Axes | None, figsize: tuple[float, float] = (4, 4)) -> Axes:
    _check_ax(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _check_ax(ax: object) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")


def _check_text(value: object, *, name: str, optional: bool = False) -> None:
    if not (isinstance(value, str) or (optional and value is None)):
        kinds = "a string or None" if optional else "a string"
        raise TypeError(f"{name} must be {kinds}, got {type(value).__name__}")


def _check_cmap(cmap: object, *, name: str = "cmap") -> None:
    from matplotlib import colormaps
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return
    if not isinstance(cmap, str):
        raise TypeError(f"{name} must be a colour map name or Colormap, got {type(cmap).__name__}")
    if cmap not in colormaps:
        raise ValueError(f"{name} must name a matplotlib colour map (e.g. 'magma'), got {cmap!r}")


def _check_colour(colour: object, *, name: str = "colour") -> None:
    from matplotlib.colors import is_color_like

    if not isinstance(colour, str):
        raise TypeError(f"{name} must be a colour string (e.g. '#fde725'), got {type(colour).__name__}")
    if not is_color_like(colour):
        raise ValueError(f"{name} must be a matplotlib colour (e.g. '#fde725'), got {colour!r}")


def _check_flag(value: object, *, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")


def _image_or_map(image: object, *, name: str = "image") -> np.ndarray:
    """An (H, W, 3) image (dtype rule of check_image, clipped to [0, 1]) or an (H, W) map."""
    if isinstance(image, np.ndarray) and image.ndim == 3:
        return np.clip(check_image(image, ndim=(3,), name=name, unit_range=False), 0, 1)
    return check_map(image, ndim=(2,), name=name, allow_minus_inf=True)


def _points(values: object, *, width: int, name: str) -> np.ndarray:
    """A (k, width) array of finite real numbers (lists accepted)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be an array of shape (k, {width}), got {type(values).__name__}")
    array = check_numbers(values, name=name)
    if array.size == 0:
        return np.zeros((0, width))
    if array.ndim not in (1, 2) or array.shape[-1] != width or (array.ndim == 1 and array.size != width):
        raise ValueError(f"{name} must have shape (k, {width}), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return array.reshape(-1, width)


def _check_mapping(value: object, *, name: str) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping (e.g. a dict) of name -> values, got {type(value).__name__}")
    if len(value) > MAX_PANELS:
        raise ValueError(f"{name} must have at most {MAX_PANELS} entries, got {len(value)}")
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"{name} must have string keys, got {type(key).__name__}")


def _sequence(values: object, *, name: str) -> np.ndarray:
    """A 1-D sequence of finite numbers."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    array = check_numbers(values, name=name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return array


def show_image(image: np.ndarray, ax: Axes | None = None, *, title: str = "image") -> Axes:
    """Draw an (H, W, 3) RGB or (H, W) grey image in [0, 1] without axes ticks.

    Integer images are scaled by their dtype's range; floats are clipped to [0, 1].
    """
    image = np.clip(check_image(image, ndim=(2, 3), unit_range=False), 0, 1)
    _check_text(title, name="title")
    ax = _axes(ax)
    if image.ndim == 2:
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(image)
    ax.set_title(title)
    ax.set_axis_off()
    return ax


def show_map(
    saliency_map: np.ndarray,
    ax: Axes | None = None,
    *,
    title: str = "saliency map",
    cmap: str = MAP_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = False,
) -> Axes:
    """Draw an (H, W) map with a perceptually uniform colour map (−inf, e.g. inhibited, drawn as bad)."""
    saliency_map = check_map(saliency_map, name="saliency_map", allow_minus_inf=True)
    _check_text(title, name="title")
    _check_cmap(cmap)
    vmin = None if vmin is None else check_number(vmin, name="vmin")
    vmax = None if vmax is None else check_number(vmax, name="vmax")
    _check_flag(colorbar, name="colorbar")
    ax = _axes(ax)
    artist = ax.imshow(saliency_map, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_title(title)
    ax.set_axis_off()
    if colorbar:
        ax.figure.colorbar(artist, ax=ax, fraction=0.046, pad=0.04, label="saliency")
    return ax


def overlay_map(
    image: np.ndarray,
    saliency_map: np.ndarray,
    ax: Axes | None = None,
    *,
    alpha: float = 0.6,
    title: str = "saliency over image",
    cmap: str = MAP_CMAP,
) -> Axes:
    """Draw a map over its image, stretched to the image's extent.

    The map may be coarser than the image (e.g. an Itti–Koch map at scale 4):
    matplotlib stretches it to the same extent, nothing is resampled here.
    """
    saliency_map = check_map(saliency_map, name="saliency_map", allow_minus_inf=True)
    alpha = check_probability(alpha, name="alpha")
    _check_cmap(cmap)
    ax = show_image(image, ax, title=title)
    height, width = np.shape(image)[:2]
    ax.imshow(saliency_map, cmap=cmap, alpha=alpha, extent=(-0.5, width - 0.5, height - 0.5, -0.5))
    return ax


def show_grid(
    panels: Mapping[str, np.ndarray],
    *,
    ncols: int = 4,
    cmap: str = MAP_CMAP,
    panel_size: float = 3.0,
    suptitle: str | None = None,
) -> Figure:
    """Draw titled panels in a grid: (H, W, 3) as images, (H, W) as maps."""
    _check_mapping(panels, name="panels")
    n = len(panels)
    if n == 0:
        raise ValueError("panels must contain at least one array, got an empty mapping")
    checked = {title: _image_or_map(array, name=f"panels[{title!r}]") for title, array in panels.items()}
    ncols = check_count(ncols, name="ncols", minimum=1)
    _check_cmap(cmap)
    panel_size = check_number(panel_size, name="panel_size", minimum=0.1, maximum=100)
    _check_text(suptitle, name="suptitle", optional=True)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols, panel_size * nrows), squeeze=False)
    for ax, (title, array) in zip(axes.flat, checked.items()):
        if array.ndim == 3:
            show_image(array, ax, title=title)
        else:
            show_map(array, ax, title=title, cmap=cmap)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_timings(
    sizes: Sequence[float],
    timings_ms: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    title: str = "run time against image size",
    xlabel: str = "pixels N",
) -> Axes:
    """Log–log plot of run time (ms) against problem size, one line per method."""
    sizes = _sequence(sizes, name="sizes")
    if (sizes <= 0).any():
        raise ValueError(f"sizes must be > 0 for a log axis, got {sizes.tolist()}")
    _check_mapping(timings_ms, name="timings_ms")
    for label, times in timings_ms.items():
        values = _sequence(times, name=f"timings_ms[{label!r}]")
        if len(values) > len(sizes) or (values <= 0).any():
            raise ValueError(
                f"timings_ms[{label!r}] must hold times > 0, at most one per entry of sizes ({len(sizes)}), "
                f"got {values.tolist()}"
            )
    _check_text(title, name="title")
    _check_text(xlabel, name="xlabel")
    ax = _axes(ax, figsize=(5, 3.5))
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, max(1, len(timings_ms))))
    for colour, (label, times) in zip(colours, timings_ms.items()):
        ax.loglog(sizes[: len(times)], times, "o-", color=colour, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("median time (ms)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if timings_ms:
        ax.legend()
    return ax


def show_leaves(
    image: np.ndarray,
    leaves: np.ndarray | Sequence[tuple[int, int, int]],
    ax: Axes | None = None,
    *,
    title: str = "quadtree leaves",
    colour: str = "#35b779",
    linewidth: float = 0.6,
    cmap: str = "gray",
) -> Axes:
    """Draw an image (or map, with ``cmap``) with the outline of every (row, col, size) leaf."""
    from matplotlib.collections import PolyCollection

    array = _points(leaves, width=3, name="leaves")
    _check_colour(colour)
    linewidth = check_positive(linewidth, name="linewidth")
    image = _image_or_map(image)
    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title, cmap=cmap)
    top, left, size = array[:, 0] - 0.5, array[:, 1] - 0.5, array[:, 2]
    squares = np.stack([
        np.stack([left, top], 1), np.stack([left + size, top], 1),
        np.stack([left + size, top + size], 1), np.stack([left, top + size], 1),
    ], axis=1)
    ax.add_collection(PolyCollection(squares, facecolors="none", edgecolors=colour, linewidths=linewidth))
    return ax


def show_scanpath(
    image: np.ndarray,
    fixations: np.ndarray,
    ax: Axes | None = None,
    *,
    ior_radius: float | None = None,
    title: str = "scanpath",
    colour: str = "#fde725",
) -> Axes:
    """Draw numbered fixations (row, col in image pixels) joined in order.

    With ``ior_radius`` (image pixels) each fixation's inhibition-of-return
    disk is outlined too.
    """
    from matplotlib.patches import Circle

    points = _points(fixations, width=2, name="fixations")
    if len(points) > MAX_PANELS:
        raise ValueError(f"fixations must hold at most {MAX_PANELS} fixations, got {len(points)}")
    ior_radius = None if ior_radius is None else check_positive(ior_radius, name="ior_radius")
    _check_colour(colour)
    image = _image_or_map(image)
    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title)
    ax.plot(points[:, 1], points[:, 0], "-", color=colour, linewidth=1.2, alpha=0.8)
    for number, (row, col) in enumerate(points, start=1):
        ax.plot(col, row, "o", markersize=14, markerfacecolor="black", markeredgecolor=colour, alpha=0.8)
        ax.text(col, row, str(number), color=colour, ha="center", va="center", fontsize=8, fontweight="bold")
        if ior_radius is not None:
            ax.add_patch(Circle((col, row), ior_radius, fill=False, edgecolor=colour, linestyle="--", linewidth=0.8))
    return ax


def show_seeds(
    image: np.ndarray,
    seeds: np.ndarray,
    ax: Axes | None = None,
    *,
    title: str = "saliency seeds",
    alpha: float = 0.7,
) -> Axes:
    """Draw an image with its localisation seeds over it (notebook 07).

    ``seeds`` is an (H, W) integer map: 1 foreground (yellow), -1
    background (dark purple), 0 unlabelled (not drawn), as from
    ``localization.saliency_seeds``.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    seeds = check_map(seeds, name="seeds")
    if not np.isin(seeds, (-1, 0, 1)).all():
        raise ValueError("seeds must hold only -1, 0 and 1")
    if seeds.shape != np.shape(image)[:2]:
        raise ValueError(f"seeds must have the image's height and width {np.shape(image)[:2]}, got {seeds.shape}")
    alpha = check_probability(alpha, name="alpha")
    ax = show_image(image, ax, title=title)
    colours = ["#440154", "#fde725"]  # viridis ends: background, foreground
    labelled = np.ma.masked_equal(seeds, 0)
    ax.imshow(labelled, cmap=ListedColormap(colours), vmin=-1, vmax=1, alpha=alpha, interpolation="nearest")
    ax.legend(
        handles=[Patch(color=colours[1], label="foreground seed"), Patch(color=colours[0], label="background seed")],
        loc="lower right", fontsize=7, framealpha=0.8,
    )
    return ax


def show_boxes(
    image: np.ndarray,
    boxes: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    title: str = "boxes",
) -> Axes:
    """Draw an image (or (H, W) mask/map) with labelled boxes (row0, col0, row1, col1), ends exclusive."""
    from matplotlib.patches import Rectangle

    _check_mapping(boxes, name="boxes")
    checked = {label: _points(box, width=4, name=f"boxes[{label!r}]") for label, box in boxes.items()}
    for label, box in checked.items():
        if box.shape != (1, 4):
            raise ValueError(f"boxes[{label!r}] must be 4 numbers (row0, col0, row1, col1), got shape {box.shape}")
    image = _image_or_map(image)
    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title, cmap="gray")
    colours = plt.get_cmap("viridis")(np.linspace(0.95, 0.35, max(1, len(boxes))))
    for colour, (label, box) in zip(colours, checked.items()):
        row0, col0, row1, col1 = (float(v) for v in box[0])
        ax.add_patch(Rectangle((col0 - 0.5, row0 - 0.5), col1 - col0, row1 - row0, fill=False,
                               edgecolor=colour, linewidth=2, label=label))
    if boxes:
        ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    return ax


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    title: str = "curves",
    xlabel: str = "step",
    ylabel: str = "value",
) -> Axes:
    """Plot one line per named sequence against its index (e.g. a score trajectory)."""
    _check_mapping(curves, name="curves")
    checked = {label: _sequence(values, name=f"curves[{label!r}]") for label, values in curves.items()}
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        _check_text(text, name=name)
    ax = _axes(ax, figsize=(5, 3.5))
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, max(1, len(curves))))
    for colour, (label, values) in zip(colours, checked.items()):
        ax.plot(np.arange(len(values)), values, color=colour, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if curves:
        ax.legend(fontsize=8)
    return ax


def show_mask(
    image: np.ndarray,
    mask: np.ndarray,
    ax: Axes | None = None,
    *,
    title: str = "mask",
    colour: str = "#fde725",
    alpha: float = 0.6,
    outline: bool = False,
) -> Axes:
    """Draw an image with the pixels of an (H, W) boolean mask tinted (notebook 09).

    With ``outline=True`` only the mask's border is drawn (a contour), e.g.
    the salient region of a ROI JPEG; otherwise every masked pixel is tinted,
    e.g. the pixels that seam carving removed.
    """
    from matplotlib.colors import ListedColormap

    if not isinstance(mask, np.ndarray) or mask.dtype != bool:
        raise TypeError(f"mask must be a boolean numpy array, got {getattr(mask, 'dtype', type(mask).__name__)}")
    if mask.shape != np.shape(image)[:2]:
        raise ValueError(f"mask must have the image's height and width {np.shape(image)[:2]}, got {mask.shape}")
    _check_colour(colour)
    alpha = check_probability(alpha, name="alpha")
    _check_flag(outline, name="outline")
    image = _image_or_map(image)
    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title, cmap="gray")
    values = mask
    if outline:
        if values.any() and not values.all():
            ax.contour(values.astype(float), levels=[0.5], colors=[colour], linewidths=1.5)
    else:
        ax.imshow(np.ma.masked_equal(values.astype(np.uint8), 0), cmap=ListedColormap([colour]),
                  vmin=0, vmax=1, alpha=alpha, interpolation="nearest")
    return ax


def show_scores(
    scores: Mapping[str, float],
    ax: Axes | None = None,
    *,
    title: str = "scores",
    digits: int = 3,
) -> Axes:
    """Draw named scores as a two-column text table (notebook 05: the metrics of one map).

    An empty mapping draws only the title (e.g. "no ground truth").
    """
    _check_mapping(scores, name="scores")
    for name, value in scores.items():
        if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, (bool, np.bool_)):
            raise TypeError(f"scores[{name!r}] must be a number, got {type(value).__name__}")
    digits = check_count(digits, name="digits", minimum=0, maximum=12)
    _check_text(title, name="title")
    ax = _axes(ax, figsize=(3, 3))
    ax.set_axis_off()
    ax.set_title(title)
    if scores:
        rows = [[name, f"{value:.{digits}f}"] for name, value in scores.items()]
        table = ax.table(cellText=rows, colLabels=["metric", "value"], loc="center", cellLoc="left")
        table.scale(1, 1.5)
    return ax


def show_pyramid(
    levels: Sequence[np.ndarray],
    ax: Axes | None = None,
    *,
    title: str = "pyramid",
    highlight: int | None = None,
    signed: bool = False,
    cmap: str = "gray",
    colour: str = "#fde725",
) -> Axes:
    """Draw pyramid levels pixel for pixel, at their true relative size (notebook 01).

    Level 0 is drawn on the left; levels 1, 2, … are stacked top to bottom in
    one column to its right, each level's pixel one pixel of the canvas, so
    scale σ looks 2^σ times smaller.  (H, W, 3) levels are drawn as RGB,
    (H, W) levels with ``cmap`` on [0, 1].  With ``signed=True`` (Laplacian
    bands) every level is drawn with ``cividis`` and its own symmetric colour
    limits ±max|level|; only the colour limits change, not the data.
    ``highlight`` outlines one level.
    """
    from matplotlib.patches import Rectangle

    if isinstance(levels, (str, bytes, np.ndarray)) or not isinstance(levels, Sequence):
        raise TypeError(f"levels must be a list of arrays, got {type(levels).__name__}")
    if len(levels) == 0:
        raise ValueError("levels must contain at least one array, got an empty sequence")
    if len(levels) > MAX_PANELS:
        raise ValueError(f"levels must hold at most {MAX_PANELS} arrays, got {len(levels)}")
    levels = [_image_or_map(level, name=f"levels[{k}]") for k, level in enumerate(levels)]
    if highlight is not None:
        highlight = check_count(highlight, name="highlight", minimum=0, maximum=len(levels) - 1)
    _check_flag(signed, name="signed")
    _check_cmap(cmap)
    _check_colour(colour)
    ax = _axes(ax, figsize=(6, 4))
    height, width = levels[0].shape[:2]
    x, y, right, bottom = 0, 0, width, height
    for index, level in enumerate(levels):
        rows, cols = level.shape[:2]
        if index == 1:
            x, y = width, 0
        extent = (x - 0.5, x + cols - 0.5, y + rows - 0.5, y - 0.5)
        if level.ndim == 3:
            ax.imshow(np.clip(level, 0, 1), extent=extent, interpolation="nearest")
        elif signed:
            limit = float(np.abs(level[np.isfinite(level)]).max(initial=0.0)) or 1.0
            ax.imshow(level, cmap="cividis", vmin=-limit, vmax=limit, extent=extent, interpolation="nearest")
        else:
            ax.imshow(level, cmap=cmap, vmin=0, vmax=1, extent=extent, interpolation="nearest")
        if index == highlight:
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), cols, rows, fill=False, edgecolor=colour, linewidth=2))
        right, bottom = max(right, x + cols), max(bottom, y + rows)
        if index >= 1:
            y += rows
    ax.set_xlim(-0.5, right - 0.5)
    ax.set_ylim(bottom - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_axis_off()
    return ax


def show_method_grid(
    images: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    cmap: str = MAP_CMAP,
    panel_size: float = 1.9,
    suptitle: str | None = None,
) -> Figure:
    """Draw one row per image: the image, then each method's map (notebook 07, Part 2).

    ``images`` is (N, H, W, 3) in [0, 1]; ``maps`` maps a method name to its
    (N, H, W) maps.  Each panel has its own colour scale (the maps' units
    differ between methods), so compare where a map is high, not how high.
    """
    _check_mapping(maps, name="maps")
    if not maps or (isinstance(images, np.ndarray) and images.ndim == 4 and len(images) == 0):
        count = len(images) if isinstance(images, np.ndarray) else "no"
        raise ValueError(f"images and maps must be non-empty, got {count} images and {len(maps)} methods")
    images = np.clip(check_image(images, ndim=(4,), name="images", channels=None, unit_range=False), 0, 1)
    if images.shape[3] != 3:
        raise ValueError(f"images must have shape (N, H, W, 3), got shape {images.shape}")
    n = len(images)
    if n * (len(maps) + 1) > MAX_PANELS:
        raise ValueError(f"images and maps must make at most {MAX_PANELS} panels, got {n} × {len(maps) + 1}")
    maps = {name: check_map(m, ndim=(3,), name=f"maps[{name!r}]", allow_minus_inf=True) for name, m in maps.items()}
    for name, m in maps.items():
        if len(m) != n:
            raise ValueError(f"maps[{name!r}] must hold one map per image of images ({n}), got shape {m.shape}")
    _check_cmap(cmap)
    panel_size = check_number(panel_size, name="panel_size", minimum=0.1, maximum=100)
    _check_text(suptitle, name="suptitle", optional=True)
    fig, axes = plt.subplots(n, len(maps) + 1, figsize=(panel_size * (len(maps) + 1), panel_size * n),
                             squeeze=False)
    for row, image in enumerate(images):
        show_image(image, axes[row, 0], title="image" if row == 0 else "")
        for ax, (name, method_maps) in zip(axes[row, 1:], maps.items()):
            show_map(method_maps[row], ax, title=name if row == 0 else "", cmap=cmap)
    for ax in axes[0]:
        ax.title.set_fontsize(9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def clip_at_percentile(saliency: np.ndarray, q: float = 99.0) -> np.ndarray:
    """``saliency`` divided by its ``q``-th percentile and clipped at 1, for display.

    A gradient map of a photograph has a few extreme pixels that would leave
    the rest black under a plain min-max scale (notebook 06, §9).

    >>> clip_at_percentile(np.array([[0.0, 1.0], [2.0, 100.0]]), 50).round(3).tolist()
    [[0.0, 0.667], [1.0, 1.0]]
    """
    saliency = check_map(saliency, name="saliency")
    q = check_positive(q, name="q")
    if q > 100:
        raise ValueError(f"q must be in (0, 100], got {q!r}")
    scale = float(np.percentile(saliency, q))
    return np.minimum(saliency / max(scale, 1e-12), 1.0)
