"""Shared test settings: tolerances are set once per dtype here."""

from __future__ import annotations

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
