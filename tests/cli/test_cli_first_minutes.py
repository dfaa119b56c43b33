"""The command line as a newcomer meets it: a busy port is one line, `pathway dvt --help` is
about DVT, counts read as English ("1 point"), numbers look the same everywhere, and piped
output is the text as written (no padding to 80 columns, citations indented when wrapped)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from clotwatch.cli import main
from clotwatch.cli.common import counted, wrap_indented

FIXTURES = Path(__file__).resolve().parents[1] / "fhir" / "fixtures"


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *argv: str) -> tuple[int, str, str]:
    """The command's exit code, stdout and stderr, piped and without COLUMNS (which
    pytest-xdist sets to 80 in its workers: with it, the output fits 80 columns)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    monkeypatch.delenv("COLUMNS", raising=False)
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_busy_port_is_one_line_saying_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLOTWATCH_") and k != "DATABASE_URL"}
        env["CLOTWATCH_DATA_DIR"] = str(tmp_path)
        done = subprocess.run([sys.executable, "-m", "clotwatch.cli", "serve", "--port",
                               str(port)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {port}" in lines[0] and "already in use" in lines[0]
    assert f"--port {port + 1}" in lines[0]
    assert not list(tmp_path.iterdir()), "nothing is created before the port is known free"


@pytest.mark.parametrize(("pathway", "own", "other"), [
    ("dvt", "ultrasound_requested_at", "ctpa_requested_at"),
    ("pe", "ctpa_requested_at", "repeat_ultrasound")])
def test_pathway_help_is_about_that_pathway(capsys, monkeypatch, pathway: str, own: str,
                                            other: str) -> None:
    code, out, err = run(capsys, monkeypatch, "pathway", pathway, "--help")
    assert code == 0 and err == ""
    assert f"usage: clotwatch pathway {pathway}" in out
    assert own in out and other not in out
    assert f"clotwatch pathway {pathway} age=" in out  # its own examples


def test_pathway_without_a_name_shows_the_general_help(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "pathway", "--help")
    assert code == 0 and "{dvt,pe}" in out and "examples:" in out


def test_counts_are_singular_for_one() -> None:
    assert counted(1, "points") == "1 point"
    assert counted(2, "points") == "2 points"
    assert counted(1.0, "points") == "1 point"
    assert counted(4.0, "points") == "4 points"
    assert counted(1, "criteria met") == "1 criteria met"


def test_score_says_1_point(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "score", "wells-dvt", "active_cancer=yes")
    assert code == 0 and "Total: 1 point " in out and "1 points" not in out
    # Undetermined categories are named as the determined ones are: by their labels.
    assert "could be DVT unlikely or DVT likely" in out


def test_fhir_output_writes_numbers_one_way(capsys, monkeypatch) -> None:
    # piped with no window width: a line is not wrapped (at 80 columns "total" and "2 points"
    # of the Wells DVT line fall on two lines, which is not what this test is about)
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, _ = run(capsys, monkeypatch, "fhir", "score", str(FIXTURES / "patient-full.json"),
                       "--now", "2026-11-24T12:00:00Z")
    assert code == 0
    totals = [line for line in out.splitlines() if ": total " in line]
    assert totals and not [line for line in totals if ".0 point" in line], totals
    assert "total 2 points" in out


def test_one_more_fhir_problem_is_singular() -> None:
    assert _message_with(1).endswith(": bad")
    assert _message_with(2).endswith("(and 1 more problem)")
    assert _message_with(3).endswith("(and 2 more problems)")


def _message_with(problems: int) -> str:
    from clotwatch.fhir.bundle import _describe

    class Fake:
        def errors(self) -> list[dict[str, object]]:
            return [{"loc": ("entry", 0), "msg": "bad"}] * problems

    return _describe(Fake(), {"entry": [{}]})


def test_piped_output_is_not_padded_to_80_columns(capsys, monkeypatch) -> None:
    for argv in (("score", "--list"), ("score", "wells-dvt", "active_cancer=yes"),
                 ("pathway", "dvt", "age=64", "pregnant=no", "wells_dvt_total=2")):
        code, out, _ = run(capsys, monkeypatch, *argv)
        assert code == 0
        padded = [line for line in out.splitlines() if line != line.rstrip()]
        assert not padded, (argv, padded[:3])


def test_list_keeps_each_citation_whole_when_piped(capsys, monkeypatch) -> None:
    from clotwatch.instruments import INSTRUMENTS

    _, out, _ = run(capsys, monkeypatch, "score", "--list")
    for inst in INSTRUMENTS.values():
        assert f"    {inst.citation}" in out.splitlines()


def test_wrapped_citations_keep_their_indent() -> None:
    text = "Wells PS, Anderson DR, Rodger M, et al. Evaluation of D-dimer in the diagnosis " \
           "of suspected deep-vein thrombosis. N Engl J Med 2003;349:1227-35."
    lines = wrap_indented(text, "    ", 50).splitlines()
    assert len(lines) > 2 and all(line.startswith("    ") and len(line) <= 50
                                  for line in lines)
    assert wrap_indented(text, "    ", None) == "    " + text


@pytest.mark.parametrize("columns", [None, "70"])
def test_a_table_with_a_long_cell_is_not_padded_when_piped(capsys, monkeypatch, tmp_path,
                                                           columns) -> None:
    """`notes extract` prints a table whose 'missing' reasons run long: rich pads every row
    to the table's width, which piped (with or without COLUMNS) left each line of the result
    ending in up to 150 spaces."""
    note = tmp_path / "note.txt"
    note.write_text("PAST SURGICAL HISTORY\n1. Hysterectomy.\n2. Tonsillectomy.\n"
                    "3. Adenoidectomy.\n4. Cosmetic surgery.\n5. Appendectomy.\n"
                    "Pulse 61. No lower extremity edema.\n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    if columns:
        monkeypatch.setenv("COLUMNS", columns)
    else:
        monkeypatch.delenv("COLUMNS", raising=False)
    code = main(["notes", "extract", str(note), "--instrument", "wells-pe"])
    out = capsys.readouterr().out
    assert code in (0, None) and "heart_rate" in out
    if columns:
        assert max(len(line) for line in out.splitlines()) <= int(columns)
    padded = [line for line in out.splitlines() if line != line.rstrip()]
    assert not padded, padded[:3]
