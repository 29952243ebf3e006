"""Reads of orders. A buyer sees their own; shop staff (and officers the shop delegated to) see their
shop's; anyone else gets 404, never a hint that the order exists."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from credit.behaviour import MonthFigures
from gansu_mall.accounts.models import User
from gansu_mall.accounts.selectors import user_region_scope
from logistics.selectors import shipments_for_orders, task_deadline_for_order
from orders.models import (
    GroupStatus,
    Order,
    OrderEvent,
    OrderItem,
    OrderItemLot,
    OrderStatus,
    Payment,
    Refund,
    RefundEvent,
    RefundStatus,
    Review,
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


# --- Platform behaviour (the monthly credit records) ---------------------------------------------------

# An order is looked for among those paid up to this long before the month: its ship-by time may fall in
# the month although it was paid earlier (a group that filled later, a hub deadline).
BEHAVIOUR_LOOKBACK = timedelta(days=62)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of the calendar month of ``month`` and of the next one, in the local time zone."""
    start = date(month.year, month.month, 1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (
        datetime(start.year, start.month, 1, tzinfo=tz),
        datetime(end.year, end.month, 1, tzinfo=tz),
    )


def _shop_ship_by(prefix: str = "") -> ExpressionWrapper:
    """When the shop must have shipped an order it ships itself: CREDIT_SHIP_WITHIN_HOURS after payment, or
    after its group filled (a group-buy order waits for its group)."""
    return ExpressionWrapper(
        Coalesce(F(f"{prefix}group__closed_at"), F(f"{prefix}paid_at"))
        + timedelta(hours=settings.CREDIT_SHIP_WITHIN_HOURS),
        output_field=DateTimeField(),
    )


def order_ship_by() -> Coalesce:
    """An order's ship-by time, as an expression on Order rows: the hub's fulfillment-task deadline for
    orders the hub ships, else the shop's (``_shop_ship_by``)."""
    return Coalesce(task_deadline_for_order(order_ref=OuterRef("pk")), _shop_ship_by())


def _ready_to_ship(prefix: str = "") -> Q:
    """Orders not waiting for a group: no group, or a group that filled (a failed group's orders never had
    to ship)."""
    return Q(**{f"{prefix}group__isnull": True}) | Q(**{f"{prefix}group__status": GroupStatus.FILLED})


def shop_behaviour_month(*, month: date) -> dict[int, MonthFigures]:
    """Every shop's figures for a calendar month (``month``: any day of it), by vendor id: five grouped
    queries, however many shops and orders. Shops without any figure are left out.

    - ``orders_paid``: orders paid in the month.
    - ``orders_due`` / ``shipped_on_time``: orders whose ship-by time fell in the month, and those of them
      shipped by it. The ship-by time is the hub's fulfillment-task deadline for orders the hub ships, and
      CREDIT_SHIP_WITHIN_HOURS after payment (after the group filled, for a group buy) for orders the shop
      ships. An order cancelled before its ship-by time was never due; one still unshipped, or cancelled
      after it, was due and late. Judge a month once it is over.
    - ``shop_cancellations``: paid orders the shop ships itself, cancelled in the month after their ship-by
      time had passed unshipped. A shop cannot cancel a paid order itself; a paid order is cancelled by the
      buyer's refund before shipping, by its group failing, or by the hub's lead when the hub cannot fulfil
      it. The buyer's refund within the ship-by time is the buyer's choice, a failed group nobody's fault,
      and a hub cancellation (and a hub order's lateness) the hub's; what the shop causes is a buyer giving
      up on an order the shop did not ship in time.
    - ``refunds``: refunds the buyer asked for (with a "requested" event; not the automatic ones of a
      failed group, a hub cancellation or a late payment) granted in the month, by the shop or the bureau.
    - ``disputes``: refunds taken to the bureau in the month. ``upheld_complaints``: escalated refunds the
      bureau decided for the buyer in the month.
    - ``review_count`` / ``review_total``: reviews written in the month and the sum of their ratings.
    """
    start, end = month_bounds(month)
    figures: dict[int, dict[str, int]] = {}

    def put(vendor_id: int, **values: int) -> None:
        row = figures.setdefault(vendor_id, {})
        row.update({name: value for name, value in values.items() if value})

    for row in (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .values("vendor_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        put(row["vendor_id"], orders_paid=row["n"])

    cancelled_at = OrderEvent.objects.filter(order_id=OuterRef("pk"), to_status=OrderStatus.CANCELLED).values(
        "created_at"
    )[:1]
    due = (
        Order.objects.filter(paid_at__gte=start - BEHAVIOUR_LOOKBACK, paid_at__lt=end)
        .filter(_ready_to_ship())
        .annotate(
            ship_by=order_ship_by(),
            cancelled_at=Subquery(cancelled_at),
        )
        .filter(ship_by__gte=start, ship_by__lt=end)
        .exclude(
            Q(shipped_at__isnull=True) & Q(cancelled_at__isnull=False) & Q(cancelled_at__lte=F("ship_by"))
        )
    )
    for row in (
        due.values("vendor_id")
        .annotate(due=Count("id"), on_time=Count("id", filter=Q(shipped_at__lte=F("ship_by"))))
        .order_by()
    ):
        put(row["vendor_id"], orders_due=row["due"], shipped_on_time=row["on_time"])

    for row in (
        OrderEvent.objects.filter(
            to_status=OrderStatus.CANCELLED,
            created_at__gte=start,
            created_at__lt=end,
            order__paid_at__isnull=False,
            order__shipped_at__isnull=True,
        )
        .filter(_ready_to_ship("order__"))
        .annotate(
            hub_ship_by=task_deadline_for_order(order_ref=OuterRef("order_id")),
            ship_by=_shop_ship_by("order__"),
        )
        .filter(hub_ship_by__isnull=True, created_at__gt=F("ship_by"))
        .values("order__vendor_id")
        .annotate(n=Count("order_id", distinct=True))
        .order_by()
    ):
        put(row["order__vendor_id"], shop_cancellations=row["n"])

    requested = RefundEvent.objects.filter(refund_id=OuterRef("refund_id"), to_status=RefundStatus.REQUESTED)
    granted = Q(to_status=RefundStatus.APPROVED, asked=True)
    escalated = Q(to_status=RefundStatus.ESCALATED)
    upheld = Q(from_status=RefundStatus.ESCALATED, to_status=RefundStatus.APPROVED)
    for row in (
        RefundEvent.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(Q(to_status=RefundStatus.APPROVED) | escalated)
        .annotate(asked=Exists(requested))
        .values("refund__order__vendor_id")
        .annotate(
            refunds=Count("refund_id", filter=granted, distinct=True),
            disputes=Count("refund_id", filter=escalated, distinct=True),
            upheld=Count("refund_id", filter=upheld, distinct=True),
        )
        .order_by()
    ):
        put(
            row["refund__order__vendor_id"],
            refunds=row["refunds"],
            disputes=row["disputes"],
            upheld_complaints=row["upheld"],
        )

    for row in (
        Review.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("vendor_id")
        .annotate(n=Count("id"), total=Sum("rating"))
        .order_by()
    ):
        put(row["vendor_id"], review_count=row["n"], review_total=row["total"])

    return {vendor_id: MonthFigures(**values) for vendor_id, values in sorted(figures.items()) if values}
