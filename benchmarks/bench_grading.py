"""Grading throughput: notebooks per minute, the cost of the sandbox and of Dask, a term projected.

Run with ``make bench`` (or ``python benchmarks/bench_grading.py``).  Builds
fake submissions in a temporary folder (``--students`` students per notebook,
half with the reference answers, half unanswered, so passing and failing
tests are both timed) and grades them exactly as ``saliency-course grade``
does, for two notebooks:

* **00** (``00_what_is_saliency.ipynb``): a light notebook;
* **heavy** (``--heavy``, default notebook 06: torch, the shipped CNN).

Tables printed:

1. engines on one worker, interleaved: nbclient alone (the runner without
   guard cells, restoring, scoring or sandbox), the grader without Dask and
   without the sandbox, with the sandbox, and on a running 1-worker Dask
   ``LocalCluster`` (its start-up, paid once per grading run, printed
   apart); seconds per notebook and the overhead against nbclient
   alone (target: <= 10 % each for the sandbox and for Dask);
2. notebooks per minute with 1 and 2 local Dask workers, sandbox on;
3. a term of 300 students x every course notebook (11, the issue's "10"
   plus 05b) projected from the measured seconds per notebook (one run of
   each, sandbox on), for 2, 16 and 64 worker cores, assuming the cores run independent
   notebooks (the scheduler's cost per task is milliseconds);
4. one assignment as ``saliency-course grade`` runs it (``--assignment``
   alone: ``--only-assignment``): ``--students`` students x notebooks 00 and
   05, the instructor notebooks as submissions, graded from scratch with
   ``scheduler=None`` and with ``scheduler="local"`` (the cluster started and
   closed inside each run, as ``grade`` does), every core a worker, the
   sandbox as ``--sandbox auto`` picks, interleaved, ``--repeat`` times:
   medians and their ratio, and apart the local cluster's fixed cost per run
   (start, then one no-op task per worker that imports the grader, as a
   worker's first notebook does, then close).  The load average is printed:
   on a shared machine the ratio moves with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from course_lib import classroom
from course_lib.classroom import runner, sandbox as sandboxes

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _case(root: Path, name: str, students: int) -> tuple[Path, Path]:
    source_dir, submissions = root / "source", root / "submitted"
    source_dir.mkdir(parents=True)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.write(nb, source_dir / name)
    for number in range(students):
        folder = submissions / f"student{number:02d}"
        folder.mkdir(parents=True)
        nbformat.write(nb if number % 2 == 0 else classroom.student_notebook(nb), folder / name)
    return source_dir, submissions


def _grade(source_dir: Path, submissions: Path, *, workers: int, scheduler: str | None, sandbox: str,
           timeout: float) -> float:
    """Seconds to grade every submission from scratch (a fresh output folder: nothing reused)."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        grades = classroom.grade_submissions(submissions, source_dir=source_dir, out_csv=Path(out) / "g.csv",
                                             timeout=timeout, workers=workers, scheduler=scheduler, sandbox=sandbox)
        seconds = time.perf_counter() - start
    broken = [g for g in grades if g.problem]
    if broken:
        raise RuntimeError(f"benchmark submissions failed to run: {broken[0].problem}")
    return seconds


def _nbclient_alone(submissions: Path, timeout: float) -> float:
    start = time.perf_counter()
    for path in sorted(submissions.rglob("*.ipynb")):
        runner.run_coroutine(runner.execute(nbformat.read(path, as_version=4), timeout=timeout,
                                            max_output_bytes=10**6))
    return time.perf_counter() - start


def _cluster_fixed_cost(workers: int) -> float:
    """Seconds from starting the grader's local cluster to each worker having imported the grader, and closed."""
    from distributed import Client

    from course_lib.classroom.cluster import local_cluster

    def warm() -> str:
        import course_lib.classroom.submissions  # what a worker imports for its first grade_job

        return course_lib.classroom.submissions.__name__

    start = time.perf_counter()
    cluster = local_cluster(workers)
    try:
        with Client(cluster) as client:
            client.wait_for_workers(workers)
            client.run(warm)  # on every worker
    finally:
        cluster.close()
    return time.perf_counter() - start


def _assignment(root: Path, students: int, repeat: int, timeout: float) -> None:
    """Table 4: one assignment (00 and 05) graded without Dask and on the local cluster, as ``grade`` runs it."""
    names = ("00_what_is_saliency.ipynb", "05_fast_baselines_and_evaluation.ipynb")
    source_dir, submissions = root / "source", root / "submitted"
    for name in names:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.write(nb, _mkdir(source_dir) / name)
        for number in range(students):
            nbformat.write(nb, _mkdir(submissions / f"student{number:02d}") / name)
    workers = os.cpu_count() or 1
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {"none": [], "local": [], "fixed": []}
    for _ in range(repeat):  # interleaved, so that a change of the machine's load falls on both
        times["none"].append(_grade(source_dir, submissions, workers=workers, scheduler=None, sandbox="auto",
                                    timeout=timeout))
        times["local"].append(_grade(source_dir, submissions, workers=workers, scheduler="local", sandbox="auto",
                                     timeout=timeout))
        times["fixed"].append(_cluster_fixed_cost(workers))
    none, local, fixed = (statistics.median(times[key]) for key in ("none", "local", "fixed"))
    count = students * len(names)
    print(f"\n4. one assignment as `grade` runs it: {students} students x notebooks 00 and 05 ({count} notebooks "
          f"from scratch), {workers} workers, --sandbox auto")
    print(f"   median of {repeat} interleaved runs; runs in seconds: "
          + "; ".join(f"{key} {', '.join(f'{value:.1f}' for value in values)}" for key, values in times.items()))
    print(f"{'scheduler':44s} {'wall s':>7s} {'s/notebook':>11s} {'vs none':>8s}")
    print(f"{'none (kernels run from the grading process)':44s} {none:7.1f} {none / count:11.2f} {1:8.2f}")
    print(f"{'local (a Dask cluster started for the run)':44s} {local:7.1f} {local / count:11.2f} {local / none:8.2f}")
    print(f"{'  its fixed cost: start, workers import, close':44s} {fixed:7.1f}")
    print(f"{'  local less that fixed cost':44s} {local - fixed:7.1f} {(local - fixed) / count:11.2f} "
          f"{(local - fixed) / none:8.2f}")
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in load_before)} before, "
          f"{', '.join(f'{v:.2f}' for v in load_after)} after, on {os.cpu_count()} cores")


def _mkdir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4, help="fake students per notebook (default: 4)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats of table 1 (default: 3)")
    parser.add_argument("--heavy", default="06_gradient_saliency_simonyan.ipynb")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per cell (default: 300)")
    parser.add_argument("--skip-term", action="store_true", help="skip table 3 (one run of every notebook)")
    parser.add_argument("--only-term", action="store_true", help="table 3 alone")
    parser.add_argument("--only-assignment", action="store_true",
                        help="table 4 alone: one assignment without Dask and on the local cluster")
    args = parser.parse_args()
    sandbox_note = sandboxes.resolve("auto")[1]
    sandbox_on = "bwrap" if not sandboxes.bwrap_problem() else "none"

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        if args.only_assignment:
            _assignment(Path(tmp) / "assignment", args.students, args.repeat, args.timeout)
            print(f"\n{os.cpu_count()} CPU cores seen; {sandbox_note}")
            return
        if not args.only_term:
            cases = {label: _case(Path(tmp) / label, name, args.students)
                     for label, name in (("00", "00_what_is_saliency.ipynb"), ("heavy", args.heavy))}

            # Dask's per-notebook cost on a running cluster; its start-up (once per grading run,
            # whatever the class size) is timed apart, so 4 submissions do not carry it alone
            from distributed import LocalCluster

            started = time.perf_counter()
            cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=40)
            cluster_start_s = time.perf_counter() - started
            engines = {
                "nbclient alone": lambda src, sub: _nbclient_alone(sub, args.timeout),
                "grader, no sandbox": lambda src, sub: _grade(src, sub, workers=1, scheduler=None, sandbox="none",
                                                              timeout=args.timeout),
                "grader + sandbox": lambda src, sub: _grade(src, sub, workers=1, scheduler=None, sandbox=sandbox_on,
                                                            timeout=args.timeout),
                "grader + Dask (1 worker)": lambda src, sub: _grade(src, sub, workers=1,
                                                                    scheduler=cluster.scheduler_address,
                                                                    sandbox="none", timeout=args.timeout),
            }
            print(f"1. seconds per notebook, one worker, median of {args.repeat} interleaved runs "
                  f"({args.students} submissions per case)")
            print(f"{'case':6s} {'engine':26s} {'s/notebook':>11s} {'vs nbclient':>12s}")
            for label, (source_dir, submissions) in cases.items():
                times = {engine: [] for engine in engines}
                for _ in range(args.repeat):
                    for engine, run in engines.items():
                        times[engine].append(run(source_dir, submissions) / args.students)
                base = statistics.median(times["nbclient alone"])
                for engine, values in times.items():
                    median = statistics.median(values)
                    print(f"{label:6s} {engine:26s} {median:11.2f} {median / base - 1:+11.1%}")
            cluster.close()
            print(f"(Dask on a running 1-worker LocalCluster; starting one took {cluster_start_s:.1f} s, "
                  "once per grading run)")

            print(f"\n2. notebooks per minute on a local Dask cluster, sandbox {sandbox_on}")
            print(f"{'case':6s} {'workers':>8s} {'wall s':>8s} {'notebooks/min':>14s} {'vs 1 worker':>12s}")
            for label, (source_dir, submissions) in cases.items():
                baseline = None
                for workers in (1, 2):
                    seconds = _grade(source_dir, submissions, workers=workers, scheduler="local", sandbox=sandbox_on,
                                     timeout=args.timeout)
                    rate = 60 * args.students / seconds
                    baseline = baseline or rate
                    print(f"{label:6s} {workers:8d} {seconds:8.1f} {rate:14.1f} {rate / baseline:11.2f}x")

        if not args.skip_term:
            per_notebook = {}
            for path in sorted(NOTEBOOKS.glob("*.ipynb")):  # every course notebook, 05b too
                source_dir, submissions = _case(Path(tmp) / "term" / path.stem, path.name, 1)
                per_notebook[path.name] = _grade(source_dir, submissions, workers=1, scheduler=None,
                                                 sandbox=sandbox_on, timeout=args.timeout)
            total = 300 * sum(per_notebook.values())
            print(f"\n3. a term of 300 students x {len(per_notebook)} notebooks, projected from one run of each notebook")
            print("   " + ", ".join(f"{name.split('_')[0]}: {seconds:.0f} s" for name, seconds in per_notebook.items()))
            print(f"{'worker cores':>12s} {'projected wall time':>20s}")
            for cores in (2, 16, 64):
                print(f"{cores:12d} {total / cores / 3600:17.2f} h")

        if not args.only_term:
            _assignment(Path(tmp) / "assignment", args.students, args.repeat, args.timeout)

    print(f"\n{os.cpu_count()} CPU cores seen; {sandbox_note}")


if __name__ == "__main__":
    main()
