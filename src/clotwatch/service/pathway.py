"""NG158 pathway use cases for the API and the web pages (thin: the logic is in core)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from clotwatch import DISCLAIMER
from clotwatch.core.instruments.explain import Translate, same
from clotwatch.errors import InputError


def next_step(pathway_id: str, inputs: Mapping[str, Any], now: datetime,
              tr: Translate = same) -> dict[str, Any]:
    """The next step of pathway ``dvt`` or ``pe`` as the JSON object of the CLI and the API.

    ``tr`` words the clinical text for the web pages in another language; the API and the CLI
    leave it out and get the tables' English.
    """
    from clotwatch.core.pathway import CONCLUSIONS, run

    if not isinstance(inputs, Mapping):
        raise InputError(None, "inputs must be a JSON object")
    step = run(pathway_id, dict(inputs), now=now, tr=tr)
    out = step.to_dict() | {"disclaimer": DISCLAIMER}
    out["conclusion"]["text"] = tr(CONCLUSIONS[step.conclusion])
    return out


def describe_inputs(pathway_id: str) -> list[dict[str, Any]]:
    """The inputs a pathway accepts, with meaning, kind and allowed values."""
    from clotwatch.core.pathway import get_pathway, inputs_for

    pathway = get_pathway(pathway_id)
    return [
        {"id": i.id, "kind": i.kind, "meaning": i.meaning, "options": list(i.options),
         "minimum": i.minimum, "maximum": i.maximum, "instrument": i.instrument}
        for i in inputs_for(pathway.id)
    ]
