"""Render docs/instruments.md from the declarations: ``python -m clotwatch.instruments_doc``.

The reference page is generated, never hand-edited, so that the points a clinician reads are
the points the code scores (a test fails when the committed page is stale).
"""

from __future__ import annotations

import sys

from clotwatch.core.instruments.explain import bands_text, kind_text, points_text
from clotwatch.instruments import INSTRUMENTS

HEADER = """# Instrument reference

Generated from the declarations in `src/clotwatch/core/instruments/catalogue.py` by
`python -m clotwatch.instruments_doc > docs/instruments.md`; do not edit by hand.

Every input is optional. An unanswered input is listed in `missing` and never read as "no":
the total counts what was answered, `total_range` and `possible_categories` say what the
unanswered inputs could still change, and `category` stays `null` until they cannot change it.

> Decision support, not a diagnosis: a score informs a clinician's judgement; it does not
> replace it.

Use: `clotwatch score ID --help`, `clotwatch score ID input=value ...`,
`clotwatch score ID --json < answers.json`, or from Python
`clotwatch.instruments.evaluate("ID", {...})`.
"""


def render() -> str:
    """The whole reference page as Markdown."""
    out = [HEADER]
    for inst in INSTRUMENTS.values():
        out.append(f"\n## `{inst.id}`: {inst.name}\n")
        out.append(f"{inst.purpose} Version {inst.version}.\n")
        if inst.note:
            out.append(f"\n{inst.note}\n")
        out.append("\n| input | meaning | type | points |\n|---|---|---|---|\n")
        for inp in inst.inputs:
            out.append(f"| `{inp.id}` | {inp.meaning} | {kind_text(inp)} | {points_text(inp)} |\n")
        out.append("\n")
        for scheme, bands in inst.schemes.items():
            primary = " (primary)" if scheme == inst.primary else ""
            out.append(f"- Categories `{scheme}`{primary}: {bands_text(bands)}\n")
        for (scheme, value), meaning in inst.interpretations.items():
            src = f" Source: {meaning.source}." if meaning.source else ""
            out.append(f"- `{scheme}` = `{value}`: {meaning.text}{src}\n")
        out.append(f"\nSource: {inst.citation}\n")
        for other in inst.other_citations:
            out.append(f"Also: {other}\n")
    return "".join(out).replace("\n\n\n", "\n\n")


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render())
