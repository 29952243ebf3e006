"""What a locked-out visitor sees (django-axes calls this through AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gansu_mall.core.errors import ErrorCode, envelope


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            envelope(code=ErrorCode.LOCKED_OUT, message=lockout_message()),
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        from gansu_mall.accounts.forms import LoginForm

        form = LoginForm(request, data=request.POST or None)
        response = render(
            request,
            "accounts/login.html",
            {"form": form, "locked_out_message": lockout_message()},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response
