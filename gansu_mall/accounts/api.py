"""API of accounts: register, token, me (API.md, "Accounts")."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from gansu_mall.accounts import selectors, services
from gansu_mall.accounts.errors import AccountErrorCode
from gansu_mall.accounts.models import User
from gansu_mall.accounts.serializers import (
    MeSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from gansu_mall.core.errors import ApplicationError
from vendors.selectors import user_shop_slugs


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=RegisterInputSerializer, responses={201: RegisterOutputSerializer}, tags=["accounts"]
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response({"id": user.pk, "username": user.username}, status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    """Exchange a user name and password for an API token (the same token on every call)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []  # credentials come in the body; no CSRF, no session

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer, 400: OpenApiResponse(description="Wrong credentials")},
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request goes to authenticate() so that django-axes counts failures and locks out.
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise ApplicationError(
                code=AccountErrorCode.INVALID_CREDENTIALS,
                message=_("The user name or password is wrong."),
                status=400,
            )
        # As a web sign-in does: last_login is updated and django-axes clears the failure count.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None}, tags=["accounts"])
    def delete(self, request: Request) -> Response:
        """Revoke the token sent in the Authorization header (sign out of an app)."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        key = header[len("Token ") :].strip() if header.startswith("Token ") else ""
        deleted = Token.objects.filter(key=key).delete()[0] if key else 0
        if not deleted:
            raise ApplicationError(code="not_authenticated", message=_("No valid token was sent."))
        return Response(status=status.HTTP_204_NO_CONTENT)


def shops_of(user: User) -> list[str]:
    """Slugs of the shops the user works for (any staff role)."""
    return user_shop_slugs(user=user)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, tags=["accounts"])
    def get(self, request: Request) -> Response:
        user = selectors.user_get_with_roles(user_id=request.user.pk)
        assert user is not None  # noqa: S101 - the caller is signed in
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.username,
                    "email": user.email,
                    "phone": user.phone,
                    "roles": user.role_names,
                    "shops": shops_of(user),
                    "scope": selectors.user_scope_codes(user=user),
                    "department": user.department.name if user.department else None,
                    "language": user.language,
                }
            ).data
        )
