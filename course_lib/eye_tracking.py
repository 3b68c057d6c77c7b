"""Real eye-tracking data read into the course's fixation format, to score the course's methods on.

Used by ``saliency-course eye-tracking`` (mentioned in notebook 05, §5).
The course ships no eye-tracking data and downloads nothing; a student or an
instructor who has a data set on disk reads it here, as its authors lay it out:

* **MIT1003** (Judd, Ehinger, Durand & Torralba 2009, "Learning to predict
  where humans look"): 1003 photographs viewed freely for 3 s by 15 people.
  ``ALLSTIMULI/<name>.jpeg`` and ``ALLFIXATIONMAPS/<name>_fixPts.jpg``, the
  fixations of all viewers pooled into one binary image (white at each
  fixated pixel), stored as JPEG;
* **CAT2000** training set (Borji & Itti 2015): 2000 images in 20
  categories viewed freely for 5 s.  ``Stimuli/<category>/<n>.jpg`` and
  ``FIXATIONLOCS/<category>/<n>.mat``, a MATLAB file whose ``fixLocs``
  matrix is 1 at each fixated pixel (all viewers pooled);
* any data set **pysaliency** (Kümmerer's benchmark package, optional) has
  fetched: :func:`from_pysaliency` turns its ``Stimuli`` and ``Fixations``
  into the course's format with one viewer per subject, so the
  inter-observer ceiling can be computed too.  pysaliency is not a course
  dependency: version 0.2.22, the one on PyPI, imports ``pkg_resources``
  (removed in setuptools 82; ``setuptools<81`` is the pin its deprecation
  warning advised), calls ``np.trapz`` in its AUC (gone from NumPy 2.4, the
  lock's version), and extracts MIT1003 and CAT2000 fixations from the raw
  eye-tracker files with MATLAB or Octave on first download.

The pooled files carry no viewer and no time: their fixations come back as
one recording per image with viewer :data:`POOLED` and ``t_ms`` 0, enough for
AUC-Judd and NSS (which score the pooled map, as the MIT benchmark does) but
not for the inter-observer baseline.

Every reader returns :class:`EyeTrackingData`; :func:`score_data` scores the
course's methods on it with :func:`course_lib.fixations.score_recordings`
(the same tables as a class's BubbleView data set).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from course_lib import fixations
from course_lib._validation import check_choice, check_count, check_number

__all__ = ["EyeTrackingData", "POOLED", "from_pysaliency", "load_pysaliency", "read_cat2000", "read_mit1003",
           "score_data"]

POOLED = "pooled"
"""The viewer name of fixations whose file pools every viewer (MIT1003's and CAT2000's maps)."""

_PYSALIENCY_DATASETS = ("MIT1003", "CAT2000_train")


@dataclass(frozen=True)
class EyeTrackingData:
    """Images and the fixations recorded on them, in the course's format."""

    source: str
    """Which data set and folder the data came from."""
    images: dict[str, Path]
    """Image name -> its file (the name is the file's path under the stimuli folder, without suffix:
    ``name`` for MIT1003, ``category/n`` for CAT2000)."""
    recordings: list[fixations.Clicks]
    """Fixations per image and viewer, ``x, y, t_ms`` in pixels of the image file."""
    skipped: list[str] = field(default_factory=list)
    """Files left out, with the reason."""


def _folder(value: object, *, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder path, got {type(value).__name__}")
    folder = Path(os.fspath(value))
    if not folder.is_dir():
        raise ValueError(f"{name} must be an existing folder, got {str(folder)!r}")
    return folder


def _subfolder(folder: Path, name: str, *, what: str, argument: str) -> Path:
    found = folder / name
    if not found.is_dir():
        raise ValueError(f"{argument} has no {name}/ folder ({what}): is {str(folder)!r} the data set's folder?")
    return found


def _points_of(fixation_map: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """The fixated pixels of a binary map as ``x, y, t_ms`` rows (time unknown: 0)."""
    rows, columns = np.nonzero(fixation_map)
    return np.column_stack([columns, rows, np.zeros(len(rows))]).astype(np.float64)


def _limit(value: object) -> int | None:
    return None if value is None else check_count(value, name="limit", minimum=1)


def read_mit1003(folder: str | os.PathLike[str], *, limit: int | None = None,
                 threshold: float = 128.0) -> EyeTrackingData:
    """Read MIT1003 as its authors distribute it: photographs and their pooled fixation images.

    ``folder`` holds ``ALLSTIMULI/`` (``<name>.jpeg``) and
    ``ALLFIXATIONMAPS/`` (``<name>_fixPts.jpg``: white where any of the 15
    viewers fixated, Judd et al. 2009).  A pixel is a fixation where the
    fixation image is at least ``threshold`` (of 255): JPEG leaves small
    nonzero values around each white pixel, and dims an isolated white pixel
    only a little (the tests write the maps as JPEG at quality 95 and get every
    fixation back).

    Parameters
    ----------
    folder : str or os.PathLike
        The data set's folder.
    limit : int or None
        Read only the first ``limit`` images (in name order).
    threshold : float
        Grey level (0–255) from which a pixel of a ``_fixPts`` image is a fixation.

    Returns
    -------
    EyeTrackingData
        One recording per image, viewer :data:`POOLED`.  Photographs without a
        fixation image (and fixation images that cannot be read) are listed in
        ``skipped``.
    """
    import cv2

    root = _folder(folder, name="folder")
    count = _limit(limit)
    threshold = check_number(threshold, name="threshold", minimum=0.0, maximum=255.0)
    stimuli = _subfolder(root, "ALLSTIMULI", what="the photographs", argument="folder")
    maps = _subfolder(root, "ALLFIXATIONMAPS", what="the fixation images", argument="folder")
    images: dict[str, Path] = {}
    recordings: list[fixations.Clicks] = []
    skipped: list[str] = []
    for path in sorted(stimuli.glob("*.jpeg")):
        if count is not None and len(images) == count:
            break
        points_file = maps / f"{path.stem}_fixPts.jpg"
        if not points_file.is_file():
            skipped.append(f"{path.name}: no {points_file.name}")
            continue
        grey = cv2.imread(str(points_file), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            skipped.append(f"{points_file.name}: not an image OpenCV can read")
            continue
        images[path.stem] = path
        recordings.append(fixations.Clicks(path.stem, POOLED, _points_of(grey >= threshold)))
    return EyeTrackingData(f"MIT1003 ({root})", images, recordings, skipped)


def read_cat2000(folder: str | os.PathLike[str], *, categories: Sequence[str] | None = None,
                 limit: int | None = None) -> EyeTrackingData:
    """Read the CAT2000 training set as its authors distribute it: images and pooled fixation locations.

    ``folder`` (the ``trainSet`` folder) holds ``Stimuli/<category>/<n>.jpg``
    and ``FIXATIONLOCS/<category>/<n>.mat``, whose ``fixLocs`` matrix is
    nonzero at each pixel any viewer fixated (Borji & Itti 2015).
    The ``.mat`` files are read with :func:`scipy.io.loadmat`.

    Parameters
    ----------
    folder : str or os.PathLike
        The training set's folder.
    categories : sequence of str or None
        Category folders to read (e.g. ``["Action", "Indoor"]``); default all.
    limit : int or None
        Read at most ``limit`` images per category (in name order).

    Returns
    -------
    EyeTrackingData
        Images named ``<category>/<n>``, one recording each, viewer :data:`POOLED`.
    """
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    root = _folder(folder, name="folder")
    count = _limit(limit)
    stimuli = _subfolder(root, "Stimuli", what="the images", argument="folder")
    locations = _subfolder(root, "FIXATIONLOCS", what="the fixation locations", argument="folder")
    present = sorted(p.name for p in stimuli.iterdir() if p.is_dir() and not p.name.startswith("."))
    if categories is None:
        chosen = present
    else:
        if isinstance(categories, str) or not all(isinstance(c, str) for c in categories):
            raise TypeError("categories must be a sequence of category names (strings)")
        unknown = [c for c in categories if c not in present]
        if unknown:
            raise ValueError(f"categories {unknown} are not in {str(stimuli)!r}; it has {present}")
        chosen = list(categories)
    images: dict[str, Path] = {}
    recordings: list[fixations.Clicks] = []
    skipped: list[str] = []
    for category in chosen:
        read = 0
        for path in sorted((stimuli / category).glob("*.jpg")):
            if count is not None and read == count:
                break
            name = f"{category}/{path.stem}"
            mat = locations / category / f"{path.stem}.mat"
            try:
                content = loadmat(str(mat))
            except (OSError, ValueError, MatReadError, NotImplementedError) as error:  # missing, not MATLAB, v7.3
                skipped.append(f"{name}: {mat.name} cannot be read ({type(error).__name__})")
                continue
            found = content.get("fixLocs")
            if not isinstance(found, np.ndarray) or found.ndim != 2:
                skipped.append(f"{name}: {mat.name} has no 2-D fixLocs matrix")
                continue
            images[name] = path
            recordings.append(fixations.Clicks(name, POOLED, _points_of(np.asarray(found) != 0)))
            read += 1
    return EyeTrackingData(f"CAT2000 ({root})", images, recordings, skipped)


def from_pysaliency(stimuli: Any, recorded: Any, *, source: str = "pysaliency") -> EyeTrackingData:
    """pysaliency's ``Stimuli`` and ``Fixations`` (or ``FixationTrains``) in the course's format.

    Each fixation ``i`` is on stimulus ``n[i]`` at ``(x[i], y[i])`` pixels
    (pysaliency's convention: x the column, y the row, from 0), seen by
    subject ``subject[i]`` (``subjects`` in pysaliency 0.2) at time ``t[i]``:
    seconds for MIT1003; for CAT2000 pysaliency stores the fixation's index
    there, so ``t_ms`` only orders the fixations.  Images are named by their
    file's path under the stimuli's common folder, without suffix (``name``
    for MIT1003, ``Action/001`` for CAT2000, as the readers name them);
    viewers ``subject-<k>``.  Only stimuli held as files
    (``stimuli.filenames``) can be scored.

    Parameters
    ----------
    stimuli : pysaliency.FileStimuli
        The data set's images.
    recorded : pysaliency.Fixations
        Its fixations.
    source : str
        What to call the data set in the result.
    """
    filenames = getattr(stimuli, "filenames", None)
    if filenames is None:
        raise TypeError("stimuli must be pysaliency FileStimuli (with .filenames)")
    columns = {}
    for key in ("x", "y", "n", "t"):
        if not hasattr(recorded, key):
            raise TypeError(f"recorded must be pysaliency Fixations (with .{key}); it has no .{key}")
        columns[key] = np.asarray(getattr(recorded, key))
    subjects = getattr(recorded, "subject", getattr(recorded, "subjects", None))
    if subjects is None:
        raise TypeError("recorded must be pysaliency Fixations (with .subject or .subjects)")
    columns["subject"] = np.asarray(subjects)
    sizes = {len(values) for values in columns.values()}
    if len(sizes) != 1:
        raise ValueError(f"recorded's x, y, t, n and subject must have one length, got {sorted(sizes)}")
    x, y, t = (np.asarray(columns[key], dtype=np.float64) for key in ("x", "y", "t"))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("recorded's x and y must be finite")
    t_ms = np.where(np.isfinite(t), t * 1000.0, 0.0)
    paths = [Path(os.fspath(name)) for name in filenames]
    common = Path(os.path.commonpath([str(p.parent) for p in paths])) if paths else Path()
    names = [p.with_suffix("").relative_to(common).as_posix() for p in paths]
    numbers = np.asarray(columns["n"]).astype(np.int64)
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= len(names)):
        raise ValueError(f"recorded's n must index the {len(names)} stimuli")
    recordings = []
    order = np.lexsort((t_ms, columns["subject"], numbers))  # by image, viewer, time
    keys = list(zip(numbers[order].tolist(), columns["subject"][order].tolist()))
    start = 0
    for end in range(1, len(order) + 1):
        if end == len(order) or keys[end] != keys[start]:
            chosen = order[start:end]
            image, subject = keys[start]
            recordings.append(fixations.Clicks(names[image], f"subject-{subject}",
                                               np.column_stack([x[chosen], y[chosen], t_ms[chosen]])))
            start = end
    images = {name: Path(os.fspath(path)) for name, path in zip(names, filenames)}
    return EyeTrackingData(source, images, recordings, [])


def load_pysaliency(dataset: str, location: str | os.PathLike[str]) -> EyeTrackingData:
    """Load ``dataset`` through pysaliency (optional), from its cache in ``location`` or downloaded there.

    ``dataset`` is ``"MIT1003"`` (the first, central fixation of each
    viewer dropped, as Judd et al. 2009 do) or ``"CAT2000_train"`` (its
    version 1.1: repeated fixations removed and MATLAB's one-based pixels
    made zero-based).  pysaliency downloads the data on first use (the
    network must allow it) and needs MATLAB or Octave to extract the
    fixations; later calls read its cache.
    """
    dataset = check_choice(dataset, _PYSALIENCY_DATASETS, name="dataset")
    if not isinstance(location, (str, os.PathLike)):
        raise TypeError(f"location must be a folder path, got {type(location).__name__}")
    folder = Path(os.fspath(location))
    try:
        import pysaliency
    except ImportError as error:
        raise ImportError(
            "load_pysaliency needs pysaliency, which the course does not install: "
            "pip install pysaliency 'setuptools<81' (it imports pkg_resources; its AUC also needs 'numpy<2.4'), "
            "and MATLAB or Octave for the "
            f"first download; or read the data set's own files with read_mit1003/read_cat2000 ({error})") from error
    if dataset == "CAT2000_train":
        stimuli, recorded = pysaliency.get_cat2000_train(location=str(folder), version="1.1")
    else:
        stimuli, recorded = pysaliency.get_mit1003(location=str(folder))
    return from_pysaliency(stimuli, recorded, source=f"{dataset} via pysaliency ({folder})")


def score_data(data: EyeTrackingData, out_dir: str | os.PathLike[str] | None = None, *,
               max_side: int = 512, sigma: float | None = None,
               methods: Sequence[str] | None = None) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Score the course's methods on eye-tracking data (:func:`course_lib.fixations.score_recordings`).

    Each image is shrunk so that its longer side is at most ``max_side``
    pixels (the course's methods are made for images of a few hundred pixels;
    CAT2000's are 1920×1080; smaller images are left as they are) and its
    fixations are scaled with it, then rounded to the pixel they fall in.
    ``sigma`` only blurs the other viewers' fixations of the inter-observer
    baseline (default 1/16 of the shrunk image's shorter side); AUC-Judd and
    NSS score each map on the fixated pixels themselves.

    Parameters
    ----------
    data : EyeTrackingData
    out_dir : str, os.PathLike or None
        Where to write ``consistency.csv`` and ``scores.csv`` (not written when None).
    max_side : int
        Longest side the images are scored at.
    sigma, methods
        As :func:`course_lib.fixations.score_recordings`.

    Returns
    -------
    consistency, scores : list of dict
    """
    import cv2

    from course_lib import images as image_files

    if not isinstance(data, EyeTrackingData):
        raise TypeError(f"data must be EyeTrackingData (read_mit1003, read_cat2000...), got {type(data).__name__}")
    longest = check_count(max_side, name="max_side", minimum=16)
    pictures: dict[str, np.ndarray] = {}
    scales: dict[str, float] = {}
    for name in dict.fromkeys(r.image for r in data.recordings):
        if name not in data.images:
            continue
        picture = image_files.load_image(data.images[name])
        scale = min(1.0, longest / max(picture.shape[:2]))
        if scale < 1.0:
            size = (max(1, round(picture.shape[1] * scale)), max(1, round(picture.shape[0] * scale)))
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
        pictures[name], scales[name] = picture, scale
    scaled = []
    for recording in data.recordings:
        if recording.image in scales:
            # a pixel's centre i maps to (i + 0.5) * scale - 0.5 in the shrunk image
            points = recording.points.copy()
            points[:, :2] = (points[:, :2] + 0.5) * scales[recording.image] - 0.5
            scaled.append(fixations.Clicks(recording.image, recording.viewer, points))
    consistency, scores = fixations.score_recordings(scaled, pictures, sigma=sigma, methods=methods)
    if out_dir is not None:
        fixations.write_score_tables(out_dir, consistency, scores)
    return consistency, scores
