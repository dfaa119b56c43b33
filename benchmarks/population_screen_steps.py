"""``clotwatch population screen`` that also prints each stage, with the seconds since start,
to stderr (the benchmark's record of where the time went, and of how far a run that was
stopped got). Same arguments and same work as ``python -m clotwatch.cli population screen``.

    python benchmarks/population_screen_steps.py EXPORT --out DIR --as-of 2026-06-30 --json
"""

from __future__ import annotations

import sys
import time
from typing import Any

from clotwatch.cli import main
from clotwatch.population import screen as screening

_screen = screening.screen
_start = time.perf_counter()


def _with_steps(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
    def step(message: str) -> None:
        print(f"[{time.perf_counter() - _start:.1f} s] {message}", file=sys.stderr, flush=True)

    return _screen(*args, progress=step, **kwargs)


screening.screen = _with_steps  # the CLI imports it when the command runs

if __name__ == "__main__":
    sys.exit(main(["population", "screen", *sys.argv[1:]]))
