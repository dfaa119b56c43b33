"""Where the NDJSON of a bulk export is: a file, a folder of files, or a ``$export`` manifest.

A file named ``Type.ndjson``, ``Type.000.ndjson`` (or ``.ndjson.gz``) holds resources of that
type (FHIR Bulk Data Access IG, "Bulk Data Output File Organization"); a file named otherwise
may hold any type and is read for every view (each view keeps its own type).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from clotwatch.core.errors import InputError

# Type.ndjson, Type.000.ndjson, Type_1.ndjson, and 1.Type.ndjson: the names SMART's Bulk Data
# client gives the files it downloads (its forceStandardFileNames option,
# github.com/smart-on-fhir/bulk-data-client, src/lib/BulkDataClient.ts: "${n}.${type}.ndjson")
_TYPED = re.compile(r"^(?:\d+\.)?([A-Z][A-Za-z]+)(?:[._-]\d+)?\.ndjson(?:\.gz)?$")
_NDJSON = re.compile(r"\.(?:ndjson|jsonl)(?:\.gz)?$")


@dataclass(frozen=True)
class Export:
    """The NDJSON files of an export, by resource type (``None``: any type)."""

    root: str
    files: Mapping[str | None, tuple[str, ...]] = field(default_factory=dict)

    def files_for(self, resource: str) -> tuple[str, ...]:
        """Files that may hold ``resource`` resources, sorted."""
        return tuple(sorted(self.files.get(resource, ()) + self.files.get(None, ())))

    @property
    def all_files(self) -> tuple[str, ...]:
        """Every file, sorted."""
        return tuple(sorted({f for fs in self.files.values() for f in fs}))


def _type_of(name: str) -> str | None:
    m = _TYPED.match(name)
    return m.group(1) if m else None


def _group(paths: Sequence[tuple[str | None, Path]]) -> dict[str | None, tuple[str, ...]]:
    out: dict[str | None, list[str]] = {}
    for rtype, p in paths:
        out.setdefault(rtype, []).append(str(p))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def open_export(path: str | Path) -> Export:
    """Resolve ``path``; ``InputError("data", ...)`` when unreadable or holding no NDJSON."""
    p = Path(path)
    if not p.exists():
        raise InputError("data", f"{p}: no such file or folder")
    if p.is_dir():
        named = [f for f in sorted(p.iterdir()) if _NDJSON.search(f.name)]
        for f in named:  # a broken link or a file it may not read was left out unsaid
            _readable(f)
        found = [(_type_of(f.name), f) for f in named]
        if not found:
            manifest = p / "manifest.json"
            if manifest.is_file():
                return _manifest(manifest)
            below = sorted(str(f.parent) for f in p.glob("*/*") if _NDJSON.search(f.name))
            hint = (f" (its subfolder {below[0]} does: give that folder, or move the files up)"
                    if below else "")
            raise InputError("data", f"{p}: the folder holds no .ndjson files{hint}")
        return Export(str(p), _group(found))
    if p.name.endswith(".json") and not _NDJSON.search(p.name):
        return _manifest(p)
    if not _NDJSON.search(p.name):
        raise InputError("data", f"{p}: expected a .ndjson or .ndjson.gz file, a folder or a "
                         "Bulk Data manifest (.json)")
    _readable(p)
    return Export(str(p.parent), _group([(_type_of(p.name), p)]))


def _readable(p: Path) -> None:
    """``InputError`` naming ``p`` when it is not a file this process can open: an export's
    file that is a broken link, a folder or not readable would otherwise be skipped unsaid,
    and the screening run without its resources."""
    if p.is_symlink() and not p.exists():
        raise InputError("data", f"{p}: cannot read (a link to {os.readlink(p)}, which is "
                         "missing)")
    if p.is_dir():
        raise InputError("data", f"{p}: cannot read (a folder, not a file)")
    try:
        with p.open("rb"):
            pass
    except OSError as exc:
        raise InputError("data", f"{p}: cannot read ({exc.strerror})") from exc


def _manifest(p: Path) -> Export:
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError("data", f"{p}: not a readable Bulk Data manifest ({exc})") from exc
    outputs = raw.get("output") if isinstance(raw, Mapping) else None
    if not isinstance(outputs, list):
        if isinstance(raw, Mapping) and isinstance(raw.get("resourceType"), str):
            kind = "Bundle" if raw["resourceType"] == "Bundle" else "resource"
            raise InputError("data", f"{p}: a FHIR {raw['resourceType']}, not a Bulk Data export: "
                             "give a folder of NDJSON files, one .ndjson file or the export's "
                             "manifest" + ("; one patient's Bundle: clotwatch fhir score"
                                           if kind == "Bundle" else ""))
        raise InputError("data", f"{p}: not a Bulk Data manifest (it has no 'output' list); give "
                         "a folder of NDJSON files, one .ndjson file or the export's manifest")
    found: list[tuple[str | None, Path]] = []
    for i, o in enumerate(outputs):
        if not isinstance(o, Mapping) or not isinstance(o.get("url"), str):
            raise InputError("data", f"{p}: output[{i}] needs a 'url'")
        url = urlparse(o["url"])
        if url.scheme not in ("", "file"):
            raise InputError("data", f"{p}: output[{i}] is at {o['url']}; download the files "
                             "and give their folder (clotwatch reads local files only)")
        f = Path(unquote(url.path))
        if not f.is_absolute():
            f = p.parent / f
        if not f.is_file():
            # Servers name files by URL; a downloaded copy is usually beside the manifest.
            local = p.parent / f.name
            if not local.is_file():
                raise InputError("data", f"{p}: output[{i}] file {f} is missing")
            f = local
        _readable(f)
        found.append((o.get("type") if isinstance(o.get("type"), str) else None, f))
    if not found:
        raise InputError("data", f"{p}: the manifest lists no output files")
    return Export(str(p.parent), _group(found))
