"""docs/cds-hooks.md stays true to the code: services, prefetch keys, settings, reasons."""

from __future__ import annotations

from pathlib import Path

from clotwatch.cdshooks.catalogue import OVERRIDE_REASONS, services
from clotwatch.config import Settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cds-hooks.md").read_text()


def test_every_service_and_prefetch_key_is_documented() -> None:
    for service in services().values():
        assert f"`{service.id}`" in DOC and f"`{service.hook}`" in DOC
        for key in service.prefetch:
            assert f"`{key}`" in DOC, key


def test_every_cds_setting_is_documented() -> None:
    names = [n for n in Settings.model_fields if n.startswith("cds_")]
    assert names
    for name in names:
        assert f"`CLOTWATCH_{name.upper()}`" in DOC, name


def test_every_override_reason_is_documented() -> None:
    for code, _ in OVERRIDE_REASONS:
        assert f"`{code}`" in DOC, code
