"""The structure numbers of issue 34's before/after table, measured on the source (nothing is run).

``python benchmarks/code_metrics.py [--root DIR]`` prints, for ``course_lib`` and its
``classroom`` package:

* lines (physical lines of ``.py`` files);
* functions whose body has more than 50 code lines (lines that hold code: not blank, not
  comment-only, not the docstring), with their names;
* ``_check_*`` functions (private validation helpers outside ``_validation``);
* private names used across module borders: ``module._name`` attribute uses and
  ``from module import _name`` imports of a course_lib module's private name in another
  course_lib module (tests and notebooks are not counted);
* public science modules without ``__all__``.

Compare two trees by running it in each (``--root`` of a git worktree).
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from pathlib import Path

LONG = 50
"""A function is long when its body has more than this many code lines."""


def _code_lines(source: str, node: ast.AST) -> int:
    """Lines of ``node`` (a function) holding code: not blank, not only a comment, not its docstring."""
    lines = set(range(node.body[0].lineno, node.end_lineno + 1))
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= set(range(first.lineno, first.end_lineno + 1))
    code = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENDMARKER):
            code.update(range(token.start[0], token.end[0] + 1))
    return len(lines & code)


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def measure(package: Path) -> dict[str, object]:
    """The numbers for the package at ``package`` (the ``course_lib`` folder)."""
    files = sorted(package.rglob("*.py"))
    modules = {_module_name(path, package): path for path in files}
    lines = {"all": 0, "classroom": 0}
    long_functions: list[str] = []
    checks: list[str] = []
    crossing: set[str] = set()
    without_all: list[str] = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        count = source.count("\n")
        lines["all"] += count
        if ".classroom" in name:
            lines["classroom"] += count
        tree = ast.parse(source)
        if name.count(".") == 1 and not name.split(".")[-1].startswith("_") and "classroom" not in name \
                and not any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
                            for n in tree.body):
            without_all.append(name.split(".")[-1])
        aliases: dict[str, str] = {}  # local name -> course_lib module
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _code_lines(source, node) > LONG:
                    long_functions.append(f"{name}.{node.name}")
                if node.name.startswith("_check_") and not name.endswith("_validation"):
                    checks.append(f"{name}.{node.name}")
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course_lib"):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in modules:
                        aliases[alias.asname or alias.name] = target
                    elif alias.name.startswith("_") and not alias.name.startswith("__") \
                            and node.module != name and not node.module.endswith("._validation"):
                        crossing.add(f"{node.module}.{alias.name} (in {name})")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("course_lib"):
                        aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                target = aliases[node.value.id]
                if node.attr.startswith("_") and not node.attr.startswith("__") and target != name:
                    crossing.add(f"{target}.{node.attr} (in {name})")
    return {"lines": lines, "long_functions": long_functions, "checks": checks, "crossing": sorted(crossing),
            "without_all": sorted(without_all)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="repository root")
    parser.add_argument("--list", action="store_true", help="also list the names behind each count")
    args = parser.parse_args()
    found = measure(Path(args.root) / "course_lib")
    rows = [("lines, course_lib", found["lines"]["all"]), ("lines, course_lib/classroom", found["lines"]["classroom"]),
            (f"functions over {LONG} code lines", len(found["long_functions"])),
            ("_check_* functions outside _validation", len(found["checks"])),
            ("private names used across modules", len(found["crossing"])),
            ("science modules without __all__", len(found["without_all"]))]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>6}")
    if args.list:
        for key in ("long_functions", "checks", "crossing", "without_all"):
            print(f"\n{key}:")
            for item in found[key]:
                print(f"  {item}")


if __name__ == "__main__":
    main()
