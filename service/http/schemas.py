"""The API's request and response bodies (pydantic), named as the resource and the use:
``WorkCreate`` comes in, ``WorkPublic`` goes out.

Every request model forbids unknown fields and bounds every string and list, so
a body cannot make the server hold more than its size limit suggests. Ids come
out as strings; every record that has an external id carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.domain.values import (
    MAX_BODY,
    MAX_COMMENT,
    MAX_EXTERNAL_ID,
    MAX_LICENSE,
    MAX_NAME,
    MAX_SOURCES,
    MAX_TITLE,
    MAX_URI,
)

#: A work, member or production as a client names it: its UUID or its external id.
Reference = Annotated[str, Field(min_length=1, max_length=MAX_EXTERNAL_ID)]
ExternalId = Annotated[str, Field(min_length=1, max_length=MAX_EXTERNAL_ID)]
#: A decimal given as a string, as money and percentages are (floats are inexact).
DecimalText = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9]+(\.[0-9]+)?$")]
ParamText = Annotated[str, Field(max_length=100)]


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: every error the API answers."""

    type: str = Field(description="Stable per kind of problem: urn:remix-ledger:problem:NAME.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        None, description="For a validation problem: each invalid field."
    )


#: Declared on every operation: whatever goes wrong answers problem details.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "content": {"application/problem+json": {"schema": ProblemDetails.model_json_schema()}},
        "description": description,
    }
    for status, description in (
        ("4XX", "The request cannot be done as asked (see ``type`` and ``detail``)."),
        ("5XX", "The server cannot answer now (see ``Retry-After``)."),
    )
}


class Incoming(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Written(BaseModel):
    """What every write answers: the position of its last event (also ``Ledger-Position``)."""

    position: int


# ---------------------------------------------------------------- members


class MemberCreate(Incoming):
    handle: Annotated[str, Field(min_length=2, max_length=32)]
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)] | None = None
    external_id: ExternalId | None = None


class MemberRegistered(Written):
    member_id: str
    handle: str
    external_id: str | None
    token: str = Field(description="The member's API token; shown this once, keep it secret.")


class MemberPublic(BaseModel):
    member_id: str
    external_id: str | None
    handle: str
    name: str
    roles: list[str]
    credit_mode: str
    pseudonym: str | None
    joined_at: datetime


class RoleGrant(Incoming):
    role: Literal["curator"] = "curator"


class CreditPreference(Incoming):
    mode: Literal["name", "pseudonym", "none"]
    pseudonym: Annotated[str, Field(min_length=1, max_length=MAX_NAME)] | None = None


class MemberWritten(Written):
    member_id: str


# ---------------------------------------------------------------- works


class SourceIn(Incoming):
    work: Reference
    relation: Literal[
        "remix", "illustration", "adaptation", "translation", "audio", "edit", "inspiration"
    ] = "remix"
    royalty_percent: DecimalText | None = None


class WorkCreate(Incoming):
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
    kind: Literal["text", "image", "audio", "video", "other"] = "text"
    body: Annotated[str, Field(max_length=MAX_BODY)] | None = None
    uri: Annotated[str, Field(min_length=1, max_length=MAX_URI)] | None = None
    license: Annotated[str, Field(min_length=1, max_length=MAX_LICENSE)] | None = None
    external_id: ExternalId | None = None
    sources: Annotated[list[SourceIn], Field(max_length=MAX_SOURCES)] = []


class WorkWritten(Written):
    work_id: str
    external_id: str | None


class SourcePublic(BaseModel):
    work_id: str
    external_id: str | None
    title: str
    relation: str
    royalty_percent: str | None


class PersonPublic(BaseModel):
    member_id: str
    external_id: str | None
    handle: str
    credited_as: str | None


class WorkPublic(BaseModel):
    work_id: str
    external_id: str | None
    title: str
    kind: str
    authors: list[PersonPublic]
    body: str | None
    uri: str | None
    license: str | None
    created_at: datetime
    retracted: bool
    sources: list[SourcePublic]
    position: int


class WorkSummary(BaseModel):
    work_id: str
    external_id: str | None
    title: str
    kind: str
    authors: list[str]
    created_at: datetime
    retracted: bool
    position: int


class WorksPublic(BaseModel):
    position: int
    works: list[WorkSummary]
    next_cursor: str | None


class Retraction(Incoming):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT)] | None = None


# ---------------------------------------------------------------- comments and votes


class CommentCreate(Incoming):
    text: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT)]
    external_id: ExternalId | None = None


class CommentWritten(Written):
    comment_id: str
    external_id: str | None


class VoteCast(Incoming):
    value: Literal[1, -1]


class VoteWritten(Written):
    vote_id: str
    value: int


# ---------------------------------------------------------------- productions


class ProductionCreate(Incoming):
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
    external_id: ExternalId | None = None
    curator: Reference | None = Field(
        None, description="The curating member (default: the acting member)."
    )


class ProductionWritten(Written):
    production_id: str
    external_id: str | None


class WorksSelection(Incoming):
    works: Annotated[list[Reference], Field(min_length=1, max_length=100)]


class RevenueCreate(Incoming):
    amount: DecimalText
    currency: Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")] = "USD"
    external_id: ExternalId | None = None


class PolicyChoice(Incoming):
    policy: Annotated[str, Field(min_length=1, max_length=40)]
    params: Annotated[dict[ParamText, ParamText], Field(max_length=10)] = {}
    pool_percent: DecimalText = "50"
    weights: Annotated[dict[Reference, DecimalText], Field(max_length=100)] | None = None


class Waiver(Incoming):
    member: Reference | None = Field(
        None, description="Who waives (default: the acting member; another only for the operator)."
    )


class StatementsIssue(Incoming):
    revenue_number: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class StatementsIssued(Written):
    production_id: str
    issued: list[int]
    position: int


class IncludedWork(BaseModel):
    work_id: str
    external_id: str | None
    title: str


class RevenuePublic(BaseModel):
    number: int
    amount: str
    currency: str
    statement_issued: bool


class ProductionPublic(BaseModel):
    production_id: str
    external_id: str | None
    title: str
    curator_id: str
    works: list[IncludedWork]
    published_at: datetime | None
    policy: str
    policy_params: dict[str, str]
    pool_percent: str
    waived: list[str]
    revenue: list[RevenuePublic]
    position: int


class StatementsPublic(BaseModel):
    """Each revenue payment's statement (as the API's JSON: ids, amounts as strings)."""

    position: int
    statements: list[dict[str, Any]]
