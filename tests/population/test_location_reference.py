"""A stay's location given as a conditional reference (FHIR R4 "References", 2.3.0.5
"Conditional References": ``Location?identifier=SYSTEM|VALUE``, as SMART's bulk export of
Synthea writes Encounter.location) is the Location of the export with that identifier
(FHIR R4 token search: ``identifier=VALUE`` any system, ``identifier=|VALUE`` none), when
exactly one has it. Then its type tells an ICU as for ``Location/<id>`` (CMS108 "Encounter with
ICU Location Stay 1 Day or More", Location.type in Intensive Care Unit
2.16.840.1.113762.1.4.1029.206); two Locations with the identifier, or none, resolve nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.population import records
from tests.population.records import patient, stay

AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
ADMIT = "2026-03-02T09:00:00Z"
DISCHARGE = "2026-03-08T10:00:00Z"
HSLOC = "https://www.cdc.gov/nhsn/cdaportal/terminology/codesystem/hsloc.html"
SYNTHEA = "https://github.com/synthetichealth/synthea"

# (patient, the reference of the stay's ICU location, the Location it resolves to: an ICU)
CASES = [
    ("by-id", "Location/micu", "micu"),
    ("by-system-and-value", f"Location?identifier={SYNTHEA}|micu-7", "micu"),
    ("by-value", "Location?identifier=micu-7", "micu"),
    ("by-no-system", "Location?identifier=|local-9", "local-icu"),
    ("wrong-system", "Location?identifier=urn:other|micu-7", None),
    ("two-match", f"Location?identifier={SYNTHEA}|shared-1", None),
    ("none-match", f"Location?identifier={SYNTHEA}|nowhere", None),
]


def situations() -> list[dict[str, Any]]:
    icu_type = [{"coding": [{"system": HSLOC, "code": "1027-2"}]}]  # Medical Critical Care
    out: list[dict[str, Any]] = [
        {"resourceType": "Location", "id": "micu", "name": "Ward 9", "type": icu_type,
         "identifier": [{"system": SYNTHEA, "value": "micu-7"}]},
        {"resourceType": "Location", "id": "local-icu", "name": "Ward 10", "type": icu_type,
         "identifier": [{"value": "local-9"}]},
        {"resourceType": "Location", "id": "icu-a", "type": icu_type,
         "identifier": [{"system": SYNTHEA, "value": "shared-1"}]},
        {"resourceType": "Location", "id": "icu-b", "type": icu_type,
         "identifier": [{"system": SYNTHEA, "value": "shared-1"}]}]
    for pid, ref, _ in CASES:
        enc = stay(f"e-{pid}", pid, ADMIT, DISCHARGE)
        enc["location"] = [
            {"location": {"display": "Ward 4A Medicine"}, "period": {"start": ADMIT}},
            {"location": {"reference": ref, "display": "Ward 9"},
             "period": {"start": "2026-03-02T12:00:00Z", "end": "2026-03-05T12:00:00Z"}}]
        out += [patient(pid), enc]
    return out


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return records.screened(tmp_path_factory.mktemp("locref"), situations(), AS_OF)


@pytest.mark.parametrize("pid, ref, icu", CASES, ids=[c[0] for c in CASES])
def test_a_conditional_location_reference_is_read_by_the_identifier(
        rows: dict[str, dict[str, str]], pid: str, ref: str, icu: str | None) -> None:
    row = rows[pid]
    if icu:
        assert row["exclusion_reason"] == "ICU by the day after admission, 1 day or more", ref
        assert row["exclusion_evidence"] == f"Encounter/e-{pid} Location/{icu}", ref
        assert row["ward"] == "Ward 4A Medicine"  # the last location that is not an ICU
    else:  # not resolved: a location of unknown type, shown by its name, not an ICU
        assert row["excluded"] == "false", ref
        assert row["ward"] == "Ward 9"
