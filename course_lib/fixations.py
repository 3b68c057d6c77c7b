"""Human fixations the course collects itself: BubbleView clicks saved, read, pooled and compared.

Used by notebook 05 (where people look) and ``saliency-course fixations``.  The
recorder is :func:`course_lib.widgets.bubble_view` (BubbleView, Kim et al.
2017: a blurred image, a sharp disk where the viewer clicks); this module keeps
its clicks as a CSV table, one row a click, :data:`CLICK_COLUMNS`::

    image,viewer,x,y,t_ms
    astronaut,me,210.5,96.0,812

``x`` is the column and ``y`` the row in pixels of the image (not of the
screen), ``t_ms`` the milliseconds since the viewer pressed Start.  The table
is the course's fixation format, so :func:`course_lib.metrics.load_fixations`
reads it as it is (it ignores the other columns).

Clicks are not eye fixations: Kim et al. (2017) compared BubbleView clicks
with eye-tracking data and report that clicks approximate fixations; a mouse
is slower than an eye, and a viewer who knows where the task is looks
differently.  The inter-observer score (:func:`inter_observer`) says how well
one viewer's clicks predict another's: the ceiling for any model on the data.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from course_lib import metrics
from course_lib._validation import check_choice, check_map, check_positive, check_shape

__all__ = [
    "CLICK_COLUMNS", "Clicks", "append_clicks", "clean_clicks", "inter_observer", "read_clicks",
    "viewer_maps",
]

CLICK_COLUMNS = ("image", "viewer", "x", "y", "t_ms")
"""Columns of a clicks CSV, in order."""

MAX_CLICKS = 10_000
"""Most clicks kept per image and viewer: a recording longer than this is not a person clicking."""

_SCORES = {"auc_judd": metrics.auc_judd, "nss": metrics.nss}


@dataclass(frozen=True)
class Clicks:
    """One viewer's clicks on one image: ``points`` (N, 3) float64 rows ``x, y, t_ms``, by time."""

    image: str
    viewer: str
    points: npt.NDArray[np.float64]


def _check_name(value: object, *, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    text = value.strip()
    if not text or any(ch in text for ch in "\r\n\0"):
        raise ValueError(f"{name} must be a non-empty name on one line, got {value!r}")
    return text


def clean_clicks(clicks: object, *, shape: tuple[int, int], time_limit: float | None = None,
                 name: str = "clicks") -> npt.NDArray[np.float64]:
    """The valid clicks of a recording as an (N, 3) float64 array ``x, y, t_ms``, sorted by time.

    A recording comes from a browser, so it is checked as untrusted input: a
    click is kept when it has three finite numbers, lies inside the image
    (``0 <= x <= W - 1``, ``0 <= y <= H - 1``) and, with ``time_limit`` (s),
    falls within ``[0, time_limit]``; the others are dropped.  At most
    :data:`MAX_CLICKS` are kept.  The input is never modified.

    Raises
    ------
    TypeError
        If ``clicks`` is not a sequence of rows.

    Examples
    --------
    >>> clean_clicks([[5, 2, 300], [1, 1, 100], [99, 0, 50], [1, 1, float("nan")]], shape=(10, 20))
    array([[  1.,   1., 100.],
           [  5.,   2., 300.]])
    """
    height, width = check_shape(shape, name="shape")
    if time_limit is not None:
        time_limit = check_positive(time_limit, name="time_limit")
    if isinstance(clicks, (str, bytes)) or not isinstance(clicks, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of (x, y, t_ms) rows, got {type(clicks).__name__}")
    kept = []
    for row in list(clicks)[: 4 * MAX_CLICKS]:
        try:
            x, y, t = (float(value) for value in row)
        except (TypeError, ValueError):
            continue
        if not all(math.isfinite(v) for v in (x, y, t)):
            continue
        if not (0 <= x <= width - 1 and 0 <= y <= height - 1 and t >= 0):
            continue
        if time_limit is not None and t > 1000 * time_limit:
            continue
        kept.append((x, y, t))
    kept.sort(key=lambda point: point[2])
    return np.array(kept[:MAX_CLICKS], dtype=np.float64).reshape(-1, 3)


def read_clicks(path: str | os.PathLike[str]) -> list[Clicks]:
    """Every (image, viewer) recording of a clicks CSV (:data:`CLICK_COLUMNS`), in order of appearance.

    Raises
    ------
    ValueError
        If the file does not exist, lacks a column, or a row has a bad number (its line is named).
    """
    file = Path(os.fspath(path))
    if not file.is_file():
        raise ValueError(f"path must be an existing clicks CSV file, got {str(file)!r}")
    groups: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with open(file, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in CLICK_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{file.name} needs the columns {list(CLICK_COLUMNS)}; missing {missing}")
        for row in reader:
            try:
                point = (float(row["x"]), float(row["y"]), float(row["t_ms"]))
            except (TypeError, ValueError):
                raise ValueError(f"{file.name} line {reader.line_num}: x, y and t_ms must be numbers") from None
            if not all(math.isfinite(v) for v in point):
                raise ValueError(f"{file.name} line {reader.line_num}: x, y and t_ms must be finite")
            groups.setdefault((row["image"].strip(), row["viewer"].strip()), []).append(point)
    return [Clicks(image, viewer, np.array(points, dtype=np.float64).reshape(-1, 3))
            for (image, viewer), points in groups.items()]


def append_clicks(path: str | os.PathLike[str], points: npt.ArrayLike, *, image: str, viewer: str) -> Path:
    """Add one recording to a clicks CSV (created when missing) and return its path.

    Rows already in the file are kept, those of the same image and viewer
    included (a second recording adds to the first: nothing recorded is lost);
    the file is rewritten through a temporary file, so an interrupted save
    never leaves half a table.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    points : array_like, shape (N, 3)
        ``x, y, t_ms`` rows, as :func:`clean_clicks` returns them.
    image, viewer : str
        Names written in the ``image`` and ``viewer`` columns.
    """
    image = _check_name(image, name="image")
    viewer = _check_name(viewer, name="viewer")
    rows = np.asarray(points, dtype=np.float64).reshape(-1, 3) if np.size(points) else np.zeros((0, 3))
    if not np.isfinite(rows).all():
        raise ValueError("points must be finite (x, y, t_ms) rows")
    file = Path(os.fspath(path))
    existing: list[list[str]] = []
    if file.exists():
        read_clicks(file)  # refuses a file that is not a clicks table before anything is written
        with open(file, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            existing = [[row[column] for column in CLICK_COLUMNS] for row in reader]
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(f".{file.name}.{os.getpid()}.partial")
    try:
        with open(partial, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CLICK_COLUMNS)
            writer.writerows(existing)
            writer.writerows([image, viewer, f"{x:.1f}", f"{y:.1f}", f"{t:.0f}"] for x, y, t in rows)
        os.replace(partial, file)
    finally:
        if partial.exists():
            partial.unlink()
    return file


def viewer_maps(recordings: Iterable[Clicks], *, image: str,
                shape: tuple[int, int]) -> dict[str, npt.NDArray[np.bool_]]:
    """One binary fixation map per viewer of ``image`` (:func:`course_lib.metrics.load_fixations`'s rule).

    Clicks outside the image are dropped.  Viewers with no click on the image are left out.
    """
    maps: dict[str, npt.NDArray[np.bool_]] = {}
    for recording in recordings:
        if recording.image != image or len(recording.points) == 0:
            continue
        rows = [(image, x, y) for x, y, _ in recording.points]
        found = metrics.load_fixations(rows, shapes={image: shape}, out_of_bounds="drop")[image]
        maps[recording.viewer] = maps.get(recording.viewer, np.zeros(shape, dtype=bool)) | found
    return maps


def inter_observer(maps: Mapping[str, npt.NDArray[np.bool_]], *, sigma: float,
                   metric: str = "auc_judd") -> dict[str, float]:
    """How well the other viewers predict each viewer: leave-one-out scores, one per viewer.

    For viewer v, the other viewers' fixations are pooled into one binary map
    and blurred into a density (:func:`course_lib.metrics.fixation_density`,
    ``sigma`` pixels); v's fixations are scored on it with ``metric``
    (``"auc_judd"`` or ``"nss"``).  Their mean is the inter-observer baseline
    of saliency benchmarks (Judd et al. 2012; Bylinskii et al. 2019): a model
    that scores as high predicts a viewer as well as other people do.

    Parameters
    ----------
    maps : mapping of str to ndarray of bool, shape (H, W)
        One binary fixation map per viewer (:func:`viewer_maps`), at least two.
    sigma : float
        Blur of the pooled map in pixels (about one degree of visual angle).
    metric : {"auc_judd", "nss"}

    Returns
    -------
    dict of str to float
        The score of each viewer's fixations on the others' density.

    Examples
    --------
    >>> a = np.zeros((20, 20), bool); a[5, 5] = True
    >>> b = np.zeros((20, 20), bool); b[5, 6] = True
    >>> scores = inter_observer({"a": a, "b": b}, sigma=2.0)
    >>> sorted(scores), all(score > 0.9 for score in scores.values())
    (['a', 'b'], True)
    """
    metric = check_choice(metric, tuple(_SCORES), name="metric")
    sigma = check_positive(sigma, name="sigma", allow_zero=True)
    if not isinstance(maps, Mapping) or len(maps) < 2:
        raise ValueError("maps must hold the fixation maps of at least two viewers (one per viewer)")
    masks = {}
    for viewer, values in maps.items():
        found = check_map(values, name=f"maps[{viewer!r}]")
        if (found < 0).any():
            raise ValueError(f"maps[{viewer!r}] must be a binary fixation map (values >= 0)")
        masks[viewer] = found > 0
    shapes = {mask.shape for mask in masks.values()}
    if len(shapes) != 1:
        raise ValueError(f"maps must all have one shape, got {sorted(shapes)}")
    scores = {}
    for viewer, mask in masks.items():
        others = np.zeros(mask.shape, dtype=bool)
        for other, other_mask in masks.items():
            if other != viewer:
                others |= other_mask
        if not others.any() or not mask.any() or mask.all():
            continue  # no fixation: nothing to score or predict (and AUC needs an unfixated pixel)
        density = metrics.fixation_density(others, sigma=sigma)
        scores[viewer] = float(_SCORES[metric](density, mask))
    return scores
