"""GET /api/docs: the API reference, rendered on the server from the app's own OpenAPI.

FastAPI's Swagger UI and ReDoc pages load their JavaScript from a CDN, which clotwatch does not
do at run time (and which the Content-Security-Policy forbids), so this page lists the same
document as plain HTML. The machine-readable schema is at /api/v1/openapi.json.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup, escape

from clotwatch.web.render import render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete")

# Answers every operation with a request body can get before its route runs (so no route
# declares them): a body that is not UTF-8 JSON, and one over the size limit.
BODY_RESPONSES: dict[str, dict[str, Any]] = {
    "400": {"description": "the body could not be read as JSON in UTF-8; `detail` says so"},
    "413": {"description": "the body is larger than the service accepts; nothing was read "
                           "further"},
}
INLINE_CODE = re.compile(r"``(.+?)``|`(.+?)`")


def prose(text: str) -> Markup:
    """A docstring or description as HTML: escaped, with ``code`` (reST or Markdown) shown as
    code rather than as literal backticks."""
    out = []
    last = 0
    for match in INLINE_CODE.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup("<code>{}</code>").format(match.group(1) or match.group(2)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def complete_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` also list the statuses every JSON body can meet (400, 413)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        for item in spec.get("paths", {}).values():
            for method in METHODS:
                op = item.get(method)
                if op and "requestBody" in op:
                    responses = op.setdefault("responses", {})
                    for code, response in BODY_RESPONSES.items():
                        responses.setdefault(code, dict(response))
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the OpenAPI document, flattened for the template."""
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ops.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": prose(op.get("description", "")),
                "parameters": op.get("parameters", []),
                "body": json.dumps(body.get("schema"), indent=1) if body else None,
                "responses": {code: prose(r.get("description", ""))
                              for code, r in op.get("responses", {}).items()},
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
            })
    return ops


@router.get("/api/docs")
async def api_docs(request: Request) -> HTMLResponse:
    """The API reference page."""
    spec = request.app.openapi()
    schemas = {name: json.dumps(schema, indent=1, ensure_ascii=False)
               for name, schema in spec.get("components", {}).get("schemas", {}).items()}
    return render(request, "en", "api_docs.html", spec=spec, ops=operations(spec),
                  schemas=schemas, prose=prose)


@router.get("/openapi.json")
async def openapi_document(request: Request) -> JSONResponse:
    """The OpenAPI document at the address tools try first (also at /api/v1/openapi.json)."""
    return JSONResponse(request.app.openapi())
