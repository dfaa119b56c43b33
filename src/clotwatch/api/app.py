"""The application factory."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from clotwatch import DISCLAIMER, __version__
from clotwatch.api import errors
from clotwatch.api.deps import utc_now
from clotwatch.api.docs import complete_openapi
from clotwatch.api.limits import BodyLimitMiddleware
from clotwatch.api.middleware import ServiceMiddleware
from clotwatch.api.routers import ROUTERS
from clotwatch.config import Settings, load_settings
from clotwatch.service import assessments
from clotwatch.store import Store, StoreRateLimiter, open_store, upgrade
from clotwatch.web import errors as web_errors

DESCRIPTION = f"""Decision support for deep vein thrombosis (DVT) and pulmonary embolism:
symptom triage for a worried person, validated clinical scores for clinicians, and
assessments shared by code.

**{DISCLAIMER}**

Bad input gets 422 with `detail[].loc` naming the field and `detail[].msg` the reason.
"""


def _no_telemetry() -> dict[str, Any]:
    """FastAPI's own OpenTelemetry switched off (FastAPI 0.165 and later). It would send a
    span, metrics and logs of every request (paths hold share codes and patient ids) to any
    OpenTelemetry exporter the host configures, or set up one itself with
    FASTAPI_OTEL_AUTO_CONFIGURE=true. clotwatch sends no telemetry (docs/service.md)."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}  # an older FastAPI has none
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False,
                          "operation_spans": False, "auto_configure": False}}


NO_TELEMETRY = _no_telemetry()


def load_router(spec: str) -> APIRouter:
    """Import ``"module:attribute"`` and return the router it names."""
    module_name, _, attribute = spec.partition(":")
    router = getattr(importlib.import_module(module_name), attribute or "router")
    if not isinstance(router, APIRouter):
        raise TypeError(f"{spec} is not an APIRouter")
    return router


def create_app(settings: Settings | None = None, *, store: Store | None = None,
               clock: Callable[[], datetime] = utc_now, migrate: bool = False,
               routers: tuple[str, ...] = ROUTERS) -> FastAPI:
    """The clotwatch web app and REST API for ``settings`` (default: from the environment).

    ``migrate`` applies the database migrations first (``clotwatch serve`` does so).
    """
    settings = settings or load_settings()
    url = settings.effective_database_url
    if url.startswith("sqlite") and store is None:
        settings.ensure_data_dir()
    if migrate:
        upgrade(url)
    own_store = store is None
    store = store or open_store(url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if migrate:
            # Expired shared assessments are deleted at start (and whenever one is saved).
            assessments.purge_expired(store, now=clock())
        yield
        if own_store:
            store.dispose()

    app = FastAPI(
        title="clotwatch", version=__version__, description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None, lifespan=lifespan,
        **NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.clock = clock
    app.state.secret_key = settings.resolved_secret_key()
    # In the store, so that every worker process and instance counts together.
    app.state.share_limiter = StoreRateLimiter(store, settings.share_lookups_per_minute,
                                               clock=lambda: clock().timestamp())
    errors.install(app)
    web_errors.install(app)
    complete_openapi(app)
    for spec in routers:
        app.include_router(load_router(spec))
    app.mount("/static", StaticFiles(packages=[("clotwatch.web", "static")]), name="static")
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ServiceMiddleware)
    return app


def create_worker_app() -> FastAPI:
    """The app for one of ``clotwatch serve --workers N``'s processes (uvicorn's factory).

    Settings come from the same environment as the parent's; the parent has applied the
    migrations, so a worker does not (N workers racing on one migration would fail).
    """
    from clotwatch.api.server import prepare_process

    app = create_app(load_settings(), migrate=False)
    prepare_process()
    return app
