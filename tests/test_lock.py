"""The lock: ``requirements-lock.txt`` pins the course's whole environment for a term.

``pyproject.toml`` keeps ranges (what the course works with, for pip users); the lock,
written by ``make lock`` (uv, for every platform, with markers), holds the exact versions
that ``make install``, ``.ci/run`` and ``environment.yml`` install.  These tests check that
the lock agrees with pyproject.toml and that the environment running them is the lock
(skipped under ``make test-latest``, which installs the newest versions on purpose).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
PROJECT = "saliency-course"
# Installed by venv or pip itself, never a requirement of the course.
TOOLING = {"pip"}

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def _lock_pins() -> dict[str, Version]:
    """{name: version} of the lock's lines whose markers hold here."""
    pins: dict[str, Version] = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, _, marker = line.partition(";")
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s]+)", requirement.strip())
        assert match, f"the lock's line {line!r} is not 'name==version[ ; marker]'"
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name = canonicalize_name(match[1])
        assert name not in pins, f"the lock pins {name} twice for this platform"
        pins[name] = Version(match[2])
    return pins


def _pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return [Requirement(line) for line in lines if canonicalize_name(Requirement(line).name) != PROJECT]


def test_every_dependency_of_pyproject_is_locked_inside_its_range():
    pins = _lock_pins()
    for requirement in _pyproject_requirements():
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is in pyproject.toml but not in the lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"the lock pins {name}=={pins[name]}, outside pyproject.toml's {requirement}: run `make lock`"
        )


def _installed() -> dict[str, importlib.metadata.Distribution]:
    """What pip installed: the environment's site-packages only.

    Modern setuptools appends its ``_vendor`` folder to ``sys.path`` once imported, whose
    dist-info folders (autocommand, jaraco.*) are setuptools' business, not installs.
    """
    found: dict[str, importlib.metadata.Distribution] = {}
    folders = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    for distribution in importlib.metadata.distributions(path=folders):  # in path order: the first one wins
        found.setdefault(canonicalize_name(distribution.metadata["Name"]), distribution)
    return found


def _required_closure(installed: dict[str, importlib.metadata.Distribution]) -> set[str]:
    """Every distribution the course's ``[dev]`` install needs here, by markers and extras."""
    needed: set[str] = set()
    todo = [(PROJECT, frozenset({"dev"}))]
    seen: set[tuple[str, frozenset]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        needed.add(name)
        assert name in installed, f"{name} is required but not installed"
        for line in installed[name].requires or []:
            requirement = Requirement(line)
            applies = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            )
            if applies:
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return needed


@pytest.mark.skipif(os.environ.get("SALIENCY_UNLOCKED") == "1",
                    reason="make test-latest installs the newest versions, not the lock")
def test_the_installed_environment_is_exactly_the_lock():
    pins, installed = _lock_pins(), _installed()
    for name, distribution in sorted(installed.items()):
        if name == PROJECT or name in TOOLING:
            continue
        version = Version(distribution.version)
        assert name in pins, f"{name} {version} is installed but not in the lock"
        # a local label is the build, not the release: torch 2.14.1+cpu is torch 2.14.1
        assert version.public == pins[name].public, f"{name} {version} is installed, the lock says {pins[name]}"
    _required_closure(installed)  # raises on a requirement that is not installed


def test_every_package_course_lib_imports_is_declared():
    """A package that ``course_lib`` imports must be a requirement of pyproject.toml (or an extra's),
    not only a dependency of one (scipy came through scikit-image, Pillow through matplotlib): a
    release of the other that drops it would break the course.  Optional imports guarded by
    ``except ImportError`` count as well; pysaliency alone is left out, documented as not installed."""
    import ast

    declared = {canonicalize_name(r.name) for r in _pyproject_requirements()}
    distributions = importlib.metadata.packages_distributions()  # top-level module -> distributions
    standard = set(sys.stdlib_module_names)
    missing = set()
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in standard or top in ("course_lib", "pysaliency", "__future__"):
                    continue
                owners = {canonicalize_name(d) for d in distributions.get(top, [top])}
                if not owners & declared:
                    missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported by course_lib but not declared in pyproject.toml: {sorted(missing)}"
