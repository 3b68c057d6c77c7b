"""Wrong and right answers for notebooks/05b_video_saliency.ipynb (see ``__init__.py`` for the format)."""

from __future__ import annotations


def _edit(source: str, *replacements: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replaced once; an ``old`` that is missing is a catalogue bug."""
    for old, new in replacements:
        assert source.count(old) == 1, f"not exactly once in the source: {old!r}"
        source = source.replace(old, new)
    return source


# --------------------------------------------------------------------------
# Exercise 1: the superpixel contrast of one frame pair
# --------------------------------------------------------------------------
CONTRAST = '''\
def my_frame_contrast(previous_lab, current_lab, previous_labels, current_labels, sigma):
    def regions(lab, labels):  # label ids (K,), centroids (K, 2), mean Lab (K, 3)
        flat, ids = labels.ravel(), np.unique(labels)
        rows, cols = np.indices(labels.shape)
        sums = [np.bincount(flat, weights=v.ravel())[ids] for v in (rows, cols, lab[..., 0], lab[..., 1], lab[..., 2])]
        means = np.stack(sums, axis=1) / np.bincount(flat)[ids, None]
        return ids, means[:, :2], means[:, 2:]

    _, prev_xy, prev_colour = regions(previous_lab, previous_labels)
    ids, cur_xy, cur_colour = regions(current_lab, current_labels)
    d2 = ((cur_xy[:, None] - prev_xy[None]) ** 2).sum(axis=2)
    nearest = d2.min(axis=1, keepdims=True)
    w = np.where((d2 <= (3 * sigma) ** 2) | (d2 == nearest), np.exp(-(d2 - nearest) / (2 * sigma**2)), 0.0)
    delta_e = np.linalg.norm(cur_colour[:, None] - prev_colour[None], axis=2)
    lookup = np.zeros(ids.max() + 1)
    lookup[ids] = (w * delta_e).sum(axis=1) / w.sum(axis=1)
    return lookup[current_labels]
'''

CONTRAST_LOOPS = '''\
def my_frame_contrast(previous_lab, current_lab, previous_labels, current_labels, sigma):
    def stats(lab, labels):
        found = {}
        for label in np.unique(labels):
            inside = labels == label
            rows, cols = np.nonzero(inside)
            found[label] = (np.array([rows.mean(), cols.mean()]), lab[inside].mean(axis=0))
        return found

    previous, current = stats(previous_lab, previous_labels), stats(current_lab, current_labels)
    result = np.zeros(current_labels.shape)
    for label, (centre, colour) in current.items():
        distances = {j: np.linalg.norm(centre - p) for j, (p, _) in previous.items()}
        nearest = min(distances.values())
        total = weight_sum = 0.0
        for j, (_, other) in previous.items():
            d = distances[j]
            if d <= 3 * sigma or d == nearest:
                w = np.exp(-(d**2 - nearest**2) / (2 * sigma**2))
                total += w * np.linalg.norm(colour - other)
                weight_sum += w
        result[current_labels == label] = total / weight_sum
    return result
'''

CONTRAST_SKIMAGE = '''\
from scipy.spatial.distance import cdist
from skimage.measure import regionprops


def my_frame_contrast(previous_lab, current_lab, previous_labels, current_labels, sigma):
    def stats(lab, labels):  # regionprops skips label 0: shift every label by one
        props = regionprops(labels + 1, intensity_image=lab)
        return (np.array([p.label - 1 for p in props]), np.array([p.centroid for p in props]),
                np.array([p.intensity_mean for p in props]))

    _, prev_xy, prev_colour = stats(previous_lab, previous_labels)
    ids, cur_xy, cur_colour = stats(current_lab, current_labels)
    d = cdist(cur_xy, prev_xy)
    nearest = d.min(axis=1, keepdims=True)
    w = np.exp(-(d**2 - nearest**2) / (2 * sigma**2)) * ((d <= 3 * sigma) | (d == nearest))
    scores = (w * cdist(cur_colour, prev_colour)).sum(axis=1) / w.sum(axis=1)
    lookup = np.zeros(ids.max() + 1)
    lookup[ids] = scores
    return lookup[current_labels]
'''

# --------------------------------------------------------------------------
# Exercise 2: frame differencing
# --------------------------------------------------------------------------
DIFFERENCE = '''\
def my_frame_difference(previous, current):
    change = rgb2lab(current) - rgb2lab(previous)
    return np.sqrt((change**2).sum(axis=2))
'''

# --------------------------------------------------------------------------
# Exercise 3: when the learnt background swallows the object
# --------------------------------------------------------------------------
ABSORPTION = '''\
def my_absorption_frame(motion, masks, start):
    for t in range(start, len(motion)):
        on_object = motion[t][masks[t]]
        if on_object.size and not on_object.any():
            return t
    return None
'''

MUTANTS = {
    "nb05b_frame_contrast": {
        "the article's centre distance: signed coordinate differences, summed": _edit(
            CONTRAST, ("d2 = ((cur_xy[:, None] - prev_xy[None]) ** 2).sum(axis=2)",
                       "d2 = (cur_xy[:, None] - prev_xy[None]).sum(axis=2) ** 2")),
        "a weighted sum of the colour distances, not divided by the sum of the weights": _edit(
            CONTRAST, ("(w * delta_e).sum(axis=1) / w.sum(axis=1)", "(w * delta_e).sum(axis=1)")),
        "a plain mean over the regions within 3 sigma (no Gaussian weights)": _edit(
            CONTRAST, ("np.exp(-(d2 - nearest) / (2 * sigma**2))", "1.0")),
        "the Gaussian without the 2: exp(-d^2 / sigma^2)": _edit(
            CONTRAST, ("np.exp(-(d2 - nearest) / (2 * sigma**2))", "np.exp(-(d2 - nearest) / sigma**2)")),
        "sigma taken as the variance: exp(-d^2 / 2 sigma)": _edit(
            CONTRAST, ("np.exp(-(d2 - nearest) / (2 * sigma**2))", "np.exp(-(d2 - nearest) / (2 * sigma))")),
        "the cut-off strict, d < 3 sigma, where the exercise says d <= 3 sigma (centroids 30 px apart on SLIC's grid)": _edit(
            CONTRAST, ("(d2 <= (3 * sigma) ** 2)", "(d2 < (3 * sigma) ** 2)")),
        "the cut-off 3 sigma compared with the squared distance as 3 sigma^2": _edit(
            CONTRAST, ("(d2 <= (3 * sigma) ** 2)", "(d2 <= 3 * sigma**2)")),
        "the lightness difference |dL*| instead of the Lab distance": _edit(
            CONTRAST, ("np.linalg.norm(cur_colour[:, None] - prev_colour[None], axis=2)",
                       "np.abs(cur_colour[:, None, 0] - prev_colour[None, :, 0])")),
        "no nearest-region fallback: only the regions within 3 sigma count": _edit(
            CONTRAST, ("(d2 <= (3 * sigma) ** 2) | (d2 == nearest)", "d2 <= (3 * sigma) ** 2")),
        "no rescaling by the nearest distance: far regions' weights underflow to 0": _edit(
            CONTRAST, ("np.exp(-(d2 - nearest) / (2 * sigma**2))", "np.exp(-d2 / (2 * sigma**2))")),
        "region statistics for every label number up to the largest (gaps give 0 / 0)": _edit(
            CONTRAST, ("flat, ids = labels.ravel(), np.unique(labels)", "flat = labels.ravel(); ids = np.arange(labels.max() + 1)")),
        "regions painted by label minus the smallest label (assumes no gaps)": _edit(
            CONTRAST, ("lookup = np.zeros(ids.max() + 1)\n    lookup[ids] = (w * delta_e).sum(axis=1) / w.sum(axis=1)\n"
                       "    return lookup[current_labels]",
                       "scores = (w * delta_e).sum(axis=1) / w.sum(axis=1)\n"
                       "    return scores[current_labels - current_labels.min()]")),
        "each current region compared with the current frame's regions, not the previous frame's": _edit(
            CONTRAST, ("_, prev_xy, prev_colour = regions(previous_lab, previous_labels)",
                       "_, prev_xy, prev_colour = regions(current_lab, current_labels)")),
    },
    "nb05b_frame_difference": {
        "the lightness change |dL*| alone": _edit(
            DIFFERENCE, ("return np.sqrt((change**2).sum(axis=2))", "return np.abs(change[..., 0])")),
        "the Euclidean distance in RGB, no Lab": _edit(
            DIFFERENCE, ("change = rgb2lab(current) - rgb2lab(previous)", "change = current - previous")),
        "the sum of absolute Lab differences (L1, city-block) instead of the Euclidean norm": _edit(
            DIFFERENCE, ("return np.sqrt((change**2).sum(axis=2))", "return np.abs(change).sum(axis=2)")),
        "the squared distance (no square root)": _edit(
            DIFFERENCE, ("return np.sqrt((change**2).sum(axis=2))", "return (change**2).sum(axis=2)")),
        "the mean of the absolute channel differences": _edit(
            DIFFERENCE, ("return np.sqrt((change**2).sum(axis=2))", "return np.abs(change).mean(axis=2)")),
        "the frames made grey first, then compared in Lab": _edit(
            DIFFERENCE, ("change = rgb2lab(current) - rgb2lab(previous)",
                         "from skimage.color import gray2rgb, rgb2gray\n"
                         "    change = rgb2lab(gray2rgb(rgb2gray(current))) - rgb2lab(gray2rgb(rgb2gray(previous)))")),
        "the absolute value of the summed signed channel differences": _edit(
            DIFFERENCE, ("return np.sqrt((change**2).sum(axis=2))", "return np.abs(change.sum(axis=2))")),
        "CIEDE2000 instead of the CIE76 distance": _edit(
            DIFFERENCE, ("change = rgb2lab(current) - rgb2lab(previous)\n    return np.sqrt((change**2).sum(axis=2))",
                         "from skimage.color import deltaE_ciede2000\n"
                         "    return deltaE_ciede2000(rgb2lab(previous), rgb2lab(current))")),
    },
    "nb05b_absorption": {
        "absorbed as soon as one pixel of the object is background (any, not all)": _edit(
            ABSORPTION, ("if on_object.size and not on_object.any():", "if on_object.size and not on_object.all():")),
        "frames without the object are not skipped (an empty mask counts as absorbed)": _edit(
            ABSORPTION, ("if on_object.size and not on_object.any():", "if not on_object.any():")),
        "start is ignored: the search begins at frame 0": _edit(
            ABSORPTION, ("for t in range(start, len(motion)):", "for t in range(len(motion)):")),
        "-1 instead of None when the object is never absorbed": _edit(
            ABSORPTION, ("    return None\n", "    return -1\n")),
        "the last frame where the object is still foreground (one frame early)": _edit(
            ABSORPTION, ("return t\n", "return t - 1\n")),
        "background taken as a value below 0.5, not as exactly 0": _edit(
            ABSORPTION, ("if on_object.size and not on_object.any():", "if on_object.size and np.all(on_object < 0.5):")),
        "the whole frame must be background, not only the object's pixels": _edit(
            ABSORPTION, ("if on_object.size and not on_object.any():", "if on_object.size and not motion[t].any():")),
        "frames counted from start (enumerate over motion[start:] without adding start)": '''\
def my_absorption_frame(motion, masks, start):
    for t, (frame, mask) in enumerate(zip(motion[start:], masks[start:])):
        if mask.any() and not frame[mask].any():
            return t
    return None
''',
        "the object's mask of frame start used for every frame": _edit(
            ABSORPTION, ("on_object = motion[t][masks[t]]", "on_object = motion[t][masks[start]]")),
    },
}

ALTERNATIVES = {
    "nb05b_frame_contrast": {
        "loops over the regions, distances with np.linalg.norm": CONTRAST_LOOPS,
        "skimage regionprops for the statistics, scipy cdist for the distances": CONTRAST_SKIMAGE,
    },
    "nb05b_frame_difference": {
        "np.linalg.norm over the channel axis": '''\
def my_frame_difference(previous, current):
    return np.linalg.norm(rgb2lab(current) - rgb2lab(previous), axis=-1)
''',
        "the three channel differences one by one, then np.hypot": '''\
def my_frame_difference(previous, current):
    lab_previous, lab_current = rgb2lab(previous), rgb2lab(current)
    dl, da, db = (lab_current[..., k] - lab_previous[..., k] for k in range(3))
    return np.hypot(np.hypot(dl, da), db)
''',
    },
    "nb05b_absorption": {
        "vectorised over the frames": '''\
def my_absorption_frame(motion, masks, start):
    motion, masks = np.asarray(motion), np.asarray(masks, bool)
    present = masks.any(axis=(1, 2))
    moving = ((motion != 0) & masks).any(axis=(1, 2))
    found = np.flatnonzero(present & ~moving)
    found = found[found >= start]
    return int(found[0]) if found.size else None
''',
        "a while loop, sum of the map on the object": '''\
def my_absorption_frame(motion, masks, start):
    t = start
    while t < len(motion):
        if masks[t].sum() > 0 and np.abs(motion[t][masks[t]]).sum() == 0:
            return t
        t += 1
    return None
''',
    },
}
