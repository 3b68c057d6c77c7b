"""Speed of the full 42-map Itti–Koch model beside OpenCV's static saliency methods.

Run with ``make bench`` (or ``python benchmarks/bench_itti.py``).  Prints one
table: method, image size, median ms of repeated calls after warm-up, and how
many times faster than OpenCV's ``StaticSaliencyFineGrained`` measured in the
same run at the same size.  The methods are timed in alternating blocks
(:func:`course_lib.timing.interleaved_median_ms`): warm within a block, as a
widget calls them, and spread over the same stretch of time, so that slow
phases of a shared machine fall on all of them.  Rows:

* ``itti_koch.saliency_map`` — the paper's model (colour features at full
  resolution), course float RGB in, (H, W) map out;
* the same with ``colour_level=1`` — colour formulas after one reduce step,
  a documented approximation (see ``IttiKochParams``);
* OpenCV ``StaticSaliencyFineGrained`` and ``StaticSaliencySpectralResidual``,
  given their native uint8 BGR input (conversion not timed).

Timings on small shared machines drift by 10–25 % from one run to the next
(the two-thread model more than single-threaded FineGrained): run it a few
times and compare medians; ``--rounds`` raises the number of timed calls.
Tests never assert times; this script only prints.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform

import cv2
import numpy as np

from course_lib import images, itti_koch, timing

SIZES = [(480, 640), (1080, 1920)]  # (H, W)


def widget_redraw_ms() -> float:
    """One redraw of the Itti–Koch explorer (model result cached, figure redrawn and PNG-encoded)."""
    import contextlib
    import io

    import matplotlib

    matplotlib.use("Agg")
    from course_lib import widgets

    with contextlib.redirect_stdout(io.StringIO()):  # display() outside a kernel prints a repr
        explorer = widgets.itti_koch_explorer()
        return timing.median_ms(explorer.update, repeat=5, warmup=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=6, help="rounds of 10 timed calls per method at 640x480 (a third at 1080p)"
    )
    args = parser.parse_args()
    photo = images.load_image("astronaut")
    fine_grained = cv2.saliency.StaticSaliencyFineGrained_create()
    spectral = cv2.saliency.StaticSaliencySpectralResidual_create()

    rows = []
    for height, width in SIZES:
        image = cv2.resize(photo, (width, height), interpolation=cv2.INTER_LINEAR)
        bgr = images.to_opencv(image)
        size = f"{width}x{height}"
        rounds = args.rounds if height * width <= 640 * 480 else max(1, args.rounds // 3)
        calls = {
            "OpenCV FineGrained": functools.partial(fine_grained.computeSaliency, bgr),
            "OpenCV SpectralResidual": functools.partial(spectral.computeSaliency, bgr),
            "Itti-Koch 42 maps (paper)": functools.partial(itti_koch.saliency_map, image),
            "Itti-Koch 42 maps, colour_level=1": functools.partial(
                itti_koch.saliency_map, image, colour_level=1
            ),
        }
        times = timing.interleaved_median_ms(calls, rounds=rounds, block=10, warmup=3)
        reference = times["OpenCV FineGrained"]
        rows += [(name, size, ms, reference / ms) for name, ms in times.items()]

    print(f"{'method':36s} {'size':>10s} {'median ms':>10s} {'x faster than FineGrained':>26s}")
    for method, size, ms, ratio in rows:
        print(f"{method:36s} {size:>10s} {ms:10.2f} {ratio:25.1f}x")
    redraw_ms = widget_redraw_ms()
    print(f"{'itti_koch_explorer redraw (astronaut)':36s} {'512x512':>10s} {redraw_ms:10.2f} {'-':>26s}")
    print(
        f"\nmedian of {args.rounds} rounds x 10 calls per method (a third at 1080p), "
        "methods in alternating blocks, 3 warm-up calls per block;\n"
        f"{os.cpu_count()} CPU cores, "
        f"{cv2.getNumThreads()} OpenCV threads, {platform.processor() or platform.machine()}, "
        f"numpy {np.__version__}, OpenCV {cv2.__version__}."
    )


if __name__ == "__main__":
    main()
