"""Commands that record acts: members, works, citations, comments, votes, productions.

Each prints what it recorded and at which position. ``--as MEMBER`` names the
acting member; without it the operator (the person at this terminal) acts.
"""

from __future__ import annotations

import typer

from service.cli import member_records, production_records, work_records

__all__ = ["register"]


def register(app: typer.Typer) -> typer.Typer:
    """Add the recording commands to ``app``: the ``member`` and ``production`` groups,
    and the commands about works; return the ``production`` group (more is added to it)."""
    member = typer.Typer(
        help="Register members and manage their roles and credit.", no_args_is_help=True
    )
    production = typer.Typer(
        help="Create, fill and publish productions; record revenue.", no_args_is_help=True
    )
    app.add_typer(member, name="member")
    app.add_typer(production, name="production")
    member_records.register(member)
    work_records.register(app)
    production_records.register(production)
    return production
