"""Slider explorers, one per concept, for the notebooks.

Used in every notebook.  Each explorer binds ipywidgets controls to a plain,
tested algorithm from course_lib and a ``viz`` function that draws its
result; there is no maths here.  Each explorer draws into one figure that it
keeps, clearing and redrawing the same axes on every change, so the output
area does not grow.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_lib import attention, baselines, datasets, images, itti_koch, models, quadtree, viz


@lru_cache(maxsize=16)
def _sample(name: str) -> np.ndarray:
    return images.load_image(name)


def figure_explorer(
    draw: Callable[..., None],
    *,
    ncols: int = 2,
    panel_size: float = 3.5,
    **controls: widgets.ValueWidget,
) -> widgets.interactive:
    """Bind ``controls`` to ``draw(axes, **values)`` on one persistent figure.

    Parameters
    ----------
    draw : callable
        ``draw(axes, **values)``; receives the figure's axes (a list), already
        cleared, and the current control values.
    ncols : int
        Number of panels in the figure.
    panel_size : float
        Size of each panel in inches.
    **controls
        ipywidgets controls, keyed by the ``draw`` argument they set.

    Returns
    -------
    ipywidgets.interactive
        Display it (last line of a cell) to show the controls and figure.
    """
    figure, axes = plt.subplots(1, ncols, figsize=(panel_size * ncols, panel_size), squeeze=False)
    plt.close(figure)  # shown through the widget's output, not by the inline backend
    axes_list: list[Axes] = list(axes.flat)

    def update(**values: object) -> None:
        for ax in axes_list:
            ax.clear()
        draw(axes_list, **values)
        _redraw(figure)

    explorer = widgets.interactive(update, **controls)
    explorer.figure = figure  # kept so tests and notebooks can inspect the drawing
    return explorer


def _redraw(figure: Figure) -> None:
    figure.tight_layout()
    display(figure)


def lc_explorer(sample: str = "astronaut") -> widgets.interactive:
    """Image picker + LC variant + blur slider (notebook 00, §4).

    Shows the image and ``blur_map(lc_saliency(image, channels=...), sigma)``.
    """

    def draw(axes: list[Axes], image_name: str, channels: str, blur_sigma: float) -> None:
        image = _sample(image_name)
        saliency = baselines.blur_map(baselines.lc_saliency(image, channels=channels), blur_sigma)
        viz.show_image(image, axes[0], title=image_name)
        viz.show_map(saliency, axes[1], title=f"LC ({channels}), blur σ = {blur_sigma:g} px", vmin=0, vmax=1)

    return figure_explorer(
        draw,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        channels=widgets.ToggleButtons(options=["grey", "rgb"], value="grey", description="channels"),
        blur_sigma=widgets.FloatSlider(value=0.0, min=0.0, max=10.0, step=0.5, description="blur σ"),
    )


def quadtree_explorer(sample: str = "camera") -> widgets.interactive:
    """Threshold τ, minimum leaf size and criterion → leaves and reconstruction (notebook 08, §1)."""

    def draw(axes: list[Axes], image_name: str, threshold: float, min_size: int, criterion: str) -> None:
        image = images.to_grey(_sample(image_name))
        leaves = quadtree.decompose_array(image, threshold, min_size, criterion=criterion)
        summary = quadtree.summarize(image, leaves, min_size=min_size)
        viz.show_leaves(image, leaves, axes[0], title=f"N' = {summary.n_leaves} leaves\nN'/N² = {summary.leaf_fraction:.3f}")
        viz.show_map(
            quadtree.reconstruct(image, leaves), axes[1], cmap="gray", vmin=0, vmax=1,
            title=f"mean fill: PSNR {summary.psnr_db:.1f} dB\n{summary.min_size_area:.0%} of the area in min-size leaves",
        )

    return figure_explorer(
        draw,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        threshold=widgets.FloatSlider(value=0.2, min=0.0, max=1.0, step=0.02, description="τ"),
        min_size=widgets.Dropdown(options=[1, 2, 4, 8, 16], value=2, description="min size"),
        criterion=widgets.ToggleButtons(options=["range", "std"], value="range", description="criterion"),
    )


@lru_cache(maxsize=4)
def _dense_occlusion_case(index: int, cell_size: int) -> tuple:
    model = models.load_model("shapes-cnn")
    batch = datasets.make_split(index + 1, split="test")
    x = images.to_tensor(batch.images[index])
    target = int(batch.labels[index])
    dense, passes = quadtree.dense_occlusion(model, x, target, cell_size=cell_size, batch_size=256)
    return model, batch.images[index], x, target, dense, passes


def occlusion_explorer(index: int = 0, *, min_size: int = 2) -> widgets.interactive:
    """Policy × threshold for coarse-to-fine occlusion vs the dense map (notebook 08, §4).

    The dense map of held-out test image ``index`` is computed once and cached.
    """

    def draw(axes: list[Axes], policy: str, threshold: float) -> None:
        model, image, x, target, dense, passes = _dense_occlusion_case(index, min_size)
        result = quadtree.coarse_to_fine_occlusion(
            model, x, target, start_size=16, min_size=min_size, policy=policy, threshold=threshold, batch_size=256
        )
        share, pearson = quadtree.compare_to_dense(result, dense, passes)
        viz.show_map(dense, axes[0], title=f"dense {min_size}-px occlusion\n{passes} passes")
        viz.show_leaves(result.saliency_map, result.leaves, axes[1], cmap=viz.MAP_CMAP,
                        title=f"coarse-to-fine: {result.n_passes} passes ({share:.0%})\nPearson {pearson:.3f}")

    return figure_explorer(
        draw,
        policy=widgets.Dropdown(options=["absolute", "midrange", "top", "all"], value="absolute", description="policy"),
        threshold=widgets.FloatLogSlider(value=0.02, base=10, min=-3, max=0, step=0.1, description="threshold"),
    )


@lru_cache(maxsize=8)
def _itti_map(name: str) -> np.ndarray:
    return itti_koch.saliency_map(_sample(name))


def scanpath_explorer(sample: str = "astronaut") -> widgets.interactive:
    """Number of fixations and IOR radius → the WTA + IOR scanpath (notebook 04, §1)."""

    def draw(axes: list[Axes], image_name: str, n_fixations: int, ior_radius: float) -> None:
        image, saliency = _sample(image_name), _itti_map(image_name)
        fixations = attention.scanpath(saliency, n_fixations, ior_radius=ior_radius)
        viz.show_map(saliency, axes[0], title="Itti–Koch saliency map", vmin=0, vmax=1)
        viz.show_scanpath(image, fixations, axes[1], ior_radius=ior_radius,
                          title=f"{len(fixations)} fixations, IOR radius {ior_radius:.0f} px")

    return figure_explorer(
        draw,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        n_fixations=widgets.IntSlider(value=5, min=1, max=12, description="fixations"),
        ior_radius=widgets.FloatSlider(value=85.0, min=10.0, max=200.0, step=5.0, description="IOR radius"),
    )
