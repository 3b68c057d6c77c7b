"""Input checks shared by every public function of course_lib.

Each check raises ``TypeError`` or ``ValueError`` whose message names the
argument, what it takes and what it got, so that a student sees at once which
call was wrong.  Checks never modify their input.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import numpy.typing as npt


def check_array(value: object, *, name: str) -> np.ndarray:
    """Return ``value`` as an ndarray or raise ``TypeError`` naming ``name``."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
    return value


def check_image(
    image: object,
    *,
    ndim: Iterable[int] = (2, 3),
    name: str = "image",
    channels: int | None = 3,
    unit_range: bool = False,
) -> npt.NDArray[np.floating]:
    """Check an image and return it as a float array (a view where possible).

    Parameters
    ----------
    image : ndarray
        Candidate image.
    ndim : iterable of int
        Accepted numbers of dimensions.
    name : str
        Argument name used in error messages.
    channels : int or None
        Required size of the last axis of a 3-D image; ``None`` accepts any.
    unit_range : bool
        Also require every value in [0, 1] (as :func:`check_unit_range`, in
        one pass with the finiteness check: NaN fails ``min >= 0``).

    Returns
    -------
    ndarray
        ``image`` itself when it is already floating point, otherwise a
        float32 copy.  Callers must not write into it.

    Raises
    ------
    TypeError
        If ``image`` is not an array, or its dtype is not numeric.
    ValueError
        If the shape, size or values are not acceptable.
    """
    array = check_array(image, name=name)
    allowed = tuple(ndim)
    if array.ndim not in allowed:
        shapes = " or ".join("(H, W)" if d == 2 else "(H, W, C)" for d in allowed)
        raise ValueError(f"{name} must have shape {shapes}, got shape {array.shape}")
    if array.size == 0 or min(array.shape[:2]) == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if array.ndim == 3 and channels is not None and array.shape[2] != channels:
        raise ValueError(
            f"{name} must have {channels} channels in its last axis, got shape {array.shape}"
        )
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must have a numeric dtype, got {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
    if unit_range and 0.0 <= array.min() and array.max() <= 1.0:
        return array  # NaN would have failed a comparison, ±inf the range
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must not contain NaN or inf")
    if unit_range:
        check_unit_range(array, name=name)
    return array


def check_unit_range(image: np.ndarray, *, name: str = "image") -> None:
    """Raise ``ValueError`` unless every value of a float ``image`` lies in [0, 1]."""
    low, high = float(image.min()), float(image.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{name} must have values in [0, 1], got range [{low:.4g}, {high:.4g}]; "
            "use course_lib.images.load_image to convert integer or other images"
        )


def check_positive(value: float, *, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not np.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return number


def check_count(value: object, *, name: str, minimum: int = 0) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum`` (bools refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_choice(value: object, choices: Iterable[str], *, name: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    options = tuple(choices)
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value  # type: ignore[return-value]


def check_same_shape(a: np.ndarray, b: np.ndarray, *, names: tuple[str, str]) -> None:
    """Raise ``ValueError`` unless two maps have the same (H, W) shape."""
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same height and width, "
            f"got {a.shape[:2]} and {b.shape[:2]}; resize one of them first"
        )
