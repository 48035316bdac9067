"""``remix-ledger token issue|list|revoke``: API tokens, for operators.

A token's secret is printed once, when it is issued; the ledger keeps only its
digest (``ledger.tokens``). Without ``--member`` the token is an operator token,
for acts no member may do (registering members on a closed server, granting the
first curator role, ...).
"""

from __future__ import annotations

from uuid import UUID

import typer

from ledger.application.tokens import issue_token, list_tokens, revoke_token
from ledger.domain.errors import InvalidValueError
from service.cli.acts import emit_json_line
from service.cli.context import Format, emit_json, recording, state_of

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    tokens = typer.Typer(
        help="Issue, list and revoke API tokens (operators).", no_args_is_help=True
    )
    app.add_typer(tokens, name="token")

    @tokens.command("issue")
    def token_issue(
        ctx: typer.Context,
        member: str | None = typer.Option(
            None, "--member", help="The member the token acts as; omit for an operator token."
        ),
        label: str = typer.Option("", "--label", help="What the token is for (up to 100 chars)."),
        output_format: Format = typer.Option(Format.text, "--format", help="text or json."),
    ) -> None:
        """Issue a token and print its secret (shown this once)."""
        ledger = recording(ctx)
        member_id = None if member is None else ledger.find_member(member)
        issued = issue_token(ledger, member_id, label=label)
        if output_format is Format.json:
            # One line, as every recording command's JSON; the secret is in it, once.
            line = {
                "recorded": "token",
                "id": str(issued.token_id),
                "member_id": None if member_id is None else str(member_id),
                "label": label,
                "position": issued.position,
                "secret": issued.secret,
            }
            emit_json_line(line)
            return
        whose = "an operator token" if member_id is None else f"a token for member {member_id}"
        typer.echo(f"issued {whose}: id {issued.token_id} (position {issued.position})", err=True)
        typer.echo(issued.secret)

    @tokens.command("list")
    def token_list(
        ctx: typer.Context, output_format: Format = typer.Option(Format.text, "--format")
    ) -> None:
        """Every token issued: id, member (or operator), label, when issued and revoked."""
        ledger = state_of(ctx).ledger
        rows = [
            {
                "token_id": str(token.id),
                "member_id": None if token.member_id is None else str(token.member_id),
                "handle": None
                if token.member_id is None
                else ledger.member(token.member_id).handle,
                "label": token.label,
                "issued_at": token.issued_at.isoformat(),
                "revoked_at": None if token.revoked_at is None else token.revoked_at.isoformat(),
            }
            for token in list_tokens(ledger)
        ]
        if output_format is Format.json:
            emit_json(rows)
            return
        for row in rows:
            who = "operator" if row["handle"] is None else f"@{row['handle']}"
            state = "revoked" if row["revoked_at"] else "live"
            typer.echo(
                f"{row['token_id']}  {state:<7}  {who:<20} {row['issued_at']}  {row['label']}"
            )

    @tokens.command("revoke")
    def token_revoke(
        ctx: typer.Context,
        token_id: str = typer.Argument(..., help="The token's id (token list)."),
        output_format: Format = typer.Option(Format.text, "--format", help="text or json."),
    ) -> None:
        """Revoke a token: every server refuses it from its next request on."""
        try:
            parsed = UUID(token_id)
        except ValueError:
            raise InvalidValueError(f"{token_id!r} is not a token id (see token list)") from None
        recorded = revoke_token(recording(ctx), parsed)
        if output_format is Format.json:
            emit_json_line(
                {"recorded": "revoked token", "id": str(parsed), "position": recorded.position}
            )
            return
        where = "already revoked" if recorded.position is None else f"position {recorded.position}"
        typer.echo(f"revoked token {parsed} ({where})")
