"""The grader's notebook runner never idles after a widget cell (nbclient issue #312).

Measured with plain nbclient (``benchmarks/bench_runner_stall.py``: the pyramid
explorer of notebook 01, 4 cells a run, 10 s cell timeout): 4 of 24 explorer
cells waited the whole cell timeout for an ``execute_reply`` that had arrived
within milliseconds (runs of 12.8 s median, 25.7 s max against 5.3 s and 6.6 s
for the runner).  At that rate, 72 explorer cells without a stall would happen
by chance about once in 700,000 tries.
"""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook

from course_lib.classroom import runner

WIDGET_CELLS = 6
RUNS = 12
CELL_TIMEOUT = 20  # seconds; a stalled cell waits this long, a normal one a few milliseconds


def widget_notebook():
    """Notebook 01's pyramid explorer, WIDGET_CELLS times: the cell that stalled plain nbclient."""
    cells = [new_code_cell("from course_lib import widgets")]
    cells += [new_code_cell('widgets.pyramid_explorer("astronaut")') for _ in range(WIDGET_CELLS)]
    return new_notebook(cells=cells)


def test_widget_cells_never_wait_for_their_timeout():
    """72 explorer cells in 12 fresh kernels: each reply is taken as it arrives.

    A stall shows as a cell that waited its whole timeout (20 s) although it
    runs in milliseconds; the bound below is half of that, so it detects
    hangs, not speed.
    """
    slowest = []
    for _ in range(RUNS):
        execution = runner.run_coroutine(runner.execute(widget_notebook(), timeout=CELL_TIMEOUT,
                                                        max_output_bytes=10**6))
        assert execution.problem == "" and not execution.timed_out
        assert len(execution.executed) == WIDGET_CELLS + 1
        slowest.append(max(execution.cell_seconds.values()))
    assert max(slowest) < CELL_TIMEOUT / 2, f"a cell idled: slowest cell per run {slowest}"


def test_grading_stores_no_widget_state_or_figures_and_re_execution_does():
    """Widget state and figures are what JupyterLab saves; a graded notebook skips both."""
    states, figures = [], []
    for store in (False, True):
        nb = new_notebook(cells=[new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)"),
                                 new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1]);"),
                                 # an Output widget (notebook 00's explorer has one) runs in both modes
                                 new_code_cell("out = ipywidgets.Output()\nwith out:\n    print('inside')\nout")])
        execution = runner.run_coroutine(runner.execute(nb, timeout=CELL_TIMEOUT, max_output_bytes=10**6,
                                                        as_jupyterlab=store))
        assert execution.problem == ""
        states.append(nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}))
        figures.append([output for output in nb.cells[1].outputs if "image/png" in output.get("data", {})])
    graded, re_executed = states
    assert graded == {} and figures[0] == []
    assert any(model["state"].get("value") == 3 for model in re_executed["state"].values())
    assert len(figures[1]) == 1


def _kernels_left() -> list[str]:
    import os
    import subprocess

    children = subprocess.run(["ps", "-o", "stat=,args=", "--ppid", str(os.getpid())], capture_output=True,
                              text=True).stdout.splitlines()
    return [line for line in children if "ipykernel" in line or line.lstrip().startswith("Z")]


def test_a_budget_spent_while_the_kernel_starts_leaves_no_kernel():
    """The notebook's budget may run out at any moment, the kernel's start included (seconds on a
    loaded machine): whenever it does, no kernel and no zombie is left behind.  Budgets from 0.1 s to
    2.5 s fall before, during and after the start (it took about 1 s here when a kernel was left)."""
    import shutil

    from course_lib.classroom import sandbox as sandboxes

    sleeper = new_notebook(cells=[new_code_cell("import time\ntime.sleep(60)")])
    modes = [None] + ([sandboxes.resolve("bwrap")[0]] if shutil.which("bwrap") and not sandboxes.bwrap_problem()
                      else [])
    for chosen in modes:
        for tenths in range(1, 26, 3):
            budget = tenths / 10
            execution = runner.run_coroutine(runner.execute(sleeper, timeout=60, max_output_bytes=1000,
                                                            notebook_timeout=budget, sandbox=chosen))
            assert execution.problem == f"the notebook ran longer than {budget:g} s in all and was stopped"
            assert not _kernels_left(), (budget, chosen, _kernels_left())
