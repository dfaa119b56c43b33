"""A large export made from a smaller synthetic one: COPIES copies of every resource, each copy
with every id renamed, for the screening's scaling figures when generating that many patients
would take longer than the machine allows (the benchmark says which it used).

    .venv/bin/python benchmarks/population_replicate.py SRC_EXPORT DST_EXPORT COPIES [WORKERS]

SRC_EXPORT is a ``clotwatch population synth`` folder. Its ids are UUIDs, and the byte pair
``-a`` occurs in it only inside them (at least at the variant group; checked here on a sample:
any other ``-a`` stops the script). Copy k replaces every ``-a`` by ``-`` and a different hex
digit, so each copy's ids (and the references to them) are new and distinct from every other
copy's, and everything else (the clinical content) is the same. Copy k is written as
``Type.00k.ndjson`` (a layout the screening reads: several files per type); copy 0 is a hard
link to the source; Location.ndjson (the hospital's wards) is in copy 0 only. A byte
replacement, not a JSON rewrite, in chunks that end at a line end, copies in WORKERS
processes (default 2).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
from pathlib import Path

DIGITS = b"0123456789bcdef"  # not "a": copy 0 keeps the original ids
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}")
CHUNK = 64 << 20


def _check(path: Path) -> None:
    with path.open("rb") as f:
        sample = f.read(8 << 20)
    if len(sample) == 8 << 20:  # whole lines only: a UUID cut at the end is no UUID
        sample = sample[:sample.rfind(b"\n") + 1]
    if UUID.sub(b"", sample).count(b"-a"):
        raise SystemExit(f"{path}: '-a' outside a UUID: ids cannot be renamed by this script")


def _copy(src: Path, dst: Path, k: int) -> None:
    new = b"-" + DIGITS[k - 1:k]
    for path in sorted(src.glob("*.ndjson")):
        if path.name == "Location.ndjson":
            continue
        with path.open("rb") as f, (dst / f"{path.stem}.{k:03d}.ndjson").open("wb") as out:
            rest = b""
            while block := f.read(CHUNK):
                block = rest + block
                end = block.rfind(b"\n") + 1
                block, rest = block[:end], block[end:]
                out.write(block.replace(b"-a", new))
            out.write(rest.replace(b"-a", new))


def _copy_star(args: tuple[Path, Path, int]) -> None:
    _copy(*args)


def replicate(src: Path, dst: Path, copies: int, workers: int = 2) -> int:
    """Write the copies; the bytes written."""
    if not 1 <= copies <= len(DIGITS) + 1:
        raise SystemExit(f"COPIES: give 1 to {len(DIGITS) + 1}")
    dst.mkdir(parents=True, exist_ok=False)
    for path in sorted(src.glob("*.ndjson")):
        _check(path)
        os.link(path, dst / f"{path.stem}.000.ndjson")
    jobs = [(src, dst, k) for k in range(1, copies)]
    if workers == 1:
        for job in jobs:
            _copy_star(job)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(_copy_star, jobs):
                pass
    return sum(p.stat().st_size for p in dst.glob("*.ndjson"))


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    print(replicate(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]),
                    int(sys.argv[4]) if len(sys.argv) == 5 else 2))
