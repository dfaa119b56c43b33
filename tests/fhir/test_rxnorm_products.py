"""The RxNorm product table (``fhir/rxnorm_products.json``) is generated from a published source
(issue 13): OHDSI's Eunomia OMOP vocabulary subset, RxNorm 2018-12-03, whose drug hierarchy
OHDSI builds from RxNorm's relationships. The source rows used are committed as an extract
(``fhir/rxnorm_source/eunomia_rxnorm.csv``); these tests read that extract with the csv module,
independently of the generator, and check the table against it."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from clotwatch.fhir import rxnorm_build
from clotwatch.fhir.codes import RXNORM, codeset, rxnorm_product

FHIR = Path(rxnorm_build.__file__).resolve().parent
TABLE = json.loads((FHIR / "rxnorm_products.json").read_text(encoding="utf-8"))
META = json.loads((FHIR / "rxnorm_source" / "source.json").read_text(encoding="utf-8"))
KEPT = json.loads((FHIR / "rxnorm_source" / "not_in_source.json").read_text(encoding="utf-8"))
EXTRACT_PATH = FHIR / "rxnorm_source" / "eunomia_rxnorm.csv"
VALUE_SETS_PATH = FHIR / "rxnorm_source" / "ecqm_value_sets.csv"
MEDICATION_SETS = ("anticoagulant", "antineoplastic", "antiplatelet_nsaid", "estrogen",
                   "vte_prophylaxis_drug")

# The table as it was entered by hand for issue 13 (commit 2f1a1ac): code, TTY, ingredients.
HAND_TABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "1364445": ("SCD", ("apixaban",)), "1364435": ("SCD", ("apixaban",)),
    "1364447": ("SBD", ("apixaban",)), "1232086": ("SCD", ("rivaroxaban",)),
    "854235": ("SCD", ("enoxaparin",)), "854252": ("SCD", ("enoxaparin",)),
    "855332": ("SCD", ("warfarin",)), "314659": ("PIN", ("heparin",)),
    "309362": ("SCD", ("clopidogrel",)), "243670": ("SCD", ("aspirin",)),
    "310965": ("SCD", ("ibuprofen",)), "198405": ("SCD", ("ibuprofen",)),
    "849574": ("SCD", ("naproxen",)), "198014": ("SCD", ("naproxen",)),
    "748856": ("BPCK", ("drospirenone", "ethinyl estradiol")),
    "978950": ("BPCK", ("dienogest", "estradiol")),
    "751905": ("BPCK", ("norgestimate", "ethinyl estradiol")),
    "749762": ("BPCK", ("levonorgestrel", "ethinyl estradiol")),
    "748879": ("BPCK", ("levonorgestrel", "ethinyl estradiol")),
    "1367439": ("SBD", ("etonogestrel", "ethinyl estradiol")),
    "1534809": ("SCD", ("ethinyl estradiol", "norelgestromin")),
    "235389": ("SBD", ("mestranol", "norethynodrel")),
    "757594": ("BPCK", ("norethindrone",)), "748962": ("BPCK", ("norethindrone",)),
    "831533": ("BPCK", ("norethindrone",)), "389221": ("SCD", ("etonogestrel",)),
    "807283": ("SBD", ("levonorgestrel",)), "1605257": ("SBD", ("levonorgestrel",)),
    "1856546": ("SBD", ("levonorgestrel",)), "1000126": ("SCD", ("medroxyprogesterone",)),
    "1000156": ("SCD", ("medroxyprogesterone",)), "1860480": ("SCD", ("docetaxel",)),
    "583214": ("SCD", ("paclitaxel",)), "1736854": ("SCD", ("cisplatin",)),
    "1734340": ("SCD", ("etoposide",)), "1736776": ("SCD", ("oxaliplatin",)),
}
# Where the source disagrees with the hand table (the source wins; docs/fhir.md says why):
# packs whose source ingredients also hold RxNorm's "Inert Ingredients" (the placebo tablets),
# and 235389, which OHDSI's vocabulary classes as a multiple-ingredient concept (MIN), not SBD.
INERT = "inert ingredients"
TTY_CORRECTED = {"235389": "MIN"}


def _extract() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with EXTRACT_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            p = out.setdefault(row["product_rxcui"], {
                "class": row["product_class"], "name": row["product_name"],
                "invalid": row["product_invalid_reason"], "ingredients": {}})
            p["ingredients"][row["ingredient_rxcui"]] = row["ingredient_name"].lower()
    return out


EXTRACT = _extract()
BY_CODE = {p["code"]: p for p in TABLE["products"]}


def test_the_committed_table_is_what_the_generator_makes_of_the_extract() -> None:
    assert (FHIR / "rxnorm_products.json").read_text(encoding="utf-8") == \
        rxnorm_build.build_from_files()
    assert rxnorm_build.main(["build", "--check"]) == 0


def test_the_extract_is_the_one_recorded_with_its_source() -> None:
    digest = hashlib.sha256(EXTRACT_PATH.read_bytes()).hexdigest()
    assert digest == META["extract_sha256"]
    assert META["rxnorm_version"] == "RxNorm 20181203"
    assert TABLE["source"] == META
    assert "public domain" in META["licence"] and "Apache" in META["licence"]
    assert len(EXTRACT) > 100  # the whole RxNorm part of the subset, not a pick


def test_every_source_product_has_exactly_the_ingredients_the_source_relates_it_to() -> None:
    source_rows = [p for p in TABLE["products"] if p["basis"] == "source"]
    assert len(source_rows) >= 25
    for p in source_rows:
        src = EXTRACT[p["code"]]
        assert p["ingredient_rxcuis"] == sorted(src["ingredients"], key=int), p["code"]
        assert p["ingredients"] == [src["ingredients"][c] for c in p["ingredient_rxcuis"]]
        cut = len(src["name"]) >= 255  # the OMOP vocabulary's limit: marked with an ellipsis
        assert p["name"] == src["name"] + ("\u2026" if cut else "")
        assert p["tty"] == rxnorm_build.TTY_OF_CLASS[src["class"]]
        assert not src["invalid"]


def test_no_source_product_with_an_ingredient_the_code_sets_name_is_left_out() -> None:
    names = {n.lower() for s in MEDICATION_SETS for n in codeset(s).names}
    for code, src in EXTRACT.items():
        if src["class"] != "Ingredient" and names & set(src["ingredients"].values()):
            assert BY_CODE[code]["basis"] == "source", code
    # e.g. a mestranol pack that no record here sent is still recognised as oestrogen
    assert set(BY_CODE["749882"]["ingredients"]) >= {"mestranol", "norethindrone"}


def test_every_hand_entered_code_is_kept_and_the_source_agrees_with_it() -> None:
    for code, (tty, ingredients) in HAND_TABLE.items():
        row = BY_CODE[code]
        if row["basis"] == "source":
            assert row["tty"] == TTY_CORRECTED.get(code, tty), code
            assert set(row["ingredients"]) - {INERT} == set(ingredients), code
        elif row["basis"] == "value set":  # a value set gives no term type
            assert row["tty"] == "drug" and row["ingredients"] == list(ingredients), code
        else:
            assert row["basis"] == "not in source"
            assert row["tty"] == TTY_CORRECTED.get(code, tty), code
            assert code not in EXTRACT
            assert sorted(row["ingredients"]) == sorted(ingredients), code
            assert "Seen in" in row["evidence"], code
    basis = [BY_CODE[c]["basis"] for c in HAND_TABLE]
    # 23 from the source, rivaroxaban 1232086 from its value set; the other 12 are named in
    # docs/fhir.md
    assert (basis.count("source"), basis.count("value set")) == (23, 1)


def test_a_code_the_source_holds_may_not_be_kept_by_hand() -> None:
    kept = {"sources": "x", "products": [{"code": "748856", "tty": "BPCK", "name": "Yaz",
                                          "ingredients": ["ethinyl estradiol"], "evidence": "x"}]}
    extract = rxnorm_build.read_extract()
    with pytest.raises(ValueError, match="748856 is in the source"):
        rxnorm_build.build(extract, kept, META, {"ethinyl estradiol"})
    assert {p["code"] for p in KEPT["products"]}.isdisjoint(EXTRACT)


def test_build_leaves_out_invalid_products_and_those_outside_the_scope() -> None:
    ee = (("4124", "Ethinyl Estradiol"),)
    extract = {
        "1": rxnorm_build.SourceProduct("1", "Clinical Drug", "EE tablet", "", ee),
        "2": rxnorm_build.SourceProduct("2", "Clinical Drug", "EE old", "U", ee),
        "3": rxnorm_build.SourceProduct("3", "Clinical Drug", "other", "", (("5", "Other"),)),
    }
    doc = rxnorm_build.build(extract, {"sources": "x", "products": []}, META,
                             {"ethinyl estradiol"})
    assert [(p["code"], p["ingredients"]) for p in doc["products"]] == [
        ("1", ["ethinyl estradiol"])]


def test_the_extract_query_keeps_rxnorm_products_with_their_rxnorm_ingredients() -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE vocabulary (vocabulary_id TEXT, vocabulary_version TEXT)")
    con.execute("INSERT INTO vocabulary VALUES ('RxNorm', 'RxNorm 20181203'), ('ATC', 'x')")
    con.execute("CREATE TABLE concept (concept_id INT, concept_name TEXT, vocabulary_id TEXT, "
                "concept_class_id TEXT, concept_code TEXT, invalid_reason TEXT)")
    con.execute("""INSERT INTO concept VALUES
        (1, 'Ethinyl Estradiol', 'RxNorm', 'Ingredient', '4124', NULL),
        (2, 'drospirenone', 'RxNorm', 'Ingredient', '11636', NULL),
        (3, 'Yaz pack', 'RxNorm', 'Branded Pack', '748856', NULL),
        (4, 'drospirenone / EE Oral Tablet', 'RxNorm', 'Clinical Drug', '748800', 'U'),
        (5, 'G03AA12', 'ATC', 'ATC 5th', 'G03AA12', NULL),
        (6, 'Estrogens', 'RxNorm', 'Ingredient', '9999', NULL)""")
    con.execute("CREATE TABLE concept_ancestor (ancestor_concept_id INT, "
                "descendant_concept_id INT, min_levels_of_separation INT)")
    con.execute("""INSERT INTO concept_ancestor VALUES
        (1, 3, 3), (2, 3, 3), (1, 4, 2), (5, 3, 1), (6, 1, 1), (1, 1, 0)""")
    version, rows = rxnorm_build.extract_rows(con)
    assert version == "RxNorm 20181203"
    # the ATC class and the ingredient-to-ingredient link are not product-ingredient pairs;
    # an updated (invalid) product is kept in the extract and left out by ``build``
    assert rows == [("748800", "Clinical Drug", "drospirenone / EE Oral Tablet", "U", "4124",
                     "Ethinyl Estradiol"),
                    ("748856", "Branded Pack", "Yaz pack", "", "4124", "Ethinyl Estradiol"),
                    ("748856", "Branded Pack", "Yaz pack", "", "11636", "drospirenone")]


def _value_sets() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    with VALUE_SETS_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["rxcui"], []).append(row)
    return out


# Value sets whose definition holds anticoagulants only ("Anticoagulant Medications",
# 2.16.840.1.113762.1.4.1206.19, also holds clopidogrel and prasugrel: not one of them).
ANTICOAGULANT_SETS = {
    "2.16.840.1.113762.1.4.1248.22",     # Anticoagulants for All Indications
    "2.16.840.1.113883.3.3157.4045",     # Oral Anticoagulant Medications
    "2.16.840.1.113883.3.117.1.7.1.134",  # Oral Factor Xa Inhibitor for VTE Prophylaxis ...
    "2.16.840.1.113883.3.117.1.7.1.219",  # Low Molecular Weight Heparin for VTE Prophylaxis
    "2.16.840.1.113762.1.4.1110.50",     # Rivaroxaban for VTE Prophylaxis
}
CHEMOTHERAPY_SETS = {"2.16.840.1.113762.1.4.1248.355"}  # Chemotherapy Agents for Adv. Cancer


def test_kept_products_name_the_published_value_sets_that_list_them() -> None:
    assert hashlib.sha256(VALUE_SETS_PATH.read_bytes()).hexdigest() == \
        META["value_sets"]["extract_sha256"]
    value_sets = _value_sets()
    anticoagulants = {n.lower() for n in codeset("anticoagulant").names}
    chemotherapy = {n.lower() for n in codeset("antineoplastic").names}
    unconfirmed = []
    for p in TABLE["products"]:
        if p["basis"] != "not in source":
            continue
        rows = value_sets.get(p["code"], [])
        assert p["value_sets"] == sorted({f"{r['value_set']} ({r['oid']})" for r in rows})
        for r in rows:  # the published expansion shows the code under the table's name
            assert r["display"] == p["name"], (p["code"], r["display"])
        oids = {r["oid"] for r in rows}
        if anticoagulants & set(p["ingredients"]) and not oids & ANTICOAGULANT_SETS:
            unconfirmed.append(p["code"])
        if chemotherapy & set(p["ingredients"]):
            assert oids & CHEMOTHERAPY_SETS, p["code"]
    # Eliquis 1364447 and heparin 314659 are listed only in "Anticoagulant Medications";
    # docs/fhir.md says so.
    assert sorted(unconfirmed) == ["1364447", "314659"]
    # The source agrees with the value sets where both speak: warfarin 855332 is in "Warfarin".
    assert any(r["value_set"] == "Warfarin" for r in value_sets["855332"])
    assert BY_CODE["855332"]["ingredients"] == ["warfarin"]


# The value sets defined by one ingredient, as their published definitions say.
DEFINED_BY = {
    "2.16.840.1.113883.3.117.1.7.1.232": "warfarin",   # Warfarin
    "2.16.840.1.113762.1.4.1110.50": "rivaroxaban",    # Rivaroxaban for VTE Prophylaxis
    "2.16.840.1.113883.3.117.1.7.1.218": "heparin",    # Unfractionated Heparin
    "2.16.840.1.113762.1.4.1045.39": "heparin",        # Low Dose Unfractionated Heparin ...
}


def test_value_set_products_have_the_ingredient_their_value_set_is_defined_by() -> None:
    value_sets = _value_sets()
    members = {r["rxcui"] for rows in value_sets.values() for r in rows
               if r["oid"] in DEFINED_BY}
    rows_by_basis = [p for p in TABLE["products"] if p["basis"] == "value set"]
    assert {p["code"] for p in rows_by_basis} == members - set(EXTRACT)
    assert len(rows_by_basis) >= 30
    for p in rows_by_basis:
        defined = [r for r in value_sets[p["code"]] if r["oid"] in DEFINED_BY]
        assert p["ingredients"] == sorted({DEFINED_BY[r["oid"]] for r in defined})
        assert {r["display"] for r in defined} == {p["name"]}
        assert p["tty"] == "drug"
        assert p["value_sets"] == sorted({f"{r['value_set']} ({r['oid']})"
                                          for r in value_sets[p["code"]]})
    # where the OMOP source holds a member too, the two agree on the ingredient
    for code in members & set(EXTRACT):
        defined = {DEFINED_BY[r["oid"]] for r in value_sets[code] if r["oid"] in DEFINED_BY}
        assert defined <= set(BY_CODE[code]["ingredients"]), code


def test_a_code_an_ingredient_value_set_lists_may_not_be_kept_by_hand() -> None:
    kept = {"sources": "x", "products": [{"code": "1114198", "tty": "SCD", "name": "r",
                                          "ingredients": ["rivaroxaban"], "evidence": "x"}]}
    with pytest.raises(ValueError, match="1114198 is in a value set"):
        rxnorm_build.build(rxnorm_build.read_extract(), kept, META, {"rivaroxaban"},
                           rxnorm_build.read_value_sets())


def test_value_sets_are_read_from_the_published_module_form() -> None:
    text = (
        "class Warfarin(ValueSet):\n"
        '    """\n    **Clinical Focus:** warfarin\n    """\n\n'
        '    VALUE_SET_NAME = "Warfarin"\n'
        '    OID = "2.16.840.1.113883.3.117.1.7.1.232"\n'
        '    EXPANSION_VERSION = "eCQM Update 2025-05-08"\n\n'
        "    RXNORM = {\n"
        '        "855332",  # warfarin sodium 5 MG Oral Tablet\n'
        "    }\n\n"
        '    SNOMEDCT = {\n        "123",  # not RxNorm\n    }\n'
    )
    assert rxnorm_build.parse_value_sets(text) == [
        ("2.16.840.1.113883.3.117.1.7.1.232", "Warfarin", "eCQM Update 2025-05-08", "855332",
         "warfarin sodium 5 MG Oral Tablet")]


@pytest.mark.parametrize(("code", "codeset_id", "expected"), [
    ("748856", "estrogen", True),       # Yaz: through ethinyl estradiol
    ("749882", "estrogen", True),       # Norinyl 1+50: through mestranol (source only)
    ("1359133", "estrogen", True),      # ethinyl estradiol / norethindrone acetate pack
    ("831533", "estrogen", False),      # Errin: norethindrone only
    ("1366343", "estrogen", False),     # levonorgestrel implant
    ("855332", "anticoagulant", True),  # warfarin
    ("1364445", "anticoagulant", True),  # apixaban (kept, not in source)
    ("1114198", "anticoagulant", True),  # rivaroxaban 10 MG (from its value set)
    ("1361615", "heparin_low_dose", True),  # heparin 5000 UNT/ML (from its value set)
    # CMS108FHIR counts low-dose heparin only when given subcutaneously, so it sits in the
    # route-dependent set, not in the whatever-the-route prophylaxis set.
    ("1361615", "vte_prophylaxis_drug", False),
    ("309362", "anticoagulant", False),  # clopidogrel: antiplatelet
    ("309362", "antiplatelet_nsaid", True),
])
def test_the_loader_reads_products_through_their_ingredients(code: str, codeset_id: str,
                                                             expected: bool) -> None:
    assert rxnorm_product(code) is not None
    coding = SimpleNamespace(system=RXNORM, code=code, display=None)
    assert (codeset(codeset_id).match([coding]) is not None) is expected
