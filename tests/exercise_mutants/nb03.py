"""Wrong and right answers to the exercises of notebook 03 (centre–surround and normalisation)."""

from __future__ import annotations

# --------------------------------------------------------------------------
# nb03_feature_maps: the 42 maps |P(c) ⊖ P(s)| of eqs. 1-4
# --------------------------------------------------------------------------
_FEATURES = """\
{prelude}
def my_feature_maps(image, center_levels=(2, 3, 4), deltas=(3, 4)):
    levels = max(center_levels) + max(deltas) + 2
    intensity = pyramids.gaussian_pyramid({grey}, levels=levels)
    rg, by = features.opponency(image)
    pyramid_of = {{("intensity", None): intensity,
                  ("rg", None): pyramids.gaussian_pyramid({rg}, levels=levels),
                  ("by", None): pyramids.gaussian_pyramid({by}, levels=levels)}}
    for theta in features.ORIENTATIONS:
        pyramid_of["orientation", {theta_key}] = {orientation}
    maps = {{}}
    for (channel, theta), pyramid in pyramid_of.items():
        for c in {centers}:
            for delta in {deltas}:
                s = c + delta
                maps[channel, c, s, theta] = {combine}
    return maps
"""


def _features(prelude="", grey="features.intensity(image)", rg="rg", by="by", theta_key="theta",
              orientation="features.orientation_pyramid(intensity, theta)", centers="center_levels", deltas="deltas",
              combine="np.abs(pyramids.across_scale_difference(pyramid[c], pyramid[s]))"):
    return _FEATURES.format(prelude=prelude, grey=grey, rg=rg, by=by, theta_key=theta_key, orientation=orientation,
                            centers=centers, deltas=deltas, combine=combine)


_RESIZE = """\
import cv2

def centre_aligned(center, surround):
    return center - cv2.resize(surround, (center.shape[1], center.shape[0]), interpolation=cv2.INTER_LINEAR)
"""

_GABOR_FILTER2D = """\
import cv2

def gabor_energy(level, theta):
    kernel = features.gabor_kernel(features.GABOR_SIGMA, theta, features.GABOR_FREQUENCY)
    level = np.asarray(level, dtype=np.float64)
    even = cv2.filter2D(level, -1, kernel.real, borderType=cv2.BORDER_REFLECT_101)
    odd = cv2.filter2D(level, -1, kernel.imag, borderType=cv2.BORDER_REFLECT_101)
    return np.hypot(even, odd)
"""

_GABOR_REAL = """\
import cv2

def gabor_even(level, theta):
    kernel = features.gabor_kernel(features.GABOR_SIGMA, theta, features.GABOR_FREQUENCY)
    return cv2.filter2D(np.asarray(level, dtype=np.float64), -1, kernel.real, borderType=cv2.BORDER_REFLECT_101)
"""

_LOOPS = """\
import itertools

def pyramid_of(image, levels):
    out = [np.asarray(image, dtype=np.float64)]
    for _ in range(levels - 1):
        out.append(pyramids.reduce(out[-1]))
    return out

def my_feature_maps(image, center_levels=(2, 3, 4), deltas=(3, 4)):
    levels = max(center_levels) + max(deltas) + 1
    image = np.asarray(image, dtype=np.float64)
    grey = pyramid_of(image.mean(axis=2), levels)
    rg, by = features.opponency(image)
    channels = [("intensity", None, grey), ("rg", None, pyramid_of(rg, levels)), ("by", None, pyramid_of(by, levels))]
    channels += [("orientation", float(np.deg2rad(degrees)), features.orientation_pyramid(grey, np.deg2rad(degrees)))
                 for degrees in (0, 45, 90, 135)]
    maps = {}
    for (channel, theta, pyramid), c, delta in itertools.product(channels, center_levels, deltas):
        difference = pyramids.across_scale_difference(pyramid[int(c)], pyramid[int(c) + int(delta)])
        maps[(channel, int(c), int(c) + int(delta), theta)] = np.abs(difference)
    return maps
"""

# --------------------------------------------------------------------------
# nb03_normalize_map: N(.) of 1998
# --------------------------------------------------------------------------
_NORMALIZE = """\
{prelude}
def my_normalize(feature_map, max_value=10.0, threshold=0.1):
    m = np.asarray(feature_map, dtype=float)
    low, high = m.min(), m.max()
    if high == low:
        {constant}
    rescaled = {rescaled}
    padded = np.pad(rescaled, 1, constant_values=-np.inf)
    centre = padded[1:-1, 1:-1]
    is_max = {is_max}
    {others}
    mean_others = others.mean() if others.size else 0.0
    return {result}
"""

_FOUR = ("((centre > padded[:-2, 1:-1]) & (centre > padded[1:-1, :-2]) & (centre >= padded[2:, 1:-1]) "
         "& (centre >= padded[1:-1, 2:]) & (centre >= threshold * max_value))")


def _normalize(prelude="", constant="return np.zeros_like(m)", rescaled="max_value * (m - low) / (high - low)",
               is_max=_FOUR, others="others = np.sort(rescaled[is_max])[:-1]",
               result="rescaled * (max_value - mean_others) ** 2"):
    return _NORMALIZE.format(prelude=prelude, constant=constant, rescaled=rescaled, is_max=is_max, others=others,
                             result=result)


_EIGHT = """\
import scipy.ndimage

def my_normalize(feature_map, max_value=10.0, threshold=0.1):
    m = np.asarray(feature_map, dtype=float)
    if m.max() == m.min():
        return np.zeros_like(m)
    rescaled = max_value * (m - m.min()) / (m.max() - m.min())
    is_max = (rescaled == scipy.ndimage.maximum_filter(rescaled, size=3, mode="constant", cval=-np.inf)) \\
        & (rescaled >= threshold * max_value)
    others = np.sort(rescaled[is_max])[:-1]
    mean_others = others.mean() if others.size else 0.0
    return rescaled * (max_value - mean_others) ** 2
"""

_CROSS = """\
import scipy.ndimage

def my_normalize(feature_map, max_value=10.0, threshold=0.1):
    m = np.asarray(feature_map, dtype=np.float64)
    if np.ptp(m) == 0:
        return np.zeros(m.shape)
    rescaled = (m - m.min()) / np.ptp(m) * max_value
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)
    peaks = (rescaled >= scipy.ndimage.maximum_filter(rescaled, footprint=cross, mode="constant", cval=-np.inf)) \\
        & (rescaled >= threshold * max_value)
    values = list(rescaled[peaks])
    values.remove(max(values))                  # the global maximum is not one of the "other" maxima
    mean_others = float(np.mean(values)) if values else 0.0
    return rescaled * (max_value - mean_others) ** 2
"""

_LOOP_NORMALIZE = """\
def my_normalize(feature_map, max_value=10.0, threshold=0.1):
    m = np.array(feature_map, dtype=float)
    low, high = m.min(), m.max()
    if high == low:
        return np.zeros(m.shape)
    r = max_value * (m - low) / (high - low)
    rows, cols = r.shape
    maxima = []
    for i in range(rows):
        for j in range(cols):
            neighbours = [r[a, b] for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))
                          if 0 <= a < rows and 0 <= b < cols]
            # a flat top of several equal pixels counts once: strictly above the upper and left neighbours
            strict = [r[a, b] for a, b in ((i - 1, j), (i, j - 1)) if 0 <= a < rows and 0 <= b < cols]
            if r[i, j] >= threshold * max_value and all(r[i, j] >= v for v in neighbours) \\
                    and all(r[i, j] > v for v in strict):
                maxima.append(r[i, j])
    maxima.sort()
    others = maxima[:-1]
    mean_others = sum(others) / len(others) if others else 0.0
    return r * (max_value - mean_others) ** 2
"""

# --------------------------------------------------------------------------
# nb03_conspicuity_maps: eqs. 5-7
# --------------------------------------------------------------------------
_CONSPICUITY = """\
def my_conspicuity_maps(feature_maps, shape):
    N = itti_koch.normalize_map
    add = pyramids.across_scale_add
    intensity = {intensity}
    colour = {colour}
    thetas = sorted({{key.theta for key in feature_maps if key.channel == "orientation"}})
    orientation = {orientation}
    return {{"intensity": intensity, "colour": colour, "orientation": orientation}}
"""

_I = 'add([N(m) for key, m in feature_maps.items() if key.channel == "intensity"], shape)'
_C = ('add([N(m) + N(feature_maps[key._replace(channel="by")]) for key, m in feature_maps.items() '
      'if key.channel == "rg"], shape)')
_O = ('sum(N(add([N(m) for key, m in feature_maps.items() if key.channel == "orientation" and key.theta == theta], '
      'shape)) for theta in thetas)')


def _conspicuity(intensity=_I, colour=_C, orientation=_O):
    return _CONSPICUITY.format(intensity=intensity, colour=colour, orientation=orientation)


_RESIZE_ADD = """\
import cv2

def my_conspicuity_maps(feature_maps, shape):
    N = itti_koch.normalize_map

    def add(maps):
        return sum(cv2.resize(np.asarray(m, np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_AREA) for m in maps)

    intensity = add([N(m) for key, m in feature_maps.items() if key.channel == "intensity"])
    colour = add([N(m) + N(feature_maps[key._replace(channel="by")]) for key, m in feature_maps.items() if key.channel == "rg"])
    thetas = sorted({key.theta for key in feature_maps if key.channel == "orientation"})
    orientation = sum(N(add([N(m) for key, m in feature_maps.items() if key.channel == "orientation" and key.theta == t]))
                      for t in thetas)
    return {"intensity": intensity, "colour": colour, "orientation": orientation}
"""

_EXPLICIT_LOOPS = """\
def my_conspicuity_maps(feature_maps, shape):
    N = itti_koch.normalize_map
    pairs = sorted({(key.c, key.s) for key in feature_maps})
    thetas = sorted({key.theta for key in feature_maps if key.channel == "orientation"})
    by_label = {(key.channel, key.c, key.s, key.theta): m for key, m in feature_maps.items()}

    def reduce_to(m):
        m = np.asarray(m, dtype=np.float64)
        while m.shape != tuple(shape):
            m = pyramids.reduce(m)
        return m

    intensity = np.zeros(shape)
    colour = np.zeros(shape)
    per_theta = {theta: np.zeros(shape) for theta in thetas}
    for c, s in pairs:
        intensity += reduce_to(N(by_label["intensity", c, s, None]))
        colour += reduce_to(N(by_label["rg", c, s, None]) + N(by_label["by", c, s, None]))
        for theta in thetas:
            per_theta[theta] += reduce_to(N(by_label["orientation", c, s, theta]))
    orientation = sum(N(m) for m in per_theta.values())
    return {"intensity": intensity, "colour": colour, "orientation": orientation}
"""

MUTANTS = {
    "nb03_feature_maps": {
        "signed maps: no absolute value after ⊖": _features(
            combine="pyramids.across_scale_difference(pyramid[c], pyramid[s])"),
        "colour rectified before the pyramid: |RG|, |BY|": _features(rg="np.abs(rg)", by="np.abs(by)"),
        "literal eq. 2: ⊖ of the negated colour surround": _features(
            combine=("np.abs(pyramids.across_scale_difference(pyramid[c], "
                     "-pyramid[s] if channel in ('rg', 'by') else pyramid[s]))")),
        "orientation: Gaussian pyramid of the full-resolution Gabor energy, not the Gabor energy of each level":
            _features(orientation=("pyramids.gaussian_pyramid(features.orientation_pyramid("
                                   "[features.intensity(image)], theta)[0], levels=levels)")),
        "orientation: the even (cosine) response, not the energy": _features(
            prelude=_GABOR_REAL, orientation="[gabor_even(level, theta) for level in intensity]"),
        "centre-aligned cv2.resize instead of the pyramid-aligned ⊖": _features(
            prelude=_RESIZE, combine="np.abs(centre_aligned(pyramid[c], pyramid[s]))"),
        "the paper's pairs hard-coded, center_levels and deltas ignored": _features(centers="(2, 3, 4)",
                                                                                   deltas="(3, 4)"),
        "levels counted from 1: pyramid[c - 1] and pyramid[s - 1]": _features(
            combine="np.abs(pyramids.across_scale_difference(pyramid[c - 1], pyramid[s - 1]))"),
        "intensity as luma (0.299, 0.587, 0.114) instead of (r + g + b)/3": _features(
            grey="np.asarray(image, dtype=float) @ np.array([0.299, 0.587, 0.114])"),
        "θ keyed in degrees": _features(theta_key="round(np.rad2deg(theta))",
                                        orientation="features.orientation_pyramid(intensity, theta)"),
        "the model's own maps, re-keyed (blocked)": """\
def my_feature_maps(image, center_levels=(2, 3, 4), deltas=(3, 4)):
    result = itti_koch.itti_koch(image, center_levels=tuple(center_levels), deltas=tuple(deltas))
    return {(key.channel, key.c, key.s, key.theta): m for key, m in result.feature_maps.items()}
""",
        "itti_koch.center_surround of each pyramid (blocked)": """\
def my_feature_maps(image, center_levels=(2, 3, 4), deltas=(3, 4)):
    levels = max(center_levels) + max(deltas) + 1
    intensity = pyramids.gaussian_pyramid(features.intensity(image), levels=levels)
    rg, by = features.opponency(image)
    labelled = [("intensity", None, intensity), ("rg", None, pyramids.gaussian_pyramid(rg, levels=levels)),
                ("by", None, pyramids.gaussian_pyramid(by, levels=levels))]
    labelled += [("orientation", t, features.orientation_pyramid(intensity, t)) for t in features.ORIENTATIONS]
    maps = {}
    for channel, theta, pyramid in labelled:
        for (c, s), m in itti_koch.center_surround(pyramid, center_levels=center_levels, deltas=deltas).items():
            maps[channel, c, s, theta] = m
    return maps
""",
    },
    "nb03_normalize_map": {
        "the global maximum included in m̄ (iNVT, SaliencyToolbox)": _normalize(
            others="others = rescaled[is_max]"),
        "every maximum equal to the global one removed, not just one": _normalize(
            others="others = rescaled[is_max & (rescaled < rescaled.max())]"),
        "8-neighbour (3×3) local maxima": _EIGHT,
        "no threshold: every local maximum counts": _normalize(is_max=_FOUR.replace(
            " & (centre >= threshold * max_value)", "")),
        "(M − m̄) not squared": _normalize(result="rescaled * (max_value - mean_others)"),
        "no rescaling to [0, M]: the factor multiplies the raw map": _normalize(
            result="m * (max_value - mean_others) ** 2"),
        "a constant map not handled (0/0 gives NaN)": _normalize(constant="pass"),
        "m̄ as the mean of every pixel above the threshold, not of the local maxima": _normalize(
            is_max="rescaled >= threshold * max_value"),
        "max_value ignored: always rescaled to [0, 10]": _normalize(
            rescaled="10.0 * (m - low) / (high - low)"),
        "threshold compared with the raw map, not the rescaled one": _normalize(is_max=_FOUR.replace(
            "(centre >= threshold * max_value)", "(m >= threshold * high)")),
        "the course's normalize_map on a float32 copy (blocked)": """\
def my_normalize(feature_map, max_value=10.0, threshold=0.1):
    m = np.asarray(feature_map, dtype=np.float32)
    return itti_koch.normalize_map(m, max_value=max_value, threshold=threshold).astype(float)
""",
    },
    "nb03_conspicuity_maps": {
        "colour: N(RG + BY) instead of N(RG) + N(BY)": _conspicuity(colour=(
            'add([N(m + feature_maps[key._replace(channel="by")]) for key, m in feature_maps.items() '
            'if key.channel == "rg"], shape)')),
        "orientation: no N after the ⊕ of each angle": _conspicuity(orientation=(
            'sum(add([N(m) for key, m in feature_maps.items() if key.channel == "orientation" and key.theta == theta], '
            'shape) for theta in thetas)')),
        "orientation: one ⊕ over all angles, then N once": _conspicuity(orientation=(
            'N(add([N(m) for key, m in feature_maps.items() if key.channel == "orientation"], shape))')),
        "no N on the feature maps (plain ⊕)": _conspicuity(
            intensity='add([m for key, m in feature_maps.items() if key.channel == "intensity"], shape)',
            colour=('add([m + feature_maps[key._replace(channel="by")] for key, m in feature_maps.items() '
                    'if key.channel == "rg"], shape)'),
            orientation=('sum(add([m for key, m in feature_maps.items() if key.channel == "orientation" '
                         'and key.theta == theta], shape) for theta in thetas)')),
        "N applied to the conspicuity maps too (that belongs to eq. 8)": _conspicuity(
            intensity=f"N({_I})", colour=f"N({_C})"),
        "intensity from the δ = 3 maps only": _conspicuity(intensity=(
            'add([N(m) for key, m in feature_maps.items() if key.channel == "intensity" and key.s == key.c + 3], '
            'shape)')),
        "⊕ by cv2.resize to scale 4 instead of REDUCE steps": _RESIZE_ADD,
        "colour from the RG maps only": _conspicuity(colour=(
            'add([N(m) for key, m in feature_maps.items() if key.channel == "rg"], shape)')),
        "the course's conspicuity_maps on copies of the maps (blocked)": """\
def my_conspicuity_maps(feature_maps, shape):
    copies = {key: np.array(m, dtype=np.float32) for key, m in feature_maps.items()}
    return dict(itti_koch.conspicuity_maps(copies, tuple(shape)))
""",
    },
}

ALTERNATIVES = {
    "nb03_feature_maps": {
        "own REDUCE loop, θ from degrees, itertools.product, explicit int keys": _LOOPS,
        "Gabor energy with cv2.filter2D of features.gabor_kernel on each level": _features(
            prelude=_GABOR_FILTER2D, orientation="[gabor_energy(level, theta) for level in intensity]"),
    },
    "nb03_normalize_map": {
        "scipy.ndimage.maximum_filter with a 4-neighbour cross": _CROSS,
        "a loop over pixels, with the flat-top rule of itti_koch.normalize_map": _LOOP_NORMALIZE,
    },
    "nb03_conspicuity_maps": {
        "explicit loops over the (c, s) pairs, ⊕ by repeated pyramids.reduce": _EXPLICIT_LOOPS,
    },
}
