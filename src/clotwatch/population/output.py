"""Writing view rows as NDJSON, CSV or Parquet; a file is written whole or not at all."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import orjson

from clotwatch.core.errors import InputError
from clotwatch.population.compile import Column


def check_out_file(target: str | Path) -> None:
    """``InputError`` when ``--out`` cannot be a file: it is a folder (found after the whole
    run, as the rename failed, it was a traceback)."""
    if Path(target).is_dir():
        raise InputError("--out", f"{target} is a folder; give the name of the file to write")


@contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it only when the block succeeds."""
    target = Path(target)
    check_out_file(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".part",
                                   dir=target.parent)
    except OSError as exc:
        raise InputError("--out", f"{target}: cannot write there ({exc.strerror})") from exc
    os.close(fd)
    path = Path(tmp)
    try:
        yield path
        # mkstemp makes the file private (0600) and the rename kept that: rows.csv was
        # unreadable to the colleague it was for. The mode `>` would give: the replaced
        # file's, else what the umask allows.
        try:
            mode = target.stat().st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        path.chmod(mode)
        os.replace(path, target)
    finally:
        while True:  # removed whatever comes meanwhile (a second Ctrl-C left it)
            try:
                path.unlink(missing_ok=True)
            except KeyboardInterrupt:
                continue
            break


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return orjson.dumps(list(value)).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _ndjson(columns: Sequence[Column], rows: Iterator[tuple[Any, ...]], f: IO[bytes]) -> None:
    names = [c.name for c in columns]
    for r in rows:
        f.write(orjson.dumps(dict(zip(names, r, strict=True))) + b"\n")


def _csv(columns: Sequence[Column], rows: Iterator[tuple[Any, ...]], f: IO[bytes]) -> None:
    text = io.TextIOWrapper(f, encoding="utf-8", newline="", write_through=True)
    w = csv.writer(text, lineterminator="\n")
    w.writerow([c.name for c in columns])
    for r in rows:
        w.writerow([_cell(v) for v in r])
    text.flush()
    text.detach()


def write_rows(columns: Sequence[Column], rows: Iterator[tuple[Any, ...]], fmt: str,
               out: str | None, stream: IO[bytes] | None = None) -> None:
    """Write rows in ``fmt`` to ``out`` (atomically) or to ``stream``."""
    if fmt not in ("ndjson", "csv", "parquet"):
        raise InputError("format", f"unknown format {fmt!r}: use ndjson, csv or parquet")
    if out is None:
        if fmt == "parquet" or stream is None:
            raise InputError("out", "parquet output needs a file")
        (_ndjson if fmt == "ndjson" else _csv)(columns, rows, stream)
        stream.flush()
        return
    with atomic_path(out) as tmp:
        if fmt == "parquet":
            _parquet(columns, rows, tmp)
        else:
            with tmp.open("wb") as f:
                (_ndjson if fmt == "ndjson" else _csv)(columns, rows, f)


def _parquet(columns: Sequence[Column], rows: Iterator[tuple[Any, ...]], path: Path) -> None:
    """Rows to Parquet through DuckDB: streamed to NDJSON first, so memory stays flat."""
    from clotwatch.population.duckdb import DIALECT, connect

    with tempfile.NamedTemporaryFile(suffix=".ndjson", dir=path.parent) as tmp:
        with open(tmp.name, "wb") as f:
            _ndjson(columns, rows, f)
        types = ", ".join(f"'{c.name.replace(chr(39), chr(39) * 2)}': '{DIALECT.sql_type(c)}'"
                          for c in columns)
        names = ", ".join(DIALECT.quote_ident(c.name) for c in columns)
        con = connect()
        try:
            con.execute(
                f"COPY (SELECT {names} FROM read_json('{tmp.name}', format = "
                f"'newline_delimited', columns = {{{types}}})) TO '{path}' "
                "(FORMAT parquet, COMPRESSION zstd)")
        finally:
            con.close()


def write_file(columns: Sequence[Column], rows: Iterator[tuple[Any, ...]], fmt: str,
               path: str | Path) -> None:
    """Write rows to ``path`` as csv or parquet (the caller makes it atomic)."""
    p = Path(path)
    if fmt == "parquet":
        _parquet(columns, rows, p)
        return
    with p.open("wb") as f:
        _csv(columns, rows, f)
