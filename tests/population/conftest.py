"""Shared fixtures of the population tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SOF_RELATIVE = Path("shared", "benchmarks", "sql-on-fhir-v2", "tests")
# CI has shared/ beside the clone; a worktree is one level deeper, so look upwards.
SOF_TESTS = next((p / SOF_RELATIVE for p in REPO.parents if (p / SOF_RELATIVE).is_dir()),
                 REPO.parent / SOF_RELATIVE)


SHARED_FOUND = any((p / "shared").is_dir() for p in REPO.parents)


@pytest.fixture(scope="session")
def sof_tests() -> Path:
    """The official SQL on FHIR v2 suite, beside the clone in ../shared.

    A clone with no shared/ beside it at all (e.g. in a temporary folder) skips the suite, as
    the MedCalc-Bench tests do; where shared/ is there (CI puts it beside the clone) a missing
    suite fails, so a broken layout can never pass for a run of the suite."""
    if not SOF_TESTS.is_dir():
        if not SHARED_FOUND:
            pytest.skip(f"the project's shared/ material is not beside this clone "
                        f"(looked for {SOF_TESTS}); CI places it there")
        pytest.fail(f"the SQL on FHIR suite is missing: {SOF_TESTS}")
    return SOF_TESTS


# --- Spark ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def spark_small() -> Any:
    """This worker's one SparkSession (clotwatch.population.spark.session), set for kilobytes
    of data (``SMALL_DATA``: interpreted expressions, one partition). A Spark test module asks
    for it for every test (``pytest.mark.usefixtures("spark_small")``, with
    ``xdist_group("spark")``), so that whichever runs first makes the session with these
    settings."""
    pytest.importorskip("pyspark",
                        reason="PySpark is not installed (pip install 'clotwatch[spark]')")
    from clotwatch.population.spark import SMALL_DATA, session

    return session(conf=SMALL_DATA)
