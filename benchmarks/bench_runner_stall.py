"""The idle wait after widget cells: plain nbclient against the grader's runner.

Run with ``make bench`` (or ``python benchmarks/bench_runner_stall.py``).  A
notebook with ``--widgets`` explorer cells (notebook 01's pyramid explorer)
runs ``--runs`` times in fresh kernels, once with nbclient as it comes and
once with :mod:`course_lib.classroom.runner` (nbclient with channels that
poll in slices), with the runs of the two interleaved.  A cell counts as
stalled when it took more than half the cell timeout (``--timeout``): such a
cell runs in milliseconds, and a stall lasts the whole timeout.

Prints one table: engine, runs, stalled cells, runs with a stall, and the
median and maximum seconds per notebook run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_lib.classroom import runner


def widget_notebook(n_widgets: int):
    """The course's pyramid explorer (widgets and a PNG view), ``n_widgets`` times."""
    cells = [new_code_cell("from course_lib import widgets")]
    cells += [new_code_cell('widgets.pyramid_explorer("astronaut")') for _ in range(n_widgets)]
    return new_notebook(cells=cells)


def plain_run(n_widgets: int, timeout: float) -> tuple[float, list[float]]:
    """nbclient with its default kernel manager; per-cell seconds from its public hooks."""
    durations, started = [], {}
    client = NotebookClient(widget_notebook(n_widgets), timeout=timeout, kernel_name="python3",
                            on_cell_start=lambda cell, cell_index: started.__setitem__(cell_index, time.monotonic()),
                            on_cell_executed=lambda cell, cell_index, execute_reply: durations.append(
                                time.monotonic() - started[cell_index]))
    start = time.perf_counter()
    asyncio.run(client.async_execute())
    return time.perf_counter() - start, durations


def runner_run(n_widgets: int, timeout: float) -> tuple[float, list[float]]:
    execution = runner.run_coroutine(runner.execute(widget_notebook(n_widgets), timeout=timeout,
                                                    max_output_bytes=10**6))
    return execution.seconds, list(execution.cell_seconds.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--widgets", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    results = {"nbclient": [], "runner": []}
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        results["nbclient"].append(plain_run(args.widgets, args.timeout))
        results["runner"].append(runner_run(args.widgets, args.timeout))
    print(f"{args.runs} runs of a notebook with {args.widgets} widget cells, cell timeout {args.timeout:g} s")
    print(f"{'engine':<10} {'runs':>5} {'stalled cells':>14} {'runs w/ stall':>14} {'median s':>9} {'max s':>7}")
    for engine, runs in results.items():
        stalled = [sum(d > args.timeout / 2 for d in durations) for _, durations in runs]
        seconds = [total for total, _ in runs]
        print(f"{engine:<10} {len(runs):>5} {sum(stalled):>14} {sum(s > 0 for s in stalled):>14} "
              f"{statistics.median(seconds):>9.2f} {max(seconds):>7.2f}")


if __name__ == "__main__":
    main()
