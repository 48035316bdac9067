"""The HTTP API: ``create_app(settings)`` builds the FastAPI application.

Owns: the app factory (``app``), its parts' wiring (``services``), one router per
resource (``routes``), their dependencies (``deps``), the bodies (``schemas``),
errors as problem details (``problems``), request limits, idempotent writes and
the rate limit. Calls the application layer (``ledger``, ``ledger.operations``,
``lineage.operations``) and the read models; holds no business rule.
"""

from service.http.app import create_app
from service.http.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
