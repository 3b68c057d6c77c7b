"""Notebook 00 (what is saliency): wrong and right answers to its exercises."""

# ---------------------------------------------------------------------------
# nb00_lc_brute_force: sum_i |I_k - I_i| for every pixel, by the definition
# ---------------------------------------------------------------------------

_BRUTE_FORCE = {
    "uint8 arithmetic: the differences wrap around (no conversion)": """
def my_lc_brute_force(levels):
    flat = levels.ravel()
    sums = np.abs(flat[:, None] - flat[None, :]).sum(axis=1)
    return sums.reshape(levels.shape)
""",
    "converted to int8: levels above 127 become negative": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int8).astype(np.int64).ravel()
    sums = np.abs(flat[:, None] - flat[None, :]).sum(axis=1)
    return sums.reshape(levels.shape)
""",
    "no absolute value: signed differences cancel": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    sums = (flat[:, None] - flat[None, :]).sum(axis=1)
    return sums.reshape(levels.shape)
""",
    "squared differences instead of absolute ones": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    sums = ((flat[:, None] - flat[None, :]) ** 2).sum(axis=1)
    return sums.reshape(levels.shape)
""",
    "mean over the pixels instead of the sum": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    sums = np.abs(flat[:, None] - flat[None, :]).mean(axis=1)
    return sums.reshape(levels.shape)
""",
    "normalised to [0, 1] like the saliency map": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    sums = np.abs(flat[:, None] - flat[None, :]).sum(axis=1)
    return (sums / max(sums.max(), 1)).reshape(levels.shape)
""",
    "compared with the distinct levels only, not with every pixel": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    distinct = np.unique(flat)
    sums = np.abs(flat[:, None] - distinct[None, :]).sum(axis=1)
    return sums.reshape(levels.shape)
""",
    "forgets the reshape: returns a flat array": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    return np.abs(flat[:, None] - flat[None, :]).sum(axis=1)
""",
    "compares each pixel with its row only": """
def my_lc_brute_force(levels):
    rows = levels.astype(np.int64)
    return np.abs(rows[:, :, None] - rows[:, None, :]).sum(axis=2)
""",
}

_BRUTE_FORCE_ALTERNATIVES = {
    "a Python double loop over the pixels": """
def my_lc_brute_force(levels):
    flat = [int(v) for v in levels.ravel()]
    sums = [sum(abs(a - b) for b in flat) for a in flat]
    return np.array(sums, dtype=np.int64).reshape(levels.shape)
""",
    "scipy.spatial.distance.cdist (city-block) on the levels": """
from scipy.spatial.distance import cdist


def my_lc_brute_force(levels):
    flat = levels.astype(np.float64).reshape(-1, 1)
    return np.rint(cdist(flat, flat, "cityblock").sum(axis=1)).astype(np.int64).reshape(levels.shape)
""",
    "one row of differences per pixel, in a loop over pixels (less memory)": """
def my_lc_brute_force(levels):
    flat = levels.astype(np.int64).ravel()
    sums = np.array([np.abs(value - flat).sum() for value in flat], dtype=np.int64)
    return sums.reshape(levels.shape)
""",
}

# ---------------------------------------------------------------------------
# nb00_lc_table: D[n] = sum_m F_m |n - m| for all 256 levels
# ---------------------------------------------------------------------------

_TABLE = {
    "histogram without minlength: the table stops at the largest level present": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel()).astype(np.int64)
    grey = np.arange(len(counts), dtype=np.int64)
    return np.abs(grey[:, None] - grey[None, :]) @ counts
""",
    "np.histogram with 256 bins over the image's own range": """
def my_lc_table(levels):
    counts, _ = np.histogram(np.asarray(levels), bins=256)
    grey = np.arange(256, dtype=np.int64)
    return np.abs(grey[:, None] - grey[None, :]) @ counts.astype(np.int64)
""",
    "uint8 grey levels: |n - m| wraps around": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel(), minlength=256).astype(np.int64)
    grey = np.arange(256, dtype=np.uint8)
    return (grey[:, None] - grey[None, :]).astype(np.int64) @ counts
""",
    "entries only for the levels present in the image (zeros elsewhere)": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel(), minlength=256).astype(np.int64)
    grey = np.arange(256, dtype=np.int64)
    table = np.abs(grey[:, None] - grey[None, :]) @ counts
    return np.where(counts > 0, table, 0)
""",
    "squared distances |n - m|^2": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel(), minlength=256).astype(np.int64)
    grey = np.arange(256, dtype=np.int64)
    return (grey[:, None] - grey[None, :]) ** 2 @ counts
""",
    "histogram normalised to probabilities (F / N)": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel(), minlength=256)
    grey = np.arange(256, dtype=np.int64)
    return np.abs(grey[:, None] - grey[None, :]) @ (counts / counts.sum())
""",
    "bincount of the 2-D array (no ravel): refuses anything but a flat list": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels), minlength=256).astype(np.int64)
    grey = np.arange(256, dtype=np.int64)
    return np.abs(grey[:, None] - grey[None, :]) @ counts
""",
    "pairs of pixels: the brute-force sums for the levels present, a sum for the others": """
def my_lc_table(levels):
    flat = np.asarray(levels).astype(np.int64).ravel()
    table = np.zeros(256, dtype=np.int64)
    table[flat] = np.abs(flat[:, None] - flat[None, :]).sum(axis=1)  # every pixel against every pixel
    for n in sorted(set(range(256)) - set(flat.tolist())):
        table[n] = np.abs(n - flat).sum()
    return table
""",
    "ignores the histogram: sums |n - m| over all 256 levels (a flat histogram)": """
def my_lc_table(levels):
    grey = np.arange(256, dtype=np.int64)
    return np.abs(grey[:, None] - grey[None, :]).sum(axis=1) * np.asarray(levels).size // 256
""",
}

_TABLE_ALTERNATIVES = {
    "a loop over the 256 levels, one weighted sum each": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel(), minlength=256)
    grey = np.arange(256)
    return np.array([int(np.sum(counts * np.abs(n - grey))) for n in range(256)], dtype=np.int64)
""",
    "cumulative sums: D[n+1] - D[n] = (pixels <= n) - (pixels > n)": """
def my_lc_table(levels):
    counts = np.bincount(np.asarray(levels).ravel(), minlength=256).astype(np.int64)
    first = int(np.arange(256) @ counts)  # D[0] = sum_m F_m m
    steps = 2 * np.cumsum(counts)[:-1] - counts.sum()
    return np.concatenate([[first], first + np.cumsum(steps)])
""",
    "np.histogram with explicit bin edges 0 ... 256": """
def my_lc_table(levels):
    counts, _ = np.histogram(np.asarray(levels), bins=np.arange(257))
    grey = np.arange(256)
    return np.abs(np.subtract.outer(grey, grey)) @ counts
""",
    "every pixel against the 256 levels (N x 256, never pixel pairs)": """
def my_lc_table(levels):
    flat = np.asarray(levels).ravel().astype(np.int32)
    grey = np.arange(256, dtype=np.int32)
    table = np.zeros(256, dtype=np.int64)
    for start in range(0, flat.size, 32768):
        table += np.abs(grey[:, None] - flat[None, start:start + 32768]).sum(axis=1)
    return table
""",
}

# ---------------------------------------------------------------------------
# nb00_speedup: warm-up, `repeat` timed calls, ratio of the medians
# ---------------------------------------------------------------------------

_SPEEDUP_TIMES = '''
def _times(function, args, repeat, warm_up=True):
    if warm_up:
        function(*args)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return times
'''

_SPEEDUP = {
    "no warm-up, median": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.median(_times(slow, args, repeat, False)) / np.median(_times(fast, args, repeat, False)))
""",
    "warm-up, mean": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.mean(_times(slow, args, repeat)) / np.mean(_times(fast, args, repeat)))
""",
    "no warm-up and the mean (what passed before)": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.mean(_times(slow, args, repeat, False)) / np.mean(_times(fast, args, repeat, False)))
""",
    "total time of the repeat loop, warm-up included": """
import time


def my_speedup(slow, fast, *args, repeat=5):
    def total(function):
        start = time.perf_counter()
        for _ in range(repeat + 1):
            function(*args)
        return time.perf_counter() - start

    return total(slow) / total(fast)
""",
    "ratio upside down: fast / slow": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.median(_times(fast, args, repeat)) / np.median(_times(slow, args, repeat)))
""",
    "warm-up of the slow function only": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.median(_times(slow, args, repeat)) / np.median(_times(fast, args, repeat, False)))
""",
    "the fastest call (minimum) instead of the median": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return min(_times(slow, args, repeat)) / min(_times(fast, args, repeat))
""",
    "ignores repeat: always 5 timed calls": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.median(_times(slow, args, 5)) / np.median(_times(fast, args, 5)))
""",
    "the warm-up call is timed with the others (repeat + 1 timed calls)": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.median(_times(slow, args, repeat + 1, False)) / np.median(_times(fast, args, repeat + 1, False)))
""",
    "calls the functions without the arguments": """
import time


def my_speedup(slow, fast, *args, repeat=5):
    def median_seconds(function):
        function()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return float(np.median(times))

    return median_seconds(slow) / median_seconds(fast)
""",
    "mean of the per-call ratios": "import time\n" + _SPEEDUP_TIMES + """

def my_speedup(slow, fast, *args, repeat=5):
    return float(np.mean(np.array(_times(slow, args, repeat)) / np.array(_times(fast, args, repeat))))
""",
}

_SPEEDUP_ALTERNATIVES = {
    "interleaved calls (slow, fast, slow, ...) and statistics.median": """
import statistics
import time


def my_speedup(slow, fast, *args, repeat=5):
    slow(*args)
    fast(*args)
    slow_times, fast_times = [], []
    for _ in range(repeat):
        for function, times in ((slow, slow_times), (fast, fast_times)):
            start = time.perf_counter()
            function(*args)
            times.append(time.perf_counter() - start)
    return statistics.median(slow_times) / statistics.median(fast_times)
""",
    "perf_counter_ns and the upper median of a sorted list": """
import time


def my_speedup(slow, fast, *args, repeat=5):
    def median_ns(function):
        function(*args)
        times = []
        for _ in range(repeat):
            start = time.perf_counter_ns()
            function(*args)
            times.append(time.perf_counter_ns() - start)
        return sorted(times)[len(times) // 2]

    return median_ns(slow) / median_ns(fast)
""",
    "median of the per-call ratios of interleaved pairs": """
import time


def my_speedup(slow, fast, *args, repeat=5):
    slow(*args)
    fast(*args)
    ratios = []
    for _ in range(repeat):
        start = time.perf_counter()
        slow(*args)
        middle = time.perf_counter()
        fast(*args)
        ratios.append((middle - start) / (time.perf_counter() - middle))
    return float(np.median(ratios))
""",
}

MUTANTS = {
    "nb00_lc_brute_force": _BRUTE_FORCE,
    "nb00_lc_table": _TABLE,
    "nb00_speedup": _SPEEDUP,
}

ALTERNATIVES = {
    "nb00_lc_brute_force": _BRUTE_FORCE_ALTERNATIVES,
    "nb00_lc_table": _TABLE_ALTERNATIVES,
    "nb00_speedup": _SPEEDUP_ALTERNATIVES,
}

TIMED = {"nb00_speedup"}
