"""Exact quadtree convolution vs dense ``conv2d``, and coarse-to-fine occlusion.

Run with ``python benchmarks/bench_quadtree.py`` (or ``make bench``).

Table 1: the scene is 512×512, piecewise constant on 64-px blocks, with a
fraction f of its 64-px cells textured (the detailed area).  For each layer
(C_in = C_out = C, k×k) and f: median ms of dense ``F.conv2d`` and of
``conv2d_quadtree`` measured in the same run (interleaved, after a warm-up),
the speed-up, the speed-up with the plan paid on every call, the FLOP-ideal
ratio, the relative L2 error, and the error of the naive one-value-per-leaf
version on the same scene (16-px leaves in the textured cells).

Table 2: coarse-to-fine occlusion on the shipped shapes-cnn, held-out test
images, against dense occlusion at the finest cell size: forward passes,
seconds and Pearson correlation.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from course_lib import datasets, images, models
from course_lib import quadtree as qt


def conv_table() -> None:
    header = (f"{'C':>3} {'k':>2} {'f':>5} {'dense ms':>9} {'qt ms':>8} {'speed-up':>9} {'+plan':>6} "
              f"{'FLOP ideal':>10} {'rel err':>9} {'naive err':>9}")
    print(header)
    print("-" * len(header))
    for channels, k in [(16, 3), (16, 7), (64, 3), (64, 7)]:
        rows = qt.measure_conv_speedup(channels, k, [0.05, 0.2, 0.5], side=512, cell_size=64, repeat=5)
        for row in rows:
            x = qt.synthetic_scene(channels, 512, cell_size=64, fraction=row.fraction, seed=1)
            generator = torch.Generator().manual_seed(0)
            weight = torch.randn(channels, channels, k, k, generator=generator) / (k * channels**0.5)
            with torch.inference_mode():
                dense = qt.conv2d_dense(x, weight)
                leaves = qt.decompose_array(x[0].permute(1, 2, 0).numpy(), 0.0, 16)
                naive = qt.conv2d_leaves_naive(x, weight, None, leaves)
            naive_error = float((naive - dense).norm() / dense.norm())
            print(f"{channels:>3} {k:>2} {row.fraction:>5.0%} {row.dense_ms:>9.1f} {row.quadtree_ms:>8.1f} "
                  f"{row.speedup:>8.2f}x {row.speedup_with_plan:>5.2f}x {row.flop_ideal:>9.1f}x "
                  f"{row.relative_error:>9.1e} {naive_error:>9.2f}")
    print("medians of 5 interleaved runs after a warm-up; float32; torch threads =", torch.get_num_threads())


def occlusion_table(n_images: int = 4) -> None:
    model = models.load_model("shapes-cnn")
    batch = datasets.make_split(n_images, split="test")
    print(f"\n{'min cell':>8} {'policy':>14} {'passes':>8} {'of dense':>9} {'Pearson':>8} {'c2f s':>7} {'dense s':>8}")
    for min_size in (2, 1):
        stats = {}
        for i in range(n_images):
            x, target = images.to_tensor(batch.images[i]), int(batch.labels[i])
            start = time.perf_counter()
            dense, dense_passes = qt.dense_occlusion(model, x, target, cell_size=min_size, batch_size=256)
            dense_s = time.perf_counter() - start
            for threshold in (0.02, 0.05):
                start = time.perf_counter()
                result = qt.coarse_to_fine_occlusion(model, x, target, start_size=16, min_size=min_size,
                                                     threshold=threshold, batch_size=256)
                seconds = time.perf_counter() - start
                share, pearson = qt.compare_to_dense(result, dense, dense_passes)
                stats.setdefault(threshold, []).append((result.n_passes, share, pearson, seconds, dense_s))
        for threshold, values in stats.items():
            passes, share, pearson, seconds, dense_s = np.mean(values, axis=0)
            print(f"{min_size:>8} {'absolute ' + str(threshold):>14} {passes:>8.0f} {share:>9.1%} {pearson:>8.3f} "
                  f"{seconds:>7.2f} {dense_s:>8.2f}")
    print(f"means over {n_images} held-out 64x64 test images; start cells 16 px")


if __name__ == "__main__":
    torch.set_num_threads(2)
    conv_table()
    occlusion_table()
