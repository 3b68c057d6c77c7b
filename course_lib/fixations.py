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
import hashlib
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from course_lib import metrics
from course_lib.course_files import write_atomically  # an interrupted save leaves no half table
from course_lib._validation import (
    check_choice, check_image, check_map, check_number, check_numbers, check_positive, check_shape,
)

__all__ = [
    "CENTRE_PRIOR", "CLICKS_MIME", "CLICK_COLUMNS", "ClassDataset", "Clicks", "append_clicks", "bubble_view_image",
    "class_dataset", "clean_clicks", "clicks_map",
    "clicks_output", "CONSISTENCY_COLUMNS", "inter_observer", "notebook_clicks", "read_clicks", "SCORE_COLUMNS",
    "score_recordings", "viewer_maps", "write_score_tables",
]

CLICK_COLUMNS = ("image", "viewer", "x", "y", "t_ms")
"""Columns of a clicks CSV, in order."""

MAX_CLICKS = 10_000
"""Most clicks kept per image and viewer: a recording longer than this is not a person clicking."""

_SCORES = {"auc_judd": metrics.auc_judd, "nss": metrics.nss}

MAX_BLUR = 1000.0
"""Largest blur (pixels) of :func:`bubble_view_image`, as :data:`course_lib.baselines.MAX_SIGMA` for maps."""

CENTRE_PRIOR = "centre prior"
"""The name of the baseline row :func:`class_dataset` adds: a centre Gaussian of σ = a quarter of the shorter side."""

CLICKS_MIME = "application/vnd.saliency-course.clicks+json"
"""The output type a recording is kept under in a notebook (:func:`clicks_output`): it travels with
the notebook file, so a class's submitted notebooks carry their recordings (:func:`class_dataset`)."""

MAX_NOTEBOOK_BYTES = 64 * 2**20
"""Largest notebook :func:`notebook_clicks` reads (a submitted notebook is untrusted)."""


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


def _click_rows(points: object, *, name: str = "points") -> npt.NDArray[np.float64]:
    """``points`` as an (N, 3) float array ``x, y, t_ms`` (an (N, 2) input gets t_ms 0); clear errors."""
    if isinstance(points, (list, tuple)) and len(points) == 0:
        return np.zeros((0, 3))
    rows = check_numbers(points, name=name, ndim=(2,))
    if rows.shape[1] not in (2, 3):
        raise ValueError(f"{name} must have rows of (x, y) or (x, y, t_ms), got shape {rows.shape}")
    return np.column_stack([rows, np.zeros(len(rows))]) if rows.shape[1] == 2 else rows


def bubble_view_image(image: npt.ArrayLike, *, blur: float, click: tuple[float, float] | None = None,
                      radius: float = 30.0) -> npt.NDArray[np.float32]:
    """What a BubbleView viewer sees: ``image`` blurred, sharp inside a disk of ``radius`` around ``click``.

    The blur is a Gaussian of standard deviation ``blur`` pixels (reflected
    borders); ``click`` is ``(x, y)`` in image pixels, None for no disk (before
    the first click).  The recorder (:func:`course_lib.widgets.bubble_view`)
    sends this blurred image to the browser, which draws the disks itself.

    Examples
    --------
    >>> image = np.zeros((9, 9, 3), np.float32); image[4, 4] = 1
    >>> seen = bubble_view_image(image, blur=2, click=(4, 4), radius=1)
    >>> float(seen[4, 4, 0]), bool(seen[0, 0, 0] < 0.1)
    (1.0, True)
    """
    import cv2

    from course_lib import images

    if isinstance(image, (str, os.PathLike)):
        picture = images.load_image(image)
    else:  # an array: checked under its own name, grey made RGB by the course's loader
        picture = images.load_image(check_image(image, name="image"))
    # the kernel OpenCV builds spans about 8 sigma: a bound keeps it in memory
    blur = check_number(blur, name="blur", minimum=0, maximum=MAX_BLUR, open_minimum=True)
    radius = check_number(radius, name="radius", minimum=0, maximum=1e6, open_minimum=True)
    seen = cv2.GaussianBlur(picture, (0, 0), blur, borderType=cv2.BORDER_REFLECT)
    if click is not None:
        x, y = check_numbers(click, name="click", ndim=(1,)) if np.size(click) == 2 else (None, None)
        if x is None:
            raise ValueError(f"click must be an (x, y) pair or None, got {click!r}")
        rows, cols = np.ogrid[: picture.shape[0], : picture.shape[1]]
        inside = (cols - x) ** 2 + (rows - y) ** 2 <= radius**2
        seen[inside] = picture[inside]
    return seen


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


def _click_row(image: str, viewer: str, point: Sequence[float]) -> list[str]:
    """One CSV row of :data:`CLICK_COLUMNS` (positions to a tenth of a pixel, whole milliseconds)."""
    x, y, t = point
    return [image, viewer, f"{x:.1f}", f"{y:.1f}", f"{t:.0f}"]


def _clicks_table(rows: Iterable[Sequence[str]]) -> bytes:
    """A clicks CSV, header first, as bytes for :func:`course_lib.course_files.write_atomically`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CLICK_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


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
    write_atomically(file, _clicks_table(existing + [_click_row(image, viewer, point) for point in rows]))
    return file


def clicks_output(points: npt.ArrayLike, *, image: str) -> dict[str, object]:
    """A display bundle that keeps a recording in the notebook's outputs (``IPython.display.display(...,
    raw=True)``): the clicks under :data:`CLICKS_MIME`, and one line of text for people."""
    image = _check_name(image, name="image")
    rows = _click_rows(points)
    return {CLICKS_MIME: {"image": image, "clicks": rows.round(1).tolist()},
            "text/plain": f"{len(rows)} click(s) on {image!r} kept in this notebook's output"}


def notebook_clicks(path: str | os.PathLike[str]) -> list[Clicks]:
    """The recordings a notebook keeps in its outputs (:func:`clicks_output`), viewer ``"notebook"``.

    The notebook is read as untrusted JSON: a file over :data:`MAX_NOTEBOOK_BYTES`, not JSON, or with
    malformed outputs gives no recording rather than an error; clicks that are not three finite
    numbers are dropped.
    """
    import json

    file = Path(os.fspath(path))
    try:
        if file.stat().st_size > MAX_NOTEBOOK_BYTES:
            return []
        nb = json.loads(file.read_text(encoding="utf-8"))
        cells = nb.get("cells", []) if isinstance(nb, dict) else []
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return []
    found = []
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs", []) if isinstance(cell, dict) else []
        for output in outputs if isinstance(outputs, list) else []:
            data = output.get("data", {}) if isinstance(output, dict) else {}
            kept = data.get(CLICKS_MIME) if isinstance(data, dict) else None
            if not isinstance(kept, dict) or not isinstance(kept.get("image"), str) or not kept["image"].strip():
                continue
            rows = [row for row in kept.get("clicks", []) if isinstance(row, list) and len(row) == 3
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in row)]
            found.append(Clicks(kept["image"].strip(), "notebook", np.array(rows, dtype=np.float64).reshape(-1, 3)))
    return found


def clicks_map(points: npt.ArrayLike, shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """Clicks (N, 2 or 3: ``x, y[, t_ms]``) as a binary (H, W) fixation map, by
    :func:`course_lib.metrics.load_fixations`'s rule (rounded half up, each pixel once, outside dropped).

    Examples
    --------
    >>> clicks_map([[1.0, 0.0, 5.0], [2.5, 1.5, 9.0], [9.0, 9.0, 12.0]], (3, 4)).astype(int).tolist()
    [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
    """
    shape = check_shape(shape, name="shape")
    rows = _click_rows(points)
    return metrics.load_fixations([("clicks", x, y) for x, y in rows[:, :2]], shapes={"clicks": shape},
                                  out_of_bounds="drop")["clicks"]


def viewer_maps(recordings: Iterable[Clicks], *, image: str,
                shape: tuple[int, int]) -> dict[str, npt.NDArray[np.bool_]]:
    """One binary fixation map per viewer of ``image`` (:func:`course_lib.metrics.load_fixations`'s rule).

    Clicks outside the image are dropped.  Viewers with no click on the image are left out.
    """
    maps: dict[str, npt.NDArray[np.bool_]] = {}
    for recording in recordings:
        if recording.image != image or len(recording.points) == 0:
            continue
        found = clicks_map(recording.points, shape)
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


# --------------------------------------------------------------------------
# A class's recordings: one small saliency benchmark
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassDataset:
    """What :func:`class_dataset` found and wrote."""

    viewers: dict[str, str]
    """Student folder -> the viewer name used in the data set (``viewer-01``... unless names are kept)."""
    consistency: list[dict[str, object]]
    """Per image: ``image, viewers, clicks, inter_observer_auc, inter_observer_nss`` (means over viewers)."""
    scores: list[dict[str, object]]
    """Per image and method: ``image, method, auc_judd, nss`` (means over viewers)."""
    skipped: list[str]
    """Files and images left out, with the reason."""


def _chosen_methods(methods: Sequence[str] | None) -> list[str]:
    """The names of ``methods`` (default: every method of :data:`course_lib.methods.METHODS`), checked."""
    from course_lib.methods import METHODS

    if methods is not None and (isinstance(methods, str) or not isinstance(methods, Iterable)):
        raise TypeError(f"methods must be a sequence of method names, got {type(methods).__name__}")
    chosen = list(METHODS) if methods is None else list(methods)
    unknown = [name for name in chosen if not isinstance(name, str) or name not in METHODS]
    if unknown:
        raise ValueError(f"methods must be names in {sorted(METHODS)}, got {unknown!r}")
    return chosen


def score_recordings(
    recordings: Iterable[Clicks],
    pictures: Mapping[str, npt.ArrayLike],
    *,
    sigma: float | None = None,
    methods: Sequence[str] | None = None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Score saliency methods on human fixations: the small benchmark of :func:`class_dataset`.

    For each image of ``pictures`` that ``recordings`` has fixations on, one
    binary map per viewer (:func:`viewer_maps`); the inter-observer baseline
    (:func:`inter_observer`, AUC-Judd and NSS, mean over viewers) when there
    are two viewers or more; then every method's map (and the
    :data:`CENTRE_PRIOR` baseline) scored on each viewer's fixations, the mean
    over viewers (AUC-Judd, Judd et al. 2009; NSS, Peters et al. 2005).

    Parameters
    ----------
    recordings : iterable of Clicks
        Fixations (or clicks) in pixels of the images in ``pictures``.
    pictures : mapping of str to ndarray
        The images by name, in the course format (:func:`course_lib.images.load_image`).
    sigma : float or None
        Blur in pixels of the other viewers' fixations in the inter-observer
        baseline (the methods' maps are scored on the fixated pixels, unblurred);
        default 1/16 of the image's shorter side (about one degree of visual
        angle, as the MIT benchmark's 35 px at 1024×768).
    methods : sequence of str or None
        Names in :data:`course_lib.methods.METHODS` (default: all).

    Returns
    -------
    consistency, scores : list of dict
        Per image: ``image, viewers, clicks, inter_observer_auc,
        inter_observer_nss``; per image and method: ``image, method,
        auc_judd, nss`` (``""`` where there is nothing to score).
    """
    from course_lib.methods import METHODS

    chosen = _chosen_methods(methods)
    if sigma is not None:
        sigma = check_positive(sigma, name="sigma")
    if not isinstance(pictures, Mapping):
        raise TypeError(f"pictures must map image names to images, got {type(pictures).__name__}")
    if not isinstance(recordings, Iterable) or isinstance(recordings, (str, bytes, Clicks)):
        raise TypeError(f"recordings must be an iterable of Clicks, got {type(recordings).__name__}")
    pooled = list(recordings)
    for index, recording in enumerate(pooled):
        if not isinstance(recording, Clicks):
            raise TypeError(f"recordings[{index}] must be a Clicks, got {type(recording).__name__}")
    consistency: list[dict[str, object]] = []
    scores: list[dict[str, object]] = []
    for image_name in dict.fromkeys(r.image for r in pooled):
        if image_name not in pictures:
            continue
        image = check_image(pictures[image_name], name=f"pictures[{image_name!r}]")
        shape = image.shape[:2]
        blur = 2 * min(shape) / 32 if sigma is None else sigma
        maps = {v: m for v, m in viewer_maps(pooled, image=image_name, shape=shape).items() if m.any()}
        row: dict[str, object] = {"image": image_name, "viewers": len(maps),
                                  "clicks": int(sum(m.sum() for m in maps.values())),
                                  "inter_observer_auc": "", "inter_observer_nss": ""}
        if len(maps) >= 2:
            for metric, key in (("auc_judd", "inter_observer_auc"), ("nss", "inter_observer_nss")):
                found = inter_observer(maps, sigma=blur, metric=metric)
                row[key] = float(np.mean(list(found.values()))) if found else ""
        consistency.append(row)
        candidates = {name: METHODS[name] for name in chosen}
        # the map that never looks at the image (notebook 05, §4.2): what a model must beat
        candidates[CENTRE_PRIOR] = lambda picture: metrics.centre_gaussian(picture.shape[:2], sigma=min(shape) / 4)
        usable = [m for m in maps.values() if not m.all()]
        for name, method in candidates.items():
            saliency = np.asarray(method(image), dtype=np.float32)
            if saliency.shape != shape:
                import cv2

                saliency = cv2.resize(saliency, shape[::-1], interpolation=cv2.INTER_LINEAR)
            scores.append({"image": image_name, "method": name,
                           "auc_judd": float(np.mean([metrics.auc_judd(saliency, m) for m in usable])) if usable else "",
                           "nss": float(np.mean([metrics.nss(saliency, m) for m in usable])) if usable else ""})
    return consistency, scores


def _is_clicks_file(path: Path) -> bool:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return all(column in header for column in CLICK_COLUMNS)


CONSISTENCY_COLUMNS = ("image", "viewers", "clicks", "inter_observer_auc", "inter_observer_nss")
"""Columns of ``consistency.csv`` (:func:`score_recordings`'s first table)."""

SCORE_COLUMNS = ("image", "method", "auc_judd", "nss")
"""Columns of ``scores.csv`` (:func:`score_recordings`'s second table)."""


def _table_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow({key: f"{value:.4f}" if isinstance(value, float) else value for key, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def write_score_tables(out_dir: str | os.PathLike[str], consistency: Iterable[Mapping[str, object]],
                       scores: Iterable[Mapping[str, object]]) -> Path:
    """Write :func:`score_recordings`'s tables as ``consistency.csv`` and ``scores.csv`` in ``out_dir``
    (created; floats with four decimals); returns the folder."""
    out = Path(os.fspath(out_dir))
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "consistency.csv", _table_bytes(CONSISTENCY_COLUMNS, consistency))
    write_atomically(out / "scores.csv", _table_bytes(SCORE_COLUMNS, scores))
    return out


def class_dataset(
    submissions_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    sigma: float | None = None,
    keep_names: bool = False,
    methods: Sequence[str] | None = None,
) -> ClassDataset:
    """Gather every student's BubbleView clicks into one data set and score the course's methods on it.

    Each folder of ``submissions_dir`` is one student (as the grader reads
    them); every recording in it counts as that student's, whatever its
    ``viewer`` column says: those kept in a submitted notebook's outputs
    (:func:`clicks_output`, what notebook 05 does) and every clicks CSV (any
    ``*.csv`` whose header has :data:`CLICK_COLUMNS`).
    Students are anonymised by default: ``viewer-01``, ``viewer-02``... in an
    order drawn from a hash of the folder names, not their alphabetical order.

    Written to ``out_dir``:

    * ``fixations.csv``: the pooled clicks (:data:`CLICK_COLUMNS`);
    * ``consistency.csv``: per image, the number of viewers and clicks and the
      inter-observer AUC-Judd and NSS (:func:`inter_observer`, leave one
      viewer out): how well the others predict one viewer, the ceiling for a model;
    * ``scores.csv``: per image and method of :data:`course_lib.methods.METHODS`
      (or ``methods``), then the :data:`CENTRE_PRIOR` baseline, the mean
      AUC-Judd and NSS of the map on each viewer's clicks.

    Only images the course can load by name (:func:`course_lib.images.load_image`:
    the samples) are scored; others are listed in ``skipped``.

    Parameters
    ----------
    submissions_dir : str or os.PathLike
        One folder per student.
    out_dir : str or os.PathLike
        Folder to write the three tables to (created).
    sigma : float or None
        Blur in pixels of the other viewers' clicks in the inter-observer
        baseline (:func:`score_recordings`); default 1/16 of the image's
        shorter side (32 px for the 512 px samples: about one degree of
        visual angle at a laptop's viewing distance, as the MIT benchmark's
        35 px at 1024×768).
    keep_names : bool
        Use the student folder names as viewer names (for a class that agreed to it).
    methods : sequence of str or None
        Names in :data:`course_lib.methods.METHODS` (default: all).

    Returns
    -------
    ClassDataset
    """
    from course_lib import images

    source = Path(os.fspath(submissions_dir))
    if not source.is_dir():
        raise ValueError(f"submissions_dir must be an existing folder, got {str(source)!r}")
    if not isinstance(keep_names, bool):
        raise TypeError(f"keep_names must be True or False, got {keep_names!r}")
    chosen = _chosen_methods(methods)  # checked before any file is read
    if sigma is not None:
        check_positive(sigma, name="sigma")
    students = sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))
    order = sorted(students, key=lambda name: hashlib.sha256(name.encode("utf-8")).hexdigest())
    viewers = {name: name if keep_names else f"viewer-{rank:02d}" for rank, name in enumerate(order, start=1)}
    skipped: list[str] = []
    pooled: list[Clicks] = []
    for student in students:
        for path in sorted((source / student).rglob("*")):
            hidden = any(part.startswith(".") for part in path.relative_to(source / student).parts)
            if hidden or path.is_symlink() or not path.is_file():  # .ipynb_checkpoints: stale copies
                continue
            if path.suffix == ".ipynb":
                recordings = notebook_clicks(path)
            elif path.suffix == ".csv" and _is_clicks_file(path):
                try:
                    recordings = read_clicks(path)
                except ValueError as error:
                    skipped.append(f"{student}/{path.relative_to(source / student)}: {error}")
                    continue
            else:
                continue
            pooled += [Clicks(r.image, viewers[student], r.points) for r in recordings]
    out = Path(os.fspath(out_dir))
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "fixations.csv", _clicks_table(
        [_click_row(r.image, r.viewer, point) for r in pooled for point in r.points]))
    loaded: dict[str, np.ndarray] = {}
    for image_name in dict.fromkeys(r.image for r in pooled):
        try:
            loaded[image_name] = images.load_image(image_name)
        except (TypeError, ValueError):
            skipped.append(f"image {image_name!r}: not a course sample, so not scored")
    consistency, scores = score_recordings(pooled, loaded, sigma=sigma, methods=chosen)
    write_score_tables(out, consistency, scores)
    return ClassDataset(viewers, consistency, scores, skipped)
