"""Clinical notes in FHIR: read them from a Bundle, fill what the coded record lacks.

Where the notes are (FHIR R4):

- ``DocumentReference.content[].attachment``: ``data`` (base64) of a ``text/*`` type;
- ``DiagnosticReport.conclusion`` and ``presentedForm[]`` attachments;
- ``Composition.section[]`` (nested too): the ``title`` and the narrative ``text.div``.

An attachment given only by ``url`` is not fetched (nothing here uses the network); it is
named in the notes of the result instead. Only the patient's own resources are read, and
resources ``entered-in-error`` are skipped. Scored as of a time, only the notes written by
then are read (``DocumentReference.date``, else its ``context.period.start``;
``DiagnosticReport.issued``, else its effective time; ``Composition.date``): a note written
later did not exist at that time (a whole record's export holds every later note too; a note
with no time at all is read, as before).

:func:`fill_from_notes` gives each instrument input that the coded record left unknown the
note's answer, marked "from the notes" with the quote and the resource it came from. Coded
data wins: an input the record answers is never changed by a note.

Modifier extensions (FHIR R4 Extensibility, ``clotwatch.fhir.modifiers``): a note resource
carrying one is not read (named in the notes of the result), and where an item is unknown
because the coded resources that could answer it carry one (``Derivation.unread``), a note
may raise it but never lower it -- unknown is never read as "no" (docs/fhir.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from clotwatch.core.instruments import evaluate
from clotwatch.core.notes.why import NO_RULE, NOT_MENTIONED
from clotwatch.fhir.elements import Unsure, read_date, read_datetime
from clotwatch.fhir.modifiers import not_understood, unused_reason
from clotwatch.notes.pipeline import MAX_NOTE_CHARS, SUPPORTED
from clotwatch.notes.rules import load_rules

NOTE_TYPES = ("DocumentReference", "DiagnosticReport", "Composition")
# CDS Hooks prefetch keys for the notes (the most recent few of each). They are optional and
# not named as "not available" on the cards: without notes every item is reported exactly as
# the coded record leaves it.
NOTES_PREFETCH: dict[str, str] = {
    "notes": "DocumentReference?patient={{context.patientId}}&status=current&_sort=-date"
             "&_count=5",
    "reports": "DiagnosticReport?patient={{context.patientId}}&_sort=-date&_count=5",
}
_SKIP_STATUS = {"entered-in-error", "cancelled", "superseded"}
_BLOCK = re.compile(r"</?(?:br|p|div|li|tr|h[1-6]|ul|ol|table)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class NoteText:
    """One note's text and the resource it came from (``DocumentReference/abc``)."""

    source: str
    text: str


@dataclass(frozen=True)
class Notes:
    """A patient's notes joined into one text, with where each note starts."""

    notes: tuple[NoteText, ...]
    text: str
    starts: tuple[int, ...]
    skipped: tuple[str, ...]

    def source_at(self, pos: int) -> str:
        """The resource whose text holds character ``pos`` of the joined text."""
        best = 0
        for i, start in enumerate(self.starts):
            if start <= pos:
                best = i
        return self.notes[best].source


def _plain(xhtml: str) -> str:
    """Narrative XHTML as plain text: block elements become line breaks."""
    return html.unescape(_TAG.sub("", _BLOCK.sub("\n", xhtml))).strip()


def _attachment(att: Mapping[str, Any], ref: str, skipped: list[str]) -> str | None:
    ctype = str(att.get("contentType") or "text/plain").lower()
    if not ctype.startswith(("text/", "application/xhtml")):
        skipped.append(f"{ref}: attachment of type {ctype} is not read (text only)")
        return None
    data = att.get("data")
    if not isinstance(data, str):
        if att.get("url"):
            skipped.append(f"{ref}: attachment given by url only is not fetched")
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        skipped.append(f"{ref}: attachment data is not valid base64")
        return None
    charset = re.search(r"charset=([\w-]+)", ctype)
    encoding = charset.group(1) if charset else "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a byte-order mark is not part of the note (as the CLI)
    try:
        text = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        skipped.append(f"{ref}: attachment is not text in its charset")
        return None
    return _plain(text) if "html" in ctype else text


def _sections(sections: Iterable[Any]) -> Iterator[str]:
    for s in sections:
        if not isinstance(s, Mapping):
            continue
        body = s.get("text", {}).get("div") if isinstance(s.get("text"), Mapping) else None
        title = s.get("title")
        parts = [f"{title}:" if title else "", _plain(body) if isinstance(body, str) else ""]
        joined = "\n".join(p for p in parts if p)
        if joined:
            yield joined
        yield from _sections(s.get("section") or ())


def _texts(resource: Mapping[str, Any], skipped: list[str]) -> Iterator[str]:
    rtype = resource.get("resourceType")
    ref = f"{rtype}/{resource.get('id', '')}"
    if rtype == "DocumentReference":
        for content in resource.get("content") or ():
            att = content.get("attachment") if isinstance(content, Mapping) else None
            if isinstance(att, Mapping):
                text = _attachment(att, ref, skipped)
                if text:
                    yield text
    elif rtype == "DiagnosticReport":
        if isinstance(resource.get("conclusion"), str):
            yield resource["conclusion"]
        for att in resource.get("presentedForm") or ():
            if isinstance(att, Mapping):
                text = _attachment(att, ref, skipped)
                if text:
                    yield text
    elif rtype == "Composition":
        yield from _sections(resource.get("section") or ())


def _resources(data: Any) -> Iterator[Mapping[str, Any]]:
    """Resources of a Bundle (JSON text, dict, R4B model) or of several, depth-first."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json", exclude_none=True)
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            return
    if isinstance(data, Mapping):
        if data.get("resourceType") == "Bundle":
            for entry in data.get("entry") or ():
                if isinstance(entry, Mapping) and entry.get("resource") is not None:
                    yield from _resources(entry["resource"])
        elif isinstance(data.get("resourceType"), str):
            yield data
    elif isinstance(data, (list, tuple)) or hasattr(data, "__iter__"):
        for item in data:
            yield from _resources(item)


def _subject(resource: Mapping[str, Any]) -> str | None:
    subject = resource.get("subject")
    ref = subject.get("reference") if isinstance(subject, Mapping) else None
    return ref if isinstance(ref, str) else None


def _written(resource: Mapping[str, Any]) -> str | None:
    """When a note was written (made available), as FHIR gives it, or None."""
    rtype = resource.get("resourceType")
    if rtype == "DocumentReference":
        context = resource.get("context")
        period = context.get("period") if isinstance(context, Mapping) else None
        candidates = [resource.get("date"),
                      period.get("start") if isinstance(period, Mapping) else None]
    elif rtype == "DiagnosticReport":
        period = resource.get("effectivePeriod")
        candidates = [resource.get("issued"), resource.get("effectiveDateTime"),
                      period.get("start") if isinstance(period, Mapping) else None]
    else:
        candidates = [resource.get("date")]
    return next((c for c in candidates if isinstance(c, str) and c), None)


def _after(written: str, now: datetime) -> bool:
    """Whether a FHIR date/dateTime is after ``now``, read by the FHIR reader's own parsers
    (``clotwatch.fhir.elements``): a date, a year or a month (as its first day) is after it only
    from the day after ``now``'s UTC day. A value that is not a FHIR date or dateTime (a time
    without its zone, 2026-13-01) is not known to be after: the note is read, as one with no
    time."""
    try:
        t: date | datetime = read_datetime(written)
    except Unsure:
        partial = {4: "-01-01", 7: "-01"}.get(len(written))  # R4 allows YYYY and YYYY-MM
        if partial is None:
            return False
        try:
            t = read_date(written + partial)
        except Unsure:
            return False
    if isinstance(t, datetime):
        return t > now
    return t > now.astimezone(UTC).date()


def read_notes(data: Any, patient_id: str, now: datetime | None = None) -> Notes:
    """The notes of ``patient_id`` in ``data`` (a Bundle, or an iterable of Bundles); with
    ``now``, only those written by then."""
    skipped: list[str] = []
    notes: list[NoteText] = []
    own = {f"Patient/{patient_id}"}
    size = 0
    later: list[str] = []
    for r in _resources(data):
        if r.get("resourceType") not in NOTE_TYPES:
            continue
        subject = _subject(r)
        if subject is None or not any(subject == o or subject.endswith("/" + o) for o in own):
            continue
        status = r.get("status") or r.get("docStatus")
        if status in _SKIP_STATUS:
            continue
        ref = f"{r.get('resourceType')}/{r.get('id', '')}"
        written = _written(r)
        if now is not None and written is not None and _after(written, now):
            later.append(ref)
            continue
        modifiers = not_understood(r)
        if modifiers:  # FHIR R4 Extensibility: not safe to read (clotwatch.fhir.modifiers)
            skipped.append(unused_reason(ref, modifiers))
            continue
        for text in _texts(r, skipped):
            if size + len(text) > MAX_NOTE_CHARS:
                skipped.append(f"{ref}: notes beyond {MAX_NOTE_CHARS} characters are not read")
                break
            notes.append(NoteText(ref, text))
            size += len(text) + len(SEPARATOR)
    if later and now is not None:
        more = f" and {len(later) - 1} more" if len(later) > 1 else ""
        skipped.append(f"{later[0]}{more}: written after the time scored at "
                       f"({now.astimezone(UTC):%Y-%m-%d %H:%M} UTC)")
    starts, pos = [], 0
    for n in notes:
        starts.append(pos)
        pos += len(n.text) + len(SEPARATOR)
    return Notes(tuple(notes), SEPARATOR.join(n.text for n in notes), tuple(starts),
                 tuple(skipped))


def _quote(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# Extractions by (SHA-256 of the patient's id and the notes' joined text, instrument, the
# inputs read, rule set): a patient-view fires each time a chart is opened and the notes
# prefetch brings the same recent notes, whose extraction (about 4 ms of CPU a 3 KB note)
# depends on nothing else. Bounded (least recently used first out); in this process's memory
# only; never logged. Keys are digests, not text; the values hold the note's own sentences,
# given back only to a call that sends the same text for the same patient (the patient's id
# in the digest: a call about another patient cannot learn from a cache hit, by its speed,
# that some patient's notes held exactly this text).
EXTRACTION_CACHE_SIZE = 256
_Key = tuple[str, str, frozenset[str], int]
_extractions: OrderedDict[_Key, Any] = OrderedDict()
_extractions_lock = threading.Lock()


def _cached_extraction(key: _Key) -> Any:
    with _extractions_lock:
        found = _extractions.get(key)
        if found is not None:
            _extractions.move_to_end(key)
        return found


def _remember_extraction(key: _Key, extraction: Any) -> None:
    with _extractions_lock:
        _extractions[key] = extraction
        _extractions.move_to_end(key)
        while len(_extractions) > EXTRACTION_CACHE_SIZE:
            _extractions.popitem(last=False)


def fill_from_notes(data: Any, derivation: Any, scored: list[Any]) -> list[Any]:
    """``scored`` (``clotwatch.fhir.Scored``) with unknown inputs answered from the notes.

    Coded data wins; an input filled from a note says so ("from the notes: ...") and names
    its resource. Notes that could not be read are added to ``derivation.notes``.
    """
    from clotwatch.core.notes import extract, prepare
    from clotwatch.fhir.score import InputSource, Scored

    notes = read_notes(data, str(derivation.patient_id), getattr(derivation, "now", None))
    for why in notes.skipped:
        derivation.notes.append(f"A clinical note was not read: {why}.")
    if not notes.text.strip():
        return scored
    rules = load_rules()
    unread_by: Mapping[str, tuple[str, ...]] = getattr(derivation, "unread", None) or {}
    digest = hashlib.sha256(
        f"{derivation.patient_id}\0{notes.text}".encode("utf-8", "surrogatepass")).hexdigest()
    document: Any = None
    out = []
    for s in scored:
        inst = s.result.instrument
        # Only the inputs the coded record leaves unknown are read: the notes answer no other.
        unknown = frozenset(i.input for i in s.inputs if i.value is None)
        if inst.id not in SUPPORTED or not unknown:
            out.append(s)
            continue
        key = (digest, inst.id, unknown, id(rules))
        ex = _cached_extraction(key)
        if ex is None:
            if document is None:  # prepared only when some extraction is not cached
                document = prepare(notes.text, rules)
            ex = extract(document, inst, rules, only=unknown)
            _remember_extraction(key, ex)
        evidence = {e.input: e for e in ex.evidence}
        # Why the notes leave an item unknown, when they mention it ("possible haemoptysis",
        # "his mother had a DVT"): said beside the coded reason, never "not mentioned".
        unanswered = {m.input: m.reason for m in ex.missing
                      if m.reason not in (NOT_MENTIONED, NO_RULE)}
        inputs = []
        answers = {i.input: i.value for i in s.inputs}
        for src in s.inputs:
            ev = evidence.get(src.input)
            if src.value is None and ev is None and src.input in unanswered:
                inputs.append(InputSource(
                    src.input, None, src.concept,
                    f"{src.reason}; the notes do not answer it: {unanswered[src.input]}",
                    src.sources))
                continue
            if src.value is not None or ev is None:
                inputs.append(src)
                continue
            ref = notes.source_at(ev.start)
            words = notes.text[ev.start : ev.end]
            said = f'({ev.status}): "{_quote(words)}" in "{_quote(ev.text)}"'
            unread = unread_by.get(src.concept or "")
            if unread and _lowers(inst, answers, src.input, ev.value):
                # The record's answer could not be read (a modifier extension): a note may
                # raise the item but never lower it -- unknown is never read as "no".
                reason = (f"{src.reason}; the notes' answer {_shown(ev.value)} {said} is "
                          "not used: it would lower the result in place of a record that "
                          "could not be read")
                inputs.append(InputSource(src.input, None, src.concept, reason,
                                          src.sources + (ref,)))
                continue
            reason = f"from the notes {said}"
            if unread:
                reason += ("; it does not lower the result, so it is used though the coded "
                           f"record was not: {'; '.join(unread)}")
            answers[src.input] = ev.value
            inputs.append(InputSource(src.input, ev.value, "notes", reason, (ref,)))
        result = evaluate(inst, {i.input: i.value for i in inputs})
        out.append(Scored(result, tuple(inputs)))
    return out


def _lowers(inst: Any, answers: Mapping[str, Any], input_id: str, value: Any) -> bool:
    """Whether answering ``input_id`` with ``value`` lowers the highest result the other
    answers still allow (the top of the instrument's range): a "no" for an item that adds
    points, a lower number, an option worth less than the most the item could give."""
    open_high = evaluate(inst, {**answers, input_id: None}).total_range[1]
    return bool(evaluate(inst, {**answers, input_id: value}).total_range[1] < open_high)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def fill_cds(gathered: Any, derivation: Any, scored: list[Any]) -> list[Any]:
    """:func:`fill_from_notes` on a CDS Hooks call's gathered prefetch (``service.cds``)."""
    for key in NOTES_PREFETCH:
        if key in gathered.not_available:
            gathered.not_available.remove(key)
    return fill_from_notes(list(gathered.values.values()), derivation, scored)
