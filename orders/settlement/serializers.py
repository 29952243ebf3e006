"""Serializers of the settlement API (API.md "Settlement", and the payouts desk)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.settlement.models import Payout, PayoutBatch, Settlement, SettlementLine


class SettlementMoneyField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


class SettlementSerializer(serializers.ModelSerializer):
    gross = SettlementMoneyField()
    commission = SettlementMoneyField()
    refunds = SettlementMoneyField()
    adjustments = SettlementMoneyField()
    net = SettlementMoneyField()
    vendor = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Settlement
        fields = [
            "id",
            "vendor",
            "period_start",
            "period_end",
            "orders_count",
            "gross",
            "commission",
            "refunds",
            "adjustments",
            "net",
            "status",
            "created_at",
        ]


class SettlementLineSerializer(serializers.ModelSerializer):
    order = serializers.SerializerMethodField()
    gross = SettlementMoneyField()
    commission = SettlementMoneyField()
    refunds = SettlementMoneyField()
    net = SettlementMoneyField()

    class Meta:
        model = SettlementLine
        fields = ["order", "gross", "refunds", "commission", "net", "commission_detail"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_order(self, obj: SettlementLine) -> dict[str, Any]:
        return {"id": obj.order_id, "number": obj.order.number, "completed_at": obj.order.completed_at}


class SettlementDetailSerializer(SettlementSerializer):
    lines = serializers.SerializerMethodField()
    payout = serializers.SerializerMethodField()

    class Meta(SettlementSerializer.Meta):
        fields = [*SettlementSerializer.Meta.fields, "lines", "payout"]

    @extend_schema_field(SettlementLineSerializer(many=True))
    def get_lines(self, obj: Settlement) -> list[dict[str, Any]]:
        return SettlementLineSerializer(self.context["lines"], many=True).data  # type: ignore[return-value]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payout(self, obj: Settlement) -> dict[str, Any] | None:
        payout = getattr(obj, "payout", None)
        if payout is None:
            return None
        return {"number": payout.number, "amount": f"{payout.amount:.2f}", "status": payout.status}


class VendorBalanceSerializer(serializers.Serializer):
    pending = SettlementMoneyField()
    available = SettlementMoneyField()
    paid_out = SettlementMoneyField()
    in_payout = SettlementMoneyField()


class PayoutSerializer(serializers.ModelSerializer):
    amount = SettlementMoneyField()
    vendor = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    settlement = serializers.PrimaryKeyRelatedField(read_only=True)
    batch = serializers.SlugRelatedField(slug_field="number", read_only=True)
    account = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "number",
            "vendor",
            "settlement",
            "amount",
            "status",
            "batch",
            "account",
            "note",
            "created_at",
            "exported_at",
            "decided_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_account(self, obj: Payout) -> str:
        """The bank and the last four digits (the full number is only in the batch file)."""
        return f"{obj.bank_name} ****{obj.account_last4}" if obj.account_last4 else ""


class PayoutBatchSerializer(serializers.ModelSerializer):
    total = SettlementMoneyField()
    csv_url = serializers.SerializerMethodField()

    class Meta:
        model = PayoutBatch
        fields = ["id", "number", "count", "total", "created_at", "csv_url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_csv_url(self, obj: PayoutBatch) -> str:
        return f"/api/v1/payout-batches/{obj.pk}/csv/"


class PayoutExportInputSerializer(serializers.Serializer):
    payouts = serializers.ListField(child=serializers.IntegerField(), required=False)


class PayoutDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class PayoutFailedInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
