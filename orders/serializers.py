from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Address, GroupBuy, Order, OrderItem, Payment, Refund, Review
from orders.selectors import shipments_attach


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    sku = serializers.IntegerField(source="sku.id")
    product = serializers.SerializerMethodField()
    spec = serializers.CharField(source="sku.spec")
    quantity = serializers.IntegerField(source="item.quantity")
    unit_price = MoneyField()
    line_total = MoneyField()
    price_when_added = MoneyField(source="item.price_when_added")
    price_changed = serializers.BooleanField()
    available = serializers.IntegerField()
    problem = serializers.CharField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_product(self, obj: Any) -> dict[str, Any]:
        return {"id": obj.sku.product_id, "name": obj.sku.product.name, "name_en": obj.sku.product.name_en}


class CartShopSerializer(serializers.Serializer):
    vendor = serializers.SerializerMethodField()
    items = CartLineSerializer(many=True, source="lines")
    items_total = MoneyField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_vendor(self, obj: Any) -> dict[str, str]:
        return {"slug": obj.vendor.slug, "name": obj.vendor.name}


class CartSerializer(serializers.Serializer):
    items = CartLineSerializer(many=True, source="lines")
    shops = CartShopSerializer(many=True)
    total = MoneyField()
    count = serializers.IntegerField()


class CartItemInputSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    quantity = serializers.IntegerField(required=False, default=1)


class CartItemPatchSerializer(serializers.Serializer):
    quantity = serializers.IntegerField()


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = [
            "id",
            "recipient",
            "phone",
            "province_code",
            "city_code",
            "county_code",
            "detail",
            "is_default",
        ]


class AddressInputSerializer(serializers.Serializer):
    """Shapes only; the address service checks the values (and names every field at fault at once)."""

    recipient = serializers.CharField(max_length=100, allow_blank=True)
    phone = serializers.CharField(max_length=30, allow_blank=True)
    province_code = serializers.CharField(max_length=6, allow_blank=True)
    city_code = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    county_code = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    detail = serializers.CharField(max_length=400, allow_blank=True)


class AddressCreateSerializer(AddressInputSerializer):
    is_default = serializers.BooleanField(required=False, default=False)


class CheckoutItemSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    quantity = serializers.IntegerField()


class CheckoutInputSerializer(serializers.Serializer):
    address = AddressInputSerializer()
    items = CheckoutItemSerializer(many=True, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    express = serializers.BooleanField(
        required=False, default=False, help_text="Express delivery of what the hub ships (a surcharge)."
    )


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField()

    class Meta:
        model = Payment
        fields = ["id", "number", "amount", "status", "paid_at"]


class OrderItemSerializer(serializers.ModelSerializer):
    unit_price = MoneyField()
    line_total = MoneyField()
    product = serializers.IntegerField(source="product_id")
    sku = serializers.IntegerField(source="sku_id")
    lots = serializers.SerializerMethodField()

    class Meta:
        model = OrderItem
        fields = [
            "lots",
            "id",
            "sku",
            "product",
            "product_name",
            "product_name_en",
            "spec",
            "unit_price",
            "quantity",
            "line_total",
            "fulfilled_by",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_lots(self, obj: OrderItem) -> list[dict[str, Any]]:
        """The lots the line's units shipped from (recorded when the hub ships), with their trace codes."""
        return [
            {"batch": lot.batch_id, "trace_code": lot.batch.trace_code, "quantity": lot.quantity}
            for lot in obj.lots.all()
        ]


def shipment_data(shipment: Any) -> dict[str, Any]:
    return {
        "id": shipment.pk,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "events": [
            {"status": e.status, "occurred_at": e.occurred_at, "location": e.place}
            for e in shipment.events.all()
        ],
    }


class OrderEventSerializer(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    at = serializers.DateTimeField(source="created_at")
    note = serializers.CharField()


class OrderSerializer(serializers.ModelSerializer):
    vendor = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()
    items = OrderItemSerializer(many=True)
    events = OrderEventSerializer(many=True)
    items_total = MoneyField()
    shipping_fee = MoneyField()
    total = MoneyField()
    address = serializers.SerializerMethodField()
    shipment = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "vendor",
            "payment",
            "items",
            "items_total",
            "shipping_fee",
            "total",
            "address",
            "note",
            "events",
            "shipment",
            "created_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "completed_at",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_vendor(self, obj: Order) -> dict[str, str]:
        return {"slug": obj.vendor.slug, "name": obj.vendor.name}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payment(self, obj: Order) -> dict[str, Any]:
        return {"id": obj.payment_id, "number": obj.payment.number, "status": obj.payment.status}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_address(self, obj: Order) -> dict[str, str]:
        return {
            "recipient": obj.recipient,
            "phone": obj.phone,
            "province_code": obj.province_code,
            "city_code": obj.city_code,
            "county_code": obj.county_code,
            "detail": obj.address_detail,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_shipment(self, obj: Order) -> dict[str, Any] | None:
        """The parcel with its tracking events (hub or shop), attached in bulk by ``shipments_attach``."""
        if not hasattr(obj, "shipment_record"):
            shipments_attach([obj])
        shipment = obj.shipment_record  # type: ignore[attr-defined]
        return None if shipment is None else shipment_data(shipment)


class CheckoutResultSerializer(serializers.Serializer):
    payment = PaymentSerializer()
    orders = OrderSerializer(many=True)


class PayInputSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=["alipay"])


class ShipInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=16)
    tracking_number = serializers.CharField(max_length=40)


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RefundEventSerializer(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    at = serializers.DateTimeField(source="created_at")
    note = serializers.CharField()


class RefundSerializer(serializers.ModelSerializer):
    amount = MoneyField()
    order = serializers.SerializerMethodField()
    events = RefundEventSerializer(many=True)

    class Meta:
        model = Refund
        fields = [
            "id",
            "number",
            "order",
            "kind",
            "amount",
            "reason",
            "status",
            "return_carrier",
            "return_tracking_number",
            "shop_note",
            "arbitration_note",
            "events",
            "created_at",
            "refunded_at",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_order(self, obj: Refund) -> dict[str, Any]:
        return {"id": obj.order_id, "number": obj.order.number, "vendor": {"slug": obj.order.vendor.slug}}


class RefundInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)
    amount = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    kind = serializers.CharField(max_length=8, required=False, default="refund")


class RefundReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ArbitrateSerializer(serializers.Serializer):
    decision = serializers.CharField(max_length=8)
    note = serializers.CharField(max_length=500, allow_blank=True)


class ReviewSerializer(serializers.ModelSerializer):
    buyer = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    spec = serializers.CharField(source="order_item.spec")

    class Meta:
        model = Review
        fields = ["id", "rating", "comment", "buyer", "spec", "photos", "reply", "replied_at", "created_at"]

    def get_buyer(self, obj: Review) -> str:
        """Masked: 王** — reviews are public, buyers are not."""
        name = obj.buyer.username
        return name[:1] + "**"

    def get_photos(self, obj: Review) -> list[str]:
        return [photo.image.url for photo in obj.photos.all()]


class ReviewInputSerializer(serializers.Serializer):
    order_item = serializers.IntegerField()
    rating = serializers.IntegerField()
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=4000, allow_blank=True)


class GroupBuySerializer(serializers.ModelSerializer):
    group_price = MoneyField()
    sku = serializers.IntegerField(source="sku_id")
    product = serializers.SerializerMethodField()
    vendor = serializers.SerializerMethodField()
    normal_price = MoneyField(source="sku.price")
    open_groups = serializers.SerializerMethodField()

    class Meta:
        model = GroupBuy
        fields = [
            "id",
            "sku",
            "product",
            "vendor",
            "normal_price",
            "group_price",
            "group_size",
            "duration_hours",
            "active",
            "open_groups",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_product(self, obj: GroupBuy) -> dict[str, Any]:
        return {"id": obj.sku.product_id, "name": obj.sku.product.name, "spec": obj.sku.spec}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_vendor(self, obj: GroupBuy) -> dict[str, str]:
        return {"slug": obj.vendor.slug, "name": obj.vendor.name}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_open_groups(self, obj: GroupBuy) -> list[dict[str, Any]]:
        """Groups still forming, with how many places are left (prefetched as ``forming``)."""
        return [
            {
                "id": g.pk,
                "expires_at": g.expires_at,
                "members": g.members,
                "places_left": obj.group_size - g.members,
            }
            for g in getattr(obj, "forming", [])
        ]


class GroupBuyInputSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    group_price = serializers.CharField(max_length=20)
    group_size = serializers.IntegerField()
    duration_hours = serializers.IntegerField()


class GroupJoinSerializer(serializers.Serializer):
    address = AddressInputSerializer()
    quantity = serializers.IntegerField(required=False, default=1)
    group = serializers.IntegerField(required=False, allow_null=True, default=None)
