"""D-dimer units and cut-offs for the NG158 pathways.

Every D-dimer value is converted to ng/mL in fibrinogen-equivalent units (FEU) before it is
compared with a cut-off, because the cut-offs used here (500 ng/mL FEU, the age-adjusted
age x 10 ug/L FEU, YEARS 500/1000 ng/mL FEU) are stated in FEU.

- Mass units: 1 ng/mL = 1 ug/L; 1 mg/L = 1 ug/mL = 1000 ng/mL (plain SI prefixes).
- DDU -> FEU: a D-dimer unit (DDU) is about half a fibrinogen-equivalent unit, so a value in
  DDU is multiplied by 2 (Favaloro EJ, Thachil J. Clin Chem Lab Med 2020;58:1191-9,
  doi:10.1515/cclm-2020-0573, PMID:32432563: "~2x differences"; Lippi G et al. Semin Thromb
  Hemost 2015;41:287-93, doi:10.1055/s-0035-1549092). The exact ratio depends on the assay;
  2 rather than a smaller factor makes the converted value larger, so a borderline result is
  read as positive rather than wrongly negative. An assay-specific cut-off from the laboratory
  is better still: give the laboratory's own verdict as ``ddimer_result`` instead.
- A unit that does not say FEU or DDU is refused: the two differ two-fold and guessing could
  turn a positive result negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clotwatch.core.errors import InputError

DDU_TO_FEU = 2.0
DDU_TO_FEU_SOURCE = (
    "Favaloro EJ, Thachil J. Clin Chem Lab Med 2020;58:1191-9. doi:10.1515/cclm-2020-0573 "
    "PMID:32432563"
)

# Usual cut-off of a quantitative D-dimer assay reported in FEU.
STANDARD_CUTOFF_NG_ML_FEU = 500.0
STANDARD_SOURCE = (
    "conventional cut-off 500 ug/L FEU as in Righini M et al. JAMA 2014;311:1117-24, "
    "doi:10.1001/jama.2014.2135; NICE NG158 1.1, D-dimer testing (fully quantitative assay)"
)
# The age-adjusted cut-off itself (Righini 2014) is the instrument "ddimer-age-adjusted" in
# clotwatch.core.instruments; it is not repeated here.

# ng/mL per unit of each mass concentration, keyed by the normalised mass part.
_MASS_TO_NG_ML = {
    "ng/ml": 1.0,
    "ug/l": 1.0,
    "mg/l": 1000.0,
    "ug/ml": 1000.0,
}
_BASIS_FACTOR = {"FEU": 1.0, "DDU": DDU_TO_FEU}

ACCEPTED_UNITS: tuple[str, ...] = tuple(
    f"{mass} {basis}" for basis in ("FEU", "DDU") for mass in ("ng/mL", "ug/L", "mg/L", "ug/mL")
)


@dataclass(frozen=True)
class ParsedUnit:
    """A D-dimer unit understood: its mass part, FEU/DDU basis and factor to ng/mL FEU."""

    text: str
    mass: str
    basis: str
    factor: float


def parse_unit(unit: str, field: str = "ddimer_unit") -> ParsedUnit:
    """Understand a D-dimer unit such as ``"ng/mL FEU"``, ``"mg/L{FEU}"`` or ``"µg/L DDU"``.

    Raises ``InputError(field, ...)`` for anything that cannot be converted with certainty.
    """
    if not isinstance(unit, str) or not unit.strip():
        raise InputError(field, "give the D-dimer unit, e.g. 'ng/mL FEU' or 'ng/mL DDU'")
    text = unit.strip()
    norm = text.replace("µ", "u").replace("μ", "u").replace("mcg", "ug")
    # "ng/mL_FEU" and "ng/mL-FEU" are how people type it at a shell without quoting.
    norm = re.sub(r"[\s_-]+", " ", norm)
    m = re.fullmatch(
        r"(?i)\s*(?P<b1>FEU|DDU)?\s*(?P<mass>[a-z]+ ?/ ?[a-z]+)\s*"
        r"(?:\{(?P<b2>FEU|DDU)\}|\(?(?P<b3>FEU|DDU)\)?)?\s*",
        norm,
    )
    if m is None:
        raise InputError(field, f"unknown D-dimer unit {text!r}; use one of {_accepted()}")
    mass = m.group("mass").replace(" ", "").lower()
    bases = {b.upper() for b in (m.group("b1"), m.group("b2"), m.group("b3")) if b}
    if mass not in _MASS_TO_NG_ML:
        raise InputError(field, f"unknown D-dimer unit {text!r}; use one of {_accepted()}")
    if len(bases) != 1:
        raise InputError(
            field,
            f"unit {text!r} does not say FEU or DDU; they differ about two-fold, so the value "
            "cannot be compared with a cut-off (give e.g. 'ng/mL FEU')",
        )
    basis = bases.pop()
    return ParsedUnit(text, mass, basis, _MASS_TO_NG_ML[mass] * _BASIS_FACTOR[basis])


def _accepted() -> str:
    return ", ".join(ACCEPTED_UNITS)


def to_ng_ml_feu(value: float, unit: str, field: str = "ddimer_value") -> float:
    """Convert a D-dimer value in ``unit`` to ng/mL FEU (see module docstring for DDU)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(field, "must be a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(field, "must be a finite number")
    if value < 0:
        raise InputError(field, "a D-dimer concentration cannot be negative")
    parsed = parse_unit(unit, field="ddimer_unit")
    return float(value) * parsed.factor
