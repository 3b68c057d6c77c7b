"""Print the mutant catalogue's table: per notebook, each exercise's parts, points and what catches its mutants.

    .venv/bin/python tests/exercise_mutants/report.py [nb01 ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_lib.classroom import trials  # noqa: E402
from exercise_mutants import NOTEBOOKS, catalogue  # noqa: E402


def main(prefixes: list[str]) -> None:
    entries = catalogue()
    print("| exercise | parts (points) | mutants | visible | hidden | survive | alternatives (pass) |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for found in trials.exercises(path):
            if prefixes and not any(found.grade_id.startswith(p) for p in prefixes):
                continue
            mutants, alternatives = entries.get(found.grade_id, ({}, {}))
            caught = [trials.try_answer(found, source=s).caught_by for s in mutants.values()]
            passing = sum(trials.try_answer(found, source=s).full_marks for s in alternatives.values())
            parts = ", ".join(f"{part.removeprefix(found.grade_id + '_')} ({points:g})"
                              for part, points, _ in found.parts)
            print(f"| {found.grade_id} | {parts} | {len(mutants)} | {caught.count('visible')} | "
                  f"{caught.count('hidden')} | {caught.count(None)} | {len(alternatives)} ({passing}) |")


if __name__ == "__main__":
    main(sys.argv[1:])
