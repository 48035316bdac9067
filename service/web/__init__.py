"""The web pages: credits, family trees, rankings and the audit trail, rendered on the server.

Owns: one router per page family (``home``, ``works``, ``members``,
``productions``, ``audit``), the Jinja2 templates (``templates/``, autoescaped),
the stylesheet (``static/``), the inline family-tree SVG (``trees``) and HTML
error pages (``errors``). ``router`` is what the API's ``create_app`` includes:
pages at ``/``, ``/works/...``, ``/members/...``, ``/productions/...`` and
``/audit``, beside the API under ``/api``.

Reads the server's parts (``deps.PageServices``: the ledger, the read models and
the lineage graph the API reads) and calls the same queries as the API
(``lineage.credits``, ``lineage.family_tree``, ``lineage.royalties``, the read
models' rankings and histories); holds no business rule, runs no SQL and needs
no JavaScript.
"""

from __future__ import annotations

from fastapi import APIRouter

from service.web import audit, home, members, productions, proposals, static, works

__all__ = ["router"]

router = APIRouter()
for _pages in (home, works, members, productions, proposals, audit, static):
    router.include_router(_pages.router)
