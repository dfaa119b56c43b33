"""GET /healthz: is the process up and the database reachable."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from clotwatch import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check",
            responses={503: {"description": "the database does not answer"}})
def healthz(request: Request) -> JSONResponse:
    """200 with ``{"status": "ok"}`` when the database answers, else 503."""
    store = request.app.state.store
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable",
                             "version": __version__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})
