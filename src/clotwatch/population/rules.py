"""The screening's rules as SQL, generated from clotwatch's own data so nothing is written twice.

- Which code set answers which finding, and with what status and time window, comes from
  ``clotwatch.fhir.read.CONDITION_RULES`` (the same rules ``clotwatch fhir score`` applies to
  one patient's Bundle); which finding answers which instrument input from
  ``clotwatch.fhir.score.INPUT_MAP``; units from ``clotwatch.fhir.read.UNITS``.
- The codes are the JSON code sets of ``clotwatch.fhir`` (``code_rows``, loaded as the table
  ``cw_codes`` before the SQL runs).
- The CMS108 / VTE-1 populations and the NICE NG89 choice of instrument are in
  ``sql/procedures.sql``, ``sql/stays.sql``, ``sql/devices.sql`` and ``sql/screen.sql`` (run
  in that order, ``STAGES``); docs/population.md gives each rule's source.

The SQL uses a few ``cw_*`` functions that each engine defines (DuckDB as macros, Spark by
substitution), so the same text runs on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import resources

from clotwatch.fhir.codes import RXNORM, CodeSet, codeset, rxnorm_products
from clotwatch.fhir.conditions import CONDITION_RULES
from clotwatch.fhir.observations import UNITS
from clotwatch.fhir.records import ACTIVE, NOT_EVIDENCE, OBS_OK
from clotwatch.fhir.score import INPUT_MAP

INSTRUMENTS = ("padua", "caprini-2005", "improve-vte")
# Findings read from Conditions other than CONDITION_RULES (as clotwatch.fhir.read._conditions)
SPECIAL_CONDITIONS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "active_cancer": (("cancer",), "active"),
    "cancer_any": (("cancer",), "any"),
    "previous_dvt": (("dvt",), "any"),
    "previous_vte": (("dvt", "pe"), "any"),
    "pregnant": (("pregnancy",), "active"),
}
# A neoplasm whose code does not say malignant counts for these findings when cytotoxic
# chemotherapy was ordered by the reference time: the two codes together show a cancer
# (clotwatch.fhir.conditions._conditions with clotwatch.fhir.medicines._chemotherapy; the
# screening's table ``chemo``).
TREATED_NEOPLASM: Mapping[str, str] = {"active_cancer": "neoplasm_uncertain",
                                       "cancer_any": "neoplasm_uncertain"}
CODESETS = ("inpatient_encounter", "cancer", "dvt", "pe", "pregnancy", "obstetrics",
            "neoplasm_uncertain", "antineoplastic",
            "mental_disorder", "stroke_principal", "comfort_measures", "surgical_procedure",
            "surgical_procedure_code",
            "vte_prophylaxis_drug", "vte_prophylaxis_mechanical", "anticoagulant", "estrogen",
            "patient_refusal", "vte_risk_assessment", "icu_location", "bleeding", "bmi",
            "body_weight", "body_height",
            # CMS108FHIR v0.2.003 value sets (scripts/cms108-codesets)
            "heparin_low_dose", "oral_factor_xa", "heparin_infusion", "anticoagulant_therapeutic",
            "route_subcutaneous", "route_intravenous", "emergency_department_visit",
            "observation_services", "vte_selected_surgery", "hip_knee_replacement",
            "atrial_fibrillation", "medical_reason", "vte_low_risk",
            "general_neuraxial_anesthesia", "inr", "vte_mechanical_device",
            "venous_thromboembolism", "obstetric_conditions", "mental_health_diagnoses",
            "stroke_hemorrhagic_ischemic",
            # not a hospital admission (VSAC 2.16.840.1.113883.3.464.1003.101.12.1014, in part)
            "long_term_residential_stay")
# The order intents CMS108 reads (a request's intent in ...)
ORDER_INTENTS = ("order", "original-order", "reflex-order", "filler-order", "instance-order")


def _lit(s: str | None) -> str:
    return "NULL" if s is None else "'" + s.replace("'", "''") + "'"


def condition_codesets() -> tuple[str, ...]:
    """Every code set a condition finding reads."""
    names = {n for r in CONDITION_RULES for n in r.codesets}
    names |= {n for sets, _ in SPECIAL_CONDITIONS.values() for n in sets}
    return tuple(sorted(names))


def all_codesets() -> tuple[CodeSet, ...]:
    """The code sets the screening uses."""
    return tuple(codeset(n) for n in sorted(set(CODESETS) | set(condition_codesets())))


# The table of codes the screening joins (``cw_codes``): loaded as rows, not written into the
# SQL text (the CMS108 value sets hold about 12,000 codes; a VALUES list that long costs each
# engine seconds to parse every time it is referenced).
CODE_TABLE = "cw_codes"
CODE_COLUMNS = (("codeset", "VARCHAR"), ("system", "VARCHAR"), ("code", "VARCHAR"),
                ("prefix", "VARCHAR"), ("lo", "VARCHAR"), ("hi", "VARCHAR"),
                ("approach", "VARCHAR"), ("num_lo", "BIGINT"), ("num_hi", "BIGINT"))


def code_rows() -> list[tuple[str | int | None, ...]]:
    """(codeset, system, code, prefix, lo, hi, approach, num_lo, num_hi) for every code of the
    screening's code sets, as ``clotwatch.fhir.codes.CodeEntry`` holds it: an exact code, a
    prefix (with ``approach``: ICD-10-PCS codes of 7 characters whose 5th is one of these), a
    range of 3-character codes (lo, hi) or of numeric codes (num_lo, num_hi, CPT); codes and
    prefixes in upper case, as the SQL compares them. A set with ingredient names also holds
    the RxNorm products whose ingredients it names (``rxnorm_products.json``), as
    ``CodeSet.match`` recognises them; display text is never matched."""
    rows: list[tuple[str | int | None, ...]] = []
    for cs in all_codesets():
        exact = set()
        for e in cs.codes:
            lo, hi = (e.range if e.range else (None, None))
            num_lo, num_hi = (e.numeric if e.numeric else (None, None))
            rows.append((cs.id, e.system, e.code and e.code.upper(),
                         e.prefix and e.prefix.upper(), lo, hi, e.pcs_approach, num_lo, num_hi))
            if e.code:
                exact.add((e.system, e.code.upper()))
        for product in rxnorm_products():
            if set(product.ingredients) & set(cs.names) and (RXNORM, product.code) not in exact:
                rows.append((cs.id, RXNORM, product.code, None, None, None, None, None, None))
    return rows


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in sorted(values)) + ")"


def condition_findings_sql() -> str:
    """Per encounter, one column per condition finding: TRUE on evidence, else NULL. A
    Condition is active as ``clotwatch.fhir.conditions._active_at`` reads it at the reference
    time: its abatement date decides when it has one (after that time: still active then,
    whatever the status says at the export), otherwise its clinicalStatus."""
    active = "(CASE WHEN h.abated IS NOT NULL THEN h.abated > e.t_ref ELSE h.active END)"
    cols = []
    rules = [(r.concept, r.codesets, r.status, r.days) for r in CONDITION_RULES]
    rules += [(c, sets, status, 30) for c, (sets, status) in SPECIAL_CONDITIONS.items()]
    for concept, sets, status, days in rules:
        test = f"h.codeset IN {_in(sets)}"
        if concept in TREATED_NEOPLASM:
            test = (f"({test} OR (h.codeset = {_lit(TREATED_NEOPLASM[concept])} "
                    f"AND ch.chemo_id IS NOT NULL))")
        recent = (f"h.onset IS NOT NULL AND cw_seconds(e.t_ref) - cw_seconds(h.onset) "
                  f"<= {days * 86400}")
        if status == "active":
            test += f" AND {active}"
        elif status == "recent":
            test += f" AND {recent}"
        elif status == "acute":
            test += f" AND {active} AND {recent}"
        cols.append(f"MAX(CASE WHEN {test} THEN TRUE END) AS {concept}")
    return ",\n  ".join(cols)


def condition_concepts() -> tuple[str, ...]:
    """The finding columns ``condition_findings_sql`` gives."""
    return tuple(r.concept for r in CONDITION_RULES) + tuple(SPECIAL_CONDITIONS)


def unit_factor_sql(concept: str, unit_col: str) -> str:
    """``CASE unit WHEN ... THEN factor END``: the factor to clotwatch's unit, NULL if unknown."""
    arms = " ".join(f"WHEN {_lit(u)} THEN {float(f)!r}" for u, f in sorted(UNITS[concept].items()))
    return f"CASE {unit_col} {arms} END"


def answer_columns(instrument: str) -> list[tuple[str, str]]:
    """(input id, feature column) for the inputs the record can answer; others stay None."""
    return sorted(INPUT_MAP.get(instrument, {}).items())


# The screening's SQL, run in this order, each into a table the next ones read: the procedures
# and the stays are materialised once (every finding joins them; a single query repeating them
# made Spark's plan too large to print).
STAGES = (("cw_procedures", "procedures.sql"), ("cw_stays", "stays.sql"),
          ("cw_devices", "devices.sql"), ("features", "screen.sql"))


def _fill(text: str) -> str:
    subs = {
        "{{CODES}}": (f"SELECT codeset, system, code, prefix, lo, hi, approach, num_lo, num_hi "
                      f"FROM {CODE_TABLE}"),
        "{{CONDITION_FINDINGS}}": condition_findings_sql(),
        "{{CONDITION_COLUMNS}}": ", ".join(f"cf.{c}" for c in condition_concepts()),
        "{{ACTIVE}}": _in(ACTIVE),
        "{{NOT_EVIDENCE}}": _in(NOT_EVIDENCE),
        "{{OBS_OK}}": _in(OBS_OK),
        "{{ORDER_INTENTS}}": _in(ORDER_INTENTS),
        "{{BMI_FACTOR}}": unit_factor_sql("bmi", "o.unit_key"),
        "{{WEIGHT_FACTOR}}": unit_factor_sql("body_weight", "o.unit_key"),
        "{{HEIGHT_FACTOR}}": unit_factor_sql("body_height", "o.unit_key"),
    }
    for k, v in subs.items():
        text = text.replace(k, v)
    return text


def stages() -> list[tuple[str, str]]:
    """(table, SQL) of each stage of the screening SQL, generated parts filled in
    (``{{AS_OF}}`` and ``{{SINCE}}`` are left to the caller)."""
    folder = resources.files("clotwatch.population").joinpath("sql")
    return [(table, _fill(folder.joinpath(name).read_text(encoding="utf-8")))
            for table, name in STAGES]


def sql_text() -> str:
    """The findings SQL (the last stage) with its generated parts filled in."""
    return stages()[-1][1]
