"""The registry of saliency methods by name, shared by the command line, widgets and applications.

Used in notebook 05 (§1, the fast baselines side by side) and notebook 09
(applications take a method name).  Every registered function takes a course
image (float32 (H, W, 3) RGB in [0, 1], or any image
:func:`course_lib._validation.check_image` accepts) and returns a float32
(H, W) map in [0, 1].  ``saliency-course map --method NAME`` looks names up
here; :mod:`course_lib.cli` re-exports :data:`METHODS` and
:func:`resolve_method` for compatibility.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from course_lib import baselines, itti_koch

METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    **baselines.METHODS,
    "itti": itti_koch.saliency_map,
}
"""Saliency methods by name.

The fast baselines come from :data:`course_lib.baselines.METHODS`; models of
later notebooks are added here.
"""


def resolve_method(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """Return the saliency function registered as ``name`` in :data:`METHODS`.

    Raises
    ------
    ValueError
        If ``name`` is not a registered name.

    Examples
    --------
    >>> resolve_method("lc").__name__
    'lc_saliency'
    """
    if not isinstance(name, str) or name not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got name={name!r}")
    return METHODS[name]
