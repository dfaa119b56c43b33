"""GET /api/docs: the API reference, rendered on the server from the app's own OpenAPI.

FastAPI's Swagger UI and ReDoc pages load their JavaScript from a CDN, which clotwatch does not
do at run time (and which the Content-Security-Policy forbids), so this page lists the same
document as plain HTML. The machine-readable schema is at /api/v1/openapi.json.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clotwatch.web.render import render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete")


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
                "description": op.get("description", ""),
                "parameters": op.get("parameters", []),
                "body": json.dumps(body.get("schema"), indent=1) if body else None,
                "responses": {code: r.get("description", "")
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
                  schemas=schemas)
