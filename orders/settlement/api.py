"""API of settlement (API.md "Settlement"), and the payouts desk of the bureau and platform staff.

GET  settlements/?vendor=<slug>        statements: shop owners/managers their shops', bureau staff
                                       their area's (a shop outside the caller's scope: 404)
GET  settlements/{id}/                 one statement with its orders
GET  vendors/{slug}/balance/           {pending, available, paid_out, in_payout}
GET  payouts/?status=                  the payouts desk (province-wide bureau staff, platform admins)
POST payouts/export/                   pending payouts → a bank-transfer batch (201), 409 nothing_to_export
GET  payout-batches/{id}/csv/          the batch file (full account numbers)
POST payouts/{id}/paid/  {note?}       exported → paid
POST payouts/{id}/failed/ {reason}     exported → failed (the money is available again)
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.core.api.pagination import PageNumberPagination
from gansu_mall.core.errors import ApplicationError
from orders.settlement import payouts, selectors
from orders.settlement.ledger import vendor_balance
from orders.settlement.serializers import (
    PayoutBatchSerializer,
    PayoutDecisionInputSerializer,
    PayoutExportInputSerializer,
    PayoutFailedInputSerializer,
    PayoutSerializer,
    SettlementDetailSerializer,
    SettlementSerializer,
    VendorBalanceSerializer,
)

TAGS = ["settlement"]


def _desk(request: Request) -> None:
    if not selectors.can_run_payouts(request.user):
        raise ApplicationError(
            code="permission_denied",
            message=_("Only province-wide commerce bureau staff and platform administrators handle payouts."),
        )


class SettlementListApi(ListAPIView):
    """Statements, newest period first."""

    serializer_class = SettlementSerializer
    pagination_class = PageNumberPagination
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("vendor", str, description="a shop's slug")], tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        slug = self.request.query_params.get("vendor")
        if slug:
            return selectors.settlements_of_shop(user=self.request.user, slug=slug)[1]
        return selectors.settlements_visible_to(user=self.request.user)


class SettlementDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SettlementDetailSerializer}, tags=TAGS)
    def get(self, request: Request, pk: int) -> Response:
        statement = selectors.settlement_get_for_user(user=request.user, settlement_id=pk)
        lines = list(selectors.settlement_lines(settlement=statement))
        return Response(SettlementDetailSerializer(statement, context={"lines": lines}).data)


class VendorBalanceApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: VendorBalanceSerializer}, tags=TAGS)
    def get(self, request: Request, slug: str) -> Response:
        vendor = selectors.vendor_for_settlement(user=request.user, slug=slug)
        return Response(VendorBalanceSerializer(vendor_balance(vendor_id=vendor.pk)).data)


class PayoutListApi(ListAPIView):
    serializer_class = PayoutSerializer
    pagination_class = PageNumberPagination
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("status", str)], tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _desk(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.payouts_for_desk(
            user=self.request.user, status=self.request.query_params.get("status")
        )


class PayoutExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PayoutExportInputSerializer, responses={201: PayoutBatchSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        _desk(request)
        data = PayoutExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = payouts.payouts_export(actor=request.user, payout_ids=data.validated_data.get("payouts"))
        if batch is None:
            raise ApplicationError(
                code="nothing_to_export",
                message=_("No pending payout can be exported (none, held, or without a bank account)."),
            )
        return Response(PayoutBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class PayoutBatchCsvApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)}, tags=TAGS)
    def get(self, request: Request, pk: int) -> HttpResponse:
        _desk(request)
        batch = selectors.batch_get_for_desk(user=request.user, batch_id=pk)
        return csv_response(payouts.payout_batch_csv(batch=batch), f"payouts-{batch.number}.csv")


def csv_response(text: str, filename: str) -> HttpResponse:
    """A CSV download (with a BOM, so that spreadsheet programs read the Chinese text as UTF-8)."""
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class PayoutPaidApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PayoutDecisionInputSerializer, responses={200: PayoutSerializer}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _desk(request)
        data = PayoutDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout = selectors.payout_get_for_desk(user=request.user, payout_id=pk)
        payout = payouts.payout_mark_paid(payout=payout, actor=request.user, note=data.validated_data["note"])
        return Response(PayoutSerializer(payout).data)


class PayoutFailedApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PayoutFailedInputSerializer, responses={200: PayoutSerializer}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _desk(request)
        data = PayoutFailedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout = selectors.payout_get_for_desk(user=request.user, payout_id=pk)
        payout = payouts.payout_mark_failed(
            payout=payout, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(PayoutSerializer(payout).data)
