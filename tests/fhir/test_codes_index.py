"""``CodeSet.match`` looks exact codes up by dictionary (issue 13: CPU per CDS call); it must
answer exactly what a scan of every entry in file order answers, for every code set."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from clotwatch.fhir.codes import CodeEntry, CodeSet, all_codesets


def _scan(cs: CodeSet, codings: list[SimpleNamespace]) -> CodeEntry | None:
    for coding in codings:
        for entry in cs.codes:
            if entry.matches(coding.system, coding.code):
                return entry
    return None


def _probe_entries(cs: CodeSet) -> tuple[CodeEntry, ...]:
    """Every entry of a set of up to 400; of a larger one (the CMS108 value sets hold thousands
    of exact codes) every prefix/range entry and an even sample of 100 exact codes, so the
    test stays fast (each probe is checked against a scan of every entry)."""
    if len(cs.codes) <= 400:
        return cs.codes
    exact = [e for e in cs.codes if e.code is not None]
    return tuple([e for e in cs.codes if e.code is None] + exact[::len(exact) // 100 + 1])


def _probes(cs: CodeSet) -> list[SimpleNamespace]:
    out = []
    for e in _probe_entries(cs):
        for code in filter(None, [e.code, e.code and f" {e.code.lower()} ", e.prefix,
                                  e.prefix and e.prefix + ".9", e.prefix and e.prefix + "XYZ9",
                                  e.range and e.range[0], e.range and e.range[1] + ".1",
                                  e.numeric and str(e.numeric[0]), "Z99.9", "0"]):
            out.append(SimpleNamespace(system=e.system, code=code, display=None))
    return out


def test_indexed_match_answers_as_a_scan_of_every_entry() -> None:
    checked = 0
    for cs in all_codesets():
        probes = _probes(cs)
        for probe in probes:
            assert cs.match([probe]) == _scan(cs, [probe]) or (
                cs.names and _scan(cs, [probe]) is None), (cs.id, probe)
            checked += 1
        # Several codings: the first coding that matches decides, as in the scan.
        for first, second in zip(probes, probes[1:], strict=False):
            expected = _scan(cs, [first, second])
            if expected is not None:
                assert cs.match([first, second]) == expected, (cs.id, first, second)
    assert checked > 500


def test_a_match_is_remembered_by_the_codings_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Codings read from JSON are never changed: their answers are remembered (bounded); an
    unhashable coding (a SimpleNamespace, an R4B model) is matched every time."""
    from clotwatch.fhir import codes
    from clotwatch.fhir.elements import read_coding

    cs = next(c for c in all_codesets() if c.id == "heart_rate")
    monkeypatch.setattr(codes, "MATCH_CACHE_SIZE", 2)
    cs.__dict__.pop("_matched", None)
    entry = cs.codes[0]
    coding = read_coding({"system": entry.system, "code": entry.code or "x"})
    other = read_coding({"system": entry.system, "code": "no-such-code"})
    assert cs.match([coding]) == _scan(cs, [coding]) == cs.match((coding,))
    assert cs.match([other]) is None and cs.match([other, coding]) == _scan(cs, [coding])
    assert len(cs._matched) <= 2
    loose = SimpleNamespace(system=entry.system, code=entry.code)
    assert cs.match([loose]) == _scan(cs, [loose])
