"""Reading form posts into answers objects, by the declaration of what is asked.

Values travel as the form's text; conversion follows the instrument's (or question's) declared
kind. An empty value or ``unknown`` is "don't know" (``None``), never "no".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from clotwatch.errors import InputError

UNKNOWN = "unknown"
ANSWER_PREFIX = "a."


def convert(field: str, kind: str, raw: str | None, options: Iterable[str] = ()) -> Any:
    """One form value to an answer: bool / number / integer / enum; '' or 'unknown' -> None."""
    if raw is None:
        return None
    text = raw.strip()
    if text in ("", UNKNOWN):
        return None
    if kind == "bool":
        if text in ("true", "false"):
            return text == "true"
        raise InputError(field, "choose yes, no or don't know")
    if kind in ("number", "integer"):
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise InputError(field, "enter a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise InputError(field, "enter a number")
        if kind == "integer" or number.is_integer():
            if kind == "integer" and not number.is_integer():
                raise InputError(field, "enter a whole number")
            return int(number)
        return number
    allowed = list(options)
    if allowed and text not in allowed:
        raise InputError(field, "choose one of the options")
    return text


def encode_value(value: Any) -> str:
    """An answer as carried in a hidden field (JSON text)."""
    return json.dumps(value, ensure_ascii=False)


def carried_answers(form: Mapping[str, Any]) -> dict[str, Any]:
    """The answers carried in hidden ``a.<key>`` fields (JSON values)."""
    answers: dict[str, Any] = {}
    for name, raw in form.items():
        if not name.startswith(ANSWER_PREFIX) or not isinstance(raw, str):
            continue
        key = name[len(ANSWER_PREFIX):]
        try:
            answers[key] = json.loads(raw)
        except ValueError:
            raise InputError(key, "malformed answer in the form") from None
    return answers
