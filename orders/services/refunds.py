"""After-sales: refunds before and after shipping, the shop's decision, escalation, the bureau's arbitration.

    before shipping (paid, awaiting_group): the buyer asks → approved at once, the order is cancelled and
        its units are sellable again
    after shipping: requested → approved (shop) | rejected (shop, with a reason) → escalated (buyer)
        → approved | closed (bureau, with a note)
    a return and refund: requested → awaiting_return (shop agrees) → the buyer sends the goods back with a
        tracking number → approved when the shop has them (or rejected, with a reason)
    approved → refunded, when the gateway has returned the money (``refund_execute``, a task run after
        commit: the gateway call is never made inside a transaction or under a lock, and the refund number
        makes a repeated call a no-op at the gateway)

Refunds of an order never add up to more than its total (checked under the order's lock).
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.services import stock_return
from gansu_mall.accounts.models import User
from gansu_mall.core import rollups
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.money import format_money, to_money
from gansu_mall.core.rollups import rollup_mark_stale
from gansu_mall.notifications.services import notify
from orders.errors import OrderErrorCode
from orders.models import Order, OrderStatus, Refund, RefundEvent, RefundKind, RefundStatus
from orders.services.fulfillment import hub_task_withdraw
from orders.services.orders import order_transition, shop_staff, stock_lines
from orders.settlement.ledger import ledger_post_refund

logger = logging.getLogger(__name__)
R = RefundStatus
# Refunds that hold part of the order's total (a rejected one holds nothing: the buyer may escalate it,
# withdraw it, or ask again, which closes it).
OPEN = (R.REQUESTED, R.AWAITING_RETURN, R.APPROVED, R.REFUNDED, R.ESCALATED)
BEFORE_SHIPPING = (OrderStatus.PAID, OrderStatus.AWAITING_GROUP)
AFTER_SHIPPING = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
TRANSITIONS: dict[str, set[str]] = {
    R.REQUESTED: {R.APPROVED, R.AWAITING_RETURN, R.REJECTED, R.CLOSED},
    R.AWAITING_RETURN: {R.APPROVED, R.REJECTED, R.CLOSED},
    R.REJECTED: {R.ESCALATED, R.CLOSED},
    R.ESCALATED: {R.APPROVED, R.CLOSED},
    R.APPROVED: {R.REFUNDED},
    R.REFUNDED: set(),
    R.CLOSED: set(),
}


def _number() -> str:
    return f"R{timezone.localdate():%Y%m%d}{secrets.randbelow(10**10):010d}"


def _transition(refund: Refund, to: str, actor: User | None, note: str = "") -> None:
    current = refund.status
    if to not in TRANSITIONS[current]:
        raise ApplicationError(
            code=OrderErrorCode.INVALID_TRANSITION,
            message=_("A refund that is “%(current)s” cannot become “%(to)s”.")
            % {"current": RefundStatus(current).label, "to": RefundStatus(to).label},
            extra={"status": current},
        )
    refund.status = to
    fields = ["status", "updated_at"]
    if to == R.REFUNDED:
        refund.refunded_at = timezone.now()
        fields.append("refunded_at")
    refund.save(update_fields=fields)
    RefundEvent.objects.create(refund=refund, from_status=current, to_status=to, actor=actor, note=note[:500])
    if to == R.REFUNDED:  # the money went back: the shop's refunds of the day on the dashboards
        vendor_id = Order.objects.filter(pk=refund.order_id).values_list("vendor_id", flat=True).get()
        rollup_mark_stale(topic=rollups.SHOP, at=refund.refunded_at or timezone.now(), key=vendor_id)


def _notify(refund: Refund, kind: str, *, buyer: bool = True, shop: bool = True) -> None:
    order = refund.order
    params: dict[str, object] = {
        "number": order.number,
        "amount": format_money(refund.amount),
        "shop": order.vendor.name,
    }
    if buyer:
        notify(user=order.buyer, kind=kind, params=params, link=f"/orders/{order.pk}/")
    if shop:
        for user in shop_staff(order):
            notify(
                user=user, kind=kind, params=params, link=f"/seller/{order.vendor.slug}/orders/{order.pk}/"
            )


def _after_commit_execute(refund: Refund) -> None:
    from orders.tasks import execute_refund

    transaction.on_commit(partial(execute_refund.delay, refund.pk))


def _amount(value: object, left: Decimal) -> Decimal:
    """The amount asked for (all that is left when none is given): above zero, in fen, at most ``left``."""
    if value in (None, ""):
        return left
    try:
        asked = Decimal(str(value))
    except InvalidOperation:
        asked = Decimal("-1")
    if not asked.is_finite() or asked <= 0 or asked > left or asked != to_money(asked):
        raise _invalid(
            {
                "amount": [
                    _("Give an amount above zero, in fen, at most %(left)s CNY.")
                    % {"left": format_money(left)}
                ]
            }
        )
    return to_money(asked)


def refundable(order: Order) -> Decimal:
    """What is left to refund of an order: its total less every refund not closed."""
    held = order.refunds.filter(status__in=OPEN).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return to_money(order.total - held)


def refund_request(
    *, order: Order, buyer: User, reason: str, amount: object = None, kind: str = RefundKind.REFUND
) -> Refund:
    """The buyer asks for money back. Before shipping: the whole order, at once (the order is cancelled,
    its units sellable again). After shipping: all or part of it, for the shop to decide."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise _invalid({"reason": [_("Say why you want a refund (at most 500 characters).")]})
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",)).select_related("vendor", "buyer").get(pk=order.pk)
        )
        if order.buyer_id != buyer.pk:
            raise Http404
        left = refundable(order)
        if order.status == OrderStatus.CANCELLED:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("This order is cancelled."),
                extra={"status": order.status},
            )
        if order.status in BEFORE_SHIPPING:
            if amount not in (None, "") and _amount(amount, left) != left:
                raise _invalid({"amount": [_("Before shipping, the whole order is refunded.")]})
            refund = Refund.objects.create(
                number=_number(), order=order, buyer=buyer, kind=RefundKind.REFUND, amount=left, reason=reason
            )
            RefundEvent.objects.create(refund=refund, to_status=R.REQUESTED, actor=buyer, note=reason)
            _transition(refund, R.APPROVED, None, gettext_noop("refunded before shipping"))
            order_transition(order=order, to=OrderStatus.CANCELLED, actor=buyer, note=reason)
            hub_task_withdraw(order=order, reason=gettext_noop("refunded before shipping"))
            stock_return(lines=stock_lines(order))
            _notify(refund, "refund_approved")
            _after_commit_execute(refund)
            return refund
        if order.status not in AFTER_SHIPPING:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("This order is not paid: cancel it instead."),
                extra={"status": order.status},
            )
        if kind not in RefundKind.values:
            raise _invalid({"kind": [_("Choose a refund, or a return and refund.")]})
        if order.refunds.filter(status__in=(R.REQUESTED, R.AWAITING_RETURN, R.ESCALATED)).exists():
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("This order already has a refund request under way."),
            )
        for rejected in order.refunds.select_for_update().filter(status=R.REJECTED):
            _transition(rejected, R.CLOSED, buyer, gettext_noop("replaced by a new request"))
        if left <= 0:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION, message=_("This order has been refunded in full.")
            )
        refund = Refund.objects.create(
            number=_number(), order=order, buyer=buyer, kind=kind, amount=_amount(amount, left), reason=reason
        )
        RefundEvent.objects.create(refund=refund, to_status=R.REQUESTED, actor=buyer, note=reason)
        _notify(refund, "refund_requested", buyer=False)
    return refund


def _locked(refund: Refund) -> Refund:
    return (
        Refund.objects.select_for_update(of=("self",))
        .select_related("order__vendor", "order__buyer")
        .get(pk=refund.pk)
    )


def refund_approve(*, refund: Refund, actor: User, note: str = "") -> Refund:
    """The shop agrees: the money goes back — for a return and refund, once the goods are back."""
    with transaction.atomic():
        refund = _locked(refund)
        if refund.kind == RefundKind.RETURN and refund.status == R.REQUESTED:
            _transition(refund, R.AWAITING_RETURN, actor, note)
            _notify(refund, "refund_return_agreed", shop=False)
            return refund
        if refund.status == R.AWAITING_RETURN:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("Confirm that the returned goods have arrived instead."),
                extra={"status": refund.status},
            )
        _transition(refund, R.APPROVED, actor, note)
        _notify(refund, "refund_approved", shop=False)
        _after_commit_execute(refund)
    return refund


def refund_return_shipped(*, refund: Refund, actor: User, carrier: str, tracking_number: str) -> Refund:
    """The buyer has sent the goods back: the parcel's carrier and tracking number, for the shop."""
    from logistics.carriers import validate_tracking

    tracking = validate_tracking(carrier, tracking_number)
    carrier = carrier.strip().lower()
    with transaction.atomic():
        refund = _locked(refund)
        if refund.status != R.AWAITING_RETURN:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("The shop has not asked for the goods back."),
                extra={"status": refund.status},
            )
        refund.return_carrier, refund.return_tracking_number = carrier, tracking
        refund.save(update_fields=["return_carrier", "return_tracking_number", "updated_at"])
        RefundEvent.objects.create(
            refund=refund,
            from_status=R.AWAITING_RETURN,
            to_status=R.AWAITING_RETURN,
            actor=actor,
            note=f"{carrier} {tracking}",
        )
        _notify(refund, "refund_return_shipped", buyer=False)
    return refund


def refund_return_received(*, refund: Refund, actor: User, note: str = "") -> Refund:
    """The shop has the returned goods: the money goes back."""
    with transaction.atomic():
        refund = _locked(refund)
        if refund.status != R.AWAITING_RETURN:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("This refund is not waiting for returned goods."),
                extra={"status": refund.status},
            )
        _transition(refund, R.APPROVED, actor, note)
        _notify(refund, "refund_approved", shop=False)
        _after_commit_execute(refund)
    return refund


def refund_reject(*, refund: Refund, actor: User, reason: str) -> Refund:
    reason = (reason or "").strip()
    if not reason:
        raise _invalid({"reason": [_("Say why the refund is refused.")]})
    with transaction.atomic():
        refund = _locked(refund)
        _transition(refund, R.REJECTED, actor, reason)
        refund.shop_note = reason[:500]
        refund.save(update_fields=["shop_note"])
        _notify(refund, "refund_rejected", shop=False)
    return refund


def refund_escalate(*, refund: Refund, actor: User, note: str = "") -> Refund:
    """The buyer takes a rejected refund to the commerce bureau."""
    with transaction.atomic():
        refund = _locked(refund)
        _transition(refund, R.ESCALATED, actor, note)
        _notify(refund, "refund_escalated")
    return refund


def refund_withdraw(*, refund: Refund, actor: User) -> Refund:
    """The buyer withdraws a request the shop has not approved (asked, or refused and not escalated)."""
    with transaction.atomic():
        refund = _locked(refund)
        if refund.status not in (R.REQUESTED, R.REJECTED, R.AWAITING_RETURN):
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("Only a request the shop has not approved can be withdrawn."),
                extra={"status": refund.status},
            )
        _transition(refund, R.CLOSED, actor, gettext_noop("withdrawn by the buyer"))
        _notify(refund, "refund_withdrawn", buyer=False)
    return refund


def refund_arbitrate(*, refund: Refund, actor: User, decision: str, note: str) -> Refund:
    """Bureau staff decide an escalated refund: "refund" (the money goes back) or "reject" (closed)."""
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in ("refund", "reject"):
        errors["decision"] = [_("Decide refund or reject.")]
    if not note:
        errors["note"] = [_("Explain the decision.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        refund = _locked(refund)
        if refund.status != R.ESCALATED:
            raise ApplicationError(
                code=OrderErrorCode.INVALID_TRANSITION,
                message=_("Only refunds taken to the bureau are arbitrated."),
                extra={"status": refund.status},
            )
        _transition(refund, R.APPROVED if decision == "refund" else R.CLOSED, actor, note)
        refund.arbitration_note = note[:500]
        refund.save(update_fields=["arbitration_note"])
        _notify(refund, "refund_arbitrated")
        if decision == "refund":
            _after_commit_execute(refund)
    return refund


def refund_execute(*, refund_id: int) -> bool:
    """Return an approved refund's money through the gateway, then mark it refunded. Safe to run again
    (the gateway treats a repeated refund number as the same refund). False when there was nothing to do."""
    from orders.payments.providers import provider

    refund = Refund.objects.select_related("order__payment").get(pk=refund_id)
    if refund.status != R.APPROVED:
        return False
    provider(refund.order.payment.provider or "alipay").refund(
        out_trade_no=refund.order.payment.number,
        refund_amount=refund.amount,
        out_request_no=refund.number,
        reason=refund.reason[:100],
    )
    with transaction.atomic():
        refund = _locked(refund)
        if refund.status != R.APPROVED:
            return False
        _transition(refund, R.REFUNDED, None, gettext_noop("money returned through the payment gateway"))
        ledger_post_refund(refund=refund)  # the money leaves the shop's payable, in the same transaction
        _notify(refund, "refund_done", shop=False)
    return True


def _refund_in_full(order: Order, reason: str) -> Refund:
    """An approved refund of the whole order, its money sent back after commit (no shop decision)."""
    refund = Refund.objects.create(
        number=_number(),
        order=order,
        buyer_id=order.buyer_id,
        amount=order.total,
        reason=reason,
        status=R.APPROVED,
    )
    RefundEvent.objects.create(refund=refund, to_status=R.APPROVED, note=reason)
    _after_commit_execute(refund)
    return refund


def payment_refund_late(*, order_ids: list[int]) -> list[Refund]:
    """A payment that arrived after its orders were cancelled (timed out) goes back in full."""
    refunds = []
    with transaction.atomic():
        for order in Order.objects.select_for_update(of=("self",)).filter(pk__in=order_ids).order_by("pk"):
            if not order.refunds.exists():
                refunds.append(
                    _refund_in_full(
                        order, gettext_noop("Paid after the order was cancelled for lack of payment.")
                    )
                )
    return refunds


def refund_for_failed_group(*, order: Order) -> Refund:
    """A paid member of a group that did not fill gets the whole order back (the caller has cancelled the
    order and returned its stock, under the group's lock)."""
    return _refund_in_full(order, gettext_noop("The group did not fill in time."))


def refund_for_hub_cancellation(*, order: Order) -> Refund:
    """The hub could not fulfil a paid order (its lead cancelled the task): the whole order goes back (the
    caller has cancelled the order and returned its stock, under the order's lock)."""
    return _refund_in_full(order, gettext_noop("The hub could not fulfil the order."))
