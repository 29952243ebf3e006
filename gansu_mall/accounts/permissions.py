"""Role checks for the API (DRF permission classes) and the pages (a view decorator)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from gansu_mall.accounts.models import Role


def user_has_role(user: Any, role: str) -> bool:
    return bool(user and user.is_authenticated and user.has_role(role))


def HasRole(*roles: str) -> type[BasePermission]:  # noqa: N802 - reads like a class in permission_classes
    """A permission class admitting signed-in users holding any of ``roles`` (401 if anonymous, else 403)."""

    class _HasRole(BasePermission):
        message = "Your account does not have the role this action needs."

        def has_permission(self, request: Request, view: APIView) -> bool:
            return any(user_has_role(request.user, role) for role in roles)

    _HasRole.__name__ = "HasRole_" + "_".join(roles)
    return _HasRole


IsBureau = HasRole(Role.BUREAU, Role.ADMIN)


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For pages: anonymous visitors go to the login page; signed-in users without the role get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(user_has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
