"""Exact quadtree convolution vs dense ``conv2d``: time, work and error.

Run with ``python benchmarks/bench_quadtree.py``.  The scene is 512×512,
piecewise constant on 64-px blocks, with a fraction f of its 64-px cells
textured (the "detailed area").  For each layer size (C_in = C_out = C,
k×k) and f, the table gives the median ms of dense ``F.conv2d`` and of
:func:`course_lib.quadtree.conv2d_quadtree` measured in the same run
(interleaved, after a warm-up), their ratio, the same ratio with the plan
(``conv_plan``) included, the FLOP-ideal ratio from ``conv_macs``, the
relative L2 error, and the error of the naive one-value-per-leaf version.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from course_lib import quadtree as qt

SIDE, CELL = 512, 64


def scene(channels: int, fraction: float, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, channels, SIDE // 64, SIDE // 64, generator=generator)
    x = F.interpolate(coarse, scale_factor=64, mode="nearest")
    n = SIDE // CELL
    active = torch.zeros(n * n, dtype=torch.bool)
    active[torch.randperm(n * n, generator=generator)[: max(1, round(fraction * n * n))]] = True
    mask = active.view(n, n).repeat_interleave(CELL, 0).repeat_interleave(CELL, 1)
    return torch.where(mask, torch.rand(1, channels, SIDE, SIDE, generator=generator), x).contiguous()


def interleaved_medians(functions: dict, repeat: int) -> dict[str, float]:
    times = {name: [] for name in functions}
    for function in functions.values():
        function()  # warm-up
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    torch.set_num_threads(2)
    header = f"{'C':>3} {'k':>2} {'f':>5} {'dense ms':>9} {'qt ms':>8} {'speed-up':>9} {'+plan':>6} {'FLOP ideal':>10} {'rel err':>9} {'naive err':>9}"
    print(header)
    print("-" * len(header))
    for channels, k in [(16, 3), (16, 7), (64, 3), (64, 7)]:
        generator = torch.Generator().manual_seed(0)
        weight = torch.randn(channels, channels, k, k, generator=generator) / (k * channels**0.5)
        bias = torch.randn(channels, generator=generator)
        for fraction in (0.05, 0.2, 0.5):
            x = scene(channels, fraction, seed=1)
            with torch.inference_mode():
                plan = qt.conv_plan(x, CELL)
                times = interleaved_medians({
                    "dense": lambda: qt.conv2d_dense(x, weight, bias),
                    "quadtree": lambda: qt.conv2d_quadtree(x, weight, bias, plan=plan),
                    "plan": lambda: qt.conv_plan(x, CELL),
                }, repeat=5)
                dense = qt.conv2d_dense(x, weight, bias)
                error = float((qt.conv2d_quadtree(x, weight, bias, plan=plan) - dense).norm() / dense.norm())
                leaves = qt.decompose_array(x[0].permute(1, 2, 0).numpy(), 0.0, 16)  # textured cells: 16-px leaves
                naive = qt.conv2d_leaves_naive(x, weight, bias, leaves)
                naive_error = float((naive - dense).norm() / dense.norm())
            macs = qt.conv_macs(tuple(x.shape), k, channels, plan=plan)
            print(
                f"{channels:>3} {k:>2} {plan.active_fraction:>5.0%} {times['dense']:>9.1f} {times['quadtree']:>8.1f} "
                f"{times['dense'] / times['quadtree']:>8.2f}x {times['dense'] / (times['quadtree'] + times['plan']):>5.2f}x "
                f"{macs['dense'] / macs['exact']:>9.1f}x {error:>9.1e} {naive_error:>9.2f}"
            )
    print("\nmedians of 5 interleaved runs after a warm-up; torch threads = 2; float32")


if __name__ == "__main__":
    main()
