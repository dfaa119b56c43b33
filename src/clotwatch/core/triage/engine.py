"""From answers to the contract's result: ``evaluate`` (message ids only) and ``render`` (text).

``evaluate`` is the whole clinical decision and returns message ids; ``render`` turns them into
text with a ``translate`` function handed in by the caller (``clotwatch.triage`` passes the
gettext catalogues), so that this package stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.core.triage.advice import Advice, select_advice, select_safety_net
from clotwatch.core.triage.bounds import UNKNOWN_CAN_RAISE, bounds, decide, unknown_free
from clotwatch.core.triage.causes import Cause, Evidence, possible_causes
from clotwatch.core.triage.keys import KEYS, validate_answers
from clotwatch.core.triage.questions import (
    QUESTIONS,
    QUESTIONS_BY_ID,
    SCREENS,
)
from clotwatch.core.triage.rules import (
    RULE_SOURCES,
    Facts,
    Hit,
    Level,
    rank,
)
from clotwatch.core.triage.sources import SOURCES

RESULT_SCHEMA = "clotwatch.triage-result/1"

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Assessment:
    """The decision as data: disposition, the hits behind it, causes, advice, open questions."""

    answers: Mapping[str, Any]
    disposition: Level
    hits: tuple[Hit, ...]
    causes: tuple[tuple[Cause, tuple[Evidence, ...], tuple[Evidence, ...]], ...]
    advice: tuple[Advice, ...]
    safety_net: tuple[Advice, ...]
    unanswered: tuple[str, ...]

    @property
    def reasons(self) -> tuple[Hit, ...]:
        """The hits that produced the disposition (those at its level), one per key."""
        return _dedupe(h for h in self.hits if h.level == self.disposition)

    @property
    def also_noted(self) -> tuple[Hit, ...]:
        """Findings that called for a lower level than the one chosen."""
        seen = {h.key for h in self.reasons}
        return _dedupe(sorted((h for h in self.hits if h.level != self.disposition
                               and h.key not in seen), key=lambda h: -rank(h.level)))

    @property
    def source_ids(self) -> tuple[str, ...]:
        ids = [RULE_SOURCES[h.rule] for h in (*self.reasons, *self.also_noted)]
        ids += [c.source for c, _, _ in self.causes]
        ids += [a.source for a in (*self.advice, *self.safety_net)]
        return tuple(dict.fromkeys(ids))


def _dedupe(hits: Any) -> tuple[Hit, ...]:
    out: dict[str, Hit] = {}
    for h in hits:
        out.setdefault(h.key, h)
    return tuple(out.values())


def _unanswered(answers: Mapping[str, Any], level: Level, hits: list[Hit]) -> tuple[str, ...]:
    """Keys not answered (absent or "don't know") whose answer could change the disposition:
    those a completion that reaches another disposition sets (``bounds``), and the unknown
    findings named as reasons for ``soon``."""
    keys: set[str] = set()
    if level == "soon":
        keys |= {h.key for h in hits if h.rule in ("unknown_key_findings", UNKNOWN_CAN_RAISE)}
    unknown = unknown_free(answers)
    known = {k: v for k, v in answers.items() if k not in unknown}
    found = bounds(known, unknown)
    keys |= set(found.movers)
    order = [k for s in SCREENS for k in s.keys]
    return tuple(k for k in order if k in keys)


def evaluate(answers: Mapping[str, Any], asked: Iterable[str] | None = None) -> Assessment:
    """Validate the answers and decide: disposition, reasons, causes, advice, open questions.
    ``asked`` limits the self-care check to those keys (``decide``; default: every key)."""
    clean = validate_answers(answers)
    level, hits = decide(clean, asked)
    facts = Facts(clean)
    causes = tuple((c, tuple(f), tuple(a)) for c, f, a in possible_causes(facts))
    unanswered = () if level == "emergency" else _unanswered(clean, level, hits)
    return Assessment(
        answers=clean,
        disposition=level,
        hits=tuple(hits),
        causes=causes,
        advice=tuple(select_advice(facts, level)),
        safety_net=tuple(select_safety_net(facts, level)),
        unanswered=unanswered,
    )


def headline_id(assessment: Assessment) -> str:
    """Message id of the one-sentence headline for this disposition."""
    if assessment.disposition == "self_care":
        if Facts(assessment.answers).leg_symptoms:
            return "headline.self_care_cramp"
        return "headline.self_care_no_symptoms"
    return f"headline.{assessment.disposition}"


def value_text(key: str, value: Any, t: Translate) -> str:
    """An answer as a person reads it: "Yes", an option's or a preset's label ("From a few
    seconds up to 10 minutes"), or a number with its unit ("30 years", "3 min"); never a
    message id or a raw float. ``None`` reads "Don't know"."""
    if value is None:
        return t("answer.dont_know")
    if isinstance(value, bool):
        return t("answer.yes" if value else "answer.no")
    question = QUESTIONS_BY_ID[key]
    try:
        return t(question.option_id(value))
    except ValueError:
        pass
    if isinstance(value, str):
        return value
    if key == "duration_hours" and value < 1:
        return t("unit.minutes").format(n=max(1, round(value * 60)) if value else 0)
    unit = KEYS[key].unit
    number = f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return t(UNITS[unit]).format(n=number) if unit in UNITS else number


_value_text = value_text

# Message id of each unit's "{n} <unit>" text.
UNITS = {"hours": "unit.hours", "days": "unit.days", "cm": "unit.cm", "years": "unit.years",
         "kg/m2": "unit.kg_m2"}


def _hit_text(hit: Hit, t: Translate) -> str:
    return t(hit.message).format(label=t(f"label.{hit.key}"))


def _evidence(ev: Evidence, t: Translate) -> dict[str, Any]:
    text = t("evidence").format(label=t(f"label.{ev.key}"), value=_value_text(ev.key, ev.value, t))
    return {"key": ev.key, "value": ev.value, "text": text}


def render(assessment: Assessment, translate: Translate, lang: str) -> dict[str, Any]:
    """The contract's result object (``clotwatch.triage-result/1``), with text in ``lang``."""
    t = translate
    return {
        "schema": RESULT_SCHEMA,
        "lang": lang,
        "disposition": assessment.disposition,
        "headline": t(headline_id(assessment)),
        "reasons": [{"key": h.key, "text": _hit_text(h, t), "rule": h.rule}
                    for h in assessment.reasons],
        "also_noted": [{"key": h.key, "text": _hit_text(h, t), "rule": h.rule,
                        "level": h.level} for h in assessment.also_noted],
        "possible_causes": [c.id for c, _, _ in assessment.causes],
        "causes": [{"id": c.id, "name": t(c.name_id),
                    "for": [_evidence(e, t) for e in f],
                    "against": [_evidence(e, t) for e in a]}
                   for c, f, a in assessment.causes],
        "advice": [t(a.message) for a in assessment.advice],
        "safety_net": [t(a.message) for a in assessment.safety_net],
        "unanswered": list(assessment.unanswered),
        "sources": [SOURCES[s].citation for s in assessment.source_ids],
        "notice": t("notice.decision_support"),
    }


def message_ids() -> list[str]:
    """Every message id the triage engine can ask the catalogues for."""
    from clotwatch.core.triage.advice import ADVICE_IDS
    from clotwatch.core.triage.causes import CAUSES

    ids: list[str] = []
    for q in QUESTIONS:
        ids += q.message_ids()
    for screen in SCREENS:
        if screen.is_group:
            ids += screen.message_ids()
    ids += [f"label.{k}" for k in KEYS]
    ids += ["answer.yes", "answer.no", "answer.dont_know", "evidence", "unit.minutes"]
    ids += list(UNITS.values())
    ids += ["headline.emergency", "headline.urgent", "headline.soon",
            "headline.self_care_cramp", "headline.self_care_no_symptoms"]
    ids += [f"disposition.{lv}" for lv in ("emergency", "urgent", "soon", "self_care")]
    ids += [c.name_id for c in CAUSES]
    ids += list(ADVICE_IDS)
    ids += ["notice.decision_support"]
    ids += REASON_IDS
    return list(dict.fromkeys(ids))


# Every reason message a rule can produce (a test checks the rules never produce another).
REASON_IDS = [
    "reason.short_of_breath", "reason.chest_pain", "reason.coughing_blood", "reason.fainting",
    "reason.fast_heartbeat", "reason.fast_heartbeat_alone", "reason.cold_pale_numb_leg",
    "reason.swelling", "reason.warmth", "reason.redness", "reason.hard_tender_vein",
    "reason.new_visible_veins", "reason.pain_on_toes_up", "reason.getting_worse",
    "reason.calf_difference_cm", "reason.cramp_not_relieved", "reason.cramp_over_10_minutes",
    "reason.pregnant_leg_symptoms", "reason.postpartum_leg_symptoms",
    "reason.left_leg_pregnancy", "reason.calf_2cm_pregnancy",
    *[f"reason.risk.{k}" for k in ("recent_surgery", "leg_cast_or_immobilised",
                                   "active_cancer", "previous_clot", "clotting_disorder",
                                   "bedridden_days", "long_travel_hours")],
    "reason.fever", "reason.pregnancy_swelling",
    "reason.both.swelling", "reason.both.warmth", "reason.both.redness",
    "reason.both.hard_tender_vein",
    *[f"reason.cramp_risk.{k}" for k in ("recent_surgery", "leg_cast_or_immobilised",
                                         "active_cancer", "previous_clot",
                                         "clotting_disorder", "bedridden_days", "pregnant",
                                         "postpartum")],
    "reason.recurrent_cramps", "reason.leg_ulcer", "reason.long_standing",
    "reason.persisting_pain",
    "reason.chronic_skin_changes",
    "reason.not_ordinary_cramp", "reason.unknown", "reason.ordinary_cramp",
    "reason.no_symptoms", "reason.pregnancy_high_risk", "reason.not_enough",
    "reason.worse_walking_standing",
    "reason.both_worsening.pain_on_toes_up", "reason.both_worsening.getting_worse",
]
