"""Wall-clock timing for notebooks and benchmarks.

Used in notebook 00 (§3, the O(N²) → O(N) timing plot) and by every script in
``benchmarks/``.  Tests never assert times; they only check this helper runs.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def median_ms(fn: Callable[..., Any], *args: Any, repeat: int = 5, warmup: int = 1, **kwargs: Any) -> float:
    """Median wall-clock time of ``fn(*args, **kwargs)`` in milliseconds.

    Parameters
    ----------
    fn : callable
        Function to time.
    *args, **kwargs
        Passed to ``fn``.
    repeat : int
        Number of timed calls (>= 1); the median is robust to the odd slow one.
    warmup : int
        Untimed calls first (>= 0): the first call often pays for caches,
        lazy imports or thread-pool start-up.

    Returns
    -------
    float
        Median time in milliseconds.

    Examples
    --------
    >>> median_ms(sum, [1, 2, 3], repeat=3) >= 0
    True
    """
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    for _ in range(warmup):
        fn(*args, **kwargs)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)
