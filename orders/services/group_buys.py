"""Group buying (拼团): a shop offers a SKU at a group price; buyers start or join a group by paying; when
``group_size`` members have paid within the time limit the group fills and its orders proceed; when time
runs out first, every member gets their money back and the stock returns — once.

A member's order goes pending_payment → paid → awaiting_group → (filled) paid, or → cancelled. Stock is
held at join, like any checkout. Joins and the fill/fail decision lock the group's row, so a group never
takes more members than its size, however many join at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import cast

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import Sku
from catalog.services import stock_release, stock_return
from gansu_mall.accounts.models import User
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.money import to_money
from gansu_mall.notifications.services import notify
from orders.errors import OrderErrorCode
from orders.models import Group, GroupBuy, GroupStatus, Order, OrderStatus, Payment, PaymentStatus
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, CheckoutResult, checkout
from orders.services.fulfillment import hub_enqueue
from orders.services.orders import notify_shop, order_transition, stock_lines
from vendors.models import Vendor

MEMBER_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_GROUP)


@dataclass
class GroupBuyInput:
    sku_id: int
    group_price: object
    group_size: object
    duration_hours: object


def _price(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != to_money(amount):
        return None
    return amount


def group_buy_create(*, vendor: Vendor, data: GroupBuyInput) -> GroupBuy:
    """A shop offers one of its SKUs at a group price (below its normal price)."""
    errors: dict[str, list[str]] = {}
    sku = Sku.objects.select_related("product").filter(pk=data.sku_id, vendor=vendor).first()
    if sku is None:
        raise Http404
    if sku.product.status != "active":
        raise ApplicationError(
            code=OrderErrorCode.NOT_SELLABLE,
            message=_("Put the product on sale before offering a group buy."),
        )
    price = _price(data.group_price)
    if price is None or price >= sku.price:
        errors["group_price"] = [
            _("Give a group price in fen, above zero and below the normal price %(price)s.")
            % {"price": sku.price}
        ]
    size = data.group_size
    if not isinstance(size, int) or isinstance(size, bool) or not 2 <= size <= 50:
        errors["group_size"] = [_("A group has 2 to 50 members.")]
    hours = data.duration_hours
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 72:
        errors["duration_hours"] = [_("A group has 1 to 72 hours to fill.")]
    if errors:
        raise _invalid(errors)
    return GroupBuy.objects.create(
        vendor=vendor,
        sku=sku,
        group_price=price,
        group_size=cast(int, size),
        duration_hours=cast(int, hours),
    )


def group_buy_join(
    *,
    buyer: User,
    group_buy: GroupBuy,
    address: AddressInput,
    quantity: int = 1,
    group_id: int | None = None,
    idempotency_key: str,
    fingerprint: str,
) -> CheckoutResult:
    """Start a group (``group_id`` None) or join one: an order at the group price, stock held, to be paid
    like any checkout. 409 ``group_full`` / ``group_closed`` when the group cannot take the buyer."""

    def lock_or_start() -> Group:
        # The offer's row is locked too: an offer ended at this moment takes no join.
        offer = GroupBuy.objects.select_for_update().get(pk=group_buy.pk)
        if not offer.active:
            raise ApplicationError(code=OrderErrorCode.GROUP_CLOSED, message=_("This group buy has ended."))
        if group_id is None:
            return Group.objects.create(
                group_buy=group_buy,
                leader=buyer,
                expires_at=timezone.now() + timedelta(hours=group_buy.duration_hours),
            )
        group = Group.objects.select_for_update().filter(pk=group_id, group_buy=group_buy).first()
        if group is None:
            raise Http404
        if group.status != GroupStatus.FORMING or group.expires_at <= timezone.now():
            raise ApplicationError(code=OrderErrorCode.GROUP_CLOSED, message=_("This group has closed."))
        members = Order.objects.filter(group=group, status__in=MEMBER_STATUSES)
        if members.filter(buyer=buyer).exists():
            raise ApplicationError(
                code=OrderErrorCode.ALREADY_IN_GROUP, message=_("You are in this group already.")
            )
        if members.count() >= group_buy.group_size:
            raise ApplicationError(code=OrderErrorCode.GROUP_FULL, message=_("This group is full."))
        return group

    return checkout(
        buyer=buyer,
        address=address,
        lines=[CheckoutLine(sku_id=group_buy.sku_id, quantity=quantity)],
        note="",
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        scope="group_join",
        prices={group_buy.sku_id: group_buy.group_price},
        group=lock_or_start,
    )


def group_on_paid(*, order: Order) -> None:
    """Called (in the payment's transaction) for a just-paid order of a group: it waits for the group;
    the member that completes the group moves every member on."""
    assert order.group_id is not None  # noqa: S101 - callers pass group members only
    group = Group.objects.select_for_update().select_related("group_buy").get(pk=order.group_id)
    if group.status == GroupStatus.FAILED:
        return  # its refund follows from the failure (see groups_expire)
    order_transition(
        order=order, to=OrderStatus.AWAITING_GROUP, actor=None, note=gettext_noop("waiting for the group")
    )
    if group.status == GroupStatus.FILLED:  # joined while still open and paid after it filled
        order_transition(
            order=order, to=OrderStatus.PAID, actor=None, note=gettext_noop("the group is complete")
        )
        hub_enqueue(order=order)
        return
    waiting = list(
        Order.objects.select_for_update(of=("self",))
        .select_related("buyer", "vendor")
        .filter(group=group, status=OrderStatus.AWAITING_GROUP)
        .order_by("pk")
    )
    if len(waiting) < group.group_buy.group_size:
        return
    group.status, group.closed_at = GroupStatus.FILLED, timezone.now()
    group.save(update_fields=["status", "closed_at"])
    for member in waiting:
        order_transition(
            order=member, to=OrderStatus.PAID, actor=None, note=gettext_noop("the group is complete")
        )
        hub_enqueue(order=member)
        notify(
            user=member.buyer,
            kind="group_filled",
            params={"number": member.number},
            link=f"/orders/{member.pk}/",
        )
        notify_shop(member, "order_paid_shop")


def groups_expire(*, now: datetime | None = None) -> int:
    """Fail groups whose time ran out unfilled (a beat task): unpaid members are cancelled and their stock
    released, paid ones refunded in full and their stock returned. Once per group, under its lock."""
    from orders.services.refunds import refund_for_failed_group

    moment = now or timezone.now()
    failed = 0
    for group_id in list(
        Group.objects.filter(status=GroupStatus.FORMING, expires_at__lte=moment).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            group = Group.objects.select_for_update().get(pk=group_id)
            if group.status != GroupStatus.FORMING:
                continue
            group.status, group.closed_at = GroupStatus.FAILED, timezone.now()
            group.save(update_fields=["status", "closed_at"])
            members = list(
                Order.objects.select_for_update(of=("self",))
                .select_related("buyer", "vendor", "payment")
                .filter(group=group, status__in=MEMBER_STATUSES)
                .order_by("pk")
            )
            for order in members:
                if order.status == OrderStatus.PENDING_PAYMENT:
                    order_transition(
                        order=order,
                        to=OrderStatus.CANCELLED,
                        actor=None,
                        note=gettext_noop("the group did not fill"),
                    )
                    stock_release(lines=stock_lines(order))
                    payment = Payment.objects.select_for_update().get(pk=order.payment_id)
                    if payment.status == PaymentStatus.PENDING:
                        payment.status, payment.closed_at = PaymentStatus.CLOSED, timezone.now()
                        payment.save(update_fields=["status", "closed_at"])
                else:
                    order_transition(
                        order=order,
                        to=OrderStatus.CANCELLED,
                        actor=None,
                        note=gettext_noop("the group did not fill"),
                    )
                    stock_return(lines=stock_lines(order))
                    refund_for_failed_group(order=order)
                notify(
                    user=order.buyer,
                    kind="group_failed",
                    params={"number": order.number},
                    link=f"/orders/{order.pk}/",
                )
            failed += 1
    return failed


def group_buy_end(*, group_buy: GroupBuy) -> GroupBuy:
    """The shop ends an offer: no new groups start; groups already forming run their course."""
    GroupBuy.objects.filter(pk=group_buy.pk).update(active=False)
    group_buy.active = False
    return group_buy
