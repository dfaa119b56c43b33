"""Garmin FIT monitoring files (the watch's all-day step counts), decoded with fitdecode.

FIT SDK profile: ``monitoring`` (global message 55) carries ``cycles`` with the subfield
``steps`` when ``activity_type`` is walking or running; the count accumulates from the start
of the monitoring period, per activity type (the SDK's MonitoringReader keeps one total for
each). ``monitoring_info`` (103) opens a period: its ``timestamp`` is where the totals start
and ``local_timestamp - timestamp`` is the local offset. A sample is the difference between
two readings of one activity type, taken in the stretch since the last reading of any type
(each reading ends a stretch of its activity type: a sedentary reading in between means the
person sat until then); a total that goes down starts again from zero.
Timestamps are UTC (seconds since 1989-12-31); ``timestamp_16`` readings are expanded
against the last full timestamp. Activity files (a recorded run) hold no per-interval step
counts and give no samples; the watch's Monitor folder holds the monitoring files.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import IO, Any

from clotwatch.activity.common import Item, ReadContext, Refused, Unreadable, guess_kind, make

FORMAT = "garmin-fit"
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
STEP_TYPES = {"walking", "running"}


def sniff(head: bytes, name: str) -> bool:
    """The FIT header: ".FIT" at bytes 8-11."""
    return len(head) >= 12 and head[8:12] == b".FIT"


def _seconds(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int((value - FIT_EPOCH).total_seconds()) if value.tzinfo else None
    if isinstance(value, int):
        return value
    return None


def read(stream: IO[bytes], name: str, ctx: ReadContext) -> Iterator[Item]:
    """Yield a sample between each two readings of walking or running steps."""
    import fitdecode  # type: ignore[import-untyped]

    source = "Garmin"
    kind = "watch"
    zone: tzinfo | None = None
    period_start: int | None = None
    last_full: int | None = None
    last_reading: int | None = None
    previous: dict[str, tuple[int, int]] = {}
    index = 0
    produced = False
    try:
        with fitdecode.FitReader(stream, check_crc=fitdecode.CrcCheck.ENABLED) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                index += 1
                if frame.name == "file_id":
                    product = frame.get_value("garmin_product", fallback=None) or \
                        frame.get_value("product_name", fallback=None)
                    maker = frame.get_value("manufacturer", fallback=None)
                    label = " ".join(str(p).replace("_", " ") for p in (maker, product) if p)
                    source = label.title() if label else "Garmin"
                    kind = guess_kind(str(product or "").replace("_", "")) if product else \
                        "watch"
                    if kind in ("other", "phone"):
                        kind = "watch"
                elif frame.name == "monitoring_info":
                    stamp = _seconds(frame.get_value("timestamp", fallback=None))
                    local = frame.get_value("local_timestamp", fallback=None)
                    local_s = _seconds(local.replace(tzinfo=UTC)) if isinstance(
                        local, datetime) else _seconds(local)
                    if stamp is not None:
                        last_full = period_start = last_reading = stamp
                        previous = {}
                        if local_s is not None:
                            zone = timezone(timedelta(seconds=local_s - stamp))
                elif frame.name == "monitoring":
                    stamp = _seconds(frame.get_value("timestamp", fallback=None))
                    if stamp is None and last_full is not None:
                        short = frame.get_value("timestamp_16", fallback=None)
                        if isinstance(short, int):
                            stamp = last_full + ((short - (last_full & 0xFFFF)) & 0xFFFF)
                    if stamp is not None:
                        last_full = stamp  # the SDK reads each timestamp_16 from the last one
                    activity = str(frame.get_value("activity_type", fallback=None))
                    total = _steps(frame)
                    since = last_reading
                    last_reading = stamp if stamp is not None else last_reading
                    if activity not in STEP_TYPES or total is None:
                        continue
                    place = f"message {index}"
                    if stamp is None:
                        yield Refused(place, "monitoring: steps without a usable timestamp")
                        continue
                    before = previous.get(activity)
                    if before is None and period_start is not None and stamp > period_start:
                        before = (period_start, 0)
                    previous[activity] = (stamp, total)
                    if before is None:
                        continue
                    steps = total - before[1] if total >= before[1] else total
                    # A reading ends a stretch of its activity: the steps since the last
                    # walking reading were taken after the last reading of any kind (a
                    # sedentary reading in between means the person sat until then).
                    begin = max(before[0], since) if since is not None else before[0]
                    if begin >= stamp:
                        begin = before[0]
                    start = _moment(begin, zone, ctx)
                    end = _moment(stamp, zone, ctx)
                    produced = True
                    yield make(source, kind, start, end, steps, place)  # type: ignore[arg-type]
    except fitdecode.FitError as exc:
        if not produced:
            raise Unreadable(f"not a readable FIT file ({exc})") from None
        yield Refused(f"message {index + 1}", f"FIT decoding stopped: {exc}")


def _steps(frame: Any) -> int | None:
    """The cumulative steps of a walking/running reading: the ``steps`` subfield when the
    decoder resolved it, else the raw value of ``cycles`` (the subfield has scale 1 where
    ``cycles`` has scale 2, so the raw value is the step count)."""
    for name in ("steps", "cycles"):
        if frame.has_field(name):
            field = frame.get_field(name)
            raw = field.raw_value if name == "cycles" else field.value
            return raw if isinstance(raw, int) else None
    return None


def _moment(seconds: int, zone: tzinfo | None, ctx: ReadContext) -> datetime:
    moment = FIT_EPOCH + timedelta(seconds=seconds)
    if zone is None:
        ctx.naive_seen = True  # no monitoring_info: the --tz zone gives the local time
        return moment.astimezone(ctx.zone)
    return moment.astimezone(zone)
