"""Delivery channels: email over SMTP, signed webhooks, Web Push (VAPID).

A channel's ``send(message)`` returns when the receiving server has accepted the message, and
raises ``TemporaryError`` (try again later) or ``PermanentError`` (never worth retrying: an
address refused, a subscription gone, a 4xx answer). Every message carries the stable id derived
from its idempotency key, so a receiver can drop the rare duplicate (``clotwatch.worker.outbox``
explains where one can come from).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Literal, Protocol

from clotwatch.errors import ClotwatchError


class DeliveryError(ClotwatchError):
    """A message could not be delivered."""


class TemporaryError(DeliveryError):
    """Worth trying again later (network, timeout, 5xx, 429)."""


class PermanentError(DeliveryError):
    """Never worth retrying (bad address, gone subscription, 4xx)."""


class RecipientGone(PermanentError):
    """The recipient no longer exists (a Web Push subscription the push service reports gone,
    HTTP 404 or 410): the message fails at once and the worker's gone handlers
    (``clotwatch.worker.gone``) stop further messages to it."""


@dataclass(frozen=True)
class Message:
    """A rendered message ready to send."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    template: str
    lang: str
    data: Mapping[str, Any]      # the template parameters (for webhooks and push)
    idempotency_key: str
    stable_id: str


class Channel(Protocol):
    """Anything that can deliver a ``Message``."""

    name: str

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


@dataclass
class EmailChannel:
    """Email over SMTP (stdlib ``smtplib``); one connection reused for a batch."""

    host: str
    port: int
    sender: str
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    name: str = "email"

    def __post_init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password or "")
        self._smtp = smtp
        return smtp

    def build(self, message: Message) -> EmailMessage:
        """The email for ``message``: plain text, stable Message-ID, auto-generated."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = f"<{message.stable_id}@clotwatch>"
        mail["Auto-Submitted"] = "auto-generated"
        mail["Content-Language"] = message.lang
        mail.set_content(message.body)
        return mail

    def send(self, message: Message) -> None:
        mail = self.build(message)
        try:
            self._connect().send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            raise PermanentError("SMTPRecipientsRefused") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            err = f"{type(exc).__name__} {exc.smtp_code}"
            if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (503, 530, 535):
                raise PermanentError(err) from exc
            raise TemporaryError(err) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryError(type(exc).__name__) from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The webhook signature: hex HMAC-SHA256 of ``"<timestamp>." + body`` with ``secret``."""
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: bytes, header: str, body: bytes, now: float,
           tolerance: float = 300.0) -> bool:
    """Check an ``X-Clotwatch-Signature`` header (``t=<ts>,v1=<hex>``): for receivers and tests."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), parts.get("v1", ""))


@dataclass
class WebhookChannel:
    """POST the event as JSON, signed with HMAC-SHA256 (``X-Clotwatch-Signature``)."""

    secret: bytes
    timeout: float = 10.0
    allow_http: bool = False
    clock: Callable[[], float] = time.time
    name: str = "webhook"

    def __post_init__(self) -> None:
        import httpx

        if len(self.secret) < 16:
            raise ValueError("the webhook secret must be at least 16 bytes")
        self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)

    def body(self, message: Message) -> bytes:
        return json.dumps({"id": message.stable_id, "event": message.template or "message",
                           "lang": message.lang, "data": dict(message.data)},
                          separators=(",", ":"), sort_keys=True).encode()

    def send(self, message: Message) -> None:
        import httpx

        if message.recipient.startswith("http://") and not self.allow_http:
            raise PermanentError("plain http webhook refused (set CLOTWATCH_WEBHOOK_ALLOW_HTTP "
                                 "in development)")
        body = self.body(message)
        ts = int(self.clock())
        headers = {"Content-Type": "application/json",
                   "User-Agent": "clotwatch-worker",
                   "Idempotency-Key": message.stable_id,
                   "X-Clotwatch-Delivery": message.stable_id,
                   "X-Clotwatch-Signature": f"t={ts},v1={sign(self.secret, ts, body)}"}
        try:
            response = self._client.post(message.recipient, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryError(type(exc).__name__) from exc
        code = response.status_code
        if 200 <= code < 300:
            return
        if code in (408, 425, 429) or code >= 500:
            raise TemporaryError(f"HTTP {code}")
        raise PermanentError(f"HTTP {code}")

    def close(self) -> None:
        """The HTTP client is kept for the worker's life (connection reuse)."""

    def shutdown(self) -> None:
        self._client.close()


@dataclass
class WebPushChannel:
    """Web Push with VAPID (``pywebpush``, the optional extra ``clotwatch[push]``)."""

    vapid_private_key: str
    subject: str                 # "mailto:team@clinic.example" (the push service's contact)
    ttl: int = 12 * 3600
    timeout: float = 10.0
    name: str = "webpush"

    def __post_init__(self) -> None:
        from clotwatch.errors import ConfigError

        try:
            from py_vapid import Vapid02
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError("Web Push needs the optional extra: pip install "
                              "'clotwatch[push]'") from exc
        key = self.vapid_private_key.strip()
        try:
            # A PEM file's content, or the base64url raw/DER key that web-push tools print.
            self._vapid = (Vapid02.from_pem(key.encode()) if key.startswith("-----BEGIN")
                           else Vapid02.from_string(key))
        except (ValueError, TypeError) as exc:
            raise ConfigError("CLOTWATCH_VAPID_PRIVATE_KEY: not an EC P-256 private key (PEM, "
                              "or base64url raw or DER)") from exc

    def public_key(self) -> str:
        """The VAPID public key as browsers take it (``applicationServerKey``): the
        uncompressed P-256 point, base64url without padding."""
        import base64

        from cryptography.hazmat.primitives import serialization

        raw = self._vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def send(self, message: Message) -> None:
        from pywebpush import WebPushException, webpush

        data = json.dumps({"title": message.subject, "body": message.body,
                           "url": message.data.get("link")})
        try:
            webpush(subscription_info=json.loads(message.recipient), data=data,
                    vapid_private_key=self._vapid,
                    vapid_claims={"sub": self.subject}, ttl=self.ttl, timeout=self.timeout,
                    headers={"Topic": message.stable_id[:32], "Urgency": "high"})
        except WebPushException as exc:
            code = getattr(getattr(exc, "response", None), "status_code", None)
            if code in (404, 410):
                raise RecipientGone(f"subscription gone (HTTP {code})") from exc
            if code is not None and 400 <= code < 500 and code not in (408, 429):
                raise PermanentError(f"HTTP {code}") from exc
            raise TemporaryError(f"WebPushException {code}") from exc
        except (OSError, ValueError) as exc:
            raise TemporaryError(type(exc).__name__) from exc

    def close(self) -> None:
        """Nothing kept between sends."""
