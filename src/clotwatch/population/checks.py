"""Bad input in an export: found, counted and reported with file and line, never dropped silently.

What is checked: a line that is not JSON, or JSON but not an object; a resource of another
type in a ``Type.ndjson`` file; a reference to a patient the export does not hold; a medicine
given by reference to a Medication the export does not hold (nor contains); a date-time
without a time zone; a body measurement in a unit clotwatch does not convert. With
``--on-error skip`` (the default) the run goes on without the malformed lines and wrong-type
resources (other problems are kept and reported), and the summary lists every kind with
examples; with ``--on-error fail`` the first problem stops the run (exit 2).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from clotwatch.core.errors import InputError
from clotwatch.fhir.observations import UNITS
from clotwatch.population.source import Export, _type_of

EXAMPLES = 10
NO_TZ = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+$'"


def N_(message: str) -> str:  # noqa: N802 - the catalogue extractor's name for a marker
    """Mark ``message`` for the ``web`` catalogue (report.html translates it where shown)."""
    return message


class Example(NamedTuple):
    """One example of a problem: where, ``detail`` in English (summary.json, the command's
    messages: stable), and the same said for report.html as ``message`` (a msgid of the
    ``web`` catalogue) formatted with ``args`` (ids and values, never words; a ``reason`` is
    a msgid too), so the Russian page says it in Russian."""

    file: str
    line: int | None
    detail: str
    message: str
    args: dict[str, Any]


# Python's json messages (C scanner and decoder) as report.html says them; an unknown one is
# shown as Python gives it.
JSON_ERRORS = {
    "Expecting value": N_("a value was expected"),
    "Extra data": N_("extra data after the value"),
    "Expecting property name enclosed in double quotes":
        N_("a property name in double quotes was expected"),
    "Expecting ':' delimiter": N_("a colon was expected"),
    "Expecting ',' delimiter": N_("a comma was expected"),
    "Unterminated string starting at": N_("a string is not closed"),
    "Invalid control character": N_("a control character inside a string"),
    "Invalid \\uXXXX escape": N_("an invalid Unicode escape in a string"),
    "Invalid \\escape": N_("an invalid escape sequence in a string"),
}


def _not_json(exc: ValueError) -> tuple[str, dict[str, Any]]:
    """The report's message for a line ``json.loads`` refused."""
    if isinstance(exc, UnicodeDecodeError):
        return N_("not JSON: not UTF-8 text (byte {column})"), {"column": exc.start + 1}
    if isinstance(exc, json.JSONDecodeError):
        reason = next((v for k, v in JSON_ERRORS.items() if exc.msg.startswith(k)), exc.msg)
        return N_("not JSON: {reason} at column {column}"), {"reason": reason,
                                                             "column": exc.colno}
    return N_("not JSON: {error}"), {"error": str(exc)}


@dataclass
class Problems:
    """Problems found, by kind: a count and up to ``EXAMPLES`` (file, line, detail)."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[Example]] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    malformed_by_file: dict[str, int] = field(default_factory=dict)
    # Read but not used: files of JSON objects without a resourceType (not FHIR resources:
    # a Bulk Data export's log.ndjson), by file, with what they are; resource types no view
    # of the screening reads (AllergyIntolerance, DocumentReference, ...), with their counts.
    not_resources: dict[str, tuple[int, str]] = field(default_factory=dict)
    types_not_used: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Total number of problems."""
        return sum(self.counts.values())

    @property
    def malformed_lines(self) -> int:
        """How many lines were not a JSON object."""
        return self.counts.get("malformed_line", 0)

    def add(self, kind: str, file: str, line: int | None, message: str,
            args: dict[str, Any] | None = None, n: int = 1, detail: str | None = None) -> None:
        """Count ``n`` problems of ``kind`` with one example: ``message`` (a msgid) formatted
        with ``args``, and ``detail`` in English (``message`` formatted, if not given)."""
        self.counts[kind] = self.counts.get(kind, 0) + n
        ex = self.examples.setdefault(kind, [])
        if len(ex) < EXAMPLES:
            args = args or {}
            ex.append(Example(file, line, message.format(**args) if detail is None else detail,
                              message, args))

    def first_line(self) -> str:
        """One line naming the first problem (for --on-error fail)."""
        for kind, ex in sorted(self.examples.items()):
            if ex:
                file, line, detail = ex[0][:3]
                where = f"{file}:{line}" if line else file
                return f"{where}: {detail} ({self.counts[kind]} {kind.replace('_', ' ')}(s))"
        return "no problems"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: counts and examples per kind, resources read per type."""
        return {"total": self.count, "counts": dict(sorted(self.counts.items())),
                "examples": {k: [{"file": e.file, "line": e.line, "detail": e.detail} for e in v]
                             for k, v in sorted(self.examples.items())},
                "resources_read": dict(sorted(self.resources.items())),
                "not_resources": [{"file": f, "lines": n, "what": what}
                                  for f, (n, what) in sorted(self.not_resources.items())],
                "types_not_used": dict(sorted(self.types_not_used.items()))}

    def not_read_lines(self) -> list[str]:
        """What was read but not used, one line each, in English (the command's output)."""
        out = [f"{Path(f).name}: {n} line{'s' if n != 1 else ''} without a resourceType, not "
               f"read ({what})" for f, (n, what) in sorted(self.not_resources.items())]
        if self.types_not_used:
            out.append("resources the screening does not use: " + ", ".join(
                f"{t} {n:,}" for t, n in sorted(self.types_not_used.items())))
        return out

    def check_tables(self, engine: Any, export: Export) -> None:
        """Problems visible in the view tables: missing patients, dates without time zone,
        units not understood."""
        for table, rtype, id_col in (("v_encounter", "Encounter", "encounter_id"),
                                     ("v_condition", "Condition", "condition_id"),
                                     ("v_observation", "Observation", "observation_id"),
                                     ("v_procedure", "Procedure", "procedure_id"),
                                     ("v_medication_request", "MedicationRequest", "request_id"),
                                     ("v_medication_administration", "MedicationAdministration",
                                      "administration_id")):
            rows = engine.rows(
                f"SELECT DISTINCT t.{id_col}, t.patient_ref FROM {table} t "
                f"LEFT JOIN (SELECT DISTINCT patient_id FROM v_patient) p "
                f"ON p.patient_id = t.patient_id WHERE p.patient_id IS NULL ORDER BY t.{id_col}")
            self._with_lines("missing_patient", export, rtype, rows,
                             lambda r, t=rtype: f"{t}/{r[0]}: subject {r[1]!r} is not a Patient "
                             "of the export",
                             lambda r, t=rtype: (
                                 N_("{ref}: subject {subject} is not a Patient of the export")
                                 if r[1] is not None else N_("{ref}: no subject (patient)"),
                                 {"ref": f"{t}/{r[0]}", "subject": r[1]}))
        # A medicine given by reference (medicationReference) to a Medication the export does
        # not hold: not a Medication of the export by its id (Medication/<id>, or a URL ending
        # so), nor a contained one by "#id". The medicine is unknown, never "no medicine".
        for table, rtype, id_col in (("v_medication_request", "MedicationRequest", "request_id"),
                                     ("v_medication_administration", "MedicationAdministration",
                                      "administration_id")):
            rows = engine.rows(
                f"SELECT t.{id_col}, min(t.medication_ref) FROM {table} t "
                "LEFT JOIN (SELECT DISTINCT medication_id FROM v_medication) m "
                "ON m.medication_id = t.medication_id "
                f"LEFT JOIN (SELECT DISTINCT {id_col}, contained_id FROM {table}_contained) c "
                f"ON c.{id_col} = t.{id_col} AND t.medication_ref = '#' || c.contained_id "
                "WHERE t.medication_ref IS NOT NULL "
                f"GROUP BY t.{id_col} HAVING max(CASE WHEN m.medication_id IS NOT NULL "
                "OR c.contained_id IS NOT NULL THEN 1 ELSE 0 END) = 0 "
                f"ORDER BY t.{id_col}")
            self._with_lines("unresolved_medication", export, rtype, rows,
                             lambda r, t=rtype: f"{t}/{r[0]}: medication {r[1]!r} is not a "
                             "Medication of the export (the medicine is not known)",
                             lambda r, t=rtype: (
                                 N_("{ref}: medication {medication} is not a Medication of the "
                                    "export (the medicine is not known)"),
                                 {"ref": f"{t}/{r[0]}", "medication": r[1]}))
        for table, rtype, id_col, col in (("v_encounter", "Encounter", "encounter_id",
                                           "period_start"),
                                          ("v_encounter", "Encounter", "encounter_id",
                                           "period_end"),
                                          ("v_condition", "Condition", "condition_id", "onset"),
                                          ("v_medication_administration",
                                           "MedicationAdministration", "administration_id",
                                           "effective"),
                                          ("v_procedure", "Procedure", "procedure_id",
                                           "performed_start")):
            rows = engine.rows(f"SELECT DISTINCT {id_col}, {col} FROM {table} "
                               f"WHERE cw_regexp({col}, {NO_TZ}) ORDER BY {id_col}")
            self._with_lines("date_without_timezone", export, rtype, rows,
                             lambda r, t=rtype: f"{t}/{r[0]}: {r[1]!r} has no time zone "
                             "(read as UTC)",
                             lambda r, t=rtype: (N_("{ref}: {value} has no time zone (read as "
                                                    "UTC)"), {"ref": f"{t}/{r[0]}",
                                                              "value": r[1]}))
        known = sorted({u for c in ("bmi", "body_weight", "body_height") for u in UNITS[c]})
        units = ", ".join("'" + u.replace("'", "''") + "'" for u in known)
        rows = engine.rows(
            "SELECT DISTINCT observation_id, coalesce(unit_code, unit) FROM v_observation "
            "WHERE code IN ('39156-5', '29463-7', '8302-2') AND value IS NOT NULL "
            f"AND coalesce(unit_code, unit, '') NOT IN ({units}) ORDER BY observation_id")
        self._with_lines("unknown_unit", export, "Observation", rows,
                         lambda r: f"Observation/{r[0]}: unit {r[1]!r} is not understood "
                         "(the value is not used)",
                         lambda r: (N_("{ref}: unit {unit} is not understood (the value is not "
                                       "used)") if r[1] is not None else
                                    N_("{ref}: the value has no unit (not used)"),
                                    {"ref": f"Observation/{r[0]}", "unit": r[1]}))

    def _with_lines(self, kind: str, export: Export, rtype: str,
                    rows: Sequence[tuple[Any, ...]], detail: Any, message: Any) -> None:
        """Examples of ``kind`` for the first ``rows``: ``detail(row)`` in English and
        ``message(row)``, (msgid, args), for the report."""
        if not rows:
            return
        wanted = {str(r[0]) for r in rows[:EXAMPLES]}
        lines = _find_ids(export.files_for(rtype), rtype, wanted)
        # in the order of the files (the rows come by id: Encounter.ndjson:11 was named,
        # by --on-error fail too, before lines 9 and 10 of the same file)
        found = sorted(((lines.get(str(r[0]), (export.root, None)), r) for r in rows[:EXAMPLES]),
                       key=lambda x: (x[0][0], x[0][1] or 0))
        for (file, line), r in found:
            msgid, args = message(r)
            self.add(kind, file, line, msgid, args, 0, detail(r))
        self.counts[kind] = self.counts.get(kind, 0) + len(rows)


def _open(path: str) -> IO[bytes]:
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    """The lines of ``path`` that are not blank, numbered; ``InputError`` naming the file
    when it cannot be read (a ``.gz`` that is not gzip, or cut short, was a traceback)."""
    n = 0
    try:
        with _open(path) as f:
            for n, line in enumerate(f, 1):  # noqa: B007 - n is read after the loop
                if line.strip():
                    yield n, line
    except (OSError, EOFError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = f"{path}:{n + 1}" if n else path
        raise InputError("data", f"{where}: cannot read ({why})") from exc


def _find_ids(files: Sequence[str], rtype: str, ids: set[str]) -> dict[str, tuple[str, int]]:
    """(file, line) of resources of ``rtype`` with the given ids (a scan, for examples)."""
    found: dict[str, tuple[str, int]] = {}
    needles = {i: i.encode() for i in ids}
    for path in files:
        for n, line in _lines(path):
            hit = [i for i, b in needles.items() if b in line and i not in found]
            for i in hit:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if isinstance(r, Mapping) and r.get("id") == i and r.get("resourceType") == rtype:
                    found[i] = (path, n)
            if len(found) == len(ids):
                return found
    return found


def scan_malformed(files: Sequence[str], problems: Problems) -> None:
    """Find the lines that are not a JSON object (slow path, run only after a read fails, or
    over the files where the read found rows without a resourceType)."""
    for path in files:
        for n, line in _lines(path):
            try:  # without its line ending: a line cut inside a string ended in a newline,
                # which was named "Invalid control character", not "Unterminated string"
                r = json.loads(line.rstrip(b"\r\n"))
            except ValueError as exc:
                problems.add("malformed_line", path, n, *_not_json(exc),
                             detail=f"not JSON: {exc}")
                problems.malformed_by_file[path] = problems.malformed_by_file.get(path, 0) + 1
                continue
            if not isinstance(r, dict):
                problems.add("malformed_line", path, n, N_("not a JSON object"))
                problems.malformed_by_file[path] = problems.malformed_by_file.get(path, 0) + 1


def refuse_malformed_lines(files: Sequence[str]) -> None:
    """``InputError`` naming the first line of ``files`` that is not blank and not a JSON
    object, if any (``views run``, which has no ``--on-error``: after an engine's read failed
    or found such lines, the scan names the file and line, in the same words on both
    engines)."""
    problems = Problems()
    scan_malformed(files, problems)
    if problems.malformed_lines:
        raise InputError("data", problems.first_line())


# The Bulk Data client's export log (SMART bulk-data-client, "Bulk Data Export Log Items":
# https://github.com/smart-on-fhir/bulk-data-client/wiki/Bulk-Data-Export-Log-Items), which
# exports such as SMART's sample-bulk-fhir-datasets carry as log.ndjson beside the resources:
# each line an event with these keys, none a resourceType.
EXPORT_LOG_KEYS = frozenset({"exportId", "eventId", "timestamp"})
EXPORT_LOG = N_("a Bulk Data export log: its events, not FHIR resources")
NOT_RESOURCES = N_("JSON objects that are not FHIR resources")


def _what_lines_are(path: str) -> str:
    """What a file's lines without a resourceType are: an export log, or other JSON."""
    for _n, line in _lines(path):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if isinstance(r, dict) and not r.get("resourceType"):
            return EXPORT_LOG if EXPORT_LOG_KEYS <= r.keys() else NOT_RESOURCES
    return NOT_RESOURCES


def check_export(export: Export, engine: Any, views: Mapping[str, Any], on_error: str) -> Problems:
    """One pass over every file: resources per type, wrong types in typed files, lines that
    are not JSON."""
    if on_error not in ("skip", "fail"):
        raise InputError("on_error", "use skip or fail")
    problems = Problems()
    files = list(export.all_files)
    try:
        counts = engine.type_counts(files, ignore_errors=False)
    except InputError:
        scan_malformed(files, problems)
        if not problems.malformed_lines:
            raise
        if on_error == "fail":
            raise InputError("data", problems.first_line()) from None
        counts = engine.type_counts(files, ignore_errors=True)
    else:
        # A read that succeeds gives a line ``null`` (DuckDB; Spark: any JSON that is not an
        # object) as a row without a resourceType, as it gives ``{}``: only the files holding
        # such rows are scanned, to tell the malformed lines from resources without a type.
        untyped = sorted({file for file, rtype, _ in counts if not rtype})
        if untyped:
            scan_malformed(untyped, problems)
            if on_error == "fail" and problems.malformed_lines:
                raise InputError("data", problems.first_line())
    wrong: dict[str, set[str]] = {}
    bad_in = problems.malformed_by_file
    for file, rtype, n in counts:
        if not rtype and file in bad_in:  # the malformed lines themselves, counted already
            n -= bad_in[file]
            if n <= 0:
                continue
        expected = _type_of(Path(file).name)
        if not rtype and expected is None:  # not a resource (an export's log.ndjson): named
            problems.not_resources[file] = (n, _what_lines_are(file))
            continue
        problems.resources[rtype or "(none)"] = problems.resources.get(rtype or "(none)", 0) + n
        if expected is not None and rtype != expected:
            wrong.setdefault(file, set()).add(str(rtype))
            problems.counts["wrong_type"] = problems.counts.get("wrong_type", 0) + n
    for file in sorted(wrong):
        expected = _type_of(Path(file).name)
        for n, line in _lines(file):
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if isinstance(r, dict) and r.get("resourceType") != expected:
                found = r.get("resourceType")
                if not isinstance(found, str) or not found:  # it said "a None in a file ..."
                    message = N_("a resource without a resourceType in a file of {expected} "
                                 "resources (not read)")
                elif found[:1] in tuple("AEIOU"):
                    message = N_("an {found} in a file of {expected} resources (not read)")
                else:
                    message = N_("a {found} in a file of {expected} resources (not read)")
                problems.add("wrong_type", file, n, message,
                             {"found": found, "expected": expected}, 0)
                if len(problems.examples["wrong_type"]) >= EXAMPLES:
                    break
    if not sum(problems.resources.values()):
        raise InputError("data", f"{export.root}: the export holds no resources")
    used = {v.get("resource") for v in views.values()}
    problems.types_not_used = {t: n for t, n in problems.resources.items()
                               if t not in used and t != "(none)"}
    if on_error == "fail" and problems.count:
        raise InputError("data", problems.first_line())
    return problems
