"""Domain errors and their machine codes.

Services raise :class:`ApplicationError`; the API exception handler turns it into the error envelope
of API.md (``{"code", "message", "fields"}``) and the web views show its message. Each app keeps its own
``StrEnum`` of codes; the HTTP status follows from the code (see ``STATUS_BY_CODE``), so a service never
thinks in HTTP.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "validation_error"
    PARSE_ERROR = "parse_error"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    REQUEST_TOO_LARGE = "request_too_large"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    THROTTLED = "throttled"
    LOCKED_OUT = "locked_out"
    SERVER_ERROR = "server_error"
    BAD_REQUEST = "bad_request"


# Codes not listed here are conflicts with the current state (409), as API.md says of domain codes.
STATUS_BY_CODE: dict[str, int] = {
    ErrorCode.VALIDATION_ERROR: 400,
    ErrorCode.PARSE_ERROR: 400,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.AUTHENTICATION_FAILED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_ACCEPTABLE: 406,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
    ErrorCode.THROTTLED: 429,
    ErrorCode.LOCKED_OUT: 429,
    ErrorCode.SERVER_ERROR: 500,
}


def status_for_code(code: str) -> int:
    return STATUS_BY_CODE.get(code, 409)


class ApplicationError(Exception):
    """A refusal with a machine code, a human message and, for validation errors, per-field messages."""

    def __init__(
        self,
        *,
        code: str,
        message: str | Promise,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self._status = status
        self.code = str(code)
        self.message = message
        self.fields = fields
        self.extra = extra or {}

    @property
    def status_code(self) -> int:
        return self._status or status_for_code(self.code)


def envelope(
    *, code: str, message: str | Promise, fields: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The error body of API.md."""
    body: dict[str, Any] = {"code": str(code), "message": str(message)}
    if fields is not None:
        body["fields"] = {name: [str(m) for m in msgs] for name, msgs in fields.items()}
    body.update(extra)
    return body


def invalid(fields: dict[str, list[str]]) -> ApplicationError:
    """A validation error (400) naming the fields at fault."""
    from django.utils.translation import gettext

    return ApplicationError(
        code=ErrorCode.VALIDATION_ERROR,
        message=gettext("The request is not valid; see the fields."),
        fields=fields,
    )
