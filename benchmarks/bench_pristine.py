"""What the pristine test kernel costs: grading a notebook with it against the grader of a past revision.

Run with ``python benchmarks/bench_pristine.py`` (``make bench`` runs it too).  The
baseline is the grader of ``--baseline`` (default: the last revision with one kernel
per notebook), checked out with ``git worktree`` into a temporary folder and run in
a child process whose kernels import that revision; the current grader runs in
another child.  Both grade the same notebooks, the instructor's version (every test
passes) and the student build (every test fails), interleaved, ``--repeat`` times,
sandbox as chosen.  Printed: seconds per notebook (median) and the ratio to the
baseline (the issue's target: at most 1.25 on notebooks 00 and 07).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "64e091a"  # the grader before the pristine kernel (one kernel per notebook)

_CHILD = """
import json, sys, time, nbformat
from course_lib.classroom import build, scoring
path, sandbox_mode, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
source = nbformat.read(path, as_version=4)
box = None
if sandbox_mode == "bwrap":
    from course_lib.classroom import sandbox
    box = sandbox.resolve("bwrap")[0]
times = {}
for version, nb in (("instructor", source), ("student", build.student_notebook(source))):
    start = time.perf_counter()
    grade = scoring.runner.run_coroutine(scoring.grade_one(nb, source, student="s", notebook="n", timeout=timeout,
                                                            sandbox=box))
    times[version] = [time.perf_counter() - start, grade.points, grade.max_points, grade.problem]
print(json.dumps(times))
"""


def _run(python_path: str | None, notebook: Path, sandbox: str, timeout: float) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if python_path:
        env["PYTHONPATH"] = python_path
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run([sys.executable, "-c", _CHILD, str(notebook), sandbox, str(timeout)], env=env,
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="+", default=["00_what_is_saliency.ipynb",
                                                            "07_localization_and_beyond_gradients.ipynb"])
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision of the baseline (default {BASELINE})")
    parser.add_argument("--repeat", type=int, default=2, help="interleaved runs of each (default: 2)")
    parser.add_argument("--sandbox", default="none", choices=["none", "bwrap"])
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as folder:
        worktree = Path(folder) / "baseline"
        made = subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=ROOT,
                              capture_output=True, text=True)
        if made.returncode != 0:
            print(f"no baseline: git worktree failed ({made.stderr.strip()[:200]})")
            return
        try:
            rows = []
            for name in args.notebooks:
                notebook = ROOT / "notebooks" / name
                seconds: dict[tuple[str, str], list[float]] = {}
                for _ in range(args.repeat):
                    for label, path in (("baseline", str(worktree)), ("pristine", None)):
                        for version, (took, points, max_points, problem) in _run(
                                path, notebook, args.sandbox, args.timeout).items():
                            seconds.setdefault((label, version), []).append(took)
                            if label == "pristine":
                                rows.append((name, version, points, max_points, problem))
                print(f"\n{name} (sandbox {args.sandbox}, median of {args.repeat})")
                print(f"{'version':12s} {'baseline s':>11s} {'pristine s':>11s} {'ratio':>6s}")
                for version in ("instructor", "student"):
                    base = statistics.median(seconds[("baseline", version)])
                    new = statistics.median(seconds[("pristine", version)])
                    print(f"{version:12s} {base:11.1f} {new:11.1f} {new / base:6.2f}")
                total_base = sum(statistics.median(seconds[("baseline", v)]) for v in ("instructor", "student"))
                total_new = sum(statistics.median(seconds[("pristine", v)]) for v in ("instructor", "student"))
                print(f"{'both':12s} {total_base:11.1f} {total_new:11.1f} {total_new / total_base:6.2f}")
            print("\npoints with the pristine kernel (instructor: all; student build: none):")
            for name, version, points, max_points, problem in dict.fromkeys(rows):
                print(f"  {name} {version}: {points:g} / {max_points:g} {problem}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main()
