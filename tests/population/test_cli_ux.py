"""The commands as a user meets them: where the result goes, what a mistake says, Ctrl-C.

Each test is a surprise found by running the README's quick start and then giving the
commands the wrong thing (issue 10, "Bad input"): exit 2 with one line naming the thing and
the reason, never a traceback, and never a file of the user's lost or half a result left.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.population import records

from clotwatch.cli import main
from clotwatch.population import screen as screen_module

VIEWS = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population" / "views"
AS_OF = "2026-03-10"


def _export(tmp_path: Path) -> Path:
    return records.write(tmp_path / "e", records.situations())


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_out_naming_an_existing_file_is_refused_and_the_file_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was renamed to .NAME.old, the result put in its place, and the run ended in a
    traceback (NotADirectoryError) with the user's file left under another name."""
    folder = _export(tmp_path)
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    err = _refused(["population", "screen", str(folder), "--out", str(mine),
                    "--as-of", AS_OF], capsys)
    assert f"--out: {mine} is a file" in err
    assert mine.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e", "notes.txt"]


@pytest.mark.parametrize("where", ["parent", "export"])
def test_out_naming_a_folder_of_other_files_is_refused_and_nothing_deleted(
        tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The result folder replaces --out whole: `--out .` deleted the working folder, export
    included, and `--out EXPORT` the export."""
    folder = _export(tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    out = tmp_path if where == "parent" else folder
    err = _refused(["population", "screen", str(folder), "--out", str(out),
                    "--as-of", AS_OF], capsys)
    assert f"--out: {out} holds files a screening does not write" in err
    assert sorted(p.name for p in folder.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["e"]


def test_out_may_be_an_empty_folder_or_an_earlier_result(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _export(tmp_path)
    out = tmp_path / "r"
    out.mkdir()
    for _ in range(2):  # an empty folder, then the result of the first run
        assert main(["population", "screen", str(folder), "--out", str(out),
                     "--as-of", AS_OF, "--json"]) == 0
        assert sorted(p.name for p in out.iterdir()) == sorted(screen_module.RESULT_FILES)
        (out / ".DS_Store").write_bytes(b"\0")  # the folder shown in a file browser
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e", "r"]


def test_out_a_symbolic_link_is_refused(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = _export(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    err = _refused(["population", "screen", str(folder), "--out", str(tmp_path / "link"),
                    "--as-of", AS_OF], capsys)
    assert "is a symbolic link" in err


def test_since_after_as_of_is_refused(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """It ran and reported 0 encounters, as if the export held none."""
    folder = _export(tmp_path)
    err = _refused(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
                    "--as-of", "2026-06-30", "--since", "2027-01-01"], capsys)
    assert "--since: 2027-01-01T00:00:00Z is after --as-of 2026-06-30T00:00:00Z" in err
    assert not (tmp_path / "r").exists()


def test_views_run_out_naming_a_folder_is_refused_before_running(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It ran the view, then failed to rename onto the folder: IsADirectoryError traceback."""
    folder = _export(tmp_path)
    out = tmp_path / "rows"
    out.mkdir()
    err = _refused(["views", "run", str(VIEWS / "patient.json"), "--data", str(folder),
                    "--format", "csv", "--out", str(out)], capsys)
    assert f"--out: {out} is a folder" in err
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e", "rows"]


@pytest.mark.parametrize("raised", [RuntimeError("Query interrupted"), KeyboardInterrupt()])
def test_ctrl_c_mid_run_exits_130_in_one_line_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: BaseException,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C inside a DuckDB query reaches Python as RuntimeError("Query interrupted")
    (DuckDB takes the KeyboardInterrupt): it ended in a traceback with exit 1. The
    temporary folder was, and is, removed."""
    folder = _export(tmp_path)
    real = screen_module._write

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # half the result files are in the temporary folder
        raise raised

    monkeypatch.setattr(screen_module, "_write", interrupted)
    out = tmp_path / "r"
    assert main(["population", "screen", str(folder), "--out", str(out),
                 "--as-of", AS_OF]) == 130
    err = capsys.readouterr().err
    assert err.strip() == f"clotwatch: interrupted; {out} was not written or changed"
    assert [p.name for p in tmp_path.iterdir()] == ["e"]


def test_duckdbs_interrupt_is_recognised() -> None:
    import duckdb

    from clotwatch.core.errors import InputError
    from clotwatch.population.duckdb import interrupted

    assert interrupted(RuntimeError("Query interrupted"))
    assert interrupted(duckdb.InterruptException("Interrupted!"))
    assert not interrupted(RuntimeError("Out of Memory Error"))
    assert not interrupted(InputError("data", "x.ndjson:3: not JSON"))


def test_the_summary_line_names_every_file_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """summary.json was written but not named in the closing line."""
    folder = _export(tmp_path)
    assert main(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
                 "--as-of", AS_OF]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    for name in screen_module.RESULT_FILES:
        assert name in last
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["encounters"] == 10


def _subparser(*names: str) -> Any:
    import argparse

    from clotwatch.cli import build_parser

    parser: Any = build_parser()
    for name in names:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


@pytest.mark.parametrize("command", [("population", "screen"), ("population", "synth"),
                                     ("views", "run")])
def test_help_gives_every_default_and_fits_a_terminal(
        command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Each option that has a default says it (--seed said "default 0", --since nothing),
    the description is wrapped (screen's was one 170-character line), and the exit codes
    are given."""
    parser = _subparser(*command)
    for action in parser._actions:
        if action.option_strings and action.default not in (None, False, "==SUPPRESS=="):
            assert "default" in (action.help or ""), action.option_strings
    for option in ("--since", "--master"):
        if option in parser._option_string_actions:
            assert "default" in (parser._option_string_actions[option].help or "")
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 100
    if command != ("population", "synth"):
        assert "Exit status: 0 done, 2 bad input" in text


def test_synth_help_lists_every_type_it_writes() -> None:
    """The help named 8 types; synth writes 12 (Location and the device resources too)."""
    from clotwatch.cli.population import SYNTH_TYPES
    from clotwatch.population.synth import TYPES

    assert SYNTH_TYPES == tuple(TYPES)


def test_synth_never_writes_over_an_export_it_did_not_make(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """synth wrote its Patient.ndjson over whatever folder it was given, a real export too."""
    real = _export(tmp_path)
    before = {p.name: p.read_bytes() for p in real.iterdir()}
    err = _refused(["population", "synth", "3", str(real)], capsys)
    assert f"OUT_DIR: {real} already holds NDJSON files" in err and "real export" in err
    assert {p.name: p.read_bytes() for p in real.iterdir()} == before
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    assert f"OUT_DIR: {mine} is a file" in _refused(["population", "synth", "3", str(mine)],
                                                      capsys)
    # the usage line's names (it said "n:" and "out_dir:", argparse's dest)
    assert "error: N: give 1 or more patients" in _refused(
        ["population", "synth", "0", str(tmp_path / "none")], capsys)
    demo = tmp_path / "demo"
    for _ in range(2):  # its own folder: written again
        assert main(["population", "synth", "3", str(demo), "--workers", "1"]) == 0
    assert (demo / ".clotwatch-synth").is_file()
    capsys.readouterr()


@pytest.mark.parametrize("view, reason", [
    ({"resource": "Patient", "select": [{"column": [{"path": "id"}]}]},
     "column: each column needs a name and a path"),
    ({"resource": "Patient", "select": [{"column": [{"name": "bad name!", "path": "id"}]}]},
     "column: column name 'bad name!' is not a database name"),
    ({"resource": "Patient", "select": [{"column": [{"name": "_x", "path": "id"}]}]},
     "column: column name '_x' is not a database name"),
    ({"resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}],
      "where": [{"path": "gender"}]}, "where path 'gender' does not give a boolean"),
])
def test_a_view_that_breaks_the_spec_is_named_with_the_reason(
        tmp_path: Path, view: dict[str, Any], reason: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The line named the rule but not the file ("column: each column needs ..."); a column
    name no database takes ran; a where that is not a boolean came out as "Invalid Input
    Error: ..." (DuckDB's class of error)."""
    folder = _export(tmp_path)
    path = tmp_path / "my-view.json"
    path.write_text(json.dumps(view))
    err = _refused(["views", "run", str(path), "--data", str(folder)], capsys)
    assert err.startswith(f"clotwatch: error: view: {path}: {reason}")
    assert "Invalid Input Error" not in err


@pytest.mark.parametrize("damage", ["not gzip", "cut short"])
@pytest.mark.parametrize("command", ["screen", "views"])
def test_a_gz_file_that_cannot_be_read_is_named_in_one_line(
        tmp_path: Path, damage: str, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A .ndjson.gz that is not gzip, or is cut short, ended in a BadGzipFile / EOFError
    traceback (DuckDB's read failed, then the line scan that names the bad line did too)."""
    import gzip

    folder = _export(tmp_path)
    for path in sorted(folder.glob("*.ndjson")):
        whole = gzip.compress(path.read_bytes() * 40, mtime=0)
        path.with_name(path.name + ".gz").write_bytes(
            b"not gzip\n" if damage == "not gzip" and path.name == "Patient.ndjson"
            else whole[: len(whole) // 2] if path.name == "Patient.ndjson" else whole)
        path.unlink()
    bad = folder / "Patient.ndjson.gz"
    argv = (["population", "screen", str(folder), "--out", str(tmp_path / "r"), "--as-of", AS_OF]
            if command == "screen" else
            ["views", "run", str(VIEWS / "patient.json"), "--data", str(folder)])
    err = _refused(argv, capsys)
    assert f"data: {bad}" in err and "cannot read (" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]


def test_the_input_problems_are_counted_in_words_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It printed checks.py's keys ("malformed_line 1, wrong_type 1") on one line."""
    folder = _export(tmp_path)
    with (folder / "Condition.ndjson").open("a", encoding="utf-8") as f:
        f.write('{"resourceType": "Observation", "id": "stray"}\n{"cut short\n')
    assert main(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
                 "--as-of", AS_OF]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("input problems (the first examples, with file and line:")
    assert "  1  Line that is not a JSON object (skipped)" in err
    assert "  1  Resource of another type than its file's (not read)" in err
    assert not any("malformed_line" in line for line in err)


def test_what_is_not_an_export_is_named_with_what_to_give(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A FHIR Bundle given as the export was refused as "a Bulk Data manifest has an 'output'
    list"; a folder whose NDJSON is one level down as holding none; --out under a file with
    mkdir's "File exists"."""
    bundle = tmp_path / "patient.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection"}))
    err = _refused(["population", "screen", str(bundle), "--out", str(tmp_path / "r")], capsys)
    assert "a FHIR Bundle, not a Bulk Data export" in err and "clotwatch fhir score" in err
    other = tmp_path / "list.json"
    other.write_text("[]")
    err = _refused(["views", "run", str(VIEWS / "patient.json"), "--data", str(other)], capsys)
    assert "not a Bulk Data manifest (it has no 'output' list)" in err
    folder = _export(tmp_path / "nested")
    err = _refused(["population", "screen", str(folder.parent), "--out", str(tmp_path / "r")],
                   capsys)
    assert f"its subfolder {folder} does: give that folder" in err
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    err = _refused(["population", "screen", str(folder), "--out", str(mine / "r")], capsys)
    assert f"--out: {mine} is a file, so {mine / 'r'} cannot be made" in err
    assert mine.read_text() == "mine"


@pytest.mark.parametrize("name, explicit, first", [
    ("rows.csv", None, b"patient_id,gender,birth_date\n"),
    ("rows.parquet", None, b"PAR1"),
    ("rows.ndjson", None, b'{"patient_id":'),
    ("rows.txt", None, b'{"patient_id":'),
    ("rows.csv", "ndjson", b'{"patient_id":'),  # an explicit --format wins
])
def test_views_run_writes_the_format_its_out_file_names(
        tmp_path: Path, name: str, explicit: str | None, first: bytes) -> None:
    """`--out rows.csv` without --format wrote NDJSON into the .csv file."""
    folder = _export(tmp_path)
    out = tmp_path / name
    argv = ["views", "run", str(VIEWS / "patient.json"), "--data", str(folder),
            "--out", str(out)]
    assert main(argv + (["--format", explicit] if explicit else [])) == 0
    assert out.read_bytes().startswith(first)


def test_sigterm_mid_run_cleans_up_as_ctrl_c_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """kill (SIGTERM) ended the process at once: the temporary folder beside --out, with
    DuckDB's database and spill files in it, was left behind. Now it is Ctrl-C's path."""
    import os
    import signal

    class Killed(Exception):  # noqa: N818 - what the old behaviour would have done
        pass

    def killed_outright(*_: Any) -> None:
        raise Killed

    folder = _export(tmp_path)
    real = screen_module._write

    def terminated(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return result

    monkeypatch.setattr(screen_module, "_write", terminated)
    before = signal.signal(signal.SIGTERM, killed_outright)
    try:
        out = tmp_path / "r"
        assert main(["population", "screen", str(folder), "--out", str(out),
                     "--as-of", AS_OF]) == 130
        assert signal.getsignal(signal.SIGTERM) is killed_outright  # put back
    finally:
        signal.signal(signal.SIGTERM, before)
    assert "interrupted" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["e"]


def test_an_export_log_and_types_not_used_are_named_not_counted_as_none(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Bulk Data export carries its client's log beside the resources (SMART's sample
    bulk exports: ``log.ndjson``, events of SMART's bulk-data-client with exportId, eventId
    and timestamp, no resourceType); it was counted as 4 resources of type "(none)". It is
    named as what it is, as are other JSON objects that are not resources and the types the
    screening does not read; none of them is an input problem (--on-error fail runs)."""
    folder = _export(tmp_path)
    (folder / "log.ndjson").write_text(
        '{"exportId": "x", "timestamp": "2026-03-09T10:00:00Z", "eventId": "kickoff", '
        '"eventDetail": {}}\n'
        '{"exportId": "x", "timestamp": "2026-03-09T10:01:00Z", "eventId": "export_complete",'
        ' "eventDetail": {"files": 0}}\n', encoding="utf-8")
    (folder / "notes.ndjson").write_text('{"note": "not a resource"}\n', encoding="utf-8")
    (folder / "AllergyIntolerance.ndjson").write_text(
        '{"resourceType": "AllergyIntolerance", "id": "a1", "patient": '
        '{"reference": "Patient/ontime"}}\n', encoding="utf-8")
    out = tmp_path / "r"
    assert main(["population", "screen", str(folder), "--out", str(out), "--as-of", AS_OF,
                 "--on-error", "fail"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert ("note: log.ndjson: 2 lines without a resourceType, not read (a Bulk Data export "
            "log: its events, not FHIR resources)") in err
    assert ("note: notes.ndjson: 1 line without a resourceType, not read (JSON objects that "
            "are not FHIR resources)") in err
    assert "note: resources the screening does not use: AllergyIntolerance 1" in err
    p = json.loads((out / "summary.json").read_text(encoding="utf-8"))["problems"]
    assert p["total"] == 0 and "(none)" not in p["resources_read"]
    assert [(Path(x["file"]).name, x["lines"]) for x in p["not_resources"]] == [
        ("log.ndjson", 2), ("notes.ndjson", 1)]
    assert p["types_not_used"] == {"AllergyIntolerance": 1}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert ("Not read: log.ndjson, 2 lines without a resourceType (a Bulk Data export log: its "
            "events, not FHIR resources).") in html
    assert "Resources the screening does not use: AllergyIntolerance 1." in html


def _one_stream(monkeypatch: pytest.MonkeyPatch) -> io.TextIOWrapper:
    """stdout and stderr into one stream, in the order written, as a terminal shows them
    (and as ``2>&1`` keeps them when Python writes each line at once)."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    monkeypatch.setattr("sys.stdout", stream)
    monkeypatch.setattr("sys.stderr", stream)
    return stream


def _written(stream: io.TextIOWrapper) -> list[str]:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8").splitlines()


def _export_with_notes(tmp_path: Path) -> Path:
    folder = _export(tmp_path)
    (folder / "log.ndjson").write_text(
        '{"exportId": "x", "timestamp": "2026-03-09T10:00:00Z", "eventId": "kickoff"}\n',
        encoding="utf-8")
    (folder / "AllergyIntolerance.ndjson").write_text(
        '{"resourceType": "AllergyIntolerance", "id": "a1", "patient": '
        '{"reference": "Patient/ontime"}}\n', encoding="utf-8")
    with (folder / "Condition.ndjson").open("a", encoding="utf-8") as f:
        f.write('{"cut short\n')
    return folder


def test_the_notes_come_before_the_summary_and_the_result_line_is_last(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary line (stdout) was printed first and the notes (stderr: log.ndjson not
    read, types not used, input problems) after it, then the result line, so on a terminal
    the notes sat between the two lines of the result as if about the files written."""
    folder = _export_with_notes(tmp_path)
    stream = _one_stream(monkeypatch)
    assert main(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
                 "--as-of", AS_OF]) == 0
    lines = _written(stream)
    assert lines[-2].startswith("10 inpatient encounters; denominator ")
    assert lines[-1].startswith(f"results in {tmp_path / 'r'}/ (report.html")
    before = lines[:-2]
    assert before[0].startswith("input problems (the first examples")
    assert "  1  Line that is not a JSON object (skipped)" in before
    assert [line for line in before if line.startswith("note: ")] == [
        "note: log.ndjson: 1 line without a resourceType, not read (a Bulk Data export log: "
        "its events, not FHIR resources)",
        "note: resources the screening does not use: AllergyIntolerance 1"]


def test_with_json_the_notes_go_to_stderr_first_and_stdout_is_the_json_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--json printed the notes nowhere (the JSON has them, a person running it does not
    see them); now stderr has the same lines as without --json, and stdout only the JSON."""
    folder = _export_with_notes(tmp_path)
    argv = ["population", "screen", str(folder), "--out", str(tmp_path / "r"),
            "--as-of", AS_OF, "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)  # the whole of stdout is one JSON document
    assert summary["encounters"] == 10 and summary["problems"]["total"] == 1
    err = captured.err.splitlines()
    assert err[0].startswith("input problems (the first examples")
    assert "note: resources the screening does not use: AllergyIntolerance 1" in err
    stream = _one_stream(monkeypatch)
    assert main(argv) == 0
    lines = _written(stream)
    start = lines.index("{")
    assert lines[:start] == err  # every note before the JSON begins
    assert json.loads("\n".join(lines[start:])) == summary


def test_the_progress_bar_is_drawn_on_stderr_not_in_the_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The bar is shown when stderr is a terminal, but rich drew it on stdout: with stdout
    redirected (`screen ... > result.txt`) the terminal showed no progress and the file began
    with an empty line."""
    import sys

    folder = _export(tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["population", "screen", str(folder), "--out", str(tmp_path / "r"),
                 "--as-of", AS_OF]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("10 inpatient encounters; "), lines
    assert "screening" in captured.err or "writing the results" in captured.err
