"""NICE NG158 diagnostic pathways for suspected DVT and suspected PE, as state machines.

Pure: standard library and ``clotwatch.core`` only; no clock (pass ``now`` in).

    >>> step = run("dvt", {"age": 60, "pregnant": False, "wells_dvt_category": "likely"})
    >>> step.id, step.time_limit
    ('likely_scan_timing', 'PT4H')
"""

from __future__ import annotations

from clotwatch.core.pathway.ddimer import ACCEPTED_UNITS, DDU_TO_FEU, parse_unit, to_ng_ml_feu
from clotwatch.core.pathway.engine import duration, get_pathway, run
from clotwatch.core.pathway.facts import FACTS, INPUTS, PathwayInput, inputs_for
from clotwatch.core.pathway.model import CONCLUSIONS, Missing, Pathway, State, Step, StepSpec
from clotwatch.core.pathway.tables import DVT, PATHWAYS, PE

__all__ = [
    "ACCEPTED_UNITS",
    "CONCLUSIONS",
    "DDU_TO_FEU",
    "DVT",
    "FACTS",
    "INPUTS",
    "PATHWAYS",
    "PE",
    "Missing",
    "Pathway",
    "PathwayInput",
    "State",
    "Step",
    "StepSpec",
    "duration",
    "get_pathway",
    "inputs_for",
    "parse_unit",
    "run",
    "to_ng_ml_feu",
]
