"""The clinician's page that walks the NICE NG158 pathway for suspected DVT or PE.

Each post re-runs the pathway on everything entered so far and shows the next step on top,
with the fields it needs next first. Thin: read the form, call service.pathway, render.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from clotwatch.errors import InputError
from clotwatch.web.forms import convert
from clotwatch.web.i18n import clinical
from clotwatch.web.render import render
from clotwatch.web.routes import PageRoute, checked_form, not_found

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PATHWAYS = ("dvt", "pe")


def _fields(pathway_id: str) -> list[Any]:
    """The inputs shown on the page: all but item-by-item instrument answers (the
    calculators page scores those; here the total or the category is entered)."""
    from clotwatch.core.pathway import inputs_for

    return [i for i in inputs_for(pathway_id) if i.kind != "answers"]


def read_form(pathway_id: str, form: FormData) -> tuple[dict[str, Any], dict[str, str],
                                                        dict[str, str]]:
    """(inputs, raw values, errors by input id) from the pathway form."""
    inputs: dict[str, Any] = {}
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in _fields(pathway_id):
        raw = form.get(item.id)
        raw = raw if isinstance(raw, str) else None
        values[item.id] = raw or ""
        if raw is None or not raw.strip():
            continue
        try:
            if item.kind in ("bool", "number", "integer", "enum"):
                value = convert(item.id, item.kind, raw, item.options)
            else:
                value = raw.strip()
        except InputError as exc:
            errors[item.id] = exc.reason
            continue
        if value is not None:
            inputs[item.id] = value
    return inputs, values, errors


def _page(request: Request, lang: str, pathway_id: str, inputs: dict[str, Any],
          values: dict[str, str], errors: dict[str, str]) -> Response:
    from clotwatch.core.pathway import ACCEPTED_UNITS, get_pathway
    from clotwatch.service import pathway as service

    step = None
    if not errors:
        try:
            step = service.next_step(pathway_id, inputs, request.app.state.clock(),
                                     clinical(lang))
        except InputError as exc:
            errors[exc.field or "_form"] = exc.reason
    fields = _fields(pathway_id)
    needed: list[str] = []
    if step is not None:
        for m in step["missing"]:
            needed += [i for i in m["inputs"] if i not in needed]
    first = [f for f in fields if f.id in needed]
    rest = [f for f in fields if f.id not in needed]
    return render(request, lang, "pathway.html", status_code=422 if errors else 200,
                  pathway=get_pathway(pathway_id), step=step, first=first, rest=rest,
                  values=values, errors=errors, units=ACCEPTED_UNITS)


@router.get("/{lang}/pathway")
async def choose(request: Request, lang: str) -> Response:
    """Pick the DVT or the PE pathway."""
    return render(request, lang, "pathway_choose.html")


@router.get("/{lang}/pathway/{pathway_id}")
async def start(request: Request, lang: str, pathway_id: str) -> Response:
    """The pathway from nothing known: the first question."""
    if pathway_id not in PATHWAYS:
        return not_found(request, lang)
    return _page(request, lang, pathway_id, {}, {}, {})


@router.post("/{lang}/pathway/{pathway_id}")
async def walk(request: Request, lang: str, pathway_id: str) -> Response:
    """The next step from everything entered so far."""
    if pathway_id not in PATHWAYS:
        return not_found(request, lang)
    form = await checked_form(request, lang)
    if isinstance(form, Response):
        return form
    inputs, values, errors = read_form(pathway_id, form)
    return _page(request, lang, pathway_id, inputs, values, errors)
