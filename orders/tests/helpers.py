"""Helpers of the orders tests: orders paid, shipped, completed (and refunded) through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxTrade,
)
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, checkout
from orders.services.orders import order_confirm_receipt, order_ship
from orders.services.payments import payment_mark_paid
from orders.settlement.ledger import ledger_post_payment, ledger_post_refund
from orders.tests.conftest import ADDRESS


def paid_order(buyer, sku, *, quantity=1, key="k") -> Order:
    result = checkout(
        buyer=buyer,
        address=AddressInput(**ADDRESS),
        lines=[CheckoutLine(sku_id=sku.pk, quantity=quantity)],
        note="",
        idempotency_key=key,
        fingerprint=key,
    )
    payment = result.payment
    SandboxTrade.objects.create(
        out_trade_no=payment.number,
        trade_no=f"T-{key}",
        total_amount=payment.amount,
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
    )
    payment_mark_paid(payment_id=payment.pk, provider="alipay", trade_no=f"T-{key}")
    return Order.objects.get(pk=result.orders[0].pk)


def completed_order(buyer, sku, owner, *, quantity=1, key="k", completed_at: datetime | None = None) -> Order:
    order = paid_order(buyer, sku, quantity=quantity, key=key)
    order_ship(order=order, actor=owner, carrier="sf", tracking_number=f"SF{order.pk:013d}")
    order_confirm_receipt(order=order, actor=buyer)
    if completed_at is not None:
        Order.objects.filter(pk=order.pk).update(completed_at=completed_at)
    return Order.objects.get(pk=order.pk)


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def refunded(order: Order, amount: str, *, number: str, at: datetime | None = None) -> Refund:
    """A refund whose money went back (what ``refund_execute`` does once the gateway has paid it)."""
    with transaction.atomic():
        refund = Refund.objects.create(
            number=number,
            order=order,
            buyer_id=order.buyer_id,
            amount=Decimal(amount),
            reason="test",
            status=RefundStatus.REFUNDED,
            refunded_at=at or timezone.now(),
        )
        ledger_post_refund(refund=refund)
    return refund


def ledger_order(number: str, buyer, vendor, sku, items: Decimal, shipping: Decimal, days: int) -> Order:
    """A completed order written straight to the tables (no checkout, no tasks), its payment posted to the
    ledger: for property tests and for data that a worker process must find committed."""
    with transaction.atomic():
        payment = Payment.objects.create(
            number=f"PAY-{number}", buyer=buyer, amount=items + shipping, status=PaymentStatus.PAID
        )
        order = Order.objects.create(
            number=number,
            buyer=buyer,
            vendor=vendor,
            payment=payment,
            status=OrderStatus.COMPLETED,
            items_total=items,
            shipping_fee=shipping,
            total=items + shipping,
            recipient="王",
            phone="13800138000",
            province_code="620000",
            address_detail="x",
            completed_at=timezone.now() - timedelta(days=days),
        )
        OrderItem.objects.create(
            order=order,
            sku=sku,
            product=sku.product,
            product_name="x",
            spec="x",
            unit_price=items,
            quantity=1,
            line_total=items,
            fulfilled_by="vendor",
        )
        ledger_post_payment(payment=payment, orders=[order])
    return order
