"""Wall-clock timing for notebooks and benchmarks.

Used in notebook 00 (§3, the O(N²) → O(N) timing plot) and by every script in
``benchmarks/``.  Tests never assert times; they only check this helper runs.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Mapping

from course_lib._validation import check_count

MAX_REPEAT = 100_000
"""Most repetitions (rounds, block, warmup) one timing call makes: bounds its loops."""


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
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeat = check_count(repeat, name="repeat", minimum=1, maximum=MAX_REPEAT)
    warmup = check_count(warmup, name="warmup", minimum=0, maximum=MAX_REPEAT)
    return interleaved_median_ms({"fn": lambda: fn(*args, **kwargs)}, rounds=1, block=repeat, warmup=warmup)["fn"]


def interleaved_median_ms(
    calls: Mapping[str, Callable[[], Any]], *, rounds: int = 5, block: int = 10, warmup: int = 3
) -> dict[str, float]:
    """Median wall-clock ms of several zero-argument calls, timed in alternating blocks.

    Each round runs every function in turn: ``warmup`` untimed calls, then
    ``block`` timed ones.  Within a block a function runs warm (its data in
    cache, the allocator settled), as a widget or a loop would call it; the
    rounds spread every function over the same stretch of time, so that slow
    phases of a shared machine fall on all of them alike and the ratios
    between them are steadier than from one long run per function.

    Parameters
    ----------
    calls : mapping of str to callable
        Name → function of no arguments (use ``functools.partial`` or a lambda).
    rounds : int
        Rounds (>= 1).
    block : int
        Timed calls of each function per round (>= 1).
    warmup : int
        Untimed calls of each function at the start of each of its blocks (>= 0).

    Returns
    -------
    dict of str to float
        Name → median of its ``rounds · block`` timed calls in milliseconds,
        in the order of ``calls``.

    Examples
    --------
    >>> times = interleaved_median_ms({"sum": lambda: sum(range(100)), "max": lambda: max(range(100))}, rounds=2)
    >>> sorted(times), all(t >= 0 for t in times.values())
    (['max', 'sum'], True)
    """
    rounds = check_count(rounds, name="rounds", minimum=1, maximum=MAX_REPEAT)
    block = check_count(block, name="block", minimum=1, maximum=MAX_REPEAT)
    warmup = check_count(warmup, name="warmup", minimum=0, maximum=MAX_REPEAT)
    if not isinstance(calls, Mapping):
        raise TypeError(f"calls must be a dict of name -> callable, got {type(calls).__name__}")
    if not calls:
        raise ValueError("calls must name at least one function")
    for name, fn in calls.items():
        if not callable(fn):
            raise TypeError(f"calls[{name!r}] must be callable, got {type(fn).__name__}")
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            for _ in range(warmup):
                fn()
            for _ in range(block):
                start = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(values) for name, values in times.items()}
