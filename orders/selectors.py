"""Reads of orders. A buyer sees their own; shop staff (and officers the shop delegated to) see their
shop's; anyone else gets 404, never a hint that the order exists."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from gansu_mall.accounts.models import User
from gansu_mall.accounts.selectors import user_region_scope
from logistics.selectors import shipments_for_orders
from orders.models import (
    Order,
    OrderEvent,
    OrderItem,
    OrderItemLot,
    OrderStatus,
    Payment,
    Refund,
    RefundEvent,
    RefundStatus,
)
from vendors.models import Vendor
from vendors.selectors import is_bureau, vendor_get_for_staff


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    lots = OrderItemLot.objects.select_related("batch").order_by("id")
    return orders.select_related("vendor", "payment", "buyer").prefetch_related(
        Prefetch(
            "items",
            queryset=OrderItem.objects.prefetch_related(Prefetch("lots", queryset=lots)).order_by("id"),
        ),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
    )


def shipments_attach(orders: list[Order]) -> list[Order]:
    """Set ``order.shipment_record`` (the shipment with its tracking events, or None) on each order: two
    queries for the whole list."""
    found = shipments_for_orders(order_ids=[order.pk for order in orders])
    for order in orders:
        order.shipment_record = found.get(order.pk)  # type: ignore[attr-defined]
    return orders


def orders_for_buyer(*, user: User, status: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(buyer_id=user.pk)
    if status:
        orders = orders.filter(status=status)
    return _with_details(orders).order_by("-created_at", "-id")


def order_get_for_buyer(*, user: User, order_id: int) -> Order:
    order = _with_details(Order.objects.filter(pk=order_id, buyer_id=user.pk)).first()
    if order is None:
        raise Http404
    return order


def orders_for_shop(*, user: User, slug: str, status: str = "") -> tuple[Vendor, QuerySet[Order]]:
    """A shop's orders for its staff and delegated information officers."""
    vendor, _role = vendor_get_for_staff(user=user, slug=slug, allow_delegate=True)
    orders = Order.objects.filter(vendor=vendor)
    if status:
        orders = orders.filter(status=status)
    return vendor, _with_details(orders).order_by("-created_at", "-id")


def order_get_for_staff(*, user: User, order_id: int) -> Order:
    order = _with_details(Order.objects.filter(pk=order_id)).first()
    if order is None:
        raise Http404
    vendor_get_for_staff(user=user, slug=order.vendor.slug, allow_delegate=True)
    return order


def order_get_for_party(*, user: User, order_id: int) -> tuple[Order, str]:
    """The order for its buyer ("buyer") or its shop's staff ("shop"); 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    order = _with_details(Order.objects.filter(pk=order_id)).first()
    if order is None:
        raise Http404
    if order.buyer_id == user.pk:
        return order, "buyer"
    vendor_get_for_staff(user=user, slug=order.vendor.slug, allow_delegate=True)
    return order, "shop"


def payment_get_for_buyer(*, user: User, payment_id: int) -> Payment:
    payment = (
        Payment.objects.filter(pk=payment_id, buyer_id=user.pk).first() if user.is_authenticated else None
    )
    if payment is None:
        raise Http404
    return payment


STATUSES = [s.value for s in OrderStatus]


# --- Refunds --------------------------------------------------------------------------------------


def _refunds() -> QuerySet[Refund]:
    return Refund.objects.select_related("order__vendor", "order__payment", "buyer").prefetch_related(
        Prefetch("events", queryset=RefundEvent.objects.order_by("created_at", "id"))
    )


def refunds_for_buyer(*, user: User) -> QuerySet[Refund]:
    return _refunds().filter(buyer_id=user.pk).order_by("-created_at", "-id")


def refunds_for_shop(*, user: User, slug: str) -> tuple[Vendor, QuerySet[Refund]]:
    vendor, _role = vendor_get_for_staff(user=user, slug=slug, allow_delegate=True)
    return vendor, _refunds().filter(order__vendor=vendor).order_by("-created_at", "-id")


def refunds_for_bureau(*, user: User) -> QuerySet[Refund]:
    """Refunds taken to the bureau (and decided ones), within the staff member's area."""
    if not is_bureau(user):
        return Refund.objects.none()
    refunds = _refunds().filter(events__to_status=RefundStatus.ESCALATED).distinct()
    scope = user_region_scope(user=user)
    if scope is not None:
        refunds = refunds.filter(order__vendor__county_id__in=sorted(scope))
    return refunds.order_by("-updated_at", "-id")


def refund_get_for_party(*, user: User, refund_id: int) -> tuple[Refund, str]:
    """The refund for its buyer ("buyer"), its shop's staff ("shop") or bureau staff of its area
    ("bureau", once escalated); 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    refund = _refunds().filter(pk=refund_id).first()
    if refund is None:
        raise Http404
    if refund.buyer_id == user.pk:
        return refund, "buyer"
    if refunds_for_bureau(user=user).filter(pk=refund.pk).exists():
        return refund, "bureau"
    vendor_get_for_staff(user=user, slug=refund.order.vendor.slug, allow_delegate=True)
    return refund, "shop"
