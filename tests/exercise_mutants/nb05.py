"""Notebook 05 (fast baselines and evaluation): wrong solutions students write, and correct alternatives."""

from __future__ import annotations


def _variant(source: str, *changes: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replaced once; ``old`` must occur (the catalogue stays in step)."""
    for old, new in changes:
        assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times"
        source = source.replace(old, new)
    return source


NSS = '''def my_nss(saliency, fixations):
    saliency = np.asarray(saliency, dtype=np.float64)
    if saliency.max() == saliency.min():
        return 0.0
    z_scores = (saliency - saliency.mean()) / saliency.std()
    return float(z_scores[np.asarray(fixations) > 0].mean())
'''

AUC = '''def my_auc_judd(saliency, fixations):
    saliency = np.asarray(saliency, dtype=np.float64)
    fixated = np.asarray(fixations) > 0
    positives, negatives = saliency[fixated], np.sort(saliency[~fixated])
    below = np.searchsorted(negatives, positives, side="left")
    below_or_equal = np.searchsorted(negatives, positives, side="right")
    return float((below + below_or_equal).sum() / (2.0 * positives.size * negatives.size))
'''

PRIOR = '''def my_centre_prior(shape, sigma):
    height, width = shape
    rows = np.arange(height) - (height - 1) / 2.0
    cols = np.arange(width) - (width - 1) / 2.0
    return np.exp(-(rows[:, None] ** 2 + cols[None, :] ** 2) / (2.0 * sigma**2))
'''

MUTANTS = {
    "nb05_nss": {
        "the sample standard deviation (ddof=1)": _variant(NSS, ("saliency.std()", "saliency.std(ddof=1)")),
        "no check for a constant map (0 / 0)": _variant(
            NSS, ("    if saliency.max() == saliency.min():\n        return 0.0\n", "")),
        "a constant map detected by std == 0 (np.std of 0.3 everywhere comes out about 1e-17)": _variant(
            NSS, ("if saliency.max() == saliency.min():", "if saliency.std() == 0:")),
        "the sum of the z-scores at the fixations, not their mean": _variant(
            NSS, ("z_scores[np.asarray(fixations) > 0].mean()", "z_scores[np.asarray(fixations) > 0].sum()")),
        "mean and std of the fixated pixels instead of the whole map": '''def my_nss(saliency, fixations):
    saliency = np.asarray(saliency, dtype=np.float64)
    if saliency.max() == saliency.min():
        return 0.0
    at_fixations = saliency[np.asarray(fixations) > 0]
    spread = at_fixations.std()
    return float(((at_fixations - saliency.mean()) / (spread if spread > 0 else saliency.std())).mean())
''',
        "min-max normalisation instead of the z-score": _variant(
            NSS, ("(saliency - saliency.mean()) / saliency.std()",
                  "(saliency - saliency.min()) / (saliency.max() - saliency.min())")),
        "fixations weighted by their count instead of counted once": _variant(
            NSS, ("return float(z_scores[np.asarray(fixations) > 0].mean())",
                  "return float(np.average(z_scores, weights=np.asarray(fixations, dtype=float)))")),
        "only pixels equal to 1 count as fixated": _variant(
            NSS, ("np.asarray(fixations) > 0", "np.asarray(fixations) == 1")),
    },
    "nb05_auc_judd": {
        "ties ignored (strictly greater only)": _variant(
            AUC, ("(below + below_or_equal).sum() / (2.0 * positives.size * negatives.size)",
                  "below.sum() / (positives.size * negatives.size)")),
        "ties counted as wins (greater or equal)": _variant(
            AUC, ("(below + below_or_equal).sum() / (2.0 * positives.size * negatives.size)",
                  "below_or_equal.sum() / (positives.size * negatives.size)")),
        "normalised by N+ times all pixels, not N+ N-": _variant(
            AUC, ("(2.0 * positives.size * negatives.size)", "(2.0 * positives.size * saliency.size)")),
        "the negatives are every pixel, the fixated ones included": _variant(
            AUC, ("np.sort(saliency[~fixated])", "np.sort(saliency.ravel())")),
        "np.searchsorted on unsorted negatives": _variant(
            AUC, ("np.sort(saliency[~fixated])", "saliency[~fixated]")),
        "MIT's AUC_Judd.m: the ROC curve sampled only at the fixated values": '''def my_auc_judd(saliency, fixations):
    saliency = np.asarray(saliency, dtype=np.float64)
    fixated = np.asarray(fixations) > 0
    positives, negatives = saliency[fixated], saliency[~fixated]
    thresholds = np.sort(positives)[::-1]
    tpr = [0.0] + [np.mean(positives >= t) for t in thresholds] + [1.0]
    fpr = [0.0] + [np.mean(negatives >= t) for t in thresholds] + [1.0]
    return float(np.trapezoid(tpr, fpr))
''',
        "only pixels equal to 1 count as fixated": _variant(
            AUC, ("fixated = np.asarray(fixations) > 0", "fixated = np.asarray(fixations) == 1")),
        "the fraction of fixated pixels above the mean unfixated saliency": '''def my_auc_judd(saliency, fixations):
    saliency = np.asarray(saliency, dtype=np.float64)
    fixated = np.asarray(fixations) > 0
    threshold = saliency[~fixated].mean()
    above = saliency[fixated] > threshold
    tied = saliency[fixated] == threshold
    return float(above.mean() + 0.5 * tied.mean())
''',
    },
    "nb05_centre_prior": {
        "centre at (H / 2, W / 2) instead of ((H - 1) / 2, (W - 1) / 2)": _variant(
            PRIOR, ("(height - 1) / 2.0", "height / 2.0"), ("(width - 1) / 2.0", "width / 2.0")),
        "integer centre (H // 2, W // 2)": _variant(
            PRIOR, ("(height - 1) / 2.0", "(height // 2)"), ("(width - 1) / 2.0", "(width // 2)")),
        "sigma used as the variance: exp(-d² / (2 sigma))": _variant(PRIOR, ("(2.0 * sigma**2)", "(2.0 * sigma)")),
        "the factor 2 forgotten: exp(-d² / sigma²)": _variant(PRIOR, ("(2.0 * sigma**2)", "(sigma**2)")),
        "normalised to sum 1 (a density) instead of a peak of 1": _variant(
            PRIOR, ("    return np.exp(-(rows[:, None] ** 2 + cols[None, :] ** 2) / (2.0 * sigma**2))\n",
                    "    prior = np.exp(-(rows[:, None] ** 2 + cols[None, :] ** 2) / (2.0 * sigma**2))\n"
                    "    return prior / prior.sum()\n")),
        "rows and columns swapped (shape (W, H))": _variant(
            PRIOR, ("rows[:, None] ** 2 + cols[None, :] ** 2", "rows[None, :] ** 2 + cols[:, None] ** 2")),
        "1 - Gaussian: high at the border": _variant(
            PRIOR, ("    return np.exp(", "    return 1.0 - np.exp(")),
        "the distance, not its square, in the exponent": _variant(
            PRIOR, ("-(rows[:, None] ** 2 + cols[None, :] ** 2)", "-np.sqrt(rows[:, None] ** 2 + cols[None, :] ** 2)")),
    },
}

ALTERNATIVES = {
    "nb05_nss": {
        "scipy.stats.zscore over the flattened map": '''from scipy import stats

def my_nss(saliency, fixations):
    values = np.asarray(saliency, dtype=float).ravel()
    if np.ptp(values) == 0:
        return 0.0
    return float(stats.zscore(values)[np.asarray(fixations).ravel() > 0].mean())
''',
        "mean and std by explicit sums, a loop over the fixated pixels": '''def my_nss(saliency, fixations):
    s = np.asarray(saliency, dtype=float)
    if s.min() == s.max():
        return 0.0
    mean = s.sum() / s.size
    std = np.sqrt(((s - mean) ** 2).sum() / s.size)
    total, n = 0.0, 0
    for r, c in zip(*np.nonzero(np.asarray(fixations) > 0)):
        total += (s[r, c] - mean) / std
        n += 1
    return total / n
''',
    },
    "nb05_auc_judd": {
        "the rank-sum (Mann-Whitney U) form with scipy's average ranks": '''from scipy.stats import rankdata

def my_auc_judd(saliency, fixations):
    values = np.asarray(saliency, dtype=float).ravel()
    fixated = np.asarray(fixations).ravel() > 0
    n_pos, n_neg = fixated.sum(), (~fixated).sum()
    ranks = rankdata(values)               # ties get the average rank: each tie counts one half
    u = ranks[fixated].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))
''',
        "all pairs compared by broadcasting": '''def my_auc_judd(saliency, fixations):
    s = np.asarray(saliency, dtype=float)
    fixated = np.asarray(fixations) > 0
    pos, neg = s[fixated][:, None], s[~fixated][None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))
''',
        "the ROC curve at every distinct value, integrated with the trapezoid rule": '''def my_auc_judd(saliency, fixations):
    s = np.asarray(saliency, dtype=float).ravel()
    fixated = np.asarray(fixations).ravel() > 0
    thresholds = np.unique(s)[::-1]                      # every distinct value, highest first
    tpr, fpr = [0.0], [0.0]
    for t in thresholds:                                 # "S >= t" is called fixated
        tpr.append(np.count_nonzero(s[fixated] >= t) / fixated.sum())
        fpr.append(np.count_nonzero(s[~fixated] >= t) / (~fixated).sum())
    return float(np.trapezoid(tpr, fpr))
''',
    },
    "nb05_centre_prior": {
        "np.meshgrid with ij indexing and np.hypot": '''def my_centre_prior(shape, sigma):
    r, c = np.meshgrid(np.arange(shape[0], dtype=float), np.arange(shape[1], dtype=float), indexing="ij")
    d = np.hypot(r - (shape[0] - 1) / 2, c - (shape[1] - 1) / 2)
    return np.exp(-0.5 * (d / sigma) ** 2)
''',
        "the outer product of two 1-D Gaussians (separable)": '''def my_centre_prior(shape, sigma):
    g_rows = np.exp(-((np.arange(shape[0]) - (shape[0] - 1) / 2) ** 2) / (2 * sigma**2))
    g_cols = np.exp(-((np.arange(shape[1]) - (shape[1] - 1) / 2) ** 2) / (2 * sigma**2))
    return np.outer(g_rows, g_cols)
''',
    },
}


DENSITY = '''def my_fixation_density(clicks, shape, sigma):
    points = np.asarray(clicks, dtype=np.float64).reshape(len(clicks), -1)
    cols = np.floor(points[:, 0] + 0.5).astype(int)
    rows = np.floor(points[:, 1] + 0.5).astype(int)
    height, width = shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    if not inside.any():
        raise ValueError("no click lies inside the image")
    fixated = np.zeros((height, width), dtype=np.float32)
    fixated[rows[inside], cols[inside]] = 1.0
    blurred = baselines.blur_map(fixated, sigma).astype(np.float64)
    return blurred / blurred.sum()
'''

MUTANTS["nb05_fixation_density"] = {
    "x taken as the row and y as the column": _variant(
        DENSITY, ("cols = np.floor(points[:, 0] + 0.5)", "cols = np.floor(points[:, 1] + 0.5)"),
        ("rows = np.floor(points[:, 1] + 0.5)", "rows = np.floor(points[:, 0] + 0.5)")),
    "truncated to the pixel below instead of rounded": _variant(
        DENSITY, ("cols = np.floor(points[:, 0] + 0.5)", "cols = np.floor(points[:, 0])"),
        ("rows = np.floor(points[:, 1] + 0.5)", "rows = np.floor(points[:, 1])")),
    "not divided by its sum": _variant(DENSITY, ("return blurred / blurred.sum()", "return blurred")),
    "two clicks on one pixel counted twice": _variant(
        DENSITY, ("fixated[rows[inside], cols[inside]] = 1.0", "np.add.at(fixated, (rows[inside], cols[inside]), 1.0)")),
    "sigma given to cv2.GaussianBlur as the kernel size": _variant(
        DENSITY, ("blurred = baselines.blur_map(fixated, sigma).astype(np.float64)",
                  "size = 2 * int(sigma) + 1\n    blurred = cv2.GaussianBlur(fixated, (size, size), 0).astype(np.float64)")),
    "zeros beyond the border (mass near the border lost)": _variant(
        DENSITY, ("blurred = baselines.blur_map(fixated, sigma).astype(np.float64)",
                  "blurred = cv2.GaussianBlur(fixated, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT).astype(np.float64)")),
    "clicks outside the image kept by clipping them to the border": _variant(
        DENSITY, ("    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)\n",
                  "    rows, cols = np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)\n"
                  "    inside = np.ones(len(rows), dtype=bool)\n")),
}

ALTERNATIVES["nb05_fixation_density"] = {
    "scipy's Gaussian filter with mirrored borders, pixels marked in a loop": '''from scipy.ndimage import gaussian_filter

def my_fixation_density(clicks, shape, sigma):
    fixated = np.zeros(shape)
    for x, y in np.asarray(clicks, dtype=float)[:, :2]:
        row, col = int(np.floor(y + 0.5)), int(np.floor(x + 0.5))
        if 0 <= row < shape[0] and 0 <= col < shape[1]:
            fixated[row, col] = 1
    if fixated.sum() == 0:
        raise ValueError("every click is outside the image")
    density = gaussian_filter(fixated, sigma, mode="mirror", truncate=3.0)
    return density / density.sum()
''',
    "np.unique of the rounded pixels and cv2.GaussianBlur with sigma, reflected borders": '''def my_fixation_density(clicks, shape, sigma):
    xy = np.floor(np.asarray(clicks, dtype=float)[:, :2] + 0.5).astype(int)
    keep = (xy[:, 0] >= 0) & (xy[:, 0] < shape[1]) & (xy[:, 1] >= 0) & (xy[:, 1] < shape[0])
    pixels = np.unique(xy[keep], axis=0)
    if len(pixels) == 0:
        raise ValueError("no click inside the image")
    fixated = np.zeros(shape, np.float32)
    fixated[pixels[:, 1], pixels[:, 0]] = 1
    blurred = cv2.GaussianBlur(fixated, (0, 0), sigma).astype(float)
    return blurred / blurred.sum()
''',
}
