"""``prepare_process``: a serving process loads the CDS call's set-up before its first call and
freezes it out of the garbage collector's walks (issue 13: CPU per CDS call)."""

from __future__ import annotations

import gc

from clotwatch.api.server import prepare_process
from clotwatch.fhir import elements


def test_prepare_builds_every_reading_spec_and_freezes_what_is_loaded() -> None:
    gc.unfreeze()
    try:
        prepare_process()
        assert set(elements._SPECS) == set(elements.READS) | set(elements.ELEMENT_READS)
        assert gc.get_freeze_count() > 0
        prepare_process()  # a second call changes nothing it built
        assert set(elements._SPECS) == set(elements.READS) | set(elements.ELEMENT_READS)
    finally:
        gc.unfreeze()  # the rest of the test session collects as before
