"""Numbers with their units in clinical text: age, heart rate, SpO2, BMI, D-dimer, ...

Each pattern below comes from how these values are usually written in notes ("HR 112",
"heart rate of 110 bpm", "SpO2 87% on room air", "68-year-old", "BMI 32 kg/m2", "D-dimer
1,250 ng/mL FEU", "left calf 3.5 cm larger than the right"). A value is returned with its unit
as written and converted to the unit the instruments use; a D-dimer is converted with the
pathway's own rule (``clotwatch.core.pathway.ddimer``): a D-dimer whose unit does not say FEU or
DDU is kept but has no converted value, because the two differ two-fold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from clotwatch.core.errors import InputError
from clotwatch.core.pathway.ddimer import to_ng_ml_feu

# Why a number found in the note has no value (English phrases a page translates).
UNIT_NOT_FEU_DDU = "the unit does not say FEU or DDU"
NOT_SYSTEMIC_BP = "not the systemic blood pressure (pulmonary, portal or intracranial)"
NO_VALUE_REASONS = (UNIT_NOT_FEU_DDU, NOT_SYSTEMIC_BP)

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


@dataclass(frozen=True)
class Measurement:
    """A number found in the note: ``value`` in ``unit`` (converted), and where it was."""

    kind: str
    value: float | None
    unit: str
    start: int
    end: int
    text: str
    qualifier: str | None = None  # e.g. "on oxygen" for an SpO2 that is not on room air


def _f(text: str) -> float:
    return float(text.replace(",", ""))


_Conv = Callable[[re.Match[str]], tuple[float | None, str, str | None]]


def _plain(unit: str) -> _Conv:
    def conv(m: re.Match[str]) -> tuple[float | None, str, str | None]:
        return _f(m.group("n")), unit, None

    return conv


def _age(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    n = _f(m.group("n"))
    unit = (m.groupdict().get("u") or "year").lower()
    if unit.startswith("month"):
        n = n / 12
    elif unit.startswith("week"):
        n = n / 52.1775
    elif unit.startswith("day"):
        n = n / 365.25
    return n, "years", None


# An SpO2 read while oxygen is given: "on 2 L", "with nasal cannula", "via face mask", "while
# receiving 4 L/min" (the delivery phrases of clinical notes: a preposition of use, then a flow,
# a device or the gas). PERC's criterion is SaO2 on room air (Kline 2004), so such a value leaves
# the item missing; marking one too many only leaves an item unanswered, never answers "no".
_OXYGEN = re.compile(
    r"\b(?:on|with|via|using|receiving|while\s+(?:on|receiving|breathing))\s+(?:an?\s+)?"
    r"(?:\d+(?:\.\d+)?\s*(?:l|lpm|liters?|litres?)\b|supplemental|nasal cannula|"
    r"oxygen|o2\b|nrb|non-?rebreather|high[- ]flow|(?:face )?mask|cpap|bipap|ventilat|fio2)",
    re.IGNORECASE,
)


def _spo2(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    after = m.string[m.end() : m.end() + 40]
    qualifier = None
    if _OXYGEN.search(after) and not re.search(
        r"\b(?:room air|ambient air|RA)\b", after[:20], re.IGNORECASE
    ):
        qualifier = "on oxygen"
    return _f(m.group("n")), "%", qualifier


def _ddimer(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    number = _f(m.group("n"))
    unit = " ".join(p for p in (m.group("mass"), m.group("basis")) if p)
    try:
        return to_ng_ml_feu(number, unit), "ng/mL FEU", None
    except InputError:
        return None, unit, UNIT_NOT_FEU_DDU


def _creatinine(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    n = _f(m.group("n"))
    unit = m.group("u").lower()
    # 1 mg/dL of creatinine = 88.4 umol/L (molar mass 113.12 g/mol).
    return (n * 88.4 if unit.startswith("mg") else n), "umol/L", None


def _drinks(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    raw = m.group("n").lower()
    n = float(_WORD_NUMBERS[raw]) if raw in _WORD_NUMBERS else _f(raw)
    per = m.group("per").lower()
    return (n * 7 if per.startswith(("d", "n")) else n), "drinks/week", None


# "AST and ALT were 4 times the normal value", "bilirubin 2.5 x ULN", "three-fold the upper
# limit of normal": a multiple of the upper limit of normal.
_ULN = (
    r"(?P<n>\d+(?:\.\d+)?|" + "|".join(_WORD_NUMBERS) + r")\s*(?:-?\s*fold|times|x|×)\s*"
    r"(?:higher than |above |over |greater than |the )*(?:the )?(?:upper limits? of normal|ULN|"
    r"normal(?: values?| range| limits?| levels?)?)"
)


def _uln(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    raw = m.group("n").lower()
    return (float(_WORD_NUMBERS[raw]) if raw in _WORD_NUMBERS else _f(raw)), "x ULN", None


_NOT_SYSTEMIC = ("pulmonary ", "portal ", "intracranial ")


def _bp(m: re.Match[str]) -> tuple[float | None, str, str | None]:
    if m.string[max(0, m.start() - 13) : m.start()].lower().endswith(_NOT_SYSTEMIC):
        return None, "mmHg", NOT_SYSTEMIC_BP
    return _f(m.group("sys")), "mmHg", None


_HR_WORDS = r"(?:heart rate|\bHR\b|pulse(?: rate)?|tachycardic|tachycardia|bradycardic)"
_SPO2_WORDS = (
    r"(?:SpO2|SpO₂|SaO2|O2 sat(?:uration)?s?|oxygen saturations?|O2 saturations?|"
    r"\bsats?\b|saturating|saturations?|pulse ox(?:imetry)?)"
)
_MASS = r"(?:ng/ml|ng/dl|[uµμ]g/l|mg/l|[uµμ]g/ml|mcg/ml|mg/dl|mcg/l)"

# (kind, pattern, converter). Patterns are tried in order; overlapping later matches of the
# same kind are dropped.
PATTERNS: tuple[tuple[str, str, _Conv], ...] = (
    ("age", r"\b(?P<n>\d{1,3})[- ](?P<u>year|month|week|day)s?[- ]old\b", _age),
    ("age", r"\b(?P<n>\d{1,3}) ?(?:yo|y/o|y\.o\.|yrs? old)(?![\w/])", _age),
    ("age", r"\b(?:aged?|age of|age:)\s*(?P<n>\d{1,3})\b(?!\s*(?:%|mg|cm|kg))", _age),
    (
        "heart_rate",
        _HR_WORDS + r"[^\d\n.;]{0,30}?(?P<n>\d{2,3})(?!\s*(?:%|mmhg|/\d))",
        _plain("beats/min"),
    ),
    (
        "heart_rate",
        r"\b(?P<n>\d{2,3})\s*(?:bpm|beats? per min(?:ute)?|beats?/min)\b",
        _plain("beats/min"),
    ),
    ("spo2", _SPO2_WORDS + r"[^\d\n.;]{0,30}?(?P<n>\d{2,3}(?:\.\d)?)\s*%", _spo2),
    (
        "spo2",
        r"\b(?P<n>\d{2,3}(?:\.\d)?)\s*%\s*(?:on|in)\s*(?:room air|ambient air|RA\b)",
        _spo2,
    ),
    (
        "bmi",
        r"(?:\bBMI\b|body mass index)[^\d\n;]{0,25}?(?P<n>\d{2}(?:\.\d+)?)",
        _plain("kg/m2"),
    ),
    (
        "bmi",
        r"(?:\bBMI\b|body mass index)[^\d\n;]{0,60}?(?P<n>\d{2}(?:\.\d+)?)\s*kg\s*/\s*m",
        _plain("kg/m2"),
    ),
    (
        "ddimer",
        r"\bD-?dimers?\b[^\d\n;]{0,40}?(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
        r"(?P<mass>" + _MASS + r")?\s*(?:\(?(?P<basis>FEU|DDU)\)?)?",
        _ddimer,
    ),
    (
        "calf_difference",
        r"\bcalf\b[^.;\n]{0,60}?(?P<n>\d+(?:\.\d+)?)\s*cm\b[^.;\n]{0,25}?"
        r"(?:greater|larger|bigger|more|wider|difference|discrepancy|asymmetry|than)",
        _plain("cm"),
    ),
    (
        "calf_difference",
        r"(?P<n>\d+(?:\.\d+)?)\s*cm\s+(?:greater|larger|bigger|wider|more)\b[^.;\n]{0,40}?"
        r"\bcalf\b",
        _plain("cm"),
    ),
    (
        "systolic_bp",
        r"(?:\bBP\b|blood pressure|hypertensi(?:on|ve))[^\d\n.;]{0,60}?"
        r"(?P<sys>\d{2,3})\s*/\s*\d{2,3}",
        _bp,
    ),
    ("systolic_bp", r"\b(?P<sys>\d{2,3})\s*/\s*\d{2,3}\s*mm ?hg\b", _bp),
    (
        "systolic_bp",
        r"(?<!ventricular )(?<!pulmonary )(?<!artery )(?<!RV )(?<!PA )"
        r"\bsystolic (?:blood )?(?:pressures?|BP|readings?)[^\d\n.;/]{0,30}?"
        r"(?P<sys>\d{2,3})(?![\d.]|\s*(?:/|%))",
        _bp,
    ),
    (
        "systolic_bp",
        r"\b(?P<sys>\d{2,3})\s*mm ?hg\s+(?:for the |of |in )?(?:the )?systolic\b",
        _bp,
    ),
    (
        "creatinine",
        r"\bcreatinine\b[^\d\n;]{0,30}?(?P<n>\d+(?:\.\d+)?)\s*(?P<u>mg/dl|[uµμ]mol/l)",
        _creatinine,
    ),
    (
        "alcohol_drinks",
        r"(?P<n>\d+|" + "|".join(_WORD_NUMBERS) + r")\s*(?:alcoholic\s+|standard\s+)?"
        r"(?:drinks|units|beers|beverages|glasses of wine|glasses)(?:\s+of\s+\w+)?\s*"
        r"(?:per|a|/|each|every)\s*(?P<per>week|wk|day|d|night)\b",
        _drinks,
    ),
    (
        "alcohol_drinks",
        r"\b(?P<per>weekly|daily|nightly)\b[^\d\n.;]{0,25}?(?P<n>\d+|"
        + "|".join(_WORD_NUMBERS) + r")\s*(?:alcoholic\s+|standard\s+)?"
        r"(?:drinks|units|beers|beverages|glasses)\b",
        _drinks,
    ),
    # "TTR 72%", "time in therapeutic range (TTR) of 55%", "TTR was 52% over six months": the
    # share of time a patient on a vitamin K antagonist spends with the INR in range (HAS-BLED's
    # labile INR is a TTR under 60%, Pisters 2010). A bound or a goal is not a value ("TTR below
    # 70%", "target TTR 65%"): the words between may hold no comparator, goal or another number.
    (
        "ttr",
        r"(?<!target )(?<!goal )(?<!aim )"
        r"(?:\bTTR\b|\btime in (?:the )?therapeutic (?:INR )?range\b)"
        r"(?:(?!(?<!\w)(?:below|under|less|lower|above|over\s*\d|greater|more|at least|exceed\w*|"
        r"target|goal|aim|up to)\b)[^\d\n.;<>≤≥%]){0,30}?(?P<n>\d{1,3}(?:\.\d+)?)\s*%",
        _plain("%"),
    ),
    (
        "bilirubin_uln",
        r"\bbilirubin\b[^\d\n.;]{0,40}?" + _ULN,
        _uln,
    ),
    (
        "liver_enzyme_uln",
        r"\b(?:AST|ALT|transaminases?|aminotransferases?|alkaline phosphatase|ALP|liver "
        r"enzymes)\b[^\d\n.;]{0,40}?" + _ULN,
        _uln,
    ),
)
_COMPILED = tuple((k, re.compile(p, re.IGNORECASE), c) for k, p, c in PATTERNS)
# A pattern is tried only when one of its words is in the note (lower case): most notes hold
# few of the numbers, and scanning 3 KB with every pattern costs more than these checks.
_NEEDS: dict[str, tuple[str, ...]] = {
    "age": ("old", "yo", "y/o", "y.o", "age"),
    "heart_rate": ("heart", "hr", "pulse", "tachycard", "bradycard", "bpm", "beat"),
    "spo2": ("sat", "spo", "sao", "o2", "oxygen", "pulse ox", "%"),
    "bmi": ("bmi", "body mass"),
    "ddimer": ("dimer",),
    "calf_difference": ("calf",),
    "systolic_bp": ("/", "systolic"),
    "creatinine": ("creatinine",),
    "alcohol_drinks": ("drink", "unit", "beer", "glass", "beverage"),
    "ttr": ("ttr", "therapeutic range", "therapeutic inr range"),
    "bilirubin_uln": ("bilirubin",),
    "liver_enzyme_uln": ("ast", "alt", "transaminase", "aminotransferase", "phosphatase",
                         "alp", "liver enzyme"),
}
_WEIGHT = re.compile(r"\b(?:weight|weighed|weighing|wt)\b[^\d\n;]{0,20}?(\d+(?:\.\d+)?)\s*kg\b",
                     re.IGNORECASE)
_HEIGHT = re.compile(
    r"\b(?:height|measured|tall|ht)\b[^\d\n;]{0,20}?(\d+(?:\.\d+)?)\s*(cm|m)\b", re.IGNORECASE
)


# "HR, BP and SpO2 were 112, 150/90 mmHg and 91%, respectively": names, then values in order.
_BOUNDARY = re.compile(r"[;\n]|\.(?!\d)")
_VERB = re.compile(r"\b(?:were|was|are|is|measured(?: at)?|read|of)\b|:", re.IGNORECASE)
_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)
_VITALS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(_HR_WORDS, re.IGNORECASE), "heart_rate"),
    (re.compile(_SPO2_WORDS, re.IGNORECASE), "spo2"),
    (re.compile(r"\bBP\b|blood pressure|systolic", re.IGNORECASE), "systolic_bp"),
    (re.compile(r"\bBMI\b|body mass index", re.IGNORECASE), "bmi"),
    (re.compile(r"temperature|\btemp\b|respiratory rate|\bRR\b|respirations|weight|height",
                re.IGNORECASE), None),
)


_VITAL_KINDS = frozenset({"heart_rate", "spo2", "systolic_bp", "bmi"})


def _chunks(text: str, lower: str) -> list[tuple[int, str]]:
    """Each clause that ends in "respectively", from the last boundary before it."""
    out: list[tuple[int, str]] = []
    at = lower.find("respectively")
    while at >= 0:
        end = at + len("respectively")
        start = max(0, at - 300)
        for b in _BOUNDARY.finditer(text, start, at):
            start = b.end()
        out.append((start, text[start:end]))
        at = lower.find("respectively", end)
    return out


def _respectively(text: str, lower: str, kinds: Collection[str] | None) -> list[Measurement]:
    out: list[Measurement] = []
    for base, chunk in _chunks(text, lower):
        digit = re.search(r"(?<!\w)\d", chunk)  # a number, not the 2 of "SpO2"
        if digit is None:
            continue
        verbs = list(_VERB.finditer(chunk, 0, digit.start()))
        if not verbs:
            continue
        verb = verbs[-1]
        names = [n for n in _SPLIT.split(chunk[: verb.start()]) if n.strip()]
        kinds_named: list[str | None] = []
        for name in reversed(names):
            kind = next((k for rx, k in _VITALS if rx.search(name)), "")
            if kind == "":
                break
            kinds_named.insert(0, kind)
        values: list[tuple[int, str]] = []
        pos = verb.end()
        for item in _SPLIT.split(chunk[verb.end():]):
            at = chunk.find(item, pos)
            pos = at + len(item)
            core = re.sub(r"[\s,]*\brespectively\b.*$", "", item, flags=re.IGNORECASE)
            lead = len(core) - len(core.lstrip())
            if re.search(r"\d", core):
                values.append((base + at + lead, core.strip()))
        if len(kinds_named) < 2 or len(kinds_named) != len(values):
            continue
        for kind, (start, item) in zip(kinds_named, values, strict=True):
            if kind is None or (kinds is not None and kind not in kinds):
                continue
            pattern = r"(\d{2,3})\s*/\s*\d{2,3}" if kind == "systolic_bp" else r"\d+(?:\.\d+)?"
            num = re.search(pattern, item)
            if num is None:
                continue
            value = _f(num.group(1) if kind == "systolic_bp" else num.group(0))
            end = start + len(item.rstrip())
            qualifier = None
            if kind == "spo2":
                after = item[num.end():] + text[end : end + 40]
                if _OXYGEN.search(after) and not re.search(
                    r"\b(?:room air|ambient air|RA)\b", after[:20], re.IGNORECASE
                ):
                    qualifier = "on oxygen"
            unit = {"heart_rate": "beats/min", "spo2": "%", "systolic_bp": "mmHg",
                    "bmi": "kg/m2"}[kind]
            out.append(Measurement(kind, value, unit, start, end, text[start:end], qualifier))
    return out


def measurements(text: str, kinds: Collection[str] | None = None,
                 lower: str | None = None) -> list[Measurement]:
    """Every number with a unit the rules know (or only those of ``kinds``), in order of
    appearance. ``lower`` may pass ``text.lower()`` when the caller has it."""
    out: list[Measurement] = []
    if lower is None or len(lower) != len(text):
        lower = text.lower()
    present = {k for k, words in _NEEDS.items()
               if (kinds is None or k in kinds) and any(w in lower for w in words)}
    for kind, rx, conv in _COMPILED:
        if kind not in present:
            continue
        for m in rx.finditer(text):
            if any(o.kind == kind and o.start < m.end() and m.start() < o.end for o in out):
                continue
            value, unit, qualifier = conv(m)
            out.append(Measurement(kind, value, unit, m.start(), m.end(), m.group(0), qualifier))
    if (kinds is None or not _VITAL_KINDS.isdisjoint(kinds)) and "respectively" in lower:
        for r in _respectively(text, lower, kinds):
            if not any(o.kind == r.kind and o.start < r.end and r.start < o.end for o in out):
                out.append(r)
    if (kinds is None or "bmi" in kinds) and not any(o.kind == "bmi" for o in out):
        w, h = _WEIGHT.search(text), _HEIGHT.search(text)
        if w and h and abs(w.start() - h.start()) < 200:
            metres = _f(h.group(1)) / (100 if h.group(2).lower() == "cm" else 1)
            if 0.5 < metres < 2.6:
                a, b = min(w.start(), h.start()), max(w.end(), h.end())
                out.append(
                    Measurement(
                        "bmi", round(_f(w.group(1)) / metres**2, 1), "kg/m2", a, b,
                        text[a:b], "computed from weight and height",
                    )
                )
    return sorted(out, key=lambda o: o.start)
