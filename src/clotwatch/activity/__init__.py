"""Step-data importers: one module per format, each yielding samples as it streams.

``plan(paths)`` finds the files (a folder is walked; a zip is opened member by member) and
recognises each file's format from its content; ``read_into(tally, entries, ctx)`` streams
them into a :class:`clotwatch.core.activity.Tally`. A named file that cannot be read or is
not recognised raises :class:`Unreadable` before anything is counted.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from types import ModuleType
from typing import IO

from clotwatch.activity import (
    apple,
    csvfile,
    fhir,
    fitbit,
    fitbit_takeout,
    garmin,
    googlefit,
    omh,
)
from clotwatch.activity.common import CountingReader, ReadContext, Refused, Unreadable
from clotwatch.core.activity import Tally, WallSample

__all__ = ["FORMATS", "Entry", "ReadContext", "Unreadable", "detect", "local_zone", "plan",
           "read_into"]

#: In the order they are tried; the first whose ``sniff`` accepts the file's start reads it.
FORMATS: tuple[ModuleType, ...] = (apple, garmin, fhir, omh, fitbit, fitbit_takeout, googlefit,
                                   csvfile)
HEAD_BYTES = 16 * 1024


@dataclass(frozen=True)
class Entry:
    """One recognised file (or zip member) to read."""

    name: str
    size: int
    module: ModuleType
    head: bytes
    opener: Callable[[], IO[bytes]]


def detect(head: bytes, name: str) -> ModuleType | None:
    """The importer module for a file that starts with ``head``, or None."""
    for module in FORMATS:
        if module.sniff(head, name):
            return module
    return None


def _skip_totals(files: list[Path], notes: list[str]) -> list[Path]:
    """Google Fit: per-day files beat the totals file of the same folder (no double count)."""
    by_folder: dict[Path, list[Path]] = {}
    for path in files:
        by_folder.setdefault(path.parent, []).append(path)
    kept = []
    for path in files:
        siblings = by_folder[path.parent]
        if path.name.lower() in googlefit.TOTALS_NAMES and any(
            googlefit._DAY_FILE.fullmatch(p.stem) for p in siblings
        ):
            notes.append(f"{path}: skipped: the folder's per-day Google Fit files give the same "
                         "steps minute by minute")
            continue
        kept.append(path)
    return kept


def plan(paths: Sequence[str]) -> tuple[list[Entry], list[str]]:
    """The entries to read from files, folders and zips; Unreadable("PATH: why") if one can't be."""
    entries: list[Entry] = []
    notes: list[str] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            before = len(entries)
            for file in _skip_totals(found, notes):
                entries.extend(_file_entries(file, named=False, notes=notes))
            if len(entries) == before:
                raise Unreadable(f"{path}: no step-data file found in this folder")
        else:
            entries.extend(_file_entries(path, named=True, notes=notes))
    return entries, notes


def _file_entries(path: Path, named: bool, notes: list[str]) -> list[Entry]:
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        size = path.stat().st_size
    except OSError as exc:
        raise Unreadable(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if head.startswith(b"PK\x03\x04"):
        return _zip_entries(path, named, notes)
    module = detect(head, path.name)
    if module is None:
        if named:
            raise Unreadable(f"{path}: not a step-data format clotwatch reads "
                             "(docs/activity.md lists them)")
        return []
    return [Entry(str(path), size, module, head, lambda: path.open("rb"))]


def _zip_entries(path: Path, named: bool, notes: list[str]) -> list[Entry]:
    try:
        archive = zipfile.ZipFile(path)
        members = sorted((i for i in archive.infolist() if not i.is_dir()),
                         key=lambda i: i.filename)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"{path}: not a readable zip file ({exc})") from None
    entries = []
    names = [Path(m.filename) for m in members]
    kept = {str(p) for p in _skip_totals(names, notes)}
    for member in members:
        if member.filename not in kept or Path(member.filename).name.startswith("."):
            continue
        try:
            with archive.open(member) as handle:
                head = handle.read(HEAD_BYTES)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise Unreadable(f"{path}:{member.filename}: cannot read it ({exc})") from None
        module = detect(head, member.filename)
        if module is None:
            continue

        def opener(member: zipfile.ZipInfo = member) -> IO[bytes]:
            return archive.open(member)

        entries.append(Entry(f"{path}:{member.filename}", member.file_size, module, head,
                             opener))
    if not entries and named:
        raise Unreadable(f"{path}: no step-data file found inside this zip")
    return entries


def read_into(tally: Tally, entries: Sequence[Entry], ctx: ReadContext,
              on_bytes: Callable[[int], None] | None = None) -> None:
    """Stream every entry into ``tally``; Unreadable("NAME: why") stops at a file that fails."""
    for entry in entries:
        ctx.head = entry.head
        try:
            raw = entry.opener()
        except OSError as exc:
            raise Unreadable(f"{entry.name}: cannot read it ({exc.strerror or exc})") from None
        stream = CountingReader(raw, on_bytes)
        add = tally.add_valid
        add_wall = tally.add_wall
        refused = tally.refused
        ctx.wall_samples = tally.takes_wall_samples
        try:
            for item in entry.module.read(stream, entry.name, ctx):
                cls = item.__class__
                if cls is WallSample:
                    add_wall(item)
                elif cls is Refused:
                    refused(entry.name, item.place, item.reason)
                else:
                    add(item)
        except Unreadable as exc:
            raise Unreadable(f"{entry.name}: {exc}") from None
        except OSError as exc:
            raise Unreadable(f"{entry.name}: reading stopped ({exc})") from None
        finally:
            raw.close()


def local_zone(name: str | None = None) -> tuple[tzinfo, str]:
    """The zone for times without an offset: ``name`` (IANA) or the machine's own zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from clotwatch.core.errors import InputError

    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError("tz", f"{name!r} is not a time zone name such as Europe/London") \
                from None
    env = os.environ.get("TZ", "").lstrip(":")
    candidates = [env] if env else []
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for candidate in candidates:
        try:
            return ZoneInfo(candidate), candidate
        except (ZoneInfoNotFoundError, ValueError):
            continue
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone, str(zone)
