"""benchmarks/notes_real.py on a corpus made here: a folder of notes and a FHIR
DocumentReference file; and that it skips cleanly without one."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from tests.benchmarks.scripts import load

bench = load("notes_real")


def test_without_a_corpus_it_says_so_and_exits_zero(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    assert bench.main([str(tmp_path / "absent")]) == 0
    out = capsys.readouterr().out
    assert "is not there" in out and "skipped: no corpus" in out


def test_counts_and_the_answers_to_read(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    folder = tmp_path / "curated"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "HISTORY: She has a history of DVT.\n\nFAMILY HISTORY: Positive for cancer.\n"
        "She is on aspirin 81 mg daily.\n", encoding="utf-8")
    (folder / "b.txt").write_text("   \n", encoding="utf-8")  # empty: skipped
    note = "Patient presents with left calf swelling. No haemoptysis."
    ndjson = tmp_path / "DocumentReference.ndjson"
    ndjson.write_text(json.dumps({
        "resourceType": "DocumentReference", "id": "d1",
        "content": [{"attachment": {"contentType": "text/plain",
                                    "data": base64.b64encode(note.encode()).decode()}}],
    }) + "\n", encoding="utf-8")
    audit = tmp_path / "audit.jsonl"
    items = tmp_path / "items.jsonl"
    assert bench.main([str(tmp_path / "curated"), str(ndjson), "--audit", str(audit),
                       "--items", str(items)]) == 0
    out = capsys.readouterr().out
    assert "Notes read: 2 (curated 1, synthea 1), skipped 1" in out
    assert "| wells-pe | previous_vte | yes | historical | 1 |" in out
    assert "| perc | hemoptysis | no | negated | 1 |" in out
    read = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    everything = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
    # the history of DVT has a cue word ("history") and is read; the relative's cancer is
    # not a yes at all
    assert any(i["words"] == "DVT" and i["why_read"] == "cue" for i in read)
    assert not any("cancer" in i["words"] for i in everything)
    assert {i["corpus"] for i in everything} == {"curated", "synthea"}
