"""The settlement run: one statement per shop and period, and a payout of what is available.

For ``as_of`` the period ends SETTLEMENT_HOLD_DAYS before it (``period_end``); a shop's statement covers
    - its completed orders not settled yet, completed on or before ``period_end`` (local time), each with
      its gross (the order's total), the refunds executed on it so far, and its commission;
    - adjustments: refunds executed (on or before ``period_end``) on orders settled in an earlier period;
and starts the day after the shop's previous statement (or on its first order's completion day).
Its entry moves the money from the shop's pending payable to commission and to its available payable; then
whatever the shop has available (this statement's net, plus money of failed payouts) goes into a payout.

Each shop is settled in a transaction of its own, under the shop's row lock: a run killed half way keeps
the shops it finished, and running again (the same day, or a redelivered task) settles the rest once —
a shop with a statement for this period (or a later one) is skipped, ``Settlement(vendor, period_end)``
and ``SettlementLine.order`` are unique, and the ledger entry's key is ``settlement:<shop>:<period_end>``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from gansu_mall.core.money import format_money
from orders.models import Order, OrderItem, OrderStatus, Refund, RefundStatus
from orders.settlement.commission import ItemForCommission, RateBook, order_commission, rate_book
from orders.settlement.ledger import ZERO, Legs, ledger_post, vendor_balance
from orders.settlement.models import (
    AccountKind,
    EntryKind,
    Posting,
    SettledRefund,
    Settlement,
    SettlementLine,
    SettlementStatus,
)
from orders.settlement.payouts import STATEMENT_STATUS, notify_shop_staff, payout_open
from vendors.models import Vendor

logger = logging.getLogger(__name__)


def period_end_for(as_of: date) -> date:
    return as_of - timedelta(days=settings.SETTLEMENT_HOLD_DAYS)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _late_refunds(period_end: date) -> QuerySet[Refund]:
    """Executed refunds of settled orders not on a statement yet (the next statement's adjustments)."""
    return Refund.objects.filter(
        status=RefundStatus.REFUNDED,
        settled__isnull=True,
        order__settlement_line__isnull=False,
        refunded_at__lt=_day_start(period_end + timedelta(days=1)),
    )


def vendors_with_adjustments(*, period_end: date) -> set[int]:
    return set(_late_refunds(period_end).order_by().values_list("order__vendor_id", flat=True).distinct())


def vendors_due(*, period_end: date) -> list[int]:
    """Shops with completed orders or refunds of settled orders waiting for a statement (two queries)."""
    cutoff = _day_start(period_end + timedelta(days=1))
    with_orders = Order.objects.filter(
        status=OrderStatus.COMPLETED, completed_at__lt=cutoff, settlement_line__isnull=True
    ).values_list("vendor_id", flat=True)
    return sorted(set(with_orders.order_by().distinct()) | vendors_with_adjustments(period_end=period_end))


def settlement_create_for_shop(
    *,
    vendor_id: int,
    period_end: date,
    book: RateBook | None = None,
    adjustment_vendors: set[int] | None = None,
) -> Settlement | None:
    """Settle one shop for the period ending ``period_end``; None when there was nothing to settle or the
    shop has a statement for this period (or a later one) already. ``adjustment_vendors`` (the run reads it
    once) names the shops that may have refunds to adjust; others skip that query."""
    book = book or rate_book()
    cutoff = _day_start(period_end + timedelta(days=1))
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
        previous = Settlement.objects.filter(vendor_id=vendor_id).order_by("-period_end").first()
        if previous is not None and previous.period_end >= period_end:
            return None
        orders = list(
            Order.objects.select_for_update(of=("self",))
            .filter(
                vendor_id=vendor_id,
                status=OrderStatus.COMPLETED,
                completed_at__lt=cutoff,
                settlement_line__isnull=True,
            )
            .order_by("pk")
            .only("pk", "total", "completed_at", "vendor_id")
        )
        order_ids = [o.pk for o in orders]
        items: dict[int, list[ItemForCommission]] = defaultdict(list)
        for item_id, order_id, category_id, line_total in (
            OrderItem.objects.filter(order_id__in=order_ids)
            .order_by("pk")
            .values_list("pk", "order_id", "product__category_id", "line_total")
        ):
            items[order_id].append(ItemForCommission(item_id, category_id, line_total))
        line_refunds = list(
            Refund.objects.filter(order_id__in=order_ids, status=RefundStatus.REFUNDED, settled__isnull=True)
            .order_by("pk")
            .values_list("pk", "order_id", "amount")
        )
        late_refunds: list[tuple[int, Decimal, datetime | None]] = []
        if adjustment_vendors is None or vendor_id in adjustment_vendors:
            late_refunds = list(
                _late_refunds(period_end)
                .filter(order__vendor_id=vendor_id)
                .order_by("pk")
                .values_list("pk", "amount", "refunded_at")
            )
        if not orders and not late_refunds:
            return None
        refunded: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for _pk, order_id, amount in line_refunds:
            refunded[order_id] += amount
        lines = []
        for order in orders:
            commission, detail = order_commission(
                book=book,
                vendor_id=vendor_id,
                items=items[order.pk],
                total=order.total,
                refunded=refunded[order.pk],
            )
            lines.append(
                SettlementLine(
                    order=order,
                    gross=order.total,
                    refunds=refunded[order.pk],
                    commission=commission,
                    net=order.total - refunded[order.pk] - commission,
                    commission_detail=detail,
                )
            )
        gross = sum((line.gross for line in lines), ZERO)
        refunds = sum((line.refunds for line in lines), ZERO)
        commission = sum((line.commission for line in lines), ZERO)
        adjustments = -sum((amount for _pk, amount, _at in late_refunds), ZERO)
        net = gross - commission - refunds + adjustments
        if previous is not None:
            period_start = previous.period_end + timedelta(days=1)
        else:
            days = [timezone.localdate(o.completed_at) for o in orders if o.completed_at is not None]
            days += [timezone.localdate(at) for _pk, _a, at in late_refunds if at is not None]
            period_start = min(days + [period_end])
        legs = (
            Legs()
            .add(AccountKind.SHOP_PENDING, -(gross - refunds + adjustments), vendor_id)
            .add(AccountKind.COMMISSION, commission)
            .add(AccountKind.SHOP_AVAILABLE, net, vendor_id)
        )
        entry = ledger_post(
            kind=EntryKind.SETTLEMENT,
            reference=f"{vendor.slug}:{period_end}"[:64],
            key=f"settlement:{vendor_id}:{period_end.isoformat()}",
            legs=legs,
        )
        statement = Settlement.objects.create(
            vendor=vendor,
            period_start=period_start,
            period_end=period_end,
            orders_count=len(lines),
            gross=gross,
            commission=commission,
            refunds=refunds,
            adjustments=adjustments,
            net=net,
            status=SettlementStatus.NOTHING_TO_PAY,
            entry=entry,
        )
        for line in lines:
            line.settlement = statement
        SettlementLine.objects.bulk_create(lines)
        SettledRefund.objects.bulk_create(
            [
                SettledRefund(refund_id=pk, settlement=statement, amount=amount)
                for pk, _o, amount in line_refunds
            ]
            + [
                SettledRefund(refund_id=pk, settlement=statement, amount=amount, adjustment=True)
                for pk, amount, _at in late_refunds
            ]
        )
        available = vendor_balance(vendor_id=vendor_id).available
        if available > ZERO:
            payout = payout_open(vendor=vendor, amount=available, settlement=statement)
            statement.status = STATEMENT_STATUS[payout.status]
        notify_shop_staff(
            vendor,
            "settlement_issued",
            {"period": f"{statement.period_start} – {statement.period_end}", "net": format_money(net)},
            f"/seller/{vendor.slug}/settlement/statements/{statement.pk}/",
        )
    return statement


def payouts_sweep(*, vendor_ids: list[int] | None = None) -> int:
    """Shops with money available and no statement to carry it (a payout failed, an adjustment) get a
    payout of it. Returns how many payouts were opened."""
    candidates = (
        Posting.objects.filter(account__kind=AccountKind.SHOP_AVAILABLE)
        .order_by()
        .values("account__vendor_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .values_list("account__vendor_id", flat=True)
    )
    if vendor_ids is not None:
        candidates = candidates.filter(account__vendor_id__in=vendor_ids)
    opened = 0
    for vendor_id in sorted(candidates):
        with transaction.atomic():
            vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
            available = vendor_balance(vendor_id=vendor_id).available
            if available > ZERO:
                payout_open(vendor=vendor, amount=available)
                opened += 1
    return opened


@dataclass
class RunReport:
    period_end: date
    statements: list[int] = field(default_factory=list)
    skipped: int = 0
    swept_payouts: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "period_end": self.period_end.isoformat(),
            "statements": len(self.statements),
            "skipped": self.skipped,
            "swept_payouts": self.swept_payouts,
        }


def settlement_run(
    *, as_of: date | None = None, on_shop_done: Callable[[int, Settlement | None], None] | None = None
) -> RunReport:
    """The daily run (Celery beat and ``manage.py run_settlement``): every shop due is settled in its own
    transaction, then available money without a statement is swept into payouts. Idempotent."""
    day = as_of or timezone.localdate()
    period_end = period_end_for(day)
    report = RunReport(period_end=period_end)
    book = rate_book()
    adjustment_vendors = vendors_with_adjustments(period_end=period_end)
    for vendor_id in vendors_due(period_end=period_end):
        statement = settlement_create_for_shop(
            vendor_id=vendor_id, period_end=period_end, book=book, adjustment_vendors=adjustment_vendors
        )
        if statement is None:
            report.skipped += 1
        else:
            report.statements.append(statement.pk)
        if on_shop_done is not None:
            on_shop_done(vendor_id, statement)
    report.swept_payouts = payouts_sweep()
    logger.info("settlement run for %s: %s", day, report.as_dict())
    return report
