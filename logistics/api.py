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
from gansu_mall.core.api.pagination import PageNumberPagination
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from logistics import inbound, selectors, services
from logistics.models import HUB_CODE, InboundShipment, InboundStatus, ShippingRate, ShopShippingRule
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


# --- Inbound consignments (logistics.inbound) -------------------------------------------------------


class InboundLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.IntegerField(source="sku_id")
    sku_code = serializers.CharField(source="sku.code")
    spec = serializers.CharField(source="sku.spec")
    product = serializers.CharField(source="sku.product.name")
    storage = serializers.CharField(source="sku.product.storage")
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    trace_code = serializers.CharField(source="batch.trace_code", allow_null=True, default=None)
    quantity = serializers.IntegerField(help_text="Announced.")
    received_quantity = serializers.IntegerField(allow_null=True, help_text="null until received.")
    bin = serializers.CharField(source="bin.code", allow_null=True, default=None)


class InboundShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    vendor = serializers.CharField(source="vendor.slug")
    warehouse = serializers.CharField(source="warehouse.code")
    status = serializers.ChoiceField(choices=InboundStatus.choices)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
    lines = InboundLineSerializer(many=True)


class InboundPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InboundShipmentSerializer(many=True)


class AnnounceLineInputSerializer(serializers.Serializer):
    sku = serializers.IntegerField(help_text="Id of a hub-fulfilled SKU of the shop.")
    quantity = serializers.IntegerField(help_text="Units announced, above 0.")
    batch = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Id of its lot."
    )


class AnnounceInputSerializer(serializers.Serializer):
    vendor = serializers.CharField(help_text="The shop's slug.")
    warehouse = serializers.CharField(default=HUB_CODE, help_text="Warehouse code; LZXQ by default.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    lines = AnnounceLineInputSerializer(many=True)


class ReceiveLineInputSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    received_quantity = serializers.IntegerField(help_text="Units counted, 0 up to the announced quantity.")
    bin = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, help_text="Bin code; needed above 0."
    )
    batch = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The lot, when a SKU comes in several."
    )


class ReceiveInputSerializer(serializers.Serializer):
    lines = ReceiveLineInputSerializer(many=True)


class InspectionFailedInputSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="Id of a lot of the consignment.")
    summary = serializers.CharField(max_length=500, help_text="What the inspection found.")


def _inbound_body(shipment_id: int, request: Request) -> dict[str, Any]:
    return InboundShipmentSerializer(
        selectors.inbound_get_for_user(user=request.user, shipment_id=shipment_id)
    ).data


def _warehouse_shipment(request: Request, pk: int) -> InboundShipment:
    """The consignment for warehouse staff; 403 for the staff of its shop, 404 for everyone else."""
    shipment = selectors.inbound_get_for_user(user=request.user, shipment_id=pk)
    if not selectors.is_warehouse_staff(user=request.user):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED, message=gettext("Only warehouse staff receive consignments.")
        )
    return shipment


class InboundListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("vendor", OpenApiTypes.STR, description="A shop's slug (its staff)."),
            OpenApiParameter("status", OpenApiTypes.STR, description="announced or received."),
        ],
        responses={200: InboundPageSerializer},
        operation_id="inbound_shipments_list",
        tags=["logistics"],
        summary="Inbound consignments: a shop's (its staff, ?vendor=) or all (warehouse staff)",
    )
    def get(self, request: Request) -> Response:
        slug = request.query_params.get("vendor")
        if selectors.is_warehouse_staff(user=request.user):
            shipments = selectors.inbound_shipments_for_warehouse()
            if slug:
                shipments = shipments.filter(vendor__slug=slug)
        elif slug:
            _vendor, shipments = selectors.inbound_shipments_for_staff(user=request.user, slug=slug)
        else:
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED,
                message=gettext("Give your shop (?vendor=); only warehouse staff see every consignment."),
            )
        status = request.query_params.get("status")
        if status:
            if status not in InboundStatus.values:
                raise invalid({"status": [gettext("Choose announced or received.")]})
            shipments = shipments.filter(status=status)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(shipments, request, view=self)
        return paginator.get_paginated_response(InboundShipmentSerializer(page or [], many=True).data)

    @extend_schema(
        request=AnnounceInputSerializer,
        responses={201: InboundShipmentSerializer},
        tags=["logistics"],
        summary="Announce a consignment to the hub (the shop's staff)",
    )
    def post(self, request: Request) -> Response:
        data = AnnounceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        vendor, role = vendor_get_for_staff(user=request.user, slug=body["vendor"])
        shipment = inbound.inbound_announce(
            vendor=vendor,
            actor=request.user,
            actor_role=role,
            warehouse_code=body["warehouse"],
            note=body["note"],
            lines=[
                inbound.AnnouncedLine(sku_id=line["sku"], quantity=line["quantity"], batch_id=line["batch"])
                for line in body["lines"]
            ],
        )
        return Response(_inbound_body(shipment.pk, request), status=201)


class InboundDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: InboundShipmentSerializer}, tags=["logistics"], summary="A consignment")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_inbound_body(pk, request))


class InboundReceiveApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReceiveInputSerializer,
        responses={200: InboundShipmentSerializer},
        tags=["logistics"],
        summary="Receive a consignment: count every line and put it away (warehouse staff)",
    )
    def post(self, request: Request, pk: int) -> Response:
        shipment = _warehouse_shipment(request, pk)
        data = ReceiveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbound.inbound_receive(
            shipment=shipment,
            actor=request.user,
            lines=[
                inbound.CountedLine(
                    sku_id=line["sku"],
                    received_quantity=line["received_quantity"],
                    bin_code=line["bin"],
                    batch_id=line["batch"],
                )
                for line in data.validated_data["lines"]
            ],
        )
        return Response(_inbound_body(pk, request))


class InboundInspectionFailedApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=InspectionFailedInputSerializer,
        responses={200: InboundShipmentSerializer},
        tags=["logistics"],
        summary="A lot of a received consignment failed its inspection: it is blocked (warehouse staff)",
    )
    def post(self, request: Request, pk: int) -> Response:
        shipment = _warehouse_shipment(request, pk)
        data = InspectionFailedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbound.inbound_inspection_failed(
            shipment=shipment,
            actor=request.user,
            batch_id=data.validated_data["batch"],
            summary=data.validated_data["summary"],
        )
        return Response(_inbound_body(pk, request))
