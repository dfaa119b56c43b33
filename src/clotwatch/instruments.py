"""Public API of the instrument library: ``evaluate("wells-dvt", {...})``.

Re-exports :mod:`clotwatch.core.instruments` (its ``__all__`` is the list of public names).
"""

from clotwatch.core.instruments import *  # noqa: F403
from clotwatch.core.instruments import __all__ as __all__
