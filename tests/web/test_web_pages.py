"""Pages without a browser: languages, catalogues, forms that cannot break the server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clotwatch.errors import InputError
from clotwatch.store import Assessment
from clotwatch.web.forms import convert
from clotwatch.web.i18n import catalogue, chrome_messages, pick_language


def _rows(client: TestClient) -> int:
    with client.app.state.store.session() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(Assessment)))


def test_every_page_chrome_string_has_a_russian_translation() -> None:
    missing = sorted(set(chrome_messages()) - set(catalogue("ru")))
    assert not missing, ("untranslated in locales/ru/LC_MESSAGES/web.po (run "
                         f"scripts/web-catalogue, then translate): {missing}")


@pytest.mark.parametrize(("header", "lang"), [
    (None, "en"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("de-DE,de;q=0.9", "en"),
    ("en;q=0.5,ru;q=0.7", "ru"), ("ru;q=bogus", "ru")])
def test_language_is_picked_from_accept_language(header: str | None, lang: str) -> None:
    assert pick_language(header) == lang


def test_root_redirects_to_the_browsers_language(client: TestClient) -> None:
    response = client.get("/", headers={"accept-language": "ru"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ru/"


def test_russian_pages_have_russian_chrome(client: TestClient) -> None:
    html = client.get("/ru/").text
    assert '<html lang="ru">' in html and "Судорога или тромб?" in html


def test_unknown_language_or_page_is_a_404_page(client: TestClient) -> None:
    assert client.get("/de/").status_code == 404
    assert client.get("/en/calculators/not-a-score").status_code == 404
    assert "text/html" in client.get("/de/triage").headers["content-type"]
    # Every page router checks the language once (web.routes.PageRoute), posts included.
    for path in ("/de/pathway", "/de/pathway/dvt", "/de/calculators/wells-dvt"):
        assert client.get(path).status_code == 404, path
    assert client.post("/de/pathway/dvt").status_code == 404


def test_saving_without_consent_stores_nothing(client: TestClient, token: str) -> None:
    response = client.post("/en/save", data={"csrf_token": token, "kind": "triage",
                                             "a.swelling": "true"})
    assert response.status_code == 422 and "Nothing was saved" in response.text
    assert _rows(client) == 0


def test_saving_with_consent_stores_once_and_shows_the_code(client: TestClient,
                                                            token: str) -> None:
    response = client.post("/en/save", data={"csrf_token": token, "kind": "triage",
                                             "consent": "yes", "a.swelling": "true",
                                             "a.leg_side": '"left"'})
    assert response.status_code == 200 and 'id="share-code"' in response.text
    assert _rows(client) == 1


def test_tampered_answers_get_a_clear_page_not_a_crash(client: TestClient, token: str) -> None:
    for data in ({"a.swelling": "{not json"}, {"a.swelling": '"very"'},
                 {"a.no_such_key": "true"}, {"a.age_years": "500"}):
        response = client.post("/en/triage", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
    response = client.post("/en/save", data={"csrf_token": token, "kind": "triage",
                                             "consent": "yes", "a.swelling": "3"})
    assert response.status_code == 422
    assert _rows(client) == 0


def test_out_of_range_number_re_asks_the_question(client: TestClient, token: str) -> None:
    import json

    from clotwatch import triage

    answers = {"short_of_breath": True, "leg_side": "left", "swelling": True}
    answers = {**answers, "short_of_breath": False, "chest_pain": False,
               "coughing_blood": False, "fainting": False, "cold_pale_numb_leg": False,
               "fast_heartbeat": False, "sex": "male"}
    assert triage.next_question(answers).id == "age_years"  # type: ignore[union-attr]
    carried = {f"a.{k}": json.dumps(v) for k, v in answers.items()}
    response = client.post("/en/triage", data={"csrf_token": token, "screen": "age_years",
                                               "answer": "250", **carried})
    assert response.status_code == 422
    assert "Enter a number from 0 to 120" in response.text


def test_calculator_errors_name_the_input(client: TestClient, token: str) -> None:
    response = client.post("/en/calculators/perc", data={"csrf_token": token, "age": "old"})
    assert response.status_code == 422
    assert 'href="#in-age"' in response.text


def test_share_lookups_in_the_browser_are_rate_limited(client: TestClient, token: str) -> None:
    statuses = [client.post("/en/shared", data={"csrf_token": token,
                                                 "code": "ABCDE-12345-FGHJK-67890"}).status_code
                for _ in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]


@pytest.mark.parametrize(("kind", "raw", "value"), [
    ("bool", "true", True), ("bool", "false", False), ("bool", "unknown", None),
    ("bool", "", None), ("number", "37,5", 37.5), ("number", "40", 40), ("integer", "3", 3),
    ("enum", "left", "left")])
def test_form_values_convert_by_declared_kind(kind: str, raw: str, value: object) -> None:
    assert convert("x", kind, raw, ["left", "right"]) == value


@pytest.mark.parametrize(("kind", "raw"), [("bool", "yes"), ("number", "nan"),
                                           ("number", "ten"), ("integer", "2.5"),
                                           ("enum", "middle")])
def test_bad_form_values_name_the_field(kind: str, raw: str) -> None:
    with pytest.raises(InputError) as info:
        convert("x", kind, raw, ["left", "right"])
    assert info.value.field == "x"
