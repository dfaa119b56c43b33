"""Security headers, CSRF on the web forms, health, and logs without health data."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/en/", "/api/v1/instruments", "/healthz", "/api/docs",
                                  "/static/site.css"])
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_pages_and_api_are_not_cached_but_static_files_may_be(client: TestClient) -> None:
    assert client.get("/en/").headers["cache-control"] == "no-store"
    assert client.get("/static/site.css").headers.get("cache-control") != "no-store"


def test_pages_have_no_inline_script(client: TestClient) -> None:
    html = client.get("/en/").text
    assert "<script>" not in html and "onclick" not in html.lower()


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_web_form_post_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/en/calculators/wells-dvt")
    response = client.post("/en/calculators/wells-dvt", data={"active_cancer": "true"})
    assert response.status_code == 403


def test_web_form_post_with_a_forged_token_is_refused(client: TestClient) -> None:
    client.get("/en/calculators/wells-dvt")
    response = client.post("/en/calculators/wells-dvt",
                           data={"active_cancer": "true", "csrf_token": "0" * 64})
    assert response.status_code == 403


def test_web_form_post_with_its_token_is_accepted(client: TestClient) -> None:
    page = client.get("/en/calculators/wells-dvt").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/en/calculators/wells-dvt",
                           data={"active_cancer": "true", "csrf_token": token})
    assert response.status_code == 200
    assert "doi:10.1056/NEJMoa023153" in response.text


def test_csrf_cookie_is_httponly_and_samesite_strict(client: TestClient) -> None:
    cookie = client.get("/en/").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_access_log_names_routes_not_codes_or_answers(client: TestClient,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    created = client.post("/api/v1/assessments", json={
        "kind": "instrument", "instrument": "wells-dvt",
        "answers": {"active_cancer": True, "previous_dvt": True}}).json()
    client.get(f"/api/v1/assessments/{created['code']}?lang=ru")
    client.post("/api/v1/instruments/wells-dvt/evaluate", json={"previous_dvt": True})
    # Server-side records only (the test client itself logs the URLs it requests).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "GET /api/v1/assessments/{code} 200" in text
    assert created["code"] not in text and created["revoke_token"] not in text
    assert "previous_dvt" not in text and "active_cancer" not in text and "lang=ru" not in text
