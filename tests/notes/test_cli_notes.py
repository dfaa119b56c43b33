"""``clotwatch notes extract`` as a clinician or a script runs it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from clotwatch.cli import main

NOTE = (
    "72 yo man with a swollen left leg. Calf circumference 4 cm greater on the left. "
    "Denies hemoptysis. History of DVT in 2019. Metastatic colon cancer on chemotherapy.\n"
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_the_issue_shape(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "note.txt"
    f.write_text(NOTE, encoding="utf-8")
    code, out, _ = _run(capsys, "notes", "extract", str(f), "--instrument", "wells-dvt",
                        "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["instrument", "inputs", "evidence", "missing", "result"]
    assert data["inputs"]["previous_dvt"] is True
    assert data["inputs"]["active_cancer"] is True
    assert data["inputs"]["calf_swelling_3cm"] is True
    assert data["result"]["total"] == 3


def test_stdin_and_terminal_view_show_the_note_and_the_score(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(NOTE.encode())))
    code, out, _ = _run(capsys, "notes", "extract", "-", "--instrument", "wells-pe")
    assert code == 0
    assert "Metastatic colon" in out and "Wells score for PE" in out
    assert "hemoptysis" in out and "negated" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["notes", "extract", "/no/such/file", "--instrument", "perc"], "cannot read"),
        (["notes", "extract", "NOTE", "--instrument", "khorana"], "no note rules"),
        (["notes", "extract", "NOTE", "--instrument", "nope"], "unknown instrument 'nope'"),
        # the command line is checked before the file: both wrong, the instrument is named
        (["notes", "extract", "/no/such/file", "--instrument", "wells-dvx"],
         "the notes answer: wells-dvt, wells-pe, perc"),
        (["notes", "extract", "/no/such/file", "--instrument", "perc", "--lang", "xx"],
         "no note rules for 'xx'"),
        (["notes", "extract", "EMPTY", "--instrument", "perc"], "empty"),
        (["notes", "extract", "BINARY", "--instrument", "perc"], "UTF-8"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "NOTE").write_text(NOTE, encoding="utf-8")
    (tmp_path / "EMPTY").write_text("  \n", encoding="utf-8")
    (tmp_path / "BINARY").write_bytes(b"\xff\xfe\x00bad")
    argv = [str(tmp_path / a) if a in ("NOTE", "EMPTY", "BINARY") else a for a in argv]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


@pytest.mark.parametrize("columns", [80, 160])
def test_input_names_are_never_broken_at_either_width(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], columns: int
) -> None:
    """Below 120 columns the score comes under the note, not beside it (at 80 columns
    'calf_swelling_3cm' was printed as 'calf_swelling_3c' / 'm')."""
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(NOTE.encode())))
    code, out, _ = _run(capsys, "notes", "extract", "-", "--instrument", "wells-dvt")
    assert code == 0
    words = set(out.split())
    for name in ("calf_swelling_3cm", "alternative_diagnosis_likely",
                 "bedridden_or_major_surgery", "localized_tenderness"):
        assert name in words
    assert max(len(line) for line in out.splitlines()) <= columns


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"  \n", "the note is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (b"\x00" * 500, "NUL bytes"),  # valid UTF-8, but a binary file, not a note
        ("Swollen left calf.".encode("utf-16"), "UTF-16"),
        (b"Calf swollen. " * 800_000, "longer than 200000 characters"),  # 11 MB
        (b"Calf swollen. " * 20_000, "longer than 200000 characters"),  # 280 KB
    ],
    ids=["empty", "png", "nul", "utf16", "10MB", "280KB"],
)
def test_a_bad_file_is_named_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, says: str
) -> None:
    """Every refusal names the file it is about (a clinician may run it on many), and the
    limit is the one the reader applies (the 280 KB note was refused as 'note: longer than
    200000 characters' but a 10 MB one as 'larger than 1000000 bytes')."""
    f = tmp_path / "admission note.txt"
    f.write_bytes(content)
    code, out, err = _run(capsys, "notes", "extract", str(f), "--instrument", "perc")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(f) in err and says in err


def test_stdin_is_named_as_such(monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, _, err = _run(capsys, "notes", "extract", "-", "--instrument", "perc")
    assert code == 2 and "standard input" in err and "the note is empty" in err


def test_a_directory_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "notes", "extract", str(tmp_path), "--instrument", "perc")
    assert code == 2 and str(tmp_path) in err and "directory" in err


def test_numbers_are_shown_as_written_not_as_floats(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'age 72.0', 'heart_rate 88.0' at the terminal read as machine output; a clinician
    wrote 72 and 88 (--json keeps its numbers)."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(
        b"72 yo man, heart rate 88, SpO2 97% on room air. Temp 37.5.")))
    code, out, _ = _run(capsys, "notes", "extract", "-", "--instrument", "perc")
    assert code == 0
    assert "72.0" not in out and "88.0" not in out and "97.0" not in out
    assert " 72  " in out and " 88  " in out


@pytest.mark.parametrize("columns", [60, 80, 120, 160])
@pytest.mark.parametrize("instrument", ["caprini-2005", "has-bled", "padua", "geneva-revised"])
def test_no_instruments_input_name_is_broken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], columns: int,
    instrument: str
) -> None:
    """Caprini's long names were broken at 80 columns ('serious_lung_disease_past_mont' /
    'h', 'heparin_induced_thrombocytopen' / 'ia'): a name is never wrapped."""
    from clotwatch.core.instruments import get

    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(NOTE.encode())))
    code, out, _ = _run(capsys, "notes", "extract", "-", "--instrument", instrument)
    assert code == 0
    words = set(out.split())
    for inp in get(instrument).inputs:
        assert inp.id in words
    assert max(len(line) for line in out.splitlines()) <= columns


def test_the_help_names_exactly_the_instruments_with_note_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The parser cannot import the pipeline (50 ms at every start), so the help names the
    instruments itself: held here to the pipeline's own list."""
    from clotwatch.notes import SUPPORTED

    code, out, _ = _run(capsys, "notes", "extract", "--help")
    assert code == 0
    out = " ".join(out.split())
    listed = out.split("--instrument ID ")[-1].split("(the instruments with note rules)")[0]
    assert sorted(listed.replace(" or ", ", ").replace(",", " ").split()) == sorted(SUPPORTED)


def test_an_empty_file_argument_is_named_not_read_as_a_directory(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`notes extract "" ...` (an unset shell variable) said ": cannot read it: Is a
    directory": no name, and a reason about a directory nobody gave."""
    code, out, err = _run(capsys, "notes", "extract", "", "--instrument", "perc")
    assert code == 2 and out == ""
    assert err.strip() == ("clotwatch: error: file: the argument is empty; give the note's "
                           "path, or - for standard input")


def test_a_byte_order_mark_is_not_part_of_the_note(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Windows Notepad writes UTF-8 with a byte-order mark: it was quoted in the evidence and
    shifted every offset by one (the issue-11 walk-through)."""
    f = tmp_path / "note.txt"
    f.write_bytes(b"\xef\xbb\xbfDenies hemoptysis. HR 110.")
    code, out, _ = _run(capsys, "notes", "extract", str(f), "--instrument", "perc", "--json")
    assert code == 0
    ev = {e["input"]: e for e in json.loads(out)["evidence"]}
    assert ev["hemoptysis"]["text"] == "Denies hemoptysis."
    assert (ev["hemoptysis"]["start"], ev["hemoptysis"]["end"]) == (7, 17)
