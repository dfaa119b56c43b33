"""Any samples written as a plain CSV, an NDJSON of FHIR Observations or Open mHealth data
points and read back give the summary of the samples themselves."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clotwatch.activity import ReadContext, plan, read_into
from clotwatch.core.activity import Sample, Tally, summarize

ZONES = [timezone(timedelta(hours=h)) for h in (-5, 0, 1, 3)]
T0 = datetime(2026, 11, 2)
SOURCES = [("Ann's Watch", "watch"), ("Fitbit Charge", "band"), ("Pixel phone", "phone")]


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    name, kind = draw(st.sampled_from(SOURCES))
    zone = draw(st.sampled_from(ZONES))
    start = T0.replace(tzinfo=zone) + timedelta(seconds=draw(st.integers(0, 3 * 86400)))
    end = start + timedelta(seconds=draw(st.integers(1, 6 * 3600)))
    return Sample(name, kind, start, end, draw(st.integers(0, 5000)))  # type: ignore[arg-type]


def _read(path: Path) -> dict:
    tally = Tally()
    entries, _ = plan([str(path)])
    read_into(tally, entries, ReadContext(zone=ZoneInfo("UTC"), zone_name="UTC"))
    return tally.summary()


def _fhir(sample: Sample) -> dict:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "55423-8"}]},
            "effectivePeriod": {"start": sample.start.isoformat(), "end": sample.end.isoformat()},
            "valueQuantity": {"value": sample.steps, "unit": "steps"},
            "device": {"display": sample.source}}


def _omh(sample: Sample) -> dict:
    return {"header": {"acquisition_provenance": {"source_name": sample.source}},
            "body": {"step_count": sample.steps, "effective_time_frame": {"time_interval": {
                "start_date_time": sample.start.isoformat(),
                "end_date_time": sample.end.isoformat()}}}}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(samples(), min_size=1, max_size=15))
def test_written_and_read_back_in_three_formats(tmp_path: Path, items: list[Sample]) -> None:
    expected = summarize(items)
    csv = tmp_path / "steps.csv"
    csv.write_text("start,end,steps,source,kind\n" + "".join(
        f"{s.start.isoformat()},{s.end.isoformat()},{s.steps},{s.source},{s.kind}\n"
        for s in items))
    ndjson = tmp_path / "steps.ndjson"
    ndjson.write_text("".join(json.dumps(_fhir(s)) + "\n" for s in items))
    omh = tmp_path / "omh.json"
    omh.write_text(json.dumps([_omh(s) for s in items]))
    for path in (csv, ndjson, omh):
        got = _read(path)
        assert got["days"] == expected["days"], path.name
        assert got["sources"] == expected["sources"], path.name
        assert got["errors"] == []
