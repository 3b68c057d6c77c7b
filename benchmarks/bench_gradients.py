"""Gradient saliency methods of course_lib beside Captum's, on the shipped model and the ImageNet one.

Run with ``python benchmarks/bench_gradients.py`` (or ``make bench``);
``--quick`` for a short smoke run, ``--batch`` and ``--repeats`` to change
the workload, ``--model`` to time one model only.  Captum is a test/benchmark
dependency (the ``dev`` extra), not a runtime one: without it only
course_lib's column is printed.

**ImageNet model** (``load_model("imagenet")``, EfficientNet-Lite0, the
``imagenet`` extra; skipped without it): the photographs of
``images.PHOTOGRAPHS`` at 224×224 (and their mirror images, to fill a batch
of 8), batches 8 and 1 (``--imagenet-batch``), ``--imagenet-repeats`` calls
(3 by default, 3× that at batch 1), the methods of issue 30: vanilla
saliency, SmoothGrad (25), IG (50) and Grad-CAM at ``net.bn2`` (1280×7×7), each
against Captum as below, plus the class-model visualisation of notebook 06
(``visualize_class_in_range`` at 224×224, jitter 16 px, blur σ = 0.5, one
class per image): milliseconds per image and ascent step, course_lib only
(Captum has no such method).  At 224 px the default chunk holds 3 rows.

For each method: milliseconds per image, the median over ``--repeats`` calls
on one batch of held-out 64×64 images (batch 32 by default), course_lib and
Captum measured in the same run, interleaved (the order alternates every
repeat), after one warm-up call of each.  Settings are matched so both do the
same work:

* gradient / vanilla saliency / input×gradient: ``Saliency`` (``abs=False``;
  ``abs=True`` then ``.amax(1)`` for the Simonyan map), ``InputXGradient``;
* SmoothGrad: 25 samples of noise 0.15 × the input range (the images span
  [0, 1], so Captum gets ``stdevs=0.15``) on the vanilla saliency;
  ``NoiseTunnel(Saliency)``;
* IG: 50 Gauss–Legendre steps, zero baseline; ``IntegratedGradients``;
* guided backprop / DeconvNet: ``GuidedBackprop`` / ``Deconvolution``;
* Grad-CAM at ``features`` with ReLU, bilinear to 64×64: ``LayerGradCam``
  (``relu_attributions=True``) + ``LayerAttribution.interpolate(…, "bilinear")``;
* occlusion, window (3, 8, 8), stride (3, 4, 4) (226 forward passes per
  image): ``Occlusion``.

The batched methods use course_lib's default chunk (``MAX_CHUNK_ELEMENTS``:
42 rows of 3×64×64 per model call); Captum is given the same bound
(``internal_batch_size`` = 42 rows; ``nt_samples_batch_size`` and
``perturbations_per_eval`` count whole batches, so 1, i.e. 32 rows) instead
of its default of one batch of every row (1,600 images for IG), which would
measure memory pressure rather than the method.

Ratio = course_lib / Captum (< 1: course_lib faster).  Timings, not asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Callable

import torch

from course_lib import classvis, datasets, images, models
from course_lib import gradients as G

OCCLUSION_WINDOW = (3, 8, 8)
OCCLUSION_STRIDE = (3, 4, 4)
N_SAMPLES = 25
NOISE_LEVEL = 0.15
N_STEPS = 50


IMAGENET_METHODS = ("vanilla_saliency", "smoothgrad (25)", "integrated_gradients (50)", "grad_cam", "class_vis / step")
VIS_STEPS = 4
"""Ascent steps per timed class-visualisation call; its row is divided by them."""
PER_CALL_STEPS = {"class_vis / step": VIS_STEPS}


def course_methods(model: torch.nn.Module, layer: str = "features") -> dict[str, Callable]:
    return {
        "gradient": lambda x, t: G.gradient(model, x, t),
        "vanilla_saliency": lambda x, t: G.vanilla_saliency(model, x, t),
        "input_x_gradient": lambda x, t: G.input_x_gradient(model, x, t),
        "smoothgrad (25)": lambda x, t: G.smoothgrad(
            G.vanilla_saliency, model, x, t, n_samples=N_SAMPLES, noise_level=NOISE_LEVEL
        ),
        "integrated_gradients (50)": lambda x, t: G.integrated_gradients(model, x, t, n_steps=N_STEPS),
        "guided_backprop": lambda x, t: G.guided_backprop(model, x, t),
        "deconvnet": lambda x, t: G.deconvnet(model, x, t),
        "grad_cam": lambda x, t: G.grad_cam(model, x, t, layer=layer),
        "occlusion (226 passes)": lambda x, t: G.occlusion(
            model, x, t, window=OCCLUSION_WINDOW, stride=OCCLUSION_STRIDE
        ),
        "class_vis / step": lambda x, t: classvis.visualize_class_in_range(
            model, t.tolist(), n_steps=VIS_STEPS, image_shape=tuple(x.shape[1:]), jitter=16, blur_sigma=0.5
        ),
    }


def captum_methods(model: torch.nn.Module, batch: int, rows: int, layer: str = "features") -> dict[str, Callable] | None:
    try:
        from captum.attr import (
            Deconvolution,
            GuidedBackprop,
            InputXGradient,
            IntegratedGradients,
            LayerAttribution,
            LayerGradCam,
            NoiseTunnel,
            Occlusion,
            Saliency,
        )
    except ImportError:
        return None
    per_eval = max(1, rows // batch)  # Captum counts whole batches per model call
    saliency, ig, cam = Saliency(model), IntegratedGradients(model), LayerGradCam(model, model.get_submodule(layer))
    tunnel, occlusion = NoiseTunnel(saliency), Occlusion(model)
    guided, deconv, ixg = GuidedBackprop(model), Deconvolution(model), InputXGradient(model)

    def grad_cam(x, t):
        maps = cam.attribute(x, target=t, relu_attributions=True)  # (B, 1, h, w): 8×8, or 7×7 for ImageNet
        return LayerAttribution.interpolate(maps, tuple(x.shape[2:]), "bilinear")[:, 0]

    return {
        "gradient": lambda x, t: saliency.attribute(x, target=t, abs=False),
        "vanilla_saliency": lambda x, t: saliency.attribute(x, target=t).amax(1),
        "input_x_gradient": lambda x, t: ixg.attribute(x, target=t),
        "smoothgrad (25)": lambda x, t: tunnel.attribute(
            x, target=t, nt_type="smoothgrad", nt_samples=N_SAMPLES, stdevs=NOISE_LEVEL,
            nt_samples_batch_size=per_eval,
        ).amax(1),
        "integrated_gradients (50)": lambda x, t: ig.attribute(
            x, target=t, n_steps=N_STEPS, method="gausslegendre", internal_batch_size=rows
        ),
        "guided_backprop": lambda x, t: guided.attribute(x, target=t),
        "deconvnet": lambda x, t: deconv.attribute(x, target=t),
        "grad_cam": grad_cam,
        "occlusion (226 passes)": lambda x, t: occlusion.attribute(
            x, target=t, sliding_window_shapes=OCCLUSION_WINDOW, strides=OCCLUSION_STRIDE,
            perturbations_per_eval=per_eval,
        ),
    }


def _seconds(fn: Callable, x: torch.Tensor, t: torch.Tensor) -> float:
    start = time.perf_counter()
    fn(x, t)
    return time.perf_counter() - start


def photograph_batch(batch: int) -> torch.Tensor:
    """(batch, 3, 224, 224): the photographs, then their mirror images, cycled."""
    photos = [images.photograph(name) for name in images.PHOTOGRAPHS]
    photos += [photo[:, ::-1] for photo in photos]
    return torch.cat([images.to_tensor(photos[k % len(photos)]) for k in range(batch)])


def workload(model_name: str, batch: int) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor, str, tuple[str, ...]]:
    """(model, x, target, Grad-CAM layer, names of the methods timed) of one table."""
    if model_name == "imagenet":
        model = models.load_model("imagenet")
        x = photograph_batch(batch)
        with torch.no_grad():
            target = model(x).argmax(1)  # the top-1 classes
        return model, x, target, model.metadata["grad_cam_layer"], IMAGENET_METHODS
    model = models.load_model("shapes-cnn")
    data = datasets.make_split(batch, split="test")
    x, target = images.to_tensor(data.images), torch.as_tensor(data.labels)
    return model, x, target, "features", tuple(name for name in course_methods(model) if name not in PER_CALL_STEPS)


def run(
    batch: int = 32, repeats: int = 5, methods: list[str] | None = None, model_name: str = "shapes-cnn"
) -> dict[str, tuple[float, float | None]]:
    """Method -> (course_lib ms/img, Captum ms/img or None) at one batch size, printed as a table."""
    model, x, target, layer, timed = workload(model_name, batch)
    ours = course_methods(model, layer)
    rows = G.chunk_rows(None, x)
    theirs = captum_methods(model, batch, rows, layer)
    names = [name for name in timed if methods is None or any(m in name for m in methods)]
    header = f"{'method':<26} {'course_lib ms/img':>18} {'captum ms/img':>14} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    results: dict[str, tuple[float, float | None]] = {}
    for name in names:
        pair = [ours[name]] + ([theirs[name]] if theirs and name in theirs else [])
        times: list[list[float]] = [[] for _ in pair]
        for fn in pair:  # warm-up
            fn(x, target)
        for repeat in range(repeats):
            order = range(len(pair)) if repeat % 2 == 0 else reversed(range(len(pair)))
            for i in order:
                times[i].append(_seconds(pair[i], x, target))
        ms = [1e3 * statistics.median(t) / batch / PER_CALL_STEPS.get(name, 1) for t in times]
        if len(pair) == 2:
            print(f"{name:<26} {ms[0]:>18.2f} {ms[1]:>14.2f} {ms[0] / ms[1]:>6.2f}", flush=True)
            results[name] = (ms[0], ms[1])
        else:
            print(f"{name:<26} {ms[0]:>18.2f} {'—':>14} {'—':>6}", flush=True)
            results[name] = (ms[0], None)
    what = (
        f"3x224x224 photographs, {model_name} (EfficientNet-Lite0)" if model_name == "imagenet"
        else "3x64x64 held-out images, shapes-cnn"
    )
    print(
        f"median of {repeats} interleaved calls after a warm-up; batch {batch} of {what}; "
        f"float32 CPU; torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"{rows} rows per model call in the batched methods\n"
    )
    if theirs is None:
        print("captum is not installed (pip install 'captum>=0.7'): only course_lib was timed")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 1], help="images per call (default: 32, then 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per method (default 5; 3x that at batch 1)")
    parser.add_argument("--runs", type=int, default=1, help="repeat everything; a last table gives median ratios")
    parser.add_argument("--quick", action="store_true", help="batch 8, 1 repeat: a smoke run")
    parser.add_argument("--methods", nargs="*", help="only methods whose name contains one of these")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's); 1 is steadier on a busy CPU")
    parser.add_argument("--model", choices=["all", "shapes-cnn", "imagenet"], default="all",
                        help="which model's tables (default: both; imagenet needs the 'imagenet' extra)")
    parser.add_argument("--imagenet-batch", type=int, nargs="+", default=[8, 1],
                        help="photographs per call for the ImageNet model (default: 8, then 1)")
    parser.add_argument("--imagenet-repeats", type=int, default=3,
                        help="timed calls per method for the ImageNet model (default 3; 3x that at batch 1)")
    args = parser.parse_args()
    if args.quick:
        args.batch, args.repeats, args.imagenet_batch, args.imagenet_repeats = [8], 1, [1], 1
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", module="captum")  # "required_grads has been set automatically", …
    plan = []
    if args.model in ("all", "shapes-cnn"):
        plan += [("shapes-cnn", batch, args.repeats) for batch in args.batch]
    if args.model in ("all", "imagenet"):
        try:
            models.load_model("imagenet")
            plan += [("imagenet", batch, args.imagenet_repeats) for batch in args.imagenet_batch]
        except ImportError as error:
            print(f"ImageNet model not timed: {error}\n")
    ratios: dict[tuple[str, int, str], list[float]] = {}
    for _ in range(args.runs):
        for model_name, batch, base in plan:
            repeats = base * 3 if batch == 1 else base  # one image: shorter calls, more noise
            results = run(batch=batch, repeats=repeats, methods=args.methods, model_name=model_name)
            for name, (ours, theirs) in results.items():
                if theirs is not None:
                    ratios.setdefault((model_name, batch, name), []).append(ours / theirs)
    if args.runs > 1 and ratios:
        print(f"ratio course_lib / captum, median of {args.runs} runs (each run's ratio after it)")
        for (model_name, batch, name), values in ratios.items():
            per_run = " ".join(f"{v:.2f}" for v in values)
            print(f"{model_name:<10} batch {batch:<3} {name:<26} {statistics.median(values):6.2f}   {per_run}")


if __name__ == "__main__":
    main()
