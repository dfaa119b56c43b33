"""Helpers for driving the follow-up pages with a TestClient (CSRF token, sign-in)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_token(client: TestClient, path: str = "/en/account/signin") -> str:
    page = client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def post(client: TestClient, path: str, data: dict[str, Any], *,
         token_from: str = "/en/account/signin", **kwargs: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **data},
                       follow_redirects=False, **kwargs)


def sign_in(client: TestClient, email: str, password: str) -> Any:
    response = post(client, "/en/account/signin", {"email": email, "password": password,
                                                   "next": "/en/me"})
    assert response.status_code == 303, response.text
    return response
