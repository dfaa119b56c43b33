"""Mechanical prophylaxis recorded in Device, DeviceUseStatement and DeviceRequest.

CMS108FHIR v0.2.003 (CQL library CMS108VTEProphylaxisFHIR 0.2.003, QI-Core 4.1.1) reads
mechanical prophylaxis only as a Procedure "Application of ..." (1110.64/65/66: completed, or
ProcedureNotDone with a reason) or a device not ordered as a ServiceRequest
(ServiceNotRequested, device value sets 7.1.214/230/256); none of its definitions, nor VTE
8.9.000 or CQMCommon 2.2.000, retrieves Device, DeviceRequest or DeviceUseStatement, and none
of its 136 MADiE test cases holds one. So these never change a population: a device of the
measure's device value sets in use (DeviceUseStatement active or completed) or not ordered
(DeviceRequest do-not-perform, QI-Core DeviceNotRequested) for the patient's refusal or a
medical reason, in the measure's window (from the day of arrival to the day after admission, or
to the day after an anesthesia that ended the day after admission), is named in
``prophylaxis_not_counted`` beside the row, so a gap can be checked by hand.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.population import records
from tests.population.records import SCT, patient, stay

from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import screen
from clotwatch.population.source import open_export

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
ADMIT = "2026-03-02T09:00:00Z"  # a Monday; the window ends with Tuesday 2026-03-03
DISCHARGE = "2026-03-08T10:00:00Z"
IPC = "432441000124100"  # Intermittent pneumatic compression device, ...7.1.214
STOCKINGS = "348681001"  # Graduated compression elastic hosiery, ...7.1.256
PACEMAKER = "14106009"  # Cardiac pacemaker: not a prophylaxis device
REFUSAL = "105480006"  # Refusal of treatment by patient, Patient Refusal 7.1.93
MEDICAL = "183932001"  # Procedure contraindicated, Medical Reason 7.1.473
QICORE = "http://hl7.org/fhir/us/qicore/StructureDefinition/"
R5_DNP = "http://hl7.org/fhir/5.0/StructureDefinition/extension-DeviceRequest.doNotPerform"


def device(did: str, pid: str, code: str) -> dict[str, Any]:
    return {"resourceType": "Device", "id": did, "patient": {"reference": f"Patient/{pid}"},
            "type": {"coding": [{"system": SCT, "code": code}]}}


def use(uid: str, pid: str, did: str, start: str, status: str = "active") -> dict[str, Any]:
    return {"resourceType": "DeviceUseStatement", "id": uid, "status": status,
            "subject": {"reference": f"Patient/{pid}"}, "device": {"reference": f"Device/{did}"},
            "timingPeriod": {"start": start}}


def not_ordered(rid: str, pid: str, authored: str, reason: str, code: str | None = IPC,
                device_id: str | None = None, flag: str | None = QICORE + "qicore-doNotPerform",
                intent: str = "order") -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "DeviceRequest", "id": rid, "status": "completed", "intent": intent,
        "subject": {"reference": f"Patient/{pid}"}, "authoredOn": authored,
        "extension": [{"url": QICORE + "qicore-doNotPerformReason",
                       "valueCodeableConcept": {"coding": [{"system": SCT, "code": reason}]}}]}
    if flag:
        r["modifierExtension"] = [{"url": flag, "valueBoolean": True}]
    if code:
        r["codeCodeableConcept"] = {"coding": [{"system": SCT, "code": code}]}
    else:
        r["codeReference"] = {"reference": f"Device/{device_id}"}
    return r


def situations() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(pid: str, *resources: dict[str, Any]) -> None:
        out.extend([patient(pid), stay(f"e-{pid}", pid, ADMIT, DISCHARGE), *resources])

    add("use-ipc", device("d-use-ipc", "use-ipc", IPC),
        use("u-use-ipc", "use-ipc", "d-use-ipc", "2026-03-02T12:00:00Z"))
    add("use-last-minute", device("d-last", "use-last-minute", STOCKINGS),
        use("u-last", "use-last-minute", "d-last", "2026-03-03T23:59:00Z", status="completed"))
    add("use-day2", device("d-day2", "use-day2", IPC),
        use("u-day2", "use-day2", "d-day2", "2026-03-04T00:00:00Z"))
    add("use-error", device("d-error", "use-error", IPC),
        use("u-error", "use-error", "d-error", "2026-03-02T12:00:00Z", status="entered-in-error"))
    add("use-pacemaker", device("d-pm", "use-pacemaker", PACEMAKER),
        use("u-pm", "use-pacemaker", "d-pm", "2026-03-02T12:00:00Z"))
    add("use-no-device", use("u-none", "use-no-device", "d-missing", "2026-03-02T12:00:00Z"))
    add("dr-refused", not_ordered("r-refused", "dr-refused", "2026-03-02T10:00:00Z", REFUSAL))
    add("dr-r5", not_ordered("r-r5", "dr-r5", "2026-03-03T10:00:00Z", MEDICAL, flag=R5_DNP))
    add("dr-device-ref", device("d-ref", "dr-device-ref", STOCKINGS),
        not_ordered("r-ref", "dr-device-ref", "2026-03-02T10:00:00Z", MEDICAL, code=None,
                    device_id="d-ref"))
    add("dr-ordered", not_ordered("r-ordered", "dr-ordered", "2026-03-02T10:00:00Z", REFUSAL,
                                  flag=None))  # an order placed: no do-not-perform
    add("dr-proposal", not_ordered("r-proposal", "dr-proposal", "2026-03-02T10:00:00Z",
                                   REFUSAL, intent="proposal"))
    add("dr-day2", not_ordered("r-day2", "dr-day2", "2026-03-04T08:00:00Z", REFUSAL))
    add("dr-other-device", not_ordered("r-pm", "dr-other-device", "2026-03-02T10:00:00Z",
                                       REFUSAL, code=PACEMAKER))
    return out


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return records.screened(tmp_path_factory.mktemp("devices"), situations(), AS_OF)


@pytest.mark.parametrize(("pid", "shown"), [
    ("use-ipc", "DeviceUseStatement/u-use-ipc"),
    ("use-last-minute", "DeviceUseStatement/u-last"),  # the last minute of the window
    ("dr-refused", "DeviceRequest/r-refused"),
    ("dr-r5", "DeviceRequest/r-r5"),  # FHIR R5's doNotPerform as an R4 extension
    ("dr-device-ref", "DeviceRequest/r-ref"),  # the device by reference, typed by Device.type
])
def test_device_records_are_shown_never_counted(rows: dict[str, dict[str, str]], pid: str,
                                                shown: str) -> None:
    row = rows[pid]
    assert row["prophylaxis_not_counted"] == shown
    assert row["in_numerator"] == "false" and row["gap"] == "true"
    assert row["prophylaxis_started"] == "" and row["prophylaxis_type"] == ""


@pytest.mark.parametrize("pid", [
    "use-day2",  # starts two days after admission: outside the window
    "use-error", "use-pacemaker", "use-no-device",  # not a use of a prophylaxis device
    "dr-ordered", "dr-proposal",  # an order placed, or no order at all
    "dr-day2", "dr-other-device",
])
def test_what_is_not_shown(rows: dict[str, dict[str, str]], pid: str) -> None:
    assert rows[pid]["prophylaxis_not_counted"] == ""
    assert rows[pid]["gap"] == "true"


def test_no_device_files_at_all(tmp_path: Path) -> None:
    """An export without any device resources screens as before (the views are empty)."""
    folder = records.write(tmp_path / "export", records.situations())
    engine = DuckDBScreening(threads=2)
    try:
        summary = screen(open_export(folder), engine, tmp_path / "out", as_of=AS_OF)
    finally:
        engine.close()
    assert summary.encounters == 10
    with (tmp_path / "out" / "encounters.csv").open(encoding="utf-8") as f:
        assert all(r["prophylaxis_not_counted"] == "" for r in csv.DictReader(f))


def test_synth_writes_what_these_rules_read(tmp_path: Path) -> None:
    """The synthetic export exercises the device, route and operation rules (same seed, same
    bytes: tests/population/test_cli_and_synth.py)."""
    import json

    from clotwatch.population.synth import synthesize

    counts = synthesize(300, tmp_path, seed=1)
    assert counts["Device"] == counts["DeviceUseStatement"] > 0 and counts["DeviceRequest"] > 0

    def read(t: str) -> list[dict[str, Any]]:
        return [json.loads(x) for x in (tmp_path / f"{t}.ndjson").read_text().splitlines()]

    routes = [a["dosage"]["route"]["coding"] for a in read("MedicationAdministration")
              if "dosage" in a]
    assert any(len(c) == 2 and c[1]["system"] == SCT for c in routes)
    principal = {y["valueReference"]["reference"].split("/")[1]
                 for e in read("Encounter") for x in e.get("extension", [])
                 for y in x["extension"] if y["url"] == "procedure"}
    operations = [p for p in read("Procedure") if p["id"] in principal]
    assert any("category" in p for p in operations)
    assert any("category" not in p for p in operations)
    assert any(p["code"]["coding"][0]["system"] != SCT for p in operations)  # ICD-10-PCS


@pytest.mark.parametrize(("lang", "heading", "label", "count_label"), [
    ("en", "Prophylaxis the measure does not count", "a compression device in use",
     "Gaps where the record shows prophylaxis VTE-1 does not count (check by hand)"),
    ("ru", "Профилактика, которую показатель не засчитывает",
     "используется компрессионное устройство",
     "Пробелы, где в записи есть профилактика, которую VTE-1 не засчитывает (проверить "
     "вручную)"),
])
def test_the_report_shows_what_is_not_counted_beside_each_gap(
        tmp_path: Path, lang: str, heading: str, label: str, count_label: str) -> None:
    folder = records.write(tmp_path / "export", situations())
    engine = DuckDBScreening(threads=2)
    try:
        summary = screen(open_export(folder), engine, tmp_path / "out", as_of=AS_OF, lang=lang)
    finally:
        engine.close()
    with (tmp_path / "out" / "gaps.csv").open(encoding="utf-8") as f:
        shown = [g for g in csv.DictReader(f) if g["prophylaxis_not_counted"]]
    assert len(shown) >= 5  # the five device situations above, at least
    assert summary.to_dict()["gaps_with_prophylaxis_not_counted"] == len(shown)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    assert f"<th>{heading}</th>" in page
    assert f"<tr><th>{count_label}</th><td class=\"n\">{len(shown)}</td></tr>" in page
    for g in shown:  # each beside its gap row, the reference with what it is
        row = next(r for r in page.split("<tr>")
                   if f"<td class=\"id\">{g['encounter_id']}</td>" in r.split("</tr>", 1)[0])
        for ref in g["prophylaxis_not_counted"].split():
            assert f"<small>{ref}</small>" in row
    assert f"{label} <small>DeviceUseStatement/u-use-ipc</small>" in page
    if lang == "ru":  # every heading and label of the page is in Russian
        import re

        texts = re.findall(r"<(?:title|h1|h2|h3|th|p)[^>]*>([^<]+)<", page)
        assert texts and all(re.search("[А-Яа-яЁё]", t) for t in texts), [
            t for t in texts if not re.search("[А-Яа-яЁё]", t)]
