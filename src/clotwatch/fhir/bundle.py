"""Reading a Bundle: strict (``load_bundle``) and lenient, resource by resource
(``read_bundle``: ``read_view`` for each, the elements ``derive`` uses; ``read_resource``: the
whole R4B model); FHIR STU3 recognised and named.

A new resource type to read (e.g. DocumentReference for notes) is added to ``USED_TYPES``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.core.errors import InputError, MappingError
from clotwatch.fhir.elements import Entry, ViewBundle, view
from clotwatch.fhir.modifiers import none_in, not_understood

USED_TYPES = ("Observation", "Condition", "MedicationRequest", "MedicationStatement",
              "Procedure", "Encounter")


def load_bundle(data: Any) -> Any:
    """Parse and validate a FHIR R4 Bundle (JSON text, bytes, dict, or an R4B ``Bundle``).

    Raises ``InputError`` for JSON that is not a Bundle and ``MappingError`` naming the path
    of the first problem the R4B models find (e.g. ``entry[1].resource.code: Field required``).
    Strict: every resource must be valid. ``read_bundle`` is the lenient reader ``derive`` uses.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if isinstance(data, Bundle):
        return data
    data = _bundle_dict(data)
    _check_entry_types(data)
    try:
        return Bundle.model_validate(dict(data))
    except ValidationError as exc:
        raise MappingError(_describe(exc, data) + _stu3_hint(data)) from None
    except (KeyError, TypeError, ValueError) as exc:
        # fhir.resources raises these (not ValidationError) for some malformed nested
        # resources, e.g. a contained resource of an unknown type.
        raise MappingError(
            "invalid FHIR R4 Bundle: a nested resource could not be read (check the "
            f"resourceType of contained resources): {type(exc).__name__}: {exc}"
        ) from None


def _bundle_dict(data: Any) -> Mapping[str, Any]:
    """JSON text, bytes or a dict, checked to be a Bundle object (InputError otherwise)."""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError("bundle", f"malformed JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise InputError("bundle", f"expected a JSON object, got {type(data).__name__}")
    if data.get("resourceType") != "Bundle":
        raise InputError("resourceType", f"expected 'Bundle', got {data.get('resourceType')!r}")
    return data


# Resource types that exist in FHIR STU3 but not in R4 (R4 renamed or removed them).
STU3_ONLY_TYPES = frozenset({"ProcedureRequest", "ReferralRequest", "DeviceComponent",
                             "ProcessRequest", "ProcessResponse", "EligibilityRequest",
                             "EligibilityResponse", "EnrollmentRequest", "EnrollmentResponse",
                             "DataElement", "ServiceDefinition", "ImagingManifest",
                             "BodySite", "Sequence", "ExpansionProfile"})


def looks_stu3(resource: Mapping[str, Any]) -> str | None:
    """Why a resource looks like FHIR STU3 rather than R4, or None."""
    rtype = resource.get("resourceType")
    if type(rtype) is not str:  # (a list or an object here is no resource type at all)
        return None
    if rtype in STU3_ONLY_TYPES:
        return f"{rtype} exists in STU3, not in R4"
    if rtype in ("Condition", "AllergyIntolerance"):
        for name in ("clinicalStatus", "verificationStatus"):
            if isinstance(resource.get(name), str):
                return f"{rtype}.{name} is a code string, as in STU3 (R4: a CodeableConcept)"
    if rtype == "MedicationStatement" and "taken" in resource:
        return "MedicationStatement.taken is an STU3 element"
    if rtype == "MedicationRequest" and "context" in resource:
        return "MedicationRequest.context is the STU3 name of R4's encounter"
    return None


def _stu3_hint(data: Mapping[str, Any]) -> str:
    entries = data.get("entry")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        why = looks_stu3(resource) if isinstance(resource, Mapping) else None
        if why:
            return (f". This looks like FHIR STU3 (Bundle.entry[{i}]: {why}); clotwatch reads "
                    "FHIR R4: convert the Bundle to R4 first")
    return ""


def read_resource(resource: Any, where: str) -> tuple[Any, str | None]:
    """One resource validated with its R4B model: (model, None), or (None, why not) naming
    the path under ``where`` (and saying so when it looks like FHIR STU3)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    if not isinstance(resource, Mapping):
        return None, f"{where}: expected a resource object"
    rtype = resource.get("resourceType")
    try:
        model = get_fhir_model_class(rtype) if isinstance(rtype, str) and rtype else None
    except ValueError:
        model = None
    stu3 = looks_stu3(resource)
    hint = (f" (this looks like FHIR STU3: {stu3}; clotwatch reads FHIR R4)" if stu3 else "")
    if model is None:
        return None, f"{where}.resourceType: {rtype!r} is not a FHIR R4 resource type{hint}"
    try:
        return model.model_validate(dict(resource)), None
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        path = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                               for p in first.get("loc", ()))
        others = len(errors) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        return None, f"{path}: {first.get('msg', 'invalid')}{more}{hint}"
    except (KeyError, TypeError, ValueError) as exc:
        return None, (f"{where}: a nested resource could not be read ({type(exc).__name__}: "
                      f"{exc}){hint}")


@dataclass
class ReadBundle:
    """A Bundle of the resources clotwatch reads, and the problems of those it could not.

    ``bundle`` has ``type`` and ``entry`` (each with ``fullUrl`` and ``resource``), as an R4B
    ``Bundle`` does: a ``ViewBundle`` of element views (``clotwatch.fhir.elements``) and R4B
    models, or the R4B ``Bundle`` that was given."""

    bundle: Any
    problems: list[str]


READ_TYPES = frozenset({"Patient", "Medication", *USED_TYPES})


def read_view(resource: Any, where: str) -> tuple[Any, str | None]:
    """One resource as ``derive`` reads it: the elements it uses, each checked against its
    FHIR R4 datatype (``elements.view``); a value in any other form (or an element name R4B
    does not know) sends the resource to its R4B model (``read_resource``), whose answer --
    the model, or the problem by its path -- is the one given, as before this fast path."""
    found = view(resource)
    if found is not None:
        return found, None
    return read_resource(resource, where)


_READ_VIEW = read_view


def read_bundle(data: Any, where: str = "Bundle", *, full: bool = False) -> ReadBundle:
    """The resources clotwatch reads, each read on its own (``read_view``; ``full=True``:
    each validated whole with its R4B model, as before the fast path).

    Resources of other types are not validated (nor used): a DocumentReference with bad base64
    does not fail the Bundle. A resource clotwatch reads that is invalid in an element it
    reads is left out and named in ``problems`` by its path; the rest is used. A whole Bundle
    that looks like FHIR STU3 is refused with that reason (MappingError).
    """
    if type(data) is not dict:  # a parsed Bundle (a prefetch value) is a dict: no model check
        from fhir.resources.R4B.bundle import Bundle

        if isinstance(data, (Bundle, ViewBundle)):
            return ReadBundle(data, [])
        data = _bundle_dict(data)
    elif data.get("resourceType") != "Bundle":
        data = _bundle_dict(data)  # names the problem
    read = read_resource if full else read_view
    entries = data.get("entry")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise MappingError(f"invalid FHIR R4 Bundle: {where}.entry: expected a list")
    kept: list[Any] = []
    # No modifier extension anywhere in the Bundle (the common case): one look at the whole,
    # not one per resource (issue 13: CPU per CDS call).
    clean = none_in(entries)
    problems: list[str] = []
    stu3: list[str] = []
    for i, entry in enumerate(entries):
        # the path (e.g. "prefetch.conditions.entry[3](Condition).resource") is spelt out
        # only when a message needs it (issue 13: CPU per CDS call)
        if type(entry) is not dict and not isinstance(entry, Mapping):
            problems.append(f"{where}.entry[{i}]: expected an object")
            continue
        resource = entry.get("resource")
        if resource is None:
            continue
        rtype = None
        if type(resource) is dict or isinstance(resource, Mapping):
            why = looks_stu3(resource)
            if why:
                stu3.append(f"{where}.entry[{i}]: {why}")
            rtype = resource.get("resourceType")
            # not a type clotwatch reads (a list or an object is no type: a random prefetch
            # with "resourceType": [] answered 500, unhashable in the set)
            if type(rtype) is not str or rtype not in READ_TYPES:
                continue
        # read_view's fast path inline (the path is spelt out only when a resource goes to
        # its R4B model); another reader (full=True, or one a test puts there) is called
        model = view(resource) if read is _READ_VIEW else None
        problem = None
        if model is None:
            at = f"{where}.entry[{i}]" + (f"({rtype})" if rtype is not None else "")
            model, problem = (read_resource if read is _READ_VIEW else read)(
                resource, f"{at}.resource")
        if problem is not None:
            rtype = resource.get("resourceType") if isinstance(resource, Mapping) else None
            if rtype == "Patient":
                raise MappingError(f"invalid FHIR R4 Bundle: {problem}")
            problems.append(problem)
            continue
        full_url = entry.get("fullUrl")
        kept.append(Entry(fullUrl=full_url if isinstance(full_url, str) else None,
                          resource=model,
                          modifiers=() if clean else not_understood(resource)))
    if stu3:
        raise MappingError(f"this looks like FHIR STU3 ({stu3[0]}); clotwatch reads FHIR R4: "
                           "convert the Bundle to R4 first")
    bundle_type = data.get("type") if isinstance(data.get("type"), str) else "collection"
    return ReadBundle(ViewBundle(type=bundle_type, entry=kept), problems)


def _check_entry_types(data: Mapping[str, Any]) -> None:
    """Name an entry whose resourceType is missing or unknown before the models see it.

    fhir.resources answers such entries with a KeyError/TypeError rather than a validation
    error, so the path would be lost.
    """
    from fhir.resources.R4B import get_fhir_model_class

    entries = data.get("entry")
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or "resource" not in entry:
            continue
        resource = entry["resource"]
        where = f"Bundle.entry[{i}].resource"
        if not isinstance(resource, Mapping):
            raise MappingError(f"invalid FHIR R4 Bundle: {where}: expected a resource object")
        rtype = resource.get("resourceType")
        try:
            valid = isinstance(rtype, str) and bool(rtype) and get_fhir_model_class(rtype)
        except ValueError:
            valid = False
        if not valid:
            raise MappingError(
                f"invalid FHIR R4 Bundle: {where}.resourceType: {rtype!r} is not a FHIR R4 "
                "resource type"
            )


def _describe(exc: Any, data: Mapping[str, Any]) -> str:
    errors = exc.errors()
    first = errors[0]
    loc = first.get("loc", ())
    path = "Bundle"
    node: Any = data
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
        if isinstance(node, Mapping):
            node = node.get(part) if not isinstance(part, int) else None
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            rtype = None
            if isinstance(node, Mapping) and isinstance(node.get("resource"), Mapping):
                rtype = node["resource"].get("resourceType")
            if rtype:
                path += f"({rtype})"
        else:
            node = None
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return f"invalid FHIR R4 Bundle: {path}: {first.get('msg', 'invalid')}{more}"
