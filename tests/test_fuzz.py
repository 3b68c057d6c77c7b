"""Property-based fuzz test of the public API (issue 19, part 3).

Every public function of the science modules is called with small valid
arguments in which at most one argument is replaced by a fuzzed value: a
value of another type, NaN/inf, an empty or mis-shaped array, another dtype
(uint8, uint16, bool, int64, float16, float64 tensors), a huge or negative
count, a numpy scalar in place of a Python one.  Each call must either

* return valid output: no NaN or +/-inf anywhere in it, or
* raise ``ValueError`` or ``TypeError`` whose message names the argument,

and never raise another exception, run past a time limit, or change its
inputs (arrays, tensors, models: parameters and train/eval modes).

Hypothesis draws the calls (derandomised, no example database, so a run is
reproducible); the number of calls made is printed at the end of the module
(run with ``-s`` to see it).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import signal
import warnings
from types import SimpleNamespace
from typing import Any, Callable

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_lib import (
    eye_tracking,
    video,
    applications,
    attention,
    baselines,
    classvis,
    datasets,
    fixations,
    features,
    gradients,
    images,
    itti_koch,
    localization,
    methods,
    metrics,
    models,
    pyramids,
    quadtree,
    sanity,
    stimuli,
    timing,
    viz,
)

EXAMPLES_PER_FUNCTION = 60
"""Fuzzed calls per public function (plus one call with the valid arguments)."""

CALL_TIME_LIMIT_S = 20
"""A call running longer than this counts as a hang."""

CALLS = {"total": 0, "refused": 0, "returned": 0}


# --------------------------------------------------------------------------
# valid arguments: small, fresh for every call
# --------------------------------------------------------------------------
def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _image(h: int = 24, w: int = 32) -> np.ndarray:
    return _rng().random((h, w, 3)).astype(np.float32)


def _map(h: int = 24, w: int = 32) -> np.ndarray:
    values = _rng().random((h, w))
    values[h // 3, w // 2] = 3.0
    return values


def _binary(h: int = 24, w: int = 32) -> np.ndarray:
    mask = np.zeros((h, w), bool)
    mask[5:9, 10:16] = True
    mask[15, 3] = True
    return mask


class _TinyNet(torch.nn.Sequential):
    def __init__(self) -> None:
        torch.manual_seed(0)
        super().__init__(
            torch.nn.Conv2d(3, 4, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(16, 5),
        )


def _model() -> torch.nn.Module:
    model = _TinyNet()
    model.eval()
    return model


def _x(batch: int = 1, side: int = 16) -> torch.Tensor:
    return torch.rand(batch, 3, side, side, generator=torch.Generator().manual_seed(0))


def _seeds() -> np.ndarray:
    seeds = np.zeros((16, 16), np.int8)
    seeds[6:10, 6:10] = 1
    seeds[:2] = -1
    return seeds


def _square_image() -> np.ndarray:
    image = np.zeros((16, 16, 3), np.float32)
    image[4:12, 4:12] = (1.0, 0.2, 0.2)
    return image


def _display():
    return stimuli.search_array("colour", 4, image_size=128, bar_length=10, bar_width=3)


def _shapes_batch():
    return datasets.make_batch(2, seed=0, size=32)


def _leaves():
    return quadtree.decompose(np.kron(np.eye(2), np.ones((4, 4))), 0.5)


def _plan():
    return quadtree.conv_plan(torch.rand(1, 2, 16, 16, generator=torch.Generator().manual_seed(0)), 4)


def _c2f_result():
    return quadtree.coarse_to_fine_occlusion(_model(), _x(), 0, start_size=8, min_size=4, policy="all")


# Each entry: function, valid keyword arguments (a factory, so objects are fresh),
# and the names of outputs allowed to hold -inf (inhibited locations by design).
SPECS: list[tuple[Callable[..., Any], Callable[[], dict[str, Any]]]] = [
    # images
    (images.load_image, lambda: {"src": _image()}),
    (images.to_grey, lambda: {"image": _image(), "weights": "luma"}),
    (images.to_uint8, lambda: {"image": _image()}),
    (images.rgb_to_bgr, lambda: {"image": _image()}),
    (images.to_opencv, lambda: {"image": _image()}),
    (images.from_opencv, lambda: {"image": (_image() * 255).astype(np.uint8)}),
    (images.to_tensor, lambda: {"image": _image()}),
    (images.to_numpy, lambda: {"tensor": _x()}),
    (images.photograph, lambda: {"name": "cat", "size": 32}),
    # pyramids
    (pyramids.level_shape, lambda: {"shape": (48, 64), "level": 3}),
    (pyramids.reduce, lambda: {"image": _image()}),
    (pyramids.expand, lambda: {"image": _image(12, 16), "shape": (24, 32)}),
    (pyramids.gaussian_pyramid, lambda: {"image": _image(), "levels": 4}),
    (pyramids.laplacian_pyramid, lambda: {"image": _image(), "levels": 3}),
    (pyramids.reconstruct_laplacian, lambda: {"pyramid": pyramids.laplacian_pyramid(_map(), 3)}),
    (pyramids.across_scale_difference, lambda: {"center": _map(), "surround": _map(6, 8)}),
    (pyramids.across_scale_add, lambda: {"maps": [_map(), _map(12, 16)], "scale_shape": (12, 16)}),
    # features
    (features.intensity, lambda: {"image": _image()}),
    (features.normalize_hue, lambda: {"image": _image(), "threshold": 0.1}),
    (features.opponency, lambda: {"image": _image(), "threshold": 0.1}),
    (features.broadly_tuned_colours, lambda: {"image": _image(), "threshold": 0.1}),
    (features.gabor_kernel, lambda: {"sigma": 2.0, "theta": 0.5, "frequency": 0.25, "gamma": 1.0, "radius": None}),
    (features.orientation_pyramid, lambda: {"intensity_pyramid": [_map(), _map(12, 16)], "theta": 0.0,
                                            "sigma": 2.0, "frequency": 0.25}),
    # itti_koch
    (itti_koch.saliency_map, lambda: {"image": _image(32, 40)}),
    (itti_koch.itti_koch, lambda: {"image": _image(32, 40)}),
    (itti_koch.center_surround, lambda: {"pyramid": pyramids.gaussian_pyramid(_map(64, 64), 9),
                                         "center_levels": (2, 3), "deltas": (3,)}),
    (itti_koch.normalize_map, lambda: {"feature_map": _map(), "max_value": 10.0, "threshold": 0.1}),
    (itti_koch.normalize_iterative, lambda: {"feature_map": _map(), "n_iterations": 2}),
    (itti_koch.conspicuity_maps, lambda: {"feature_maps": itti_koch.itti_koch(_image(64, 64)).feature_maps,
                                          "shape": (4, 4)}),
    # attention, stimuli
    (attention.default_ior_radius, lambda: {"shape": (30, 40)}),
    (attention.disk_mask, lambda: {"shape": (8, 9), "centre": (3, 4), "radius": 2.0}),
    (attention.winner_take_all, lambda: {"saliency": _map()}),
    (attention.inhibit_return, lambda: {"saliency": _map(), "fixation": (3, 4), "radius": 2.0}),
    (attention.scanpath, lambda: {"saliency": _map(), "n_fixations": 4, "ior_radius": None}),
    (attention.simulate_attention, lambda: {"saliency": _map(8, 10), "n_fixations": 2, "max_time_ms": 500.0, "seed": 0}),
    (attention.downsample_map, lambda: {"saliency": _map(), "cell": 4}),
    (attention.map_to_image_coords, lambda: {"fixations": np.array([[1, 2]]), "map_shape": (4, 4), "image_shape": (32, 32)}),
    (attention.attended_items, lambda: {"fixations_image": np.array([[10.0, 20.0]]), "display": _display()}),
    (attention.search_trial, lambda: {"display": _display(), "saliency": _map(32, 32), "max_fixations": 3}),
    (attention.search_experiment, lambda: {"kind": "colour", "set_sizes": [4, 9], "n_trials": 1,
                                           "saliency_fn": lambda image: image.mean(axis=2), "max_fixations": 3}),
    (attention.items_before_target, lambda: {"display": _display(), "saliency": _map(32, 32), "ior_radius": None,
                                             "max_fixations": 3}),
    (attention.fit_slope, lambda: {"set_sizes": [4, 8, 16], "values": [[2.0, 4.0], [5.0, 5.0], [9.0, 9.0]]}),
    (stimuli.search_array, lambda: {"kind": "colour", "set_size": 4, "seed": 0, "image_size": 128,
                                    "bar_length": 10, "bar_width": 3, "jitter": 0.5}),
    # baselines
    (baselines.normalize_range, lambda: {"values": _map()}),
    (baselines.lc_distance_table, lambda: {"levels": (_image()[..., 0] * 255).astype(np.uint8)}),
    (baselines.lc_saliency, lambda: {"image": _image(), "channels": "grey", "method": "lut", "normalize": True}),
    (baselines.blur_map, lambda: {"saliency_map": _map(), "sigma": 1.0}),
    (baselines.spectral_residual, lambda: {"image": _image(), "width": 16, "sigma": 2.0}),
    (baselines.frequency_tuned, lambda: {"image": _image()}),
    (baselines.opencv_spectral_residual, lambda: {"image": _image()}),
    (baselines.opencv_fine_grained, lambda: {"image": _image()}),
    (baselines.opencv_motion_saliency, lambda: {"frames": baselines.moving_blob_video(3, shape=(24, 32), radius=3, start=10)[0]}),
    (baselines.moving_blob_video, lambda: {"n_frames": 3, "shape": (24, 32), "radius": 3, "start": 10, "speed": 2.0}),
    # video
    (video.segment_superpixels, lambda: {"frame": _image(), "region_size": 6, "compactness": 10.0}),
    (video.segment_contrast, lambda: (lambda lab, labels: {"previous_lab": lab, "current_lab": lab + 1.0,
                                                           "previous_labels": labels, "current_labels": labels,
                                                           "sigma": 6.0})(
        _rng().random((24, 32, 3)) * 50, video.segment_superpixels(_image(), region_size=6))),
    (video.superpixel_contrast, lambda: {"previous": _image(), "current": _image()[::-1].copy(), "region_size": 6,
                                         "compactness": 10.0, "sigma": None, "normalize": False}),
    (video.frame_difference, lambda: {"previous": _image(), "current": _image()[::-1].copy(), "normalize": True}),
    (video.video_saliency, lambda: {"frames": baselines.moving_blob_video(3, shape=(24, 32), radius=3, start=0)[0],
                                    "method": "difference", "frame_indices": None}),
    (video.score_video, lambda: (lambda frames, masks: {"maps": frames[..., 0], "masks": masks,
                                                        "frame_indices": [1, 2]})(
        *baselines.moving_blob_video(3, shape=(24, 32), radius=3, start=0))),
    (video.absorption_frame, lambda: (lambda frames, masks: {"motion": frames[..., 0], "masks": masks,
                                                             "start": 1})(
        *baselines.moving_blob_video(3, shape=(24, 32), radius=3, start=0))),
    # metrics
    (metrics.auc_judd, lambda: {"saliency": _map(), "fixations": _binary()}),
    (metrics.auc_borji, lambda: {"saliency": _map(), "fixations": _binary(), "n_splits": 5, "step": 0.1, "seed": 0}),
    (metrics.shuffled_auc, lambda: {"saliency": _map(), "fixations": _binary(), "other_fixations": _binary()[::-1].copy(),
                                    "n_splits": 5, "step": 0.1, "seed": 0}),
    (metrics.nss, lambda: {"saliency": _map(), "fixations": _binary()}),
    (metrics.information_gain, lambda: {"saliency": _map(), "fixations": _binary(), "baseline": None}),
    (metrics.cc, lambda: {"saliency": _map(), "density": _map()[::-1].copy()}),
    (metrics.kl_div, lambda: {"saliency": _map(), "density": _map()[::-1].copy()}),
    (metrics.similarity, lambda: {"saliency": _map(), "density": _map()[::-1].copy()}),
    (metrics.pointing_game, lambda: {"saliency": _map(), "mask": _binary(), "tolerance": 2}),
    (metrics.fixation_density, lambda: {"fixations": _binary(), "sigma": 2.0}),
    # fixations (the recorder's data)
    (fixations.clean_clicks, lambda: {"clicks": [[1.0, 2.0, 30.0], [3.0, 1.0, 10.0]], "shape": (24, 32),
                                      "time_limit": 5.0}),
    (fixations.inter_observer, lambda: {"maps": {"a": _binary(), "b": _binary()}, "sigma": 2.0,
                                        "metric": "auc_judd"}),
    (fixations.clicks_map, lambda: {"points": [[1.0, 2.0, 30.0], [3.4, 1.6, 10.0]], "shape": (24, 32)}),
    (fixations.bubble_view_image, lambda: {"image": _image(), "blur": 3.0, "click": (4.0, 5.0), "radius": 3.0}),
    (fixations.clicks_output, lambda: {"points": [[1.0, 2.0, 30.0]], "image": "astronaut"}),
    (fixations.score_recordings, lambda: {
        "recordings": [fixations.Clicks("a", "v1", np.array([[3.0, 4.0, 0.0]])),
                       fixations.Clicks("a", "v2", np.array([[10.0, 12.0, 5.0]]))],
        "pictures": {"a": _image()}, "sigma": 2.0, "methods": ["spectral_residual"]}),
    # eye_tracking (real data sets; pysaliency's objects stood in for)
    (eye_tracking.from_pysaliency, lambda: {
        "stimuli": SimpleNamespace(filenames=["a.png", "b.png"]),
        "recorded": SimpleNamespace(x=np.array([1.0, 2.0]), y=np.array([3.0, 4.0]), t=np.array([0.1, 0.2]),
                                    n=np.array([0, 1]), subject=np.array([0, 0]))}),
    (metrics.box_mask, lambda: {"shape": (10, 12), "box": (2, 3, 5, 9)}),
    (metrics.centre_gaussian, lambda: {"shape": (10, 12), "sigma": 3.0}),
    (metrics.evaluate_map, lambda: {"saliency": _map(), "mask": _binary(), "sigma": None, "tolerance": None}),
    (metrics.mean_scores, lambda: {"scores": [{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 0.0}]}),
    # datasets
    (datasets.make_batch, lambda: {"n": 2, "seed": 0, "size": 32}),
    (datasets.make_split, lambda: {"n": 2, "split": "test", "seed": 0, "size": 32}),
    (datasets.mask_boxes, lambda: {"masks": _binary()}),
    # models
    (models.channel_stats, lambda: {"images": _shapes_batch().images}),
    (models.count_parameters, lambda: {"model": _model()}),
    (models.imagenet_categories, lambda: {}),
    (models.predict, lambda: {"model": models.ShapesCNN(size=32), "images": _shapes_batch().images, "batch_size": 2}),
    (models.accuracy, lambda: {"model": models.ShapesCNN(size=32), "batch": _shapes_batch(), "batch_size": 2}),
    # gradients
    (gradients.gradient, lambda: {"model": _model(), "x": _x(2), "target": 1}),
    (gradients.vanilla_saliency, lambda: {"model": _model(), "x": _x(2), "target": None}),
    (gradients.input_x_gradient, lambda: {"model": _model(), "x": _x(), "target": [2]}),
    (gradients.finite_difference_gradient, lambda: {"model": _model(), "x": _x(side=4), "target": 0,
                                                    "elements": [(0, 1, 1), (2, 3, 0)]}),
    (gradients.smoothgrad, lambda: {"attribution_fn": gradients.vanilla_saliency, "model": _model(), "x": _x(),
                                    "target": 0, "n_samples": 3, "noise_level": 0.1, "seed": 0}),
    (gradients.integrated_gradients, lambda: {"model": _model(), "x": _x(), "target": 0, "baseline": None,
                                              "n_steps": 4, "method": "gausslegendre"}),
    (gradients.guided_backprop, lambda: {"model": _model(), "x": _x(), "target": 0}),
    (gradients.deconvnet, lambda: {"model": _model(), "x": _x(), "target": 0}),
    (gradients.grad_cam, lambda: (lambda m: {"model": m, "x": _x(), "target": 0, "layer": m[0]})(_model())),
    (gradients.occlusion, lambda: {"model": _model(), "x": _x(), "target": 0, "window": 4, "stride": 4}),
    (gradients.occlusion_passes, lambda: {"shape": (3, 16, 16), "window": 4, "stride": 4}),
    # classvis
    (classvis.input_normalization, lambda: {"model": _model(), "channels": 3}),
    (classvis.visualize_class_in_range, lambda: {"model": _model(), "target": 1, "n_steps": 2,
                                                 "image_shape": (3, 8, 8), "jitter": 1, "blur_sigma": 0.0, "seed": 0}),
    (classvis.fooling_image, lambda: {"model": _model(), "image": _x(), "target": 1, "step_size": 0.1,
                                      "max_steps": 3, "max_change": 0.05}),
    (classvis.visualize_class, lambda: {"model": _model(), "target": 1, "n_steps": 2, "image_shape": (3, 8, 8),
                                        "jitter": 1, "blur_sigma": 0.5, "seed": 0}),
    (classvis.visualize_class_regularized, lambda: {"model": _model(), "target": 1, "n_steps": 2,
                                                    "image_shape": (3, 8, 8), "max_jitter": 2, "blur_every": 1,
                                                    "blur_sigma": 0.5, "seed": 0}),
    # localization
    (localization.saliency_seeds, lambda: {"saliency": _map(), "foreground_quantile": 0.9, "background_quantile": 0.3}),
    (localization.graphcut_segmentation, lambda: {"image": _square_image(), "seeds": _seeds(), "iterations": 1, "seed": 0}),
    (localization.largest_component, lambda: {"mask": _binary(), "connectivity": 8}),
    (localization.localize, lambda: {"image": _square_image(), "saliency": _square_image()[..., 0].copy(),
                                     "iterations": 1, "seed": 0}),
    (localization.mask_iou, lambda: {"mask": _binary(), "true_mask": _binary()[::-1].copy()}),
    (localization.box_iou, lambda: {"box": (0, 0, 4, 4), "true_box": (2, 2, 6, 6)}),
    # sanity
    (sanity.spearman, lambda: {"a": _map(), "b": _map()[::-1].copy(), "absolute": False}),
    (sanity.blur, lambda: {"x": _x(), "kernel_size": 3, "sigma": 1.0}),
    (sanity.auc, lambda: {"curve": np.array([1.0, 0.5, 0.25, 0.0])}),
    (sanity.randomizable_layers, lambda: {"model": _model()}),
    (sanity.deletion_curve, lambda: {"model": _model(), "x": _x(), "saliency": torch.rand(1, 16, 16), "step": 64,
                                     "target": 0}),
    (sanity.insertion_curve, lambda: {"model": _model(), "x": _x(), "saliency": _map(16, 16)[None], "step": 64, "target": 0}),
    (sanity.parameter_randomization, lambda: {"attribution_fn": gradients.vanilla_saliency, "model": _model(),
                                              "x": _x(), "target": 0, "layers": ["4"], "seed": 0}),
    # quadtree
    (quadtree.decompose, lambda: {"image": _map(8, 8), "threshold": 0.5, "min_size": 1, "max_size": None,
                                  "criterion": "range", "pad": True}),
    (quadtree.decompose_array, lambda: {"image": _map(6, 8), "threshold": 0.5, "min_size": 2}),
    (quadtree.leaf_map, lambda: {"leaves": _leaves(), "shape": (8, 8)}),
    (quadtree.coverage, lambda: {"leaves": _leaves(), "shape": (8, 8)}),
    (quadtree.reconstruct, lambda: {"image": _map(8, 8), "leaves": _leaves(), "fill": "mean"}),
    (quadtree.psnr, lambda: {"reference": _map(), "approximation": _map()[::-1].copy(), "data_range": 1.0}),
    (quadtree.summarize, lambda: {"image": _map(8, 8), "leaves": _leaves(), "min_size": 1}),
    (quadtree.conv2d_dense, lambda: {"x": _x(), "weight": torch.rand(2, 3, 3, 3), "bias": torch.zeros(2)}),
    (quadtree.conv2d_leaves_naive, lambda: {"x": _x(side=8), "weight": torch.rand(2, 3, 3, 3), "bias": None,
                                            "leaves": _leaves()}),
    (quadtree.conv_plan, lambda: {"x": _x(), "cell_size": 4, "threshold": 0.0}),
    (quadtree.conv2d_quadtree, lambda: {"x": torch.rand(1, 2, 16, 16, generator=torch.Generator().manual_seed(0)),
                                        "weight": torch.rand(3, 2, 3, 3), "bias": None, "plan": _plan()}),
    (quadtree.conv_macs, lambda: {"shape": (1, 2, 16, 16), "kernel_size": 3, "c_out": 4, "plan": _plan(), "n_leaves": 10}),
    (quadtree.synthetic_scene, lambda: {"channels": 2, "side": 64, "cell_size": 16, "fraction": 0.25, "seed": 0}),
    (quadtree.measure_conv_speedup, lambda: {"channels": 1, "kernel_size": 3, "fractions": [0.5], "side": 64,
                                             "cell_size": 16, "repeat": 1, "seed": 0}),
    (quadtree.occlusion_drops, lambda: {"model": _model(), "x": _x(), "target": 0, "boxes": [(0, 0, 8), (8, 8, 8)],
                                        "baseline": "mean", "batch_size": 2}),
    (quadtree.dense_occlusion, lambda: {"model": _model(), "x": _x(), "target": 0, "cell_size": 8}),
    (quadtree.coarse_to_fine_occlusion, lambda: {"model": _model(), "x": _x(), "target": 0, "start_size": 8,
                                                 "min_size": 4, "policy": "absolute", "threshold": 0.02}),
    (quadtree.compare_to_dense, lambda: {"result": _c2f_result(), "dense_map": _map(16, 16), "dense_passes": 10}),
    # applications
    (applications.compute_saliency, lambda: {"image": _image(), "method": "lc"}),
    (applications.crop_size, lambda: {"shape": (24, 32), "aspect_ratio": 1.0, "scale": 0.5}),
    (applications.window_sums, lambda: {"saliency_map": _map(), "height": 4, "width": 5}),
    (applications.saliency_crop, lambda: {"saliency_map": _map(), "aspect_ratio": 1.5, "scale": 0.5}),
    (applications.kept_fraction, lambda: {"saliency_map": _map(), "box": (2, 3, 10, 12)}),
    (applications.seam_energy, lambda: {"image": _image(), "saliency_map": _map(), "weight": 1.0}),
    (applications.vertical_seam, lambda: {"energy": _map()}),
    (applications.carve_seams, lambda: {"image": _image(), "n_seams": 2, "saliency_map": _map(), "weight": 1.0,
                                        "direction": "vertical"}),
    (applications.jpeg_encode, lambda: {"image": _image(), "quality": 50}),
    (applications.jpeg_decode, lambda: {"data": applications.jpeg_encode(_image(), 50)}),
    (applications.salient_blocks, lambda: {"saliency_map": _map(), "threshold": 0.5, "block": 8}),
    (applications.roi_jpeg, lambda: {"image": _image(32, 32), "saliency_map": _map(32, 32), "quality_inside": 90,
                                     "quality_outside": 10, "threshold": 0.5}),
    (applications.uniform_quality_for_size, lambda: {"image": _image(32, 32), "n_bytes": 600}),
    (applications.compare_roi_jpeg, lambda: {"image": _image(32, 32), "saliency_map": _map(32, 32)}),
    # registry, timing
    (methods.resolve_method, lambda: {"name": "lc"}),
    (timing.median_ms, lambda: {"fn": lambda: None, "repeat": 2, "warmup": 0}),
    (timing.interleaved_median_ms, lambda: {"calls": {"a": lambda: None}, "rounds": 1, "block": 1, "warmup": 0}),
    # viz
    (viz.clip_at_percentile, lambda: {"saliency": _map(), "q": 99.0}),
    (viz.show_image, lambda: {"image": _image(), "title": "image"}),
    (viz.show_map, lambda: {"saliency_map": _map(), "title": "map", "vmin": None, "vmax": None}),
    (viz.overlay_map, lambda: {"image": _image(), "saliency_map": _map(6, 8), "alpha": 0.5}),
    (viz.show_grid, lambda: {"panels": {"a": _image(), "b": _map()}, "ncols": 2, "panel_size": 1.0}),
    (viz.plot_timings, lambda: {"sizes": [10, 100], "timings_ms": {"a": [1.0, 10.0]}}),
    (viz.show_leaves, lambda: {"image": _map(8, 8), "leaves": _leaves()}),
    (viz.show_scanpath, lambda: {"image": _image(), "fixations": np.array([[3, 4], [10, 20]]), "ior_radius": 2.0}),
    (viz.show_seeds, lambda: {"image": _square_image(), "seeds": _seeds()}),
    (viz.show_boxes, lambda: {"image": _image(), "boxes": {"box": (2, 3, 10, 12)}}),
    (viz.plot_curves, lambda: {"curves": {"a": [1.0, 2.0, 3.0]}}),
    (viz.show_mask, lambda: {"image": _image(), "mask": _binary(), "outline": True}),
    (viz.show_scores, lambda: {"scores": {"auc": 0.5}, "digits": 2}),
    (viz.show_pyramid, lambda: {"levels": pyramids.gaussian_pyramid(_image(), 3), "highlight": 1}),
    (viz.show_method_grid, lambda: {"images": np.stack([_image(8, 8)] * 2), "maps": {"a": np.stack([_map(8, 8)] * 2)}}),
]

# Outputs that hold -inf by design: the inhibited locations of inhibit_return.
MINUS_INF_ALLOWED = {attention.inhibit_return}


# --------------------------------------------------------------------------
# fuzzed values
# --------------------------------------------------------------------------
GENERIC = [None, "x", object(), [], (), {}, True, -1, 0, 10**12, -(10**12), 2.5, float("nan"), float("inf"),
           np.float32(0.5), np.int64(3), np.bool_(True), b"bytes", 1j]


def _array_variants(value: np.ndarray) -> list[Any]:
    out: list[Any] = [value.tolist(), value.ravel(), value[None], value[..., None], value[:0], np.float16(1.0)]
    if value.dtype.kind in "fiub":
        floats = value.astype(np.float64)
        nan = floats.copy()
        nan.flat[0] = np.nan
        inf = floats.copy()
        inf.flat[-1] = np.inf
        out += [nan, inf, -floats, floats * 255, np.zeros_like(floats), np.ones_like(floats),
                (np.clip(floats, 0, 1) * 255).astype(np.uint8), (np.clip(floats, 0, 1) * 65535).astype(np.uint16),
                floats > 0.5, floats.astype(np.int64), floats.astype(np.float16), floats.astype(np.complex64),
                np.asfortranarray(floats), floats.T.copy()]
    if value.ndim >= 2:
        out += [value[:1, :1], value[:, :1], np.repeat(value, 2, axis=0), value[:-1]]
    if value.ndim == 3:
        out += [value[..., :1], np.concatenate([value, value[..., :1]], axis=-1)]
    out.append(np.array(["a"] * max(1, value.size)).reshape(value.shape) if value.size else np.array([]))
    return out


def _tensor_variants(value: torch.Tensor) -> list[Any]:
    nan = value.clone().double()
    nan.view(-1)[0] = float("nan")
    out = [value.double(), value.half(), value.long(), value.bool(), value.numpy().copy(), value[0], value[:0],
           value[None], nan, value.clone().fill_(float("inf")), value * 1e30, -value, torch.zeros_like(value),
           value[..., :1]]
    if value.ndim >= 2:
        out += [value[..., :1, :], value.transpose(-1, -2).contiguous()]
    return out


def _int_variants(value: int) -> list[Any]:
    return [0, -1, 1, value + 1, value * 1000, 2**40, 2**70, np.int64(value), np.int32(value), np.uint8(min(value, 255)),
            float(value), np.float64(value), str(value), True, None]


def _float_variants(value: float) -> list[Any]:
    return [0.0, -value, -1.0, 1.0, 1e-300, 1e300, float("nan"), float("inf"), -float("inf"), np.float32(value),
            np.float64(value), np.int64(1), int(value) if math.isfinite(value) else 1, str(value), None]


def _sequence_variants(value: Any) -> list[Any]:
    items = list(value)
    out: list[Any] = [items[:-1], items + items[-1:], [], tuple(items), np.array(items, dtype=object)]
    if items and all(isinstance(v, (int, float, np.integer, np.floating)) for v in items):
        out += [np.array(items), [float("nan")] * len(items), [-v for v in items], [v * 10**9 for v in items],
                [str(v) for v in items], [float(v) + 0.5 for v in items]]
    return out


def _candidates(value: Any) -> list[Any]:
    if isinstance(value, np.ndarray):
        specific = _array_variants(value)
    elif isinstance(value, torch.Tensor):
        specific = _tensor_variants(value)
    elif isinstance(value, (bool, np.bool_)):
        specific = [not value, 0, 1, "yes"]
    elif isinstance(value, (int, np.integer)):
        specific = _int_variants(int(value))
    elif isinstance(value, (float, np.floating)):
        specific = _float_variants(float(value))
    elif isinstance(value, str):
        specific = [value.upper(), "", " " + value, "../" + value, 3]
    elif isinstance(value, (list, tuple)):
        specific = _sequence_variants(value)
    elif isinstance(value, dict):
        specific = [{}, {1: 2}, {k: None for k in value}, {k: float("nan") for k in value}, list(value.items())]
    elif isinstance(value, torch.nn.Module):
        # Models that raise on their own (a wrong architecture) are the caller's bug and
        # may raise anything, so the fuzzed models are valid ones in another state,
        # ones returning the wrong thing, and non-models.
        train = copy.deepcopy(value).train()
        specific = [train, torch.nn.Identity(), lambda x: x, copy.deepcopy(value).double(), torch.nn.Flatten()]
    elif callable(value):
        specific = [lambda *a, **k: None, lambda *a, **k: "x", 3]
    else:
        specific = []
    return specific + GENERIC


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------
def _snapshot(value: Any) -> Any:
    if isinstance(value, torch.nn.Module):
        return (
            {k: v.detach().clone() for k, v in value.state_dict().items()},
            [m.training for m in value.modules()],
        )
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value.copy() if isinstance(value, np.ndarray) else value.detach().clone()
    try:
        return copy.deepcopy(value)
    except Exception:  # generators, lambdas with closures over unpicklable things
        return None


def _same(before: Any, after: Any) -> bool:
    if isinstance(after, torch.nn.Module):
        state, modes = before
        now = after.state_dict()
        return modes == [m.training for m in after.modules()] and state.keys() == now.keys() and all(
            torch.equal(state[k], now[k]) or (state[k].isnan().any() and torch.equal(state[k].isnan(), now[k].isnan()))
            for k in state
        )
    if isinstance(after, np.ndarray) and after.dtype == object:
        return isinstance(before, np.ndarray) and before.shape == after.shape and all(
            _same(_snapshot(b), a) for b, a in zip(before.flat, after.flat)
        )
    if isinstance(after, np.ndarray):
        return isinstance(before, np.ndarray) and before.shape == after.shape and (
            before.dtype.kind not in "fc" and np.array_equal(before, after)
            or before.dtype.kind in "fc" and np.array_equal(before, after, equal_nan=True)
        )
    if isinstance(after, torch.Tensor):
        if before.shape != after.shape or before.dtype != after.dtype:
            return False
        if before.is_floating_point() or before.is_complex():
            return bool(((before == after) | (before.isnan() & after.isnan())).all())
        return bool((before == after).all())
    if isinstance(after, (list, tuple)) and isinstance(before, (list, tuple)) and len(before) == len(after):
        return all(_same(b, a) for b, a in zip(before, after))
    return True


def _finite(value: Any, allow_minus_inf: bool, seen: set[int] | None = None) -> bool:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return True
    seen.add(id(value))
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy() if value.dtype != torch.bfloat16 else value.float().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            bad = np.isnan(value) | (np.isposinf(value.real) if value.dtype.kind == "c" else np.isposinf(value))
            if not allow_minus_inf:
                bad |= np.isinf(value)
            return not bad.any()
        if value.dtype == object:
            return all(_finite(v, allow_minus_inf, seen) for v in value.flat)
        return True
    if isinstance(value, (float, np.floating)):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_finite(v, allow_minus_inf, seen) for v in value)
    if isinstance(value, dict):
        return all(_finite(v, allow_minus_inf, seen) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_finite(getattr(value, f.name), allow_minus_inf, seen) for f in dataclasses.fields(value))
    return True


class _Hang(Exception):
    pass


def _on_alarm(signum, frame):  # noqa: ARG001
    raise _Hang()


def _call(function: Callable[..., Any], kwargs: dict[str, Any], changed: str | None) -> None:
    """Call once and assert the contract; ``changed`` names the fuzzed argument."""
    before = {name: _snapshot(value) for name, value in kwargs.items()}
    CALLS["total"] += 1
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(CALL_TIME_LIMIT_S)
    try:
        with warnings.catch_warnings():
            # numpy's "invalid value" / "overflow" and complex-discarding warnings mean bad input got in
            warnings.simplefilter("error", RuntimeWarning)
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            result = function(**kwargs)
            if inspect.isgenerator(result):
                next(result)
    except _Hang:
        pytest.fail(f"{function.__module__}.{function.__name__} ran past {CALL_TIME_LIMIT_S} s with {changed}={kwargs.get(changed)!r:.200}")
    except (ValueError, TypeError) as error:
        CALLS["refused"] += 1
        if changed is None:
            raise AssertionError(f"{function.__name__} refused its valid arguments: {error}") from error
        assert changed in str(error), (
            f"{function.__module__}.{function.__name__}: the message does not name {changed!r} "
            f"(got {type(error).__name__}: {error}) for {changed}={kwargs[changed]!r:.200}"
        )
        result = None
    except Exception as error:  # noqa: BLE001 - the point of the test
        raise AssertionError(
            f"{function.__module__}.{function.__name__} raised {type(error).__name__}: {error} "
            f"for {changed}={kwargs.get(changed)!r:.200}"
        ) from error
    else:
        CALLS["returned"] += 1
        assert _finite(result, function in MINUS_INF_ALLOWED), (
            f"{function.__module__}.{function.__name__} returned NaN or inf for {changed}={kwargs.get(changed)!r:.200}"
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        plt.close("all")
    for name, value in kwargs.items():
        assert _same(before[name], value), f"{function.__name__} changed its argument {name!r}"


@pytest.fixture(scope="module", autouse=True)
def _report_calls():
    torch.set_num_threads(1)
    yield
    print(f"\nfuzz: {CALLS['total']} calls ({CALLS['returned']} returned valid output, "
          f"{CALLS['refused']} refused with ValueError/TypeError naming the argument)")


@pytest.mark.parametrize("function, make_kwargs", SPECS, ids=[f"{f.__module__.split('.')[-1]}.{f.__name__}" for f, _ in SPECS])
@settings(max_examples=EXAMPLES_PER_FUNCTION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_public_function_returns_valid_output_or_names_the_bad_argument(function, make_kwargs, data):
    kwargs = make_kwargs()
    name = data.draw(st.sampled_from([None, *kwargs]), label="argument")
    if name is not None:
        kwargs[name] = data.draw(st.sampled_from(_candidates(kwargs[name])), label=name)
    _call(function, kwargs, name)


def test_every_public_function_of_the_science_modules_is_fuzzed():
    covered = {f for f, _ in SPECS}
    skipped = {  # need files, the network or minutes of training; covered by their own tests
        models.train, models.load_model, models.save_model, models.model_metadata, models.training_metadata,
        metrics.load_fixations, datasets.iter_split, fixations.read_clicks, fixations.append_clicks,
        fixations.viewer_maps, fixations.notebook_clicks, fixations.class_dataset,  # files, Clicks records
        # and folders of submissions (tests/test_fixations.py)
        fixations.write_score_tables, eye_tracking.read_mit1003, eye_tracking.read_cat2000,  # data sets' folders,
        eye_tracking.load_pysaliency, eye_tracking.score_data,  # pysaliency's cache (tests/test_eye_tracking.py)
    }
    modules = (images, pyramids, features, itti_koch, attention, stimuli, baselines, metrics, fixations, eye_tracking,
               video, datasets,
               models, gradients, classvis, localization, sanity, quadtree, applications, viz, timing, methods)
    missing = [
        f"{module.__name__}.{name}"
        for module in modules
        for name in getattr(module, "__all__", dir(module))
        if not name.startswith("_")
        and inspect.isfunction(getattr(module, name))
        and getattr(module, name).__module__ == module.__name__
        and getattr(module, name) not in covered | skipped
    ]
    assert not missing, f"public functions without a fuzz spec: {missing}"
