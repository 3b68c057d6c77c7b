"""Smoke tests of the plotting helpers (Agg backend) and widget construction."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import images, quadtree, timing, viz, widgets


def test_plot_helpers_draw_titled_axes():
    rng = np.random.default_rng(0)
    image, saliency = rng.random((8, 10, 3)), rng.random((4, 5))
    assert viz.show_image(image).get_title() == "image"
    assert viz.show_image(image[..., 0], title="grey").get_title() == "grey"
    ax = viz.show_map(saliency, colorbar=True)
    assert ax.get_title() == "saliency map"
    assert ax.images[0].get_cmap().name == "magma"
    overlay = viz.overlay_map(image, saliency)
    assert len(overlay.images) == 2
    assert overlay.images[1].get_extent() == [-0.5, 9.5, 7.5, -0.5]
    timing_ax = viz.plot_timings([10, 100], {"a": [1.0, 10.0], "b": [1.0]})
    assert timing_ax.get_xlabel() and timing_ax.get_ylabel() and timing_ax.get_title()
    plt.close("all")


def test_show_grid_hides_unused_panels_and_refuses_empty():
    fig = viz.show_grid({"a": np.zeros((4, 4, 3)), "b": np.zeros((4, 4)), "c": np.ones((4, 4))}, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="panels must contain"):
        viz.show_grid({})
    plt.close("all")


def test_lc_explorer_builds_and_redraws_one_figure():
    explorer = widgets.lc_explorer("colour_pop_out")
    figure = explorer.figure
    assert [ax.get_title() for ax in figure.axes][0] == "colour_pop_out"
    slider = explorer.children[2]
    slider.value = 3.0  # triggers a redraw into the same figure
    assert explorer.figure is figure
    assert "σ = 3 px" in figure.axes[1].get_title()
    assert len(figure.axes[1].images) == 1  # cleared, not stacked
    plt.close("all")


def test_a_redraw_leaves_each_panel_as_a_fresh_drawing_would():
    explorer = widgets.itti_koch_explorer("astronaut")
    figure = explorer.figure
    assert figure.axes[0].images[0].get_array().shape == (128, 128)  # F(2, 5) of a 512² image
    explorer.children[2].value = 4  # centre c = 4: a 32×32 map in the same image-only panel
    first = figure.axes[0]
    assert len(first.images) == 1
    assert first.images[0].get_array().shape == (32, 32)
    # limits follow the new image (top row up), not the union with the old one
    assert first.get_xlim() == (-0.5, 31.5) and first.get_ylim() == (31.5, -0.5)
    assert first.get_title().startswith("intensity I (4, 7)") and not first.axison
    plt.close("all")


def test_panels_holding_more_than_images_are_cleared_in_full():
    _, ax = plt.subplots()
    ax.imshow(np.zeros((4, 4)))
    ax.plot([0, 1], [0, 1])
    ax.set_title("old")
    widgets._reset(ax)
    assert not ax.images and not ax.lines and ax.get_title() == ""
    ax.imshow(np.zeros((2, 3)))
    ax.set_title("images only")
    ax.set_axis_off()
    widgets._reset(ax)
    assert not ax.images and ax.get_title() == "" and ax.axison
    plt.close("all")


def test_explorers_send_a_png_of_the_figure(monkeypatch):
    from IPython.display import Image

    sent = []
    monkeypatch.setattr(widgets, "display", sent.append)
    explorer = widgets.lc_explorer("colour_pop_out")
    explorer.children[2].value = 2.0
    assert len(sent) == 2 and all(isinstance(item, Image) for item in sent)
    png = np.frombuffer(sent[-1].data, np.uint8)
    import cv2

    decoded = cv2.imdecode(png, cv2.IMREAD_COLOR)
    width, height = explorer.figure.get_size_inches() * explorer.figure.dpi
    assert decoded.shape == (round(height), round(width), 3)
    assert decoded.std() > 10  # a drawing, not a blank canvas
    plt.close("all")


def test_explorers_offer_their_last_frame_as_a_static_picture(monkeypatch):
    """A reader without a kernel sees the frame: the display bundle carries a PNG of the last drawing."""
    import base64

    import cv2

    sent = []
    monkeypatch.setattr(widgets, "display", sent.append)
    explorer = widgets.lc_explorer("colour_pop_out")
    first = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in first  # the live widget stays first for a kernel
    explorer.children[2].value = 4.0
    second = explorer._repr_mimebundle_()

    def pixels(bundle):
        return cv2.imdecode(np.frombuffer(base64.b64decode(bundle["image/png"]), np.uint8), cv2.IMREAD_COLOR)

    live = cv2.imdecode(np.frombuffer(sent[-1].data, np.uint8), cv2.IMREAD_COLOR)
    static = pixels(second)
    assert static.shape == live.shape
    # 256 colours: close to the live frame, and it follows the sliders (the blurred map differs)
    assert np.abs(static.astype(int) - live.astype(int)).mean() < 6
    assert np.abs(pixels(first).astype(int) - static.astype(int)).mean() > 1
    plt.close("all")


def test_median_ms_validates_its_arguments():
    assert timing.median_ms(lambda: None, repeat=2, warmup=0) >= 0
    with pytest.raises(ValueError, match="repeat must be"):
        timing.median_ms(lambda: None, repeat=0)
    with pytest.raises(ValueError, match="warmup must be"):
        timing.median_ms(lambda: None, warmup=-1)


def test_interleaved_median_ms_times_every_call_and_validates():
    counts = {"a": 0, "b": 0}

    def call(name):
        counts[name] += 1

    times = timing.interleaved_median_ms({"a": lambda: call("a"), "b": lambda: call("b")}, rounds=3, block=2, warmup=1)
    assert list(times) == ["a", "b"] and counts == {"a": 9, "b": 9}
    for kwargs, match in (({"rounds": 0}, "rounds must be"), ({"block": 0}, "block must be"),
                          ({"warmup": -1}, "warmup must be")):
        with pytest.raises(ValueError, match=match):
            timing.interleaved_median_ms({"a": lambda: None}, **kwargs)
    with pytest.raises(ValueError, match="calls must name"):
        timing.interleaved_median_ms({})


def test_show_leaves_draws_one_outline_per_leaf():
    image = np.zeros((8, 8))
    image[0, 0] = 1.0
    leaves = quadtree.decompose_array(image, 0.5)
    ax = viz.show_leaves(image, leaves)
    assert len(ax.collections[0].get_paths()) == len(leaves)
    plt.close("all")


def test_quadtree_explorer_titles_report_the_summary():
    explorer = widgets.quadtree_explorer("textured_square")
    titles = [ax.get_title() for ax in explorer.figure.axes]
    assert titles[0].startswith("N' = ") and "PSNR" in titles[1]
    plt.close("all")


def test_show_scanpath_numbers_fixations_and_draws_ior_disks():
    ax = viz.show_scanpath(np.zeros((20, 30, 3)), np.array([[5, 5], [10, 20]]), ior_radius=3)
    assert [text.get_text() for text in ax.texts] == ["1", "2"]
    assert len(ax.patches) == 2
    plt.close("all")


def test_occlusion_explorer_reports_passes_and_correlation():
    explorer = widgets.occlusion_explorer(0, min_size=8)
    titles = [ax.get_title() for ax in explorer.figure.axes]
    assert "65 passes" in titles[0]
    assert "Pearson" in titles[1]
    plt.close("all")


def test_scanpath_explorer_numbers_fixations():
    explorer = widgets.scanpath_explorer("colour_pop_out")
    axes = explorer.figure.axes
    assert axes[1].get_title().startswith("5 fixations")
    assert [text.get_text() for text in axes[1].texts] == ["1", "2", "3", "4", "5"]
    plt.close("all")



def test_show_scores_draws_a_table_of_formatted_values():
    ax = viz.show_scores({"auc_judd": 0.81234, "kl": 1.5}, title="one map")
    texts = [cell.get_text().get_text() for cell in ax.tables[0].get_celld().values()]
    assert {"metric", "value", "auc_judd", "0.812", "kl", "1.500"} <= set(texts)
    assert ax.get_title() == "one map"
    assert not viz.show_scores({}, title="no ground truth").tables
    plt.close("all")


def test_baseline_explorer_scores_the_map_against_the_ground_truth():
    explorer = widgets.baseline_explorer("search: intensity", "lc")
    figure, axes = explorer.figure, explorer.figure.axes
    assert axes[0].get_title() == "search: intensity\nground truth outlined"
    assert axes[1].get_title().startswith("lc, blur σ = 0\npointing game: ")
    texts = {cell.get_text().get_text() for cell in axes[2].tables[0].get_celld().values()}
    assert {"pointing", "auc_judd", "nss", "cc", "sim", "kl"} <= texts
    case_picker = explorer.children[0]
    case_picker.value = ("shapes", 1)  # a held-out synthetic image, object mask as ground truth
    assert axes[0].get_title() == "shapes: test image 1\nground truth outlined"
    case_picker.value = ("sample", "camera")  # a photograph: no ground truth, no table
    assert explorer.figure is figure
    assert "no ground truth" in axes[0].get_title()
    assert not axes[2].tables
    with pytest.raises(ValueError, match="case must be one of"):
        widgets.baseline_explorer("search: motion")
    plt.close("all")


def test_baseline_explorer_blur_slider_blurs_the_map_before_scoring():
    from course_lib import baselines, metrics

    explorer = widgets.baseline_explorer("search: intensity", "lc", sigma=4.0)
    axes = explorer.figure.axes
    slider = explorer.children[2]
    assert slider.description == "blur σ (px)" and slider.value == 4.0 and slider.min == 0.0
    assert axes[1].get_title().startswith("lc, blur σ = 4\n")
    image, mask = widgets._evaluation_case(("search", "intensity"))
    blurred = baselines.blur_map(baselines.lc_saliency(image), 4.0)
    np.testing.assert_allclose(axes[1].images[0].get_array(), blurred, atol=1e-6)  # the map shown is blurred
    expected = f"{metrics.evaluate_map(blurred, mask)['cc']:.3f}"
    assert expected in {cell.get_text().get_text() for cell in axes[2].tables[0].get_celld().values()}
    slider.value = 0.0
    assert axes[1].get_title().startswith("lc, blur σ = 0\n")
    plt.close("all")


def _controls(explorer):
    return {control.description: control for control in explorer.kwargs_widgets}


def test_show_pyramid_draws_levels_pixel_for_pixel_and_outlines_one():
    from course_lib import pyramids

    levels = pyramids.gaussian_pyramid(np.zeros((16, 20, 3)), levels=4)
    ax = viz.show_pyramid(levels, highlight=2, title="pyramid")
    extents = [image.get_extent() for image in ax.images]
    assert extents[0] == [-0.5, 19.5, 15.5, -0.5]  # level 0 at the origin
    assert extents[1] == [19.5, 29.5, 7.5, -0.5]  # level 1 (8×10) to its right
    assert extents[2] == [19.5, 24.5, 11.5, 7.5]  # level 2 (4×5) below level 1
    assert len(ax.patches) == 1 and ax.get_title() == "pyramid"
    signed = viz.show_pyramid([np.array([[-2.0, 1.0]]), np.array([[0.5]])], signed=True)
    assert signed.images[0].get_clim() == (-2.0, 2.0) and signed.images[0].get_cmap().name == "cividis"
    with pytest.raises(ValueError, match="levels must contain"):
        viz.show_pyramid([])
    plt.close("all")


def test_pyramid_explorer_switches_scale_and_pyramid_in_place():
    explorer = widgets.pyramid_explorer("textured_square")
    figure, controls = explorer.figure, _controls(explorer)
    assert figure.axes[1].get_title() == "Gaussian σ = 2: 64×64 px (1:4)"
    controls["scale σ"].value = 4
    controls["pyramid"].value = "Laplacian"
    assert explorer.figure is figure
    assert figure.axes[1].get_title().startswith("Laplacian σ = 4: 16×16 px (1:16)\nband-pass")
    assert figure.axes[1].images[0].get_cmap().name == "cividis"
    controls["scale σ"].value = 8
    assert "low-pass residual" in figure.axes[1].get_title()
    assert len(figure.axes[0].images) == 9  # cleared, not stacked
    plt.close("all")


def test_gabor_explorer_shows_kernel_parts_and_response():
    explorer = widgets.gabor_explorer("orientation_pop_out")
    figure, controls = explorer.figure, _controls(explorer)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[1] == "even part, θ = 0°\nλ = 4 px (f = 0.250 cycles/px)"
    assert titles[2].startswith("odd part, σ = 2 px")
    assert figure.axes[1].images[0].get_array().shape == (37, 37)
    assert figure.axes[3].images[0].get_array().shape == (320, 320)
    controls["θ (deg)"].value = 90
    controls["λ (px)"].value = 8.0
    assert figure.axes[1].get_title() == "even part, θ = 90°\nλ = 8 px (f = 0.125 cycles/px)"
    assert figure.axes[3].get_title().startswith("|I ∗ g|, θ = 90°")
    plt.close("all")


def test_itti_koch_explorer_shows_feature_conspicuity_and_saliency_maps():
    explorer = widgets.itti_koch_explorer("colour_pop_out")
    figure, controls = explorer.figure, _controls(explorer)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0] == "intensity I (2, 5): 80×80\nbefore N(·)"
    assert [t.split(" ")[0] for t in titles[1:4]] == ["Ī", "C̄", "Ō"]
    assert figure.axes[4].images[0].get_array().shape == (20, 20)  # S at scale 4
    controls["feature"].value = ("orientation", np.pi / 2)
    controls["centre c"].value = 4
    controls["δ = s − c"].value = 4
    controls["N(·)"].value = "iterative"
    assert figure.axes[0].get_title() == "orientation 90° (4, 8): 20×20\nbefore N(·)"
    assert "iterative" in figure.axes[1].get_title()
    for name in ("weight I", "weight C", "weight O"):
        controls[name].value = 0.0
    assert explorer.figure is figure
    assert figure.axes[0].get_title() == "set at least one channel weight > 0"
    assert not any(ax.images for ax in figure.axes)
    plt.close("all")


def test_method_explorer_switches_method_and_marks_the_maximum():
    rng = np.random.default_rng(0)
    batch = rng.random((2, 8, 8, 3))
    maps = {"a": rng.random((2, 8, 8)), "b": rng.random((2, 8, 8))}
    masks = np.zeros((2, 8, 8), dtype=bool)
    masks[:, 2:5, 2:5] = True
    explorer = widgets.method_explorer(batch, maps, masks, method="a")
    figure = explorer.figure
    assert figure.axes[0].get_title().startswith("a")
    assert len(figure.axes[2].lines) == 1  # the maximum's marker
    explorer.children[0].value = "b"  # redraws into the same figure
    assert explorer.figure is figure
    assert figure.axes[0].get_title().startswith("b")
    fig = viz.show_method_grid(batch, maps)
    assert [ax.get_title() for ax in fig.axes[:3]] == ["image", "a", "b"]
    with pytest.raises(ValueError, match="maps must name"):
        widgets.method_explorer(batch, {})
    with pytest.raises(ValueError, match="must be non-empty"):
        viz.show_method_grid(batch, {})
    plt.close("all")


def test_importing_the_widgets_leaves_torch_unimported():
    """Notebooks 00-05 use no network: their explorers must not cost a torch import (~2-3 s)."""
    import subprocess
    import sys

    code = "import sys, course_lib.widgets, course_lib.itti_koch; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------
# robustness (issue 19): viz checks what it draws before drawing
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: viz.show_method_grid(np.zeros(10**6), {"a": np.zeros(3)}), ValueError, r"images must have shape \(N, H, W, C\)"),
        (lambda: viz.show_method_grid(np.zeros((1, 4, 4, 3)), {"a": np.zeros(3)}), ValueError, r"maps\['a'\] must have shape"),
        (lambda: viz.show_method_grid(np.zeros((2, 4, 4, 3)), {"a": np.zeros((1, 4, 4))}), ValueError,
         r"maps\['a'\] must hold one map per image"),
        (lambda: viz.show_method_grid(np.zeros((500, 4, 4, 3)), {"a": np.zeros((500, 4, 4))}), ValueError, "at most 400 panels"),
        (lambda: viz.show_image(np.zeros(5)), ValueError, r"image must have shape \(H, W\)"),
        (lambda: viz.show_image([[0.0]]), TypeError, "image must be a numpy array"),
        (lambda: viz.show_map(np.full((2, 2), np.nan)), ValueError, "saliency_map must not contain NaN"),
        (lambda: viz.show_map(np.zeros((2, 2)), cmap="jett"), ValueError, "cmap must name a matplotlib colour map"),
        (lambda: viz.show_map(np.zeros((2, 2)), ax=3), TypeError, "ax must be a matplotlib Axes"),
        (lambda: viz.overlay_map(np.zeros((2, 2, 3)), np.zeros((2, 2)), alpha=2.0), ValueError, "alpha must be a finite number >= 0 and <= 1"),
        (lambda: viz.show_grid({}), ValueError, "panels must contain at least one array"),
        (lambda: viz.show_grid([np.zeros((2, 2))]), TypeError, "panels must be a mapping"),
        (lambda: viz.show_grid({"a": np.zeros((2, 2))}, ncols=0), ValueError, "ncols must be an integer >= 1"),
        (lambda: viz.plot_timings([0, 10], {"a": [1.0]}), ValueError, "sizes must be > 0"),
        (lambda: viz.plot_timings([1, 10], {"a": [1.0, 2.0, 3.0]}), ValueError, r"timings_ms\['a'\] must hold times > 0, at most one per entry of sizes \(2\)"),
        (lambda: viz.show_leaves(np.zeros((4, 4)), [(0, 0)]), ValueError, r"leaves must have shape \(k, 3\)"),
        (lambda: viz.show_scanpath(np.zeros((4, 4)), [(np.nan, 0)]), ValueError, "fixations must not contain NaN"),
        (lambda: viz.show_seeds(np.zeros((4, 4, 3)), np.full((4, 4), 2)), ValueError, "seeds must hold only -1, 0 and 1"),
        (lambda: viz.show_boxes(np.zeros((4, 4, 3)), {"a": (0, 0, 1)}), ValueError, r"boxes\['a'\] must have shape"),
        (lambda: viz.plot_curves({"a": [[1.0]]}), ValueError, r"curves\['a'\] must be one-dimensional"),
        (lambda: viz.show_mask(np.zeros((4, 4, 3)), np.zeros((4, 4))), TypeError, "mask must be a boolean numpy array"),
        (lambda: viz.show_mask(np.zeros((4, 4, 3)), np.zeros((3, 4), bool)), ValueError, "mask must have the image's"),
        (lambda: viz.show_scores({"a": "high"}), TypeError, r"scores\['a'\] must be a number"),
        (lambda: viz.show_scores({"a": 1.0}, digits=-1), ValueError, "digits must be an integer >= 0"),
        (lambda: viz.show_pyramid(np.zeros((4, 4))), TypeError, "levels must be a list of arrays"),
        (lambda: viz.show_pyramid([np.zeros((4, 4))], highlight=3), ValueError, "highlight must be an integer >= 0 and <= 0"),
        (lambda: viz.show_leaves(np.zeros((4, 4)), [(0, 0, 4)], colour="notacolour"), ValueError, "colour must be a matplotlib colour"),
    ],
)
def test_viz_refuses_bad_input_before_drawing(call, error, match):
    try:
        with pytest.raises(error, match=match):
            call()
    finally:
        plt.close("all")


def test_viz_takes_uint8_images_scaled_and_inhibited_maps():
    ax = viz.show_image(np.full((2, 2, 3), 255, np.uint8))
    assert float(ax.images[0].get_array().max()) == 1.0
    viz.show_map(np.array([[-np.inf, 1.0]]))
    plt.close("all")


# --------------------------------------------------------------------------
# robustness (issue 19): every new raise, with its message
# --------------------------------------------------------------------------
def test_timing_bounds_and_types():
    with pytest.raises(ValueError, match="repeat must be an integer >= 1 and <= 100000"):
        timing.median_ms(lambda: None, repeat=10**9)
    with pytest.raises(TypeError, match="fn must be callable"):
        timing.median_ms(3)
    with pytest.raises(ValueError, match="rounds must be an integer >= 1 and <= 100000"):
        timing.interleaved_median_ms({"a": lambda: None}, rounds=2**40)
    with pytest.raises(TypeError, match="calls must be a dict"):
        timing.interleaved_median_ms([lambda: None])
    with pytest.raises(TypeError, match=r"calls\['a'\] must be callable"):
        timing.interleaved_median_ms({"a": 3})


def test_video_saliency_explorer_builds_with_frame_and_superpixel_sliders():
    from course_lib import baselines

    frames, masks = baselines.moving_blob_video(8, shape=(32, 40), radius=4, start=5)
    explorer = widgets.video_saliency_explorer(frames, masks, motion=np.zeros(masks.shape))
    titles = [ax.get_title() for ax in explorer.figure.axes]
    assert titles[0] == "frame 5" and titles[1].startswith("superpixel contrast, s = 10")
    assert [child.description for child in explorer.children[:2]] == ["frame t", "superpixel s"]
    explorer.children[1].value = 6
    assert explorer.figure.axes[1].get_title().startswith("superpixel contrast, s = 6")
    # frames before the object appears have nothing to point at: said, not an error
    # (the real-browser test found the slider raising there)
    explorer.children[0].value = 2
    titles = [ax.get_title() for ax in explorer.figure.axes]
    assert titles[0] == "frame 2" and all(title.endswith("no object in this frame") for title in titles[1:4])
    with pytest.raises(ValueError, match="masks must mark an object"):
        widgets.video_saliency_explorer(frames, np.zeros_like(masks))
    plt.close("all")


def test_photo_saliency_explorer_steps_through_photographs_and_class_ranks(monkeypatch):
    """On a small stand-in network with .classes: the rank slider picks the k-th most probable class."""
    import torch
    from torch import nn

    monkeypatch.setattr(widgets, "display", lambda item: None)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 6))
    model.classes = [f"class {k}" for k in range(6)]
    photos = {"noise": np.random.default_rng(0).random((16, 16, 3)).astype(np.float32),
              "ramp": np.tile(np.linspace(0, 1, 16, dtype=np.float32)[None, :, None], (16, 1, 3))}
    explorer = widgets.photo_saliency_explorer(model, photos, top=3)
    photo_slider, rank_slider = explorer.children[:2]
    assert (photo_slider.max, rank_slider.min, rank_slider.max) == (1, 1, 3)
    with torch.no_grad():
        order = torch.softmax(model(images.to_tensor(photos["ramp"])), 1)[0].argsort(descending=True)
    photo_slider.value, rank_slider.value = 1, 2
    title = explorer.figure.axes[1].get_title()
    assert title.startswith(f"class #2: class {int(order[1])} (p = ")
    assert explorer.figure.axes[0].get_title() == "ramp"
    with pytest.raises(ValueError, match="top"):
        widgets.photo_saliency_explorer(model, photos, top=7)
    with pytest.raises(ValueError, match="photographs"):
        widgets.photo_saliency_explorer(model, {})
    plt.close("all")
