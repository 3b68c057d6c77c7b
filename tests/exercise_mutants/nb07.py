"""Wrong solutions students write, and legitimate alternatives, for notebook 07 (localisation, beyond the gradient)."""

# ---------------------------------------------------------------------------
# §5 seeds -> GrabCut -> largest 8-connected component -> box
# ---------------------------------------------------------------------------
_BOX_HEAD = '''from scipy import ndimage


def my_saliency_box(image, saliency):
    high, low = np.quantile(saliency, [0.95, 0.30])
    seeds = np.zeros(saliency.shape, np.int8)
    seeds[saliency >= high] = 1
    seeds[saliency <= low] = -1
    if not (seeds == 1).any() or not (seeds == -1).any():
        return np.zeros(4, np.int64)
    foreground = localization.graphcut_segmentation(image, seeds)
'''
_BOX_TAIL = '''    rows, cols = np.nonzero(largest)
    return np.array([rows.min(), cols.min(), rows.max() + 1, cols.max() + 1])
'''
_LARGEST_8 = '''    labels, n = ndimage.label(foreground, structure=np.ones((3, 3)))
    if n == 0:
        return np.zeros(4, np.int64)
    largest = labels == 1 + np.argmax(np.bincount(labels.ravel())[1:])
'''

SALIENCY_BOX_MUTANTS = {
    "4-connected components (ndimage.label's default structure) where the text says 8": _BOX_HEAD + '''    labels, n = ndimage.label(foreground)
    if n == 0:
        return np.zeros(4, np.int64)
    largest = labels == 1 + np.argmax(np.bincount(labels.ravel())[1:])
''' + _BOX_TAIL,
    "no largest-component step: the box of the whole GrabCut foreground": _BOX_HEAD + '''    largest = foreground
''' + _BOX_TAIL,
    "argmax over the label counts includes label 0, the background": _BOX_HEAD + '''    labels, n = ndimage.label(foreground, structure=np.ones((3, 3)))
    largest = labels == np.argmax(np.bincount(labels.ravel()))
''' + _BOX_TAIL,
    "inclusive ends: (row0, col0, last row, last col)": _BOX_HEAD + _LARGEST_8 + '''    rows, cols = np.nonzero(largest)
    return np.array([rows.min(), cols.min(), rows.max(), cols.max()])
''',
    "(col, row) order: x before y, as in OpenCV's boxes": _BOX_HEAD + _LARGEST_8 + '''    rows, cols = np.nonzero(largest)
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
''',
    "no GrabCut: the largest component of the foreground seeds themselves": '''from scipy import ndimage


def my_saliency_box(image, saliency):
    high, low = np.quantile(saliency, [0.95, 0.30])
    foreground = saliency >= high
    labels, n = ndimage.label(foreground, structure=np.ones((3, 3)))
    if n == 0:
        return np.zeros(4, np.int64)
    largest = labels == 1 + np.argmax(np.bincount(labels.ravel())[1:])
''' + _BOX_TAIL,
    "the map smoothed by 1 px before the quantiles (the text asks for the paper's recipe, no smoothing)": '''from scipy import ndimage


def my_saliency_box(image, saliency):
    saliency = ndimage.gaussian_filter(np.asarray(saliency, float), 1.0)
    high, low = np.quantile(saliency, [0.95, 0.30])
    seeds = np.zeros(saliency.shape, np.int8)
    seeds[saliency >= high] = 1
    seeds[saliency <= low] = -1
    if not (seeds == 1).any() or not (seeds == -1).any():
        return np.zeros(4, np.int64)
    foreground = localization.graphcut_segmentation(image, seeds)
''' + _LARGEST_8 + _BOX_TAIL,
    "no check for a constant map: GrabCut gets no foreground seed and raises": '''from scipy import ndimage


def my_saliency_box(image, saliency):
    high, low = np.quantile(saliency, [0.95, 0.30])
    seeds = np.zeros(saliency.shape, np.int8)
    seeds[saliency >= high] = 1
    seeds[saliency <= low] = -1
    foreground = localization.graphcut_segmentation(image, seeds)
''' + _LARGEST_8 + _BOX_TAIL,
    "background seeds from the wrong end: the top 30 % (q_0.70) instead of the bottom 30 %": '''from scipy import ndimage


def my_saliency_box(image, saliency):
    high, low = np.quantile(saliency, [0.95, 0.70])
    seeds = np.zeros(saliency.shape, np.int8)
    seeds[saliency <= low] = -1
    seeds[saliency >= high] = 1
    if not (seeds == 1).any() or not (seeds == -1).any():
        return np.zeros(4, np.int64)
    foreground = localization.graphcut_segmentation(image, seeds)
''' + _LARGEST_8 + _BOX_TAIL,
}

SALIENCY_BOX_ALTERNATIVES = {
    "cv2.connectedComponentsWithStats with connectivity 8, the box from its stats": '''import cv2


def my_saliency_box(image, saliency):
    high, low = np.quantile(saliency, [0.95, 0.30])
    seeds = np.where(saliency >= high, 1, np.where(saliency <= low, -1, 0)).astype(np.int8)
    if not (seeds == 1).any() or not (seeds == -1).any():
        return np.zeros(4, np.int64)
    foreground = localization.graphcut_segmentation(image, seeds)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(foreground.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros(4, np.int64)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    left, top, width, height = (int(v) for v in stats[best, :4])
    return np.array([top, left, top + height, left + width])
''',
    "skimage.measure.label (connectivity=2) and regionprops' bbox": '''from skimage import measure


def my_saliency_box(image, saliency):
    high, low = np.quantile(saliency, [0.95, 0.30])
    seeds = np.zeros(saliency.shape, np.int8)
    seeds[saliency >= high] = 1
    seeds[saliency <= low] = -1
    if seeds.max() < 1 or seeds.min() > -1:
        return (0, 0, 0, 0)
    foreground = localization.graphcut_segmentation(image, seeds)
    regions = measure.regionprops(measure.label(foreground, connectivity=2))
    if not regions:
        return (0, 0, 0, 0)
    biggest = max(regions, key=lambda region: (region.area, -region.label))
    return tuple(int(v) for v in biggest.bbox)
''',
}

# ---------------------------------------------------------------------------
# §6b Integrated Gradients, midpoint rule, one batch
# ---------------------------------------------------------------------------
IG_MUTANTS = {
    "left Riemann rule, alpha_k = k / n": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = torch.arange(n_steps, dtype=x.dtype) / n_steps
    path = alphas.view(-1, 1, 1, 1) * x
    return x * gradients.gradient(model, path, target).mean(0, keepdim=True)
''',
    "right Riemann rule, alpha_k = (k + 1) / n": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = (torch.arange(n_steps, dtype=x.dtype) + 1) / n_steps
    path = alphas.view(-1, 1, 1, 1) * x
    return x * gradients.gradient(model, path, target).mean(0, keepdim=True)
''',
    "alphas = linspace(0, 1, n): both ends, no weights": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = torch.linspace(0, 1, n_steps, dtype=x.dtype)
    path = alphas.view(-1, 1, 1, 1) * x
    return x * gradients.gradient(model, path, target).mean(0, keepdim=True)
''',
    "no multiplication by x - x': the path-averaged gradient": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = (torch.arange(n_steps, dtype=x.dtype) + 0.5) / n_steps
    path = alphas.view(-1, 1, 1, 1) * x
    return gradients.gradient(model, path, target).mean(0, keepdim=True)
''',
    "sum of the gradients instead of their mean (no 1/n)": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = (torch.arange(n_steps, dtype=x.dtype) + 0.5) / n_steps
    path = alphas.view(-1, 1, 1, 1) * x
    return x * gradients.gradient(model, path, target).sum(0, keepdim=True)
''',
    "a Python loop over the steps, one gradient call per path point": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    total = torch.zeros_like(x)
    for k in range(n_steps):
        total += gradients.gradient(model, (k + 0.5) / n_steps * x, target)
    return x * total / n_steps
''',
    "the gradient of the softmax probability instead of the score S_c": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = (torch.arange(n_steps, dtype=x.dtype) + 0.5) / n_steps
    path = (alphas.view(-1, 1, 1, 1) * x).requires_grad_(True)
    probability = torch.softmax(model(path), dim=1)[:, target].sum()
    (grads,) = torch.autograd.grad(probability, path)
    return x * grads.mean(0, keepdim=True)
''',
    "n_steps ignored: always 50 steps": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = (torch.arange(50, dtype=x.dtype) + 0.5) / 50
    path = alphas.view(-1, 1, 1, 1) * x
    return x * gradients.gradient(model, path, target).mean(0, keepdim=True)
''',
}

IG_ALTERNATIVES = {
    "midpoints from torch.linspace(1/2n, 1 - 1/2n, n), gradients.gradient on the batch": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = torch.linspace(0.5 / n_steps, 1 - 0.5 / n_steps, n_steps)
    grads = gradients.gradient(model, alphas[:, None, None, None] * x, target)
    return x * grads.mean(dim=0, keepdim=True)
''',
    "its own autograd on the batch of path points (one forward pass)": '''def my_integrated_gradients(model, x, target, *, n_steps=50):
    alphas = torch.linspace(0.5 / n_steps, 1 - 0.5 / n_steps, n_steps, dtype=x.dtype)
    path = (alphas[:, None, None, None] * x.detach()).requires_grad_(True)
    with torch.enable_grad():
        scores = model(path)[:, target]
        (grads,) = torch.autograd.grad(scores.sum(), path)
    return x.detach() * grads.sum(0, keepdim=True) / n_steps
''',
}

# ---------------------------------------------------------------------------
# §9b the cascading randomisation test
# ---------------------------------------------------------------------------
_RANDOM_HEAD = '''import copy


def my_cascading_randomization(attribution_fn, model, x, target, layers, *, seed=0):
    if target is None:
        with torch.no_grad():
            target = model(x).argmax(1)
    original = attribution_fn(model, x, target)
'''

RANDOMIZATION_MUTANTS = {
    "independent, not cascading: every stage starts again from the trained weights": _RANDOM_HEAD + '''    rhos = []
    for stage, name in enumerate(layers):
        randomised = copy.deepcopy(model)
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        rhos.append(sanity.spearman(original, attribution_fn(randomised, x, target)))
    return np.stack(rhos)
''',
    "target None passed on: each randomised copy explains its own top-1 class": '''import copy


def my_cascading_randomization(attribution_fn, model, x, target, layers, *, seed=0):
    original = attribution_fn(model, x, target)
    randomised = copy.deepcopy(model)
    rhos = []
    for stage, name in enumerate(layers):
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        rhos.append(sanity.spearman(original, attribution_fn(randomised, x, target)))
    return np.stack(rhos)
''',
    "Spearman of absolute values: the sign flips of the signed gradient are ignored": _RANDOM_HEAD + '''    randomised = copy.deepcopy(model)
    rhos = []
    for stage, name in enumerate(layers):
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        rhos.append(sanity.spearman(original, attribution_fn(randomised, x, target), absolute=True))
    return np.stack(rhos)
''',
    "each stage compared with the previous stage's map, not with the trained model's": _RANDOM_HEAD + '''    randomised = copy.deepcopy(model)
    rhos, previous = [], original
    for stage, name in enumerate(layers):
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        current = attribution_fn(randomised, x, target)
        rhos.append(sanity.spearman(previous, current))
        previous = current
    return np.stack(rhos)
''',
    "seeded once before the loop, not seed + i at every stage": _RANDOM_HEAD + '''    randomised = copy.deepcopy(model)
    torch.manual_seed(seed)
    rhos = []
    for name in layers:
        randomised.get_submodule(name).reset_parameters()
        rhos.append(sanity.spearman(original, attribution_fn(randomised, x, target)))
    return np.stack(rhos)
''',
    "Pearson correlation of the values instead of Spearman's of the ranks": _RANDOM_HEAD + '''    randomised = copy.deepcopy(model)
    rhos = []
    for stage, name in enumerate(layers):
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        maps = attribution_fn(randomised, x, target)
        rhos.append([np.corrcoef(a.flatten().numpy(), b.flatten().numpy())[0, 1] for a, b in zip(original, maps)])
    return np.array(rhos)
''',
    "the layers randomised bottom-up (the list reversed)": _RANDOM_HEAD + '''    randomised = copy.deepcopy(model)
    rhos = []
    for stage, name in enumerate(reversed(layers)):
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        rhos.append(sanity.spearman(original, attribution_fn(randomised, x, target)))
    return np.stack(rhos)
''',
    "transposed result: (B, n_stages)": _RANDOM_HEAD + '''    randomised = copy.deepcopy(model)
    rhos = []
    for stage, name in enumerate(layers):
        torch.manual_seed(seed + stage)
        randomised.get_submodule(name).reset_parameters()
        rhos.append(sanity.spearman(original, attribution_fn(randomised, x, target)))
    return np.stack(rhos, axis=1)
''',
}

RANDOMIZATION_ALTERNATIVES = {
    "ranks by scipy.stats.rankdata and their Pearson correlation by hand, the caller's RNG kept with fork_rng": '''import copy

from scipy.stats import rankdata


def _rank_correlation(a, b):
    ranks_a, ranks_b = rankdata(a) - (len(a) + 1) / 2, rankdata(b) - (len(b) + 1) / 2
    norm = np.sqrt((ranks_a ** 2).sum() * (ranks_b ** 2).sum())
    return float((ranks_a * ranks_b).sum() / norm) if norm > 0 else 0.0


def my_cascading_randomization(attribution_fn, model, x, target, layers, *, seed=0):
    if target is None:
        with torch.no_grad():
            target = [int(c) for c in model(x).argmax(1)]
    original = attribution_fn(model, x, target).reshape(len(x), -1).numpy()
    randomised = copy.deepcopy(model)
    result = np.zeros((len(layers), len(x)))
    for stage, name in enumerate(layers):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + stage)
            randomised.get_submodule(name).reset_parameters()
        maps = attribution_fn(randomised, x, target).reshape(len(x), -1).numpy()
        for b in range(len(x)):
            result[stage, b] = _rank_correlation(original[b], maps[b])
    return result
''',
}

# ---------------------------------------------------------------------------
# §10 SmoothGrad with the noise passed in
# ---------------------------------------------------------------------------
SMOOTHGRAD_MUTANTS = {
    "absolute noise: sigma = noise_level, not a fraction of the image's range": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    return gradients.vanilla_saliency(model, x + noise_level * noise, target).mean(0)
''',
    "the noisy copies clipped to [0, 1]": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = noise_level * (x.max() - x.min())
    return gradients.vanilla_saliency(model, (x + sigma * noise).clamp(0, 1), target).mean(0)
''',
    "mean of the squared maps (SmoothGrad-squared)": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = noise_level * (x.max() - x.min())
    return (gradients.vanilla_saliency(model, x + sigma * noise, target) ** 2).mean(0)
''',
    "mean of the signed gradients first, then max |.| over channels": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = noise_level * (x.max() - x.min())
    return gradients.gradient(model, x + sigma * noise, target).mean(0).abs().amax(0)
''',
    "own noise drawn instead of the noise passed in": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = noise_level * (x.max() - x.min())
    return gradients.vanilla_saliency(model, x + sigma * torch.randn_like(noise), target).mean(0)
''',
    "sigma from the image's standard deviation, not its range": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = noise_level * x.std()
    return gradients.vanilla_saliency(model, x + sigma * noise, target).mean(0)
''',
    "the clean image averaged in as one more sample": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = noise_level * (x.max() - x.min())
    batch = torch.cat([x, x + sigma * noise])
    return gradients.vanilla_saliency(model, batch, target).mean(0)
''',
}

SMOOTHGRAD_ALTERNATIVES = {
    "a loop over the noisy copies, one vanilla map each": '''def my_smoothgrad(model, x, target, noise, *, noise_level=0.15):
    sigma = float(x.max() - x.min()) * noise_level
    total = torch.zeros(x.shape[-2:])
    for epsilon in noise:
        total += gradients.vanilla_saliency(model, x + sigma * epsilon[None], target)[0]
    return total / len(noise)
''',
}

MUTANTS = {
    "nb07_saliency_box": SALIENCY_BOX_MUTANTS,
    "nb07_integrated_gradients": IG_MUTANTS,
    "nb07_cascading_randomization": RANDOMIZATION_MUTANTS,
    "nb07_smoothgrad": SMOOTHGRAD_MUTANTS,
}

ALTERNATIVES = {
    "nb07_saliency_box": SALIENCY_BOX_ALTERNATIVES,
    "nb07_integrated_gradients": IG_ALTERNATIVES,
    "nb07_cascading_randomization": RANDOMIZATION_ALTERNATIVES,
    "nb07_smoothgrad": SMOOTHGRAD_ALTERNATIVES,
}
