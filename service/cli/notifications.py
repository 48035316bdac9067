"""``notifications --as M [--unread]`` and ``notifications read ID --as M``.

The read model is brought up to date first (the projector drives the mail
database's follower), so a member sees what the log says now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import typer

from ledger.domain.errors import InvalidValueError
from projections.mail_store import open_mail_database
from projections.notification_projection import mark_read, notifications_of
from service.cli.acts import FormatOption
from service.cli.context import Format, emit_json, state_of

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="A member's notifications, newest first.", invoke_without_command=True)
    app.add_typer(group, name="notifications")

    @group.callback()
    def notifications(
        ctx: typer.Context,
        acting: str | None = typer.Option(None, "--as", help="The member whose notifications."),
        unread: bool = typer.Option(False, "--unread", help="Only those not read yet."),
        output_format: FormatOption = Format.text,
    ) -> None:
        """List a member's notifications, newest first."""
        if ctx.invoked_subcommand is not None:
            return
        if acting is None:
            raise InvalidValueError("give --as MEMBER")
        state = state_of(ctx)
        member_id = state.ledger.find_member(acting)
        state.read_models.projector.catch_up()
        database = open_mail_database(state.setting)
        try:
            rows = notifications_of(database, member_id, unread_only=unread)
        finally:
            database.close()
        shown: list[dict[str, Any]] = [
            {
                "id": str(row.notification_id),
                "kind": row.kind,
                "proposal": str(row.proposal_id),
                "position": row.position,
                "created_at": row.created_at.isoformat(),
                "subject": row.subject,
                "body": row.body,
                "read": row.read_at is not None,
            }
            for row in rows
        ]
        if output_format is Format.json:
            emit_json({"id": str(member_id), "notifications": shown})
            return
        if not shown:
            typer.echo("no notifications")
        for item in shown:
            mark = " " if item["read"] else "*"
            typer.echo(f"{mark} {item['id']} {item['created_at'][:10]} {item['subject']}")

    @group.command("read")
    def read(
        ctx: typer.Context,
        notification_ref: str = typer.Argument(..., metavar="ID"),
        acting: str = typer.Option(..., "--as", help="The member the notification is for."),
        output_format: FormatOption = Format.text,
    ) -> None:
        """Mark one of the member's notifications read."""
        state = state_of(ctx)
        member_id = state.ledger.find_member(acting)
        try:
            notification_id = UUID(notification_ref.strip())
        except ValueError:
            raise InvalidValueError(f"{notification_ref!r} is not a notification id") from None
        database = open_mail_database(state.setting)
        try:
            marked = mark_read(database, member_id, notification_id, datetime.now(UTC))
        finally:
            database.close()
        if not marked:
            raise InvalidValueError(f"{acting} has no notification {notification_id}")
        if output_format is Format.json:
            emit_json({"id": str(notification_id), "read": True})
        else:
            typer.echo(f"read {notification_id}")
