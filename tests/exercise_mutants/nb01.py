"""Notebook 01 (Gaussian pyramids): wrong and right answers to its exercises."""

# ---------------------------------------------------------------------------
# nb01_reduce: binomial low-pass (mirrored borders), then keep samples 0, 2, 4, ...
# ---------------------------------------------------------------------------


def _reduce_with(pad: str = 'np.pad(np.asarray(image, dtype=float), 2, mode="reflect")',
                 keep: str = "both[::2, ::2]", kernel: str = "np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0") -> str:
    return f"""
def my_reduce(image):
    w = {kernel}
    padded = {pad}
    rows = sum(w[k] * padded[k : k + padded.shape[0] - 4, :] for k in range(5))
    both = sum(w[k] * rows[:, k : k + rows.shape[1] - 4] for k in range(5))
    return {keep}
"""


_REDUCE = {
    "borders repeat the edge pixel (mode='symmetric', BORDER_REFLECT)":
        _reduce_with(pad='np.pad(np.asarray(image, dtype=float), 2, mode="symmetric")'),
    "borders copy the edge pixel outwards (mode='edge', BORDER_REPLICATE)":
        _reduce_with(pad='np.pad(np.asarray(image, dtype=float), 2, mode="edge")'),
    "zero padding at the borders": _reduce_with(pad="np.pad(np.asarray(image, dtype=float), 2)"),
    "keeps the odd samples 1, 3, 5, ...": _reduce_with(keep="both[1::2, 1::2]"),
    "size rounded down: drops the last sample of odd sides": _reduce_with(
        keep="both[: both.shape[0] // 2 * 2 : 2, : both.shape[1] // 2 * 2 : 2]"),
    "kernel not normalised (weights 1, 4, 6, 4, 1 summing to 16)": _reduce_with(
        kernel="np.array([1.0, 4.0, 6.0, 4.0, 1.0])"),
    "a 3-tap box filter [1, 1, 1] / 3": """
def my_reduce(image):
    padded = np.pad(np.asarray(image, dtype=float), 1, mode="reflect")
    rows = sum(padded[k : k + padded.shape[0] - 2, :] for k in range(3)) / 3
    both = sum(rows[:, k : k + rows.shape[1] - 2] for k in range(3)) / 3
    return both[::2, ::2]
""",
    "filters along the rows only": """
def my_reduce(image):
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    padded = np.pad(np.asarray(image, dtype=float), 2, mode="reflect")
    rows = sum(w[k] * padded[k : k + padded.shape[0] - 4, 2:-2] for k in range(5))
    return rows[::2, ::2]
""",
    "decimates first, then filters": """
def my_reduce(image):
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    kept = np.asarray(image, dtype=float)[::2, ::2]
    padded = np.pad(kept, 2, mode="reflect")
    rows = sum(w[k] * padded[k : k + padded.shape[0] - 4, :] for k in range(5))
    return sum(w[k] * rows[:, k : k + rows.shape[1] - 4] for k in range(5))
""",
    "a Gaussian of sigma 1 (scipy) instead of the binomial kernel": """
import scipy.ndimage


def my_reduce(image):
    return scipy.ndimage.gaussian_filter(np.asarray(image, dtype=float), 1.0, mode="mirror")[::2, ::2]
""",
    "cv2.pyrDown, which the text rules out": """
import cv2


def my_reduce(image):
    return cv2.pyrDown(np.asarray(image, dtype=float))
""",
    "level 1 of the course's pyramid: pyramids.build_pyramid(x, 2)[1]": """
def my_reduce(image):
    return pyramids.build_pyramid(np.asarray(image, dtype=float), 2)[1]
""",
    "level 1 of pyramids.gaussian_pyramid": """
def my_reduce(image):
    return pyramids.gaussian_pyramid(np.asarray(image, dtype=float), levels=2)[1]
""",
    "the top of a 2-level Laplacian pyramid (it is G1)": """
def my_reduce(image):
    return pyramids.laplacian_pyramid(np.asarray(image, dtype=float), 2)[1]
""",
    "the across-scale sum of one map, to the next scale's shape": """
def my_reduce(image):
    image = np.asarray(image, dtype=float)
    return pyramids.across_scale_add([image], pyramids.level_shape(image.shape, 1))
""",
    "the intensity channel of features.reduced_intensity_opponency": """
def my_reduce(image):
    return features.reduced_intensity_opponency(np.asarray(image, dtype=float), 0.1)[..., 0]
""",
}

_REDUCE_ALTERNATIVES = {
    "scipy.ndimage.correlate1d along each axis (mode='mirror' is BORDER_REFLECT_101)": """
import scipy.ndimage


def my_reduce(image):
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    rows = scipy.ndimage.correlate1d(np.asarray(image, dtype=float), w, axis=0, mode="mirror")
    return scipy.ndimage.correlate1d(rows, w, axis=1, mode="mirror")[::2, ::2]
""",
    "the 5x5 kernel np.outer(w, w), one output pixel at a time": """
def my_reduce(image):
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    kernel = np.outer(w, w)
    padded = np.pad(np.asarray(image, dtype=float), 2, mode="reflect")
    rows, cols = (np.asarray(image).shape[0] + 1) // 2, (np.asarray(image).shape[1] + 1) // 2
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(kernel * padded[2 * i : 2 * i + 5, 2 * j : 2 * j + 5])
    return out
""",
    "cv2.sepFilter2D with BORDER_REFLECT_101, then every other sample": """
import cv2


def my_reduce(image):
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    filtered = cv2.sepFilter2D(np.asarray(image, dtype=np.float64), -1, w, w, borderType=cv2.BORDER_REFLECT_101)
    return filtered.reshape(np.shape(image))[::2, ::2]
""",
    "1-D reduce applied to the rows, then to the transpose": """
def my_reduce(image):
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0

    def along_rows(a):
        padded = np.pad(a, ((2, 2), (0, 0)), mode="reflect")
        return np.stack([padded[i : i + 5].T @ w for i in range(0, a.shape[0], 2)])

    return along_rows(along_rows(np.asarray(image, dtype=float)).T).T
""",
}

# ---------------------------------------------------------------------------
# nb01_expand: zeros between the samples, x4, the same low-pass, cut to the shape
# ---------------------------------------------------------------------------


def _expand_with(upsample: str = "upsampled[::2, ::2] = 4 * image", pad: str = 'mode="reflect"',
                 cut: str = "both[: shape[0], : shape[1]]") -> str:
    return f"""
def my_expand(image, shape):
    image = np.asarray(image, dtype=float)
    h, w_ = image.shape
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    upsampled = np.zeros((2 * h, 2 * w_))
    {upsample}
    padded = np.pad(upsampled, 2, {pad})
    rows = sum(w[k] * padded[k : k + 2 * h, :] for k in range(5))
    both = sum(w[k] * rows[:, k : k + 2 * w_] for k in range(5))
    return {cut}
"""


_EXPAND = {
    "no factor 4: the image gets 4 times darker": _expand_with(upsample="upsampled[::2, ::2] = image"),
    "factor 2 (one factor per axis forgotten)": _expand_with(upsample="upsampled[::2, ::2] = 2 * image"),
    "samples at the odd positions 1, 3, 5, ...": _expand_with(upsample="upsampled[1::2, 1::2] = 4 * image"),
    "borders repeat the edge (mode='symmetric')": _expand_with(pad='mode="symmetric"'),
    "zero padding at the borders": _expand_with(pad='mode="constant"'),
    "cut from the bottom-right end": _expand_with(cut="both[both.shape[0] - shape[0] :, both.shape[1] - shape[1] :]"),
    "pixel replication (np.repeat), no filter": """
def my_expand(image, shape):
    image = np.asarray(image, dtype=float)
    return np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)[: shape[0], : shape[1]]
""",
    "zeros inserted on a grid of the target shape (mirror at the cut edge)": """
def my_expand(image, shape):
    image = np.asarray(image, dtype=float)
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    upsampled = np.zeros(shape)
    upsampled[::2, ::2] = 4 * image[: (shape[0] + 1) // 2, : (shape[1] + 1) // 2]
    padded = np.pad(upsampled, 2, mode="reflect")
    rows = sum(w[k] * padded[k : k + shape[0], :] for k in range(5))
    return sum(w[k] * rows[:, k : k + shape[1]] for k in range(5))
""",
    "cv2.resize with bilinear interpolation": """
import cv2


def my_expand(image, shape):
    return cv2.resize(np.asarray(image, dtype=float), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
""",
    "cv2.pyrUp, which the text rules out": """
import cv2


def my_expand(image, shape):
    return cv2.pyrUp(np.asarray(image, dtype=float), dstsize=(shape[1], shape[0]))
""",
    "rebuilds from a Laplacian pyramid with a zero band": """
def my_expand(image, shape):
    return pyramids.reconstruct_laplacian([np.zeros(shape), np.asarray(image, dtype=float)])
""",
}

_EXPAND_ALTERNATIVES = {
    "polyphase: old samples (a + 6b + c) / 8, new ones (b + c) / 2, along each axis": """
def my_expand(image, shape):
    def along_rows(a, n):
        # the zero-filled grid 2h long mirrors to x1 before x0 and to x_(h-1) after x_(h-1)
        padded = np.pad(np.pad(a, ((1, 0), (0, 0)), mode="reflect"), ((0, 1), (0, 0)), mode="edge")
        out = np.empty((2 * a.shape[0],) + a.shape[1:])
        out[0::2] = (padded[:-2] + 6 * padded[1:-1] + padded[2:]) / 8
        out[1::2] = (padded[1:-1] + padded[2:]) / 2
        return out[:n]

    image = np.asarray(image, dtype=float)
    return along_rows(along_rows(image, shape[0]).T, shape[1]).T
""",
    "scipy.ndimage.correlate1d (mode='mirror') on the zero-filled grid": """
import scipy.ndimage


def my_expand(image, shape):
    image = np.asarray(image, dtype=float)
    upsampled = np.zeros((2 * image.shape[0], 2 * image.shape[1]))
    upsampled[::2, ::2] = 4 * image
    w = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    rows = scipy.ndimage.correlate1d(upsampled, w, axis=0, mode="mirror")
    return scipy.ndimage.correlate1d(rows, w, axis=1, mode="mirror")[: shape[0], : shape[1]]
""",
}

# ---------------------------------------------------------------------------
# nb01_across_scale_difference: centre minus the bilinearly interpolated surround
# ---------------------------------------------------------------------------

_DIFFERENCE = {
    "pixel replication (iNVT's nearest neighbour)": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    factor = 2 ** delta
    big = np.repeat(np.repeat(surround, factor, axis=0), factor, axis=1)
    return center - big[: center.shape[0], : center.shape[1]]
""",
    "cv2.resize to the centre's shape (aligns pixel centres)": """
import cv2


def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    size = (center.shape[1], center.shape[0])
    return center - cv2.resize(surround, size, interpolation=cv2.INTER_LINEAR)
""",
    "surround minus centre (sign flipped)": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows = np.minimum(np.arange(center.shape[0]) / 2**delta, surround.shape[0] - 1)
    cols = np.minimum(np.arange(center.shape[1]) / 2**delta, surround.shape[1] - 1)
    by_rows = np.stack([np.interp(rows, np.arange(surround.shape[0]), column) for column in surround.T], axis=1)
    up = np.stack([np.interp(cols, np.arange(surround.shape[1]), row) for row in by_rows])
    return up - center
""",
    "absolute difference (the feature map, not the signed ⊖)": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows = np.arange(center.shape[0]) / 2**delta
    cols = np.arange(center.shape[1]) / 2**delta
    by_rows = np.stack([np.interp(rows, np.arange(surround.shape[0]), column) for column in surround.T], axis=1)
    up = np.stack([np.interp(cols, np.arange(surround.shape[1]), row) for row in by_rows])
    return np.abs(center - up)
""",
    "positions of the pixel centres, (i + 1/2) / 2^δ - 1/2": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows = (np.arange(center.shape[0]) + 0.5) / 2**delta - 0.5
    cols = (np.arange(center.shape[1]) + 0.5) / 2**delta - 0.5
    by_rows = np.stack([np.interp(rows, np.arange(surround.shape[0]), column) for column in surround.T], axis=1)
    up = np.stack([np.interp(cols, np.arange(surround.shape[1]), row) for row in by_rows])
    return center - up
""",
    "corners aligned: positions i (h - 1) / (H - 1), as scipy.ndimage.zoom": """
import scipy.ndimage


def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    zoom = (center.shape[0] / surround.shape[0], center.shape[1] / surround.shape[1])
    return center - scipy.ndimage.zoom(surround, zoom, order=1, mode="nearest")
""",
    "scale from the shapes (H / h) instead of 2^δ": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows = np.arange(center.shape[0]) * surround.shape[0] / center.shape[0]
    cols = np.arange(center.shape[1]) * surround.shape[1] / center.shape[1]
    by_rows = np.stack([np.interp(rows, np.arange(surround.shape[0]), column) for column in surround.T], axis=1)
    up = np.stack([np.interp(cols, np.arange(surround.shape[1]), row) for row in by_rows])
    return center - up
""",
    "interpolates along the rows only (columns replicated)": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows = np.arange(center.shape[0]) / 2**delta
    by_rows = np.stack([np.interp(rows, np.arange(surround.shape[0]), column) for column in surround.T], axis=1)
    return center - np.repeat(by_rows, 2**delta, axis=1)[:, : center.shape[1]]
""",
    "extrapolates linearly past the last surround sample": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)

    def positions(n_fine, n_coarse):
        y = np.arange(n_fine) / 2**delta
        low = np.minimum(np.floor(y).astype(int), max(n_coarse - 2, 0))
        return low, np.minimum(low + 1, n_coarse - 1), y - low

    r0, r1, fr = positions(center.shape[0], surround.shape[0])
    c0, c1, fc = positions(center.shape[1], surround.shape[1])
    rows = surround[r0] * (1 - fr)[:, None] + surround[r1] * fr[:, None]
    return center - (rows[:, c0] * (1 - fc) + rows[:, c1] * fc)
""",
    "the course's own upsampling: pyramids.upsample_level": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    return center - pyramids.upsample_level(surround, center.shape, delta)
""",
    "the course's ⊖ itself": """
def my_across_scale_difference(center, surround, delta):
    return pyramids.across_scale_difference(center, surround)
""",
    "delta expands with the EXPAND of the Laplacian pyramid": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    shapes = [center.shape]
    for _ in range(delta):
        shapes.append(((shapes[-1][0] + 1) // 2, (shapes[-1][1] + 1) // 2))
    up = surround
    for shape in reversed(shapes[:-1]):
        up = pyramids.expand(up, shape)
    return center - up
""",
}

_DIFFERENCE_ALTERNATIVES = {
    "np.interp along the columns, then along the rows (it holds the last sample)": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows = np.arange(center.shape[0]) / 2**delta
    cols = np.arange(center.shape[1]) / 2**delta
    by_rows = np.stack([np.interp(rows, np.arange(surround.shape[0]), column) for column in surround.T], axis=1)
    up = np.stack([np.interp(cols, np.arange(surround.shape[1]), row) for row in by_rows])
    return center - up
""",
    "scipy.ndimage.map_coordinates (order 1, mode='nearest')": """
import scipy.ndimage


def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    rows, cols = np.mgrid[: center.shape[0], : center.shape[1]] / 2**delta
    rows = np.minimum(rows, surround.shape[0] - 1)
    cols = np.minimum(cols, surround.shape[1] - 1)
    return center - scipy.ndimage.map_coordinates(surround, [rows, cols], order=1, mode="nearest")
""",
    "one interpolation matrix per axis: center - A_rows @ surround @ A_cols.T": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)

    def weights(n_fine, n_coarse):
        matrix = np.zeros((n_fine, n_coarse))
        for i in range(n_fine):
            y = min(i / 2**delta, n_coarse - 1)
            low = int(y)
            matrix[i, low] += 1 - (y - low)
            matrix[i, min(low + 1, n_coarse - 1)] += y - low
        return matrix

    return center - weights(center.shape[0], surround.shape[0]) @ surround @ weights(center.shape[1], surround.shape[1]).T
""",
    "cv2.warpAffine with the inverse map i / 2^δ and BORDER_REPLICATE": """
import cv2


def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    scale = 1 / 2**delta
    size = (center.shape[1], center.shape[0])
    up = cv2.warpAffine(surround, np.array([[scale, 0, 0], [0, scale, 0]]), size,
                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    return center - up
""",
    "a Python loop over the centre's pixels": """
def my_across_scale_difference(center, surround, delta):
    center, surround = np.asarray(center, dtype=float), np.asarray(surround, dtype=float)
    h, w = surround.shape
    out = np.empty_like(center)
    for i in range(center.shape[0]):
        y = min(i / 2**delta, h - 1)
        y0 = int(y)
        y1, fy = min(y0 + 1, h - 1), y - y0
        for j in range(center.shape[1]):
            x = min(j / 2**delta, w - 1)
            x0 = int(x)
            x1, fx = min(x0 + 1, w - 1), x - x0
            top = surround[y0, x0] * (1 - fx) + surround[y0, x1] * fx
            bottom = surround[y1, x0] * (1 - fx) + surround[y1, x1] * fx
            out[i, j] = center[i, j] - (top * (1 - fy) + bottom * fy)
    return out
""",
}

MUTANTS = {
    "nb01_reduce": _REDUCE,
    "nb01_expand": _EXPAND,
    "nb01_across_scale_difference": _DIFFERENCE,
}

ALTERNATIVES = {
    "nb01_reduce": _REDUCE_ALTERNATIVES,
    "nb01_expand": _EXPAND_ALTERNATIVES,
    "nb01_across_scale_difference": _DIFFERENCE_ALTERNATIVES,
}
