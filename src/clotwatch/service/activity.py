"""Step samples of follow-up patients: storing a batch, and the figures their pages show.

Issue #9. A phone, a watch's companion app or the web upload gives a batch of samples (the
contract's shape, ``../shared/contracts/activity.md``); ``store_samples`` checks every one with
the core's ``check_sample`` and stores the batch in one transaction, all or nothing. The same
sample sent again (patient, source, start, end) is not stored twice, so a re-sent batch adds
nothing. The figures (steps per day, the longest still spell per day) are always computed by
``clotwatch.core.activity`` from the stored samples, with ``now`` passed in.

Access is ``clotwatch.service.policy``: ``write_activity`` (the patient, with the scope
``activity:write``) to store, ``read_patient`` to read; every store and read is audited.
"""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clotwatch.core.activity import (
    DEFAULT_WAKING,
    Sample,
    Tally,
    Waking,
    WallSample,
    check_sample,
)
from clotwatch.errors import InputError
from clotwatch.service import policy
from clotwatch.service.accounts import Principal
from clotwatch.service.followup import NotFound, audit, patient_facts, readable_patient
from clotwatch.store import Store
from clotwatch.store.activity_models import MAX_SOURCE, ActivitySample
from clotwatch.store.followup_models import User

#: At most this many samples in one batch (clotwatch's own limit: a week of minute counts).
MAX_BATCH = 10_000
#: A sample's count above this is a broken record (no one takes a million steps at once).
MAX_STEPS = 1_000_000
#: An uploaded file's size limit (bytes; refused from its Content-Length before it is read).
MAX_UPLOAD_BYTES = 200_000_000
#: At most this many records in one uploaded file (memory: about 200 bytes each).
MAX_UPLOAD_SAMPLES = 500_000
#: The days the pages chart, ending today.
CHART_DAYS = 28
#: The baseline: the patient's own first week of data (the issue: "otherwise their own first
#: week"). No source gives a step goal for these programmes (see docs/activity.md).
BASELINE_DAYS = 7


class BatchError(InputError):
    """A sample of a batch refused: ``index`` is its place in the batch, ``field`` its field."""

    def __init__(self, index: int, error: InputError) -> None:
        super().__init__(error.field, error.reason)
        self.index = index


@dataclass(frozen=True)
class StoredBatch:
    """What a batch led to: how many samples came, were stored, were already stored."""

    received: int
    stored: int
    duplicates: int


def check_batch(samples: Sequence[Sample]) -> None:
    """Raise BatchError naming the first refused sample and field (nothing is stored then)."""
    if not samples:
        raise InputError("samples", "the batch holds no samples")
    if len(samples) > MAX_BATCH:
        raise InputError("samples", f"more than {MAX_BATCH:,} samples in one batch; send them "
                                    "in several batches")
    for index, sample in enumerate(samples):
        try:
            check_sample(sample)
            if len(sample.source) > MAX_SOURCE:
                raise InputError("source", f"longer than {MAX_SOURCE} characters")
            if sample.steps > MAX_STEPS:
                raise InputError("steps", f"more than {MAX_STEPS:,} steps in one sample")
            offset = sample.start.utcoffset()
            if offset is None or offset.total_seconds() % 60:
                raise InputError("start", "a UTC offset that is not whole minutes")
        except InputError as exc:
            raise BatchError(index, exc) from None


def _offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def store_samples(store: Store, actor: Principal, samples: Sequence[Sample],
                  now: datetime) -> StoredBatch:
    """Store a batch for the actor (the patient): all of it or, on any refused sample, none.

    Idempotent: a sample already stored (same source, start and end) is counted as a
    duplicate; repeats inside the batch too. Concurrent identical batches are safe: the insert
    skips rows the unique key already holds (``ON CONFLICT DO NOTHING``).
    """
    check_batch(samples)
    with store.session() as session:
        if not policy.write_activity(actor, patient_facts(session, actor.user_id)):
            raise policy.AccessDenied("not allowed")
        stored = _insert(session, actor, samples, now)
    return StoredBatch(len(samples), stored, len(samples) - stored)


def _insert(session: Session, actor: Principal, samples: Sequence[Sample],
            now: datetime) -> int:
    """Insert checked samples for the actor, skipping those already stored; audited."""
    rows: dict[tuple[str, datetime, datetime], dict[str, Any]] = {}
    for sample in samples:
        start, end = sample.start.astimezone(UTC), sample.end.astimezone(UTC)
        rows.setdefault((sample.source, start, end), {
            "source": sample.source, "kind": sample.kind, "start_at": start, "end_at": end,
            "utc_offset_minutes": _offset_minutes(sample.start), "steps": sample.steps,
            "patient_id": actor.user_id, "received_at": now})
    stored = _insert_rows(session, list(rows.values()))
    audit(session, actor, actor.user_id, "create", f"activity samples: {stored} stored", now)
    return stored


#: Rows a statement inserts at a time.
INSERT_CHUNK = 1000
#: PostgreSQL: rows one statement inserts (they go as one JSON parameter).
PG_INSERT_CHUNK = 10_000
_COLUMNS = ("patient_id", "source", "kind", "start_at", "end_at", "utc_offset_minutes",
            "steps", "received_at")
_PG_TYPES = ("integer", "varchar", "varchar", "timestamptz", "timestamptz", "integer",
             "integer", "timestamptz")
# One statement and one parameter whatever the batch's size: the rows go as one JSON array
# (orjson writes it in C) that json_to_recordset() turns back into rows. A multi-row VALUES
# list of 1,000 rows has 8,000 placeholders that the driver re-parses for every statement
# (96% of an API batch's time), and array parameters are written value by value in Python.
_PG_INSERT = text(
    f"INSERT INTO activity_samples ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r("
    + ", ".join(f"{c} {t}" for c, t in zip(_COLUMNS, _PG_TYPES, strict=True))
    + ") ON CONFLICT (patient_id, source, start_at, end_at) DO NOTHING RETURNING id")


def _insert_rows(session: Session, values: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping those the unique key already holds (``ON CONFLICT DO NOTHING``,
    also for a repeat among the rows); how many were new."""
    stored = 0
    if session.get_bind().dialect.name == "postgresql":
        for chunk in range(0, len(values), PG_INSERT_CHUNK):
            rows = orjson.dumps(values[chunk:chunk + PG_INSERT_CHUNK]).decode()
            stored += len(session.execute(_PG_INSERT, {"rows": rows}).all())
        return stored
    # The table, not the mapped class: a Core insert skips the ORM's bulk-insert bookkeeping
    # (half the time of a batch on SQLite).
    table = ActivitySample.metadata.tables[ActivitySample.__tablename__]
    for chunk in range(0, len(values), INSERT_CHUNK):
        statement = sqlite_insert(table).on_conflict_do_nothing(
            index_elements=["patient_id", "source", "start_at", "end_at"]
        ).returning(table.c.id)
        stored += len(session.execute(statement, values[chunk:chunk + INSERT_CHUNK]).all())
    return stored


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class _Collect(Tally):
    """A Tally that keeps the samples an importer gives (to store them), up to a limit.

    Compact: each sample is 30 bytes in typed arrays (its times as UTC microseconds, its
    offset, steps and a source number), not a Sample with two datetimes, so the largest
    upload (MAX_UPLOAD_SAMPLES) holds about 15 MB however big the file was. A sample the store
    would refuse (a source name too long, too many steps) stops the import at once.
    """

    #: Stored samples need their times with offsets: importers must give Sample, not
    #: WallSample (``add_wall`` refuses them, so none is ever lost silently).
    takes_wall_samples = False

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.source_ids: dict[tuple[str, str], int] = {}
        self.source_list: list[tuple[str, str]] = []
        self.starts = array("q")
        self.ends = array("q")
        self.offsets = array("h")
        self.steps = array("q")
        self.sources = array("I")

    def __len__(self) -> int:
        return len(self.steps)

    def add_valid(self, sample: Sample) -> None:
        if len(self.steps) >= self.limit:
            raise InputError("file", f"more than {self.limit:,} step records; upload a "
                                     "shorter export, or send the samples through the API")
        if len(sample.source) > MAX_SOURCE:
            raise InputError("file", f"a source name longer than {MAX_SOURCE} characters; "
                                     "nothing was stored")
        if sample.steps > MAX_STEPS:
            raise InputError("file", f"a record of {sample.steps:,} steps at "
                                     f"{sample.start.isoformat()} (more than {MAX_STEPS:,}); "
                                     "nothing was stored")
        key = (sample.source, sample.kind)
        source_id = self.source_ids.get(key)
        if source_id is None:
            source_id = self.source_ids[key] = len(self.source_list)
            self.source_list.append(key)
        self.starts.append((sample.start - _EPOCH) // _MICROSECOND)
        self.ends.append((sample.end - _EPOCH) // _MICROSECOND)
        self.offsets.append(_offset_minutes(sample.start))
        self.steps.append(sample.steps)
        self.sources.append(source_id)

    def add_wall(self, sample: WallSample) -> None:
        raise TypeError("an importer gave wall-clock samples to a store collector")

    def rows(self, patient_id: int, now: datetime, start: int, stop: int
             ) -> list[dict[str, Any]]:
        """The store rows of samples ``start`` to ``stop`` (a chunk at a time)."""
        out = []
        for i in range(start, min(stop, len(self.steps))):
            source, kind = self.source_list[self.sources[i]]
            out.append({"source": source, "kind": kind,
                        "start_at": _EPOCH + self.starts[i] * _MICROSECOND,
                        "end_at": _EPOCH + self.ends[i] * _MICROSECOND,
                        "utc_offset_minutes": self.offsets[i], "steps": self.steps[i],
                        "patient_id": patient_id, "received_at": now})
        return out


def check_upload_allowed(store: Store, actor: Principal) -> None:
    """AccessDenied unless the actor may store step data (before asking them for a file)."""
    with store.session() as session:
        if not policy.write_activity(actor, patient_facts(session, actor.user_id)):
            raise policy.AccessDenied("not allowed")


def import_file(store: Store, actor: Principal, path: str, display_name: str,
                now: datetime) -> StoredBatch:
    """Import an uploaded export (any format ``clotwatch.activity`` reads) for the actor, the
    patient: every record must be usable, or nothing is stored (InputError("file", why),
    naming the record's place)."""
    from clotwatch.activity import Unreadable, plan, read_into
    from clotwatch.activity.common import ReadContext

    with store.session() as session:
        if not policy.write_activity(actor, patient_facts(session, actor.user_id)):
            raise policy.AccessDenied("not allowed")
        user = session.get(User, actor.user_id)
        zone_name = user.timezone if user is not None else "UTC"
    collected = _Collect(MAX_UPLOAD_SAMPLES)
    try:
        entries, _notes = plan([path])
        read_into(collected, entries, ReadContext(zone_or_utc(zone_name), zone_name))
    except Unreadable as exc:
        raise InputError("file", str(exc).replace(path, display_name)) from None
    if collected.errors:
        first = collected.errors[0]
        more = len(collected.errors) + collected.errors_not_listed - 1
        raise InputError("file", f"{first['place']}: {first['reason']}"
                         + (f" (and {more:,} more)" if more else "")
                         + "; nothing was stored")
    if not len(collected):
        raise InputError("file", "no step records found in this file; nothing was stored")
    with store.session() as session:
        # One transaction: every chunk is stored, or (on any failure) none.
        stored = 0
        for begin in range(0, len(collected), INSERT_CHUNK * 10):
            stored += _insert_rows(session, collected.rows(actor.user_id, now, begin,
                                                           begin + INSERT_CHUNK * 10))
        audit(session, actor, actor.user_id, "create", f"activity samples: {stored} stored",
              now)
    return StoredBatch(len(collected), stored, len(collected) - stored)


def stored_sample(row: ActivitySample) -> Sample:
    zone = timezone(timedelta(minutes=row.utc_offset_minutes))
    return Sample(row.source, row.kind, row.start_at.astimezone(zone),  # type: ignore[arg-type]
                  row.end_at.astimezone(zone), row.steps)


def _tally(session: Session, patient_id: int, since: datetime | None,
           until: datetime | None) -> Tally:
    query = select(ActivitySample).where(ActivitySample.patient_id == patient_id)
    if since is not None:
        query = query.where(ActivitySample.end_at > since)
    if until is not None:
        query = query.where(ActivitySample.start_at < until)
    tally = Tally()
    for row in session.scalars(query.order_by(ActivitySample.start_at)):
        tally.add_valid(stored_sample(row))
    return tally


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def baseline(session: Session, patient_id: int, now: datetime,
             waking: Waking = DEFAULT_WAKING) -> dict[str, Any]:
    """The goal: the median steps a day over the patient's own first week with data.

    ``{"steps": int | None, "from": iso | None, "to": iso | None, "days_with_data": n,
    "complete": bool}``; ``steps`` is None until that week is over or when it holds no day
    with data (a median of a week still under way would move every day).
    """
    first = session.scalars(select(ActivitySample).where(
        ActivitySample.patient_id == patient_id).order_by(ActivitySample.start_at)
        .limit(1)).one_or_none()
    if first is None:
        return {"steps": None, "from": None, "to": None, "days_with_data": 0,
                "complete": False}
    start = stored_sample(first).start
    first_day = start.date()
    last_day = first_day + timedelta(days=BASELINE_DAYS - 1)
    until = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), UTC)
    tally = _tally(session, patient_id, None, until)
    summary = tally.summary(now=now, waking=waking)
    week = [d["steps"] for d in summary["days"]
            if first_day.isoformat() <= d["date"] <= last_day.isoformat()
            and d["steps"] is not None]
    local_today = now.astimezone(start.tzinfo).date()
    complete = local_today > last_day
    return {"steps": round(statistics.median(week)) if week and complete else None,
            "from": first_day.isoformat(), "to": last_day.isoformat(),
            "days_with_data": len(week), "complete": complete}


def activity_view(store: Store, actor: Principal, patient_id: int, now: datetime,
                  days: int = CHART_DAYS) -> dict[str, Any]:
    """What the patient's and the clinician's pages show: the last ``days`` days (today
    included, in the patient's time zone), each with steps and the longest still spell in
    waking hours (``None`` for a day without data), and the goal with where it comes from."""
    with store.session() as session:
        user = readable_patient(session, actor, patient_id)
        today = now.astimezone(zone_or_utc(user.timezone)).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first - timedelta(days=1), datetime.min.time(), UTC)
        tally = _tally(session, patient_id, since, None)
        summary = tally.summary(now=now.astimezone(zone_or_utc(user.timezone)))
        by_date = {d["date"]: d for d in summary["days"]}
        rows = []
        for n in range(days):
            iso = (first + timedelta(days=n)).isoformat()
            day = by_date.get(iso, {})
            rows.append({"date": iso, "steps": day.get("steps"),
                         "longest_still_minutes": day.get("longest_still_minutes"),
                         "still_bouts_120": day.get("still_bouts_120")})
        goal = baseline(session, patient_id, now)
        audit(session, actor, patient_id, "read", "activity", now)
        return {"days": rows, "goal": goal, "waking": str(DEFAULT_WAKING),
                "sources": summary["sources"], "has_data": any(r["steps"] is not None
                                                                 for r in rows)}


__all__ = ["BatchError", "MAX_BATCH", "NotFound", "StoredBatch", "activity_view", "baseline",
           "check_batch", "import_file", "store_samples"]
