"""clotwatch: decision support for deep vein thrombosis and pulmonary embolism.

clotwatch supports clinical decisions; it does not make a diagnosis.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "clotwatch supports decisions; it does not diagnose. "
    "If you are worried, or getting worse, seek medical help."
)
