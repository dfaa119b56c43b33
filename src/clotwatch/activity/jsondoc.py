"""Reading JSON step files: one document (size-limited) or NDJSON (streamed line by line)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from clotwatch.activity.common import MAX_JSON_DOCUMENT_BYTES, Refused, Unreadable, lines


def first_line(head: bytes) -> bytes:
    return head.lstrip().split(b"\n", 1)[0].strip()


def objects(stream: IO[bytes], head: bytes) -> Iterator[tuple[str, Any] | Refused]:
    """(place, value) for each top-level value: the document, or each NDJSON line."""
    import orjson

    line = first_line(head)
    ndjson = False
    if line.startswith(b"{") and len(line) < len(head.strip()):
        try:
            orjson.loads(line)
            ndjson = True
        except orjson.JSONDecodeError:
            ndjson = False
    if ndjson:
        next_line, _ = lines(stream)
        bad_first = 0
        good = False
        while (got := next_line()) is not None:
            number, text = got
            if not text.strip():
                continue
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                if not good:
                    bad_first += 1
                    if bad_first >= 1000:
                        raise Unreadable("the first 1000 lines are not JSON; stopped reading") \
                            from None
                yield Refused(f"line {number}", f"malformed JSON: {exc}")
                continue
            good = True
            yield f"line {number}", value
        return
    data = stream.read(MAX_JSON_DOCUMENT_BYTES + 1)
    if len(data) > MAX_JSON_DOCUMENT_BYTES:
        raise Unreadable(f"a single JSON document larger than {MAX_JSON_DOCUMENT_BYTES >> 20} MB;"
                         " export it as NDJSON (one record a line) instead")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Unreadable(f"malformed JSON: {exc}") from None
    yield "document", value
