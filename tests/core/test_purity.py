"""`clotwatch.core` stays pure: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "core"
FORBIDDEN_STDLIB = {"os", "socket", "subprocess", "requests", "urllib", "http", "sqlite3",
                    "random", "time", "logging"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_core_imports_only_the_standard_library_and_core() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if name.startswith("clotwatch."):
                if not name.startswith("clotwatch.core"):
                    offenders.append(f"{path.relative_to(CORE)}: {name}")
            elif top not in sys.stdlib_module_names or top in FORBIDDEN_STDLIB:
                offenders.append(f"{path.relative_to(CORE)}: {name}")
    assert not offenders, offenders
