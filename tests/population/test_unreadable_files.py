"""A file of an export that cannot be read is named, not skipped.

A folder's ``Procedure.ndjson`` that was a broken link (a copy of an export made with
links, its target moved) was left out without a word: the screening ran without the
operations, 4 of 16 exclusions went and 3 more stays were gaps, exit 0. Issue 10: an
unreadable path is exit 2 and one line naming it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.population import records

from clotwatch.cli import main
from clotwatch.core.errors import InputError
from clotwatch.population.source import open_export

VIEWS = Path(__file__).resolve().parents[2] / "src" / "clotwatch" / "population" / "views"


def _damaged(tmp_path: Path, how: str) -> tuple[Path, Path]:
    folder = records.write(tmp_path / "e", records.situations())
    bad = folder / "Procedure.ndjson"
    bad.unlink()
    if how == "broken link":
        bad.symlink_to(tmp_path / "moved" / "Procedure.ndjson")
    else:
        bad.mkdir()
    return folder, bad


@pytest.mark.parametrize(("how", "reason"), [
    ("broken link", "a link to {target}, which is missing"),
    ("folder", "a folder, not a file"),
])
@pytest.mark.parametrize("command", ["screen", "views"])
def test_a_file_of_the_export_that_cannot_be_read_is_named_and_nothing_written(
        tmp_path: Path, how: str, reason: str, command: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder, bad = _damaged(tmp_path, how)
    argv = (["population", "screen", str(folder), "--out", str(tmp_path / "r"),
             "--as-of", "2026-03-10"] if command == "screen" else
            ["views", "run", str(VIEWS / "procedure.json"), "--data", str(folder)])
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    expected = reason.format(target=tmp_path / "moved" / "Procedure.ndjson")
    assert captured.err.strip() == f"clotwatch: error: data: {bad}: cannot read ({expected})"
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]


def test_a_manifest_naming_a_broken_link_is_refused(tmp_path: Path) -> None:
    folder, bad = _damaged(tmp_path, "broken link")
    manifest = folder / "manifest.json"
    manifest.write_text('{"output": [{"type": "Procedure", "url": "Procedure.ndjson"}]}')
    with pytest.raises(InputError, match="output\\[0\\] file .* is missing"):
        open_export(manifest)


def test_files_named_otherwise_are_still_passed_over(tmp_path: Path) -> None:
    """Only what the export's names say are NDJSON is read, so only those must be readable:
    a broken link or a folder under another name stays as unseen as before."""
    folder = records.write(tmp_path / "e", records.situations())
    (folder / "README.txt").symlink_to(tmp_path / "nowhere")
    (folder / "logs").mkdir()
    assert "Procedure" in open_export(folder).files
