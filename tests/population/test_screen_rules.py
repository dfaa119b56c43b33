"""The CMS108 / VTE-1 rules and the risk columns, one hand-written patient per situation.

Expected values come from the measure's definitions (CMS108v12, eCQI Resource Center:
prophylaxis "between the day of arrival and the day after hospital admission", or "the day of
or the day after surgery end date" (CMS108FHIR v0.2.003: of a general or neuraxial anesthesia that
ended the day after admission); exclusions "length of stay less than 2 days", "comfort
measures"; initial population "age 18 and older ... without a diagnosis of VTE") and from
Barbar S et al. J Thromb Haemost 2010 (Padua: active cancer 3, age >= 70 1, BMI >= 30 1;
4 or more = high risk).
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.core.errors import InputError
from clotwatch.population.duckdb import DuckDBScreening
from clotwatch.population.screen import ENCOUNTER_COLUMNS, screen
from clotwatch.population.source import open_export

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)


def run(folder: Path, out: Path, **kw: Any) -> tuple[Any, dict[str, dict[str, str]]]:
    engine = DuckDBScreening(threads=2)
    try:
        summary = screen(open_export(folder), engine, out, as_of=AS_OF, **kw)
    finally:
        engine.close()
    with (out / "encounters.csv").open(encoding="utf-8") as f:
        rows = {r["encounter_id"]: r for r in csv.DictReader(f)}
    return summary, rows


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("rules")
    folder = records.write(tmp / "export", records.situations())
    return run(folder, tmp / "out")


def test_prophylaxis_by_the_day_after_admission_is_in_the_numerator(screened: Any) -> None:
    row = screened[1]["e-ontime"]
    assert row["in_numerator"] == "true" and row["gap"] == "false"
    assert row["numerator_reason"] == "prophylaxis by the end of the day after admission"
    assert row["prophylaxis_started"] == "2026-03-03T20:00:00Z"


def test_prophylaxis_two_days_after_admission_is_a_gap(screened: Any) -> None:
    row = screened[1]["e-late"]
    assert row["in_denominator"] == "true" and row["in_numerator"] == "false"
    assert row["gap"] == "true"


def test_a_refusal_is_a_documented_reason(screened: Any) -> None:
    row = screened[1]["e-refused"]
    assert row["numerator_reason"] == "patient refused prophylaxis"
    assert row["prophylaxis_started"] == ""


def test_a_stay_under_two_days_is_excluded(screened: Any) -> None:
    row = screened[1]["e-short"]
    assert row["excluded"] == "true" and row["exclusion_reason"] == "length of stay under 2 days"
    assert row["gap"] == "false" and row["in_numerator"] == "false"


def test_children_and_vte_diagnoses_are_not_in_the_initial_population(screened: Any) -> None:
    rows = screened[1]
    assert rows["e-child"]["in_initial_population"] == "false"
    assert rows["e-child"]["initial_population_reason"] == "under 18 at admission"
    assert rows["e-vte"]["in_denominator"] == "false"
    assert "VTE diagnosis" in rows["e-vte"]["initial_population_reason"]


def test_low_risk_documented_counts(screened: Any) -> None:
    row = screened[1]["e-lowrisk"]
    assert row["numerator_reason"] == "low risk for VTE documented"
    assert row["numerator_evidence"] == "Observation/o-lowrisk"


def test_prophylaxis_the_day_after_surgery_counts(screened: Any) -> None:
    row = screened[1]["e-surgical"]
    assert row["patient_group"] == "surgical" and row["instrument"] == "caprini-2005"
    assert row["numerator_reason"] == "prophylaxis the day of or the day after anesthesia"
    assert row["numerator_evidence"] == "MedicationAdministration/a-surgical Procedure/p-anesthesia"


def test_comfort_measures_exclude(screened: Any) -> None:
    row = screened[1]["e-comfort"]
    assert row["exclusion_reason"] == "comfort measures by the day after admission"
    assert row["exclusion_evidence"] == "Procedure/p-comfort"


def test_padua_total_and_range_keep_unknown_items_missing(screened: Any) -> None:
    row = screened[1]["e-padua"]
    assert row["instrument"] == "padua" and row["age"] == "76"
    assert row["risk_total"] == "5" and row["risk_total_min"] == "5"
    assert int(row["risk_total_max"]) > 5  # unanswered items could still add points
    assert row["risk_category"] == "high"  # 5 >= 4 whatever the unknown items are
    # a patient the record says nothing about: category unsettled, never "low"
    assert screened[1]["e-late"]["risk_category"] == ""
    assert screened[1]["e-late"]["risk_total_min"] == "1"  # age 76: 1 point


def test_summary_counts_match_the_rows(screened: Any) -> None:
    summary, rows = screened
    s = summary.to_dict()
    assert s["encounters"] == len(rows) == 10
    assert s["gaps"] == sum(r["gap"] == "true" for r in rows.values())
    assert s["numerator"] == sum(r["in_numerator"] == "true" for r in rows.values())
    assert list(next(iter(rows.values()))) == list(ENCOUNTER_COLUMNS)


def test_the_gap_list_holds_only_gaps(screened: Any, tmp_path: Path) -> None:
    out = Path(screened[0].out)
    with (out / "gaps.csv").open(encoding="utf-8") as f:
        gaps = list(csv.DictReader(f))
    assert {g["encounter_id"] for g in gaps} == {
        k for k, r in screened[1].items() if r["gap"] == "true"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Gap list" in html
    for fetches in ("src=", "href=", "<script", "<link", "@import", "url("):
        assert fetches not in html  # opens offline: nothing to load


def test_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    folder = records.write(tmp_path / "export", records.situations())
    run(folder, tmp_path / "a")
    run(folder, tmp_path / "b")
    for name in ("encounters.csv", "encounters.parquet", "gaps.csv", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_bad_lines_are_counted_with_file_and_line(tmp_path: Path) -> None:
    resources = records.situations()
    folder = records.write(tmp_path / "export", resources)
    enc = folder / "Encounter.ndjson"
    lines = enc.read_text().splitlines()
    lines.insert(2, '{"resourceType": "Encounter", "id": ')  # line 3: cut short
    lines.append('{"resourceType": "Patient", "id": "stray"}')  # wrong type, last line
    lines.append('{"resourceType": "Encounter", "id": "orphan", "status": "finished", '
                 f'"class": {{"system": "{records.ACT}", "code": "IMP"}}, "subject": '
                 '{"reference": "Patient/nobody"}, "period": {"start": "2026-03-02T09:00:00"}}')
    enc.write_text("\n".join(lines) + "\n")
    summary, rows = run(folder, tmp_path / "out")
    p = summary.problems
    assert p["counts"]["malformed_line"] == 1
    assert p["examples"]["malformed_line"][0]["line"] == 3
    assert p["examples"]["malformed_line"][0]["file"].endswith("Encounter.ndjson")
    assert p["counts"]["wrong_type"] == 1
    assert p["examples"]["wrong_type"][0]["line"] == len(lines) - 1
    assert p["counts"]["missing_patient"] == 1
    assert p["examples"]["missing_patient"][0]["line"] == len(lines)
    assert p["counts"]["date_without_timezone"] == 1
    assert len(rows) == 11  # the ten situations and the orphan, reported, not dropped
    with pytest.raises(InputError, match=r"Encounter.ndjson:3"):
        run(folder, tmp_path / "out2", on_error="fail")
    assert not (tmp_path / "out2").exists()


NOT_OBJECTS = ["[1, 2]", '"x"', "3", "null", "true"]  # JSON, but not a resource
# (file, line of the file with the line inserted) per bad line: first, middle and last lines
WHERE_BAD = [("Encounter.ndjson", 3), ("MedicationAdministration.ndjson", 0),
             ("Patient.ndjson", 1)]


def _insert(folder: Path, bad: str) -> list[tuple[str, int]]:
    """Insert ``bad`` at each place of ``WHERE_BAD`` (0: after the last line); where it went."""
    at = []
    for name, line in WHERE_BAD:
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines()
        n = line or len(lines) + 1
        lines.insert(n - 1, bad)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        at.append((str(path), n))
    return at


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    tmp = tmp_path_factory.mktemp("clean")
    folder = records.write(tmp / "export", records.situations())
    summary, _ = run(folder, tmp / "out")
    return summary, tmp / "out"


@pytest.mark.parametrize("bad", NOT_OBJECTS)
def test_a_line_that_is_json_but_not_an_object_is_a_malformed_line(
        bad: str, clean_run: tuple[Any, Path], tmp_path: Path) -> None:
    """``[1, 2]``, ``"x"``, ``3``, ``null``, ``true`` on a line (the first line of a file, one
    inside, the last): counted and reported with file and line as a malformed line, skipped
    (every output row as without them), and refused under --on-error fail. DuckDB 2.0 reads a
    file with such a line as lines of text unless told it holds records, and reads ``null``
    as a resource with no element at all."""
    folder = records.write(tmp_path / "export", records.situations())
    at = _insert(folder, bad)
    summary, _ = run(folder, tmp_path / "out")
    p = summary.problems
    assert p["counts"] == {"malformed_line": 3}
    assert sorted((e["file"], e["line"]) for e in p["examples"]["malformed_line"]) == sorted(at)
    assert all(e["detail"] == "not a JSON object" for e in p["examples"]["malformed_line"])
    clean, clean_out = clean_run
    assert p["resources_read"] == clean.problems["resources_read"]
    assert summary.encounters == clean.encounters and summary.gaps == clean.gaps
    for name in ("encounters.csv", "encounters.parquet", "gaps.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (clean_out / name).read_bytes(), name
    saved = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert saved["problems"]["counts"] == {"malformed_line": 3}
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Patient.ndjson" in html and "not a JSON object" in html
    with pytest.raises(InputError, match=re.escape(f"{at[0][0]}:{at[0][1]}: not a JSON object")):
        run(folder, tmp_path / "out2", on_error="fail")
    assert not (tmp_path / "out2").exists()


def test_an_empty_export_is_refused(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "Patient.ndjson").write_text("")
    with pytest.raises(InputError, match="no resources"):
        run(tmp_path / "e", tmp_path / "out")


def test_the_report_disclaimer_speaks_to_its_reader() -> None:
    """The report is read by a quality lead and a care team: its disclaimer says what the
    page is for and what it is not, without clotwatch.DISCLAIMER's advice to a worried
    patient ("seek medical help"), in English and Russian."""
    from clotwatch import DISCLAIMER
    from clotwatch.population.report import DISCLAIMER_TEXT
    from clotwatch.web.i18n import gettext

    assert DISCLAIMER_TEXT != DISCLAIMER
    for lang in ("en", "ru"):
        text = gettext(lang)(DISCLAIMER_TEXT)
        assert "worried" not in text and "обеспокоены" not in text
    assert "clinical judgement" in DISCLAIMER_TEXT
    assert "клиническую оценку" in gettext("ru")(DISCLAIMER_TEXT)


def residential_situations() -> list[dict[str, Any]]:
    """One patient (p-snf) with stays whose Encounter.class is inpatient and whose
    Encounter.type is an admission to a skilled nursing facility (as Synthea writes one), a
    hospice, an inpatient rehabilitation facility and a hospital."""
    snomed = "http://snomed.info/sct"

    def typed(eid: str, code: str, start: str, end: str) -> dict[str, Any]:
        e = records.stay(eid, "p-snf", start, end)
        e["type"] = [{"coding": [{"system": snomed, "code": code}], "text": "x"}]
        return e

    return [
        records.patient("p-snf", birth="1930-01-01"),
        typed("e-snf", "449411000124106", "2026-01-02T10:00:00Z", "2026-01-20T10:00:00Z"),
        typed("e-hospice", "305336008", "2026-02-02T10:00:00Z", "2026-02-12T10:00:00Z"),
        typed("e-rehab", "449431000124100", "2026-02-14T10:00:00Z", "2026-02-24T10:00:00Z"),
        typed("e-hospital", "32485007", "2026-03-01T10:00:00Z", "2026-03-05T10:00:00Z"),
    ]


def test_a_stay_in_a_long_term_residential_facility_is_not_a_hospital_admission(
        tmp_path: Path) -> None:
    """Encounter.class inpatient but Encounter.type an admission to a skilled nursing facility
    (as Synthea writes one), a nursing home or a hospice: not in the CMS108 initial population
    (whose Encounter Inpatient value set holds hospital admissions), so never a gap, with the
    reason and its code; its risk assessment is still shown. A hospital stay of the same
    patient, and an inpatient rehabilitation stay (left screened on purpose), stay in it."""
    rows = records.screened(tmp_path, residential_situations(), AS_OF)
    for eid, code in (("snf", "449411000124106"), ("hospice", "305336008")):
        row = rows[eid]
        assert row["in_initial_population"] == "false", eid
        assert row["in_denominator"] == "false" and row["gap"] == "false", eid
        assert row["initial_population_reason"] == (
            f"not a hospital admission (Encounter.type SNOMED CT {code}: a long-term "
            "residential facility)"), eid
        assert row["instrument"] == "padua" and row["risk_total_min"] != "", eid
    for eid in ("rehab", "hospital"):
        assert rows[eid]["in_initial_population"] == "true", eid
        assert rows[eid]["gap"] == "true", eid  # no prophylaxis recorded
