"""The pathway page takes times from the browser's date and time inputs, reads them in the
zone the page shows (the browser's, filled by app.js; UTC when nothing says otherwise) and
shows deadlines in that zone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from clotwatch.core.pathway import inputs_for
from clotwatch.errors import InputError
from clotwatch.web.pathway import parse_zone, zoned


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/web/conftest.py): these tests read pages and calculate,
    and none depends on what another stored."""
    return shared_client


LIKELY_24H = {"age": "64", "pregnant": "false", "wells_dvt_category": "likely",
              "ultrasound_within_4h": "false"}


def _post(client: TestClient, token: str, **data: str) -> tuple[int, str]:
    response = client.post("/en/pathway/dvt", data={"csrf_token": token, **LIKELY_24H, **data})
    return response.status_code, response.text


@pytest.mark.parametrize("pathway", ["dvt", "pe"])
def test_every_time_is_a_browser_date_and_time_input(client: TestClient, pathway: str) -> None:
    html = client.get(f"/en/pathway/{pathway}").text
    for item in inputs_for(pathway):
        if item.kind == "datetime":
            assert re.search(rf'id="in-{item.id}" name="{item.id}" type="datetime-local"', html)
    assert 'name="tz"' in html and "data-browser-zone" in html
    assert "Empty means UTC" in html  # what happens without JavaScript


def test_attributes_are_separated(client: TestClient) -> None:
    html = client.get("/en/pathway/dvt").text
    assert not re.search(r'"[a-z-]+="', html), "two attributes run together"
    described = re.findall(r'aria-describedby="([^"]*)"', html)
    assert described and all(d == d.strip() and "  " not in d for d in described)
    for ids in described:
        for target in ids.split():
            assert f'id="{target}"' in html, target


@pytest.mark.parametrize(("zone", "due", "offset"), [
    ("Europe/London", "2026-11-25 09:30 Europe/London", "+00:00"),
    ("Europe/Moscow", "2026-11-25 09:30 Europe/Moscow", "+03:00"),
    ("America/New_York", "2026-11-25 09:30 America/New_York", "-05:00"),
    ("+01:00", "2026-11-25 09:30 UTC+0100", "+01:00"),
])
def test_a_wall_clock_time_is_read_in_the_pages_zone(client: TestClient, token: str,
                                                     zone: str, due: str, offset: str) -> None:
    status, html = _post(client, token, tz=zone, ultrasound_requested_at="2026-11-24T09:30")
    assert status == 200, html[:300]
    assert f'<time datetime="2026-11-25T09:30:00{offset}">{due}</time>' in html
    assert f'value="{zone}"' in html and 'value="2026-11-24T09:30"' in html


def test_no_zone_means_utc_and_the_field_then_says_so(client: TestClient, token: str) -> None:
    status, html = _post(client, token, ultrasound_requested_at="2026-11-24T09:30")
    assert status == 200
    assert '<time datetime="2026-11-25T09:30:00+00:00">2026-11-25 09:30 UTC</time>' in html
    assert re.search(r'name="tz" type="text" value="UTC"', html)


def test_an_unknown_zone_is_refused_naming_the_field(client: TestClient, token: str) -> None:
    status, html = _post(client, token, tz="Mars/Olympus",
                         ultrasound_requested_at="2026-11-24T09:30")
    assert status == 422
    assert 'href="#in-tz"' in html and "unknown time zone" in html
    assert 'value="Mars/Olympus"' in html


def test_a_time_typed_with_its_own_zone_keeps_it() -> None:
    assert zoned("x", "2026-11-24T09:30Z", parse_zone("Europe/Moscow")) == \
        "2026-11-24T09:30:00+00:00"
    assert zoned("x", "2026-11-24T09:30", parse_zone("Europe/Moscow")) == \
        "2026-11-24T09:30:00+03:00"
    with pytest.raises(InputError) as caught:
        zoned("ultrasound_at", "yesterday", parse_zone(""))
    assert caught.value.field == "ultrasound_at"


@pytest.mark.parametrize(("text", "hours"), [("", 0), ("UTC", 0), ("+01:00", 1),
                                             ("UTC-5", -5), ("+0530", 5.5)])
def test_zone_offsets_people_type(text: str, hours: float) -> None:
    from datetime import datetime

    offset = datetime(2026, 1, 1, tzinfo=parse_zone(text)).utcoffset()
    assert offset == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["+15:00", "Nowhere/City", "../../etc/passwd"])
def test_impossible_zones_are_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_zone(text)
    assert caught.value.field == "tz"


def test_times_inside_notes_are_shown_in_the_zone_too(client: TestClient, token: str) -> None:
    # The app's clock is now; a request long ago makes the step overdue, with a note.
    status, html = _post(client, token, tz="Europe/Moscow",
                         ultrasound_requested_at="2020-01-01T09:30")
    assert status == 200
    notes = re.findall(r'<p class="small">([^<]*)</p>', html)
    overdue = [n for n in notes if "2020-01-02" in n]
    assert overdue and "2020-01-02 09:30 Europe/Moscow" in overdue[0], notes
    assert "T09:30:00+03:00" not in overdue[0]
