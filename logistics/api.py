"""API of logistics (API.md, "Logistics"): warehouses, the shipping quote, the hub's fee table (anyone
reads it, platform staff change it) and a shop's own shipping rule (its owner and managers; 404 for
anyone else, as for every shop-scoped object).

The serializers of these endpoints live here with them: they serve no other module.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Storage
from gansu_mall.core.errors import ApplicationError, ErrorCode
from logistics import selectors, services
from logistics.models import HUB_CODE, ShippingRate, ShopShippingRule
from vendors.models import Vendor
from vendors.selectors import vendor_get_for_staff


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


class WarehouseSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    county_code = serializers.CharField(source="county_id")


class CarrierOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language.")
    days = serializers.IntegerField(help_text="Estimated delivery days.")


class QuoteSerializer(serializers.Serializer):
    fee = MoneyField()
    carrier_options = CarrierOptionSerializer(many=True)
    remote = serializers.BooleanField(help_text="The province is a remote area.")
    cold_chain = serializers.BooleanField(help_text="The parcel travels in the cold chain.")
    days = serializers.IntegerField(help_text="Estimated delivery days.")


class QuoteQuerySerializer(serializers.Serializer):
    province_code = serializers.CharField(help_text="Six-digit province code, e.g. 620000.")
    weight_grams = serializers.IntegerField(help_text="Weight of the parcel in grams, above 0.")
    storage = serializers.CharField(
        default=Storage.AMBIENT, help_text="ambient (default), chilled or frozen."
    )
    warehouse = serializers.CharField(default=HUB_CODE, help_text="Warehouse code; LZXQ by default.")


class ShippingRateSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    province_code = serializers.CharField(source="province_id", read_only=True)
    province_name = serializers.CharField(source="province.name", read_only=True)
    province_name_en = serializers.CharField(source="province.name_en", read_only=True)
    first_fee = MoneyField()
    additional_fee = MoneyField()
    cold_chain_surcharge = MoneyField()

    class Meta:
        model = ShippingRate
        fields = [
            "id",
            "warehouse",
            "province_code",
            "province_name",
            "province_name_en",
            "first_weight_grams",
            "first_fee",
            "additional_unit_grams",
            "additional_fee",
            "cold_chain_surcharge",
            "remote",
            "cold_chain_available",
            "days",
        ]


class RatePatchSerializer(serializers.Serializer):
    """Every field optional; the service checks the values (amounts in yuan, at most two decimals)."""

    first_weight_grams = serializers.IntegerField(required=False)
    first_fee = serializers.CharField(required=False, help_text='Yuan, e.g. "6.00".')
    additional_unit_grams = serializers.IntegerField(required=False)
    additional_fee = serializers.CharField(required=False, help_text='Yuan, e.g. "2.00".')
    cold_chain_surcharge = serializers.CharField(required=False, help_text='Yuan, e.g. "8.00".')
    remote = serializers.BooleanField(required=False)
    cold_chain_available = serializers.BooleanField(required=False)
    days = serializers.IntegerField(required=False)


class ShopRuleSerializer(serializers.Serializer):
    vendor = serializers.CharField(help_text="The shop's slug.")
    custom = serializers.BooleanField(
        help_text="false: the shop has no rule; the platform's flat fee applies."
    )
    fee = MoneyField(help_text="Per order.")
    free_over = MoneyField(
        allow_null=True, help_text="Orders whose items total reaches it ship free; null: never."
    )
    remote_surcharge = MoneyField(help_text="Added for remote provinces, even when shipping is free.")


class ShopRuleInputSerializer(serializers.Serializer):
    fee = serializers.CharField(help_text='Yuan per order, e.g. "8.00".')
    free_over = serializers.CharField(allow_null=True, allow_blank=True, required=False, default=None)
    remote_surcharge = serializers.CharField(required=False, default="0")


def _rule_body(vendor: Vendor, rule: ShopShippingRule | None) -> dict[str, Any]:
    if rule is None:
        return {
            "vendor": vendor.slug,
            "custom": False,
            "fee": selectors.flat_shipping_fee(),
            "free_over": None,
            "remote_surcharge": 0,
        }
    return {
        "vendor": vendor.slug,
        "custom": True,
        "fee": rule.fee,
        "free_over": rule.free_over,
        "remote_surcharge": rule.remote_surcharge,
    }


class WarehouseListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: WarehouseSerializer(many=True)}, tags=["logistics"], summary="Warehouses")
    def get(self, request: Request) -> Response:
        return Response(WarehouseSerializer(selectors.warehouses_active(), many=True).data)


class ShippingQuoteApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[QuoteQuerySerializer],
        responses={200: QuoteSerializer},
        tags=["logistics"],
        summary="Shipping fee of a parcel from the hub; 409 cold_chain_unavailable where there is none",
    )
    def get(self, request: Request) -> Response:
        query = QuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        quote = selectors.shipping_quote(
            province_code=data["province_code"],
            weight_grams=data["weight_grams"],
            storage=data["storage"],
            warehouse_code=data["warehouse"],
        )
        return Response(QuoteSerializer(quote).data)


class ShippingRateListApi(APIView):
    """The whole table at once (a few dozen rows per warehouse), not paginated."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("warehouse", OpenApiTypes.STR, description="Warehouse code, e.g. LZXQ.")
        ],
        responses={200: ShippingRateSerializer(many=True)},
        tags=["logistics"],
        summary="The shipping-fee table, by warehouse and province",
    )
    def get(self, request: Request) -> Response:
        rates = selectors.shipping_rates(warehouse_code=request.query_params.get("warehouse") or None)
        return Response(ShippingRateSerializer(rates, many=True).data)


def _rate_or_404(rate_id: int) -> ShippingRate:
    rate = selectors.shipping_rate_get(rate_id=rate_id)
    if rate is None:
        raise ApplicationError(code=ErrorCode.NOT_FOUND, message=gettext("Unknown shipping rate."))
    return rate


class ShippingRateDetailApi(APIView):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: ShippingRateSerializer}, tags=["logistics"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(ShippingRateSerializer(_rate_or_404(pk)).data)

    @extend_schema(
        request=RatePatchSerializer,
        responses={200: ShippingRateSerializer},
        tags=["logistics"],
        summary="Change a shipping rate (platform staff)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        if not services.rate_may_edit(user=request.user):
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED,
                message=gettext("Only platform staff change the shipping fees."),
            )
        rate = _rate_or_404(pk)
        data = RatePatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.rate_update(rate=rate, actor=request.user, changes=data.validated_data)
        return Response(ShippingRateSerializer(_rate_or_404(pk)).data)


class ShopShippingRuleApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ShopRuleSerializer}, tags=["logistics"], summary="A shop's shipping rule")
    def get(self, request: Request, slug: str) -> Response:
        vendor, _role = vendor_get_for_staff(user=request.user, slug=slug, roles=services.SHOP_RULE_EDITORS)
        return Response(
            ShopRuleSerializer(_rule_body(vendor, selectors.shop_rule_get(vendor_id=vendor.pk))).data
        )

    @extend_schema(
        request=ShopRuleInputSerializer,
        responses={200: ShopRuleSerializer},
        tags=["logistics"],
        summary="Set the shop's shipping rule (owner or manager)",
    )
    def put(self, request: Request, slug: str) -> Response:
        vendor, role = vendor_get_for_staff(user=request.user, slug=slug, roles=services.SHOP_RULE_EDITORS)
        data = ShopRuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.shop_rule_set(
            vendor=vendor, actor_role=role, actor=request.user, changes=data.validated_data
        )
        return Response(ShopRuleSerializer(_rule_body(vendor, rule)).data)
