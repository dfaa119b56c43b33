"""The movement section of the patient's page (/{lang}/me) and the clinician's patient page:
steps and the longest still spell per day from the stored samples, against the patient's own
first-week goal, as SVG with a data table, in English and Russian; only for allowed readers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clotwatch.core.activity import Sample
from clotwatch.service import activity

from .conftest import PASSWORD, World
from .webflow import sign_in


def _store_fortnight(world: World) -> None:
    """Alice's watch: 2026-11-10 to 11-23, 09:00-17:00 UTC, 100 x (day - 9) steps an hour;
    11-18 has no data."""
    samples = []
    for day in range(10, 24):
        if day == 18:
            continue
        for hour in range(9, 17):
            start = datetime(2026, 11, day, hour, tzinfo=UTC)
            samples.append(Sample("Alice's watch", "watch", start, start + timedelta(hours=1),
                                  100 * (day - 9)))
    activity.store_samples(world.store, world.principal("alice"), samples, world.clock())


def test_the_patient_sees_steps_still_time_and_the_goal(app_world: tuple[World, TestClient]
                                                        ) -> None:
    world, client = app_world
    _store_fortnight(world)
    sign_in(client, "alice@example.org", PASSWORD)
    page = client.get("/en/me").text
    assert "Movement" in page and 'id="chart-steps-t"' in page and 'id="chart-still-t"' in page
    # goal: median of the first week (11-10..11-16: 800, 1,600 ... 5,600 a day) = 3,200
    assert "Goal: 3200 steps a day" in page and "own first week" in page
    rows: dict[str, str] = {}
    for day, steps in re.findall(r'<th scope="row">(2026-11-\d\d)</th><td>([^<]+)</td>', page):
        rows.setdefault(day, steps)  # the steps table comes first
    assert rows["2026-11-23"] == "11,200"
    assert rows["2026-11-18"] == "no data"
    # waking 07:00-23:00, steps 09:00-17:00: still 07:00-09:00 (120 min) and 17:00-23:00 (360)
    assert '<th scope="row">2026-11-23</th><td>360</td><td>2</td>' in page
    russian = client.get("/ru/me").text
    assert "Движение" in russian and "нет данных" in russian


def test_no_data_says_so(app_world: tuple[World, TestClient]) -> None:
    world, client = app_world
    sign_in(client, "alice@example.org", PASSWORD)
    page = client.get("/en/me").text
    assert "No step data yet" in page and "chart-steps" not in page


def test_the_clinician_sees_it_and_no_one_else(app_world: tuple[World, TestClient]) -> None:
    world, client = app_world
    _store_fortnight(world)
    alice = world.users["alice"]
    sign_in(client, "clin_a@example.org", PASSWORD)
    page = client.get(f"/en/care/patients/{alice}")
    assert page.status_code == 200 and 'id="chart-steps-t"' in page.text
    client.cookies.clear()
    sign_in(client, "clin_b@example.org", PASSWORD)
    assert client.get(f"/en/care/patients/{alice}").status_code == 404


DATA = Path(__file__).resolve().parents[1] / "activity" / "data" / "same_day"


def _upload(client: TestClient, name: str, content: bytes) -> Any:
    from .webflow import csrf_token

    token = csrf_token(client, "/en/me")
    return client.post("/en/me/activity", data={"csrf_token": token},
                       files={"file": (name, content)}, follow_redirects=False)


def test_upload_stores_the_file_once_and_refuses_a_bad_one_whole(
        app_world: tuple[World, TestClient]) -> None:
    world, client = app_world
    sign_in(client, "alice@example.org", PASSWORD)
    apple = (DATA / "apple_export.xml").read_bytes()
    first = _upload(client, "export.xml", apple)
    assert first.status_code == 200 and "new samples stored" in first.text
    with world.store.session() as session:
        from sqlalchemy import func, select

        from clotwatch.store.activity_models import ActivitySample
        count = session.scalar(select(func.count()).select_from(ActivitySample))
    # Every step record of the file is stored (the summary's fast path, which gives no
    # datetimes, must not be the one an upload takes).
    records = {(m["source"], m["start"], m["end"]) for m in re.finditer(
        r'type="HKQuantityTypeIdentifierStepCount" sourceName="(?P<source>[^"]*)"[^>]*?'
        r'startDate="(?P<start>[^"]*)" endDate="(?P<end>[^"]*)"', apple.decode())}
    assert count == len(records) > 5
    again = _upload(client, "export.xml", apple)
    assert f"0 new samples stored, {count} already stored" in again.text
    bad = b"start,end,steps\n2026-11-03T08:00:00+01:00,2026-11-03T08:15:00+01:00,10\n" \
          b"2026-11-03T09:00:00+01:00,2026-11-03T08:15:00+01:00,10\n"
    refused = _upload(client, "steps.csv", bad)
    assert refused.status_code == 422
    assert "file: line 3" in refused.text and "nothing was stored" in refused.text
    junk = _upload(client, "junk.bin", b"\x00\x01 not steps")
    assert junk.status_code == 422 and "file:" in junk.text
    with world.store.session() as session:
        assert session.scalar(select(func.count()).select_from(ActivitySample)) == count


def test_an_upload_past_the_limit_is_refused_while_it_streams(
        app_world: tuple[World, TestClient], monkeypatch: pytest.MonkeyPatch) -> None:
    # A body sent without a length (chunked) is counted as it arrives and refused once it
    # passes the limit, with a message naming the limit; nothing is stored. (The test client
    # sends the whole body whatever the app does, so when reading stops is not seen here.)
    from .webflow import csrf_token

    world, client = app_world
    sign_in(client, "alice@example.org", PASSWORD)
    monkeypatch.setattr(activity, "MAX_UPLOAD_BYTES", 100_000)
    token = csrf_token(client, "/en/me")
    boundary = "cwboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"steps.csv\"\r\nContent-Type: text/csv\r\n\r\nstart,end,steps\r\n")
    row = b"2026-11-03T08:00:00+01:00,2026-11-03T08:15:00+01:00,10\r\n"

    def body() -> Iterator[bytes]:
        yield head.encode()
        for _ in range(20):  # 20 x 64 KB: 1.3 MB, far past the limit
            yield row * 1150
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post("/en/me/activity", content=body(), headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413
    assert "file: larger than 0.1 MB, the most one upload can be" in response.text
    with world.store.session() as session:
        from sqlalchemy import func, select

        from clotwatch.store.activity_models import ActivitySample
        assert session.scalar(select(func.count()).select_from(ActivitySample)) == 0
    russian = client.post("/ru/me/activity", content=body(), headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert russian.status_code == 413 and "file:" in russian.text


def test_a_refused_upload_is_worded_in_the_page_language(
        app_world: tuple[World, TestClient]) -> None:
    # The service's "file: line 3: ...; nothing was stored", part by part through the web
    # catalogue on /ru; unchanged on /en. Nothing is stored either way.
    import html

    from .webflow import csrf_token

    world, client = app_world
    sign_in(client, "alice@example.org", PASSWORD)
    token = csrf_token(client, "/en/me")

    def upload(lang: str, name: str, content: bytes) -> tuple[int, str]:
        response = client.post(f"/{lang}/me/activity", data={"csrf_token": token},
                               files={"file": (name, content)}, follow_redirects=False)
        return response.status_code, html.unescape(response.text)

    bad = b"start,end,steps\n2026-11-03T08:00:00+01:00,2026-11-03T08:15:00+01:00,10\n" \
          b"2026-11-03T09:00:00+01:00,2026-11-03T08:15:00+01:00,10\n" \
          b"2026-11-03T10:00:00+01:00,2026-11-03T10:15:00+01:00,x\n"
    code, english = upload("en", "steps.csv", bad)
    assert code == 422
    assert ("file: line 3: end: the end 2026-11-03T08:15:00+01:00 is before the start "
            "2026-11-03T09:00:00+01:00 (and 1 more); nothing was stored") in english
    code, russian = upload("ru", "steps.csv", bad)
    assert code == 422
    assert ("file: строка 3: end: конец 2026-11-03T08:15:00+01:00 раньше начала "
            "2026-11-03T09:00:00+01:00 (и ещё 1); ничего не сохранено") in russian
    assert "nothing was stored" not in russian
    code, junk = upload("ru", "junk.bin", b"\x00\x01 not steps")
    assert code == 422
    assert "file: junk.bin: это не формат данных о шагах, который читает clotwatch" in junk
    code, empty = upload("ru", "", b"")
    assert code == 422 and "file: выберите файл для загрузки" in empty
    with world.store.session() as session:
        from sqlalchemy import func, select

        from clotwatch.store.activity_models import ActivitySample
        assert session.scalar(select(func.count()).select_from(ActivitySample)) == 0
