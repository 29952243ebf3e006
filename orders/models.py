"""Carts, addresses, payments and orders (one order per shop, one payment per checkout), their events, and
the idempotency records of checkout."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gansu_mall.core.money import MoneyField

HALF_FEN = models.Value(Decimal("0.005"), output_field=models.DecimalField(max_digits=4, decimal_places=3))


class Cart(models.Model):
    """A signed-in buyer's cart, or a guest's (by session key); merged into the buyer's at sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(session_key__isnull=False), name="cart_has_an_owner"
            )
        ]

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # The price when it was put in the cart: the cart shows a change since then.
    price_when_added = MoneyField(_("price when added"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_item_one_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class Address(models.Model):
    """An address of the buyer's address book (GB/T 2260 codes: any province; Gansu down to county)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(_("recipient"), max_length=40)
    phone = models.CharField(_("phone"), max_length=11)
    province_code = models.CharField(_("province"), max_length=6)
    city_code = models.CharField(_("city"), max_length=6, blank=True)
    county_code = models.CharField(_("county"), max_length=6, blank=True)
    detail = models.CharField(_("street address"), max_length=200)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address_per_user"
            )
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.recipient} {self.detail}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment status", "awaiting payment")
    PAID = "paid", pgettext_lazy("payment status", "paid")
    CLOSED = "closed", pgettext_lazy("payment status", "closed")


class Payment(models.Model):
    """One payment for one checkout, covering the orders of every shop in it."""

    number = models.CharField(_("payment number"), max_length=32, unique=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    amount = MoneyField(_("amount"))
    status = models.CharField(max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    provider = models.CharField(max_length=16, blank=True)
    provider_trade_no = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created")]

    def __str__(self) -> str:
        return self.number


class PaymentNotification(models.Model):
    """Every asynchronous notification the gateway sent, verified or not (kept for audits and replays)."""

    provider = models.CharField(max_length=16)
    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    params = models.JSONField()
    outcome = models.CharField(max_length=32)  # "paid", "duplicate", "bad_signature", "wrong_amount" …
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.out_trade_no} {self.outcome}"


class GroupBuy(models.Model):
    """A shop's group-buy offer (拼团): a SKU at ``group_price`` once ``group_size`` buyers have paid within
    ``duration_hours`` of the group's start."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="group_buys")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="group_buys")
    group_price = MoneyField(_("group price"))
    group_size = models.PositiveSmallIntegerField(_("group size"))
    duration_hours = models.PositiveSmallIntegerField(_("hours to fill a group"))
    active = models.BooleanField(_("open for new groups"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(group_price__gt=0), name="group_buy_price_positive"),
            models.CheckConstraint(condition=Q(group_size__gte=2), name="group_buy_size_at_least_2"),
            models.CheckConstraint(condition=Q(duration_hours__gte=1), name="group_buy_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.group_size} @ {self.group_price}"


class GroupStatus(models.TextChoices):
    FORMING = "forming", _("forming")
    FILLED = "filled", _("filled")
    FAILED = "failed", _("not filled in time")


class Group(models.Model):
    """One group of an offer, started by its first buyer; members are the orders that carry it."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.PROTECT, related_name="groups")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=GroupStatus.choices, default=GroupStatus.FORMING)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]

    def __str__(self) -> str:
        return f"group {self.pk} of {self.group_buy_id}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", pgettext_lazy("order status", "awaiting payment")
    PAID = "paid", pgettext_lazy("order status", "paid")
    AWAITING_GROUP = "awaiting_group", pgettext_lazy("order status", "waiting for the group to fill")
    SHIPPED = "shipped", pgettext_lazy("order status", "shipped")
    DELIVERED = "delivered", pgettext_lazy("order status", "delivered")
    COMPLETED = "completed", pgettext_lazy("order status", "completed")
    CANCELLED = "cancelled", pgettext_lazy("order status", "cancelled")


class Order(models.Model):
    """What one buyer bought from one shop in one checkout, with a snapshot of the address."""

    number = models.CharField(_("order number"), max_length=32, unique=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="orders")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="orders")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    items_total = MoneyField(_("items"))
    shipping_fee = MoneyField(_("shipping"))
    total = MoneyField(_("total"))
    recipient = models.CharField(_("recipient"), max_length=40)
    phone = models.CharField(_("phone"), max_length=11)
    province_code = models.CharField(max_length=6)
    city_code = models.CharField(max_length=6, blank=True)
    county_code = models.CharField(max_length=6, blank=True)
    address_detail = models.CharField(_("street address"), max_length=200)
    note = models.CharField(_("note to the shop"), max_length=200, blank=True)
    # Express delivery from the hub (a surcharge of the hub's fee table): its task is picked first.
    express = models.BooleanField(_("express delivery"), default=False)
    carrier = models.CharField(_("carrier"), max_length=8, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Within half a fen: on PostgreSQL (exact decimals of two places) that is equality; SQLite, the
            # demo's database, compares in floating point, where 61.46 + 10.00 need not equal 71.46.
            models.CheckConstraint(
                condition=Q(total__gte=models.F("items_total") + models.F("shipping_fee") - HALF_FEN)
                & Q(total__lte=models.F("items_total") + models.F("shipping_fee") + HALF_FEN),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(condition=Q(items_total__gt=0), name="order_items_total_positive"),
            models.CheckConstraint(condition=Q(shipping_fee__gte=0), name="order_shipping_not_negative"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_created"),
            models.Index(fields=["vendor", "status", "-created_at"], name="order_vendor_status"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(models.Model):
    """A line of an order, with the product as it was sold (name, spec and price are copied)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=80)
    product_name_en = models.CharField(max_length=120, blank=True)
    spec = models.CharField(max_length=60)
    unit_price = MoneyField(_("unit price"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = MoneyField(_("line total"))
    fulfilled_by = models.CharField(max_length=6)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="order_item_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.sku_id} × {self.quantity}"


class OrderItemLot(models.Model):
    """The lot (batch) a line's units shipped from, recorded when the hub ships the parcel, so that the
    buyer's trace link shows the real lot."""

    item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="lots")
    batch = models.ForeignKey("catalog.Batch", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["item_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "batch"], name="order_item_lot_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_lot_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.batch_id} × {self.quantity}"


class OrderEvent(models.Model):
    """One change of an order's status: who, when, from, to, why (append-only)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class IdempotencyRecord(models.Model):
    """The first answer to a request made with an ``Idempotency-Key``: the same key and body get it again.
    The row is inserted in the same transaction as the work, so a racing duplicate waits on the unique
    index until the first commits, then reads its answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class SandboxTrade(models.Model):
    """A trade of the built-in sandbox gateway (the demo's and the tests' stand-in for Alipay): what the
    gateway itself knows, so that it can answer queries and refunds as Alipay would."""

    out_trade_no = models.CharField(max_length=64, unique=True)
    trade_no = models.CharField(max_length=64, unique=True)
    total_amount = MoneyField()
    refunded_amount = MoneyField(default=0)
    status = models.CharField(max_length=16)  # WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED
    notify_url = models.URLField(max_length=500, blank=True)
    return_url = models.URLField(max_length=500, blank=True)
    subject = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    notifications_sent = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.status}"


class SandboxRefund(models.Model):
    """A refund the sandbox gateway accepted (``out_request_no`` makes a retried refund a no-op)."""

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    out_request_no = models.CharField(max_length=64)
    amount = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trade", "out_request_no"], name="sandbox_refund_once")
        ]

    def __str__(self) -> str:
        return f"{self.trade_id} {self.out_request_no}"


class RefundKind(models.TextChoices):
    REFUND = "refund", _("refund only")
    RETURN = "return", _("return and refund")


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("refund status", "requested")
    AWAITING_RETURN = "awaiting_return", pgettext_lazy("refund status", "approved: waiting for the goods")
    APPROVED = "approved", pgettext_lazy("refund status", "approved: money on its way back")
    REFUNDED = "refunded", pgettext_lazy("refund status", "refunded")
    REJECTED = "rejected", pgettext_lazy("refund status", "rejected by the shop")
    ESCALATED = "escalated", pgettext_lazy("refund status", "with the commerce bureau")
    CLOSED = "closed", pgettext_lazy("refund status", "closed")


class Refund(models.Model):
    """An after-sales request on one order: money back (all or part), with or without returning the goods.
    Its ``number`` is the refund request number sent to the gateway, which makes a retried refund a no-op."""

    number = models.CharField(_("refund number"), max_length=32, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(_("kind"), max_length=8, choices=RefundKind.choices, default=RefundKind.REFUND)
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    # A return and refund: the carrier and tracking number of the parcel the buyer sends back.
    return_carrier = models.CharField(_("return carrier"), max_length=8, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=40, blank=True)
    shop_note = models.CharField(_("shop's reason"), max_length=500, blank=True)
    arbitration_note = models.CharField(_("bureau's decision"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return self.number


class RefundEvent(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=RefundStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.refund_id}: {self.from_status} → {self.to_status}"


def _review_photo_path(instance: object, filename: str) -> str:
    from django.utils import timezone

    return f"reviews/{timezone.now():%Y/%m}/{filename}"


class Review(models.Model):
    """A buyer's review of one delivered order item (one each), which the shop may answer."""

    order_item = models.OneToOneField(OrderItem, on_delete=models.PROTECT, related_name="review")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="reviews")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="reviews")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    reply = models.TextField(_("shop's reply"), max_length=2000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5")
        ]
        indexes = [models.Index(fields=["product", "-created_at"], name="review_product_created")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.rating}★"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=_review_photo_path)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.review_id} #{self.position}"


# Settlement: the ledger, commission rates, statements and payouts (orders/settlement/models.py).
from orders.settlement.models import (  # noqa: E402, F401
    AccountKind,
    CommissionRate,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Payout,
    PayoutBatch,
    PayoutEvent,
    PayoutStatus,
    Posting,
    SettledRefund,
    Settlement,
    SettlementLine,
    SettlementStatus,
    ShopCommission,
)
