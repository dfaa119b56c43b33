"""Reminders to move on the pages (issue #9): the person's settings form and in-app notice on
/{lang}/me, the clinician's threshold on the patient page, a bad value refused naming its
field, and a journey added from the travel plan, in English and Russian."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from clotwatch.core.activity import Sample
from clotwatch.core.travel import RISK_FACTORS
from clotwatch.service import activity, followup, movement
from clotwatch.service.activity_planner import plan_move_reminders

from .conftest import PASSWORD, World
from .webflow import post, sign_in


def test_the_person_sets_their_reminders_and_sees_the_notice(
        app_world: tuple[World, TestClient]) -> None:
    world, client = app_world
    sign_in(client, "alice@example.org", PASSWORD)
    page = client.get("/en/me").text
    assert "Reminders to move" in page and 'name="move_threshold"' in page
    assert 'name="move_channel"' in page and "Time to move" not in page
    bad = post(client, "/en/me/movement", {"move_threshold": "10"}, token_from="/en/me")
    assert bad.status_code == 422 and "move_threshold: enter a whole number" in bad.text
    done = post(client, "/en/me/movement", {"move_threshold": "60", "move_gap": "",
                                            "move_channel": "app"}, token_from="/en/me")
    assert done.status_code == 303
    page = client.get("/en/me").text
    assert 'value="60"' in page and '<option value="app" selected>' in page
    # a still spell of 70 minutes, synced now: the planner leaves the notice on her page
    now = world.clock()
    samples = [Sample("Alice's phone", "phone", now - timedelta(hours=2),
                      now - timedelta(minutes=70), 2000)]
    samples += [Sample("Alice's phone", "phone", now - timedelta(minutes=70 - 10 * n),
                       now - timedelta(minutes=60 - 10 * n), 0) for n in range(7)]
    activity.store_samples(world.store, world.principal("alice"), samples, now)
    with world.store.session() as session:
        assert plan_move_reminders(session, now) == 1
    assert 'id="move-notice"' in client.get("/en/me").text
    assert "Пора подвигаться" in client.get("/ru/me").text


def test_the_clinician_sets_the_threshold_only(app_world: tuple[World, TestClient]) -> None:
    world, client = app_world
    sign_in(client, "clin_a@example.org", PASSWORD)
    path = f"/en/care/patients/{world.users['alice']}"
    page = client.get(path).text
    assert 'name="move_threshold"' in page and 'name="move_channel"' not in page
    assert post(client, f"{path}/movement", {"move_threshold": "90"},
                token_from=path).status_code == 303
    settings = movement.movement_settings(world.store, world.principal("alice"),
                                          world.users["alice"], world.clock())
    assert settings["threshold_minutes"] == 90
    assert "Напоминания подвигаться" in client.get(f"/ru/care/patients/"
                                                  f"{world.users['alice']}").text


def test_a_journey_from_the_travel_plan(app_world: tuple[World, TestClient]) -> None:
    world, client = app_world
    form = {"depart": "2026-11-24T14:00", "zone": "Europe/Paris", "hours": "9.5",
            **{f.id: "no" for f in RISK_FACTORS}}
    anonymous = post(client, "/en/travel", form, token_from="/en/travel").text
    assert "Follow this journey" not in anonymous
    sign_in(client, "alice@example.org", PASSWORD)
    page = post(client, "/en/travel", form, token_from="/en/travel").text
    assert "Follow this journey with my reminders to move" in page
    assert post(client, "/en/me/journey", {"depart": "2026-11-24T14:00:00+01:00",
                                           "arrive": "2026-11-24T23:30:00+01:00",
                                           "move_every": "60"},
                token_from="/en/travel").status_code == 303
    followup.set_preferences(world.store, world.principal("alice"), time_zone="Europe/Paris",
                             reminder_time="", lang="en", now=world.clock())
    during = datetime(2026, 11, 24, 15, tzinfo=UTC)
    world.clock.now = during
    page = client.get("/en/me").text
    # shown in her own time zone
    assert "During your journey (2026-11-24 14:00 (UTC+01:00) to 2026-11-24 23:30 " \
           "(UTC+01:00))" in page
    assert "a reminder after 60 minutes still" in page
    assert post(client, "/en/me/journey/off", {}, token_from="/en/me").status_code == 303
    assert "During your journey" not in client.get("/en/me").text


def test_a_refused_setting_is_worded_in_the_page_language(
        app_world: tuple[World, TestClient]) -> None:
    # The service's reason, through the web catalogue: Russian on /ru, English on /en, and
    # the field still named.
    _, client = app_world
    sign_in(client, "alice@example.org", PASSWORD)
    low, high = movement.THRESHOLD_RANGE
    said = {lang: html.unescape(post(client, f"/{lang}/me/movement", {"move_threshold": "10"},
                                     token_from="/en/me").text) for lang in ("en", "ru")}
    assert f"move_threshold: enter a whole number of minutes from {low} to {high}" in said["en"]
    assert f"move_threshold: введите целое число минут от {low} до {high}" in said["ru"]
    assert "enter a whole" not in said["ru"]
    channel = post(client, "/ru/me/movement", {"move_channel": "fax"}, token_from="/en/me")
    assert channel.status_code == 422
    assert "move_channel: выберите email, webpush, app или off" in channel.text
    journey = {"depart": "2026-11-24T14:00:00+01:00", "arrive": "2026-11-24T12:00:00+01:00",
               "move_every": "60"}
    assert "arrive: must be after the departure" in post(
        client, "/en/me/journey", journey, token_from="/en/me").text
    assert "arrive: должно быть позже отправления" in post(
        client, "/ru/me/journey", journey, token_from="/en/me").text
    assert "depart: это не дата и время" in post(
        client, "/ru/me/journey", {**journey, "depart": "soon"}, token_from="/en/me").text
