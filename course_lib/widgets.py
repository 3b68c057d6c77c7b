"""Slider explorers, one per concept, for the notebooks.

Used in every notebook.  Each explorer binds ipywidgets controls to a plain,
tested algorithm from course_lib and a ``viz`` function that draws its
result; there is no maths here.  Each explorer draws into one figure that it
keeps, clearing and redrawing the same axes on every change, so the output
area does not grow.
"""

from __future__ import annotations

import base64
import io
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import cv2
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, display
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg

from course_lib import attention, baselines, fixations, images, itti_koch, metrics, viz
from course_lib._validation import check_count, check_positive

if TYPE_CHECKING:
    from torch import nn

    from course_lib import datasets


@lru_cache(maxsize=16)
def _sample(name: str) -> np.ndarray:
    return images.load_image(name)


class FigureExplorer(widgets.interactive):
    """An ``interactive`` that also offers its current frame as a static PNG.

    Displayed, it sends the widget view *and* ``image/png`` of the figure as
    drawn last: JupyterLab, Colab and voila show the live widget (they rank
    the widget view first), while a reader without a kernel (GitHub,
    nbviewer, the course website) sees the picture stored beside it.
    """

    # One slot that figure_explorer's update fills; the list (not the bytes) is
    # shared because the first update runs inside interactive.__init__.
    frames: tuple[bytes, ...] | list[bytes] = (b"",)

    @property
    def frame_png(self) -> bytes:
        """The figure as drawn last, PNG-encoded (empty before the first drawing)."""
        return self.frames[0]

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None and self.frame_png:
            bundle["image/png"] = base64.b64encode(_palette_png(self.frame_png)).decode("ascii")
        return bundle


def _palette_png(png: bytes) -> bytes:
    """``png`` with at most 256 colours: the stored copy of a frame, about a quarter of the size.

    The live frame stays full-colour; the static copy only has to be legible, and
    photographs in full colour made each one ~350 kB in the committed notebooks.
    """
    from PIL import Image as PILImage  # matplotlib's own dependency

    picture = PILImage.open(io.BytesIO(png)).convert("RGB")
    buffer = io.BytesIO()
    picture.quantize(256, method=PILImage.Quantize.FASTOCTREE).save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


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
    FigureExplorer
        Display it (last line of a cell) to show the controls and figure;
        its ``frame_png`` holds the figure as drawn last.
    """
    figure, axes = plt.subplots(1, ncols, figsize=(panel_size * ncols, panel_size), squeeze=False)
    plt.close(figure)  # shown through the widget's output, not by the inline backend
    canvas = FigureCanvasAgg(figure)  # rendered here, whatever the kernel's backend
    axes_list: list[Axes] = list(axes.flat)
    laid_out = False
    frames = [b""]

    def update(**values: object) -> None:
        nonlocal laid_out
        for ax in axes_list:
            _reset(ax)
        draw(axes_list, **values)
        if not laid_out:
            # once: the panels keep their places (and redraws skip ~40 ms of layout)
            figure.tight_layout()
            laid_out = True
        frames[0] = _show(canvas)

    explorer = FigureExplorer(update, **controls)
    explorer.frames = frames
    explorer.figure = figure  # kept so tests and notebooks can inspect the drawing
    return explorer


def _reset(ax: Axes) -> None:
    """Empty ``ax`` for the next drawing, as ``ax.clear()`` would.

    Panels that hold only images (most of them) just lose their images and
    titles: ``ax.clear()`` also rebuilds the axis ticks, about 5 ms per panel.
    Anything else is cleared in full.
    """
    if ax.lines or ax.patches or ax.collections or ax.texts or ax.artists or ax.tables or ax.legend_:
        ax.clear()
        return
    for image in list(ax.images):
        image.remove()
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_axis_on()
    ax.set_autoscale_on(True)
    ax.ignore_existing_data_limits = True  # the next image sets the limits afresh


def _show(canvas: FigureCanvasAgg) -> bytes:
    # Render and send the PNG ourselves rather than display(figure): the figure
    # then shows whatever matplotlib backend the kernel has (MPLBACKEND=Agg
    # included), and OpenCV's PNG encoder at level 1 is the fastest we have.
    canvas.draw()
    rgb = cv2.cvtColor(np.asarray(canvas.buffer_rgba()), cv2.COLOR_RGBA2BGR)
    ok, png = cv2.imencode(".png", rgb, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise RuntimeError("OpenCV could not encode the figure as PNG")
    display(Image(data=png.tobytes(), format="png"))
    return png.tobytes()


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

    from course_lib import quadtree

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
    from course_lib import datasets, models, quadtree

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
    from course_lib import quadtree

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


# --------------------------------------------------------------------------
# notebooks 06–07: gradient saliency, class-model visualisation, localisation
# (torch-based modules are imported inside each explorer, so that notebooks
# without a network do not pay for importing torch)
# --------------------------------------------------------------------------

def _class_names(model: object) -> list[str]:
    names = getattr(model, "classes", None)
    if names is None:
        raise TypeError("model must have a .classes list of class names, as models.load_model() gives")
    return list(names)


def class_saliency_explorer(model: nn.Module, batch_images: np.ndarray, *, index: int = 0) -> widgets.interactive:
    """Image index × class → the image-specific class saliency map (notebook 06, §4).

    Shows image ``batch_images[index]`` (an (N, H, W, 3) array in [0, 1]) and
    ``gradients.vanilla_saliency(model, image, target)`` for the chosen
    class, alone and over the image; "top-1" takes the predicted class.
    """
    from course_lib import gradients, models

    names = _class_names(model)
    predicted = models.predict(model, batch_images)

    def draw(axes: list[Axes], index: int, target: int) -> None:
        image = batch_images[index]
        chosen = int(predicted[index]) if target < 0 else target
        saliency = gradients.vanilla_saliency(model, images.to_tensor(image), chosen)[0].numpy()
        viz.show_image(image, axes[0], title=f"image {index}: predicted {names[predicted[index]]}")
        viz.show_map(saliency, axes[1], title=f"max_ch |∂S_c/∂I|, class {names[chosen]}\nmax {saliency.max():.3g}", vmin=0)
        viz.overlay_map(image, saliency, axes[2], title="over the image")

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.2,
        index=widgets.IntSlider(value=index, min=0, max=len(batch_images) - 1, description="image"),
        target=widgets.Dropdown(options=[("top-1", -1)] + [(name, c) for c, name in enumerate(names)],
                                value=-1, description="class c"),
    )


def photo_saliency_explorer(model: nn.Module, photographs: dict[str, np.ndarray], *, top: int = 5) -> widgets.interactive:
    """Photograph × the rank of a class among its top predictions → its saliency map (notebook 06, §9).

    ``photographs`` maps names to (H, W, 3) images in [0, 1] (``images.photograph``);
    ``model`` has ``.classes`` (the ImageNet model of ``models.load_model("imagenet")``).
    Shows the photograph and ``gradients.vanilla_saliency`` for its ``rank``-th
    most probable class, alone and over the photograph.
    """
    import torch

    from course_lib import gradients

    names = _class_names(model)
    if not photographs:
        raise ValueError("photographs must hold at least one image")
    top = int(top)
    if not 1 <= top <= len(names):
        raise ValueError(f"top must be between 1 and the number of classes {len(names)}, got {top}")
    labels = list(photographs)
    with torch.no_grad():
        probabilities = torch.softmax(model(images.to_tensor(np.stack([photographs[k] for k in labels]))), dim=1)
    best = probabilities.topk(top, dim=1)  # (N, top) values and class indices

    def draw(axes: list[Axes], photo: int, rank: int) -> None:
        image = photographs[labels[photo]]
        chosen = int(best.indices[photo, rank - 1])
        saliency = gradients.vanilla_saliency(model, images.to_tensor(image), chosen)[0].numpy()
        saliency = viz.clip_at_percentile(saliency, 99)  # as notebook 06's figure
        viz.show_image(image, axes[0], title=f"{labels[photo]}")
        viz.show_map(saliency, axes[1], vmin=0, vmax=1,
                     title=f"class #{rank}: {names[chosen]} (p = {float(best.values[photo, rank - 1]):.2f})")
        viz.overlay_map(image, saliency, axes[2], title="max_ch |∂S_c/∂I| (clipped at its 99th percentile)")

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.2,
        photo=widgets.IntSlider(value=0, min=0, max=len(labels) - 1, description="photograph"),
        rank=widgets.IntSlider(value=1, min=1, max=top, description="class rank"),
    )


def class_visualization_explorer(model: nn.Module, *, target: int = 0, n_steps: int = 100) -> widgets.interactive:
    """Class × λ (× jitter, blur) → the class-model visualisation (notebook 06, §7).

    Shows ``classvis.visualize_class(model, target, lam=λ, ...)``: the
    image with the mean added back, its deviation from the mean stretched,
    and the score trajectory.  Each change re-runs ``n_steps`` ascent steps.
    """
    from course_lib import classvis

    names = _class_names(model)

    def draw(axes: list[Axes], target: int, lam: float, jitter: int, blur_sigma: float) -> None:
        result = classvis.visualize_class(model, target, lam=lam, n_steps=n_steps, jitter=jitter, blur_sigma=blur_sigma)
        viz.show_image(result.image, axes[0], title=f"{names[target]}, λ = {lam:.3g}\nmean added back")
        viz.show_image(result.stretched, axes[1], title="deviation from the mean\n(stretched)")
        viz.plot_curves({"S_c": result.scores, "S_c − λ‖z‖²": result.objective}, axes[2],
                        title=f"ascent: final S_c = {result.scores[-1]:.1f}", xlabel="step", ylabel="score")

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.2,
        target=widgets.Dropdown(options=[(name, c) for c, name in enumerate(names)], value=target, description="class c"),
        lam=widgets.FloatLogSlider(value=0.01, base=10, min=-3, max=-0.5, step=0.25, description="λ",
                                   continuous_update=False),
        jitter=widgets.IntSlider(value=0, min=0, max=4, description="jitter (px)", continuous_update=False),
        blur_sigma=widgets.FloatSlider(value=0.0, min=0.0, max=0.8, step=0.1, description="blur σ",
                                       continuous_update=False),
    )


def localization_explorer(model: nn.Module, batch: datasets.ShapesBatch, *, index: int = 0) -> widgets.interactive:
    """Image × seed quantiles × smoothing → GraphCut localisation (notebook 07, §2).

    The top-1 vanilla saliency maps of ``batch`` are computed once; each
    change runs ``localization.localize`` and draws the seeds, the map, the
    mask and the found box against the true one.
    """
    from course_lib import gradients, localization

    maps = gradients.vanilla_saliency(model, images.to_tensor(batch.images), None).numpy()  # (N, H, W)

    def draw(axes: list[Axes], index: int, foreground_quantile: float, background_quantile: float,
             sigma: float) -> None:
        image = batch.images[index]
        result = localization.localize(image, maps[index], foreground_quantile=foreground_quantile,
                                       background_quantile=background_quantile, sigma=sigma)
        box_iou = localization.box_iou(result.box, batch.boxes[index])
        mask_iou = localization.mask_iou(result.mask, batch.masks[index])
        viz.show_seeds(image, result.seeds, axes[0], title=f"seeds: ≥ q{foreground_quantile:.2f}, ≤ q{background_quantile:.2f}")
        viz.show_map(maps[index], axes[1], title="vanilla saliency (top-1)", vmin=0)
        viz.show_map(result.mask.astype(float), axes[2], cmap="gray", vmin=0, vmax=1,
                     title=f"largest component\nmask IoU {mask_iou:.2f}")
        viz.show_boxes(image, {"true": batch.boxes[index], "found": result.box}, axes[3],
                       title=f"box IoU {box_iou:.2f}")

    return figure_explorer(
        draw,
        ncols=4,
        panel_size=3.0,
        index=widgets.IntSlider(value=index, min=0, max=len(batch) - 1, description="image"),
        foreground_quantile=widgets.FloatSlider(value=0.95, min=0.6, max=0.99, step=0.01, description="fg quantile",
                                                continuous_update=False),
        background_quantile=widgets.FloatSlider(value=0.30, min=0.05, max=0.55, step=0.05, description="bg quantile",
                                                continuous_update=False),
        sigma=widgets.FloatSlider(value=0.0, min=0.0, max=3.0, step=0.5, description="smooth σ",
                                  continuous_update=False),
    )


# --------------------------------------------------------------------------
# notebook 09: applications
# --------------------------------------------------------------------------
_ASPECT_RATIOS = [("9:16", 9 / 16), ("2:3", 2 / 3), ("3:4", 3 / 4), ("1:1", 1.0), ("4:3", 4 / 3),
                  ("3:2", 3 / 2), ("16:9", 16 / 9), ("2:1", 2.0)]


@lru_cache(maxsize=32)
def _application_saliency(image_name: str, method: str) -> np.ndarray:
    from course_lib import applications

    return applications.compute_saliency(_sample(image_name), method)


def _method_picker(method: str) -> widgets.Dropdown:
    from course_lib import methods

    return widgets.Dropdown(options=sorted(methods.METHODS), value=method, description="method")


def crop_explorer(sample: str = "astronaut", method: str = "spectral_residual") -> widgets.interactive:
    """Image × saliency method × aspect ratio × scale → the saliency crop (notebook 09, §1).

    Shows the image with ``applications.saliency_crop(map, ratio, scale=...)``
    drawn on it, the map, and the crop itself.
    """
    from course_lib import applications

    def draw(axes: list[Axes], image_name: str, method: str, aspect_ratio: float, scale: float) -> None:
        image, saliency = _sample(image_name), _application_saliency(image_name, method)
        box = applications.saliency_crop(saliency, aspect_ratio, scale=scale)
        kept = applications.kept_fraction(saliency, box)
        viz.show_boxes(image, {"crop": box}, axes[0], title=f"{image_name}: the crop keeps {kept:.0%}\nof the saliency")
        viz.show_map(saliency, axes[1], title=f"{method} saliency")
        row0, col0, row1, col1 = box
        viz.show_image(image[row0:row1, col0:col1], axes[2], title=f"crop {col1 - col0}×{row1 - row0} px")

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.2,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        method=_method_picker(method),
        aspect_ratio=widgets.SelectionSlider(options=_ASPECT_RATIOS, value=16 / 9, description="width:height"),
        scale=widgets.FloatSlider(value=0.6, min=0.2, max=1.0, step=0.05, description="scale"),
    )


def seam_explorer(sample: str = "cat", method: str = "spectral_residual") -> widgets.interactive:
    """Image × saliency method × seams × saliency weight → seam carving (notebook 09, §2).

    Shows the removed pixels of ``applications.carve_seams(image, n, saliency_map=map, weight=λ)``
    on the original and the carved image; λ = 0 is the paper's gradient energy alone.
    """
    from course_lib import applications

    def draw(axes: list[Axes], image_name: str, method: str, n_seams: int, weight: float) -> None:
        image, saliency = _sample(image_name), _application_saliency(image_name, method)
        carving = applications.carve_seams(image, n_seams, saliency_map=saliency, weight=weight)
        viz.show_mask(image, ~carving.kept, axes[0], title=f"{n_seams} seams removed (yellow)\n{method}, λ = {weight:g}")
        height, width = carving.image.shape[:2]
        viz.show_image(carving.image, axes[1], title=f"carved to {width}×{height} px")

    return figure_explorer(
        draw,
        ncols=2,
        panel_size=4.0,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        method=_method_picker(method),
        n_seams=widgets.IntSlider(value=80, min=0, max=200, step=10, description="seams", continuous_update=False),
        weight=widgets.FloatSlider(value=1.0, min=0.0, max=4.0, step=0.25, description="λ (saliency)",
                                   continuous_update=False),
    )


def roi_jpeg_explorer(sample: str = "astronaut", method: str = "spectral_residual") -> widgets.interactive:
    """Image × saliency method × qualities × threshold → ROI JPEG vs uniform JPEG (notebook 09, §3).

    Shows the salient blocks, the region-of-interest JPEG of
    ``applications.compare_roi_jpeg`` and the uniform JPEG of the same size,
    with their sizes and PSNR inside the region.
    """
    from course_lib import applications

    def draw(axes: list[Axes], image_name: str, method: str, quality_inside: int, quality_outside: int,
             threshold: float) -> None:
        image, saliency = _sample(image_name), _application_saliency(image_name, method)
        result = applications.compare_roi_jpeg(image, saliency, quality_inside=quality_inside,
                                               quality_outside=quality_outside, threshold=threshold)
        viz.show_mask(image, result.region, axes[0], outline=True,
                      title=f"salient blocks ({method})\n{result.region.mean():.0%} of the image")
        viz.show_image(result.decoded, axes[1], title=f"ROI JPEG q{quality_inside}/q{quality_outside}: "
                       f"{len(result.data) / 1024:.1f} KiB\nPSNR inside {result.psnr_inside:.1f} dB")
        viz.show_image(applications.jpeg_decode(result.uniform_data), axes[2],
                       title=f"uniform q{result.uniform_quality}: {len(result.uniform_data) / 1024:.1f} KiB\n"
                             f"PSNR inside {result.uniform_psnr_inside:.1f} dB")

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.2,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        method=_method_picker(method),
        quality_inside=widgets.IntSlider(value=90, min=50, max=100, step=5, description="q inside",
                                         continuous_update=False),
        quality_outside=widgets.IntSlider(value=10, min=1, max=50, step=1, description="q outside",
                                          continuous_update=False),
        threshold=widgets.FloatSlider(value=0.5, min=0.1, max=1.0, step=0.05, description="threshold τ",
                                      continuous_update=False),
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


# --------------------------------------------------------------------------
# notebook 05: fast baselines and evaluation
# --------------------------------------------------------------------------
_EXPLORER_SET_SIZE = 25  # items in the explorer's search arrays (seed 0)
_EXPLORER_SHAPES = 8  # held-out synthetic-shapes images offered


@lru_cache(maxsize=1)
def _held_out_shapes() -> datasets.ShapesBatch:
    from course_lib import datasets

    return datasets.make_split(_EXPLORER_SHAPES, split="test")


def _evaluation_cases() -> dict[str, tuple]:
    """Picker label -> case key: samples (no ground truth), search arrays, shapes."""
    from course_lib import stimuli

    cases: dict[str, tuple] = {name: ("sample", name) for name in images.SAMPLES}
    cases.update({f"search: {kind}": ("search", kind) for kind in stimuli.KINDS})
    cases.update({f"shapes: test image {i}": ("shapes", i) for i in range(_EXPLORER_SHAPES)})
    return cases


@lru_cache(maxsize=32)
def _evaluation_case(key: tuple) -> tuple[np.ndarray, np.ndarray | None]:
    """(image, ground-truth mask or None) of a case key."""
    from course_lib import metrics, stimuli

    source, name = key
    if source == "search":
        display = stimuli.search_array(name, _EXPLORER_SET_SIZE, seed=0)
        return display.image, metrics.box_mask(display.image.shape[:2], display.target_box)
    if source == "shapes":
        batch = _held_out_shapes()
        return batch.images[name], batch.masks[name]
    return _sample(name), None


@lru_cache(maxsize=32)
def _baseline_map(key: tuple, method: str) -> np.ndarray:
    from course_lib import methods

    return methods.METHODS[method](_evaluation_case(key)[0])


def baseline_explorer(
    case: str = "search: orientation", method: str = "spectral_residual", *, sigma: float = 0.0
) -> widgets.interactive:
    """Image × saliency method × blur σ → the map and its scores (notebook 05, §3 and §4.3).

    ``case`` is a sample image (no ground truth), ``"search: <kind>"`` (a
    25-item search array, the target's box as ground truth) or ``"shapes:
    test image <i>"`` (a held-out synthetic image, its object mask as ground
    truth).  Where there is ground truth, ``metrics.evaluate_map`` scores
    the map with its default density blur and pointing tolerance.  The
    slider ``sigma`` blurs the map first (``baselines.blur_map``, σ in pixels
    of the image; 0 = no blur), the post-processing whose effect on the
    scores §4.3 of notebook 05 measures.
    """
    from course_lib import metrics

    cases = _evaluation_cases()
    if case not in cases:
        raise ValueError(f"case must be one of {list(cases)}, got {case!r}")
    labels = {key: label for label, key in cases.items()}

    def draw(axes: list[Axes], case: tuple, method: str, sigma: float) -> None:
        image, mask = _evaluation_case(case)
        saliency = baselines.blur_map(_baseline_map(case, method), sigma)
        name = f"{method}, blur σ = {sigma:g}"
        if mask is None:
            viz.show_image(image, axes[0], title=f"{labels[case]}\n(no ground truth)")
            viz.show_map(saliency, axes[1], title=name, vmin=0, vmax=1)
            viz.show_scores({}, axes[2], title="no ground truth,\nno scores")
            return
        scores = metrics.evaluate_map(saliency, mask)
        viz.show_mask(image, mask, axes[0], outline=True, title=f"{labels[case]}\nground truth outlined")
        viz.show_map(saliency, axes[1], vmin=0, vmax=1,
                     title=f"{name}\npointing game: {'hit' if scores['pointing'] else 'miss'}")
        viz.show_scores(scores, axes[2], title="scores (KL: lower is better)")

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.4,
        case=widgets.Dropdown(options=list(cases.items()), value=cases[case], description="image"),
        method=_method_picker(method),
        sigma=widgets.FloatSlider(value=sigma, min=0.0, max=16.0, step=0.5, description="blur σ (px)",
                                  continuous_update=False),
    )


# --------------------------------------------------------------------------
# notebooks 01–03: pyramids, feature channels, the Itti–Koch model
# --------------------------------------------------------------------------
_PYRAMID_LEVELS = 9  # the paper's scales σ = 0 … 8
_GABOR_VIEW_RADIUS = 18  # kernels are drawn on a fixed 37×37 window (3σ for the largest σ)


@lru_cache(maxsize=8)
def _sample_pyramids(name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gaussian pyramid of the RGB sample and Laplacian pyramid of its intensity (9 scales)."""
    from course_lib import features, pyramids

    image = _sample(name)
    return (pyramids.gaussian_pyramid(image, _PYRAMID_LEVELS),
            pyramids.laplacian_pyramid(features.intensity(image), _PYRAMID_LEVELS))


def pyramid_explorer(sample: str = "astronaut") -> widgets.interactive:
    """Image × scale σ × Gaussian/Laplacian → one pyramid level (notebook 01, §2–§3).

    Left: all 9 levels of ``pyramids.gaussian_pyramid(image)`` (RGB) or of
    ``pyramids.laplacian_pyramid(features.intensity(image))`` drawn at their
    true relative size, level σ outlined; right: level σ enlarged to the
    panel, so its pixels show.  Both pyramids are computed once per image.
    """

    def draw(axes: list[Axes], image_name: str, level: int, kind: str) -> None:
        gaussian, laplacian = _sample_pyramids(image_name)
        chosen = gaussian if kind == "Gaussian" else laplacian
        rows, cols = chosen[level].shape[:2]
        viz.show_pyramid(chosen, axes[0], highlight=level, signed=kind == "Laplacian",
                         title=f"{kind} pyramid of {image_name}\n9 scales, σ = {level} outlined")
        size = f"{cols}×{rows} px (1:{2 ** level})"
        if kind == "Gaussian":
            viz.show_image(chosen[level], axes[1], title=f"Gaussian σ = {level}: {size}")
        elif level == len(chosen) - 1:
            viz.show_map(chosen[level], axes[1], cmap="gray", vmin=0, vmax=1,
                         title=f"Laplacian σ = {level}: {size}\nlow-pass residual (= Gaussian level)")
        else:
            limit = float(np.abs(chosen[level]).max()) or 1.0
            viz.show_map(chosen[level], axes[1], cmap="cividis", vmin=-limit, vmax=limit,
                         title=f"Laplacian σ = {level}: {size}\nband-pass, ±{limit:.3f}")

    return figure_explorer(
        draw,
        panel_size=4.0,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        level=widgets.IntSlider(value=2, min=0, max=_PYRAMID_LEVELS - 1, description="scale σ"),
        kind=widgets.ToggleButtons(options=["Gaussian", "Laplacian"], value="Gaussian", description="pyramid"),
    )


@lru_cache(maxsize=8)
def _sample_intensity(name: str) -> np.ndarray:
    from course_lib import features

    return features.intensity(_sample(name))


def gabor_explorer(sample: str = "orientation_pop_out") -> widgets.interactive:
    """θ × wavelength × σ → the Gabor kernel and its response (notebook 02, §5).

    Shows the image, the even (real) and odd (imaginary) parts of
    ``features.gabor_kernel(σ, θ, 1/λ)`` on a fixed 37×37 window, and the
    quadrature energy ``features.orientation_pyramid([intensity], θ, sigma=σ,
    frequency=1/λ)`` of the image at full resolution.
    """
    from course_lib import features

    def draw(axes: list[Axes], image_name: str, theta_degrees: int, wavelength: float, sigma: float) -> None:
        theta, frequency = np.deg2rad(theta_degrees), 1.0 / wavelength  # units: radians, cycles/px
        kernel = features.gabor_kernel(sigma, theta, frequency, radius=_GABOR_VIEW_RADIUS)
        response = features.orientation_pyramid([_sample_intensity(image_name)], theta, sigma=sigma,
                                                 frequency=frequency)[0]
        limit = float(np.abs(kernel).max())
        viz.show_image(_sample(image_name), axes[0], title=image_name)
        viz.show_map(kernel.real, axes[1], cmap="cividis", vmin=-limit, vmax=limit,
                     title=f"even part, θ = {theta_degrees}°\nλ = {wavelength:g} px (f = {frequency:.3f} cycles/px)")
        viz.show_map(kernel.imag, axes[2], cmap="cividis", vmin=-limit, vmax=limit,
                     title=f"odd part, σ = {sigma:g} px\n(37×37 px window)")
        viz.show_map(response, axes[3], vmin=0, title=f"|I ∗ g|, θ = {theta_degrees}°\nmax {response.max():.3f}")

    return figure_explorer(
        draw,
        ncols=4,
        panel_size=3.0,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        theta_degrees=widgets.IntSlider(value=0, min=0, max=165, step=15, description="θ (deg)"),
        wavelength=widgets.FloatSlider(value=1 / features.GABOR_FREQUENCY, min=2.0, max=16.0, step=0.5,
                                       description="λ (px)"),
        sigma=widgets.FloatSlider(value=features.GABOR_SIGMA, min=0.5, max=6.0, step=0.25, description="σ (px)"),
    )


def _feature_choices() -> list[tuple[str, tuple[str, float | None]]]:
    """Dropdown options: label → (channel, θ) of the model's seven feature pyramids."""
    from course_lib import features

    return [("intensity I", ("intensity", None)), ("red–green RG", ("rg", None)), ("blue–yellow BY", ("by", None))] + [
        (f"orientation {round(np.rad2deg(theta))}°", ("orientation", theta)) for theta in features.ORIENTATIONS
    ]


@lru_cache(maxsize=32)
def _itti_koch_result(name: str, normalization: str, weights: tuple[float, float, float]) -> itti_koch.IttiKochResult:
    return itti_koch.itti_koch(_sample(name), normalization=normalization, weights=weights)


def itti_koch_explorer(sample: str = "astronaut") -> widgets.interactive:
    """Feature map F(c, c + δ), normalisation and channel weights → the live saliency map (notebook 03, §6).

    Runs ``itti_koch.itti_koch(image, normalization=..., weights=(w_I, w_C, w_O))``
    (paper scales c ∈ {2, 3, 4}, δ ∈ {3, 4}; results cached) and shows the
    chosen feature map |P(c) ⊖ P(c + δ)| before normalisation, the three
    conspicuity maps Ī, C̄, Ō and S.  Equal weights give the
    paper's S up to a common factor (each panel has its own colour range).
    """

    choices = _feature_choices()
    labels = {value: label for label, value in choices}

    def draw(axes: list[Axes], image_name: str, feature: tuple, c: int, delta: int, normalization: str,
             w_intensity: float, w_colour: float, w_orientation: float) -> None:
        weights = (w_intensity, w_colour, w_orientation)
        if not any(weights):
            for ax in axes:
                ax.set_axis_off()
            axes[0].set_title("set at least one channel weight > 0")
            return
        result = _itti_koch_result(image_name, normalization, weights)
        channel, theta = feature
        (key, feature_map), = result.maps(channel, c=c, s=c + delta, theta=theta).items()
        name = labels[feature]
        rows, cols = feature_map.shape
        viz.show_map(feature_map, axes[0], vmin=0, title=f"{name} ({c}, {key.s}): {cols}×{rows}\nbefore N(·)")
        for ax, (label, symbol) in zip(axes[1:4], (("intensity", "Ī"), ("colour", "C̄"), ("orientation", "Ō"))):
            viz.show_map(result.conspicuity_maps[label], ax, vmin=0, title=f"{symbol} ({label})\nnormalisation: {normalization}")
        viz.show_map(result.saliency, axes[4], vmin=0,
                     title=f"S at scale 4, weights\nI {w_intensity:.2f} · C {w_colour:.2f} · O {w_orientation:.2f}")

    weight = dict(value=1.0, min=0.0, max=1.0, step=0.05)
    return figure_explorer(
        draw,
        ncols=5,
        panel_size=2.8,
        image_name=widgets.Dropdown(options=list(images.SAMPLES), value=sample, description="image"),
        feature=widgets.Dropdown(options=choices, value=("intensity", None), description="feature"),
        c=widgets.IntSlider(value=2, min=2, max=4, description="centre c"),
        delta=widgets.IntSlider(value=3, min=3, max=4, description="δ = s − c"),
        normalization=widgets.ToggleButtons(options=["paper", "iterative", "none"], value="paper",
                                            description="N(·)"),
        w_intensity=widgets.FloatSlider(description="weight I", **weight),
        w_colour=widgets.FloatSlider(description="weight C", **weight),
        w_orientation=widgets.FloatSlider(description="weight O", **weight),
    )


# --------------------------------------------------------------------------
# notebook 07, Part 2: every attribution method on the same images
# --------------------------------------------------------------------------
def method_explorer(
    batch_images: np.ndarray,
    maps: dict[str, np.ndarray],
    masks: np.ndarray | None = None,
    *,
    method: str | None = None,
    index: int = 0,
) -> widgets.interactive:
    """Method × image → that method's saliency map (notebook 07, Part 2).

    ``maps`` holds the (N, H, W) maps each method gave on ``batch_images``
    ((N, H, W, 3) in [0, 1]), computed once in the notebook, so switching is
    instant.  Shows the map, the map over the image, and (with ``masks``) the
    true object outlined with the map's maximum marked: the pointing game.
    """
    names = list(maps)
    if not names:
        raise ValueError("maps must name at least one method, got an empty dict")

    def draw(axes: list[Axes], method: str, index: int) -> None:
        saliency = maps[method][index]
        viz.show_map(saliency, axes[0], title=f"{method}\nimage {index}", vmin=0)
        viz.overlay_map(batch_images[index], saliency, axes[1], title="over the image")
        if masks is not None:
            row, col = np.unravel_index(np.argmax(saliency), saliency.shape)
            viz.show_mask(batch_images[index], masks[index], axes[2], title="object and the map's maximum",
                          outline=True)
            axes[2].plot(col, row, "x", color="#fde725", markersize=10, markeredgewidth=2.5)
        else:
            axes[2].set_axis_off()

    return figure_explorer(
        draw,
        ncols=3,
        panel_size=3.2,
        method=widgets.Dropdown(options=names, value=method if method is not None else names[0],
                                description="method"),
        index=widgets.IntSlider(value=index, min=0, max=len(batch_images) - 1, description="image"),
    )


# --------------------------------------------------------------------------
# the whole course as one app (make app: served by voila, without code cells)
# --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _app_model() -> nn.Module:
    from course_lib import models

    return models.load_model("shapes-cnn")


def _app_tabs() -> dict[str, Callable[[], widgets.Widget]]:
    """Tab title → a function that builds that tab's explorer, in notebook order."""
    return {
        "00 LC": lc_explorer,
        "01 pyramids": pyramid_explorer,
        "02 Gabor": gabor_explorer,
        "03 Itti–Koch": itti_koch_explorer,
        "04 attention": scanpath_explorer,
        "05 baselines": baseline_explorer,
        "06 class saliency": lambda: class_saliency_explorer(_app_model(), _held_out_shapes().images),
        "06 class model": lambda: class_visualization_explorer(_app_model(), target=5),
        "07 localisation": lambda: localization_explorer(_app_model(), _held_out_shapes()),
        "08 quadtree": quadtree_explorer,
        "08 occlusion": occlusion_explorer,
        "09 crop": crop_explorer,
        "09 seams": seam_explorer,
        "09 ROI JPEG": roi_jpeg_explorer,
    }


def course_app(first: str = "03 Itti–Koch") -> widgets.Tab:
    """Every explorer of the course as one tabbed app (``make app`` serves it with voila).

    A tab builds its explorer the first time it is opened, so the app starts
    with one figure drawn, not fourteen.  ``first`` is the tab shown first.
    """
    builders = _app_tabs()
    if first not in builders:
        raise ValueError(f"first must be one of {tuple(builders)}, got {first!r}")
    names = list(builders)
    outputs = [widgets.Output() for _ in names]
    built: set[int] = set()

    def open_tab(index: int | None) -> None:
        if index is None or index in built:
            return
        built.add(index)
        with outputs[index]:
            display(builders[names[index]]())

    tabs = widgets.Tab(children=outputs, titles=names)
    tabs.observe(lambda change: open_tab(change["new"]), names="selected_index")
    tabs.selected_index = names.index(first)
    open_tab(tabs.selected_index)  # in case the index did not change
    return tabs


def video_saliency_explorer(
    frames: np.ndarray,
    masks: np.ndarray,
    *,
    motion: np.ndarray | None = None,
    frame: int | None = None,
    region_size: int = 10,
) -> widgets.interactive:
    """Frame slider × superpixel-size slider → three video saliency maps (notebook 05b, §2).

    Shows frame t of ``frames`` (T, H, W, 3), ``video.superpixel_contrast``
    of frames t − 1 and t with superpixels of side ``region_size``,
    ``video.frame_difference`` of the same pair and, when given,
    ``motion[t]`` (OpenCV's BinWang maps, ``baselines.opencv_motion_saliency``
    of the whole video, computed once by the caller: the model keeps state).
    Each map's title says whether its peak is on the object (``masks[t]``,
    the pointing game with tolerance 0).  ``frame`` starts the slider
    (default: the first frame with an object after frame 0).
    """
    from course_lib import metrics, video

    if frames.ndim != 4 or masks.shape != frames.shape[:3]:
        raise ValueError(f"frames must be (T, H, W, 3) and masks (T, H, W), got {frames.shape} and {masks.shape}")
    with_object = [t for t in range(1, len(frames)) if masks[t].any()]
    if not with_object:
        raise ValueError("masks must mark an object in at least one frame after frame 0")
    start = with_object[0] if frame is None else frame

    def hit(saliency: np.ndarray, t: int) -> str:
        if not masks[t].any():  # before the object appears: nothing to point at
            return "no object in this frame"
        return "peak on object" if metrics.pointing_game(saliency, masks[t], tolerance=0) else "peak off object"

    def draw(axes: list[Axes], t: int, region_size: int) -> None:
        contrast = video.superpixel_contrast(frames[t - 1], frames[t], region_size=region_size)
        difference = video.frame_difference(frames[t - 1], frames[t])
        viz.show_image(frames[t], axes[0], title=f"frame {t}")
        viz.show_map(contrast, axes[1], title=f"superpixel contrast, s = {region_size}\n{hit(contrast, t)}")
        viz.show_map(difference, axes[2], title=f"frame difference\n{hit(difference, t)}")
        if motion is None:
            viz.show_map(np.zeros(masks[t].shape), axes[3], title="BinWang: not given", vmin=0, vmax=1)
        else:
            viz.show_map(motion[t], axes[3], title=f"BinWang (OpenCV)\n{hit(motion[t], t)}", vmin=0, vmax=1)

    return figure_explorer(
        draw,
        ncols=4,
        panel_size=3.0,
        t=widgets.IntSlider(value=start, min=1, max=len(frames) - 1, description="frame t"),
        region_size=widgets.IntSlider(value=region_size, min=4, max=30, step=2, description="superpixel s"),
    )


# --------------------------------------------------------------------------
# notebook 05: where people look, recorded with the mouse (BubbleView)
# --------------------------------------------------------------------------

def _png_data_url(rgb: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(images.to_uint8(rgb), cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError("OpenCV could not encode the image as PNG")
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")


def _bubble_view_class() -> type:
    # anywidget is imported when the recorder is first used: the other explorers do not need it
    import anywidget
    import traitlets

    class BubbleView(anywidget.AnyWidget):
        """A BubbleView recorder (Kim et al. 2017): a blurred image, a sharp disk where the viewer clicks.

        Made by :func:`bubble_view`.  ``clicks`` is what the browser sent, as
        ``[x, y, t_ms]`` lists in image pixels; :meth:`points` is the checked
        (N, 3) array, :meth:`fixation_map` the binary fixation map and
        :meth:`save` appends the recording to a clicks CSV
        (:mod:`course_lib.fixations`).
        """

        _esm = Path(__file__).with_name("bubble_view.js")
        _css = (".course-bubble-canvas { max-width: 100%; height: auto; display: block; margin-top: 4px; "
                "cursor: crosshair; } .course-bubble-canvas:focus { outline: 2px solid #1a73e8; } "
                ".course-bubble-button { margin-right: 6px; }")
        sharp = traitlets.Unicode("").tag(sync=True)
        blurred = traitlets.Unicode("").tag(sync=True)
        image_width = traitlets.Int(1).tag(sync=True)
        image_height = traitlets.Int(1).tag(sync=True)
        radius = traitlets.Float(30.0).tag(sync=True)
        time_limit = traitlets.Float(10.0).tag(sync=True)
        display_width = traitlets.Int(0).tag(sync=True)
        """CSS width of the image in pixels; 0 shows it at its own size (or the output's width, if narrower)."""
        state = traitlets.Unicode("ready").tag(sync=True)
        clicks = traitlets.List([]).tag(sync=True)

        def points(self) -> np.ndarray:
            """The recorded clicks, checked (:func:`course_lib.fixations.clean_clicks`): (N, 3) ``x, y, t_ms``."""
            return fixations.clean_clicks(self.clicks, shape=(self.image_height, self.image_width),
                                          time_limit=self.time_limit)

        def fixation_map(self) -> np.ndarray:
            """The clicks as a binary (H, W) fixation map (:func:`course_lib.metrics.load_fixations`'s rule)."""
            return fixations.clicks_map(self.points(), (self.image_height, self.image_width))

        def save(self, path: str | os.PathLike[str], *, image: str, viewer: str = "me") -> Path:
            """Append the recording to the clicks CSV ``path`` (created when missing) and return its path."""
            return fixations.append_clicks(path, self.points(), image=image, viewer=viewer)

        def keep_in_notebook(self, *, image: str) -> None:
            """Display the recording as an output of this cell (:func:`course_lib.fixations.clicks_output`):
            saved with the notebook, so a submitted notebook carries it to the class's data set."""
            display(fixations.clicks_output(self.points(), image=image), raw=True)

        def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, tuple):
                bundle = bundle[0]
            if bundle is not None:  # where no kernel runs (GitHub, the website): the blurred image
                bundle["image/png"] = self.blurred.split(",", 1)[1]
            return bundle

    return BubbleView


def bubble_view(
    image: str | np.ndarray,
    *,
    radius: float = 30.0,
    blur: float = 30.0,
    time_limit: float = 10.0,
    display_width: int = 0,
) -> widgets.DOMWidget:
    """A BubbleView recorder: click where you look on a blurred image; each click shows a sharp disk.

    BubbleView (Kim et al. 2017) replaces an eye tracker by the mouse: the
    image is blurred everywhere but in a disk around the last click, so the
    viewer clicks where they want to see detail.  Press Start, click for
    ``time_limit`` seconds (or Stop); the widget keeps each click in image
    pixels with its time.  Keyboard: Tab to the image, arrows move a cursor
    (Shift: faster), Enter or Space reveals there.  Nothing is sent anywhere
    but to this notebook's kernel.

    Parameters
    ----------
    image : str or ndarray
        A sample name or file (:func:`course_lib.images.load_image`) or an
        (H, W, 3) image.
    radius : float
        Radius of the sharp disk, in pixels of the image.  At its own size on
        the screen these are screen pixels, as the 30–50 px bubbles Kim et
        al. (2017) tested.
    blur : float
        Standard deviation of the Gaussian blur, in pixels of the image (Kim
        et al. tested 30–70 px of blur on screen-sized images).
    time_limit : float
        Seconds of recording from Start.
    display_width : int
        CSS width to show the image at (0: its own size, or narrower when the
        output is); clicks are recorded in image pixels at any width.

    Returns
    -------
    BubbleView
        The widget; after a recording, ``.points()``, ``.fixation_map()`` and
        ``.save(path, image=..., viewer=...)``.

    Examples
    --------
    >>> recorder = bubble_view("astronaut", time_limit=5)
    >>> recorder.image_width, recorder.image_height, recorder.state
    (512, 512, 'ready')
    >>> recorder.clicks = [[100, 50, 700], [600, 10, 900], [20, 30, 8000]]  # as a browser would send them
    >>> recorder.points().tolist()  # off the image and after the time limit: dropped
    [[100.0, 50.0, 700.0]]
    """
    picture = images.load_image(image)
    radius = check_positive(radius, name="radius")
    time_limit = check_positive(time_limit, name="time_limit")
    display_width = check_count(display_width, name="display_width")
    softened = fixations.bubble_view_image(picture, blur=blur)
    return _bubble_view_class()(
        sharp=_png_data_url(picture), blurred=_png_data_url(softened), image_width=int(picture.shape[1]),
        image_height=int(picture.shape[0]), radius=radius, time_limit=time_limit, display_width=display_width)
