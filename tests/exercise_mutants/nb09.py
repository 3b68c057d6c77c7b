"""Wrong and right answers for notebooks/09_applications.ipynb (see ``__init__.py`` for the format)."""

from __future__ import annotations


def _edit(source: str, *replacements: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replaced once; an ``old`` that is missing is a catalogue bug."""
    for old, new in replacements:
        assert source.count(old) == 1, f"not exactly once in the source: {old!r}"
        source = source.replace(old, new)
    return source


# --------------------------------------------------------------------------
# Exercise 1: window sums from a summed-area table
# --------------------------------------------------------------------------
SUMS = '''\
def my_window_sums(saliency_map, height, width):
    table = np.zeros((saliency_map.shape[0] + 1, saliency_map.shape[1] + 1))
    table[1:, 1:] = np.cumsum(np.cumsum(saliency_map, axis=0), axis=1)
    return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]
'''

# --------------------------------------------------------------------------
# Exercise 2: the least-energy seam
# --------------------------------------------------------------------------
SEAM = '''\
def my_vertical_seam(energy):
    energy = np.asarray(energy, dtype=float)
    height, width = energy.shape
    cost = energy.copy()
    step = np.zeros((height, width), dtype=int)
    for i in range(1, height):
        options = np.full((3, width), np.inf)
        options[0, 1:], options[1], options[2, :-1] = cost[i - 1, :-1], cost[i - 1], cost[i - 1, 1:]
        choice = options.argmin(axis=0)
        cost[i] += options[choice, np.arange(width)]
        step[i] = choice - 1
    seam = np.empty(height, dtype=int)
    seam[-1] = np.argmin(cost[-1])
    for i in range(height - 1, 0, -1):
        seam[i - 1] = seam[i] + step[i, seam[i]]
    return seam
'''

GREEDY = '''\
def my_vertical_seam(energy):
    energy = np.asarray(energy, dtype=float)
    height, width = energy.shape
    seam = np.empty(height, dtype=int)
    seam[{first}] = np.argmin(energy[{first}])
    for i in {rows}:
        j = seam[i {towards} 1]
        low, high = max(j - 1, 0), min(j + 2, width)
        seam[i] = low + np.argmin(energy[i, low:high])
    return seam
'''

# --------------------------------------------------------------------------
# Exercise 3: ROI JPEG against a uniform JPEG of equal size
# --------------------------------------------------------------------------
ROI = '''\
def my_roi_vs_uniform(image, region, quality_inside, quality_outside):
    coarse = applications.jpeg_decode(applications.jpeg_encode(image, quality_outside))
    roi_data = applications.jpeg_encode(np.where(region[:, :, None], image, coarse), quality_inside)
    low, high = 1, 100
    while low < high:
        middle = (low + high) // 2
        if len(applications.jpeg_encode(image, middle)) >= len(roi_data):
            high = middle
        else:
            low = middle + 1
    uniform_data = applications.jpeg_encode(image, high)
    def psnr_inside(data):
        error = (applications.jpeg_decode(data).astype(float) - image)[region]
        return 10 * np.log10(1.0 / np.mean(error ** 2))
    return len(roi_data), high, psnr_inside(roi_data), psnr_inside(uniform_data)
'''

MUTANTS = {
    "nb09_window_sums": {
        "brute force: a Python double loop that sums every window": '''\
def my_window_sums(saliency_map, height, width):
    rows, cols = saliency_map.shape[0] - height + 1, saliency_map.shape[1] - width + 1
    sums = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            sums[r, c] = saliency_map[r:r + height, c:c + width].sum()
    return sums
''',
        "brute force without a loop: numpy's sliding_window_view, summed": '''\
from numpy.lib.stride_tricks import sliding_window_view


def my_window_sums(saliency_map, height, width):
    return sliding_window_view(saliency_map, (height, width)).sum(axis=(2, 3))
''',
        "the table without its zero first row and column (one window too few each way)": '''\
def my_window_sums(saliency_map, height, width):
    table = np.cumsum(np.cumsum(saliency_map, axis=0), axis=1)
    return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]
''',
        "a cumulative sum along the rows only": _edit(
            SUMS, ("np.cumsum(np.cumsum(saliency_map, axis=0), axis=1)", "np.cumsum(saliency_map, axis=1)")),
        "window means (divided by h w), not sums": _edit(
            SUMS, ("return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]",
                   "return (table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]) / (height * width)")),
        "height and width swapped in the look-ups": _edit(
            SUMS, ("return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]",
                   "return table[width:, height:] - table[:-width, height:] - table[width:, :-height] + table[:-width, :-height]")),
        "the corner look-up subtracted instead of added": _edit(
            SUMS, ("- table[height:, :-width] + table[:-height, :-width]", "- table[height:, :-width] - table[:-height, :-width]")),
        "the table in float32": _edit(
            SUMS, ("table = np.zeros((saliency_map.shape[0] + 1, saliency_map.shape[1] + 1))",
                   "table = np.zeros((saliency_map.shape[0] + 1, saliency_map.shape[1] + 1), dtype=np.float32)")),
        "the table in the map's own dtype (an 8-bit map overflows)": _edit(
            SUMS, ("table = np.zeros((saliency_map.shape[0] + 1, saliency_map.shape[1] + 1))",
                   "table = np.zeros((saliency_map.shape[0] + 1, saliency_map.shape[1] + 1), dtype=saliency_map.dtype)")),
        "OpenCV's unnormalised box filter instead of a table": '''\
import cv2


def my_window_sums(saliency_map, height, width):
    sums = cv2.boxFilter(np.asarray(saliency_map, dtype=np.float64), -1, (width, height), anchor=(0, 0),
                         normalize=False, borderType=cv2.BORDER_CONSTANT)
    return sums[:saliency_map.shape[0] - height + 1, :saliency_map.shape[1] - width + 1]
''',
        "SciPy's uniform_filter (a window mean) times the window's area": '''\
from scipy import ndimage


def my_window_sums(saliency_map, height, width):
    means = ndimage.uniform_filter(np.asarray(saliency_map, dtype=float), size=(height, width), mode="constant",
                                   origin=(-(height // 2), -(width // 2)))
    return means[:saliency_map.shape[0] - height + 1, :saliency_map.shape[1] - width + 1] * (height * width)
''',
        "an FFT convolution with a window of ones": '''\
from scipy.signal import fftconvolve


def my_window_sums(saliency_map, height, width):
    return fftconvolve(np.asarray(saliency_map, dtype=float), np.ones((height, width)), mode="valid")
''',
        "skimage's integral image, with skimage.transform.integrate doing the look-ups": '''\
from skimage.transform import integral_image, integrate


def my_window_sums(saliency_map, height, width):
    table = integral_image(np.asarray(saliency_map, dtype=float))
    rows, cols = np.mgrid[:saliency_map.shape[0] - height + 1, :saliency_map.shape[1] - width + 1]
    sums = integrate(table, np.stack([rows.ravel(), cols.ravel()], 1),
                     np.stack([rows.ravel() + height - 1, cols.ravel() + width - 1], 1))
    return sums.reshape(rows.shape)
''',
    },
    "nb09_vertical_seam": {
        "greedy from the top: the cheapest pixel of the first row, then the cheapest neighbour below": GREEDY.format(
            first=0, rows="range(1, height)", towards="-"),
        "greedy from the bottom: the cheapest pixel of the last row, then the cheapest neighbour above": GREEDY.format(
            first=-1, rows="range(height - 2, -1, -1)", towards="+"),
        "the cheapest pixel of every row, not connected": '''\
def my_vertical_seam(energy):
    return np.argmin(np.asarray(energy, dtype=float), axis=1)
''',
        "borders wrap around (np.roll) instead of padding with infinity": _edit(
            SEAM, ("options = np.full((3, width), np.inf)\n"
                   "        options[0, 1:], options[1], options[2, :-1] = cost[i - 1, :-1], cost[i - 1], cost[i - 1, 1:]",
                   "options = np.stack([np.roll(cost[i - 1], 1), cost[i - 1], np.roll(cost[i - 1], -1)])"),
            ("seam[i - 1] = seam[i] + step[i, seam[i]]", "seam[i - 1] = (seam[i] + step[i, seam[i]]) % width")),
        "borders padded with 0 instead of infinity": _edit(
            SEAM, ("options = np.full((3, width), np.inf)", "options = np.zeros((3, width))")),
        "the cumulative cost without the pixel's own energy": _edit(
            SEAM, ("cost[i] += options[choice, np.arange(width)]", "cost[i] = options[choice, np.arange(width)]")),
        "the walk back starts from the smallest cost in the first row": _edit(
            SEAM, ("seam[-1] = np.argmin(cost[-1])", "seam[-1] = np.argmin(cost[0])")),
        "the predecessor offsets with the wrong sign": _edit(
            SEAM, ("step[i] = choice - 1", "step[i] = 1 - choice")),
        "only two predecessors: up-left and up (up-right forgotten)": _edit(
            SEAM, ("options[0, 1:], options[1], options[2, :-1] = cost[i - 1, :-1], cost[i - 1], cost[i - 1, 1:]",
                   "options[0, 1:], options[1] = cost[i - 1, :-1], cost[i - 1]")),
        "the walk back follows the cheapest energy above, not the stored predecessor": _edit(
            SEAM, ("seam[i - 1] = seam[i] + step[i, seam[i]]",
                   "low = max(seam[i] - 1, 0)\n"
                   "        seam[i - 1] = low + np.argmin(energy[i - 1, low:seam[i] + 2])")),
        "the seam returned bottom to top": _edit(
            SEAM, ("    return seam\n", "    return seam[::-1]\n")),
    },
    "nb09_roi_vs_uniform": {
        "the composition reversed: the coarse decoding inside the region, the original outside": _edit(
            ROI, ("np.where(region[:, :, None], image, coarse)", "np.where(region[:, :, None], coarse, image)")),
        "no composition: the original encoded at quality_inside": _edit(
            ROI, ("np.where(region[:, :, None], image, coarse)", "image")),
        "the composite encoded at quality_outside": _edit(
            ROI, ("np.where(region[:, :, None], image, coarse), quality_inside)",
                  "np.where(region[:, :, None], image, coarse), quality_outside)")),
        "the highest quality whose file is still smaller than the ROI file (one step too low)": _edit(
            ROI, ("return len(roi_data), high, psnr_inside(roi_data), psnr_inside(uniform_data)",
                  "return len(roi_data), max(high - 1, 1), psnr_inside(roi_data), psnr_inside(applications.jpeg_encode(image, max(high - 1, 1)))")),
        "no search: the uniform file at quality_inside": _edit(
            ROI, ("uniform_data = applications.jpeg_encode(image, high)", "high = quality_inside\n"
                  "    uniform_data = applications.jpeg_encode(image, high)")),
        "the bisection keeps the wrong half (file too small: searches lower)": _edit(
            ROI, ("            high = middle\n        else:\n            low = middle + 1",
                  "            low = middle + 1\n        else:\n            high = middle")),
        "the PSNR over the whole image, not the region": _edit(
            ROI, ("error = (applications.jpeg_decode(data).astype(float) - image)[region]",
                  "error = applications.jpeg_decode(data).astype(float) - image")),
        "the PSNR with a peak of 255 for images in [0, 1]": _edit(
            ROI, ("10 * np.log10(1.0 / np.mean(error ** 2))", "10 * np.log10(255.0**2 / np.mean(error ** 2))")),
        "the mean of the three channels' PSNRs": _edit(
            ROI, ("return 10 * np.log10(1.0 / np.mean(error ** 2))",
                  "return np.mean(10 * np.log10(1.0 / np.mean(error ** 2, axis=0)))")),
        "the uniform file's PSNR measured at quality_inside, not at the quality found": _edit(
            ROI, ("psnr_inside(uniform_data)", "psnr_inside(applications.jpeg_encode(image, quality_inside))")),
    },
}

ALTERNATIVES = {
    "nb09_window_sums": {
        "np.pad of the cumulative sums, then the four look-ups": '''\
def my_window_sums(saliency_map, height, width):
    table = np.pad(np.asarray(saliency_map, dtype=np.float64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]
''',
        "OpenCV's cv2.integral for the table (it has the zero first row and column)": '''\
import cv2


def my_window_sums(saliency_map, height, width):
    table = cv2.integral(np.asarray(saliency_map, dtype=np.float64))
    return table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]
''',
        "skimage's integral_image (no zero row and column), the border handled by padding": '''\
from skimage.transform import integral_image


def my_window_sums(saliency_map, height, width):
    table = np.pad(integral_image(np.asarray(saliency_map, dtype=np.float64)), ((1, 0), (1, 0)))
    h, w = height, width
    return table[h:, w:] - table[:-h, w:] - table[h:, :-w] + table[:-h, :-w]
''',
        "the table, then the four look-ups in a Python loop over the positions": '''\
def my_window_sums(saliency_map, height, width):
    table = np.zeros((saliency_map.shape[0] + 1, saliency_map.shape[1] + 1))
    table[1:, 1:] = np.cumsum(np.cumsum(saliency_map, axis=0), axis=1)
    sums = np.empty((saliency_map.shape[0] - height + 1, saliency_map.shape[1] - width + 1))
    for r in range(sums.shape[0]):
        for c in range(sums.shape[1]):
            sums[r, c] = table[r + height, c + width] - table[r, c + width] - table[r + height, c] + table[r, c]
    return sums
''',
        "differences of cumulative sums, first along the rows then along the columns": '''\
def my_window_sums(saliency_map, height, width):
    rows = np.cumsum(np.pad(np.asarray(saliency_map, dtype=np.float64), ((1, 0), (0, 0))), axis=0)
    strips = rows[height:] - rows[:-height]  # sums of `height` rows
    cols = np.cumsum(np.pad(strips, ((0, 0), (1, 0))), axis=1)
    return cols[:, width:] - cols[:, :-width]
''',
    },
    "nb09_vertical_seam": {
        "a Python double loop for the cumulative cost": '''\
def my_vertical_seam(energy):
    energy = np.asarray(energy, dtype=float)
    height, width = energy.shape
    cost = energy.copy()
    for i in range(1, height):
        for j in range(width):
            cost[i, j] += min(cost[i - 1, max(j - 1, 0):j + 2])
    seam = [int(np.argmin(cost[-1]))]
    for i in range(height - 2, -1, -1):
        j = seam[-1]
        low = max(j - 1, 0)
        seam.append(low + int(np.argmin(cost[i, low:j + 2])))
    return np.array(seam[::-1])
''',
        "top-down recursion with memoisation": '''\
import functools


def my_vertical_seam(energy):
    energy = np.asarray(energy, dtype=float)
    height, width = energy.shape

    @functools.lru_cache(maxsize=None)
    def best(i, j):  # (cost, seam from row i down) of the cheapest seam starting at (i, j)
        if i == height - 1:
            return energy[i, j], (j,)
        cost, path = min(best(i + 1, k) for k in range(max(j - 1, 0), min(j + 2, width)))
        return energy[i, j] + cost, (j,) + path

    return np.array(min(best(0, j) for j in range(width))[1])
''',
    },
    "nb09_roi_vs_uniform": {
        "a linear search over the qualities, skimage's PSNR": '''\
from skimage.metrics import peak_signal_noise_ratio


def my_roi_vs_uniform(image, region, quality_inside, quality_outside):
    coarse = applications.jpeg_decode(applications.jpeg_encode(image, quality_outside))
    composite = image.copy()
    composite[~region] = coarse[~region]
    n_bytes = len(applications.jpeg_encode(composite, quality_inside))
    quality = next((q for q in range(1, 101) if len(applications.jpeg_encode(image, q)) >= n_bytes), 100)

    def psnr(quality_used, data=None):
        decoded = applications.jpeg_decode(data or applications.jpeg_encode(image, quality_used))
        return peak_signal_noise_ratio(image[region].astype(np.float64), decoded[region].astype(np.float64), data_range=1.0)

    return n_bytes, quality, psnr(None, applications.jpeg_encode(composite, quality_inside)), psnr(quality)
''',
    },
}

TIMED = {"nb09_window_sums"}
