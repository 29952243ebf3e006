"""Middleware of the foundations: request size limits, the API error envelope, ?lang= switching."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from gansu_mall.core.errors import ErrorCode, envelope

logger = logging.getLogger("gansu_mall.errors")

API_PREFIX = "/api/"

_MESSAGE_BY_STATUS: dict[int, tuple[str, Callable[[], str]]] = {
    400: (ErrorCode.BAD_REQUEST, lambda: _("The request could not be understood.")),
    403: (ErrorCode.PERMISSION_DENIED, lambda: _("You are not allowed to do this.")),
    404: (ErrorCode.NOT_FOUND, lambda: _("Not found.")),
    405: (ErrorCode.METHOD_NOT_ALLOWED, lambda: _("This method is not allowed here.")),
    413: (ErrorCode.REQUEST_TOO_LARGE, lambda: _("The request body is too large.")),
    500: (ErrorCode.SERVER_ERROR, lambda: _("Something went wrong on our side. It has been logged.")),
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error_response(status: int) -> JsonResponse:
    code, message = _MESSAGE_BY_STATUS.get(status, (ErrorCode.BAD_REQUEST, _MESSAGE_BY_STATUS[400][1]))
    return JsonResponse(
        envelope(code=code, message=message()), status=status, json_dumps_params={"ensure_ascii": False}
    )


class RequestSizeLimitMiddleware:
    """Refuse bodies above the limits before anything reads them (413, envelope on API paths).

    Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only when it parses a form itself; DRF's JSON parser
    reads the raw stream. Checking Content-Length here covers both; multipart uploads get the larger
    MAX_UPLOAD_BYTES.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.MAX_UPLOAD_BYTES
            if content_type.startswith("multipart/form-data")
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            if is_api_request(request):
                return JsonResponse(
                    envelope(
                        code=ErrorCode.REQUEST_TOO_LARGE,
                        message=_("The request body is too large (at most %(limit)d bytes).")
                        % {"limit": limit},
                    ),
                    status=413,
                    json_dumps_params={"ensure_ascii": False},
                )
            return HttpResponse(_("The request body is too large."), status=413, content_type="text/plain")
        return self.get_response(request)


class ApiErrorEnvelopeMiddleware:
    """Under /api/, every error is the envelope of API.md, whoever produced it.

    DRF views already answer in the envelope (gansu_mall.core.api.exception_handler). This catches the rest:
    unmatched URLs (Django's 404), CSRF failures, unexpected exceptions (logged with their traceback and
    answered as a bare 500 envelope, never a traceback page).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json") and _is_envelope(response):
            return response
        replacement = api_error_response(response.status_code)
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                replacement[header] = response[header]
        return replacement

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_request(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return api_error_response(413)
        if isinstance(exception, SuspiciousOperation):
            logger.warning("Suspicious request on %s %s: %s", request.method, request.path, exception)
            return api_error_response(400)
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return api_error_response(500)


def _is_envelope(response: HttpResponse) -> bool:
    try:
        body = json.loads(response.content)
    except (ValueError, AttributeError):
        return False
    return isinstance(body, dict) and "code" in body and "message" in body


class QueryLanguageMiddleware:
    """``?lang=en`` (or ``?lang=zh-hans``) switches the language and remembers the choice in a cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}
        self.aliases = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh_hans": "zh-hans", "en-us": "en"}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        requested = request.GET.get("lang", "").strip().lower()
        requested = self.aliases.get(requested, requested)
        if requested not in self.languages:
            return self.get_response(request)
        translation.activate(requested)
        request.LANGUAGE_CODE = requested
        response = self.get_response(request)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            requested,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response
