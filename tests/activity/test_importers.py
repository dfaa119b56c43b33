"""Golden tests of the importers: the same day in every format gives the same summary."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clotwatch.activity import Unreadable, local_zone, plan, read_into
from clotwatch.activity.common import FIRST_BAD_LIMIT, ReadContext
from clotwatch.core.activity import Tally

DATA = Path(__file__).parent / "data"
SAME_DAY = DATA / "same_day"
GOLDEN_DAY = [{"date": "2026-11-02", "steps": 4950, "longest_still_minutes": 345,
               "still_bouts_120": 3}]
FILES = {
    "apple-health": "apple_export.xml",
    "google-fit": "2026-11-02.csv",
    "fitbit": "steps-2026-11-02.json",
    "fitbit-takeout": "steps_2026-11-01.csv",
    "garmin-fit": "monitoring.fit",
    "fhir": "fhir_bundle.json",
    "open-mhealth": "omh_step_count.json",
    "csv": "steps.csv",
}


def summarize(*paths: Path | str, zone: str = "Europe/Paris") -> dict:
    tz = ZoneInfo(zone)
    ctx = ReadContext(zone=tz, zone_name=zone)
    tally = Tally()
    entries, _notes = plan([str(p) for p in paths])
    read_into(tally, entries, ctx)
    return tally.summary(now=datetime(2026, 12, 1, tzinfo=tz),
                         assumed_zone=zone if ctx.naive_seen else None)


@pytest.mark.parametrize(("fmt", "name"), sorted(FILES.items()))
def test_each_format_is_recognised_and_gives_the_golden_day(fmt: str, name: str) -> None:
    entries, _ = plan([str(SAME_DAY / name)])
    assert [e.module.FORMAT for e in entries] == [fmt]
    out = summarize(SAME_DAY / name)
    assert out["days"] == GOLDEN_DAY, fmt
    assert out["errors"] == []


def test_fhir_ndjson_gives_the_golden_day() -> None:
    assert summarize(SAME_DAY / "fhir.ndjson")["days"] == GOLDEN_DAY


def test_all_formats_together_still_give_the_golden_day() -> None:
    # Contract rule 2, minute by minute: watch-kind sources beat the band and the phones, and
    # between watches the name that sorts first counts ("Ann's Apple Watch" with a straight
    # apostrophe, from FHIR, CSV and Open mHealth). Those three files hold the same samples, so
    # all but one copy of each are re-imports; the FHIR Bundle and NDJSON too.
    out = summarize(*(SAME_DAY / name for name in sorted(FILES.values())), SAME_DAY / "fhir.ndjson")
    assert out["days"] == GOLDEN_DAY
    assert out["duplicates_ignored"] == 3 * 4  # four files, one kept
    assert [(s["name"], s["kind"]) for s in out["sources"]] == [
        ("Ann's Apple Watch", "watch"), ("Ann’s Apple Watch", "watch"),
        ("Garmin Fr945", "watch"), ("Fitbit", "band"), ("Fitbit Charge 6", "band"),
        ("Ann’s iPhone", "phone"), ("Google Fit", "phone"), ("Phone Health Connect", "phone")]


def test_a_folder_is_walked_and_the_apple_sources_are_named_and_kinded() -> None:
    out = summarize(SAME_DAY / "apple_export.xml")
    assert out["sources"] == [
        {"name": "Ann’s Apple Watch", "kind": "watch", "samples": 5},
        {"name": "Ann’s iPhone", "kind": "phone", "samples": 2},
    ]
    assert out["overlap_minutes_resolved"] == 13 + 27
    assert out["samples_read"] == 7 and out["samples_used"] == 5


def test_the_apple_export_zip_is_read_member_by_member(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SAME_DAY / "apple_export.xml", "apple_health_export/export.xml")
        zf.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        zf.writestr("apple_health_export/workout-routes/route_1.gpx", "<gpx/>")
    assert summarize(archive)["days"] == GOLDEN_DAY


def test_fitbit_times_without_offset_are_read_in_the_given_zone() -> None:
    out = summarize(SAME_DAY / "steps-2026-11-02.json")
    assert out["times_without_offset_read_in"] == "Europe/Paris"
    assert "times_without_offset_read_in" not in summarize(SAME_DAY / "steps.csv")


def test_a_folder_with_google_fit_totals_and_per_day_files_counts_once(tmp_path: Path) -> None:
    folder = tmp_path / "Takeout" / "Fit" / "Daily activity metrics"
    folder.mkdir(parents=True)
    (folder / "2026-11-02.csv").write_bytes((SAME_DAY / "2026-11-02.csv").read_bytes())
    (folder / "Daily activity metrics.csv").write_text(
        "Date,Move Minutes count,Calories (kcal),Distance (m),Step count\n"
        "2026-11-02,75,2100,3465,4950\n")
    entries, notes = plan([str(tmp_path)])
    assert len(entries) == 1 and "skipped" in notes[0]
    assert summarize(tmp_path)["days"] == GOLDEN_DAY


def test_a_takeout_zip_with_both_google_fit_files_counts_once(tmp_path: Path) -> None:
    archive = tmp_path / "takeout-20261103T090000Z-001.zip"
    folder = "Takeout/Fit/Daily activity metrics/"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(SAME_DAY / "2026-11-02.csv", folder + "2026-11-02.csv")
        zf.writestr(folder + "Daily activity metrics.csv",
                    "Date,Move Minutes count,Step count\n2026-11-02,75,4950\n")
        zf.writestr("Takeout/archive_browser.html", "<html></html>")
    assert summarize(archive)["days"] == GOLDEN_DAY


def test_google_fit_totals_alone_spread_a_day_total_over_the_day(tmp_path: Path) -> None:
    totals = tmp_path / "Daily activity metrics.csv"
    totals.write_text("Date,Move Minutes count,Step count\n2026-11-02,75,4950\n"
                      "2026-11-03,,\n2026-11-04,10,1440\n")
    out = summarize(totals)
    assert [(d["date"], d["steps"], d["longest_still_minutes"]) for d in out["days"]] == [
        ("2026-11-02", 4950, 0), ("2026-11-03", None, None), ("2026-11-04", 1440, 0)]


def test_fhir_daily_totals_by_date_and_by_period(tmp_path: Path) -> None:
    def daily(effective: dict, value: float) -> dict:
        return {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "41950-7"}]},
                "valueQuantity": {"value": value, "unit": "steps"}, **effective}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": daily({"effectiveDateTime": "2026-11-02"}, 8000)},
        {"resource": daily({"effectiveDateTime": "2026-11-03T12:00:00+01:00"}, 6000.0)},
        {"resource": daily({"effectivePeriod": {"start": "2026-11-04T00:00:00+01:00",
                                                "end": "2026-11-05T00:00:00+01:00"}}, 7000)},
        {"resource": {**daily({"effectiveDateTime": "2026-11-05"}, 1),
                      "status": "entered-in-error"}},
        {"resource": {**daily({}, 5), "code": {"coding": [{"system": "http://loinc.org",
                                                           "code": "8867-4"}]}}},
    ]}
    path = tmp_path / "daily.json"
    path.write_text(json.dumps(bundle))
    out = summarize(path)
    assert [d["steps"] for d in out["days"]] == [8000, 6000, 7000]
    assert out["errors"] == [{"file": str(path), "place": "entry 4",
                              "reason": "status: entered-in-error"}]


BAD_CSV = """start,end,steps,source
2026-11-02T07:30:00+01:00,2026-11-02T07:45:00+01:00,600,watch
2026-11-02T09:00:00+01:00,2026-11-02T08:00:00+01:00,100,watch
2026-11-02T10:00:00+01:00,2026-11-02T10:10:00+01:00,-5,watch
2026-11-02T11:00:00+01:00,2026-11-02T11:10:00+01:00,many,watch
yesterday,2026-11-02T11:10:00+01:00,5,watch
"2026-11-02T12:00:00+01:00
"""


def test_bad_records_are_listed_with_their_place_and_the_rest_is_used(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    out = summarize(path)
    assert out["days"][0]["steps"] == 600
    places = [(e["place"], e["reason"]) for e in out["errors"]]
    assert places[0][0] == "line 3" and "before the start" in places[0][1]
    assert places[1] == ("line 4", "steps: a negative count (-5)")
    assert places[2] == ("line 5", "steps: 'many' is not a number")
    assert places[3][0] == "line 6" and places[3][1].startswith("start:")
    assert places[4][0] == "line 7"
    assert out["samples_read"] == 6


def test_apple_bad_records_name_their_line(tmp_path: Path) -> None:
    text = (SAME_DAY / "apple_export.xml").read_text()
    text = text.replace('value="1050"', 'value="-1050"').replace(
        'startDate="2026-11-02 18:15:00 +0100"', 'startDate="2026-11-02 18:45:00 +0100"')
    path = tmp_path / "export.xml"
    path.write_text(text)
    out = summarize(path)
    reasons = [e["reason"] for e in out["errors"]]
    assert reasons[0] == "steps: a negative count (-1050)"
    assert "before the start" in reasons[1]
    assert all(e["place"].startswith("line ") for e in out["errors"])


def test_truncated_xml_keeps_what_was_read_and_says_where_it_broke(tmp_path: Path) -> None:
    text = (SAME_DAY / "apple_export.xml").read_text()
    cut = text.index("<Record", text.index("12:00:00 +0100") - 400)
    path = tmp_path / "export.xml"
    path.write_text(text[:cut] + "<Record type=\"HK\x01")
    out = summarize(path)
    assert out["days"][0]["steps"] == 1650
    assert "not well-formed" in out["errors"][-1]["reason"]


@pytest.mark.parametrize(("content", "words"), [
    (b"", "not a step-data format"),
    (b"hello, world\n1,2,3\n", "not a step-data format"),
    (b"\x00\x01\x02" * 1000, "not a step-data format"),
    (b"PK\x03\x04broken", "not a readable zip"),
])
def test_unrecognised_files_are_refused_naming_the_file(tmp_path: Path, content: bytes,
                                                        words: str) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with pytest.raises(Unreadable) as caught:
        summarize(path)
    assert str(caught.value).startswith(str(path)) and words in str(caught.value)


def test_a_missing_file_is_refused() -> None:
    with pytest.raises(Unreadable, match="cannot read it"):
        plan(["/nonexistent/steps.csv"])


def test_junk_after_a_good_header_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    with path.open("w") as handle:
        handle.write("start,end,steps\n")
        for _ in range(FIRST_BAD_LIMIT * 50):
            handle.write("x,y,z\n")
    with pytest.raises(Unreadable, match="the first 1000 records are all bad"):
        summarize(path)


def test_a_line_without_end_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"start,end,steps\n" + b"9" * (1 << 20))
    with pytest.raises(Unreadable, match="longer than"):
        summarize(path)


def test_an_unknown_zone_is_refused() -> None:
    from clotwatch.core.errors import InputError

    with pytest.raises(InputError) as caught:
        local_zone("Mars/Olympus")
    assert caught.value.field == "tz"


def test_open_mhealth_statistics_and_missing_intervals_are_refused(tmp_path: Path) -> None:
    points = [
        {"body": {"step_count": 900, "descriptive_statistic": "average",
                  "effective_time_frame": {"time_interval": {
                      "start_date_time": "2026-11-02T07:00:00Z",
                      "end_date_time": "2026-11-09T07:00:00Z"}}}},
        {"body": {"step_count": 100,
                  "effective_time_frame": {"date_time": "2026-11-02T07:00:00Z"}}},
        {"body": {"step_count": 100, "effective_time_frame": {"time_interval": {
            "end_date_time": "2026-11-02T08:00:00Z", "duration": {"value": 1, "unit": "h"}}}}},
    ]
    path = tmp_path / "omh.json"
    path.write_text(json.dumps(points))
    out = summarize(path)
    assert [e["place"] for e in out["errors"]] == ["record 1", "record 2"]
    assert out["days"][0]["steps"] == 100


def test_garmin_readings_across_a_reset(tmp_path: Path) -> None:
    # A monitoring file whose walking total goes down (the device restarted its count).
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.monitoring_message import MonitoringMessage
    from fit_tool.profile.profile_type import ActivityType

    builder = FitFileBuilder(auto_define=True)
    for minute, steps in ((0, 100), (10, 300), (20, 50)):
        message = MonitoringMessage()
        message.timestamp = int(datetime(2026, 11, 2, 9, minute,
                                         tzinfo=ZoneInfo("UTC")).timestamp() * 1000)
        message.activity_type = ActivityType.WALKING
        message.steps = steps
        builder.add(message)
    path = tmp_path / "m.fit"
    builder.build().to_file(str(path))
    out = summarize(path, zone="UTC")
    assert out["days"][0]["steps"] == 200 + 50
    assert out["times_without_offset_read_in"] == "UTC"


def test_garmin_compressed_timestamps_raw_cycles_and_sedentary_stretches(tmp_path: Path) -> None:
    # Shaped like a real vivofit monitoring file (python-fitparse's MonitoringFile.fit, from
    # the FIT SDK examples): timestamp_16 readings after a monitoring_info, sedentary readings
    # between the walking ones. (fit-tool writes the `steps` subfield; the raw `cycles` form
    # of that file is tested below.)
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.monitoring_info_message import MonitoringInfoMessage
    from fit_tool.profile.messages.monitoring_message import MonitoringMessage
    from fit_tool.profile.profile_type import ActivityType, FileType, GarminProduct, Manufacturer

    fit_epoch = datetime(1989, 12, 31, tzinfo=ZoneInfo("UTC"))
    start = datetime(2026, 11, 2, 13, 0, tzinfo=ZoneInfo("UTC"))  # 07:00 at UTC-06:00
    builder = FitFileBuilder(auto_define=True)
    file_id = FileIdMessage()
    file_id.type = FileType.MONITORING_B
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.garmin_product = GarminProduct.VIVO_FIT.value
    builder.add(file_id)
    info = MonitoringInfoMessage()
    info.timestamp = int(start.timestamp() * 1000)
    info.local_timestamp = int((start - fit_epoch).total_seconds()) - 6 * 3600
    builder.add(info)
    base = int((start - fit_epoch).total_seconds())
    for minutes, activity, steps in ((60, ActivityType.SEDENTARY, None),
                                     (70, ActivityType.WALKING, 100),
                                     (180, ActivityType.SEDENTARY, None),
                                     (190, ActivityType.WALKING, 200)):
        message = MonitoringMessage()
        message.timestamp_16 = (base + minutes * 60) & 0xFFFF
        message.activity_type = activity
        if steps is not None:
            message.steps = steps
        builder.add(message)
    path = tmp_path / "vivofit.fit"
    builder.build().to_file(str(path))
    out = summarize(path, zone="UTC")
    assert out["sources"] == [{"name": "Garmin Vivo Fit", "kind": "band", "samples": 2}]
    # 100 steps 08:00-08:10 and 100 steps 10:00-10:10 local: still 07:00-08:00, 08:10-10:00,
    # 10:10-23:00.
    assert out["days"] == [{"date": "2026-11-02", "steps": 200, "longest_still_minutes": 770,
                            "still_bouts_120": 1}]
    assert "times_without_offset_read_in" not in out


def test_garmin_steps_from_the_raw_cycles_value() -> None:
    # In MonitoringFile.fit fitdecode leaves the field as `cycles` (scale 2: 50.0 for raw
    # 100); the profile's `steps` subfield (scale 1) is the raw value, 100 steps.
    from clotwatch.activity.garmin import _steps

    class Field:
        def __init__(self, value: object, raw: object) -> None:
            self.value, self.raw_value = value, raw

    class Frame:
        def __init__(self, **fields: Field) -> None:
            self.fields = fields

        def has_field(self, name: str) -> bool:
            return name in self.fields

        def get_field(self, name: str) -> Field:
            return self.fields[name]

    assert _steps(Frame(cycles=Field(50.0, 100))) == 100
    assert _steps(Frame(steps=Field(100, 100))) == 100
    assert _steps(Frame(heart_rate=Field(60, 60))) is None


def test_counting_reader_reports_bytes_for_progress() -> None:
    from clotwatch.activity.common import CountingReader

    seen: list[int] = []
    reader = CountingReader(io.BytesIO(b"a\nbb\n"), seen.append)
    assert reader.readline() == b"a\n" and reader.read() == b"bb\n"
    assert sum(seen) == 5


def _apple_tricky_export() -> str:
    """Step records whose times repeat (so the fast path's remembered dates and times are
    used) mixed with every case the fast path must hand to the checked path."""
    head = (SAME_DAY / "apple_export.xml").read_text()
    head = head[:head.index(" <Record")]
    rows = []
    good = [("2026-03-28", "+0100"), ("2026-03-29", "+0200"), ("2026-03-30", "+0200")]
    for day, offset in good:
        for hour in range(7, 12):
            for source, model in (("Watch", "Watch"), ("Phone", "iPhone")):
                rows.append((source, model, f"{day} {hour:02d}:00:00 {offset}",
                             f"{day} {hour:02d}:30:00 {offset}", str(hour * 10)))
    rows += [
        ("Watch", "Watch", "2026-03-29 01:50:00 +0100", "2026-03-29 03:10:00 +0200", "90"),
        ("Watch", "Watch", "2026-03-28 07:00:00 +0100", "2026-03-28 07:30:00 +0100", "12.0"),
        ("Watch", "Watch", "2026-03-28 08:00:00 +0100", "2026-03-28 08:30:00 +0100", "-4"),
        ("Watch", "Watch", "2026-03-28 09:30:00 +0100", "2026-03-28 09:00:00 +0100", "5"),
        ("Watch", "Watch", "2026-03-28 10:00:00 +0100", "2026-03-28 10:00:00 +0100", "5"),
        ("", "Watch", "2026-03-28 10:00:00 +0100", "2026-03-28 10:30:00 +0100", "5"),
        ("Watch", "Watch", "2026-03-28 10:00:00 +0100", "2026-03-28 10:30:00 +0100", "many"),
        ("Watch", "Watch", "2026-03-28T10:00:00 +0100", "2026-03-28 10:30:00 +0100", "5"),
        ("Watch", "Watch", "2026-03-28 10:00:00 +01:00", "2026-03-28 10:30:00 +0100", "5"),
        ("Watch", "Watch", "1970-03-28 10:00:00 +0100", "1970-03-28 10:30:00 +0100", "5"),
        ("Watch", "Watch", "2026-02-30 10:00:00 +0100", "2026-02-30 10:30:00 +0100", "5"),
        ("Watch", "Watch", "2026-03-28 11:00:00 -0330", "2026-03-28 11:20:00 -0330", "7"),
        ("Watch", "Watch", "2026-03-28 11:00:00 -0330", "2026-03-28 11:20:00 -0330", "7"),
        # Later on the wall clock, but earlier in time: refused.
        ("Watch", "Watch", "2026-03-28 11:00:00 -0330", "2026-03-28 11:20:00 +0100", "7"),
    ]
    records = "".join(
        f' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="{s}" device="&lt;'
        f'&lt;HKDevice: 0x1&gt;, name:X, model:{m}, software:1&gt;" unit="count" '
        f'startDate="{a}" endDate="{b}" value="{v}"/>\n' for s, m, a, b, v in rows)
    return head + records + "</HealthData>\n"


def test_apple_fast_path_gives_exactly_what_the_checked_path_gives(tmp_path: Path) -> None:
    # The summary reads Apple's times straight to wall-clock seconds (no datetime a record);
    # every record must come out as the checked path reads it, and every odd one refused or
    # accepted the same way, with the same place and reason.
    from clotwatch.activity import apple
    from clotwatch.activity.common import Refused
    from clotwatch.core.activity import Sample, WallSample, wall_seconds

    path = tmp_path / "export.xml"
    path.write_text(_apple_tricky_export())

    def items(fast: bool) -> list[tuple[object, ...]]:
        ctx = ReadContext(zone=ZoneInfo("UTC"), zone_name="UTC", wall_samples=fast)
        out: list[tuple[object, ...]] = []
        kinds = set()
        with path.open("rb") as stream:
            for item in apple.read(stream, str(path), ctx):
                kinds.add(type(item))
                if isinstance(item, Sample):
                    out.append((item.source, item.kind, wall_seconds(item.start),
                                wall_seconds(item.end), item.steps))
                elif isinstance(item, WallSample):
                    out.append(tuple(item))
                else:
                    out.append(("refused", item.place, item.reason))
        assert (WallSample in kinds) is fast
        assert Refused in kinds
        return out

    checked = items(False)
    assert items(True) == checked
    assert len(checked) == 44
    tally = Tally()
    entries, _ = plan([str(path)])
    read_into(tally, entries, ReadContext(zone=ZoneInfo("UTC"), zone_name="UTC"))
    slow = Tally()
    for entry in entries:
        with entry.opener() as stream:
            for item in apple.read(stream, entry.name, ReadContext(ZoneInfo("UTC"), "UTC")):
                if isinstance(item, Refused):
                    slow.refused(entry.name, item.place, item.reason)
                else:
                    slow.add(item)  # type: ignore[arg-type]
    assert tally.summary() == slow.summary()


def test_an_upload_collects_every_apple_record_with_its_times(tmp_path: Path) -> None:
    # The web upload stores samples with their offsets, so it must never be given the
    # summary's wall-clock samples: all 30 good records of the export arrive as Samples.
    from clotwatch.service.activity import _Collect

    text = _apple_tricky_export()
    good = text[:text.index('startDate="2026-03-29 01:50')]
    path = tmp_path / "export.xml"
    path.write_text(good[:good.rindex(" <Record")] + "</HealthData>\n")
    collected = _Collect(1000)
    entries, _ = plan([str(path)])
    read_into(collected, entries, ReadContext(zone=ZoneInfo("UTC"), zone_name="UTC"))
    assert collected.errors == []
    assert len(collected) == 30
    rows = collected.rows(7, datetime(2026, 4, 1, tzinfo=ZoneInfo("UTC")), 0, 100)
    # 2026-03-28 07:00 +0100 is 06:00 UTC; 2026-03-29 is in summer time (+0200).
    first, later = rows[0], rows[10]
    assert (first["start_at"].isoformat(), first["utc_offset_minutes"]) == (
        "2026-03-28T06:00:00+00:00", 60)
    assert (later["start_at"].isoformat(), later["utc_offset_minutes"]) == (
        "2026-03-29T05:00:00+00:00", 120)
    assert {r["source"] for r in rows} == {"Watch", "Phone"} and rows[1]["kind"] == "phone"


@pytest.mark.parametrize("chunk", [97, 1000, 64 * 1024])
def test_apple_refused_records_name_their_line_whatever_the_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # The parser is fed the file in chunks and is not told where a tag is; the line of a
    # refused record is found from the chunks read, also when its tag is split between two.
    from clotwatch.activity import apple

    monkeypatch.setattr(apple, "CHUNK_BYTES", chunk)
    text = _apple_tricky_export()
    path = tmp_path / "export.xml"
    path.write_text(text)
    out = summarize(path)
    marks = ['value="-4"', 'startDate="2026-03-28 09:30:00', 'endDate="2026-03-28 10:00:00',
             'sourceName=""', 'value="many"', "+01:00", "1970-03-28", "2026-02-30",
             'endDate="2026-03-28 11:20:00 +0100"']
    expected = [f"line {number}" for number, line in enumerate(text.splitlines(), 1)
                if any(mark in line for mark in marks)]
    assert len(expected) == 9
    assert [e["place"] for e in out["errors"]] == expected


def test_apple_refused_record_after_a_commented_record_is_named_by_its_number(
        tmp_path: Path) -> None:
    # A "<Record" inside a comment is not a record: the line cannot be trusted, so the place
    # is the record's number (the n-th Record element), never a wrong line.
    text = (SAME_DAY / "apple_export.xml").read_text()
    first = text.index(" <Record")
    text = text[:first] + " <!-- <Record type=\"x\"/> -->\n" + text[first:]
    text = text.replace('value="1050"', 'value="-1050"')
    path = tmp_path / "export.xml"
    path.write_text(text)
    out = summarize(path)
    after = text[text.index("-->", first):]
    number = after[:after.index('value="-1050"')].count("<Record")
    assert [e["place"] for e in out["errors"]] == [f"record {number}"]


def test_fitbit_takeout_utc_times_are_counted_on_the_persons_clock(tmp_path: Path) -> None:
    # The Takeout CSV writes UTC instants: they are placed in the --tz zone (the summary says
    # which), so the same file read for someone in Moscow gives their own day; a real offset
    # is kept; bad rows are listed with their line.
    out = summarize(SAME_DAY / "steps_2026-11-01.csv")
    assert out["times_without_offset_read_in"] == "Europe/Paris"
    moscow = summarize(SAME_DAY / "steps_2026-11-01.csv", zone="Europe/Moscow")
    assert moscow["days"][0]["steps"] == 4950
    # In Moscow the walks are at 09:30, 10:00, 14:00 and 20:15: 07:00-09:30 and 20:30-23:00
    # are spells of 2 hours or more too.
    assert moscow["days"][0]["still_bouts_120"] == 4
    path = tmp_path / "steps_2026-11-01.csv"
    path.write_text("timestamp,steps,data source\n"
                    "2026-11-02T09:00:00+03:00,120,MobileTrack\n"
                    "2026-11-02T09:01:00Z,-3,MobileTrack\n"
                    "yesterday,5,MobileTrack\n"
                    "2026-11-02T09:03:00Z,12.5,MobileTrack\n")
    out = summarize(path)
    assert out["sources"] == [{"name": "MobileTrack", "kind": "phone", "samples": 1}]
    assert out["days"][0]["date"] == "2026-11-02" and out["days"][0]["steps"] == 120
    assert [(e["place"], e["reason"].split(":")[0]) for e in out["errors"]] == [
        ("line 3", "steps"), ("line 4", "timestamp"), ("line 5", "steps")]
