"""Shared fixtures of the population tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOF_RELATIVE = Path("shared", "benchmarks", "sql-on-fhir-v2", "tests")
# CI has shared/ beside the clone; a worktree is one level deeper, so look upwards.
SOF_TESTS = next((p / SOF_RELATIVE for p in REPO.parents if (p / SOF_RELATIVE).is_dir()),
                 REPO.parent / SOF_RELATIVE)


@pytest.fixture(scope="session")
def sof_tests() -> Path:
    """The official SQL on FHIR v2 suite, beside the clone in ../shared."""
    if not SOF_TESTS.is_dir():
        pytest.fail(f"the SQL on FHIR suite is missing: {SOF_TESTS}")
    return SOF_TESTS
