"""Shared test settings: tolerances are set once per dtype here."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Tolerances, one pair per dtype (style guide §8).
RTOL_F32 = 1e-5
ATOL_F32 = 1e-6
RTOL_F64 = 1e-10
ATOL_F64 = 1e-12
