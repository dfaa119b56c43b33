"""Every HTTP error a person can reach gets the site's page, in the page's language; the API
keeps its JSON; the icon, robots.txt and the OpenAPI document are served where tools look."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(shared_client: TestClient) -> TestClient:
    """One app for the module (tests/web/conftest.py): these tests read pages and calculate,
    and none depends on what another stored."""
    return shared_client



def _h1(html: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", html)
    assert match, html[:300]
    return match.group(1)


@pytest.mark.parametrize(("path", "lang", "title"), [
    ("/en/triagee", "en", "Page not found"),
    ("/ru/triagee", "ru", "Страница не найдена"),
    ("/en/shared/ABCDE-12345-FGHJK-67890", "en", "Page not found"),
    ("/ru/shared/ABC", "ru", "Страница не найдена"),
    ("/en/calculators/wells-dvt/extra", "en", "Page not found"),
    ("/static/no-such-file.css", "en", "Page not found"),
])
def test_unknown_address_is_the_sites_404_page_in_its_language(
        client: TestClient, path: str, lang: str, title: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in response.text and _h1(response.text) == title
    assert f'href="/{lang}/"' in response.text  # a way back


def test_a_share_code_in_the_address_says_where_codes_go(client: TestClient) -> None:
    html = client.get("/en/shared/ABCDE-12345-FGHJK-67890").text
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "type it into the form" in main and 'href="/en/shared"' in html
    assert "ABCDE-12345" not in main  # the code is not echoed into the page


def test_an_address_without_a_language_uses_the_browsers(client: TestClient) -> None:
    response = client.get("/nothing-here", headers={"accept-language": "ru-RU,ru;q=0.9"})
    assert response.status_code == 404 and '<html lang="ru">' in response.text


@pytest.mark.parametrize(("method", "path", "lang"), [
    ("GET", "/en/save", "en"), ("GET", "/ru/shared/revoke", "ru"), ("PUT", "/en/triage", "en"),
    ("DELETE", "/ru/calculators/wells-dvt", "ru")])
def test_a_wrong_method_is_the_sites_405_page_with_allow(
        client: TestClient, method: str, path: str, lang: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405 and "allow" in response.headers
    assert f'<html lang="{lang}">' in response.text
    title = {"en": "This page is reached from a form", "ru": "Эта страница открывается из формы"}
    assert _h1(response.text) == title[lang]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/instruments/wells-xyz",
                                  "/cds-services/nothing/more/here"])
def test_api_addresses_keep_json_errors(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 405)
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_reloaded_or_bookmarked_summary_explains_and_offers_the_questions(
        client: TestClient, lang: str) -> None:
    response = client.get(f"/{lang}/triage/summary")
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert f'href="/{lang}/triage"' in response.text
    assert _h1(response.text) == {"en": "The summary is not kept",
                                  "ru": "Сводка не сохраняется"}[lang]


def test_favicon_is_an_icon(client: TestClient) -> None:
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # ICO header: reserved 0, type 1


def test_robots_txt_is_served_and_keeps_crawlers_off_the_api(client: TestClient) -> None:
    response = client.get("/robots.txt", follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/plain")
    assert "User-agent: *" in response.text and "Disallow: /api/" in response.text


def test_openapi_json_at_the_root_is_the_api_document(client: TestClient) -> None:
    response = client.get("/openapi.json", follow_redirects=False)
    assert response.status_code == 200
    assert response.json() == client.get("/api/v1/openapi.json").json()
