"""The routers the app factory includes, in order: add a router with one line here.

Each entry is ``"module:attribute"`` naming an ``APIRouter``; the module is imported when the
app is created. For example a CDS Hooks router would be added as
``"clotwatch.api.cds_hooks:router",``.
"""

from __future__ import annotations

ROUTERS: tuple[str, ...] = (
    "clotwatch.api.health:router",
    "clotwatch.api.v1:router",
    "clotwatch.api.pathway:router",
    "clotwatch.api.docs:router",
    "clotwatch.api.cds_hooks:router",
    "clotwatch.api.followup:router",
    "clotwatch.api.activity:router",
    "clotwatch.web.pathway:router",
    "clotwatch.web.notes:router",
    "clotwatch.web.followup:router",
    "clotwatch.web.travel:router",
    "clotwatch.web.movement:router",
    "clotwatch.web.routes:router",
)
