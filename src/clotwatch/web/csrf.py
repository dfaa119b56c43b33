"""CSRF protection for the web forms: a signed double-submit token.

The browser holds a random value in a ``SameSite=Strict``, ``HttpOnly`` cookie; each form
carries HMAC(secret key, that value). A POST is accepted only when the form's token matches the
cookie it came with, which a page on another site can neither read nor forge.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "cw_csrf"
FIELD = "csrf_token"


def new_cookie_value() -> str:
    """A fresh random cookie value."""
    return secrets.token_urlsafe(24)


def token_for(secret_key: str, cookie_value: str) -> str:
    """The form token that goes with ``cookie_value``."""
    return hmac.new(secret_key.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()


def is_valid(secret_key: str, cookie_value: str | None, form_token: str | None) -> bool:
    """True when the form token was made for this cookie with this key."""
    if not cookie_value or not form_token:
        return False
    return hmac.compare_digest(token_for(secret_key, cookie_value), form_token)
