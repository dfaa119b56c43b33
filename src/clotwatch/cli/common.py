"""Helpers shared by the sub-commands: reading JSON input and reporting bad input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn


def fail(message: str) -> NoReturn:
    """Print one line naming the problem on stderr and exit 2 (bad input)."""
    print(f"clotwatch: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_json_object(input_path: str | None) -> dict[str, Any]:
    """Read a JSON object from ``input_path`` (or stdin when None or '-')."""
    import orjson

    try:
        if input_path in (None, "-"):
            raw = sys.stdin.buffer.read()
        else:
            raw = Path(input_path).read_bytes()
    except OSError as exc:
        fail(f"--input: cannot read {input_path}: {exc.strerror}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        fail(f"input: malformed JSON: {exc}")
    if not isinstance(data, dict):
        fail(f"input: expected a JSON object, got {type(data).__name__}")
    return data


def dump_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout."""
    import orjson

    sys.stdout.buffer.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()
