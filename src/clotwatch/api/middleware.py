"""Pure ASGI middleware: security headers and an access log without health data.

The access log names the route template (``/api/v1/assessments/{code}``), never the raw path or
the query string, so neither answers nor share codes reach the logs. uvicorn's own access log
is switched off by ``clotwatch serve``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("clotwatch.access")

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
NO_STORE = (b"cache-control", b"no-store")


class ServiceMiddleware:
    """On every HTTP response: the security headers (and ``no-store`` except for static files);
    and, when INFO is on for ``clotwatch.access``, one access-log line: method, route template,
    status and duration, nothing the user typed. One ASGI layer for both, as each layer costs
    a few microseconds per request (see docs/benchmarks.md)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if not static and b"cache-control" not in present:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        if not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send_with_headers)
            return
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            access_log.info("%s %s %d %.1fms", scope["method"], route_template(scope),
                            status or 500, (time.perf_counter() - start) * 1000)


def route_template(scope: dict[str, Any] | Scope) -> str:
    """The matched route's path template, or a placeholder: never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static/..."
    return "<unmatched>"
