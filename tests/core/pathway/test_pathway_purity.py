"""core/pathway stays pure: standard library and clotwatch.core only, no clock or I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import clotwatch.core.pathway as pathway_pkg

PKG = Path(pathway_pkg.__file__).parent
FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "open", "getenv"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_pathway_imports_only_the_standard_library_and_core() -> None:
    offenders = []
    for path in sorted(PKG.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("clotwatch."):
                if not name.startswith("clotwatch.core"):
                    offenders.append(f"{path.name}: {name}")
            elif top not in sys.stdlib_module_names and top != "__future__":
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_pathway_reads_no_clock_and_does_no_io() -> None:
    offenders = []
    for path in sorted(PKG.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in FORBIDDEN_CALLS:
                    offenders.append(f"{path.name}:{node.lineno} {name}()")
    assert offenders == []
