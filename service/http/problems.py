"""Every error as RFC 9457 problem details (``application/problem+json``).

Each ledger error class has a stable ``type`` (``urn:remix-ledger:problem:`` and
the class name in kebab case, without ``Error``: ``UnknownWorkError`` ->
``...:unknown-work``) and a status chosen by what the client can do about it.
FastAPI's validation errors, unknown routes and methods, and anything unexpected
take the same shape; an unexpected error is logged here and says nothing of its
internals to the client.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.application.ledger import ConcurrencyError
from ledger.application.tokens import InvalidTokenError
from ledger.domain.errors import (
    AlreadyIssuedError,
    AlreadyPublishedError,
    AmbiguousMemberError,
    ArchiveError,
    CycleError,
    DatabaseSettingError,
    DuplicateExternalIdError,
    HandleTakenError,
    InvalidSourcesError,
    InvalidValueError,
    LedgerError,
    NotPublishedError,
    OwnWorkVoteError,
    PermissionDeniedError,
    PreconditionFailedError,
    RetractedError,
    StorageBusyError,
    StorageFullError,
    StorageUnavailableError,
    UnknownCommentError,
    UnknownMemberError,
    UnknownProductionError,
    UnknownWorkError,
)
from ledger.domain.proposal_errors import ProposalStateError, UnknownProposalError
from lineage.budget import LineageTooSlowError
from lineage.errors import OverAllocationError, StatementError, UnknownPolicyError
from lineage.render import GraphvizMissingError
from projections.projector import ReadModelsBehindError
from service.http.preconditions import etag_of

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "install_problem_handlers",
    "ledger_problem",
    "problem_response",
    "problem_type",
    "status_of",
]

PROBLEM_JSON = "application/problem+json"
_TYPE_PREFIX = "urn:remix-ledger:problem:"
_log = logging.getLogger("remix_ledger.http")

# By the nearest class in an error's ancestry: a subclass may refine its parent.
_STATUS: dict[type[Exception], int] = {
    InvalidTokenError: 401,
    PermissionDeniedError: 403,
    OwnWorkVoteError: 403,
    UnknownMemberError: 404,
    UnknownWorkError: 404,
    UnknownCommentError: 404,
    UnknownProductionError: 404,
    UnknownProposalError: 404,
    HandleTakenError: 409,
    AmbiguousMemberError: 409,
    DuplicateExternalIdError: 409,
    CycleError: 409,
    RetractedError: 409,
    AlreadyPublishedError: 409,
    AlreadyIssuedError: 409,
    NotPublishedError: 409,
    PreconditionFailedError: 412,
    ConcurrencyError: 409,
    StatementError: 409,
    # Not now, in this state (window still open, an objection unanswered, already final).
    ProposalStateError: 409,
    InvalidValueError: 422,
    InvalidSourcesError: 422,
    OverAllocationError: 422,
    UnknownPolicyError: 422,
    ArchiveError: 422,
    ReadModelsBehindError: 503,
    LineageTooSlowError: 503,
    GraphvizMissingError: 503,
    DatabaseSettingError: 503,
    StorageUnavailableError: 503,
}
# Statuses after which trying again (soon) can succeed.
# A subclass after its parent: the last match is the one sent.
_RETRY_AFTER = {
    ConcurrencyError: "1",
    ReadModelsBehindError: "1",
    DatabaseSettingError: "5",
    StorageUnavailableError: "5",
    StorageBusyError: "1",
    # Space comes back when someone frees it: not within a second.
    StorageFullError: "30",
}
_STATUS_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An HTTP error of the API's own (not a ledger rule): a status, a type, a detail."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


def problem_type(kind: str) -> str:
    return _TYPE_PREFIX + kind


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name.removesuffix("Error")).lower()


def status_of(error: LedgerError) -> int:
    """The HTTP status of a ledger error (422 for a rule with no more specific one)."""
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 422


def problem_response(
    status: int,
    kind: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(kind),
        "title": title or _STATUS_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def ledger_problem(error: LedgerError, instance: str | None = None) -> JSONResponse:
    status = status_of(error)
    headers: dict[str, str] = {}
    for cls, seconds in _RETRY_AFTER.items():
        if isinstance(error, cls):
            headers["Retry-After"] = seconds
    if isinstance(error, LineageTooSlowError):
        headers["Retry-After"] = str(error.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="remix-ledger"'
    doc = (type(error).__doc__ or "").strip().splitlines()
    detail = str(error).strip().splitlines()[0] if str(error).strip() else (doc[0] if doc else "")
    if isinstance(error, PreconditionFailedError):
        # The client's next step: read the record again, at its current version.
        headers["ETag"] = etag_of(error.record_id, error.current_version)
        detail = f"the record changed since that ETag; its current ETag is {headers['ETag']}"
    return problem_response(
        status,
        _kebab(type(error).__name__),
        detail,
        title=doc[0] if doc else None,
        headers=headers,
        instance=instance,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` with problem details."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(
            error.status,
            error.kind,
            error.detail,
            headers=error.headers,
            extra=error.extra,
            instance=request.url.path,
        )

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, error: LedgerError) -> JSONResponse:
        return ledger_problem(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_error_dict(item) for item in error.errors()]
        if any(item["type"] == "json_invalid" for item in errors):
            return problem_response(
                400,
                "malformed-json",
                "the request body is not valid JSON",
                instance=request.url.path,
            )
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return problem_response(
            422,
            "validation",
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            extra={"errors": errors},
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and isinstance(error.__cause__, RecursionError | ValueError):
            # FastAPI's own "error parsing the body": JSON nested deeper than the parser goes.
            return problem_response(
                400,
                "malformed-json",
                "the request body is not valid JSON (or is nested too deeply)",
                instance=request.url.path,
            )
        headers = dict(error.headers or {})
        if error.status_code == 405:
            # Starlette names the methods of the first route that matched the path only.
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        if error.status_code == 408:
            headers["Connection"] = "close"  # the rest of the body may still come
        kinds = {
            404: "no-such-route",
            405: "method-not-allowed",
            408: "body-too-slow",
            413: "content-too-large",
        }
        detail = {
            404: f"no route {request.url.path}",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(error.status_code, str(error.detail))
        return problem_response(
            error.status_code,
            kinds.get(error.status_code, f"http-{error.status_code}"),
            detail,
            headers=headers,
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "internal", "the server failed to answer; the failure was logged"
        )


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method the API documents at the request's path (read from its OpenAPI
    schema: the routers' own matching is private to FastAPI)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods |= {method.upper() for method in operations if method != "parameters"}
    return sorted(methods)


def _error_dict(item: Any) -> dict[str, Any]:
    # Only what helps the client; pydantic's "input" and "ctx" may echo large or
    # odd values (and exceptions), which problem details need not carry.
    return {
        "loc": list(item.get("loc", ())),
        "msg": str(item.get("msg", "")),
        "type": item.get("type", ""),
    }
