"""No telemetry: FastAPI's own OpenTelemetry (0.165 and later) stays off, so a host that
configures an OpenTelemetry provider or sets FASTAPI_OTEL_AUTO_CONFIGURE=true does not get a
span, a metric or a log line of any request (paths hold share codes and patient ids)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import metrics, trace

from clotwatch.api.app import create_app
from clotwatch.config import Settings


class _Recording(trace.TracerProvider, metrics.MeterProvider):
    """A configured provider (what an SDK installs) that records who asks it for anything."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        self.asked.append(f"tracer {args[:1]}")
        return trace.NoOpTracer()

    def get_meter(self, *args: Any, **kwargs: Any) -> metrics.Meter:
        self.asked.append(f"meter {args[:1]}")
        return metrics.NoOpMeter(str(args[0]) if args else "")


def _requests(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/instruments").status_code == 200
        assert client.get("/s/ABCD-EFGH").status_code in (404, 410)
        assert client.get("/en/").status_code == 200


def test_a_configured_opentelemetry_provider_hears_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = _Recording()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: provider)
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    _requests(create_app(settings, migrate=True))
    assert provider.asked == []
    # the control: a bare FastAPI app on the same provider does ask it (so the check above
    # would see a request reported)
    bare = FastAPI()
    bare.get("/api/v1/health")(lambda: {"status": "ok"})
    with TestClient(bare) as client:
        client.get("/api/v1/health")
    assert provider.asked
