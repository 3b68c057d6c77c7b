"""Input checks shared by every public function of course_lib.

One checker per kind of argument, one exception type per kind of mistake:

- a value of the wrong *type* (a list where an array is needed, a float
  where a count is needed, an unsupported dtype) raises ``TypeError``;
- a value of the right type but a bad *value* (wrong shape, empty, NaN or
  inf, out of range) raises ``ValueError``.

Every message names the argument, what it takes and what it got, so that a
student sees at once which call was wrong.  Checks never modify their input;
they return either the input itself or a new array.

Images are decided by dtype, as scikit-image does (``img_as_float``):

======================  ==================================================
dtype                   meaning
======================  ==================================================
uint8                   divided by 255
uint16                  divided by 65535
bool                    0 and 1
float16/32/64           kept (float16 becomes float32); must be finite and
                        in [0, 1]: a float image in [0, 255] is ambiguous
                        and refused with a hint to ``images.load_image``
other integers          refused (``TypeError``): int8/int16/int32/int64,
                        uint32/uint64 have no agreed image range (``np.array
                        ([[0, 255]])`` is int64), so the caller says which
======================  ==================================================

Maps (saliency maps, densities, fixation maps, feature maps) are numbers, not
intensities: :func:`check_map` keeps their values (integers and bools are cast
to float32, never scaled) and only requires them to be finite.

Numpy integer and float scalars are accepted wherever Python ``int`` and
``float`` are; ``bool`` is never a number here.
"""

from __future__ import annotations

import math
from typing import Iterable, Union

import numpy as np
import numpy.typing as npt

SeedLike = Union[int, np.integer, np.random.Generator, np.random.SeedSequence, None]

MAX_IMAGE_PIXELS = 2**26
"""Largest H·W (or N·H·W) an argument may ask for (an 8k × 8k image, 0.8 GB as float32 RGB): bounds memory."""

MAX_ITERATIONS = 100_000
"""Most steps, samples or iterations an iterative method accepts: bounds its loop."""

MAX_SIGMA = 1e6
"""Largest Gaussian σ in pixels an analytic formula accepts (σ² stays far from overflow)."""

_HINT = "use course_lib.images.load_image to convert integer or other images"


# --------------------------------------------------------------------------
# arrays
# --------------------------------------------------------------------------
def check_array(value: object, *, name: str) -> np.ndarray:
    """Return ``value`` if it is an ndarray, else raise ``TypeError`` naming ``name``."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
    return value


def _check_layout(array: np.ndarray, ndim: tuple[int, ...], name: str, channels: int | None) -> None:
    if array.ndim not in ndim:
        layouts = {1: "(N,)", 2: "(H, W)", 3: "(H, W, C)", 4: "(N, H, W, C)"}
        shapes = " or ".join(layouts.get(d, f"{d}-D") for d in ndim)
        raise ValueError(f"{name} must have shape {shapes}, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if array.ndim == 3 and channels is not None and array.shape[2] != channels:
        raise ValueError(
            f"{name} must have {channels} channels in its last axis, got shape {array.shape}"
        )


def _check_real_dtype(array: np.ndarray, name: str) -> None:
    if array.dtype == bool:
        return
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must have a numeric dtype, got {array.dtype}")


def _check_finite(array: np.ndarray, name: str, allow_minus_inf: bool = False) -> None:
    if not np.issubdtype(array.dtype, np.floating) or np.isfinite(array).all():
        return
    if allow_minus_inf and not (np.isnan(array).any() or np.isposinf(array).any()):
        return
    allowed = " (-inf marks inhibited locations)" if allow_minus_inf else ""
    raise ValueError(f"{name} must not contain NaN or +inf{allowed}" if allow_minus_inf else f"{name} must not contain NaN or inf")


def image_as_float(array: np.ndarray, *, name: str = "image") -> npt.NDArray[np.floating]:
    """An image array of any supported dtype as floats in [0, 1] (dtype rule above).

    Floats are returned as they are (float16 as float32, without a range
    check); uint8, uint16 and bool become new float32 arrays.

    Examples
    --------
    >>> image_as_float(np.array([0, 51, 255], np.uint8)).tolist()
    [0.0, 0.20000000298023224, 1.0]
    >>> image_as_float(np.array([True, False])).tolist()
    [1.0, 0.0]
    """
    _check_real_dtype(array, name)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255.0)
    if array.dtype == np.uint16:
        return array.astype(np.float32) / np.float32(65535.0)
    if array.dtype == bool:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"{name} must be uint8, uint16, bool or floating point in [0, 1], got dtype "
            f"{array.dtype}; convert it first, e.g. image.astype(np.uint8) for values in [0, 255]"
        )
    if array.dtype == np.float16:
        return array.astype(np.float32)
    return array


def check_image(
    image: object,
    *,
    ndim: Iterable[int] = (2, 3),
    name: str = "image",
    channels: int | None = 3,
    unit_range: bool = True,
) -> npt.NDArray[np.floating]:
    """Check an image and return it as floats in [0, 1], decided by dtype.

    Parameters
    ----------
    image : ndarray
        Candidate image: uint8, uint16, bool or float (see the module's table).
    ndim : iterable of int
        Accepted numbers of dimensions.
    name : str
        Argument name used in error messages.
    channels : int or None
        Required size of the last axis of a 3-D image; ``None`` accepts any.
    unit_range : bool
        Require float values in [0, 1] (the course format).  ``False`` is for
        linear filters (pyramids) that take any finite map as well as images:
        integers are still scaled by their dtype's range.

    Returns
    -------
    ndarray of float32 or float64
        ``image`` itself when it is float32/float64, otherwise a new float32
        array.  Callers must not write into it.

    Raises
    ------
    TypeError
        If ``image`` is not an array, or its dtype is not uint8, uint16, bool
        or floating point.
    ValueError
        If the shape is not accepted, it is empty, or it holds NaN, inf or
        (with ``unit_range``) float values outside [0, 1].

    Examples
    --------
    >>> check_image(np.array([[0, 255]], np.uint8)).tolist()
    [[0.0, 1.0]]
    >>> check_image(np.array([[0.0, 255.0]]))
    Traceback (most recent call last):
    ...
    ValueError: image must have values in [0, 1], got range [0, 255]; use course_lib.images.load_image to convert integer or other images
    """
    array = check_array(image, name=name)
    _check_layout(array, tuple(ndim), name, channels)
    array = image_as_float(array, name=name)
    if unit_range and 0.0 <= array.min() and array.max() <= 1.0:
        return array  # NaN fails a comparison, ±inf the range
    _check_finite(array, name)
    if unit_range:
        check_unit_range(array, name=name)
    return array


def check_map(
    values: object,
    *,
    ndim: Iterable[int] = (2,),
    name: str = "saliency_map",
    channels: int | None = None,
    allow_minus_inf: bool = False,
) -> npt.NDArray[np.floating]:
    """Check a map of numbers (saliency, density, fixations, features): real and finite.

    Unlike :func:`check_image`, values are kept as they are: integers and
    bools become float32 without scaling (a map's values are scores or
    counts, not intensities), floats are returned unchanged.

    ``allow_minus_inf`` accepts −inf (the inhibited locations of a
    winner-take-all map) while still refusing NaN and +inf.

    Raises
    ------
    TypeError
        If ``values`` is not an array or not real-valued.
    ValueError
        If its shape is not accepted, it is empty, or holds NaN or inf.

    Examples
    --------
    >>> check_map(np.array([[0, 3]], np.uint8)).tolist()
    [[0.0, 3.0]]
    """
    array = check_array(values, name=name)
    _check_layout(array, tuple(ndim), name, channels)
    _check_real_dtype(array, name)
    if not np.issubdtype(array.dtype, np.floating) or array.dtype == np.float16:
        return array.astype(np.float32)
    _check_finite(array, name, allow_minus_inf)
    return array


def check_numbers(values: object, *, name: str, ndim: Iterable[int] | None = None) -> np.ndarray:
    """Return a number, list or array of finite real numbers as a float64 array.

    Examples
    --------
    >>> check_numbers([1, 2.5], name="curve").tolist()
    [1.0, 2.5]
    """
    if isinstance(values, (str, bytes, dict)) or values is None:
        raise TypeError(f"{name} must be a number, list or array of numbers, got {type(values).__name__}")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):  # ragged lists
        raise TypeError(f"{name} must be a list or array of numbers, got {str(values)[:60]}") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if ndim is not None and array.ndim not in tuple(ndim):
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimension(s), got shape {array.shape}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return array


def check_unit_range(image: np.ndarray, *, name: str = "image") -> None:
    """Raise ``ValueError`` unless every value of a float ``image`` lies in [0, 1]."""
    low, high = float(image.min()), float(image.max())
    if not (0.0 <= low and high <= 1.0):
        raise ValueError(f"{name} must have values in [0, 1], got range [{low:.4g}, {high:.4g}]; {_HINT}")


def check_same_shape(a: np.ndarray, b: np.ndarray, *, names: tuple[str, str]) -> None:
    """Raise ``ValueError`` unless two maps have the same (H, W) shape."""
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same height and width, "
            f"got {a.shape[:2]} and {b.shape[:2]}; resize one of them first"
        )


def check_shape(shape: object, *, name: str = "shape", max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """Return an (H, W) pair of integers >= 1 whose product is at most ``max_pixels``.

    Any sequence of two integers is accepted (tuple, list, ndarray of ints).

    Examples
    --------
    >>> check_shape((np.int64(4), 5))
    (4, 5)
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or not hasattr(shape, "__iter__"):
        raise TypeError(f"{name} must be a pair of integers (H, W), got {type(shape).__name__}")
    if len(shape) != 2:  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a pair of integers (H, W), got {shape!r}")
    rows, cols = (check_count(v, name=name, minimum=1) for v in shape)  # type: ignore[union-attr]
    if rows * cols > max_pixels:
        raise ValueError(f"{name} must have at most {max_pixels} pixels, got {shape!r}")
    return rows, cols


# --------------------------------------------------------------------------
# scalars
# --------------------------------------------------------------------------
def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_count(value: object, *, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` as int if it is an integer in [minimum, maximum] (bools refused).

    Python and numpy integers are accepted; floats are refused even when
    integral (``3.0``), as ``range`` does.

    Examples
    --------
    >>> check_count(np.int64(3), name="n", minimum=1)
    3
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    number = int(value)  # type: ignore[arg-type]
    if number < minimum:  # name the bound that was crossed
        raise ValueError(f"{name} must be an integer >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be an integer >= {minimum} and <= {maximum}, got {number}")
    return number


def check_number(
    value: object,
    *,
    name: str,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    open_minimum: bool = False,
    open_maximum: bool = False,
) -> float:
    """Return ``value`` as a finite float within the given bounds.

    Examples
    --------
    >>> check_number(np.float32(0.5), name="theta")
    0.5
    """
    if not _is_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)  # type: ignore[arg-type]
    too_low = number <= minimum if open_minimum else number < minimum
    too_high = number >= maximum if open_maximum else number > maximum
    if not math.isfinite(number) or too_low or too_high:
        low = f"{'>' if open_minimum else '>='} {minimum:g}" if math.isfinite(minimum) else ""
        high = f"{'<' if open_maximum else '<='} {maximum:g}" if math.isfinite(maximum) else ""
        # below the minimum: name that bound first, as check_positive does
        bound = " and ".join(part for part in (low, high) if part)
        raise ValueError(f"{name} must be a finite number{' ' + bound if bound else ''}, got {value!r}")
    return number


def check_positive(value: object, *, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is a finite number > 0 (or >= 0)."""
    if not _is_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return number


def check_probability(value: object, *, name: str, open_low: bool = False, open_high: bool = False) -> float:
    """Return ``value`` as float if it is a number in [0, 1] (ends open on request).

    Examples
    --------
    >>> check_probability(0.25, name="quantile", open_low=True)
    0.25
    """
    return check_number(value, name=name, minimum=0.0, maximum=1.0, open_minimum=open_low, open_maximum=open_high)


def check_choice(value: object, choices: Iterable[str], *, name: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    options = tuple(choices)
    try:
        ok = value in options
    except Exception:  # an array compared with strings, an unhashable value
        ok = False
    if not ok or not isinstance(value, str):
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_seed(seed: object, *, name: str = "seed", allow_none: bool = False) -> SeedLike:
    """Return ``seed`` if it is an integer >= 0, a numpy Generator or SeedSequence (or None).

    Examples
    --------
    >>> check_seed(np.int64(7))
    7
    """
    if seed is None and allow_none:
        return None
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if not _is_int(seed):
        kinds = "an integer >= 0, a numpy Generator or SeedSequence" + (", or None" if allow_none else "")
        raise TypeError(f"{name} must be {kinds}, got {type(seed).__name__}")
    return check_count(seed, name=name, minimum=0)


def as_generator(seed: object, *, name: str = "seed", allow_none: bool = False) -> np.random.Generator:
    """A numpy Generator from a seed :func:`check_seed` accepts (a Generator is returned as is).

    Examples
    --------
    >>> float(as_generator(0).random()) == float(np.random.default_rng(0).random())
    True
    """
    checked = check_seed(seed, name=name, allow_none=allow_none)
    if isinstance(checked, np.random.Generator):
        return checked
    return np.random.default_rng(checked)


# --------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------
def check_tensor(x: object, *, name: str = "x", ndim: int = 4):  # -> torch.Tensor
    """A finite floating-point tensor of ``ndim`` dimensions (B, C, H, W by default).

    float64 (and float16) tensors are accepted and returned as they are; the
    attribution methods convert to the model's dtype themselves.
    """
    import torch

    if not isinstance(x, torch.Tensor):
        hint = "; convert images with course_lib.images.to_tensor" if isinstance(x, np.ndarray) else ""
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, C, H, W), got {type(x).__name__}{hint}")
    if x.ndim != ndim:
        raise ValueError(f"{name} must have shape (B, C, H, W), got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one example, got shape {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must not contain NaN or inf")
    return x


def written_into(result: object, dst: np.ndarray, *, call: str) -> np.ndarray:
    """``dst``, after checking that the OpenCV call ``call`` wrote its result there.

    A cv2 function given ``dst=`` returns that very array when it wrote into
    it, and a new array when it did not (OpenCV 5.1 reads a 1×1 array beside a
    Python scalar as two scalars and returns a 4×1 result, leaving ``dst``
    untouched).  A scratch map from ``np.empty`` would then leak unwritten
    memory; here a new result of ``dst``'s shape is copied in and any other
    raises, so no element of ``dst`` is ever unwritten.
    """
    if result is dst:
        return dst
    result = np.asarray(result)
    if result.shape != dst.shape:
        raise RuntimeError(
            f"cv2.{call} returned a {result.shape} array instead of writing its {dst.shape} output "
            "(an OpenCV version that treats this shape differently); please report it"
        )
    np.copyto(dst, result)
    return dst
