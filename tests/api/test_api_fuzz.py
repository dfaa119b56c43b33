"""Schemathesis fuzzes REST v1 against its own OpenAPI document, in process: never a 5xx."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from clotwatch.api import create_app
from clotwatch.config import Settings
from clotwatch.store import upgrade

_DATA = Path(tempfile.mkdtemp(prefix="clotwatch-fuzz-"))
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
# CDS Hooks (another router) answers 503 until it knows its public URL: configure it here so
# that its routes are fuzzed as well.
_SETTINGS = Settings(data_dir=_DATA, share_lookups_per_minute=10_000,
                     cds_base_url="http://testserver")
upgrade(_SETTINGS.effective_database_url)
APP = create_app(_SETTINGS, clock=lambda: datetime(2026, 11, 24, tzinfo=UTC))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_never_answers_with_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
