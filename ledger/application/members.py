"""The commands on members: registering, renaming, granting roles, credit preferences.

(API tokens, which members act through, are issued and revoked in ``tokens``.)
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ledger.application.base import LedgerBase, Recorded, check_self_or_operator
from ledger.application.unit_of_work import UnitOfWork
from ledger.domain.errors import DuplicateExternalIdError
from ledger.domain.identity import (
    handle_claim_id_for,
    member_id_for,
    new_id,
)
from ledger.domain.member import HandleClaim, Member, is_handle_claim
from ledger.domain.rules import (
    check_registration,
    external_id_taken_error,
    external_name_to_reserve,
    handle_taken_error,
    occurred,
)
from ledger.domain.values import (
    CreditMode,
    Role,
    parse_enum,
)

__all__ = ["MemberCommands"]


class MemberCommands(LedgerBase):
    """Members: who they are, their roles, how they are credited."""

    def register_member(
        self,
        *,
        handle: str,
        name: str | None = None,
        external_id: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Register a member; the handle is unique without regard to case."""
        canonical = check_registration(handle, external_id)
        member_id = member_id_for(external_id) if external_id else new_id()
        claim_id = handle_claim_id_for(canonical)
        # Handles and external ids share one namespace of names (a reference is
        # tried as both): the external id claims its name beside the handle, so
        # the store's uniqueness refuses a clash even between two racing writers.
        external_name = external_name_to_reserve(canonical, external_id)
        name_id = None if external_name is None else handle_claim_id_for(external_name)

        def command(uow: UnitOfWork) -> UUID:
            if external_id and uow.exists(member_id):
                raise DuplicateExternalIdError(f"a member with external id {external_id!r} exists")
            # Taken by a handle, by an external id's claim, or by an external id
            # recorded before external ids claimed their names.
            if uow.exists(claim_id) or uow.find(Member, member_id_for(canonical)) is not None:
                raise handle_taken_error(canonical)
            reserve = False
            if name_id is not None and external_id is not None:
                reserve = self._external_name_is_free(uow, name_id, external_id)
            member = Member.register(
                id=member_id,
                handle=canonical,
                name=name if name is not None else canonical,
                external_id=external_id,
                actor_id=actor_id,
                occurred_at=occurred(occurred_at),
            )
            uow.add(member)
            uow.add(HandleClaim.claim(id=claim_id, handle=canonical, member_id=member_id))
            if reserve and name_id is not None and external_name is not None:
                uow.add(HandleClaim.claim(id=name_id, handle=external_name, member_id=member_id))
            return member_id

        # The member's own event, not the claim saved after it: the position the
        # member's history shows.
        return self._own_position(self._recorded(command))

    @staticmethod
    def _external_name_is_free(uow: UnitOfWork, name_id: UUID, external_id: str) -> bool:
        """True when no one holds the name an external id reads as; raise when it is a
        handle. False when an external id differing only in case claimed it first:
        external ids are compared exactly, and that claim keeps handles off it."""
        claim = uow.find(HandleClaim, name_id)
        if claim is None:
            return True
        if is_handle_claim(claim, uow.find(Member, claim.member_id)):
            raise external_id_taken_error(external_id)
        return False

    def rename_member(
        self,
        member_id: UUID,
        *,
        name: str,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Change a member's display name (the handle stays)."""

        def command(uow: UnitOfWork) -> UUID:
            member = self._member(uow, member_id)
            check_self_or_operator(actor_id, member_id, "rename a member")
            if not member.has_applied(idempotency_key):
                member.rename(
                    name=name,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return member_id

        return self._recorded(command)

    def grant_role(
        self,
        member_id: UUID,
        role: str,
        *,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Recorded:
        """Grant a role; the operator (actor None) or a curator may grant it. Idempotent."""
        granted = parse_enum(Role, role, "role")

        def command(uow: UnitOfWork) -> UUID:
            member = self._member(uow, member_id)
            if actor_id is not None:
                self._check_curator(uow, actor_id, "grant roles")
            if not member.has_role(granted):
                member.grant_role(
                    role=granted.value, actor_id=actor_id, occurred_at=occurred(occurred_at)
                )
            return member_id

        return self._recorded(command)

    def set_credit_preference(
        self,
        member_id: UUID,
        mode: str,
        *,
        pseudonym: str | None = None,
        actor_id: UUID | None = None,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """How a member is credited: by name, by a pseudonym, or not at all."""
        credit_mode = parse_enum(CreditMode, mode, "credit mode")
        Member.check_credit_preference(credit_mode, pseudonym)

        def command(uow: UnitOfWork) -> UUID:
            member = self._member(uow, member_id)
            check_self_or_operator(actor_id, member_id, "set a credit preference")
            if not member.has_applied(idempotency_key):
                member.set_credit_preference(
                    mode=credit_mode.value,
                    pseudonym=pseudonym,
                    actor_id=actor_id,
                    occurred_at=occurred(occurred_at),
                    idempotency_key=idempotency_key,
                )
            return member_id

        return self._recorded(command)
