"""``prepare_process``: a serving process loads the CDS call's set-up before its first call and
freezes it out of the garbage collector's walks, and collects the youngest generation less
often (issue 13: CPU per CDS call)."""

from __future__ import annotations

import gc

from clotwatch.api.server import GC_YOUNG_THRESHOLD, prepare_process
from clotwatch.fhir import elements


def test_prepare_builds_every_reading_spec_and_freezes_what_is_loaded() -> None:
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        prepare_process()
        assert set(elements._SPECS) == set(elements.READS) | set(elements.ELEMENT_READS)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:])
        prepare_process()  # a second call changes nothing it built
        assert set(elements._SPECS) == set(elements.READS) | set(elements.ELEMENT_READS)
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()  # the rest of the test session collects as before
        gc.set_threshold(*threshold)
