"""Outside check of the FHIR reading on Synthea R4 records: what clotwatch derives per finding
against what the record shows.

The reference is read from each record's *text* (the Conditions', Procedures' and
MedicationRequests' display names) by the rules in ``REFERENCE`` below, as a person reading the
record would, and independently of clotwatch's code sets, which never read display text. A
person (the author of issue 13's fix) read the records of the committed sample and every
disagreement to confirm the reference; the notes are in docs/validation/fhir.md.

Each record is scored as of the end of the record (its latest Encounter), except surgery, which
is scored 7 days after the record's latest operation (so that "surgery in the last month" can
be true), and anticoagulant/oestrogen, which are active orders at the end of the record.

Run::

    .venv/bin/python benchmarks/fhir_synthea.py            # the committed sample: print
    .venv/bin/python benchmarks/fhir_synthea.py --write    # rewrite the table in the doc
    .venv/bin/python benchmarks/fhir_synthea.py --corpus DIR   # every *.json in DIR (print)

The committed sample is tests/fhir/fixtures/synthea/ (see its README for where it comes from).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from clotwatch.fhir import derive

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "fhir" / "fixtures" / "synthea"
REPORT = REPO / "docs" / "validation" / "fhir.md"
BEGIN = "<!-- synthea-table: begin (benchmarks/fhir_synthea.py --write) -->"
END = "<!-- synthea-table: end -->"
# The resource types clotwatch reads; the sample keeps only these (see the fixtures README).
READ_TYPES = {"Patient", "Condition", "Observation", "MedicationRequest", "Medication",
              "MedicationStatement", "Procedure", "Encounter"}


def _displays(resource: Mapping[str, Any], attr: str = "code") -> str:
    concept = resource.get(attr) or {}
    parts = [c.get("display") or "" for c in concept.get("coding") or []]
    return " ".join(parts + [concept.get("text") or ""])


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    t = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else \
        datetime.fromisoformat(value[:10] + "T00:00:00+00:00")
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _active_at(condition: Mapping[str, Any], now: datetime) -> bool:
    abated = _time(condition.get("abatementDateTime"))
    if abated is not None:
        return abated > now
    status: object = ((condition.get("clinicalStatus") or {}).get("coding") or [{}])[0].get("code")
    return status == "active"


CANCER = re.compile(r"malignant|carcinoma|cancer|lymphoma|leuka?emia|melanoma|metasta", re.I)
NOT_CANCER = re.compile(r"in situ|suspected", re.I)
NEOPLASM = re.compile(r"neoplasm", re.I)
CHEMO = re.compile(r"taxel|platin|etoposide|cyclophosphamide|doxorubicin|fluorouracil", re.I)
VTE = re.compile(r"pulmonary embolism|thromboembolism|venous thrombosis", re.I)
HEART_FAILURE = re.compile(r"heart failure", re.I)
STROKE = re.compile(r"stroke|cerebral infarction|cerebrovascular accident", re.I)
OPERATION = re.compile(r"ectomy|bypass|replacement|resection|transplant|cesarean|colostomy|"
                       r"tubal ligation|lung volume reduction|defibrillator", re.I)
NOT_OPERATION = re.compile(r"polypectomy|thrombectomy|biopsy|tooth|intrauterine|contracept", re.I)
ANTICOAGULANT = re.compile(r"warfarin|heparin|apixaban|rivaroxaban|enoxaparin|dabigatran|"
                           r"edoxaban|fondaparinux", re.I)
# Oestrogen: the ingredient named, or a brand the reader knows holds ethinyl estradiol or
# estradiol (Yaz, Natazia, Trinessa, Seasonique, Levora, NuvaRing, Enovid: their labels).
ESTROGEN = re.compile(r"ethinyl|estradiol|mestranol|estrogen|\bYaz\b|Natazia|Trinessa|"
                      r"Seasonique|Levora|NuvaRing|Enovid", re.I)


@dataclass
class Record:
    """One patient's bundle, its resources by type, and its end."""

    name: str
    bundle: dict[str, Any]
    by_type: dict[str, list[dict[str, Any]]]
    end: datetime


def load(path: Path) -> Record:
    """A Synthea bundle with only the resource types clotwatch reads."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    entries = [e for e in bundle.get("entry") or []
               if (e.get("resource") or {}).get("resourceType") in READ_TYPES]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_type.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    times = [_time((enc.get("period") or {}).get("end") or (enc.get("period") or {}).get(
        "start")) for enc in by_type.get("Encounter", [])]
    end = max((t for t in times if t is not None), default=datetime(2020, 1, 1, tzinfo=UTC))
    return Record(path.name, bundle, by_type, end + timedelta(seconds=1))


def _medicine_text(r: Record, order: Mapping[str, Any]) -> str:
    """The medicine's names as the record shows them: the order's own concept, or the
    Medication it references (Synthea's in-hospital orders since its COVID-19 module)."""
    text = _displays(order, "medicationCodeableConcept")
    ref = (order.get("medicationReference") or {}).get("reference")
    if isinstance(ref, str):
        for e in r.bundle["entry"]:
            med = e["resource"]
            if med["resourceType"] == "Medication" and ref in (
                    e.get("fullUrl"), f"Medication/{med.get('id')}"):
                text += " " + _displays(med)
    return text


def _active_orders(r: Record, pattern: re.Pattern[str]) -> list[str]:
    return [m["id"] for m in r.by_type.get("MedicationRequest", [])
            if m.get("status") == "active" and pattern.search(_medicine_text(r, m))]


def _conditions(r: Record, pattern: re.Pattern[str], *, active: bool = False) -> list[str]:
    out = []
    for c in r.by_type.get("Condition", []):
        text = _displays(c)
        onset = _time(c.get("onsetDateTime"))
        if pattern.search(text) and not NOT_CANCER.search(text) and (
                onset is None or onset <= r.end) and (not active or _active_at(c, r.end)):
            out.append(c["id"])
    return out


def _cancer(r: Record) -> list[str]:
    found = _conditions(r, CANCER)
    chemo = [m for m in r.by_type.get("MedicationRequest", [])
             if CHEMO.search(_medicine_text(r, m))]
    if chemo:
        found += [c["id"] for c in r.by_type.get("Condition", [])
                  if NEOPLASM.search(_displays(c)) and not CANCER.search(_displays(c))]
    return found


def _last_operation(r: Record) -> datetime | None:
    times = [_time(p.get("performedDateTime") or (p.get("performedPeriod") or {}).get("end")
                   or (p.get("performedPeriod") or {}).get("start"))
             for p in r.by_type.get("Procedure", [])
             if p.get("status") == "completed" and OPERATION.search(_displays(p))
             and not NOT_OPERATION.search(_displays(p))]
    return max((t for t in times if t is not None), default=None)


@dataclass(frozen=True)
class Finding:
    """One finding: what the record shows (reference), and the concept clotwatch derives."""

    label: str
    concept: str
    reference: Callable[[Record], bool]
    when: Callable[[Record], datetime] = field(default=lambda r: r.end)


FINDINGS: tuple[Finding, ...] = (
    Finding("cancer (present or previous)", "cancer_any", lambda r: bool(_cancer(r))),
    Finding("previous VTE (DVT or PE)", "previous_vte",
            lambda r: bool(_conditions(r, VTE))),
    Finding("heart failure (active)", "heart_failure",
            lambda r: bool(_conditions(r, HEART_FAILURE, active=True))),
    Finding("stroke (history)", "stroke_history", lambda r: bool(_conditions(r, STROKE))),
    Finding("surgery in the last month", "surgery_1_month",
            lambda r: _last_operation(r) is not None,
            lambda r: (_last_operation(r) or r.end) + timedelta(days=7)),
    Finding("anticoagulant (active order)", "anticoagulant",
            lambda r: bool(_active_orders(r, ANTICOAGULANT))),
    Finding("oestrogen (active order)", "estrogen_use",
            lambda r: bool(_active_orders(r, ESTROGEN))),
)


@dataclass
class Tally:
    """Counts for one finding."""

    shown: int = 0
    derived: int = 0
    false_positive: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    records: int = 0


def evaluate(paths: Iterable[Path]) -> dict[str, Tally]:
    """Per finding: how many records show it, how many clotwatch derives, and the misses."""
    tallies = {f.concept: Tally() for f in FINDINGS}
    for path in paths:
        record = load(path)
        if not record.by_type.get("Patient"):
            continue  # Synthea's hospital and practitioner bundles: no patient
        cache: dict[datetime, Any] = {}
        for f in FINDINGS:
            now = f.when(record)
            if now not in cache:
                cache[now] = derive(record.bundle, now)
            derived = cache[now].value(f.concept) is True
            shown = f.reference(record)
            t = tallies[f.concept]
            t.records += 1
            t.shown += shown
            t.derived += derived and shown
            if derived and not shown:
                t.false_positive.append(record.name)
            if shown and not derived:
                t.missed.append(f"{record.name}: {cache[now].findings[f.concept].reason}")
    return tallies


def table(tallies: Mapping[str, Tally]) -> str:
    """The Markdown table of the report."""
    lines = ["| finding | records | record shows it | clotwatch derives it | sensitivity | "
             "false positives |", "|---|---|---|---|---|---|"]
    for f in FINDINGS:
        t = tallies[f.concept]
        sens = f"{t.derived / t.shown:.0%}" if t.shown else "n/a (none in the sample)"
        lines.append(f"| {f.label} (`{f.concept}`) | {t.records} | {t.shown} | {t.derived} | "
                     f"{sens} | {len(t.false_positive)} |")
    missed = [m for f in FINDINGS for m in tallies[f.concept].missed]
    if missed:
        lines += ["", "Missed:", ""] + [f"- {m}" for m in missed]
    return "\n".join(lines)


def sample_paths(folder: Path = SAMPLE) -> list[Path]:
    """The bundles of a folder, sorted."""
    return sorted(folder.glob("*.json"))


def main(argv: list[str] | None = None) -> int:
    """Print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/validation/fhir.md")
    parser.add_argument("--corpus", type=Path, help="a folder of Synthea R4 bundles")
    args = parser.parse_args(argv)
    paths = sample_paths(args.corpus or SAMPLE)
    text = table(evaluate(paths))
    if args.write:
        doc = REPORT.read_text(encoding="utf-8")
        head, _, rest = doc.partition(BEGIN)
        _, _, tail = rest.partition(END)
        REPORT.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")
    print(f"{len(paths)} records\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
