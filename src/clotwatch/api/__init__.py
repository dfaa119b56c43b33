"""The FastAPI application: REST v1, health, and (mounted from ``clotwatch.web``) the pages.

HTTP status codes are chosen here and nowhere else.
"""

from clotwatch.api.app import create_app

__all__ = ["create_app"]
