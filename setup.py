"""The wheel's notebooks are the public build: hidden tests and sample answers stay in the repository.

Everything else about the package is in pyproject.toml.  setuptools copies
``notebooks/*.ipynb`` into the wheel as ``course_lib/notebooks`` (pyproject's
package-dir mapping); this step then rewrites each copy with
:func:`course_lib.classroom.markup.public_notebook`, so a student who installs the
course gets no hidden test and no sample answer.  It runs with the standard
library only (``json``): the build needs nothing beyond setuptools.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPublicNotebooks(build_py):
    """``build_py``, then the notebooks it copied replaced by their public build."""

    def run(self) -> None:
        super().run()
        sys.path.insert(0, str(HERE))  # this tree's course_lib, not an installed one
        try:
            from course_lib.classroom.markup import public_notebook
        finally:
            sys.path.remove(str(HERE))
        folder = Path(self.build_lib) / "course_lib" / "notebooks"
        for path in sorted(folder.glob("*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:  # nbformat stores sources as lists of lines
                if isinstance(cell.get("source"), list):
                    cell["source"] = "".join(cell["source"])
            text = json.dumps(public_notebook(nb), indent=1, sort_keys=True, ensure_ascii=False)
            path.write_text(text + "\n", encoding="utf-8")


setup(cmdclass={"build_py": BuildPublicNotebooks})
