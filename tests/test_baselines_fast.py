"""Tests of the notebook-05 baselines in course_lib.baselines: spectral residual,
frequency-tuned, the cv2.saliency wrappers, motion saliency and the video helper.

Oracles: independent straightforward implementations written here (numpy FFT,
scipy.ndimage filters, the CIE Lab formulas), OpenCV called directly, and the
properties the papers state (Hou & Zhang 2007, CVPR, doi:10.1109/CVPR.2007.383267;
Achanta et al. 2009, CVPR, doi:10.1109/CVPR.2009.5206596): notebook 05, the
fast baselines.
"""

from __future__ import annotations

import inspect

import cv2
import numpy as np
import pytest
from scipy import ndimage

from course_lib import baselines

from conftest import ATOL_F32, RTOL_F32

STATIC_METHODS = sorted(baselines.METHODS)
OPENCV_WRAPPERS = [baselines.opencv_spectral_residual, baselines.opencv_fine_grained]


def _disk_image(shape, centre, radius, *, background=0.2, foreground=1.0):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    image = np.full(shape, background, dtype=np.float32)
    image[(rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2] = foreground
    return image


def _random_rgb(shape, seed):
    return np.random.default_rng(seed).random((*shape, 3)).astype(np.float32)


# --------------------------------------------------------------------------
# spectral residual (Hou & Zhang 2007)
# --------------------------------------------------------------------------
def _spectral_residual_oracle(grey: np.ndarray, sigma: float) -> np.ndarray:
    """Eqs. 5–9 written plainly, for an image already `width` pixels wide (no resize)."""
    spectrum = np.fft.fft2(grey.astype(np.float64))
    log_amplitude = np.log1p(np.abs(spectrum))
    residual = log_amplitude - ndimage.uniform_filter(log_amplitude, size=3, mode="nearest")
    energy = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    if sigma > 0:  # kernel ceil(6 sigma) rounded to odd, zero padding
        radius = (int(np.ceil(6 * sigma)) | 1) // 2
        energy = ndimage.gaussian_filter(energy, sigma, mode="constant", cval=0.0, truncate=radius / sigma)
    return (energy - energy.min()) / (energy.max() - energy.min())


@pytest.mark.parametrize(
    ("shape", "width", "sigma"),
    [((48, 64), 64, 8.0), ((64, 64), 64, 2.5), ((20, 32), 32, 3.0), ((48, 64), 64, 0.0)],
)
def test_spectral_residual_matches_a_plain_implementation(shape, width, sigma):
    grey = np.random.default_rng(0).random(shape).astype(np.float32)
    grey[5:9, 10:14] = 1.0
    result = baselines.spectral_residual(grey, width=width, sigma=sigma)
    np.testing.assert_allclose(result, _spectral_residual_oracle(grey, sigma), rtol=1e-4, atol=1e-5)


def test_spectral_residual_uses_luma_grey_of_an_rgb_image():
    rgb = _random_rgb((48, 64), 1)
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    np.testing.assert_allclose(
        baselines.spectral_residual(rgb), baselines.spectral_residual(grey), rtol=RTOL_F32, atol=1e-5
    )


@pytest.mark.parametrize("centre", [(30, 40), (100, 200), (60, 100)])
def test_spectral_residual_peaks_on_a_small_bright_disk(centre):
    image = _disk_image((160, 240), centre, 6)
    saliency = baselines.spectral_residual(image)
    peak = np.unravel_index(np.argmax(saliency), saliency.shape)
    # one pixel of the 64-px scale is 3.75 input pixels here
    assert np.hypot(peak[0] - centre[0], peak[1] - centre[1]) <= 10


@pytest.mark.parametrize("shape", [(48, 64), (480, 640), (33, 17), (1, 200), (5, 5, 3)])
def test_spectral_residual_shape_dtype_range(shape):
    image = np.random.default_rng(2).random(shape)
    saliency = baselines.spectral_residual(image)
    assert saliency.shape == shape[:2]
    assert saliency.dtype == np.float32
    assert saliency.min() == 0.0 and saliency.max() == 1.0
    assert np.isfinite(saliency).all()


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_spectral_residual_constant_image_gives_zeros(value):
    for image in (np.full((30, 40), value), np.full((30, 40, 3), value)):
        saliency = baselines.spectral_residual(image)
        assert saliency.dtype == np.float32 and not saliency.any()


def test_spectral_residual_exact_spectral_zeros_give_finite_map_peaked_on_the_square():
    # A 4×4 square in a 64-px image has exact zeros in its spectrum (log1p convention).
    image = np.zeros((48, 64)); image[20:24, 40:44] = 1.0
    saliency = baselines.spectral_residual(image)
    assert np.isfinite(saliency).all()
    assert np.unravel_index(np.argmax(saliency), saliency.shape) == (21, 42)


def test_spectral_residual_defaults_are_the_papers():
    parameters = inspect.signature(baselines.spectral_residual).parameters
    assert parameters["width"].default == 64 and parameters["sigma"].default == 8.0


@pytest.mark.parametrize(("shape", "small"), [((48, 128), (24, 64)), ((90, 80), (72, 64)), ((30, 40), (48, 64))])
def test_spectral_residual_keeps_aspect_ratio_unlike_opencv(shape, small):
    # Resize convention: width 64, height round(64 H / W); INTER_AREA to shrink,
    # INTER_LINEAR to enlarge and to go back.  OpenCV would use 64×64 for all.
    grey = np.random.default_rng(7).random(shape).astype(np.float32)
    shrink = small[0] * small[1] < shape[0] * shape[1]
    resized = cv2.resize(grey, small[::-1], interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    oracle = _spectral_residual_oracle(resized, 8.0).astype(np.float32)
    expected = cv2.resize(oracle, shape[::-1], interpolation=cv2.INTER_LINEAR)
    expected = (expected - expected.min()) / (expected.max() - expected.min())
    np.testing.assert_allclose(baselines.spectral_residual(grey), expected, rtol=1e-4, atol=1e-4)


def test_spectral_residual_does_not_mutate_input():
    image = _random_rgb((20, 30), 3)
    copy = image.copy()
    baselines.spectral_residual(image)
    np.testing.assert_array_equal(image, copy)


@pytest.mark.parametrize("width", [0, -3])
def test_spectral_residual_rejects_bad_width(width):
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        baselines.spectral_residual(np.zeros((8, 8)), width=width)


@pytest.mark.parametrize("width", [2.5, True, "64"])
def test_spectral_residual_rejects_a_width_that_is_not_an_integer(width):
    with pytest.raises(TypeError, match="width must be an integer, got"):
        baselines.spectral_residual(np.zeros((8, 8)), width=width)


def test_spectral_residual_rejects_negative_sigma_and_bad_image():
    with pytest.raises(ValueError, match="sigma must be a finite number >= 0"):
        baselines.spectral_residual(np.zeros((8, 8)), sigma=-1.0)
    with pytest.raises(ValueError, match=r"image must have values in \[0, 1\]"):
        baselines.spectral_residual(np.full((8, 8), 2.0))


# --------------------------------------------------------------------------
# frequency-tuned (Achanta et al. 2009)
# --------------------------------------------------------------------------
def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (D65) → CIE Lab from the published formulas (IEC 61966-2-1, CIE 1976)."""
    rgb = rgb.astype(np.float64)
    linear = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    matrix = np.array(
        [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
    )
    xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def _frequency_tuned_oracle(rgb: np.ndarray) -> np.ndarray:
    lab = _srgb_to_lab(rgb)
    kernel = np.array([1, 4, 6, 4, 1]) / 16
    blurred = ndimage.convolve1d(ndimage.convolve1d(lab, kernel, axis=0, mode="mirror"), kernel, axis=1, mode="mirror")
    distance = np.linalg.norm(blurred - lab.reshape(-1, 3).mean(axis=0), axis=2)
    return (distance - distance.min()) / (distance.max() - distance.min())


@pytest.mark.parametrize(("shape", "seed"), [((12, 17), 0), ((40, 30), 1), ((5, 5), 2)])
def test_frequency_tuned_matches_lab_formulas(shape, seed):
    rgb = _random_rgb(shape, seed)
    np.testing.assert_allclose(baselines.frequency_tuned(rgb), _frequency_tuned_oracle(rgb), rtol=1e-4, atol=1e-4)


def test_frequency_tuned_grey_is_rgb_with_equal_channels():
    grey = np.random.default_rng(4).random((16, 16)).astype(np.float32)
    np.testing.assert_allclose(
        baselines.frequency_tuned(grey), baselines.frequency_tuned(np.repeat(grey[..., None], 3, axis=2)),
        rtol=RTOL_F32, atol=ATOL_F32,
    )


@pytest.mark.parametrize("colour", [(0.0, 0.0, 0.0), (0.3, 0.3, 0.3), (0.9, 0.1, 0.2)])
def test_frequency_tuned_constant_image_gives_zeros(colour):
    image = np.empty((20, 30, 3), np.float32)
    image[:] = colour
    saliency = baselines.frequency_tuned(image)
    assert saliency.shape == (20, 30) and saliency.dtype == np.float32 and not saliency.any()


def test_frequency_tuned_peaks_on_colour_odd_one_out():
    image = np.zeros((64, 64, 3), np.float32)
    image[:] = (0.1, 0.6, 0.1)
    image[40:50, 10:20] = (0.9, 0.1, 0.1)
    saliency = baselines.frequency_tuned(image)
    assert saliency.dtype == np.float32 and saliency.max() == 1.0 and saliency.min() == 0.0
    assert saliency[40:50, 10:20].min() > saliency[:30, 30:].max()


# --------------------------------------------------------------------------
# OpenCV wrappers (oracle 11)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("wrapper", OPENCV_WRAPPERS)
@pytest.mark.parametrize("shape", [(48, 64, 3), (37, 91, 3), (60, 40)])
def test_opencv_wrappers_float32_same_size_unit_range(wrapper, shape):
    image = np.random.default_rng(5).random(shape).astype(np.float32)
    saliency = wrapper(image)
    assert saliency.dtype == np.float32
    assert saliency.shape == shape[:2]
    assert np.isfinite(saliency).all()
    assert 0.0 <= saliency.min() <= saliency.max() <= 1.0


@pytest.mark.parametrize("wrapper", OPENCV_WRAPPERS)
def test_opencv_wrappers_zero_and_constant_images_give_zeros(wrapper):
    for image in (np.zeros((40, 50, 3)), np.full((40, 50, 3), 0.6), np.full((40, 50), 0.2)):
        saliency = wrapper(image)
        assert saliency.dtype == np.float32 and saliency.shape == (40, 50)
        assert not np.isnan(saliency).any() and not saliency.any()


def test_opencv_fine_grained_itself_gives_zeros_on_constant_image():
    # Oracle 11: this is OpenCV's own behaviour, not only our guard.
    ok, raw = cv2.saliency.StaticSaliencyFineGrained_create().computeSaliency(np.full((30, 40, 3), 77, np.uint8))
    assert ok and raw.dtype == np.float32 and not raw.any()


def test_opencv_spectral_residual_itself_has_no_nan_on_zero_image():
    ok, raw = cv2.saliency.StaticSaliencySpectralResidual_create().computeSaliency(np.zeros((30, 40, 3), np.uint8))
    assert ok and raw.dtype == np.float32 and raw.shape == (30, 40) and np.isfinite(raw).all()


@pytest.mark.parametrize(
    ("wrapper", "factory"),
    [
        (baselines.opencv_spectral_residual, cv2.saliency.StaticSaliencySpectralResidual_create),
        (baselines.opencv_fine_grained, cv2.saliency.StaticSaliencyFineGrained_create),
    ],
)
def test_opencv_wrappers_pass_bgr_uint8_to_opencv(wrapper, factory):
    rgb = np.zeros((48, 64, 3), np.float32)
    rgb[10:20, 10:20] = (1.0, 0.0, 0.0)  # red: luma 0.299; as BGR by mistake it would be 0.114
    rgb[30:40, 40:50] = (0.0, 0.0, 1.0)
    expected = factory().computeSaliency(cv2.cvtColor(np.rint(rgb * 255).astype(np.uint8), cv2.COLOR_RGB2BGR))[1]
    np.testing.assert_array_equal(wrapper(rgb), expected)
    swapped = factory().computeSaliency(np.rint(rgb * 255).astype(np.uint8))[1]
    assert not np.array_equal(wrapper(rgb), swapped)


def test_opencv_spectral_residual_peaks_near_a_small_disk():
    image = _disk_image((64, 64), (20, 44), 3, background=0.3)
    saliency = baselines.opencv_spectral_residual(image)
    peak = np.unravel_index(np.argmax(saliency), saliency.shape)
    assert np.hypot(peak[0] - 20, peak[1] - 44) <= 6


class _FakeStatic:
    def __init__(self, result):
        self.result = result

    def computeSaliency(self, image):  # noqa: N802 - OpenCV's name
        return self.result


def test_opencv_static_guard_raises_when_opencv_fails():
    with pytest.raises(ValueError, match="OpenCV could not compute a saliency map"):
        baselines._opencv_static(_FakeStatic((False, None)), np.random.default_rng(0).random((8, 8)))


def test_opencv_static_guard_resizes_and_cleans_opencv_output():
    raw = np.array([[np.nan, 2.0], [0.5, -1.0]], np.float32)
    result = baselines._opencv_static(_FakeStatic((True, raw)), np.random.default_rng(0).random((4, 6)))
    assert result.shape == (4, 6) and result.dtype == np.float32
    assert np.isfinite(result).all() and 0.0 <= result.min() <= result.max() <= 1.0


# --------------------------------------------------------------------------
# motion saliency (BinWang) and the generated video
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blob_video():
    frames, masks = baselines.moving_blob_video(64)
    return frames, masks, baselines.opencv_motion_saliency(frames)


def test_motion_saliency_is_binary_float32_of_video_shape(blob_video):
    frames, _, maps = blob_video
    assert maps.shape == frames.shape[:3] and maps.dtype == np.float32
    assert set(np.unique(maps).tolist()) <= {0.0, 1.0}


def test_motion_saliency_warm_up_then_moving_blob(blob_video):
    _, masks, maps = blob_video
    assert maps[:50].min() == 1.0  # warm-up: every pixel is foreground
    assert not maps[52:55].any()  # static scene learnt, blob not there yet
    for t in range(56, 64):
        assert maps[t][masks[t]].mean() > 0.5
        assert maps[t][~masks[t]].mean() < 0.05


def test_motion_saliency_grey_and_rgb_frames_agree(blob_video):
    frames, _, maps = blob_video
    np.testing.assert_array_equal(baselines.opencv_motion_saliency(frames[..., 0]), maps)


def test_binwang_itself_refuses_colour_frames():
    model = cv2.saliency.MotionSaliencyBinWangApr2014_create()
    model.setImagesize(16, 12)
    model.init()
    with pytest.raises(cv2.error):
        model.computeSaliency(np.zeros((12, 16, 3), np.uint8))


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        (np.zeros((4, 5)), r"frames must have shape \(T, H, W\) or \(T, H, W, 3\)"),
        (np.zeros((2, 4, 5, 4)), r"frames must have shape \(T, H, W\) or \(T, H, W, 3\)"),
        (np.full((2, 4, 5), 1.5), r"frames must have values in \[0, 1\]"),
    ],
)
def test_motion_saliency_rejects_bad_frames(frames, match):
    with pytest.raises(ValueError, match=match):
        baselines.opencv_motion_saliency(frames)


def test_motion_saliency_rejects_non_array():
    with pytest.raises(TypeError, match="frames must be a numpy array"):
        baselines.opencv_motion_saliency([[[0.0]]])


def test_motion_saliency_guard_raises_when_opencv_fails(monkeypatch):
    class _FakeMotion:
        def setImagesize(self, width, height):  # noqa: N802
            pass

        def init(self):
            return True

        def computeSaliency(self, image):  # noqa: N802
            return False, None

    monkeypatch.setattr(cv2.saliency, "MotionSaliencyBinWangApr2014_create", _FakeMotion)
    with pytest.raises(ValueError, match="OpenCV motion saliency failed on frame 0"):
        baselines.opencv_motion_saliency(np.zeros((2, 8, 8)))


def test_moving_blob_video_geometry():
    frames, masks = baselines.moving_blob_video(6, shape=(20, 30), radius=3, start=2, speed=4.0)
    assert frames.shape == (6, 20, 30, 3) and frames.dtype == np.float32
    assert masks.shape == (6, 20, 30) and masks.dtype == bool
    assert not masks[:2].any()
    assert np.unique(frames).tolist() == pytest.approx([0.3, 0.9])
    np.testing.assert_array_equal(frames[..., 0] == np.float32(0.9), masks)
    for t in range(2, 6):
        centre = np.argwhere(masks[t]).mean(axis=0)
        assert masks[t].sum() == 29  # lattice points with distance <= 3
        assert centre.tolist() == pytest.approx([10.0, 3 + (4.0 * (t - 2)) % (30 - 7)])


def test_moving_blob_video_defaults_leave_opencv_warm_up():
    parameters = inspect.signature(baselines.moving_blob_video).parameters
    assert parameters["start"].default == 55 and parameters["shape"].default == (96, 128)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_frames": 0}, "n_frames must be an integer >= 1"),
        ({"n_frames": 10**9}, "n_frames · H · W must be at most"),
        ({"n_frames": 3, "radius": 0}, "radius must be an integer >= 1"),
        ({"n_frames": 3, "start": -1}, "start must be an integer >= 0"),
        ({"n_frames": 3, "speed": -1.0}, "speed must be a finite number >= 0"),
        ({"n_frames": 3, "shape": (10, 10)}, r"shape must be a tuple \(H, W\) of integers >= 2 \* radius \+ 2 = 14"),
        ({"n_frames": 3, "shape": (96,)}, r"shape must be a pair of integers \(H, W\)"),
    ],
)
def test_moving_blob_video_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        baselines.moving_blob_video(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_frames": 2.0}, "n_frames must be an integer, got float"),
        ({"n_frames": 3, "shape": (96, 128.0)}, "shape must be an integer, got float"),
        ({"n_frames": 3, "shape": "96x128"}, "shape must be a pair of integers"),
    ],
)
def test_moving_blob_video_rejects_bad_argument_types(kwargs, match):
    # one exception type per mistake: a wrong type is a TypeError (issue 19)
    with pytest.raises(TypeError, match=match):
        baselines.moving_blob_video(**kwargs)


def test_blur_sigma_and_spectral_width_are_bounded():
    with pytest.raises(ValueError, match="sigma must be a finite number >= 0 and <= 1000"):
        baselines.blur_map(np.zeros((4, 4)), 1e12)
    with pytest.raises(ValueError, match="width must be an integer >= 1 and <= 4096"):
        baselines.spectral_residual(np.zeros((4, 4, 3)), width=10**6)
    with pytest.raises(ValueError, match="values must not contain NaN"):
        baselines.normalize_range(np.array([np.nan, 1.0]))
    with pytest.raises(TypeError, match="values must hold real numbers"):
        baselines.normalize_range(np.array(["a"]))


# --------------------------------------------------------------------------
# the method registry
# --------------------------------------------------------------------------
def test_registry_names():
    assert STATIC_METHODS == sorted(
        ["lc", "spectral_residual", "frequency_tuned", "opencv_spectral_residual", "opencv_fine_grained"]
    )


@pytest.mark.parametrize("name", STATIC_METHODS)
def test_registry_methods_map_course_images(name):
    image = _random_rgb((30, 41), 6)
    saliency = baselines.METHODS[name](image)
    assert saliency.shape == (30, 41) and saliency.dtype == np.float32
    assert np.isfinite(saliency).all() and 0.0 <= saliency.min() <= saliency.max() <= 1.0
    assert not baselines.METHODS[name](np.full((30, 41, 3), 0.4, np.float32)).any()
