"""Notebook 04 (attention and visual search): wrong solutions students write, and correct alternatives."""

from __future__ import annotations


def _variant(source: str, *changes: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replaced once; ``old`` must occur (the catalogue stays in step)."""
    for old, new in changes:
        assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times"
        source = source.replace(old, new)
    return source


# ---------------------------------------------------------------------------------------------------
# Exercise 1: one WTA + IOR step
# ---------------------------------------------------------------------------------------------------
WTA_IOR_STEP = '''def my_wta_ior_step(saliency, radius):
    row, col = np.unravel_index(np.argmax(saliency), saliency.shape)
    rows, cols = np.ogrid[: saliency.shape[0], : saliency.shape[1]]
    inhibited = saliency.astype(float).copy()
    inhibited[(rows - row) ** 2 + (cols - col) ** 2 <= radius**2] = -np.inf
    return (int(row), int(col)), inhibited
'''

# ---------------------------------------------------------------------------------------------------
# Exercise 2: the race of spiking units
# ---------------------------------------------------------------------------------------------------
RACE = '''def my_attention_race(saliency, n_fixations, ior_radius):
    C_SM, G_LEAK, I_0 = 5e-8, 1e-7, 1e-9                # saliency-map units: F, S, A per unit of saliency
    C_W, G_W, GAIN, THRESHOLD = 1e-9, 1e-8, 5e-8, 1e-3  # WTA units: F, S, S (input V_SM * GAIN), V
    G_IOR, TAU_IOR, DT = 1e-5, 0.7, 1e-3                # IOR conductance (S) and its decay (s); Euler step (s)
    saliency = np.asarray(saliency, dtype=float)
    fixations, times_ms = [], []
    if saliency.max() <= 0:
        return np.zeros((0, 2), dtype=int), np.zeros(0)
    current = np.clip(saliency / saliency.max(), 0, None) * I_0
    v_sm, v_w, g_ior = np.zeros(saliency.shape), np.zeros(saliency.shape), np.zeros(saliency.shape)
    rows, cols = np.ogrid[: saliency.shape[0], : saliency.shape[1]]
    for step in range(1, 5001):
        v_sm += DT / C_SM * (current - (G_LEAK + g_ior) * v_sm)
        v_w += DT / C_W * (GAIN * v_sm - G_W * v_w)
        g_ior *= np.exp(-DT / TAU_IOR)
        if v_w.max() >= THRESHOLD:
            row, col = np.unravel_index(np.argmax(v_w), v_w.shape)
            fixations.append((row, col))
            times_ms.append(step * DT * 1e3)
            if len(fixations) == n_fixations:
                break
            v_w[:] = 0.0
            g_ior[(rows - row) ** 2 + (cols - col) ** 2 <= ior_radius**2] += G_IOR
    return np.array(fixations, dtype=int).reshape(-1, 2), np.array(times_ms)
'''

# ---------------------------------------------------------------------------------------------------
# Exercise 3: one search trial
# ---------------------------------------------------------------------------------------------------
TRIAL = '''def my_fixations_to_target(display, saliency, ior_radius, max_fixations=100):
    fixations = attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)
    for count, fixation in enumerate(fixations, start=1):
        distances = np.hypot(*(display.item_centres - fixation).T)
        if np.argmin(distances) == display.target_index:
            return count
    return max_fixations + 1
'''

MUTANTS = {
    "nb04_wta_ior_step": {
        "strict < radius: the disk's boundary keeps its saliency": _variant(
            WTA_IOR_STEP, ("<= radius**2", "< radius**2")),
        "the disk set to 0 instead of -inf": _variant(WTA_IOR_STEP, ("= -np.inf", "= 0.0")),
        "no copy: the input map is inhibited in place": _variant(
            WTA_IOR_STEP, ("inhibited = saliency.astype(float).copy()", "inhibited = saliency")),
        "a square of side 2r instead of a disk": _variant(
            WTA_IOR_STEP, ("(rows - row) ** 2 + (cols - col) ** 2 <= radius**2",
                           "(abs(rows - row) <= radius) & (abs(cols - col) <= radius)")),
        "the disk centred at (col, row)": _variant(
            WTA_IOR_STEP, ("(rows - row) ** 2 + (cols - col) ** 2", "(rows - col) ** 2 + (cols - row) ** 2")),
        "the flat index split by the number of rows (right only on square maps)": _variant(
            WTA_IOR_STEP, ("row, col = np.unravel_index(np.argmax(saliency), saliency.shape)",
                           "row, col = divmod(int(np.argmax(saliency)), saliency.shape[0])")),
        "ties go to the last maximum": _variant(
            WTA_IOR_STEP, ("row, col = np.unravel_index(np.argmax(saliency), saliency.shape)",
                           "row, col = np.unravel_index(saliency.size - 1 - np.argmax(saliency.ravel()[::-1]), saliency.shape)")),
        "the copy keeps the input's dtype (an integer map cannot hold -inf)": _variant(
            WTA_IOR_STEP, ("inhibited = saliency.astype(float).copy()", "inhibited = np.array(saliency, copy=True)")),
    },
    "nb04_attention_race": {
        "explicit Euler with the old V_SM driving V_W (each shift 1 ms late)": _variant(
            RACE, ("        v_sm += DT / C_SM * (current - (G_LEAK + g_ior) * v_sm)\n"
                   "        v_w += DT / C_W * (GAIN * v_sm - G_W * v_w)\n",
                   "        v_sm, v_w = (v_sm + DT / C_SM * (current - (G_LEAK + g_ior) * v_sm),\n"
                   "                     v_w + DT / C_W * (GAIN * v_sm - G_W * v_w))\n")),
        "no global inhibition: the WTA units keep their charge after a shift": _variant(
            RACE, ("            v_w[:] = 0.0\n", "")),
        "the saliency-map units are reset too after a shift": _variant(
            RACE, ("            v_w[:] = 0.0\n", "            v_w[:] = 0.0\n            v_sm[:] = 0.0\n")),
        "IOR switches the winner's input off for good instead of a decaying shunt": _variant(
            RACE, ("g_ior[(rows - row) ** 2 + (cols - col) ** 2 <= ior_radius**2] += G_IOR",
                   "current[(rows - row) ** 2 + (cols - col) ** 2 <= ior_radius**2] = 0.0")),
        "the IOR conductance never decays": _variant(RACE, ("        g_ior *= np.exp(-DT / TAU_IOR)\n", "")),
        "the input is I_0 S, not divided by the map's maximum": _variant(
            RACE, ("np.clip(saliency / saliency.max(), 0, None) * I_0", "np.clip(saliency, 0, None) * I_0")),
        "the shift time is counted from step 0 ((t - 1) DT)": _variant(
            RACE, ("times_ms.append(step * DT * 1e3)", "times_ms.append((step - 1) * DT * 1e3)")),
        "the threshold is applied to V_SM instead of V_W": _variant(
            RACE, ("if v_w.max() >= THRESHOLD:", "if v_sm.max() >= THRESHOLD:"),
                  ("np.argmax(v_w), v_w.shape", "np.argmax(v_sm), v_sm.shape")),
        "strict < radius: the IOR disk leaves out its boundary": _variant(
            RACE, ("<= ior_radius**2", "< ior_radius**2")),
        "the IOR conductance is set, not added, when a disk is inhibited again": _variant(
            RACE, ("<= ior_radius**2] += G_IOR", "<= ior_radius**2] = G_IOR")),
        "no 5 s limit: it runs until n_fixations shifts": _variant(
            RACE, ("    for step in range(1, 5001):\n", "    for step in range(1, 10**6):\n")),
    },
    "nb04_fixations_to_target": {
        "the count starts at 0 (the first fixation counts 0)": _variant(TRIAL, ("start=1", "start=0")),
        "a censored trial returns max_fixations": _variant(
            TRIAL, ("    return max_fixations + 1\n", "    return max_fixations\n")),
        "a censored trial counts the fixations made, plus one": _variant(
            TRIAL, ("    return max_fixations + 1\n", "    return len(fixations) + 1\n")),
        "a censored trial returns -1": _variant(TRIAL, ("    return max_fixations + 1\n", "    return -1\n")),
        "ior_radius ignored (scanpath's default radius min(H, W) / 6)": _variant(
            TRIAL, ("attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)",
                    "attention.scanpath(saliency, max_fixations)")),
        "max_fixations ignored (always 100 fixations)": _variant(
            TRIAL, ("attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)",
                    "attention.scanpath(saliency, 100, ior_radius=ior_radius)")),
        "the item centres read as (x, y) = (col, row)": _variant(
            TRIAL, ("display.item_centres - fixation", "display.item_centres[:, ::-1] - fixation")),
        "a fixation attends the target only inside the target's box": '''def my_fixations_to_target(display, saliency, ior_radius, max_fixations=100):
    fixations = attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)
    row0, col0, row1, col1 = display.target_box
    for count, (row, col) in enumerate(fixations, start=1):
        if row0 <= row < row1 and col0 <= col < col1:
            return count
    return max_fixations + 1
''',
        "a fixation attends the target when it lies within ior_radius of the target's centre": '''def my_fixations_to_target(display, saliency, ior_radius, max_fixations=100):
    fixations = attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)
    target = display.item_centres[display.target_index]
    for count, fixation in enumerate(fixations, start=1):
        if np.hypot(*(fixation - target)) <= ior_radius:
            return count
    return max_fixations + 1
''',
    },
}

ALTERNATIVES = {
    "nb04_wta_ior_step": {
        "np.where over np.indices, the winner from divmod by the number of columns": '''def my_wta_ior_step(saliency, radius):
    saliency = np.asarray(saliency, dtype=np.float64)
    row, col = divmod(int(np.argmax(saliency)), saliency.shape[1])
    r, c = np.indices(saliency.shape)
    inside = np.hypot(r - row, c - col) <= radius
    return (row, col), np.where(inside, -np.inf, saliency)
''',
        "a loop over the pixels": '''def my_wta_ior_step(saliency, radius):
    best, winner = -np.inf, None
    height, width = len(saliency), len(saliency[0])
    for r in range(height):
        for c in range(width):
            if winner is None or saliency[r][c] > best:
                best, winner = saliency[r][c], (r, c)
    inhibited = np.array(saliency, dtype=float)
    for r in range(height):
        for c in range(width):
            if (r - winner[0]) ** 2 + (c - winner[1]) ** 2 <= radius ** 2:
                inhibited[r, c] = -np.inf
    return winner, inhibited
''',
    },
    "nb04_attention_race": {
        "time accumulated step by step, course helpers for the argmax and the IOR disk": '''def my_attention_race(saliency, n_fixations, ior_radius):
    C_SM, G_LEAK, I_0 = 5e-8, 1e-7, 1e-9
    C_W, G_W, GAIN, THRESHOLD = 1e-9, 1e-8, 5e-8, 1e-3
    G_IOR, TAU_IOR, DT = 1e-5, 0.7, 1e-3
    s = np.array(saliency, dtype=np.float64)
    peak = s.max()
    shifts, times = [], []
    if not peak > 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    inputs = I_0 * np.maximum(s, 0) / peak
    v_sm = np.zeros_like(s)
    v_w = np.zeros_like(s)
    g = np.zeros_like(s)
    decay = np.exp(-DT / TAU_IOR)
    t_ms = 0.0
    while len(shifts) < n_fixations and t_ms < 5000 - 1e-9:
        t_ms += DT * 1000
        v_sm = v_sm + (DT / C_SM) * (inputs - G_LEAK * v_sm - g * v_sm)
        v_w = v_w + (DT / C_W) * (GAIN * v_sm - G_W * v_w)
        g = g * decay
        if v_w.max() >= THRESHOLD:
            winner = attention.winner_take_all(v_w)
            shifts.append(winner)
            times.append(t_ms)
            v_w = np.zeros_like(s)
            g = g + G_IOR * attention.disk_mask(s.shape, winner, ior_radius)
    return np.array(shifts, dtype=np.int64).reshape(-1, 2), np.array(times)
''',
        "only the units that can win are simulated: a Python loop over the positive units": '''def my_attention_race(saliency, n_fixations, ior_radius):
    C_SM, G_LEAK, I_0 = 5e-8, 1e-7, 1e-9
    C_W, G_W, GAIN, THRESHOLD = 1e-9, 1e-8, 5e-8, 1e-3
    G_IOR, TAU_IOR, DT = 1e-5, 0.7, 1e-3
    s = np.asarray(saliency, dtype=float)
    if s.max() <= 0:
        return np.zeros((0, 2), dtype=int), np.zeros(0)
    units = [(r, c) for r in range(s.shape[0]) for c in range(s.shape[1]) if s[r, c] > 0]   # row-major
    current = {u: I_0 * s[u] / s.max() for u in units}
    v_sm = dict.fromkeys(units, 0.0)
    v_w = dict.fromkeys(units, 0.0)
    g = dict.fromkeys(units, 0.0)
    decay = np.exp(-DT / TAU_IOR)
    fixations, times = [], []
    for step in range(1, 5001):
        for u in units:
            v_sm[u] += DT / C_SM * (current[u] - (G_LEAK + g[u]) * v_sm[u])
            v_w[u] += DT / C_W * (GAIN * v_sm[u] - G_W * v_w[u])
            g[u] *= decay
        winner = max(units, key=lambda u: v_w[u])      # the first of the largest, in row-major order
        if v_w[winner] >= THRESHOLD:
            fixations.append(winner)
            times.append(step * DT * 1000)
            if len(fixations) == n_fixations:
                break
            for u in units:
                v_w[u] = 0.0
                if (u[0] - winner[0]) ** 2 + (u[1] - winner[1]) ** 2 <= ior_radius ** 2:
                    g[u] += G_IOR
    return np.array(fixations, dtype=int).reshape(-1, 2), np.array(times, dtype=float)
''',
    },
    "nb04_fixations_to_target": {
        "vectorised: every fixation's nearest item at once": '''def my_fixations_to_target(display, saliency, ior_radius, max_fixations=100):
    fixations = attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)
    if len(fixations) == 0:
        return max_fixations + 1
    distances = np.linalg.norm(fixations[:, None, :] - display.item_centres[None, :, :], axis=2)
    hits = np.flatnonzero(distances.argmin(axis=1) == display.target_index)
    return int(hits[0]) + 1 if hits.size else max_fixations + 1
''',
        "a k-d tree of the item centres (scipy)": '''from scipy.spatial import cKDTree

def my_fixations_to_target(display, saliency, ior_radius, max_fixations=100):
    tree = cKDTree(display.item_centres)
    fixations = attention.scanpath(saliency, max_fixations, ior_radius=ior_radius)
    for count, fixation in enumerate(fixations, start=1):
        if tree.query(fixation)[1] == display.target_index:
            return count
    return max_fixations + 1
''',
        "its own WTA + IOR scan instead of attention.scanpath": '''def my_fixations_to_target(display, saliency, ior_radius, max_fixations=100):
    working = np.array(saliency, dtype=float)
    rows, cols = np.ogrid[: working.shape[0], : working.shape[1]]
    for count in range(1, max_fixations + 1):
        row, col = np.unravel_index(np.argmax(working), working.shape)
        if not working[row, col] > 0:
            break
        nearest = np.argmin(np.sum((display.item_centres - (row, col)) ** 2, axis=1))
        if nearest == display.target_index:
            return count
        working[(rows - row) ** 2 + (cols - col) ** 2 <= ior_radius ** 2] = -np.inf
    return max_fixations + 1
''',
    },
}
