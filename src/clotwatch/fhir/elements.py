"""The elements ``derive`` reads, taken straight from a resource's JSON (issue 13: speed).

Building the fhir.resources R4B model of every resource a call reads was half of a CDS
``patient-view`` call's CPU time (57 resources became about 410 model objects). ``view`` reads
only the elements the finding families use, each checked against its FHIR R4 datatype
(``id``, ``code``, ``string``, ``uri``, ``decimal``, ``date``, ``dateTime``, ``instant``,
``Coding``, ``CodeableConcept``, ``Quantity``, ``Period``, ``Reference``), into light objects
with the R4B models' attribute names (``Encounter.class`` is ``class_fhir``), so every finding
family reads them as it reads the models.

The rule that keeps the R4B answers exact: a value is taken on this fast path only in a form
whose R4B reading is known (a full date ``2026-11-20``; a full ``dateTime`` with seconds and a
zone; a JSON number for a decimal; codes of printable ASCII; ...). Anything else -- a partial
date, a leap second, a decimal given as a string, an unknown element name, an explicit
``null``, a missing required element, two values of one choice (``effective[x]``) -- makes
``view`` answer ``None`` and the caller validate that one resource with its R4B model, as
before: the same value, or the same problem named by its path. What is not checked any more:
the elements clotwatch does not read (a bad ``note`` or ``dosageInstruction``, a bad contained
resource other than a Medication); they are not used either. The Patient is read the same way
(its ``id``, ``birthDate``, ``gender`` and ``deceased[x]``; issue 13: validating it whole with
its model was a fifth of reading a 57-resource prefetch): an invalid ``name`` or ``telecom`` no
longer refuses the Bundle, a ``birthDate`` or ``gender`` in an unusual form still goes to the
model.

``tests/fhir/test_fhir_elements.py`` feeds valid and malformed forms of every element read
here through both readers and checks the same findings and the same problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Any

Reader = Callable[[Any], Any]


class Unsure(Exception):
    """A value not in a form whose R4B reading is known: the R4B model decides."""


class Node:
    """An element read from the JSON; attributes named as in the R4B models."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if v is not None)
        return f"{type(self).__name__}({inner})"


class ResourceView(Node):
    """A resource read by ``view``: ``get_resource_type()`` as on an R4B model."""

    resource_type: str

    def get_resource_type(self) -> str:
        return self.resource_type


class Entry(Node):
    """A Bundle entry of views (``fullUrl``, ``resource``), as ``BundleEntry`` is read;
    ``modifiers``: the modifier extensions in the resource clotwatch does not understand
    (``clotwatch.fhir.modifiers``), found when it was read."""

    fullUrl: str | None
    resource: Any
    modifiers: tuple[str, ...] = ()


class ViewBundle(Node):
    """The resources ``read_bundle`` kept (``type``, ``entry``), as an R4B ``Bundle`` is read."""

    type: str
    entry: list[Entry]


# --- what the R4B models allow and require, taken from the models themselves -------------

class _Spec:
    """How to read one kind of object: the R4B model's element names (JSON keys), required
    elements and choice groups, and the elements read (key -> attribute, reader)."""

    __slots__ = ("allowed", "cls", "defaults", "group_of", "grouped", "needed", "reads",
                 "required")

    def __init__(self, model_name: str, reads: dict[str, Reader], cls: type[Node],
                 defaults: dict[str, Any]) -> None:
        from fhir.resources.R4B import get_fhir_model_class

        model = get_fhir_model_class(model_name)
        allowed = {"resourceType"}
        required = []
        group_of: dict[str, str] = {}
        needed = set()
        for name, f in model.model_fields.items():
            key = f.alias or name
            allowed.add(key)
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            if f.is_required() or extra.get("element_required"):
                required.append(key)
            group = extra.get("one_of_many")
            if isinstance(group, str):
                group_of[key] = group
                if extra.get("one_of_many_required"):
                    needed.add(group)
        self.allowed = frozenset(allowed)
        self.required = tuple(required)
        self.group_of = group_of
        self.grouped = frozenset(group_of)
        self.needed = frozenset(needed)
        self.reads = {key: (ATTRIBUTE.get(key, key), reader) for key, reader in reads.items()}
        self.cls = cls
        self.defaults = {**defaults, **{attr: None for attr, _ in self.reads.values()}}


def _read_object(value: Any, spec: _Spec) -> Any:
    """The elements ``spec`` reads of an object of its model: known element names only,
    required elements present, at most one value of a choice group, and each element read
    in a form whose R4B reading is known (Unsure otherwise).

    The element names are checked against the model's as sets, in C (``keys <= allowed``),
    and the choice groups only when the object has an element of one (issue 13: the
    per-element checks were a third of reading a resource)."""
    if type(value) is not dict or not value:
        raise Unsure
    keys = value.keys()
    if not keys <= spec.allowed:
        raise Unsure
    values = dict(spec.defaults)
    reads = spec.reads
    for key, item in value.items():
        read = reads.get(key)
        if read is not None:
            if item is None:  # an explicit null: what R4B makes of it is its own business
                raise Unsure
            values[read[0]] = read[1](item)
    for key in spec.required:
        if value.get(key) is None:
            raise Unsure
    if spec.grouped:
        present = keys & spec.grouped
        if present or spec.needed:
            groups = {spec.group_of[key] for key in present}
            if len(groups) < len(present) or not spec.needed <= groups:
                raise Unsure
    node = object.__new__(spec.cls)
    node.__dict__ = values
    return node


# --- primitive datatypes (FHIR R4, https://hl7.org/fhir/R4/datatypes.html) ----------------

_ID = re.compile(r"[A-Za-z0-9\-.]+")  # R4B's id pattern (no length limit there)
_CODE = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII, single spaces: a subset of R4's
_STRING = re.compile(r"[ \r\n\t\S]")  # R4B searches this; Python's \S is the narrower one
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# ASCII digits only ([0-9], as R4's patterns; Python's \d would take other scripts' digits).
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                       r"(?:\.([0-9]{1,6}))?(Z|([+-])([0-9]{2}):([0-9]{2}))")
_MAX_EXACT_INT = 2 ** 53


def _text(value: Any) -> str:
    if type(value) is not str or (not value.isascii() and _SURROGATE.search(value)):
        raise Unsure
    return value


def read_id(value: Any) -> str:
    if type(value) is not str or not _ID.fullmatch(value):
        raise Unsure
    return value


def read_code(value: Any) -> str:
    if type(value) is not str or not _CODE.fullmatch(value):
        raise Unsure
    return value


def read_string(value: Any) -> str:
    if not _STRING.search(_text(value)):
        raise Unsure
    return value  # type: ignore[no-any-return]


def read_uri(value: Any) -> str:
    return _text(value)


def read_boolean(value: Any) -> bool:
    """A JSON true or false."""
    if type(value) is not bool:
        raise Unsure
    return value


def read_decimal(value: Any) -> float:
    """A JSON number (R4B: a Decimal; ``derive`` reads it with ``float``)."""
    kind = type(value)
    if kind is float or (kind is int and -_MAX_EXACT_INT < value < _MAX_EXACT_INT):
        return float(value)
    raise Unsure


def read_date(value: Any) -> date:
    """A full date (a year or year-month: Unsure, the R4B model keeps those as text)."""
    found = _DATE.fullmatch(value) if type(value) is str else None
    if found is None:
        raise Unsure
    year, month, day = (int(x) for x in found.groups())
    try:
        return date(year, month, day)
    except ValueError:  # out of range (year 0, 2026-02-30)
        raise Unsure from None


def read_instant(value: Any) -> datetime:
    """A full date and time with seconds and a zone (R4's instant)."""
    found = _DATETIME.fullmatch(value) if type(value) is str else None
    if found is None:
        raise Unsure
    year, month, day, hour, minute, second, fraction, zone, sign, zh, zm = found.groups()
    if zone == "Z":
        tz: timezone = UTC
    else:
        hours, minutes = int(zh), int(zm)
        if minutes > 59 or hours > 14 or (hours == 14 and minutes):
            raise Unsure
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        int(fraction.ljust(6, "0")) if fraction else 0, tzinfo=tz)
    except ValueError:  # out of range, or second 60 (R4B keeps a leap second as text)
        raise Unsure from None


def read_datetime(value: Any) -> date | datetime:
    """A full date, or a full date and time with a zone (R4's dateTime)."""
    if type(value) is str and len(value) == 10:
        return read_date(value)
    return read_instant(value)


# --- complex datatypes ----------------------------------------------------------------------

_SPECS: dict[str, _Spec] = {}


def _spec(name: str) -> _Spec:
    """The reading spec of a datatype, backbone element or resource type (built once)."""
    found = _SPECS.get(name)
    if found is None:
        if name in READS:
            found = _Spec(name, READS[name], ResourceView, {"resource_type": name, "id": None})
        else:
            model, reads = ELEMENT_READS[name]
            found = _Spec(model, reads, Node, {})
        _SPECS[name] = found
    return found


# Codings, References and CodeableConcepts made of strings, read before (issue 13: CPU per CDS
# call). A call's prefetch repeats them -- every resource's subject, the code of ten heart
# rates, the status codings of every Condition -- and so do the calls of one hospital. The key
# is an exact image of the object: its (key, value) pairs, each value a ``str`` (not a
# subclass) or a list of such objects of strings (a concept's ``coding``); objects with the same
# key are the same JSON, so a remembered reading is the one the object would get. Anything
# else is read every time, and only readings are remembered (an Unsure object is judged again
# every time). The nodes are shared: no finding family changes a node it reads. Bounded:
# emptied when full.
FLAT_CACHE_SIZE = 20_000
_flat: dict[tuple[Any, ...], Any] = {}


def _flat_key(name: str, value: Any) -> tuple[Any, ...] | None:
    if type(value) is not dict:
        return None
    parts: list[Any] = [name]
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            parts.append((key, item))
        elif kind is list and all(type(x) is dict and all(type(y) is str for y in x.values())
                                  for x in item):
            parts.append((key, tuple(tuple(x.items()) for x in item)))
        else:
            return None
    return tuple(parts)


def _read_flat(value: Any, name: str) -> Any:
    key = _flat_key(name, value)
    if key is None:
        return _read_object(value, _spec(name))
    found = _flat.get(key)
    if found is None:
        found = _read_object(value, _spec(name))
        if len(_flat) >= FLAT_CACHE_SIZE:
            _flat.clear()
        _flat[key] = found
    return found


def read_coding(value: Any) -> Any:
    return _read_flat(value, "Coding")


def read_concept(value: Any) -> Any:
    return _read_flat(value, "CodeableConcept")


def read_quantity(value: Any) -> Any:
    return _read_object(value, _spec("Quantity"))


def read_period(value: Any) -> Any:
    return _read_object(value, _spec("Period"))


def read_reference(value: Any) -> Any:
    return _read_flat(value, "Reference")


def _list(reader: Reader) -> Reader:
    def read(value: Any) -> list[Any]:
        if type(value) is not list:
            raise Unsure
        return [reader(item) for item in value]
    return read


def _component(value: Any) -> Any:
    return _read_object(value, _spec("ObservationComponent"))


def _reference_range(value: Any) -> Any:
    return _read_object(value, _spec("ObservationReferenceRange"))


@cache
def _is_resource_type(name: str) -> bool:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    try:
        return issubclass(get_fhir_model_class(name), Resource)
    except ValueError:
        return False


def _contained(value: Any) -> list[Any]:
    """The contained Medications (the only contained resources read); the others are not
    read, but each must name a resource type R4B knows."""
    if type(value) is not list:
        raise Unsure
    out = []
    for item in value:
        rtype = item.get("resourceType") if type(item) is dict else None
        if type(rtype) is not str or not rtype:
            raise Unsure
        if rtype == "Medication":
            out.append(_read_object(item, _spec(rtype)))
            continue
        if not _is_resource_type(rtype):
            raise Unsure
    return out


# What each finding family reads, per resource type (element name: its reader).
_SUBJECT: dict[str, Reader] = {"subject": read_reference}
_MEDICINE: dict[str, Reader] = {"status": read_code, "medicationCodeableConcept": read_concept,
                                "medicationReference": read_reference, "contained": _contained}
READS: dict[str, dict[str, Reader]] = {
    "Patient": {"birthDate": read_date, "gender": read_code, "deceasedBoolean": read_boolean,
                "deceasedDateTime": read_datetime},
    "Medication": {"code": read_concept},
    "Condition": {**_SUBJECT, "code": read_concept, "clinicalStatus": read_concept,
                  "verificationStatus": read_concept, "onsetDateTime": read_datetime,
                  "onsetPeriod": read_period, "recordedDate": read_datetime,
                  "abatementDateTime": read_datetime, "abatementPeriod": read_period},
    "Observation": {**_SUBJECT, "status": read_code, "code": read_concept,
                    "effectiveDateTime": read_datetime, "effectiveInstant": read_instant,
                    "effectivePeriod": read_period, "issued": read_instant,
                    "valueQuantity": read_quantity, "valueCodeableConcept": read_concept,
                    "component": _list(_component), "referenceRange": _list(_reference_range)},
    "MedicationRequest": {**_SUBJECT, **_MEDICINE, "authoredOn": read_datetime,
                          "intent": read_code},  # not read, but required: checked
    "MedicationStatement": {**_SUBJECT, **_MEDICINE, "dateAsserted": read_datetime,
                            "effectiveDateTime": read_datetime, "effectivePeriod": read_period},
    "Procedure": {**_SUBJECT, "status": read_code, "code": read_concept,
                  "category": read_concept, "performedDateTime": read_datetime,
                  "performedPeriod": read_period, "encounter": read_reference},
    "Encounter": {**_SUBJECT, "status": read_code, "class": read_coding,
                  "period": read_period},
}
for _reads in READS.values():
    _reads["id"] = read_id
# Datatypes and backbone elements: (R4B model, the elements read).
ELEMENT_READS: dict[str, tuple[str, dict[str, Reader]]] = {
    "Coding": ("Coding", {"system": read_uri, "code": read_code, "display": read_string}),
    "CodeableConcept": ("CodeableConcept", {"coding": _list(read_coding), "text": read_string}),
    "Quantity": ("Quantity", {"value": read_decimal, "unit": read_string, "system": read_uri,
                              "code": read_code}),
    "Period": ("Period", {"start": read_datetime, "end": read_datetime}),
    "Reference": ("Reference", {"reference": read_string, "display": read_string}),
    "ObservationComponent": ("ObservationComponent", {"code": read_concept,
                                                      "valueQuantity": read_quantity}),
    "ObservationReferenceRange": ("ObservationReferenceRange", {"high": read_quantity}),
}
ATTRIBUTE = {"class": "class_fhir"}  # JSON name -> R4B attribute name, where they differ


def prepare() -> None:
    """Build every reading spec now (from the R4B models), not on the first resource read:
    for a server that loads its set-up before it takes calls (``clotwatch.service.cds``)."""
    for name in (*READS, *ELEMENT_READS):
        _spec(name)


def view(resource: Any) -> ResourceView | None:
    """The elements ``derive`` reads of one resource, or None when a value is not in a form
    whose R4B reading is known (then the R4B model is the judge, as before)."""
    rtype = resource.get("resourceType") if type(resource) is dict else None
    if rtype not in READS:
        return None
    try:
        found: ResourceView = _read_object(resource, _spec(rtype))
    except Unsure:
        return None
    return found
