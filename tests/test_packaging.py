"""What `pip install clotwatch` installs: every data file the package reads at run time is in
the wheel. The population screening's SQL (src/clotwatch/population/sql/*.sql) was not: the
package-data globs named no ``*.sql``, so only an editable install could screen."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "clotwatch"
# Sources of a build step, not read at run time: rxnorm_build.py turns them into the JSON the
# package reads (tests/fhir/test_rxnorm_products.py rebuilds from them in a checkout).
BUILD_ONLY = ("fhir/rxnorm_source/*.csv",)


def _globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["package-data"]["clotwatch"])


def _packaged(rel: str, globs: list[str]) -> bool:
    # setuptools' "**/" also matches no folder at all
    return any(fnmatch.fnmatch(rel, g) or (g.startswith("**/") and fnmatch.fnmatch(rel, g[3:]))
               for g in globs)


def test_every_data_file_of_the_package_is_in_the_wheel() -> None:
    globs = _globs()
    data = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")]
    assert any(rel.endswith(".sql") for rel in data)  # the case that was missed is looked at
    missing = [rel for rel in data if not _packaged(rel, globs)
               and not any(fnmatch.fnmatch(rel, b) for b in BUILD_ONLY)]
    assert missing == [], f"add their pattern to [tool.setuptools.package-data]: {missing}"
