"""Which resource type a file of an export holds, by its name. A file whose name gives no type
is still read (as holding any type); a typed name lets the screening read it typed, and the
views of other types skip it."""

from __future__ import annotations

from pathlib import Path

import pytest

from clotwatch.population.source import open_export


@pytest.mark.parametrize(("name", "rtype"), [
    ("Patient.ndjson", "Patient"),
    ("Observation.000.ndjson", "Observation"),  # Synthea's bulk export, SMART's sample sets
    ("Observation.013.ndjson.gz", "Observation"),
    ("Encounter_2.ndjson", "Encounter"),
    ("MedicationRequest-1.ndjson", "MedicationRequest"),
    ("1.Patient.ndjson", "Patient"),  # SMART's Bulk Data client (forceStandardFileNames)
    ("12.DocumentReference.ndjson.gz", "DocumentReference"),
    ("log.ndjson", None),  # the same client's log of the export: no resource type
    ("export.ndjson", None),
    ("1.ndjson", None),
    ("patients.jsonl", None),
])
def test_the_type_a_file_name_gives(tmp_path: Path, name: str, rtype: str | None) -> None:
    (tmp_path / name).write_bytes(b"")
    assert open_export(tmp_path).files == {rtype: (str(tmp_path / name),)}
