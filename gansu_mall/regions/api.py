"""API of regions (API.md, "Regions")."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.accounts.permissions import IsBureau
from gansu_mall.accounts.selectors import user_region_scope
from gansu_mall.core.api.pagination import LargePagePagination
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.regions import selectors, services
from gansu_mall.regions.serializers import PovertyReliefInputSerializer, RegionSerializer

CODE_RE = re.compile(r"^\d{6}$")


def _unknown(field: str) -> ApplicationError:
    message = _("Unknown region code.")
    return ApplicationError(code=ErrorCode.VALIDATION_ERROR, message=message, fields={field: [message]})


class RegionListApi(ListAPIView):
    """Children of ``?parent=<code>``; without it, the provinces. Paginated, 100 a page by default."""

    serializer_class = RegionSerializer
    pagination_class = LargePagePagination
    filter_backends: list[type] = []

    @extend_schema(
        parameters=[OpenApiParameter("parent", OpenApiTypes.STR, description="six-digit GB/T 2260 code")],
        tags=["regions"],
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        parent = self.request.query_params.get("parent")
        if parent is None or parent == "":
            return selectors.region_children(parent_code=None)
        if not CODE_RE.match(parent) or selectors.region_get(code=parent) is None:
            raise _unknown("parent")
        return selectors.region_children(parent_code=parent)


class RegionDetailApi(APIView):
    """One region; bureau staff set a county's poverty-relief flag with PATCH ``{poverty_relief, source}``."""

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [IsBureau()] if self.request.method == "PATCH" else []

    @extend_schema(responses={200: RegionSerializer}, tags=["regions"])
    def get(self, request: Request, code: str) -> Response:
        region = selectors.region_get(code=code)
        if region is None:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown region code."))
        return Response(RegionSerializer(region).data)

    @extend_schema(request=PovertyReliefInputSerializer, responses={200: RegionSerializer}, tags=["regions"])
    def patch(self, request: Request, code: str) -> Response:
        region = selectors.region_get(code=code)
        scope = user_region_scope(user=request.user)
        if region is None or (scope is not None and region.code not in scope):
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown region code."))
        data = PovertyReliefInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = services.region_set_poverty_relief(
            region=region,
            poverty_relief=data.validated_data["poverty_relief"],
            source=data.validated_data["source"],
            actor_id=request.user.pk,
        )
        return Response(RegionSerializer(region).data)
