"""D-dimer unit conversion to ng/mL FEU (DDU is about half FEU)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clotwatch.core.errors import InputError
from clotwatch.core.pathway import ACCEPTED_UNITS, DDU_TO_FEU, parse_unit, to_ng_ml_feu


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (500, "ng/mL FEU", 500),
        (500, "µg/L FEU", 500),
        (500, "ug/L FEU", 500),
        (0.5, "mg/L FEU", 500),
        (0.5, "µg/mL FEU", 500),
        (0.5, "mcg/mL FEU", 500),
        (250, "ng/mL DDU", 500),
        (0.25, "mg/L DDU", 500),
        (500, "ng/mL{FEU}", 500),
        (0.5, "mg/L{FEU}", 500),
        (250, "ng/mL{DDU}", 500),
        (500, "FEU ng/mL", 500),
        (500, "ng/mL (FEU)", 500),
        (500, "ng/mL_FEU", 500),
        (250, "ng/mL-DDU", 500),
    ],
)
def test_units_are_converted_to_ng_per_ml_feu(value: float, unit: str, expected: float) -> None:
    assert to_ng_ml_feu(value, unit) == pytest.approx(expected)


def test_ddu_to_feu_factor_is_two() -> None:
    # Favaloro & Thachil 2020 (doi:10.1515/cclm-2020-0573): FEU and DDU differ about two-fold.
    assert DDU_TO_FEU == 2.0


@pytest.mark.parametrize("unit", ["ng/mL", "mg/L", "", "nmol/L FEU", "ng/mL FEU DDU", "%"])
def test_units_that_cannot_be_converted_with_certainty_are_refused(unit: str) -> None:
    with pytest.raises(InputError) as err:
        parse_unit(unit)
    assert err.value.field == "ddimer_unit"


@pytest.mark.parametrize("unit", ACCEPTED_UNITS)
def test_every_advertised_unit_is_accepted(unit: str) -> None:
    assert parse_unit(unit).basis in ("FEU", "DDU")


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.sampled_from(ACCEPTED_UNITS))
def test_conversion_is_monotonic_and_never_shrinks_ddu(value: float, unit: str) -> None:
    feu = to_ng_ml_feu(value, unit)
    assert feu >= 0
    assert to_ng_ml_feu(value * 2, unit) >= feu
    if unit.endswith("DDU"):
        assert feu == pytest.approx(to_ng_ml_feu(value, unit.replace("DDU", "FEU")) * 2)
