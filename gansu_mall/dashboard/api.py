"""API of the bureau dashboards (API.md "Dashboard"), read from the daily rollups.

GET dashboard/summary/?date_from=&date_to=        the summary of the period (default: the last 30 days)
GET dashboard/tables/<slug>/?date_from=&date_to=  any dashboard table by its slug (``selectors.table_for``)

Commerce bureau staff and platform admins only (anonymous 401, others 403); scoped staff get their area's
figures, and a place outside it is 404. Bad dates are a 400 validation error naming the field.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.accounts.permissions import IsBureau
from gansu_mall.dashboard import selectors
from gansu_mall.dashboard.serializers import DashboardSummarySerializer, DashboardTableSerializer, table_data
from gansu_mall.dashboard.tables import Period

TAGS = ["dashboard"]
PERIOD_PARAMETERS = [
    OpenApiParameter("date_from", str, description="first day, YYYY-MM-DD (default: 29 days before date_to)"),
    OpenApiParameter("date_to", str, description="last day, YYYY-MM-DD (default: today); at most 800 days"),
]


def _period(request: Request) -> Period:
    return selectors.period_from(
        date_from=request.query_params.get("date_from"), date_to=request.query_params.get("date_to")
    )


class DashboardSummaryApi(APIView):
    permission_classes = [IsBureau]

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: DashboardSummarySerializer}, tags=TAGS)
    def get(self, request: Request) -> Response:
        period = _period(request)
        scope = selectors.scope_for(user=request.user)  # type: ignore[arg-type]  # IsBureau: signed in
        return Response(DashboardSummarySerializer(selectors.summary(period=period, scope=scope)).data)


class DashboardTableApi(APIView):
    permission_classes = [IsBureau]

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: DashboardTableSerializer},
        tags=TAGS,
        description="Slugs: " + ", ".join(selectors.TABLE_SLUGS) + ".",
    )
    def get(self, request: Request, slug: str) -> Response:
        period = _period(request)
        scope = selectors.scope_for(user=request.user)  # type: ignore[arg-type]  # IsBureau: signed in
        table = selectors.table_for(slug=slug, period=period, scope=scope)
        data = table_data(table, date_from=period.date_from, date_to=period.date_to)
        return Response(DashboardTableSerializer(data).data)
