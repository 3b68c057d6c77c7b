"""Wrong and right answers to the exercises of notebook 02 (feature channels)."""

from __future__ import annotations

# --------------------------------------------------------------------------
# nb02_broadly_tuned: hue normalisation (relative threshold) and R, G, B, Y
# --------------------------------------------------------------------------
_TUNED = """\
def my_broadly_tuned(image):
    image = np.asarray(image, dtype=float)
    value = {value}
    keep = {keep}
    normalised = np.zeros_like(image)
    normalised[keep] = image[keep] / value[keep, None]
    r, g, b = normalised[..., 0], normalised[..., 1], normalised[..., 2]
    red = {red}
    green = g - (r + b) / 2
    blue = b - (r + g) / 2
    yellow = {yellow}
    return tuple({clip} for channel in (red, green, blue, yellow))
"""


def _tuned(value="image.mean(axis=2)", keep="value > value.max() / 10", red="r - (g + b) / 2",
           yellow="(r + g) / 2 - np.abs(r - g) / 2 - b", clip="np.maximum(channel, 0)"):
    return _TUNED.format(value=value, keep=keep, red=red, yellow=yellow, clip=clip)


# --------------------------------------------------------------------------
# nb02_colour_features: |RG(c) ⊖ RG(s)|, |BY(c) ⊖ BY(s)|
# --------------------------------------------------------------------------
_COLOUR = """\
def my_colour_features(image, c, s):
    tuned = features.broadly_tuned_colours(image)
    feature_maps = []
    for signed in ({rg}, {by}):
        pyramid = pyramids.gaussian_pyramid({before}, levels=s + 2)
        feature_maps.append({combine})
    return tuple(feature_maps)
"""


def _colour(rg="tuned.red - tuned.green", by="tuned.blue - tuned.yellow", before="signed",
            combine="np.abs(pyramids.across_scale_difference(pyramid[c], pyramid[s]))"):
    return _COLOUR.format(rg=rg, by=by, before=before, combine=combine)


_CENTRE_ALIGNED = """\
import cv2

def my_colour_features(image, c, s):
    tuned = features.broadly_tuned_colours(image)
    feature_maps = []
    for signed in (tuned.red - tuned.green, tuned.blue - tuned.yellow):
        pyramid = pyramids.gaussian_pyramid(signed, levels=s + 1)
        centre = pyramid[c]
        surround = cv2.resize(pyramid[s], (centre.shape[1], centre.shape[0]), interpolation=cv2.INTER_LINEAR)
        feature_maps.append(np.abs(centre - surround))
    return tuple(feature_maps)
"""

_RAW_RGB = """\
def my_colour_features(image, c, s):
    image = np.asarray(image, dtype=float)
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    feature_maps = []
    for signed in (r - g, b - (r + g) / 2):  # no hue normalisation, no broadly tuned channels
        pyramid = pyramids.gaussian_pyramid(signed, levels=s + 1)
        feature_maps.append(np.abs(pyramids.across_scale_difference(pyramid[c], pyramid[s])))
    return tuple(feature_maps)
"""

_SEPARATE_PYRAMIDS = """\
def my_colour_features(image, c, s):
    tuned = features.broadly_tuned_colours(image)
    P = {name: pyramids.gaussian_pyramid(getattr(tuned, name), levels=s + 1)
         for name in ("red", "green", "blue", "yellow")}
    rg = np.abs(pyramids.across_scale_difference(P["red"][c] - P["green"][c], P["red"][s] - P["green"][s]))
    by = np.abs(pyramids.across_scale_difference(P["blue"][c] - P["yellow"][c], P["blue"][s] - P["yellow"][s]))
    return rg, by
"""

_OWN_BILINEAR = """\
def my_colour_features(image, c, s):
    rg, by = [], []
    image = np.asarray(image, dtype=np.float64)
    value = image.mean(axis=2)
    keep = value > value.max() / 10
    norm = np.zeros_like(image)
    norm[keep] = image[keep] / value[keep, None]
    r, g, b = norm[..., 0], norm[..., 1], norm[..., 2]
    R = np.maximum(r - (g + b) / 2, 0)
    G = np.maximum(g - (r + b) / 2, 0)
    B = np.maximum(b - (r + g) / 2, 0)
    Y = np.maximum((r + g) / 2 - np.abs(r - g) / 2 - b, 0)
    out = []
    for signed in (R - G, B - Y):
        levels = [signed]
        for _ in range(s):
            levels.append(pyramids.reduce(levels[-1]))
        centre, surround = levels[c], levels[s]
        step = 2.0 ** (s - c)   # pyramid-aligned: centre pixel i sits at i / 2^(s - c)
        rows = np.minimum(np.arange(centre.shape[0]) / step, surround.shape[0] - 1)
        cols = np.minimum(np.arange(centre.shape[1]) / step, surround.shape[1] - 1)
        r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
        r1, c1 = np.minimum(r0 + 1, surround.shape[0] - 1), np.minimum(c0 + 1, surround.shape[1] - 1)
        fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
        up = (surround[r0][:, c0] * (1 - fc) + surround[r0][:, c1] * fc) * (1 - fr) \\
            + (surround[r1][:, c0] * (1 - fc) + surround[r1][:, c1] * fc) * fr
        out.append(np.abs(centre - up))
    return tuple(out)
"""

# --------------------------------------------------------------------------
# nb02_gabor_kernel: a complex, zero-mean Gabor kernel
# --------------------------------------------------------------------------
_GABOR = """\
def my_gabor_kernel(sigma, theta, frequency):
    radius = {radius}
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(float)
    x_rot = {x_rot}
    y_rot = {y_rot}
    envelope = np.exp(-(x_rot**2 + y_rot**2) / ({two} * sigma**2)) / (2 * np.pi * sigma**2)
    carrier = {carrier}
    kappa = {kappa}
    return {result}
"""


def _gabor(radius="int(np.ceil(3 * sigma))", x_rot="x * np.cos(theta) + y * np.sin(theta)",
           y_rot="-x * np.sin(theta) + y * np.cos(theta)", two="2",
           carrier="np.exp(2j * np.pi * frequency * x_rot)",
           kappa="(envelope * carrier).sum() / envelope.sum()", result="envelope * (carrier - kappa)"):
    return _GABOR.format(radius=radius, x_rot=x_rot, y_rot=y_rot, two=two, carrier=carrier, kappa=kappa,
                         result=result)


_GABOR_PARTS = """\
def my_gabor_kernel(sigma, theta, frequency):
    r = int(np.ceil(3 * sigma))
    size = 2 * r + 1
    even = np.empty((size, size))
    odd = np.empty((size, size))
    envelope = np.empty((size, size))
    for row in range(size):
        for col in range(size):
            x, y = col - r, row - r                     # column = x, row = y (pointing down)
            along = x * np.cos(theta) + y * np.sin(theta)
            across = -x * np.sin(theta) + y * np.cos(theta)
            envelope[row, col] = np.exp(-(along**2 + across**2) / (2 * sigma**2))
            even[row, col] = np.cos(2 * np.pi * frequency * along)
            odd[row, col] = np.sin(2 * np.pi * frequency * along)
    kappa = (envelope * even).sum() / envelope.sum()    # the odd part sums to zero by symmetry
    kernel = envelope * (even - kappa) + 1j * envelope * odd
    return kernel / np.linalg.norm(kernel)              # any constant factor is allowed
"""

MUTANTS = {
    "nb02_broadly_tuned": {
        "absolute hue threshold I > 0.1 (iNVT, SaliencyToolbox) instead of max(I)/10": _tuned(keep="value > 0.1"),
        "threshold relative to the mean intensity instead of the maximum": _tuned(keep="value > value.mean() / 10"),
        "no threshold at all (divide everywhere, guarding against 0)": _tuned(keep="value > 0"),
        "precedence bug R = (r' - (g' + b'))/2": _tuned(red="(r - (g + b)) / 2"),
        "negatives not set to zero": _tuned(clip="channel"),
        "iNVT's yellow: the full |r' - g'|, doubled": _tuned(yellow="(r + g) - np.abs(r - g) - 2 * b"),
        "luma weights (0.299, 0.587, 0.114) for I": _tuned(value="image @ np.array([0.299, 0.587, 0.114])"),
        "no hue normalisation (channels of raw r, g, b)": _TUNED.format(
            value="image.mean(axis=2)", keep="value > value.max() / 10", red="r - (g + b) / 2",
            yellow="(r + g) / 2 - np.abs(r - g) / 2 - b", clip="np.maximum(channel, 0)").replace(
            "normalised[keep] = image[keep] / value[keep, None]", "normalised[keep] = image[keep]"),
        "the course's broadly_tuned_colours unpacked into a tuple (blocked)": """\
def my_broadly_tuned(image):
    tuned = features.broadly_tuned_colours(image)
    return tuned.red, tuned.green, tuned.blue, tuned.yellow
""",
        "the course's normalize_hue for the first half (blocked)": """\
def my_broadly_tuned(image):
    r, g, b = np.moveaxis(features.normalize_hue(image).astype(float), -1, 0)
    channels = (r - (g + b) / 2, g - (r + b) / 2, b - (r + g) / 2, (r + g) / 2 - np.abs(r - g) / 2 - b)
    return tuple(np.maximum(channel, 0) for channel in channels)
""",
    },
    "nb02_colour_features": {
        "literal eq. 2: ⊖ of the negated surround (G - R)(s), a sum": _colour(
            combine="np.abs(pyramids.across_scale_difference(pyramid[c], -pyramid[s]))"),
        "rectified too early: |R - G| before the pyramid": _colour(before="np.abs(signed)"),
        "no absolute value after ⊖ (signed maps)": _colour(
            combine="pyramids.across_scale_difference(pyramid[c], pyramid[s])"),
        "each level rectified before ⊖: ||RG(c)| ⊖ |RG(s)||": _colour(
            combine="np.abs(pyramids.across_scale_difference(np.abs(pyramid[c]), np.abs(pyramid[s])))"),
        "levels counted from 1 (pyramid[c + 1], pyramid[s + 1])": _colour(
            combine="np.abs(pyramids.across_scale_difference(pyramid[c + 1], pyramid[s + 1]))"),
        "centre-aligned cv2.resize instead of the pyramid-aligned ⊖": _CENTRE_ALIGNED,
        "opponency of raw r, g, b (no hue normalisation, no broadly tuned channels)": _RAW_RGB,
        "the pair in the wrong order (BY, RG)": _colour(rg="tuned.blue - tuned.yellow", by="tuned.red - tuned.green"),
        "BY from B - (R + G)/2 instead of B - Y": _colour(by="tuned.blue - (tuned.red + tuned.green) / 2"),
        "the course's opponency for RG and BY (blocked)": """\
def my_colour_features(image, c, s):
    out = []
    for signed in features.opponency(image):
        pyramid = pyramids.gaussian_pyramid(signed, levels=s + 1)
        out.append(np.abs(pyramids.across_scale_difference(pyramid[c], pyramid[s])))
    return tuple(out)
""",
        "itti_koch.center_surround of each signed pyramid (blocked)": """\
from course_lib import itti_koch

def my_colour_features(image, c, s):
    tuned = features.broadly_tuned_colours(image)
    out = []
    for signed in (tuned.red - tuned.green, tuned.blue - tuned.yellow):
        pyramid = pyramids.gaussian_pyramid(signed, levels=s + 1)
        out.append(itti_koch.center_surround(pyramid, center_levels=(c,), deltas=(s - c,))[(c, s)])
    return tuple(out)
""",
    },
    "nb02_gabor_kernel": {
        "carrier 2π too low: exp(i f x') instead of exp(i 2π f x')": _gabor(carrier="np.exp(1j * frequency * x_rot)"),
        "frequency used as a wavelength: exp(i 2π x' / f)": _gabor(carrier="np.exp(2j * np.pi * x_rot / frequency)"),
        "no κ: the cosine part keeps a response to plain brightness": _gabor(kappa="0"),
        "κ as the plain mean of the carrier, not weighted by the envelope": _gabor(kappa="carrier.mean()"),
        "zero mean by subtracting the kernel's mean (a constant), not κ times the envelope": _gabor(
            kappa="0", result="envelope * carrier - (envelope * carrier).mean()"),
        "y pointing up: x' = x cos θ - y sin θ": _gabor(x_rot="x * np.cos(theta) - y * np.sin(theta)",
                                                        y_rot="x * np.sin(theta) + y * np.cos(theta)"),
        "carrier along y' (θ measured from the y axis)": _gabor(carrier="np.exp(2j * np.pi * frequency * y_rot)",
                                                              kappa="(envelope * carrier).sum() / envelope.sum()"),
        "radius int(3σ) instead of ⌈3σ⌉": _gabor(radius="int(3 * sigma)"),
        "radius round(3σ) instead of ⌈3σ⌉": _gabor(radius="int(round(3 * sigma))"),
        "real kernel: the cosine part only": _gabor(result="(envelope * (carrier - kappa)).real"),
        "envelope exp(-r²/σ²) (the 2 forgotten)": _gabor(two="1"),
        "the course's gabor_kernel, scaled (blocked)": """\
def my_gabor_kernel(sigma, theta, frequency):
    return 2.0 * features.gabor_kernel(float(sigma), float(theta), float(frequency))
""",
    },
}

ALTERNATIVES = {
    "nb02_broadly_tuned": {
        "the identities R = 1.5 max(r - I, 0)/I, Y = max(min(r, g) - b, 0)/I": """\
def my_broadly_tuned(image):
    image = np.asarray(image, dtype=np.float64)
    r, g, b = np.moveaxis(image, -1, 0)
    value = (r + g + b) / 3
    inverse = np.divide(1.0, value, out=np.zeros_like(value), where=value > value.max() / 10)
    red = 1.5 * np.maximum(r - value, 0) * inverse
    green = 1.5 * np.maximum(g - value, 0) * inverse
    blue = 1.5 * np.maximum(b - value, 0) * inverse
    yellow = np.maximum(np.minimum(r, g) - b, 0) * inverse
    return red, green, blue, yellow
""",
        "torch, channels first": """\
import torch

def my_broadly_tuned(image):
    x = torch.as_tensor(np.asarray(image, dtype=np.float64)).permute(2, 0, 1)
    value = x.mean(dim=0)
    keep = value > value.max() / 10
    n = torch.where(keep, x / torch.where(keep, value, torch.ones_like(value)), torch.zeros_like(x))
    r, g, b = n
    channels = (r - (g + b) / 2, g - (r + b) / 2, b - (r + g) / 2, (r + g) / 2 - (r - g).abs() / 2 - b)
    return tuple(channel.clamp(min=0).numpy() for channel in channels)
""",
    },
    "nb02_colour_features": {
        "pyramids of R, G, B, Y apart (⊖ and REDUCE are linear)": _SEPARATE_PYRAMIDS,
        "own hue normalisation, own REDUCE loop and own pyramid-aligned bilinear ⊖": _OWN_BILINEAR,
    },
    "nb02_gabor_kernel": {
        "even and odd parts built in a loop, scaled to unit norm": _GABOR_PARTS,
        "κ from the real part only (its imaginary part is 0 by symmetry)": _gabor(
            kappa="(envelope * np.cos(2 * np.pi * frequency * x_rot)).sum() / envelope.sum()"),
    },
}
