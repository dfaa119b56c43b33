"""The settings object: working defaults, DATABASE_URL, *_FILE secrets, placeholder refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from clotwatch.config import Settings, load_settings
from clotwatch.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABASE_URL", "CLOTWATCH_DATABASE_URL", "CLOTWATCH_SECRET_KEY",
                "CLOTWATCH_SECRET_KEY_FILE", "DATABASE_URL_FILE", "CLOTWATCH_ENVIRONMENT",
                "CLOTWATCH_DATA_DIR", "CLOTWATCH_PORT"):
        monkeypatch.delenv(var, raising=False)


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'clotwatch.sqlite3'}"
    assert settings.share_ttl_days == 14


def test_database_url_switches_to_postgresql_with_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/clotwatch")
    assert load_settings().effective_database_url == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/clotwatch")


def test_secrets_can_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("a-long-and-random-secret-value-123\n")
    url = tmp_path / "url"
    url.write_text("postgres://u@db/x\n")
    monkeypatch.setenv("CLOTWATCH_SECRET_KEY_FILE", str(key))
    monkeypatch.setenv("DATABASE_URL_FILE", str(url))
    settings = load_settings(data_dir=tmp_path)
    assert settings.resolved_secret_key() == "a-long-and-random-secret-value-123"
    assert settings.effective_database_url == "postgresql+psycopg://u@db/x"


def test_unreadable_secret_file_is_a_config_error(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("CLOTWATCH_SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match="CLOTWATCH_SECRET_KEY_FILE"):
        load_settings()


@pytest.mark.parametrize("value", ["changethis", "secret", "short"])
def test_placeholder_secret_is_refused_outside_development(monkeypatch: pytest.MonkeyPatch,
                                                           value: str) -> None:
    monkeypatch.setenv("CLOTWATCH_SECRET_KEY", value)
    with pytest.raises(ConfigError, match="placeholder"):
        load_settings()


def test_placeholder_secret_is_tolerated_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOTWATCH_SECRET_KEY", "changethis")
    monkeypatch.setenv("CLOTWATCH_ENVIRONMENT", "development")
    assert load_settings().resolved_secret_key() == "changethis"


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path / "data").resolved_secret_key() == first
    assert ((tmp_path / "data" / "secret_key").stat().st_mode & 0o777) == 0o600


def test_bad_port_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOTWATCH_PORT", "70000")
    with pytest.raises(ConfigError, match="port"):
        load_settings()


def test_public_url_starts_notification_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLOTWATCH_PUBLIC_URL is the start of every link in a notification; without it, the
    address ``clotwatch serve`` listens on; a value that is not an http(s) URL is refused."""
    monkeypatch.delenv("CLOTWATCH_PUBLIC_URL", raising=False)
    monkeypatch.delenv("CLOTWATCH_HOST", raising=False)
    monkeypatch.delenv("CLOTWATCH_PORT", raising=False)
    assert load_settings().link_base == "http://127.0.0.1:8000"
    assert load_settings(host="::1", port=8124).link_base == "http://[::1]:8124"
    monkeypatch.setenv("CLOTWATCH_PUBLIC_URL", "https://clotwatch.example.org/")
    assert load_settings().link_base == "https://clotwatch.example.org"
    for bad in ("clotwatch.example.org", "javascript:alert(1)", "https://a b"):
        monkeypatch.setenv("CLOTWATCH_PUBLIC_URL", bad)
        with pytest.raises(ConfigError, match="public_url"):
            load_settings()
