"""The server's settings: everything ``create_app`` needs besides the code.

A leaf module: plain values, so tests and ``remix-ledger serve`` build one the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ProjectorMode", "ServerSettings"]

#: Where the read models are projected: in a thread of this process ("thread"),
#: by whichever server process holds a PostgreSQL advisory lock ("elected"), or by
#: a separate ``remix-ledger projections run`` process ("external").
ProjectorMode = str


@dataclass(frozen=True)
class ServerSettings:
    """How one server process runs."""

    #: The database URL (``--db`` / ``REMIX_LEDGER_DB``); None: the default file.
    db: str | None = None
    #: Registration needs the operator token (``serve --closed-registration``).
    closed_registration: bool = False
    #: None: "thread" on SQLite and in memory, "elected" on PostgreSQL.
    projector: ProjectorMode | None = None
    #: Request bodies larger than this are refused with 413.
    max_body_bytes: int = 1 << 20
    #: A request body still arriving this long after the request began is cut off (408).
    body_read_seconds: float = 10.0
    #: Writes per token: a bucket of ``write_burst`` refilled at ``writes_per_second``.
    writes_per_second: float = 20.0
    write_burst: int = 100
    #: How long a read with ``after=POSITION`` waits for the read models and the graph.
    wait_seconds: float = 5.0
    #: A request's lineage work (credits, statements, trees, provenance) answers 503
    #: with ``Retry-After`` past this many seconds (``serve --lineage-budget``).
    lineage_budget_seconds: float = 10.0
    #: At most this many lineage computations run at once, as many more wait
    #: (``serve --lineage-workers``); beyond, a request is answered 503 at once.
    lineage_workers: int = 2
    #: ``/readyz`` fails when the read models are further behind the log than this.
    ready_max_lag: int = 10_000
    #: ``/readyz`` fails when the read models have not advanced for this many
    #: seconds while the log is ahead of them (a projector stuck or gone).
    ready_max_stall_seconds: float = 60.0
    #: An ``as_of`` ranking replays the log up to it; refused beyond this many events.
    max_as_of_replay: int = 200_000
    #: How often SQLite (which has no LISTEN/NOTIFY) is polled for new events.
    poll_interval: float = 0.05
    #: Idempotency keys are kept this long.
    idempotency_ttl_seconds: int = 24 * 3600
    #: The transparency log's signing key file (``serve --log-key``); None: the tree
    #: is kept current and served, but no checkpoint is signed.
    log_key: str | None = None
    #: At most one checkpoint is signed per this many seconds (and only when the log grew).
    checkpoint_interval: float = 60.0
    #: Where notification mails go (``serve --smtp URL``, projections.smtp_url);
    #: None: notifications are kept as a read model and mailed by no one.
    smtp_url: str | None = None
