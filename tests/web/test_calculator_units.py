"""A calculator page's number fields name their unit once."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_a_number_field_names_its_unit_once(client: TestClient) -> None:
    """'ЧСС, уд/мин (уд/мин)': the unit was repeated where the question already names it."""
    ru = client.get("/ru/calculators/perc").text
    en = client.get("/en/calculators/perc").text
    label = re.compile(r'<label for="in-(\w+)">([^<]*)</label>')
    labels = {**{f"en:{k}": v for k, v in label.findall(en)},
              **{f"ru:{k}": v for k, v in label.findall(ru)}}
    assert labels["en:heart_rate"] == "Heart rate (criterion: 100 or more) (beats/min)"
    assert labels["ru:heart_rate"] == "ЧСС (критерий: 100 уд/мин и более)"
    assert labels["en:age"] == "Age, years (criterion: age 50 or over)"
    assert labels["ru:spo2"] == "SpO2 при дыхании атмосферным воздухом, % (критерий: ниже 95)"
