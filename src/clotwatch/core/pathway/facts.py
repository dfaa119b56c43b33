"""Pathway inputs (declared as data) and the facts the state machines branch on.

Inputs are what a clinician or an EHR knows; facts are derived from them (a Wells category
from answers or a total, a D-dimer verdict from a value and its unit). A fact that cannot be
derived is ``None``: the state machine then asks for it or leads to the step that finds it out.
Scores come from ``clotwatch.core.instruments`` (one declaration per score); nothing here
repeats a score's points or cut-offs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from clotwatch.core import instruments
from clotwatch.core.errors import InputError
from clotwatch.core.instruments.explain import Translate, same
from clotwatch.core.pathway import ddimer

Kind = Literal["bool", "number", "integer", "enum", "text", "datetime", "answers"]
RESULT = ("positive", "negative")


@dataclass(frozen=True)
class PathwayInput:
    """One input a pathway accepts."""

    id: str
    kind: Kind
    meaning: str
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    instrument: str | None = None  # for kind "answers": the instrument they answer
    pathways: tuple[str, ...] = ("dvt", "pe")


INPUTS: tuple[PathwayInput, ...] = (
    PathwayInput("pregnant", "bool", "pregnant, or gave birth in the last 6 weeks"),
    PathwayInput("age", "number", "age in years", minimum=0, maximum=130),
    # DVT: two-level DVT Wells, as a category, a total, or the answers to score.
    PathwayInput("wells_dvt_category", "enum", "two-level DVT Wells category",
                 options=("likely", "unlikely"), pathways=("dvt",)),
    PathwayInput("wells_dvt_total", "number", "DVT Wells total (2003, -2 to 9)",
                 minimum=-2, maximum=9, pathways=("dvt",)),
    PathwayInput("wells_dvt", "answers", "answers to the DVT Wells items",
                 instrument="wells-dvt", pathways=("dvt",)),
    # Imaging of the leg (DVT pathway; in the PE pathway after a negative CTPA).
    PathwayInput("ultrasound", "enum", "proximal leg vein ultrasound result", options=RESULT),
    PathwayInput("ultrasound_within_4h", "bool",
                 "can the proximal leg vein ultrasound result be had within 4 hours?",
                 pathways=("dvt",)),
    PathwayInput("ultrasound_requested_at", "datetime",
                 "when the proximal leg vein ultrasound was requested"),
    PathwayInput("ultrasound_at", "datetime",
                 "when the first (negative) proximal leg vein ultrasound was done",
                 pathways=("dvt",)),
    PathwayInput("repeat_ultrasound", "enum", "repeat proximal leg vein ultrasound result "
                 "(6-8 days after the first)", options=RESULT, pathways=("dvt",)),
    # D-dimer.
    PathwayInput("ddimer_value", "number", "D-dimer value (give ddimer_unit too)", minimum=0),
    PathwayInput("ddimer_unit", "text",
                 "D-dimer unit with its basis: " + ", ".join(ddimer.ACCEPTED_UNITS)),
    PathwayInput("ddimer_result", "enum",
                 "D-dimer verdict by the laboratory's own assay cut-off", options=RESULT),
    PathwayInput("ddimer_age_adjusted", "bool",
                 "use the age-adjusted D-dimer cut-off (age x 10 ng/mL FEU over 50) where "
                 "the clinical probability is not high"),
    PathwayInput("ddimer_within_4h", "bool", "can the D-dimer result be had within 4 hours?"),
    PathwayInput("ddimer_requested_at", "datetime", "when the D-dimer was requested"),
    PathwayInput("interim_anticoagulation", "bool",
                 "interim therapeutic anticoagulation has been given"),
    # PE.
    PathwayInput("gestalt_below_15", "bool",
                 "clinician's overall impression puts PE probability below 15% and other "
                 "diagnoses are feasible", pathways=("pe",)),
    PathwayInput("perc_all_negative", "bool", "all 8 PERC criteria negative",
                 pathways=("pe",)),
    PathwayInput("perc", "answers", "answers to the PERC criteria", instrument="perc",
                 pathways=("pe",)),
    PathwayInput("pe_route", "enum", "diagnostic route: NG158 Wells (default) or YEARS",
                 options=("wells", "years"), pathways=("pe",)),
    PathwayInput("wells_pe_category", "enum", "two-level PE Wells category",
                 options=("likely", "unlikely"), pathways=("pe",)),
    PathwayInput("wells_pe_total", "number", "PE Wells total (0 to 12.5)",
                 minimum=0, maximum=12.5, pathways=("pe",)),
    PathwayInput("wells_pe", "answers", "answers to the PE Wells items",
                 instrument="wells-pe", pathways=("pe",)),
    PathwayInput("years", "answers",
                 "answers to the YEARS items (dvt_signs, hemoptysis, pe_most_likely)",
                 instrument="years", pathways=("pe",)),
    PathwayInput("ctpa", "enum", "CT pulmonary angiogram (or V/Q SPECT) result",
                 options=RESULT, pathways=("pe",)),
    PathwayInput("ctpa_immediately", "bool", "can CTPA be done immediately?",
                 pathways=("pe",)),
    PathwayInput("ctpa_requested_at", "datetime", "when CTPA was requested", pathways=("pe",)),
    PathwayInput("dvt_suspected", "bool", "DVT is suspected (asked after a negative CTPA)",
                 pathways=("pe",)),
)
INPUT_BY_ID: Mapping[str, PathwayInput] = {i.id: i for i in INPUTS}


def inputs_for(pathway: str) -> tuple[PathwayInput, ...]:
    """The inputs one pathway accepts, in declaration order."""
    return tuple(i for i in INPUTS if pathway in i.pathways)


def parse_datetime(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with a time zone (``Z`` or ``+01:00``)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(field, f"not an ISO 8601 date-time: {value!r}") from None
    else:
        raise InputError(field, "expected an ISO 8601 date-time string")
    if parsed.tzinfo is None:
        raise InputError(field, "give a time zone, e.g. 2026-11-24T21:00:00Z")
    return parsed


def validate(pathway: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check inputs for ``pathway``; return id -> clean value (None when not given).

    Raises ``InputError`` naming the first offending input. ``raw`` is not modified.
    """
    if not isinstance(raw, Mapping):
        raise InputError(None, f"inputs must be an object, got {type(raw).__name__}")
    allowed = {i.id: i for i in inputs_for(pathway)}
    for key in raw:
        if key not in allowed:
            hint = " (belongs to the other pathway)" if key in INPUT_BY_ID else ""
            raise InputError(str(key), f"unknown input for the {pathway} pathway{hint}")
    clean: dict[str, Any] = {}
    for inp in allowed.values():
        value = raw.get(inp.id)
        clean[inp.id] = None if value is None else _check(inp, value)
    if (clean["ddimer_value"] is None) != (clean["ddimer_unit"] is None):
        missing = "ddimer_unit" if clean["ddimer_unit"] is None else "ddimer_value"
        raise InputError(missing, "give the D-dimer value and its unit together")
    if clean["ddimer_value"] is not None:
        clean["ddimer_ng_ml_feu"] = ddimer.to_ng_ml_feu(clean["ddimer_value"], clean["ddimer_unit"])
    else:
        clean["ddimer_ng_ml_feu"] = None
    return clean


def _check(inp: PathwayInput, value: Any) -> Any:
    if inp.kind == "bool":
        if not isinstance(value, bool):
            raise InputError(inp.id, f"expected true or false, got {value!r}")
        return value
    if inp.kind == "enum":
        if value not in inp.options:
            raise InputError(inp.id, f"expected one of {', '.join(inp.options)}; got {value!r}")
        return value
    if inp.kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise InputError(inp.id, "expected text")
        if inp.id == "ddimer_unit":
            ddimer.parse_unit(value)
        return value
    if inp.kind == "datetime":
        return parse_datetime(value, inp.id)
    if inp.kind == "answers":
        if not isinstance(value, Mapping):
            raise InputError(inp.id, f"expected an object of {inp.instrument} answers")
        assert inp.instrument is not None
        instruments.validate(instruments.get(inp.instrument), value)
        return dict(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(inp.id, f"expected a number, got {value!r}")
    if value in (float("inf"), float("-inf")):
        raise InputError(inp.id, "expected a finite number")
    if inp.minimum is not None and value < inp.minimum:
        raise InputError(inp.id, f"{value} is below the allowed minimum {inp.minimum:g}")
    if inp.maximum is not None and value > inp.maximum:
        raise InputError(inp.id, f"{value} is above the allowed maximum {inp.maximum:g}")
    return value


@dataclass(frozen=True)
class Context:
    """Validated inputs plus the time the caller says it is (``None``: no timing)."""

    pathway: str
    values: Mapping[str, Any]
    now: datetime | None
    notes: list[str]
    ddimer_detail: dict[str, Any]
    tr: Translate = same  # words notes and the D-dimer basis (identity: English)

    def get(self, key: str) -> Any:
        """A validated input (None when not given)."""
        return self.values.get(key)


@dataclass(frozen=True)
class Fact:
    """A derived fact: how to get it, which inputs answer it, the question when it is missing."""

    id: str
    inputs: tuple[str, ...]
    question: str
    derive: Callable[[Context], str | None]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _input_fact(key: str) -> Callable[[Context], str | None]:
    def derive(ctx: Context) -> str | None:
        value = ctx.get(key)
        if isinstance(value, bool):
            return _yes_no(value)
        return value  # type: ignore[no-any-return]

    return derive


def _adult(ctx: Context) -> str | None:
    age = ctx.get("age")
    return None if age is None else ("yes" if age >= 18 else "no")


def _wells(kind: str) -> Callable[[Context], str | None]:
    inst_id = f"wells-{kind}"

    def derive(ctx: Context) -> str | None:
        found: dict[str, str] = {}
        category = ctx.get(f"wells_{kind}_category")
        if category is not None:
            found[f"wells_{kind}_category"] = category
        total = ctx.get(f"wells_{kind}_total")
        if total is not None:
            found[f"wells_{kind}_total"] = instruments.get(inst_id).classify(total)["two_level"]
        answers = ctx.get(f"wells_{kind}")
        if answers is not None:
            result = instruments.evaluate(inst_id, answers)
            cat = result.categories.get("two_level")
            if cat is not None:
                found[f"wells_{kind}"] = cat
            elif not found:
                note = (ctx.tr("Wells DVT category not yet determined; unanswered: {ids}")
                        if kind == "dvt" else
                        ctx.tr("Wells PE category not yet determined; unanswered: {ids}"))
                ctx.notes.append(note.format(ids=", ".join(result.missing)))
        if len(set(found.values())) > 1:
            first = next(iter(found))
            raise InputError(
                first,
                "disagrees with "
                + ", ".join(f"{k}={v}" for k, v in found.items() if k != first),
            )
        return next(iter(found.values()), None)

    return derive


def _perc(ctx: Context) -> str | None:
    found: dict[str, str] = {}
    flag = ctx.get("perc_all_negative")
    if flag is not None:
        found["perc_all_negative"] = "negative" if flag else "positive"
    answers = ctx.get("perc")
    if answers is not None:
        category = instruments.evaluate("perc", answers).category
        if category is not None:
            found["perc"] = category
    if len(set(found.values())) > 1:
        raise InputError("perc_all_negative", "disagrees with the PERC answers given")
    return next(iter(found.values()), None)


def _ddimer(non_high: bool) -> Callable[[Context], str | None]:
    """positive / negative from the laboratory verdict, or the value against the cut-off.

    ``non_high``: the clinical probability is not high (Wells 'unlikely'), the only setting in
    which the age-adjusted cut-off was validated (Righini 2014), so only there is it applied.
    """

    def derive(ctx: Context) -> str | None:
        lab = ctx.get("ddimer_result")
        value = ctx.get("ddimer_ng_ml_feu")
        if value is None:
            if lab is not None:
                ctx.ddimer_detail.update({"result": lab,
                                          "basis": ctx.tr("laboratory's assay cut-off")})
            return lab  # type: ignore[no-any-return]
        detail: dict[str, Any] = {
            "value": ctx.get("ddimer_value"),
            "unit": ctx.get("ddimer_unit"),
            "value_ng_ml_feu": round(value, 3),
        }
        parsed = ddimer.parse_unit(ctx.get("ddimer_unit"))
        if parsed.basis == "DDU":
            detail["conversion"] = f"DDU x {ddimer.DDU_TO_FEU:g} = FEU ({ddimer.DDU_TO_FEU_SOURCE})"
        cutoff = ddimer.STANDARD_CUTOFF_NG_ML_FEU
        basis = f"standard cut-off {cutoff:g} ng/mL FEU"
        words = ctx.tr("standard cut-off {cutoff} ng/mL FEU").format(cutoff=f"{cutoff:g}")
        source = ddimer.STANDARD_SOURCE
        verdict = "positive" if value >= cutoff else "negative"
        if ctx.get("ddimer_age_adjusted"):
            if not non_high:
                ctx.notes.append(ctx.tr(
                    "Age-adjusted D-dimer cut-off not applied: it is validated only where the "
                    "clinical probability is not high (Wells 'unlikely'); standard cut-off used."
                ))
            else:
                adjusted = instruments.evaluate(
                    "ddimer-age-adjusted", {"age": ctx.get("age"), "ddimer_ng_ml_feu": value}
                )
                if adjusted.total is not None and adjusted.categories.get("result"):
                    cutoff = float(adjusted.total)
                    verdict = str(adjusted.categories["result"])
                    basis = f"age-adjusted cut-off {cutoff:g} ng/mL FEU"
                    words = ctx.tr("age-adjusted cut-off {cutoff} ng/mL FEU").format(
                        cutoff=f"{cutoff:g}")
                    source = str(instruments.get("ddimer-age-adjusted").citation)
        if lab is not None and lab != verdict:
            raise InputError(
                "ddimer_result",
                f"laboratory verdict {lab!r} disagrees with the value against the {basis} "
                f"({value:g} ng/mL FEU); give one of them",
            )
        detail.update(
            {"cutoff_ng_ml_feu": cutoff, "basis": words, "source": source, "result": verdict}
        )
        ctx.ddimer_detail.clear()
        ctx.ddimer_detail.update(detail)
        return verdict

    return derive


def _within(limit: timedelta, flag: str, requested: str, result: str) -> Callable[
    [Context], str | None
]:
    """Whether a result can be had within ``limit``: the flag, or the clock when given."""

    def derive(ctx: Context) -> str | None:
        explicit = ctx.get(flag)
        asked_at = ctx.get(requested)
        if asked_at is not None and ctx.now is not None and ctx.get(result) is None:
            if ctx.now - asked_at >= limit:
                if explicit:
                    ctx.notes.append(ctx.tr(
                        "{flag} was given as true but {requested} is more than {hours} h ago "
                        "with no result: treated as not available in time."
                    ).format(flag=flag, requested=requested,
                             hours=f"{limit.total_seconds() / 3600:g}",
                             flag_label=ctx.tr(INPUT_BY_ID[flag].meaning),
                             requested_label=ctx.tr(INPUT_BY_ID[requested].meaning)))
                return "no"
            if explicit is None:
                return "yes"
        return _yes_no(explicit)

    return derive


def _years(ctx: Context) -> str | None:
    answers = dict(ctx.get("years") or {})
    if not answers:
        return None
    value = ctx.get("ddimer_ng_ml_feu")
    if value is None:
        lab = ctx.get("ddimer_result")
        if lab is not None:
            ctx.notes.append(ctx.tr(
                "YEARS needs the D-dimer value in ng/mL FEU (its cut-off depends on the "
                "items); a laboratory verdict alone is not enough."
            ))
        return None
    answers["ddimer_ng_ml_feu"] = value
    result = instruments.evaluate("years", answers)
    ctx.ddimer_detail.update({
        "value": ctx.get("ddimer_value"), "unit": ctx.get("ddimer_unit"),
        "value_ng_ml_feu": round(value, 3),
        "basis": ctx.tr("YEARS: < 1000 ng/mL FEU with no item, < 500 with one or more"),
        "source": str(instruments.get("years").citation),
    })
    if result.category is not None:
        ctx.ddimer_detail["result"] = result.category
    return result.category


def _years_items(ctx: Context) -> str | None:
    answers = ctx.get("years")
    if answers is None:
        return None
    result = instruments.evaluate("years", {**answers, "ddimer_ng_ml_feu": None})
    unanswered = [m for m in result.missing if m != "ddimer_ng_ml_feu"]
    return None if unanswered else "answered"


FACTS: Mapping[str, Fact] = {
    f.id: f
    for f in (
        Fact("adult", ("age",), "Age in years? (NG158 is for adults, 18 and over.)", _adult),
        Fact("pregnant", ("pregnant",),
             "Is the person pregnant, or did they give birth in the last 6 weeks?",
             _input_fact("pregnant")),
        Fact("wells_dvt", ("wells_dvt_category", "wells_dvt_total", "wells_dvt"),
             "Two-level DVT Wells score: the total, 'likely'/'unlikely', or the item answers?",
             _wells("dvt")),
        Fact("wells_pe", ("wells_pe_category", "wells_pe_total", "wells_pe"),
             "Two-level PE Wells score: the total, 'likely'/'unlikely', or the item answers?",
             _wells("pe")),
        Fact("ultrasound", ("ultrasound",),
             "Proximal leg vein ultrasound result: positive or negative?",
             _input_fact("ultrasound")),
        Fact("ultrasound_within_4h", ("ultrasound_within_4h", "ultrasound_requested_at"),
             "Can the proximal leg vein ultrasound result be had within 4 hours?",
             _within(timedelta(hours=4), "ultrasound_within_4h", "ultrasound_requested_at",
                     "ultrasound")),
        Fact("repeat_ultrasound", ("repeat_ultrasound",),
             "Repeat proximal leg vein ultrasound (6-8 days later) result: positive or negative?",
             _input_fact("repeat_ultrasound")),
        Fact("ddimer", ("ddimer_value", "ddimer_unit", "ddimer_result"),
             "D-dimer result: the value with its unit (e.g. 620 ng/mL FEU), or the laboratory's "
             "positive/negative?", _ddimer(non_high=False)),
        Fact("ddimer_non_high", ("ddimer_value", "ddimer_unit", "ddimer_result"),
             "D-dimer result: the value with its unit (e.g. 620 ng/mL FEU), or the laboratory's "
             "positive/negative?", _ddimer(non_high=True)),
        Fact("ddimer_within_4h", ("ddimer_within_4h", "ddimer_requested_at"),
             "Can the D-dimer result be had within 4 hours?",
             _within(timedelta(hours=4), "ddimer_within_4h", "ddimer_requested_at",
                     "ddimer_value")),
        Fact("gestalt_below_15", ("gestalt_below_15",),
             "Is your overall clinical impression that the probability of PE is below 15%, "
             "with other diagnoses feasible?", _input_fact("gestalt_below_15")),
        Fact("perc", ("perc_all_negative", "perc"),
             "PERC: are all 8 criteria negative (or give the PERC answers)?", _perc),
        Fact("pe_route", ("pe_route",), "Route: NG158 Wells or YEARS?",
             lambda ctx: ctx.get("pe_route") or "wells"),
        Fact("years_items", ("years",),
             "YEARS items: clinical signs of DVT, haemoptysis, PE the most likely diagnosis?",
             _years_items),
        Fact("years", ("ddimer_value", "ddimer_unit"),
             "D-dimer value with its unit (YEARS needs the number, e.g. 800 ng/mL FEU)?",
             _years),
        Fact("ctpa", ("ctpa",), "CTPA (or V/Q SPECT) result: positive or negative?",
             _input_fact("ctpa")),
        Fact("ctpa_immediately", ("ctpa_immediately",), "Can CTPA be done immediately?",
             _input_fact("ctpa_immediately")),
        Fact("dvt_suspected", ("dvt_suspected",), "Is DVT suspected?",
             _input_fact("dvt_suspected")),
        Fact("interim_anticoagulation", ("interim_anticoagulation",),
             "Has interim therapeutic anticoagulation been given?",
             _input_fact("interim_anticoagulation")),
    )
}
