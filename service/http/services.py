"""The one place a server process's parts are opened, started and closed.

``Services.open(settings)`` opens the ledger, its read models, the lineage graph
and the idempotency store named by ``settings.db``, and starts what follows the
log (see ``service.http.following``); ``close`` stops and closes them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from ledger import Ledger, open_ledger
from ledger.adapters.contacts import open_contacts
from ledger.adapters.read_only import open_full_ledger
from ledger.adapters.settings import DatabaseSetting, resolve_db_setting
from ledger.domain.errors import StorageFullError
from lineage.budget import LineageBudget
from lineage.policies import check_policy_choice
from lineage.snapshot import open_lineage, snapshot_path_for
from projections.mail_store import MailDatabase
from projections.notification_follower import follow_notifications
from projections.notification_projection import DEFAULT_MESSAGE_DOMAIN
from projections.opening import open_read_models
from projections.queries import ReadModels
from projections.smtp_sender import MailSender
from projections.smtp_url import SmtpSetting, parse_smtp_url
from service.http.following import LiveLineage, start_projector
from service.http.group_commit import GroupCommit
from service.http.idempotency import (
    IdempotencyStore,
    MemoryIdempotencyStore,
    open_idempotency_store,
)
from service.http.ratelimit import RateLimiter
from service.http.readiness import StallWatch
from service.http.settings import ServerSettings

__all__ = ["Services"]

_log = logging.getLogger("remix_ledger.http")


@dataclass
class Services:
    settings: ServerSettings
    setting: DatabaseSetting
    ledger: Ledger
    read_models: ReadModels
    lineage: LiveLineage
    idempotency: IdempotencyStore
    limiter: RateLimiter
    projector_mode: str
    writes: GroupCommit
    lineage_budget: LineageBudget
    #: The member of each token this process has authenticated: a token's member
    #: never changes, so a vote can name its member's records for the batch to read
    #: before the token is read again (revocation is still read every time).
    token_members: dict[UUID, UUID | None] = field(default_factory=dict)
    #: Since when the read models stand still behind the log (``/readyz``).
    read_model_progress: StallWatch = field(default_factory=StallWatch)
    #: Why this process only reads (its disk was full when it started); None: it writes.
    read_only: str | None = None
    mail: MailDatabase | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    #: What else to close after the threads have stopped (the mail sender's contacts).
    closing: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def open(cls, settings: ServerSettings) -> Services:
        setting = resolve_db_setting(settings.db)
        read_only: str | None = None
        try:
            ledger = open_ledger(settings.db)
        except StorageFullError as full:
            # Serve what is there rather than not start: reads go on, writes answer 503.
            ledger = open_full_ledger(setting, full)
            read_only = f"{full}; restart the server when there is room again to record"
            _log.warning("serving reads only: %s", read_only)
        ledger.policy_check = check_policy_choice  # policy choices checked as statements read them
        mode = settings.projector or ("elected" if setting.backend == "postgres" else "thread")
        if mode not in ("thread", "elected", "external"):
            raise ValueError(f"projector mode {mode!r} is not thread, elected or external")
        # In memory, the read models and the ledger live in this process only.
        store = open_read_models(setting)
        read_models = ReadModels(ledger, store)
        read_models.projector.poll_interval = settings.poll_interval
        smtp = None if settings.smtp_url is None else parse_smtp_url(settings.smtp_url)
        mail = (
            None
            if read_only
            else follow_notifications(
                read_models, setting, DEFAULT_MESSAGE_DOMAIN if smtp is None else smtp.domain
            )
        )
        graph = open_lineage(ledger, snapshot_path_for(setting))
        services = cls(
            settings=settings,
            setting=setting,
            ledger=ledger,
            read_models=read_models,
            lineage=LiveLineage(ledger, graph, poll_interval=settings.poll_interval),
            idempotency=(
                MemoryIdempotencyStore(settings.idempotency_ttl_seconds)
                if read_only
                else open_idempotency_store(setting, settings.idempotency_ttl_seconds)
            ),
            limiter=RateLimiter(settings.writes_per_second, settings.write_burst),
            projector_mode=mode,
            writes=GroupCommit(ledger),
            lineage_budget=LineageBudget(settings.lineage_budget_seconds, settings.lineage_workers),
            read_only=read_only,
            mail=mail,
        )
        services._start()
        return services

    def _start(self) -> None:
        follower = threading.Thread(
            target=self.lineage.run, args=(self.stop,), name="lineage-follower", daemon=True
        )
        follower.start()
        self.threads.append(follower)
        projector = start_projector(
            self.read_models.projector,
            self.setting,
            self.projector_mode,
            self.stop,
            self.settings.poll_interval,
        )
        if projector is not None:
            self.threads.append(projector)
        if self.mail is not None and self.settings.smtp_url is not None:
            self._start_mail_sender(self.mail, parse_smtp_url(self.settings.smtp_url))

    def _start_mail_sender(self, mail: MailDatabase, smtp: SmtpSetting) -> None:
        """Send the outbox's mails to the members' contact addresses (kept outside
        the log, so an erased address is never mailed again)."""
        contacts = open_contacts(self.setting)
        self.closing.append(contacts.close)

        def address_of(member_id: UUID) -> str | None:
            contact = contacts.get(member_id)
            return None if contact is None else contact.email

        sender = MailSender(mail, smtp, address_of)
        thread = threading.Thread(
            target=sender.run, args=(self.stop,), name="mail-sender", daemon=True
        )
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.writes.close()
        self.idempotency.close()
        self.read_models.store.close()
        for close in self.closing:
            close()
        if self.mail is not None:
            self.mail.close()
        self.ledger.close()
