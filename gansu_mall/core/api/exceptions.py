"""One exception handler for the whole API: every error leaves in the envelope of API.md."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from gansu_mall.core.errors import ApplicationError, ErrorCode, envelope

logger = logging.getLogger(__name__)

_CODE_BY_EXCEPTION: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, ErrorCode.PARSE_ERROR),
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.AUTHENTICATION_FAILED),
    (exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.THROTTLED),
]


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [msg for value in detail.values() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for value in detail for msg in _flatten(value)]
    return [str(detail)]


def validation_fields(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail as ``{field: [messages]}``; nested fields are joined with dots."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            fields.setdefault(prefix or "non_field_errors", []).extend(_flatten(value))

    if isinstance(detail, dict):
        walk("", detail)
    else:
        fields["non_field_errors"] = _flatten(detail)
    return fields


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(
            envelope(code=exc.code, message=exc.message, fields=exc.fields, **exc.extra),
            status=exc.status_code,
        )
    if isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(
            envelope(code=ErrorCode.REQUEST_TOO_LARGE, message=_("The request body is too large.")),
            status=413,
        )
    if isinstance(exc, SuspiciousOperation):  # too many fields or files, a malformed multipart body …
        set_rollback()
        return Response(
            envelope(code=ErrorCode.BAD_REQUEST, message=_("The request could not be understood.")),
            status=400,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )

    if not isinstance(exc, exceptions.APIException):
        return None  # unexpected: ApiErrorEnvelopeMiddleware logs it and answers 500 in the envelope

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]

    if isinstance(exc, exceptions.ValidationError):
        body = envelope(
            code=ErrorCode.VALIDATION_ERROR,
            message=_("The request is not valid; see the fields."),
            fields=validation_fields(exc.detail),
        )
    else:
        code = next((c for cls, c in _CODE_BY_EXCEPTION if isinstance(exc, cls)), ErrorCode.BAD_REQUEST)
        detail = exc.detail if isinstance(exc.detail, str) else " ".join(_flatten(exc.detail))
        body = envelope(code=code, message=detail)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
