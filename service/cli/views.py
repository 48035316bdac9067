"""Commands served by the read models: rankings, the leaderboard, history, projections.

Before answering, a query catches the read models up with the log (cheap when
they are current), so the CLI never shows stale rankings even when no projector
process is running.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import typer
from eventsourcing.application import AggregateNotFoundError

from ledger import Ledger
from ledger.domain.errors import InvalidValueError
from ledger.domain.values import Kind, parse_enum, parse_position_or_time, parse_time_argument
from projections.memory_store import MemoryReadModels
from projections.ordering import RankBy, WorkFilter
from projections.queries import RankedWork, ReadModels, resolve_as_of
from projections.rows import HistoryRow
from service.cli.context import CliState, Format, emit_json, state_of
from service.cli.progress import progress_bar

__all__ = [
    "AS_OF_HELP",
    "IN_MEMORY_NOTE",
    "as_of_position",
    "external_id_of",
    "history_text",
    "parse_as_of",
    "rankings_text",
    "register",
    "shown_ids",
]

AS_OF_HELP = (
    "A past position (0 to the ledger's last), or a time: the log as it stood then"
    " (RFC 3339 with an offset, or a date YYYY-MM-DD, which means the end of that day in UTC)."
)
# Said where the read models cannot be kept (memory://, a ledger this user cannot
# write), so that their position and lag do not read as a state that persists.
IN_MEMORY_NOTE = (
    "the read models of this ledger are kept in memory for this command only"
    " (they cannot be stored beside it): each command builds them again from the log"
)


def parse_as_of(value: str | None) -> int | datetime | None:
    """``--as-of``: a position (an integer), an RFC 3339 time, or a date (its last moment, UTC)."""
    return None if value is None else parse_position_or_time(value, "--as-of")


def as_of_position(ledger: Ledger, value: str | None) -> int | None:
    """The position ``--as-of`` names; one past the ledger's last position is refused.

    A time after the last event names the last position, which exists.
    """
    as_of = parse_as_of(value)
    if isinstance(as_of, int):
        head = ledger.head
        if as_of > head:
            raise InvalidValueError(f"--as-of {as_of} is past the ledger's last position, {head}")
        return as_of
    return resolve_as_of(ledger, as_of)


def _epoch(value: str | None, what: str, *, end_of_day: bool = False) -> float | None:
    if value is None:
        return None
    return parse_time_argument(value, what, end_of_day=end_of_day).timestamp()


def external_id_of(ledger: Ledger, record_id: UUID) -> str | None:
    """The record's external id (None when it has none, or is no record)."""
    try:
        record: Any = ledger.repository.get(record_id)
    except AggregateNotFoundError:
        return None
    external_id: str | None = getattr(record, "external_id", None)
    return external_id


def current_read_models(state: CliState) -> ReadModels:
    """The read models, caught up with the log (with a progress bar when far behind)."""
    models = state.read_models
    status = models.projector.status()
    if status.lag > 5_000:
        with progress_bar() as bar:
            task = bar.add_task("catching up", total=status.lag)
            models.projector.catch_up(
                on_progress=lambda pos: bar.update(task, completed=pos - status.position)
            )
    else:
        models.projector.catch_up()
    return models


def shown_ids(ledger: Ledger, ranked: list[RankedWork]) -> dict[UUID, str]:
    """How a ranking names its works: the external id where there is one."""
    externals = {r.work.work_id: external_id_of(ledger, r.work.work_id) for r in ranked}
    return {work_id: external for work_id, external in externals.items() if external}


def rankings_text(ranked: list[RankedWork], ids: Mapping[UUID, str] | None = None) -> str:
    """The ranking as a table; ``ids`` shows each work's id (its external id if any).

    Hot scores are shown to three decimals: a work many half-lives old scores a
    number like 1e-42, shown as ~0 (the order is the rank; JSON keeps the exact score).
    """
    shown = {r.work.work_id: str(r.work.work_id) for r in ranked} | dict(ids or {})
    width = max((len(shown[r.work.work_id]) for r in ranked), default=2)
    lines = [
        f"{'#':>3}  {'wilson':>6} {'hot':>8} {'up':>4} {'down':>4} {'remixes':>7}"
        f" {'desc':>5}  {'id':<{width}}  title (kind)"
    ]
    for entry in ranked:
        w = entry.work
        lines.append(
            f"{entry.rank:>3}  {entry.wilson:6.3f} {_hot_text(entry.hot):>8} {w.up:>4} {w.down:>4}"
            f" {w.direct_remixes:>7} {entry.descendants:>5}  {shown[w.work_id]:<{width}}"
            f"  {w.title} ({w.kind})"
        )
    return "\n".join(lines)


def _hot_text(hot: float) -> str:
    return "~0" if abs(hot) < 0.0005 else f"{hot:.3f}"


def history_text(entries: Sequence[HistoryRow]) -> str:
    """A history page as a table: a header row, then one aligned row per event."""
    header = ("position", "occurred (UTC)", "type", "actor", "summary")
    rows = [
        (
            str(e.position),
            f"{e.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
            e.type,
            e.actor,
            e.summary,
        )
        for e in entries
    ]
    if not rows:
        return "no events"
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
    lines = []
    for row in (header, *rows):
        cells = [row[0].rjust(widths[0])] + [row[i].ljust(widths[i]) for i in (1, 2, 3)]
        lines.append("  ".join([*cells, row[4]]))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    projections = typer.Typer(
        help="Run, rebuild and inspect the read models.", no_args_is_help=True
    )
    app.add_typer(projections, name="projections")

    @app.command()
    def rankings(
        ctx: typer.Context,
        by: RankBy = typer.Option(RankBy.wilson, "--by", help="wilson, hot, remixed or newest."),
        kind: str | None = typer.Option(None, "--kind", help="Only works of this kind."),
        since: str | None = typer.Option(
            None,
            "--since",
            help="Only works created at or after (RFC 3339, or a date: from its start).",
        ),
        until: str | None = typer.Option(
            None,
            "--until",
            help="Only works created before (RFC 3339, or a date: to its end, UTC).",
        ),
        never_remixed: bool = typer.Option(
            False, "--never-remixed", help="Only works nobody remixed yet."
        ),
        limit: int = typer.Option(10, "--limit", min=1, max=1000),
        offset: int = typer.Option(0, "--offset", min=0),
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Top works by Wilson score, hot score, remixes or recency."""
        if kind is not None:
            parse_enum(Kind, kind, "--kind")
        state = state_of(ctx)
        models = current_read_models(state)
        position = as_of_position(state.ledger, as_of)
        where = WorkFilter(
            kind, _epoch(since, "--since"), _epoch(until, "--until", end_of_day=True), never_remixed
        )
        ranked = models.rankings(by, where, limit=limit, offset=offset, as_of=position)
        current = position if position is not None else models.projector.position
        externals = {r.work.work_id: external_id_of(state.ledger, r.work.work_id) for r in ranked}
        if output_format is Format.json:
            works = [r.as_dict() | {"external_id": externals[r.work.work_id]} for r in ranked]
            emit_json({"position": current, "by": by.value, "works": works})
            return
        typer.echo(f"Top works by {by.value}, as of position {current}:")
        typer.echo(rankings_text(ranked, shown_ids(state.ledger, ranked)))

    @app.command()
    def leaderboard(
        ctx: typer.Context,
        limit: int = typer.Option(10, "--limit", min=1, max=1000),
        offset: int = typer.Option(0, "--offset", min=0),
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Contributors by remixes others built on their works, votes received, works."""
        state = state_of(ctx)
        models = current_read_models(state)
        position = as_of_position(state.ledger, as_of)
        rows = models.leaderboard(limit=limit, offset=offset, as_of=position)
        externals = {r.member_id: external_id_of(state.ledger, r.member_id) for r in rows}
        if output_format is Format.json:
            emit_json(
                [
                    {
                        "rank": offset + i + 1,
                        "member_id": str(r.member_id),
                        "external_id": externals[r.member_id],
                        "handle": r.handle,
                        "name": r.name,
                        "works": r.works,
                        "remixes_received": r.remixes_received,
                        "votes_up": r.votes_up,
                        "votes_down": r.votes_down,
                    }
                    for i, r in enumerate(rows)
                ]
            )
            return
        shown = {r.member_id: externals[r.member_id] or str(r.member_id) for r in rows}
        width = max((len(each) for each in shown.values()), default=2)
        typer.echo(
            f"{'#':>3}  {'remixed':>7} {'+votes':>6} {'-votes':>6} {'works':>5}"
            f"  {'id':<{width}}  member"
        )
        for i, r in enumerate(rows):
            typer.echo(
                f"{offset + i + 1:>3}  {r.remixes_received:>7} {r.votes_up:>6} {r.votes_down:>6}"
                f" {r.works:>5}  {shown[r.member_id]:<{width}}  @{r.handle} ({r.name})"
            )

    @app.command()
    def history(
        ctx: typer.Context,
        member: str | None = typer.Option(
            None, "--member", help="A member's id, external id or handle."
        ),
        work: str | None = typer.Option(None, "--work", help="A work's id or external id."),
        after: int = typer.Option(
            0, "--after", min=0, help="Only events after this position (the page cursor)."
        ),
        limit: int = typer.Option(
            100, "--limit", min=1, max=10_000, help="At most this many entries."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
        output_format: Format = typer.Option(Format.text, "--format"),
    ) -> None:
        """Every event about a member or a work, in order: position, time, type, actor, summary."""
        if (member is None) == (work is None):
            raise InvalidValueError("give exactly one of --member or --work")
        state = state_of(ctx)
        ledger = state.ledger
        subject = ledger.find_member(member) if member is not None else ledger.find_work(work or "")
        models = current_read_models(state)
        position = as_of_position(ledger, as_of)
        page = models.history(subject, after=after, limit=limit, as_of=position)
        if output_format is Format.json:
            emit_json(page.as_dict())
            return
        typer.echo(history_text(page.entries))
        if page.next_after is not None:
            typer.echo(f"(more: --after {page.next_after})")

    @projections.command("status")
    def projections_status(
        ctx: typer.Context, output_format: Format = typer.Option(Format.text, "--format")
    ) -> None:
        """Where the read models are: their position, the log's head, the lag."""
        models = state_of(ctx).read_models
        status = models.projector.status()
        in_memory = isinstance(models.store, MemoryReadModels)
        if output_format is Format.json:
            emit_json(status.as_dict() | {"in_memory": in_memory})
        else:
            typer.echo(f"position {status.position}, head {status.head}, lag {status.lag}")
            if in_memory:
                typer.echo(IN_MEMORY_NOTE)

    @projections.command("rebuild")
    def projections_rebuild(ctx: typer.Context) -> None:
        """Throw the read models away and rebuild them from position 0."""
        models = state_of(ctx).read_models
        head = models.ledger.head
        started = time.perf_counter()
        with progress_bar() as bar:
            task = bar.add_task("rebuilding", total=head)
            position = models.projector.rebuild(
                on_progress=lambda pos: bar.update(task, completed=pos)
            )
        seconds = time.perf_counter() - started
        rate = position / seconds if seconds > 0 else 0.0
        typer.echo(f"rebuilt to position {position} in {seconds:.2f}s ({rate:,.0f} events/s)")
        if isinstance(models.store, MemoryReadModels):
            typer.echo(IN_MEMORY_NOTE)

    @projections.command("run")
    def projections_run(ctx: typer.Context) -> None:
        """Catch up, then follow new events until interrupted (SIGINT or SIGTERM)."""
        models = state_of(ctx).read_models
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        typer.echo(f"following the ledger from position {models.projector.position}; Ctrl-C stops")
        models.projector.run(stop)
        typer.echo(f"stopped at position {models.projector.position}")
