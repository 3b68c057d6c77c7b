"""Dyadic Gaussian and Laplacian pyramids and the across-scale operators.

Used in notebook 01 (§1–§4) and by the Itti–Koch model of notebooks 02–03.
A Gaussian pyramid is built by repeating one *reduce* step (5-tap binomial
low-pass, then keep every other row and column); scale σ = 0 is the image,
scale σ = 8 is 1:256 of it (Itti, Koch & Niebur 1998, §2.1).  The Laplacian
pyramid stores what each reduce step loses, so the image can be rebuilt
exactly.  The two across-scale operators of the paper are here too:
:func:`across_scale_difference` (⊖, centre minus interpolated surround) and
:func:`across_scale_add` (⊕, bring maps to one scale and add).

Every function takes ``(H, W)`` maps or ``(H, W, C)`` stacks (each channel
filtered on its own) of any real dtype; floating dtypes are kept, integers
become float32.  Inputs are never modified.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from course_lib._validation import check_count, check_image, check_shape

__all__ = [
    "BINOMIAL_5",
    "across_scale_add",
    "across_scale_difference",
    "expand",
    "gaussian_pyramid",
    "laplacian_pyramid",
    "level_shape",
    "reconstruct_laplacian",
    "reduce",
]

BINOMIAL_5 = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
"""The separable 5-tap binomial low-pass kernel [1 4 6 4 1]/16 of every reduce step."""

# cv2 filters handle at most this many channels in one call (CV_CN_MAX).
_CV_MAX_CHANNELS = 512


MAX_LEVELS = 64
"""Most pyramid levels accepted: a 2**63-pixel side is 1×1 after 64 steps."""


def _check_levels(levels: object) -> int:
    return check_count(levels, name="levels", minimum=1, maximum=MAX_LEVELS)


def _as_map(image: object, *, name: str) -> np.ndarray:
    """Validated, C-contiguous float array of shape (H, W) or (H, W, C)."""
    array = check_image(image, ndim=(2, 3), name=name, channels=None, unit_range=False)
    if array.ndim == 3 and array.shape[2] > _CV_MAX_CHANNELS:
        raise ValueError(
            f"{name} must have at most {_CV_MAX_CHANNELS} channels, got shape {array.shape}"
        )
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float32)
    return np.ascontiguousarray(array)


def _restore_channel_axis(result: np.ndarray, like: np.ndarray) -> np.ndarray:
    # OpenCV drops a trailing channel axis of length 1; put it back.
    if like.ndim == 3 and result.ndim == 2:
        return result[:, :, None]
    return result


def level_shape(shape: tuple[int, ...], level: int) -> tuple[int, int]:
    """(rows, cols) of pyramid scale ``level`` for an image of ``shape``.

    Convention: every reduce step maps ``n`` to ⌈n/2⌉ (as ``cv2.pyrDown``),
    so a level is never smaller than 1×1.

    Examples
    --------
    >>> level_shape((480, 640), 4)
    (30, 40)
    >>> level_shape((5, 3), 2)
    (2, 1)
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) < 2:
        raise TypeError(f"shape must be a sequence (rows, cols, ...) of integers, got {shape!r}")
    rows, cols = check_shape(tuple(shape[:2]), name="shape")
    level = check_count(level, name="level")
    # 1×1 is a fixed point of n -> ⌈n/2⌉, so the loop runs at most log2(max side) + 1 times
    for _ in range(level):
        if rows == cols == 1:
            break
        rows, cols = (rows + 1) // 2, (cols + 1) // 2
    return rows, cols


def reduce(image: npt.ArrayLike) -> npt.NDArray[np.floating]:
    """One reduce step: 5-tap binomial low-pass, then decimation by 2.

    .. math::

        G_{\\sigma+1}(i, j) = \\sum_{m,n=-2}^{2} w(m)\\, w(n)\\,
        G_\\sigma(2i + m, 2j + n), \\qquad w = \\tfrac{1}{16}[1, 4, 6, 4, 1]

    (Burt & Adelson 1983, eq. 1; the pyramid of Itti, Koch & Niebur 1998, §2.1).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        Any finite real values; float32/float64 are kept, uint8/uint16/bool
        are scaled to [0, 1] by their dtype's range (other integers refused).

    Returns
    -------
    ndarray, shape (⌈H/2⌉, ⌈W/2⌉) or (⌈H/2⌉, ⌈W/2⌉, C)

    Raises
    ------
    TypeError, ValueError
        If ``image`` is not a finite real array of that shape.

    Notes
    -----
    Convention: ``cv2.pyrDown`` — output size ⌈n/2⌉, samples at even
    indices 0, 2, 4, …, borders mirrored without repeating the edge pixel
    (``BORDER_REFLECT_101``: …, x2, x1, x0, x1, x2, …).  A 1-pixel side stays 1.

    Examples
    --------
    >>> reduce(np.array([[0.0, 0.0, 16.0, 0.0]])).tolist()  # (16 + 16)/16, (96 + 16)/16
    [[2.0, 7.0]]
    """
    array = _as_map(image, name="image")
    return _restore_channel_axis(cv2.pyrDown(array), array)


def expand(image: npt.ArrayLike, shape: tuple[int, int]) -> npt.NDArray[np.floating]:
    """One expand step: upsample by 2 with the same binomial kernel (×4).

    .. math::

        E(i, j) = 4 \\sum_{m,n=-2}^{2} w(m)\\, w(n)\\,
        G\\left(\\tfrac{i - m}{2}, \\tfrac{j - n}{2}\\right)

    where only integer coordinates contribute (Burt & Adelson 1983, eq. 2).

    Parameters
    ----------
    image : ndarray, shape (h, w) or (h, w, C)
        The coarser level.
    shape : (int, int)
        Target (rows, cols): each must be ``2h`` or ``2h − 1`` (and the
        same for ``w``), i.e. the shape of the finer level.

    Returns
    -------
    ndarray, shape ``shape`` (+ channels)

    Raises
    ------
    ValueError
        If ``shape`` is not a finer-level shape of ``image``.

    Notes
    -----
    Convention: ``cv2.pyrUp`` with ``dstsize``, ``BORDER_REFLECT_101``.

    Examples
    --------
    >>> expand(np.array([[4.0]]), (2, 2)).tolist()
    [[4.0, 4.0], [4.0, 4.0]]
    """
    array = _as_map(image, name="image")
    rows, cols = _check_shape(shape)
    for got, size, axis in ((rows, array.shape[0], "rows"), (cols, array.shape[1], "cols")):
        if got not in (2 * size, 2 * size - 1):
            raise ValueError(
                f"shape must be the next finer level of image: {axis} must be "
                f"{2 * size} or {2 * size - 1} for image shape {array.shape}, got shape {shape}"
            )
    return _restore_channel_axis(cv2.pyrUp(array, dstsize=(cols, rows)), array)


def _check_shape(shape: object, name: str = "shape") -> tuple[int, int]:
    return check_shape(shape, name=name)


def gaussian_pyramid(image: npt.ArrayLike, levels: int = 9) -> list[npt.NDArray[np.floating]]:
    """Dyadic Gaussian pyramid: scales σ = 0 … ``levels`` − 1.

    .. math::

        G_0 = I, \\qquad G_{\\sigma+1} = \\mathrm{REDUCE}(G_\\sigma)

    with REDUCE the binomial low-pass and decimation of :func:`reduce`
    (Itti, Koch & Niebur 1998, §2.1: "nine spatial scales … created using
    dyadic Gaussian pyramids", ratio 1:1 at σ = 0 to 1:256 at σ = 8).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        Any real values (grey, RGB, or a stack of maps).
    levels : int
        Number of scales, ≥ 1 (9 in the paper).

    Returns
    -------
    list of ndarray
        ``levels`` arrays; entry σ has shape :func:`level_shape` ``(H, W)``
        with the channel axis kept.  Entry 0 is a copy of ``image``.

    Raises
    ------
    TypeError
        If ``levels`` is not an integer, or ``image`` is not a real array.
    ValueError
        If ``levels < 1`` or ``image`` is empty, non-finite or of another
        shape.

    Notes
    -----
    Convention: ``cv2.pyrDown`` (see :func:`reduce`): level sizes are
    ⌈n/2⌉ of the previous one, so 640×480 gives 40×30 at σ = 4 and 3×2 at
    σ = 8.  Levels never get smaller than 1×1: once a side is 1 pixel it
    stays 1 pixel (its value is then the low-passed mean along that side),
    so any image gives ``levels`` levels and no error; images smaller than
    2^(levels−1) pixels simply have a few 1-pixel-wide coarse levels.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558
    .. [2] Burt, P. J. & Adelson, E. H. (1983). The Laplacian pyramid as a compact
       image code. IEEE Trans. Communications 31(4), 532–540.
       doi:10.1109/TCOM.1983.1095851

    Examples
    --------
    >>> pyramid = gaussian_pyramid(np.zeros((480, 640)))
    >>> [level.shape for level in pyramid][3:6]
    [(60, 80), (30, 40), (15, 20)]
    >>> [float(level[0, 0]) for level in gaussian_pyramid(np.full((4, 4), 0.5), levels=3)]
    [0.5, 0.5, 0.5]
    """
    levels = _check_levels(levels)
    array = _as_map(image, name="image")
    return build_pyramid(array.copy(), levels)


def build_pyramid(array: np.ndarray, levels: int) -> list[np.ndarray]:
    """Gaussian pyramid of a checked, C-contiguous float array (level 0 not copied).

    No input checks: for course_lib's own use (:mod:`course_lib.itti_koch`) on
    arrays already validated; users call :func:`gaussian_pyramid`.
    """
    pyramid = [array]
    for _ in range(levels - 1):
        pyramid.append(_restore_channel_axis(cv2.pyrDown(pyramid[-1]), array))
    return pyramid


def laplacian_pyramid(image: npt.ArrayLike, levels: int = 9) -> list[npt.NDArray[np.floating]]:
    """Laplacian pyramid: band-pass levels plus the coarsest Gaussian level.

    .. math::

        L_\\sigma = G_\\sigma - \\mathrm{EXPAND}(G_{\\sigma+1}), \\quad
        \\sigma < n - 1; \\qquad L_{n-1} = G_{n-1}

    (Burt & Adelson 1983, eq. 3).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
    levels : int
        Number of levels, ≥ 1 (the last one is the low-pass residual).

    Returns
    -------
    list of ndarray
        Same shapes as :func:`gaussian_pyramid`; float64 input stays float64.

    Raises
    ------
    TypeError, ValueError
        As :func:`gaussian_pyramid`.

    Notes
    -----
    Convention: the same sizes and borders as :func:`reduce` and
    :func:`expand`.  :func:`reconstruct_laplacian` inverts it exactly (up
    to floating-point rounding) for any image size, because the
    reconstruction re-adds the very ``EXPAND(G_{σ+1})`` that was removed.

    References
    ----------
    .. [1] Burt, P. J. & Adelson, E. H. (1983). The Laplacian pyramid as a compact
       image code. IEEE Trans. Communications 31(4), 532–540.
       doi:10.1109/TCOM.1983.1095851

    Examples
    --------
    >>> bands = laplacian_pyramid(np.full((4, 4), 2.0), levels=2)
    >>> float(np.abs(bands[0]).max()), float(bands[1][0, 0])
    (0.0, 2.0)
    """
    gaussian = gaussian_pyramid(image, levels)
    bands = [
        fine - _restore_channel_axis(
            cv2.pyrUp(coarse, dstsize=(fine.shape[1], fine.shape[0])), fine
        )
        for fine, coarse in zip(gaussian[:-1], gaussian[1:])
    ]
    return bands + [gaussian[-1]]


def reconstruct_laplacian(pyramid: Sequence[np.ndarray]) -> npt.NDArray[np.floating]:
    """Rebuild the image from its Laplacian pyramid.

    .. math:: G_{n-1} = L_{n-1}, \\qquad G_\\sigma = L_\\sigma + \\mathrm{EXPAND}(G_{\\sigma+1})

    (Burt & Adelson 1983, §4).

    Parameters
    ----------
    pyramid : sequence of ndarray
        Output of :func:`laplacian_pyramid` (finest first).

    Returns
    -------
    ndarray
        The image, shape of ``pyramid[0]``.

    Raises
    ------
    TypeError
        If ``pyramid`` is not a non-empty list or tuple of arrays.
    ValueError
        If consecutive levels do not have pyramid shapes.

    Examples
    --------
    >>> image = np.arange(12.0).reshape(3, 4)
    >>> bool(np.allclose(reconstruct_laplacian(laplacian_pyramid(image, levels=3)), image))
    True
    """
    if not isinstance(pyramid, (list, tuple)) or len(pyramid) == 0:
        raise TypeError(
            f"pyramid must be a non-empty list of arrays, got {type(pyramid).__name__}"
        )
    image = _as_map(pyramid[-1], name="pyramid[-1]")
    for index in range(len(pyramid) - 2, -1, -1):
        band = _as_map(pyramid[index], name=f"pyramid[{index}]")
        if level_shape(band.shape, 1) != image.shape[:2] or band.ndim != image.ndim:
            raise ValueError(
                f"pyramid[{index + 1}] must have shape {level_shape(band.shape, 1)} "
                f"(half of pyramid[{index}] {band.shape}, rounded up), got {image.shape}"
            )
        image = band + _restore_channel_axis(
            cv2.pyrUp(image, dstsize=(band.shape[1], band.shape[0])), band
        )
    return image


def _resize(array: np.ndarray, shape: tuple[int, int], interpolation: int) -> np.ndarray:
    if array.shape[:2] == tuple(shape):
        return array
    resized = cv2.resize(array, (shape[1], shape[0]), interpolation=interpolation)
    return _restore_channel_axis(resized, array)


def _level_offset(fine: tuple[int, ...], coarse: tuple[int, ...]) -> int | None:
    """Smallest δ ≥ 0 with level_shape(fine, δ) == coarse, or None."""
    rows, cols = int(fine[0]), int(fine[1])
    for delta in range(64):
        if (rows, cols) == tuple(coarse[:2]):
            return delta
        if rows == cols == 1:
            return None
        rows, cols = (rows + 1) // 2, (cols + 1) // 2
    return None


def upsample_level(array: np.ndarray, shape: tuple[int, int], delta: int) -> np.ndarray:
    """Bilinear interpolation of a level δ scales coarser to ``shape``, pyramid-aligned.

    Pixel i of the finer level lies at i / 2^δ on the coarser one (every reduce
    step keeps samples 0, 2, 4, …); samples past the last one repeat it.
    """
    if delta == 0:
        return array
    if array.ndim == 3 and array.shape[2] > 4:  # cv2 is several times faster per ≤ 4 channels
        chunks = [upsample_level(np.ascontiguousarray(array[:, :, k : k + 4]), shape, delta)
                  for k in range(0, array.shape[2], 4)]
        return np.concatenate(chunks, axis=2)
    scale = 1.0 / (1 << delta)
    matrix = np.array([[scale, 0.0, 0.0], [0.0, scale, 0.0]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    # remap's interpolation tables have 1/32-pixel steps: exact for δ <= 5
    size = (shape[1], shape[0])
    upsampled = cv2.warpAffine(array, matrix, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return _restore_channel_axis(upsampled, array)


def enlarge_level(
    array: np.ndarray, shape: tuple[int, int], delta: int, *, at_most: float | None = None
) -> np.ndarray:
    """Like :func:`upsample_level` to within half an output pixel, about 5× faster.

    ``cv2.resize`` by the factor f = 2^δ aligns pixel centres: output k reads
    (k + ½)/f − ½.  Reading output k = i + f/2 of a one-pixel-padded resize gives
    i/f + 1/(2f), half an output pixel from the pyramid-aligned i/f.  Returns a
    view (rows padded, not C-contiguous) to skip a full-size copy.  ``at_most``
    caps the values (bilinear rounding can pass the input's maximum by an ulp).
    """
    if delta == 0:
        return array if at_most is None else np.minimum(array, at_most)
    factor = 1 << delta
    padded = cv2.copyMakeBorder(array, 0, 1, 0, 1, cv2.BORDER_REPLICATE)
    size = ((array.shape[1] + 1) * factor, (array.shape[0] + 1) * factor)
    enlarged = cv2.resize(padded, size, interpolation=cv2.INTER_LINEAR)
    if at_most is not None:
        # on the contiguous whole: 3× faster than on the view; numpy, as cv2 misreads
        # an array beside a Python scalar when the array is 1×1
        np.minimum(enlarged, at_most, out=enlarged)
    enlarged = _restore_channel_axis(enlarged, array)
    offset = factor // 2
    return enlarged[offset : offset + shape[0], offset : offset + shape[1]]


def across_scale_difference(
    center: npt.ArrayLike, surround: npt.ArrayLike
) -> npt.NDArray[np.floating]:
    r"""Across-scale difference ⊖: interpolate the surround to the centre's scale, subtract.

    .. math::

        (C \ominus S)(i, j) = C(i, j) - S\left(\tfrac{i}{2^\delta}, \tfrac{j}{2^\delta}\right)

    with S interpolated bilinearly between its samples (Itti, Koch & Niebur
    1998, §2.1: "interpolation to the finer scale and point-by-point
    subtraction").  The result is signed; the feature maps of the model take
    its absolute value.

    Parameters
    ----------
    center : ndarray, shape (H, W) or (H, W, C)
        Level c of a pyramid.
    surround : ndarray, shape (h, w) or (h, w, C)
        Level s = c + δ (δ ≥ 0) of the same pyramid: its shape must be
        :func:`level_shape` ``(center.shape, δ)``.

    Returns
    -------
    ndarray, shape of ``center``

    Raises
    ------
    ValueError
        If ``surround`` is not a coarser level of ``center``'s pyramid, or
        the channels differ.

    Notes
    -----
    The paper does not say which interpolation.  We interpolate bilinearly,
    which leaves no block edges (iNVT replicates pixels; the
    SaliencyToolbox resizes every level to scale 4 with nearest neighbours).

    Convention: pyramid-aligned.  :func:`reduce` keeps samples 0, 2, 4, …,
    so centre pixel i sits at surround coordinate i/2^δ (``cv2.warpAffine``
    with that scale, ``BORDER_REPLICATE`` past the last surround sample).
    ``cv2.resize`` would instead align pixel centres, (i + ½)/2^δ − ½, which
    with the ⌈n/2⌉ level sizes stretches coarse levels towards the bottom
    and right and makes the maps of symmetric images lopsided.

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> across_scale_difference(np.full((4, 4), 3.0), np.full((1, 1), 1.0))[0].tolist()
    [2.0, 2.0, 2.0, 2.0]
    >>> across_scale_difference(np.zeros((1, 4)), np.array([[0.0, 8.0]]))[0].tolist()
    [0.0, -4.0, -8.0, -8.0]
    """
    center_map = _as_map(center, name="center")
    surround_map = _as_map(surround, name="surround")
    delta = _level_offset(center_map.shape, surround_map.shape)
    if delta is None or surround_map.shape[2:] != center_map.shape[2:]:
        raise ValueError(
            "surround must be a coarser level of center's pyramid (shape "
            "level_shape(center.shape, delta) for some delta >= 0, same channels), "
            f"got center shape {center_map.shape} and surround shape {surround_map.shape}"
        )
    return center_map - upsample_level(surround_map, center_map.shape[:2], delta)


def across_scale_add(
    maps: Sequence[npt.ArrayLike], scale_shape: tuple[int, int]
) -> npt.NDArray[np.floating]:
    """Across-scale addition ⊕: bring every map to ``scale_shape`` and add.

    .. math:: \\bigoplus_k M_k = \\sum_k \\mathrm{resize}_{\\to \\sigma}(M_k)

    (Itti, Koch & Niebur 1998, §2.3: "reduction of each map to scale four
    and point-by-point addition").

    Parameters
    ----------
    maps : sequence of ndarray, each (h_k, w_k) or (h_k, w_k, C)
        Non-empty; every map must have the same number of channels.
    scale_shape : (int, int)
        Target (rows, cols), e.g. the shape of pyramid scale 4.

    Returns
    -------
    ndarray, shape ``scale_shape`` (+ channels)
        float64 if any map is float64, else float32.

    Raises
    ------
    TypeError
        If ``maps`` is not a non-empty list or tuple.
    ValueError
        If the maps' channels differ or ``scale_shape`` is invalid.

    Notes
    -----
    Convention: a map that repeated :func:`reduce` steps bring exactly to
    ``scale_shape`` (every map of a pyramid finer than the target) is
    reduced that way — the Gaussian reduction the paper names; any other
    size is resized with ``cv2.resize`` (``INTER_AREA`` when shrinking,
    ``INTER_LINEAR`` when enlarging).

    References
    ----------
    .. [1] Itti, L., Koch, C. & Niebur, E. (1998). A model of saliency-based visual
       attention for rapid scene analysis. IEEE Trans. PAMI 20(11), 1254–1259.
       doi:10.1109/34.730558

    Examples
    --------
    >>> maps = [np.ones((8, 8)), np.full((4, 4), 2.0), np.full((2, 2), 3.0)]
    >>> across_scale_add(maps, (2, 2)).tolist()
    [[6.0, 6.0], [6.0, 6.0]]
    """
    if not isinstance(maps, (list, tuple)) or len(maps) == 0:
        raise TypeError(f"maps must be a non-empty list of arrays, got {type(maps).__name__}")
    rows, cols = _check_shape(scale_shape, name="scale_shape")
    checked = [_as_map(m, name=f"maps[{k}]") for k, m in enumerate(maps)]
    if len({m.shape[2:] for m in checked}) > 1:
        raise ValueError(
            f"maps must all have the same channels, got shapes {[m.shape for m in checked]}"
        )
    return add_across_scales(checked, (rows, cols))


def add_across_scales(maps: Sequence[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """⊕ of checked, C-contiguous maps (no validation: users call :func:`across_scale_add`)."""
    dtype = np.float64 if any(m.dtype == np.float64 for m in maps) else np.float32
    total = np.zeros(tuple(shape) + maps[0].shape[2:], dtype=dtype)
    for array in maps:
        total += _to_scale(array, tuple(shape))
    return total


def _to_scale(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Reduce by pyrDown steps when they land exactly on ``shape``, else resize."""
    current = array
    while current.shape[:2] != shape and (
        current.shape[0] > shape[0] or current.shape[1] > shape[1]
    ):
        if level_shape(current.shape, 1) == current.shape[:2]:
            break  # 1×1: pyrDown cannot shrink further
        current = _restore_channel_axis(cv2.pyrDown(current), array)
        if current.shape[0] < shape[0] or current.shape[1] < shape[1]:
            current = array
            break
    if current.shape[:2] == shape:
        return current
    shrinking = array.shape[0] >= shape[0] and array.shape[1] >= shape[1]
    return _resize(array, shape, cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
