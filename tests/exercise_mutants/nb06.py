"""Notebook 06 (gradient saliency, Simonyan et al. 2013): the wrong solutions students write, and correct alternatives."""

MUTANTS = {
    "nb06_my_saliency": {
        "no abs: the max over channels of the signed gradient": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    (grad,) = torch.autograd.grad(scores[torch.arange(len(x)), target].sum(), x)
    return grad.amax(dim=1)
''',
        "abs of the channel max instead of the max of the abs": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    (grad,) = torch.autograd.grad(scores[torch.arange(len(x)), target].sum(), x)
    return grad.amax(dim=1).abs()
''',
        "sum of |gradient| over the channels instead of the max": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    (grad,) = torch.autograd.grad(scores[torch.arange(len(x)), target].sum(), x)
    return grad.abs().sum(dim=1)
''',
        "gradient of the softmax probability P_c instead of the score S_c": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    probabilities = torch.softmax(model(x), dim=1)
    (grad,) = torch.autograd.grad(probabilities[torch.arange(len(x)), target].sum(), x)
    return grad.abs().amax(dim=1)
''',
        "gradient of the sum of all class scores (target ignored)": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x).sum(), x)
    return grad.abs().amax(dim=1)
''',
        "the top-1 class of each image instead of the target": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    (grad,) = torch.autograd.grad(scores.max(dim=1).values.sum(), x)
    return grad.abs().amax(dim=1)
''',
        "every example takes the first example's target": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    (grad,) = torch.autograd.grad(scores[:, int(target[0])].sum(), x)
    return grad.abs().amax(dim=1)
''',
        "gradient times input (input x gradient) instead of the gradient": '''
def my_saliency(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    (grad,) = torch.autograd.grad(scores[torch.arange(len(x)), target].sum(), x)
    return (grad * x).abs().amax(dim=1)
''',
    },
    "nb06_taylor": {
        "b is the score S_c(I_0) itself (forgets -w^T I_0)": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    score = model(x)[0, target]
    (w,) = torch.autograd.grad(score, x)
    return w, float(score.detach())
''',
        "b = S_c(I_0) + w^T I_0 (wrong sign)": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    score = model(x)[0, target]
    (w,) = torch.autograd.grad(score, x)
    return w, float(score.detach()) + float((w * x0).sum())
''',
        "b = 0 (a tangent through the origin)": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    (w,) = torch.autograd.grad(model(x)[0, target], x)
    return w, 0.0
''',
        "b is the score of the black image, S_c(0) (right for a linear model only)": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    (w,) = torch.autograd.grad(model(x)[0, target], x)
    with torch.no_grad():
        b = float(model(torch.zeros_like(x0))[0, target])
    return w, b
''',
        "w is the saliency |gradient| (the signs lost)": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    score = model(x)[0, target]
    (w,) = torch.autograd.grad(score, x)
    w = w.abs()
    return w, float(score.detach()) - float((w * x0).sum())
''',
        "expansion of the softmax probability P_c instead of S_c": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    probability = torch.softmax(model(x), dim=1)[0, target]
    (w,) = torch.autograd.grad(probability, x)
    return w, float(probability.detach()) - float((w * x0).sum())
''',
        "w is the gradient of the sum of all class scores": '''
def my_taylor(model, x0, target):
    x = x0.detach().clone().requires_grad_(True)
    scores = model(x)
    (w,) = torch.autograd.grad(scores.sum(), x)
    return w, float(scores[0, target].detach()) - float((w * x0).sum())
''',
        "a one-sided finite difference along each element (step 1e-3) instead of the gradient": '''
def my_taylor(model, x0, target):
    with torch.no_grad():
        s0 = float(model(x0)[0, target])
        flat = x0.detach().clone().reshape(-1)
        w = torch.zeros_like(flat)
        for k in range(flat.numel()):
            step = flat.clone()
            step[k] += 1e-3
            w[k] = (float(model(step.reshape(x0.shape))[0, target]) - s0) / 1e-3
    w = w.reshape(x0.shape)
    return w, s0 - float((w * x0).sum())
''',
    },
    "nb06_class_image": {
        "clamps once at the end instead of after every step": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * (image - mean))).detach()
    return image.clamp(0.0, 1.0)[0].permute(1, 2, 0).numpy()
''',
        "no jitter (the shift is drawn but never applied)": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        current = image.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(current)[0, target], current)
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "no jitter at all (no random shifts)": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        current = image.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(current)[0, target], current)
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "rolls the gradient back the wrong way (by +shift)": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (dy, dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "does not roll the gradient back": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "keeps the image rolled (steps the shifted image, never shifts back)": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        image = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(image)[0, target], image)
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "the penalty pulls towards black: lambda ||I||^2 instead of lambda ||I - mu||^2": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * image)).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "starts from mid-grey 0.5 instead of the mean colour": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = torch.full((1, 3, 64, 64), 0.5)
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "penalty gradient lambda (I - mu), the factor 2 missing": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "ascends the softmax probability P_c instead of the score S_c": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(torch.softmax(model(shifted), dim=1)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "ignores the seed (always default_rng(0))": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(0)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
        "one step too many (range(n_steps + 1))": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.expand(1, 3, 64, 64).clone()
    for _ in range(n_steps + 1):
        dy, dx = (int(s) for s in rng.integers(-jitter, jitter + 1, size=2))
        shifted = torch.roll(image, (dy, dx), dims=(2, 3)).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(shifted)[0, target], shifted)
        grad = torch.roll(grad, (-dy, -dx), dims=(2, 3))
        image = (image + step_size * (grad - 2 * lam * (image - mean))).clamp(0.0, 1.0).detach()
    return image[0].permute(1, 2, 0).numpy()
''',
    },
    "nb06_fooling": {
        "ascends the softmax probability P_t instead of the score S_t": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(torch.softmax(scores, dim=1)[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
''',
        "descends the cross-entropy loss of the target (log-softmax) instead of ascending S_t": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach(), n_steps
        loss = torch.nn.functional.cross_entropy(scores, torch.tensor([target]))
        (grad,) = torch.autograd.grad(-loss, fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
''',
        "steps are not normalised (step_size * g)": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(scores[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad).clamp(0.0, 1.0)
''',
        "sign of the gradient (FGSM steps) instead of the L2-normalised gradient": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(scores[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad.sign()).clamp(0.0, 1.0)
''',
        "no clamp to [0, 1]": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(scores[0, target], fooled)
        fooled = fooled.detach() + step_size * grad / grad.norm()
''',
        "lowers the original class's score instead of raising the target's": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    with torch.no_grad():
        original = int(model(x).argmax(dim=1))
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(-scores[0, original], fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
''',
        "stops only once P_target > 1/2 instead of at the first top-1 target": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(max_steps + 1):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if float(torch.softmax(scores, dim=1)[0, target]) > 0.5 or n_steps == max_steps:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(scores[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
''',
        "always takes a first step (checks the class only after stepping)": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    n_steps = 0
    while n_steps < max_steps:
        fooled.requires_grad_(True)
        (grad,) = torch.autograd.grad(model(fooled)[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
        n_steps += 1
        with torch.no_grad():
            if int(model(fooled).argmax(dim=1)) == target:
                break
    return fooled.detach(), n_steps
''',
        "ignores max_steps (runs until the prediction flips)": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    n_steps = 0
    while n_steps < 1000:
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target:
            break
        (grad,) = torch.autograd.grad(scores[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
        n_steps += 1
    return fooled.detach(), n_steps
''',
        "counts one step too many (the final check as a step)": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x.detach().clone()
    for n_steps in range(1, max_steps + 2):
        fooled.requires_grad_(True)
        scores = model(fooled)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps + 1:
            return fooled.detach(), n_steps
        (grad,) = torch.autograd.grad(scores[0, target], fooled)
        fooled = (fooled.detach() + step_size * grad / grad.norm()).clamp(0.0, 1.0)
''',
        "modifies x in place": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    fooled = x
    for n_steps in range(max_steps + 1):
        probe = fooled.detach().clone().requires_grad_(True)
        scores = model(probe)
        if int(scores.argmax(dim=1)) == target or n_steps == max_steps:
            return fooled.detach().clone(), n_steps
        (grad,) = torch.autograd.grad(scores[0, target], probe)
        with torch.no_grad():
            fooled += step_size * grad / grad.norm()
            fooled.clamp_(0.0, 1.0)
''',
    },
}

ALTERNATIVES = {
    "nb06_my_saliency": {
        ".backward() on the selected scores and x.grad, on a copy": '''
def my_saliency(model, x, target):
    leaf = x.clone().detach().requires_grad_()
    model(leaf).gather(1, torch.as_tensor(target).view(-1, 1)).sum().backward()
    saliency = leaf.grad.abs().max(dim=1).values
    model.zero_grad(set_to_none=True)
    return saliency
''',
        "one example at a time (a loop over the batch)": '''
def my_saliency(model, x, target):
    maps = []
    for b in range(len(x)):
        one = x[b:b + 1].detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(one)[0, int(target[b])], one)
        maps.append(grad[0].abs().amax(dim=0))
    return torch.stack(maps)
''',
    },
    "nb06_taylor": {
        ".backward() and x.grad, b in float32": '''
def my_taylor(model, x0, target):
    x = x0.clone().detach().requires_grad_()
    score = model(x)[0, target]
    score.backward()
    w = x.grad.detach()
    model.zero_grad(set_to_none=True)
    return w, (score - (w * x0).sum()).item()
''',
        "torch.autograd.functional.vjp, w and b as numpy": '''
def my_taylor(model, x0, target):
    score, w = torch.autograd.functional.vjp(lambda image: model(image)[0, target], x0.detach().clone())
    w = w.numpy().astype(np.float64)
    return w, float(score.detach()) - float((w * x0.numpy()).sum())
''',
    },
    "nb06_class_image": {
        ".backward() and a penalty written out term by term": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = torch.ones(1, 3, 64, 64) * mean
    for _ in range(n_steps):
        dy, dx = rng.integers(-jitter, jitter + 1, size=2)
        rolled = image.clone().roll(shifts=(int(dy), int(dx)), dims=(2, 3)).requires_grad_()
        model(rolled)[0, target].backward()
        g = rolled.grad.roll(shifts=(-int(dy), -int(dx)), dims=(2, 3))
        with torch.no_grad():
            image = torch.clamp(image + step_size * g - 2 * step_size * lam * image + 2 * step_size * lam * mean, 0, 1)
    model.zero_grad(set_to_none=True)
    return image.squeeze(0).permute(1, 2, 0).numpy()
''',
        "autograd of the whole objective on the rolled image (penalty included), numpy shifts": '''
def my_class_image(model, target, *, n_steps=40, lam=0.05, step_size=0.01, jitter=1, seed=0):
    mean, _ = classvis.input_normalization(model)
    rng = np.random.default_rng(seed)
    image = mean.repeat(1, 1, 64, 64)
    for _ in range(n_steps):
        dy, dx = (int(v) for v in rng.integers(-jitter, jitter + 1, size=2))
        rolled = torch.roll(image, shifts=(dy, dx), dims=(2, 3)).requires_grad_(True)
        objective = model(rolled)[0, target] - lam * ((rolled - mean) ** 2).sum()
        (grad,) = torch.autograd.grad(objective, rolled)
        image = torch.clamp(image + step_size * torch.roll(grad, shifts=(-dy, -dx), dims=(2, 3)), 0.0, 1.0).detach()
    return np.transpose(image[0].numpy(), (1, 2, 0))
''',
    },
    "nb06_fooling": {
        "a while loop with the count kept by hand, .backward()": '''
def my_fooling_image(model, x, target, *, step_size=0.1, max_steps=100):
    image = x.clone().detach()
    steps = 0
    while steps < max_steps:
        image.requires_grad_()
        scores = model(image)
        if scores.argmax().item() == target:
            break
        scores[0, target].backward()
        with torch.no_grad():
            image = torch.clamp(image + step_size * image.grad / torch.linalg.vector_norm(image.grad), 0, 1)
        steps += 1
    model.zero_grad(set_to_none=True)
    return image.detach(), steps
''',
    },
}
