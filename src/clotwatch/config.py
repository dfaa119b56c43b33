"""The one settings object of clotwatch.

Defaults work with no configuration: SQLite in the user's data directory, 127.0.0.1:8000, and a
secret key generated on first run and kept in the data directory. Environment variables:

- ``DATABASE_URL`` (or ``CLOTWATCH_DATABASE_URL``): e.g. ``postgresql://user@host/db``;
  ``postgresql://`` and ``postgres://`` are read as ``postgresql+psycopg://``.
- ``CLOTWATCH_SECRET_KEY``: signs the web forms' CSRF tokens.
- ``CLOTWATCH_ENVIRONMENT``: ``production`` (default) or ``development``.
- ``CLOTWATCH_HOST``, ``CLOTWATCH_PORT``, ``CLOTWATCH_DATA_DIR``, ``CLOTWATCH_SHARE_TTL_DAYS``,
  ``CLOTWATCH_SHARE_LOOKUPS_PER_MINUTE``, ``CLOTWATCH_LOG_LEVEL``.
- CDS Hooks (docs/cds-hooks.md): ``CLOTWATCH_CDS_TRUST_FILE`` (the trusted EHRs and their public
  keys, JSON) or ``CLOTWATCH_CDS_TRUST`` (the same JSON inline); ``CLOTWATCH_CDS_BASE_URL`` (the
  public URL the EHR calls, the JWT ``aud`` prefix); ``CLOTWATCH_CDS_ALLOW_UNSIGNED`` (development
  only).
- ``CLOTWATCH_PUBLIC_URL``: the address people open clotwatch at (e.g.
  ``https://clotwatch.example.org``), the start of every link in a reminder, alert or
  escalation; default ``http://<CLOTWATCH_HOST>:<CLOTWATCH_PORT>`` (right on one machine only).
- The worker (docs/follow-up.md): ``CLOTWATCH_SMTP_HOST``, ``_PORT``, ``_SECURITY``
  (starttls, ssl, none), ``_USERNAME``, ``_PASSWORD``, ``CLOTWATCH_SMTP_FROM``;
  ``CLOTWATCH_WEBHOOK_SECRET`` (signs webhooks), ``CLOTWATCH_WEBHOOK_ALLOW_HTTP`` (development
  only); ``CLOTWATCH_VAPID_PRIVATE_KEY`` and ``CLOTWATCH_VAPID_SUBJECT`` (Web Push);
  ``CLOTWATCH_WORKER_BATCH``, ``CLOTWATCH_WORKER_LEASE_SECONDS``. A channel left unconfigured
  is not sent: its rows wait in the outbox.
- Any secret may instead come from a file: ``DATABASE_URL_FILE``, ``CLOTWATCH_SECRET_KEY_FILE``,
  ``CLOTWATCH_SMTP_PASSWORD_FILE``, ``CLOTWATCH_WEBHOOK_SECRET_FILE``,
  ``CLOTWATCH_VAPID_PRIVATE_KEY_FILE`` (as Docker/Kubernetes secrets are mounted).

Placeholder secrets (``changethis``, ``secret`` ...) are refused outside development.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from clotwatch.errors import ConfigError

PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "changeme", "secret", "password", "placeholder", "dev", "development", "test",
     "xxx", "todo"}
)
SECRET_KEY_FILENAME = "secret_key"


def default_data_dir() -> Path:
    """The per-user data directory (e.g. ~/.local/share/clotwatch on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("clotwatch", appauthor=False))


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class _FileSecretsSource(PydanticBaseSettingsSource):
    """Read ``<ENV NAME>_FILE`` for the secret fields: the file's content is the value."""

    FILE_VARS = {
        "database_url": ("DATABASE_URL_FILE", "CLOTWATCH_DATABASE_URL_FILE"),
        "secret_key": ("CLOTWATCH_SECRET_KEY_FILE",),
        "smtp_password": ("CLOTWATCH_SMTP_PASSWORD_FILE",),
        "webhook_secret": ("CLOTWATCH_WEBHOOK_SECRET_FILE",),
        "vapid_private_key": ("CLOTWATCH_VAPID_PRIVATE_KEY_FILE",),
    }

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        for var in self.FILE_VARS.get(field_name, ()):
            path = os.environ.get(var)
            if path:
                try:
                    return Path(path).read_text(encoding="utf-8").strip(), field_name, False
                except OSError as exc:
                    raise ConfigError(f"{var}: cannot read {path}: {exc.strerror}") from exc
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


class Settings(BaseSettings):
    """Everything configurable about the clotwatch service, with working defaults."""

    model_config = SettingsConfigDict(env_prefix="CLOTWATCH_", extra="ignore",
                                      populate_by_name=True)

    environment: Literal["production", "development"] = "production"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("database_url", "DATABASE_URL",
                                                    "CLOTWATCH_DATABASE_URL"))
    secret_key: SecretStr | None = None
    share_ttl_days: int = Field(default=14, ge=1, le=365)
    share_lookups_per_minute: int = Field(default=10, ge=1, le=10_000)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    cds_trust_file: Path | None = None
    cds_trust: str | None = None
    cds_base_url: str | None = Field(default=None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    cds_allow_unsigned: bool = False
    # Where people open clotwatch: the start of the links in notifications (``link_base``).
    public_url: str | None = Field(default=None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    # The worker's channels (clotwatch.worker): each is off until configured.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "clotwatch@localhost"
    webhook_secret: SecretStr | None = None
    webhook_allow_http: bool = False
    vapid_private_key: SecretStr | None = None
    vapid_subject: str | None = Field(default=None, pattern=r"^(mailto:|https://)\S+$")
    # The optional local language model for `clotwatch notes extract --model` (docs/notes.md):
    # an OpenAI-compatible endpoint ("http://127.0.0.1:8080/v1") and the model's name. Off
    # while unset; only loopback addresses unless notes_llm_allow_remote (the note is sent).
    notes_llm_url: str | None = Field(default=None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    notes_llm_model: str | None = Field(default=None, min_length=1, max_length=200)
    notes_llm_api_key: SecretStr | None = None
    notes_llm_timeout: float = Field(default=60.0, gt=0, le=600)
    notes_llm_allow_remote: bool = False
    worker_batch: int = Field(default=50, ge=1, le=1000)
    worker_lease_seconds: int = Field(default=120, ge=5, le=3600)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSecretsSource(settings_cls),
                file_secret_settings)

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str | None) -> str | None:
        return normalise_database_url(value) if value else None

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment != "development" and self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < 16:
                raise ConfigError(
                    "CLOTWATCH_SECRET_KEY: a placeholder or short secret (under 16 characters) "
                    "is refused outside development; unset it to have one generated")
        if self.cds_allow_unsigned and self.environment != "development":
            raise ConfigError("CLOTWATCH_CDS_ALLOW_UNSIGNED: unsigned CDS Hooks calls are "
                              "refused outside development")
        if (self.cds_trust_file or self.cds_trust) and not self.cds_base_url \
                and self.environment != "development":
            raise ConfigError("CLOTWATCH_CDS_BASE_URL: required with a CDS Hooks trust "
                              "configuration (the public URL EHRs call; their tokens' 'aud')")
        if self.environment != "development":
            if self.webhook_allow_http:
                raise ConfigError("CLOTWATCH_WEBHOOK_ALLOW_HTTP: plain-http webhooks are "
                                  "refused outside development")
            if self.smtp_host and self.smtp_security == "none" \
                    and self.smtp_host not in ("localhost", "127.0.0.1", "::1"):
                raise ConfigError("CLOTWATCH_SMTP_SECURITY: 'none' is allowed only for a relay "
                                  "on this machine (localhost) outside development")
            if self.webhook_secret is not None \
                    and len(self.webhook_secret.get_secret_value()) < 16:
                raise ConfigError("CLOTWATCH_WEBHOOK_SECRET: at least 16 characters")
        return self

    @property
    def link_base(self) -> str:
        """The start of links in notifications: ``public_url``, or the address ``clotwatch
        serve`` listens on (``http://host:port``), without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'clotwatch.sqlite3'}"

    def ensure_data_dir(self) -> Path:
        """Create the data directory (private to the user) if needed."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The configured secret key, or the one stored in the data dir (made on first run)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.ensure_data_dir() / SECRET_KEY_FILENAME
        try:
            existing = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            existing = ""
        if existing:
            return existing
        key = secrets.token_urlsafe(48)
        # O_EXCL: if two processes start at once, one writes and the other reads its key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with ``overrides``; ConfigError names a bad setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"{loc}: {first['msg']}") from exc
