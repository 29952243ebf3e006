"""The order state machine of API.md: one transition service, an explicit table, an event per change.

    pending_payment → paid (→ awaiting_group → paid, for group buys) → shipped → delivered → completed
    pending_payment, paid, awaiting_group → cancelled

Every other change is refused with 409 ``invalid_transition``. Callers lock the order first (the services
here do) and make the change's side effects (stock, money) in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import FulfilledBy
from catalog.services import StockLine, stock_release
from gansu_mall.accounts.models import User
from gansu_mall.core import rollups
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.money import format_money
from gansu_mall.core.rollups import rollup_mark_stale
from gansu_mall.notifications.services import notify
from logistics.carriers import CARRIERS as LOGISTICS_CARRIERS
from logistics.carriers import validate_tracking
from logistics.fulfillment import shipment_create
from orders.errors import OrderErrorCode
from orders.models import Order, OrderEvent, OrderStatus, Payment, PaymentStatus
from vendors.models import StaffRole, VendorMembership

S = OrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.AWAITING_GROUP, S.SHIPPED, S.CANCELLED},
    S.AWAITING_GROUP: {S.PAID, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.COMPLETED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}
TIMESTAMPS: dict[str, str] = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.COMPLETED: "completed_at",
}

# Carriers of API.md and their tracking-number checks live in logistics (one list for the platform).
CARRIERS = LOGISTICS_CARRIERS


def order_transition(*, order: Order, to: str, actor: User | None, note: str = "") -> Order:
    """Move a (locked) order to ``to`` and record the event; 409 ``invalid_transition`` when the table
    does not allow it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_transition runs inside the caller's transaction, on a locked order")
    current = order.status
    if to not in TRANSITIONS.get(current, set()):
        raise ApplicationError(
            code=OrderErrorCode.INVALID_TRANSITION,
            message=_("An order that is “%(current)s” cannot become “%(to)s”.")
            % {"current": OrderStatus(current).label, "to": OrderStatus(to).label},
            extra={"status": current},
        )
    order.status = to
    fields = ["status", "updated_at"]
    stamp = TIMESTAMPS.get(to)
    if stamp and getattr(order, stamp) is None:  # the first time only (a group order is paid twice)
        setattr(order, stamp, timezone.now())
        fields.append(stamp)
    order.save(update_fields=fields)
    OrderEvent.objects.create(order=order, from_status=current, to_status=to, actor=actor, note=note[:500])
    # The shop's dashboard figures of the day (sales when paid, shipments when shipped) are recomputed.
    rollup_mark_stale(
        topic=rollups.SHOP, at=(stamp and getattr(order, stamp)) or timezone.now(), key=order.vendor_id
    )
    return order


def stock_lines(order: Order) -> list[StockLine]:
    return [StockLine(sku_id=item.sku_id, quantity=item.quantity) for item in order.items.all()]


def shop_staff(order: Order) -> list[User]:
    memberships = VendorMembership.objects.filter(
        vendor_id=order.vendor_id, role__in=[StaffRole.OWNER, StaffRole.MANAGER]
    )
    return [m.user for m in memberships.select_related("user")]


def _notify_all(users: list[User], kind: str, order: Order) -> None:
    params: dict[str, object] = {
        "number": order.number,
        "shop": order.vendor.name,
        "total": format_money(order.total),
    }
    for user in users:
        notify(user=user, kind=kind, params=params, link=f"/orders/{order.pk}/")


def notify_buyer(order: Order, kind: str) -> None:
    _notify_all([order.buyer], kind, order)


def notify_shop(order: Order, kind: str) -> None:
    params: dict[str, object] = {
        "number": order.number,
        "shop": order.vendor.name,
        "total": format_money(order.total),
    }
    for user in shop_staff(order):
        notify(user=user, kind=kind, params=params, link=f"/seller/{order.vendor.slug}/orders/{order.pk}/")


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("vendor", "buyer").get(pk=order.pk)


def order_cancel_unpaid(*, order: Order, actor: User | None, reason: str) -> Order:
    """Cancel an order that is not paid yet: its held stock goes back (once: the state change guards it),
    and its amount leaves the payment, which closes when nothing is left to pay."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=order.payment_id)
        order = _locked(order)
        if order.status != OrderStatus.PENDING_PAYMENT or payment.status != PaymentStatus.PENDING:
            if order.status == OrderStatus.CANCELLED:
                raise ApplicationError(
                    code=OrderErrorCode.INVALID_TRANSITION,
                    message=_("This order is cancelled already."),
                    extra={"status": order.status},
                )
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("This order is paid: ask for a refund instead."),
                extra={"status": order.status},
            )
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, note=reason)
        stock_release(lines=stock_lines(order))
        remaining = payment.amount - order.total
        if remaining > 0:
            payment.amount = remaining
        else:  # nothing left to pay: the payment closes (keeping its last amount)
            payment.status = PaymentStatus.CLOSED
            payment.closed_at = timezone.now()
        payment.save(update_fields=["amount", "status", "closed_at"])
        notify_buyer(order, "order_cancelled")
        notify_shop(order, "order_cancelled")
    return order


def order_ship(*, order: Order, actor: User, carrier: str, tracking_number: str) -> Order:
    """The shop ships a paid order of its own (vendor-fulfilled) SKUs with a carrier and tracking number."""
    tracking = validate_tracking(carrier, tracking_number)
    carrier = carrier.strip().lower()
    with transaction.atomic():
        order = _locked(order)
        if order.items.filter(fulfilled_by=FulfilledBy.HUB).exists():
            raise ApplicationError(
                code=OrderErrorCode.HUB_FULFILLED,
                message=_("This order ships from the Lanzhou New Area hub, not from the shop."),
            )
        order.carrier, order.tracking_number = carrier, tracking
        order.save(update_fields=["carrier", "tracking_number"])
        if order.status == OrderStatus.PAID:
            shipment_create(
                order_id=order.pk,
                number=order.number,
                vendor_id=order.vendor_id,
                carrier=carrier,
                tracking_number=tracking,
            )
        order_transition(order=order, to=OrderStatus.SHIPPED, actor=actor, note=f"{carrier} {tracking}")
        notify_buyer(order, "order_shipped")
    return order


def order_confirm_receipt(*, order: Order, actor: User | None, note: str = "") -> Order:
    """The buyer has the parcel: a shipped order is delivered and completed, a delivered one completed."""
    with transaction.atomic():
        order = _locked(order)
        if order.status == OrderStatus.SHIPPED:
            order_transition(order=order, to=OrderStatus.DELIVERED, actor=actor, note=note)
        order_transition(order=order, to=OrderStatus.COMPLETED, actor=actor, note=note)
        notify_shop(order, "order_completed")
    return order


def orders_auto_confirm(*, now: object = None) -> int:
    """Complete delivered orders the buyer left unconfirmed for ORDER_AUTO_CONFIRM_DAYS (beat task)."""
    from datetime import timedelta

    from django.conf import settings

    moment = now or timezone.now()
    due = Order.objects.filter(
        status=OrderStatus.DELIVERED,
        delivered_at__lte=moment - timedelta(days=settings.ORDER_AUTO_CONFIRM_DAYS),  # type: ignore[operator]
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(due):
        try:
            order_confirm_receipt(
                order=Order(pk=pk), actor=None, note=gettext_noop("confirmed automatically")
            )
        except ApplicationError:  # changed meanwhile
            continue
        done += 1
    return done
