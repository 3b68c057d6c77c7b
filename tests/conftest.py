"""Shared test settings: tolerances set once per dtype, and helpers for local servers."""

from __future__ import annotations

import contextlib
import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Tolerances, one pair per dtype (style guide §8).
RTOL_F32 = 1e-5
ATOL_F32 = 1e-6
RTOL_F64 = 1e-10
ATOL_F64 = 1e-12


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models gain nothing from threads, and on a shared CPU OpenMP's
    spinning threads made some tests up to 50x slower; restored afterwards."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------
# local servers (make lab, make app) started by tests and stopped after them
# --------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(command: list[str], *, cwd, log=None, env=None):
    """Run ``command`` in its own process group for the ``with`` block, then stop it.

    Output goes to the open file ``log`` (or nowhere).  ``MPLBACKEND`` is left
    out of the environment: a Jupyter kernel that inherits Agg draws no
    inline figures.  On exit the whole group gets SIGTERM, then SIGKILL after
    20 s, so that servers started through ``make`` stop with their children.
    """
    import signal
    import subprocess

    if env is None:
        env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    out = log if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
