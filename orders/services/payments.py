"""Payments: the gateway's notification marks a payment paid (once), unpaid payments time out, and held
stock is reconciled against open orders.

A notification is checked in this order — signature (RSA2, the gateway's public key), ``app_id``, the
payment (``out_trade_no`` is its number), the amount, the trade status — and every one, good or bad, is
logged. Only TRADE_SUCCESS and TRADE_FINISHED mark a payment paid; a replay changes nothing and is still
answered ``success``. The answer is decided after the transaction commits, so ``success`` never stands
for a change that was rolled back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.models import Sku
from catalog.services import stock_release, stock_sell
from orders.models import Order, OrderItem, OrderStatus, Payment, PaymentNotification, PaymentStatus
from orders.services.fulfillment import hub_enqueue
from orders.services.orders import notify_buyer, notify_shop, order_transition, stock_lines
from orders.settlement.ledger import ledger_post_payment

logger = logging.getLogger(__name__)
PAID_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}


def payment_mark_paid(*, payment_id: int, provider: str, trade_no: str) -> str:
    """Mark a pending payment paid and its orders paid (their held stock becomes sold). Returns
    "paid", or "duplicate" when it was paid already, or "late" when it had closed (timed out): its
    orders stay cancelled and the money goes back (a refund per order, executed after commit)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == PaymentStatus.PAID:
            return "duplicate"
        if payment.status == PaymentStatus.CLOSED:
            # Paid after its orders were cancelled for lack of payment: the money goes back in full.
            logger.warning("payment %s was paid after it closed: refunding it", payment.number)
            from orders.services.refunds import payment_refund_late

            payment.provider, payment.provider_trade_no = provider, trade_no[:64]
            payment.save(update_fields=["provider", "provider_trade_no"])
            refunds = payment_refund_late(order_ids=list(payment.orders.values_list("pk", flat=True)))
            # The money was captured all the same: it reaches the shops' pending payable, which the refunds
            # (executed after commit) take out again.
            ledger_post_payment(payment=payment, orders=[refund.order for refund in refunds])
            return "late"
        payment.status = PaymentStatus.PAID
        payment.provider = provider
        payment.provider_trade_no = trade_no[:64]
        payment.paid_at = timezone.now()
        payment.save(update_fields=["status", "provider", "provider_trade_no", "paid_at"])
        orders = list(
            Order.objects.select_for_update(of=("self",))
            .select_related("vendor", "buyer")
            .filter(payment=payment, status=OrderStatus.PENDING_PAYMENT)
            .order_by("pk")
        )
        for order in orders:
            order_transition(order=order, to=OrderStatus.PAID, actor=None, note=f"{provider} {trade_no}")
            stock_sell(lines=stock_lines(order))
            notify_buyer(order, "order_paid")
            if order.group_id is not None:  # a group member waits for the group to fill
                from orders.services.group_buys import group_on_paid

                group_on_paid(order=order)
            else:
                hub_enqueue(order=order)
                notify_shop(order, "order_paid_shop")
        ledger_post_payment(payment=payment, orders=orders)  # the money captured, in the same transaction
    return "paid"


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        return None


def notification_handle(*, provider: str, params: dict[str, str]) -> str:
    """Handle one asynchronous notification of the gateway; returns the body to answer: "success" or
    "failure" (the gateway retries on anything but "success")."""
    from orders.payments.providers import provider as payment_provider

    client = payment_provider(provider)
    number = params.get("out_trade_no", "")

    def log(outcome: str) -> None:
        PaymentNotification.objects.create(
            provider=provider, out_trade_no=number[:64], params=params, outcome=outcome
        )

    if not client.verify_notification(params):
        log("bad_signature")
        return "failure"
    if params.get("app_id") != client.app_id:
        log("wrong_app_id")
        return "failure"
    payment = Payment.objects.filter(number=number).first()
    if payment is None:
        log("unknown_payment")
        return "failure"
    if _amount(params.get("total_amount", "")) != payment.amount:
        log("wrong_amount")
        return "failure"
    if params.get("trade_status") not in PAID_STATUSES:
        log(f"ignored:{params.get('trade_status', '')}"[:32])
        return "success"  # WAIT_BUYER_PAY, TRADE_CLOSED: nothing to do, and no reason to hear it again
    outcome = payment_mark_paid(payment_id=payment.pk, provider=provider, trade_no=params.get("trade_no", ""))
    log(outcome)
    return "success"


@dataclass
class ExpiryReport:
    closed: int
    paid_late: int


def payments_expire(*, now: datetime | None = None) -> ExpiryReport:
    """Close payments left unpaid for ORDER_PAYMENT_TIMEOUT_MINUTES and cancel their orders, releasing the
    held stock (a Celery beat task, every minute). The gateway is asked first, outside any lock: a payment
    it reports paid is marked paid instead. Running twice, or in two workers at once, releases once: each
    payment is re-checked under its row lock."""
    moment = now or timezone.now()
    cutoff = moment - timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    due = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff).values_list(
            "pk", "number"
        )
    )
    report = ExpiryReport(closed=0, paid_late=0)
    for payment_id, number in due:
        trade = _query(number)
        if trade is not None and trade.get("trade_status") in PAID_STATUSES:
            if (
                payment_mark_paid(
                    payment_id=payment_id, provider="alipay", trade_no=trade.get("trade_no", "")
                )
                == "paid"
            ):
                report.paid_late += 1
            continue
        if _close(payment_id):
            report.closed += 1
    return report


def _query(number: str) -> dict[str, str] | None:
    from orders.payments.alipay import GatewayError
    from orders.payments.providers import provider

    try:
        return provider("alipay").query(out_trade_no=number)
    except GatewayError as exc:  # the gateway is unreachable: close anyway (a late payment is refunded)
        logger.warning("query of payment %s failed: %s", number, exc)
        return None


def _close(payment_id: int) -> bool:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.PENDING:
            return False
        payment.status = PaymentStatus.CLOSED
        payment.closed_at = timezone.now()
        payment.save(update_fields=["status", "closed_at"])
        orders = list(
            Order.objects.select_for_update(of=("self",))
            .select_related("vendor", "buyer")
            .filter(payment=payment, status=OrderStatus.PENDING_PAYMENT)
            .order_by("pk")
        )
        for order in orders:
            order_transition(
                order=order, to=OrderStatus.CANCELLED, actor=None, note=gettext_noop("payment timed out")
            )
            stock_release(lines=stock_lines(order))
            notify_buyer(order, "order_timed_out")
    return True


@dataclass
class Drift:
    sku_id: int
    reserved: int
    held_by_orders: int


def reserved_reconcile() -> list[Drift]:
    """Compare each SKU's ``reserved`` counter with the units in orders awaiting payment (a periodic task);
    any difference is logged as an error and returned, never corrected silently."""
    held = dict(
        OrderItem.objects.filter(order__status=OrderStatus.PENDING_PAYMENT)
        .order_by()
        .values("sku_id")
        .annotate(n=Sum("quantity"))
        .values_list("sku_id", "n")
    )
    counters = dict(Sku.objects.filter(reserved__gt=0).values_list("pk", "reserved"))
    drift = [
        Drift(sku_id=pk, reserved=counters.get(pk, 0), held_by_orders=held.get(pk, 0))
        for pk in sorted(set(held) | set(counters))
        if counters.get(pk, 0) != held.get(pk, 0)
    ]
    for d in drift:
        logger.error(
            "reserved drift on SKU %s: counter %s, orders hold %s", d.sku_id, d.reserved, d.held_by_orders
        )
    return drift
