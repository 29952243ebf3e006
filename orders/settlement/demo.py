"""Demo settlement for ``seed_demo``: commission rates on the top-level categories, a statement for every
demo shop with completed orders (settled as of SETTLEMENT_HOLD_DAYS from today, so that the demo's orders,
completed just now, are past their hold: the statements end today), one payout exported in a bank batch and
confirmed paid, the others waiting on the payouts desk. Idempotent: a second run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from catalog.models import Category
from gansu_mall.accounts.models import User
from orders.settlement.models import CommissionRate, Payout, PayoutBatch, PayoutStatus
from orders.settlement.payouts import payout_mark_paid, payouts_export
from orders.settlement.settlement import settlement_run

# Per top-level category slug; the rest pay COMMISSION_DEFAULT_RATE.
RATES = {
    "nuts": "0.05",
    "herbs": "0.06",
    "fruit": "0.04",
    "vegetables": "0.03",
    "grains-oils": "0.03",
    "tea": "0.06",
}


@dataclass(frozen=True)
class DemoSettlement:
    rates: int
    statements: int
    batches: int


def seed_demo_settlement() -> DemoSettlement:
    rates = 0
    for category in Category.objects.filter(parent__isnull=True, slug__in=list(RATES)):
        _row, created = CommissionRate.objects.get_or_create(
            category=category, defaults={"rate": Decimal(RATES[category.slug])}
        )
        rates += int(created)
    report = settlement_run(as_of=timezone.localdate() + timedelta(days=settings.SETTLEMENT_HOLD_DAYS))
    batches = 0
    desk = User.objects.filter(username="demo_bureau").first()
    if desk is not None and not PayoutBatch.objects.exists():
        first = Payout.objects.filter(status=PayoutStatus.PENDING).order_by("pk").first()
        if first is not None:
            batch = payouts_export(actor=desk, payout_ids=[first.pk])
            if batch is not None:
                batches = 1
                payout_mark_paid(payout=Payout.objects.get(pk=first.pk), actor=desk, note="演示回单 DEMO-001")
    return DemoSettlement(rates=rates, statements=len(report.statements), batches=batches)
