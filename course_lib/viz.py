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

MAP_CMAP = "magma"


def _axes(ax: Axes | None, figsize: tuple[float, float] = (4, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def show_image(image: np.ndarray, ax: Axes | None = None, *, title: str = "image") -> Axes:
    """Draw an (H, W, 3) RGB or (H, W) grey image in [0, 1] without axes ticks."""
    ax = _axes(ax)
    if image.ndim == 2:
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(np.clip(image, 0, 1))
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
    """Draw an (H, W) map with a perceptually uniform colour map."""
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
    ax = show_image(image, ax, title=title)
    height, width = image.shape[:2]
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
    n = len(panels)
    if n == 0:
        raise ValueError("panels must contain at least one array, got an empty mapping")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols, panel_size * nrows), squeeze=False)
    for ax, (title, array) in zip(axes.flat, panels.items()):
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
    ax = _axes(ax, figsize=(5, 3.5))
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, max(1, len(timings_ms))))
    for colour, (label, times) in zip(colours, timings_ms.items()):
        ax.loglog(sizes[: len(times)], times, "o-", color=colour, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("median time (ms)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
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

    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title, cmap=cmap)
    array = np.asarray(leaves, dtype=float).reshape(-1, 3)
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

    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title)
    points = np.asarray(fixations, dtype=float).reshape(-1, 2)
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

    ax = show_image(image, ax, title=title)
    colours = ["#440154", "#fde725"]  # viridis ends: background, foreground
    labelled = np.ma.masked_equal(np.asarray(seeds), 0)
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

    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title, cmap="gray")
    colours = plt.get_cmap("viridis")(np.linspace(0.95, 0.35, max(1, len(boxes))))
    for colour, (label, box) in zip(colours, boxes.items()):
        row0, col0, row1, col1 = (float(v) for v in box)
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
    ax = _axes(ax, figsize=(5, 3.5))
    colours = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, max(1, len(curves))))
    for colour, (label, values) in zip(colours, curves.items()):
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

    ax = show_image(image, ax, title=title) if image.ndim == 3 else show_map(image, ax, title=title, cmap="gray")
    values = np.asarray(mask, dtype=bool)
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

    ax = _axes(ax, figsize=(6, 4))
    if len(levels) == 0:
        raise ValueError("levels must contain at least one array, got an empty sequence")
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
            limit = float(np.abs(level).max()) or 1.0
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
    n = len(images)
    if n == 0 or not maps:
        raise ValueError(f"images and maps must be non-empty, got {n} images and {len(maps)} methods")
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
