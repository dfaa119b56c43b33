"""The one exception tree of clotwatch; defined in ``clotwatch.core.errors`` so that the pure
core can raise it without importing anything outside ``core``.

    ClotwatchError
     +-- InputError        bad input: unknown id, wrong type, out of range, malformed document
     +-- MissingDataError  data that an operation cannot do without is absent
     +-- MappingError      a FHIR resource or code cannot be mapped to clotwatch's inputs
     +-- StoreError        the database refused or lost something
     +-- ConfigError       settings are invalid or unsafe
"""

from clotwatch.core.errors import (
    ClotwatchError,
    ConfigError,
    InputError,
    MappingError,
    MissingDataError,
    StoreError,
)

__all__ = [
    "ClotwatchError",
    "ConfigError",
    "InputError",
    "MappingError",
    "MissingDataError",
    "StoreError",
]
