"""Tests of course_lib.classroom.similarity: the class similarity report (issue 32, part 2)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import pytest

from course_lib import cli
from course_lib.classroom import similarity
from course_lib.classroom.markup import CODE_STUB, TEXT_STUB, grade_id

ROOT = Path(__file__).resolve().parents[1]
NB00 = ROOT / "notebooks" / "00_what_is_saliency.ipynb"

# Six fake students on notebook 00. ana, ben and fay write their own solutions (each differently),
# cal copies ana's (renamed, reordered, comments and spacing changed), dev pastes the course_lib
# functions the exercises re-implement (renamed), eve the instructor solution (renamed).
SOLUTIONS = {
    "ana": {
        "nb00_lc_brute_force": '''def my_lc_brute_force(levels):
    """Sum of |I_k - I_i| for every pixel k."""
    values = levels.ravel().astype(int)
    result = np.zeros(values.size, dtype=np.int64)
    for k, value in enumerate(values):
        result[k] = np.sum(np.abs(values - value))
    return result.reshape(levels.shape)
''',
        "nb00_lc_table": '''def my_lc_table(levels):
    hist = np.zeros(256, dtype=np.int64)
    for level in np.asarray(levels).flat:
        hist[level] += 1
    table = np.zeros(256, dtype=np.int64)
    for n in range(256):
        table[n] = sum(hist[m] * abs(n - m) for m in range(256) if hist[m])
    return table
''',
        "nb00_speedup": '''import time


def my_speedup(slow, fast, *args, repeat=5):
    def timings(f):
        f(*args)
        return [timed(f) for _ in range(repeat)]
    def timed(f):
        t0 = time.perf_counter()
        f(*args)
        return time.perf_counter() - t0
    slow_times = timings(slow)
    fast_times = timings(fast)
    return statistics.median(slow_times) / statistics.median(fast_times)
''',
    },
    "ben": {
        "nb00_lc_brute_force": '''def my_lc_brute_force(levels):
    h, w = levels.shape
    px = [int(v) for v in levels.flatten()]
    sal = []
    for a in px:
        total = 0
        for b in px:
            total += a - b if a > b else b - a
        sal.append(total)
    return np.array(sal).reshape(h, w)
''',
        "nb00_lc_table": '''def my_lc_table(levels):
    freq = np.bincount(levels.reshape(-1), minlength=256)
    lv = np.arange(256)
    dist = []
    for g in lv:
        dist.append(int((freq * np.abs(lv - g)).sum()))
    return np.array(dist)
''',
        "nb00_speedup": '''import time


def my_speedup(slow, fast, *args, repeat=5):
    results = {}
    for label, fn in (("s", slow), ("f", fast)):
        fn(*args)  # warm up
        ts = sorted(timeit.repeat(lambda: fn(*args), number=1, repeat=repeat))
        results[label] = ts[len(ts) // 2]
    return results["s"] / results["f"]
''',
    },
    "fay": {
        "nb00_lc_brute_force": '''def my_lc_brute_force(levels):
    x = np.asarray(levels, dtype=np.float64)
    diffs = np.abs(np.subtract.outer(x, x))
    summed = diffs.reshape(x.size, x.size).sum(1)
    return summed.reshape(x.shape)
''',
        "nb00_lc_table": '''def my_lc_table(levels):
    grey, counts = np.unique(levels, return_counts=True)
    n = np.arange(256)[:, None]
    return (np.abs(n - grey[None, :].astype(int)) * counts).sum(axis=1)
''',
        "nb00_speedup": '''import time


def my_speedup(slow, fast, *args, repeat=5):
    slow(*args), fast(*args)
    pairs = np.empty((repeat, 2))
    for row in pairs:
        for column, func in enumerate((slow, fast)):
            begin = time.perf_counter_ns()
            func(*args)
            row[column] = time.perf_counter_ns() - begin
    middle = np.median(pairs, axis=0)
    return middle[0] / middle[1]
''',
    },
    "cal": {  # ana's, renamed, reordered, reformatted, commented
        "nb00_lc_brute_force": '''def my_lc_brute_force(img):
    # flatten the pixels
    px = img.ravel().astype(int)
    out = np.zeros(px.size, dtype=np.int64)

    for idx, p in enumerate(px):
        out[idx] = np.sum(np.abs(px - p))   # LC sum
    return out.reshape(img.shape)
''',
        "nb00_lc_table": '''def my_lc_table(img):
    D = np.zeros(256, dtype=np.int64)
    H = np.zeros(256, dtype=np.int64)
    for lvl in np.asarray(img).flat:
        H[lvl] += 1
    for g in range(256):
        D[g] = sum(H[j] * abs(g - j) for j in range(256) if H[j])
    return D
''',
        "nb00_speedup": '''import time


def my_speedup(slow, fast, *args, repeat=5):
    def one(fn):
        start = time.perf_counter()
        fn(*args)
        return time.perf_counter() - start

    def measure(fn):
        """time it"""
        fn(*args)
        return [one(fn) for i in range(repeat)]
    b = measure(fast)
    a = measure(slow)
    return statistics.median(a) / statistics.median(b)
''',
    },
    "dev": {  # course_lib's own functions pasted and renamed
        "nb00_lc_brute_force": '''def my_lc_brute_force(lv):
    f = lv.ravel().astype(np.int16)
    res = np.empty(f.size, dtype=np.int64)
    for s in range(0, f.size, 4096):
        blk = f[s : s + 4096]
        res[s : s + blk.size] = np.abs(blk[:, None] - f[None, :]).sum(axis=1, dtype=np.int64)
    return res.reshape(lv.shape)
''',
        "nb00_lc_table": '''def my_lc_table(lv):
    if not isinstance(lv, np.ndarray) or lv.dtype != np.uint8:
        raise TypeError(f"lv must be a uint8 array, got {getattr(lv, 'dtype', type(lv))}")
    c = np.bincount(lv.ravel(), minlength=256).astype(np.int64)
    g = np.arange(256, dtype=np.int64)
    dd = np.abs(g[:, None] - g[None, :])
    return dd @ c
''',
        "nb00_speedup": '''import time


def my_speedup(slow, fast, *args, repeat=5):
    import timeit
    per_call = lambda fn: min(timeit.Timer(lambda: fn(*args)).repeat(repeat=repeat + 2, number=1)[1:])
    return per_call(slow) / per_call(fast)
''',
    },
    "eve": {  # the instructor solution, renamed
        "nb00_lc_brute_force": '''def my_lc_brute_force(im):
    v = im.astype(np.int64).ravel()
    s = np.abs(v[:, None] - v[None, :]).sum(axis=1)
    return s.reshape(im.shape)
''',
        "nb00_lc_table": '''def my_lc_table(im):
    hist = np.bincount(np.asarray(im).ravel(), minlength=256).astype(np.int64)
    g = np.arange(256, dtype=np.int64)
    return np.abs(g[:, None] - g[None, :]) @ hist
''',
        "nb00_speedup": '''import time


def my_speedup(slow, fast, *args, repeat=5):
    def med(f):
        f(*args)
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            f(*args)
            ts.append(time.perf_counter() - t)
        return float(np.median(ts))

    return med(slow) / med(fast)
''',
    },
}
ANSWERS = {
    "ana": "The brute force costs N squared differences while the table costs N plus 256 squared, so they "
           "cross near 256 pixels; with 16-bit images the table would cost four billion operations.",
    "cal": "The brute force costs N squared differences while the table costs N plus 256 squared, so they "
           "cross near 256 pixels. With 16-bit images the table would cost four billion operations!",
    "ben": "For tiny images the pairwise sums are cheap; building the histogram table only pays off once "
           "the image has more pixels than a small square of side sixteen.",
}
COPIES = {("ana", "cal"), ("dev", "reference"), ("eve", "reference")}
INDEPENDENT = ["ana", "ben", "fay"]


def _submission(folder: Path, student: str, solutions: dict[str, str], answers: dict[str, str]) -> None:
    nb = json.loads(NB00.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = grade_id(cell)
        if gid in solutions:
            cell["source"] = solutions[gid]
        elif gid is not None and cell["metadata"]["nbgrader"].get("solution") and cell["cell_type"] == "markdown":
            cell["source"] = answers.get(gid, TEXT_STUB)
    (folder / student).mkdir(parents=True)
    (folder / student / NB00.name).write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[similarity.Match]]:
    root = tmp_path_factory.mktemp("six")
    source = root / "source"
    source.mkdir()
    (source / NB00.name).write_bytes(NB00.read_bytes())
    for student, solutions in SOLUTIONS.items():
        answer = ANSWERS.get(student)
        _submission(root / "submitted", student, solutions,
                    {"nb00_think_table_cost": answer} if answer else {})
    matches = similarity.similarity_report(root / "submitted", source_dir=source, out_dir=root / "out", threshold=0.0)
    return root / "out", matches


def _pair(m: similarity.Match) -> tuple[str, str]:
    return tuple(sorted((m.student_a, m.student_b), key=lambda s: (s == "reference", s)))  # type: ignore[return-value]


def test_six_students_copies_rank_above_independent_pairs(six: tuple[Path, list[similarity.Match]]) -> None:
    out, matches = six
    rows = list(csv.DictReader(open(out / "similarity.csv", encoding="utf-8")))
    print("\nnotebook, grade_id, student_a, student_b, score")
    for row in rows[:15]:
        print(", ".join(row.values()))
    assert tuple(rows[0]) == similarity.COLUMNS
    scores = [float(row["score"]) for row in rows]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    for exercise in ("nb00_lc_brute_force", "nb00_lc_table", "nb00_speedup"):
        code = {_pair(m): m.score for m in matches if m.grade_id == exercise}
        copies = {pair: code.get(pair, 0.0) for pair in COPIES
                  if not (exercise == "nb00_speedup" and pair[0] == "dev")}  # dev wrote his own speedup
        independent = {pair: score for pair, score in code.items()
                       if pair not in COPIES and "eve" not in pair and "dev" not in pair}
        independent.update({(s, "reference"): code.get((s, "reference"), 0.0) for s in INDEPENDENT})
        assert min(copies.values()) >= 0.8, (exercise, copies)
        assert max(independent.values()) < 0.5, (exercise, independent)
        assert min(copies.values()) > max(independent.values())


def test_written_answers_section(six: tuple[Path, list[similarity.Match]]) -> None:
    out, matches = six
    text = {_pair(m): m.score for m in matches if m.grade_id == "nb00_think_table_cost"}
    assert text[("ana", "cal")] >= 0.5
    assert text.get(("ana", "ben"), 0.0) < 0.1
    # two students who left the stub do not match
    assert ("dev", "eve") not in text or text[("dev", "eve")] == 0
    assert "Written answers" in (out / "similarity.html").read_text(encoding="utf-8")


def test_untouched_stubs_do_not_match(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / NB00.name).write_bytes(NB00.read_bytes())
    stubs = {gid: f"def {name}(levels):\n    {CODE_STUB.replace(chr(10), chr(10) + '    ')}\n"
             for gid, name in [("nb00_lc_brute_force", "my_lc_brute_force"), ("nb00_lc_table", "my_lc_table")]}
    for student in ("x", "y"):
        _submission(tmp_path / "sub", student, stubs, {})
    matches = similarity.similarity_report(tmp_path / "sub", source_dir=source, out_dir=tmp_path / "out",
                                           threshold=0.0)
    assert not [m for m in matches if m.grade_id in stubs and (m.student_b != "reference" or m.score > 0)]


def test_reordering_statements_keeps_the_fingerprints() -> None:
    a = "x = np.abs(a - b).sum(axis=1)\ny = np.zeros(n, dtype=np.int64)\nz = y.reshape(x.shape)\n"
    b = "# reordered\nbb = np.zeros(k, dtype=np.int64)\nzz = bb.reshape(aa.shape)\naa = np.abs(p - q).sum(axis=1)\n"
    assert set(similarity.fingerprints(a)) == set(similarity.fingerprints(b))
    assert similarity.containment(similarity.fingerprints(a), similarity.fingerprints(b)) == 1.0


def test_normalisation_drops_comments_docstrings_and_names() -> None:
    code = 'def f(values):\n    """Doc."""\n    # note\n    return len(values) + 1.5 * "s"\n'
    assert similarity.normalized_lines(code) == [
        (1, ["def", "ID", "(", "ID", ")", ":"]),
        (4, ["return", "len", "(", "ID", ")", "+", "NUM", "*", "STR"]),
    ]
    assert similarity.normalized_lines("def broken(:\n") is not None  # a syntax error is not an exception


def test_html_escapes_and_highlights(six: tuple[Path, list[similarity.Match]]) -> None:
    out, _ = six
    page = (out / "similarity.html").read_text(encoding="utf-8")
    assert "<mark>" in page
    assert "blk[:, None] - f[None, :]" in page and "&#x27;dtype&#x27;" in page  # dev's f-string, escaped
    assert "<script" not in page


def test_reference_includes_the_course_lib_function(six: tuple[Path, list[similarity.Match]]) -> None:
    _, matches = six
    dev = next(m for m in matches if m.student_a == "dev" and m.student_b == "reference"
               and m.grade_id == "nb00_lc_brute_force")
    assert dev.label_b == "course_lib.baselines._lc_channel_brute_force"


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="submissions_dir must be an existing folder"):
        similarity.similarity_report(tmp_path / "nope", source_dir=NB00.parent, out_dir=tmp_path / "out")
    (tmp_path / "sub").mkdir()
    with pytest.raises(ValueError, match="source_dir must be an existing folder"):
        similarity.similarity_report(tmp_path / "sub", source_dir=tmp_path / "nope", out_dir=tmp_path / "out")
    with pytest.raises(ValueError, match="submissions_dir .* has no student folders"):
        similarity.similarity_report(tmp_path / "sub", source_dir=NB00.parent, out_dir=tmp_path / "out")
    with pytest.raises(ValueError, match="threshold must be a number in"):
        similarity.similarity_report(tmp_path / "sub", source_dir=NB00.parent, out_dir=tmp_path / "o", threshold=2)
    with pytest.raises(TypeError, match="submissions_dir must be a path"):
        similarity.similarity_report(3, source_dir=NB00.parent, out_dir=tmp_path / "out")  # type: ignore[arg-type]


def test_cli_similarity(tmp_path: Path, six: tuple[Path, list[similarity.Match]], capsys: pytest.CaptureFixture[str]) -> None:
    submitted = six[0].parent / "submitted"
    assert cli.main(["similarity", str(submitted), "--source", str(ROOT / "notebooks"),
                     "--out", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "similarity.csv").is_file()
    assert "similarity.csv" in capsys.readouterr().out
    assert cli.main(["similarity", str(tmp_path / "missing"), "--out", str(tmp_path / "rep")]) == 1
    assert "SUBMISSIONS must be an existing folder" in capsys.readouterr().err


# --- 300 generated students x 35 exercises: prints the time, asserts only what it found -----------

_TEMPLATES = [
    "def {f}({a}, {b}):\n    ### BEGIN SOLUTION\n    {x} = np.asarray({a}, dtype=float)\n"
    "    {y} = np.abs({x} - {b}).sum(axis={k})\n    return {y} / max({x}.size, 1)\n    ### END SOLUTION\n",
    "def {f}({a}, {b}):\n    ### BEGIN SOLUTION\n    {x} = []\n    for {y} in range(len({a})):\n"
    "        {x}.append({a}[{y}] * {b} + {k})\n    return np.array({x})\n    ### END SOLUTION\n",
    "def {f}({a}, {b}):\n    ### BEGIN SOLUTION\n    {x} = np.cumsum(np.sort({a}.ravel()))\n"
    "    {y} = {x}[::{k}] if {b} else {x}\n    return float(np.median({y}))\n    ### END SOLUTION\n",
]


def _generated(tmp_path: Path, students: int, exercises: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    names = ["data", "img", "arr", "v", "values", "xs", "levels", "inp", "q", "w", "tmp", "acc", "out", "res"]
    cells, stub_cells = [], []
    for e in range(exercises):
        meta = {"nbgrader": {"grade": False, "grade_id": f"ex{e}", "locked": False, "schema_version": 3,
                             "solution": True, "task": False}}
        source = _TEMPLATES[0].format(f=f"my_f{e}", a="a", b="b", x="x", y="y", k=e % 3)
        cells.append({"cell_type": "code", "metadata": meta, "source": source, "outputs": [],
                      "execution_count": None})
        stub_cells.append(meta)
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (source_dir / "gen.ipynb").write_text(json.dumps(nb))
    submitted = tmp_path / "submitted"
    for s in range(students):
        own = []
        for e in range(exercises):
            template = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))]
            picked = rng.choice(names, 4, replace=False)
            if s and rng.random() < 0.1:  # a copy of the previous student's cell, renamed
                own.append(dict(cells[e], source=previous[e].source.replace(" = ", " =  ")))
                continue
            body = template.format(f=f"my_f{e}", a=picked[0], b=picked[1], x=picked[2], y=picked[3],
                                   k=int(rng.integers(1, 4)))
            body = body.replace("### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", "")
            attrs = ["reshape", "take", "repeat", "clip", "round", "astype", "fill", "sum", "max", "cumsum"]
            extra = "".join(f"    {picked[2]}{i} = {picked[0]}." + "().".join(rng.choice(attrs, 3)) + "()\n"
                            for i in range(3))  # 1000 variants a line: what makes each student's cell their own
            lines = body.split("\n")
            cell = dict(cells[e], source="\n".join(lines[:1] + [extra.rstrip("\n")] + lines[1:]))
            own.append(cell)
        previous = [type("Cell", (), {"source": cell["source"]}) for cell in own]
        folder = submitted / f"student{s:03d}"
        folder.mkdir(parents=True)
        (folder / "gen.ipynb").write_text(json.dumps(dict(nb, cells=own)))
    return submitted, source_dir


def test_300_generated_students(tmp_path: Path) -> None:
    submitted, source_dir = _generated(tmp_path, 300, 35)
    start = time.perf_counter()
    matches = similarity.similarity_report(submitted, source_dir=source_dir, out_dir=tmp_path / "out")
    took = time.perf_counter() - start
    pairs = sum(m.student_b != "reference" for m in matches)
    print(f"\n300 students x 35 exercises: {took:.1f} s, {pairs} pairs >= {similarity.THRESHOLD}, "
          f"{len(matches) - pairs} reference rows")
    assert len(matches) - pairs == 300 * 35
    assert pairs > 0  # the generated copies are found
    assert (tmp_path / "out" / "similarity.csv").is_file()
