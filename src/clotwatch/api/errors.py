"""Mapping clotwatch's error tree onto HTTP status codes (here and only here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from clotwatch.errors import ClotwatchError, InputError, MissingDataError, StoreError
from clotwatch.service.assessments import AssessmentNotFound, RevokeRefused


class LocatedInputError(Exception):
    """An InputError with where it sits in the request (``loc`` prefix, FastAPI style)."""

    def __init__(self, error: InputError, prefix: Sequence[str]) -> None:
        super().__init__(str(error))
        self.error = error
        self.prefix = tuple(prefix)


def unprocessable(error: InputError, prefix: Sequence[str] = ("body",)) -> JSONResponse:
    """422 in FastAPI's validation-error shape, ``loc`` naming the offending field and ``msg``
    naming it again with the reason (``"nonsense: unknown key ..."``), so that a message shown
    or logged on its own still says which input it is about."""
    loc = [*prefix, error.field] if error.field else list(prefix)
    return JSONResponse(status_code=422, content={"detail": [
        {"type": "value_error", "loc": loc, "msg": str(error), "input": None}]})


def _echo(value: Any) -> Any:
    """The input of a validation error when it can be echoed safely: a short scalar that is
    JSON (finite, no lone surrogate); otherwise None. Never the caller's whole document."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and len(value) <= 200:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return value
    return None


def validation_error(exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and why, echoing only inputs that are safe to echo."""
    detail = [{"type": str(e.get("type", "value_error")),
               "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
               "msg": str(e.get("msg", "invalid")), "input": _echo(e.get("input"))}
              for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": detail})


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_error(exc)

    @app.exception_handler(LocatedInputError)
    async def _located(_: Request, exc: LocatedInputError) -> JSONResponse:
        return unprocessable(exc.error, exc.prefix)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return unprocessable(exc)

    @app.exception_handler(AssessmentNotFound)
    async def _not_found(_: Request, exc: AssessmentNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(RevokeRefused)
    async def _refused(_: Request, exc: RevokeRefused) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": str(exc)})

    @app.exception_handler(MissingDataError)
    async def _missing(_: Request, exc: MissingDataError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": "the database is unavailable; "
                                                                "nothing was saved"})

    @app.exception_handler(ClotwatchError)
    async def _other(_: Request, exc: ClotwatchError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})
