"""Every `./run ...` command shown in README.md and examples/README.md works as written: the
files it names exist, it exits 0, and the samples show what they are documented to show at
the time they were written for (their `--now`)."""

from __future__ import annotations

import io
import re
import shlex
import sys
from pathlib import Path

import pytest

from clotwatch.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md", ROOT / "examples" / "README.md")
# Interactive or long-running: started by hand, tested elsewhere (tests/cli, tests/e2e).
NOT_HERE = {"", "serve", "check"}


def commands() -> list[tuple[str, str]]:
    """(document, command line) for each `./run ...` in the documents (code blocks and
    table cells), with a leading `echo '...' |` kept as the standard input."""
    found = []
    for doc in DOCS:
        for line in doc.read_text(encoding="utf-8").splitlines():
            for match in re.finditer(r"(?:echo '[^']*' \| )?\./run(?: [^`#|]*)?", line):
                command = match.group(0).strip()
                argv = shlex.split(command.split("./run", 1)[1])
                if (argv[0] if argv else "") in NOT_HERE or "ARGS" in argv:
                    continue
                found.append((str(doc.relative_to(ROOT)), command))
    return found


def run(command: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    stdin = ""
    if command.startswith("echo "):
        echoed, command = command.split(" | ", 1)
        stdin = shlex.split(echoed)[1]
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    try:
        code = main(shlex.split(command.split("./run", 1)[1]))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_documents_show_commands() -> None:
    shown = commands()
    assert len(shown) >= 10
    assert any("examples/fhir/patient-bundle.json" in c for _, c in shown)


@pytest.mark.parametrize(("doc", "command"), commands())
def test_a_documented_command_works_as_written(doc: str, command: str, monkeypatch,
                                               capsys) -> None:
    for word in shlex.split(command):
        if word.startswith("examples/"):
            assert (ROOT / word).is_file(), f"{doc} names {word}, which does not exist"
    code, out, err = run(command, monkeypatch, capsys)
    assert code == 0, f"{doc}: {command}\n{err}"
    assert out.strip()


def test_the_fhir_sample_shows_its_heart_rate_at_its_own_time(monkeypatch, capsys) -> None:
    # wide, so the heart rate's value and source are on its own line (below 100 columns the
    # source goes on the next line, and the check below would look at nothing)
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run("./run fhir score examples/fhir/patient-bundle.json "
                       "--now 2026-11-24T12:00:00Z --instrument wells-pe", monkeypatch, capsys)
    assert code == 0
    line = out.split("heart_rate", 1)[1].splitlines()[0]
    assert "108" in line and "Observation/hr at 2026-11-24T09:40:00+00:00" in line
    assert "older than 24 h" not in line
    assert "total 5.5 points, category PE likely" in out


def test_the_pathway_sample_gives_its_deadline(monkeypatch, capsys) -> None:
    code, out, _ = run("./run pathway dvt --input examples/pathway/dvt-scan-delayed.json "
                       "--now 2026-11-24T12:00:00Z", monkeypatch, capsys)
    assert code == 0 and "due by 2026-11-25T09:30:00+00:00" in out
    assert "OVERDUE" not in out
