"""Loading, checking and converting images.

Used in notebook 00 (§1) and by every later notebook: all of course_lib takes
images as float32 arrays of shape (H, W, 3), RGB, values in [0, 1].  This
module is the only place where other formats are converted to that one: grey,
RGBA, integer dtypes, files on disk, OpenCV's BGR order and torch tensors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Union

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import check_array, check_count, check_image

ImageSource = Union[str, os.PathLike, np.ndarray]

# ITU-R BT.601 luma weights, the ones cv2.COLOR_RGB2GRAY uses.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# --------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------
def _skimage_sample(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data

        return getattr(data, name)()

    return load


def _disk_array(
    *, target_colour: tuple[float, float, float], other_colour: tuple[float, float, float]
) -> np.ndarray:
    """A 5×5 grid of disks on mid grey; the one at row 1, col 3 is the odd one."""
    size, cell = 320, 64
    image = np.full((size, size, 3), 0.5, dtype=np.float32)
    rows, cols = np.mgrid[0:size, 0:size]
    for i in range(5):
        for j in range(5):
            centre = (cell * i + cell // 2, cell * j + cell // 2)
            inside = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= 18**2
            image[inside] = target_colour if (i, j) == (1, 3) else other_colour
    return image


def _colour_pop_out() -> np.ndarray:
    return _disk_array(target_colour=(0.9, 0.1, 0.1), other_colour=(0.1, 0.7, 0.1))


def _orientation_pop_out() -> np.ndarray:
    """Vertical white bars on black with one horizontal bar at row 2, col 1."""
    size, cell, half_long, half_short = 320, 64, 20, 4
    image = np.zeros((size, size, 3), dtype=np.float32)
    for i in range(5):
        for j in range(5):
            r, c = cell * i + cell // 2, cell * j + cell // 2
            if (i, j) == (2, 1):
                image[r - half_short : r + half_short, c - half_long : c + half_long] = 1.0
            else:
                image[r - half_long : r + half_long, c - half_short : c + half_short] = 1.0
    return image


def _textured_square() -> np.ndarray:
    """A mid-grey square of fine noise texture on a smooth vertical ramp."""
    rng = np.random.default_rng(0)
    size = 256
    ramp = np.linspace(0.2, 0.8, size, dtype=np.float32)[:, None]
    grey = np.repeat(ramp, size, axis=1)
    grey[96:160, 96:160] = rng.uniform(0.3, 0.7, (64, 64)).astype(np.float32)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _smooth_field() -> np.ndarray:
    """Grey noise blurred with a Gaussian of σ = 16 px, stretched to [0, 1]."""
    noise = np.random.default_rng(1).random((512, 512)).astype(np.float32)
    field = cv2.GaussianBlur(noise, (0, 0), 16)
    field = (field - field.min()) / (field.max() - field.min())
    return np.repeat(field[:, :, None], 3, axis=2)


def _uniform_noise() -> np.ndarray:
    grey = np.random.default_rng(2).random((512, 512)).astype(np.float32)
    return np.repeat(grey[:, :, None], 3, axis=2)


SAMPLES: dict[str, Callable[[], np.ndarray]] = {
    # Natural photographs shipped inside the scikit-image wheel (no download).
    "astronaut": _skimage_sample("astronaut"),
    "cat": _skimage_sample("chelsea"),
    "coffee": _skimage_sample("coffee"),
    "rocket": _skimage_sample("rocket"),
    "camera": _skimage_sample("camera"),
    # Generated test patterns.
    "colour_pop_out": _colour_pop_out,
    "orientation_pop_out": _orientation_pop_out,
    "textured_square": _textured_square,
    "smooth_field": _smooth_field,
    "uniform_noise": _uniform_noise,
}
"""Sample images by name: a few photographs and generated test patterns.

Every entry loads offline; ``load_image(name)`` returns it in the course format.
"""


def _motorcycle() -> np.ndarray:
    from skimage import data

    return data.stereo_motorcycle()[0]  # (left view, right view, disparity): the left photograph


_PHOTOGRAPH_SOURCES: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": SAMPLES["astronaut"],
    "cat": SAMPLES["cat"],
    "coffee": SAMPLES["coffee"],
    "rocket": SAMPLES["rocket"],
    "motorcycle": _motorcycle,
}

PHOTOGRAPHS: tuple[str, ...] = tuple(_PHOTOGRAPH_SOURCES)
"""Names of the colour photographs :func:`photograph` prepares for ImageNet networks.

They ship inside the scikit-image wheel (no download): ``astronaut``
(Eileen Collins), ``cat`` (``chelsea``), ``coffee``, ``rocket`` and
``motorcycle`` (the left view of ``stereo_motorcycle``).  The first four are
also :data:`SAMPLES`, under the same names.
"""


def photograph(name: str, *, size: int = 224) -> npt.NDArray[np.float32]:
    """A photograph resized and centre-cropped for an ImageNet network.

    The evaluation preprocessing of ImageNet classifiers: the shorter side is
    resized to :math:`\\operatorname{round}(256 \\cdot s / 224)` (256 for
    ``size=224``), keeping the aspect ratio, then the central ``size × size``
    square is cut out.  Notebook 06 (saliency of photographs); turn it into
    a (1, 3, size, size) tensor with :func:`to_tensor`.

    Parameters
    ----------
    name : str
        One of :data:`PHOTOGRAPHS`.
    size : int
        Side of the square result in pixels, 1 to 4096 (224 for the course's
        ImageNet model, :func:`course_lib.models.load_model` ``("imagenet")``).

    Returns
    -------
    ndarray of float32, shape (size, size, 3)
        RGB in [0, 1], a new array.

    Raises
    ------
    TypeError
        If ``name`` is not a string or ``size`` not an integer.
    ValueError
        If ``name`` is not in :data:`PHOTOGRAPHS` or ``size`` is out of range.

    Notes
    -----
    Convention: ``cv2.resize`` with ``INTER_AREA`` when shrinking (the
    course's rule, as :func:`course_lib.pyramids.across_scale_add`) and
    ``INTER_LINEAR`` when enlarging; the longer side becomes
    ``round(long · 256 / short)``; the crop starts at
    ``⌊(side − size) / 2⌋`` (torchvision's ``CenterCrop`` rounds that half
    pixel instead).  TensorFlow's EfficientNet evaluation crops the central
    224/256 of the shorter side first and resizes after (bicubic): the same
    region to within a pixel.

    Examples
    --------
    >>> cat = photograph("cat")
    >>> cat.shape, cat.dtype, bool(cat.min() >= 0 and cat.max() <= 1)
    ((224, 224, 3), dtype('float32'), True)
    >>> photograph("rocket", size=64).shape
    (64, 64, 3)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {PHOTOGRAPHS}, got {type(name).__name__}")
    if name not in _PHOTOGRAPH_SOURCES:
        raise ValueError(f"name must be one of {PHOTOGRAPHS}, got {name!r}")
    size = check_count(size, name="size", minimum=1, maximum=4096)
    image = _array_to_rgb(_PHOTOGRAPH_SOURCES[name](), name=f"photograph {name!r}")  # (H, W, 3) in [0, 1]
    rows, cols = image.shape[:2]
    short = max(size, round(256 * size / 224))  # the resized shorter side
    scale = short / min(rows, cols)
    new_rows, new_cols = max(short, round(rows * scale)), max(short, round(cols * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_cols, new_rows), interpolation=interpolation)  # (new_rows, new_cols, 3)
    top, left = (new_rows - size) // 2, (new_cols - size) // 2
    crop = resized[top : top + size, left : left + size]  # (size, size, 3)
    return np.ascontiguousarray(np.clip(crop, 0.0, 1.0), dtype=np.float32)


# --------------------------------------------------------------------------
# conversions
# --------------------------------------------------------------------------
def _to_unit_float(array: np.ndarray, name: str) -> np.ndarray:
    """Decide by dtype (uint8 /255, uint16 /65535, bool 0/1, floats in [0, 1])."""
    return check_image(array, ndim=(array.ndim,), name=name, channels=None).astype(np.float32)


def load_image(src: ImageSource) -> npt.NDArray[np.float32]:
    """Load an image in the course format: float32 (H, W, 3) RGB in [0, 1].

    Parameters
    ----------
    src : str, path-like or ndarray
        A sample name from :data:`SAMPLES`, the path of an image file that
        OpenCV can read, or an array: grey (H, W), (H, W, 1), RGB (H, W, 3)
        or RGBA (H, W, 4), with dtype uint8 (/255), uint16 (/65535), bool
        (0/1) or float in [0, 1].

    Returns
    -------
    ndarray of float32, shape (H, W, 3)
        A new array (the input is never modified or aliased).

    Raises
    ------
    TypeError
        If ``src`` is neither a string, a path nor an array, or has an
        unsupported dtype.
    ValueError
        If an array has the wrong shape, is empty, holds NaN/inf or
        out-of-range floats; if a string is neither a sample nor a file;
        or if a file cannot be decoded as an image.

    Notes
    -----
    Convention: grey is repeated into three channels; the alpha channel of
    RGBA is dropped (not composited); files are read with OpenCV and turned
    from BGR into RGB here, so BGR never leaves this module.

    Examples
    --------
    >>> image = load_image("colour_pop_out")
    >>> image.shape, image.dtype
    ((320, 320, 3), dtype('float32'))
    >>> load_image(np.array([[0, 255]], dtype=np.uint8)).tolist()
    [[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]
    """
    if isinstance(src, (str, os.PathLike)):
        return _load_named(src)
    if not isinstance(src, np.ndarray):
        raise TypeError(
            f"src must be a sample name, a file path or a numpy array, got {type(src).__name__}"
        )
    return _array_to_rgb(src, name="src")


def _load_named(src: str | os.PathLike) -> np.ndarray:
    if isinstance(src, str) and src in SAMPLES:
        return _array_to_rgb(SAMPLES[src](), name=f"sample {src!r}")
    path = Path(src)
    if not path.is_file():
        raise ValueError(
            f"src {str(src)!r} is neither a sample name ({', '.join(SAMPLES)}) "
            "nor an existing file"
        )
    # np.fromfile + imdecode rather than cv2.imread: imread silently returns
    # None on failure and cannot read non-ASCII paths on every platform.
    raw = np.fromfile(path, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    except cv2.error as error:  # e.g. a header declaring more than OpenCV's 2**30 pixels
        raise ValueError(f"src {str(path)!r} could not be read as an image (OpenCV: {error.err})") from None
    if decoded is None:
        raise ValueError(f"src {str(path)!r} could not be read as an image")
    if decoded.ndim == 3:
        code = cv2.COLOR_BGRA2RGBA if decoded.shape[2] == 4 else cv2.COLOR_BGR2RGB
        decoded = cv2.cvtColor(decoded, code)
    return _array_to_rgb(decoded, name=f"file {str(path)!r}")


def _array_to_rgb(array: np.ndarray, *, name: str) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] in (1, 3, 4):
        pass
    elif array.ndim != 2:
        raise ValueError(
            f"{name} must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
            f"got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    unit = _to_unit_float(array, name)
    if unit.ndim == 2:
        unit = unit[:, :, None]
    if unit.shape[2] == 1:
        unit = np.repeat(unit, 3, axis=2)
    elif unit.shape[2] == 4:
        unit = unit[:, :, :3]
    return np.array(unit, dtype=np.float32, copy=True, order="C")


def to_grey(image: np.ndarray, *, weights: str = "luma") -> npt.NDArray[np.float32]:
    """Convert an RGB image to grey.

    .. math:: Y = 0.299 R + 0.587 G + 0.114 B \\quad \\text{(ITU-R BT.601, ``"luma"``)}

    or the plain mean :math:`(R + G + B)/3` (``"mean"``), the intensity
    channel of Itti, Koch & Niebur (1998).

    Parameters
    ----------
    image : ndarray, shape (H, W, 3) or (H, W)
        RGB image in [0, 1]; a grey image is returned as a float32 copy.
    weights : {"luma", "mean"}
        Channel weighting.

    Returns
    -------
    ndarray of float32, shape (H, W), values in [0, 1]

    Notes
    -----
    Convention: ``"luma"`` matches ``cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)``
    on float32 input.

    Examples
    --------
    >>> red = np.zeros((1, 1, 3), np.float32); red[..., 0] = 1
    >>> round(float(to_grey(red)[0, 0]), 3), round(float(to_grey(red, weights="mean")[0, 0]), 3)
    (0.299, 0.333)
    """
    checked = check_image(image, ndim=(2, 3))
    if weights not in ("luma", "mean"):
        raise ValueError(f"weights must be 'luma' or 'mean', got {weights!r}")
    if checked.ndim == 2:
        return checked.astype(np.float32, copy=True)
    if weights == "mean":
        return checked.mean(axis=2, dtype=np.float32)
    # cv2.transform computes each pixel alike whatever the image size (a matmul's
    # BLAS kernel, and so its rounding, changes with the number of pixels)
    return cv2.transform(np.ascontiguousarray(checked, dtype=np.float32), LUMA_WEIGHTS.reshape(1, 3))


def to_uint8(image: np.ndarray) -> npt.NDArray[np.uint8]:
    """Quantise a float image in [0, 1] to uint8 by rounding ``x * 255``.

    Examples
    --------
    >>> to_uint8(np.array([0.0, 0.5, 1.0])).tolist()
    [0, 128, 255]
    """
    checked = check_image(image, ndim=(1, 2, 3), channels=None)
    return np.clip(np.rint(checked * 255.0), 0, 255).astype(np.uint8)


def rgb_to_bgr(image: np.ndarray) -> np.ndarray:
    """Reverse the channel order, RGB → BGR (OpenCV's order); returns a copy.

    Examples
    --------
    >>> rgb_to_bgr(np.array([[[1, 2, 3]]])).tolist()
    [[[3, 2, 1]]]
    """
    array = check_array(image, name="image")
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3), got shape {array.shape}")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(f"image must have a real numeric dtype, got {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError("image must not contain NaN or inf")
    return np.ascontiguousarray(array[:, :, ::-1])


bgr_to_rgb = rgb_to_bgr
"""BGR → RGB; the same channel reversal as :func:`rgb_to_bgr`."""


def to_opencv(image: np.ndarray) -> npt.NDArray[np.uint8]:
    """Course image (float RGB in [0, 1]) → OpenCV's uint8 BGR (or grey)."""
    quantised = to_uint8(image)
    return rgb_to_bgr(quantised) if quantised.ndim == 3 else quantised


def from_opencv(image: np.ndarray) -> npt.NDArray[np.float32]:
    """OpenCV's BGR (or grey) image of any supported dtype → course format."""
    array = check_array(image, name="image")
    if array.ndim == 3 and array.shape[2] == 3:
        array = bgr_to_rgb(array)
    return _array_to_rgb(array, name="image")


def to_tensor(image: np.ndarray):  # -> torch.Tensor
    """(H, W, C) or (N, H, W, C) image → a new float32 tensor (N, C, H, W).

    Integer and bool images are scaled by their dtype's range (as
    :func:`load_image` does); float images must be finite.  The tensor never
    shares memory with ``image``.

    Examples
    --------
    >>> tuple(to_tensor(np.zeros((4, 5, 3), np.float32)).shape)
    (1, 3, 4, 5)
    >>> to_tensor(np.full((1, 1, 1), 255, np.uint8)).flatten().tolist()
    [1.0]
    """
    import torch

    array = check_array(image, name="image")
    if array.ndim not in (3, 4):
        raise ValueError(f"image must have shape (H, W, C) or (N, H, W, C), got {array.shape}")
    array = check_image(array, ndim=(3, 4), channels=None, unit_range=False)
    if array.ndim == 3:
        array = array[None]
    # (N, H, W, C) -> (N, C, H, W); np.array copies, so the caller's array is never aliased
    return torch.from_numpy(np.array(array.transpose(0, 3, 1, 2), dtype=np.float32, order="C", copy=True))


def to_numpy(tensor) -> np.ndarray:
    """Tensor (N, C, H, W) → float32 array (N, H, W, C); (N, H, W) maps stay (N, H, W).

    Examples
    --------
    >>> import torch
    >>> to_numpy(torch.zeros(2, 3, 4, 5)).shape
    (2, 4, 5, 3)
    """
    import torch

    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(f"tensor must be real and numeric, got dtype {tensor.dtype}")
    array = tensor.detach().cpu().numpy().astype(np.float32)
    if not np.isfinite(array).all():
        raise ValueError("tensor must not contain NaN or inf (or values beyond float32)")
    if array.ndim == 4:
        return np.ascontiguousarray(array.transpose(0, 2, 3, 1))
    return array
