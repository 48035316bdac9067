"""The Member aggregate: a person with a handle, roles and a credit preference."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.acts import LedgerAggregate
from ledger.domain.errors import InvalidValueError
from ledger.domain.topics import recorded_under
from ledger.domain.values import MAX_NAME, CreditMode, Role, check_text, parse_enum

__all__ = ["HandleClaim", "Member", "is_handle_claim"]


@recorded_under("ledger.member")
class Member(LedgerAggregate):
    """A member of the studio."""

    class Registered(Aggregate.Created):
        TOPIC = "ledger.member:Member.Registered"
        handle: str
        name: str
        external_id: str | None
        actor_id: UUID | None
        occurred_at: datetime

    def __init__(
        self,
        *,
        handle: str,
        name: str,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        super().__init__()
        self.handle = handle
        self.name = name
        self.external_id = external_id
        self.joined_at = occurred_at
        self.roles: set[Role] = set()
        self.credit_mode = CreditMode.NAME
        self.pseudonym: str | None = None

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        handle: str,
        name: str,
        external_id: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Member:
        """Register a member; ``handle`` must already be canonical (see ``normalise_handle``)."""
        cls.check_name(name)
        return cls._create(
            cls.Registered,
            id=id,
            handle=handle,
            name=name,
            external_id=external_id,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class Renamed(Aggregate.Event):
        TOPIC = "ledger.member:Member.Renamed"
        name: str
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def rename(
        self,
        *,
        name: str,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Change the display name (the handle stays)."""
        self.check_name(name)
        self._rename(
            name=name,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(Renamed)
    def _rename(
        self,
        *,
        name: str,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.name = name
        self._remember(idempotency_key)

    class RoleGranted(Aggregate.Event):
        TOPIC = "ledger.member:Member.RoleGranted"
        role: str
        actor_id: UUID | None
        occurred_at: datetime

    @event(RoleGranted)
    def grant_role(self, *, role: str, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.roles.add(Role(role))

    class CreditPreferenceSet(Aggregate.Event):
        TOPIC = "ledger.member:Member.CreditPreferenceSet"
        mode: str
        pseudonym: str | None
        actor_id: UUID | None
        occurred_at: datetime
        idempotency_key: str | None

    def set_credit_preference(
        self,
        *,
        mode: str,
        pseudonym: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None = None,
    ) -> None:
        """Be credited by name, by a pseudonym (given), or not at all."""
        self.check_credit_preference(parse_enum(CreditMode, mode, "credit mode"), pseudonym)
        self._set_credit_preference(
            mode=mode,
            pseudonym=pseudonym,
            actor_id=actor_id,
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
        )

    @event(CreditPreferenceSet)
    def _set_credit_preference(
        self,
        *,
        mode: str,
        pseudonym: str | None,
        actor_id: UUID | None,
        occurred_at: datetime,
        idempotency_key: str | None,
    ) -> None:
        self.credit_mode = CreditMode(mode)
        self.pseudonym = pseudonym if self.credit_mode is CreditMode.PSEUDONYM else None
        self._remember(idempotency_key)

    @staticmethod
    def check_name(name: str) -> None:
        check_text("name", name, MAX_NAME)

    @staticmethod
    def check_credit_preference(mode: CreditMode, pseudonym: str | None) -> None:
        if mode is CreditMode.PSEUDONYM:
            check_text("pseudonym", pseudonym or "", MAX_NAME)
        elif pseudonym is not None:
            raise InvalidValueError(
                f"a pseudonym is given only with credit mode 'pseudonym', not {mode.value!r}"
            )

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def credited_as(self) -> str | None:
        """The name to print in credits, or None when the member asked for no credit."""
        if self.credit_mode is CreditMode.NONE:
            return None
        if self.credit_mode is CreditMode.PSEUDONYM:
            return self.pseudonym
        return self.name


@recorded_under("ledger.member")
class HandleClaim(Aggregate):
    """Reserves one lower-case name for one member: its handle, or the name its
    external id reads as (``ledger.rules.external_name_to_reserve``).

    Its id is derived from the name, so two members registering the same handle,
    or a handle and an external id that read the same, at once collide on the
    store's uniqueness and only one claim is recorded.
    """

    class Claimed(Aggregate.Created):
        TOPIC = "ledger.member:HandleClaim.Claimed"
        handle: str
        member_id: UUID

    def __init__(self, *, handle: str, member_id: UUID) -> None:
        self.handle = handle
        self.member_id = member_id

    @classmethod
    def claim(cls, *, id: UUID, handle: str, member_id: UUID) -> HandleClaim:
        return cls._create(cls.Claimed, id=id, handle=handle, member_id=member_id)


def is_handle_claim(claim: HandleClaim, owner: object) -> bool:
    """True when ``claim`` holds its owner's handle, not a name its external id reads as."""
    return isinstance(owner, Member) and owner.handle == claim.handle
