"""The benchmark scripts of benchmarks/, imported as modules for their tests (they are scripts,
not a package: each is loaded from its file, once per name)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as the module ``clotwatch_bench_<name>``."""
    spec = importlib.util.spec_from_file_location(f"clotwatch_bench_{name}",
                                                  BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
