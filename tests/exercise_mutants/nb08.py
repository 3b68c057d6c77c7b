"""Wrong solutions students write, and legitimate alternatives, for notebook 08 (quadtree acceleration)."""

# ---------------------------------------------------------------------------
# Exercise 1: the region quadtree
# ---------------------------------------------------------------------------
_RECURSIVE = '''def my_quadtree(image, threshold, min_size=1):
    image = np.asarray(image, dtype=float)
    pixels = image if image.ndim == 3 else image[:, :, None]
    leaves = []

    def visit(row, col, size):
        block = pixels[row:row + size, col:col + size].reshape(-1, pixels.shape[2])
        detail = {detail}
        if {split}:
            half = size // 2
            for top, left in [(row, col), (row, col + half), (row + half, col), (row + half, col + half)]:
                visit(top, left, half)
        else:
            leaves.append({leaf})

    visit(0, 0, pixels.shape[0])
    return leaves
'''


def _quadtree(detail="(block.max(axis=0) - block.min(axis=0)).max()", split="detail > threshold and size > min_size",
              leaf="(row, col, size)"):
    return _RECURSIVE.replace("{detail}", detail).replace("{split}", split).replace("{leaf}", leaf)


QUADTREE_MUTANTS = {
    "non-strict split test: range >= threshold": _quadtree(split="detail >= threshold and size > min_size"),
    "one range over all channels together (max - min of the whole block)": _quadtree(detail="block.max() - block.min()"),
    "the range of the grey (channel mean) block": _quadtree(detail="np.ptp(block.mean(axis=1))"),
    "only the first channel's range": _quadtree(detail="np.ptp(block[:, 0])"),
    "min_size ignored: split down to single pixels": _quadtree(split="detail > threshold and size > 1"),
    "off by one at min_size: blocks of min_size are split once more": _quadtree(split="detail > threshold and size >= min_size"),
    "the standard deviation instead of the range": _quadtree(detail="block.std(axis=0).max()"),
    "(col, row, size): x before y": _quadtree(leaf="(col, row, size)"),
    "the range of the whole image, not of the block": '''def my_quadtree(image, threshold, min_size=1):
    image = np.asarray(image, dtype=float)
    pixels = image if image.ndim == 3 else image[:, :, None]
    detail = (pixels.reshape(-1, pixels.shape[2]).max(axis=0) - pixels.reshape(-1, pixels.shape[2]).min(axis=0)).max()
    leaves = []

    def visit(row, col, size):
        if detail > threshold and size > min_size:
            half = size // 2
            for top, left in [(row, col), (row, col + half), (row + half, col), (row + half, col + half)]:
                visit(top, left, half)
        else:
            leaves.append((row, col, size))

    visit(0, 0, pixels.shape[0])
    return leaves
''',
}

QUADTREE_ALTERNATIVES = {
    "an explicit stack of blocks instead of recursion": '''def my_quadtree(image, threshold, min_size=1):
    image = np.atleast_3d(np.asarray(image, dtype=float))
    stack, leaves = [(0, 0, image.shape[0])], []
    while stack:
        row, col, size = stack.pop()
        block = image[row:row + size, col:col + size]
        if np.ptp(block, axis=(0, 1)).max() > threshold and size > min_size:
            half = size // 2
            stack += [(row + dr, col + dc, half) for dr in (0, half) for dc in (0, half)]
        else:
            leaves.append((row, col, size))
    return leaves
''',
    "bottom-up max/min pyramids, then a walk down the levels (vectorised, as the library)": '''def my_quadtree(image, threshold, min_size=1):
    image = np.asarray(image, dtype=float)
    high = low = image if image.ndim == 3 else image[:, :, None]
    ranges = {1: (high - low).max(axis=2)}  # block side -> range of every block of that side
    size = 1
    while high.shape[0] > 1:
        n = high.shape[0] // 2
        high = high.reshape(n, 2, n, 2, -1).max(axis=(1, 3))
        low = low.reshape(n, 2, n, 2, -1).min(axis=(1, 3))
        size *= 2
        ranges[size] = (high - low).max(axis=2)
    leaves, blocks = [], [(0, 0)]
    while blocks:
        split = [(r, c) for r, c in blocks if size > min_size and ranges[size][r // size, c // size] > threshold]
        leaves += [(r, c, size) for r, c in blocks if (r, c) not in set(split)]
        size //= 2
        blocks = [(r + dr, c + dc) for r, c in split for dr in (0, size) for dc in (0, size)]
    return leaves
''',
}

# ---------------------------------------------------------------------------
# Exercise 2: the exact leaf-aware convolution
# ---------------------------------------------------------------------------
_CONV_HEAD = '''def my_conv2d_cells(x, weight, plan):
    size, radius = plan.cell_size, weight.shape[-1] // 2
    height, width = x.shape[2:]
    constant = x[:, :, ::size, ::size].repeat_interleave(size, 2).repeat_interleave(size, 3)
    out = torch.nn.functional.conv2d(constant, weight, padding=radius)
    residual = x - constant
'''
_CONV_LOOP = '''    for row, col in zip(plan.active_rows.tolist(), plan.active_cols.tolist()):
        tile = residual[:, :, row * size:(row + 1) * size, col * size:(col + 1) * size]
        tile_out = torch.nn.functional.conv2d(tile, weight, padding=2 * radius)
        top, left = row * size - radius, col * size - radius
        r0, c0 = max(top, 0), max(left, 0)
        r1, c1 = min(top + size + 2 * radius, height), min(left + size + 2 * radius, width)
        out[:, :, r0:r1, c0:c1] += tile_out[:, :, r0 - top:r1 - top, c0 - left:c1 - left]
    return out
'''

CONV_MUTANTS = {
    "one dense conv2d of x: the plan is ignored, nothing is split": '''def my_conv2d_cells(x, weight, plan):
    return torch.nn.functional.conv2d(x, weight, padding=weight.shape[-1] // 2)
''',
    "residual tiles convolved with padding r: no halo": _CONV_HEAD + '''    for row, col in zip(plan.active_rows.tolist(), plan.active_cols.tolist()):
        tile = residual[:, :, row * size:(row + 1) * size, col * size:(col + 1) * size]
        out[:, :, row * size:(row + 1) * size, col * size:(col + 1) * size] += torch.nn.functional.conv2d(tile, weight, padding=radius)
    return out
''',
    "halos overwritten (=) instead of added": _CONV_HEAD + _CONV_LOOP.replace(
        "out[:, :, r0:r1, c0:c1] += tile_out", "out[:, :, r0:r1, c0:c1] = out[:, :, r0:r1, c0:c1] * 0 + tile_out"),
    "X is each cell's mean, not its top-left pixel": '''def my_conv2d_cells(x, weight, plan):
    size, radius = plan.cell_size, weight.shape[-1] // 2
    height, width = x.shape[2:]
    means = torch.nn.functional.avg_pool2d(x, size)
    constant = means.repeat_interleave(size, 2).repeat_interleave(size, 3)
    out = torch.nn.functional.conv2d(constant, weight, padding=radius)
    residual = x - constant
''' + _CONV_LOOP,
    "the residual convolved on every cell, active or not": _CONV_HEAD + _CONV_LOOP.replace(
        "zip(plan.active_rows.tolist(), plan.active_cols.tolist())",
        "[(r, c) for r in range(height // size) for c in range(width // size)]"),
    "halo cut at the border without shifting into the tile": _CONV_HEAD + _CONV_LOOP.replace(
        "tile_out[:, :, r0 - top:r1 - top, c0 - left:c1 - left]", "tile_out[:, :, :r1 - r0, :c1 - c0]"),
    "a true convolution (flipped kernel) where conv2d is a correlation": '''def my_conv2d_cells(x, weight, plan):
    weight = weight.flip(-1, -2)
    size, radius = plan.cell_size, weight.shape[-1] // 2
    height, width = x.shape[2:]
    constant = x[:, :, ::size, ::size].repeat_interleave(size, 2).repeat_interleave(size, 3)
    out = torch.nn.functional.conv2d(constant, weight, padding=radius)
    residual = x - constant
''' + _CONV_LOOP,
    "the cell-constant image upsampled bilinearly instead of repeated": '''def my_conv2d_cells(x, weight, plan):
    size, radius = plan.cell_size, weight.shape[-1] // 2
    height, width = x.shape[2:]
    constant = torch.nn.functional.interpolate(x[:, :, ::size, ::size], size=(height, width), mode="bilinear", align_corners=False)
    out = torch.nn.functional.conv2d(constant, weight, padding=radius)
    residual = x - constant
''' + _CONV_LOOP,
    "halos dropped where they cross the image border (cells at the border skipped)": _CONV_HEAD + '''    rows, cols = height // size, width // size
    for row, col in zip(plan.active_rows.tolist(), plan.active_cols.tolist()):
        if row in (0, rows - 1) or col in (0, cols - 1):
            continue
        tile = residual[:, :, row * size:(row + 1) * size, col * size:(col + 1) * size]
        tile_out = torch.nn.functional.conv2d(tile, weight, padding=2 * radius)
        top, left = row * size - radius, col * size - radius
        out[:, :, top:top + size + 2 * radius, left:left + size + 2 * radius] += tile_out
    return out
''',
}

CONV_ALTERNATIVES = {
    "the output padded by r, full halos added, then cropped": '''def my_conv2d_cells(x, weight, plan):
    S, r = plan.cell_size, weight.shape[-1] // 2
    X = x[:, :, ::S, ::S]
    up = X.repeat_interleave(S, dim=2).repeat_interleave(S, dim=3)
    padded = torch.nn.functional.pad(torch.nn.functional.conv2d(up, weight, padding=r), (r, r, r, r))
    residual = x - up
    for i, j in zip(plan.active_rows, plan.active_cols):
        i, j = int(i), int(j)
        tile = residual[..., i * S:(i + 1) * S, j * S:(j + 1) * S]
        padded[..., i * S:(i + 1) * S + 2 * r, j * S:(j + 1) * S + 2 * r] += torch.nn.functional.conv2d(tile, weight, padding=2 * r)
    return padded[..., r:padded.shape[-2] - r, r:padded.shape[-1] - r]
''',
    "all active tiles gathered into one batch, one conv2d, then scattered back": '''def my_conv2d_cells(x, weight, plan):
    size, radius = plan.cell_size, weight.shape[-1] // 2
    batch, _, height, width = x.shape
    constant = x[:, :, ::size, ::size].repeat_interleave(size, 2).repeat_interleave(size, 3)
    out = torch.nn.functional.conv2d(constant, weight, padding=radius)
    cells = list(zip(plan.active_rows.tolist(), plan.active_cols.tolist()))
    if not cells:
        return out
    residual = x - constant
    tiles = torch.cat([residual[:, :, r * size:(r + 1) * size, c * size:(c + 1) * size] for r, c in cells])
    outputs = torch.nn.functional.conv2d(tiles, weight, padding=2 * radius).split(batch)
    for (r, c), tile_out in zip(cells, outputs):
        top, left = r * size - radius, c * size - radius
        r0, c0, r1, c1 = max(top, 0), max(left, 0), min(top + size + 2 * radius, height), min(left + size + 2 * radius, width)
        out[:, :, r0:r1, c0:c1] += tile_out[:, :, r0 - top:r1 - top, c0 - left:c1 - left]
    return out
''',
}

# ---------------------------------------------------------------------------
# Exercise 3: the pass count of coarse-to-fine occlusion with policy "all"
# ---------------------------------------------------------------------------
PASS_COUNT_MUTANTS = {
    "the clean image forgotten": '''def my_pass_count(height, width, start_size, min_size):
    passes, size = 0, start_size
    while size >= min_size:
        passes += (height // size) * (width // size)
        size //= 2
    return passes
''',
    "off by one level: stops before min_size": '''def my_pass_count(height, width, start_size, min_size):
    passes, size = 1, start_size
    while size > min_size:
        passes += (height // size) * (width // size)
        size //= 2
    return passes
''',
    "only the finest level: the dense count": '''def my_pass_count(height, width, start_size, min_size):
    return (height // min_size) * (width // min_size) + 1
''',
    "cells per level as pixels / size, not pixels / size**2": '''def my_pass_count(height, width, start_size, min_size):
    passes, size = 1, start_size
    while size >= min_size:
        passes += height * width // size
        size //= 2
    return passes
''',
    "a square image assumed: height used for both sides": '''def my_pass_count(height, width, start_size, min_size):
    passes, size = 1, start_size
    while size >= min_size:
        passes += (height // size) ** 2
        size //= 2
    return passes
''',
    "the 4/3 bound as the count: round(4/3 x dense) + 1": '''def my_pass_count(height, width, start_size, min_size):
    return round(4 / 3 * (height // min_size) * (width // min_size)) + 1
''',
    "true division: a float, not a count": '''def my_pass_count(height, width, start_size, min_size):
    passes, size = 1, start_size
    while size >= min_size:
        passes += (height / size) * (width / size)
        size //= 2
    return passes
''',
}

PASS_COUNT_ALTERNATIVES = {
    "a sum over the levels by their log2": '''import math


def my_pass_count(height, width, start_size, min_size):
    levels = range(int(math.log2(min_size)), int(math.log2(start_size)) + 1)
    return 1 + sum((height >> level) * (width >> level) for level in levels)
''',
}

MUTANTS = {
    "nb08_quadtree": QUADTREE_MUTANTS,
    "nb08_conv2d_cells": CONV_MUTANTS,
    "nb08_pass_count": PASS_COUNT_MUTANTS,
}

ALTERNATIVES = {
    "nb08_quadtree": QUADTREE_ALTERNATIVES,
    "nb08_conv2d_cells": CONV_ALTERNATIVES,
    "nb08_pass_count": PASS_COUNT_ALTERNATIVES,
}
