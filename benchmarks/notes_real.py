"""Note extraction on notes no one here wrote: counts, and the yes answers to read by hand.

Reads every note of a corpus with ``clotwatch.notes`` (the library call behind ``clotwatch
notes extract``) for all seven instruments with note rules, and prints per instrument and
input how many answers were found and their statuses (present, negated, historical, ...).
Then it picks out, for a person to read, the yes answers whose safety goal is at stake (a
denied, past, hypothetical, relative's or uncertain finding must never be read as present):

- every yes answer whose sentence (or the heading above it) holds a negation, history,
  hypothetical, family or uncertainty cue, found by a broad word list kept apart from the
  rules (``CUE_WORDS``, ``CUE_HEADINGS``), so that a cue the rules miss is still caught;
- a random sample (``--seed``, ``--sample``) of all other yes answers.

One mention read by several instruments (a previous DVT for Wells PE, PERC, Geneva, ...) is
one item to read. The corpora (docs/validation/notes-real.md):

- ctakes-examples (Apache-2.0): ``git -C MIRROR archive HEAD ctakes_examples/resources | tar
  x -C DIR`` gives ``DIR/ctakes_examples/resources/{curated,synthetic}/*.txt``;
- Synthea notes of the SMART sample bulk FHIR data (CC0): a ``DocumentReference*.ndjson``
  file, the note being each base64 ``content.attachment.data``.

    .venv/bin/python benchmarks/notes_real.py DIR/ctakes_examples/resources \\
        /work/smart10/DocumentReference.000.ndjson --audit /tmp/audit.jsonl

A path that is not there is skipped with a line saying so; with none left the script says so
and exits 0. Nothing here is asserted; the audit by reading is recorded in
docs/validation/notes-real.md, and its sentences in tests/notes/data/real_notes.json.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clotwatch.notes import note_results
from clotwatch.notes.pipeline import MAX_NOTE_CHARS, SUPPORTED

# Words that may change a finding's status, kept broad on purpose (a net, not the rules).
CUE_WORDS = re.compile(
    r"\b(?:no|not|denie[sd]|deny|without|never|absen\w*|lack\w*|void|free|negative|"
    r"rul\w+ out|r/o|\w+n't|none|nor|neither|unremarkable|exclud\w*|resolved|"
    r"histor\w*|hx|h/o|s/p|status post|prior|previous\w*|past|remote|old|ago|formerly|"
    r"remission|if|should|would|risk|prevent\w*|prophyla\w*|precaution\w*|monitor\w*|"
    r"watch|plan\w*|schedul\w*|await\w*|will|candidate|possibl\w*|probabl\w*|likely|"
    r"unlikely|suspect\w*|suspicio\w*|concern\w*|question\w*|may|might|could|consider\w*|"
    r"versus|vs|differential|presum\w*|unclear|uncertain|evaluat\w*|assess\w*|"
    r"family|fh|fhx|mother|father|mom|dad|sister|brother|sibling\w*|aunt|uncle|"
    r"grand\w*|cousin|daughter|son|parents?|relatives?|maternal|paternal|twin)\b|\?",
    re.IGNORECASE,
)
# A heading that changes the status of the lines under it ("Family history:", "PMH:",
# "Review of systems:", "# Past Medical History", "Discharge instructions:").
CUE_HEADINGS = re.compile(
    r"famil|histor|\bpmh|\bpsh|\bfh|\bros\b|review of systems|systems review|plan|"
    r"instruction|recommend|impression|assessment|differential|precaution|follow",
    re.IGNORECASE,
)
HEADING_LINE = re.compile(
    r"^[ \t]*(?:#+[ \t]*(?P<md>[^\n]{1,60})$|(?P<colon>[A-Za-z][A-Za-z /&]{1,40}):)",
    re.MULTILINE,
)


def notes_in(path: Path) -> Iterator[tuple[str, str, str]]:
    """``(corpus, name, text)`` for each note under ``path``: ``*.txt`` files of a directory
    (recursively) or the attachments of a DocumentReference ``.ndjson`` file."""
    if path.is_dir():
        for f in sorted(path.rglob("*.txt")):
            corpus = f.parent.name
            yield corpus, f.name, f.read_text(encoding="utf-8", errors="replace")
        return
    n = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            res = json.loads(line)
            if res.get("resourceType") != "DocumentReference":
                continue
            for i, content in enumerate(res.get("content", [])):
                data = content.get("attachment", {}).get("data")
                if not data:
                    continue
                try:
                    text = base64.b64decode(data).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    continue
                n += 1
                yield "synthea", f"{res.get('id', n)}#{i}", text


def heading_above(text: str, pos: int) -> str:
    """The nearest heading at or before ``pos`` ("FAMILY HISTORY", "# Medications"), or ''."""
    best = ""
    for m in HEADING_LINE.finditer(text, 0, pos + 1):
        best = (m.group("md") or m.group("colon") or "").strip()
    return best


def is_yes(value: Any) -> bool:
    """A yes answer: True, or an option named (Caprini surgery type, mobility); not numbers
    and not sex. An option chosen because the note denies the item is a *no*."""
    return value is True or isinstance(value, str) and value not in ("female", "male")


def run(paths: list[Path]) -> dict[str, Any]:
    answers: Counter[tuple[str, str, str, str]] = Counter()  # (instrument, input, kind, status)
    items: dict[tuple[str, str, int, int], dict[str, Any]] = {}
    notes = Counter[str]()
    skipped: list[str] = []
    t0 = time.perf_counter()
    for path in paths:
        for corpus, name, text in notes_in(path):
            if not text.strip() or len(text) > MAX_NOTE_CHARS:
                skipped.append(f"{corpus}/{name}")
                continue
            notes[corpus] += 1
            for res in note_results(text, SUPPORTED):
                ex = res.extraction
                for ev in ex.evidence:
                    v = ev.value
                    kind = ("no" if v is False or ev.status == "negated" and is_yes(v)
                            else "yes" if is_yes(v)
                            else "number" if isinstance(v, (int, float)) else "other")
                    answers[(ex.instrument, ev.input, kind, ev.status)] += 1
                    if kind != "yes":
                        continue
                    key = (corpus, name, ev.start, ev.end)
                    item = items.get(key)
                    if item is None:
                        sent = ev.text
                        head = heading_above(text, ev.start)
                        item = items[key] = {
                            "corpus": corpus, "note": name, "start": ev.start, "end": ev.end,
                            "words": text[ev.start : ev.end], "status": ev.status,
                            "sentence": " ".join(sent.split()), "heading": head,
                            "inputs": [],
                            "cue_words": sorted({m.group(0).lower()
                                                 for m in CUE_WORDS.finditer(sent)}),
                            "cue_heading": bool(head and CUE_HEADINGS.search(head)),
                        }
                    item["inputs"].append(f"{ex.instrument}:{ev.input}={v}")
    return {"answers": answers, "items": list(items.values()), "notes": notes,
            "skipped": skipped, "seconds": time.perf_counter() - t0}


def audit_set(items: list[dict[str, Any]], sample: int, seed: int) -> list[dict[str, Any]]:
    """Every yes item with a cue word or a cue heading, and ``sample`` of the others."""
    flagged = [i for i in items if i["cue_words"] or i["cue_heading"]]
    rest = [i for i in items if not (i["cue_words"] or i["cue_heading"])]
    rng = random.Random(seed)
    picked = rng.sample(rest, min(sample, len(rest)))
    for i in flagged:
        i["why_read"] = "cue"
    for i in picked:
        i["why_read"] = "sample"
    return flagged + picked


def report(res: dict[str, Any], audited: list[dict[str, Any]]) -> str:
    lines = [f"Notes read: {sum(res['notes'].values())} ("
             + ", ".join(f"{k} {v}" for k, v in sorted(res["notes"].items()))
             + f"), skipped {len(res['skipped'])}, {res['seconds']:.0f} s"]
    answers: Counter[tuple[str, str, str, str]] = res["answers"]
    by_inst: Counter[tuple[str, str]] = Counter()
    for (inst, _inp, kind, _st), n in answers.items():
        by_inst[(inst, kind)] += n
    lines += ["", "| Instrument | yes | no | number | other |", "| --- | --- | --- | --- | --- |"]
    for inst in SUPPORTED:
        lines.append(f"| {inst} | " + " | ".join(str(by_inst[(inst, k)])
                                                   for k in ("yes", "no", "number", "other"))
                     + " |")
    lines += ["", "| Instrument | Input | Answer | Status | Count |",
              "| --- | --- | --- | --- | --- |"]
    for (inst, inp, kind, st), n in sorted(answers.items(),
                                           key=lambda kv: (SUPPORTED.index(kv[0][0]),
                                                           kv[0][1], kv[0][2], kv[0][3])):
        lines.append(f"| {inst} | {inp} | {kind} | {st} | {n} |")
    items = res["items"]
    yes_status = Counter(i["status"] for i in items)
    n_cue = sum(1 for i in audited if i["why_read"] == "cue")
    lines += ["", f"Yes mentions (one per place in a note): {len(items)} ("
              + ", ".join(f"{k} {v}" for k, v in sorted(yes_status.items())) + ")",
              f"To read: {len(audited)} ({n_cue} with a cue word or heading, "
              f"{len(audited) - n_cue} sampled from the other {len(items) - n_cue})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run over the corpora given; print the counts; optionally write the items to read."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="directories of .txt notes or DocumentReference .ndjson files")
    parser.add_argument("--audit", type=Path, help="write the yes answers to read (JSON lines)")
    parser.add_argument("--items", type=Path,
                        help="write every yes answer (JSON lines), to compare two runs")
    parser.add_argument("--sample", type=int, default=150,
                        help="yes answers without a cue to sample (default 150)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the sample (default 11)")
    args = parser.parse_args(argv)
    paths = []
    for p in args.paths:
        if p.exists():
            paths.append(p)
        else:
            print(f"skipped: {p} is not there")
    if not paths:
        print("skipped: no corpus given (see the module docstring for where to get one)")
        return 0
    res = run(paths)
    audited = audit_set(res["items"], args.sample, args.seed)
    print(report(res, audited))
    if args.items:
        with args.items.open("w", encoding="utf-8") as fh:
            for item in res["items"]:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"wrote {args.items}")
    if args.audit:
        with args.audit.open("w", encoding="utf-8") as fh:
            for item in audited:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"wrote {args.audit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
