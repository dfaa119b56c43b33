"""Request body limits that refuse early: size (413), JSON that is not strict JSON, and shape
(depth and number of values; 422), before any route or model sees the body.

Python's ``json`` module accepts ``NaN``, ``Infinity``, ``1e999`` (read as infinity) and lone
surrogates such as ``"\\ud800"``; none of them is JSON (RFC 8259), and once inside a model they
break the error response (``json.dumps`` refuses them). The body is therefore parsed once
here with ``orjson``, which is strict, and counted: a 6 MB object of 400,000 keys is refused in
milliseconds instead of being validated key by key. The route then reads the same bytes.

Limits by path prefix (``LIMITS``); a request whose ``Content-Length`` is over the limit is
refused before its body is read; a body sent in chunks is counted as it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Limit:
    """How large and how deep a JSON body on a path may be."""

    prefix: str
    max_bytes: int
    max_values: int
    max_depth: int = 64
    # Parse and count here (False: the route does it after authenticating the caller, so an
    # unauthenticated call gets 401 whatever its body; the size limit still applies here).
    check_json: bool = True


# CDS Hooks calls carry the prefetch (bounded by the templates' _count: a few hundred
# resources); the REST API's bodies are answers to one questionnaire or score.
LIMITS: tuple[Limit, ...] = (
    Limit("/cds-services", max_bytes=5_000_000, max_values=250_000, check_json=False),
    # The triage's own parser (clotwatch.triage.parse_answers_json) is stricter still and names
    # the key (a key given twice, 1e400 in duration_hours, 64 kB at most), so it reads the body.
    Limit("/api/v1/triage", max_bytes=262_144, max_values=20_000, check_json=False),
    # A batch of step samples (at most 10,000 samples of 5 values: a week of minute counts).
    Limit("/api/v1/activity", max_bytes=2_000_000, max_values=60_000),
    Limit("/api/", max_bytes=262_144, max_values=20_000),
)


class BodyTooLarge(Exception):
    """The body is over the size limit."""


def limit_for(path: str) -> Limit | None:
    """The limit that applies to a path, if any."""
    return next((lim for lim in LIMITS if path.startswith(lim.prefix)), None)


def check_shape(value: Any, limit: Limit) -> str | None:
    """Why a parsed JSON value is over the limits (values counted, depth), or None.

    A body within the limits (every call that is answered) is counted by ``_within``, which
    visits only arrays and objects (a CDS prefetch of 35 KB: about a third of the time of
    visiting every value); a body over them is walked value by value, which names the limit
    met first."""
    if _within(value, limit.max_values, limit.max_depth):
        return None
    return _walk(value, limit)


_CONTAINERS = (dict, list)


def _within(value: Any, max_values: int, max_depth: int) -> bool:
    """Whether ``_walk`` would find nothing: values + keys at most ``max_values``, nesting at
    most ``max_depth`` (stops as soon as either is passed).

    Visits the arrays and objects one nesting level at a time, each level in a list
    comprehension (issue 13: about half the time of a stack of (node, depth) pairs)."""
    if type(value) not in _CONTAINERS:
        return max_values >= 1
    count = 1
    level: list[Any] = [value]
    depth = 1
    while True:
        # an object holds 2 values per member (the key and its value), an array 1 per item
        added = sum([len(node) << (type(node) is dict) for node in level])
        count += added
        if count > max_values:
            return False
        if added and depth >= max_depth:  # the children (of any kind) are one level deeper
            return False
        level = [child for node in level
                 for child in (node.values() if type(node) is dict else node)
                 if type(child) in _CONTAINERS]
        if not level:
            return True
        depth += 1


def _walk(value: Any, limit: Limit) -> str | None:
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > limit.max_values:
            return f"the JSON body holds more than {limit.max_values:,} values"
        if depth > limit.max_depth:
            return f"the JSON body is nested more than {limit.max_depth} levels deep"
        if isinstance(node, dict):
            count += len(node)  # the keys
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return None


def _json_error(status: int, loc: list[str | int], msg: str, kind: str) -> bytes:
    return orjson.dumps({"detail": [{"type": kind, "loc": loc, "msg": msg, "input": None}]})


class BodyLimitMiddleware:
    """Refuse oversized, non-strict or too large-shaped JSON bodies (413/422) early."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit.max_bytes:
            await _refuse(send, 413, _too_large(limit))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit.max_bytes:
                await _refuse(send, 413, _too_large(limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        # FastAPI reads a body without a content type as JSON too.
        if limit.check_json and body and (content_type in (b"", b"application/json")
                     or content_type.endswith(b"+json")):
            problem = _check_json(body, limit)
            if problem is not None:
                await _refuse(send, *problem)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(limit: Limit) -> bytes:
    return _json_error(413, ["body"], f"the request body is larger than "
                                      f"{limit.max_bytes:,} bytes", "too_large")


class BodyRefused(Exception):
    """A body that is not strict JSON or is over the shape limits: ``detail`` says why."""

    def __init__(self, detail: dict[str, Any], status: int = 422) -> None:
        super().__init__(detail["msg"])
        self.detail = detail
        self.status = status


def parse_json(body: bytes, limit: Limit) -> Any:
    """The body parsed as strict JSON within the shape limits; BodyRefused otherwise (400 for
    bytes that are not UTF-8, as the OpenAPI document says; 422 for the rest)."""
    try:
        value = orjson.loads(body)  # refuses bytes that are not UTF-8 too
    except orjson.JSONDecodeError as exc:
        # which of the two: decoded only for a refused body (issue 13: a 35 KB CDS body
        # was decoded on every call just to find it was UTF-8)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as not_text:
            raise BodyRefused({"type": "json_invalid", "loc": ["body", not_text.start],
                               "msg": "the body is not UTF-8 text", "input": None},
                              status=400) from None
        raise BodyRefused({"type": "json_invalid", "loc": ["body", exc.pos],
                           "msg": "not valid JSON (NaN, Infinity, numbers out of range and "
                                  f"lone surrogates are not JSON): {exc.msg}",
                           "input": None}) from None
    shape = check_shape(value, limit)
    if shape is not None:
        raise BodyRefused({"type": "too_large", "loc": ["body"], "msg": shape, "input": None})
    return value


def _check_json(body: bytes, limit: Limit) -> tuple[int, bytes] | None:
    try:
        parse_json(body, limit)
    except BodyRefused as exc:
        return exc.status, orjson.dumps({"detail": [exc.detail]})
    return None


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
