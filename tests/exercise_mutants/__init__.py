"""The mutant catalogue: for every graded exercise, the wrong solutions students write and legitimate alternatives.

One module per notebook (``nb01.py`` for ``notebooks/01_*.ipynb``), each with two
dicts keyed by the exercise's grade id (its solution cell's, e.g. ``"nb01_reduce"``):

``MUTANTS``
    ``{exercise: {mistake: source}}``: a full solution cell per mistake students make
    (off-by-one levels, borders, wrong sign, mean for median, a missing abs, ...).  The
    key says the mistake in words.  Every one must lose points, and at least half of
    each exercise's must already fail its *visible* tests.
``ALTERNATIVES``
    ``{exercise: {approach: source}}``: correct solutions written another way (another
    library, a loop where the reference vectorises).  Every one must earn full points.

``TIMED`` (optional)
    The set of exercises whose tests measure time (a speed-up, a method checked by its
    cost): their instructor solution and alternatives must earn every part with four
    busy processes per core beside them.

A source may use what the notebook imported before the exercise (``np``, ``torch``,
the course modules), as a student's cell may.  ``tests/test_exercise_mutants.py``
runs the catalogue with :func:`course_lib.classroom.trials.try_answer`;
``python tests/exercise_mutants/report.py`` prints the table per notebook (exercise,
parts, points, mutants caught by visible / hidden tests, alternatives).
"""

from __future__ import annotations

import functools
import importlib.util
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def notebook_of(exercise_id: str) -> Path:
    """``notebooks/05b_video_saliency.ipynb`` for ``"nb05b_absorption"``."""
    prefix = exercise_id.split("_", 1)[0].removeprefix("nb")
    (path,) = NOTEBOOKS.glob(f"{prefix}_*.ipynb")
    return path


@functools.lru_cache(maxsize=None)
def _modules() -> tuple[types.ModuleType, ...]:
    """The notebook modules of the catalogue (``nb*.py``), loaded once."""
    modules = []
    for module_path in sorted(Path(__file__).parent.glob("nb*.py")):
        spec = importlib.util.spec_from_file_location(f"exercise_mutants_{module_path.stem}", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return tuple(modules)


def catalogue() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """``{exercise: (mutants, alternatives)}`` over every notebook module present."""
    found: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for module in _modules():
        for exercise_id in {*module.MUTANTS, *module.ALTERNATIVES}:
            found[exercise_id] = (module.MUTANTS.get(exercise_id, {}), module.ALTERNATIVES.get(exercise_id, {}))
    return found


CALLS: dict[str, tuple[tuple, dict]] = {}
"""The first call of each solution function while the instructor's answer is tried (for delegation tests)."""


def recording(solution: str, name: str) -> str:
    """``solution`` with the function ``name`` recording its first call's arguments in :data:`CALLS`."""
    return (f"{solution}\n\nimport exercise_mutants as _catalogue\n_inner_{name} = {name}\n\n"
            f"def {name}(*args, **kwargs):\n    _catalogue.CALLS.setdefault({name!r}, (args, kwargs))\n"
            f"    return _inner_{name}(*args, **kwargs)\n")


def delegating(solution: str, name: str, module: str, function: str) -> str:
    """``solution`` with the function ``name`` replaced by a one-line call of ``module.function``."""
    return (f"{solution}\n\nfrom {module} import {function} as _delegate\n\n"
            f"def {name}(*args, **kwargs):\n    return _delegate(*args, **kwargs)\n")


def timed() -> set[str]:
    """Exercises whose tests measure time (the ``TIMED`` sets of the notebook modules)."""
    return {exercise_id for module in _modules() for exercise_id in getattr(module, "TIMED", ())}
