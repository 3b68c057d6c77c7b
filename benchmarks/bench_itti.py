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

``--busy`` keeps one core loaded (a process spinning in a pure-Python loop)
during every timing, as on a shared machine or a laptop with a browser
busy; ``--runs N`` repeats the whole measurement N times and prints each
run's ratios and their median.  The ``1 thread`` rows run in a child
process pinned to one core (``os.sched_setaffinity``): the model then runs
single-threaded, as on a JupyterHub that gives each student one core, and
FineGrained (single-threaded anyway) is timed beside it in that child.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time

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


def time_methods(rounds: int, sizes: list[tuple[int, int]] = SIZES,
                 only: tuple[str, ...] | None = None) -> list[tuple[str, str, float]]:
    """(method, size, median ms) of every row (or of the methods named in ``only``), FineGrained first."""
    photo = images.load_image("astronaut")
    fine_grained = cv2.saliency.StaticSaliencyFineGrained_create()
    spectral = cv2.saliency.StaticSaliencySpectralResidual_create()
    rows = []
    for height, width in sizes:
        image = cv2.resize(photo, (width, height), interpolation=cv2.INTER_LINEAR)
        bgr = images.to_opencv(image)
        size = f"{width}x{height}"
        size_rounds = rounds if height * width <= 640 * 480 else max(1, rounds // 3)
        calls = {
            "OpenCV FineGrained": functools.partial(fine_grained.computeSaliency, bgr),
            "OpenCV SpectralResidual": functools.partial(spectral.computeSaliency, bgr),
            "Itti-Koch 42 maps (paper)": functools.partial(itti_koch.saliency_map, image),
            "Itti-Koch 42 maps, colour_level=1": functools.partial(
                itti_koch.saliency_map, image, colour_level=1
            ),
        }
        calls = {name: call for name, call in calls.items() if only is None or name in only}
        times = timing.interleaved_median_ms(calls, rounds=size_rounds, block=10, warmup=3)
        rows += [(name, size, ms) for name, ms in times.items()]
    return rows


def one_thread_rows(rounds: int) -> list[tuple[str, str, float]]:
    """The paper model and FineGrained at 640x480 in a child pinned to one core."""
    if not hasattr(os, "sched_setaffinity"):
        return []
    core = min(os.sched_getaffinity(0))
    child = subprocess.run(
        [sys.executable, __file__, "--child-one-thread", "--rounds", str(rounds)],
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
        capture_output=True, text=True, check=True,
    )
    return [tuple(json.loads(line)) for line in child.stdout.splitlines() if line.startswith("[")]


@contextlib.contextmanager
def busy_core(enabled: bool):
    """Keep one core loaded by a spinning process while the block runs."""
    if not enabled:
        yield
        return
    spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
    spinner.start()
    try:
        time.sleep(0.5)  # let it start spinning before the timing begins
        yield
    finally:
        spinner.terminate()
        spinner.join()


def _spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=6, help="rounds of 10 timed calls per method at 640x480 (a third at 1080p)"
    )
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole measurement; medians of the ratios")
    parser.add_argument("--busy", action="store_true", help="keep one core loaded by another process while timing")
    parser.add_argument("--child-one-thread", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_one_thread:
        cv2.setNumThreads(1)
        for name, size, ms in time_methods(args.rounds, sizes=SIZES[:1],
                                           only=("OpenCV FineGrained", "Itti-Koch 42 maps (paper)")):
            print(json.dumps([f"{name}, 1 thread", size, ms]))
        return

    runs = []
    with busy_core(args.busy):
        for _ in range(args.runs):
            rows = time_methods(args.rounds) + one_thread_rows(args.rounds)
            runs.append(rows)
    # ratio to the FineGrained row of the same size and threading in the same run
    ratios: dict[tuple[str, str], list[float]] = {}
    millis: dict[tuple[str, str], list[float]] = {}
    for rows in runs:
        reference = {}
        for name, size, ms in rows:
            if name.startswith("OpenCV FineGrained"):
                reference[(size, name.endswith("1 thread"))] = ms
        for name, size, ms in rows:
            ratios.setdefault((name, size), []).append(reference[(size, name.endswith("1 thread"))] / ms)
            millis.setdefault((name, size), []).append(ms)

    print(f"{'method':42s} {'size':>10s} {'median ms':>10s} {'x faster than FineGrained':>26s}  per run")
    for (name, size), values in ratios.items():
        per_run = " ".join(f"{v:.1f}" for v in values)
        print(f"{name:42s} {size:>10s} {statistics.median(millis[(name, size)]):10.2f} "
              f"{statistics.median(values):25.1f}x  {per_run}")
    with busy_core(args.busy):
        redraw_ms = widget_redraw_ms()
    print(f"{'itti_koch_explorer redraw (astronaut)':42s} {'512x512':>10s} {redraw_ms:10.2f} {'-':>26s}")
    print(
        f"\n{args.runs} run(s), each the median of {args.rounds} rounds x 10 calls per method (a third at 1080p), "
        "methods in alternating blocks, 3 warm-up calls per block;\n"
        f"ratios to FineGrained of the same size and threading in the same run, median over runs; "
        f"{'one core kept busy by another process; ' if args.busy else ''}"
        f"{os.cpu_count()} CPU cores, "
        f"{cv2.getNumThreads()} OpenCV threads, {platform.processor() or platform.machine()}, "
        f"numpy {np.__version__}, OpenCV {cv2.__version__}."
    )


if __name__ == "__main__":
    main()
