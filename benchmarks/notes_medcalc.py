"""Note extraction checked on MedCalc-Bench: from the patient note alone to the score.

For the 100 MedCalc-Bench v1.0 test rows of Wells DVT, Wells PE, PERC, HAS-BLED and Caprini
(2005) (``../shared/benchmarks/medcalc-bench/``), the note text is read by ``clotwatch.notes``
- nothing else of the row is used - and compared with:

- the benchmark's own extracted entities, mapped onto our inputs by the same code that
  ``benchmarks/medcalc_bench.py`` uses (``map_entities``): per-input precision and recall;
- the original label and the physician audit's corrected label (Ye et al. 2025): exact-score
  accuracy. (The MedCalc-Bench-Verified vectors share row numbers with v1.0 but come from other,
  synthetic notes that are not in the shared files, so they cannot be read from a note here.)

Exact score uses the benchmark's convention (an item the note does not answer counts as
absent); clotwatch itself never does that - its result is a range - so the share of rows whose
label lies inside our range is reported too. The rules were written from general clinical
language before this was run; no rule names a benchmark note (docs/notes.md).

    .venv/bin/python benchmarks/notes_medcalc.py            # print the report
    .venv/bin/python benchmarks/notes_medcalc.py --write    # rewrite docs/validation/notes.md
"""

from __future__ import annotations

import argparse
import ast
import csv
import re
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from medcalc_bench import (  # noqa: E402  (benchmark scripts import each other by path)
    CALCULATORS,
    CSV_NAME,
    data_dir,
    map_entities,
)

from clotwatch.instruments import INSTRUMENTS, evaluate  # noqa: E402
from clotwatch.notes import note_result  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# A broad net for the manual review: any yes answer whose sentence holds one of these words is
# listed in the report, so that a person checks that the negation did not apply to it.
NEGATION_WORDS = re.compile(
    r"\b(?:no|not|denie[sd]|deny|without|never|absen\w*|lack\w*|void|free|negative|"
    r"rul\w+ out|\w+n't|none|nor|neither|unremarkable|exclud\w*)\b",
    re.IGNORECASE,
)
REPORT = REPO / "docs" / "validation" / "notes.md"
ORDER = ("wells-dvt", "wells-pe", "perc", "has-bled", "caprini-2005")
NAMES = {
    "wells-dvt": "Wells DVT",
    "wells-pe": "Wells PE",
    "perc": "PERC",
    "has-bled": "HAS-BLED",
    "caprini-2005": "Caprini 2005",
}

# Published figures for language models on MedCalc-Bench. They cover all 55 calculators (the
# papers do not break these five out in their abstracts), so they set the scale, not a
# like-for-like comparison.
PUBLISHED: tuple[tuple[str, str, str], ...] = (
    (
        "GPT-4, one-shot chain of thought, all 55 calculators, original labels",
        "50.9%",
        "Khandekar N et al. MedCalc-Bench. NeurIPS 2024 Datasets and Benchmarks; "
        "arXiv:2406.12036",
    ),
    (
        "Frontier LLMs, original vs physician-corrected labels",
        "original labels underestimate accuracy by 16-23 points; at least 27% of test "
        "labels likely wrong or incomputable",
        "Ye J et al. Scalable stewardship of an LLM-assisted clinical benchmark with "
        "physician oversight. arXiv:2512.19691 (2025)",
    ),
    (
        "Best direct prompting (HELM MedHELM), Verified split; RL with verifiable rewards; "
        "open-book prompting; GPT-5.2-Thinking",
        "34.8%; 74%; 81-85%; 95-97%",
        "MedCalc-Bench doesn't measure what you think: a benchmark audit. arXiv:2603.02222 "
        "(2026)",
    ),
)


@dataclass
class Tally:
    """Counts for one input: true/false positives, false negatives, wrong 'no' answers."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_no: int = 0  # we answered "no" where the benchmark's entity says "yes"
    rows_fp: list[str] = field(default_factory=list)
    rows_fn: list[str] = field(default_factory=list)


@dataclass
class RowResult:
    """One benchmark row read from its note."""

    row_id: str
    instrument: str
    review: list[tuple[str, str, str]]  # yes answers whose sentence also has a negation word
    differs: list[str]  # inputs whose points differ from the benchmark entities' points
    total: float
    low: float
    high: float
    label: float | None
    corrected: float | None


def _match(inp_kind: str, ours: Any, theirs: Any) -> bool:
    if inp_kind in ("number", "integer"):
        return abs(float(ours) - float(theirs)) <= max(1.0, 0.02 * abs(float(theirs)))
    return bool(ours == theirs)


def _positive(kind: str, value: Any, zero_options: set[str]) -> bool:
    if value is None:
        return False
    if kind == "bool":
        return value is True
    if kind == "enum":
        return value not in zero_options
    return True


def run(directory: Path) -> tuple[list[RowResult], dict[str, dict[str, Tally]], int]:
    """Read every note; per-input tallies; count of negated evidence marked yes (must be 0)."""
    results: list[RowResult] = []
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    negated_yes = 0
    with open(directory / CSV_NAME, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iid = CALCULATORS[r["Calculator Name"]]
            inst = INSTRUMENTS[iid]
            res = note_result(r["Patient Note"], iid)
            ours = res.extraction.inputs
            negated_yes += sum(
                1 for e in res.extraction.evidence if e.status == "negated" and e.value is True
            )
            entities = ast.literal_eval(r["Relevant Entities"])
            theirs = map_entities(iid, entities, absent_false=True)
            for inp in inst.inputs:
                zero = {o.value for o in inp.options if o.points == 0}
                t = tallies[iid][inp.id]
                a, b = ours.get(inp.id), theirs.get(inp.id)
                a_pos = _positive(inp.kind, a, zero)
                b_pos = _positive(inp.kind, b, zero)
                if a_pos and b_pos and _match(inp.kind, a, b):
                    t.tp += 1
                    continue
                if a_pos:
                    t.fp += 1
                    t.rows_fp.append(r["Unique ID"])
                if b_pos:
                    t.fn += 1
                    t.rows_fn.append(r["Unique ID"])
                    if a is False or (inp.kind == "enum" and a in zero):
                        t.false_no += 1
            review = [
                (e.input, r["Patient Note"][e.start : e.end], " ".join(e.text.split()))
                for e in res.extraction.evidence
                if e.value is True and NEGATION_WORDS.search(e.text)
            ]
            filled = _benchmark_fill(iid, ours)
            mine = evaluate(inst, filled)
            total = float(mine.total or 0)
            ref = {c.input: c.points for c in evaluate(inst, theirs).contributions}
            differs = [c.input for c in mine.contributions if c.points != ref.get(c.input, 0)]
            low, high = (float(x) for x in res.result.total_range)
            results.append(
                RowResult(
                    r["Unique ID"], iid, review, differs, total, low, high,
                    _num(r["Ground Truth Answer"]), _num(r["Corrected GT (Ye et al. 2025)"]),
                )
            )
    return results, tallies, negated_yes


def _benchmark_fill(iid: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The benchmark's convention, for the comparison only: unanswered items count as absent."""
    out = dict(answers)
    for inp in INSTRUMENTS[iid].inputs:
        if inp.id in out:
            continue
        if inp.kind == "bool":
            out[inp.id] = False
        elif inp.kind == "enum":
            out[inp.id] = next(o.value for o in inp.options if o.points == 0)
    return out


def _num(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def _differences(results: list[RowResult]) -> list[str]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in results:
        if not _same(r.total, r.label):
            for i in r.differs:
                counts[(r.instrument, i)] += 1
    return [
        f"| {NAMES[iid]} | {i} | {n} |"
        for (iid, i), n in sorted(counts.items(), key=lambda kv: (ORDER.index(kv[0][0]),
                                                                 -kv[1], kv[0][1]))
    ]


def _cut(text: str, limit: int = 200) -> str:
    text = text.replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"


def _same(a: float, b: float | None) -> bool:
    return b is not None and abs(a - b) < 1e-9


def render(results: list[RowResult], tallies: dict[str, dict[str, Tally]],
           negated_yes: int) -> str:
    """The Markdown report."""
    out = [
        "# Note extraction on MedCalc-Bench",
        "",
        "Generated by `python benchmarks/notes_medcalc.py --write`; "
        "tests/notes/test_notes_medcalc.py fails when it is stale. Do not edit by hand.",
        "",
        "Data: the 100 MedCalc-Bench v1.0 test rows for Wells DVT, Wells PE, PERC, HAS-BLED and "
        "Caprini 2005 (Khandekar et al., NeurIPS 2024, arXiv:2406.12036, CC-BY-SA 4.0), with the "
        "physician audit's corrected labels (Ye et al., arXiv:2512.19691). Only the patient "
        "note is read; the benchmark's entities and labels are used to check, never to extract.",
        "",
        "## Exact-score accuracy",
        "",
        "*Exact* counts the unanswered items as absent (the benchmark's convention, used here "
        "only to compare); clotwatch itself reports a range for them. *Label in range*: the "
        "label lies within the range clotwatch reports from the note.",
        "",
        "| Calculator | Rows | Exact vs original | Exact vs corrected "
        "| Original label in our range | Corrected label in our range |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    sums = [0, 0, 0, 0, 0, 0]
    for iid in ORDER:
        rows = [r for r in results if r.instrument == iid]
        o = sum(_same(r.total, r.label) for r in rows)
        c_rows = [r for r in rows if r.corrected is not None]
        c = sum(_same(r.total, r.corrected) for r in c_rows)
        inr = sum(r.label is not None and r.low <= r.label <= r.high for r in rows)
        cin = sum(r.corrected is not None and r.low <= r.corrected <= r.high for r in c_rows)
        out.append(
            f"| {NAMES[iid]} | {len(rows)} | {_pct(o, len(rows))} | {_pct(c, len(c_rows))} | "
            f"{_pct(inr, len(rows))} | {_pct(cin, len(c_rows))} |"
        )
        for i, x in enumerate((len(rows), o, len(c_rows), c, inr, cin)):
            sums[i] += x
    n, o, nc, c, inr, cin = sums
    out.append(
        f"| **All** | {n} | {_pct(o, n)} | {_pct(c, nc)} | {_pct(inr, n)} | {_pct(cin, nc)} |"
    )
    out += [
        "",
        f"Negated evidence answered as yes: **{negated_yes}** (must be 0; checked by the test).",
        "",
        "The Caprini original labels are known to be wrong (the benchmark's code drops items and "
        "gives BMI > 25 two points; see docs/validation/medcalc-bench.md), so exact agreement "
        "with them is not a goal.",
        "",
        "## Where the exact score differs from the original label",
        "",
        "For each row whose exact score differs from the original label, the inputs whose "
        "points differ from those of the benchmark's own entities (an input can be read "
        "differently from the entity, or missing where the entity is yes). Counts over the "
        "rows:",
        "",
        "| Calculator | Input | Rows |",
        "| --- | --- | --- |",
        *_differences(results),
        "",
        "The largest: Wells DVT *alternative diagnosis at least as likely* is yes in every "
        "benchmark row, and clotwatch reads that judgement only when a note writes it; "
        "HAS-BLED *H* is any history of hypertension in the benchmark but uncontrolled "
        "hypertension (systolic > 160 mmHg) in Pisters 2010 and in clotwatch; Caprini *major "
        "surgery in the last month* is the current operation counted a second time by the "
        "benchmark (docs/validation/medcalc-bench.md), and clotwatch does not count an "
        "operation the note does not date.",
        "",
        "## Published figures for language models",
        "",
        "| System | Accuracy | Source |",
        "| --- | --- | --- |",
    ]
    out += [f"| {a} | {b} | {c} |" for a, b, c in PUBLISHED]
    out += [
        "",
        "These figures are over all 55 calculators (most of them equations on lab values), "
        "so they are a scale, not a like-for-like comparison with the five rule-based scores "
        "here.",
        "",
        "## Per-input precision and recall against the benchmark's entities",
        "",
        "A *positive* is a yes (or a number, or a non-zero option). Precision: of our "
        "positives, the share the benchmark also has; recall: of the benchmark's positives, "
        "the share we found (numbers within 2% or 1 unit). *Wrong no*: we answered no where the "
        "benchmark's entity says yes. The benchmark's entities are themselves often wrong "
        "(docs/validation/medcalc-bench.md adjudicates them); a false positive here is not "
        "always ours.",
        "",
        "| Calculator | Input | TP | FP | FN | Precision | Recall | Wrong no |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for iid in ORDER:
        for inp in INSTRUMENTS[iid].inputs:
            t = tallies[iid][inp.id]
            if t.tp + t.fp + t.fn == 0:
                continue
            prec = _pct(t.tp, t.tp + t.fp)
            rec = _pct(t.tp, t.tp + t.fn)
            out.append(
                f"| {NAMES[iid]} | {inp.id} | {t.tp} | {t.fp} | {t.fn} | {prec} | {rec} | "
                f"{t.false_no} |"
            )
    tp = sum(t.tp for d in tallies.values() for t in d.values())
    fp = sum(t.fp for d in tallies.values() for t in d.values())
    fn = sum(t.fn for d in tallies.values() for t in d.values())
    out += [
        f"| **All** | | {tp} | {fp} | {fn} | {_pct(tp, tp + fp)} | {_pct(tp, tp + fn)} | "
        f"{sum(t.false_no for d in tallies.values() for t in d.values())} |",
        "",
        "## Yes answers next to a negation word (manual review)",
        "",
        "Every yes answer whose sentence also contains a negation word (no, not, denies, "
        "without, never, negative, lacks, ...) is listed for a person to check that the "
        "negation did not apply to it. Reviewed: each line below is a finding the sentence "
        "affirms (the negation belongs to another finding).",
        "",
        "| Row | Input | Words | Sentence |",
        "| --- | --- | --- | --- |",
        *[
            f"| {r.row_id} | {i} | {w} | {_cut(t)} |"
            for r in results for i, w, t in r.review
        ],
        "",
        "## Rows",
        "",
        "| Row | Calculator | Ours (exact) | Our range | Original | Corrected |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        out.append(
            f"| {r.row_id} | {NAMES[r.instrument]} | {r.total:g} | {r.low:g} to {r.high:g} | "
            f"{'' if r.label is None else f'{r.label:g}'} | "
            f"{'' if r.corrected is None else f'{r.corrected:g}'} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the report, or write it with --write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {REPORT}")
    args = parser.parse_args(argv)
    text = render(*run(data_dir()))
    if args.write:
        REPORT.write_text(text, encoding="utf-8")
        print(f"wrote {REPORT.relative_to(REPO)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
